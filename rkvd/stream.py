"""The propagation stream's one consumer point.

The engine records every write's effect as replayable commands
(rkvd._core.engine.propagate) and keeps them until they are taken. They are
taken here, once, and handed to every consumer: the append-only file, the
replication stream (backlog and replicas) and DEBUG PROPAGATED's copy, so
the AOF and the replicas see the same effects in the same order. The take
happens before any reply leaves (the engine's hook, as Redis's beforeSleep
writes the AOF and fills the replicas' buffers before the clients' replies)
and on every cron tick for writes no reply follows (active expiry).
"""


class Stream:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine
        self.debug_tee = None       # DEBUG PROPAGATED's copy, or None

    def update(self):
        """Record the stream while some consumer reads it; the engine then
        calls flush_before_replies before a reply leaves."""
        from rkvd.aof import AOF_OFF
        p = getattr(self.server, "persistence", None)
        aof_on = p is not None and p.aof.state != AOF_OFF
        repl = getattr(self.server, "replication", None)
        repl_on = repl is not None and repl.wants_stream()
        wanted = aof_on or repl_on or self.debug_tee is not None
        e = self.engine
        e.aof_flush = self.flush_before_replies if wanted else None
        if wanted and not e.prop_on:
            e.start_propagation_log()
        elif not wanted and e.prop_on:
            self.pump()
            e.stop_propagation_log()

    def pump(self):
        """Take what the engine recorded and give it to every consumer. The
        commands meant for replicas only (PUBLISH) are left out of the AOF,
        those for the AOF only (a script's redis.set_repl) out of the
        replication stream."""
        data, repl_only, aof_only = self.engine.take_propagation_log_split()
        if not data:
            return
        if self.debug_tee is not None:
            self.debug_tee += data
        aof_data = _without(data, repl_only)
        if aof_data:
            self.server.persistence.aof.accept(aof_data)
        # the engine's count of bytes taken ends this data: WAIT maps the
        # clients' positions in the engine's stream to replication offsets
        self.server.replication.feed_own(_without(data, aof_only), self.engine.prop_taken,
                                         len(data))

    def flush_before_replies(self):
        self.pump()
        self.server.persistence.aof.flush()


def _without(data, ranges):
    """data with the (start, end) byte ranges cut out."""
    if not ranges:
        return data
    parts, pos = [], 0
    for start, end in ranges:
        parts.append(data[pos:start])
        pos = end
    parts.append(data[pos:])
    return b"".join(parts)
