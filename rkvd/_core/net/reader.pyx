# The request reader: the query buffer (the transport reads straight into
# it, see the buffer protocol below) and Redis's resumable request parser,
# multibulk and inline, with Redis's limits and error texts. It knows no
# client or engine: the limits are fields its owner sets, a protocol error
# is a code and a text. Declared in reader.pxd.
#
# The usual cycle: prepare_read(), the transport fills [len, cap), filled(n),
# then parse() until it returns 0 (needs more bytes) or -1 (protocol error),
# calling next_request() after each request it returned 1 for, and
# batch_done() at the end.


@cython.final
cdef class RequestReader:

    def __cinit__(self):
        self.buf = NULL
        self.argv = NULL
        self.aoff = NULL
        self.ibuf = NULL
        self.bulklen = -1
        self.max_bulk_len = 512 * 1024 * 1024
        self.max_querybuf_len = 1024 * 1024 * 1024

    def __dealloc__(self):
        free(self.buf)
        free(self.argv)
        free(self.aoff)
        free(self.ibuf)

    # ------------------------------------------------------------ the buffer

    # Make room for the next read: drop the consumed bytes (keeping the
    # request being parsed) and grow [len, cap) to a read buffer at least;
    # a big bulk being read gets room for all of it, to arrive in one piece.
    cdef int prepare_read(self) except -1:
        cdef Py_ssize_t need = PROTO_IOBUF_LEN, cap
        cdef char* nb
        if self.bulklen >= PROTO_MBULK_BIG_ARG and self.pos + self.bulklen + 2 > self.len:
            # no more than the rest of the big bulk, as Redis reads it: the
            # buffer then holds exactly the request (what client eviction
            # and CLIENT LIST count)
            need = self.pos + self.bulklen + 2 - self.len
        if self.start == 0 and self.cap - self.len >= need:
            return 0
        self._args_to_offsets()
        if self.start > 0:
            if self.len > self.start:
                memmove(self.buf, self.buf + self.start, self.len - self.start)
            self.len -= self.start
            self.pos -= self.start
            self.start = 0
        if self.cap - self.len < need:
            cap = self.len + need
            if self.bulklen < PROTO_MBULK_BIG_ARG and cap < self.cap * 2:
                cap = self.cap * 2
            nb = <char*>realloc(self.buf, cap)
            if nb == NULL:
                self._args_from_offsets()
                raise MemoryError()
            self.buf = nb
            self.cap = cap
        self._args_from_offsets()
        return 0

    # The arguments of a multibulk request being parsed point into buf: while
    # buf moves (prepare_read, shrink) they are kept as offsets from start.
    cdef inline void _args_to_offsets(self) noexcept:
        cdef int i
        if self.reqtype == REQ_MULTIBULK:
            for i in range(self.argc):
                self.aoff[i] = self.argv[i].ptr - (self.buf + self.start)

    cdef inline void _args_from_offsets(self) noexcept:
        cdef int i
        if self.reqtype == REQ_MULTIBULK:
            for i in range(self.argc):
                self.argv[i].ptr = self.buf + self.start + self.aoff[i]

    # The free part [len, cap) as a writable buffer (uvloop's recv_into).
    def __getbuffer__(self, Py_buffer* view, int flags):
        view.buf = self.buf + self.len
        view.len = self.cap - self.len
        view.obj = self
        view.readonly = 0
        view.itemsize = 1
        view.format = NULL
        view.ndim = 1
        view.shape = NULL
        view.strides = NULL
        view.suboffsets = NULL
        view.internal = NULL

    def __releasebuffer__(self, Py_buffer* view):
        pass

    # The size of that buffer: uvloop's SSL protocol asks it with len()
    # before it decrypts into the buffer.
    def __len__(self):
        return self.cap - self.len

    # n bytes were read into [len, cap).
    cdef inline void filled(self, Py_ssize_t n) noexcept:
        self.len += n
        if self.len - self.start > self.peak:
            self.peak = self.len - self.start

    # Append bytes as if read, a read buffer at a time (tests, parse_requests).
    cdef int feed(self, const char* p, Py_ssize_t n) except -1:
        cdef Py_ssize_t k
        while n > 0:
            self.prepare_read()
            k = self.cap - self.len
            if k > n:
                k = n
            memcpy(self.buf + self.len, p, k)
            self.filled(k)
            p += k
            n -= k
        return 0

    # The unconsumed bytes exceed client-query-buffer-limit (a big bulk
    # being read is exempt: its size was checked against proto-max-bulk-len).
    cdef inline bint over_limit(self) noexcept:
        return self.len - self.start > self.max_querybuf_len and self.bulklen < PROTO_MBULK_BIG_ARG

    # The first n unconsumed bytes (for the log).
    cdef bytes head(self, Py_ssize_t n):
        if n > self.len - self.start:
            n = self.len - self.start
        return PyBytes_FromStringAndSize(self.buf + self.start, n)

    # Redis's clientsCronResizeQueryBuffer: an idle connection's empty buffer
    # is freed; a buffer much larger than the recent peak shrinks to it.
    cdef int shrink(self, bint idle) except -1:
        cdef Py_ssize_t used = self.len - self.start
        cdef Py_ssize_t target
        cdef char* nb
        if self.buf == NULL or self.bulklen >= PROTO_MBULK_BIG_ARG:
            self.peak = used
            return 0
        if used == 0 and idle:
            free(self.buf)
            self.buf = NULL
            self.cap = self.len = self.pos = self.start = 0
        elif self.cap > 2 * PROTO_IOBUF_LEN and self.cap / 2 > self.peak:
            target = self.peak if self.peak > used else used
            if target < PROTO_IOBUF_LEN:
                target = PROTO_IOBUF_LEN
            self._args_to_offsets()
            if self.start > 0:
                memmove(self.buf, self.buf + self.start, used)
                self.pos -= self.start
                self.len = used
                self.start = 0
            nb = <char*>realloc(self.buf, target)
            if nb != NULL:
                self.buf = nb
                self.cap = target
            self._args_from_offsets()
        self.peak = used
        return 0

    # ------------------------------------------------------------ parsing

    # Parse the next request from pos (< len). Returns 1 when one is complete (its
    # arguments in argv[0:argc]; argc may be 0: "*0", an empty line), 0 when
    # more bytes are needed, -1 on a protocol error (error, errmsg); the
    # owner then answers the error and closes the connection.
    cdef inline int parse(self) except -2:
        if RKVD_DEBUG:
            assert 0 <= self.start <= self.pos < self.len <= self.cap, "query buffer offsets out of order"
        if self.reqtype == REQ_NONE:
            self.start = self.pos
            self.reqtype = REQ_MULTIBULK if self.buf[self.pos] == b'*' else REQ_INLINE
        if self.reqtype == REQ_MULTIBULK:
            return self._parse_multibulk()
        return self._parse_inline()

    # After a request: the next one starts at pos.
    cdef inline void next_request(self) noexcept:
        self.reqtype = REQ_NONE
        self.argc = 0
        self.multibulklen = 0
        self.bulklen = -1
        self.start = self.pos

    # After a batch of parse() calls: when every byte read was consumed, the
    # next read starts at the beginning of the buffer again.
    cdef inline void batch_done(self) noexcept:
        if self.pos == self.len and self.reqtype == REQ_NONE:
            self.pos = self.len = self.start = 0

    # Forget the parse of the current request: it is parsed again, from its
    # first byte, by the next parse() (a client held by CLIENT PAUSE).
    cdef void rewind(self) noexcept:
        self.pos = self.start
        self.reqtype = REQ_NONE
        self.argc = 0
        self.multibulklen = 0
        self.bulklen = -1

    # Drop everything, buffer contents included (the memory is kept).
    cdef void reset(self) noexcept:
        self.rewind()
        self.pos = self.len = self.start = 0
        self.error = PROTO_ERR_NONE
        self.errlen = 0

    cdef void release_argv(self) noexcept:
        free(self.argv)
        free(self.aoff)
        self.argv = NULL
        self.aoff = NULL
        self.argcap = 0

    cdef int _grow_argv(self, long n) except -1:
        cdef Arg* na
        cdef Py_ssize_t* no
        if n <= self.argcap:
            return 0
        na = <Arg*>realloc(self.argv, n * sizeof(Arg))
        if na == NULL:
            raise MemoryError()
        self.argv = na
        no = <Py_ssize_t*>realloc(self.aoff, n * sizeof(Py_ssize_t))
        if no == NULL:
            raise MemoryError()
        self.aoff = no
        self.argcap = n
        return 0

    # Record a protocol error: code and "Protocol error: <what>".
    cdef int _error(self, int code, const char* what) noexcept:
        cdef Py_ssize_t n = strlen(what)
        memcpy(self.errmsg, b"Protocol error: ", 16)
        memcpy(self.errmsg + 16, what, n)
        self.errmsg[16 + n] = 0
        self.errlen = 16 + n
        self.error = code
        return -1

    # Returns 1 when a full request is parsed, 0 when more data is needed,
    # -1 on a protocol error.
    cdef int _parse_multibulk(self) except -2:
        # Header lines are searched like Redis's strchr on the NUL-terminated
        # query buffer: a NUL byte hides any line end after it.
        cdef char* nl
        cdef char* p
        cdef long long ll
        cdef Py_ssize_t avail
        cdef char what[24]
        if self.multibulklen == 0:
            p = self.buf + self.pos
            avail = self.len - self.pos
            nl = _strchr_n(p, b'\r', avail)
            if nl == NULL:
                if avail > PROTO_INLINE_MAX_SIZE:
                    return self._error(PROTO_ERR_MBULK_COUNT_TOO_BIG, b"too big mbulk count string")
                return 0
            if nl - p > avail - 2:
                return 0
            if not string2ll(p + 1, nl - p - 1, &ll) or ll > INT_MAX:
                return self._error(PROTO_ERR_MBULK_LEN, b"invalid multibulk length")
            if ll > 10 and not self.authenticated:
                return self._error(PROTO_ERR_MBULK_LEN_UNAUTH, b"unauthenticated multibulk length")
            self.pos = (nl - self.buf) + 2
            if ll <= 0:
                return 1
            self.multibulklen = <long>ll
            self._grow_argv(ll if ll < 1024 else 1024)
        while self.multibulklen:
            if self.bulklen == -1:
                p = self.buf + self.pos
                avail = self.len - self.pos
                nl = _strchr_n(p, b'\r', avail)
                if nl == NULL:
                    if avail > PROTO_INLINE_MAX_SIZE:
                        return self._error(PROTO_ERR_BULK_COUNT_TOO_BIG, b"too big bulk count string")
                    return 0
                if nl - p > avail - 2:
                    return 0
                if p[0] != b'$':
                    memcpy(what, b"expected '$', got ' '", 22)
                    what[19] = p[0]
                    return self._error(PROTO_ERR_EXPECTED_DOLLAR, what)
                if not string2ll(p + 1, nl - p - 1, &ll) or ll < 0 or ll > self.max_bulk_len:
                    return self._error(PROTO_ERR_BULK_LEN, b"invalid bulk length")
                if ll > 16384 and not self.authenticated:
                    return self._error(PROTO_ERR_BULK_LEN_UNAUTH, b"unauthenticated bulk length")
                self.pos = (nl - self.buf) + 2
                self.bulklen = ll
            if self.len - self.pos < self.bulklen + 2:
                return 0
            if self.argc == self.argcap:
                self._grow_argv(self.argcap * 2 if self.argcap else 8)
            self.argv[self.argc].ptr = self.buf + self.pos
            self.argv[self.argc].len = self.bulklen
            self.argc += 1
            self.pos += self.bulklen + 2
            self.bulklen = -1
            self.multibulklen -= 1
        return 1

    cdef int _parse_inline(self) except -2:
        cdef char* p = self.buf + self.pos
        cdef Py_ssize_t avail = self.len - self.pos
        cdef char* nl = _strchr_n(p, b'\n', avail)
        cdef Py_ssize_t linelen, n
        if nl == NULL:
            if avail > PROTO_INLINE_MAX_SIZE:
                return self._error(PROTO_ERR_INLINE_TOO_BIG, b"too big inline request")
            return 0
        linelen = nl - p
        if linelen and p[linelen - 1] == b'\r':
            linelen -= 1
        n = self._split_inline(p, linelen)
        if n < 0:
            return self._error(PROTO_ERR_UNBALANCED_QUOTES, b"unbalanced quotes in request")
        self.pos = (nl - self.buf) + 1
        return 1

    # Split an inline line into arguments with redis.conf quoting rules
    # ("..." with escapes, '...'), unescaped into ibuf. Returns argc or -1.
    cdef Py_ssize_t _split_inline(self, const char* line, Py_ssize_t n) except -2:
        cdef Py_ssize_t i = 0, w = 0, start
        cdef bint inq, insq, done
        cdef char ch
        cdef char* nb
        if self.ibufcap < n + 1:
            nb = <char*>realloc(self.ibuf, n + 1)
            if nb == NULL:
                raise MemoryError()
            self.ibuf = nb
            self.ibufcap = n + 1
        self.argc = 0
        while True:
            while i < n and isspace(line[i]):
                i += 1
            if i >= n:
                break
            inq = insq = done = False
            start = w
            while not done:
                if inq:
                    if i >= n:
                        return -1
                    ch = line[i]
                    if ch == b'\\' and i + 3 < n and line[i + 1] == b'x' and \
                            isxdigit(line[i + 2]) and isxdigit(line[i + 3]):
                        self.ibuf[w] = <char>(_hexval(line[i + 2]) * 16 + _hexval(line[i + 3]))
                        w += 1
                        i += 3
                    elif ch == b'\\' and i + 1 < n:
                        i += 1
                        ch = line[i]
                        if ch == b'n':
                            ch = b'\n'
                        elif ch == b'r':
                            ch = b'\r'
                        elif ch == b't':
                            ch = b'\t'
                        elif ch == b'b':
                            ch = b'\b'
                        elif ch == b'a':
                            ch = b'\a'
                        self.ibuf[w] = ch
                        w += 1
                    elif ch == b'"':
                        if i + 1 < n and not isspace(line[i + 1]):
                            return -1
                        done = True
                    else:
                        self.ibuf[w] = ch
                        w += 1
                elif insq:
                    if i >= n:
                        return -1
                    ch = line[i]
                    if ch == b'\\' and i + 1 < n and line[i + 1] == b'\'':
                        i += 1
                        self.ibuf[w] = b'\''
                        w += 1
                    elif ch == b'\'':
                        if i + 1 < n and not isspace(line[i + 1]):
                            return -1
                        done = True
                    else:
                        self.ibuf[w] = ch
                        w += 1
                else:
                    if i >= n:
                        done = True
                        i -= 1
                    else:
                        ch = line[i]
                        if ch == b' ' or ch == b'\n' or ch == b'\r' or ch == b'\t' or ch == 0:
                            done = True
                        elif ch == b'"':
                            inq = True
                        elif ch == b'\'':
                            insq = True
                        else:
                            self.ibuf[w] = ch
                            w += 1
                i += 1
            if self.argc == self.argcap:
                self._grow_argv(self.argcap * 2 if self.argcap else 8)
            self.argv[self.argc].ptr = self.ibuf + start
            self.argv[self.argc].len = w - start
            self.argc += 1
        return self.argc


