# Sorted sets (Redis's t_zset.c). Two encodings, converted at the
# zset-max-listpack-entries / -value thresholds exactly like Redis:
#   listpack  [member, score, member, score, ...] in (score, member) order,
#             scores written as integers when exact, else d2string text
#   skiplist  a skiplist (rkvd._core.lib.skiplist: order, spans, ranks) plus a
#             member table (our keyspace hash table, member -> the score's
#             64 bits in v.ival), like Redis's zset {dict, zsl}; the nodes
#             point at the table's keys, so a member is stored once
# Order of the file: listpack API, the value object and the sorted set API
# (zs_*), argument helpers, then the commands by family.

from rkvd._core.lib.listpack cimport *
from rkvd._core.lib.skiplist cimport *
from libc.stdlib cimport strtod, abort
from libc.stdio cimport fprintf, stderr

cdef extern from "<math.h>" nogil:
    bint isnan_d "isnan"(double)

cdef enum:
    ZADD_IN_NONE = 0
    ZADD_IN_INCR = 1 << 0
    ZADD_IN_NX = 1 << 1
    ZADD_IN_XX = 1 << 2
    ZADD_IN_GT = 1 << 3
    ZADD_IN_LT = 1 << 4
    ZADD_OUT_NOP = 1 << 0
    ZADD_OUT_NAN = 1 << 1
    ZADD_OUT_ADDED = 1 << 2
    ZADD_OUT_UPDATED = 1 << 3
    ZSET_MIN = 0
    ZSET_MAX = 1
    ZRANGE_AUTO = 0
    ZRANGE_RANK = 1
    ZRANGE_SCORE = 2
    ZRANGE_LEX = 3
    ZRANGE_DIR_AUTO = 0
    ZRANGE_DIR_FORWARD = 1
    ZRANGE_DIR_REVERSE = 2
    ZSET_OP_UNION = 0
    ZSET_OP_DIFF = 1
    ZSET_OP_INTER = 2
    AGGR_SUM = 1
    AGGR_MIN = 2
    AGGR_MAX = 3
    ZRANDMEMBER_SUB_STRATEGY_MUL = 3
    ZRANDMEMBER_RANDOM_SAMPLE_LIMIT = 1000

cdef extern from "<limits.h>":
    long LONG_MAX

# Out of memory in the middle of a change: like zmalloc, give up at once
# rather than leave a half-written listpack behind.
cdef void _zset_oom() noexcept nogil:
    fprintf(stderr, b"rkvd: out of memory in a sorted set operation\n")
    abort()

cdef inline unsigned char* _lpc(unsigned char* lp) noexcept nogil:
    if lp == NULL:
        _zset_oom()
    return lp

cdef inline int64_t _d2bits(double d) noexcept nogil:
    cdef int64_t v
    memcpy(&v, &d, 8)
    return v

cdef inline double _bits2d(int64_t v) noexcept nogil:
    cdef double d
    memcpy(&d, &v, 8)
    return d

# Redis's double2ll: exact integers within +-LLONG_MAX/2.
cdef inline bint zset_double2ll(double d, long long* out) noexcept nogil:
    cdef long long ll
    if d < -4611686018427387904.0 or d > 4611686018427387904.0:
        return False
    ll = <long long>d
    if <double>ll != d:
        return False
    out[0] = ll
    return True


# ------------------------------------------------------------------ listpack API

# A listpack score: strtod over at most 127 bytes of text, or the integer.
cdef inline double zzl_strtod(const unsigned char* v, unsigned int vlen) noexcept nogil:
    cdef char buf[128]
    if vlen > 127:
        vlen = 127
    memcpy(buf, v, vlen)
    buf[vlen] = 0
    return strtod(buf, NULL)

cdef inline double zzl_get_score(unsigned char* sptr) noexcept nogil:
    cdef unsigned int vlen
    cdef long long vlong
    cdef unsigned char* v = lp_get_value(sptr, &vlen, &vlong)
    if v != NULL:
        return zzl_strtod(v, vlen)
    return <double>vlong

# The entry's bytes: strings point into the listpack, integers are printed
# into buf (>= 24 bytes).
cdef inline const char* zzl_ele(unsigned char* p, char* buf, size_t* n) noexcept nogil:
    cdef unsigned int vlen
    cdef long long vlong
    cdef unsigned char* v = lp_get_value(p, &vlen, &vlong)
    if v != NULL:
        n[0] = vlen
        return <const char*>v
    n[0] = ll2string(buf, 24, vlong)
    return buf

cdef inline int zzl_cmp_ele(unsigned char* eptr, const char* s, size_t slen) noexcept nogil:
    cdef char buf[24]
    cdef size_t n
    cdef const char* v = zzl_ele(eptr, buf, &n)
    return zsl_cmp_bytes(v, n, s, slen)

cdef inline bint zzl_lex_gte_min(unsigned char* p, zlexrangespec* r) noexcept nogil:
    cdef char buf[24]
    cdef size_t n
    cdef const char* v = zzl_ele(p, buf, &n)
    return zsl_lex_gte_min(v, n, r)

cdef inline bint zzl_lex_lte_max(unsigned char* p, zlexrangespec* r) noexcept nogil:
    cdef char buf[24]
    cdef size_t n
    cdef const char* v = zzl_ele(p, buf, &n)
    return zsl_lex_lte_max(v, n, r)

cdef inline unsigned long zzl_length(unsigned char* lp) noexcept nogil:
    return lp_length(lp) // 2

cdef inline void zzl_next(unsigned char* lp, unsigned char** eptr, unsigned char** sptr) noexcept nogil:
    cdef unsigned char* e = lp_next(lp, sptr[0])
    eptr[0] = e
    sptr[0] = lp_next(lp, e) if e != NULL else NULL

cdef inline void zzl_prev(unsigned char* lp, unsigned char** eptr, unsigned char** sptr) noexcept nogil:
    cdef unsigned char* s = lp_prev(lp, eptr[0])
    sptr[0] = s
    eptr[0] = lp_prev(lp, s) if s != NULL else NULL

cdef bint zzl_is_in_range(unsigned char* lp, zrangespec* r) noexcept nogil:
    cdef unsigned char* p
    if zsl_range_empty(r):
        return False
    p = lp_seek(lp, -1)
    if p == NULL or not zsl_value_gte_min(zzl_get_score(p), r):
        return False
    p = lp_seek(lp, 1)
    return zsl_value_lte_max(zzl_get_score(p), r)

cdef unsigned char* zzl_first_in_range(unsigned char* lp, zrangespec* r) noexcept nogil:
    cdef unsigned char* eptr = lp_seek(lp, 0)
    cdef unsigned char* sptr
    cdef double score
    if not zzl_is_in_range(lp, r):
        return NULL
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        score = zzl_get_score(sptr)
        if zsl_value_gte_min(score, r):
            return eptr if zsl_value_lte_max(score, r) else NULL
        eptr = lp_next(lp, sptr)
    return NULL

cdef unsigned char* zzl_last_in_range(unsigned char* lp, zrangespec* r) noexcept nogil:
    cdef unsigned char* eptr = lp_seek(lp, -2)
    cdef unsigned char* sptr
    cdef double score
    if not zzl_is_in_range(lp, r):
        return NULL
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        score = zzl_get_score(sptr)
        if zsl_value_lte_max(score, r):
            return eptr if zsl_value_gte_min(score, r) else NULL
        sptr = lp_prev(lp, eptr)
        eptr = lp_prev(lp, sptr) if sptr != NULL else NULL
    return NULL

cdef bint zzl_is_in_lex_range(unsigned char* lp, zlexrangespec* r) noexcept nogil:
    cdef unsigned char* p
    if zsl_lex_range_empty(r):
        return False
    p = lp_seek(lp, -2)
    if p == NULL or not zzl_lex_gte_min(p, r):
        return False
    p = lp_seek(lp, 0)
    return zzl_lex_lte_max(p, r)

cdef unsigned char* zzl_first_in_lex_range(unsigned char* lp, zlexrangespec* r) noexcept nogil:
    cdef unsigned char* eptr = lp_seek(lp, 0)
    if not zzl_is_in_lex_range(lp, r):
        return NULL
    while eptr != NULL:
        if zzl_lex_gte_min(eptr, r):
            return eptr if zzl_lex_lte_max(eptr, r) else NULL
        eptr = lp_next(lp, lp_next(lp, eptr))
    return NULL

cdef unsigned char* zzl_last_in_lex_range(unsigned char* lp, zlexrangespec* r) noexcept nogil:
    cdef unsigned char* eptr = lp_seek(lp, -2)
    cdef unsigned char* sptr
    if not zzl_is_in_lex_range(lp, r):
        return NULL
    while eptr != NULL:
        if zzl_lex_lte_max(eptr, r):
            return eptr if zzl_lex_gte_min(eptr, r) else NULL
        sptr = lp_prev(lp, eptr)
        eptr = lp_prev(lp, sptr) if sptr != NULL else NULL
    return NULL

cdef unsigned char* zzl_find(unsigned char* lp, const char* ele, size_t elen, double* score) noexcept nogil:
    cdef unsigned char* eptr = lp_first(lp)
    if eptr == NULL:
        return NULL
    eptr = lp_find(lp, eptr, <const unsigned char*>ele, <uint32_t>elen, 1)
    if eptr != NULL and score != NULL:
        score[0] = zzl_get_score(lp_next(lp, eptr))
    return eptr

# Insert (ele, score) before eptr, or append when eptr is NULL.
cdef unsigned char* zzl_insert_at(unsigned char* lp, unsigned char* eptr, const char* ele,
                                  size_t elen, double score) noexcept nogil:
    cdef char sbuf[MAX_D2STRING_CHARS]
    cdef int slen = 0
    cdef long long lscore
    cdef unsigned char* sptr
    cdef bint is_long = zset_double2ll(score, &lscore)
    if not is_long:
        slen = d2string(sbuf, MAX_D2STRING_CHARS, score)
    if eptr == NULL:
        lp = _lpc(lp_append(lp, <const unsigned char*>ele, <uint32_t>elen))
        if is_long:
            return _lpc(lp_append_int64(lp, lscore))
        return _lpc(lp_append(lp, <unsigned char*>sbuf, slen))
    lp = _lpc(lp_insert_string(lp, <const unsigned char*>ele, <uint32_t>elen, eptr, LP_BEFORE, &sptr))
    if is_long:
        return _lpc(lp_insert_int64(lp, lscore, sptr, LP_AFTER, NULL))
    return _lpc(lp_insert_string(lp, <unsigned char*>sbuf, slen, sptr, LP_AFTER, NULL))

