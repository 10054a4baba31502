# cython: language_level=3, cdivision=True
# String <-> number conversions and the glob matcher, with Redis 7.0.15's
# acceptance rules and output text. Everything here is plain C: no Python
# objects outside the py_* test wrappers at the bottom.
#
# Locale: strtod/strtold/snprintf follow LC_NUMERIC, which Python leaves at
# "C"; whitespace and case folding are done by hand (ASCII only), as Redis
# gets them from the C locale it never leaves for LC_CTYPE.

from libc.errno cimport errno, ERANGE, EINVAL
from libc.limits cimport LLONG_MAX
from libc.math cimport isinf, isnan, signbit, fpclassify, FP_ZERO, HUGE_VAL
from libc.stdio cimport snprintf
from libc.stdlib cimport strtod, strtold, strtoull
from rkvd._core.lib.mem cimport malloc, free     # counted (used_memory)
from libc.string cimport memcpy, memchr, strlen

# Deepest '*' recursion stringmatchlen follows before it gives up with "no
# match". Redis 7.0.15 has no such bound (later releases added this one, at
# the same depth, for CVE-2024-31228); without it a pattern of many '*'
# groups could exhaust the C stack. Patterns below the bound are unaffected.
cdef enum:
    GLOB_MAX_NESTING = 1000
    # string2d copies short inputs to the stack, longer ones to the heap.
    D_STACK_CHARS = 256
    # memtoull refuses more digits than this, like Redis.
    MEMTOULL_MAX_DIGITS = 128


# --------------------------------------------------------------------------
# Characters (C locale rules)
# --------------------------------------------------------------------------

cdef inline bint _is_c_space(char c) noexcept nogil:
    # isspace() in the C locale
    return c == c' ' or (c >= c'\t' and c <= c'\r')


cdef inline int _ascii_lower(int c) noexcept nogil:
    # tolower() in the C locale: only A-Z change, high bytes stay as they are
    if c >= 65 and c <= 90:
        return c + 32
    return c


cdef inline int _ascii_lower_eq(const char* a, const char* b, size_t n) noexcept nogil:
    # strcasecmp()-style equality for n bytes; b is lower case already.
    cdef size_t i
    for i in range(n):
        if _ascii_lower(<unsigned char>a[i]) != <unsigned char>b[i]:
            return 0
    return 1


# --------------------------------------------------------------------------
# Integers
# --------------------------------------------------------------------------

cdef int string2ll(const char* s, size_t slen, long long* value) noexcept nogil:
    # Strict: "0", or an optional '-' then 1-9 then digits, fitting 64 bits.
    # Rejects "", "-", "-0", "+1", " 1", "01", "1 " and anything with 21+ bytes.
    cdef size_t i = 0
    cdef bint neg = 0
    cdef unsigned long long acc
    cdef unsigned int d
    if slen == 0 or slen >= LONG_STR_SIZE:
        return 0
    if slen == 1 and s[0] == c'0':
        if value != NULL:
            value[0] = 0
        return 1
    if s[0] == c'-':
        neg = 1
        i = 1
        if slen == 1:
            return 0
    if s[i] < c'1' or s[i] > c'9':
        return 0
    acc = <unsigned long long>(s[i] - c'0')
    i += 1
    while i < slen:
        if s[i] < c'0' or s[i] > c'9':
            return 0
        d = <unsigned int>(s[i] - c'0')
        # at most 20 digits, so only the last one can overflow 64 bits
        if acc > 1844674407370955161ULL or (acc == 1844674407370955161ULL and d > 5):
            return 0
        acc = acc * 10 + d
        i += 1
    if neg:
        if acc > <unsigned long long>LLONG_MAX + 1:
            return 0
        if value != NULL:
            # two's complement negation also covers LLONG_MIN
            value[0] = <long long>(0ULL - acc)
    else:
        if acc > <unsigned long long>LLONG_MAX:
            return 0
        if value != NULL:
            value[0] = <long long>acc
    return 1


