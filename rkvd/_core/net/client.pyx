# The connection: an asyncio BufferedProtocol (uvloop reads straight into the
# query buffer), Redis's resumable request parser, and the reply buffer that is
# written once per read batch.

ctypedef struct Arg:
    char* ptr
    Py_ssize_t len

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

cdef uint64_t g_next_client_id = 1

ctypedef int (*cmd_fn)(Client c) except -1


@cython.final
@cython.no_gc_clear
cdef class Client:
    cdef public Engine engine
    cdef object transport
    cdef readonly uint64_t id
    cdef int fd
    cdef readonly object addr, laddr
    cdef public object name
    cdef public int flags
    cdef public int resp
    cdef Database db
    cdef public bint authenticated
    cdef public long long ctime_ms, last_interaction_ms
    cdef public object lib_name, lib_ver
    cdef public object last_cmd_name
    cdef public bint is_unix
    # query buffer: [0, qstart) consumed, [qstart, qpos) parsed part of the
    # current request, [qpos, qlen) unparsed, [qlen, qcap) free for the next read
    cdef char* qbuf
    cdef Py_ssize_t qcap, qlen, qpos, qstart
    cdef Py_ssize_t qpeak
    cdef int reqtype
    cdef long multibulklen
    cdef long long bulklen
    # argv: offsets into qbuf while a request is being parsed, pointers after
    cdef Arg* argv
    cdef Py_ssize_t* aoff
    cdef public int argc
    cdef int argcap
    cdef char* ibuf              # unescaped inline arguments
    cdef Py_ssize_t ibufcap
    # reply buffer
    cdef char* rbuf
    cdef Py_ssize_t rlen, rcap
    cdef public long long errors_seen
    cdef public object cur_cmd    # Command being executed (for failed_calls)
    cdef public long long output_bytes
    cdef long long obuf_soft_since
    # MULTI/EXEC state (multi.pyx)
    cdef list mstate               # queued [(Command, [args])]
    cdef list watched              # [(Database, key, expired_when_watched)]
    # blocking state (blocked.pyx)
    cdef list blocked_argv         # the blocked command's arguments, kept alive
    cdef list blocked_keys
    cdef Database blocked_db
    cdef object blocked_cmd
    cdef object blocked_timer
    cdef public long long blocked_timeout_ms

    def __cinit__(self):
        self.qbuf = NULL
        self.rbuf = NULL
        self.argv = NULL
        self.aoff = NULL
        self.ibuf = NULL
        self.bulklen = -1
        self.resp = 2

    def __dealloc__(self):
        free(self.qbuf)
        free(self.rbuf)
        free(self.argv)
        free(self.aoff)
        free(self.ibuf)

    # ---------------------------------------------------------------- reply buffer

    # Make room for n more reply bytes. Returns the write pointer.
    cdef inline char* _reserve(self, Py_ssize_t n) except NULL:
        cdef Py_ssize_t need = self.rlen + n
        cdef Py_ssize_t cap
        cdef char* nb
        if need > self.rcap:
            cap = self.rcap * 2 if self.rcap else PROTO_IOBUF_LEN
            if cap < need:
                cap = need
            nb = <char*>realloc(self.rbuf, cap)
            if nb == NULL:
                raise MemoryError()
            self.rbuf = nb
            self.rcap = cap
        return self.rbuf + self.rlen

    cdef inline int add_raw(self, const char* p, Py_ssize_t n) except -1:
        cdef char* w = self._reserve(n)
        memcpy(w, p, n)
        self.rlen += n
        return 0

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
        self.rlen += l + 3
        return 0

    cdef inline int add_ok(self) except -1:
        return self.add_raw(b"+OK\r\n", 5)

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
            self.rlen += g_hdr_len[1][n] + n + 2
            return 0
        self.add_len(b'$', n)
        w = self._reserve(n + 2)
        memcpy(w, p, n)
        w[n] = b'\r'
        w[n + 1] = b'\n'
        self.rlen += n + 2
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
            return self.add_raw(b"_\r\n", 3)
        return self.add_raw(b"$-1\r\n", 5)

    cdef inline int add_null_array(self) except -1:
        if self.resp == 3:
            return self.add_raw(b"_\r\n", 3)
        return self.add_raw(b"*-1\r\n", 5)

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
        self.rlen += n + 3
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
            self.rlen += l + 3
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
            self.rlen += n + 6
            return 0
        return self.add_bulk(p, n)

    # An error reply. Text without a leading '-' gets "-ERR " like
    # addReplyError; CR/LF in the text become spaces so the reply stays one line.
    cdef int add_error(self, const char* p, Py_ssize_t n) except -1:
        cdef char* w
        cdef Py_ssize_t i, start
        if n > 0 and p[0] == b'-':
            w = self._reserve(n + 2)
            memcpy(w, p, n)
            start = self.rlen + 1
        else:
            w = self._reserve(n + 7)
            memcpy(w, b"-ERR ", 5)
            memcpy(w + 5, p, n)
            start = self.rlen + 5
            n += 5
        for i in range(start, self.rlen + n):
            if self.rbuf[i] == b'\r' or self.rbuf[i] == b'\n':
                self.rbuf[i] = b' '
        self.rbuf[self.rlen + n] = b'\r'
        self.rbuf[self.rlen + n + 1] = b'\n'
        self.rlen += n + 2
        self.errors_seen += 1
        self.engine.count_error(p, n)
        return 0

    cdef inline int add_error_bytes(self, bytes msg) except -1:
        return self.add_error(msg, len(msg))

    cdef inline int add_error_str(self, str msg) except -1:
        cdef bytes b = msg.encode()
        return self.add_error(b, len(b))

    cdef int add_wrongtype(self) except -1:
        return self.add_error(b"-WRONGTYPE Operation against a key holding the wrong kind of value", 66)

    cdef int add_syntax_error(self) except -1:
        return self.add_error(b"syntax error", 12)

    cdef int add_not_integer(self) except -1:
        return self.add_error(b"value is not an integer or out of range", 39)

    # Deferred lengths: reserve nothing, remember where the header goes, and
    # insert it once the element count is known (Redis setDeferredArrayLen).
    cdef inline Py_ssize_t add_deferred(self) except -1:
        return self.rlen

    cdef int set_deferred(self, Py_ssize_t pos, char prefix, long long n) except -1:
        cdef char hdr[32]
        cdef int hl
        hdr[0] = prefix
        hl = ll2string(hdr + 1, 24, n) + 1
        hdr[hl] = b'\r'
        hdr[hl + 1] = b'\n'
        hl += 2
        self._reserve(hl)
        memmove(self.rbuf + pos + hl, self.rbuf + pos, self.rlen - pos)
        memcpy(self.rbuf + pos, hdr, hl)
        self.rlen += hl
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
        cdef Py_ssize_t i
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

    # Hand the reply bytes to the transport (one write per batch).
    cdef int flush(self) except -1:
        if self.rlen == 0:
            return 0
        if self.flags & CF_CLOSED:
            self.rlen = 0
            return 0
        data = PyBytes_FromStringAndSize(self.rbuf, self.rlen)
        self.output_bytes += self.rlen
        self.engine.stat_net_output_bytes += self.rlen
        self.rlen = 0
        if self.rcap > 4 * PROTO_IOBUF_LEN:
            free(self.rbuf)
            self.rbuf = NULL
            self.rcap = 0
        self.transport.write(data)
        if self.engine.obuf_hard_limit or self.engine.obuf_soft_limit:
            self._check_output_limits()
        return 0

    cdef int _check_output_limits(self) except -1:
        cdef long long pending = self.transport.get_write_buffer_size()
        cdef Engine e = self.engine
        cdef long long now
        if e.obuf_hard_limit and pending >= e.obuf_hard_limit:
            self._obuf_overflow(pending)
            return 0
        if e.obuf_soft_limit and pending >= e.obuf_soft_limit:
            now = mstime()
            if self.obuf_soft_since == 0:
                self.obuf_soft_since = now
            elif now - self.obuf_soft_since >= e.obuf_soft_seconds * 1000:
                self._obuf_overflow(pending)
        else:
            self.obuf_soft_since = 0
        return 0

    cdef _obuf_overflow(self, long long pending):
        self.engine.log_warning(
            f"Client {self.info_line()} scheduled to be closed ASAP for overcoming of output buffer limits.")
        self.engine.stat_client_outbuf_limit_disconnections += 1
        self.close()

    # ---------------------------------------------------------------- protocol

    def connection_made(self, transport):
        cdef Engine e = self.engine
        self.transport = transport
        self.id = g_next_client_id
        _bump_client_id()
        self.ctime_ms = mstime()
        self.last_interaction_ms = self.ctime_ms
        self.authenticated = not e.requirepass
        self.db = e.dbs[0]
        sock = transport.get_extra_info('socket')
        peer = transport.get_extra_info('peername')
        local = transport.get_extra_info('sockname')
        self.fd = sock.fileno() if sock is not None else -1
        if isinstance(peer, tuple):
            self.addr = _fmt_addr(peer)
            self.laddr = _fmt_addr(local)
        else:
            self.is_unix = True
            self.addr = f"{local or ''}:0"
            self.laddr = f"{local or ''}:0"
        if e.maxclients and len(e.clients) >= e.maxclients:
            transport.write(b"-ERR max number of clients reached\r\n")
            e.stat_rejected_conn += 1
            e.count_error(b"ERR", 3)
            self.flags |= CF_CLOSED
            transport.close()
            return
        if sock is not None and not self.is_unix:
            try:
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                if e.tcp_keepalive > 0:
                    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
        e.clients[self.id] = self
        e.stat_numconnections += 1
        transport.set_write_buffer_limits(high=e.writebuf_high, low=e.writebuf_high // 4)

    def connection_lost(self, exc):
        if self.flags & CF_BLOCKED:
            unblock_client(self, False, False)
        self.flags |= CF_CLOSED
        self.engine.client_gone(self)
        self.transport = None

    def eof_received(self):
        return False

    def pause_writing(self):
        # Output is not draining: stop reading this client until it does.
        if not (self.flags & CF_CLOSED):
            self.flags |= CF_READ_PAUSED
            self.transport.pause_reading()

    def resume_writing(self):
        if self.flags & CF_READ_PAUSED:
            self.flags &= ~CF_READ_PAUSED
            if not (self.flags & CF_CLOSED):
                self.transport.resume_reading()
                self.process_and_flush()

    def get_buffer(self, Py_ssize_t sizehint):
        cdef Py_ssize_t need, cap, i
        cdef char* nb
        # Drop consumed bytes, keeping the request being parsed.
        if self.qstart > 0:
            if self.qlen > self.qstart:
                memmove(self.qbuf, self.qbuf + self.qstart, self.qlen - self.qstart)
            for i in range(self.argc):
                self.aoff[i] -= self.qstart
            self.qlen -= self.qstart
            self.qpos -= self.qstart
            self.qstart = 0
        need = PROTO_IOBUF_LEN
        if self.bulklen >= PROTO_MBULK_BIG_ARG:
            # Read a big argument in one piece: room for all of it.
            if self.qpos + self.bulklen + 2 - self.qlen > need:
                need = self.qpos + self.bulklen + 2 - self.qlen
        if self.qcap - self.qlen < need:
            cap = self.qlen + need
            if self.bulklen < PROTO_MBULK_BIG_ARG and cap < self.qcap * 2:
                cap = self.qcap * 2
            nb = <char*>realloc(self.qbuf, cap)
            if nb == NULL:
                raise MemoryError()
            self.qbuf = nb
            self.qcap = cap
        return self

    def __getbuffer__(self, Py_buffer* view, int flags):
        view.buf = self.qbuf + self.qlen
        view.len = self.qcap - self.qlen
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

    def buffer_updated(self, Py_ssize_t nbytes):
        cdef Engine e = self.engine
        self.qlen += nbytes
        e.stat_net_input_bytes += nbytes
        if self.qlen - self.qstart > self.qpeak:
            self.qpeak = self.qlen - self.qstart
        if self.qlen - self.qstart > e.client_max_querybuf_len and self.bulklen < PROTO_MBULK_BIG_ARG:
            e.log_warning(f"Closing client that reached max query buffer length: {self.info_line()} (qbuf initial bytes: {self.qbuf[self.qstart:self.qstart + 64 if self.qlen - self.qstart > 64 else self.qlen]!r})")
            e.stat_client_qbuf_limit_disconnections += 1
            self.close()
            return
        try:
            self.process_and_flush()
        except Exception as exc:
            # A bug must cost this connection at most, never the server.
            import traceback
            e.log_warning("Closing client after internal error: " +
                          "".join(traceback.format_exception(exc)).rstrip().replace("\n", " | "))
            self.close()

    cdef int process_and_flush(self) except -1:
        self.flags |= CF_IN_BATCH
        try:
            self.process_input()
        finally:
            self.flags &= ~CF_IN_BATCH
        if self.rlen and self.engine.loop is not None and not (self.flags & CF_CLOSE_AFTER_REPLY):
            # Like Redis's beforeSleep: replies go out once every client with
            # input in this loop iteration has run, so the peers are woken
            # in one burst rather than between requests.
            if not (self.flags & CF_WRITE_PENDING):
                self.flags |= CF_WRITE_PENDING
                self.engine.queue_flush(self)
            return 0
        if self.rlen:
            self.flush()
        if self.flags & CF_CLOSE_AFTER_REPLY and not (self.flags & CF_CLOSED):
            self.flags |= CF_CLOSED
            self.transport.close()
        return 0

    cpdef close(self):
        """Close the connection now (pending output is still sent)."""
        if self.flags & CF_CLOSED:
            return
        self.flags |= CF_CLOSED
        if self.transport is not None:
            self.transport.close()
        self.engine.client_gone(self)

    # ---------------------------------------------------------------- parsing

    cdef inline void _reset_request(self) noexcept:
        self.reqtype = REQ_NONE
        self.argc = 0
        self.multibulklen = 0
        self.bulklen = -1
        self.qstart = self.qpos

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

    cdef int _protocol_error(self, const char* msg) except -2:
        cdef Py_ssize_t n = strlen(msg)
        self.add_error(msg, n)
        self.flags |= CF_CLOSE_AFTER_REPLY
        if self.engine.verbosity_debug:
            self.engine.log_verbose(f"Protocol error ({(<bytes>msg).decode()}) from client: {self.info_line()}")
        return -1

    # Returns 1 when a full request is parsed, 0 when more data is needed,
    # -1 after a protocol error (reply written, connection to be closed).
    cdef int _parse_multibulk(self) except -2:
        # Header lines are searched like Redis's strchr on the NUL-terminated
        # query buffer: a NUL byte hides any line end after it.
        cdef char* nl
        cdef char* p
        cdef long long ll
        cdef Py_ssize_t avail
        cdef Engine e = self.engine
        if self.multibulklen == 0:
            p = self.qbuf + self.qpos
            avail = self.qlen - self.qpos
            nl = _strchr_n(p, b'\r', avail)
            if nl == NULL:
                if avail > PROTO_INLINE_MAX_SIZE:
                    return self._protocol_error(b"Protocol error: too big mbulk count string")
                return 0
            if nl - p > avail - 2:
                return 0
            if not string2ll(p + 1, nl - p - 1, &ll) or ll > INT_MAX:
                return self._protocol_error(b"Protocol error: invalid multibulk length")
            if ll > 10 and not self.authenticated:
                return self._protocol_error(b"Protocol error: unauthenticated multibulk length")
            self.qpos = (nl - self.qbuf) + 2
            if ll <= 0:
                return 1
            self.multibulklen = <long>ll
            self._grow_argv(ll if ll < 1024 else 1024)
        while self.multibulklen:
            if self.bulklen == -1:
                p = self.qbuf + self.qpos
                avail = self.qlen - self.qpos
                nl = _strchr_n(p, b'\r', avail)
                if nl == NULL:
                    if avail > PROTO_INLINE_MAX_SIZE:
                        return self._protocol_error(b"Protocol error: too big bulk count string")
                    return 0
                if nl - p > avail - 2:
                    return 0
                if p[0] != b'$':
                    e._fmt_buf = f"Protocol error: expected '$', got '{chr(<unsigned char>p[0])}'".encode('latin-1')
                    return self._protocol_error(e._fmt_buf)
                if not string2ll(p + 1, nl - p - 1, &ll) or ll < 0 or \
                        (self.authenticated and ll > e.proto_max_bulk_len):
                    return self._protocol_error(b"Protocol error: invalid bulk length")
                if ll > 16384 and not self.authenticated:
                    return self._protocol_error(b"Protocol error: unauthenticated bulk length")
                self.qpos = (nl - self.qbuf) + 2
                self.bulklen = ll
            if self.qlen - self.qpos < self.bulklen + 2:
                return 0
            if self.argc == self.argcap:
                self._grow_argv(self.argcap * 2 if self.argcap else 8)
            self.aoff[self.argc] = self.qpos
            self.argv[self.argc].len = self.bulklen
            self.argc += 1
            self.qpos += self.bulklen + 2
            self.bulklen = -1
            self.multibulklen -= 1
        return 1

    cdef int _parse_inline(self) except -2:
        cdef char* p = self.qbuf + self.qpos
        cdef Py_ssize_t avail = self.qlen - self.qpos
        cdef char* nl = _strchr_n(p, b'\n', avail)
        cdef Py_ssize_t linelen, n
        if nl == NULL:
            if avail > PROTO_INLINE_MAX_SIZE:
                return self._protocol_error(b"Protocol error: too big inline request")
            return 0
        linelen = nl - p
        if linelen and p[linelen - 1] == b'\r':
            linelen -= 1
        n = self._split_inline(p, linelen)
        if n < 0:
            return self._protocol_error(b"Protocol error: unbalanced quotes in request")
        self.qpos = (nl - self.qbuf) + 1
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

    # Parse and run every complete request in the buffer.
    cdef int process_input(self) except -1:
        cdef int r
        cdef int i
        cdef Py_ssize_t saved
        cdef Engine e = self.engine
        while self.qpos < self.qlen:
            if self.flags & (CF_CLOSE_AFTER_REPLY | CF_CLOSED | CF_PAUSED | CF_BLOCKED):
                break
            if self.reqtype == REQ_NONE:
                self.qstart = self.qpos
                self.reqtype = REQ_MULTIBULK if self.qbuf[self.qpos] == b'*' else REQ_INLINE
            if self.reqtype == REQ_MULTIBULK:
                r = self._parse_multibulk()
                if r == 1:
                    for i in range(self.argc):
                        self.argv[i].ptr = self.qbuf + self.aoff[i]
            else:
                r = self._parse_inline()
            if r <= 0:
                break
            if self.argc > 0:
                if e.clients_paused and e.pause_blocks(self):
                    # Hold the parsed request: rewind so it is parsed again later.
                    self.qpos = self.qstart
                    self.reqtype = REQ_NONE
                    self.argc = 0
                    self.multibulklen = 0
                    self.bulklen = -1
                    self.flags |= CF_PAUSED
                    e.paused_clients.add(self)
                    break
                self.last_interaction_ms = e.cached_ms
                # CLIENT REPLY: SKIP silences the command after it, OFF all
                # of them; the flags are read after the command runs, so
                # CLIENT REPLY ON (which clears them) gets its OK through
                if self.flags & CF_REPLY_SKIP_NEXT:
                    self.flags = (self.flags & ~CF_REPLY_SKIP_NEXT) | CF_REPLY_SKIP
                saved = self.rlen
                e.execute(self)
                if self.flags & (CF_REPLY_SKIP | CF_REPLY_OFF):
                    self.rlen = saved
                    self.flags &= ~CF_REPLY_SKIP
            self._reset_request()
            if self.rlen > PROTO_REPLY_CHUNK:
                self.flush()
        if self.qpos == self.qlen and self.reqtype == REQ_NONE:
            self.qpos = self.qlen = self.qstart = 0
        return 0

    # Redis's clientsCronResizeQueryBuffer: an idle client's empty buffer is
    # freed; a buffer much larger than the recent peak shrinks to it.
    cdef int cron_resize_querybuf(self, long long now_ms) except -1:
        cdef Py_ssize_t used = self.qlen - self.qstart
        cdef Py_ssize_t target
        cdef char* nb
        if self.qbuf == NULL or self.bulklen >= PROTO_MBULK_BIG_ARG:
            self.qpeak = used
            return 0
        if used == 0 and now_ms - self.last_interaction_ms > 2000:
            free(self.qbuf)
            self.qbuf = NULL
            self.qcap = self.qlen = self.qpos = self.qstart = 0
        elif self.qcap > 2 * PROTO_IOBUF_LEN and self.qcap / 2 > self.qpeak:
            target = self.qpeak if self.qpeak > used else used
            if target < PROTO_IOBUF_LEN:
                target = PROTO_IOBUF_LEN
            if self.qstart > 0:
                memmove(self.qbuf, self.qbuf + self.qstart, used)
                for i in range(self.argc):
                    self.aoff[i] -= self.qstart
                self.qpos -= self.qstart
                self.qlen = used
                self.qstart = 0
            nb = <char*>realloc(self.qbuf, target)
            if nb != NULL:
                self.qbuf = nb
                self.qcap = target
        self.qpeak = used
        return 0

    # ---------------------------------------------------------------- argv access

    cdef inline bytes arg_bytes(self, int i):
        return PyBytes_FromStringAndSize(self.argv[i].ptr, self.argv[i].len)

    cdef inline bint arg_is(self, int i, const char* lower) noexcept:
        # case-insensitive compare of argv[i] with a lowercase C string
        cdef Py_ssize_t n = strlen(lower)
        cdef Py_ssize_t k
        if self.argv[i].len != n:
            return False
        for k in range(n):
            if tolower(<unsigned char>self.argv[i].ptr[k]) != lower[k]:
                return False
        return True

    cdef int arg_ll(self, int i, long long* out) except -1:
        """Parse argv[i] as a long long; replies the error and returns 0 if not."""
        if string2ll(self.argv[i].ptr, self.argv[i].len, out):
            return 1
        self.add_not_integer()
        return 0

    cdef int arg_range(self, int i, long long lo, long long hi, long long* out,
                       const char* msg) except -1:
        """Redis's getRangeLongFromObjectOrReply: argv[i] as an integer in
        [lo, hi]; `msg` (if not NULL) is the error for both failures.
        Replies the error and returns 0 if not."""
        cdef long long v
        if not string2ll(self.argv[i].ptr, self.argv[i].len, &v):
            if msg != NULL:
                self.add_error(msg, strlen(msg))
            else:
                self.add_not_integer()
            return 0
        if v < lo or v > hi:
            if msg != NULL:
                self.add_error(msg, strlen(msg))
            else:
                self.add_error_str(f"value is out of range, value must between {lo} and {hi}")
            return 0
        out[0] = v
        return 1

    cdef list args_list(self):
        return [PyBytes_FromStringAndSize(self.argv[i].ptr, self.argv[i].len) for i in range(self.argc)]

    cdef str info_line(self):
        return self.engine.client_info_line(self)

    # ---------------------------------------------------------------- Python API

    def request_args(self):
        """The arguments of the request being handled (or held by a pause)."""
        return self.args_list()

    def reply_value(self, v):
        self.add_value(v)

    def reply_ok(self):
        self.add_ok()

    def reply_error(self, msg):
        cdef bytes b = msg.encode() if isinstance(msg, str) else bytes(msg)
        self.add_error(b, len(b))

    def reply_raw(self, bytes data):
        self.add_raw(data, len(data))

    def reply_verbatim(self, data, ext=b"txt"):
        cdef bytes b = data.encode() if isinstance(data, str) else bytes(data)
        self.add_verbatim(b, len(b), ext)

    def unblock(self, bint error):
        """CLIENT UNBLOCK: end a blocking wait as a timeout or with an error.
        False when the client is not blocked."""
        if not (self.flags & CF_BLOCKED):
            return False
        if error:
            self.add_error(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK", 46)
            unblock_client(self, False, True)
        else:
            unblock_client(self, True, True)
        return True

    def reset_multi(self):
        """Leave MULTI and drop WATCHes (RESET, disconnect)."""
        discard_transaction(self)
        if self.watched:
            unwatch_all_keys(self)

    property multi_count:
        def __get__(self):
            """Queued commands, or -1 outside MULTI (CLIENT LIST multi=)."""
            return len(self.mstate) if self.flags & CF_MULTI else -1

    property is_blocked:
        def __get__(self):
            return (self.flags & CF_BLOCKED) != 0

    def close_after_reply(self):
        self.flags |= CF_CLOSE_AFTER_REPLY

    property dbid:
        def __get__(self):
            return self.db.id

    def select(self, int dbid):
        self.db = self.engine.dbs[dbid]

    property qbuf_len:
        def __get__(self):
            return self.qlen - self.qstart

    property qbuf_free:
        def __get__(self):
            return self.qcap - self.qlen

    property qbuf_peak:
        def __get__(self):
            return self.qpeak

    property argv_mem:
        def __get__(self):
            return self.argcap * (sizeof(Arg) + sizeof(Py_ssize_t))

    property obuf_len:
        def __get__(self):
            return self.rlen

    property obuf_mem:
        def __get__(self):
            cdef long long pending = 0
            if self.transport is not None:
                try:
                    pending = self.transport.get_write_buffer_size()
                except Exception:
                    pending = 0
            return self.rcap + pending

    property pending_output:
        def __get__(self):
            if self.transport is None:
                return 0
            try:
                return self.transport.get_write_buffer_size()
            except Exception:
                return 0

    property fileno:
        def __get__(self):
            return self.fd


# strchr bounded by n: the first c before any NUL byte, or NULL. The NUL
# check covers only the bytes before c: scanning the whole rest of a large
# pipelined buffer on every header line made parsing quadratic.
cdef inline char* _strchr_n(char* p, char c, Py_ssize_t n) noexcept:
    cdef char* z = <char*>memchr(p, c, n)
    if z != NULL and memchr(p, 0, z - p) != NULL:
        return NULL
    return z


cdef inline void _bump_client_id() noexcept:
    global g_next_client_id
    g_next_client_id += 1


cdef inline int _hexval(char c) noexcept:
    if 48 <= c <= 57:          # 0-9
        return c - 48
    if 97 <= c <= 102:         # a-f
        return c - 87
    return c - 55              # A-F


def _fmt_addr(a):
    if a is None:
        return "?:0"
    host, port = a[0], a[1]
    return f"{host}:{port}"


from rkvd.replytypes import ErrorReply, RespSet, RespMap, Verbatim, NullArray
