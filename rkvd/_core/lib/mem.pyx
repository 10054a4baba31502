# cython: language_level=3
# Memory accounting (see mem.pxd and includes/rkmem.h): the counting hooks,
# their installation and the calibration against glibc's own figure.
#
# The counter is exact for everything that goes through Python's allocator
# (objects, buffers, the engine's libraries). What bypasses it (libuv's and
# other C libraries' own malloc calls, blocks freed that were allocated
# before the hooks went in) makes it drift; calibrate() takes the allocator's
# figure (mallinfo2, a walk of malloc's free lists: too slow per command) and
# stores the difference as the offset, so the running figure is the
# allocator's plus what was counted since. The server calibrates from cron.
from libc.stdint cimport int64_t

cdef extern from "includes/rkmem.h":
    rk_mem_t rk_mem
    int rk_mem_install() nogil
    int64_t rk_mem_counted() nogil


cdef rk_mem_t* mem_state() noexcept nogil:
    return &rk_mem


def install():
    """Install the counting hooks. Only valid when Python's domains already
    sit on malloc (PYTHONMALLOC=malloc): returns False (and does nothing)
    otherwise."""
    import os
    if os.environ.get("PYTHONMALLOC") != "malloc":
        return False
    rk_mem_install()
    return True


def installed():
    return bool(rk_mem.installed)


def used():
    """The running used_memory figure (bytes)."""
    return rk_mem_counted() + rk_mem.offset


def counted():
    """The raw counter, without the calibration offset."""
    return rk_mem_counted()


def calibrate(long long allocator_used):
    """Make the running figure equal the allocator's (taken just before, with
    no allocation in between that the counter saw); returns the drift that
    was corrected."""
    cdef int64_t drift = allocator_used - (rk_mem_counted() + rk_mem.offset)
    rk_mem.offset = allocator_used - rk_mem_counted()
    return drift
