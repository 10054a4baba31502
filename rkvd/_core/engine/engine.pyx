# The Engine: databases, the command table, clients, statistics and the cron
# step. The Python shell (rkvd.server) owns the loop, listeners and config and
# pushes the hot settings here.

@cython.final
@cython.no_gc_clear
cdef class Engine:
    # fields and cdef method signatures: engine.pxd

    def __cinit__(self, server, int databases=16):
        cdef int i
        self.server = server
        self.slow_hook_us = LLONG_MAX
        self.dbs = [Database(self, i) for i in range(databases)]
        self.commands = {}
        self.clients = {}
        self.errorstats = {}
        self.paused_clients = set()
        self.ready_keys = []
        self.pending_flush = []
        self.ps_channels = {}
        self.ps_patterns = {}
        self.ps_shard = {}
        self.monitors = []
        self.tracking_table_max_keys = 1000000
        self.reply_buffer_peak_reset_time = 5000
        self.reply_buffer_resizing = True
        self.prop_ops = []
        self.prop_buf = bytearray()
        self.prop_repl_only = []
        self.prop_aof_only = []
        self.prop_targets = 3
        self.prop_seldb = -1
        self.flush_cb = self._flush_pending
        self.proto_max_bulk_len = 512 * 1024 * 1024
        self.client_max_querybuf_len = 1024 * 1024 * 1024
        self.maxclients = 10000
        # Back-pressure on a client whose output does not drain: 16 MB, above
        # what Redis's suite lets a never-reading client hold (10 MB) before
        # evicting it by hand, yet a bound where Redis has none
        self.writebuf_high = 16 * 1024 * 1024
        self.hz = 10
        self.active_expire_enabled = True
        self.hash_max_listpack_entries = 512
        self.hash_max_listpack_value = 64
        self.set_max_intset_entries = 512
        self.zset_max_listpack_entries = 128
        self.zset_max_listpack_value = 64
        self.list_max_listpack_size = -2
        self.list_compress_depth = 0
        self.hll_sparse_max_bytes = 3000
        self.stream_node_max_bytes = 4096
        self.stream_node_max_entries = 100
        self.maxmemory_policy = MM_NOEVICTION
        self.maxmemory_samples = 5
        self.maxmemory_eviction_tenacity = 10
        self.replica_ignore_maxmemory = True
        self.replica_read_only = True
        self.replica_expires = {}
        self.replica_serve_stale_data = True
        self.latency_tracking = True
        self.script_flags_hook = None
        self.eviction_proc_cb = self._eviction_proc
        global _expand_engine
        _expand_engine = self
        self.cached_ms = mstime()
        self.update_lruclock()

    def __dealloc__(self):
        cdef int k
        if self.evict_pool != NULL:
            for k in range(EVPOOL_SIZE):
                _pool_release_key(&self.evict_pool[k])
            free(self.evict_pool)

    # ------------------------------------------------------------ table

    def build_command_table(self, dict specs, dict py_handlers, bint strict=False):
        """Build the table from the declarative specs (rkvd.commandspec.SPECS):
        a command exists when a C or Python handler implements it. strict
        first checks that every spec has a handler or is declared unbuilt, and
        every handler a spec (raises rkvd.commandspec.CommandTableError)."""
        cdef Command cmd, sub
        if strict:
            from rkvd.commandspec import check_handlers
            check_handlers(specs, c_handler_names(), py_handlers)
        cmdtab_clear()
        self.commands = {}
        for name, spec in specs.items():
            cmd = make_command(name, spec, None, py_handlers)
            if cmd is None:
                continue
            if spec.subcommands:
                cmd.subcommands = {}
                for sname, sspec in spec.subcommands.items():
                    sub = make_command(f"{name}|{sname}", sspec, cmd, py_handlers)
                    if sub is not None:
                        cmd.subcommands[sname.encode()] = sub
                        self.commands[sub.name] = sub
            self.commands[name] = cmd
            cmdtab_add(name.encode(), cmd)

    def lookup_command(self, bytes name):
        cdef PyObject* p = cmdtab_lookup(name, len(name))
        return <object>p if p != NULL else None

    # ------------------------------------------------------------ dispatch

    # processCommand: look up, check, then run or queue (MULTI).
    cdef int execute(self, Client c) except -1:
        cdef PyObject* p = cmdtab_lookup(c.argv[0].ptr, c.argv[0].len)
        cdef Command cmd
        cdef Command sub
        if p == NULL:
            self._reject_tx(c, None)
            self._unknown_command(c)
            return 0
        cmd = <Command>p
        if cmd.subcommands is not None and c.argc >= 2:
            sub = cmd.subcommands.get(c.arg_bytes(1).lower())
            if sub is None:
                self._reject_tx(c, None)
                self._unknown_subcommand(c, cmd)
                return 0
            cmd = sub
        if (cmd.arity > 0 and cmd.arity != c.argc) or c.argc < -cmd.arity:
            self._reject(c, cmd, f"wrong number of arguments for '{cmd.name}' command".encode())
            return 0
        if not c.authenticated and self.auth_required and not (cmd.flags & CMD_NO_AUTH):
            self._reject(c, cmd, b"-NOAUTH Authentication required.")
            return 0
        if c.acl is not None and self._acl_refuses(c, cmd):
            return 0
        if self.client_evict_limit and self.clients_mem >= self.client_evict_limit:
            # Redis's processCommand: clients over maxmemory-clients go
            # before the command runs, possibly this one
            evict_clients(self)
            if c.flags & CF_CLOSED:
                return 0
        if self.maxmemory and self._oom_gated(c, cmd):
            return 0
        if self.tracking_clients:
            tracking_limit_used_slots(self)
        if (self.loading or self.disk_error is not None or self.is_replica
                or self.noreplicas_error is not None):
            if self._gated(c, cmd):
                return 0
        if c.flags & (CF_PUBSUB | CF_MONITOR | CF_REPLICA) and self._mode_refuses(c, cmd):
            return 0
        if self.busy_reply is not None and not (cmd.flags & CMD_ALLOW_BUSY):
            self._reject(c, cmd, self.busy_reply)
            return 0
        if c.flags & CF_MULTI:
            if cmd.flags & CMD_NO_MULTI:
                self._reject(c, cmd, b"Command not allowed inside a transaction")
                return 0
            if not cmd.multi_control:
                queue_multi_command(c, cmd)
                return c.add_canned(b"+QUEUED\r\n")
        self.call(c, cmd)
        # not while a script runs past busy-reply-threshold: the clients it
        # unblocked are served after it, as Redis's isInsideYieldingLongCommand
        if self.ready_keys and self.busy_reply is None:
            handle_clients_blocked_on_keys(self)
        return 0

    cdef int _acl_refuses(self, Client c, Command cmd) except -1:
        cdef int idx = 0
        cdef int r
        if c.flags & CF_MULTI and cmd.flags & CMD_NO_MULTI:
            return 0        # refused as not allowed in a transaction first
        r = acl_check(c.acl, c, cmd, None, &idx)
        if r == ACL_OK:
            return 0
        c.last_cmd_name = cmd.name      # the log's client info names it, as Redis's lastcmd
        if self.server is not None:
            self.server.acl.log_denied(c, r, bool(c.flags & CF_MULTI), cmd.name,
                                       c.arg_bytes(idx) if idx else None)
        if r == ACL_DENIED_CMD:
            msg = f"-NOPERM this user has no permissions to run the '{cmd.name}' command".encode()
        elif r == ACL_DENIED_KEY:
            msg = b"-NOPERM this user has no permissions to access one of the keys used as arguments"
        else:
            msg = b"-NOPERM this user has no permissions to access one of the channels used as arguments"
        self._reject(c, cmd, msg)
        return 1

    cdef int _oom_gated(self, Client c, Command cmd) except -1:
        # Redis's processCommand: a deny-oom command, an EXEC queuing one, or
        # anything but EXEC/DISCARD/QUIT/RESET inside MULTI (queuing grows
        # memory) is refused while eviction cannot bring memory back.
        cdef bint deny
        if perform_evictions(self) != EVICT_FAIL:
            return 0
        if c.flags & CF_MULTI and cmd.flags & CMD_NO_MULTI:
            return 0        # refused as not allowed in a transaction instead
        deny = (self._run_flags(c, cmd, None) & CMD_DENYOOM) != 0
        if cmd.name == "exec" and c.flags & CF_MULTI:
            for queued in c.mstate:
                if self._run_flags(c, <Command>queued[0], queued[1]) & CMD_DENYOOM:
                    deny = True
        elif c.flags & CF_MULTI and cmd.name not in ("discard", "quit", "reset"):
            deny = True
        if deny:
            self._reject(c, cmd, OOM_ERROR)
            return 1
        return 0

    def start_eviction(self):
        """Evict from the event loop until back under maxmemory (CONFIG SET
        maxmemory, as Redis's startEvictionTimeProc)."""
        _start_eviction_proc(self)

    def _eviction_proc(self):
        # Redis's evictionTimeProc: evict on each loop iteration until done
        if self.maxmemory and perform_evictions(self) == EVICT_RUNNING:
            self.loop.call_soon(self.eviction_proc_cb)
        else:
            self.eviction_proc_running = False

    property eviction_exceeded_ms:
        """(total, current) milliseconds spent over maxmemory (INFO stats)."""
        def __get__(self):
            cdef long long cur = 0
            if self.eviction_exceeded_start_us:
                cur = monotonic_us() - self.eviction_exceeded_start_us
            return ((self.stat_total_eviction_exceeded_us + cur) // 1000, cur // 1000)

    property mem_not_counted_for_evict:
        def __get__(self):
            return mem_not_counted_for_evict(self)

    cdef int _gated(self, Client c, Command cmd) except -1:
        # Redis's processCommand: an EXEC counts as a write (or as not
        # allowed while loading) when a queued command is.
        # A replica's READONLY and MASTERDOWN come between the two, as in
        # Redis; the master link and the AOF replay are obeyed, never refused.
        cdef int flags, qf
        cdef int inv = 0
        if c is self.replay_client or c.flags & CF_MASTER:
            return 0
        flags = self._run_flags(c, cmd, None)
        if cmd.name == "exec" and c.flags & CF_MULTI:
            for queued in c.mstate:
                qf = self._run_flags(c, <Command>queued[0], queued[1])
                flags |= qf
                inv |= ~qf
        if self.disk_error is not None and (flags & CMD_WRITE or cmd.name == "ping"):
            self._reject(c, cmd, self.disk_error)
            return 1
        if self.noreplicas_error is not None and flags & CMD_WRITE:
            self._reject(c, cmd, self.noreplicas_error)
            return 1
        if self.is_replica:
            if self.replica_read_only and flags & CMD_WRITE:
                self._reject(c, cmd, b"-READONLY You can't write against a read only replica.")
                return 1
            if (not self.master_link_up and not self.replica_serve_stale_data
                    and (not (flags & CMD_STALE) or inv & CMD_STALE)):
                self._reject(c, cmd, b"-MASTERDOWN Link with MASTER is down and "
                                     b"replica-serve-stale-data is set to 'no'.")
                return 1
        if self.loading and (not (cmd.flags & CMD_LOADING) or inv & CMD_LOADING):
            self._reject(c, cmd, b"-LOADING Redis is loading the dataset in memory")
            return 1
        return 0

    # The flags cmd runs with: its own, or for EVAL* / FCALL* the ones its
    # script declares (argv: a queued command's, None for c's current one).
    cdef int _run_flags(self, Client c, Command cmd, list argv) except? -1:
        if self.script_flags_hook is None or not (cmd.name.startswith("eval") or cmd.name.startswith("fcall")):
            return cmd.flags
        return self.script_flags_hook(cmd.name, argv if argv is not None else c.args_list(), cmd.flags)

    # A command refused before it ran: counts as rejected, makes a pending
    # MULTI fail at EXEC, and an EXEC refused this way aborts the transaction.
    cdef int _mode_refuses(self, Client c, Command cmd) except -1:
        # Redis's processCommand: a RESP2 subscriber may only (un)subscribe,
        # PING, QUIT and RESET; a replica (and a MONITOR client, one in
        # Redis) may not touch the keyspace
        cdef cmd_fn f = cmd.fn
        if c.flags & CF_PUBSUB and c.resp == 2 and not (
                f == cmd_ping or f == cmd_subscribe or f == cmd_ssubscribe or f == cmd_unsubscribe
                or f == cmd_sunsubscribe or f == cmd_psubscribe or f == cmd_punsubscribe
                or cmd.name == "quit" or cmd.name == "reset"):
            self._reject(c, cmd, (f"Can't execute '{cmd.name}': only (P|S)SUBSCRIBE / "
                                  "(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context").encode())
            return 1
        if c.flags & (CF_MONITOR | CF_REPLICA) and cmd.flags & (CMD_WRITE | CMD_READONLY | CMD_MAY_REPLICATE):
            self._reject(c, cmd, b"Replica can't interact with the keyspace")
            return 1
        return 0

    cdef _reject(self, Client c, Command cmd, bytes msg):
        cmd.rejected_calls += 1
        if cmd.name == "exec":          # as Redis: inside MULTI or not
            exec_abort(c, msg)
            return
        self._reject_tx(c, cmd)
        c.add_error_bytes(msg)

    cdef inline _reject_tx(self, Client c, Command cmd):
        if c.flags & CF_MULTI:
            c.flags |= CF_DIRTY_EXEC

    # Redis's call(): run the handler, time it, count it, and let the
    # writes it made invalidate WATCHed keys.
    cdef int call(self, Client c, Command cmd) except -1:
        cdef long long start, dur, pos
        cdef long long dirty = self.dirty
        cdef bint prop = self.prop_on
        cdef object outer_argv = None
        cdef int outer_flags = 0
        cdef list mon_argv = None
        if self.monitors and not (cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN)):
            mon_argv = c.args_list()       # as sent: handlers may change argv
        if prop:
            outer_argv = self.prop_argv
            outer_flags = self.prop_flags
            self.prop_argv = None
            self.prop_flags = 0
        if self.tracking_clients and self.call_depth == 0:
            self.track_cur = c
        self.call_depth += 1
        self._err_mark = self.stat_total_error_replies
        start = ustime()
        if self.call_depth == 1:
            # commands a script runs see the time it started (Redis's
            # fixed_time_expire): a key cannot expire in the middle of it
            self.cached_ms = start // 1000
        c.cur_cmd = cmd
        c.last_cmd_name = cmd.name
        try:
            if cmd.fn != NULL:
                cmd.fn(c)
            else:
                cmd.pyfn(c, c.args_list())
        except Exception as exc:
            self._handler_crashed(c, cmd, exc)
        finally:
            self.call_depth -= 1
        dur = ustime() - start
        cmd.calls += 1
        cmd.usec += dur
        self.stat_numcommands += 1
        # Redis's incrCommandStatsOnError: failed when an error reply was
        # counted since the call began or since a call nested in it ended
        # (the errors of the commands EXEC ran are theirs), by any client
        # (an error CLIENT UNBLOCK makes the unblocked client send)
        if self.stat_total_error_replies > self._err_mark:      # RESETSTAT lowers it
            cmd.failed_calls += 1
        self._err_mark = self.stat_total_error_replies
        if self.latency_tracking:
            # a blocked command is recorded when it is served (blocked.pyx)
            if c.flags & CF_BLOCKED:
                c.blocked_call_us = dur
            elif cmd.latency_hist != NULL:
                hdr_record(cmd.latency_hist, dur * 1000)
            else:
                cmd.record_latency(dur)
        c.cur_cmd = None
        # Redis's signalModifiedKey, for the keys of a write that changed
        # the dataset: WATCHes and client-side caching
        if (self.nwatched | self.tracking_clients) and self.dirty != dirty and (cmd.flags & CMD_WRITE):
            if self.nwatched:
                touch_command_keys(c, cmd)
            if self.tracking_clients:
                tracking_command_keys(c, cmd)
        if RKVD_DEBUG:
            assert self.call_depth >= 0, "call() nesting went negative"
        if prop and self.prop_on:
            propagate_current(self, c, cmd, dirty)
            self.prop_argv = outer_argv
            self.prop_flags = outer_flags
            if self.call_depth == 0:
                pos = self.prop_taken + len(self.prop_buf)
                propagate_pending(self, cmd.touches_arbitrary_keys)
                if self.prop_taken + len(self.prop_buf) != pos:
                    c.woff = self.prop_taken + len(self.prop_buf)
        if dur >= self.slow_hook_us:     # the fast path's only cost
            self.server.after_command(c, cmd, dur)
        if mon_argv is not None:
            feed_monitors(self, c, cmd, mon_argv)
        if self.track_cur is not None:
            tracking_after_call(self, c, cmd)
        return 0

    cdef _unknown_command(self, Client c):
        # user bytes go back as sent (CR/LF become spaces in add_error), up
        # to a NUL: Redis formats them as C strings
        cdef int i = 1
        cdef bytes args = b""
        while i < c.argc and len(args) < 128:
            args += b"'" + c.arg_cstr(i)[:128 - len(args)] + b"' "
            i += 1
        c.add_error_bytes(b"unknown command '" + c.arg_cstr(0)[:128] +
                          b"', with args beginning with: " + args)

    cdef _unknown_subcommand(self, Client c, Command cmd):
        c.add_error_bytes(b"unknown subcommand '" + c.arg_cstr(1)[:128] + b"'. Try " +
                          cmd.upper_name + b" HELP.")

    cdef _handler_crashed(self, Client c, Command cmd, exc):
        import traceback
        self.stat_unexpected_error_replies += 1
        self.log_warning(f"Internal error in command '{cmd.name}': "
                         + "".join(traceback.format_exception(exc)).rstrip().replace("\n", " | "))
        c.add_error_str(f"internal error processing '{cmd.name}': {type(exc).__name__}")

    cdef int queue_flush(self, Client c) except -1:
        if not self.pending_flush:
            self.loop.call_soon(self.flush_cb)
        self.pending_flush.append(c)
        return 0

    def _flush_pending(self):
        cdef Client c
        cdef list batch = self.pending_flush
        self.pending_flush = []
        for c in batch:
            c.flags &= ~CF_WRITE_PENDING
            if c.reply.len:
                c.flush()
            if self.client_evict_limit:
                update_client_mem(c)
        if self.client_evict_limit:
            evict_clients(self)

    # ------------------------------------------------------------ errors & stats

    cdef int count_error(self, const char* p, Py_ssize_t n) except -1:
        cdef Py_ssize_t i = 0
        cdef bytes code
        self.stat_total_error_replies += 1
        if n > 0 and p[0] == b'-':
            i = 1
            while i < n and p[i] != b' ':
                i += 1
            code = p[1:i]
        else:
            code = b"ERR"
        if code in self.errorstats:
            self.errorstats[code] += 1
        elif len(self.errorstats) < 128:
            self.errorstats[code] = 1
        return 0

    def reset_stats(self):
        self.stat_numcommands = self.stat_numconnections = self.stat_rejected_conn = 0
        self.stat_expiredkeys = self.stat_evictedkeys = 0
        self.stat_total_eviction_exceeded_us = 0
        self.stat_evictedclients = 0
        self.eviction_exceeded_start_us = 0
        self.stat_keyspace_hits = self.stat_keyspace_misses = 0
        self.stat_net_input_bytes = self.stat_net_output_bytes = 0
        self.stat_total_error_replies = 0
        self.stat_expired_time_cap_reached_count = 0
        self.stat_client_qbuf_limit_disconnections = 0
        self.stat_client_outbuf_limit_disconnections = 0
        self.stat_unexpected_error_replies = 0
        self.stat_reply_buffer_shrinks = self.stat_reply_buffer_expands = 0
        self.stat_expired_stale_perc = 0
        self.errorstats = {}
        for cmd in self.commands.values():
            (<Command>cmd).calls = (<Command>cmd).usec = 0
            (<Command>cmd).rejected_calls = (<Command>cmd).failed_calls = 0
            (<Command>cmd).reset_latency()

    # A keyspace notification, delivered by pub/sub (engine/pubsub.pyx).
    cdef int notify_keyspace_event(self, int typ, const char* event, object key, int dbid) except -1:
        if self.notify_flags & typ:
            keyspace_event(self, typ, event, key, dbid)
        return 0

    # ------------------------------------------------------------ pub/sub introspection

    def pubsub_channels(self, pattern, bint shard):
        """PUBSUB CHANNELS / SHARDCHANNELS: the active channels matching
        pattern (all of them when None)."""
        cdef bytes ch, pat
        table = self.ps_shard if shard else self.ps_channels
        if pattern is None:
            return list(table)
        pat = bytes(pattern)
        return [ch for ch in table
                if stringmatchlen(PyBytes_AS_STRING(pat), len(pat), PyBytes_AS_STRING(ch), len(ch), 0)]

    def pubsub_numsub(self, bytes channel, bint shard):
        subs = (self.ps_shard if shard else self.ps_channels).get(channel)
        return len(subs) if subs else 0

    property pubsub_numpat:
        def __get__(self):
            return len(self.ps_patterns)

    # An expired key leaves the replicas and the AOF as a DEL.
    cdef int propagate_del(self, int dbid, object key) except -1:
        if self.prop_on:
            also_propagate(self, dbid, [b"UNLINK" if self.lazyfree_lazy_expire else b"DEL", key])
        return 0

    # The stream of propagated commands, for DEBUG PROPAGATED (tests) until
    # the AOF and replicas consume it.
    property debug_build:
        """True in a build with RKVD_DEBUG=1 (invariant checks compiled in)."""
        def __get__(self):
            return RKVD_DEBUG

    def start_propagation_log(self):
        propagation_start(self)

    def stop_propagation_log(self):
        propagation_stop(self)

    def take_propagation_log(self):
        return propagation_take(self)

    def take_propagation_log_split(self):
        """(stream, repl_only, aof_only), each a list of (start, end): the
        commands for replicas only (PUBLISH), which the AOF leaves out, and
        those for the AOF only (a script's redis.set_repl), which the
        replicas do not get."""
        return propagation_take_split(self)

    def reset_propagation_db(self):
        """The next command fed is preceded by a SELECT (a new AOF file)."""
        self.prop_seldb = -1

    property propagation_pending:
        """Bytes fed and not yet taken."""
        def __get__(self):
            return len(self.prop_buf)

    # ------------------------------------------------------------ clients

    cdef client_gone(self, Client c):
        if c.flags & CF_BLOCKED:
            unblock_client(c, False, False)
        if c.flags & CF_PUBSUB:
            pubsub_forget(c)
        if c.flags & CF_MONITOR:
            monitor_forget(c)
        if c.watched:
            unwatch_all_keys(c)
        if c.flags & CF_TRACKING:
            tracking_disable(c)
        if c.mem_bucket_seq:
            client_mem_forget(c)
        self.clients.pop(c.id, None)
        self.paused_clients.discard(c)
        if c.flags & CF_REPLICA and self.server is not None:
            self.server.replication.replica_gone(c)

    def set_client_eviction_limit(self, long long limit):
        """maxmemory-clients in bytes (0: off), as the server computes it
        from the configuration. Turning it on reads every connection's
        memory; the clients over the limit go at the next check."""
        cdef Client c
        self.client_evict_limit = limit
        if limit:
            update_all_client_mem(self)
        else:
            for c in list(self.clients.values()):
                client_mem_forget(c)
            self.clients_mem = 0

    def update_client_memory(self, Client c):
        """Re-read c's memory (CLIENT NO-EVICT OFF makes it evictable)."""
        if self.client_evict_limit:
            update_client_mem(c, True)

    def new_client(self):
        cdef Client c = Client()
        c.engine = self
        return c

    cdef str client_info_line(self, Client c):
        if self.server is not None:
            return self.server.client_info_line(c)
        return f"id={c.id} addr={c.addr}"

    cdef bint pause_blocks(self, Client c):
        if self.clients_paused == 0:
            return False
        # the clock, not cached_ms: that is the start of the last command,
        # which may be the CLIENT PAUSE 0 that ended the pause
        if self.pause_end_ms and mstime() >= self.pause_end_ms:
            return False
        return self.server.pause_blocks(c)

    property blocked_clients:
        def __get__(self):
            # clients held by CLIENT PAUSE count as blocked, as in Redis
            return self.nblocked + len(self.paused_clients)

    def unpause_clients(self):
        cdef Client c
        self.clients_paused = 0
        self.pause_end_ms = 0
        waiting = list(self.paused_clients)
        self.paused_clients.clear()
        for c in waiting:
            c.flags &= ~CF_PAUSED
            if not (c.flags & CF_CLOSED):
                c.process_and_flush()

    cdef log_warning(self, str msg):
        if self.server is not None:
            self.server.log.warning(msg)

    cdef log_verbose(self, str msg):
        if self.server is not None:
            self.server.log.verbose(msg)

    # ------------------------------------------------------------ cron

    cpdef update_lruclock(self):
        self.lruclock = <uint32_t>((mstime() // LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX)

    def cron(self):
        """One serverCron step: clocks, active expiry, incremental rehash."""
        cdef Database db
        self.cached_ms = mstime()
        self.update_lruclock()
        if self.pause_end_ms and self.cached_ms >= self.pause_end_ms:
            self.unpause_clients()
        if self.active_expire_enabled and not self.loading and not self.is_replica:
            self.active_expire_cycle()
            propagate_pending(self, True)
        elif self.active_expire_enabled and self.is_replica and self.replica_expires:
            self.expire_replica_keys()
            propagate_pending(self, True)
        self.clients_cron()
        lazyfree_cron()
        if self.tracking_clients:
            tracking_limit_used_slots(self)
        for db in self.dbs:
            if dict_size(db.keys) or db.keys.ht[0].size:
                dict_try_shrink(db.keys)
                dict_try_shrink(db.expires)
                dict_rehash_ms(db.keys, 1)
                dict_rehash_ms(db.expires, 1)

    # A slice of the clients per cron tick, all of them about once a second.
    # The round holds client ids, not clients: a closed connection must be
    # freed when it closes, not when the round reaches it.
    cdef int clients_cron(self) except -1:
        cdef Client c
        cdef int r
        cdef Py_ssize_t n = len(self.clients)
        cdef Py_ssize_t per = n // (self.hz if self.hz > 0 else 10)
        self.clients_mem_releasing = 0      # freed by the loop since
        if n == 0:
            self._cron_clients = None
            return 0
        if per < 5:
            per = 5
        if not self._cron_clients:
            self._cron_clients = list(self.clients)
        while per > 0 and self._cron_clients:
            c = self.clients.get(self._cron_clients.pop())
            if c is None or c.flags & CF_CLOSED:
                continue                # gone since the round began
            per -= 1
            if self.maxidletime and self._idle_timeout(c):
                continue
            c.cron_resize_querybuf(self.cached_ms)
            if self.reply_buffer_resizing:
                r = c.reply.cron_resize(self.cached_ms, self.reply_buffer_peak_reset_time)
                if r == 1:
                    self.stat_reply_buffer_shrinks += 1
                elif r == 2:
                    self.stat_reply_buffer_expands += 1
            if c.output_limited():
                c._check_output_limits(0)
            if self.client_evict_limit:
                update_client_mem(c, True)
        if self.client_evict_limit:
            evict_clients(self)
        return 0

    # Redis's clientsCronHandleTimeout for idle clients: not replicas or
    # monitors, not blocked (their own timeout) nor subscribed clients.
    cdef bint _idle_timeout(self, Client c) except -1:
        if c.flags & (CF_MONITOR | CF_BLOCKED | CF_PUBSUB | CF_MASTER | CF_REPLICA):
            return False
        if self.cached_ms - c.last_interaction_ms <= self.maxidletime * 1000:
            return False
        self.log_verbose("Closing idle client")
        c.close()
        return True

    cdef int expire_replica_keys(self) except -1:
        cdef long long start = mstime()
        cdef int cycles = 0, alive = 0, dbid
        cdef long long dbids, keep
        cdef Database db
        cdef dictEntry* x
        cdef dict table = self.replica_expires
        for key in list(table):
            dbids = table[key]
            keep = 0
            for dbid in range(len(self.dbs)):
                if not (dbids >> dbid) & 1:
                    continue
                db = self.dbs[dbid]
                x = dict_find(db.expires, <bytes>key, len(<bytes>key))
                if x == NULL:
                    continue
                if x.v.ival <= start:
                    db.delete_expired(key)
                else:
                    alive += 1
                    keep |= 1 << dbid
            if keep:
                table[key] = keep
            else:
                del table[key]
            cycles += 1
            if alive > 3 or (cycles % 64 == 0 and mstime() - start > 1):
                break
        return 0

    # Redis's slow active expire cycle: sample volatile keys in every db,
    # repeat while more than 10% of the sample was expired, within 25% of
    # the cron period.
    cdef int active_expire_cycle(self) except -1:
        cdef long long start = monotonic_us()
        cdef long long limit = 1000000 * 25 // 100 // (self.hz if self.hz > 0 else 10)
        cdef long long now = mstime()
        cdef Database db
        cdef int sampled, expired, ttl_samples, total_sampled = 0, total_expired = 0
        cdef long long ttl_sum
        for db in self.dbs:
            if dict_size(db.expires) == 0:
                db.avg_ttl = 0
                continue
            while True:
                expired = 0
                ttl_sum = 0
                ttl_samples = 0
                sampled = db.active_expire_step(20, now, &expired, &ttl_sum, &ttl_samples)
                total_sampled += sampled
                total_expired += expired
                if ttl_samples:
                    if db.avg_ttl == 0:
                        db.avg_ttl = ttl_sum // ttl_samples
                    else:
                        db.avg_ttl = (db.avg_ttl // 50) * 49 + (ttl_sum // ttl_samples) // 50
                if monotonic_us() - start > limit:
                    self.stat_expired_time_cap_reached_count += 1
                    break
                if sampled == 0 or expired * 10 <= sampled:
                    break
        if total_sampled:
            self.stat_expired_stale_perc = (total_expired / <double>total_sampled) * 0.05 + \
                self.stat_expired_stale_perc * 0.95
        self.latency_sample("expire-cycle", monotonic_us() - start)
        return 0

    # Redis's latencyAddSampleIfNeeded for the engine's events: elapsed_us
    # reaches the monitor when latency-monitor-threshold is on and met.
    cdef int latency_sample(self, str event, long long elapsed_us) except -1:
        if self.latency_threshold_ms and elapsed_us // 1000 >= self.latency_threshold_ms:
            self.server.latency.add(event, elapsed_us // 1000)
        return 0

    # ------------------------------------------------------------ Python-level data access

    def db_sizes(self):
        """[(dbid, keys, expires, avg_ttl)] for non-empty dbs (INFO keyspace)."""
        cdef Database db
        return [(db.id, dict_size(db.keys), dict_size(db.expires), db.avg_ttl)
                for db in self.dbs if dict_size(db.keys)]

    def flushall(self, bint lazy=False):
        """Empty every db (lazy: Redis's emptyDbAsync, the old tables and
        values freed by the lazy-free thread); the number of keys removed."""
        cdef Database db
        cdef uint64_t n = 0
        self.replica_expires.clear()
        for db in self.dbs:
            n += db.flush(lazy)
        return n

    def swapdb(self, int a, int b):
        (<Database>self.dbs[a]).swap_contents(<Database>self.dbs[b])


CLIENT_FLAGS = {
    "close_after_reply": CF_CLOSE_AFTER_REPLY, "close_asap": CF_CLOSE_ASAP,
    "reply_off": CF_REPLY_OFF, "reply_skip_next": CF_REPLY_SKIP_NEXT,
    "reply_skip": CF_REPLY_SKIP, "no_evict": CF_NO_EVICT, "read_paused": CF_READ_PAUSED,
    "closed": CF_CLOSED, "paused": CF_PAUSED, "no_touch": CF_NO_TOUCH,
    "blocked": CF_BLOCKED, "multi": CF_MULTI, "dirty_cas": CF_DIRTY_CAS,
    "dirty_exec": CF_DIRTY_EXEC, "pubsub": CF_PUBSUB, "monitor": CF_MONITOR,
    "tracking": CF_TRACKING, "tracking_broken_redir": CF_TRACKING_BROKEN_REDIR,
    "tracking_bcast": CF_TRACKING_BCAST, "tracking_optin": CF_TRACKING_OPTIN,
    "tracking_optout": CF_TRACKING_OPTOUT, "tracking_caching": CF_TRACKING_CACHING,
    "tracking_noloop": CF_TRACKING_NOLOOP, "master": CF_MASTER, "replica": CF_REPLICA,
}
