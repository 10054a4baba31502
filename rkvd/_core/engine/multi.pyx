# MULTI/EXEC/DISCARD and optimistic locking with WATCH (Redis's multi.c).
# Queued commands keep their arguments as bytes; EXEC points argv at them and
# runs each through Engine.call. A write that changed the dataset (the dirty
# counter moved) marks the clients watching its keys.

cdef int queue_multi_command(Client c, Command cmd) except -1:
    cdef list args = c.args_list()
    cdef int i
    if not c.mstate:
        if c.mstate is None:
            c.mstate = []
        c.mstate_mem = 0
    c.mstate.append((cmd, args))
    c.mstate_mem += MULTI_CMD_MEM + c.argc * sizeof(Arg)
    for i in range(c.argc):
        c.mstate_mem += c.argv[i].len
    return 0

# The Command objects an open transaction has queued, in order; [] outside
# MULTI. For checks made before EXEC runs: CLIENT PAUSE WRITE holds an EXEC
# whose queue has a command that may replicate.


def multi_queued_commands(Client c):
    if not (c.flags & CF_MULTI) or not c.mstate:
        return []
    return [cmd for cmd, _ in c.mstate]


cdef int discard_transaction(Client c) except -1:
    c.mstate = None
    c.flags &= ~(CF_MULTI | CF_DIRTY_CAS | CF_DIRTY_EXEC)
    if c.watched:
        unwatch_all_keys(c)
    return 0

# EXEC refused before it ran (e.g. wrong arity): the whole transaction goes.
cdef int exec_abort(Client c, bytes error) except -1:
    if error.startswith(b"-"):
        error = error[1:]
    c.add_error_bytes(b"-EXECABORT Transaction discarded because of: " + error)
    return discard_transaction(c)

# ------------------------------------------------------------------ WATCH

cdef int watch_key(Client c, bytes key) except -1:
    cdef Database db = c.db
    cdef dictEntry* e
    cdef bint expired = False
    if c.watched is None:
        c.watched = []
    for wdb, wkey, _ in c.watched:
        if wdb is db and wkey == key:
            return 0
    e = dict_find(db.keys, key, len(key))
    if e != NULL and (e.meta & META_HAS_EXPIRE):
        expired = 0 <= db.get_expire(e) < mstime()
    q = db.watched_keys.get(key)
    if q is None:
        db.watched_keys[key] = [c]
    else:
        (<list>q).append(c)
    c.watched.append((db, key, expired))
    c.engine.nwatched += 1
    return 0

cdef int unwatch_all_keys(Client c) except -1:
    cdef Database db
    if not c.watched:
        return 0
    for db, key, _ in c.watched:
        q = db.watched_keys.get(key)
        if q is not None:
            try:
                (<list>q).remove(c)
            except ValueError:
                pass
            if not q:
                del db.watched_keys[key]
        c.engine.nwatched -= 1
        if RKVD_DEBUG:
            assert c.engine.nwatched >= 0, "nwatched went negative"
    c.watched = None
    return 0

cdef int touch_watched_key(Database db, bytes key) except -1:
    cdef Client w
    q = db.watched_keys.get(key)
    if q:
        for w in q:
            w.flags |= CF_DIRTY_CAS
    return 0

# FLUSHDB/FLUSHALL/SWAPDB: a watched key of db that exists (in db, or in
# `other`, what SWAPDB puts in its place) is touched, except that deleting a
# key which had already expired when it was WATCHed is no logical change.
cdef int touch_all_watched_keys_in_db(Database db, Database other) except -1:
    cdef Client w
    cdef bint in_db, in_other
    cdef int i
    for key in list(db.watched_keys):
        in_db = dict_find(db.keys, key, len(key)) != NULL
        in_other = other is not None and dict_find(other.keys, key, len(key)) != NULL
        if not (in_db or in_other):
            continue
        for w in list(db.watched_keys.get(key, ())):
            for i, (wdb, wkey, expired) in enumerate(w.watched):
                if wdb is not db or wkey != key:
                    continue
                if expired:
                    if not in_other:
                        w.watched[i] = (wdb, wkey, False)   # stale key gone: no change
                        break
                    if key_is_expired(other, key):
                        break                               # still stale
                elif not in_db and key_is_expired(other, key):
                    w.watched[i] = (wdb, wkey, True)        # nothing -> stale key
                    break
                w.flags |= CF_DIRTY_CAS
                break
    return 0

cdef bint key_is_expired(Database db, bytes key) except -1:
    cdef dictEntry* e = dict_find(db.keys, key, len(key))
    cdef long long when
    if e == NULL or not (e.meta & META_HAS_EXPIRE):
        return False
    when = db.get_expire(e)
    return 0 <= when < mstime()