# Insert an element known to be absent at its place.
cdef unsigned char* zzl_insert(unsigned char* lp, const char* ele, size_t elen, double score) noexcept nogil:
    cdef unsigned char* eptr = lp_seek(lp, 0)
    cdef unsigned char* sptr
    cdef double s
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        s = zzl_get_score(sptr)
        if s > score:
            return zzl_insert_at(lp, eptr, ele, elen, score)
        if s == score and zzl_cmp_ele(eptr, ele, elen) > 0:
            return zzl_insert_at(lp, eptr, ele, elen, score)
        eptr = lp_next(lp, sptr)
    return zzl_insert_at(lp, NULL, ele, elen, score)

cdef inline unsigned char* zzl_delete(unsigned char* lp, unsigned char* eptr) noexcept nogil:
    return lp_delete_range_with_entry(lp, &eptr, 2)

cdef unsigned char* zzl_delete_range_by_score(unsigned char* lp, zrangespec* r, unsigned long* deleted) noexcept nogil:
    cdef unsigned char* eptr = zzl_first_in_range(lp, r)
    cdef unsigned char* sptr
    cdef unsigned long n = 0
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        if sptr == NULL or not zsl_value_lte_max(zzl_get_score(sptr), r):
            break
        lp = lp_delete_range_with_entry(lp, &eptr, 2)
        n += 1
    deleted[0] = n
    return lp

cdef unsigned char* zzl_delete_range_by_lex(unsigned char* lp, zlexrangespec* r, unsigned long* deleted) noexcept nogil:
    cdef unsigned char* eptr = zzl_first_in_lex_range(lp, r)
    cdef unsigned long n = 0
    while eptr != NULL:
        if lp_next(lp, eptr) == NULL or not zzl_lex_lte_max(eptr, r):
            break
        lp = lp_delete_range_with_entry(lp, &eptr, 2)
        n += 1
    deleted[0] = n
    return lp


# ------------------------------------------------------------------ the value object

# Skiplist nodes point at the keys of the member table's entries: a key's
# uint32 length and its bytes are laid out like a zslStr.
cdef extern from *:
    """
    #include <stddef.h>
    _Static_assert(offsetof(rkvdEntry, data) == offsetof(rkvdEntry, klen) + 4,
                   "entry key must follow its length");
    #define RKVD_ENTRY_ZSLSTR(e) ((const rkvdZslStr *)&(e)->klen)
    """
    const zslStr* entry_zslstr "RKVD_ENTRY_ZSLSTR"(dictEntry* e) nogil

# Removes a member from the table when a skiplist range delete drops its
# node (the node is unlinked and no longer reads its element).
cdef void _zset_dict_drop(void* priv, zslNode* x) noexcept:
    dict_delete(<kvdict*>priv, zsl_node_ele(x), zsl_node_len(x))


@cython.final
cdef class ZsetValue:
    """A sorted set: listpack (lp != NULL) or skiplist + member table."""

    def __dealloc__(self):
        if self.lp != NULL:
            lp_free(self.lp)
        if self.zsl != NULL:
            zsl_free(self.zsl)
        if self.dict != NULL:
            dict_release(self.dict)

    # ---------------------------------------------------------- Python-facing API

    def encoding_name(self):
        return b"listpack" if self.lp != NULL else b"skiplist"

    def __len__(self):
        return zs_length(self)

    def copy(self):
        """Same members and encoding (COPY)."""
        cdef ZsetValue z = ZsetValue.__new__(ZsetValue)
        cdef size_t n
        cdef zslNode* x
        if self.lp != NULL:
            n = lp_bytes(self.lp)
            z.lp = <unsigned char*>malloc(n)
            if z.lp == NULL:
                raise MemoryError()
            memcpy(z.lp, self.lp, n)
            return z
        z.zsl = zsl_create()
        if z.zsl == NULL:
            raise MemoryError()
        z.dict = dict_create()
        dict_expand(z.dict, self.zsl.length)
        # tail first: every insert then stops at the head (O(1) per node)
        x = self.zsl.tail
        while x != NULL:
            zs_sl_insert(z, zsl_node_ele(x), zsl_node_len(x), x.score)
            x = x.backward
        return z

    def items(self):
        """[(member, score)] in order."""
        cdef unsigned char* eptr
        cdef unsigned char* sptr
        cdef char buf[24]
        cdef size_t n
        cdef const char* ele
        cdef zslNode* x
        out = []
        if self.lp != NULL:
            eptr = lp_seek(self.lp, 0)
            while eptr != NULL:
                sptr = lp_next(self.lp, eptr)
                ele = zzl_ele(eptr, buf, &n)
                out.append((PyBytes_FromStringAndSize(ele, n), zzl_get_score(sptr)))
                eptr = lp_next(self.lp, sptr)
            return out
        x = zsl_first(self.zsl)
        while x != NULL:
            out.append((PyBytes_FromStringAndSize(zsl_node_ele(x), zsl_node_len(x)), x.score))
            x = zsl_next(x)
        return out

    def memory_usage(self, long long samples=5):
        """Bytes, estimated like Redis's objectComputeSize (sampled nodes)."""
        cdef size_t size = 8 + sizeof(PyObject) + 3 * sizeof(void*)
        cdef zslNode* x
        cdef long long seen = 0
        cdef size_t ele = 0
        cdef dictEntry* e
        if self.lp != NULL:
            return size + malloc_usable_size(self.lp)
        size += sizeof(zskiplist) + sizeof(kvdict) + dict_buckets_bytes(self.dict) + \
            sizeof(zslNode) + ZSL_MAXLEVEL * sizeof(zslLevel)
        x = zsl_first(self.zsl)
        if samples <= 0:
            samples = 5
        while x != NULL and seen < samples:
            ele += zsl_node_bytes(x)
            e = dict_find(self.dict, zsl_node_ele(x), zsl_node_len(x))
            if e != NULL:
                ele += malloc_usable_size(e) + sizeof(size_t)
            seen += 1
            x = zsl_next(x)
        if seen:
            size += <size_t>(<double>ele / seen * self.zsl.length)
        return size

    def mem_usage(self):
        return self.memory_usage(5)

    property table_size:
        def __get__(self):
            if self.dict == NULL:
                return 0
            return self.dict.ht[0].size + self.dict.ht[1].size

cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)


# ------------------------------------------------------------------ the sorted set API
# (module functions rather than methods: a cdef method would add a vtable
# pointer to every value object)

cdef inline unsigned long zs_length(ZsetValue z) noexcept:
    if z.lp != NULL:
        return zzl_length(z.lp)
    return z.zsl.length

# 1 and *score when ele is a member.
cdef inline int zs_get_score(ZsetValue z, const char* ele, size_t elen, double* score) noexcept:
    cdef dictEntry* e
    if z.lp != NULL:
        return zzl_find(z.lp, ele, elen, score) != NULL
    e = dict_find(z.dict, ele, elen)
    if e == NULL:
        return 0
    score[0] = _bits2d(e.v.ival)
    return 1

# The member table entry for a new member (the caller links its node).
cdef dictEntry* zs_table_add(ZsetValue z, const char* ele, size_t elen, double score) except NULL:
    cdef dictEntry* e
    if elen > 0xFFFFFFFFUL:
        raise MemoryError()
    e = dict_add_new(z.dict, ele, elen, 0)
    if e == NULL:
        raise MemoryError()
    entry_set_kind(e, 0, VK_INT)
    e.v.ival = _d2bits(score)
    return e

cdef int zs_sl_insert(ZsetValue z, const char* ele, size_t elen, double score) except -1:
    cdef dictEntry* e = zs_table_add(z, ele, elen, score)
    if zsl_insert(z.zsl, score, entry_zslstr(e)) == NULL:
        dict_delete(z.dict, ele, elen)
        raise MemoryError()
    return 0

cdef int zs_to_skiplist(ZsetValue z) except -1:
    cdef unsigned char* lp = z.lp
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef char buf[24]
    cdef size_t n
    cdef const char* ele
    if lp == NULL:
        return 0
    z.zsl = zsl_create()
    if z.zsl == NULL:
        raise MemoryError()
    z.dict = dict_create()
    dict_expand(z.dict, zzl_length(lp))
    eptr = lp_seek(lp, 0)
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        ele = zzl_ele(eptr, buf, &n)
        zs_sl_insert(z, ele, n, zzl_get_score(sptr))
        eptr = lp_next(lp, sptr)
    lp_free(lp)
    z.lp = NULL
    return 0

cdef int zs_to_listpack(ZsetValue z) except -1:
    cdef unsigned char* lp
    cdef zslNode* x
    if z.lp != NULL:
        return 0
    lp = _lpc(lp_new(0))
    x = zsl_first(z.zsl)
    while x != NULL:
        lp = zzl_insert_at(lp, NULL, zsl_node_ele(x), zsl_node_len(x), x.score)
        x = zsl_next(x)
    zsl_free(z.zsl)
    dict_release(z.dict)
    z.zsl = NULL
    z.dict = NULL
    z.lp = lp
    return 0

# zsetConvertToListpackIfNeeded
cdef int zs_maybe_to_listpack(ZsetValue z, Engine eng, size_t maxelelen, size_t totelelen) except -1:
    if z.lp != NULL:
        return 0
    if z.zsl.length <= <unsigned long>eng.zset_max_listpack_entries and \
            maxelelen <= <size_t>eng.zset_max_listpack_value and lp_safe_to_add(NULL, totelelen):
        zs_to_listpack(z)
    return 0

