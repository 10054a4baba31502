# Client-side caching (Redis's tracking.c): CLIENT TRACKING and the
# invalidation messages. Interface and hooks: engine/tracking.pxd.
#
# Default mode: a read-only command run by a tracking client records its keys
# in the tracking table (key -> ids of the clients that read it). When a key
# is modified, each of those clients gets one invalidation and the key leaves
# the table until somebody reads it again. Clients that closed or turned
# tracking off are dropped lazily, when their keys are invalidated, as Redis
# does. BCAST mode records no reads: every modified key under a subscribed
# prefix is gathered and sent once per loop iteration, one message per prefix.
#
# An invalidation is a RESP3 push ">2 invalidate [keys]", or, when redirected
# to a RESP2 client subscribed to __redis__:invalidate, a pub/sub message on
# that channel; a RESP2 client without redirection gets nothing. For the
# client whose own command modified a key, the message is held until the
# outermost call() returns, so it follows the reply (after EXEC's for a
# transaction), as in Redis 7.0.

cdef bytes _B_PUSH_INVALIDATE = b">2\r\n$10\r\ninvalidate\r\n"
cdef bytes _B_MSG_INVALIDATE = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
cdef bytes _B_PUSH_REDIR_BROKEN = b">2\r\n$21\r\ntracking-redir-broken\r\n"
cdef bytes _B_NULL2 = b"$-1\r\n"
cdef bytes _B_NULL3 = b"_\r\n"

# Command -> True when its key specs mix read-only keys with written ones
# (SUNIONSTORE, COPY, BITOP ...): only the written ones are invalidated.
cdef dict _mixed_specs = {}


@cython.final
cdef class BcastState:
    def __cinit__(self):
        self.keys = {}
        self.clients = {}


cdef inline int _init_tables(Engine e) except -1:
    if e.track_table is None:
        e.track_table = {}
        e.track_keys = []
        e.track_prefixes = {}
        e.track_pending = []
    return 0


# A push or message written from reply offset start survives CLIENT REPLY
# OFF/SKIP of the command c runs (`running`: c is the running client even
# though call() has already cleared cur_cmd).
cdef inline int _kept_push(Client c, Py_ssize_t start, bint running) except -1:
    if c.flags & (CF_REPLY_OFF | CF_REPLY_SKIP) and (running or c.cur_cmd is not None):
        if c.push_ranges is None:
            c.push_ranges = []
        c.push_ranges.append((start, c.reply.len))
    return 0


# Redis's sendTrackingMessage: the invalidation of key (proto false) or of
# the ready RESP payload (proto true: a BCAST key array, a flush's null) for
# tracking client c, through its redirection when it has one.
cdef int _send(Engine e, Client c, object payload, bint proto, bint running) except -1:
    cdef Client to = c
    cdef Py_ssize_t start
    cdef bint redirected = False
    cdef bytes p
    if c.tracking_redir:
        to = e.clients.get(c.tracking_redir)
        if to is None or to.flags & CF_CLOSED:
            c.flags |= CF_TRACKING_BROKEN_REDIR
            if c.resp == 3 and not (c.flags & CF_CLOSED):
                start = c.reply.len
                c.reply.add_canned(_B_PUSH_REDIR_BROKEN)
                c.reply.add_int(c.tracking_redir)
                _kept_push(c, start, running)
                schedule_write(e, c)
            return 0
        redirected = True
        running = False
    if to.flags & CF_CLOSED:
        return 0
    start = to.reply.len
    if to.resp == 3:
        to.reply.add_canned(_B_PUSH_INVALIDATE)
    elif redirected and to.flags & CF_PUBSUB:
        to.reply.add_canned(_B_MSG_INVALIDATE)
    else:
        return 0        # RESP2 has no pushes on the connection itself
    p = <bytes>payload
    if proto:
        to.reply.add_raw(PyBytes_AS_STRING(p), PyBytes_GET_SIZE(p))
    else:
        to.reply.add_array_len(1)
        to.reply.add_bulk(PyBytes_AS_STRING(p), PyBytes_GET_SIZE(p))
    _kept_push(to, start, running)
    return schedule_write(e, to)


# ------------------------------------------------------------------ on / off