cdef int string2ull(const char* s, unsigned long long* value) noexcept nogil:
    # s is NUL-terminated. Strict signed parsing first; if that fails, libc
    # strtoull decides, with its leniency: leading spaces, '+', and even '-'
    # (which negates modulo 2**64) are accepted, as Redis accepts them.
    global errno
    cdef long long ll
    cdef char* end = NULL
    if string2ll(s, strlen(s), &ll):
        if ll < 0:
            return 0
        value[0] = <unsigned long long>ll
        return 1
    errno = 0  # no-cython-lint
    value[0] = strtoull(s, &end, 10)
    if errno == EINVAL or errno == ERANGE or s[0] == 0 or end[0] != 0:
        return 0
    return 1


cdef inline int _udigits(unsigned long long v) noexcept nogil:
    cdef int n = 1
    while v >= 10:
        v //= 10
        n += 1
    return n


cdef int ull2string(char* dst, size_t dstlen, unsigned long long v) noexcept nogil:
    # Needs room for the digits and the NUL; otherwise writes nothing, returns 0.
    cdef int n = _udigits(v)
    cdef int i
    if <size_t>n >= dstlen:
        return 0
    dst[n] = 0
    i = n - 1
    while True:
        dst[i] = <char>(c'0' + <int>(v % 10))
        v //= 10
        if v == 0:
            break
        i -= 1
    return n


cdef int ll2string(char* dst, size_t dstlen, long long v) noexcept nogil:
    cdef unsigned long long mag
    cdef int n
    if v >= 0:
        return ull2string(dst, dstlen, <unsigned long long>v)
    if dstlen < 2:
        return 0
    mag = 0ULL - <unsigned long long>v      # well defined for LLONG_MIN too
    dst[0] = c'-'
    n = ull2string(dst + 1, dstlen - 1, mag)
    if n == 0:
        return 0
    return n + 1


# --------------------------------------------------------------------------
# Floating point
# --------------------------------------------------------------------------

cdef int string2ld(const char* s, size_t slen, long double* dp) noexcept nogil:
    # strtold on a NUL-terminated copy; the whole input must be consumed, no
    # leading space, no NaN, no overflow to +-inf, no underflow to zero.
    global errno
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef char* end
    cdef long double v
    if slen == 0 or slen >= MAX_LONG_DOUBLE_CHARS:
        return 0
    memcpy(buf, s, slen)
    buf[slen] = 0
    errno = 0  # no-cython-lint
    v = strtold(buf, &end)
    if _is_c_space(buf[0]) or end[0] != 0 or <size_t>(end - buf) != slen:
        return 0
    if errno == ERANGE and (isinf(v) or fpclassify(v) == FP_ZERO):
        return 0
    if errno == EINVAL or isnan(v):
        return 0
    if dp != NULL:
        dp[0] = v
    return 1


cdef int string2d(const char* s, size_t slen, double* dp) noexcept nogil:
    # Same rules as string2ld, through strtod; no length limit.
    global errno
    cdef char stackbuf[D_STACK_CHARS]
    cdef char* buf = stackbuf
    cdef char* end
    cdef double v
    cdef int ok = 1
    if slen == 0:
        return 0
    if slen >= D_STACK_CHARS:
        buf = <char*>malloc(slen + 1)
        if buf == NULL:
            return 0
    memcpy(buf, s, slen)
    buf[slen] = 0
    errno = 0  # no-cython-lint
    v = strtod(buf, &end)
    if _is_c_space(buf[0]) or <size_t>(end - buf) != slen:
        ok = 0
    elif errno == ERANGE and (v == HUGE_VAL or v == -HUGE_VAL or fpclassify(v) == FP_ZERO):
        ok = 0
    elif isnan(v):
        ok = 0
    if buf != stackbuf:
        free(buf)
    if ok:
        dp[0] = v
    return ok


cdef inline int _fitted(int n, size_t buflen) noexcept nogil:
    # snprintf reports the length it wanted; 0 when that did not fit
    if n < 0 or <size_t>n + 1 > buflen:
        return 0
    return n


