# Bitmaps and BITFIELD (Redis's bitops.c). A bitmap is an ordinary string
# value, so GET returns exactly the bytes redis-server holds. Bit 0 is the
# most significant bit of the first byte; bytes past the end read as zero.
# Writers go through string_make_raw and grow the bytearray zero-filled.

# Word-at-a-time kernels in C: GCC's `target` attribute lets the popcount use
# the POPCNT instruction when the CPU has it without building the whole
# module for that CPU.
cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>

    static inline uint64_t rk_load64(const unsigned char *p) {
        uint64_t w; memcpy(&w, p, 8); return w;
    }
    static inline void rk_store64(unsigned char *p, uint64_t w) { memcpy(p, &w, 8); }

    static uint64_t rk_popcount_swar(const unsigned char *p, size_t n) {
        uint64_t total = 0, w;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            w = rk_load64(p + i);
            w = w - ((w >> 1) & 0x5555555555555555ULL);
            w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
            w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
            total += (w * 0x0101010101010101ULL) >> 56;
        }
        for (; i < n; i++) total += (uint64_t)__builtin_popcount(p[i]);
        return total;
    }

    #if defined(__x86_64__) && defined(__GNUC__)
    __attribute__((target("popcnt")))
    static uint64_t rk_popcount_hw(const unsigned char *p, size_t n) {
        uint64_t a = 0, b = 0, c = 0, d = 0;
        size_t i = 0;
        /* four independent sums keep the POPCNT units busy */
        for (; i + 32 <= n; i += 32) {
            a += (uint64_t)__builtin_popcountll(rk_load64(p + i));
            b += (uint64_t)__builtin_popcountll(rk_load64(p + i + 8));
            c += (uint64_t)__builtin_popcountll(rk_load64(p + i + 16));
            d += (uint64_t)__builtin_popcountll(rk_load64(p + i + 24));
        }
        for (; i + 8 <= n; i += 8) a += (uint64_t)__builtin_popcountll(rk_load64(p + i));
        for (; i < n; i++) a += (uint64_t)__builtin_popcount(p[i]);
        return a + b + c + d;
    }
    static int rk_has_popcnt = -1;
    static uint64_t rk_popcount(const unsigned char *p, size_t n) {
        if (rk_has_popcnt < 0) {
            __builtin_cpu_init();
            rk_has_popcnt = __builtin_cpu_supports("popcnt") ? 1 : 0;
        }
        return rk_has_popcnt ? rk_popcount_hw(p, n) : rk_popcount_swar(p, n);
    }
    #else
    static uint64_t rk_popcount(const unsigned char *p, size_t n) {
        return rk_popcount_swar(p, n);
    }
    #endif
    """
    uint64_t rk_load64(const unsigned char* p) noexcept nogil
    void rk_store64(unsigned char* p, uint64_t w) noexcept nogil
    uint64_t rk_popcount(const unsigned char* p, size_t n) noexcept nogil
    int __builtin_clz(unsigned int x) noexcept nogil

cdef enum:
    BITOP_AND = 0
    BITOP_OR = 1
    BITOP_XOR = 2
    BITOP_NOT = 3
    BITFIELDOP_GET = 0
    BITFIELDOP_SET = 1
    BITFIELDOP_INCRBY = 2
    BFOVERFLOW_WRAP = 0
    BFOVERFLOW_SAT = 1
    BFOVERFLOW_FAIL = 2

cdef const char* ERR_BIT_OFFSET = b"bit offset is not an integer or out of range"
cdef const char* ERR_BIT_VALUE = b"bit is not an integer or out of range"
cdef const char* ERR_BITFIELD_TYPE = (b"Invalid bitfield type. Use something like i16 u8. "
                                      b"Note that u64 is not supported but i64 is.")

# ------------------------------------------------------------------ arguments and scans

# Redis hands some arguments to C string functions (strcasecmp, strlen), which
# stop at the first NUL byte; these mirror that.
cdef inline Py_ssize_t cstr_len(const char* p, Py_ssize_t n) noexcept:
    cdef const char* z = <const char*>memchr(p, 0, n)
    return n if z == NULL else z - p

cdef bint arg_cstr_is(Client c, int i, const char* lower) noexcept:
    cdef Py_ssize_t n = cstr_len(c.argv[i].ptr, c.argv[i].len)
    cdef Py_ssize_t k
    if n != <Py_ssize_t>strlen(lower):
        return False
    for k in range(n):
        if tolower(<unsigned char>c.argv[i].ptr[k]) != lower[k]:
            return False
    return True

# Number of set bits in p[0:n].
cdef inline long long popcount(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    if n <= 0:
        return 0
    return <long long>rk_popcount(p, <size_t>n)

# Position of the first `bit` in p[0:n], counting bit 0 as the MSB of p[0].
# Past the end the string counts as zero-padded: looking for 0 in all-ones
# bytes gives n * 8; looking for 1 in all-zero bytes gives -1.
cdef long long bitpos_scan(const unsigned char* p, Py_ssize_t n, int bit) noexcept nogil:
    cdef unsigned char skip = 0 if bit else 0xFF
    cdef uint64_t wskip = 0 if bit else 0xFFFFFFFFFFFFFFFFULL
    cdef Py_ssize_t i = 0
    cdef unsigned int b
    while i + 8 <= n and rk_load64(p + i) == wskip:
        i += 8
    while i < n and p[i] == skip:
        i += 1
    if i == n:
        return -1 if bit else <long long>n * 8
    b = p[i] if bit else (~p[i]) & 0xFF
    return <long long>i * 8 + (__builtin_clz(b) - 24)

# Parse a bit offset argument (Redis's getBitOffsetFromArgument). With
# `hash` and bits > 0, "#N" means N * bits. Replies the error and returns 0
# when invalid or beyond proto-max-bulk-len bytes.
cdef int get_bit_offset(Client c, int i, uint64_t* out, bint hash, int bits) except -1:
    cdef const char* p = c.argv[i].ptr
    cdef Py_ssize_t n = c.argv[i].len
    cdef int usehash = 1 if (hash and bits > 0 and n > 0 and p[0] == b'#') else 0
    cdef long long off
    if not string2ll(p + usehash, n - usehash, &off):
        c.add_error(ERR_BIT_OFFSET, strlen(ERR_BIT_OFFSET))
        return 0
    if usehash:
        off = <long long>(<uint64_t>off * <uint64_t>bits)   # wraps like Redis
    if off < 0 or (off >> 3) >= c.engine.proto_max_bulk_len:
        c.add_error(ERR_BIT_OFFSET, strlen(ERR_BIT_OFFSET))
        return 0
    out[0] = <uint64_t>off
    return 1

# "i<bits>" (1..64) or "u<bits>" (1..63). The digits are read up to the first
# NUL, as Redis reads them with strlen.
cdef int get_bitfield_type(Client c, int i, int* sign, int* bits) except -1:
    cdef const char* p = c.argv[i].ptr
    cdef Py_ssize_t n = c.argv[i].len
    cdef long long ll
    if n > 0 and p[0] == b'i':
        sign[0] = 1
    elif n > 0 and p[0] == b'u':
        sign[0] = 0
    else:
        c.add_error(ERR_BITFIELD_TYPE, strlen(ERR_BITFIELD_TYPE))
        return 0
    if not string2ll(p + 1, cstr_len(p + 1, n - 1), &ll) or ll < 1 or \
            (sign[0] == 1 and ll > 64) or (sign[0] == 0 and ll > 63):
        c.add_error(ERR_BITFIELD_TYPE, strlen(ERR_BITFIELD_TYPE))
        return 0
    bits[0] = <int>ll
    return 1

# The key's string as a bytearray at least (maxbit / 8) + 1 bytes long,
# created or zero-extended as needed (Redis's lookupStringForBitCommand).
# *dirty is set when the key was created or grew. None after a WRONGTYPE reply.
cdef object lookup_string_for_bit(Client c, uint64_t maxbit, bint* dirty):
    cdef Database db = c.db
    cdef Py_ssize_t need = <Py_ssize_t>(maxbit >> 3) + 1
    cdef Py_ssize_t old
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    dirty[0] = False
    if e != NULL and entry_type(e) != OBJ_STRING:
        c.add_wrongtype()
        return None
    if e == NULL:
        ba = PyByteArray_FromStringAndSize(NULL, need)
        memset(PyByteArray_AS_STRING(ba), 0, need)
        db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_STRING, ba, False)
        dirty[0] = True
        return ba
    ba = string_make_raw(db, c, 1, e)
    old = PyByteArray_GET_SIZE(ba)
    if need > old:
        PyByteArray_Resize(ba, need)
        memset(PyByteArray_AS_STRING(ba) + old, 0, need - old)
        dirty[0] = True
    return ba

# ------------------------------------------------------------------ bitfield integers

# Read `bits` (1..64) bits starting at bit `offset` as an unsigned integer,
# MSB first; bytes at or past plen read as zero.
cdef uint64_t bf_get_unsigned(const unsigned char* p, Py_ssize_t plen, uint64_t offset, int bits) noexcept nogil:
    cdef uint64_t end = offset + <uint64_t>bits
    cdef uint64_t b = offset >> 3
    cdef uint64_t last = (end - 1) >> 3
    cdef uint64_t v = 0
    cdef unsigned int lo, hi, byte
    while b <= last:
        byte = p[b] if b < <uint64_t>plen else 0
        lo = <unsigned int>(offset - b * 8) if offset > b * 8 else 0
        hi = <unsigned int>(end - b * 8) if end < b * 8 + 8 else 8
        v = (v << (hi - lo)) | ((byte >> (8 - hi)) & ((1u << (hi - lo)) - 1))
        b += 1
    return v

cdef inline int64_t bf_get_signed(const unsigned char* p, Py_ssize_t plen, uint64_t offset, int bits) noexcept nogil:
    cdef uint64_t v = bf_get_unsigned(p, plen, offset, bits)
    if bits < 64 and (v >> (bits - 1)) & 1:
        v |= 0xFFFFFFFFFFFFFFFFULL << bits
    return <int64_t>v

# Store the low `bits` bits of value at bit `offset`; p must hold the bytes.
cdef void bf_set(unsigned char* p, uint64_t offset, int bits, uint64_t value) noexcept nogil:
    cdef uint64_t end = offset + <uint64_t>bits
    cdef uint64_t b = offset >> 3
    cdef uint64_t last = (end - 1) >> 3
    cdef unsigned int lo, hi, mask, piece
    while b <= last:
        lo = <unsigned int>(offset - b * 8) if offset > b * 8 else 0
        hi = <unsigned int>(end - b * 8) if end < b * 8 + 8 else 8
        mask = ((1u << (hi - lo)) - 1) << (8 - hi)
        piece = <unsigned int>((value >> (end - b * 8 - hi)) << (8 - hi)) & mask
        p[b] = <unsigned char>((p[b] & ~mask) | piece)
        b += 1

# Overflow checks with Redis's exact semantics, quirks included (a SET of a
# negative value into an unsigned field saturates to the maximum). Return 0,
# 1 (overflow) or -1 (underflow); *limit is the WRAP or SAT result.
cdef int bf_check_unsigned(uint64_t value, int64_t incr, int bits, int owtype, uint64_t* limit) noexcept nogil:
    cdef uint64_t maxv = 0xFFFFFFFFFFFFFFFFULL if bits == 64 else ((<uint64_t>1 << bits) - 1)
    cdef int64_t maxincr = <int64_t>(maxv - value)
    cdef int64_t minincr = <int64_t>(<uint64_t>0 - value)
    cdef int r = 0
    if value > maxv or (incr > 0 and incr > maxincr):
        r = 1
        if owtype == BFOVERFLOW_SAT:
            limit[0] = maxv
    elif incr < 0 and incr < minincr:
        r = -1
        if owtype == BFOVERFLOW_SAT:
            limit[0] = 0
    if r != 0 and owtype == BFOVERFLOW_WRAP:
        limit[0] = (value + <uint64_t>incr) & ~(0xFFFFFFFFFFFFFFFFULL << bits) if bits < 64 \
            else value + <uint64_t>incr
    return r

cdef int bf_check_signed(int64_t value, int64_t incr, int bits, int owtype, int64_t* limit) noexcept nogil:
    cdef int64_t maxv = INT64_MAX if bits == 64 else ((<int64_t>1 << (bits - 1)) - 1)
    cdef int64_t minv = -maxv - 1
    # computed in unsigned arithmetic, as Redis does, so they wrap
    cdef int64_t maxincr = <int64_t>(<uint64_t>maxv - <uint64_t>value)
    cdef int64_t minincr = <int64_t>(<uint64_t>minv - <uint64_t>value)
    cdef uint64_t c, msb
    cdef int r = 0
    if value > maxv or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
        r = 1
        if owtype == BFOVERFLOW_SAT:
            limit[0] = maxv
    elif value < minv or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
        r = -1
        if owtype == BFOVERFLOW_SAT:
            limit[0] = minv
    if r != 0 and owtype == BFOVERFLOW_WRAP:
        c = <uint64_t>value + <uint64_t>incr
        if bits < 64:
            msb = <uint64_t>1 << (bits - 1)
            if c & msb:
                c |= 0xFFFFFFFFFFFFFFFFULL << bits
            else:
                c &= ~(0xFFFFFFFFFFFFFFFFULL << bits)
        limit[0] = <int64_t>c
    return r

# ------------------------------------------------------------------ BITOP kernels

cdef void bitop_pair(int op, unsigned char* dst, const unsigned char* a, const unsigned char* b,
                     Py_ssize_t n) noexcept nogil:
    # dst[i] = a[i] op b[i]; dst may be a
    cdef Py_ssize_t i = 0
    if op == BITOP_AND:
        while i + 8 <= n:
            rk_store64(dst + i, rk_load64(a + i) & rk_load64(b + i))
            i += 8
        while i < n:
            dst[i] = a[i] & b[i]
            i += 1
    elif op == BITOP_OR:
        while i + 8 <= n:
            rk_store64(dst + i, rk_load64(a + i) | rk_load64(b + i))
            i += 8
        while i < n:
            dst[i] = a[i] | b[i]
            i += 1
    else:
        while i + 8 <= n:
            rk_store64(dst + i, rk_load64(a + i) ^ rk_load64(b + i))
            i += 8
        while i < n:
            dst[i] = a[i] ^ b[i]
            i += 1

cdef void bitop_not(unsigned char* dst, const unsigned char* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        rk_store64(dst + i, ~rk_load64(a + i))
        i += 8
    while i < n:
        dst[i] = ~a[i]
        i += 1

# res[0:maxlen] = src[0] op src[1] op ...; shorter sources count as
# zero-padded to maxlen.
cdef void bitop_compute(int op, const unsigned char** src, Py_ssize_t* lens, Py_ssize_t numkeys,
                        unsigned char* res, Py_ssize_t maxlen, Py_ssize_t minlen) noexcept nogil:
    cdef Py_ssize_t k, m, l0, l1
    if op == BITOP_NOT:
        bitop_not(res, src[0], lens[0])
        return
    if numkeys == 1:
        memcpy(res, src[0], lens[0])
        return
    if op == BITOP_AND:
        # everything past the shortest source ANDs with zero padding
        bitop_pair(op, res, src[0], src[1], minlen)
        for k in range(2, numkeys):
            bitop_pair(op, res, res, src[k], minlen)
        memset(res + minlen, 0, maxlen - minlen)
        return
    # OR / XOR: zero padding leaves the longer side as it is
    l0 = lens[0]
    l1 = lens[1]
    m = l0 if l0 < l1 else l1
    bitop_pair(op, res, src[0], src[1], m)
    if l0 > m:
        memcpy(res + m, src[0] + m, l0 - m)
    elif l1 > m:
        memcpy(res + m, src[1] + m, l1 - m)
    m = l0 if l0 > l1 else l1
    memset(res + m, 0, maxlen - m)
    for k in range(2, numkeys):
        bitop_pair(op, res, res, src[k], lens[k])

# ------------------------------------------------------------------ SETBIT / GETBIT

cdef int cmd_setbit(Client c) except -1:
    cdef uint64_t off
    cdef long long on
    cdef bint dirty = False
    cdef unsigned char* p
    cdef Py_ssize_t byte
    cdef int bit, old
    if not get_bit_offset(c, 2, &off, False, 0):
        return 0
    if not string2ll(c.argv[3].ptr, c.argv[3].len, &on) or (on & ~1):
        return c.add_error(ERR_BIT_VALUE, strlen(ERR_BIT_VALUE))
    ba = lookup_string_for_bit(c, off, &dirty)
    if ba is None:
        return 0
    p = <unsigned char*>PyByteArray_AS_STRING(ba)
    byte = <Py_ssize_t>(off >> 3)
    bit = 7 - <int>(off & 7)
    old = (p[byte] >> bit) & 1
    if dirty or old != on:
        p[byte] = <unsigned char>((p[byte] & ~(1 << bit)) | (<int>on << bit))
        c.engine.dirty += 1
        notify(c, NOTIFY_STRING, b"setbit", 1)
    return c.add_raw(b":1\r\n" if old else b":0\r\n", 4)

cdef int cmd_getbit(Client c) except -1:
    cdef uint64_t off
    cdef dictEntry* e
    cdef char tmp[24]
    cdef Py_ssize_t n
    cdef const unsigned char* p
    cdef uint64_t byte
    if not get_bit_offset(c, 2, &off, False, 0):
        return 0
    e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    p = <const unsigned char*>string_value(e, tmp, &n)
    byte = off >> 3
    if byte < <uint64_t>n and (p[byte] >> (7 - (off & 7))) & 1:
        return c.add_canned(b":1\r\n")
    return c.add_canned(b":0\r\n")

# ------------------------------------------------------------------ BITCOUNT / BITPOS

cdef int cmd_bitcount(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef char tmp[24]
    cdef Py_ssize_t slen
    cdef const unsigned char* p
    cdef long long start = 0, end = 0, totlen, count
    cdef bint isbit = False
    cdef unsigned char first_mask = 0, last_mask = 0
    cdef unsigned char edges[2]
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    p = <const unsigned char*>string_value(e, tmp, &slen)
    if c.argc == 4 or c.argc == 5:
        totlen = slen
        if not c.arg_ll(2, &start) or not c.arg_ll(3, &end):
            return 0
        if start < 0 and end < 0 and start > end:
            return c.add_canned(b":0\r\n")
        if c.argc == 5:
            if arg_cstr_is(c, 4, b"bit"):
                isbit = True
            elif not arg_cstr_is(c, 4, b"byte"):
                return c.add_syntax_error()
        if isbit:
            totlen <<= 3
        if start < 0:
            start = totlen + start
        if end < 0:
            end = totlen + end
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            # bits of the edge bytes that lie outside the range
            first_mask = ~((1 << (8 - (start & 7))) - 1) & 0xFF
            last_mask = (1 << (7 - (end & 7))) - 1
            start >>= 3
            end >>= 3
    elif c.argc == 2:
        start = 0
        end = slen - 1
    else:
        return c.add_syntax_error()
    if start > end:
        return c.add_canned(b":0\r\n")
    count = popcount(p + start, end - start + 1)
    if first_mask or last_mask:
        edges[0] = p[start] & first_mask
        edges[1] = p[end] & last_mask
        count -= popcount(edges, 2)
    return c.add_int(count)

cdef int cmd_bitpos(Client c) except -1:
    cdef long long bit, start = 0, end = 0, totlen, pos, nbytes, cur
    cdef dictEntry* e
    cdef char tmp[24]
    cdef Py_ssize_t slen
    cdef const unsigned char* p
    cdef bint isbit = False, end_given = False
    cdef unsigned char first_mask = 0, last_mask = 0, one
    if not c.arg_ll(2, &bit):
        return 0
    if bit != 0 and bit != 1:
        return c.add_error_bytes(b"The bit argument must be 1 or 0.")
    e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_int(-1 if bit else 0)
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    p = <const unsigned char*>string_value(e, tmp, &slen)
    if 4 <= c.argc <= 6:
        totlen = slen
        if not c.arg_ll(3, &start):
            return 0
        if c.argc == 6:
            if arg_cstr_is(c, 5, b"bit"):
                isbit = True
            elif not arg_cstr_is(c, 5, b"byte"):
                return c.add_syntax_error()
        if c.argc >= 5:
            if not c.arg_ll(4, &end):
                return 0
            end_given = True
        else:
            end = (totlen << 3) + 7 if isbit else totlen - 1
        if isbit:
            totlen <<= 3
        if start < 0:
            start = totlen + start
        if end < 0:
            end = totlen + end
        if start < 0:
            start = 0
        if end < 0:
            end = 0
        if end >= totlen:
            end = totlen - 1
        if isbit and start <= end:
            first_mask = ~((1 << (8 - (start & 7))) - 1) & 0xFF
            last_mask = (1 << (7 - (end & 7))) - 1
            start >>= 3
            end >>= 3
    elif c.argc == 3:
        start = 0
        end = slen - 1
    else:
        return c.add_syntax_error()
    if start > end:
        return c.add_int(-1)
    # Scan the first edge byte, the whole bytes, then the last edge byte; a
    # result inside a piece (not its zero padding) ends the search.
    nbytes = end - start + 1
    while True:
        if first_mask:
            one = (p[start] & ~first_mask) if bit else (p[start] | first_mask)
            if last_mask and nbytes == 1:
                one = (one & ~last_mask) if bit else (one | last_mask)
            pos = bitpos_scan(&one, 1, <int>bit)
            if nbytes == 1 or (pos != -1 and pos != 8):
                break
            start += 1
            nbytes -= 1
        cur = nbytes - (1 if last_mask else 0)
        if cur > 0:
            pos = bitpos_scan(p + start, cur, <int>bit)
            if nbytes == cur or (pos != -1 and pos != cur << 3):
                break
            start += cur
            nbytes -= cur
        one = (p[end] & ~last_mask) if bit else (p[end] | last_mask)
        pos = bitpos_scan(&one, 1, <int>bit)
        break
    # with an explicit end the zero padding past the range is not part of it
    if end_given and bit == 0 and pos == nbytes << 3:
        return c.add_int(-1)
    if pos != -1:
        pos += start << 3
    return c.add_int(pos)

# ------------------------------------------------------------------ BITOP

cdef int cmd_bitop(Client c) except -1:
    cdef Database db = c.db
    cdef int op
    cdef Py_ssize_t numkeys = c.argc - 3, j, maxlen = 0, minlen = 0
    cdef const unsigned char** src
    cdef Py_ssize_t* lens
    cdef dictEntry* e
    cdef char tmp[24]
    cdef Py_ssize_t n
    cdef const char* s
    cdef list hold = None
    ba = None
    if arg_cstr_is(c, 1, b"and"):
        op = BITOP_AND
    elif arg_cstr_is(c, 1, b"or"):
        op = BITOP_OR
    elif arg_cstr_is(c, 1, b"xor"):
        op = BITOP_XOR
    elif arg_cstr_is(c, 1, b"not"):
        op = BITOP_NOT
    else:
        return c.add_syntax_error()
    if op == BITOP_NOT and c.argc != 4:
        return c.add_error_bytes(b"BITOP NOT must be called with a single source key.")
    src = <const unsigned char**>malloc(numkeys * sizeof(unsigned char*))
    lens = <Py_ssize_t*>malloc(numkeys * sizeof(Py_ssize_t))
    if src == NULL or lens == NULL:
        free(src)
        free(lens)
        raise MemoryError()
    try:
        for j in range(numkeys):
            e = db.lookup_read(c.argv[j + 3].ptr, c.argv[j + 3].len)
            if e == NULL:
                src[j] = NULL
                lens[j] = 0
                minlen = 0
                continue
            if entry_type(e) != OBJ_STRING:
                return c.add_wrongtype()
            if entry_vk(e) == VK_INT:
                # the decimal text, kept alive until the result is built
                s = string_value(e, tmp, &n)
                b = PyBytes_FromStringAndSize(s, n)
                if hold is None:
                    hold = []
                hold.append(b)
                s = PyBytes_AS_STRING(b)
            else:
                s = string_value(e, tmp, &n)
            src[j] = <const unsigned char*>s
            lens[j] = n
            if n > maxlen:
                maxlen = n
            if j == 0 or n < minlen:
                minlen = n
        if maxlen:
            ba = PyByteArray_FromStringAndSize(NULL, maxlen)
            bitop_compute(op, src, lens, numkeys, <unsigned char*>PyByteArray_AS_STRING(ba), maxlen, minlen)
    finally:
        free(src)
        free(lens)
    if maxlen:
        db.set_obj(c.argv[2].ptr, c.argv[2].len, OBJ_STRING, ba, False)
        notify(c, NOTIFY_STRING, b"set", 2)
        c.engine.dirty += 1
    elif db.delete_key(c.argv[2].ptr, c.argv[2].len):
        notify(c, NOTIFY_GENERIC, b"del", 2)
        c.engine.dirty += 1
    return c.add_int(maxlen)

# ------------------------------------------------------------------ BITFIELD

ctypedef struct BitfieldOp:
    uint64_t offset
    int64_t i64         # SET value or INCRBY increment
    int opcode
    int owtype
    int bits
    int sign

cdef enum:
    BITFIELD_STACK_OPS = 16

cdef int bitfield_generic(Client c, bint readonly_cmd) except -1:
    cdef BitfieldOp stack_ops[BITFIELD_STACK_OPS]
    cdef BitfieldOp* ops = stack_ops
    cdef BitfieldOp* nops
    cdef BitfieldOp* op
    cdef int cap = BITFIELD_STACK_OPS, numops = 0, j, opcode, sign = 0, bits = 0, owtype = BFOVERFLOW_WRAP
    cdef int remargs, overflow
    cdef long long i64
    cdef uint64_t bitoffset = 0, highest = 0
    cdef bint readonly = True, dirty = False
    cdef long long changes = 0
    cdef dictEntry* e = NULL
    cdef char tmp[24]
    cdef const unsigned char* src = NULL
    cdef unsigned char* wp = NULL
    cdef Py_ssize_t slen = 0
    cdef int64_t soldv, snewv, swrapped
    cdef uint64_t uoldv, unewv, uwrapped, retval_u
    cdef int64_t retval_s
    ba = None
    try:
        j = 2
        while j < c.argc:
            remargs = c.argc - j - 1
            if arg_cstr_is(c, j, b"get") and remargs >= 2:
                opcode = BITFIELDOP_GET
            elif arg_cstr_is(c, j, b"set") and remargs >= 3:
                opcode = BITFIELDOP_SET
            elif arg_cstr_is(c, j, b"incrby") and remargs >= 3:
                opcode = BITFIELDOP_INCRBY
            elif arg_cstr_is(c, j, b"overflow") and remargs >= 1:
                j += 1
                if arg_cstr_is(c, j, b"wrap"):
                    owtype = BFOVERFLOW_WRAP
                elif arg_cstr_is(c, j, b"sat"):
                    owtype = BFOVERFLOW_SAT
                elif arg_cstr_is(c, j, b"fail"):
                    owtype = BFOVERFLOW_FAIL
                else:
                    return c.add_error_bytes(b"Invalid OVERFLOW type specified")
                j += 1
                continue
            else:
                return c.add_syntax_error()
            if not get_bitfield_type(c, j + 1, &sign, &bits):
                return 0
            if not get_bit_offset(c, j + 2, &bitoffset, True, bits):
                return 0
            i64 = 0
            if opcode != BITFIELDOP_GET:
                readonly = False
                if highest < bitoffset + bits - 1:
                    highest = bitoffset + bits - 1
                if not c.arg_ll(j + 3, &i64):
                    return 0
            if numops == cap:
                cap *= 2
                if ops == stack_ops:
                    nops = <BitfieldOp*>malloc(cap * sizeof(BitfieldOp))
                    if nops != NULL:
                        memcpy(nops, stack_ops, numops * sizeof(BitfieldOp))
                else:
                    nops = <BitfieldOp*>realloc(ops, cap * sizeof(BitfieldOp))
                if nops == NULL:
                    raise MemoryError()
                ops = nops
            op = &ops[numops]
            op.offset = bitoffset
            op.i64 = i64
            op.opcode = opcode
            op.owtype = owtype
            op.bits = bits
            op.sign = sign
            numops += 1
            j += 3 if opcode == BITFIELDOP_GET else 4

        if readonly:
            e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
            if e != NULL and entry_type(e) != OBJ_STRING:
                return c.add_wrongtype()
            if e != NULL:
                src = <const unsigned char*>string_value(e, tmp, &slen)
        else:
            if readonly_cmd:
                return c.add_error_bytes(b"BITFIELD_RO only supports the GET subcommand")
            ba = lookup_string_for_bit(c, highest, &dirty)
            if ba is None:
                return 0
            wp = <unsigned char*>PyByteArray_AS_STRING(ba)
            src = wp
            slen = PyByteArray_GET_SIZE(ba)

        c.add_array_len(numops)
        for j in range(numops):
            op = &ops[j]
            if op.opcode == BITFIELDOP_GET:
                if op.sign:
                    c.add_int(bf_get_signed(src, slen, op.offset, op.bits))
                else:
                    c.add_int(<long long>bf_get_unsigned(src, slen, op.offset, op.bits))
                continue
            # SET returns the old value, INCRBY the new one
            if op.sign:
                soldv = bf_get_signed(wp, slen, op.offset, op.bits)
                if op.opcode == BITFIELDOP_INCRBY:
                    overflow = bf_check_signed(soldv, op.i64, op.bits, op.owtype, &swrapped)
                    snewv = swrapped if overflow else <int64_t>(<uint64_t>soldv + <uint64_t>op.i64)
                    retval_s = snewv
                else:
                    snewv = op.i64
                    overflow = bf_check_signed(snewv, 0, op.bits, op.owtype, &swrapped)
                    if overflow:
                        snewv = swrapped
                    retval_s = soldv
                if overflow and op.owtype == BFOVERFLOW_FAIL:
                    c.add_null()
                else:
                    c.add_int(retval_s)
                    bf_set(wp, op.offset, op.bits, <uint64_t>snewv)
                    if dirty or soldv != snewv:
                        changes += 1
            else:
                uoldv = bf_get_unsigned(wp, slen, op.offset, op.bits)
                if op.opcode == BITFIELDOP_INCRBY:
                    unewv = uoldv + <uint64_t>op.i64
                    overflow = bf_check_unsigned(uoldv, op.i64, op.bits, op.owtype, &uwrapped)
                    if overflow:
                        unewv = uwrapped
                    retval_u = unewv
                else:
                    unewv = <uint64_t>op.i64
                    overflow = bf_check_unsigned(unewv, 0, op.bits, op.owtype, &uwrapped)
                    if overflow:
                        unewv = uwrapped
                    retval_u = uoldv
                if overflow and op.owtype == BFOVERFLOW_FAIL:
                    c.add_null()
                else:
                    c.add_int(<long long>retval_u)
                    bf_set(wp, op.offset, op.bits, unewv)
                    if dirty or uoldv != unewv:
                        changes += 1
        if changes:
            c.engine.dirty += changes
            notify(c, NOTIFY_STRING, b"setbit", 1)
    finally:
        if ops != stack_ops:
            free(ops)
    return 0

cdef int cmd_bitfield(Client c) except -1:
    return bitfield_generic(c, False)

cdef int cmd_bitfield_ro(Client c) except -1:
    return bitfield_generic(c, True)


register_c("setbit", cmd_setbit)
register_c("getbit", cmd_getbit)
register_c("bitcount", cmd_bitcount)
register_c("bitpos", cmd_bitpos)
register_c("bitop", cmd_bitop)
register_c("bitfield", cmd_bitfield)
register_c("bitfield_ro", cmd_bitfield_ro)
