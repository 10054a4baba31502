# A sorted set of integers in one block of memory, with Redis's intset byte
# layout, so that the block is also the RDB payload (RDB_TYPE_SET_INTSET):
#
#     [uint32 encoding][uint32 length][length values, ascending]
#
# Everything is little-endian. `encoding` is the width of one value in bytes
# (2, 4 or 8). Adding a value that does not fit the current width widens every
# value first; removing never narrows. Server-agnostic: integers in, integers
# out, memory from libc malloc.
#
# Functions that may reallocate return the possibly moved pointer: the old
# pointer must not be used afterwards.
from libc.stdint cimport uint8_t, uint32_t, int64_t

cdef extern from *:
    """
    typedef struct rkvdIntset {
        uint32_t encoding;
        uint32_t length;
        int8_t contents[];
    } rkvdIntset;
    """
    ctypedef struct intset "rkvdIntset":
        uint32_t encoding
        uint32_t length

cdef enum:
    INTSET_ENC_INT16 = 2
    INTSET_ENC_INT32 = 4
    INTSET_ENC_INT64 = 8
    INTSET_HEADER_SIZE = 8

# An empty set (16-bit encoding), or NULL when out of memory. Free with
# intset_free.
cdef intset* intset_new() noexcept nogil
cdef void intset_free(intset* s) noexcept nogil
# A copy of a blob (assumed valid, see intset_validate_integrity), or NULL.
cdef intset* intset_from_blob(const unsigned char* p, size_t size) noexcept nogil

# Insert value. *success (if not NULL) is 1 when added, 0 when it was already
# present. Returns the possibly moved set, or NULL when out of memory (then
# the original set is untouched and still owned by the caller).
cdef intset* intset_add(intset* s, int64_t value, uint8_t* success) noexcept nogil
# Delete value. *success (if not NULL) is 1 when removed, 0 when absent.
# Returns the possibly moved set (never NULL).
cdef intset* intset_remove(intset* s, int64_t value, int* success) noexcept nogil
# 1 if value is a member (binary search).
cdef uint8_t intset_find(intset* s, int64_t value) noexcept nogil
# Binary search: 1 and *pos = its index if present, else 0 and *pos = the
# index where it would be inserted. pos may be NULL.
cdef uint8_t intset_search(intset* s, int64_t value, uint32_t* pos) noexcept nogil
# 1 and *value = the element at pos, or 0 when pos is out of range.
cdef uint8_t intset_get(intset* s, uint32_t pos, int64_t* value) noexcept nogil
# A uniformly chosen member; the set must not be empty.
cdef int64_t intset_random(intset* s) noexcept nogil
# Largest / smallest member; the set must not be empty.
cdef int64_t intset_max(intset* s) noexcept nogil
cdef int64_t intset_min(intset* s) noexcept nogil
cdef uint32_t intset_len(const intset* s) noexcept nogil
# Width of one value in bytes: INTSET_ENC_INT16, _INT32 or _INT64.
cdef uint32_t intset_encoding(const intset* s) noexcept nogil
# Size of the whole block in bytes (header included): the RDB payload length.
cdef size_t intset_blob_len(const intset* s) noexcept nogil
# Check an untrusted blob (RDB/RESTORE) before use: known encoding, size equal
# to header + length * width, not empty; with deep, also strictly ascending.
# 1 when valid. Never reads outside p[0:size].
cdef int intset_validate_integrity(const unsigned char* p, size_t size, int deep) noexcept nogil
