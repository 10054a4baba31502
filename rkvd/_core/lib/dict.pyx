# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# The keyspace hash table (see dict.pxd for the entry layout and the API).
#
# Behaviour follows Redis 7.0's dict.c: power-of-two tables with chaining, a
# second table while rehashing, one bucket moved per lookup/insert/delete,
# growth at load factor 1 (or 5 when resizing is being avoided), shrink below
# 10% fill from the cron, and the reverse-binary SCAN cursor.
#
# Memory is taken from libc directly (malloc/calloc/realloc/free) so that the
# allocator statistics the server reports include the keyspace. An entry is
# one block of exactly sizeof(header) + klen + extra bytes.
from libc.stdint cimport uint32_t, uint64_t
from rkvd._core.lib.mem cimport malloc, calloc, realloc, free     # counted (used_memory)
from libc.string cimport memcmp, memcpy
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF


cdef extern from "Python.h":
    # Seeded SipHash of CPython (randomised per process unless PYTHONHASHSEED).
    Py_ssize_t _Py_HashBytes(const void* src, Py_ssize_t len) nogil

cdef extern from *:
    """
    #include <malloc.h>
    #define RKVD_ENTRY_HDR (sizeof(rkvdEntry))
    """
    size_t ENTRY_HDR "RKVD_ENTRY_HDR"
    size_t malloc_usable_size(void* p) nogil
    int __builtin_clzll(unsigned long long x) nogil
    uint64_t __builtin_bswap64(uint64_t x) nogil

cdef enum:
    HT_INITIAL_SIZE = 4
    FORCE_RESIZE_RATIO = 5     # grow anyway past this load while avoiding resizes
    MIN_FILL_PERCENT = 10      # shrink below this fill
    FAIR_SAMPLE = 15           # entries sampled by dict_fair_random_entry

cdef uint64_t _M1 = 0x5555555555555555ULL
cdef uint64_t _M2 = 0x3333333333333333ULL
cdef uint64_t _M4 = 0x0F0F0F0F0F0F0F0FULL


# -------------------------------------------------------------- internals --

cdef uint64_t dict_hash(const char* key, size_t klen) noexcept nogil:
    return <uint64_t>_Py_HashBytes(key, <Py_ssize_t>klen)


from rkvd._core.lib.util cimport rand64 as _rand64


cdef inline uint64_t _rev(uint64_t v) noexcept nogil:
    # bit reversal: swap odd/even bits, pairs, nibbles, then the bytes
    v = ((v >> 1) & _M1) | ((v & _M1) << 1)
    v = ((v >> 2) & _M2) | ((v & _M2) << 2)
    v = ((v >> 4) & _M4) | ((v & _M4) << 4)
    return __builtin_bswap64(v)


cdef inline uint64_t _next_power(uint64_t size) noexcept nogil:
    # smallest power of two >= size (at least the initial size)
    if size <= HT_INITIAL_SIZE:
        return HT_INITIAL_SIZE
    if size > (<uint64_t>1 << 62):
        return <uint64_t>1 << 63
    return (<uint64_t>1) << (64 - __builtin_clzll(size - 1))


cdef inline bint _is_rehashing(dict* d) noexcept nogil:
    return d.rehashidx != -1


cdef inline void _ht_reset(dictht* ht) noexcept nogil:
    ht.table = NULL
    ht.size = 0
    ht.sizemask = 0
    ht.used = 0


cdef inline bint _key_eq(dictEntry* e, const char* key, size_t klen) noexcept nogil:
    return e.klen == klen and memcmp(ENTRY_KEY(e), key, klen) == 0


cdef inline void _rehash_step(dict* d) noexcept:
    # the per-operation step; skipped while iterators/scans hold the table
    if d.pauserehash == 0:
        dict_rehash(d, 1)


