# The connection (net/client.pyx): an asyncio BufferedProtocol over a
# RequestReader and a ReplyWriter, with the connection's state. Handlers
# receive a Client, read its arguments (argv[0:argc], valid until the
# command returns: they point into the reader's buffer or own_argv) and
# write replies through the add_* forwards, which inline into the unit.

# A C command handler (registered with register_c): writes its reply to c
# and returns 0; -1 only with a Python exception set (a bug, answered as an
# -ERR by the dispatcher).
ctypedef int (*cmd_fn)(Client c) except -1


@cython.final
cdef class Client:
    cdef public Engine engine
    cdef object transport
    cdef readonly uint64_t id
    cdef int fd
    # Replies may be sent on fd directly while the transport holds nothing
    # (the loop's plain TCP or Unix transport; TLS records need theirs)
    cdef bint direct
    cdef readonly object addr, laddr
    cdef public object name
    cdef public int flags
    # The protocol version, for the engine's code; Python sets it through
    # the `resp` property (set_resp), which keeps reply.resp equal to it.
    cdef int resp
    cdef Database db               # the SELECTed database, never None
    cdef public bint authenticated
    # The ACL user (rkvd.acl.User) and, when that user is restricted, its
    # compiled rules (engine/acl.pxd); None allows everything.
    cdef public object user
    cdef public AclGuard acl
    cdef public long long ctime_ms, last_interaction_ms
    cdef public object lib_name, lib_ver
    cdef public object last_cmd_name
    cdef public bint is_unix
    cdef RequestReader reader
    cdef ReplyWriter reply
    # The running command's arguments: the reader's argv for a request read
    # from the connection, an array of the client's own (own_argv, see
    # _grow_argv) for commands run from elsewhere (EXEC, a served BLPOP).
    cdef Arg* argv
    cdef public int argc
    cdef Arg* own_argv
    cdef int own_argcap
    cdef public long long errors_seen
    cdef public object cur_cmd    # Command being executed (for failed_calls)
    cdef public long long output_bytes
    # Where the propagation stream stood (Engine.prop_taken's count) after
    # this client's last command that fed it, 0 before any: WAIT's offset
    # (Redis's c->woff, mapped to a replication offset by the shell)
    cdef public long long woff
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
    # how long the call that blocked took (us): a served or CLIENT UNBLOCKed
    # command enters its latency histogram with it, as Redis's c->duration
    cdef long long blocked_call_us
    # client eviction (engine/client_evict.pyx): the last memory reading
    # counted in Engine.clients_mem, the group it put the client in, and
    # when the client entered that group (0: not counted)
    cdef public long long last_mem
    cdef readonly int mem_bucket
    cdef long long mem_bucket_seq
    # bytes of the queued MULTI commands' arguments (valid while mstate is not empty)
    cdef long long mstate_mem
    # pub/sub state (engine/pubsub.pyx), None until the first subscription:
    # channel -> None in subscription order (Redis's c->pubsub_channels),
    # the patterns in subscription order, the shard channels
    cdef dict sub_channels
    cdef list sub_patterns
    cdef dict sub_shard
    # [(start, end)] reply-buffer ranges of pushes (pub/sub confirmations
    # and messages) written by a command running under CLIENT REPLY OFF or
    # SKIP: Redis sends them anyway (CLIENT_PUSHING). None when there are none.
    cdef list push_ranges
    # client-side caching (engine/tracking.pyx): the id of the client that
    # gets this one's invalidations (0: this one), and the BCAST prefixes
    # (bytes -> None) or None
    cdef public long long tracking_redir
    cdef dict tracking_prefixes
    # On the link to this replica's master (CF_MASTER): the replica side's
    # link object (rkvd.replication.replica), told of the stream bytes the
    # commands consumed (on_stream) and handed REPLCONF (replconf); else None.
    cdef public object master_link

    # Make argv an array of the client's own with room for n arguments,
    # keeping argv[0:argc]; the caller then fills it and sets argc.
    cdef int _grow_argv(self, long n) except -1

    # Set the protocol version of the client and of its reply writer.
    cdef inline void set_resp(self, int v) noexcept

    # Reply helpers: the ReplyWriter's methods (net/reply.pxd) under the
    # names handlers use, thin inline forwards to self.reply. Each returns 0,
    # or -1 with a Python exception set (out of memory).
    cdef inline char* _reserve(self, Py_ssize_t n) except NULL

    cdef inline int add_raw(self, const char* p, Py_ssize_t n) except -1

    cdef inline int add_canned(self, bytes r) except -1

    cdef inline int add_len(self, char prefix, long long n) except -1

    cdef inline int add_ok(self) except -1

    cdef inline int add_int(self, long long v) except -1

    cdef inline int add_bulk(self, const char* p, Py_ssize_t n) except -1

    cdef inline int add_bulk_obj(self, object b) except -1

    cdef inline int add_bulk_ll(self, long long v) except -1

    cdef inline int add_null(self) except -1

    cdef inline int add_null_array(self) except -1

    cdef inline int add_array_len(self, long long n) except -1

    cdef inline int add_map_len(self, long long n) except -1

    cdef inline int add_set_len(self, long long n) except -1

    cdef inline int add_status(self, const char* s, Py_ssize_t n) except -1

    cdef inline int add_double(self, double d) except -1

    cdef inline int add_bool(self, bint v) except -1

    cdef inline int add_verbatim(self, const char* p, Py_ssize_t n, const char* ext) except -1

    # Error replies count in errors_seen and the error statistics through
    # the writer's on_error hook (_client_error_hook), add_value's too.
    cdef inline int add_error(self, const char* p, Py_ssize_t n) except -1

    cdef inline int add_error_bytes(self, bytes msg) except -1

    cdef inline int add_error_str(self, str msg) except -1

    cdef inline int add_wrongtype(self) except -1

    cdef inline int add_syntax_error(self) except -1

    cdef inline int add_not_integer(self) except -1

    cdef inline Py_ssize_t add_deferred(self) except -1

    cdef inline int set_deferred(self, Py_ssize_t pos, char prefix, long long n) except -1

    cdef inline int set_deferred_array(self, Py_ssize_t pos, long long n) except -1

    cdef inline int set_deferred_map(self, Py_ssize_t pos, long long n) except -1

    cdef inline int set_deferred_set(self, Py_ssize_t pos, long long n) except -1

    cdef inline int add_value(self, object v) except -1

    # Hand the reply bytes to the transport (one write per batch).
    cdef int flush(self) except -1

    # Whether the client's class (pubsub while subscribed, else normal) has
    # an output limit.
    cdef inline bint output_limited(self) noexcept

    # client-output-buffer-limit: close the client when what the transport
    # holds plus `extra` bytes about to be written passes the hard limit, or
    # the soft one for too long; 1 if that closed the client. Also
    # run by the clients cron, so a soft limit expires without traffic.
    cdef int _check_output_limits(self, long long extra) except -1

    # Log, count and close a client over its output limits.
    cdef _obuf_overflow(self, long long pending)

    # Move a registered client to a new transport (a connection accepted
    # while a script kept the loop busy), sending what the old one holds.
    cdef _reattach(self, transport)

    # Run what the last read brought, then queue the client for the batched
    # flush of this loop iteration (or flush at once outside the loop).
    cdef int process_and_flush(self) except -1

    # Close the connection now (pending output is still sent) and forget
    # the client in the engine; a second call is a no-op.
    cpdef close(self)

    # Answer the reader's protocol error and close after the reply.
    cdef int _protocol_error(self) except -1

    # Silence what the command wrote since reply offset `saved` (CLIENT
    # REPLY OFF/SKIP), keeping the pushes of push_ranges.
    cdef int _drop_reply_from(self, Py_ssize_t saved) except -1

    # Parse and run every complete request in the buffer.
    cdef int process_input(self) except -1

    # The master link's share of process_input: the stream bytes in the
    # query buffer from `mark` to `end` were consumed, and the commands
    # ending at `applied` (-1: none) were fully processed (not inside a
    # MULTI still open). Hands them to master_link.on_stream.
    cdef int _master_consumed(self, Py_ssize_t mark, Py_ssize_t applied, Py_ssize_t end) except -1

    # Redis's clientsCronResizeQueryBuffer (RequestReader.shrink); idle: no
    # request for 2 seconds.
    cdef int cron_resize_querybuf(self, long long now_ms) except -1

    # Arguments: i < argc, unchecked.
    # argv[i] as a new bytes object.
    cdef inline bytes arg_bytes(self, int i)
    # argv[i] up to its first NUL: what Redis's %s prints of it in errors.
    cdef inline bytes arg_cstr(self, int i)

    # Case-insensitive compare of argv[i] with a lowercase C string.
    cdef inline bint arg_is(self, int i, const char* lower) noexcept

    # argv[i] as a long long into *out: 1, or 0 after replying the error.
    cdef int arg_ll(self, int i, long long* out) except -1

    # Redis's getRangeLongFromObjectOrReply: argv[i] as an integer in
    # [lo, hi]; msg (or NULL for the not-an-integer error) is the error for
    # both failures. 1, or 0 after replying the error.
    cdef int arg_range(self, int i, long long lo, long long hi, long long* out, const char* msg) except -1

    # argv[0:argc] as a new list of bytes (what outlives the request).
    cdef list args_list(self)

    # This client's CLIENT LIST line.
    cdef str info_line(self)