cdef int tracking_enable(Client c, long long redir, int options, list prefixes) except -1:
    cdef Engine e = c.engine
    cdef BcastState bs
    _init_tables(e)
    if not (c.flags & CF_TRACKING):
        e.tracking_clients += 1
    c.flags |= CF_TRACKING
    c.flags &= ~(CF_TRACKING_BROKEN_REDIR | CF_TRACKING_BCAST | CF_TRACKING_OPTIN |
                 CF_TRACKING_OPTOUT | CF_TRACKING_NOLOOP)
    c.tracking_redir = redir
    if e.call_depth > 0 and e.track_cur is None:
        e.track_cur = c         # turned on inside a transaction: its reads count
    if options & CF_TRACKING_BCAST:
        c.flags |= CF_TRACKING_BCAST
        for p in (prefixes or [b""]):
            bs = e.track_prefixes.get(p)
            if bs is None:
                bs = BcastState()
                e.track_prefixes[p] = bs
            if c not in bs.clients:
                bs.clients[c] = None
                if c.tracking_prefixes is None:
                    c.tracking_prefixes = {}
                c.tracking_prefixes[p] = None
    c.flags |= options & (CF_TRACKING_OPTIN | CF_TRACKING_OPTOUT | CF_TRACKING_NOLOOP)
    return 0


cdef int tracking_disable(Client c) except -1:
    cdef Engine e = c.engine
    cdef BcastState bs
    if c.flags & CF_TRACKING_BCAST and c.tracking_prefixes is not None:
        for p in c.tracking_prefixes:
            bs = e.track_prefixes.get(p)
            if bs is None:
                continue
            bs.clients.pop(c, None)
            if not bs.clients:
                del e.track_prefixes[p]
        c.tracking_prefixes = None
    if c.flags & CF_TRACKING:
        e.tracking_clients -= 1
        c.flags &= ~(CF_TRACKING | CF_TRACKING_BROKEN_REDIR | CF_TRACKING_BCAST |
                     CF_TRACKING_OPTIN | CF_TRACKING_OPTOUT | CF_TRACKING_CACHING |
                     CF_TRACKING_NOLOOP)
    return 0


# ------------------------------------------------------------------ the table

cdef inline int _table_remove(Engine e, object key, list slot) except -1:
    # swap the last key into the freed index of track_keys
    cdef Py_ssize_t i = slot[0]
    last = e.track_keys.pop()
    if i < len(e.track_keys):
        e.track_keys[i] = last
        (<list>e.track_table[last])[0] = i
    del e.track_table[key]
    return 0


cdef inline int _remember(Engine e, Client c, bytes key) except -1:
    cdef list slot = e.track_table.get(key)
    cdef dict ids
    if slot is None:
        ids = {}
        e.track_table[key] = [len(e.track_keys), ids]
        e.track_keys.append(key)
    else:
        ids = <dict>slot[1]
    if c.id not in ids:
        ids[c.id] = None
        e.track_items += 1
    return 0


# Redis's trackingRememberKeys: the keys of the read c just ran, unless
# OPTIN without CLIENT CACHING YES or OPTOUT with CLIENT CACHING NO.
cdef int _remember_keys(Engine e, Client c, Command cmd) except -1:
    cdef int i, last
    cdef int f = c.flags
    if (f & CF_TRACKING_OPTIN and not (f & CF_TRACKING_CACHING)) or \
            (f & CF_TRACKING_OPTOUT and f & CF_TRACKING_CACHING):
        return 0
    if cmd.flags & CMD_PUBSUB:
        return 0                # shard channels are keys, not cached values
    if cmd.movablekeys or cmd.first_key <= 0:
        from rkvd.commandspec import get_keys
        try:
            positions = get_keys(cmd.spec, c.args_list())
        except ValueError:
            return 0
        for i in positions:
            _remember(e, c, c.arg_bytes(i))
        return 0
    last = cmd.last_key if cmd.last_key >= 0 else c.argc + cmd.last_key
    i = cmd.first_key
    while i <= last and i < c.argc:
        _remember(e, c, c.arg_bytes(i))
        i += cmd.key_step if cmd.key_step > 0 else 1
    return 0


