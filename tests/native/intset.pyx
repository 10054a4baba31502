# cython: language_level=3, cdivision=True
# IntsetForTest and validate_blob: intsets (rkvd._core.lib.intset) behind a
# Python interface, for tests/test_intset.py. Test-only: built by
# tests/native/build.py, never part of the installed package. It goes
# through intset.pxd's API only.
from libc.stdint cimport uint8_t, uint32_t, int64_t
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

from rkvd._core.lib.intset cimport (
    intset, INTSET_HEADER_SIZE, intset_new, intset_free, intset_from_blob, intset_add,
    intset_remove, intset_find, intset_search, intset_get, intset_random, intset_max,
    intset_min, intset_len, intset_blob_len, intset_encoding, intset_validate_integrity,
)


cdef inline int64_t _at(intset* s, uint32_t pos) noexcept nogil:
    cdef int64_t v = 0
    intset_get(s, pos, &v)
    return v


def validate_blob(bytes blob, bint deep=True):
    """intset_validate_integrity on blob: True when it is a valid intset."""
    return intset_validate_integrity(<const unsigned char*>PyBytes_AS_STRING(blob),
                                     <size_t>PyBytes_GET_SIZE(blob), deep) == 1


cdef class IntsetForTest:
    """An intset owned by a Python object, for tests and benchmarks."""
    cdef intset* s

    def __cinit__(self):
        self.s = intset_new()
        if self.s == NULL:
            raise MemoryError()

    def __dealloc__(self):
        intset_free(self.s)
        self.s = NULL

    @staticmethod
    def from_bytes(bytes blob, bint validate=True):
        """A set holding a copy of blob; ValueError unless it passes deep validation."""
        cdef IntsetForTest r = IntsetForTest()
        cdef intset* s
        if validate and not validate_blob(blob, True):
            raise ValueError("invalid intset blob")
        if PyBytes_GET_SIZE(blob) < INTSET_HEADER_SIZE:
            raise ValueError("intset blob shorter than its header")
        s = intset_from_blob(<const unsigned char*>PyBytes_AS_STRING(blob),
                             <size_t>PyBytes_GET_SIZE(blob))
        if s == NULL:
            raise MemoryError()
        intset_free(r.s)
        r.s = s
        return r

    def add(self, int64_t value):
        """True if value was added, False if already present."""
        cdef uint8_t ok = 0
        cdef intset* t = intset_add(self.s, value, &ok)
        if t == NULL:
            raise MemoryError()
        self.s = t
        return ok == 1

    def remove(self, int64_t value):
        """True if value was removed, False if absent."""
        cdef int ok = 0
        self.s = intset_remove(self.s, value, &ok)
        return ok == 1

    def find(self, int64_t value):
        return intset_find(self.s, value) == 1

    def search(self, int64_t value):
        """(found, position) as intset_search reports them."""
        cdef uint32_t pos = 0
        cdef uint8_t found = intset_search(self.s, value, &pos)
        return found == 1, pos

    def get(self, uint32_t pos):
        """The element at pos, or None when out of range."""
        cdef int64_t v
        if intset_get(self.s, pos, &v):
            return v
        return None

    def items(self):
        cdef uint32_t i, n = intset_len(self.s)
        return [_at(self.s, i) for i in range(n)]

    def random(self):
        if intset_len(self.s) == 0:
            return None
        return intset_random(self.s)

    def max(self):
        return intset_max(self.s) if intset_len(self.s) else None

    def min(self):
        return intset_min(self.s) if intset_len(self.s) else None

    @property
    def encoding(self):
        return intset_encoding(self.s)

    def blob_len(self):
        return intset_blob_len(self.s)

    def tobytes(self):
        return PyBytes_FromStringAndSize(<char*>self.s, <Py_ssize_t>intset_blob_len(self.s))

    def validate(self, bint deep=True):
        return intset_validate_integrity(<const unsigned char*>self.s,
                                         intset_blob_len(self.s), deep) == 1

    def __len__(self):
        return intset_len(self.s)

    def __contains__(self, int64_t value):
        return intset_find(self.s, value) == 1
