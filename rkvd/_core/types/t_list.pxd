# Lists (types/t_list.pyx): the value object, read and built by other
# extensions (the RDB codec) through the quicklist API (lib/quicklist).
from rkvd._core.lib.quicklist cimport quicklist


@cython.final
cdef class ListValue:
    # The quicklist itself, inside the object (no separate allocation). A
    # new ListValue must be given its fill and compress depth with ql_init
    # (the engine's list-max-listpack-size / list-compress-depth) before use.
    cdef quicklist ql
