from libc.stdint cimport uint64_t
# String <-> number conversions and glob matching with Redis's exact rules
# (util.c): the same inputs are accepted or rejected, and the same text comes
# out, byte for byte. Server-agnostic: bytes in, C values out.

cdef enum:
    # Enough room for any ld2string / d2string / ll2string output.
    MAX_LONG_DOUBLE_CHARS = 5 * 1024
    MAX_D2STRING_CHARS = 128
    LONG_STR_SIZE = 21
    # ld2string modes (Redis's ld2string_mode)
    LD_STR_AUTO = 0     # %.17Lg, like INCRBYFLOAT replies
    LD_STR_HUMAN = 1    # %.17Lf with trailing zeroes removed (INCRBYFLOAT value)
    LD_STR_HEX = 2      # %La

# 1 and *value set on success, 0 on failure (overflow, spaces, leading zeroes,
# "+1", "-0" and the other forms Redis's string2ll refuses).
cdef int string2ll(const char* s, size_t slen, long long* value) noexcept nogil
# Like string2ll but for unsigned 64-bit (Redis's string2ull).
cdef int string2ull(const char* s, unsigned long long* value) noexcept nogil
# Writes the decimal text of v into dst (NUL-terminated if room); returns the
# length, or 0 if dstlen is too small.
cdef int ll2string(char* dst, size_t dstlen, long long v) noexcept nogil
cdef int ull2string(char* dst, size_t dstlen, unsigned long long v) noexcept nogil
# Parse a long double the way Redis's string2ld does (no spaces, no NaN, length
# limit, strtold). 1 on success.
cdef int string2ld(const char* s, size_t slen, long double* dp) noexcept nogil
# Format like Redis's ld2string; returns length, 0 on error (e.g. buffer).
cdef int ld2string(char* buf, size_t buflen, long double value, int mode) noexcept nogil
# Parse a double the way Redis's string2d does (rejects spaces, nan, empty). 1 on success.
cdef int string2d(const char* s, size_t slen, double* dp) noexcept nogil
# Redis's d2string: "inf"/"-inf"/"nan", exact integers printed as integers,
# otherwise %.17g. Returns length.
cdef int d2string(char* buf, size_t buflen, double value) noexcept nogil
# What Redis 7.0 addReplyDouble writes as the text of a double reply (both the
# RESP2 bulk string and the RESP3 ',' payload): "inf", "-inf", or %.17g.
cdef int double_reply_text(char* buf, size_t buflen, double value) noexcept nogil
# Redis's stringmatchlen glob (*, ?, [...], [^...], ranges, backslash escapes),
# with its nesting limit. 1 on match.
cdef int stringmatchlen(const char* pattern, int patternlen,
                        const char* string, int stringlen, int nocase) noexcept nogil
# Redis's memtoull for config sizes ("1gb", "100mb", "5k"): 1 on success.
cdef int memtoull(const char* p, size_t plen, unsigned long long* out) noexcept nogil

# splitmix64: a small, fast, well-mixed generator for sampling (eviction,
# random keys and fields), seeded from the OS at import. Not for crypto.
cdef uint64_t rand64() noexcept nogil
cdef void rand64_seed(uint64_t seed) noexcept nogil