# Redis's zsetAdd. Returns 1 (flags in *out) or 0 when the result is NaN.
cdef int zs_add(ZsetValue z, Engine eng, double score, const char* ele, size_t elen, int flags,
                int* out, double* newscore) except -1:
    cdef bint incr = flags & ZADD_IN_INCR, nx = flags & ZADD_IN_NX, xx = flags & ZADD_IN_XX
    cdef bint gt = flags & ZADD_IN_GT, lt = flags & ZADD_IN_LT
    cdef double cur
    cdef unsigned char* eptr
    cdef dictEntry* e
    out[0] = 0
    if isnan_d(score):
        out[0] = ZADD_OUT_NAN
        return 0
    if z.lp != NULL:
        eptr = zzl_find(z.lp, ele, elen, &cur)
        if eptr != NULL:
            if nx:
                out[0] |= ZADD_OUT_NOP
                return 1
            if incr:
                score += cur
                if isnan_d(score):
                    out[0] |= ZADD_OUT_NAN
                    return 0
            if (lt and score >= cur) or (gt and score <= cur):
                out[0] |= ZADD_OUT_NOP
                return 1
            if newscore != NULL:
                newscore[0] = score
            if score != cur:
                z.lp = zzl_delete(z.lp, eptr)
                z.lp = zzl_insert(z.lp, ele, elen, score)
                out[0] |= ZADD_OUT_UPDATED
            return 1
        elif not xx:
            if zzl_length(z.lp) + 1 > <unsigned long>eng.zset_max_listpack_entries or \
                    elen > <size_t>eng.zset_max_listpack_value or \
                    not lp_safe_to_add(z.lp, elen):
                zs_to_skiplist(z)
            else:
                z.lp = zzl_insert(z.lp, ele, elen, score)
                if newscore != NULL:
                    newscore[0] = score
                out[0] |= ZADD_OUT_ADDED
                return 1
        else:
            out[0] |= ZADD_OUT_NOP
            return 1
    e = dict_find(z.dict, ele, elen)
    if e != NULL:
        if nx:
            out[0] |= ZADD_OUT_NOP
            return 1
        cur = _bits2d(e.v.ival)
        if incr:
            score += cur
            if isnan_d(score):
                out[0] |= ZADD_OUT_NAN
                return 0
        if (lt and score >= cur) or (gt and score <= cur):
            out[0] |= ZADD_OUT_NOP
            return 1
        if newscore != NULL:
            newscore[0] = score
        if score != cur:
            if zsl_update_score(z.zsl, cur, ele, elen, score) == NULL:
                raise MemoryError()
            e.v.ival = _d2bits(score)
            out[0] |= ZADD_OUT_UPDATED
        return 1
    if xx:
        out[0] |= ZADD_OUT_NOP
        return 1
    zs_sl_insert(z, ele, elen, score)
    out[0] |= ZADD_OUT_ADDED
    if newscore != NULL:
        newscore[0] = score
    return 1

# Remove a member; 1 if it was there.
cdef int zs_remove(ZsetValue z, const char* ele, size_t elen) except -1:
    cdef unsigned char* eptr
    cdef dictEntry* e
    cdef double score
    if z.lp != NULL:
        eptr = zzl_find(z.lp, ele, elen, NULL)
        if eptr == NULL:
            return 0
        z.lp = zzl_delete(z.lp, eptr)
        return 1
    e = dict_find(z.dict, ele, elen)
    if e == NULL:
        return 0
    score = _bits2d(e.v.ival)
    # the node points at the entry's key: node first, entry last
    zsl_delete(z.zsl, score, ele, elen)
    dict_delete(z.dict, ele, elen)
    dict_try_shrink(z.dict)
    return 1

# 0-based rank, -1 when absent.
cdef long zs_rank(ZsetValue z, const char* ele, size_t elen, bint reverse) noexcept:
    cdef unsigned long llen = zs_length(z), r
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef dictEntry* e
    if z.lp != NULL:
        eptr = lp_seek(z.lp, 0)
        r = 1
        while eptr != NULL:
            if lp_compare(eptr, <const unsigned char*>ele, <uint32_t>elen):
                return <long>(llen - r) if reverse else <long>(r - 1)
            sptr = lp_next(z.lp, eptr)
            eptr = lp_next(z.lp, sptr)
            r += 1
        return -1
    e = dict_find(z.dict, ele, elen)
    if e == NULL:
        return -1
    r = zsl_get_rank(z.zsl, _bits2d(e.v.ival), ele, elen)
    return <long>(llen - r) if reverse else <long>(r - 1)

cdef int zs_dict_resize_after_deletes(ZsetValue z) noexcept:
    if z.dict != NULL:
        dict_try_shrink(z.dict)
    return 0


cdef inline ZsetValue zset_new_listpack():
    cdef ZsetValue z = ZsetValue.__new__(ZsetValue)
    z.lp = _lpc(lp_new(0))
    return z

cdef inline ZsetValue zset_new_skiplist():
    cdef ZsetValue z = ZsetValue.__new__(ZsetValue)
    z.zsl = zsl_create()
    if z.zsl == NULL:
        raise MemoryError()
    z.dict = dict_create()
    return z


# ------------------------------------------------------------------ helpers

cdef bytes g_nan_err = b"resulting score is not a number (NaN)"

# The sorted set at argv[i]; *found: 1, or 0 when missing (None), or -1
# after replying WRONGTYPE (None).
cdef inline ZsetValue zset_lookup(Client c, int i, bint write, int* found):
    cdef dictEntry* e
    if write:
        e = c.db.lookup_write(c.argv[i].ptr, c.argv[i].len)
    else:
        e = c.db.lookup_read(c.argv[i].ptr, c.argv[i].len)
    if e == NULL:
        found[0] = 0
        return None
    if entry_type(e) != OBJ_ZSET:
        c.add_wrongtype()
        found[0] = -1
        return None
    found[0] = 1
    return <ZsetValue>e.v.obj

# Store a new value at argv[i] (setKey: replaces any value and its TTL) and
# wake clients blocked on the key when it is created.
cdef int zset_store(Client c, int i, ZsetValue z) except -1:
    cdef Database db = c.db
    cdef bint existed = db.lookup_write(c.argv[i].ptr, c.argv[i].len) != NULL
    db.set_obj(c.argv[i].ptr, c.argv[i].len, OBJ_ZSET, z, False)
    if not existed:
        signal_key_as_ready(db, c.argv[i].ptr, c.argv[i].len)
    return 0

cdef int zset_delete_key(Client c, int i) except -1:
    c.db.delete_key(c.argv[i].ptr, c.argv[i].len)
    return 0

# Redis's getLongFromObjectOrReply (msg NULL: the default texts).
cdef int arg_long(Client c, int i, long* out, const char* msg) except -1:
    cdef long long v
    if not string2ll(c.argv[i].ptr, c.argv[i].len, &v):
        if msg != NULL:
            c.add_error(msg, strlen(msg))
        else:
            c.add_not_integer()
        return 0
    out[0] = <long>v
    return 1

cdef int arg_double(Client c, int i, double* out, const char* msg) except -1:
    if string2d(c.argv[i].ptr, c.argv[i].len, out):
        return 1
    if msg != NULL:
        c.add_error(msg, strlen(msg))
    else:
        c.add_error_bytes(b"value is not a valid float")
    return 0

# strtod over the argument as a C string (it ends at the first NUL byte),
# which must be consumed whole; NaN refused. Redis's zslParseRange item.
cdef int _parse_score_bound(const char* p, Py_ssize_t n, double* out, int* ex) noexcept:
    cdef char stackbuf[128]
    cdef char* buf = stackbuf
    cdef char* end
    cdef int ok
    cdef Py_ssize_t z = 0
    while z < n and p[z] != 0:
        z += 1
    n = z
    ex[0] = 0
    if n > 0 and p[0] == b'(':
        ex[0] = 1
        p += 1
        n -= 1
    if n >= 128:
        buf = <char*>malloc(n + 1)
        if buf == NULL:
            return 0
    memcpy(buf, p, n)
    buf[n] = 0
    out[0] = strtod(buf, &end)
    ok = end[0] == 0 and not isnan_d(out[0])
    if buf != stackbuf:
        free(buf)
    return ok

cdef int parse_score_range(Client c, int imin, int imax, zrangespec* r) noexcept:
    return _parse_score_bound(c.argv[imin].ptr, c.argv[imin].len, &r.min, &r.minex) and \
        _parse_score_bound(c.argv[imax].ptr, c.argv[imax].len, &r.max, &r.maxex)

# One end of a lex range: "+", "-", "(str" or "[str" (Redis reads the first
# two bytes as a C string, so "+\0..." is "+").
cdef int _parse_lex_item(const char* p, Py_ssize_t n, zlexbound* b, int* ex) noexcept:
    if n == 0:
        return 0
    if p[0] == b'+' or p[0] == b'-':
        if n > 1 and p[1] != 0:
            return 0
        ex[0] = 1
        b.p = NULL
        b.len = 0
        b.inf = 1 if p[0] == b'+' else -1
        return 1
    if p[0] == b'(' or p[0] == b'[':
        ex[0] = 1 if p[0] == b'(' else 0
        b.p = p + 1
        b.len = n - 1
        b.inf = 0
        return 1
    return 0

cdef int parse_lex_range(Client c, int imin, int imax, zlexrangespec* r) noexcept:
    return _parse_lex_item(c.argv[imin].ptr, c.argv[imin].len, &r.min, &r.minex) and \
        _parse_lex_item(c.argv[imax].ptr, c.argv[imax].len, &r.max, &r.maxex)


# ------------------------------------------------------------------ ZADD / ZINCRBY / ZREM

