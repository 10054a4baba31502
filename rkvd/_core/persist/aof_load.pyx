# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
#
# The AOF loader's scanner (rkvd.aof replays what it finds): the command
# boundaries of an AOF file read as Redis's loadSingleAppendOnlyFile reads
# them, so that a cut-off tail, an incomplete MULTI or a format error is
# found at the same place. The commands themselves run through the engine as
# a client's requests.
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_FromStringAndSize
from libc.string cimport memchr

cpdef enum:
    SCAN_MORE = 0           # max_cmds reached: call again from the returned position
    SCAN_END = 1            # the data ends after the last span
    SCAN_TRUNCATED = 2      # a command is cut short after the last span
    SCAN_BAD_FORMAT = 3     # something that is no command follows the last span


# A decimal at p[0:n] as atoi/strtol read it (leading blanks, a sign, the
# digits; anything after is ignored; nothing gives 0).
cdef long long _atoll(const char* p, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i = 0
    cdef long long v = 0
    cdef bint neg = False
    while i < n and (p[i] == b' ' or p[i] == b'\t'):
        i += 1
    if i < n and (p[i] == b'-' or p[i] == b'+'):
        neg = p[i] == b'-'
        i += 1
    while i < n and 48 <= p[i] <= 57 and v < 1000000000000000:     # '0'..'9'
        v = v * 10 + (p[i] - 48)
        i += 1
    return -v if neg else v


def scan_commands(bytes data, Py_ssize_t pos, Py_ssize_t max_cmds):
    """Up to max_cmds commands of data from pos: (status, end, spans) where
    spans is [(start, stop, name)] in order (name: the first argument's
    bytes, or None for a '#' annotation line), end is the offset after the
    last span and status one of the SCAN_* values. A line is read up to its
    newline; a '$' length is followed by that many bytes and two more (the
    CRLF, not checked, as Redis reads them)."""
    cdef const char* b = PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef Py_ssize_t p, nl, start, argc, j, ln
    cdef const char* hit
    cdef list spans = []
    cdef object name
    while len(spans) < max_cmds:
        if pos >= n:
            return SCAN_END, pos, spans
        hit = <const char*>memchr(b + pos, b'\n', n - pos)
        nl = hit - b if hit != NULL else -1
        if b[pos] == b'#':
            stop = n if nl < 0 else nl + 1
            spans.append((pos, stop, None))
            pos = stop
            continue
        if b[pos] != b'*':
            return SCAN_BAD_FORMAT, pos, spans
        if nl < 0:
            return SCAN_TRUNCATED, pos, spans
        argc = _atoll(b + pos + 1, nl - pos - 1)
        if argc < 1:
            return SCAN_BAD_FORMAT, pos, spans
        start = pos
        p = nl + 1
        name = None
        for j in range(argc):
            if p >= n:
                return SCAN_TRUNCATED, start, spans
            if b[p] != b'$':
                return SCAN_BAD_FORMAT, start, spans
            hit = <const char*>memchr(b + p, b'\n', n - p)
            if hit == NULL:
                return SCAN_TRUNCATED, start, spans
            nl = hit - b
            ln = _atoll(b + p + 1, nl - p - 1)
            if ln < 0:
                ln = 0
            if nl + 1 + ln + 2 > n:
                return SCAN_TRUNCATED, start, spans
            if j == 0:
                name = PyBytes_FromStringAndSize(b + nl + 1, ln)
            p = nl + 1 + ln + 2
        spans.append((start, p, name))
        pos = p
    return SCAN_MORE, pos, spans
