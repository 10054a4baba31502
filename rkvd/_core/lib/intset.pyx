# cython: language_level=3, cdivision=True
# Integer sets with Redis's intset layout (see intset.pxd for the format and
# the API). The block is read and written through memcpy at explicit
# little-endian widths, so it needs no alignment and is the same on any host.
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int16_t, int32_t, int64_t
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)
from libc.string cimport memcpy, memmove


cdef extern from *:
    """
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define RKVD_LE16(x) __builtin_bswap16(x)
    #define RKVD_LE32(x) __builtin_bswap32(x)
    #define RKVD_LE64(x) __builtin_bswap64(x)
    #else
    #define RKVD_LE16(x) (x)
    #define RKVD_LE32(x) (x)
    #define RKVD_LE64(x) (x)
    #endif
    #define RKVD_INTSET_DATA(s) ((char *)(s) + sizeof(rkvdIntset))
    """
    # host <-> little-endian (the same swap both ways)
    uint16_t le16 "RKVD_LE16"(uint16_t x) nogil
    uint32_t le32 "RKVD_LE32"(uint32_t x) nogil
    uint64_t le64 "RKVD_LE64"(uint64_t x) nogil
    char* DATA "RKVD_INTSET_DATA"(const intset* s) nogil


# -------------------------------------------------------------- internals --

cdef inline uint32_t _width_for(int64_t v) noexcept nogil:
    # narrowest encoding that holds v
    if v < -2147483648LL or v > 2147483647LL:
        return INTSET_ENC_INT64
    if v < -32768 or v > 32767:
        return INTSET_ENC_INT32
    return INTSET_ENC_INT16


cdef inline uint32_t _enc(const intset* s) noexcept nogil:
    return le32(s.encoding)


cdef inline int64_t _read(const char* data, uint32_t pos, uint32_t width) noexcept nogil:
    cdef uint16_t u16
    cdef uint32_t u32
    cdef uint64_t u64
    if width == INTSET_ENC_INT64:
        memcpy(&u64, data + <size_t>pos * 8, 8)
        return <int64_t>le64(u64)
    if width == INTSET_ENC_INT32:
        memcpy(&u32, data + <size_t>pos * 4, 4)
        return <int32_t>le32(u32)
    memcpy(&u16, data + <size_t>pos * 2, 2)
    return <int16_t>le16(u16)


cdef inline void _write(char* data, uint32_t pos, uint32_t width, int64_t v) noexcept nogil:
    # v must fit width (callers upgrade first)
    cdef uint16_t u16
    cdef uint32_t u32
    cdef uint64_t u64
    if width == INTSET_ENC_INT64:
        u64 = le64(<uint64_t>v)
        memcpy(data + <size_t>pos * 8, &u64, 8)
    elif width == INTSET_ENC_INT32:
        u32 = le32(<uint32_t><int32_t>v)
        memcpy(data + <size_t>pos * 4, &u32, 4)
    else:
        u16 = le16(<uint16_t><int16_t>v)
        memcpy(data + <size_t>pos * 2, &u16, 2)


cdef inline int64_t _at(const intset* s, uint32_t pos) noexcept nogil:
    return _read(DATA(s), pos, _enc(s))


cdef inline intset* _resize(intset* s, uint32_t count, uint32_t width) noexcept nogil:
    # realloc to hold count values of width; NULL (s untouched) on failure
    return <intset*>realloc(s, INTSET_HEADER_SIZE + <size_t>count * width)


from rkvd._core.lib.util cimport rand64 as _rand64


# -------------------------------------------------------------------- API --

cdef intset* intset_new() noexcept nogil:
    cdef intset* s = <intset*>malloc(INTSET_HEADER_SIZE)
    if s != NULL:
        s.encoding = le32(INTSET_ENC_INT16)
        s.length = 0
    return s


cdef void intset_free(intset* s) noexcept nogil:
    free(s)


cdef intset* intset_from_blob(const unsigned char* p, size_t size) noexcept nogil:
    cdef intset* s
    if size < INTSET_HEADER_SIZE:
        return NULL
    s = <intset*>malloc(size)
    if s != NULL:
        memcpy(s, p, size)
    return s


cdef uint8_t intset_search(intset* s, int64_t value, uint32_t* pos) noexcept nogil:
    cdef uint32_t n = le32(s.length)
    cdef uint32_t width = _enc(s)
    cdef const char* data = DATA(s)
    cdef int64_t lo, hi, mid, cur
    if n == 0:
        if pos != NULL:
            pos[0] = 0
        return 0
    # outside the range: the answer needs no search
    if value > _read(data, n - 1, width):
        if pos != NULL:
            pos[0] = n
        return 0
    if value < _read(data, 0, width):
        if pos != NULL:
            pos[0] = 0
        return 0
    lo = 0
    hi = <int64_t>n - 1
    while lo <= hi:
        mid = (lo + hi) >> 1
        cur = _read(data, <uint32_t>mid, width)
        if cur < value:
            lo = mid + 1
        elif cur > value:
            hi = mid - 1
        else:
            if pos != NULL:
                pos[0] = <uint32_t>mid
            return 1
    if pos != NULL:
        pos[0] = <uint32_t>lo
    return 0


