# Listpack: Redis 7.0's compact serialization of a list of strings and
# integers, byte for byte. It backs small hashes, sorted sets, quicklist
# nodes and streams, and RDB/DUMP write the blob out unchanged.
#
# Layout (all multi-byte fields little-endian):
#     [total bytes: u32][element count: u16][entry ...][0xFF]
# The count saturates at 65535 (LP_HDR_NUMELE_UNKNOWN): from then on the
# length is found by walking, and lp_length() stores it back once it fits.
#
# Entry: [encoding + payload][backlen]
#     0xxxxxxx                      7-bit unsigned int
#     10LLLLLL <data>               string, length < 64
#     110xxxxx xxxxxxxx             13-bit signed int
#     1110LLLL LLLLLLLL <data>      string, length < 4096
#     0xF0 <len u32> <data>         string, any length
#     0xF1/F2/F3/F4 <int>           16/24/32/64-bit signed int
# backlen is the size of [encoding + payload] written as 1-5 bytes of 7 bits,
# read right to left (high bit of a byte = "more bytes to the left"), so that
# the listpack can be walked backwards.
#
# A string that is the canonical decimal text of an int64 ("12", "-3", not
# "012", "-0", "+1" or " 1") is always stored as an integer.
#
# Ownership: a listpack is one libc malloc block. Every function that may
# grow, shrink or move it returns the new pointer; the caller must use it and
# forget the old one (and every entry pointer into it, except the ones handed
# back through `newp`-style out arguments). They return NULL on allocation
# failure or when the result would be too large; the input is then unchanged
# and still owned by the caller, except where noted.
#
# Entry pointers `p` come from lp_first/lp_last/lp_next/lp_prev/lp_seek/lp_find
# and point at an entry's first byte. Walking functions check that the entry
# they return lies inside the listpack and call the panic handler if not (a
# corrupt blob that skipped deep validation); validate untrusted blobs with
# lp_validate_integrity(..., deep=1) before using them.
from libc.stdint cimport int64_t, uint16_t, uint32_t, uint64_t

cdef enum:
    LP_HDR_SIZE = 6
    LP_HDR_NUMELE_UNKNOWN = 65535
    LP_EOF = 0xFF
    # Room for the text of any int64 ("-9223372036854775808") plus a NUL.
    LP_INTBUF_SIZE = 21
    # lp_insert_* positions
    LP_BEFORE = 0
    LP_AFTER = 1
    LP_REPLACE = 2
    # Callers keep listpacks below this (checked by lp_safe_to_add).
    LP_MAX_SAFETY_SIZE = 1 << 30
    # Longest backlen, in bytes.
    LP_MAX_BACKLEN_SIZE = 5

# One element as read by the random pickers: sval != NULL for a string
# (pointing into the listpack), else the integer in lval.
ctypedef struct lpEntry:
    unsigned char* sval
    uint32_t slen
    long long lval

# Deep validation callback: called with each entry (already checked to lie
# inside the listpack) and the header's element count; return 0 to reject.
ctypedef int (*lp_validate_entry_fn)(unsigned char* p, unsigned int head_count,
                                     void* userdata) noexcept nogil
# Called on a corrupt listpack found while walking; must not return (if it
# does, the process aborts anyway).
ctypedef void (*lp_panic_fn)(const char* msg) noexcept nogil


# ------------------------------------------------------------ header/size --

cdef inline uint32_t lp_get_total_bytes(const unsigned char* lp) noexcept nogil:
    return (<uint32_t>lp[0]) | (<uint32_t>lp[1] << 8) | \
        (<uint32_t>lp[2] << 16) | (<uint32_t>lp[3] << 24)

cdef inline uint32_t lp_get_num_elements(const unsigned char* lp) noexcept nogil:
    # the raw header field: LP_HDR_NUMELE_UNKNOWN means "walk to count"
    return (<uint32_t>lp[4]) | (<uint32_t>lp[5] << 8)

cdef inline size_t lp_bytes(const unsigned char* lp) noexcept nogil:
    return lp_get_total_bytes(lp)

# Size of [encoding + payload] of the entry at p (1 for the terminator, 0 for
# an unknown encoding byte). Reads up to 5 bytes at p: only for entries that
# are known to be inside the listpack.
cdef inline uint32_t lp_encoded_size_unsafe(const unsigned char* p) noexcept nogil:
    cdef unsigned char b = p[0]
    if b < 0x80:
        return 1
    if b < 0xC0:
        return 1 + (b & 0x3F)
    if b < 0xE0:
        return 2
    if b < 0xF0:
        return 2 + ((<uint32_t>(b & 0x0F) << 8) | p[1])
    if b == 0xF0:
        return 5 + ((<uint32_t>p[1]) | (<uint32_t>p[2] << 8) |
                    (<uint32_t>p[3] << 16) | (<uint32_t>p[4] << 24))
    if b == 0xF1:
        return 3
    if b == 0xF2:
        return 4
    if b == 0xF3:
        return 5
    if b == 0xF4:
        return 9
    if b == 0xFF:
        return 1
    return 0

