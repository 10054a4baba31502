# cython: language_level=3, cdivision=True
# Listpack, byte-compatible with Redis 7.0.15 (see listpack.pxd for the
# format and the ownership rules).
#
# Plain C throughout, with no Python objects (the tests' Python wrapper is
# tests/native/listpack.pyx). Memory comes from libc malloc/realloc so the
# allocator statistics the server reports include it. Growth reuses the
# allocation's slack (malloc_usable_size) before calling realloc; shrinking
# always reallocs, so a listpack's block follows its size the way Redis's
# does.
from libc.stdint cimport int64_t, uint32_t, uint64_t, INT64_MAX, UINT32_MAX, UINT64_MAX
from libc.stdlib cimport abort, qsort
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)
from libc.string cimport memcpy, memmove, memcmp
from libc.stdio cimport fprintf, stderr


cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)

cdef enum:
    # longest integer encoding: tag byte + 8 bytes
    LP_MAX_INT_ENCODING_LEN = 9
    # lp_find only tries the integer form of strings shorter than this
    LP_FIND_INT_MAXLEN = 32


# ------------------------------------------------------------- internals --

cdef void _default_panic(const char* msg) noexcept nogil:
    fprintf(stderr, b"listpack corrupted: %s\n", msg)
    abort()

cdef lp_panic_fn _panic_fn = _default_panic


cdef void lp_set_panic_handler(lp_panic_fn fn) noexcept nogil:
    global _panic_fn
    _panic_fn = fn if fn != NULL else _default_panic


cdef unsigned char _empty_str[1]


cdef inline void _corrupt(const char* msg) noexcept nogil:
    _panic_fn(msg)
    abort()     # the handler must not return


cdef inline void _set_total_bytes(unsigned char* lp, uint32_t v) noexcept nogil:
    lp[0] = v & 0xFF
    lp[1] = (v >> 8) & 0xFF
    lp[2] = (v >> 16) & 0xFF
    lp[3] = (v >> 24) & 0xFF


cdef inline void _set_num_elements(unsigned char* lp, uint32_t v) noexcept nogil:
    lp[4] = v & 0xFF
    lp[5] = (v >> 8) & 0xFF


cdef inline uint32_t _string_enc_len(uint32_t slen) noexcept nogil:
    # [tag + length + data] size of a string entry
    if slen < 64:
        return 1 + slen
    if slen < 4096:
        return 2 + slen
    return 5 + slen


cdef inline uint32_t _encode_int(int64_t v, unsigned char* out) noexcept nogil:
    # Smallest integer encoding of v into out; returns its size. Negative
    # values are stored in two's complement of the field's width.
    cdef uint64_t u = <uint64_t>v
    if 0 <= v <= 127:
        out[0] = <unsigned char>v
        return 1
    if -4096 <= v <= 4095:
        u &= 0x1FFF
        out[0] = 0xC0 | <unsigned char>(u >> 8)
        out[1] = u & 0xFF
        return 2
    if -32768 <= v <= 32767:
        out[0] = 0xF1
        out[1] = u & 0xFF
        out[2] = (u >> 8) & 0xFF
        return 3
    if -8388608 <= v <= 8388607:
        out[0] = 0xF2
        out[1] = u & 0xFF
        out[2] = (u >> 8) & 0xFF
        out[3] = (u >> 16) & 0xFF
        return 4
    if -2147483648 <= v <= 2147483647:
        out[0] = 0xF3
        out[1] = u & 0xFF
        out[2] = (u >> 8) & 0xFF
        out[3] = (u >> 16) & 0xFF
        out[4] = (u >> 24) & 0xFF
        return 5
    out[0] = 0xF4
    cdef int i
    for i in range(8):
        out[1 + i] = (u >> (8 * i)) & 0xFF
    return 9


cdef inline void _encode_string(unsigned char* dst, const unsigned char* s, uint32_t slen) noexcept nogil:
    if slen < 64:
        dst[0] = 0x80 | <unsigned char>slen
        dst += 1
    elif slen < 4096:
        dst[0] = 0xE0 | <unsigned char>(slen >> 8)
        dst[1] = slen & 0xFF
        dst += 2
    else:
        dst[0] = 0xF0
        dst[1] = slen & 0xFF
        dst[2] = (slen >> 8) & 0xFF
        dst[3] = (slen >> 16) & 0xFF
        dst[4] = (slen >> 24) & 0xFF
        dst += 5
    memcpy(dst, s, slen)


