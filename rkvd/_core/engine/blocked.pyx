# Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): a client that finds no
# data parks on a per-key FIFO queue; a write that makes the key ready queues
# it, and after the current command the waiting clients re-run their command
# in the order they blocked. The blocked client's pipeline waits, as in Redis.

cdef extern from "<math.h>" nogil:
    long double ceill(long double)

# Redis's getTimeoutFromObjectOrReply: seconds as a float (ceil to ms) or
# milliseconds as an integer; 0 = forever. *out is absolute unix ms or 0.
cdef int get_timeout(Client c, int i, long long* out, bint seconds) except -1:
    cdef long double ft
    cdef long long t
    if seconds:
        if not string2ld(c.argv[i].ptr, c.argv[i].len, &ft):
            c.add_error_bytes(b"timeout is not a float or out of range")
            return 0
        t = <long long>ceill(ft * 1000.0)
    else:
        if not string2ll(c.argv[i].ptr, c.argv[i].len, &t):
            c.add_error_bytes(b"timeout is not an integer or out of range")
            return 0
    if t < 0:
        c.add_error_bytes(b"timeout is negative")
        return 0
    if t > 0:
        t += mstime()
    out[0] = t
    return 1

# Park c on the keys argv[first], argv[first+step] ... argv[last]. Where
# blocking is denied (MULTI/EXEC) it replies the timeout's null array at once;
# commands whose immediate answer differs check CF_DENY_BLOCKING first. When c is
# already blocked (its command is being re-run because a key became ready and
# there was still nothing to serve) it keeps its place: no-op.
cdef int block_for_keys(Client c, int first, int last, int step, long long timeout_ms) except -1:
    cdef Engine e = c.engine
    cdef Database db = c.db
    cdef int i
    cdef list keys
    if c.flags & CF_BLOCKED:
        return 0
    if c.flags & CF_DENY_BLOCKING:
        # inside MULTI/EXEC or a script: answer as if the timeout fired
        return c.add_null_array()
    keys = []
    i = first
    while i <= last:
        k = c.arg_bytes(i)
        if k not in keys:
            keys.append(k)
            q = db.blocking.get(k)
            if q is None:
                db.blocking[k] = [c]
            else:
                (<list>q).append(c)
        i += step
    c.blocked_argv = c.args_list()
    c.blocked_keys = keys
    c.blocked_db = db
    c.blocked_cmd = c.cur_cmd
    c.blocked_timeout_ms = timeout_ms
    c.flags |= CF_BLOCKED
    e.nblocked += 1
    if timeout_ms and e.loop is not None:
        delay = (timeout_ms - mstime()) / 1000.0
        c.blocked_timer = e.loop.call_later(delay if delay > 0 else 0, _block_timeout, c)
    return 0


def _block_timeout(Client c):
    if c.flags & CF_BLOCKED:
        c.blocked_timer = None
        unblock_client(c, True, True)

# Leave the blocked state. timed_out: reply the null a timeout gives.
# resume: run the client's pending pipeline and flush its replies.


cdef int unblock_client(Client c, bint timed_out, bint resume) except -1:
    cdef Engine e = c.engine
    cdef Database db = c.blocked_db
    if not (c.flags & CF_BLOCKED):
        return 0
    for k in c.blocked_keys:
        q = db.blocking.get(k)
        if q is not None:
            try:
                (<list>q).remove(c)
            except ValueError:
                pass
            if not q:
                del db.blocking[k]
    if c.blocked_timer is not None:
        c.blocked_timer.cancel()
        c.blocked_timer = None
    c.flags &= ~CF_BLOCKED
    e.nblocked -= 1
    if e.unblock_hooks:
        e.server.after_unblock(c, False)
    if RKVD_DEBUG:
        assert e.nblocked >= 0, "nblocked went negative"
    c.blocked_argv = None
    c.blocked_keys = None
    c.blocked_db = None
    c.blocked_cmd = None
    if timed_out:
        c.add_null_array()
    if resume and not (c.flags & CF_CLOSED):
        # like Redis's processUnblockedClients: after the current event
        if e.loop is not None:
            e.loop.call_soon(_resume_client, c)
        elif not (c.flags & CF_IN_BATCH):
            c.process_and_flush()
    return 0


def _resume_client(Client c):
    if not (c.flags & (CF_CLOSED | CF_BLOCKED | CF_IN_BATCH)):
        c.process_and_flush()

# A write made key ready (a list/zset/stream got data): queue it if someone
# waits on it. Cheap when nobody is blocked.


cdef inline int signal_key_as_ready(Database db, const char* key, size_t klen) except -1:
    if db.engine.nblocked == 0 or not db.blocking:
        return 0
    k = PyBytes_FromStringAndSize(key, klen)
    if k in db.blocking:
        db.engine.ready_keys.append((db, k))
    return 0

