# Lazy free (Redis's lazyfree.c): UNLINK, and DEL, eviction, expiry and
# implicit deletes / overwrites under their lazyfree-lazy-* switches, hand a
# big value's memory to the worker thread of lib/bio instead of freeing it
# inline. The value object itself (a Python object: freed under the GIL) is
# emptied here, on the engine's thread: its C payload (hash table,
# quicklist, skiplist and member table, stream nodes) moves to a job, so
# what the worker frees is plain C memory no other code can reach. Small
# values (effort at most LAZYFREE_THRESHOLD allocations) and values
# something else still references are freed at once, as Redis does with a
# shared object. A sorted set's skiplist nodes live in lib/skiplist's shared
# slabs: the worker only threads them into runs, which the engine's cron
# splices back into their slabs (zsl_free_detached / zsl_reclaim).
#
# FLUSHDB / FLUSHALL ASYNC (Redis's emptyDbAsync): the database gets fresh
# tables at once and the old keyspace and expires tables go to the worker,
# counted as one object per key. The worker frees every entry but those
# holding a Python object; it hands those back (lib/bio's hand-back list),
# and the cron releases them a slice at a time, a big one's payload going
# back to the worker as an uncounted job.
from rkvd._core.lib.bio cimport bio_free_fn, bio_submit_free_n, bio_hand_back, bio_take_back
from rkvd._core.lib.dict cimport dict_prepare_free, dict_free_plain, dict_free_keep_objects
from rkvd._core.lib.skiplist cimport zsl_free_detached, zsl_reclaim
from cpython.ref cimport Py_REFCNT

cdef enum:
    LAZYFREE_THRESHOLD = 64
    LAZYFREE_REAP_US = 2000         # handed-back values released per cron tick, at most


ctypedef struct _ZsetPayload:
    zskiplist* zsl
    kvdict* members

ctypedef struct _DbPayload:
    kvdict* keys
    kvdict* expires


# Handed-back keyspace entries (a flushed db's values) not released yet:
# the engine's thread only.
cdef dictEntry* g_reap = NULL


cdef void _bg_free_dict(void* arg) noexcept nogil:
    dict_free_plain(<kvdict*>arg)


cdef void _bg_free_quicklist(void* arg) noexcept nogil:
    ql_clear(<quicklist*>arg)
    free(arg)


cdef void _bg_free_stream_nodes(void* arg) noexcept nogil:
    rax_free(<rax*>arg, _free_lp)


cdef void _bg_free_zset(void* arg) noexcept nogil:
    cdef _ZsetPayload* p = <_ZsetPayload*>arg
    zsl_free_detached(p.zsl)        # nodes first: they point at member keys
    dict_free_plain(p.members)
    free(p)


cdef void _bg_free_db(void* arg) noexcept nogil:
    cdef _DbPayload* p = <_DbPayload*>arg
    cdef dictEntry* tail
    cdef dictEntry* kept
    dict_free_plain(p.expires)      # expire times only (VK_INT)
    kept = dict_free_keep_objects(p.keys, &tail)
    if kept != NULL:
        bio_hand_back(kept, tail)   # the entry's first word is its `next`
    free(p)


# Redis's lazyfreeGetFreeEffort: about how many allocations freeing v takes.
cdef size_t lazyfree_effort(int otype, object v) except? 0:
    cdef list groups
    cdef size_t effort
    if otype == OBJ_LIST:
        return (<ListValue>v).ql.len
    if otype == OBJ_SET:
        if set_is_ht(<SetValue>v):
            return dict_size(set_ht(<SetValue>v))
        return 1
    if otype == OBJ_ZSET:
        if (<ZsetValue>v).zsl != NULL:
            return (<ZsetValue>v).zsl.length
        return 1
    if otype == OBJ_HASH:
        if (<HashValue>v).ht != NULL:
            return dict_size((<HashValue>v).ht)
        return 1
    if otype == OBJ_STREAM:
        effort = (<StreamValue>v).rax.numnodes if (<StreamValue>v).rax != NULL else 0
        if objrax_size((<StreamValue>v).cgroups):
            # the first group's PEL stands for every group's, as in Redis
            groups = objrax_items((<StreamValue>v).cgroups)
            effort += len(groups) * (1 + rax_size((<StreamGroup>groups[0][1]).pel))
        return effort
    return 1


