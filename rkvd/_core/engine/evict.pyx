# maxmemory and key eviction (Redis's evict.c): used memory is the running
# counter of lib/mem, checked before every command while maxmemory is set.
# Over the limit, keys go by the policy: the LRU, LFU and TTL policies sample
# maxmemory-samples keys per database into a pool of 16 candidates kept
# sorted by score and evict the best of the pool; the random ones take a
# random key, database after database. The volatile-* policies only look at
# keys with an expire. Each eviction is a deletion like DEL's: watchers are
# touched, `evicted` is notified and a DEL (UNLINK with
# lazyfree-lazy-eviction) is propagated.

cdef enum:
    MM_VOLATILE_LRU = 0     # the order of the maxmemory-policy enum
    MM_VOLATILE_LFU = 1
    MM_VOLATILE_RANDOM = 2
    MM_VOLATILE_TTL = 3
    MM_ALLKEYS_LRU = 4
    MM_ALLKEYS_LFU = 5
    MM_ALLKEYS_RANDOM = 6
    MM_NOEVICTION = 7
    EVPOOL_SIZE = 16
    EVPOOL_CACHED_SIZE = 255
    EVICT_OK = 0
    EVICT_RUNNING = 1
    EVICT_FAIL = 2

cdef bytes OOM_ERROR = b"-OOM command not allowed when used memory > 'maxmemory'."

cdef rk_mem_t* _mem = mem_state()


cdef inline bint _policy_allkeys(int p) noexcept:
    return p == MM_ALLKEYS_LRU or p == MM_ALLKEYS_LFU or p == MM_ALLKEYS_RANDOM


cdef long long mem_not_counted_for_evict(Engine e) noexcept:
    cdef long long n = 0
    if e.prop_on:
        n = PyByteArray_GET_SIZE(e.prop_buf)
    n += e.clients_mem_releasing
    if e.repl_output_mem_fn is not None:
        try:
            n += <long long>e.repl_output_mem_fn()
        except Exception:
            pass
    return n


# 0 when used memory is within maxmemory, else 1 with the excess in *tofree.
cdef int _over_maxmemory(Engine e, long long* tofree) noexcept:
    cdef long long used = mem_used(_mem)
    cdef long long overhead
    if e.maxmemory <= 0 or used <= e.maxmemory:
        return 0
    overhead = mem_not_counted_for_evict(e)
    used = used - overhead if used > overhead else 0
    if used <= e.maxmemory:
        return 0
    if tofree != NULL:
        tofree[0] = used - e.maxmemory
    return 1


# The engine the keyspace tables ask (the last one made: the server's).
cdef object _expand_engine = None


cdef int db_expand_allowed(size_t more_mem, double used_ratio) noexcept nogil:
    if used_ratio > 1.618:
        return 1
    return _fits_after_alloc(<long long>more_mem)


cdef int _fits_after_alloc(long long more) noexcept with gil:
    # Redis's overMaxmemoryAfterAlloc, negated
    cdef Engine e
    cdef long long used, overhead
    if _expand_engine is None:
        return 1
    e = <Engine>_expand_engine
    if e.maxmemory <= 0:
        return 1
    used = mem_used(_mem)
    if used + more <= e.maxmemory:
        return 1
    overhead = mem_not_counted_for_evict(e)
    used = used - overhead if used > overhead else 0
    return used + more <= e.maxmemory


cdef unsigned long long _time_limit_us(int tenacity) noexcept:
    if tenacity <= 10:
        return 50 * <unsigned long long>tenacity
    if tenacity < 100:
        return <unsigned long long>(500.0 * pow(1.15, tenacity - 10.0))
    return <unsigned long long>-1


cdef EvictionPoolEntry* _evict_pool_create() except NULL:
    # the entries, then one cache buffer per entry, in one block
    cdef size_t head = sizeof(EvictionPoolEntry) * EVPOOL_SIZE
    cdef char* block = <char*>malloc(head + (EVPOOL_CACHED_SIZE + 1) * EVPOOL_SIZE)
    cdef EvictionPoolEntry* pool = <EvictionPoolEntry*>block
    cdef int k
    if block == NULL:
        raise MemoryError()
    memset(block, 0, head)
    for k in range(EVPOOL_SIZE):
        pool[k].cached = block + head + k * (EVPOOL_CACHED_SIZE + 1)
    return pool


cdef inline void _pool_release_key(EvictionPoolEntry* pe) noexcept:
    if pe.key != NULL and pe.key != pe.cached:
        free(pe.key)
    pe.key = NULL
    pe.idle = 0


