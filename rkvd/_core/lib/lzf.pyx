# cython: language_level=3, cdivision=True
# LZF compressor and decompressor (format and guarantees in lzf.pxd).
#
# The compressor is greedy: at every position it hashes the next three bytes,
# looks up the most recent earlier position with the same hash, and takes the
# longest match there (if those three bytes really are equal and the distance
# is below 8 KB). The hash, the table size, which positions get entered into
# the table, the match-length limits and the output-room checks all follow
# liblzf's defaults, because each of them changes the output bytes.
#
# The table is per thread and never cleared (liblzf does not clear its own
# either). A leftover entry cannot change the output: a slot untouched in
# this call means no earlier position holds its three bytes (every position
# is entered except those inside a match, whose bytes also occur earlier),
# so the byte comparison fails; entries at or after the current position
# fail the distance check. Whatever the table holds, reads stay in bounds.
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from rkvd._core.lib.mem cimport malloc, calloc, free     # counted (used_memory)
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE

cdef extern from "<pthread.h>" nogil:
    ctypedef unsigned int pthread_key_t
    int pthread_key_create(pthread_key_t* key, void (*destructor)(void*) noexcept nogil)
    void* pthread_getspecific(pthread_key_t key)
    int pthread_setspecific(pthread_key_t key, const void* value)

cdef enum:
    HASH_BITS = 16
    HASH_SIZE = 1 << HASH_BITS
    MAX_LITERAL = 32                # bytes in one literal run
    MAX_DISTANCE = 1 << 13          # back references reach 1..8192 bytes back
    MAX_MATCH = (1 << 8) + (1 << 3)  # longest match the compressor looks for
    SLOT_LIMIT = 0xFFFFFFFF

# slot value: 1 + the latest position whose three bytes hash there, 0 = none
ctypedef struct HashTable:
    uint32_t slots[HASH_SIZE]


cdef pthread_key_t _table_key
if pthread_key_create(&_table_key, free) != 0:
    raise ImportError("lzf: cannot create the per-thread table key")


cdef HashTable* _thread_table() noexcept nogil:
    # this thread's table, allocated zeroed on first use (freed at thread exit)
    cdef HashTable* t = <HashTable*>pthread_getspecific(_table_key)
    if t == NULL:
        t = <HashTable*>calloc(1, sizeof(HashTable))
        if t != NULL and pthread_setspecific(_table_key, t) != 0:
            free(t)
            t = NULL
    return t


cdef inline uint32_t _slot_index(uint32_t h) noexcept nogil:
    # h holds the three bytes at the current position in its low 24 bits
    return ((h >> (24 - HASH_BITS)) - h * 5) & (HASH_SIZE - 1)