# Bytes taken by the backlen of an entry whose [encoding + payload] is l
# bytes. The thresholds are Redis's, off-by-one included (16383 takes 3).
cdef inline uint32_t lp_backlen_size(uint64_t l) noexcept nogil:
    if l <= 127:
        return 1
    if l < 16383:
        return 2
    if l < 2097151:
        return 3
    if l < 268435455:
        return 4
    return 5

# Write the backlen for an l-byte [encoding + payload] into buf (room for
# LP_MAX_BACKLEN_SIZE bytes); returns its size, lp_backlen_size(l).
cdef uint32_t lp_encode_backlen(unsigned char* buf, uint64_t l) noexcept nogil
# The backlen ending at `last` (an entry's final byte), reading at most
# LP_MAX_BACKLEN_SIZE bytes backwards; UINT64_MAX if it does not end there.
cdef uint64_t lp_decode_backlen(const unsigned char* last) noexcept nogil

# The entry after p, or the terminator; no checks (see lp_next).
cdef inline unsigned char* lp_skip(unsigned char* p) noexcept nogil:
    cdef uint32_t n = lp_encoded_size_unsafe(p)
    return p + n + lp_backlen_size(n)


# --------------------------------------------------------------- creation --

# New empty listpack with room for `capacity` bytes (at least 7). NULL on OOM.
cdef unsigned char* lp_new(size_t capacity) noexcept nogil
cdef void lp_free(unsigned char* lp) noexcept nogil
# Give back unused allocation; returns the (possibly moved) listpack.
cdef unsigned char* lp_shrink_to_fit(unsigned char* lp) noexcept nogil
# 1 if adding `add` bytes keeps lp (may be NULL) under LP_MAX_SAFETY_SIZE.
cdef int lp_safe_to_add(unsigned char* lp, size_t add) noexcept nogil
# Install the handler called on corruption (NULL restores the default:
# message to stderr, then abort()).
cdef void lp_set_panic_handler(lp_panic_fn fn) noexcept nogil

# Redis's rule for "this string is stored as an integer": 1 and *value set
# when s is the canonical decimal form of an int64 (value may be NULL).
cdef int lp_string_to_int64(const unsigned char* s, size_t slen, int64_t* value) noexcept nogil
# Decimal text of v into buf (>= LP_INTBUF_SIZE bytes, NUL-terminated); length.
cdef int lp_int64_to_string(unsigned char* buf, int64_t v) noexcept nogil


# --------------------------------------------------------------- walking --

# Element count; walks when the header is saturated and then stores the
# count back into the header if it fits (so this may write to lp).
cdef unsigned long lp_length(unsigned char* lp) noexcept nogil
# First/last element, or NULL if empty.
cdef unsigned char* lp_first(unsigned char* lp) noexcept nogil
cdef unsigned char* lp_last(unsigned char* lp) noexcept nogil
# Neighbour of p, or NULL at the end/start.
cdef unsigned char* lp_next(unsigned char* lp, unsigned char* p) noexcept nogil
cdef unsigned char* lp_prev(unsigned char* lp, unsigned char* p) noexcept nogil
# Element at index (negative counts from the end: -1 is the last), or NULL.
cdef unsigned char* lp_seek(unsigned char* lp, long index) noexcept nogil


# --------------------------------------------------------------- reading --

# With intbuf == NULL: a string returns a pointer to its bytes (inside lp)
# with the length in *count; an integer returns NULL with the value in
# *count. With intbuf (LP_INTBUF_SIZE bytes): always a string, integers are
# written as decimal text into intbuf and intbuf is returned.
cdef unsigned char* lp_get(unsigned char* p, int64_t* count, unsigned char* intbuf) noexcept nogil
# Same, split in two outputs: string -> pointer and *slen; integer -> NULL
# and *lval.
cdef unsigned char* lp_get_value(unsigned char* p, unsigned int* slen, long long* lval) noexcept nogil
# Total size of the entry at p including its backlen.
cdef uint32_t lp_entry_size(unsigned char* p) noexcept nogil
# 1 if the element at p equals the string s (integers compare by value when
# s is a canonical integer). 0 at the terminator.
cdef unsigned int lp_compare(unsigned char* p, const unsigned char* s, uint32_t slen) noexcept nogil
# First element at or after p equal to s, looking at p and then every
# (skip+1)-th element (skip=1 visits the fields of a field/value list).
# NULL if none.
cdef unsigned char* lp_find(unsigned char* lp, unsigned char* p, const unsigned char* s,
                            uint32_t slen, unsigned int skip) noexcept nogil


