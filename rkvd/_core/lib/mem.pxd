# Memory accounting: Redis's zmalloc idea (a running counter of the bytes the
# allocator holds for us, read before every deny-oom command) on glibc.
#
# lib/mem installs counting hooks on Python's allocator domains (see
# includes/rkmem.h), and the engine's libraries allocate through the RAW
# domain: cimport malloc, calloc, realloc and free from here instead of
# libc.stdlib. Blocks must be freed by the family that allocated them.
from libc.stdint cimport int64_t

cdef extern from "Python.h":
    void* malloc "PyMem_RawMalloc"(size_t n) nogil
    void* calloc "PyMem_RawCalloc"(size_t nelem, size_t elsize) nogil
    void* realloc "PyMem_RawRealloc"(void* p, size_t n) nogil
    void free "PyMem_RawFree"(void* p) nogil

cdef extern from "includes/rkmem.h":
    ctypedef struct rk_mem_t:
        int64_t gil
        int64_t raw
        int64_t offset
        int installed

# The process's counters (one instance, owned by lib/mem): read them with
# mem_used(). Never NULL.
cdef rk_mem_t* mem_state() noexcept nogil

# Aligned blocks straight from glibc, counted in `m` (pass mem_state());
# free them with aligned_free_counted, never with free.
cdef extern from "includes/rkmem.h":
    void* aligned_alloc_counted "rk_aligned_alloc_counted"(rk_mem_t* m, size_t align, size_t n) nogil
    void aligned_free_counted "rk_aligned_free_counted"(rk_mem_t* m, void* p) nogil

# used_memory: the counted bytes corrected by the last calibration against
# the allocator (0 plus drift when the hooks are not installed).
cdef inline int64_t mem_used(rk_mem_t* m) noexcept nogil:
    return m.gil + m.raw + m.offset
