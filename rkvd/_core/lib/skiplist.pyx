# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# Skiplist for sorted sets (see skiplist.pxd for the layout and contracts).
# Plain C over libc malloc (nodes from slabs, below), so the server's
# allocator statistics see it. The tests' Python wrapper is
# tests/native/skiplist.pyx.
from libc.stdint cimport uint32_t, uint64_t
from rkvd._core.lib.mem cimport malloc, free     # counted (used_memory)
from rkvd._core.lib.mem cimport aligned_alloc_counted, aligned_free_counted, mem_state
from libc.string cimport memcmp

import os as _os


# ------------------------------------------------------------- level dice --

# xorshift64*: only the level distribution depends on it.
cdef uint64_t _rng = <uint64_t>int.from_bytes(_os.urandom(8), "little") | 1

cdef inline uint32_t _rand32() noexcept nogil:
    global _rng
    _rng ^= _rng >> 12
    _rng ^= _rng << 25
    _rng ^= _rng >> 27
    return <uint32_t>((_rng * 0x2545F4914F6CDD1DULL) >> 32)

# 1 + the number of successes at p = 1/4, capped at ZSL_MAXLEVEL.
cdef inline int _random_level() noexcept nogil:
    cdef int level = 1
    while _rand32() < 0x40000000u and level < ZSL_MAXLEVEL:
        level += 1
    return level

cdef void zsl_random_seed(uint64_t seed) noexcept nogil:
    global _rng
    _rng = seed | 1


# ------------------------------------------------------------------ nodes --

# ------------------------------------------------------------------ node slabs
# Nodes come from 16 KiB slabs, one set per level count, instead of plain
# malloc: glibc interleaves chunks of every size, so a search would walk
# nodes scattered among member-table entries and every other allocation;
# packed nodes take fewer cache lines and pages per search (and a level-1
# node takes its 40 bytes, not a 48-byte chunk). A slab is found from a node
# by masking the address (slabs are aligned to their size). An emptied slab
# goes back to malloc, except one kept per level against churn.

cdef extern from "<stdint.h>" nogil:
    ctypedef size_t uintptr_t

cdef enum:
    _SLAB_SIZE = 16384
    _SLAB_HDR = 64          # header, rounded up to a cache line

ctypedef struct _Slab:
    _Slab* prev             # in _partial[level] while it has room
    _Slab* next
    void* free              # freed slots, linked through their first word
    uint32_t used           # live nodes
    uint32_t bump           # first never-used byte
    uint32_t slot           # node size for this level
    int level
    int listed

cdef _Slab* _partial[ZSL_MAXLEVEL + 1]
cdef _Slab* _spare[ZSL_MAXLEVEL + 1]
cdef size_t _slab_count = 0

cdef inline void _slab_unlist(_Slab* s) noexcept nogil:
    if s.prev != NULL:
        s.prev.next = s.next
    else:
        _partial[s.level] = s.next
    if s.next != NULL:
        s.next.prev = s.prev
    s.prev = s.next = NULL
    s.listed = 0

cdef inline void _slab_list(_Slab* s) noexcept nogil:
    s.prev = NULL
    s.next = _partial[s.level]
    if s.next != NULL:
        s.next.prev = s
    _partial[s.level] = s
    s.listed = 1

cdef void* _slab_alloc(int level) noexcept nogil:
    global _slab_count
    cdef _Slab* s = _partial[level]
    cdef void* p
    if s == NULL:
        s = _spare[level]
        if s != NULL:
            _spare[level] = NULL
        else:
            # counted too: used_memory must see the nodes, and free()
            # (lib/mem's, counted) must not take back what it never saw
            s = <_Slab*>aligned_alloc_counted(mem_state(), _SLAB_SIZE, _SLAB_SIZE)
            if s == NULL:
                return NULL
            _slab_count += 1
            s.free = NULL
            s.used = 0
            s.bump = _SLAB_HDR
            s.slot = <uint32_t>(sizeof(zslNode) + level * sizeof(zslLevel))
            s.level = level
        _slab_list(s)
    if s.free != NULL:
        p = s.free
        s.free = (<void**>p)[0]
    else:
        p = <char*>s + s.bump
        s.bump += s.slot
    s.used += 1
    if s.free == NULL and s.bump + s.slot > _SLAB_SIZE:
        _slab_unlist(s)
    return p