# Redis's trackingRememberKeyToBroadcast: key goes to every prefix it has.
cdef int _remember_broadcast(Engine e, object key, Client by) except -1:
    cdef bytes k = <bytes>key
    cdef bytes p
    cdef BcastState bs
    for p, bs in e.track_prefixes.items():
        if PyBytes_GET_SIZE(p) > PyBytes_GET_SIZE(k):
            continue
        if PyBytes_GET_SIZE(p) and memcmp(PyBytes_AS_STRING(p), PyBytes_AS_STRING(k),
                                          PyBytes_GET_SIZE(p)) != 0:
            continue
        bs.keys[k] = by
    if not e.track_bcast_due:
        e.track_bcast_due = True
        if e.loop is not None:
            e.loop.call_soon(_broadcast_cb, e)
    return 0


cdef int tracking_invalidate_key(Engine e, object key, Client by, bint bcast) except -1:
    cdef list slot
    cdef dict ids
    cdef Client t
    if e.track_table is None:
        return 0
    if bcast and e.track_prefixes:
        _remember_broadcast(e, key, by)
    slot = e.track_table.get(key)
    if slot is None:
        return 0
    _table_remove(e, key, slot)
    ids = <dict>slot[1]
    e.track_items -= len(ids)
    for cid in ids:
        t = e.clients.get(cid)
        if t is None or not (t.flags & CF_TRACKING) or t.flags & CF_TRACKING_BCAST:
            continue
        if t is e.track_cur:
            if t.flags & CF_TRACKING_NOLOOP:
                continue
            e.track_pending.append(key)     # sent after the reply
        else:
            _send(e, t, key, False, False)
    return 0


cdef int tracking_command_keys(Client c, Command cmd) except -1:
    cdef Engine e = c.engine
    cdef int i, last
    mixed = _mixed_specs.get(cmd)
    if mixed is None:
        specs = cmd.spec.key_specs if cmd.spec is not None else ()
        mixed = len(specs) > 1 and any("RO" in ks.flags for ks in specs)
        _mixed_specs[cmd] = mixed
    if mixed or cmd.movablekeys or cmd.first_key <= 0:
        from rkvd.commandspec.keys import get_keys_and_flags
        try:
            found = get_keys_and_flags(cmd.spec, c.args_list())
        except ValueError:
            return 0
        for i, flags in found:
            if "RO" not in flags:
                tracking_invalidate_key(e, c.arg_bytes(i), c, True)
        return 0
    last = cmd.last_key if cmd.last_key >= 0 else c.argc + cmd.last_key
    i = cmd.first_key
    while i <= last and i < c.argc:
        tracking_invalidate_key(e, c.arg_bytes(i), c, True)
        i += cmd.key_step if cmd.key_step > 0 else 1
    return 0


cdef int tracking_on_flush(Engine e) except -1:
    cdef Client t
    if e.tracking_clients:
        for t in list(e.clients.values()):
            if not (t.flags & CF_TRACKING):
                continue
            if t is e.track_cur:
                e.track_pending.append(None)
            else:
                _send(e, t, _B_NULL3 if t.resp == 3 else _B_NULL2, True, False)
    if e.track_table is not None:
        e.track_table = {}
        e.track_keys = []
        e.track_items = 0
    return 0


cdef int tracking_limit_used_slots(Engine e) except -1:
    cdef long long effort
    cdef Py_ssize_t n
    if e.track_table is None or e.tracking_table_max_keys == 0:
        return 0
    if len(e.track_table) <= e.tracking_table_max_keys:
        e.track_effort = 0
        return 0
    effort = 100 * (e.track_effort + 1)
    while effort > 0:
        effort -= 1
        n = len(e.track_keys)
        if n == 0:
            break
        tracking_invalidate_key(e, e.track_keys[<Py_ssize_t>(rand64() % <uint64_t>n)], None, False)
        if len(e.track_table) <= e.tracking_table_max_keys:
            e.track_effort = 0
            return 0
    e.track_effort += 1
    return 0


# The invalidations held for c (the client whose command just ended).
cdef int _send_pending(Engine e, Client c) except -1:
    cdef list pending = e.track_pending
    e.track_pending = []
    if c.flags & CF_CLOSED:
        return 0
    for key in pending:
        if key is None:
            _send(e, c, _B_NULL3 if c.resp == 3 else _B_NULL2, True, True)
        else:
            _send(e, c, key, False, True)
    return 0


