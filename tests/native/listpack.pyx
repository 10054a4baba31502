# cython: language_level=3, cdivision=True
# ListpackForTest and the py_* helpers: listpacks (rkvd._core.lib.listpack)
# behind a Python interface, for tests/test_listpack.py. Test-only: built by
# tests/native/build.py, never part of the installed package. It goes
# through listpack.pxd's API only.
from libc.stdint cimport int64_t, uint32_t, uint64_t, UINT64_MAX
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from rkvd._core.lib.listpack cimport (
    lpEntry, LP_INTBUF_SIZE, LP_MAX_BACKLEN_SIZE, LP_BEFORE, LP_AFTER, LP_REPLACE,
    lp_get_num_elements, lp_bytes, lp_new, lp_free, lp_shrink_to_fit, lp_safe_to_add,
    lp_string_to_int64, lp_int64_to_string, lp_encode_backlen, lp_decode_backlen,
    lp_length, lp_first, lp_last, lp_next, lp_prev, lp_seek, lp_get, lp_get_value,
    lp_entry_size, lp_compare, lp_find, lp_insert_string, lp_insert_int64, lp_append,
    lp_append_int64, lp_prepend, lp_prepend_int64, lp_replace, lp_replace_int64, lp_delete,
    lp_delete_range_with_entry, lp_delete_range, lp_batch_delete, lp_merge,
    lp_validate_integrity, lp_random_seed, lp_random_pair, lp_random_pairs,
    lp_random_pairs_unique,
)

cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)


cdef object _entry_value(lpEntry* e):
    if e.sval != NULL:
        return PyBytes_FromStringAndSize(<char*>e.sval, e.slen)
    return e.lval


cdef object _value_at(unsigned char* p):
    cdef int64_t n
    cdef unsigned char* s = lp_get(p, &n, NULL)
    if s == NULL:
        return n
    return PyBytes_FromStringAndSize(<char*>s, n)


cdef inline bytes _as_bytes(object v):
    if type(v) is not bytes:
        raise TypeError(f"expected int or bytes, got {type(v).__name__}")
    return <bytes>v


def py_string_to_int64(bytes s):
    """The integer a string is stored as, or None if it stays a string."""
    cdef int64_t v
    if lp_string_to_int64(<const unsigned char*>PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s), &v):
        return v
    return None


def py_int64_to_string(int64_t v):
    cdef unsigned char buf[LP_INTBUF_SIZE]
    cdef int n = lp_int64_to_string(buf, v)
    return PyBytes_FromStringAndSize(<char*>buf, n)


def py_encode_backlen(uint64_t l):
    cdef unsigned char buf[LP_MAX_BACKLEN_SIZE]
    cdef uint32_t n = lp_encode_backlen(buf, l)
    return PyBytes_FromStringAndSize(<char*>buf, n)


