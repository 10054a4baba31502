# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# CRC-64 (Jones, reflected), the checksum of RDB files and DUMP payloads
# (contract in crc64.pxd).
#
# Slicing by eight: table[0] is the ordinary byte-at-a-time table and
# table[k][b] is the CRC of byte b followed by k zero bytes, so eight input
# bytes xored into the register fold into eight independent lookups. The
# loads of eight bytes assume a little-endian host (checked at import).
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

cdef enum:
    SLICES = 8

# The polynomial 0xad93d23594c935a9 with its bits reversed (reflected form).
cdef uint64_t POLY_REFLECTED = 0x95ac9329ac4bc9b5ULL

cdef uint64_t table[SLICES][256]


cdef void fill_tables() noexcept nogil:
    cdef uint64_t c
    cdef int n, k, _bit
    for n in range(256):
        c = n
        for _bit in range(8):
            c = (c >> 1) ^ (POLY_REFLECTED if c & 1 else 0)
        table[0][n] = c
    for k in range(1, SLICES):
        for n in range(256):
            c = table[k - 1][n]
            table[k][n] = (c >> 8) ^ table[0][c & 0xff]


cdef inline uint64_t load64le(const unsigned char* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef uint64_t crc64(uint64_t crc, const unsigned char* s, uint64_t l) noexcept nogil:
    # Byte steps until the pointer is 8-aligned, so the wide loads are aligned.
    while l and (<size_t>s & 7):
        crc = table[0][(crc ^ s[0]) & 0xff] ^ (crc >> 8)
        s += 1
        l -= 1
    while l >= 8:
        crc ^= load64le(s)
        crc = (table[7][crc & 0xff] ^
               table[6][(crc >> 8) & 0xff] ^
               table[5][(crc >> 16) & 0xff] ^
               table[4][(crc >> 24) & 0xff] ^
               table[3][(crc >> 32) & 0xff] ^
               table[2][(crc >> 40) & 0xff] ^
               table[1][(crc >> 48) & 0xff] ^
               table[0][crc >> 56])
        s += 8
        l -= 8
    while l:
        crc = table[0][(crc ^ s[0]) & 0xff] ^ (crc >> 8)
        s += 1
        l -= 1
    return crc


def crc64_bytes(unsigned long long crc, data):
    """crc64 continued from `crc` over a bytes-like object (for tests and
    Python-level callers)."""
    cdef const unsigned char[::1] view = memoryview(data).cast("B")
    cdef uint64_t n = view.shape[0]
    if n == 0:
        return crc
    with nogil:
        crc = crc64(crc, &view[0], n)
    return crc


import sys as _sys  # noqa: E402
if _sys.byteorder != "little":
    raise ImportError("rkvd._core.lib.crc64 assumes a little-endian host")
fill_tables()
