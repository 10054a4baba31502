# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# SkiplistForTest, py_seed and py_slab_count: the sorted-set skiplist
# (rkvd._core.lib.skiplist) behind a Python interface, for tests/test_skiplist.py.
# Test-only: built by tests/native/build.py, never part of the installed
# package. It goes through skiplist.pxd's API only.
from libc.stdint cimport uint64_t
from cpython.bytes cimport PyBytes_FromStringAndSize

from rkvd._core.lib.skiplist cimport (
    zslStr, zslNode, zskiplist, zrangespec, zlexbound, zlexrangespec, zsl_node_ele,
    zsl_node_len, ZSL_MAXLEVEL, zsl_cmp_bytes, zsl_first, zsl_next, zsl_create, zsl_free,
    zsl_insert, zsl_delete, zsl_update_score, zsl_delete_range_by_score,
    zsl_delete_range_by_lex, zsl_delete_range_by_rank, zsl_get_rank,
    zsl_get_element_by_rank, zsl_first_in_range, zsl_last_in_range,
    zsl_first_in_lex_range, zsl_last_in_lex_range, zsl_random_seed, zsl_slab_count,
    zsl_free_detached, zsl_reclaim,
)

import sys as _sys


def py_seed(uint64_t seed):
    """Reseed the level dice (zsl_random_seed)."""
    zsl_random_seed(seed)


def py_slab_count():
    """Node slabs currently allocated, by every skiplist in the process."""
    return zsl_slab_count()


def py_reclaim():
    """zsl_reclaim: runs of lazily freed nodes back to their slabs; the count."""
    return zsl_reclaim()


cdef void _collect_deleted(void* priv, zslNode* x) noexcept:
    (<list>priv).append((PyBytes_FromStringAndSize(zsl_node_ele(x), zsl_node_len(x)), x.score))

cdef inline bytes _ele(zslNode* x):
    return PyBytes_FromStringAndSize(zsl_node_ele(x), zsl_node_len(x))

cdef int _lex_bound(object v, zlexbound* b) except -1:
    # b"-" / b"+" stand for the markers, anything else is a string
    if v == b"-":
        b.p = NULL
        b.len = 0
        b.inf = -1
    elif v == b"+":
        b.p = NULL
        b.len = 0
        b.inf = 1
    else:
        b.p = <const char*>(<bytes>v)
        b.len = len(<bytes>v)
        b.inf = 0
    return 0