cdef inline uint32_t _encode_backlen(unsigned char* buf, uint64_t l) noexcept nogil:
    # Most significant group first; every byte but the first carries the
    # continuation bit, because the decoder starts from the last byte.
    cdef uint32_t n = lp_backlen_size(l)
    cdef uint32_t i
    buf[0] = (l >> (7 * (n - 1))) & 127
    for i in range(1, n):
        buf[i] = ((l >> (7 * (n - 1 - i))) & 127) | 128
    return n


cdef inline uint64_t _decode_backlen(const unsigned char* last) noexcept nogil:
    # `last` is the final byte of an entry. UINT64_MAX if more than 5 bytes
    # claim to belong to the backlen.
    cdef uint64_t val = 0
    cdef int i
    for i in range(LP_MAX_BACKLEN_SIZE):
        val |= <uint64_t>(last[-i] & 127) << (7 * i)
        if not (last[-i] & 128):
            return val
    return UINT64_MAX


cdef uint32_t lp_encode_backlen(unsigned char* buf, uint64_t l) noexcept nogil:
    return _encode_backlen(buf, l)


cdef uint64_t lp_decode_backlen(const unsigned char* last) noexcept nogil:
    return _decode_backlen(last)


cdef inline uint32_t _header_size(const unsigned char* p) noexcept nogil:
    # bytes before the payload: tag plus length field (0 if unknown tag)
    cdef unsigned char b = p[0]
    if b < 0xE0 or b == 0xFF:
        return 1
    if b < 0xF0:
        return 2
    if b == 0xF0:
        return 5
    if b <= 0xF4:
        return 1
    return 0


cdef inline int64_t _sign_extend(uint64_t u, int bits) noexcept nogil:
    cdef uint64_t m = (<uint64_t>1) << (bits - 1)
    return <int64_t>(u ^ m) - <int64_t>m


cdef inline unsigned char* _get(unsigned char* p, int64_t* count, unsigned char* intbuf,
                                uint64_t* entry_size) noexcept nogil:
    # lp_get, also reporting the whole entry size (0 for an unknown tag).
    cdef unsigned char b = p[0]
    cdef uint64_t u, n
    cdef int64_t val
    if b < 0x80:
        val = b
        entry_size[0] = 2
    elif b < 0xC0:
        n = b & 0x3F
        count[0] = <int64_t>n
        entry_size[0] = 1 + n + 1
        return p + 1
    elif b < 0xE0:
        val = _sign_extend(((<uint64_t>(b & 0x1F)) << 8) | p[1], 13)
        entry_size[0] = 3
    elif b < 0xF0:
        n = ((<uint64_t>(b & 0x0F)) << 8) | p[1]
        count[0] = <int64_t>n
        entry_size[0] = 2 + n + lp_backlen_size(2 + n)
        return p + 2
    elif b == 0xF0:
        n = (<uint64_t>p[1]) | (<uint64_t>p[2] << 8) | (<uint64_t>p[3] << 16) | (<uint64_t>p[4] << 24)
        count[0] = <int64_t>n
        entry_size[0] = 5 + n + lp_backlen_size(5 + n)
        return p + 5
    elif b == 0xF1:
        val = _sign_extend((<uint64_t>p[1]) | (<uint64_t>p[2] << 8), 16)
        entry_size[0] = 4
    elif b == 0xF2:
        val = _sign_extend((<uint64_t>p[1]) | (<uint64_t>p[2] << 8) | (<uint64_t>p[3] << 16), 24)
        entry_size[0] = 5
    elif b == 0xF3:
        val = _sign_extend((<uint64_t>p[1]) | (<uint64_t>p[2] << 8) |
                           (<uint64_t>p[3] << 16) | (<uint64_t>p[4] << 24), 32)
        entry_size[0] = 6
    elif b == 0xF4:
        u = 0
        for n in range(8):
            u |= (<uint64_t>p[1 + n]) << (8 * n)
        val = <int64_t>u
        entry_size[0] = 10
    else:
        # Not a valid tag: report an unmistakable integer rather than crash,
        # like Redis does.
        val = <int64_t>12345678900000000LL + b
        entry_size[0] = 0
    if intbuf != NULL:
        count[0] = lp_int64_to_string(intbuf, val)
        return intbuf
    count[0] = val
    return NULL