cdef int _expand(dict* d, uint64_t size) noexcept nogil:
    # Start growing/shrinking to hold `size` entries. 1 if a new table was set
    # up, 0 if not useful/possible (already rehashing, too small, no memory).
    cdef uint64_t newsize
    cdef dictEntry** table
    if d.rehashidx != -1 or d.ht[0].used > size:
        return 0
    newsize = _next_power(size)
    if newsize < size or newsize * sizeof(dictEntry*) < newsize:
        return 0
    if newsize == d.ht[0].size:
        return 0
    table = <dictEntry**>calloc(newsize, sizeof(dictEntry*))
    if table == NULL:
        return 0
    if d.ht[0].table == NULL:
        d.ht[0].table = table
        d.ht[0].size = newsize
        d.ht[0].sizemask = newsize - 1
        d.ht[0].used = 0
        return 1
    d.ht[1].table = table
    d.ht[1].size = newsize
    d.ht[1].sizemask = newsize - 1
    d.ht[1].used = 0
    d.rehashidx = 0
    return 1


cdef inline void _expand_if_needed(dict* d) noexcept nogil:
    cdef uint64_t used, size
    if d.rehashidx != -1:
        return
    size = d.ht[0].size
    if size == 0:
        _expand(d, HT_INITIAL_SIZE)
        return
    used = d.ht[0].used
    if used >= size and (d.resize_allowed or used / size > FORCE_RESIZE_RATIO):
        if d.expand_allowed != NULL and not d.expand_allowed(
                _next_power(used + 1) * sizeof(dictEntry*), <double>used / size):
            return
        _expand(d, used + 1)


cdef inline bint _rehash_permitted(dict* d) noexcept nogil:
    # While resizing is avoided (fork child alive), only finish a rehash whose
    # tables differ a lot in size: moving entries copies pages of the child.
    cdef uint64_t s0, s1
    if d.resize_allowed:
        return True
    s0 = d.ht[0].size
    s1 = d.ht[1].size
    if s1 > s0:
        return s1 / s0 >= FORCE_RESIZE_RATIO
    if s0 > s1:
        return s0 / s1 >= FORCE_RESIZE_RATIO
    return True


# ---------------------------------------------------------- create/destroy --

cdef dict* dict_create() except NULL:
    cdef dict* d = <dict*>malloc(sizeof(dict))
    if d == NULL:
        raise MemoryError()
    _ht_reset(&d.ht[0])
    _ht_reset(&d.ht[1])
    d.rehashidx = -1
    d.pauserehash = 0
    d.resize_allowed = 1
    d.expand_allowed = NULL
    return d


cdef uint64_t _ht_clear(dictht* ht) noexcept:
    cdef uint64_t i, n = 0
    cdef dictEntry* he
    cdef dictEntry* nxt
    i = 0
    while i < ht.size and ht.used > 0:
        he = ht.table[i]
        while he != NULL:
            nxt = he.next
            dict_free_entry(he)
            ht.used -= 1
            n += 1
            he = nxt
        i += 1
    free(ht.table)
    _ht_reset(ht)
    return n


cdef uint64_t dict_empty(dict* d) noexcept:
    # pauserehash is left alone: a live safe iterator still releases its pause.
    if g_ndeferred:
        _forget_deferred(d)
    cdef uint64_t n = _ht_clear(&d.ht[0]) + _ht_clear(&d.ht[1])
    d.rehashidx = -1
    return n


cdef void dict_release(dict* d) noexcept:
    if d == NULL:
        return
    dict_empty(d)
    free(d)


cdef void dict_prepare_free(dict* d) noexcept:
    if g_ndeferred:
        _forget_deferred(d)


cdef void dict_free_plain(dict* d) noexcept nogil:
    cdef int t
    cdef uint64_t i
    cdef dictEntry* he
    cdef dictEntry* nxt
    if d == NULL:
        return
    for t in range(2):
        for i in range(d.ht[t].size):
            he = d.ht[t].table[i]
            while he != NULL:
                nxt = he.next
                free(he)
                he = nxt
        free(d.ht[t].table)
    free(d)


cdef dictEntry* dict_free_keep_objects(dict* d, dictEntry** tail) noexcept nogil:
    cdef int t
    cdef uint64_t i
    cdef dictEntry* he
    cdef dictEntry* nxt
    cdef dictEntry* kept = NULL
    tail[0] = NULL
    if d == NULL:
        return NULL
    for t in range(2):
        for i in range(d.ht[t].size):
            he = d.ht[t].table[i]
            while he != NULL:
                nxt = he.next
                if entry_vk(he) == VK_OBJ:
                    if kept == NULL:
                        tail[0] = he
                    he.next = kept
                    kept = he
                else:
                    free(he)
                he = nxt
        free(d.ht[t].table)
    free(d)
    return kept