# -------------------------------------------------------------- changing --

# Insert s before/after p, or replace p (where = LP_BEFORE/LP_AFTER/
# LP_REPLACE). p may be the terminator for LP_BEFORE (append). On success
# *newp (if newp != NULL) points at the new element.
cdef unsigned char* lp_insert_string(unsigned char* lp, const unsigned char* s, uint32_t slen,
                                     unsigned char* p, int where, unsigned char** newp) noexcept nogil
cdef unsigned char* lp_insert_int64(unsigned char* lp, long long v,
                                    unsigned char* p, int where, unsigned char** newp) noexcept nogil
cdef unsigned char* lp_append(unsigned char* lp, const unsigned char* s, uint32_t slen) noexcept nogil
cdef unsigned char* lp_append_int64(unsigned char* lp, long long v) noexcept nogil
cdef unsigned char* lp_prepend(unsigned char* lp, const unsigned char* s, uint32_t slen) noexcept nogil
cdef unsigned char* lp_prepend_int64(unsigned char* lp, long long v) noexcept nogil
# Replace the element at *p; *p is updated to the new element.
cdef unsigned char* lp_replace(unsigned char* lp, unsigned char** p,
                               const unsigned char* s, uint32_t slen) noexcept nogil
cdef unsigned char* lp_replace_int64(unsigned char* lp, unsigned char** p, long long v) noexcept nogil
# Delete the element at p; *newp (if given) is the element that followed it,
# or NULL if it was the last.
cdef unsigned char* lp_delete(unsigned char* lp, unsigned char* p, unsigned char** newp) noexcept nogil
# Delete up to num elements starting at *p; *p becomes the element after
# them or NULL. Shrinks the allocation; never fails.
cdef unsigned char* lp_delete_range_with_entry(unsigned char* lp, unsigned char** p,
                                               unsigned long num) noexcept nogil
# Delete up to num elements starting at index (negative from the end).
# Out-of-range index: nothing happens. Never fails.
cdef unsigned char* lp_delete_range(unsigned char* lp, long index, unsigned long num) noexcept nogil
# Delete the `count` elements at ps[0..count), which must be in listpack
# order and distinct, in one pass. Never fails.
cdef unsigned char* lp_batch_delete(unsigned char* lp, unsigned char** ps, unsigned long count) noexcept nogil
# Concatenate *first and *second into the larger of the two blocks (the other
# is freed and its pointer set to NULL; the survivor's pointer is updated).
# Returns the merged listpack, or NULL (both untouched) if either is NULL,
# they are the same, the result would be too big, or on OOM.
cdef unsigned char* lp_merge(unsigned char** first, unsigned char** second) noexcept nogil


# ------------------------------------------------------------- validation --

# 1 if the `size`-byte blob at lp is a well-formed listpack: the header's
# total matches size and the last byte is the terminator; with deep != 0
# also every entry's encoding, bounds and backlen, and the header count.
# Never reads outside [lp, lp+size).
cdef int lp_validate_integrity(unsigned char* lp, size_t size, int deep) noexcept nogil
# Same, calling cb for each entry when deep.
cdef int lp_validate_integrity_cb(unsigned char* lp, size_t size, int deep,
                                  lp_validate_entry_fn cb, void* userdata) noexcept nogil
# Streaming validation (streams validate entries as they parse them): the
# first entry without checks (NULL if empty), then lp_validate_next checks
# the entry at *pp and advances it (NULL after the last). 0 if corrupt.
cdef unsigned char* lp_validate_first(unsigned char* lp) noexcept nogil
cdef int lp_validate_next(unsigned char* lp, unsigned char** pp, size_t lpbytes) noexcept nogil


# ---------------------------------------------------------------- random --
# For HRANDFIELD / ZRANDMEMBER on field/value (or member/score) listpacks.
# Entries returned point into lp: valid until lp changes.

# Reseed the generator (tests); it starts from os.urandom.
cdef void lp_random_seed(uint64_t seed) noexcept nogil
# One random pair; total_count is lp_length(lp)/2 (must be > 0). val may be NULL.
cdef void lp_random_pair(unsigned char* lp, unsigned long total_count,
                         lpEntry* key, lpEntry* val) noexcept nogil
# `count` pairs with repetition, in random order. vals may be NULL.
# 0 on success, -1 on OOM or an empty listpack.
cdef int lp_random_pairs(unsigned char* lp, unsigned int count,
                         lpEntry* keys, lpEntry* vals) noexcept nogil
# Up to `count` distinct pairs, in listpack order; returns how many.
cdef unsigned int lp_random_pairs_unique(unsigned char* lp, unsigned int count,
                                         lpEntry* keys, lpEntry* vals) noexcept nogil