cdef class SkiplistForTest:
    """Python view of a zskiplist for the hypothesis tests. Lex bounds are
    (bytes, exclusive) pairs where b"-" / b"+" stand for the markers. The
    elements' zslStr blocks live in bytes objects held by self.strs."""
    cdef zskiplist* zsl
    cdef dict strs

    def __cinit__(self):
        self.zsl = zsl_create()
        if self.zsl == NULL:
            raise MemoryError()
        self.strs = {}

    def __dealloc__(self):
        zsl_free(self.zsl)

    def free_detached(self):
        """Lazy free's first half, without the GIL (as on the lazy-free
        thread): the list is gone, its nodes wait for py_reclaim. The
        elements' blocks are kept until then, as the member table would."""
        cdef zskiplist* zsl = self.zsl
        self.zsl = zsl_create()
        with nogil:
            zsl_free_detached(zsl)

    cdef const zslStr* _str(self, bytes ele) except NULL:
        cdef bytes blob = len(ele).to_bytes(4, _sys.byteorder) + ele
        self.strs[ele] = blob
        return <const zslStr*><const char*>blob

    def _drop_gone(self, list gone):
        for ele, _ in gone:
            del self.strs[ele]

    def __len__(self):
        return self.zsl.length

    property level:
        def __get__(self):
            return self.zsl.level

    def insert(self, double score, bytes ele):
        assert ele not in self.strs
        if zsl_insert(self.zsl, score, self._str(ele)) == NULL:
            raise MemoryError()

    def delete(self, double score, bytes ele):
        cdef int r = zsl_delete(self.zsl, score, ele, len(ele))
        if r:
            del self.strs[ele]
        return r

    def update_score(self, double cur, bytes ele, double new):
        cdef zslNode* x = zsl_update_score(self.zsl, cur, ele, len(ele), new)
        if x == NULL:
            raise KeyError(ele)
        return _ele(x), x.score

    def rank(self, double score, bytes ele):
        return zsl_get_rank(self.zsl, score, ele, len(ele))

    def by_rank(self, unsigned long rank):
        cdef zslNode* x = zsl_get_element_by_rank(self.zsl, rank)
        return None if x == NULL else (_ele(x), x.score)

    def items(self):
        cdef zslNode* x = zsl_first(self.zsl)
        out = []
        while x != NULL:
            out.append((_ele(x), x.score))
            x = zsl_next(x)
        return out

    def items_reversed(self):
        cdef zslNode* x = self.zsl.tail
        out = []
        while x != NULL:
            out.append((_ele(x), x.score))
            x = x.backward
        return out

    def first_in_range(self, double mn, double mx, bint minex, bint maxex):
        cdef zrangespec r = zrangespec(mn, mx, minex, maxex)
        cdef zslNode* x = zsl_first_in_range(self.zsl, &r)
        return None if x == NULL else (_ele(x), x.score)

    def last_in_range(self, double mn, double mx, bint minex, bint maxex):
        cdef zrangespec r = zrangespec(mn, mx, minex, maxex)
        cdef zslNode* x = zsl_last_in_range(self.zsl, &r)
        return None if x == NULL else (_ele(x), x.score)

    def first_in_lex_range(self, bytes mn, bint minex, bytes mx, bint maxex):
        cdef zlexrangespec r
        _lex_bound(mn, &r.min)
        _lex_bound(mx, &r.max)
        r.minex = minex
        r.maxex = maxex
        cdef zslNode* x = zsl_first_in_lex_range(self.zsl, &r)
        return None if x == NULL else (_ele(x), x.score)

    def last_in_lex_range(self, bytes mn, bint minex, bytes mx, bint maxex):
        cdef zlexrangespec r
        _lex_bound(mn, &r.min)
        _lex_bound(mx, &r.max)
        r.minex = minex
        r.maxex = maxex
        cdef zslNode* x = zsl_last_in_lex_range(self.zsl, &r)
        return None if x == NULL else (_ele(x), x.score)

    def delete_range_by_score(self, double mn, double mx, bint minex, bint maxex):
        cdef zrangespec r = zrangespec(mn, mx, minex, maxex)
        out = []
        n = zsl_delete_range_by_score(self.zsl, &r, _collect_deleted, <void*>out)
        assert <Py_ssize_t>n == len(out)
        self._drop_gone(out)
        return out

    def delete_range_by_lex(self, bytes mn, bint minex, bytes mx, bint maxex):
        cdef zlexrangespec r
        _lex_bound(mn, &r.min)
        _lex_bound(mx, &r.max)
        r.minex = minex
        r.maxex = maxex
        out = []
        n = zsl_delete_range_by_lex(self.zsl, &r, _collect_deleted, <void*>out)
        assert <Py_ssize_t>n == len(out)
        self._drop_gone(out)
        return out

    def delete_range_by_rank(self, unsigned long start, unsigned long end):
        out = []
        n = zsl_delete_range_by_rank(self.zsl, start, end, _collect_deleted, <void*>out)
        assert <Py_ssize_t>n == len(out)
        self._drop_gone(out)
        return out

    def check(self):
        """Verify the structure: order, backward links, tail, length, that
        every level is a sub-list of the one below, and that every span
        equals the number of level-0 steps it covers."""
        cdef zslNode* x
        cdef zslNode* y
        cdef zslNode* prev = NULL
        cdef unsigned long n = 0, steps
        cdef int i
        x = zsl_first(self.zsl)
        while x != NULL:
            assert x.backward == prev, "backward link"
            if prev != NULL:
                assert prev.score < x.score or (prev.score == x.score and zsl_cmp_bytes(
                    zsl_node_ele(prev), zsl_node_len(prev), zsl_node_ele(x), zsl_node_len(x)) < 0), "order"
            prev = x
            x = zsl_next(x)
            n += 1
        assert self.zsl.tail == prev, "tail"
        assert self.zsl.length == n, "length"
        assert 1 <= self.zsl.level <= ZSL_MAXLEVEL
        for i in range(ZSL_MAXLEVEL):
            x = self.zsl.header
            if i >= self.zsl.level:
                assert x.level[i].forward == NULL, "level above the list's level"
                continue
            while x.level[i].forward != NULL:
                y = x
                steps = 0
                while y != x.level[i].forward:
                    y = zsl_next(y)
                    steps += 1
                    assert y != NULL, f"level {i} skips off the list"
                assert x.level[i].span == steps, f"span at level {i}"
                x = x.level[i].forward
        if self.zsl.level > 1:
            assert self.zsl.header.level[self.zsl.level - 1].forward != NULL, "level not trimmed"
        assert len(self.strs) == <Py_ssize_t>n
        return True