# ------------------------------------------------------------------ lookup --

cdef dictEntry* dict_find(dict* d, const char* key, size_t klen) noexcept:
    cdef uint64_t h
    cdef dictEntry* he
    cdef int table
    if d.ht[0].used + d.ht[1].used == 0:
        return NULL
    if d.rehashidx != -1:
        _rehash_step(d)
    h = dict_hash(key, klen)
    for table in range(2):
        he = d.ht[table].table[h & d.ht[table].sizemask]
        while he != NULL:
            if _key_eq(he, key, klen):
                return he
            he = he.next
        if d.rehashidx == -1:
            return NULL
    return NULL


cdef dictEntry** dict_find_link(dict* d, const char* key, size_t klen) noexcept:
    cdef uint64_t h
    cdef dictEntry** link
    cdef int table
    if d.ht[0].used + d.ht[1].used == 0:
        return NULL
    if d.rehashidx != -1:
        _rehash_step(d)
    h = dict_hash(key, klen)
    for table in range(2):
        link = &d.ht[table].table[h & d.ht[table].sizemask]
        while link[0] != NULL:
            if _key_eq(link[0], key, klen):
                return link
            link = &link[0].next
        if d.rehashidx == -1:
            return NULL
    return NULL


# ------------------------------------------------------------------ update --

cdef dictEntry* dict_add_new(dict* d, const char* key, size_t klen, size_t extra) noexcept:
    cdef dictEntry* e
    cdef dictht* ht
    if klen > 0xFFFFFFFFUL:
        return NULL
    if d.rehashidx != -1:
        _rehash_step(d)
    _expand_if_needed(d)
    if d.ht[0].table == NULL:
        return NULL        # the first table could not be allocated
    e = <dictEntry*>malloc(ENTRY_HDR + klen + extra)
    if e == NULL:
        return NULL
    e.meta = 0
    e.klen = <uint32_t>klen
    e.v.vlen = 0
    memcpy(ENTRY_KEY(e), key, klen)
    # new keys go to the table being filled; head insertion (recent keys are
    # the likeliest to be read next)
    ht = &d.ht[1] if d.rehashidx != -1 else &d.ht[0]
    cdef uint64_t idx = dict_hash(key, klen) & ht.sizemask
    e.next = ht.table[idx]
    ht.table[idx] = e
    ht.used += 1
    return e


cdef dictEntry* dict_resize_entry(dictEntry** link, size_t extra) noexcept:
    cdef dictEntry* e = link[0]
    cdef dictEntry* moved = <dictEntry*>realloc(e, ENTRY_HDR + e.klen + extra)
    if moved == NULL:
        return NULL
    link[0] = moved
    return moved


# Entries replaced while a fork child shares the pages: the old block, the
# table its key lives in and the bytes it can hold, until the child ends.
ctypedef struct Deferred:
    dictEntry* old
    dict* d
    size_t cap

cdef Deferred* g_deferred = NULL
cdef size_t g_ndeferred = 0
cdef size_t g_deferred_cap = 0


cdef inline size_t _entry_bytes(dictEntry* e) noexcept:
    return ENTRY_HDR + e.klen + (e.v.vlen if entry_vk(e) == VK_INLINE else 0)


cdef dictEntry* dict_renew_entry(dict* d, dictEntry** link, size_t extra) noexcept:
    global g_deferred, g_deferred_cap, g_ndeferred
    cdef dictEntry* e = link[0]
    cdef dictEntry* fresh
    cdef Deferred* grown
    cdef size_t cap
    if g_ndeferred == g_deferred_cap:
        cap = g_deferred_cap * 2 if g_deferred_cap else 4096
        grown = <Deferred*>realloc(g_deferred, cap * sizeof(Deferred))
        if grown == NULL:
            return NULL
        g_deferred = grown
        g_deferred_cap = cap
    fresh = <dictEntry*>malloc(ENTRY_HDR + e.klen + extra)
    if fresh == NULL:
        return NULL
    memcpy(fresh, e, ENTRY_HDR + e.klen)
    g_deferred[g_ndeferred].old = e
    g_deferred[g_ndeferred].d = d
    g_deferred[g_ndeferred].cap = _entry_bytes(e)
    g_ndeferred += 1
    link[0] = fresh
    return fresh


