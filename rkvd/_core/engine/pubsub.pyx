# Publish/subscribe (Redis's pubsub.c): classic channels, patterns and shard
# channels, and the delivery of keyspace notifications. The server side maps
# a name to its subscribers in subscription order (Engine.ps_channels,
# ps_patterns, ps_shard); each client keeps what it subscribed to (its
# sub_* fields). A message is encoded once and appended to each
# subscriber's reply buffer, which joins the loop iteration's one batched
# flush like any reply.

cdef bytes _B_MESSAGE = b"$7\r\nmessage\r\n"
cdef bytes _B_SMESSAGE = b"$8\r\nsmessage\r\n"
cdef bytes _B_PMESSAGE = b"$8\r\npmessage\r\n"


# Subscriptions counted as Redis's clientSubscriptionsCount (channels and
# patterns) and clientShardSubscriptionsCount.
cdef inline Py_ssize_t sub_count(Client c) noexcept:
    cdef Py_ssize_t n = 0
    if c.sub_channels is not None:
        n += len(c.sub_channels)
    if c.sub_patterns is not None:
        n += len(c.sub_patterns)
    return n


cdef inline Py_ssize_t shard_count(Client c) noexcept:
    return len(c.sub_shard) if c.sub_shard is not None else 0


# Have c's reply buffer written in this loop iteration's batch (a client
# running its own input is flushed when its batch ends).
cdef int schedule_write(Engine e, Client c) except -1:
    if c.flags & (CF_IN_BATCH | CF_WRITE_PENDING):
        return 0
    if e.loop is not None:
        c.flags |= CF_WRITE_PENDING
        e.queue_flush(c)
    else:
        c.flush()
    return 0


# Append an encoded frame (a RESP2 '*' array, sent as a '>' push to RESP3
# clients) to a subscriber and schedule the write.
cdef inline int _deliver(Engine e, Client c, const char* p, Py_ssize_t n) except -1:
    cdef Py_ssize_t start = c.reply.len
    if c.flags & CF_CLOSED:
        return 0
    if c.resp == 3:
        c.reply.add_canned(b">")
        c.reply.add_raw(p + 1, n - 1)
    else:
        c.reply.add_raw(p, n)
    _pushed(c, start)
    return schedule_write(e, c)


# A push written from reply offset start: kept when the running command of
# c is silenced by CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING).
cdef inline int _pushed(Client c, Py_ssize_t start) except -1:
    if c.flags & (CF_REPLY_OFF | CF_REPLY_SKIP) and c.cur_cmd is not None:
        if c.push_ranges is None:
            c.push_ranges = []
        c.push_ranges.append((start, c.reply.len))
    return 0


cdef inline char* _put_bulk(char* q, const char* s, Py_ssize_t n) noexcept:
    q[0] = b'$'
    q += 1
    q += ll2string(q, 24, n)
    q[0] = b'\r'
    q[1] = b'\n'
    q += 2
    memcpy(q, s, n)
    q += n
    q[0] = b'\r'
    q[1] = b'\n'
    return q + 2


cdef inline Py_ssize_t _bulk_size(Py_ssize_t n) noexcept:
    cdef Py_ssize_t d = 1, v = n
    while v >= 10:
        v //= 10
        d += 1
    return 1 + d + 2 + n + 2


# The RESP2 frame "*<k>" + kind + bulks of a, b (and c when k is 4).
cdef bytes _frame(int k, bytes kind, bytes a, bytes b, bytes c):
    cdef Py_ssize_t n = 4 + len(kind) + _bulk_size(len(a)) + _bulk_size(len(b))
    cdef bytes out
    cdef char* q
    if c is not None:
        n += _bulk_size(len(c))
    out = PyBytes_FromStringAndSize(NULL, n)
    q = PyBytes_AS_STRING(out)
    q[0] = b'*'
    q[1] = <char>(48 + k)      # '3' or '4'
    q[2] = b'\r'
    q[3] = b'\n'
    q += 4
    memcpy(q, PyBytes_AS_STRING(kind), len(kind))
    q += len(kind)
    q = _put_bulk(q, PyBytes_AS_STRING(a), len(a))
    q = _put_bulk(q, PyBytes_AS_STRING(b), len(b))
    if c is not None:
        q = _put_bulk(q, PyBytes_AS_STRING(c), len(c))
    return out