cdef int ld2string(char* buf, size_t buflen, long double value, int mode) noexcept nogil:
    cdef int n
    cdef char* dot
    if isinf(value):
        # spelled out: libc spellings of infinity differ between systems
        if buflen < 5:
            return 0
        if value > 0:
            memcpy(buf, b"inf", 4)
            return 3
        memcpy(buf, b"-inf", 5)
        return 4
    if mode == LD_STR_AUTO:
        return _fitted(snprintf(buf, buflen, "%.17Lg", value), buflen)
    if mode == LD_STR_HEX:
        return _fitted(snprintf(buf, buflen, "%La", value), buflen)
    if mode != LD_STR_HUMAN:
        return 0
    # Fixed notation, 17 decimals, then drop trailing zeroes (and a bare
    # '.'); a negative value that rounds to nothing prints as "0".
    n = _fitted(snprintf(buf, buflen, "%.17Lf", value), buflen)
    if n == 0:
        return 0
    dot = <char*>memchr(buf, c'.', <size_t>n)
    if dot != NULL:
        while buf[n - 1] == c'0':
            n -= 1
        if buf[n - 1] == c'.':
            n -= 1
    if n == 2 and buf[0] == c'-' and buf[1] == c'0':
        buf[0] = c'0'
        n = 1
    buf[n] = 0
    return n


cdef inline bint _double_to_ll(double d, long long* out) noexcept nogil:
    # Exact integers within +-2**62 are printed with the integer routine.
    cdef long long ll
    if d < -4611686018427387904.0 or d > 4611686018427387904.0:
        return 0
    ll = <long long>d
    if <double>ll != d:
        return 0
    out[0] = ll
    return 1


cdef int d2string(char* buf, size_t buflen, double value) noexcept nogil:
    cdef long long ll
    if isnan(value):
        return _fitted(snprintf(buf, buflen, "nan"), buflen)
    if isinf(value):
        if value < 0:
            return _fitted(snprintf(buf, buflen, "-inf"), buflen)
        return _fitted(snprintf(buf, buflen, "inf"), buflen)
    if value == 0:
        if signbit(value):
            return _fitted(snprintf(buf, buflen, "-0"), buflen)
        return _fitted(snprintf(buf, buflen, "0"), buflen)
    if _double_to_ll(value, &ll):
        return ll2string(buf, buflen, ll)
    return _fitted(snprintf(buf, buflen, "%.17g", value), buflen)


cdef int double_reply_text(char* buf, size_t buflen, double value) noexcept nogil:
    if isinf(value):
        if value > 0:
            return _fitted(snprintf(buf, buflen, "inf"), buflen)
        return _fitted(snprintf(buf, buflen, "-inf"), buflen)
    return _fitted(snprintf(buf, buflen, "%.17g", value), buflen)


# --------------------------------------------------------------------------
# Glob matching
# --------------------------------------------------------------------------
# Bytes compare as signed chars (x86 Redis), which matters for ranges with
# bytes >= 0x80. Case folding is ASCII only. A '[' with no closing ']' runs
# to the end of the pattern; "[^" alone matches any one byte.

