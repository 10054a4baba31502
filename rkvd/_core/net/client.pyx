# The connection: an asyncio BufferedProtocol over a RequestReader (uvloop
# reads straight into its query buffer) and a ReplyWriter (written to the
# transport once per read batch), with the connection's state: database,
# authentication, flags, MULTI and blocking state, output limits.

from posix.unistd cimport write as fd_write

# The event loop's plain socket transports, whose fd stays open (and this
# connection's) until connection_lost has run: replies may be sent on it
# directly (Client.flush). Not TLS, nor a busy script's makeshift transport.
try:
    from uvloop.loop import TCPTransport as _TCPTransport, UnixTransport as _UnixTransport
    _DIRECT_TRANSPORTS = (_TCPTransport, _UnixTransport)
except ImportError:
    _DIRECT_TRANSPORTS = ()

cdef uint64_t g_next_client_id = 1

# Argument-table slots a connection keeps between requests (cron_resize_querybuf)
cdef enum:
    ARGV_KEEP = 1024

# What a non-loopback client gets in protected mode (Redis's text).
cdef bytes PROTECTED_MODE_DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from "
    b"the loopback interface. If you want to connect from external computers to Redis you may "
    b"adopt one of the following solutions: 1) Just disable protected mode sending the command "
    b"'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    b"the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    b"from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    b"Alternatively you can just disable the protected mode by editing the Redis configuration "
    b"file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    b"If you started the server manually just for testing, restart it with the '--protected-mode "
    b"no' option. 4) Setup a an authentication password for the default user. NOTE: You only "
    b"need to do one of the above things in order for the server to start accepting connections "
    b"from the outside.\r\n")


