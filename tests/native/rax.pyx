# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# RaxForTest: the radix tree (rkvd._core.lib.rax) behind a Python interface,
# for tests/lib/test_rax.py. Values are small integers stored in the void*.
# Test-only: built by tests/native/build.py, never part of the installed
# package. It goes through rax.pxd's API only.
from libc.stdint cimport uintptr_t
from cpython.bytes cimport PyBytes_FromStringAndSize

from rkvd._core.lib.rax cimport (
    rax, raxIterator, rax_new, rax_free, rax_size, rax_insert, rax_try_insert, rax_remove,
    rax_find, rax_start, rax_seek, rax_next, rax_prev, rax_stop,
)


cdef class RaxForTest:
    cdef rax* r

    def __cinit__(self):
        self.r = rax_new()
        if self.r == NULL:
            raise MemoryError()

    def __dealloc__(self):
        rax_free(self.r, NULL)

    def __len__(self):
        return rax_size(self.r)

    property numnodes:
        def __get__(self):
            return self.r.numnodes

    def insert(self, bytes k, uintptr_t v, bint overwrite=True):
        """(added, old value or None)."""
        cdef void* old = NULL
        cdef int rc
        if overwrite:
            rc = rax_insert(self.r, k, len(k), <void*>v, &old)
        else:
            rc = rax_try_insert(self.r, k, len(k), <void*>v, &old)
        if rc < 0:
            raise MemoryError()
        return bool(rc), (None if rc else <uintptr_t>old)

    def remove(self, bytes k):
        cdef void* old = NULL
        if rax_remove(self.r, k, len(k), &old):
            return <uintptr_t>old
        return None

    def find(self, bytes k):
        cdef void* v = NULL
        if rax_find(self.r, k, len(k), &v):
            return <uintptr_t>v
        return None

    def walk(self, str op, bytes k=b"", bint forward=True, long limit=-1):
        """[(key, value)] from seek(op, k) then next (or prev) steps."""
        cdef raxIterator it
        cdef list out = []
        cdef bytes bop = op.encode()
        rax_start(&it, self.r)
        try:
            if rax_seek(&it, bop, k, len(k)) != 1:
                raise ValueError(op)
            while limit != 0:
                if forward:
                    if not rax_next(&it):
                        break
                else:
                    if not rax_prev(&it):
                        break
                out.append((PyBytes_FromStringAndSize(<char*>it.key, it.key_len), <uintptr_t>it.data))
                limit -= 1
        finally:
            rax_stop(&it)
        return out

    def walk_mutating(self, bytes remove_each):
        """Walk forward from the first key, removing each key seen whose
        first byte is in remove_each (changes while the iterator is open)."""
        cdef raxIterator it
        cdef list out = []
        rax_start(&it, self.r)
        rax_seek(&it, b"^", NULL, 0)
        while rax_next(&it):
            k = PyBytes_FromStringAndSize(<char*>it.key, it.key_len)
            out.append(k)
            if k and k[0] in remove_each:
                rax_remove(self.r, it.key, it.key_len, NULL)
        rax_stop(&it)
        return out