# The score of a sampled entry: higher is a better candidate. `de` is the
# keyspace entry (LRU, LFU) or the expires entry (TTL).
cdef inline unsigned long long _score(Engine e, int policy, dictEntry* de) noexcept:
    if policy == MM_VOLATILE_LRU or policy == MM_ALLKEYS_LRU:
        return <unsigned long long>estimate_idle_ms(e, de)
    if policy == MM_VOLATILE_LFU or policy == MM_ALLKEYS_LFU:
        return 255 - lfu_decr_and_return(e, de.meta)
    return <unsigned long long>-1 - <unsigned long long>de.v.ival


# Sample one database into the pool (Redis's evictionPoolPopulate): a
# sampled key enters at its rank when a slot is free or it beats the worst
# candidate held, which then drops out.
cdef int _pool_populate(Engine e, int dbid, kvdict* sampledict, kvdict* keydict,
                        EvictionPoolEntry* pool) except -1:
    cdef dictEntry* stack_samples[64]
    cdef dictEntry** samples = stack_samples
    cdef unsigned long want = <unsigned long>e.maxmemory_samples
    cdef unsigned long count, j
    cdef int k, policy = e.maxmemory_policy
    cdef dictEntry* de
    cdef unsigned long long idle
    cdef char* cached
    if want > 64:
        samples = <dictEntry**>malloc(sizeof(dictEntry*) * want)
        if samples == NULL:
            raise MemoryError()
    try:
        count = dict_some_entries(sampledict, samples, want)
        for j in range(count):
            de = samples[j]
            if policy != MM_VOLATILE_TTL and sampledict != keydict:
                de = dict_find(keydict, ENTRY_KEY(de), de.klen)
                if de == NULL:
                    continue
            idle = _score(e, policy, de)
            k = 0
            while k < EVPOOL_SIZE and pool[k].key != NULL and pool[k].idle < idle:
                k += 1
            if k == 0 and pool[EVPOOL_SIZE - 1].key != NULL:
                continue        # worse than every candidate, and no room
            if k < EVPOOL_SIZE and pool[k].key == NULL:
                pass            # a free slot at its rank
            elif pool[EVPOOL_SIZE - 1].key == NULL:
                # room on the right: shift k.. right by one; the free last
                # slot's buffer becomes slot k's
                cached = pool[EVPOOL_SIZE - 1].cached
                memmove(&pool[k + 1], &pool[k], sizeof(EvictionPoolEntry) * (EVPOOL_SIZE - k - 1))
                pool[k].cached = cached
            else:
                # full: the worst candidate (leftmost) goes, 1..k shift left
                k -= 1
                cached = pool[0].cached
                _pool_release_key(&pool[0])
                memmove(&pool[0], &pool[1], sizeof(EvictionPoolEntry) * k)
                pool[k].cached = cached
            de = samples[j]     # the key bytes are the same in both tables
            if de.klen > EVPOOL_CACHED_SIZE:
                pool[k].key = <char*>malloc(de.klen)
                if pool[k].key == NULL:
                    raise MemoryError()
            else:
                pool[k].key = pool[k].cached
            memcpy(pool[k].key, ENTRY_KEY(de), de.klen)
            pool[k].klen = de.klen
            pool[k].idle = idle
            pool[k].dbid = dbid
    finally:
        if samples != stack_samples:
            free(samples)
    return 0


# The best key of the pool that still exists (Redis's pick from the right
# end); the pool entries looked at are consumed. Returns the key and its
# database in *dbid, or None when the pool held nothing alive.
cdef object _pool_best(Engine e, EvictionPoolEntry* pool, int* dbid):
    cdef int k
    cdef Database db
    cdef dictEntry* de
    cdef object key = None
    for k in range(EVPOOL_SIZE - 1, -1, -1):
        if pool[k].key == NULL:
            continue
        db = <Database>e.dbs[pool[k].dbid]
        if _policy_allkeys(e.maxmemory_policy):
            de = dict_find(db.keys, pool[k].key, pool[k].klen)
        else:
            de = dict_find(db.expires, pool[k].key, pool[k].klen)
        if de != NULL:
            key = PyBytes_FromStringAndSize(pool[k].key, pool[k].klen)
            dbid[0] = pool[k].dbid
        _pool_release_key(&pool[k])
        if key is not None:
            return key
    return None