# After nodes went back to s: an emptied slab leaves the partial list (kept
# as the level's spare or freed), one with room again joins it.
cdef inline void _slab_settle(_Slab* s) noexcept nogil:
    global _slab_count
    if s.used == 0:
        if s.listed:
            _slab_unlist(s)
        if _spare[s.level] == NULL:
            s.free = NULL
            s.bump = _SLAB_HDR
            _spare[s.level] = s
        else:
            aligned_free_counted(mem_state(), s)
            _slab_count -= 1
    elif not s.listed:
        _slab_list(s)

cdef void _slab_free(void* p) noexcept nogil:
    cdef _Slab* s = <_Slab*>(<uintptr_t>p & ~(<uintptr_t>_SLAB_SIZE - 1))
    (<void**>p)[0] = s.free
    s.free = p
    s.used -= 1
    _slab_settle(s)

cdef size_t zsl_slab_count() noexcept nogil:
    return _slab_count


# ------------------------------------------------------------- lazy free
# A sorted set freed on the lazy-free thread (engine/lazyfree.pyx) cannot
# give its nodes back with _slab_free: the slabs, their free lists, `used`
# counts and the _partial / _spare lists are shared by every skiplist of the
# process, and the engine's thread changes them without a lock. So freeing a
# detached list is split in two:
#
# - zsl_free_detached (any thread) touches only memory the detached list
#   owns: its header and struct (plain malloc, freed at once) and its nodes,
#   which nobody else can reach. It threads the nodes into runs, one per
#   slab as far as a small direct-mapped table of open runs allows, linked
#   through the nodes' first word exactly as a slab's free list is, and
#   writes the run's bookkeeping (_Run) into the run's first node. No slab
#   header is read or written. The finished runs are published under
#   _ret_lock.
# - zsl_reclaim (the engine's thread, from cron) takes the published runs
#   and splices each into its slab's free list in O(1): the work left on
#   the engine's thread is one step per run, not per node.
#
# A slab with nodes in flight keeps them in `used` until its run is spliced,
# so it is never recycled (spare or freed) while the worker writes into it;
# the mutex orders the worker's writes before the engine's reads.

cdef extern from "<pthread.h>" nogil:
    ctypedef struct pthread_mutex_t:
        pass
    int pthread_mutex_init(pthread_mutex_t* m, const void* attr)
    int pthread_mutex_lock(pthread_mutex_t* m)
    int pthread_mutex_unlock(pthread_mutex_t* m)

# Overlays the first node of a run (every node has at least 40 bytes).
ctypedef struct _Run:
    void* free_next         # word 0: the free-list link, as in any free slot
    _Run* next_run          # the next published run
    void* tail              # the run's last node (the run itself when alone)
    size_t count            # nodes in the run

cdef enum:
    _RUN_CACHE = 64         # open runs while walking a list (a power of two)

cdef pthread_mutex_t _ret_lock
cdef _Run* _returned = NULL         # under _ret_lock
pthread_mutex_init(&_ret_lock, NULL)

cdef inline uintptr_t _slab_of(void* p) noexcept nogil:
    return <uintptr_t>p & ~(<uintptr_t>_SLAB_SIZE - 1)

