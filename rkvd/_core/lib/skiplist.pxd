# Skiplist: Redis's sorted-set skiplist (Pugh's list with repeated scores,
# ties broken by the element bytes, backward links on level 0 and spans on
# every level for O(log N) rank). Server-agnostic: doubles and byte strings.
#
# A node is [score][backward][ele][levels], 24 + 16 bytes per level like
# Redis's, allocated from per-level slabs (see skiplist.pyx). Levels go up to
# ZSL_MAXLEVEL with p = 1/4, like zslRandomLevel.
#
# Elements are not copied: a node points at a zslStr (a uint32 length then
# the bytes) that its owner keeps alive and unmoved for the node's lifetime.
# A sorted set points its nodes at the keys of its member table, whose
# entries have exactly that layout, so every member is stored once.
#
# Ordering: (score, element) with the element compared like sdscmp (memcmp
# over the common length, then the shorter first). Callers guarantee that an
# element is inserted at most once (the sorted set keeps a member table).
# Scores are never NaN.
#
# Ranks are 1-based as in Redis (the header's span to the first node is 1).
# Node pointers stay valid until that node is deleted or moved to a new
# score (zsl_update_score may replace the node).
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcmp

cdef extern from *:
    """
    typedef struct rkvdZslStr {
        uint32_t len;
        char data[];
    } rkvdZslStr;
    struct rkvdZslNode;
    typedef struct rkvdZslLevel {
        struct rkvdZslNode *forward;
        unsigned long span;
    } rkvdZslLevel;
    typedef struct rkvdZslNode {
        double score;
        struct rkvdZslNode *backward;
        const rkvdZslStr *ele;
        rkvdZslLevel level[];
    } rkvdZslNode;
    #define RKVD_ZSL_ELE(n) ((n)->ele->data)
    #define RKVD_ZSL_LEN(n) ((n)->ele->len)
    """
    ctypedef struct zslStr "rkvdZslStr":
        uint32_t len
        char data[1]
    ctypedef struct zslNode "rkvdZslNode"
    ctypedef struct zslLevel "rkvdZslLevel":
        zslNode* forward
        unsigned long span
    ctypedef struct zslNode "rkvdZslNode":
        double score
        zslNode* backward
        const zslStr* ele
        zslLevel level[1]
    char* zsl_node_ele "RKVD_ZSL_ELE"(zslNode* n) nogil
    uint32_t zsl_node_len "RKVD_ZSL_LEN"(zslNode* n) nogil

cdef enum:
    ZSL_MAXLEVEL = 32

ctypedef struct zskiplist:
    zslNode* header
    zslNode* tail
    unsigned long length
    int level

# Score range: min/max with exclusive flags ("(1.5" -> minex = 1).
ctypedef struct zrangespec:
    double min
    double max
    int minex
    int maxex

# One end of a lex range: a string, or with inf = -1 / +1 the "-" / "+"
# markers that sort below / above every string (Redis's shared.minstring /
# shared.maxstring). p points into caller-owned memory.
ctypedef struct zlexbound:
    const char* p
    size_t len
    int inf

ctypedef struct zlexrangespec:
    zlexbound min
    zlexbound max
    int minex
    int maxex

# Called for each node a range delete removes, before it is freed: the owner
# drops the element from its member table.
ctypedef void (*zsl_del_fn)(void* priv, zslNode* x) noexcept


# ------------------------------------------------------------- comparisons --

# sdscmp: memcmp over the common prefix, then the shorter string first.
cdef inline int zsl_cmp_bytes(const char* a, size_t alen, const char* b, size_t blen) noexcept nogil:
    cdef size_t n = alen if alen < blen else blen
    cdef int c = memcmp(a, b, n)
    if c != 0:
        return c
    return (alen > blen) - (alen < blen)

cdef inline bint zsl_value_gte_min(double v, zrangespec* r) noexcept nogil:
    return v > r.min if r.minex else v >= r.min

cdef inline bint zsl_value_lte_max(double v, zrangespec* r) noexcept nogil:
    return v < r.max if r.maxex else v <= r.max

# A string against a bound: < 0, 0, > 0 like sdscmplex(value, bound).
cdef inline int zsl_lex_cmp(const char* s, size_t slen, zlexbound* b) noexcept nogil:
    if b.inf < 0:
        return 1
    if b.inf > 0:
        return -1
    return zsl_cmp_bytes(s, slen, b.p, b.len)

cdef inline bint zsl_lex_gte_min(const char* s, size_t slen, zlexrangespec* r) noexcept nogil:
    cdef int c = zsl_lex_cmp(s, slen, &r.min)
    return c > 0 if r.minex else c >= 0