# The key being served while a blocked command is re-run, None otherwise.
# Redis serves a client from the key that became ready, not from the first
# of its keys that has data, and leaves it blocked when that key holds no
# data of its type: re-run handlers look at this key only.
cdef object g_serving_key = None

# SWAPDB: every key of db that clients wait on and that now exists is ready.
cdef int scan_database_for_ready_keys(Database db) except -1:
    if db.engine.nblocked == 0 or not db.blocking:
        return 0
    for k in db.blocking:
        if dict_find(db.keys, PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k)) != NULL:
            db.engine.ready_keys.append((db, k))
    return 0

# FLUSHDB / FLUSHALL (replaced None) and SWAPDB (replaced: what emptied
# gets): a waited-on key that holds a stream now and will not after is
# ready, so XREADGROUP waiters end with an error (scanDatabaseForDeletedStreams).
cdef int scan_database_for_deleted_streams(Database emptied, Database replaced) except -1:
    cdef dictEntry* e
    if emptied.engine.nblocked == 0 or not emptied.blocking:
        return 0
    for k in emptied.blocking:
        e = dict_find(emptied.keys, PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k))
        if e == NULL or entry_type(e) != OBJ_STREAM:
            continue
        if replaced is not None:
            e = dict_find(replaced.keys, PyBytes_AS_STRING(k), PyBytes_GET_SIZE(k))
            if e != NULL and entry_type(e) == OBJ_STREAM:
                continue
        emptied.engine.ready_keys.append((emptied, k))
    return 0

# Serve the clients waiting on the keys made ready, oldest first, by
# re-running their command; what they write may make more keys ready.
cdef int handle_clients_blocked_on_keys(Engine e) except -1:
    global g_serving_key
    cdef Client c
    cdef Database db, saved_db
    cdef Py_ssize_t before
    cdef long long dirty, errs, served_at
    cdef int i
    cdef list argv
    cdef Command cmd
    cdef object saved_cmd
    while e.ready_keys:
        batch = e.ready_keys
        e.ready_keys = []
        seen = set()
        for db, k in batch:
            if (db.id, k) in seen:
                continue
            seen.add((db.id, k))
            q = db.blocking.get(k)
            if not q:
                continue
            for c in list(q):
                if not (c.flags & CF_BLOCKED) or c.blocked_db is not db:
                    continue
                argv = c.blocked_argv
                cmd = <Command>c.blocked_cmd
                c._grow_argv(len(argv))
                for i in range(len(argv)):
                    c.argv[i].ptr = PyBytes_AS_STRING(argv[i])
                    c.argv[i].len = PyBytes_GET_SIZE(argv[i])
                c.argc = len(argv)
                saved_db = c.db
                c.db = db
                saved_cmd = c.cur_cmd
                c.cur_cmd = cmd
                before = c.reply.len
                errs = c.errors_seen
                dirty = e.dirty
                e.cached_ms = mstime()
                served_at = ustime()
                g_serving_key = k
                e.prop_argv = None
                e.prop_flags = 0
                try:
                    if cmd.fn != NULL:
                        cmd.fn(c)
                    else:
                        cmd.pyfn(c, c.args_list())
                    # what the served command wrote (BLMOVE's push) touches WATCHes
                    if e.nwatched and e.dirty != dirty:
                        touch_command_keys(c, cmd)
                    if e.tracking_clients and e.dirty != dirty:
                        tracking_served(e, c, cmd)
                    # each served client's effect is fed on its own
                    if e.prop_on:
                        propagate_current(e, c, cmd, dirty)
                        e.prop_argv = None
                        propagate_pending(e, False)
                finally:
                    g_serving_key = None
                    e.prop_argv = None
                    e.prop_flags = 0
                    c.cur_cmd = saved_cmd
                    c.db = saved_db
                c.argc = 0
                # the call was counted when it blocked; an error it ends
                # with now (XREADGROUP's -NOGROUP) is a failed call
                if c.errors_seen != errs:
                    cmd.failed_calls += 1
                if c.reply.len != before:
                    # served (or answered an error): back to normal; only
                    # a served command reaches the slow log (Redis's
                    # updateStatsOnUnblock), not a timeout or CLIENT UNBLOCK
                    if e.unblock_hooks:
                        e.server.after_unblock(c, True)
                    if e.latency_tracking:
                        # Redis's updateStatsOnUnblock: the blocking call plus serving it
                        cmd.record_latency(c.blocked_call_us + ustime() - served_at)
                    unblock_client(c, False, True)
                # a list emptied by this client makes the rest wait
                if k not in db.blocking:
                    break
    return 0


def blocked_clients_count(Engine e):
    return e.nblocked