cdef inline void _check_entry(unsigned char* lp, size_t lpbytes, unsigned char* p) noexcept nogil:
    # What Redis asserts on every step of a walk: the entry at p is whole.
    if not lp_validate_next(lp, &p, lpbytes):
        _corrupt(b"entry out of range or with a bad back-length")


# ---------------------------------------------------- numbers as strings --

cdef int lp_string_to_int64(const unsigned char* s, size_t slen, int64_t* value) noexcept nogil:
    cdef size_t i = 0
    cdef uint64_t acc, d
    cdef bint neg = False
    if slen == 0 or slen >= LP_INTBUF_SIZE:
        return 0
    if slen == 1 and s[0] == c'0':
        if value != NULL:
            value[0] = 0
        return 1
    if s[0] == c'-':
        if slen == 1:
            return 0
        neg = True
        i = 1
    # no leading zero, no "+", no "-0"
    if s[i] < c'1' or s[i] > c'9':
        return 0
    acc = s[i] - c'0'
    i += 1
    while i < slen:
        if s[i] < c'0' or s[i] > c'9':
            return 0
        d = s[i] - c'0'
        if acc > (UINT64_MAX - d) // 10:
            return 0
        acc = acc * 10 + d
        i += 1
    if neg:
        if acc > (<uint64_t>1 << 63):
            return 0
        if value != NULL:
            value[0] = <int64_t>(0 - acc)
    else:
        if acc > <uint64_t>INT64_MAX:
            return 0
        if value != NULL:
            value[0] = <int64_t>acc
    return 1


cdef int lp_int64_to_string(unsigned char* buf, int64_t v) noexcept nogil:
    cdef unsigned char tmp[20]
    cdef uint64_t u
    cdef int n = 0, i = 0, j
    if v < 0:
        u = (~<uint64_t>v) + 1
        buf[0] = c'-'
        i = 1
    else:
        u = <uint64_t>v
    while True:
        tmp[n] = c'0' + <unsigned char>(u % 10)
        n += 1
        u //= 10
        if u == 0:
            break
    for j in range(n):
        buf[i + j] = tmp[n - 1 - j]
    buf[i + n] = 0
    return i + n


# -------------------------------------------------------------- creation --

cdef unsigned char* lp_new(size_t capacity) noexcept nogil:
    cdef unsigned char* lp = <unsigned char*>malloc(
        capacity if capacity > LP_HDR_SIZE + 1 else LP_HDR_SIZE + 1)
    if lp == NULL:
        return NULL
    _set_total_bytes(lp, LP_HDR_SIZE + 1)
    _set_num_elements(lp, 0)
    lp[LP_HDR_SIZE] = LP_EOF
    return lp


cdef void lp_free(unsigned char* lp) noexcept nogil:
    free(lp)


cdef unsigned char* lp_shrink_to_fit(unsigned char* lp) noexcept nogil:
    cdef size_t size = lp_get_total_bytes(lp)
    cdef unsigned char* smaller
    if size < malloc_usable_size(lp):
        smaller = <unsigned char*>realloc(lp, size)
        if smaller != NULL:     # on failure the larger block is still good
            return smaller
    return lp


cdef int lp_safe_to_add(unsigned char* lp, size_t add) noexcept nogil:
    cdef size_t cur = lp_get_total_bytes(lp) if lp != NULL else 0
    return 1 if cur + add <= LP_MAX_SAFETY_SIZE else 0


# --------------------------------------------------------------- walking --

cdef unsigned char* lp_first(unsigned char* lp) noexcept nogil:
    cdef unsigned char* p = lp + LP_HDR_SIZE
    if p[0] == LP_EOF:
        return NULL
    _check_entry(lp, lp_get_total_bytes(lp), p)
    return p


cdef unsigned char* lp_next(unsigned char* lp, unsigned char* p) noexcept nogil:
    cdef size_t lpbytes = lp_get_total_bytes(lp)
    cdef uint32_t n = lp_encoded_size_unsafe(p)
    cdef size_t off = <size_t>(p - lp) + n + lp_backlen_size(n)
    if off >= lpbytes:
        _corrupt(b"next entry past the end")
    p = lp + off
    if p[0] == LP_EOF:
        return NULL
    _check_entry(lp, lpbytes, p)
    return p


cdef unsigned char* lp_prev(unsigned char* lp, unsigned char* p) noexcept nogil:
    cdef size_t off = <size_t>(p - lp)
    cdef uint64_t prevlen
    if off == LP_HDR_SIZE:
        return NULL
    prevlen = _decode_backlen(p - 1)
    if prevlen == UINT64_MAX:
        _corrupt(b"unreadable back-length")
    prevlen += lp_backlen_size(prevlen)
    if prevlen > off - LP_HDR_SIZE:
        _corrupt(b"back-length points before the first entry")
    p -= prevlen
    _check_entry(lp, lp_get_total_bytes(lp), p)
    return p