# Detach v's C payload and queue its free. 1 when queued, 0 when v stays
# for the caller to free now (small, shared, or the queue refused it).
# `refs`: the references to v the caller itself holds beyond the keyspace's.
# `counted`: the job counts in INFO's lazyfree_* (not for a flushed db's
# values: the flush counted them).
cdef int lazyfree_value(int otype, object v, Py_ssize_t refs, bint counted=True) except -1:
    cdef void* payload = NULL
    cdef bio_free_fn fn = NULL
    cdef quicklist* ql
    cdef _ZsetPayload* zp
    if Py_REFCNT(v) > 1 + refs or lazyfree_effort(otype, v) <= LAZYFREE_THRESHOLD:
        return 0
    if otype == OBJ_LIST:
        ql = <quicklist*>malloc(sizeof(quicklist))
        if ql == NULL:
            return 0
        memcpy(ql, &(<ListValue>v).ql, sizeof(quicklist))
        ql_init(&(<ListValue>v).ql, ql.fill, ql.compress)
        payload, fn = ql, _bg_free_quicklist
    elif otype == OBJ_SET:
        payload, fn = set_ht(<SetValue>v), _bg_free_dict
        dict_prepare_free(<kvdict*>payload)
        (<SetValue>v).p = NULL          # an empty intset to __dealloc__
    elif otype == OBJ_HASH:
        payload, fn = (<HashValue>v).ht, _bg_free_dict
        dict_prepare_free(<kvdict*>payload)
        (<HashValue>v).ht = NULL
    elif otype == OBJ_ZSET:
        if (<ZsetValue>v).zsl == NULL:
            return 0
        zp = <_ZsetPayload*>malloc(sizeof(_ZsetPayload))
        if zp == NULL:
            return 0
        zp.zsl, zp.members = (<ZsetValue>v).zsl, (<ZsetValue>v).dict
        dict_prepare_free(zp.members)
        (<ZsetValue>v).zsl = NULL       # lp, zsl and dict all NULL to __dealloc__
        (<ZsetValue>v).dict = NULL
        payload, fn = zp, _bg_free_zset
    elif otype == OBJ_STREAM:
        # the consumer groups are Python objects: they go with v, here
        payload, fn = (<StreamValue>v).rax, _bg_free_stream_nodes
        (<StreamValue>v).rax = NULL
    else:
        return 0
    if bio_submit_free_n(fn, payload, 1 if counted else 0) < 0:
        fn(payload)
    return 1


# Redis's emptyDbAsync: db gets new, empty tables now; the old ones (and
# the values in them) are freed by the worker, counted as one object per
# key. Returns the number of keys the db held.
cdef uint64_t lazyfree_db(Database db) except? 0:
    cdef uint64_t n = dict_size(db.keys)
    cdef kvdict* keys
    cdef kvdict* expires
    cdef _DbPayload* p
    if n == 0:
        return db.flush()
    p = <_DbPayload*>malloc(sizeof(_DbPayload))
    keys = dict_create()
    expires = dict_create()
    if p == NULL or keys == NULL or expires == NULL:
        free(p)
        dict_release(keys)
        dict_release(expires)
        return db.flush()
    keys.expand_allowed = expires.expand_allowed = db_expand_allowed
    keys.resize_allowed = db.keys.resize_allowed
    expires.resize_allowed = db.expires.resize_allowed
    p.keys, p.expires = db.keys, db.expires
    dict_prepare_free(p.keys)
    dict_prepare_free(p.expires)
    db.keys, db.expires = keys, expires
    db.avg_ttl = 0
    db.expires_cursor = 0
    if bio_submit_free_n(_bg_free_db, p, n) < 0:
        _bg_free_db(p)
    return n


# The engine's cron: nodes of lazily freed sorted sets back to their slabs,
# and a slice (about LAZYFREE_REAP_US) of the values flushed dbs handed back.
cdef int lazyfree_cron() except -1:
    global g_reap
    cdef dictEntry* e
    cdef long long deadline
    cdef int n = 0
    cdef object v
    zsl_reclaim()
    if g_reap == NULL:
        g_reap = <dictEntry*>bio_take_back()
        if g_reap == NULL:
            return 0
    deadline = ustime() + LAZYFREE_REAP_US
    while g_reap != NULL:
        e = g_reap
        g_reap = e.next
        v = <object>e.v.obj
        lazyfree_value(entry_type(e), v, 1, False)
        v = None
        dict_free_entry(e)
        n += 1
        if (n & 255) == 0 and ustime() >= deadline:
            break
    return 0
