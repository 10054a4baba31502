# cython: language_level=3, cdivision=True
# QuicklistForTest: quicklists (rkvd._core.lib.quicklist) behind a Python
# interface, for tests/test_quicklist.py. Test-only: built by
# tests/native/build.py, never part of the installed package. It goes
# through quicklist.pxd's API only. (The packed-threshold knob stays in
# rkvd._core.lib.quicklist: DEBUG QUICKLIST-PACKED-THRESHOLD uses it.)
from libc.stdlib cimport free
from libc.stdio cimport snprintf
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from rkvd._core.lib.quicklist cimport (
    quicklist, qlNode, qlIter, qlEntry, QL_HEAD, QL_TAIL, QL_START_HEAD, QL_START_TAIL,
    QL_NODE_LZF, QL_NODE_PLAIN, ql_init, ql_clear, ql_set_options, ql_dup, ql_push_head,
    ql_push_tail, ql_end_entry, ql_pop, ql_iter_init, ql_iter_init_at_idx, ql_next,
    ql_iter_release, ql_index, ql_compare, ql_del_entry, ql_insert_before, ql_insert_after,
    ql_replace_at_index, ql_del_range, ql_uncompressed_size, ql_verify,
)


cdef inline bytes _entry_bytes(qlEntry* e):
    cdef char buf[24]
    cdef int n
    if e.value != NULL:
        return PyBytes_FromStringAndSize(<char*>e.value, e.sz)
    n = snprintf(buf, 24, b"%lld", e.longval)
    return PyBytes_FromStringAndSize(buf, n)

cdef inline bytes _as_value(object v):
    if isinstance(v, int):
        return str(v).encode()
    return <bytes>v


cdef class QuicklistForTest:
    """A quicklist behind a Python interface, for tests. Elements are bytes
    (ints are accepted and stored as their decimal text); indexes may be
    negative."""
    cdef quicklist ql

    def __cinit__(self, int fill=-2, int compress=0):
        ql_init(&self.ql, fill, compress)

    def __dealloc__(self):
        ql_clear(&self.ql)

    def __len__(self):
        return self.ql.count

    property node_count:
        def __get__(self):
            return self.ql.len

    property fill:
        def __get__(self):
            return self.ql.fill

    property compress:
        def __get__(self):
            return self.ql.compress

    def nodes(self):
        """[(container, encoding, count, sz)] from head to tail."""
        cdef qlNode* n = self.ql.head
        out = []
        while n != NULL:
            out.append(("plain" if n.container == QL_NODE_PLAIN else "packed",
                        "lzf" if n.encoding == QL_NODE_LZF else "raw", n.count, n.sz))
            n = n.next
        return out

    def uncompressed_size(self):
        return ql_uncompressed_size(&self.ql)

    def verify(self):
        """Raise AssertionError naming the first broken invariant."""
        cdef char buf[256]
        if not ql_verify(&self.ql, buf, sizeof(buf)):
            raise AssertionError(buf.decode('latin-1'))

    def push_head(self, v):
        cdef bytes b = _as_value(v)
        return ql_push_head(&self.ql, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))

    def push_tail(self, v):
        cdef bytes b = _as_value(v)
        return ql_push_tail(&self.ql, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))

    def pop(self, bint tail=False):
        """The removed element, or None if empty."""
        cdef unsigned char* data = NULL
        cdef size_t sz = 0
        cdef long long sval = 0
        if not ql_pop(&self.ql, QL_TAIL if tail else QL_HEAD, &data, &sz, &sval):
            return None
        if data == NULL:
            return str(sval).encode()
        try:
            return PyBytes_FromStringAndSize(<char*>data, sz)
        finally:
            free(data)

    def peek(self, bint tail=False):
        cdef qlEntry e
        if not ql_end_entry(&self.ql, QL_TAIL if tail else QL_HEAD, &e):
            return None
        return _entry_bytes(&e)

    def index(self, long long idx):
        cdef qlIter it
        cdef qlEntry e
        if not ql_index(&self.ql, idx, &it, &e):
            return None
        try:
            return _entry_bytes(&e)
        finally:
            ql_iter_release(&it)

    def items(self, bint reverse=False):
        cdef qlIter it
        cdef qlEntry e
        out = []
        ql_iter_init(&it, &self.ql, QL_START_TAIL if reverse else QL_START_HEAD)
        while ql_next(&it, &e):
            out.append(_entry_bytes(&e))
        ql_iter_release(&it)
        return out

    def range_from(self, long long idx, long count, bint reverse=False):
        """Up to count elements from idx, walking towards the tail (or the head)."""
        cdef qlIter it
        cdef qlEntry e
        out = []
        if not ql_iter_init_at_idx(&it, &self.ql, QL_START_TAIL if reverse else QL_START_HEAD, idx):
            return out
        while len(out) < count and ql_next(&it, &e):
            out.append(_entry_bytes(&e))
        ql_iter_release(&it)
        return out

    def insert(self, long long idx, v, bint after):
        """Insert next to the element at idx; False if out of range."""
        cdef qlIter it
        cdef qlEntry e
        cdef bytes b = _as_value(v)
        if not ql_index(&self.ql, idx, &it, &e):
            return False
        if after:
            ql_insert_after(&it, &e, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        else:
            ql_insert_before(&it, &e, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        ql_iter_release(&it)
        return True

    def insert_at_match(self, pivot, v, bint after):
        """LINSERT: next to the first element equal to pivot; False if none."""
        cdef qlIter it
        cdef qlEntry e
        cdef bytes p = _as_value(pivot)
        cdef bytes b = _as_value(v)
        cdef bint done = False
        ql_iter_init(&it, &self.ql, QL_START_HEAD)
        while ql_next(&it, &e):
            if ql_compare(&e, <unsigned char*>PyBytes_AS_STRING(p), PyBytes_GET_SIZE(p)):
                if after:
                    ql_insert_after(&it, &e, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
                else:
                    ql_insert_before(&it, &e, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
                done = True
                break
        ql_iter_release(&it)
        return done

    def replace(self, long long idx, v):
        cdef bytes b = _as_value(v)
        return ql_replace_at_index(&self.ql, idx, <unsigned char*>PyBytes_AS_STRING(b),
                                   PyBytes_GET_SIZE(b)) == 1

    def delete_range(self, long start, long count):
        return ql_del_range(&self.ql, start, count) == 1

    def remove(self, v, long count):
        """LREM: remove up to |count| elements equal to v (0: all), from the
        tail when count < 0. Returns how many went."""
        cdef qlIter it
        cdef qlEntry e
        cdef bytes b = _as_value(v)
        cdef long removed = 0
        cdef long limit = -count if count < 0 else count
        if count < 0:
            if not ql_iter_init_at_idx(&it, &self.ql, QL_START_TAIL, -1):
                return 0
        else:
            if not ql_iter_init_at_idx(&it, &self.ql, QL_START_HEAD, 0):
                return 0
        while ql_next(&it, &e):
            if ql_compare(&e, <unsigned char*>PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b)):
                ql_del_entry(&it, &e)
                removed += 1
                if limit and removed == limit:
                    break
        ql_iter_release(&it)
        return removed

    def set_options(self, int fill, int compress):
        ql_set_options(&self.ql, fill, compress)

    def dup(self):
        cdef QuicklistForTest other = QuicklistForTest.__new__(QuicklistForTest)
        ql_dup(&other.ql, &self.ql)
        return other

    def clear(self):
        ql_clear(&self.ql)