@cython.final
@cython.no_gc_clear
cdef class Client:
    # fields and cdef method signatures: client.pxd

    def __cinit__(self):
        self.reader = RequestReader()
        self.reply = ReplyWriter()
        self.reply.on_error = _client_error_hook
        self.reply.on_error_ctx = <void*>self
        self.argv = NULL
        self.own_argv = NULL
        self.resp = 2

    def __dealloc__(self):
        free(self.own_argv)

    # Make argv an array of the client's own with room for n arguments,
    # keeping argv[0:argc]; the caller then fills it and sets argc.
    cdef int _grow_argv(self, long n) except -1:
        cdef Arg* na
        cdef bint own = self.argv == self.own_argv
        if n > self.own_argcap:
            na = <Arg*>realloc(self.own_argv, n * sizeof(Arg))
            if na == NULL:
                raise MemoryError()
            self.own_argv = na
            self.own_argcap = n
        if not own and self.argc > 0:
            memcpy(self.own_argv, self.argv, (self.argc if self.argc < n else n) * sizeof(Arg))
        self.argv = self.own_argv
        return 0

    cdef inline void set_resp(self, int v) noexcept:
        self.resp = v
        self.reply.resp = v

    property resp:
        def __get__(self):
            return self.resp

        def __set__(self, int v):
            self.set_resp(v)

    # ---------------------------------------------------------------- replies
    # The ReplyWriter's methods under their old names, so the handlers keep
    # writing c.add_bulk(...): thin inline forwards, direct calls once compiled.

    cdef inline char* _reserve(self, Py_ssize_t n) except NULL:
        return self.reply._reserve(n)

    cdef inline int add_raw(self, const char* p, Py_ssize_t n) except -1:
        return self.reply.add_raw(p, n)

    cdef inline int add_canned(self, bytes r) except -1:
        return self.reply.add_canned(r)

    cdef inline int add_len(self, char prefix, long long n) except -1:
        return self.reply.add_len(prefix, n)

    cdef inline int add_ok(self) except -1:
        return self.reply.add_ok()

    cdef inline int add_int(self, long long v) except -1:
        return self.reply.add_int(v)

    cdef inline int add_bulk(self, const char* p, Py_ssize_t n) except -1:
        return self.reply.add_bulk(p, n)

    cdef inline int add_bulk_obj(self, object b) except -1:
        return self.reply.add_bulk_obj(b)

    cdef inline int add_bulk_ll(self, long long v) except -1:
        return self.reply.add_bulk_ll(v)

    cdef inline int add_null(self) except -1:
        return self.reply.add_null()

    cdef inline int add_null_array(self) except -1:
        return self.reply.add_null_array()

    cdef inline int add_array_len(self, long long n) except -1:
        return self.reply.add_array_len(n)

    cdef inline int add_map_len(self, long long n) except -1:
        return self.reply.add_map_len(n)

    cdef inline int add_set_len(self, long long n) except -1:
        return self.reply.add_set_len(n)

    cdef inline int add_status(self, const char* s, Py_ssize_t n) except -1:
        return self.reply.add_status(s, n)

    cdef inline int add_double(self, double d) except -1:
        return self.reply.add_double(d)

    cdef inline int add_bool(self, bint v) except -1:
        return self.reply.add_bool(v)

    cdef inline int add_verbatim(self, const char* p, Py_ssize_t n, const char* ext) except -1:
        return self.reply.add_verbatim(p, n, ext)

    # Error replies count in errors_seen and the error statistics through
    # the writer's on_error hook (_client_error_hook), add_value's too.
    cdef inline int add_error(self, const char* p, Py_ssize_t n) except -1:
        return self.reply.add_error(p, n)

    cdef inline int add_error_bytes(self, bytes msg) except -1:
        return self.reply.add_error_bytes(msg)

    cdef inline int add_error_str(self, str msg) except -1:
        return self.reply.add_error_str(msg)

    cdef inline int add_wrongtype(self) except -1:
        return self.reply.add_wrongtype()

    cdef inline int add_syntax_error(self) except -1:
        return self.reply.add_syntax_error()

    cdef inline int add_not_integer(self) except -1:
        return self.reply.add_not_integer()

    cdef inline Py_ssize_t add_deferred(self) except -1:
        return self.reply.add_deferred()

    cdef inline int set_deferred(self, Py_ssize_t pos, char prefix, long long n) except -1:
        return self.reply.set_deferred(pos, prefix, n)

    cdef inline int set_deferred_array(self, Py_ssize_t pos, long long n) except -1:
        return self.reply.set_deferred_array(pos, n)

    cdef inline int set_deferred_map(self, Py_ssize_t pos, long long n) except -1:
        return self.reply.set_deferred_map(pos, n)

    cdef inline int set_deferred_set(self, Py_ssize_t pos, long long n) except -1:
        return self.reply.set_deferred_set(pos, n)

    cdef inline int add_value(self, object v) except -1:
        return self.reply.add_value(v)

    # Hand the reply bytes to the transport (one write per batch).
    cdef int flush(self) except -1:
        cdef ReplyWriter w = self.reply
        cdef Py_ssize_t n = w.len
        cdef Py_ssize_t sent
        if n == 0:
            return 0
        if self.flags & CF_CLOSED:
            w.len = 0
            return 0
        if self.engine.aof_flush is not None and len(self.engine.prop_buf):
            # Redis's beforeSleep order: the AOF is written (and with
            # appendfsync always synced) and the replicas fed before any
            # reply acknowledges it.
            self.engine.aof_flush()
        if self.output_limited() and self._check_output_limits(n):
            # Redis counts a reply against the limits before writing it and
            # drops what a client closed this way had not been sent
            w.len = 0
            return 0
        self.output_bytes += n
        self.engine.stat_net_output_bytes += n
        if self.direct and self.transport.get_write_buffer_size() == 0:
            # The transport's own first step (a write on the non-blocking
            # socket, SIGPIPE ignored as the loop needs), from the reply
            # buffer itself: no copy of what the socket takes, and
            # what it leaves goes to the transport as a bytes object of
            # exactly that, so the output memory counted is the memory held
            # (a transport keeps a partly sent object whole).
            sent = fd_write(self.fd, w.buf, n)
            if sent == n:
                w.taken()
                return 0
            if sent > 0:
                self.transport.write(w.take(sent))
                return 0
            # EAGAIN, or an error the transport reports and acts on
        self.transport.write(w.take())
        return 0

    cdef inline bint output_limited(self) noexcept:
        cdef Engine e = self.engine
        if self.flags & CF_REPLICA:
            return True         # the replica class's limits: rkvd.replication.master
        if self.flags & CF_PUBSUB:
            return e.obuf_pubsub_hard != 0 or e.obuf_pubsub_soft != 0
        return e.obuf_hard_limit != 0 or e.obuf_soft_limit != 0

    cdef int _check_output_limits(self, long long extra) except -1:
        # the limits of the client's class: pubsub while subscribed, else normal
        cdef long long pending
        cdef Engine e = self.engine
        cdef long long now
        cdef long long hard = e.obuf_hard_limit, soft = e.obuf_soft_limit, secs = e.obuf_soft_seconds
        if self.flags & (CF_CLOSED | CF_REPLICA) or self.transport is None:
            return 0
        pending = self.transport.get_write_buffer_size() + extra
        if self.flags & CF_PUBSUB:
            hard, soft, secs = e.obuf_pubsub_hard, e.obuf_pubsub_soft, e.obuf_pubsub_seconds
        if hard and pending >= hard:
            self._obuf_overflow(pending)
            return 1
        if soft and pending >= soft:
            now = mstime()
            if self.obuf_soft_since == 0:
                self.obuf_soft_since = now
            elif now - self.obuf_soft_since >= secs * 1000:
                self._obuf_overflow(pending)
                return 1
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
        if self.id != 0 and e.clients.get(self.id) is self:
            self._reattach(transport)
            return
        peer = self._init_connection(transport)
        if e.maxclients and len(e.clients) >= e.maxclients:
            transport.write(b"-ERR max number of clients reached\r\n")
            e.stat_rejected_conn += 1
            e.count_error(b"ERR", 3)
            self.flags |= CF_CLOSED
            transport.close()
            return
        if e.protected_mode and e.default_nopass and not self.is_unix and (
                not isinstance(peer, tuple) or peer[0] not in ("127.0.0.1", "::1")):
            transport.write(PROTECTED_MODE_DENIED)
            e.stat_rejected_conn += 1
            self.flags |= CF_CLOSED
            transport.close()
            return
        self._register(transport)
        e.stat_numconnections += 1

    def attach_master(self, transport, link):
        """Make this client the link to this replica's master over
        `transport` (a connection this server opened, so neither maxclients
        nor protected mode apply): its commands are obeyed and answered
        nowhere, as Redis's replicationCreateMasterClient."""
        self._init_connection(transport)
        self.flags |= CF_MASTER | CF_REPLY_OFF
        self.authenticated = True
        self.acl = None
        self.master_link = link
        self._register(transport)

    def feed_master(self, data):
        """Bytes the master link's transport received (its protocol is the
        replica side's, which owns the connection)."""
        cdef const unsigned char[:] view = data
        cdef Engine e = self.engine
        if self.flags & CF_CLOSED or len(data) == 0:
            return
        # counted by the replica side (replication input, not client input)
        self.reader.feed(<const char*>&view[0], len(data))
        self.last_interaction_ms = mstime()
        try:
            self.process_and_flush()
        except Exception as exc:
            import traceback
            e.log_warning("Closing the master link after internal error: " +
                          "".join(traceback.format_exception(exc)).rstrip().replace("\n", " | "))
            self.close()

    def _init_connection(self, transport):
        # the connection's state, before it is admitted; returns the peer
        cdef Engine e = self.engine
        self.transport = transport
        self.id = g_next_client_id
        _bump_client_id()
        self.ctime_ms = mstime()
        self.last_interaction_ms = self.ctime_ms
        self.authenticated = not e.auth_required
        self.user = e.default_user
        self.acl = e.default_acl
        self.db = e.dbs[0]
        sock = transport.get_extra_info('socket')
        peer = transport.get_extra_info('peername')
        local = transport.get_extra_info('sockname')
        self.fd = sock.fileno() if sock is not None else -1
        self.direct = self.fd >= 0 and isinstance(transport, _DIRECT_TRANSPORTS)
        if isinstance(peer, tuple):
            self.addr = _fmt_addr(peer)
            self.laddr = _fmt_addr(local)
        else:
            self.is_unix = True
            self.addr = f"{local or ''}:0"
            self.laddr = f"{local or ''}:0"
        return peer

    def _register(self, transport):
        # an admitted connection joins the client table
        cdef Engine e = self.engine
        sock = transport.get_extra_info('socket')
        if sock is not None and not self.is_unix:
            try:
                sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
                if e.tcp_keepalive > 0:
                    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_KEEPALIVE, 1)
            except OSError:
                pass
        e.clients[self.id] = self
        transport.set_write_buffer_limits(high=e.writebuf_high, low=e.writebuf_high // 4)

    cdef _reattach(self, transport):
        # A connection accepted while a script kept the loop busy (the
        # scripting engine's busy serving) moves to the loop's transport:
        # what its makeshift transport could not send goes first.
        old = self.transport
        self.transport = transport
        sock = transport.get_extra_info('socket')
        self.fd = sock.fileno() if sock is not None else -1
        self.direct = self.fd >= 0 and isinstance(transport, _DIRECT_TRANSPORTS)
        transport.set_write_buffer_limits(high=self.engine.writebuf_high,
                                          low=self.engine.writebuf_high // 4)
        pending = getattr(old, "pending", None)
        if pending:
            transport.write(bytes(pending))
        if self.flags & CF_CLOSE_AFTER_REPLY and not (self.flags & CF_CLOSED):
            self.flags |= CF_CLOSED
            transport.close()

    def connection_lost(self, exc):
        if self.flags & CF_BLOCKED:
            unblock_client(self, False, False)
        self.flags |= CF_CLOSED
        self.engine.client_gone(self)
        self.transport = None

    def eof_received(self):
        return False

    def pause_writing(self):
        # Output is not draining: stop reading and running this client's
        # requests until it does, so a client that never reads cannot grow
        # the server's memory without bound. Not when its class has an
        # output limit: then, as in Redis, the limit disconnects it.
        if not (self.flags & CF_CLOSED) and not self.output_limited():
            self.flags |= CF_READ_PAUSED
            self.transport.pause_reading()

    def resume_writing(self):
        if self.flags & CF_REPLICA:
            if self.engine.repl_drained_fn is not None and not (self.flags & CF_CLOSED):
                self.engine.repl_drained_fn(self)
            return
        if self.flags & CF_READ_PAUSED:
            self.flags &= ~CF_READ_PAUSED
            if not (self.flags & CF_CLOSED):
                self.transport.resume_reading()
                self.process_and_flush()

    def get_buffer(self, Py_ssize_t sizehint):
        self.reader.prepare_read()
        return self.reader

    def buffer_updated(self, Py_ssize_t nbytes):
        cdef Engine e = self.engine
        cdef RequestReader r = self.reader
        r.filled(nbytes)
        e.stat_net_input_bytes += nbytes
        r.max_querybuf_len = e.client_max_querybuf_len
        if r.over_limit():
            e.log_warning(f"Closing client that reached max query buffer length: {self.info_line()} "
                          f"(qbuf initial bytes: {r.head(64)!r})")
            e.stat_client_qbuf_limit_disconnections += 1
            self.close()
            return
        try:
            self.process_and_flush()
            if e.client_evict_limit:
                # what the read and the commands left in the buffers counts now
                update_client_mem(self)
                if e.clients_mem >= e.client_evict_limit:
                    evict_clients(e)
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
        if self.reply.len and self.engine.loop is not None and not (self.flags & CF_CLOSE_AFTER_REPLY):
            # Like Redis's beforeSleep: replies go out once every client with
            # input in this loop iteration has run, so the peers are woken
            # in one burst rather than between requests.
            if not (self.flags & CF_WRITE_PENDING):
                self.flags |= CF_WRITE_PENDING
                self.engine.queue_flush(self)
            return 0
        if self.reply.len:
            self.flush()
        if self.flags & CF_CLOSE_AFTER_REPLY:
            # gone now, as Redis frees it once the reply is written: under
            # TLS the transport reports the loss only after close_notify
            self.close()
        return 0

    cpdef close(self):
        """Close the connection now (pending output is still sent)."""
        if self.flags & CF_CLOSED:
            return
        self.flags |= CF_CLOSED
        if self.transport is not None:
            self.transport.close()
        self.engine.client_gone(self)

    # ---------------------------------------------------------------- requests

    # Answer the reader's protocol error and close after the reply.
    cdef int _protocol_error(self) except -1:
        cdef RequestReader r = self.reader
        self.add_error(r.errmsg, r.errlen)
        self.flags |= CF_CLOSE_AFTER_REPLY
        if self.engine.verbosity_debug:
            self.engine.log_verbose(
                f"Protocol error ({r.errmsg[:r.errlen].decode('utf-8', 'replace')}) from client: {self.info_line()}")
        return 0

    cdef int _drop_reply_from(self, Py_ssize_t saved) except -1:
        cdef Py_ssize_t pos = saved, s, n
        if self.push_ranges is not None:
            for s, n in self.push_ranges:
                if s >= pos:
                    memmove(self.reply.buf + pos, self.reply.buf + s, n - s)
                    pos += n - s
            self.push_ranges = None
        self.reply.len = pos
        return 0

    # Parse and run every complete request in the buffer.
    cdef int process_input(self) except -1:
        cdef int st
        cdef Py_ssize_t saved
        cdef Engine e = self.engine
        cdef RequestReader r = self.reader
        # the master link: the first stream byte not yet handed over, and
        # the end of the last command fully processed
        cdef Py_ssize_t mark = r.start
        cdef Py_ssize_t applied = -1
        cdef bint master = self.master_link is not None
        r.max_bulk_len = e.proto_max_bulk_len
        while r.pos < r.len:
            if self.flags & (CF_CLOSE_AFTER_REPLY | CF_CLOSED | CF_PAUSED | CF_BLOCKED | CF_READ_PAUSED):
                break
            r.authenticated = self.authenticated or not e.auth_required
            st = r.parse()
            if st <= 0:
                if st < 0:
                    self._protocol_error()
                break
            if r.argc > 0:
                self.argv = r.argv
                self.argc = r.argc
                if e.clients_paused and e.pause_blocks(self):
                    # Hold the parsed request: rewind so it is parsed again later.
                    r.rewind()
                    self.argc = 0
                    self.flags |= CF_PAUSED
                    e.paused_clients.add(self)
                    break
                self.last_interaction_ms = e.cached_ms
                # CLIENT REPLY: SKIP silences the command after it, OFF all
                # of them; the flags are read after the command runs, so
                # CLIENT REPLY ON (which clears them) gets its OK through
                if self.flags & CF_REPLY_SKIP_NEXT:
                    self.flags = (self.flags & ~CF_REPLY_SKIP_NEXT) | CF_REPLY_SKIP
                saved = self.reply.len
                if not master:
                    e.execute(self)
                    if self.flags & CF_REPLICA and not (self.flags & CF_MONITOR) \
                            and self.reply.len > saved:
                        # a replica's link carries the stream, never a
                        # reply: one generated means a rogue replica
                        self._drop_reply_from(saved)
                        e.server.replication.replica_replied(self, self.args_list())
                elif self.argc >= 2 and self.arg_is(0, b"replconf"):
                    # REPLCONF GETACK is the one command a master expects
                    # an answer to (the replica side writes it), with the
                    # offset reached before it
                    self._master_consumed(mark, applied, r.start)
                    mark = r.start
                    applied = -1
                    self.master_link.replconf(self.args_list())
                else:
                    e.master_running = True
                    try:
                        e.execute(self)
                    finally:
                        e.master_running = False
                if self.flags & (CF_REPLY_SKIP | CF_REPLY_OFF):
                    self._drop_reply_from(saved)
                    self.flags &= ~CF_REPLY_SKIP
                self.argc = 0
            r.next_request()
            if master and not (self.flags & CF_MULTI):
                applied = r.start
            if self.reply.len > PROTO_REPLY_CHUNK:
                self.flush()
            if e.client_evict_limit and not (self.flags & CF_CLOSED):
                # Redis's processCommandAndResetClient: the reply just made
                # counts before the next command (of any client) may evict
                # keys for memory that evicting this client would give back
                update_client_mem(self)
        if master and r.start > mark:
            self._master_consumed(mark, applied, r.start)
        r.batch_done()
        return 0

    cdef int _master_consumed(self, Py_ssize_t mark, Py_ssize_t applied, Py_ssize_t end) except -1:
        if end <= mark:
            return 0
        self.master_link.on_stream(PyBytes_FromStringAndSize(self.reader.buf + mark, end - mark),
                                   applied - mark if applied >= mark else -1)
        return 0

    # Redis's clientsCronResizeQueryBuffer (RequestReader.shrink); idle: no
    # request for 2 seconds.
    cdef int cron_resize_querybuf(self, long long now_ms) except -1:
        self.reader.shrink(now_ms - self.last_interaction_ms > 2000)
        # a request of many arguments grew the argument table; Redis frees
        # its argv after every command, so one SADD of 100,000 members does
        # not keep megabytes per connection. Only between requests: nothing
        # parsed waits, and this client does not run one.
        if self.reader.argcap > ARGV_KEEP and self.reader.argc == 0 and (
                self.argc == 0 or self.argv != self.reader.argv):
            if self.argv == self.reader.argv:
                self.argv = NULL
            self.reader.release_argv()
        return 0

    # ---------------------------------------------------------------- argv access

    cdef inline bytes arg_bytes(self, int i):
        return PyBytes_FromStringAndSize(self.argv[i].ptr, self.argv[i].len)

    cdef inline bytes arg_cstr(self, int i):
        cdef const char* nul = <const char*>memchr(self.argv[i].ptr, 0, self.argv[i].len)
        if nul == NULL:
            return PyBytes_FromStringAndSize(self.argv[i].ptr, self.argv[i].len)
        return PyBytes_FromStringAndSize(self.argv[i].ptr, nul - self.argv[i].ptr)

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

    def write_raw(self, bytes data):
        """Write to the connection at once, past the reply buffer and
        CLIENT REPLY OFF (what a replica sends its master: REPLCONF ACK)."""
        if self.transport is not None and not (self.flags & CF_CLOSED):
            self.output_bytes += len(data)
            self.transport.write(data)

    property transport_closed:
        def __get__(self):
            return self.transport is None or bool(self.flags & CF_CLOSED)

    def reply_verbatim(self, data, ext=b"txt"):
        cdef bytes b = data.encode() if isinstance(data, str) else bytes(data)
        self.add_verbatim(b, len(b), ext)

    def unblock(self, bint error):
        """CLIENT UNBLOCK: end a blocking wait as a timeout or with an error.
        False when the client is not blocked."""
        return self.unblock_with(b"-UNBLOCKED client unblocked via CLIENT UNBLOCK" if error else None)

    def unblock_with(self, bytes error):
        """End a blocking wait with the error `error`, or as a timeout when
        None. False when the client is not blocked."""
        if not (self.flags & CF_BLOCKED):
            return False
        if error is not None:
            self.add_error_bytes(error)
            if self.blocked_cmd is not None:
                (<Command>self.blocked_cmd).failed_calls += 1     # as Redis's updateStatsOnUnblock
                if self.engine.latency_tracking:
                    (<Command>self.blocked_cmd).record_latency(self.blocked_call_us)
            unblock_client(self, False, True)
        else:
            unblock_client(self, True, True)
        return True

    def mark_replica(self):
        """SYNC/PSYNC made this connection a replica: it is never closed
        for idleness nor paused for slow reading, and its output limits are
        the replica class's, which the replication module applies. Its
        transport reports (resume_writing) each time it has sent everything:
        the stream waits in the replication buffer until then, as one write
        each loop to a stalled connection would cost the event loop a
        write request (some 700 bytes) per command."""
        self.flags |= CF_REPLICA
        if self.transport is not None:
            self.transport.set_write_buffer_limits(high=1, low=0)

    def write_stream(self, data):
        """Replication: bytes straight to the connection, after whatever
        replies it was already given (the replica's stream, the RDB
        payload). False when the connection is closed."""
        if self.flags & CF_CLOSED or self.transport is None:
            return False
        if self.reply.len:
            self.flush()
        self.transport.write(data)
        return True

    def block_wait(self):
        """Park this client with no key (WAIT, a SHUTDOWN waiting for the
        replicas): its pipeline waits until unblock_wait; the caller keeps
        the timer and writes the reply."""
        self.blocked_argv = self.args_list()
        self.blocked_keys = []
        self.blocked_db = self.db
        self.blocked_cmd = self.cur_cmd
        self.blocked_timeout_ms = 0
        self.flags |= CF_BLOCKED
        self.engine.nblocked += 1

    def unblock_wait(self, long long reply, error=None):
        """End a wait parked by block_wait with its reply: the count (WAIT:
        the replicas that acked), or the error when one is given (bytes)."""
        if not (self.flags & CF_BLOCKED):
            return False
        unblock_client(self, False, False)
        if error is not None:
            self.add_error_bytes(error)
        else:
            self.add_int(reply)
        if not (self.flags & CF_CLOSED):
            if self.engine.loop is not None:
                self.engine.loop.call_soon(_resume_client, self)
            else:
                self.process_and_flush()
        return True

    property blocking_denied:
        def __get__(self):
            """Inside MULTI/EXEC or a script: a blocking command answers at once."""
            return (self.flags & (CF_DENY_BLOCKING | CF_MULTI)) != 0

    def reset_multi(self):
        """Leave MULTI and drop WATCHes (RESET, disconnect)."""
        discard_transaction(self)
        if self.watched:
            unwatch_all_keys(self)

    def pubsub_reset(self):
        """Drop every subscription and leave MONITOR mode, silently (RESET)."""
        pubsub_forget(self)
        monitor_forget(self)

    property sub_counts:
        def __get__(self):
            """(channels, patterns, shard channels) subscribed to (CLIENT LIST)."""
            return (len(self.sub_channels) if self.sub_channels is not None else 0,
                    len(self.sub_patterns) if self.sub_patterns is not None else 0,
                    shard_count(self))

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
            # inside a big bulk Redis's query buffer holds that bulk alone
            # (the arguments before it are already out of it): the bytes of
            # it read so far
            if self.reader.bulklen >= PROTO_MBULK_BIG_ARG:
                return self.reader.len - self.reader.pos
            return self.reader.len - self.reader.start

    property qbuf_free:
        def __get__(self):
            return self.reader.cap - self.reader.len

    property qbuf_peak:
        def __get__(self):
            return self.reader.peak

    property argv_mem:
        def __get__(self):
            return (self.reader.argcap * (sizeof(Arg) + sizeof(Py_ssize_t))
                    + self.own_argcap * sizeof(Arg))

    property obuf_len:
        def __get__(self):
            return self.reply.len

    property reply_buf_size:            # CLIENT LIST rbs: Redis's buf_usable_size
        def __get__(self):
            return self.reply.size

    property reply_buf_peak:            # CLIENT LIST rbp
        def __get__(self):
            return self.reply.peak

    property in_mem_bucket:
        """True when client eviction counts this connection and may close it."""
        def __get__(self):
            return self.mem_bucket_seq != 0 and not (self.flags & (CF_NO_EVICT | CF_MONITOR))

    property tot_mem:
        """The bytes this connection holds (CLIENT LIST tot-mem)."""
        def __get__(self):
            return client_memory(self)

    property obuf_mem:
        def __get__(self):
            cdef long long pending = 0
            if self.transport is not None:
                try:
                    pending = self.transport.get_write_buffer_size()
                except Exception:
                    pending = 0
            return self.reply.cap + pending

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


# The ReplyWriter's on_error hook: ctx is the Client owning the writer.
cdef int _client_error_hook(void* ctx, const char* p, Py_ssize_t n) except -1:
    cdef Client c = <Client>ctx
    c.errors_seen += 1
    c.engine.count_error(p, n)
    if c.flags & CF_MASTER:
        _link_error(c, p, n, "replica", "master")
    elif c.flags & CF_REPLICA and not (c.flags & CF_MONITOR):
        _link_error(c, p, n, "master", "replica")
    return 0


# An error on a replication link: this replica "answering" its master
# (dropped, as every reply to the master), or this master answering a
# replica that sent a command it should not. Logged as Redis's
# afterErrorReply does, since the data sets may now differ.
cdef int _link_error(Client c, const char* p, Py_ssize_t n, str me, str peer) except -1:
    cdef Engine e = c.engine
    e.stat_unexpected_error_replies += 1
    msg = PyBytes_FromStringAndSize(p, n if n < 4096 else 4096).rstrip(b"\r\n")
    e.log_warning(f"== CRITICAL == This {me} is sending an error to its {peer}: "
                  f"'{msg.decode('utf-8', 'replace')}' after processing the command "
                  f"'{c.last_cmd_name or '<unknown>'}'")
    return 0


cdef inline void _bump_client_id() noexcept:
    global g_next_client_id
    g_next_client_id += 1


def _fmt_addr(a):
    if a is None:
        return "?:0"
    host, port = a[0], a[1]
    return f"{host}:{port}"