cdef intset* _upgrade_and_add(intset* s, int64_t value) noexcept nogil:
    # value is wider than the current encoding, so it is either below every
    # member (negative) or above every member: it goes first or last.
    cdef uint32_t old_width = _enc(s)
    cdef uint32_t new_width = _width_for(value)
    cdef uint32_t n = le32(s.length)
    cdef uint32_t shift = 1 if value < 0 else 0
    cdef uint32_t i
    cdef char* data
    cdef intset* t = _resize(s, n + 1, new_width)
    if t == NULL:
        return NULL
    data = DATA(t)
    # widen in place from the back, where the new slots never cover a value
    # that is still to be read
    i = n
    while i > 0:
        i -= 1
        _write(data, i + shift, new_width, _read(data, i, old_width))
    _write(data, 0 if shift else n, new_width, value)
    t.encoding = le32(new_width)
    t.length = le32(n + 1)
    return t


cdef intset* intset_add(intset* s, int64_t value, uint8_t* success) noexcept nogil:
    cdef uint32_t width = _enc(s)
    cdef uint32_t n, pos = 0
    cdef char* data
    cdef intset* t
    if success != NULL:
        success[0] = 1
    if _width_for(value) > width:
        t = _upgrade_and_add(s, value)
    else:
        if intset_search(s, value, &pos):
            if success != NULL:
                success[0] = 0
            return s
        n = le32(s.length)
        t = _resize(s, n + 1, width)
        if t != NULL:
            data = DATA(t)
            if pos < n:
                memmove(data + <size_t>(pos + 1) * width, data + <size_t>pos * width,
                        <size_t>(n - pos) * width)
            _write(data, pos, width, value)
            t.length = le32(n + 1)
    if t == NULL and success != NULL:
        success[0] = 0
    return t


cdef intset* intset_remove(intset* s, int64_t value, int* success) noexcept nogil:
    cdef uint32_t width = _enc(s)
    cdef uint32_t n, pos = 0
    cdef char* data
    cdef intset* t
    if success != NULL:
        success[0] = 0
    if _width_for(value) > width or not intset_search(s, value, &pos):
        return s
    if success != NULL:
        success[0] = 1
    n = le32(s.length)
    data = DATA(s)
    if pos + 1 < n:
        memmove(data + <size_t>pos * width, data + <size_t>(pos + 1) * width,
                <size_t>(n - pos - 1) * width)
    s.length = le32(n - 1)
    # shrinking may fail; the larger block is then kept (still valid)
    t = _resize(s, n - 1, width)
    return t if t != NULL else s


cdef uint8_t intset_find(intset* s, int64_t value) noexcept nogil:
    if _width_for(value) > _enc(s):
        return 0
    return intset_search(s, value, NULL)


cdef uint8_t intset_get(intset* s, uint32_t pos, int64_t* value) noexcept nogil:
    if pos < le32(s.length):
        value[0] = _at(s, pos)
        return 1
    return 0


cdef int64_t intset_random(intset* s) noexcept nogil:
    cdef uint32_t n = le32(s.length)
    if n == 0:
        return 0
    return _at(s, <uint32_t>(_rand64() % n))


cdef int64_t intset_max(intset* s) noexcept nogil:
    cdef uint32_t n = le32(s.length)
    return _at(s, n - 1) if n else 0


cdef int64_t intset_min(intset* s) noexcept nogil:
    return _at(s, 0) if le32(s.length) else 0


cdef uint32_t intset_len(const intset* s) noexcept nogil:
    return le32(s.length)


cdef uint32_t intset_encoding(const intset* s) noexcept nogil:
    return _enc(s)


cdef size_t intset_blob_len(const intset* s) noexcept nogil:
    return INTSET_HEADER_SIZE + <size_t>le32(s.length) * _enc(s)


cdef int intset_validate_integrity(const unsigned char* p, size_t size, int deep) noexcept nogil:
    cdef uint32_t width, count, i
    cdef const char* data
    cdef int64_t prev, cur
    if size < INTSET_HEADER_SIZE:
        return 0
    memcpy(&width, p, 4)
    memcpy(&count, p + 4, 4)
    width = le32(width)
    count = le32(count)
    if width != INTSET_ENC_INT16 and width != INTSET_ENC_INT32 and width != INTSET_ENC_INT64:
        return 0
    # 64-bit arithmetic: count * width cannot wrap
    if <uint64_t>INTSET_HEADER_SIZE + <uint64_t>count * width != <uint64_t>size:
        return 0
    if count == 0:
        return 0
    if not deep:
        return 1
    data = <const char*>p + INTSET_HEADER_SIZE
    prev = _read(data, 0, width)
    for i in range(1, count):
        cur = _read(data, i, width)
        if cur <= prev:
            return 0
        prev = cur
    return 1