cdef int zadd_generic(Client c, int flags) except -1:
    cdef int scoreidx = 2, j, elements, retflags
    cdef bint ch = False, incr, nx, xx, gt, lt
    cdef long added = 0, updated = 0, processed = 0
    cdef double score = 0, newscore = 0
    cdef double* scores
    cdef ZsetValue z = None
    cdef int found
    cdef Engine eng = c.engine
    cdef bint created = False
    while scoreidx < c.argc:
        if c.arg_is(scoreidx, b"nx"):
            flags |= ZADD_IN_NX
        elif c.arg_is(scoreidx, b"xx"):
            flags |= ZADD_IN_XX
        elif c.arg_is(scoreidx, b"ch"):
            ch = True
        elif c.arg_is(scoreidx, b"incr"):
            flags |= ZADD_IN_INCR
        elif c.arg_is(scoreidx, b"gt"):
            flags |= ZADD_IN_GT
        elif c.arg_is(scoreidx, b"lt"):
            flags |= ZADD_IN_LT
        else:
            break
        scoreidx += 1
    incr = flags & ZADD_IN_INCR
    nx = flags & ZADD_IN_NX
    xx = flags & ZADD_IN_XX
    gt = flags & ZADD_IN_GT
    lt = flags & ZADD_IN_LT
    elements = c.argc - scoreidx
    if elements % 2 or not elements:
        return c.add_syntax_error()
    elements //= 2
    if nx and xx:
        return c.add_error_bytes(b"XX and NX options at the same time are not compatible")
    if (gt and nx) or (lt and nx) or (gt and lt):
        return c.add_error_bytes(b"GT, LT, and/or NX options at the same time are not compatible")
    if incr and elements > 1:
        return c.add_error_bytes(b"INCR option supports a single increment-element pair")
    scores = <double*>malloc(sizeof(double) * elements)
    if scores == NULL:
        raise MemoryError()
    try:
        for j in range(elements):
            if not arg_double(c, scoreidx + j * 2, &scores[j], NULL):
                return 0
        z = zset_lookup(c, 1, True, &found)
        if found < 0:
            return 0
        if found == 0:
            if xx:
                if incr:
                    return c.add_null()
                return c.add_int(0)
            if eng.zset_max_listpack_entries == 0 or \
                    eng.zset_max_listpack_value < c.argv[scoreidx + 1].len:
                z = zset_new_skiplist()
            else:
                z = zset_new_listpack()
            c.db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_ZSET, z, False)
            created = True
        for j in range(elements):
            score = scores[j]
            retflags = 0
            if not zs_add(z, eng, score, c.argv[scoreidx + 1 + j * 2].ptr, c.argv[scoreidx + 1 + j * 2].len,
                          flags, &retflags, &newscore):
                c.add_error(g_nan_err, len(g_nan_err))
                return 0
            if retflags & ZADD_OUT_ADDED:
                added += 1
            if retflags & ZADD_OUT_UPDATED:
                updated += 1
            if not (retflags & ZADD_OUT_NOP):
                processed += 1
            score = newscore
        eng.dirty += added + updated
        if incr:
            if processed:
                c.add_double(score)
            else:
                c.add_null()
        else:
            c.add_int(added + updated if ch else added)
    finally:
        free(scores)
        if created:
            signal_key_as_ready(c.db, c.argv[1].ptr, c.argv[1].len)
        if added or updated:
            notify(c, NOTIFY_ZSET, b"zincr" if flags & ZADD_IN_INCR else b"zadd", 1)
    return 0

cdef int cmd_zadd(Client c) except -1:
    return zadd_generic(c, ZADD_IN_NONE)

cdef int cmd_zincrby(Client c) except -1:
    return zadd_generic(c, ZADD_IN_INCR)

cdef int cmd_zrem(Client c) except -1:
    cdef ZsetValue z
    cdef int found
    z = zset_lookup(c, 1, True, &found)
    cdef long deleted = 0
    cdef bint keyremoved = False
    cdef int j
    if found <= 0:
        return 0 if found < 0 else c.add_int(0)
    for j in range(2, c.argc):
        if zs_remove(z, c.argv[j].ptr, c.argv[j].len):
            deleted += 1
        if zs_length(z) == 0:
            zset_delete_key(c, 1)
            keyremoved = True
            break
    if deleted:
        notify(c, NOTIFY_ZSET, b"zrem", 1)
        if keyremoved:
            notify(c, NOTIFY_GENERIC, b"del", 1)
        c.engine.dirty += deleted
    return c.add_int(deleted)

