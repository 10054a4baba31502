# The propagation point (Redis's alsoPropagate / propagatePendingCommands):
# every change to the dataset leaves the engine here, as the commands that
# replay it, for the AOF and for replicas.
#
# Engine.call() records the command it ran when it changed the dataset (the
# dirty counter moved): its argv, or the argv a handler substituted with
# rewrite_propagated() (EXPIRE as PEXPIREAT, BLPOP as LPOP, ...), unless the
# handler called prevent_propagation() after emitting its effect itself with
# also_propagate() (SPOP with a count as one SREM per member). Expired keys
# add a DEL. When the outermost call returns, the pending commands are fed to
# the stream, wrapped in MULTI/EXEC when there is more than one (a
# transaction, or a lazily expired key plus the write that found it), with a
# SELECT before any command whose database differs from the previous one.
#
# Nothing is recorded while no consumer listens (Engine.prop_on false): the
# cost on the hot path is then one test per call.

cdef enum:
    PROP_PREVENT = 1    # the running command propagates only what it added itself
    PROP_FORCE = 2      # the running command propagates even if nothing changed
    PROP_REPL_ONLY = 4  # ... and to replicas only, never the AOF (PUBLISH)

# Where a command goes (Redis's PROPAGATE_AOF / PROPAGATE_REPL, the values
# of Lua's redis.REPL_*): Engine.prop_targets narrows the running command's.
cdef enum:
    PROP_TARGET_AOF = 1
    PROP_TARGET_REPL = 2
    PROP_TARGET_ALL = 3

cdef list _MULTI = [b"MULTI"]
cdef list _EXEC = [b"EXEC"]


# Queue argv (a list of bytes) to be fed for database dbid when the outermost
# call returns (or at once by propagate_pending outside any call). No-op while
# propagation is off.
cdef int also_propagate(Engine e, int dbid, list argv) except -1:
    if e.prop_on:
        e.prop_ops.append((dbid, argv))
    return 0


# Propagate argv instead of the argv c's current command was called with.
# Replies, the slowlog and CLIENT LIST keep the original. Callers build argv
# only when e.prop_on is true.
cdef inline int rewrite_propagated(Client c, list argv) except -1:
    c.engine.prop_argv = argv
    return 0


# c's current command propagates nothing by itself, only what it passed to
# also_propagate().
cdef inline int prevent_propagation(Client c) except -1:
    c.engine.prop_flags |= PROP_PREVENT
    return 0


# c's current command propagates even when the dataset did not change
# (FLUSHALL/FLUSHDB on empty databases: replicas must flush too).
cdef inline int force_propagation(Client c) except -1:
    c.engine.prop_flags |= PROP_FORCE
    return 0


# c's current command propagates even though nothing changed, to replicas
# only (Redis's forceCommandPropagation(c, PROPAGATE_REPL): PUBLISH).
cdef inline int force_propagation_repl(Client c) except -1:
    c.engine.prop_flags |= PROP_FORCE | PROP_REPL_ONLY
    return 0


# After c's current command ran: record it when it changed the dataset.
# Called by Engine.call and by the serving of blocked clients.
cdef int propagate_current(Engine e, Client c, Command cmd, long long dirty_before) except -1:
    cdef list argv
    if e.prop_flags & PROP_PREVENT or cmd.fn == cmd_exec:
        return 0
    # As Redis's call(): only a rise counts (SAVE, DEBUG RELOAD and DEBUG
    # LOADAOF reset the counter, and must not replay themselves).
    if e.dirty <= dirty_before and not (e.prop_flags & PROP_FORCE):
        return 0
    cdef int targets = PROP_TARGET_REPL if e.prop_flags & PROP_REPL_ONLY else PROP_TARGET_ALL
    targets &= e.prop_targets
    if not targets:
        return 0
    argv = <list>e.prop_argv if e.prop_argv is not None else c.args_list()
    if targets == PROP_TARGET_ALL:
        e.prop_ops.append((c.db.id, argv))
    else:
        e.prop_ops.append((c.db.id, argv, targets))
    return 0