cdef unsigned char* lp_last(unsigned char* lp) noexcept nogil:
    # the previous entry of the terminator
    return lp_prev(lp, lp + lp_get_total_bytes(lp) - 1)


cdef unsigned long lp_length(unsigned char* lp) noexcept nogil:
    cdef uint32_t numele = lp_get_num_elements(lp)
    cdef unsigned long count = 0
    cdef unsigned char* p
    if numele != LP_HDR_NUMELE_UNKNOWN:
        return numele
    p = lp_first(lp)
    while p != NULL:
        count += 1
        p = lp_next(lp, p)
    if count < LP_HDR_NUMELE_UNKNOWN:
        _set_num_elements(lp, <uint32_t>count)
    return count


cdef unsigned char* lp_seek(unsigned char* lp, long index) noexcept nogil:
    cdef uint32_t numele = lp_get_num_elements(lp)
    cdef bint forward = True
    cdef unsigned char* p
    if numele != LP_HDR_NUMELE_UNKNOWN:
        if index < 0:
            index += <long>numele
        if index < 0 or index >= <long>numele:
            return NULL
        # walk from the nearer end; backwards walks count with negatives
        if index > <long>numele // 2:
            forward = False
            index -= <long>numele
    elif index < 0:
        forward = False     # unknown length: negatives walk from the tail
    if forward:
        p = lp_first(lp)
        while index > 0 and p != NULL:
            p = lp_next(lp, p)
            index -= 1
    else:
        p = lp_last(lp)
        while index < -1 and p != NULL:
            p = lp_prev(lp, p)
            index += 1
    return p


# --------------------------------------------------------------- reading --

cdef unsigned char* lp_get(unsigned char* p, int64_t* count, unsigned char* intbuf) noexcept nogil:
    cdef uint64_t esize
    return _get(p, count, intbuf, &esize)


cdef unsigned char* lp_get_value(unsigned char* p, unsigned int* slen, long long* lval) noexcept nogil:
    cdef int64_t n
    cdef uint64_t esize
    cdef unsigned char* s = _get(p, &n, NULL, &esize)
    if s != NULL:
        slen[0] = <unsigned int>n
    else:
        lval[0] = n
    return s


cdef uint32_t lp_entry_size(unsigned char* p) noexcept nogil:
    cdef uint32_t n = lp_encoded_size_unsafe(p)
    return n + lp_backlen_size(n)


cdef unsigned int lp_compare(unsigned char* p, const unsigned char* s, uint32_t slen) noexcept nogil:
    cdef int64_t n, sval
    cdef uint64_t esize
    cdef unsigned char* v
    if p[0] == LP_EOF:
        return 0
    v = _get(p, &n, NULL, &esize)
    if v != NULL:
        return 1 if <uint64_t>n == slen and memcmp(v, s, slen) == 0 else 0
    # integers compare as numbers: parsing s beats printing the entry
    if lp_string_to_int64(s, slen, &sval):
        return 1 if n == sval else 0
    return 0


cdef unsigned char* lp_find(unsigned char* lp, unsigned char* p, const unsigned char* s,
                            uint32_t slen, unsigned int skip) noexcept nogil:
    cdef unsigned int skipcnt = 0
    cdef int s_is_int = -1          # -1: not looked at yet
    cdef int64_t n, sval = 0
    cdef uint64_t esize
    cdef unsigned char* v
    cdef size_t lpbytes = lp_get_total_bytes(lp)
    cdef size_t off
    while True:
        if skipcnt == 0:
            v = _get(p, &n, NULL, &esize)
            off = <size_t>(p - lp)
            if esize == 0 or esize >= lpbytes - off:
                _corrupt(b"entry runs past the end")
            if v != NULL:
                if <uint64_t>n == slen and memcmp(v, s, slen) == 0:
                    return p
            else:
                if s_is_int == -1:
                    s_is_int = 1 if (slen < LP_FIND_INT_MAXLEN and
                                     lp_string_to_int64(s, slen, &sval)) else 0
                if s_is_int == 1 and n == sval:
                    return p
            skipcnt = skip
            p += esize
        else:
            skipcnt -= 1
            p = lp_skip(p)
        # The next _get may read up to 9 bytes at p: do the full check only
        # near the end, a bounds test elsewhere.
        off = <size_t>(p - lp)
        if off + 8 >= lpbytes:
            _check_entry(lp, lpbytes, p)
        elif off < LP_HDR_SIZE:
            _corrupt(b"entry before the header end")
        if p[0] == LP_EOF:
            return NULL