cdef int zremrange_generic(Client c, int rangetype) except -1:
    cdef long start = 0, end = 0, llen
    cdef zrangespec r
    cdef zlexrangespec lr
    cdef const char* event
    cdef ZsetValue z
    cdef int found
    cdef unsigned long deleted = 0
    cdef bint keyremoved = False
    if rangetype == ZRANGE_RANK:
        event = b"zremrangebyrank"
        if not arg_long(c, 2, &start, NULL) or not arg_long(c, 3, &end, NULL):
            return 0
    elif rangetype == ZRANGE_SCORE:
        event = b"zremrangebyscore"
        if not parse_score_range(c, 2, 3, &r):
            return c.add_error_bytes(b"min or max is not a float")
    else:
        event = b"zremrangebylex"
        if not parse_lex_range(c, 2, 3, &lr):
            return c.add_error_bytes(b"min or max not valid string range item")
    z = zset_lookup(c, 1, True, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_int(0)
    if rangetype == ZRANGE_RANK:
        llen = zs_length(z)
        if start < 0:
            start = llen + start
        if end < 0:
            end = llen + end
        if start < 0:
            start = 0
        if start > end or start >= llen:
            return c.add_int(0)
        if end >= llen:
            end = llen - 1
    if z.lp != NULL:
        if rangetype == ZRANGE_RANK:
            deleted = end - start + 1
            z.lp = lp_delete_range(z.lp, 2 * start, 2 * deleted)
        elif rangetype == ZRANGE_SCORE:
            z.lp = zzl_delete_range_by_score(z.lp, &r, &deleted)
        else:
            z.lp = zzl_delete_range_by_lex(z.lp, &lr, &deleted)
    else:
        if rangetype == ZRANGE_RANK:
            deleted = zsl_delete_range_by_rank(z.zsl, start + 1, end + 1, _zset_dict_drop, z.dict)
        elif rangetype == ZRANGE_SCORE:
            deleted = zsl_delete_range_by_score(z.zsl, &r, _zset_dict_drop, z.dict)
        else:
            deleted = zsl_delete_range_by_lex(z.zsl, &lr, _zset_dict_drop, z.dict)
        zs_dict_resize_after_deletes(z)
    if zs_length(z) == 0:
        zset_delete_key(c, 1)
        keyremoved = True
    if deleted:
        notify(c, NOTIFY_ZSET, event, 1)
        if keyremoved:
            notify(c, NOTIFY_GENERIC, b"del", 1)
    c.engine.dirty += deleted
    return c.add_int(deleted)

cdef int cmd_zremrangebyrank(Client c) except -1:
    return zremrange_generic(c, ZRANGE_RANK)

cdef int cmd_zremrangebyscore(Client c) except -1:
    return zremrange_generic(c, ZRANGE_SCORE)

cdef int cmd_zremrangebylex(Client c) except -1:
    return zremrange_generic(c, ZRANGE_LEX)


# ------------------------------------------------------------------ ZUNION / ZINTER / ZDIFF

# Plain sets as inputs of ZUNION/ZINTER/ZDIFF (score 1 each). The contract
# with the set type: its value object (entry type OBJ_SET) has a method
# set_members() returning every member as bytes, in any order.
cdef object set_source_members(object obj):
    return obj.set_members()

# One input of a set operation: a sorted set, a plain set (members scored 1)
# or nothing (a missing key).


@cython.final
cdef class _ZOpSrc:
    cdef ZsetValue z
    cdef list members      # plain set: its members
    cdef set memberset     # plain set: for lookups, built on demand
    cdef object ident      # the value object (same key twice -> same object)
    cdef double weight

    cdef unsigned long length(self):
        if self.z is not None:
            return zs_length(self.z)
        if self.members is not None:
            return len(self.members)
        return 0

    cdef int find(self, const char* ele, size_t elen, double* score) except -1:
        if self.z is not None:
            return zs_get_score(self.z, ele, elen, score)
        if self.members is not None:
            if self.memberset is None:
                self.memberset = set(self.members)
            if PyBytes_FromStringAndSize(ele, elen) in self.memberset:
                score[0] = 1.0
                return 1
        return 0

    # (member, score) pairs, tail first for sorted sets like zuiNext.
    cdef list pairs(self):
        cdef ZsetValue z = self.z
        cdef unsigned char* eptr
        cdef unsigned char* sptr
        cdef char buf[24]
        cdef size_t n
        cdef const char* ele
        cdef zslNode* x
        out = []
        if z is None:
            if self.members is not None:
                return [(m, 1.0) for m in self.members]
            return out
        if z.lp != NULL:
            eptr = lp_seek(z.lp, -2)
            while eptr != NULL:
                sptr = lp_next(z.lp, eptr)
                ele = zzl_ele(eptr, buf, &n)
                out.append((PyBytes_FromStringAndSize(ele, n), zzl_get_score(sptr)))
                zzl_prev(z.lp, &eptr, &sptr)
            return out
        x = z.zsl.tail
        while x != NULL:
            out.append((PyBytes_FromStringAndSize(zsl_node_ele(x), zsl_node_len(x)), x.score))
            x = x.backward
        return out

cdef inline void zunion_inter_aggregate(double* target, double val, int aggregate) noexcept nogil:
    if aggregate == AGGR_SUM:
        target[0] = target[0] + val
        # +inf + -inf: Redis's convention is 0
        if isnan_d(target[0]):
            target[0] = 0.0
    elif aggregate == AGGR_MIN:
        target[0] = val if val < target[0] else target[0]
    else:
        target[0] = val if val > target[0] else target[0]

cdef int zunion_inter_diff_generic(Client c, int dstidx, int numkeys_idx, int op, bint cardinality_only) except -1:
    cdef long setnum
    cdef long long limit = 0
    cdef int i, j, remaining, aggregate = AGGR_SUM
    cdef bint withscores = False
    cdef list src = []
    cdef _ZOpSrc s, s0
    cdef dictEntry* e
    cdef Database db = c.db
    cdef Engine eng = c.engine
    cdef ZsetValue dst
    cdef size_t maxelelen = 0, totelelen = 0
    cdef unsigned long cardinality = 0
    cdef double score, value
    cdef bytes ele
    cdef zslNode* x
    cdef dictIter it
    cdef Command cmd = c.cur_cmd
    if not arg_long(c, numkeys_idx, &setnum, NULL):
        return 0
    if setnum < 1:
        return c.add_error_str(f"at least 1 input key is needed for '{cmd.name}' command")
    if setnum > c.argc - (numkeys_idx + 1):
        return c.add_syntax_error()
    j = numkeys_idx + 1
    for i in range(setnum):  # no-cython-lint
        s = _ZOpSrc()
        s.weight = 1.0
        e = db.lookup_read(c.argv[j].ptr, c.argv[j].len)
        if e != NULL:
            if entry_type(e) == OBJ_ZSET:
                s.z = <ZsetValue>e.v.obj
                s.ident = s.z
            elif entry_type(e) == OBJ_SET:
                s.ident = <object>e.v.obj
                s.members = list(set_source_members(s.ident))
            else:
                return c.add_wrongtype()
        src.append(s)
        j += 1
    remaining = c.argc - j
    while remaining:
        if op != ZSET_OP_DIFF and not cardinality_only and remaining >= setnum + 1 and c.arg_is(j, b"weights"):
            j += 1
            remaining -= 1
            for i in range(setnum):
                s = src[i]
                if not arg_double(c, j, &s.weight, b"weight value is not a float"):
                    return 0
                j += 1
                remaining -= 1
        elif op != ZSET_OP_DIFF and not cardinality_only and remaining >= 2 and c.arg_is(j, b"aggregate"):
            j += 1
            remaining -= 1
            if c.arg_is(j, b"sum"):
                aggregate = AGGR_SUM
            elif c.arg_is(j, b"min"):
                aggregate = AGGR_MIN
            elif c.arg_is(j, b"max"):
                aggregate = AGGR_MAX
            else:
                return c.add_syntax_error()
            j += 1
            remaining -= 1
        elif remaining >= 1 and dstidx < 0 and not cardinality_only and c.arg_is(j, b"withscores"):
            j += 1
            remaining -= 1
            withscores = True
        elif cardinality_only and remaining >= 2 and c.arg_is(j, b"limit"):
            j += 1
            remaining -= 1
            if not c.arg_range(j, 0, LONG_MAX, &limit, b"LIMIT can't be negative"):
                return 0
            j += 1
            remaining -= 1
        else:
            return c.add_syntax_error()
    if op != ZSET_OP_DIFF:
        # smallest first (a stable sort, like glibc's qsort)
        src.sort(key=_src_len)
    dst = zset_new_skiplist()
    s0 = src[0]
    if op == ZSET_OP_INTER:
        if s0.length() > 0:
            for ele, sc in s0.pairs():
                score = s0.weight * <double>sc
                if isnan_d(score):
                    score = 0
                j = 1
                while j < setnum:
                    s = src[j]
                    if s.ident is s0.ident:
                        value = <double>sc * s.weight
                        zunion_inter_aggregate(&score, value, aggregate)
                    elif s.find(ele, len(ele), &value):
                        value *= s.weight
                        zunion_inter_aggregate(&score, value, aggregate)
                    else:
                        break
                    j += 1
                if j == setnum:
                    if cardinality_only:
                        cardinality += 1
                        if limit and cardinality >= <unsigned long>limit:
                            break
                    else:
                        zs_sl_insert(dst, ele, len(ele), score)
                        totelelen += len(ele)
                        if <size_t>len(ele) > maxelelen:
                            maxelelen = len(ele)
    elif op == ZSET_OP_UNION:
        # accumulate in the result's member table, then build the skiplist
        dict_expand(dst.dict, (<_ZOpSrc>src[setnum - 1]).length())
        for i in range(setnum):
            s = src[i]
            if s.length() == 0:
                continue
            for ele, sc in s.pairs():
                score = s.weight * <double>sc
                if isnan_d(score):
                    score = 0
                e = dict_find(dst.dict, ele, len(ele))
                if e == NULL:
                    zs_table_add(dst, ele, len(ele), score)
                    totelelen += len(ele)
                    if <size_t>len(ele) > maxelelen:
                        maxelelen = len(ele)
                else:
                    value = _bits2d(e.v.ival)
                    zunion_inter_aggregate(&value, score, aggregate)
                    e.v.ival = _d2bits(value)
        dict_iter_init(&it, dst.dict, 0)
        while True:
            e = dict_iter_next(&it)
            if e == NULL:
                break
            if zsl_insert(dst.zsl, _bits2d(e.v.ival), entry_zslstr(e)) == NULL:
                dict_iter_release(&it)
                raise MemoryError()
        dict_iter_release(&it)
    else:
        if s0.length() > 0:
            zdiff_into(src, setnum, dst, &maxelelen, &totelelen)
    if dstidx >= 0:
        if dst.zsl.length:
            zs_maybe_to_listpack(dst, eng, maxelelen, totelelen)
            zset_store(c, dstidx, dst)
            c.add_int(zs_length(dst))
            notify(c, NOTIFY_ZSET, b"zunionstore" if op == ZSET_OP_UNION else
                   (b"zinterstore" if op == ZSET_OP_INTER else b"zdiffstore"), dstidx)
            eng.dirty += 1
        else:
            c.add_int(0)
            if db.lookup_write(c.argv[dstidx].ptr, c.argv[dstidx].len) != NULL:
                zset_delete_key(c, dstidx)
                notify(c, NOTIFY_GENERIC, b"del", dstidx)
                eng.dirty += 1
    elif cardinality_only:
        c.add_int(cardinality)
    else:
        if withscores and c.resp == 2:
            c.add_array_len(dst.zsl.length * 2)
        else:
            c.add_array_len(dst.zsl.length)
        x = zsl_first(dst.zsl)
        while x != NULL:
            if withscores and c.resp > 2:
                c.add_array_len(2)
            c.add_bulk(zsl_node_ele(x), zsl_node_len(x))
            if withscores:
                c.add_double(x.score)
            x = zsl_next(x)
    return 0


def _src_len(_ZOpSrc s):
    return s.length()

# The members of the first input found in none of the others (Redis's
# algorithm 1; every algorithm gives the same set).


cdef int zdiff_into(list src, long setnum, ZsetValue dst, size_t* maxelelen, size_t* totelelen) except -1:
    cdef _ZOpSrc s0 = src[0], s
    cdef long j
    cdef double value
    cdef bint exists
    for j in range(1, setnum):
        if (<_ZOpSrc>src[j]).ident is not None and (<_ZOpSrc>src[j]).ident is s0.ident:
            return 0
    for ele, sc in s0.pairs():
        exists = False
        for j in range(1, setnum):
            s = src[j]
            if s.find(ele, len(ele), &value):
                exists = True
                break
        if not exists:
            zs_sl_insert(dst, ele, len(ele), sc)
            if <size_t>len(ele) > maxelelen[0]:
                maxelelen[0] = len(ele)
            totelelen[0] += len(ele)
    return 0

cdef int cmd_zunionstore(Client c) except -1:
    return zunion_inter_diff_generic(c, 1, 2, ZSET_OP_UNION, False)

cdef int cmd_zinterstore(Client c) except -1:
    return zunion_inter_diff_generic(c, 1, 2, ZSET_OP_INTER, False)

cdef int cmd_zdiffstore(Client c) except -1:
    return zunion_inter_diff_generic(c, 1, 2, ZSET_OP_DIFF, False)

cdef int cmd_zunion(Client c) except -1:
    return zunion_inter_diff_generic(c, -1, 1, ZSET_OP_UNION, False)

cdef int cmd_zinter(Client c) except -1:
    return zunion_inter_diff_generic(c, -1, 1, ZSET_OP_INTER, False)

cdef int cmd_zintercard(Client c) except -1:
    return zunion_inter_diff_generic(c, -1, 1, ZSET_OP_INTER, True)

cdef int cmd_zdiff(Client c) except -1:
    return zunion_inter_diff_generic(c, -1, 1, ZSET_OP_DIFF, False)


# ------------------------------------------------------------------ ZRANGE family

# Where range results go: the client's reply, or a new sorted set for
# ZRANGESTORE (Redis's zrange_result_handler).
@cython.final
cdef class _RangeSink:
    cdef Client c
    cdef bint store
    cdef bint withscores
    cdef bint nested            # RESP3 WITHSCORES: [member, score] pairs
    cdef Py_ssize_t deferred
    cdef ZsetValue dst
    cdef int dstidx

    cdef int begin(self, long length) except -1:
        if self.store:
            if length > self.c.engine.zset_max_listpack_entries:
                self.dst = zset_new_skiplist()
            else:
                self.dst = zset_new_listpack()
            return 0
        if length > 0:
            self.deferred = -1
            if self.withscores and self.c.resp == 2:
                length *= 2
            return self.c.add_array_len(length)
        self.deferred = self.c.add_deferred()
        return 0

    cdef int emit(self, const char* p, size_t n, double score) except -1:
        cdef int flags = 0
        cdef double ns
        if self.store:
            zs_add(self.dst, self.c.engine, score, p, n, ZADD_IN_NONE, &flags, &ns)
            return 0
        if self.nested:
            self.c.add_array_len(2)
        self.c.add_bulk(p, n)
        if self.withscores:
            self.c.add_double(score)
        return 0

    cdef int emit_ll(self, long long v, double score) except -1:
        cdef char buf[24]
        cdef int n
        if self.store:
            n = ll2string(buf, 24, v)
            return self.emit(buf, n, score)
        if self.nested:
            self.c.add_array_len(2)
        self.c.add_bulk_ll(v)
        if self.withscores:
            self.c.add_double(score)
        return 0

    cdef inline int emit_zzl(self, unsigned char* eptr, double score) except -1:
        cdef unsigned int vlen
        cdef long long vlong
        cdef unsigned char* v = lp_get_value(eptr, &vlen, &vlong)
        if v != NULL:
            return self.emit(<char*>v, vlen, score)
        return self.emit_ll(vlong, score)

    cdef int finalize(self, size_t count) except -1:
        cdef Client c = self.c
        if self.store:
            if count:
                zset_store(c, self.dstidx, self.dst)
                c.add_int(count)
                notify(c, NOTIFY_ZSET, b"zrangestore", self.dstidx)
                c.engine.dirty += 1
            else:
                c.add_int(0)
                if c.db.lookup_write(c.argv[self.dstidx].ptr, c.argv[self.dstidx].len) != NULL:
                    zset_delete_key(c, self.dstidx)
                    notify(c, NOTIFY_GENERIC, b"del", self.dstidx)
                    c.engine.dirty += 1
            self.dst = None
            return 0
        if self.deferred < 0:
            return 0
        if self.withscores and c.resp == 2:
            count *= 2
        return c.set_deferred_array(self.deferred, count)

cdef int zrange_by_rank(_RangeSink h, ZsetValue z, long start, long end, bint withscores, bint reverse) except -1:
    cdef long llen = zs_length(z), rangelen
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef double score = 0.0
    cdef zslNode* ln
    cdef size_t count
    if start < 0:
        start = llen + start
    if end < 0:
        end = llen + end
    if start < 0:
        start = 0
    if start > end or start >= llen:
        h.begin(0)
        return h.finalize(0)
    if end >= llen:
        end = llen - 1
    rangelen = end - start + 1
    count = rangelen
    h.begin(rangelen)
    if z.lp != NULL:
        eptr = lp_seek(z.lp, -2 - 2 * start) if reverse else lp_seek(z.lp, 2 * start)
        sptr = lp_next(z.lp, eptr)
        while rangelen > 0:
            rangelen -= 1
            if withscores:
                score = zzl_get_score(sptr)
            h.emit_zzl(eptr, score)
            if reverse:
                zzl_prev(z.lp, &eptr, &sptr)
            else:
                zzl_next(z.lp, &eptr, &sptr)
    else:
        if reverse:
            ln = z.zsl.tail
            if start > 0:
                ln = zsl_get_element_by_rank(z.zsl, llen - start)
        else:
            ln = zsl_first(z.zsl)
            if start > 0:
                ln = zsl_get_element_by_rank(z.zsl, start + 1)
        while rangelen > 0:
            rangelen -= 1
            h.emit(zsl_node_ele(ln), zsl_node_len(ln), ln.score)
            ln = ln.backward if reverse else zsl_next(ln)
    return h.finalize(count)

cdef int zrange_by_score(_RangeSink h, zrangespec* r, ZsetValue z, long offset, long limit, bint reverse) except -1:
    cdef size_t rangelen = 0
    cdef unsigned char* eptr
    cdef unsigned char* sptr = NULL
    cdef double score
    cdef zslNode* ln
    h.begin(-1)
    if offset > 0 and <unsigned long>offset >= zs_length(z):
        return h.finalize(0)
    if z.lp != NULL:
        eptr = zzl_last_in_range(z.lp, r) if reverse else zzl_first_in_range(z.lp, r)
        if eptr != NULL:
            sptr = lp_next(z.lp, eptr)
        while eptr != NULL and offset:
            offset -= 1
            if reverse:
                zzl_prev(z.lp, &eptr, &sptr)
            else:
                zzl_next(z.lp, &eptr, &sptr)
        while eptr != NULL and limit:
            limit -= 1
            score = zzl_get_score(sptr)
            if reverse:
                if not zsl_value_gte_min(score, r):
                    break
            elif not zsl_value_lte_max(score, r):
                break
            rangelen += 1
            h.emit_zzl(eptr, score)
            if reverse:
                zzl_prev(z.lp, &eptr, &sptr)
            else:
                zzl_next(z.lp, &eptr, &sptr)
    else:
        ln = zsl_last_in_range(z.zsl, r) if reverse else zsl_first_in_range(z.zsl, r)
        while ln != NULL and offset:
            offset -= 1
            ln = ln.backward if reverse else zsl_next(ln)
        while ln != NULL and limit:
            limit -= 1
            if reverse:
                if not zsl_value_gte_min(ln.score, r):
                    break
            elif not zsl_value_lte_max(ln.score, r):
                break
            rangelen += 1
            h.emit(zsl_node_ele(ln), zsl_node_len(ln), ln.score)
            ln = ln.backward if reverse else zsl_next(ln)
    return h.finalize(rangelen)

cdef int zrange_by_lex(_RangeSink h, zlexrangespec* r, ZsetValue z, bint withscores, long offset,
                       long limit, bint reverse) except -1:
    cdef size_t rangelen = 0
    cdef unsigned char* eptr
    cdef unsigned char* sptr = NULL
    cdef double score
    cdef zslNode* ln
    h.begin(-1)
    if z.lp != NULL:
        eptr = zzl_last_in_lex_range(z.lp, r) if reverse else zzl_first_in_lex_range(z.lp, r)
        if eptr != NULL:
            sptr = lp_next(z.lp, eptr)
        while eptr != NULL and offset:
            offset -= 1
            if reverse:
                zzl_prev(z.lp, &eptr, &sptr)
            else:
                zzl_next(z.lp, &eptr, &sptr)
        while eptr != NULL and limit:
            limit -= 1
            score = 0
            if withscores:
                score = zzl_get_score(sptr)
            if reverse:
                if not zzl_lex_gte_min(eptr, r):
                    break
            elif not zzl_lex_lte_max(eptr, r):
                break
            rangelen += 1
            h.emit_zzl(eptr, score)
            if reverse:
                zzl_prev(z.lp, &eptr, &sptr)
            else:
                zzl_next(z.lp, &eptr, &sptr)
    else:
        ln = zsl_last_in_lex_range(z.zsl, r) if reverse else zsl_first_in_lex_range(z.zsl, r)
        while ln != NULL and offset:
            offset -= 1
            ln = ln.backward if reverse else zsl_next(ln)
        while ln != NULL and limit:
            limit -= 1
            if reverse:
                if not zsl_lex_gte_min(zsl_node_ele(ln), zsl_node_len(ln), r):
                    break
            elif not zsl_lex_lte_max(zsl_node_ele(ln), zsl_node_len(ln), r):
                break
            rangelen += 1
            h.emit(zsl_node_ele(ln), zsl_node_len(ln), ln.score)
            ln = ln.backward if reverse else zsl_next(ln)
    return h.finalize(rangelen)

# ZRANGE / ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX]: argv[keyidx]
# is the source, followed by min and max and the options.
cdef int zrange_generic(Client c, int keyidx, int dstidx, int rangetype, int direction) except -1:
    cdef int minidx = keyidx + 1, maxidx = keyidx + 2, j, leftargs, tmp
    cdef bint store = dstidx >= 0
    cdef long opt_start = 0, opt_end = 0, opt_offset = 0, opt_limit = -1
    cdef bint opt_withscores = False
    cdef zrangespec r
    cdef zlexrangespec lr
    cdef ZsetValue z
    cdef int found
    cdef _RangeSink h
    j = keyidx + 3
    while j < c.argc:
        leftargs = c.argc - j - 1
        if not store and c.arg_is(j, b"withscores"):
            opt_withscores = True
        elif c.arg_is(j, b"limit") and leftargs >= 2:
            if not arg_long(c, j + 1, &opt_offset, NULL) or not arg_long(c, j + 2, &opt_limit, NULL):
                return 0
            j += 2
        elif direction == ZRANGE_DIR_AUTO and c.arg_is(j, b"rev"):
            direction = ZRANGE_DIR_REVERSE
        elif rangetype == ZRANGE_AUTO and c.arg_is(j, b"bylex"):
            rangetype = ZRANGE_LEX
        elif rangetype == ZRANGE_AUTO and c.arg_is(j, b"byscore"):
            rangetype = ZRANGE_SCORE
        else:
            return c.add_syntax_error()
        j += 1
    if direction == ZRANGE_DIR_AUTO:
        direction = ZRANGE_DIR_FORWARD
    if rangetype == ZRANGE_AUTO:
        rangetype = ZRANGE_RANK
    if opt_limit != -1 and rangetype == ZRANGE_RANK:
        return c.add_error_bytes(b"syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    if opt_withscores and rangetype == ZRANGE_LEX:
        return c.add_error_bytes(b"syntax error, WITHSCORES not supported in combination with BYLEX")
    if direction == ZRANGE_DIR_REVERSE and (rangetype == ZRANGE_SCORE or rangetype == ZRANGE_LEX):
        tmp = maxidx
        maxidx = minidx
        minidx = tmp
    if rangetype == ZRANGE_RANK:
        if not arg_long(c, minidx, &opt_start, NULL) or not arg_long(c, maxidx, &opt_end, NULL):
            return 0
    elif rangetype == ZRANGE_SCORE:
        if not parse_score_range(c, minidx, maxidx, &r):
            return c.add_error_bytes(b"min or max is not a float")
    else:
        if not parse_lex_range(c, minidx, maxidx, &lr):
            return c.add_error_bytes(b"min or max not valid string range item")
    h = _RangeSink.__new__(_RangeSink)
    h.c = c
    h.store = store
    h.dstidx = dstidx
    if opt_withscores or store:
        h.withscores = True
        h.nested = c.resp > 2 and not store
    z = zset_lookup(c, keyidx, False, &found)
    if found < 0:
        return 0
    if found == 0:
        if store:
            h.begin(-1)
            return h.finalize(0)
        return c.add_canned(b"*0\r\n")
    if rangetype == ZRANGE_RANK:
        return zrange_by_rank(h, z, opt_start, opt_end, opt_withscores or store,
                              direction == ZRANGE_DIR_REVERSE)
    if rangetype == ZRANGE_SCORE:
        return zrange_by_score(h, &r, z, opt_offset, opt_limit, direction == ZRANGE_DIR_REVERSE)
    return zrange_by_lex(h, &lr, z, opt_withscores or store, opt_offset, opt_limit,
                         direction == ZRANGE_DIR_REVERSE)

cdef int cmd_zrange(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_AUTO, ZRANGE_DIR_AUTO)

cdef int cmd_zrangestore(Client c) except -1:
    return zrange_generic(c, 2, 1, ZRANGE_AUTO, ZRANGE_DIR_AUTO)

cdef int cmd_zrevrange(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_RANK, ZRANGE_DIR_REVERSE)

cdef int cmd_zrangebyscore(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_SCORE, ZRANGE_DIR_FORWARD)

cdef int cmd_zrevrangebyscore(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_SCORE, ZRANGE_DIR_REVERSE)

cdef int cmd_zrangebylex(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_LEX, ZRANGE_DIR_FORWARD)

cdef int cmd_zrevrangebylex(Client c) except -1:
    return zrange_generic(c, 1, -1, ZRANGE_LEX, ZRANGE_DIR_REVERSE)


# ------------------------------------------------------------------ counts and lookups

cdef int cmd_zcount(Client c) except -1:
    cdef zrangespec r
    cdef ZsetValue z
    cdef int found
    cdef unsigned long count = 0, rank
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef zslNode* zn
    if not parse_score_range(c, 2, 3, &r):
        return c.add_error_bytes(b"min or max is not a float")
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_int(0)
    if z.lp != NULL:
        eptr = zzl_first_in_range(z.lp, &r)
        if eptr == NULL:
            return c.add_int(0)
        sptr = lp_next(z.lp, eptr)
        while eptr != NULL:
            if not zsl_value_lte_max(zzl_get_score(sptr), &r):
                break
            count += 1
            zzl_next(z.lp, &eptr, &sptr)
    else:
        zn = zsl_first_in_range(z.zsl, &r)
        if zn != NULL:
            rank = zsl_get_rank(z.zsl, zn.score, zsl_node_ele(zn), zsl_node_len(zn))
            count = z.zsl.length - (rank - 1)
            zn = zsl_last_in_range(z.zsl, &r)
            if zn != NULL:
                rank = zsl_get_rank(z.zsl, zn.score, zsl_node_ele(zn), zsl_node_len(zn))
                count -= z.zsl.length - rank
    return c.add_int(count)

cdef int cmd_zlexcount(Client c) except -1:
    cdef zlexrangespec r
    cdef ZsetValue z
    cdef int found
    cdef unsigned long count = 0, rank
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef zslNode* zn
    if not parse_lex_range(c, 2, 3, &r):
        return c.add_error_bytes(b"min or max not valid string range item")
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_int(0)
    if z.lp != NULL:
        eptr = zzl_first_in_lex_range(z.lp, &r)
        if eptr == NULL:
            return c.add_int(0)
        sptr = lp_next(z.lp, eptr)
        while eptr != NULL:
            if not zzl_lex_lte_max(eptr, &r):
                break
            count += 1
            zzl_next(z.lp, &eptr, &sptr)
    else:
        zn = zsl_first_in_lex_range(z.zsl, &r)
        if zn != NULL:
            rank = zsl_get_rank(z.zsl, zn.score, zsl_node_ele(zn), zsl_node_len(zn))
            count = z.zsl.length - (rank - 1)
            zn = zsl_last_in_lex_range(z.zsl, &r)
            if zn != NULL:
                rank = zsl_get_rank(z.zsl, zn.score, zsl_node_ele(zn), zsl_node_len(zn))
                count -= z.zsl.length - rank
    return c.add_int(count)

cdef int cmd_zcard(Client c) except -1:
    cdef ZsetValue z
    cdef int found
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_int(0)
    return c.add_int(zs_length(z))

cdef int cmd_zscore(Client c) except -1:
    cdef ZsetValue z
    cdef double score
    cdef int found
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_null()
    if zs_get_score(z, c.argv[2].ptr, c.argv[2].len, &score):
        return c.add_double(score)
    return c.add_null()

cdef int cmd_zmscore(Client c) except -1:
    cdef ZsetValue z = None
    cdef double score
    cdef int j
    cdef int found
    z = zset_lookup(c, 1, False, &found)
    if found < 0:
        return 0
    c.add_array_len(c.argc - 2)
    for j in range(2, c.argc):
        if found and zs_get_score(z, c.argv[j].ptr, c.argv[j].len, &score):
            c.add_double(score)
        else:
            c.add_null()
    return 0

cdef int zrank_generic(Client c, bint reverse) except -1:
    cdef ZsetValue z
    cdef long rank
    cdef int found
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_null()
    rank = zs_rank(z, c.argv[2].ptr, c.argv[2].len, reverse)
    if rank >= 0:
        return c.add_int(rank)
    return c.add_null()

cdef int cmd_zrank(Client c) except -1:
    return zrank_generic(c, False)

cdef int cmd_zrevrank(Client c) except -1:
    return zrank_generic(c, True)


# ------------------------------------------------------------------ ZSCAN

ctypedef struct _ZScanCollect:
    PyObject* lst

cdef void _zscan_collect(void* priv, dictEntry* e) noexcept:
    cdef _ZScanCollect* st = <_ZScanCollect*>priv
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n = ld2string(buf, MAX_LONG_DOUBLE_CHARS, <long double>_bits2d(e.v.ival), LD_STR_AUTO)
    (<list>st.lst).append(PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen))
    (<list>st.lst).append(PyBytes_FromStringAndSize(buf, n))

cdef int cmd_zscan(Client c) except -1:
    cdef int match_arg, type_arg
    cdef uint64_t cursor
    cdef long long count = 10
    cdef int i = 3
    cdef bytes pat = None
    cdef bint use_pattern = False
    cdef ZsetValue z
    cdef int found
    cdef list items = []
    cdef _ZScanCollect st
    cdef long long maxiter
    cdef unsigned char* p
    cdef int64_t vlen
    cdef unsigned char intbuf[LP_INTBUF_SIZE]
    cdef unsigned char* v
    cdef Py_ssize_t k
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    z = zset_lookup(c, 1, False, &found)
    if found < 0:
        return 0
    if found == 0:
        return c.add_canned(b"*2\r\n$1\r\n0\r\n*0\r\n")
    if not parse_scan_options(c, i, False, &count, &match_arg, &type_arg):
        return 0
    use_pattern = match_arg >= 0
    if use_pattern:
        pat = c.arg_bytes(match_arg)
    if z.lp != NULL:
        p = lp_first(z.lp)
        while p != NULL:
            v = lp_get(p, &vlen, intbuf)
            items.append(PyBytes_FromStringAndSize(<char*>v, vlen))
            p = lp_next(z.lp, p)
        cursor = 0
    else:
        count *= 2
        st.lst = <PyObject*>items
        maxiter = count * 10
        while True:
            cursor = dict_scan(z.dict, cursor, <dict_scan_fn>_zscan_collect, &st)
            if not (cursor and maxiter and len(items) < count):
                break
            maxiter -= 1
    out = []
    for k in range(0, len(items), 2):
        m = <bytes>items[k]
        if use_pattern and not stringmatchlen(pat, len(pat), m, len(m), 0):
            continue
        out.append(m)
        out.append(items[k + 1])
    c.add_array_len(2)
    c.add_bulk_ll(<long long>cursor) if cursor < <uint64_t>LLONG_MAX else c.add_value(str(cursor).encode())
    c.add_array_len(len(out))
    for m in out:
        c.add_bulk(m, len(<bytes>m))
    return 0


# ------------------------------------------------------------------ pops

cdef int zpop_propagate(Client c, int ki, int where, long count, long llen) except -1:
    cdef list argv = [b"ZPOPMAX" if where == ZSET_MAX else b"ZPOPMIN", c.arg_bytes(ki)]
    if count != -1:
        argv.append(b"%d" % (llen if count > llen else count))
    return rewrite_propagated(c, argv)

# Pop up to count elements from the first non-empty sorted set among the keys
# argv[keyidx[0..keyc)] (Redis's genericZpopCommand). count -1: a plain
# single pop. emitkey: name the key in the reply (blocking pops, ZMPOP).
cdef int zpop_generic(Client c, int* keyidx, int keyc, int where, bint emitkey, long count,
                      bint nested, bint nil_when_empty) except -1:
    cdef int idx = 0, ki = -1, found = 0
    cdef ZsetValue z = None
    cdef long llen, rangelen, result_count = 0
    cdef unsigned char* eptr
    cdef char buf[24]
    cdef size_t n
    cdef const char* p
    cdef zslNode* ln
    cdef double score
    cdef bytes ele
    while idx < keyc:
        ki = keyidx[idx]
        idx += 1
        z = zset_lookup(c, ki, True, &found)
        if found < 0:
            return 0
        if found:
            break
    if not found:
        if nil_when_empty:
            return c.add_null_array()
        return c.add_canned(b"*0\r\n")
    if count == 0:
        return c.add_canned(b"*0\r\n")
    llen = zs_length(z)
    # the blocking pops and ZMPOP replay as the ZPOPMIN/ZPOPMAX of what they took
    if emitkey and c.engine.prop_on:
        zpop_propagate(c, ki, where, count, llen)
    if count == -1:
        count = 1
    rangelen = llen if count > llen else count
    if not nested and not emitkey:
        c.add_array_len(rangelen * 2)
    elif nested and not emitkey:
        c.add_array_len(rangelen)
    elif not nested and emitkey:
        c.add_array_len(rangelen * 2 + 1)
        c.add_bulk(c.argv[ki].ptr, c.argv[ki].len)
    else:
        c.add_array_len(2)
        c.add_bulk(c.argv[ki].ptr, c.argv[ki].len)
        c.add_array_len(rangelen)
    while True:
        if z.lp != NULL:
            eptr = lp_seek(z.lp, -2 if where == ZSET_MAX else 0)
            p = zzl_ele(eptr, buf, &n)
            ele = PyBytes_FromStringAndSize(p, n)
            score = zzl_get_score(lp_next(z.lp, eptr))
        else:
            ln = z.zsl.tail if where == ZSET_MAX else zsl_first(z.zsl)
            ele = PyBytes_FromStringAndSize(zsl_node_ele(ln), zsl_node_len(ln))
            score = ln.score
        zs_remove(z, ele, len(ele))
        c.engine.dirty += 1
        if result_count == 0:
            notify(c, NOTIFY_ZSET, b"zpopmax" if where == ZSET_MAX else b"zpopmin", ki)
        if nested:
            c.add_array_len(2)
        c.add_bulk(ele, len(ele))
        c.add_double(score)
        result_count += 1
        rangelen -= 1
        if rangelen == 0:
            break
    if zs_length(z) == 0:
        zset_delete_key(c, ki)
        notify(c, NOTIFY_GENERIC, b"del", ki)
    return 0

cdef int zpop_minmax(Client c, int where) except -1:
    cdef long long count = -1
    cdef int keyidx = 1
    if c.argc > 3:
        return c.add_syntax_error()
    if c.argc == 3 and not c.arg_range(2, 0, LONG_MAX, &count, b"value is out of range, must be positive"):
        return 0
    return zpop_generic(c, &keyidx, 1, where, False, count, c.resp > 2 and count != -1, False)

cdef int cmd_zpopmin(Client c) except -1:
    return zpop_minmax(c, ZSET_MIN)

cdef int cmd_zpopmax(Client c) except -1:
    return zpop_minmax(c, ZSET_MAX)

# BZPOPMIN / BZPOPMAX / BZMPOP: serve the first non-empty key, or block.
cdef int blocking_zpop_generic(Client c, int first, int numkeys, int where, int timeout_idx,
                               long count, bint nested, bint nil_when_empty) except -1:
    cdef long long timeout
    cdef int j, found, ki
    cdef ZsetValue z
    cdef dictEntry* e
    if not get_timeout(c, timeout_idx, &timeout, True):
        return 0
    for j in range(numkeys):
        ki = first + j
        if c.flags & CF_BLOCKED:
            # re-run for a key made ready: like Redis, only a sorted set
            # serves a zset pop; a key of another type leaves it waiting
            e = c.db.lookup_write(c.argv[ki].ptr, c.argv[ki].len)
            if e == NULL or entry_type(e) != OBJ_ZSET:
                continue
            z = <ZsetValue>e.v.obj
            found = 1
        else:
            z = zset_lookup(c, ki, True, &found)
            if found < 0:
                return 0
        if found == 0 or zs_length(z) == 0:
            continue
        return zpop_generic(c, &ki, 1, where, True, count, nested, nil_when_empty)
    if c.flags & CF_DENY_BLOCKING:
        return c.add_null_array()
    return block_for_keys(c, first, first + numkeys - 1, 1, timeout)

cdef int cmd_bzpopmin(Client c) except -1:
    return blocking_zpop_generic(c, 1, c.argc - 2, ZSET_MIN, c.argc - 1, -1, False, False)

cdef int cmd_bzpopmax(Client c) except -1:
    return blocking_zpop_generic(c, 1, c.argc - 2, ZSET_MAX, c.argc - 1, -1, False, False)

cdef int zmpop_generic(Client c, int numkeys_idx, bint is_block) except -1:
    cdef long long numkeys = 0, count = -1
    cdef long where_idx
    cdef int where, j
    cdef int* keys
    if not c.arg_range(numkeys_idx, 1, LONG_MAX, &numkeys, b"numkeys should be greater than 0"):
        return 0
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= c.argc:
        return c.add_syntax_error()
    if c.arg_is(where_idx, b"min"):
        where = ZSET_MIN
    elif c.arg_is(where_idx, b"max"):
        where = ZSET_MAX
    else:
        return c.add_syntax_error()
    j = where_idx + 1
    while j < c.argc:
        if count == -1 and c.arg_is(j, b"count") and (c.argc - 1) - j > 0:
            j += 1
            if not c.arg_range(j, 1, LONG_MAX, &count, b"count should be greater than 0"):
                return 0
        else:
            return c.add_syntax_error()
        j += 1
    if count == -1:
        count = 1
    if is_block:
        return blocking_zpop_generic(c, numkeys_idx + 1, numkeys, where, 1, count, True, True)
    keys = <int*>malloc(sizeof(int) * numkeys)
    if keys == NULL:
        raise MemoryError()
    try:
        for j in range(numkeys):
            keys[j] = numkeys_idx + 1 + j
        return zpop_generic(c, keys, numkeys, where, True, count, True, True)
    finally:
        free(keys)

cdef int cmd_zmpop(Client c) except -1:
    return zmpop_generic(c, 1, False)

cdef int cmd_bzmpop(Client c) except -1:
    return zmpop_generic(c, 2, True)


# ------------------------------------------------------------------ ZRANDMEMBER

cdef int _reply_lp_entries(Client c, unsigned int count, lpEntry* keys, lpEntry* vals) except -1:
    cdef unsigned int i
    for i in range(count):
        if vals != NULL and c.resp > 2:
            c.add_array_len(2)
        if keys[i].sval != NULL:
            c.add_bulk(<char*>keys[i].sval, keys[i].slen)
        else:
            c.add_bulk_ll(keys[i].lval)
        if vals != NULL:
            if vals[i].sval != NULL:
                c.add_double(zzl_strtod(vals[i].sval, vals[i].slen))
            else:
                c.add_double(<double>vals[i].lval)
    return 0

cdef int zrandmember_with_count(Client c, long l, bint withscores) except -1:
    cdef unsigned long count, size, limit, sample_count, added
    cdef bint uniq = True
    cdef ZsetValue z
    cdef int found
    cdef dictEntry* e
    cdef lpEntry* keys = NULL
    cdef lpEntry* vals = NULL
    cdef long reply_size
    cdef Py_ssize_t i
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_canned(b"*0\r\n")
    size = zs_length(z)
    if l >= 0:
        count = <unsigned long>l
    else:
        count = <unsigned long>(-l)
        uniq = False
    if count == 0:
        return c.add_canned(b"*0\r\n")
    # CASE 1: repetitions allowed (or a single element): independent draws
    if not uniq or count == 1:
        c.add_array_len(count * 2 if withscores and c.resp == 2 else count)
        if z.lp == NULL:
            while count:
                count -= 1
                e = dict_fair_random_entry(z.dict)
                if withscores and c.resp > 2:
                    c.add_array_len(2)
                c.add_bulk(ENTRY_KEY(e), e.klen)
                if withscores:
                    c.add_double(_bits2d(e.v.ival))
                if c.reply.len > PROTO_REPLY_CHUNK:
                    # a huge count: stream it (and let output limits apply)
                    c.flush()
                if c.flags & CF_CLOSED:
                    break
        else:
            limit = ZRANDMEMBER_RANDOM_SAMPLE_LIMIT if count > ZRANDMEMBER_RANDOM_SAMPLE_LIMIT else count
            keys = <lpEntry*>malloc(sizeof(lpEntry) * limit)
            if withscores:
                vals = <lpEntry*>malloc(sizeof(lpEntry) * limit)
            try:
                while count:
                    sample_count = limit if count > limit else count
                    count -= sample_count
                    lp_random_pairs(z.lp, <unsigned int>sample_count, keys, vals)
                    _reply_lp_entries(c, <unsigned int>sample_count, keys, vals)
                    if c.reply.len > PROTO_REPLY_CHUNK:
                        c.flush()
                    if c.flags & CF_CLOSED:
                        break
            finally:
                free(keys)
                free(vals)
        return 0
    reply_size = count if count < size else size
    c.add_array_len(reply_size * 2 if withscores and c.resp == 2 else reply_size)
    # CASE 2: everything
    if count >= size:
        pairs = _ZOpSrc()
        (<_ZOpSrc>pairs).z = z
        for ele, sc in (<_ZOpSrc>pairs).pairs():
            if withscores and c.resp > 2:
                c.add_array_len(2)
            c.add_bulk(ele, len(<bytes>ele))
            if withscores:
                c.add_double(sc)
        return 0
    # CASE 3: most of the set: drop random members until count remain
    if count * ZRANDMEMBER_SUB_STRATEGY_MUL > size:
        pairs = _ZOpSrc()
        (<_ZOpSrc>pairs).z = z
        lst = (<_ZOpSrc>pairs).pairs()
        while len(lst) > <Py_ssize_t>count:
            i = _rand_index(len(lst))
            lst[i] = lst[len(lst) - 1]
            lst.pop()
        for ele, sc in lst:
            if withscores and c.resp > 2:
                c.add_array_len(2)
            c.add_bulk(ele, len(<bytes>ele))
            if withscores:
                c.add_double(sc)
        return 0
    # CASE 4: a small sample of a big set
    if z.lp != NULL:
        keys = <lpEntry*>malloc(sizeof(lpEntry) * count)
        if withscores:
            vals = <lpEntry*>malloc(sizeof(lpEntry) * count)
        try:
            lp_random_pairs_unique(z.lp, <unsigned int>count, keys, vals)
            _reply_lp_entries(c, <unsigned int>count, keys, vals)
        finally:
            free(keys)
            free(vals)
        return 0
    seen = set()
    added = 0
    while added < count:
        e = dict_fair_random_entry(z.dict)
        ele = PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen)
        if ele in seen:
            continue
        seen.add(ele)
        added += 1
        if withscores and c.resp > 2:
            c.add_array_len(2)
        c.add_bulk(ENTRY_KEY(e), e.klen)
        if withscores:
            c.add_double(_bits2d(e.v.ival))
    return 0