# Redis's pubsubPublishMessage: deliver message on channel (a shard channel
# when shard) to its subscribers and, for a classic channel, to the clients
# of every matching pattern. Returns the number of receivers.
cdef long long pubsub_publish(Engine e, bytes channel, bytes message, bint shard) except -1:
    cdef long long receivers = 0
    cdef list subs
    cdef Client c
    cdef bytes frame
    cdef bytes pat
    cdef dict table = e.ps_shard if shard else e.ps_channels
    cdef dict pats
    # Under the loop a delivery only queues the write, so the tables cannot
    # change while they are walked; outside it (in-process use) a delivery
    # flushes at once and may close a client, which unsubscribes it: walk
    # copies then.
    cdef bint copy = e.loop is None
    subs = table.get(channel) if table else None
    if subs:
        frame = _frame(3, _B_SMESSAGE if shard else _B_MESSAGE, channel, message, None)
        for c in (list(subs) if copy else subs):
            _deliver(e, c, PyBytes_AS_STRING(frame), len(frame))
            receivers += 1
    if shard or not e.ps_patterns:
        return receivers
    pats = dict(e.ps_patterns) if copy else e.ps_patterns
    for pat, subs in pats.items():
        if not stringmatchlen(PyBytes_AS_STRING(pat), len(pat),
                              PyBytes_AS_STRING(channel), len(channel), 0):
            continue
        frame = _frame(4, _B_PMESSAGE, pat, channel, message)
        for c in (list(subs) if copy else subs):
            _deliver(e, c, PyBytes_AS_STRING(frame), len(frame))
            receivers += 1
    return receivers


# The (un)subscribe confirmation: [kind, name or null, count], a push frame
# for RESP3.
cdef int _confirm(Client c, bytes kind, object name, Py_ssize_t count) except -1:
    cdef Py_ssize_t start = c.reply.len
    c.add_len(b'>' if c.resp == 3 else b'*', 3)
    c.add_bulk(PyBytes_AS_STRING(kind), len(kind))
    if name is None:
        c.add_null()
    else:
        c.add_bulk_obj(name)
    c.add_int(count)
    return _pushed(c, start)


cdef inline int _update_pubsub_flag(Client c) noexcept:
    if sub_count(c) + shard_count(c):
        c.flags |= CF_PUBSUB
    else:
        c.flags &= ~CF_PUBSUB
    return 0


cdef int _subscribe(Client c, bytes ch, bint shard) except -1:
    cdef Engine e = c.engine
    cdef dict mine
    cdef list subs
    if shard:
        if c.sub_shard is None:
            c.sub_shard = {}
        mine = c.sub_shard
    else:
        if c.sub_channels is None:
            c.sub_channels = {}
        mine = c.sub_channels
    if ch not in mine:
        mine[ch] = None
        table = e.ps_shard if shard else e.ps_channels
        subs = table.get(ch)
        if subs is None:
            table[ch] = [c]
        else:
            subs.append(c)
    if shard:
        return _confirm(c, b"ssubscribe", ch, shard_count(c))
    return _confirm(c, b"subscribe", ch, sub_count(c))


# Redis's pubsubUnsubscribeChannel: 1 if c was subscribed to ch.
cdef int _unsubscribe(Client c, bytes ch, bint shard, bint notify) except -1:
    cdef Engine e = c.engine
    cdef dict mine = c.sub_shard if shard else c.sub_channels
    cdef dict table = e.ps_shard if shard else e.ps_channels
    cdef list subs
    cdef int ret = 0
    if mine is not None and ch in mine:
        del mine[ch]
        subs = table[ch]
        subs.remove(c)
        if not subs:
            del table[ch]
        ret = 1
    if notify:
        if shard:
            _confirm(c, b"sunsubscribe", ch, shard_count(c))
        else:
            _confirm(c, b"unsubscribe", ch, sub_count(c))
    return ret


cdef int _psubscribe(Client c, bytes pat) except -1:
    cdef Engine e = c.engine
    cdef list subs
    if c.sub_patterns is None:
        c.sub_patterns = []
    if pat not in c.sub_patterns:
        c.sub_patterns.append(pat)
        subs = e.ps_patterns.get(pat)
        if subs is None:
            e.ps_patterns[pat] = [c]
        else:
            subs.append(c)
    return _confirm(c, b"psubscribe", pat, sub_count(c))


cdef int _punsubscribe(Client c, bytes pat, bint notify) except -1:
    cdef Engine e = c.engine
    cdef list subs
    cdef int ret = 0
    if c.sub_patterns is not None and pat in c.sub_patterns:
        c.sub_patterns.remove(pat)
        subs = e.ps_patterns[pat]
        subs.remove(c)
        if not subs:
            del e.ps_patterns[pat]
        ret = 1
    if notify:
        _confirm(c, b"punsubscribe", pat, sub_count(c))
    return ret