# -------------------------------------------------------------- changing --

cdef unsigned char* _insert(unsigned char* lp, const unsigned char* s, const unsigned char* intenc,
                            uint32_t size, unsigned char* p, int where,
                            unsigned char** newp) noexcept nogil:
    # The one editing primitive: with s, insert/replace the string s[0:size];
    # with intenc, the ready integer encoding of `size` bytes; with neither,
    # delete the entry at p (a replace by nothing).
    cdef unsigned char intbuf[LP_MAX_INT_ENCODING_LEN]
    cdef unsigned char backlen[LP_MAX_BACKLEN_SIZE]
    cdef bint delete = s == NULL and intenc == NULL
    cdef bint as_int = False
    cdef uint64_t enclen = 0
    cdef uint32_t backlen_size = 0, replaced_len = 0, numele
    cdef uint64_t old_bytes, new_bytes
    cdef size_t poff
    cdef int64_t v
    cdef unsigned char* dst
    cdef unsigned char* grown

    if delete:
        where = LP_REPLACE
    if where == LP_AFTER:
        p = lp_skip(p)
        where = LP_BEFORE
    poff = <size_t>(p - lp)

    if s != NULL:
        if lp_string_to_int64(s, size, &v):
            enclen = _encode_int(v, intbuf)
            intenc = intbuf
            as_int = True
        else:
            enclen = _string_enc_len(size)
    elif intenc != NULL:
        enclen = size
        as_int = True
    if not delete:
        backlen_size = _encode_backlen(backlen, enclen)

    old_bytes = lp_get_total_bytes(lp)
    if where == LP_REPLACE:
        replaced_len = lp_entry_size(p)
        if poff < LP_HDR_SIZE or poff + replaced_len >= old_bytes:
            _corrupt(b"replaced entry out of range")
    new_bytes = old_bytes + enclen + backlen_size - replaced_len
    if new_bytes > UINT32_MAX:
        return NULL

    dst = lp + poff
    if new_bytes > old_bytes and new_bytes > malloc_usable_size(lp):
        grown = <unsigned char*>realloc(lp, new_bytes)
        if grown == NULL:
            return NULL
        lp = grown
        dst = lp + poff

    # open (or close) the gap, then write into it
    if where == LP_BEFORE:
        memmove(dst + enclen + backlen_size, dst, old_bytes - poff)
    else:
        memmove(dst + enclen + backlen_size, dst + replaced_len, old_bytes - poff - replaced_len)
    if new_bytes < old_bytes:
        grown = <unsigned char*>realloc(lp, new_bytes)
        if grown != NULL:   # a failed shrink keeps the larger, valid block
            lp = grown
            dst = lp + poff

    if newp != NULL:
        newp[0] = dst
        if delete and dst[0] == LP_EOF:
            newp[0] = NULL
    if not delete:
        if as_int:
            memcpy(dst, intenc, enclen)
        else:
            _encode_string(dst, s, size)
        memcpy(dst + enclen, backlen, backlen_size)

    if where != LP_REPLACE or delete:
        numele = lp_get_num_elements(lp)
        if numele != LP_HDR_NUMELE_UNKNOWN:
            _set_num_elements(lp, numele - 1 if delete else numele + 1)
    _set_total_bytes(lp, <uint32_t>new_bytes)
    return lp


cdef unsigned char* lp_insert_string(unsigned char* lp, const unsigned char* s, uint32_t slen,
                                     unsigned char* p, int where, unsigned char** newp) noexcept nogil:
    # a zero-length string still needs a non-NULL pointer to mean "string"
    return _insert(lp, s if s != NULL else _empty_str, NULL, slen, p, where, newp)


cdef unsigned char* lp_insert_int64(unsigned char* lp, long long v,
                                    unsigned char* p, int where, unsigned char** newp) noexcept nogil:
    cdef unsigned char enc[LP_MAX_INT_ENCODING_LEN]
    cdef uint32_t n = _encode_int(v, enc)
    return _insert(lp, NULL, enc, n, p, where, newp)