cdef void dict_release_deferred() noexcept:
    # Each key goes back to the lower of its two blocks when it fits there:
    # blocks renewed during the save come from the top of the heap, so
    # freeing them gives that memory back in one piece, and the next save's
    # renewals come from fresh memory again rather than from holes left in
    # pages the next child will share.
    global g_deferred, g_deferred_cap, g_ndeferred
    cdef size_t i, need
    cdef Deferred* r
    cdef dictEntry** link
    cdef dictEntry* live
    for i in range(g_ndeferred):
        r = &g_deferred[i]
        if r.d != NULL:
            link = dict_find_link(r.d, ENTRY_KEY(r.old), r.old.klen)
            if link != NULL:
                live = link[0]
                need = _entry_bytes(live)
                if <size_t>live > <size_t>r.old and need <= r.cap:
                    memcpy(r.old, live, need)
                    link[0] = r.old
                    free(live)
                    continue
        free(r.old)                 # its value (if any) belongs to the live entry
    free(g_deferred)
    g_deferred = NULL
    g_ndeferred = g_deferred_cap = 0


# A table emptied or released: its kept blocks go now (their keys are gone).
cdef void _forget_deferred(dict* d) noexcept:
    cdef size_t i
    for i in range(g_ndeferred):
        if g_deferred[i].d == d:
            g_deferred[i].d = NULL


cdef void dict_free_entry(dictEntry* e) noexcept:
    if e == NULL:
        return
    if entry_vk(e) == VK_OBJ:
        Py_XDECREF(e.v.obj)
    free(e)


cdef int _entry_table(dict* d, dictEntry** link, dictEntry* e) noexcept nogil:
    # Which table holds e (reached through link)? Only ambiguous while
    # rehashing: look for e in its ht[0] chain.
    cdef dictEntry* he
    if d.rehashidx == -1:
        return 0
    if link >= d.ht[0].table and link < d.ht[0].table + d.ht[0].size:
        return 0
    if link >= d.ht[1].table and link < d.ht[1].table + d.ht[1].size:
        return 1
    he = d.ht[0].table[dict_hash(ENTRY_KEY(e), e.klen) & d.ht[0].sizemask]
    while he != NULL:
        if he == e:
            return 0
        he = he.next
    return 1


cdef dictEntry* dict_unlink_at(dict* d, dictEntry** link) noexcept:
    cdef dictEntry* e = link[0]
    if e == NULL:
        return NULL
    cdef int table = _entry_table(d, link, e)
    link[0] = e.next
    e.next = NULL
    d.ht[table].used -= 1
    return e


cdef int dict_delete(dict* d, const char* key, size_t klen) noexcept:
    cdef dictEntry** link = dict_find_link(d, key, klen)
    if link == NULL:
        return 0
    dict_free_entry(dict_unlink_at(d, link))
    return 1


cdef void entry_set_obj(dictEntry* e, object obj) noexcept:
    cdef PyObject* old = e.v.obj if entry_vk(e) == VK_OBJ else NULL
    Py_INCREF(obj)
    e.v.obj = <PyObject*>obj
    e.meta = (e.meta & ~<uint32_t>META_VK_MASK) | (<uint32_t>VK_OBJ << META_VK_SHIFT)
    Py_XDECREF(old)     # after the store: obj may be the old value itself


# ----------------------------------------------------------------- rehash --

cdef int dict_rehash(dict* d, int n) noexcept:
    # Moves up to n non-empty buckets from ht[0] to ht[1], visiting at most
    # n*10 empty buckets so a sparse table cannot stall the caller. Does not
    # look at pauserehash: callers holding iterators must not call it.
    cdef int empty_visits = n * 10
    cdef dictEntry* de
    cdef dictEntry* nxt
    cdef uint64_t h
    if d.rehashidx == -1 or not _rehash_permitted(d):
        return 0
    while n > 0 and d.ht[0].used != 0:
        n -= 1
        while d.ht[0].table[d.rehashidx] == NULL:
            d.rehashidx += 1
            empty_visits -= 1
            if empty_visits == 0:
                return 1
        de = d.ht[0].table[d.rehashidx]
        while de != NULL:
            nxt = de.next
            h = dict_hash(ENTRY_KEY(de), de.klen) & d.ht[1].sizemask
            de.next = d.ht[1].table[h]
            d.ht[1].table[h] = de
            d.ht[0].used -= 1
            d.ht[1].used += 1
            de = nxt
        d.ht[0].table[d.rehashidx] = NULL
        d.rehashidx += 1
    if d.ht[0].used == 0:
        free(d.ht[0].table)
        d.ht[0] = d.ht[1]
        _ht_reset(&d.ht[1])
        d.rehashidx = -1
        return 0
    return 1