# Read-only script commands: only the reads their script makes count.
cdef frozenset _SCRIPT_RO = frozenset({"eval_ro", "evalsha_ro", "fcall_ro"})


cdef int tracking_after_call(Engine e, Client c, Command cmd) except -1:
    cdef Client caller = c
    if cmd.flags & CMD_READONLY and cmd.name not in _SCRIPT_RO:
        if e.script_caller is not None and c is not e.script_caller:
            # a read inside a script: the keys its EVAL/FCALL declared, as
            # Redis remembers the script caller's command
            caller = e.script_caller
            if caller.cur_cmd is None:
                caller = c
        if (caller.flags & (CF_TRACKING | CF_TRACKING_BCAST)) == CF_TRACKING:
            _remember_keys(e, caller, <Command>caller.cur_cmd if caller is not c else cmd)
    if e.call_depth:
        return 0
    # CLIENT CACHING covers the next command, or the next transaction
    if c.flags & CF_TRACKING_CACHING and not (c.flags & CF_MULTI) and not cmd.name.startswith("client|"):
        c.flags &= ~CF_TRACKING_CACHING
    e.track_cur = None
    if e.track_pending:
        _send_pending(e, c)
    if e.loop is None and e.track_bcast_due:
        tracking_broadcast(e)
    return 0


cdef int tracking_served(Engine e, Client c, Command cmd) except -1:
    cdef Client saved = e.track_cur
    e.track_cur = c
    try:
        tracking_command_keys(c, cmd)
    finally:
        e.track_cur = saved
    if e.track_pending:
        _send_pending(e, c)
    return 0


# ------------------------------------------------------------------ BCAST

# Redis's trackingBuildBroadcastReply: the RESP array of keys (sorted, as
# Redis's radix tree walks them), leaving out those last modified by
# `skip` (NOLOOP); None when nothing is left.
cdef bytes _bcast_payload(list keys, dict modified_by, Client skip):
    cdef list out = []
    cdef bytes k
    for k in keys:
        if skip is not None and modified_by[k] is skip:
            continue
        out.append(b"$%d\r\n%b\r\n" % (len(k), k))
    if not out:
        return None
    return b"*%d\r\n" % len(out) + b"".join(out)


cdef int tracking_broadcast(Engine e) except -1:
    cdef BcastState bs
    cdef Client t
    cdef bytes common, adhoc
    cdef list keys
    e.track_bcast_due = False
    if e.track_prefixes is None or not e.tracking_clients:
        return 0
    for p in sorted(e.track_prefixes):
        bs = e.track_prefixes[p]
        if not bs.keys:
            continue
        keys = sorted(bs.keys)
        common = _bcast_payload(keys, bs.keys, None)
        for t in list(bs.clients):
            if t.flags & CF_TRACKING_NOLOOP:
                adhoc = _bcast_payload(keys, bs.keys, t)
                if adhoc is not None:
                    _send(e, t, adhoc, True, False)
            else:
                _send(e, t, common, True, False)
        bs.keys = {}
    return 0


def _broadcast_cb(Engine e):
    if e.track_bcast_due:
        tracking_broadcast(e)


# ------------------------------------------------------------------ Python side

def tracking_on(Client c, long long redir, int options, list prefixes):
    """CLIENT TRACKING ON with checked options (CF_TRACKING_* bits)."""
    tracking_enable(c, redir, options, prefixes)


def tracking_off(Client c):
    """CLIENT TRACKING OFF, and RESET."""
    tracking_disable(c)


def tracking_prefix_list(Client c):
    """The client's BCAST prefixes, in the order Redis lists them (sorted)."""
    return sorted(c.tracking_prefixes) if c.tracking_prefixes is not None else []


def tracking_flush(Engine e):
    """A flush outside a command's key specs (DEBUG RELOAD, a replica load)."""
    tracking_on_flush(e)


def tracking_limit(Engine e):
    """Enforce tracking-table-max-keys now (the cron, after CONFIG SET)."""
    if e.tracking_clients:
        tracking_limit_used_slots(e)


def tracking_stats(Engine e):
    """(tracking_total_keys, tracking_total_items, tracking_total_prefixes)."""
    if e.track_table is None:
        return (0, 0, 0)
    return (len(e.track_table), e.track_items, len(e.track_prefixes))