cdef unsigned char* lp_append(unsigned char* lp, const unsigned char* s, uint32_t slen) noexcept nogil:
    return lp_insert_string(lp, s, slen, lp + lp_get_total_bytes(lp) - 1, LP_BEFORE, NULL)


cdef unsigned char* lp_append_int64(unsigned char* lp, long long v) noexcept nogil:
    return lp_insert_int64(lp, v, lp + lp_get_total_bytes(lp) - 1, LP_BEFORE, NULL)


cdef unsigned char* lp_prepend(unsigned char* lp, const unsigned char* s, uint32_t slen) noexcept nogil:
    # before the first entry, which is the terminator when empty
    return lp_insert_string(lp, s, slen, lp + LP_HDR_SIZE, LP_BEFORE, NULL)


cdef unsigned char* lp_prepend_int64(unsigned char* lp, long long v) noexcept nogil:
    return lp_insert_int64(lp, v, lp + LP_HDR_SIZE, LP_BEFORE, NULL)


cdef unsigned char* lp_replace(unsigned char* lp, unsigned char** p,
                               const unsigned char* s, uint32_t slen) noexcept nogil:
    return lp_insert_string(lp, s, slen, p[0], LP_REPLACE, p)


cdef unsigned char* lp_replace_int64(unsigned char* lp, unsigned char** p, long long v) noexcept nogil:
    return lp_insert_int64(lp, v, p[0], LP_REPLACE, p)


cdef unsigned char* lp_delete(unsigned char* lp, unsigned char* p, unsigned char** newp) noexcept nogil:
    return _insert(lp, NULL, NULL, 0, p, LP_REPLACE, newp)


cdef unsigned char* lp_delete_range_with_entry(unsigned char* lp, unsigned char** p,
                                               unsigned long num) noexcept nogil:
    cdef size_t lpbytes = lp_get_total_bytes(lp)
    cdef unsigned char* first = p[0]
    cdef unsigned char* tail = first
    cdef unsigned long deleted = 0
    cdef size_t poff = <size_t>(first - lp)
    cdef uint32_t numele
    if num == 0:
        return lp
    # Count what is really there: a corrupt header count must not make us
    # walk past the terminator.
    while num > 0:
        num -= 1
        deleted += 1
        tail = lp_skip(tail)
        if <size_t>(tail - lp) >= lpbytes:
            _corrupt(b"deleted range runs past the end")
        if tail[0] == LP_EOF:
            break
        _check_entry(lp, lpbytes, tail)
    memmove(first, tail, lpbytes - <size_t>(tail - lp))
    _set_total_bytes(lp, <uint32_t>(lpbytes - <size_t>(tail - first)))
    numele = lp_get_num_elements(lp)
    if numele != LP_HDR_NUMELE_UNKNOWN:
        _set_num_elements(lp, <uint32_t>(numele - deleted))
    lp = lp_shrink_to_fit(lp)
    p[0] = lp + poff
    if p[0][0] == LP_EOF:
        p[0] = NULL
    return lp


cdef unsigned char* lp_delete_range(unsigned char* lp, long index, unsigned long num) noexcept nogil:
    cdef uint32_t numele = lp_get_num_elements(lp)
    cdef unsigned char* p
    if num == 0:
        return lp
    p = lp_seek(lp, index)
    if p == NULL:
        return lp
    if numele != LP_HDR_NUMELE_UNKNOWN:
        if index < 0:
            index += <long>numele
        if <unsigned long>numele - <unsigned long>index <= num:
            # everything from p on goes: just move the terminator
            p[0] = LP_EOF
            _set_total_bytes(lp, <uint32_t>(p - lp + 1))
            _set_num_elements(lp, <uint32_t>index)
            return lp_shrink_to_fit(lp)
    return lp_delete_range_with_entry(lp, &p, num)


cdef unsigned char* lp_batch_delete(unsigned char* lp, unsigned char** ps, unsigned long count) noexcept nogil:
    cdef size_t lpbytes = lp_get_total_bytes(lp)
    cdef unsigned char* dst
    cdef unsigned char* keep
    cdef unsigned char* keep_end
    cdef unsigned long i
    cdef uint32_t numele
    if count == 0:
        return lp
    # slide each kept run (between deleted entries, then up to and with the
    # terminator) down over the gaps
    dst = ps[0]
    for i in range(count):
        keep = lp_skip(ps[i])
        keep_end = ps[i + 1] if i + 1 < count else lp + lpbytes
        if keep > keep_end or <size_t>(keep - lp) >= lpbytes:
            _corrupt(b"batch delete entries overlap or run past the end")
        memmove(dst, keep, <size_t>(keep_end - keep))
        dst += keep_end - keep
    _set_total_bytes(lp, <uint32_t>(dst - lp))
    numele = lp_get_num_elements(lp)
    if numele != LP_HDR_NUMELE_UNKNOWN:
        _set_num_elements(lp, <uint32_t>(numele - count))
    return lp_shrink_to_fit(lp)


