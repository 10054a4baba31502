# Client eviction (maxmemory-clients), Redis 7.0's evictClients: when the
# memory of the normal and pub/sub connections together reaches the limit,
# connections are closed, the largest first, until it is back under.
#
# Each connection's memory (client_memory) is re-read when its buffers may
# have changed: after a read, before and after a command, after its reply
# is handed to the transport, and from the clients cron. The engine keeps
# the sum of the last readings (clients_mem), so the check before every
# command is one comparison. Like Redis's, connections are grouped by the
# power of two of their memory (from 32 KB to 8 GB); eviction takes the top
# group first and, within a group, the connection that entered it first.
# Clients with CLIENT NO-EVICT on count in the sum but are never closed.

cdef long long client_memory(Client c, bint with_argv=True) except -1:
    cdef RequestReader r = c.reader
    cdef long long mem = CLIENT_STRUCT_SIZE + r.cap + c.reply.cap
    cdef int i
    mem += r.argcap * (sizeof(Arg) + sizeof(Py_ssize_t)) + c.own_argcap * sizeof(Arg)
    if c.transport is not None and not (c.flags & CF_CLOSED):
        try:
            mem += c.transport.get_write_buffer_size()
        except Exception:
            pass
    if c.argc and with_argv:
        # the running command's arguments, as Redis's argv_len_sum: counted
        # while a command runs (CLIENT LIST's own line), not between them
        mem += c.argc * sizeof(void*)
        for i in range(c.argc):
            mem += c.argv[i].len
    if c.mstate:
        mem += c.mstate_mem
    if c.watched:
        mem += len(c.watched) * WATCHED_KEY_MEM
    if c.sub_channels:
        mem += len(c.sub_channels) * SUBSCRIPTION_MEM
    if c.sub_patterns:
        mem += len(c.sub_patterns) * SUBSCRIPTION_MEM
    if c.sub_shard:
        mem += len(c.sub_shard) * SUBSCRIPTION_MEM
    if c.tracking_prefixes:
        mem += len(c.tracking_prefixes) * TRACKING_PREFIX_MEM
    return mem


cdef inline int _mem_bucket(long long mem) noexcept:
    cdef int bits = 0
    while mem > 0 and bits <= CLIENT_MEM_BUCKET_MAX_LOG:
        mem >>= 1
        bits += 1
    if bits > CLIENT_MEM_BUCKET_MAX_LOG:
        bits = CLIENT_MEM_BUCKET_MAX_LOG
    elif bits < CLIENT_MEM_BUCKET_MIN_LOG:
        bits = CLIENT_MEM_BUCKET_MIN_LOG
    return bits - CLIENT_MEM_BUCKET_MIN_LOG


cdef int update_client_mem(Client c, bint cron=False) except -1:
    cdef Engine e = c.engine
    cdef long long mem
    cdef int bucket
    if c.flags & (CF_CLOSED | CF_MONITOR) or c.transport is None:
        return 0
    if c.flags & CF_NO_EVICT and not cron:
        return 0        # as Redis: read from the cron only, never evicted
    # an output limit closes its client before client eviction counts it
    # (Redis's obuf limits take precedence)
    if c.reply.len and c.output_limited() and c._check_output_limits(c.reply.len):
        return 0
    mem = client_memory(c, not cron)
    e.clients_mem += mem - c.last_mem
    c.last_mem = mem
    bucket = _mem_bucket(mem)
    if bucket != c.mem_bucket or not c.mem_bucket_seq:
        c.mem_bucket = bucket
        e.mem_bucket_seq += 1
        c.mem_bucket_seq = e.mem_bucket_seq
    return 0


cdef int client_mem_forget(Client c) except -1:
    c.engine.clients_mem -= c.last_mem
    c.last_mem = 0
    c.mem_bucket_seq = 0
    return 0


cdef int evict_clients(Engine e) except -1:
    cdef Client c
    cdef list order
    if e.client_evict_limit == 0 or e.clients_mem < e.client_evict_limit:
        return 0
    order = []
    for c in e.clients.values():
        if not (c.flags & (CF_NO_EVICT | CF_MONITOR | CF_CLOSED)) and c.mem_bucket_seq:
            order.append((-c.mem_bucket, c.mem_bucket_seq, c))
    order.sort(key=_bucket_order)
    for item in order:
        if e.clients_mem < e.client_evict_limit:
            return 0
        c = <Client>item[2]
        if e.server is not None:
            e.server.log.notice("Evicting client: " + e.client_info_line(c))
        # closed at once, its unsent output dropped, as Redis's freeClient:
        # a peer that does not read must not keep the memory
        c.flags |= CF_CLOSED
        c.reply.len = 0
        e.clients_mem_releasing += c.last_mem
        if c.transport is not None:
            c.transport.abort()
        e.client_gone(c)
        e.stat_evictedclients += 1
    if e.clients_mem >= e.client_evict_limit:
        e.log_warning("Over client maxmemory after evicting all evictable clients")
    return 0


def _bucket_order(item):
    return item[0], item[1]


# Re-read every connection's memory (maxmemory-clients turned on or changed).
cdef int update_all_client_mem(Engine e) except -1:
    cdef Client c
    for c in list(e.clients.values()):
        update_client_mem(c, True)
    return 0