cdef int _glob(const signed char* p, int plen, const signed char* s, int slen,
               int nocase, int* give_up, int nesting) noexcept nogil:
    cdef int negate, found, lo, hi, c, t
    if nesting > GLOB_MAX_NESTING:
        return 0
    while plen > 0 and slen > 0:
        c = p[0]
        if c == c'*':
            while plen > 1 and p[1] == c'*':
                p += 1
                plen -= 1
            if plen == 1:
                return 1
            while slen > 0:
                if _glob(p + 1, plen - 1, s, slen, nocase, give_up, nesting + 1):
                    return 1
                if give_up[0]:
                    return 0
                s += 1
                slen -= 1
            # The rest of the pattern matches at no position of the rest of
            # the string, so no earlier '*' can help by eating more: stop
            # every pending level (this keeps "a*a*a*...b" linear-ish).
            give_up[0] = 1
            return 0
        elif c == c'?':
            s += 1
            slen -= 1
        elif c == c'[':
            p += 1
            plen -= 1
            negate = plen > 0 and p[0] == c'^'
            if negate:
                p += 1
                plen -= 1
            found = 0
            while True:
                if plen >= 2 and p[0] == c'\\':
                    # escaped member: exact byte, never case folded
                    p += 1
                    plen -= 1
                    if p[0] == s[0]:
                        found = 1
                elif plen == 0:
                    # unterminated: step back so the shared advance below
                    # lands exactly on the end of the pattern
                    p -= 1
                    plen += 1
                    break
                elif p[0] == c']':
                    break
                elif plen >= 3 and p[1] == c'-':
                    lo = p[0]
                    hi = p[2]
                    if lo > hi:
                        t = lo
                        lo = hi
                        hi = t
                    t = s[0]
                    if nocase:
                        # fold after ordering, so [Z-a] is empty when nocase
                        lo = _ascii_lower(lo)
                        hi = _ascii_lower(hi)
                        t = _ascii_lower(t)
                    if t >= lo and t <= hi:
                        found = 1
                    p += 2
                    plen -= 2
                elif nocase:
                    if _ascii_lower(p[0]) == _ascii_lower(s[0]):
                        found = 1
                elif p[0] == s[0]:
                    found = 1
                p += 1
                plen -= 1
            if negate:
                found = not found
            if not found:
                return 0
            s += 1
            slen -= 1
        else:
            if c == c'\\' and plen >= 2:
                p += 1
                plen -= 1
            if nocase:
                if _ascii_lower(p[0]) != _ascii_lower(s[0]):
                    return 0
            elif p[0] != s[0]:
                return 0
            s += 1
            slen -= 1
        p += 1
        plen -= 1
        if slen == 0:
            # trailing stars match the empty rest
            while plen > 0 and p[0] == c'*':
                p += 1
                plen -= 1
            break
    return plen == 0 and slen == 0


cdef int stringmatchlen(const char* pattern, int patternlen,
                        const char* string, int stringlen, int nocase) noexcept nogil:
    cdef int give_up = 0
    return _glob(<const signed char*>pattern, patternlen,
                 <const signed char*>string, stringlen, nocase, &give_up, 0)


# --------------------------------------------------------------------------
# Memory sizes
# --------------------------------------------------------------------------

cdef int memtoull(const char* p, size_t plen, unsigned long long* out) noexcept nogil:
    # Digits then an optional unit: b, k/m/g (powers of 1000) or kb/mb/gb
    # (powers of 1024), any case. Like Redis: the text ends at a NUL byte,
    # "" and a bare unit are 0, too many digits saturate at 2**64-1 and the
    # multiplication wraps modulo 2**64.
    cdef const char* nul = <const char*>memchr(p, 0, plen)
    cdef size_t n = plen if nul == NULL else <size_t>(nul - p)
    cdef size_t digits = 0
    cdef size_t ulen
    cdef const char* u
    cdef unsigned long long mul, val = 0, d
    cdef bint saturated = 0
    cdef size_t i
    if n > 0 and p[0] == c'-':
        return 0
    while digits < n and p[digits] >= c'0' and p[digits] <= c'9':
        digits += 1
    u = p + digits
    ulen = n - digits
    if ulen == 0 or (ulen == 1 and _ascii_lower_eq(u, b"b", 1)):
        mul = 1
    elif ulen == 1 and _ascii_lower_eq(u, b"k", 1):
        mul = 1000
    elif ulen == 2 and _ascii_lower_eq(u, b"kb", 2):
        mul = 1024
    elif ulen == 1 and _ascii_lower_eq(u, b"m", 1):
        mul = 1000 * 1000
    elif ulen == 2 and _ascii_lower_eq(u, b"mb", 2):
        mul = 1024 * 1024
    elif ulen == 1 and _ascii_lower_eq(u, b"g", 1):
        mul = 1000ULL * 1000 * 1000
    elif ulen == 2 and _ascii_lower_eq(u, b"gb", 2):
        mul = 1024ULL * 1024 * 1024
    else:
        return 0
    if digits >= MEMTOULL_MAX_DIGITS:
        return 0
    for i in range(digits):
        d = <unsigned long long>(p[i] - c'0')
        if saturated or val > (18446744073709551615ULL - d) // 10:
            saturated = 1
        else:
            val = val * 10 + d
    if saturated:
        val = 18446744073709551615ULL
    out[0] = val * mul
    return 1


