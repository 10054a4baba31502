# cython: language_level=3
# rdb_write_fd (rkvd/_core/persist/rdb_save.pxd) from Python, for
# tests/persist/test_rdb_save.py: write errors on any fd, the fork-child
# copy-on-write check, and perf/bench_rdb.py. Test-only, never shipped.
from libc.errno cimport errno

from rkvd._core.persist.rdb_save cimport RdbSaveStats, rdb_write_fd
from rkvd._core.server cimport Engine


def write_fd(Engine eng, int fd, int flags, bytes aux=b"", bint release_gil=False):
    """rdb_write_fd(eng, fd, flags, aux): (result, errno or 0, bytes
    written, keys written). release_gil runs it without the GIL, as the
    fork child does."""
    cdef RdbSaveStats st
    cdef const unsigned char* p = aux
    cdef size_t n = len(aux)
    cdef int r, err
    st.bytes_written = 0
    st.keys_written = 0
    if release_gil:
        with nogil:
            r = rdb_write_fd(eng, fd, flags, p, n, &st)
            err = errno
    else:
        r = rdb_write_fd(eng, fd, flags, p, n, &st)
        err = errno
    return r, (err if r != 0 else 0), st.bytes_written, st.keys_written