cdef uint64_t _zr_rng = <uint64_t>int.from_bytes(_os.urandom(8), "little") | 1

cdef inline Py_ssize_t _rand_index(Py_ssize_t n) noexcept:
    global _zr_rng
    _zr_rng ^= _zr_rng >> 12
    _zr_rng ^= _zr_rng << 25
    _zr_rng ^= _zr_rng >> 27
    return <Py_ssize_t>(((_zr_rng * 0x2545F4914F6CDD1DULL) >> 11) % <uint64_t>n)

cdef int cmd_zrandmember(Client c) except -1:
    cdef long long l
    cdef bint withscores = False
    cdef ZsetValue z
    cdef int found
    cdef lpEntry key
    cdef dictEntry* e
    if c.argc >= 3:
        if not c.arg_range(2, -LONG_MAX, LONG_MAX, &l, NULL):
            return 0
        if c.argc > 4 or (c.argc == 4 and not c.arg_is(3, b"withscores")):
            return c.add_syntax_error()
        elif c.argc == 4:
            withscores = True
            if l < -LONG_MAX // 2 or l > LONG_MAX // 2:
                return c.add_error_bytes(b"value is out of range")
        return zrandmember_with_count(c, l, withscores)
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_null()
    if z.lp != NULL:
        lp_random_pair(z.lp, zzl_length(z.lp), &key, NULL)
        if key.sval != NULL:
            return c.add_bulk(<char*>key.sval, key.slen)
        return c.add_bulk_ll(key.lval)
    e = dict_fair_random_entry(z.dict)
    return c.add_bulk(ENTRY_KEY(e), e.klen)