cdef inline long long _now_ms() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000


cdef int dict_rehash_ms(dict* d, int ms) noexcept:
    cdef long long start
    cdef int steps = 0
    if d.pauserehash > 0:
        return 0
    start = _now_ms()
    while dict_rehash(d, 100):
        steps += 100
        if _now_ms() - start > ms:
            break
    return steps


cdef int dict_try_shrink(dict* d) noexcept:
    cdef uint64_t size = d.ht[0].size + d.ht[1].size
    cdef uint64_t used = d.ht[0].used + d.ht[1].used
    cdef uint64_t minimal
    if size <= HT_INITIAL_SIZE or used * 100 / size >= MIN_FILL_PERCENT:
        return 0
    if not d.resize_allowed or d.rehashidx != -1:
        return 0
    minimal = d.ht[0].used
    if minimal < HT_INITIAL_SIZE:
        minimal = HT_INITIAL_SIZE
    return _expand(d, minimal)


cdef int dict_expand(dict* d, uint64_t size) noexcept:
    return _expand(d, size)


cdef uint64_t dict_buckets_bytes(dict* d) noexcept nogil:
    cdef uint64_t n = 0
    if d.ht[0].table != NULL:
        n += malloc_usable_size(d.ht[0].table)
    if d.ht[1].table != NULL:
        n += malloc_usable_size(d.ht[1].table)
    return n


# --------------------------------------------------------------- sampling --

cdef dictEntry* dict_random_entry(dict* d) noexcept:
    cdef dictEntry* he
    cdef dictEntry* orig
    cdef uint64_t h, s0, span
    cdef unsigned long listlen, listele
    if d.ht[0].used + d.ht[1].used == 0:
        return NULL
    if d.rehashidx != -1:
        _rehash_step(d)
    if d.rehashidx != -1:
        # buckets of ht[0] below rehashidx are known to be empty
        s0 = d.ht[0].size
        span = s0 + d.ht[1].size - <uint64_t>d.rehashidx
        while True:
            h = <uint64_t>d.rehashidx + _rand64() % span
            he = d.ht[1].table[h - s0] if h >= s0 else d.ht[0].table[h]
            if he != NULL:
                break
    else:
        while True:
            he = d.ht[0].table[_rand64() & d.ht[0].sizemask]
            if he != NULL:
                break
    # a random element of the chain
    listlen = 0
    orig = he
    while he != NULL:
        he = he.next
        listlen += 1
    listele = _rand64() % listlen
    he = orig
    while listele > 0:
        he = he.next
        listele -= 1
    return he


cdef unsigned long dict_some_entries(dict* d, dictEntry** des, unsigned long count) noexcept:
    # Up to `count` entries from a random stretch of the table(s): fast, not
    # uniform, possibly with duplicates across tables (Redis's dictGetSomeKeys).
    cdef unsigned long j, tables, stored = 0, emptylen = 0, r
    cdef uint64_t maxsizemask, i, maxsteps
    cdef dictEntry* he
    cdef uint64_t total = d.ht[0].used + d.ht[1].used
    if total < count:
        count = <unsigned long>total
    if count == 0:
        return 0
    maxsteps = <uint64_t>count * 10
    # rehash work proportional to the sample
    for j in range(count):  # no-cython-lint
        if d.rehashidx != -1:
            _rehash_step(d)
        else:
            break
    tables = 2 if d.rehashidx != -1 else 1
    maxsizemask = d.ht[0].sizemask
    if tables > 1 and maxsizemask < d.ht[1].sizemask:
        maxsizemask = d.ht[1].sizemask
    i = _rand64() & maxsizemask
    while stored < count and maxsteps > 0:
        maxsteps -= 1
        for j in range(tables):
            # ht[0] below rehashidx is empty; if ht[1] is also out of range
            # here (shrinking), jump straight to rehashidx
            if tables == 2 and j == 0 and i < <uint64_t>d.rehashidx:
                if i >= d.ht[1].size:
                    i = <uint64_t>d.rehashidx
                else:
                    continue
            if i >= d.ht[j].size:
                continue
            he = d.ht[j].table[i]
            if he == NULL:
                emptylen += 1
                if emptylen >= 5 and emptylen > count:
                    i = _rand64() & maxsizemask
                    emptylen = 0
            else:
                emptylen = 0
                # take the whole chain, reservoir-sampling past `count` so
                # the tail of a long chain still has a chance
                while he != NULL:
                    if stored < count:
                        des[stored] = he
                    else:
                        r = _rand64() % (stored + 1)
                        if r < count:
                            des[r] = he
                    he = he.next
                    stored += 1
                if stored >= count:
                    return count
        i = (i + 1) & maxsizemask
    return stored if stored < count else count