cdef unsigned int lzf_compress(const void* in_data, unsigned int in_len,
                               void* out_data, unsigned int out_len) noexcept nogil:
    cdef const uint8_t* src = <const uint8_t*>in_data
    cdef uint8_t* dst = <uint8_t*>out_data
    cdef size_t n = in_len, cap = out_len
    cdef size_t ip = 0          # next input byte
    cdef size_t op = 1          # next output byte; dst[0] is the first run header
    cdef size_t lit = 0         # bytes in the open literal run
    cdef size_t ref = 0, dist, maxlen, m, code
    cdef uint32_t h = 0, entry, idx
    cdef HashTable* t
    cdef uint32_t* slots
    if n == 0 or cap == 0:
        return 0
    t = _thread_table()
    if t == NULL:
        return 0
    slots = t.slots
    if n >= 2:
        h = (<uint32_t>src[0] << 8) | src[1]
    while ip + 2 < n:
        h = (h << 8) | src[ip + 2]
        idx = _slot_index(h)
        entry = slots[idx]
        slots[idx] = <uint32_t>ip + 1
        # position 0 is never a match source (liblzf skips it too); a stale
        # entry at or past ip wraps dist around and fails the range check
        if entry > 1:
            ref = entry - 1
            dist = ip - ref - 1
        else:
            dist = MAX_DISTANCE
        if (dist < MAX_DISTANCE and src[ref] == src[ip] and src[ref + 1] == src[ip + 1]
                and src[ref + 2] == src[ip + 2]):
            # room for the reference and the next run header (a conservative
            # check, kept as is: it decides when compression gives up)
            if op - (lit == 0) + 4 >= cap:
                return 0
            if lit:
                dst[op - lit - 1] = <uint8_t>(lit - 1)
            else:
                op -= 1         # drop the empty run's header slot
            maxlen = n - ip - 2
            if maxlen > MAX_MATCH:
                maxlen = MAX_MATCH
            # Extend the match. With more than 16 bytes of headroom the first
            # 16 extra bytes are compared without the length limit, so a match
            # may end up to two bytes past maxlen (never past the input).
            m = 3
            if maxlen > 16:
                while m < 19 and src[ref + m] == src[ip + m]:
                    m += 1
                if m == 19:
                    while m < maxlen and src[ref + m] == src[ip + m]:
                        m += 1
            else:
                while m < maxlen and src[ref + m] == src[ip + m]:
                    m += 1
            code = m - 2
            if code < 7:
                dst[op] = <uint8_t>((dist >> 8) + (code << 5))
                op += 1
            else:
                dst[op] = <uint8_t>((dist >> 8) + (7 << 5))
                dst[op + 1] = <uint8_t>(code - 7)
                op += 2
            dst[op] = <uint8_t>(dist & 0xFF)
            op += 2             # and open a new run
            lit = 0
            ip += m
            if ip + 2 >= n:
                break
            # enter the last two positions covered by the match
            ip -= 2
            h = (<uint32_t>src[ip] << 8) | src[ip + 1]
            h = (h << 8) | src[ip + 2]
            slots[_slot_index(h)] = <uint32_t>ip + 1
            ip += 1
            h = (h << 8) | src[ip + 2]
            slots[_slot_index(h)] = <uint32_t>ip + 1
            ip += 1
        else:
            if op >= cap:
                return 0
            dst[op] = src[ip]
            op += 1
            ip += 1
            lit += 1
            if lit == MAX_LITERAL:
                dst[op - lit - 1] = MAX_LITERAL - 1
                lit = 0
                op += 1
    # at most two bytes are left, plus a run header
    if op + 3 > cap:
        return 0
    while ip < n:
        dst[op] = src[ip]
        op += 1
        ip += 1
        lit += 1
        if lit == MAX_LITERAL:
            dst[op - lit - 1] = MAX_LITERAL - 1
            lit = 0
            op += 1
    if lit:
        dst[op - lit - 1] = <uint8_t>(lit - 1)
    else:
        op -= 1
    return <unsigned int>op


cdef unsigned int lzf_decompress(const void* in_data, unsigned int in_len,
                                 void* out_data, unsigned int out_len) noexcept nogil:
    cdef const uint8_t* src = <const uint8_t*>in_data
    cdef uint8_t* dst = <uint8_t*>out_data
    cdef size_t ip = 0, op = 0, count, back, i
    cdef unsigned int ctrl
    while ip < in_len:
        ctrl = src[ip]
        ip += 1
        if ctrl < 32:
            count = ctrl + 1
            if op + count > out_len or ip + count > in_len:
                return 0
            memcpy(dst + op, src + ip, count)
            op += count
            ip += count
        else:
            count = ctrl >> 5
            back = (ctrl & 0x1F) << 8
            if ip >= in_len:
                return 0
            if count == 7:
                count += src[ip]
                ip += 1
                if ip >= in_len:
                    return 0
            back += src[ip]
            ip += 1
            count += 2
            if op + count > out_len or back + 1 > op:
                return 0
            back += 1
            if back >= count:
                memcpy(dst + op, dst + op - back, count)
            else:
                # the source overlaps what is being written: byte by byte
                for i in range(count):
                    dst[op + i] = dst[op + i - back]
            op += count
    return <unsigned int>op