register_c("zadd", cmd_zadd)
register_c("zincrby", cmd_zincrby)
register_c("zrem", cmd_zrem)
register_c("zremrangebyrank", cmd_zremrangebyrank)
register_c("zremrangebyscore", cmd_zremrangebyscore)
register_c("zremrangebylex", cmd_zremrangebylex)
register_c("zunionstore", cmd_zunionstore)
register_c("zinterstore", cmd_zinterstore)
register_c("zdiffstore", cmd_zdiffstore)
register_c("zunion", cmd_zunion)
register_c("zinter", cmd_zinter)
register_c("zintercard", cmd_zintercard)
register_c("zdiff", cmd_zdiff)
register_c("zrange", cmd_zrange)
register_c("zrangestore", cmd_zrangestore)
register_c("zrevrange", cmd_zrevrange)
register_c("zrangebyscore", cmd_zrangebyscore)
register_c("zrevrangebyscore", cmd_zrevrangebyscore)
register_c("zrangebylex", cmd_zrangebylex)
register_c("zrevrangebylex", cmd_zrevrangebylex)
register_c("zcount", cmd_zcount)
register_c("zlexcount", cmd_zlexcount)
register_c("zcard", cmd_zcard)
register_c("zscore", cmd_zscore)
register_c("zmscore", cmd_zmscore)
register_c("zrank", cmd_zrank)
register_c("zrevrank", cmd_zrevrank)
register_c("zscan", cmd_zscan)
register_c("zpopmin", cmd_zpopmin)
register_c("zpopmax", cmd_zpopmax)
register_c("bzpopmin", cmd_bzpopmin)
register_c("bzpopmax", cmd_bzpopmax)
register_c("zmpop", cmd_zmpop)
register_c("bzmpop", cmd_bzmpop)
register_c("zrandmember", cmd_zrandmember)
