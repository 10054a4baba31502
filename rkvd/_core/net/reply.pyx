# The reply writer: every RESP2/RESP3 reply type encoded into one growing
# buffer, which the owner (a Client) hands to the transport once per batch.
# It knows no client or engine: the protocol version is a field, and an error
# reply is reported through the on_error hook. Declared in reply.pxd.

# Precomputed "*N\r\n" / "$N\r\n" headers for N < 32, like Redis's shared.mbulkhdr.
cdef char g_hdr[3][OBJ_SHARED_BULKHDR_LEN][8]
cdef int g_hdr_len[3][OBJ_SHARED_BULKHDR_LEN]

cdef void _init_headers() noexcept:
    cdef int t, i
    cdef const char* prefix = b"*$%"
    for t in range(3):
        for i in range(OBJ_SHARED_BULKHDR_LEN):
            g_hdr_len[t][i] = snprintf(g_hdr[t][i], 8, "%c%d\r\n", prefix[t], i)

_init_headers()


@cython.final
cdef class ReplyWriter:

    def __cinit__(self):
        self.buf = NULL
        self.resp = 2
        self.size = self.peak = PROTO_IOBUF_LEN
        self.peak_reset_ms = 0          # as Redis: the first cron resets the peak

    def __dealloc__(self):
        free(self.buf)

    # Make room for n more reply bytes. Returns the write pointer.
    cdef inline char* _reserve(self, Py_ssize_t n) except NULL:
        cdef Py_ssize_t need = self.len + n
        cdef Py_ssize_t cap
        cdef char* nb
        if RKVD_DEBUG:
            assert 0 <= self.len <= self.cap and n >= 0, "reply buffer length out of range"
        if need > self.cap:
            cap = self.cap * 2 if self.cap else self.size
            if cap < need:
                cap = need
            nb = <char*>realloc(self.buf, cap)
            if nb == NULL:
                raise MemoryError()
            self.buf = nb
            self.cap = cap
        return self.buf + self.len

    cdef inline int add_raw(self, const char* p, Py_ssize_t n) except -1:
        cdef char* w = self._reserve(n)
        memcpy(w, p, n)
        self.len += n
        return 0

    # A canned reply: the complete RESP bytes (b":0\r\n", b"+QUEUED\r\n"), as
    # a literal, so no length is ever counted by hand.
    cdef inline int add_canned(self, bytes r) except -1:
        return self.add_raw(PyBytes_AS_STRING(r), PyBytes_GET_SIZE(r))

    # "<prefix><n>\r\n"
    cdef inline int add_len(self, char prefix, long long n) except -1:
        cdef char* w
        cdef int l
        if 0 <= n < OBJ_SHARED_BULKHDR_LEN:
            if prefix == b'*':
                return self.add_raw(g_hdr[0][n], g_hdr_len[0][n])
            if prefix == b'$':
                return self.add_raw(g_hdr[1][n], g_hdr_len[1][n])
        w = self._reserve(24)
        w[0] = prefix
        l = ll2string(w + 1, 22, n)
        w[l + 1] = b'\r'
        w[l + 2] = b'\n'
        self.len += l + 3
        return 0

    cdef inline int add_ok(self) except -1:
        return self.add_canned(b"+OK\r\n")

    cdef inline int add_int(self, long long v) except -1:
        return self.add_len(b':', v)

    cdef inline int add_bulk(self, const char* p, Py_ssize_t n) except -1:
        cdef char* w
        if n < OBJ_SHARED_BULKHDR_LEN:
            w = self._reserve(n + 7)
            memcpy(w, g_hdr[1][n], g_hdr_len[1][n])
            w += g_hdr_len[1][n]
            memcpy(w, p, n)
            w[n] = b'\r'
            w[n + 1] = b'\n'
            self.len += g_hdr_len[1][n] + n + 2
            return 0
        self.add_len(b'$', n)
        w = self._reserve(n + 2)
        memcpy(w, p, n)
        w[n] = b'\r'
        w[n + 1] = b'\n'
        self.len += n + 2
        return 0

    cdef inline int add_bulk_obj(self, object b) except -1:
        if type(b) is bytes:
            return self.add_bulk(PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b))
        return self.add_bulk(PyByteArray_AS_STRING(b), PyByteArray_GET_SIZE(b))

    cdef inline int add_bulk_ll(self, long long v) except -1:
        cdef char tmp[24]
        cdef int l = ll2string(tmp, 24, v)
        return self.add_bulk(tmp, l)

    cdef inline int add_null(self) except -1:
        if self.resp == 3:
            return self.add_canned(b"_\r\n")
        return self.add_canned(b"$-1\r\n")

    cdef inline int add_null_array(self) except -1:
        if self.resp == 3:
            return self.add_canned(b"_\r\n")
        return self.add_canned(b"*-1\r\n")

    cdef inline int add_array_len(self, long long n) except -1:
        return self.add_len(b'*', n)

    cdef inline int add_map_len(self, long long n) except -1:
        if self.resp == 3:
            return self.add_len(b'%', n)
        return self.add_len(b'*', n * 2)

    cdef inline int add_set_len(self, long long n) except -1:
        if self.resp == 3:
            return self.add_len(b'~', n)
        return self.add_len(b'*', n)

    cdef inline int add_status(self, const char* s, Py_ssize_t n) except -1:
        cdef char* w = self._reserve(n + 3)
        w[0] = b'+'
        memcpy(w + 1, s, n)
        w[n + 1] = b'\r'
        w[n + 2] = b'\n'
        self.len += n + 3
        return 0

    cdef int add_double(self, double d) except -1:
        cdef char tmp[MAX_D2STRING_CHARS]
        cdef int l = double_reply_text(tmp, MAX_D2STRING_CHARS, d)
        cdef char* w
        if self.resp == 3:
            w = self._reserve(l + 3)
            w[0] = b','
            memcpy(w + 1, tmp, l)
            w[l + 1] = b'\r'
            w[l + 2] = b'\n'
            self.len += l + 3
            return 0
        return self.add_bulk(tmp, l)

    cdef int add_bool(self, bint v) except -1:
        if self.resp == 3:
            return self.add_raw(b"#t\r\n" if v else b"#f\r\n", 4)
        return self.add_raw(b":1\r\n" if v else b":0\r\n", 4)

    cdef int add_verbatim(self, const char* p, Py_ssize_t n, const char* ext) except -1:
        cdef char* w
        if self.resp == 3:
            self.add_len(b'=', n + 4)
            w = self._reserve(n + 6)
            memcpy(w, ext, 3)
            w[3] = b':'
            memcpy(w + 4, p, n)
            w[n + 4] = b'\r'
            w[n + 5] = b'\n'
            self.len += n + 6
            return 0
        return self.add_bulk(p, n)

    # An error reply. Text without a leading '-' gets "-ERR " like
    # addReplyError; CR/LF in the text become spaces so the reply stays one
    # line. Then on_error (if set) sees the text as given.
    cdef int add_error(self, const char* p, Py_ssize_t n) except -1:
        cdef char* w
        cdef Py_ssize_t i, start, total
        if n > 0 and p[0] == b'-':
            w = self._reserve(n + 2)
            memcpy(w, p, n)
            start = 1
            total = n
        else:
            w = self._reserve(n + 7)
            memcpy(w, b"-ERR ", 5)
            memcpy(w + 5, p, n)
            start = 5
            total = n + 5
        for i in range(start, total):
            if w[i] == b'\r' or w[i] == b'\n':
                w[i] = b' '
        w[total] = b'\r'
        w[total + 1] = b'\n'
        self.len += total + 2
        if self.on_error != NULL:
            self.on_error(self.on_error_ctx, p, n)
        return 0

    cdef inline int add_error_bytes(self, bytes msg) except -1:
        return self.add_error(msg, len(msg))

    cdef inline int add_error_str(self, str msg) except -1:
        cdef bytes b = msg.encode()
        return self.add_error(b, len(b))

    cdef int add_wrongtype(self) except -1:
        return self.add_error_bytes(b"-WRONGTYPE Operation against a key holding the wrong kind of value")

    cdef int add_syntax_error(self) except -1:
        return self.add_error_bytes(b"syntax error")

    cdef int add_not_integer(self) except -1:
        return self.add_error_bytes(b"value is not an integer or out of range")

    # Deferred lengths: reserve nothing, remember where the header goes, and
    # insert it once the element count is known (Redis setDeferredArrayLen).
    cdef inline Py_ssize_t add_deferred(self) except -1:
        return self.len

    cdef int set_deferred(self, Py_ssize_t pos, char prefix, long long n) except -1:
        cdef char hdr[32]
        cdef int hl
        hdr[0] = prefix
        hl = ll2string(hdr + 1, 24, n) + 1
        hdr[hl] = b'\r'
        hdr[hl + 1] = b'\n'
        hl += 2
        self._reserve(hl)
        memmove(self.buf + pos + hl, self.buf + pos, self.len - pos)
        memcpy(self.buf + pos, hdr, hl)
        self.len += hl
        return 0

    cdef int set_deferred_array(self, Py_ssize_t pos, long long n) except -1:
        return self.set_deferred(pos, b'*', n)

    cdef int set_deferred_map(self, Py_ssize_t pos, long long n) except -1:
        if self.resp == 3:
            return self.set_deferred(pos, b'%', n)
        return self.set_deferred(pos, b'*', n * 2)

    cdef int set_deferred_set(self, Py_ssize_t pos, long long n) except -1:
        return self.set_deferred(pos, b'~' if self.resp == 3 else b'*', n)

    # Generic Python value -> RESP, for Python-level handlers (see replytypes.py).
    cdef int add_value(self, object v) except -1:
        cdef bytes b
        t = type(v)
        if t is bytes:
            return self.add_bulk(PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v))
        if t is int:
            return self.add_int(v)
        if t is list or t is tuple:
            self.add_array_len(len(v))
            for x in v:
                self.add_value(x)
            return 0
        if v is None:
            return self.add_null()
        if t is bool:
            return self.add_bool(v)
        if t is str:
            b = (<str>v).encode()
            return self.add_status(b, len(b))
        if t is float:
            return self.add_double(v)
        if t is dict:
            self.add_map_len(len(v))
            for k, x in (<dict>v).items():
                self.add_value(k)
                self.add_value(x)
            return 0
        if t is bytearray:
            return self.add_bulk(PyByteArray_AS_STRING(v), PyByteArray_GET_SIZE(v))
        if isinstance(v, ErrorReply):
            b = str(v).encode()
            return self.add_error(b, len(b))
        if isinstance(v, RespSet):
            self.add_set_len(len(v))
            for x in v:
                self.add_value(x)
            return 0
        if isinstance(v, RespMap):
            self.add_map_len(len(v))
            for k, x in v:
                self.add_value(k)
                self.add_value(x)
            return 0
        if isinstance(v, Verbatim):
            return self.add_verbatim(v, len(v), b"txt")
        if v is NullArray:
            return self.add_null_array()
        if isinstance(v, bytes):
            return self.add_bulk(v, len(v))
        if isinstance(v, str):
            b = (<str>v).encode()
            return self.add_status(b, len(b))
        if isinstance(v, int):
            return self.add_int(v)
        if isinstance(v, (list, tuple)):
            self.add_array_len(len(v))
            for x in v:
                self.add_value(x)
            return 0
        raise TypeError(f"cannot reply with {t!r}")

    # The reply from offset `skip` on as bytes, the buffer emptied (taken).
    cdef bytes take(self, Py_ssize_t skip=0):
        cdef bytes data = PyBytes_FromStringAndSize(self.buf + skip, self.len - skip)
        self.taken()
        return data

    # The reply went out: the buffer emptied and back to its size (freed
    # when a big reply grew it past 4 read buffers).
    cdef void taken(self) noexcept:
        cdef char* nb
        if self.len > self.peak:
            self.peak = self.len if self.len < self.size else self.size
        self.len = 0
        if self.cap > 4 * PROTO_IOBUF_LEN:
            free(self.buf)
            self.buf = NULL
            self.cap = 0
        elif self.cap > self.size:
            nb = <char*>realloc(self.buf, self.size)
            if nb != NULL:
                self.buf = nb
                self.cap = self.size

    cdef int cron_resize(self, long long now_ms, long long reset_ms) except -1:
        cdef Py_ssize_t new = 0
        cdef int r = 0
        if self.size // 2 >= PROTO_REPLY_MIN_BYTES and self.peak < self.size // 2:
            new = self.peak + 1 if self.peak + 1 > PROTO_REPLY_MIN_BYTES else PROTO_REPLY_MIN_BYTES
            r = 1
        elif self.size * 2 < 2 * PROTO_IOBUF_LEN and self.peak == self.size:
            new = self.size * 2 if self.size * 2 < PROTO_IOBUF_LEN else PROTO_IOBUF_LEN
            r = 2
        if reset_ms >= 0 and now_ms - self.peak_reset_ms >= reset_ms:
            self.peak = self.len
            self.peak_reset_ms = now_ms
        if new:
            self.size = new
            if self.len == 0 and self.cap:
                # nothing pending: the next reply allocates the new size
                free(self.buf)
                self.buf = NULL
                self.cap = 0
        return r


from rkvd.replytypes import ErrorReply, RespSet, RespMap, Verbatim, NullArray