# --------------------------------------------------------------------------
# Python wrappers, for tests and for non-hot Python code
# --------------------------------------------------------------------------

def py_string2ll(bytes s):
    """int, or None when Redis's string2ll rejects s."""
    cdef long long v
    if string2ll(s, len(s), &v):
        return v
    return None


def py_string2ull(bytes s):
    """int, or None; s is read as a C string (up to its first NUL byte)."""
    cdef unsigned long long v
    if string2ull(s, &v):
        return v
    return None


def py_ll2string(long long v, size_t dstlen=LONG_STR_SIZE):
    """Decimal text of v, or None when it does not fit dstlen bytes with NUL."""
    cdef char buf[64]
    cdef int n = ll2string(buf, min(dstlen, sizeof(buf)), v)
    return buf[:n] if n else None


def py_ull2string(unsigned long long v, size_t dstlen=LONG_STR_SIZE):
    cdef char buf[64]
    cdef int n = ull2string(buf, min(dstlen, sizeof(buf)), v)
    return buf[:n] if n else None


def py_string2ld(bytes s):
    """The parsed value rounded to a Python float, or None if rejected."""
    cdef long double v
    if string2ld(s, len(s), &v):
        return <double>v
    return None


def py_ld2string(value, int mode=LD_STR_HUMAN, size_t buflen=MAX_LONG_DOUBLE_CHARS):
    """Format a long double like ld2string. `value` is either text parsed with
    string2ld (keeps long double precision) or a float. None if the text is
    rejected or the output does not fit."""
    cdef long double v
    cdef char[MAX_LONG_DOUBLE_CHARS] buf
    cdef int n
    if isinstance(value, bytes):
        if not string2ld(value, len(value), &v):
            return None
    else:
        v = <double>value
    n = ld2string(buf, min(buflen, sizeof(buf)), v, mode)
    return buf[:n] if n else None


def py_incrbyfloat(bytes current, bytes incr):
    """The text INCRBYFLOAT stores for current + incr, or None if either does
    not parse or the sum is NaN or infinite."""
    cdef long double value, step
    cdef char[MAX_LONG_DOUBLE_CHARS] buf
    cdef int n
    if not string2ld(current, len(current), &value):
        return None
    if not string2ld(incr, len(incr), &step):
        return None
    value += step
    if isnan(value) or isinf(value):
        return None
    n = ld2string(buf, sizeof(buf), value, LD_STR_HUMAN)
    return buf[:n]


def py_string2d(bytes s):
    cdef double v
    if string2d(s, len(s), &v):
        return v
    return None


def py_d2string(double v):
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int n = d2string(buf, sizeof(buf), v)
    return buf[:n]


def py_double_reply_text(double v):
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int n = double_reply_text(buf, sizeof(buf), v)
    return buf[:n]


def py_stringmatch(bytes pattern, bytes s, bint nocase=False):
    return bool(stringmatchlen(pattern, len(pattern), s, len(s), nocase))


def py_memtoull(bytes s):
    cdef unsigned long long v
    if memtoull(s, len(s), &v):
        return v
    return None


# ------------------------------------------------------------------ sampling PRNG

cdef uint64_t _rng_state = <uint64_t>int.from_bytes(__import__("os").urandom(8), "little")

cdef uint64_t rand64() noexcept nogil:
    global _rng_state
    _rng_state += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = _rng_state
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)

cdef void rand64_seed(uint64_t seed) noexcept nogil:
    global _rng_state
    _rng_state = seed