# Feed the pending commands to the stream (Redis's propagatePendingCommands).
# no_multi: never wrap (active expiry, whose DELs are independent).
cdef int propagate_pending(Engine e, bint no_multi) except -1:
    cdef list ops = e.prop_ops
    cdef bint wrap
    if not ops:
        return 0
    if RKVD_DEBUG:
        assert e.call_depth == 0, "pending commands fed inside a call"
        assert e.prop_argv is None, "a rewritten argv outlived its command"
    e.prop_ops = []
    if not e.prop_on:
        return 0
    wrap = len(ops) > 1 and not no_multi
    if wrap:
        feed_command(e, (<tuple>ops[0])[0], _MULTI)
    for op in ops:
        if len(<tuple>op) > 2:
            _feed_one_target(e, (<tuple>op)[0], <list>(<tuple>op)[1], (<tuple>op)[2])
        else:
            feed_command(e, (<tuple>op)[0], <list>(<tuple>op)[1])
    if wrap:
        feed_command(e, (<tuple>ops[len(ops) - 1])[0], _EXEC)
    return 0


# Append argv to the stream as a RESP array of bulk strings, preceded by a
# SELECT when dbid is not the database of the previous command (Redis's
# replicationFeedSlaves / feedAppendOnlyFile).
cdef int feed_command(Engine e, int dbid, list argv) except -1:
    cdef bytearray out = e.prop_buf
    if dbid != e.prop_seldb:
        _feed_argv(out, [b"SELECT", str(dbid).encode()])
        e.prop_seldb = dbid
    _feed_argv(out, argv)
    return 0


# A command for replicas only or for the AOF only: fed as any other (its
# SELECT stays in the shared stream, the commands after it may need it), its
# own bytes recorded as a range the other consumer skips.
cdef int _feed_one_target(Engine e, int dbid, list argv, int target) except -1:
    cdef Py_ssize_t start
    if dbid != e.prop_seldb:
        _feed_argv(e.prop_buf, [b"SELECT", str(dbid).encode()])
        e.prop_seldb = dbid
    start = len(e.prop_buf)
    _feed_argv(e.prop_buf, argv)
    if target == PROP_TARGET_REPL:
        e.prop_repl_only.append((start, len(e.prop_buf)))
    else:
        e.prop_aof_only.append((start, len(e.prop_buf)))
    return 0


# The RESP encoding written straight into out's buffer (per write command
# with the AOF on: Python's bytes formatting cost more than the command).
cdef int _feed_argv(bytearray out, list argv) except -1:
    cdef Py_ssize_t old = PyByteArray_GET_SIZE(out), need = 24, n
    cdef char* p
    cdef object a
    for a in argv:
        need += PyBytes_GET_SIZE(<bytes>a) + 26
    PyByteArray_Resize(out, old + need)
    p = PyByteArray_AS_STRING(out) + old
    p = _resp_len(p, b'*', len(argv))
    for a in argv:
        n = PyBytes_GET_SIZE(<bytes>a)
        p = _resp_len(p, b'$', n)
        memcpy(p, PyBytes_AS_STRING(<bytes>a), n)
        p[n] = b'\r'
        p[n + 1] = b'\n'
        p += n + 2
    PyByteArray_Resize(out, p - PyByteArray_AS_STRING(out))
    return 0


# "<prefix><n>\r\n" at p (room for 24 bytes); returns the end.
cdef inline char* _resp_len(char* p, char prefix, long long n) noexcept:
    p[0] = prefix
    p += 1 + ll2string(p + 1, 21, n)
    p[0] = b'\r'
    p[1] = b'\n'
    return p + 2


# Start recording into a fresh stream; the first command fed selects its
# database, as the stream a new replica receives does.
cdef int propagation_start(Engine e) except -1:
    e.prop_on = True
    e.prop_ops = []
    e.prop_buf = bytearray()
    e.prop_repl_only = []
    e.prop_aof_only = []
    e.prop_seldb = -1
    return 0


cdef int propagation_stop(Engine e) except -1:
    e.prop_on = False
    e.prop_ops = []
    e.prop_taken += len(e.prop_buf)
    e.prop_buf = bytearray()
    e.prop_repl_only = []
    e.prop_aof_only = []
    return 0


# The stream fed since the last take; the engine keeps nothing of it.
cdef bytes propagation_take(Engine e):
    cdef bytes out = bytes(e.prop_buf)
    e.prop_taken += len(out)
    e.prop_buf = bytearray()
    e.prop_repl_only = []
    e.prop_aof_only = []
    return out


# The stream fed since the last take, as (stream, repl_only, aof_only), the
# last two lists of (start, end): the commands for replicas only, which the
# AOF leaves out, and those for the AOF only, which replicas do not get.
cdef tuple propagation_take_split(Engine e):
    cdef bytes out = bytes(e.prop_buf)
    cdef list repl_only = e.prop_repl_only
    cdef list aof_only = e.prop_aof_only
    e.prop_taken += len(out)
    e.prop_buf = bytearray()
    e.prop_repl_only = []
    e.prop_aof_only = []
    return out, repl_only, aof_only