# Leave every channel (shard channels when shard); with notify, one
# confirmation each, or one with a null name when there were none.
cdef int unsubscribe_all(Client c, bint shard, bint notify) except -1:
    cdef dict mine = c.sub_shard if shard else c.sub_channels
    cdef int count = 0
    if mine:
        for ch in list(mine):
            count += _unsubscribe(c, ch, shard, notify)
    if notify and count == 0:
        if shard:
            _confirm(c, b"sunsubscribe", None, shard_count(c))
        else:
            _confirm(c, b"unsubscribe", None, sub_count(c))
    return count


cdef int punsubscribe_all(Client c, bint notify) except -1:
    cdef int count = 0
    if c.sub_patterns:
        for pat in list(c.sub_patterns):
            count += _punsubscribe(c, pat, notify)
    if notify and count == 0:
        _confirm(c, b"punsubscribe", None, sub_count(c))
    return count


# Drop every subscription of c without replying (disconnect, RESET).
cdef int pubsub_forget(Client c) except -1:
    if c.sub_channels:
        unsubscribe_all(c, False, False)
    if c.sub_shard:
        unsubscribe_all(c, True, False)
    if c.sub_patterns:
        punsubscribe_all(c, False)
    c.flags &= ~CF_PUBSUB
    return 0


cdef int cmd_subscribe(Client c) except -1:
    # Redis refuses a client that cannot block unless it is in MULTI; here
    # only EXEC denies blocking, so SUBSCRIBE is always allowed
    cdef int j
    for j in range(1, c.argc):
        _subscribe(c, c.arg_bytes(j), False)
    c.flags |= CF_PUBSUB
    return 0


cdef int cmd_ssubscribe(Client c) except -1:
    cdef int j
    if c.flags & CF_DENY_BLOCKING:
        return c.add_error_str("SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
    for j in range(1, c.argc):
        _subscribe(c, c.arg_bytes(j), True)
    c.flags |= CF_PUBSUB
    return 0


cdef int cmd_psubscribe(Client c) except -1:
    cdef int j
    for j in range(1, c.argc):
        _psubscribe(c, c.arg_bytes(j))
    c.flags |= CF_PUBSUB
    return 0


cdef int cmd_unsubscribe(Client c) except -1:
    cdef int j
    if c.argc == 1:
        unsubscribe_all(c, False, True)
    else:
        for j in range(1, c.argc):
            _unsubscribe(c, c.arg_bytes(j), False, True)
    return _update_pubsub_flag(c)


cdef int cmd_sunsubscribe(Client c) except -1:
    cdef int j
    if c.argc == 1:
        unsubscribe_all(c, True, True)
    else:
        for j in range(1, c.argc):
            _unsubscribe(c, c.arg_bytes(j), True, True)
    return _update_pubsub_flag(c)


cdef int cmd_punsubscribe(Client c) except -1:
    cdef int j
    if c.argc == 1:
        punsubscribe_all(c, True)
    else:
        for j in range(1, c.argc):
            _punsubscribe(c, c.arg_bytes(j), True)
    return _update_pubsub_flag(c)


# PUBLISH and SPUBLISH: Redis forces their propagation to replicas only
# (PROPAGATE_REPL), never to the AOF.
cdef int cmd_publish(Client c) except -1:
    if c.engine.prop_on:
        force_propagation_repl(c)
    return c.add_int(pubsub_publish(c.engine, c.arg_bytes(1), c.arg_bytes(2), False))


cdef int cmd_spublish(Client c) except -1:
    if c.engine.prop_on:
        force_propagation_repl(c)
    return c.add_int(pubsub_publish(c.engine, c.arg_bytes(1), c.arg_bytes(2), True))


# Redis's notifyKeyspaceEvent: publish `event` on __keyspace@<db>__:<key>
# (K) and `key` on __keyevent@<db>__:<event> (E) when the class `typ` is
# selected.
cdef int keyspace_event(Engine e, int typ, const char* event, object key, int dbid) except -1:
    cdef int flags = e.notify_flags
    cdef bytes ev, prefix
    if not (flags & typ) or not (e.ps_channels or e.ps_patterns):
        return 0      # nobody can receive it
    ev = <bytes>event
    prefix = str(dbid).encode() + b"__:"
    if flags & NOTIFY_KEYSPACE:
        pubsub_publish(e, b"__keyspace@" + prefix + key, ev, False)
    if flags & NOTIFY_KEYEVENT:
        pubsub_publish(e, b"__keyevent@" + prefix + ev, key, False)
    return 0


register_c("subscribe", cmd_subscribe)
register_c("unsubscribe", cmd_unsubscribe)
register_c("psubscribe", cmd_psubscribe)
register_c("punsubscribe", cmd_punsubscribe)
register_c("ssubscribe", cmd_ssubscribe)
register_c("sunsubscribe", cmd_sunsubscribe)
register_c("publish", cmd_publish)
register_c("spublish", cmd_spublish)