cdef dictEntry* dict_fair_random_entry(dict* d) noexcept:
    # sampling a stretch smooths out the bias towards short chains
    cdef dictEntry* entries[FAIR_SAMPLE]
    cdef unsigned long n = dict_some_entries(d, entries, FAIR_SAMPLE)
    if n == 0:
        return dict_random_entry(d)
    return entries[_rand64() % n]


# ------------------------------------------------------------------- scan --

cdef inline void _scan_bucket(dictEntry* de, dict_scan_fn fn, void* privdata) noexcept:
    cdef dictEntry* nxt
    while de != NULL:
        nxt = de.next       # fn may delete de
        fn(privdata, de)
        de = nxt


cdef uint64_t dict_scan(dict* d, uint64_t v, dict_scan_fn fn, void* privdata) noexcept:
    # The cursor counts with its bits reversed (high bits first), so buckets
    # already visited stay visited when the table doubles or halves. While
    # rehashing, the smaller table's bucket is visited together with all its
    # expansions in the larger one.
    cdef dictht* t0
    cdef dictht* t1
    cdef uint64_t m0, m1
    if d.ht[0].used + d.ht[1].used == 0:
        return 0
    d.pauserehash += 1
    if d.rehashidx == -1:
        t0 = &d.ht[0]
        m0 = t0.sizemask
        _scan_bucket(t0.table[v & m0], fn, privdata)
        v |= ~m0
        v = _rev(_rev(v) + 1)
    else:
        t0 = &d.ht[0]
        t1 = &d.ht[1]
        if t0.size > t1.size:
            t0 = &d.ht[1]
            t1 = &d.ht[0]
        m0 = t0.sizemask
        m1 = t1.sizemask
        _scan_bucket(t0.table[v & m0], fn, privdata)
        while True:
            _scan_bucket(t1.table[v & m1], fn, privdata)
            # advance over the bits the smaller mask does not cover
            v |= ~m1
            v = _rev(_rev(v) + 1)
            if not (v & (m0 ^ m1)):
                break
    d.pauserehash -= 1
    return v


# -------------------------------------------------------------- iteration --

cdef void dict_iter_init(dictIter* it, dict* d, int safe) noexcept:
    it.d = d
    it.table = 0
    it.index = -1
    it.entry = NULL
    it.next_entry = NULL
    it.safe = safe


cdef dictEntry* dict_iter_next(dictIter* it) noexcept:
    # A safe iterator pauses rehashing from its first step until released,
    # so the caller may delete the entry just returned.
    cdef dict* d = it.d
    while True:
        if it.entry == NULL:
            if it.index == -1 and it.table == 0 and it.safe:
                d.pauserehash += 1
            it.index += 1
            if <uint64_t>it.index >= d.ht[it.table].size:
                if d.rehashidx != -1 and it.table == 0:
                    it.table = 1
                    it.index = 0
                else:
                    return NULL
            it.entry = d.ht[it.table].table[it.index]
        else:
            it.entry = it.next_entry
        if it.entry != NULL:
            it.next_entry = it.entry.next
            return it.entry


cdef void dict_iter_release(dictIter* it) noexcept:
    if it.safe and not (it.index == -1 and it.table == 0):
        it.d.pauserehash -= 1
    it.index = -1
    it.table = 0
    it.safe = 0