cdef void zsl_free_detached(zskiplist* zsl) noexcept nogil:
    global _returned
    cdef _Run* open_runs[_RUN_CACHE]
    cdef _Run* done = NULL
    cdef _Run* done_tail = NULL
    cdef _Run* r
    cdef zslNode* x
    cdef zslNode* nxt
    cdef uintptr_t s
    cdef int i
    if zsl == NULL:
        return
    x = zsl.header.level[0].forward
    free(zsl.header)
    free(zsl)
    for i in range(_RUN_CACHE):
        open_runs[i] = NULL
    while x != NULL:
        nxt = x.level[0].forward        # read before the node is overwritten
        s = _slab_of(x)
        i = <int>((s // _SLAB_SIZE) & (_RUN_CACHE - 1))
        r = open_runs[i]
        if r != NULL and _slab_of(r) != s:
            r.next_run = done           # another slab's run: close it
            done = r
            if done_tail == NULL:
                done_tail = r
            r = NULL
        if r == NULL:
            r = <_Run*>x
            r.free_next = NULL
            r.tail = x
            r.count = 1
            open_runs[i] = r
        else:
            (<void**>x)[0] = r.free_next
            r.free_next = x
            if r.count == 1:
                r.tail = x
            r.count += 1
        x = nxt
    for i in range(_RUN_CACHE):
        r = open_runs[i]
        if r != NULL:
            r.next_run = done
            done = r
            if done_tail == NULL:
                done_tail = r
    if done == NULL:
        return
    pthread_mutex_lock(&_ret_lock)
    done_tail.next_run = _returned
    _returned = done
    pthread_mutex_unlock(&_ret_lock)

cdef size_t zsl_reclaim() noexcept nogil:
    global _returned
    cdef _Run* r
    cdef _Run* nxt
    cdef _Slab* s
    cdef size_t count, runs = 0
    pthread_mutex_lock(&_ret_lock)
    r = _returned
    _returned = NULL
    pthread_mutex_unlock(&_ret_lock)
    while r != NULL:
        nxt = r.next_run
        count = r.count
        s = <_Slab*>_slab_of(r)
        (<void**>r.tail)[0] = s.free    # may be r's own first word: read first
        s.free = r
        s.used -= <uint32_t>count
        _slab_settle(s)
        runs += 1
        r = nxt
    return runs

cdef inline zslNode* _node_new(int level, double score, const zslStr* ele) noexcept nogil:
    cdef zslNode* x = <zslNode*>_slab_alloc(level)
    if x == NULL:
        return NULL
    x.score = score
    x.backward = NULL
    x.ele = ele
    return x

# Ordering of a node against (score, ele): node < key.
cdef inline bint _node_lt(zslNode* x, double score, const char* ele, size_t elelen) noexcept nogil:
    return x.score < score or (x.score == score and
                               zsl_cmp_bytes(zsl_node_ele(x), zsl_node_len(x), ele, elelen) < 0)

cdef size_t zsl_node_bytes(zslNode* x) noexcept nogil:
    return (<_Slab*>(<uintptr_t>x & ~(<uintptr_t>_SLAB_SIZE - 1))).slot


# ------------------------------------------------------------------ lists --

cdef zskiplist* zsl_create() noexcept nogil:
    cdef zskiplist* zsl = <zskiplist*>malloc(sizeof(zskiplist))
    cdef int j
    if zsl == NULL:
        return NULL
    # the header is not a slab node: plain malloc, freed with the list
    zsl.header = <zslNode*>malloc(sizeof(zslNode) + ZSL_MAXLEVEL * sizeof(zslLevel))
    if zsl.header == NULL:
        free(zsl)
        return NULL
    for j in range(ZSL_MAXLEVEL):
        zsl.header.level[j].forward = NULL
        zsl.header.level[j].span = 0
    zsl.header.score = 0
    zsl.header.backward = NULL
    zsl.header.ele = NULL
    zsl.tail = NULL
    zsl.length = 0
    zsl.level = 1
    return zsl

cdef void zsl_free(zskiplist* zsl) noexcept nogil:
    cdef zslNode* x
    cdef zslNode* nxt
    if zsl == NULL:
        return
    x = zsl.header.level[0].forward
    free(zsl.header)
    while x != NULL:
        nxt = x.level[0].forward
        _slab_free(x)
        x = nxt
    free(zsl)

# Link the new node x, of `level` levels, at its place by (score, ele).
cdef void _link(zskiplist* zsl, zslNode* x, int level) noexcept nogil:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef unsigned long rank[ZSL_MAXLEVEL]
    cdef zslNode* p = zsl.header
    cdef int i
    cdef const char* ele = zsl_node_ele(x)
    cdef size_t elelen = zsl_node_len(x)
    cdef double score = x.score
    i = zsl.level - 1
    while i >= 0:
        rank[i] = 0 if i == zsl.level - 1 else rank[i + 1]
        while p.level[i].forward != NULL and _node_lt(p.level[i].forward, score, ele, elelen):
            rank[i] += p.level[i].span
            p = p.level[i].forward
        update[i] = p
        i -= 1
    if level > zsl.level:
        for i in range(zsl.level, level):
            rank[i] = 0
            update[i] = zsl.header
            update[i].level[i].span = zsl.length
        zsl.level = level
    for i in range(level):
        x.level[i].forward = update[i].level[i].forward
        update[i].level[i].forward = x
        x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
        update[i].level[i].span = (rank[0] - rank[i]) + 1
    for i in range(level, zsl.level):
        update[i].level[i].span += 1
    x.backward = NULL if update[0] == zsl.header else update[0]
    if x.level[0].forward != NULL:
        x.level[0].forward.backward = x
    else:
        zsl.tail = x
    zsl.length += 1

cdef zslNode* zsl_insert(zskiplist* zsl, double score, const zslStr* ele) noexcept nogil:
    cdef int level = _random_level()
    cdef zslNode* x = _node_new(level, score, ele)
    if x == NULL:
        return NULL
    _link(zsl, x, level)
    return x

# Unlink x given the update vector (the rightmost node before x per level).
cdef void _unlink(zskiplist* zsl, zslNode* x, zslNode** update) noexcept nogil:
    cdef int i
    for i in range(zsl.level):
        if update[i].level[i].forward == x:
            update[i].level[i].span += x.level[i].span - 1
            update[i].level[i].forward = x.level[i].forward
        else:
            update[i].level[i].span -= 1
    if x.level[0].forward != NULL:
        x.level[0].forward.backward = x.backward
    else:
        zsl.tail = x.backward
    while zsl.level > 1 and zsl.header.level[zsl.level - 1].forward == NULL:
        zsl.level -= 1
    zsl.length -= 1

# Fill update[] for (score, ele); returns the first node not before it.
cdef inline zslNode* _seek(zskiplist* zsl, double score, const char* ele, size_t elelen,
                           zslNode** update) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef int i = zsl.level - 1
    while i >= 0:
        while p.level[i].forward != NULL and _node_lt(p.level[i].forward, score, ele, elelen):
            p = p.level[i].forward
        update[i] = p
        i -= 1
    return p.level[0].forward

cdef inline bint _node_is(zslNode* x, double score, const char* ele, size_t elelen) noexcept nogil:
    return x != NULL and x.score == score and zsl_node_len(x) == elelen and \
        memcmp(zsl_node_ele(x), ele, elelen) == 0

cdef int zsl_delete(zskiplist* zsl, double score, const char* ele, size_t elelen) noexcept nogil:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef zslNode* x = _seek(zsl, score, ele, elelen, update)
    if _node_is(x, score, ele, elelen):
        _unlink(zsl, x, update)
        _slab_free(x)
        return 1
    return 0

cdef zslNode* zsl_update_score(zskiplist* zsl, double curscore, const char* ele, size_t elelen,
                               double newscore) noexcept nogil:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef zslNode* x = _seek(zsl, curscore, ele, elelen, update)
    cdef zslNode* y
    cdef int level
    if not _node_is(x, curscore, ele, elelen):
        return NULL
    # same place after the change: just rewrite the score
    if (x.backward == NULL or x.backward.score < newscore) and \
            (x.level[0].forward == NULL or x.level[0].forward.score > newscore):
        x.score = newscore
        return x
    # the new node first, so that running out of memory changes nothing
    level = _random_level()
    y = _node_new(level, newscore, x.ele)
    if y == NULL:
        return NULL
    _unlink(zsl, x, update)
    _slab_free(x)
    _link(zsl, y, level)
    return y

cdef unsigned long zsl_delete_range_by_score(zskiplist* zsl, zrangespec* r, zsl_del_fn fn, void* priv) noexcept:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef zslNode* p = zsl.header
    cdef zslNode* nxt
    cdef unsigned long removed = 0
    cdef int i = zsl.level - 1
    while i >= 0:
        while p.level[i].forward != NULL and not zsl_value_gte_min(p.level[i].forward.score, r):
            p = p.level[i].forward
        update[i] = p
        i -= 1
    p = p.level[0].forward
    while p != NULL and zsl_value_lte_max(p.score, r):
        nxt = p.level[0].forward
        _unlink(zsl, p, update)
        if fn != NULL:
            fn(priv, p)
        _slab_free(p)
        removed += 1
        p = nxt
    return removed

cdef unsigned long zsl_delete_range_by_lex(zskiplist* zsl, zlexrangespec* r, zsl_del_fn fn, void* priv) noexcept:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef zslNode* p = zsl.header
    cdef zslNode* nxt
    cdef unsigned long removed = 0
    cdef int i = zsl.level - 1
    while i >= 0:
        while p.level[i].forward != NULL and \
                not zsl_lex_gte_min(zsl_node_ele(p.level[i].forward), zsl_node_len(p.level[i].forward), r):
            p = p.level[i].forward
        update[i] = p
        i -= 1
    p = p.level[0].forward
    while p != NULL and zsl_lex_lte_max(zsl_node_ele(p), zsl_node_len(p), r):
        nxt = p.level[0].forward
        _unlink(zsl, p, update)
        if fn != NULL:
            fn(priv, p)
        _slab_free(p)
        removed += 1
        p = nxt
    return removed

cdef unsigned long zsl_delete_range_by_rank(zskiplist* zsl, unsigned long start, unsigned long end,
                                            zsl_del_fn fn, void* priv) noexcept:
    cdef zslNode* update[ZSL_MAXLEVEL]
    cdef zslNode* p = zsl.header
    cdef zslNode* nxt
    cdef unsigned long traversed = 0, removed = 0
    cdef int i = zsl.level - 1
    while i >= 0:
        while p.level[i].forward != NULL and traversed + p.level[i].span < start:
            traversed += p.level[i].span
            p = p.level[i].forward
        update[i] = p
        i -= 1
    traversed += 1
    p = p.level[0].forward
    while p != NULL and traversed <= end:
        nxt = p.level[0].forward
        _unlink(zsl, p, update)
        if fn != NULL:
            fn(priv, p)
        _slab_free(p)
        removed += 1
        traversed += 1
        p = nxt
    return removed


# ---------------------------------------------------------------- queries --

cdef unsigned long zsl_get_rank(zskiplist* zsl, double score, const char* ele, size_t elelen) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef zslNode* f
    cdef unsigned long rank = 0
    cdef int i = zsl.level - 1
    while i >= 0:
        while True:
            f = p.level[i].forward
            if f == NULL:
                break
            if not (f.score < score or (f.score == score and
                                        zsl_cmp_bytes(zsl_node_ele(f), zsl_node_len(f), ele, elelen) <= 0)):
                break
            rank += p.level[i].span
            p = f
        if p != zsl.header and _node_is(p, score, ele, elelen):
            return rank
        i -= 1
    return 0

cdef zslNode* zsl_get_element_by_rank(zskiplist* zsl, unsigned long rank) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef unsigned long traversed = 0
    cdef int i = zsl.level - 1
    if rank == 0:
        return NULL
    while i >= 0:
        while p.level[i].forward != NULL and traversed + p.level[i].span <= rank:
            traversed += p.level[i].span
            p = p.level[i].forward
        if traversed == rank:
            return p
        i -= 1
    return NULL

cdef inline bint _is_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    cdef zslNode* x
    if zsl_range_empty(r):
        return False
    x = zsl.tail
    if x == NULL or not zsl_value_gte_min(x.score, r):
        return False
    x = zsl.header.level[0].forward
    if x == NULL or not zsl_value_lte_max(x.score, r):
        return False
    return True

cdef zslNode* zsl_first_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef int i = zsl.level - 1
    if not _is_in_range(zsl, r):
        return NULL
    while i >= 0:
        while p.level[i].forward != NULL and not zsl_value_gte_min(p.level[i].forward.score, r):
            p = p.level[i].forward
        i -= 1
    p = p.level[0].forward
    if p == NULL or not zsl_value_lte_max(p.score, r):
        return NULL
    return p

cdef zslNode* zsl_last_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef int i = zsl.level - 1
    if not _is_in_range(zsl, r):
        return NULL
    while i >= 0:
        while p.level[i].forward != NULL and zsl_value_lte_max(p.level[i].forward.score, r):
            p = p.level[i].forward
        i -= 1
    if p == zsl.header or not zsl_value_gte_min(p.score, r):
        return NULL
    return p

cdef inline bint _is_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    cdef zslNode* x
    if zsl_lex_range_empty(r):
        return False
    x = zsl.tail
    if x == NULL or not zsl_lex_gte_min(zsl_node_ele(x), zsl_node_len(x), r):
        return False
    x = zsl.header.level[0].forward
    if x == NULL or not zsl_lex_lte_max(zsl_node_ele(x), zsl_node_len(x), r):
        return False
    return True

cdef zslNode* zsl_first_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef zslNode* f
    cdef int i = zsl.level - 1
    if not _is_in_lex_range(zsl, r):
        return NULL
    while i >= 0:
        while True:
            f = p.level[i].forward
            if f == NULL or zsl_lex_gte_min(zsl_node_ele(f), zsl_node_len(f), r):
                break
            p = f
        i -= 1
    p = p.level[0].forward
    if p == NULL or not zsl_lex_lte_max(zsl_node_ele(p), zsl_node_len(p), r):
        return NULL
    return p

cdef zslNode* zsl_last_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    cdef zslNode* p = zsl.header
    cdef zslNode* f
    cdef int i = zsl.level - 1
    if not _is_in_lex_range(zsl, r):
        return NULL
    while i >= 0:
        while True:
            f = p.level[i].forward
            if f == NULL or not zsl_lex_lte_max(zsl_node_ele(f), zsl_node_len(f), r):
                break
            p = f
        i -= 1
    if p == zsl.header or not zsl_lex_gte_min(zsl_node_ele(p), zsl_node_len(p), r):
        return NULL
    return p