def py_decode_backlen(bytes b):
    """Decode a backlen given as the bytes ending an entry (None if bad)."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(b)
    cdef uint64_t v
    cdef unsigned char pad[LP_MAX_BACKLEN_SIZE * 2]
    cdef int i
    if n == 0 or n > LP_MAX_BACKLEN_SIZE:
        raise ValueError("1 to 5 bytes")
    # right-align in a buffer with clear high bits before it, so the decoder
    # never reads outside `pad`
    for i in range(LP_MAX_BACKLEN_SIZE * 2):
        pad[i] = 0
    memcpy(pad + LP_MAX_BACKLEN_SIZE * 2 - n, PyBytes_AS_STRING(b), n)
    v = lp_decode_backlen(pad + LP_MAX_BACKLEN_SIZE * 2 - 1)
    return None if v == UINT64_MAX else v


def py_random_seed(uint64_t seed):
    lp_random_seed(seed)


cdef class ListpackForTest:
    """A listpack behind a Python interface, for tests and benchmarks.

    Values are bytes or int (int64). Indexes follow lp_seek: negative ones
    count from the end.
    """
    cdef unsigned char* lp

    def __cinit__(self, size_t capacity=0):
        self.lp = lp_new(capacity)
        if self.lp == NULL:
            raise MemoryError()

    def __dealloc__(self):
        lp_free(self.lp)
        self.lp = NULL

    @staticmethod
    def from_bytes(bytes data, bint validate=True):
        """A copy of a serialized listpack. ValueError unless it passes deep
        validation, or with validate=False only the header check (walking
        a blob corrupt inside then hits the panic handler: abort)."""
        cdef size_t n = PyBytes_GET_SIZE(data)
        cdef unsigned char* buf = <unsigned char*>malloc(n if n else 1)
        cdef ListpackForTest obj
        if buf == NULL:
            raise MemoryError()
        memcpy(buf, PyBytes_AS_STRING(data), n)
        if not lp_validate_integrity(buf, n, validate):
            free(buf)
            raise ValueError("corrupt listpack")
        obj = ListpackForTest.__new__(ListpackForTest)
        lp_free(obj.lp)
        obj.lp = buf
        return obj

    @staticmethod
    def validate_blob(bytes data, bint deep=True):
        """Validate a blob held in a block of exactly its size."""
        cdef size_t n = PyBytes_GET_SIZE(data)
        cdef unsigned char* buf = <unsigned char*>malloc(n if n else 1)
        cdef int ok
        if buf == NULL:
            raise MemoryError()
        memcpy(buf, PyBytes_AS_STRING(data), n)
        ok = lp_validate_integrity(buf, n, deep)
        free(buf)
        return bool(ok)

    # -- helpers ----------------------------------------------------------

    cdef unsigned char* _at(self, long index) except NULL:
        cdef unsigned char* p = lp_seek(self.lp, index)
        if p == NULL:
            raise IndexError(index)
        return p

    cdef object _index_of(self, unsigned char* p):
        cdef unsigned char* q
        cdef long i = 0
        if p == NULL:
            return None
        q = lp_first(self.lp)
        while q != NULL:
            if q == p:
                return i
            q = lp_next(self.lp, q)
            i += 1
        raise AssertionError("pointer is not at an entry")

    cdef int _store(self, unsigned char* lp) except -1:
        if lp == NULL:
            raise MemoryError()
        self.lp = lp
        return 0

    # -- reading ----------------------------------------------------------

    def tobytes(self):
        return PyBytes_FromStringAndSize(<char*>self.lp, lp_bytes(self.lp))

    def __len__(self):
        return lp_length(self.lp)

    @property
    def nbytes(self):
        return lp_bytes(self.lp)

    @property
    def header_count(self):
        """The raw element count field (65535 once saturated)."""
        return lp_get_num_elements(self.lp)

    @property
    def alloc_size(self):
        return malloc_usable_size(self.lp)

    def get(self, long index):
        return _value_at(self._at(index))

    def get_str(self, long index):
        """The element as bytes, integers printed (lp_get with intbuf)."""
        cdef unsigned char buf[LP_INTBUF_SIZE]
        cdef int64_t n
        cdef unsigned char* s = lp_get(self._at(index), &n, buf)
        return PyBytes_FromStringAndSize(<char*>s, n)

    def get_value(self, long index):
        """lp_get_value: ('str', bytes) or ('int', value)."""
        cdef unsigned int slen = 0
        cdef long long lval = 0
        cdef unsigned char* s = lp_get_value(self._at(index), &slen, &lval)
        if s != NULL:
            return ("str", PyBytes_FromStringAndSize(<char*>s, slen))
        return ("int", lval)

    def seek(self, long index):
        """The element at index, or None when out of range."""
        cdef unsigned char* p = lp_seek(self.lp, index)
        return None if p == NULL else _value_at(p)

    def entry_size(self, long index):
        return lp_entry_size(self._at(index))

    def items(self):
        cdef list out = []
        cdef unsigned char* p = lp_first(self.lp)
        while p != NULL:
            out.append(_value_at(p))
            p = lp_next(self.lp, p)
        return out

    def items_reversed(self):
        cdef list out = []
        cdef unsigned char* p = lp_last(self.lp)
        while p != NULL:
            out.append(_value_at(p))
            p = lp_prev(self.lp, p)
        return out

    def compare(self, long index, bytes s):
        return bool(lp_compare(self._at(index), <const unsigned char*>PyBytes_AS_STRING(s),
                               PyBytes_GET_SIZE(s)))

    def find(self, bytes s, unsigned int skip=0, long start=0):
        """Index of the first match at start, start+skip+1, ...; or None."""
        cdef unsigned char* p = lp_seek(self.lp, start)
        if p == NULL:
            return None
        p = lp_find(self.lp, p, <const unsigned char*>PyBytes_AS_STRING(s),
                    PyBytes_GET_SIZE(s), skip)
        return self._index_of(p)

    def validate(self, bint deep=True):
        return bool(lp_validate_integrity(self.lp, lp_bytes(self.lp), deep))

    # -- changing ---------------------------------------------------------

    def append(self, v):
        cdef bytes b
        if isinstance(v, int):
            self._store(lp_append_int64(self.lp, v))
        else:
            b = _as_bytes(v)
            self._store(lp_append(self.lp, <const unsigned char*>PyBytes_AS_STRING(b),
                                  PyBytes_GET_SIZE(b)))

    def prepend(self, v):
        cdef bytes b
        if isinstance(v, int):
            self._store(lp_prepend_int64(self.lp, v))
        else:
            b = _as_bytes(v)
            self._store(lp_prepend(self.lp, <const unsigned char*>PyBytes_AS_STRING(b),
                                   PyBytes_GET_SIZE(b)))

    def insert(self, long index, v, int where=LP_BEFORE):
        """Insert before/after (or replace) the element at index; returns the
        new element's index as reported through newp."""
        cdef unsigned char* p = self._at(index)
        cdef unsigned char* newp = NULL
        cdef bytes b
        if where not in (LP_BEFORE, LP_AFTER, LP_REPLACE):
            raise ValueError(where)
        if isinstance(v, int):
            self._store(lp_insert_int64(self.lp, v, p, where, &newp))
        else:
            b = _as_bytes(v)
            self._store(lp_insert_string(self.lp, <const unsigned char*>PyBytes_AS_STRING(b),
                                         PyBytes_GET_SIZE(b), p, where, &newp))
        return self._index_of(newp)

    def replace(self, long index, v):
        """lp_replace: returns the index *p points to afterwards."""
        cdef unsigned char* p = self._at(index)
        cdef bytes b
        if isinstance(v, int):
            self._store(lp_replace_int64(self.lp, &p, v))
        else:
            b = _as_bytes(v)
            self._store(lp_replace(self.lp, &p, <const unsigned char*>PyBytes_AS_STRING(b),
                                   PyBytes_GET_SIZE(b)))
        return self._index_of(p)

    def delete(self, long index):
        """Delete one element; returns the index of the one that followed
        (None if it was the last)."""
        cdef unsigned char* p = self._at(index)
        cdef unsigned char* newp = NULL
        self._store(lp_delete(self.lp, p, &newp))
        return self._index_of(newp)

    def delete_range(self, long index, unsigned long num):
        self._store(lp_delete_range(self.lp, index, num))

    def delete_range_with_entry(self, long index, unsigned long num):
        cdef unsigned char* p = self._at(index)
        self._store(lp_delete_range_with_entry(self.lp, &p, num))
        return self._index_of(p)

    def batch_delete(self, indexes):
        """Delete the elements at the given distinct indexes in one pass."""
        cdef list idx = sorted(set(indexes))
        cdef unsigned long n = len(idx), i
        cdef unsigned char** ps
        if n == 0:
            return
        ps = <unsigned char**>malloc(n * sizeof(unsigned char*))
        if ps == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                ps[i] = self._at(idx[i])
            self._store(lp_batch_delete(self.lp, ps, n))
        finally:
            free(ps)

    def shrink_to_fit(self):
        self._store(lp_shrink_to_fit(self.lp))

    def merge(self, ListpackForTest other):
        """Append other's elements to self; other becomes empty."""
        cdef unsigned char* a = self.lp
        cdef unsigned char* b = other.lp
        cdef unsigned char* fresh = lp_new(0)
        if fresh == NULL:
            raise MemoryError()
        if lp_merge(&a, &b) == NULL:
            lp_free(fresh)
            raise MemoryError()
        self.lp = a if a != NULL else b
        other.lp = fresh

    def safe_to_add(self, size_t add):
        return bool(lp_safe_to_add(self.lp, add))

    # -- random (field/value pairs) ---------------------------------------

    def random_pair(self):
        cdef lpEntry k, v
        cdef unsigned long total = lp_length(self.lp) // 2
        if total == 0:
            raise IndexError("empty")
        lp_random_pair(self.lp, total, &k, &v)
        return (_entry_value(&k), _entry_value(&v))

    def random_pairs(self, unsigned int count):
        cdef lpEntry* ks
        cdef lpEntry* vs
        cdef unsigned int i
        if count == 0:
            return []
        ks = <lpEntry*>malloc(count * sizeof(lpEntry))
        vs = <lpEntry*>malloc(count * sizeof(lpEntry))
        try:
            if ks == NULL or vs == NULL or lp_random_pairs(self.lp, count, ks, vs) != 0:
                raise MemoryError()
            return [(_entry_value(&ks[i]), _entry_value(&vs[i])) for i in range(count)]
        finally:
            free(ks)
            free(vs)

    def random_pairs_unique(self, unsigned int count):
        cdef lpEntry* ks
        cdef lpEntry* vs
        cdef unsigned int i, n
        ks = <lpEntry*>malloc((count or 1) * sizeof(lpEntry))
        vs = <lpEntry*>malloc((count or 1) * sizeof(lpEntry))
        try:
            if ks == NULL or vs == NULL:
                raise MemoryError()
            n = lp_random_pairs_unique(self.lp, count, ks, vs)
            return [(_entry_value(&ks[i]), _entry_value(&vs[i])) for i in range(n)]
        finally:
            free(ks)
            free(vs)
