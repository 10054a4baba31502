# The Engine (engine/engine.pyx): databases, the command table, clients,
# statistics, the propagation state and the cron step. The Python shell
# (rkvd.server) owns the loop, listeners and config and sets the public
# fields; everything else is the engine's own.


@cython.final
cdef class Engine:
    cdef public list dbs
    cdef public dict commands           # full name -> Command (top level and subcommands)
    cdef public dict clients            # id -> Client
    cdef public object server           # rkvd.server.Server (logging, Python-level state)
    # hot settings
    cdef public long long proto_max_bulk_len
    cdef public long long client_max_querybuf_len
    cdef public long long maxclients
    # ACL: whether the default user needs a password (or is off), the
    # default user new connections get (rkvd.acl.User) and its compiled
    # rules (None when it may run everything)
    cdef public bint auth_required
    cdef public object default_user
    cdef public AclGuard default_acl
    # protected-mode, and whether the default user has nopass: then only
    # loopback and unix socket clients are accepted (-DENIED otherwise)
    cdef public bint protected_mode, default_nopass
    cdef public int tcp_keepalive
    # output bytes a client's transport may hold before reading from it
    # stops (back-pressure, when its class has no output limit)
    cdef public long long writebuf_high
    cdef public long long obuf_hard_limit, obuf_soft_limit, obuf_soft_seconds
    # client-output-buffer-limit of the pubsub class (subscribed clients)
    cdef public long long obuf_pubsub_hard, obuf_pubsub_soft, obuf_pubsub_seconds
    cdef public int notify_flags
    cdef public bint loading, is_replica
    # The replica's state the dispatcher reads (set by rkvd.replication.replica):
    # replica-read-only, replica-serve-stale-data, whether the link to the
    # master is up, and whether the command running is the master's (it then
    # sees logically expired keys, as Redis's current_client == master).
    cdef public bint replica_read_only, replica_serve_stale_data, master_link_up
    cdef public bint master_running
    # Keys given a TTL on a writable replica by its own clients (Redis's
    # slaveKeysWithExpire): key -> bitmap of the databases, expired by the
    # cron since the master will never send their DEL.
    cdef public dict replica_expires
    # The -MISCONF error write commands (and PING) get while persistence is
    # failing (a failed BGSAVE with stop-writes-on-bgsave-error, an AOF write
    # error), or None. Set by the shell.
    cdef public object disk_error
    # The -NOREPLICAS error write commands get while fewer replicas than
    # min-replicas-to-write are in reach (rkvd.replication.master), or None.
    cdef public object noreplicas_error
    # fn(name, argv, flags) -> the flags a script command (EVAL*, FCALL*)
    # runs with, from its script (Redis's getCommandFlags); None until the
    # scripting engine sets it
    cdef public object script_flags_hook
    cdef public bint verbosity_debug
    cdef public bint active_expire_enabled
    cdef public bint lfu_mode               # maxmemory-policy is an LFU one
    # A fork child shares the parent's pages: reads leave the LRU/LFU clocks
    # alone, as Redis's lookupKey does, so they dirty no page. Set by the shell.
    cdef public bint child_active
    cdef public int lfu_log_factor, lfu_decay_time
    cdef public long long nblocked          # clients in a blocking wait
    cdef public long long nwatched          # WATCHed (client, key) pairs
    cdef list _cron_clients                 # ids of this round of clients_cron
    cdef public list ready_keys             # [(Database, key)] made ready by writes
    cdef list pending_flush                 # clients with replies to write this iteration
    cdef object flush_cb
    cdef public object loop
    # encoding thresholds (Redis's *-max-listpack-* / set-max-intset-entries)
    cdef public long long hash_max_listpack_entries, hash_max_listpack_value
    cdef public long long set_max_intset_entries
    cdef public long long zset_max_listpack_entries, zset_max_listpack_value
    cdef public int list_max_listpack_size, list_compress_depth
    cdef public long long hll_sparse_max_bytes
    # stream-node-max-bytes / -entries: when a stream starts a new node
    cdef public long long stream_node_max_bytes, stream_node_max_entries
    # sanitize-dump-payload: 0 no, 1 yes, 2 clients (Redis's SANITIZE_DUMP_*)
    cdef public int sanitize_dump_payload
    # call server.after_command when a command took at least this many us
    # (slow log, latency monitor); LLONG_MAX while both are off
    cdef public long long slow_hook_us
    # latency-monitor-threshold (ms, 0 = off) for the engine's own events
    # (expire-cycle, eviction-cycle, eviction-del), sampled through
    # server.latency.add
    cdef public long long latency_threshold_ms
    # latency-tracking: each call's duration goes to its command's histogram
    cdef public bint latency_tracking
    # client eviction (engine/client_evict.pyx): the maxmemory-clients
    # limit in bytes (0: off), the sum of the connections' last memory
    # readings, clients evicted (INFO evicted_clients)
    cdef public long long client_evict_limit
    cdef public long long clients_mem
    # what the connections evicted since the last clients cron held: uvloop
    # frees a transport's buffers on a later turn of the loop, and until
    # then eviction must not count them (keys would go for memory that is
    # already on its way back)
    cdef public long long clients_mem_releasing
    cdef public long long stat_evictedclients
    cdef long long mem_bucket_seq
    # server.after_unblock runs when a client leaves a blocking wait (the
    # slow log keeps a blocked command until then)
    cdef public bint unblock_hooks
    cdef public int hz
    cdef public bytes _fmt_buf
    # clock
    cdef public long long cached_ms
    cdef public uint32_t lruclock
    # stats
    cdef public long long stat_numcommands, stat_numconnections, stat_rejected_conn
    cdef public long long stat_expiredkeys, stat_evictedkeys
    cdef public long long stat_keyspace_hits, stat_keyspace_misses
    cdef public long long stat_net_input_bytes, stat_net_output_bytes
    cdef public long long stat_total_error_replies
    cdef public long long stat_expired_time_cap_reached_count
    cdef public long long stat_client_qbuf_limit_disconnections
    cdef public long long stat_client_outbuf_limit_disconnections
    cdef public long long stat_unexpected_error_replies
    cdef public long long stat_reply_buffer_shrinks, stat_reply_buffer_expands
    # call()'s failed-call accounting: stat_total_error_replies when the
    # running call began or a call nested in it ended
    cdef long long _err_mark
    # DEBUG REPLYBUFFER: the reply buffers' peak reset period (ms, -1 never)
    # and whether clients_cron resizes them at all
    cdef public long long reply_buffer_peak_reset_time
    cdef public long long maxidletime       # timeout: idle seconds before a close (0 never)
    cdef public bint reply_buffer_resizing
    cdef public double stat_expired_stale_perc
    cdef public dict errorstats
    cdef public long long dirty
    # propagation (engine/propagate.pyx)
    cdef public bint prop_on                # a consumer reads the stream
    cdef list prop_ops                      # [(dbid, argv)] pending until the outermost call returns
    cdef object prop_argv                   # the running command's rewritten argv, or None
    cdef int prop_flags                     # PROP_PREVENT / PROP_FORCE for the running command
    cdef int call_depth                     # nesting of call(): EXEC runs its commands inside
    cdef int prop_seldb                     # database of the last command fed, -1 before any
    cdef bytearray prop_buf                 # the stream fed and not yet taken
    cdef list prop_repl_only                # [(start, end)] of prop_buf for replicas only
    cdef list prop_aof_only                 # [(start, end)] of prop_buf for the AOF only
    # where the running command's effects may go (PROP_TARGET_* of
    # propagate.pyx): a script's redis.set_repl narrows it for its calls
    cdef public int prop_targets
    cdef public long long prop_taken        # bytes of the stream taken (or dropped) so far
    # fn() the shell runs before any reply leaves while prop_buf holds
    # commands (rkvd.stream: the AOF writes them first, appendfsync always,
    # and the replicas get them), or None
    cdef public object aof_flush
    # the client replaying the AOF (Redis's AOF client, which bypasses
    # processCommand): never refused with -LOADING or -MISCONF, or None
    cdef public object replay_client
    # maxmemory and eviction (engine/evict.pyx)
    cdef public long long maxmemory         # 0: no limit
    cdef public int maxmemory_policy        # MM_* (the maxmemory-policy enum's order)
    cdef public int maxmemory_samples, maxmemory_eviction_tenacity
    cdef public bint lazyfree_lazy_eviction, replica_ignore_maxmemory
    cdef public bint lazyfree_lazy_user_del    # DEL frees as UNLINK does
    cdef public bint lazyfree_lazy_expire      # expired keys freed lazily, propagated as UNLINK
    cdef public bint lazyfree_lazy_server_del  # implicit deletes and overwrites free lazily
    cdef public bint lazyfree_lazy_user_flush  # FLUSHALL / FLUSHDB without a mode are ASYNC
    cdef public bint replica_lazy_flush        # a full sync empties the old data set lazily
    cdef public long long stat_total_eviction_exceeded_us
    cdef public long long eviction_exceeded_start_us    # monotonic us when over the limit began, or 0
    cdef public bint eviction_proc_running  # the loop carries on evicting (Redis's evictionTimeProc)
    cdef object eviction_proc_cb
    # fn() -> bytes the replicas' output buffers hold (not counted for
    # eviction, as Redis leaves out its replication buffer past the
    # backlog); None without replicas to ask
    cdef public object repl_output_mem_fn
    # fn(c) run when replica c's connection has sent all it was given (the
    # replication module refills it then); None without replicas
    cdef public object repl_drained_fn
    cdef EvictionPoolEntry* evict_pool      # EVPOOL_SIZE entries, made on first use
    cdef unsigned int evict_next_db         # the random policies' database rotation
    # pub/sub (engine/pubsub.pyx): name -> [Client] in subscription order
    cdef public dict ps_channels
    cdef public dict ps_patterns
    cdef public dict ps_shard
    cdef public list monitors               # MONITOR clients (engine/monitor.pyx)
    # client-side caching (engine/tracking.pyx); the tables are made when a
    # client first turns tracking on
    cdef public long long tracking_clients  # clients with CF_TRACKING
    cdef public long long tracking_table_max_keys
    cdef dict track_table                   # key -> [index in track_keys, {client id: None}]
    cdef list track_keys                    # the table's keys, to evict random ones
    cdef long long track_items              # client ids across the table
    cdef dict track_prefixes                # BCAST prefix -> BcastState
    cdef list track_pending                 # keys (None: a flush) held for track_cur
    cdef Client track_cur                   # whose command runs, while tracking is on
    cdef bint track_bcast_due               # BCAST keys wait for tracking_broadcast
    cdef int track_effort                   # rounds the size limit was not reached
    # CLIENT PAUSE
    cdef public int clients_paused          # 0 none, 1 WRITE, 2 ALL
    cdef public long long pause_end_ms
    cdef public set paused_clients
    # The -BUSY error every command not flagged allow_busy gets while a
    # script runs past busy-reply-threshold (rkvd._core.scripting), or None.
    cdef public object busy_reply
    # The client whose EVAL/FCALL is running now (rkvd._core.scripting), or
    # None: client-side caching tracks its keys when the script reads.
    cdef public Client script_caller

    # processCommand: look up, check, then run or queue (MULTI).
    cdef int execute(self, Client c) except -1

    # maxmemory in processCommand: evict, then refuse c's command with -OOM
    # when still over and the command may grow memory. 1 if refused.
    cdef int _oom_gated(self, Client c, Command cmd) except -1

    # -MISCONF while disk_error is set, -LOADING while loading: 1 if c's
    # command was refused (and answered), else 0. Only called when one is set.
    cdef int _gated(self, Client c, Command cmd) except -1
    cdef int _run_flags(self, Client c, Command cmd, list argv) except? -1

    # c's user may not run cmd with these arguments: log it in the ACL log,
    # refuse with Redis's -NOPERM error, 1. Else 0. Only called for a
    # client with a restricted user (c.acl set).
    cdef int _acl_refuses(self, Client c, Command cmd) except -1

    # A command refused before it ran: counts as rejected, makes a pending
    # MULTI fail at EXEC, and an EXEC refused this way aborts the transaction.
    cdef _reject(self, Client c, Command cmd, bytes msg)

    # A subscribed RESP2 client or a MONITOR client sending a command its
    # mode does not allow: refuse it with Redis's error. 1 if refused.
    cdef int _mode_refuses(self, Client c, Command cmd) except -1

    # A command refused inside MULTI makes the EXEC fail (CF_DIRTY_EXEC).
    cdef inline _reject_tx(self, Client c, Command cmd)

    # Redis's call(): run the handler, time it, count it, and let the
    # writes it made invalidate WATCHed keys.
    cdef int call(self, Client c, Command cmd) except -1

    # The unknown-command and unknown-subcommand errors, with the user's
    # bytes quoted as Redis does (CR/LF become spaces in add_error).
    cdef _unknown_command(self, Client c)

    cdef _unknown_subcommand(self, Client c, Command cmd)

    # A handler raised (a bug): log it, count it, answer -ERR; the client
    # and the server carry on.
    cdef _handler_crashed(self, Client c, Command cmd, exc)

    # Queue c's replies for the one flush of this loop iteration.
    cdef int queue_flush(self, Client c) except -1

    # Count an error reply (p, n: its text) in total_error_replies and in
    # the errorstats of its code (the first word, ERR if none).
    cdef int count_error(self, const char* p, Py_ssize_t n) except -1

    # Hooks for later subsystems (pub/sub notifications, AOF/replication).
    cdef int notify_keyspace_event(self, int typ, const char* event, object key, int dbid) except -1

    # An expired key leaves the replicas and the AOF as a DEL (UNLINK
    # under lazyfree-lazy-expire, as Redis's propagateDeletion).
    cdef int propagate_del(self, int dbid, object key) except -1

    # A closed client leaves the blocking and WATCH maps and the clients.
    cdef client_gone(self, Client c)

    # c's CLIENT LIST line (built by the Python shell).
    cdef str client_info_line(self, Client c)

    # CLIENT PAUSE holds c's current command (asks the shell which).
    cdef bint pause_blocks(self, Client c)

    # The server's log, when there is a server (not in in-process tests).
    cdef log_warning(self, str msg)

    cdef log_verbose(self, str msg)

    # Redis's LRU clock, from the wall clock.
    cpdef update_lruclock(self)

    # A slice of the clients per cron tick, all of them about once a second.
    cdef int clients_cron(self) except -1
    # close c if it has been idle past `timeout` (1 if it was)
    cdef bint _idle_timeout(self, Client c) except -1

    # Redis's slow active expire cycle: sample volatile keys in every db,
    # repeat while more than 10% of the sample was expired, within 25% of
    # the cron period.
    cdef int active_expire_cycle(self) except -1

    # Redis's expireSlaveKeys: delete the keys of replica_expires whose time
    # passed, until 3 are found alive or a millisecond is spent.
    cdef int expire_replica_keys(self) except -1
    # Sample a latency event (ms = elapsed_us // 1000) when
    # latency-monitor-threshold is on and met; evict.pyx calls it.
    cdef int latency_sample(self, str event, long long elapsed_us) except -1