cdef inline bint zsl_lex_lte_max(const char* s, size_t slen, zlexrangespec* r) noexcept nogil:
    cdef int c = zsl_lex_cmp(s, slen, &r.max)
    return c < 0 if r.maxex else c <= 0

# 1 when no string can be in the range (min above max, or equal and open).
cdef inline bint zsl_lex_range_empty(zlexrangespec* r) noexcept nogil:
    cdef int c
    if r.min.inf != 0 and r.min.inf == r.max.inf:
        c = 0
    elif r.min.inf < 0 or r.max.inf > 0:
        c = -1
    elif r.min.inf > 0 or r.max.inf < 0:
        c = 1
    else:
        c = zsl_cmp_bytes(r.min.p, r.min.len, r.max.p, r.max.len)
    return c > 0 or (c == 0 and (r.minex or r.maxex))

cdef inline bint zsl_range_empty(zrangespec* r) noexcept nogil:
    return r.min > r.max or (r.min == r.max and (r.minex or r.maxex))


# ----------------------------------------------------------------- access --

cdef inline zslNode* zsl_first(zskiplist* zsl) noexcept nogil:
    return zsl.header.level[0].forward

cdef inline zslNode* zsl_next(zslNode* x) noexcept nogil:
    return x.level[0].forward


# ---------------------------------------------------------------- changes --

# New empty skiplist, NULL on out of memory.
cdef zskiplist* zsl_create() noexcept nogil
# Free the list and every node.
cdef void zsl_free(zskiplist* zsl) noexcept nogil
# Insert (score, ele), which must not be present; the node points at ele
# (see above). Returns the node, NULL on out of memory (list unchanged).
cdef zslNode* zsl_insert(zskiplist* zsl, double score, const zslStr* ele) noexcept nogil
# Delete the node matching (score, ele); 1 if found and freed (its zslStr
# is the owner's).
cdef int zsl_delete(zskiplist* zsl, double score, const char* ele, size_t elelen) noexcept nogil
# Move the element (curscore, ele), which must exist, to newscore: in place
# when its position does not change, else as a new node (the old one is
# freed). Returns the element's node, NULL if absent or out of memory.
cdef zslNode* zsl_update_score(zskiplist* zsl, double curscore, const char* ele, size_t elelen,
                               double newscore) noexcept nogil
# Delete every node in the range; fn (may be NULL) sees each before it is
# freed. Ranks are 1-based and inclusive. Return the number deleted.
cdef unsigned long zsl_delete_range_by_score(zskiplist* zsl, zrangespec* r, zsl_del_fn fn, void* priv) noexcept
cdef unsigned long zsl_delete_range_by_lex(zskiplist* zsl, zlexrangespec* r, zsl_del_fn fn, void* priv) noexcept
cdef unsigned long zsl_delete_range_by_rank(zskiplist* zsl, unsigned long start, unsigned long end,
                                            zsl_del_fn fn, void* priv) noexcept


# ---------------------------------------------------------------- queries --

# 1-based rank of (score, ele), 0 when absent.
cdef unsigned long zsl_get_rank(zskiplist* zsl, double score, const char* ele, size_t elelen) noexcept nogil
# Node at a 1-based rank, NULL when out of range.
cdef zslNode* zsl_get_element_by_rank(zskiplist* zsl, unsigned long rank) noexcept nogil
# First / last node inside the range, NULL when none.
cdef zslNode* zsl_first_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil
cdef zslNode* zsl_last_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil
cdef zslNode* zsl_first_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil
cdef zslNode* zsl_last_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil
# Bytes the node takes in its slab, its zslStr excluded (MEMORY USAGE).
# Only for element nodes, not the list's header.
cdef size_t zsl_node_bytes(zslNode* x) noexcept nogil
# Lazy free of a detached list (no other reference to it or its nodes):
# zsl_free_detached may run on any thread; it frees the list and leaves its
# nodes threaded into per-slab runs that zsl_reclaim, on the engine's thread
# only, gives back to their slabs (it returns the number of runs). Until
# then the nodes still count as allocated. See skiplist.pyx for why.
cdef void zsl_free_detached(zskiplist* zsl) noexcept nogil
cdef size_t zsl_reclaim() noexcept nogil
# Node slabs allocated now, by all the skiplists of the process (tests).
cdef size_t zsl_slab_count() noexcept nogil
# Reseed the generator behind node levels (tests); it starts from os.urandom.
cdef void zsl_random_seed(uint64_t seed) noexcept nogil