# The keys a write command named (its key specs) are touched.
cdef int touch_command_keys(Client c, Command cmd) except -1:
    cdef Database db = c.db
    cdef int i, last
    if not db.watched_keys:
        return 0
    if cmd.movablekeys or cmd.first_key <= 0:
        from rkvd.commandspec import get_keys
        try:
            positions = get_keys(cmd.spec, c.args_list())
        except ValueError:
            return 0
        for i in positions:
            touch_watched_key(db, c.arg_bytes(i))
        return 0
    last = cmd.last_key if cmd.last_key >= 0 else c.argc + cmd.last_key
    i = cmd.first_key
    while i <= last and i < c.argc:
        touch_watched_key(db, c.arg_bytes(i))
        i += cmd.key_step if cmd.key_step > 0 else 1
    return 0

# A key that was live when WATCHed and has logically expired since makes EXEC fail.
cdef bint watched_key_expired(Client c) except -1:
    cdef Database db
    cdef dictEntry* e
    cdef long long when
    if not c.watched:
        return False
    for db, key, expired in c.watched:
        if expired:
            continue
        e = dict_find(db.keys, key, len(key))
        if e != NULL and (e.meta & META_HAS_EXPIRE):
            when = db.get_expire(e)
            if 0 <= when < mstime():
                return True
    return False

# ------------------------------------------------------------------ commands

cdef int cmd_multi(Client c) except -1:
    if c.flags & CF_MULTI:
        return c.add_error_bytes(b"MULTI calls can not be nested")
    c.flags |= CF_MULTI
    c.mstate = []
    return c.add_ok()

cdef int cmd_discard(Client c) except -1:
    if not (c.flags & CF_MULTI):
        return c.add_error_bytes(b"DISCARD without MULTI")
    discard_transaction(c)
    return c.add_ok()

cdef int _exec_acl_refuses(Engine e, Client c, Command cmd) except -1:
    # Redis checks a queued command's ACL again at EXEC: the rules may have
    # changed since it was queued.
    cdef int idx = 0
    cdef int r = acl_check(c.acl, c, cmd, None, &idx)
    if r == ACL_OK:
        return 0
    if e.server is not None:
        e.server.acl.log_denied(c, r, True, cmd.name, c.arg_bytes(idx) if idx else None)
    if r == ACL_DENIED_CMD:
        reason = b"no permission to execute the command or subcommand"
    elif r == ACL_DENIED_KEY:
        reason = b"no permission to touch the specified keys"
    else:
        reason = b"no permission to access one of the channels used as arguments"
    c.add_error_bytes(b"-NOPERM ACLs rules changed between the moment the transaction was "
                      b"accumulated and the EXEC call. This command is no longer allowed for "
                      b"the following reason: " + reason)
    return 1


cdef int cmd_exec(Client c) except -1:
    cdef Engine e = c.engine
    cdef list queue
    cdef list args
    cdef Command cmd
    cdef int old_flags, i
    if not (c.flags & CF_MULTI):
        return c.add_error_bytes(b"EXEC without MULTI")
    if watched_key_expired(c):
        c.flags |= CF_DIRTY_CAS
    if c.flags & (CF_DIRTY_CAS | CF_DIRTY_EXEC):
        if c.flags & CF_DIRTY_EXEC:
            c.add_error_bytes(b"-EXECABORT Transaction discarded because of previous errors.")
        else:
            c.add_null_array()
        return discard_transaction(c)
    old_flags = c.flags
    c.flags |= CF_DENY_BLOCKING
    unwatch_all_keys(c)
    queue = c.mstate or []
    c.mstate = None
    c.flags &= ~CF_MULTI
    c.add_array_len(len(queue))
    try:
        for cmd, args in queue:
            c._grow_argv(len(args))
            for i in range(len(args)):
                c.argv[i].ptr = PyBytes_AS_STRING(args[i])
                c.argv[i].len = PyBytes_GET_SIZE(args[i])
            c.argc = len(args)
            if c.acl is not None and _exec_acl_refuses(e, c, cmd):
                continue
            e.call(c, cmd)
    finally:
        if not (old_flags & CF_DENY_BLOCKING):
            c.flags &= ~CF_DENY_BLOCKING
        c.flags &= ~(CF_DIRTY_CAS | CF_DIRTY_EXEC)
        c.cur_cmd = None
    return 0

cdef int cmd_watch(Client c) except -1:
    cdef int j
    if c.flags & CF_MULTI:
        return c.add_error_bytes(b"WATCH inside MULTI is not allowed")
    if c.flags & CF_DIRTY_CAS:
        return c.add_ok()
    for j in range(1, c.argc):
        watch_key(c, c.arg_bytes(j))
    return c.add_ok()

cdef int cmd_unwatch(Client c) except -1:
    unwatch_all_keys(c)
    c.flags &= ~CF_DIRTY_CAS
    return c.add_ok()


register_c("multi", cmd_multi)
register_c("exec", cmd_exec)
register_c("discard", cmd_discard)
register_c("watch", cmd_watch)
register_c("unwatch", cmd_unwatch)
