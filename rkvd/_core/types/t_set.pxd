# Sets (types/t_set.pyx): the value object and what other extensions (the
# RDB codec) use to read and build one.
from rkvd._core.lib.intset cimport intset

cdef enum:
    SET_ENC_INTSET = 1
    SET_ENC_HT = 2


@cython.final
cdef class SetValue:
    # One pointer, so the object is 24 bytes (one 32-byte malloc chunk): the
    # intset*, or the kvdict* (members as keys, no values) with the low bit
    # set (malloc blocks are at least 8-byte aligned, so the bit is free).
    # Read it through set_value_intset / set_value_ht.
    cdef void* p

# The set's intset, or NULL when it is a hash table.
cdef intset* set_value_intset(SetValue s) noexcept nogil
# The set's hash table, or NULL when it is an intset.
cdef kvdict* set_value_ht(SetValue s) noexcept nogil

# Add a member given as bytes; 1 if added, 0 if already there. An intset
# converts when a member is not an integer or it grows past maxis members
# (pass the engine's set-max-intset-entries).
cdef int set_type_add(SetValue s, const char* p, Py_ssize_t n, long long maxis) except -1
# The same for a member given as an integer.
cdef int set_type_add_ll(SetValue s, int64_t v, long long maxis) except -1
# intset -> hashtable (a no-op for a hash table).
cdef int set_type_convert(SetValue s) except -1