cdef unsigned char* lp_merge(unsigned char** first, unsigned char** second) noexcept nogil:
    cdef unsigned char* target
    cdef unsigned char* source
    cdef size_t first_bytes, second_bytes, target_bytes, source_bytes
    cdef unsigned long long total
    cdef unsigned long length
    cdef bint append
    if first == NULL or first[0] == NULL or second == NULL or second[0] == NULL:
        return NULL
    if first[0] == second[0]:
        return NULL
    first_bytes = lp_get_total_bytes(first[0])
    second_bytes = lp_get_total_bytes(second[0])
    total = <unsigned long long>first_bytes + second_bytes - LP_HDR_SIZE - 1
    if total >= UINT32_MAX:
        return NULL
    length = lp_length(first[0]) + lp_length(second[0])
    if length > LP_HDR_NUMELE_UNKNOWN:
        length = LP_HDR_NUMELE_UNKNOWN
    # grow the larger block in place: less to copy
    append = first_bytes >= second_bytes
    if append:
        target = first[0]
        target_bytes = first_bytes
        source = second[0]
        source_bytes = second_bytes
    else:
        target = second[0]
        target_bytes = second_bytes
        source = first[0]
        source_bytes = first_bytes
    target = <unsigned char*>realloc(target, total)
    if target == NULL:
        return NULL
    if append:
        # [target entries][source entries + terminator]
        memcpy(target + target_bytes - 1, source + LP_HDR_SIZE, source_bytes - LP_HDR_SIZE)
    else:
        # [header + source entries][target entries + terminator]
        memmove(target + source_bytes - 1, target + LP_HDR_SIZE, target_bytes - LP_HDR_SIZE)
        memcpy(target, source, source_bytes - 1)
    _set_num_elements(target, <uint32_t>length)
    _set_total_bytes(target, <uint32_t>total)
    free(source)
    if append:
        first[0] = target
        second[0] = NULL
    else:
        first[0] = NULL
        second[0] = target
    return target


# ------------------------------------------------------------ validation --

cdef unsigned char* lp_validate_first(unsigned char* lp) noexcept nogil:
    cdef unsigned char* p = lp + LP_HDR_SIZE
    return NULL if p[0] == LP_EOF else p


cdef int lp_validate_next(unsigned char* lp, unsigned char** pp, size_t lpbytes) noexcept nogil:
    # Offsets rather than pointers: a corrupt 32-bit length must not wrap.
    cdef unsigned char* p = pp[0]
    cdef size_t off, last = lpbytes - 1
    cdef uint64_t hdr, enc, bl, entrylen
    if p == NULL or p < lp + LP_HDR_SIZE:
        return 0
    off = <size_t>(p - lp)
    if off > last:
        return 0
    if p[0] == LP_EOF:
        pp[0] = NULL
        return 1
    hdr = _header_size(p)
    if hdr == 0 or off + hdr > last:
        return 0
    enc = lp_encoded_size_unsafe(p)
    bl = lp_backlen_size(enc)
    entrylen = enc + bl
    if off + entrylen > last:
        return 0
    # the back-length must describe this very entry
    if _decode_backlen(p + entrylen - 1) != enc:
        return 0
    pp[0] = p + entrylen
    return 1


cdef int lp_validate_integrity_cb(unsigned char* lp, size_t size, int deep,
                                  lp_validate_entry_fn cb, void* userdata) noexcept nogil:
    cdef uint32_t numele, count = 0
    cdef unsigned char* p
    cdef unsigned char* prev
    if size < LP_HDR_SIZE + 1:
        return 0
    if lp_get_total_bytes(lp) != size:
        return 0
    if lp[size - 1] != LP_EOF:
        return 0
    if not deep:
        return 1
    numele = lp_get_num_elements(lp)
    p = lp + LP_HDR_SIZE
    while p != NULL and p[0] != LP_EOF:
        prev = p
        if not lp_validate_next(lp, &p, size):
            return 0
        if cb != NULL and not cb(prev, numele, userdata):
            return 0
        count += 1
    # the walk must land exactly on the final terminator, not an early 0xFF
    if p != lp + size - 1:
        return 0
    if numele != LP_HDR_NUMELE_UNKNOWN and numele != count:
        return 0
    return 1


