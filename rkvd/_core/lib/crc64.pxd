from libc.stdint cimport uint64_t
# CRC-64 as Redis computes it (crc64.c): the Jones polynomial
# 0xad93d23594c935a9, reflected input and output, no final xor. The RDB
# trailer and DUMP payloads carry it, so it must agree bit for bit:
# crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.

# Continue `crc` (0 to start) over s[0:l]. Table-driven, eight bytes per
# step; pure C, thread-safe, safe in a fork child (the tables are filled when
# the module is imported and only read afterwards).
cdef uint64_t crc64(uint64_t crc, const unsigned char* s, uint64_t l) noexcept nogil