# strchr bounded by n: the first c before any NUL byte, or NULL. The NUL
# check covers only the bytes before c: scanning the whole rest of a large
# pipelined buffer on every header line made parsing quadratic.
cdef inline char* _strchr_n(char* p, char c, Py_ssize_t n) noexcept:
    cdef char* z = <char*>memchr(p, c, n)
    if z != NULL and memchr(p, 0, z - p) != NULL:
        return NULL
    return z


cdef inline int _hexval(char c) noexcept:
    if 48 <= c <= 57:          # 0-9
        return c - 48
    if 97 <= c <= 102:         # a-f
        return c - 87
    return c - 55              # A-F


cdef long long parse_requests(const char* data, Py_ssize_t dl, long long repeat) except -1:
    # The request parser alone, for perf's RESP benchmark (declared in
    # server.pxd; tests/native/server.pyx wraps it for Python): one reader
    # parses `data` `repeat` times, executing nothing.
    cdef RequestReader r = RequestReader()
    cdef long long n = 0, i
    if dl <= 0:
        return 0
    r.authenticated = True
    r.feed(data, dl)
    for i in range(repeat):  # no-cython-lint
        r.reset()
        memcpy(r.buf, data, dl)
        r.len = dl
        while r.pos < r.len:
            if r.parse() <= 0:
                break
            n += 1
            r.next_request()
    return n
