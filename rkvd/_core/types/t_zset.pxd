# Sorted sets (types/t_zset.pyx): the value object and what other
# extensions (the RDB codec) use to read and build one.
from rkvd._core.lib.skiplist cimport zskiplist


@cython.final
cdef class ZsetValue:
    # listpack encoding: lp != NULL, [member, score, ...] in (score, member)
    # order, zsl and dict NULL. skiplist encoding: lp NULL; zsl orders the
    # members, dict maps member -> the score's IEEE-754 bits in v.ival, and
    # the skiplist nodes point at the dict's keys (a member is stored once).
    cdef unsigned char* lp
    cdef zskiplist* zsl
    cdef kvdict* dict

# Insert a member known to be absent into a skiplist-encoded set (zsl and
# dict already created). Raises MemoryError.
cdef int zs_sl_insert(ZsetValue z, const char* ele, size_t elen, double score) except -1
# listpack -> skiplist (a no-op when already a skiplist).
cdef int zs_to_skiplist(ZsetValue z) except -1
# skiplist -> listpack (a no-op when already a listpack), in score order.
# The caller decides it fits (zset-max-listpack-entries / -value).
cdef int zs_to_listpack(ZsetValue z) except -1