cdef int lp_validate_integrity(unsigned char* lp, size_t size, int deep) noexcept nogil:
    return lp_validate_integrity_cb(lp, size, deep, NULL, NULL)


# ---------------------------------------------------------------- random --

from rkvd._core.lib.util cimport rand64 as _rand64, rand64_seed


cdef void lp_random_seed(uint64_t seed) noexcept nogil:
    rand64_seed(seed)


cdef inline void _read_entry(unsigned char* p, lpEntry* out) noexcept nogil:
    cdef unsigned int slen = 0
    cdef long long lval = 0
    out.sval = lp_get_value(p, &slen, &lval)
    out.slen = slen
    out.lval = lval


cdef void lp_random_pair(unsigned char* lp, unsigned long total_count,
                         lpEntry* key, lpEntry* val) noexcept nogil:
    cdef unsigned char* p
    if total_count == 0:
        _corrupt(b"random pair from an empty listpack")
    p = lp_seek(lp, <long>((_rand64() % total_count) * 2))
    if p == NULL:
        _corrupt(b"random pair index out of range")
    _read_entry(p, key)
    if val == NULL:
        return
    p = lp_next(lp, p)
    if p == NULL:
        _corrupt(b"field without a value")
    _read_entry(p, val)


ctypedef struct _Pick:
    unsigned long index
    unsigned long order


cdef int _pick_cmp(const void* a, const void* b) noexcept nogil:
    cdef unsigned long x = (<const _Pick*>a).index
    cdef unsigned long y = (<const _Pick*>b).index
    return -1 if x < y else (1 if x > y else 0)


cdef int lp_random_pairs(unsigned char* lp, unsigned int count,
                         lpEntry* keys, lpEntry* vals) noexcept nogil:
    cdef unsigned long total = lp_length(lp) // 2
    cdef unsigned long i, pi = 0, lpindex
    cdef unsigned char* p
    cdef lpEntry k, v
    cdef _Pick* picks
    if count == 0:
        return 0
    if total == 0:
        return -1
    picks = <_Pick*>malloc(count * sizeof(_Pick))
    if picks == NULL:
        return -1
    for i in range(count):
        picks[i].index = (_rand64() % total) * 2
        picks[i].order = i
    # one forward walk serves all picks once they are sorted by position
    qsort(picks, count, sizeof(_Pick), _pick_cmp)
    lpindex = picks[0].index
    p = lp_seek(lp, <long>lpindex)
    while p != NULL and pi < count:
        _read_entry(p, &k)
        p = lp_next(lp, p)
        if p == NULL:
            _corrupt(b"field without a value")
        _read_entry(p, &v)
        while pi < count and picks[pi].index == lpindex:
            keys[picks[pi].order] = k
            if vals != NULL:
                vals[picks[pi].order] = v
            pi += 1
        lpindex += 2
        p = lp_next(lp, p)
    free(picks)
    if pi < count:
        _corrupt(b"fewer pairs than counted")
    return 0


cdef unsigned int lp_random_pairs_unique(unsigned char* lp, unsigned int count,
                                         lpEntry* keys, lpEntry* vals) noexcept nogil:
    # Selection sampling in one pass: take each pair with probability
    # (still wanted) / (still unseen), which picks a uniform subset.
    cdef unsigned long total = lp_length(lp) // 2
    cdef unsigned long index = 0
    cdef unsigned int picked = 0, remaining
    cdef unsigned char* p
    cdef double r, threshold
    if count > total:
        count = <unsigned int>total
    remaining = count
    p = lp_first(lp)
    while picked < count and p != NULL:
        r = <double>(_rand64() >> 11) * (1.0 / 9007199254740992.0)
        threshold = <double>remaining / <double>(total - index)
        if r <= threshold:
            _read_entry(p, &keys[picked])
            p = lp_next(lp, p)
            if p == NULL:
                _corrupt(b"field without a value")
            if vals != NULL:
                _read_entry(p, &vals[picked])
            remaining -= 1
            picked += 1
        else:
            p = lp_next(lp, p)
            if p == NULL:
                _corrupt(b"field without a value")
        p = lp_next(lp, p)
        index += 1
    return picked