# ----------------------------------------------------------- Python side --

def py_compress(bytes data, out_len=None):
    """LZF-compress data. With out_len, None when the result does not fit
    (liblzf's rule); without, the room is always enough. b"" for b""."""
    cdef size_t n = <size_t>PyBytes_GET_SIZE(data)
    cdef size_t cap
    cdef unsigned int r
    cdef uint8_t* buf
    cdef const char* src = PyBytes_AS_STRING(data)
    if n > SLOT_LIMIT:
        raise ValueError("input too large for LZF")
    if n == 0:
        return b""
    if out_len is None:
        cap = n + (n >> 5) + 16
        if cap > SLOT_LIMIT:
            cap = SLOT_LIMIT
    else:
        if out_len < 0:
            raise ValueError("out_len must not be negative")
        cap = min(<size_t>out_len, <size_t>SLOT_LIMIT)
    buf = <uint8_t*>malloc(cap + 1)
    if buf == NULL:
        raise MemoryError()
    try:
        with nogil:
            r = lzf_compress(src, <unsigned int>n, buf, <unsigned int>cap)
        if r == 0:
            if out_len is None:
                raise MemoryError()
            return None
        return PyBytes_FromStringAndSize(<char*>buf, r)
    finally:
        free(buf)


def py_decompress_raw(bytes data, Py_ssize_t out_len):
    """lzf_decompress into a buffer of out_len bytes: (return value, the
    bytes it reports as written)."""
    cdef size_t n = <size_t>PyBytes_GET_SIZE(data)
    cdef unsigned int r
    cdef uint8_t* buf
    cdef const char* src = PyBytes_AS_STRING(data)
    if n > SLOT_LIMIT or out_len < 0 or <size_t>out_len > SLOT_LIMIT:
        raise ValueError("length out of range for LZF")
    buf = <uint8_t*>malloc(<size_t>out_len + 1)
    if buf == NULL:
        raise MemoryError()
    try:
        with nogil:
            r = lzf_decompress(src, <unsigned int>n, buf, <unsigned int>out_len)
        return r, PyBytes_FromStringAndSize(<char*>buf, r)
    finally:
        free(buf)


def py_decompress(bytes data, Py_ssize_t expected_len):
    """Decompress data that must expand to exactly expected_len bytes (the
    check Redis's RDB loader makes); ValueError otherwise."""
    r, out = py_decompress_raw(data, expected_len)
    if r != expected_len:
        raise ValueError("invalid LZF compressed data")
    return out


def _scramble_table(uint64_t seed, uint32_t limit):
    """Fill this thread's table with pseudo-random slot values up to limit
    (tests check that leftovers never change the output)."""
    cdef HashTable* t = _thread_table()
    cdef int i
    if t == NULL:
        raise MemoryError()
    for i in range(HASH_SIZE):
        seed = (seed + 0x9E3779B97F4A7C15ULL) * 0xBF58476D1CE4E5B9ULL
        t.slots[i] = <uint32_t>((seed >> 29) % (<uint64_t>limit + 1))


def _compress_at(size_t in_addr, unsigned int in_len, size_t out_addr, unsigned int out_len):
    """lzf_compress on raw addresses (tests place buffers next to guard pages)."""
    cdef unsigned int r
    with nogil:
        r = lzf_compress(<const void*>in_addr, in_len, <void*>out_addr, out_len)
    return r


def _decompress_at(size_t in_addr, unsigned int in_len, size_t out_addr, unsigned int out_len):
    """lzf_decompress on raw addresses (tests place buffers next to guard pages)."""
    cdef unsigned int r
    with nogil:
        r = lzf_decompress(<const void*>in_addr, in_len, <void*>out_addr, out_len)
    return r