# Choose the next key to evict by the policy, or None.
cdef object _select_victim(Engine e, int* dbid):
    cdef int policy = e.maxmemory_policy
    cdef bint allkeys = _policy_allkeys(policy)
    cdef Database db
    cdef kvdict* d
    cdef unsigned long long total
    cdef int i, j, _attempt, n = len(e.dbs)
    cdef dictEntry* de
    cdef object key
    if policy == MM_ALLKEYS_RANDOM or policy == MM_VOLATILE_RANDOM:
        for _attempt in range(n):
            e.evict_next_db += 1
            j = e.evict_next_db % n
            db = <Database>e.dbs[j]
            d = db.keys if allkeys else db.expires
            if dict_size(d):
                de = dict_random_entry(d)
                dbid[0] = j
                return PyBytes_FromStringAndSize(ENTRY_KEY(de), de.klen)
        return None
    if e.evict_pool == NULL:
        e.evict_pool = _evict_pool_create()
    while True:
        total = 0
        for i in range(n):
            db = <Database>e.dbs[i]
            d = db.keys if allkeys else db.expires
            if dict_size(d):
                _pool_populate(e, i, d, db.keys, e.evict_pool)
                total += dict_size(d)
        if total == 0:
            return None
        key = _pool_best(e, e.evict_pool, dbid)
        if key is not None:
            return key


# Evict one key: a deletion seen by WATCH, notified as `evicted` and
# propagated as DEL (UNLINK when lazyfree-lazy-eviction is set, which also
# frees a big value on the lazy-free thread). *freed gets what the deletion alone gave
# back, as Redis measures it: the invalidation messages to tracking clients
# and the propagated command allocate after it, and counting them against
# the eviction would make it evict on and on (a feedback loop).
cdef int _evict_key(Engine e, int dbid, bytes key, long long* freed) except -1:
    cdef Database db = <Database>e.dbs[dbid]
    cdef long long before = mem_used(_mem)
    cdef long long del_start = 0
    if e.latency_threshold_ms:
        del_start = monotonic_us()
    db.delete_key(key, len(key), e.lazyfree_lazy_eviction)
    if e.latency_threshold_ms:
        e.latency_sample("eviction-del", monotonic_us() - del_start)
    freed[0] = before - mem_used(_mem)
    e.stat_evictedkeys += 1
    if e.nwatched:
        touch_watched_key(db, key)
    if e.tracking_clients:
        tracking_invalidate_key(e, key, None, True)
    e.notify_keyspace_event(NOTIFY_EVICTED, b"evicted", key, dbid)
    if e.prop_on:
        also_propagate(e, dbid, [b"UNLINK" if e.lazyfree_lazy_eviction else b"DEL", key])
    return 0


cdef bint _safe_to_evict(Engine e) noexcept:
    if e.loading:
        return False
    if e.is_replica and e.replica_ignore_maxmemory:
        return False
    if e.clients_paused and not (e.pause_end_ms and mstime() >= e.pause_end_ms):
        return False
    return True


cdef int perform_evictions(Engine e) except -1:
    cdef long long tofree = 0, freed = 0, delta = 0
    cdef long long start
    cdef unsigned long long limit
    cdef int result = EVICT_FAIL
    cdef int dbid = 0
    cdef long keys_freed = 0
    cdef object key
    if not _safe_to_evict(e):
        return EVICT_OK
    if not _over_maxmemory(e, &tofree):
        result = EVICT_OK
    elif e.maxmemory_policy == MM_NOEVICTION:
        result = EVICT_FAIL
    else:
        limit = _time_limit_us(e.maxmemory_eviction_tenacity)
        start = monotonic_us()
        result = EVICT_OK
        try:
            while freed < tofree:
                key = _select_victim(e, &dbid)
                if key is None:
                    result = EVICT_FAIL
                    break
                _evict_key(e, dbid, <bytes>key, &delta)
                freed += delta
                keys_freed += 1
                if keys_freed % 16 == 0:
                    if e.lazyfree_lazy_eviction and not _over_maxmemory(e, NULL):
                        break
                    if <unsigned long long>(monotonic_us() - start) > limit:
                        # still over: the event loop carries on evicting
                        _start_eviction_proc(e)
                        break
            if result == EVICT_OK and e.eviction_proc_running:
                result = EVICT_RUNNING
        finally:
            if e.call_depth == 0:
                propagate_pending(e, True)
        e.latency_sample("eviction-cycle", monotonic_us() - start)
    # the time spent over the limit (INFO total/current_eviction_exceeded_time)
    if result == EVICT_OK:
        if e.eviction_exceeded_start_us:
            e.stat_total_eviction_exceeded_us += monotonic_us() - e.eviction_exceeded_start_us
            e.eviction_exceeded_start_us = 0
    elif e.eviction_exceeded_start_us == 0:
        e.eviction_exceeded_start_us = monotonic_us()
    return result


# Redis's evictionTimeProc: once per loop iteration while over the limit
# after a command's eviction ran out of time.
cdef int _start_eviction_proc(Engine e) except -1:
    if e.eviction_proc_running or e.loop is None:
        return 0
    e.eviction_proc_running = True
    e.loop.call_soon(e.eviction_proc_cb)
    return 0
