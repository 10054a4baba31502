"""Replication, the master's side (Redis's replication.c, master half):
SYNC / PSYNC / REPLCONF / WAIT / ROLE, the replicas' links and their full
and partial synchronization, the replication stream and its backlog.

The stream a master sends is the propagation stream (rkvd.stream hands each
take to feed_own), plus the PINGs and GETACKs only replicas get. A replica
does not send its own propagation stream on: it proxies the bytes its master
sent, through feed_replicas, so a chain of replicas shares one history and
its offsets (server.repl, rkvd.replication.state).

A full sync forks a snapshot child with the persistence machinery. With
repl-diskless-sync (Redis 7's default) and replicas that take EOF-marked
payloads, the child writes "$EOF:<mark>\\r\\n<rdb><mark>" into a pipe the
loop copies to every replica of that transfer, which goes online on its
first REPLCONF ACK; otherwise the RDB is written to `dbfilename` and sent as
"$<length>\\r\\n" and the file. Either way the stream produced meanwhile
waits in the replication buffer the backlog and every replica share
(server.repl.backlog, one copy however many replicas wait) from the
replica's own offset, and follows the payload; replicas attaching while a
disk child runs start at the same offset.

The interface the replica side uses (server.replication is a Master):
  feed_replicas(data)   bytes of the stream received from this server's own
                        master: advance server.repl (offset, backlog) and
                        append them verbatim to every attached replica.
  prepare_role_change() / role_changed()
                        just before / right after setting or clearing
                        server.repl.master (REPLICAOF host port, REPLICAOF
                        NO ONE): the engine's own stream then goes to the
                        AOF only, or again to the replicas.
  disconnect_replicas() when this server's history changes under them.
  server.repl.master    None on a master; on a replica the link object,
                        read here for ROLE and SYNC (host, port,
                        link_status, state, reploff, send_ack()).
"""
import array
import os
import time

from rkvd._core.server import CLIENT_FLAGS
from rkvd.commands.common import cstr, lower
from rkvd.strutil import string2ll

CF_REPLICA = CLIENT_FLAGS["replica"]

# A replica link's state (Redis's SLAVE_STATE_*)
WAIT_BGSAVE_START, WAIT_BGSAVE_END, SEND_BULK, ONLINE = range(4)
_STATE_NAMES = {WAIT_BGSAVE_START: "wait_bgsave", WAIT_BGSAVE_END: "wait_bgsave",
                SEND_BULK: "send_bulk", ONLINE: "online"}

CAPA_EOF, CAPA_PSYNC2 = 1, 2

NOREPLICAS = b"-NOREPLICAS Not enough good replicas to write."
_PING = b"*1\r\n$4\r\nPING\r\n"
_GETACK = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"

# How much of the RDB payload may wait in a replica's transport before the
# sender pauses; the sender resumes as the socket drains.
_BULK_CHUNK = 64 * 1024
_BULK_HIGH = 1024 * 1024
# The stream: how much may wait in a replica's transport (the rest stays in
# the shared buffer, counted there), and how soon a stalled one is retried.
_STREAM_HIGH = 64 * 1024
_DRAIN_DELAY = 0.005


# What REPLCONF rdb-filter-only leaves out of the snapshot (Redis's
# SLAVE_REQ_RDB_EXCLUDE_*); a filtered snapshot always goes to the
# replica's socket, never to the RDB file.
REQ_EXCLUDE_DATA = 1
REQ_EXCLUDE_FUNCTIONS = 2


class _Handshake:
    """What a connection said with REPLCONF before it asked to sync."""
    __slots__ = ("listening_port", "addr", "capa", "rdb_only", "req")

    def __init__(self):
        self.listening_port = 0
        self.addr = None
        self.capa = 0
        self.rdb_only = False
        self.req = 0            # REQ_EXCLUDE_* from REPLCONF rdb-filter-only


class _Landings:
    """The newest takes of the engine's stream fed to replication, each as
    (engine start, engine end, replication offset at its end, bytes fed):
    what maps a client's WAIT offset to the replication stream. A ring in
    one array made at start: a deque of tuples grew by some 50 KB while it
    filled, which used_memory counted against maxmemory."""

    __slots__ = ("_a", "_head", "_n")
    SIZE = 256

    def __init__(self):
        self._a = array.array("q", bytes(8 * 4 * self.SIZE))
        self._head = 0                  # the slot the next take goes to
        self._n = 0

    def append(self, start, end, repl_end, fed):
        a, i = self._a, self._head * 4
        a[i], a[i + 1], a[i + 2], a[i + 3] = start, end, repl_end, fed
        self._head = (self._head + 1) % self.SIZE
        self._n = min(self._n + 1, self.SIZE)

    def _at(self, k):
        # the k-th newest take (1-based)
        i = (self._head - k) % self.SIZE * 4
        return self._a[i], self._a[i + 1], self._a[i + 2], self._a[i + 3]

    def newest_first(self):
        for k in range(1, self._n + 1):
            yield self._at(k)

    def oldest_first(self):
        for k in range(self._n, 0, -1):
            yield self._at(k)


class ReplicaLink:
    """One attached replica (a client after SYNC/PSYNC)."""
    __slots__ = ("client", "hs", "state", "ack_off", "ack_time", "psync_initial_offset",
                 "send_off", "pre_psync", "start_on_ack", "bulk", "soft_since", "stalled_since",
                 "stalled_at")

    def __init__(self, client, hs):
        self.client = client
        self.hs = hs
        self.state = WAIT_BGSAVE_START
        self.ack_off = 0
        self.ack_time = int(time.time())
        self.psync_initial_offset = 0
        # the stream offset of the next byte this replica gets, from the
        # shared buffer (server.repl.backlog); 0 while it holds none of it
        self.send_off = 0
        self.pre_psync = False          # came with SYNC: no +FULLRESYNC, no ACKs
        self.start_on_ack = False
        self.bulk = None                # (file, remaining bytes) while sending the RDB
        self.soft_since = 0
        # a diskless transfer this replica holds up: since when its output
        # has not shrunk (Redis's repl_last_partial_write), and its size then
        self.stalled_since = 0
        self.stalled_at = 0

    @property
    def online(self):
        return self.state == ONLINE

    @property
    def holds_stream(self):
        # Redis's canFeedReplicaReplBuffer: a replica waiting for its BGSAVE
        # to start has no place in the stream yet; an RDB-only one never does
        return self.state != WAIT_BGSAVE_START and not self.hs.rdb_only

    @property
    def streaming(self):
        # online, its stream started and a place in it: what it lacks of
        # the buffer may be sent
        return self.state == ONLINE and not self.start_on_ack and bool(self.send_off)


class _Waiter:
    __slots__ = ("client", "offset", "numreplicas", "timer")

    def __init__(self, client, offset, numreplicas):
        self.client = client
        self.offset = offset
        self.numreplicas = numreplicas
        self.timer = None


class Master:
    """server.replication."""

    def __init__(self, server):
        self.server = server
        self.engine = server.engine
        self.cfg = server.cfg
        self.log = server.log
        self.repl = server.repl
        self.replicas = []              # ReplicaLink, in the order they attached
        self._links = {}                # client id -> ReplicaLink
        self._handshakes = {}           # client id -> _Handshake (REPLCONF before SYNC)
        self.waiters = []               # _Waiter, newest first (Redis's clients_waiting_acks)
        self._getack_due = False
        self.good_replicas = 0
        self.stat_sync_full = 0
        self.stat_sync_partial_ok = 0
        self.stat_sync_partial_err = 0
        self.stat_repl_output_bytes = 0
        self.rdb_for_replication = False    # the running RDB child was started for SYNC
        self._pipe_fd = None                # the diskless child's pipe, while it is read
        # where the last takes of the engine's stream landed in replication
        self._positions = _Landings()
        self._transfer = None               # the replicas a diskless transfer goes to
        self._drain_timer = None            # a replica's connection is full: retry then
        self._pumping = False               # inside _pump (a TLS drain can report from a write)
        # Redis's replicationCron runs first as the server starts (loop 0,
        # no replica can be there yet), then once a second; the PINGs fall
        # on the loops that are multiples of repl-ping-replica-period
        self._cron_ms = int(time.monotonic() * 1000)
        self._cron_loops = 1
        from rkvd.replication.failover import Failover
        self.failover = Failover(self)

    # ------------------------------------------------------------ names

    def replica_name(self, c, hs=None):
        """Redis's replicationGetSlaveName: "ip:port" as the replica
        announced itself."""
        hs = hs or self._handshake(c, create=False) or _Handshake()
        addr = hs.addr or _peer_ip(c)
        if addr is None:
            return f"client id #{c.id}"
        if hs.listening_port:
            return _format_addr(addr, hs.listening_port)
        return f"{addr}:<unknown-replica-port>"

    def replica_addr(self, link):
        """The address a replica is known by: the one it announced, or its
        peer's IP (None for a Unix socket)."""
        return link.hs.addr or _peer_ip(link.client)

    def find_replica(self, host, port):
        """Redis's findReplica: the replica at host:port (its announced or
        peer address, case-insensitively, and its listening port)."""
        for link in self.replicas:
            addr = self.replica_addr(link)
            if addr is not None and addr.lower() == host.lower() and link.hs.listening_port == port:
                return link
        return None

    def _handshake(self, c, create=True):
        hs = self._handshakes.get(c.id)
        if hs is None and create:
            hs = self._handshakes[c.id] = _Handshake()
        return hs

    # ------------------------------------------------------------ the stream

    def wants_stream(self):
        """Whether the engine must record the stream for replication: a
        master with a backlog or replicas. A replica proxies its master's
        bytes instead."""
        return self.repl.master is None and (self.repl.backlog is not None or bool(self.replicas))

    def feed_own(self, data, engine_end=None, engine_len=None):
        """The engine's propagation stream (rkvd.stream): replicated while
        this server is a master with a backlog. engine_end: the engine's
        count of stream bytes taken once this data was (Engine.prop_taken);
        engine_len: how many of them this take was, when the AOF-only
        commands were cut out of data."""
        if self.repl.master is not None:
            return
        if self.repl.backlog is None and not self.replicas:
            return
        self._feed(data)
        if engine_end is not None:
            # where these bytes landed in the replication stream
            span = len(data) if engine_len is None else engine_len
            self._positions.append(engine_end - span, engine_end, self.repl.master_repl_offset,
                                   len(data))

    def client_offset(self, c):
        """The replication offset that covers c's last write (Redis's
        c->woff): its position in the engine's stream, through the record of
        where each take landed. A position older than the record maps to
        the oldest offset recorded (never too low: WAIT never answers
        early); one in a take that lost AOF-only commands, to its end."""
        w = c.woff
        if w <= 0:
            return 0
        for start, end, repl_end, fed in self._positions.newest_first():
            if start < w <= end:
                return repl_end - (end - w) if fed == end - start else repl_end
            if w > end:
                break
        for _start, end, repl_end, fed in self._positions.oldest_first():
            if w <= end:
                return repl_end - fed       # fed without replicas: the next take's start
        return self.repl.master_repl_offset

    def feed_replicas(self, data):
        """The replica side's entry point: bytes of the stream this server's
        master sent, proxied unchanged to this server's replicas and kept in
        its history (offset and backlog)."""
        self._feed(bytes(data))

    def _feed(self, data):
        if self.repl.backlog is None and self.replicas:
            self.repl.create_backlog()
        start = self.repl.master_repl_offset + 1
        added = self.repl.feed(data)
        for link in list(self.replicas):
            if not link.holds_stream:
                continue
            if not link.send_off:
                link.send_off = start       # it holds the stream from here
            if added and self._check_limits(link):
                continue
            if link.streaming:
                c = link.client
                if link.send_off == start and not c.pending_output:
                    # caught up, the connection idle: the new bytes
                    # themselves go out, no copy back from the buffer
                    if c.write_stream(data):
                        link.send_off += len(data)
                        self.stat_repl_output_bytes += len(data)
                else:
                    self._pump(link)
        if added:
            self._trim()

    def _trim(self):
        bl = self.repl.backlog
        if bl is not None:
            refs = [link.send_off for link in self.replicas if link.send_off]
            bl.trim(min(refs) if refs else None)

    def _pump(self, link):
        """Send a replica what it has not had of the shared buffer, as far
        as its connection takes it now (Redis's writeToClient for a
        replica): the rest stays in the buffer until the connection reports
        it has sent everything (_drained; a timer as a fallback)."""
        if self._pumping:
            # a drain reported from inside a write (TLS): the loop running
            # goes on, and the timer covers another link's
            self._schedule_drain()
            return
        self._pumping = True
        try:
            self._pump_link(link)
        finally:
            self._pumping = False

    def _pump_link(self, link):
        c = link.client
        bl = self.repl.backlog
        end = self.repl.master_repl_offset
        if c.pending_output:
            # still sending: more now would only queue another write request
            # behind it; its drain comes back here
            if link.send_off and link.send_off <= end:
                self._schedule_drain()
            return
        while link.send_off and link.send_off <= end and c.pending_output < _STREAM_HIGH:
            chunk = bl.read(link.send_off, _BULK_CHUNK) if bl is not None else b""
            if not chunk:
                # its part of the stream is gone: it cannot continue
                self.log.warning(f"Replica {self.replica_name(c, link.hs)} lost its place in the "
                                 "replication stream")
                c.close()
                return
            if not c.write_stream(chunk):
                return
            link.send_off += len(chunk)
            self.stat_repl_output_bytes += len(chunk)
        if link.send_off and link.send_off <= end:
            self._schedule_drain()

    def _schedule_drain(self):
        if not self._drain_timer:
            self._drain_timer = self.engine.loop.call_later(_DRAIN_DELAY, self._drain)

    def _drained(self, c):
        # the engine's repl_drained_fn: replica c's connection sent all it had
        link = self._links.get(c.id)
        if link is not None and link.streaming:
            self._pump(link)

    def _drain(self):
        self._drain_timer = None
        for link in list(self.replicas):
            if link.streaming:
                self._pump(link)
        self._trim()

    def replica_held(self, link):
        """What a replica holds of the shared buffer (Redis's
        getClientOutputBufferMemoryUsage for a replica)."""
        bl = self.repl.backlog
        if not link.send_off or bl is None:
            return 0
        return bl.held_from(link.send_off)

    def output_memory(self, c):
        """CLIENT LIST's share of the replication buffer for client c."""
        link = self._links.get(c.id)
        return self.replica_held(link) if link is not None else 0

    def flush_for_exit(self):
        """Shutdown's best effort (Redis's flushSlavesOutputBuffers): what
        the online replicas have not had yet goes to their connections."""
        bl = self.repl.backlog
        if bl is None:
            return
        for link in self.replicas:
            if link.streaming:
                data = bl.since(link.send_off)
                if data and link.client.write_stream(data):
                    link.send_off += len(data)

    # ------------------------------------------------------------ role changes

    def prepare_role_change(self):
        """The replica side calls this just before it sets or clears
        server.repl.master: what the engine recorded so far goes out under
        the current role."""
        self.server.stream.pump()

    def role_changed(self):
        """The replica side calls this right after it set or cleared
        server.repl.master (after shift_replid on a promotion). A replica
        proxies its master's stream, a master records its own; a promoted
        master drops its replicas so they resync with the new ID (a partial
        resync: they reconnect at once), starts its stream with a SELECT
        and counts the backlog's time to live from now (Redis's
        replicationUnsetMaster)."""
        if self.repl.master is None:
            self.disconnect_replicas()
            self.engine.reset_propagation_db()
            self.repl.backlog_no_replicas_since = int(time.time())
        self.server.stream.update()
        self.refresh_good_replicas()

    def disconnect_replicas(self):
        """Close every replica link (Redis's disconnectSlaves): the replica
        side calls it when this server's history changes under them (a new
        replication ID from its own master)."""
        for link in list(self.replicas):
            link.client.close()

    def _feed_repl_only(self, data):
        # PING and GETACK: the replicas' stream, never the AOF. The engine's
        # pending commands go first so the order is kept.
        self.server.stream.pump()
        if self.repl.backlog is None and not self.replicas:
            return
        self._feed(data)

    def replica_replied(self, c, argv):
        """The command argv a replica sent on its link generated a reply
        (the engine dropped it): the link is closed, as Redis does with a
        rogue replica."""
        name = bytes(argv[0]).lower().decode("latin-1") if argv else "<unknown>"
        cmd = self.engine.lookup_command(name.encode())
        if cmd is not None and getattr(cmd, "subcommands", None) and len(argv) > 1:
            sub = bytes(argv[1]).lower()
            if sub in cmd.subcommands:
                name = f"{name}|{sub.decode('latin-1')}"
        self.log.warning(f"Replica generated a reply to command '{name}', disconnecting it: "
                         f"{self.server.client_info_line(c)}")
        c.close()

    def feed_command_to_replicas(self, argv):
        """DEBUG REPLICATE: argv as a command in the replicas' stream, in
        the database it has selected now, on a master only."""
        if self.repl.master is not None:
            return
        out = [b"*%d\r\n" % len(argv)]
        for a in argv:
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self._feed_repl_only(b"".join(out))

    def _write(self, link, data):
        c = link.client
        if not c.write_stream(data):
            return
        self.stat_repl_output_bytes += len(data)
        self._check_limits(link)

    # ------------------------------------------------------------ output limits

    def _check_limits(self, link):
        """client-output-buffer-limit replica: what the link and the
        connection hold, against the replica class's limits."""
        hard, soft, secs = self.cfg["client-output-buffer-limit"]["slave"]
        if not hard and not soft:
            return False
        c = link.client
        used = self.replica_held(link) + c.pending_output
        # a replica shares the backlog's memory: a hard limit below the
        # backlog size would only drop replicas a partial resync just
        # accepted, so the backlog size counts instead (as in Redis)
        if hard and hard < self.repl.backlog_size:
            hard = self.repl.backlog_size
        if hard and used >= hard:
            return self._overflow(link)
        if soft and used >= soft:
            now = time.monotonic()
            if not link.soft_since:
                link.soft_since = now
            elif now - link.soft_since >= secs:
                return self._overflow(link)
        else:
            link.soft_since = 0
        return False

    def _overflow(self, link):
        c = link.client
        self.log.warning(f"Client {self.server.client_info_line(c)} scheduled to be closed ASAP "
                         "for overcoming of output buffer limits.")
        self.engine.stat_client_outbuf_limit_disconnections += 1
        c.close()
        return True

    # ------------------------------------------------------------ SYNC / PSYNC

    def sync(self, c, args):
        if c.flags & CF_REPLICA:
            return                      # already a replica: ignored, as Redis does
        if len(args) > 3 and lower(args[0]) == "psync" and lower(args[3]) == "failover":
            # our master hands its role over: it asks with our own ID
            self.log.warning(f"Failover request received for replid {cstr(args[1]).decode('latin-1')}.")
            if self.repl.master is None:
                c.reply_error("PSYNC FAILOVER can't be sent to a master.")
                return
            if lower(args[1]) != self.repl.replid.lower():
                c.reply_error("PSYNC FAILOVER replid must match my replid.")
                return
            self.server.replica.unset_master()
            from rkvd.replication.replica import c_info
            self.log.notice(f"MASTER MODE enabled (failover request from '{c_info(self.server, c)}')")
        if self.failover.active:
            c.reply_error("-NOMASTERLINK Can't SYNC while failing over")
            return
        m = self.repl.master
        if m is not None and getattr(m, "link_status", "down") != "up":
            c.reply_error("-NOMASTERLINK Can't SYNC while not connected with my master")
            return
        if c.obuf_len or c.pending_output:
            c.reply_error("SYNC and PSYNC are invalid with pending output")
            return
        hs = self._handshake(c)
        self.log.notice(f"Replica {self.replica_name(c, hs)} asks for synchronization")
        self.server.stream.pump()       # the offset must count every write made so far
        psync = lower(args[0]) == "psync"
        if psync:
            offset = string2ll(args[2])
            if offset is None:
                c.reply_error("value is not an integer or out of range")
                self.log.warning(f"Replica {self.replica_name(c, hs)} asks for synchronization "
                                 "but with a wrong offset")
                return
            if self._try_partial(c, hs, cstr(args[1]).decode("latin-1"), offset):
                self.stat_sync_partial_ok += 1
                return
            if not args[1].startswith(b"?"):
                self.stat_sync_partial_err += 1
        self.stat_sync_full += 1
        link = self._attach(c, hs)
        link.pre_psync = not psync
        if self.cfg["repl-disable-tcp-nodelay"]:
            _disable_nodelay(c)
        if len(self.replicas) == 1 and self.repl.backlog is None:
            # a new history: no offset of an older one may be continued
            self.repl.change_replid()
            self.repl.clear_replid2()
            self.repl.create_backlog()
            self.server.stream.update()
            self.log.notice(f"Replication backlog created, my new replication IDs are "
                            f"'{self.repl.replid}' and '{self.repl.replid2}'")
        child = self.server.persistence.child
        if child is not None and child.kind == "rdb" and child.to_replicas:
            self.log.notice("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC")
        elif child is not None and child.kind == "rdb":
            other = None
            for peer in self.replicas:
                if peer is not link and peer.state == WAIT_BGSAVE_END and peer.hs.req == hs.req and (
                        not peer.hs.rdb_only or hs.rdb_only):
                    other = peer
                    break
            if other is not None and (hs.capa & other.hs.capa) == other.hs.capa:
                if not hs.rdb_only:
                    link.send_off = other.send_off
                self._setup_full_resync(link, other.psync_initial_offset)
                self.log.notice("Waiting for end of BGSAVE for SYNC")
            else:
                self.log.notice("Can't attach the replica to the current BGSAVE. "
                                "Waiting for next BGSAVE for SYNC")
        elif self.cfg["repl-diskless-sync"] and hs.capa & CAPA_EOF and self.cfg["repl-diskless-sync-delay"]:
            # the cron starts it, after the delay lets more replicas arrive
            self.log.notice("Delay next BGSAVE for diskless SYNC")
        elif child is None:
            self._start_bgsave(hs.capa, hs.req)
        else:
            self.log.notice("No BGSAVE in progress, but another BG operation is active. "
                            "BGSAVE for replication delayed")

    def _attach(self, c, hs):
        link = ReplicaLink(c, hs)
        c.mark_replica()
        self.replicas.append(link)
        self._links[c.id] = link
        self._handshakes.pop(c.id, None)
        self.engine.repl_output_mem_fn = self.output_buffers_mem
        self.engine.repl_drained_fn = self._drained
        return link

    def output_buffers_mem(self):
        """Bytes the replicas' output holds: the shared replication buffer
        beyond the backlog size (what only the replicas keep), and what
        waits in each connection. Eviction leaves it out (Redis's
        freeMemoryGetNotCountedMemory): freeing keys would not shrink it."""
        bl = self.repl.backlog
        return ((bl.excess if bl is not None else 0)
                + sum(link.client.pending_output for link in self.replicas))

    def _try_partial(self, c, hs, replid, offset):
        """Redis's masterTryPartialResynchronization: +CONTINUE and the
        backlog from `offset` when the history and the backlog allow it."""
        r = self.repl
        name = self.replica_name(c, hs)
        if replid.lower() != r.replid and (replid.lower() != r.replid2
                                           or offset > r.second_replid_offset):
            if replid.startswith("?"):
                self.log.notice(f"Full resync requested by replica {name}")
            elif replid.lower() not in (r.replid, r.replid2):
                self.log.notice(f"Partial resynchronization not accepted: Replication ID mismatch "
                                f"(Replica asked for '{replid}', my replication IDs are "
                                f"'{r.replid}' and '{r.replid2}')")
            else:
                self.log.notice(f"Partial resynchronization not accepted: Requested offset for "
                                f"second ID was {offset}, but I can reply up to "
                                f"{r.second_replid_offset}")
            return False
        bl = r.backlog
        if bl is None or offset < bl.first_byte_offset or offset > bl.first_byte_offset + bl.histlen:
            self.log.notice(f"Unable to partial resync with replica {name} for lack of backlog "
                            f"(Replica request was: {offset}).")
            if offset > r.master_repl_offset:
                self.log.warning(f"Warning: replica {name} tried to PSYNC with an offset that is "
                                 "greater than the master replication offset.")
            return False
        link = self._attach(c, hs)
        link.state = ONLINE
        reply = b"+CONTINUE %s\r\n" % r.replid.encode() if hs.capa & CAPA_PSYNC2 else b"+CONTINUE\r\n"
        self._write(link, reply)
        link.send_off = offset
        self._pump(link)
        self.log.notice(f"Partial resynchronization request from {name} accepted. Sending "
                        f"{r.master_repl_offset - offset + 1} bytes of backlog starting from "
                        f"offset {offset}.")
        self.refresh_good_replicas()
        return True

    def _setup_full_resync(self, link, offset):
        link.psync_initial_offset = offset
        link.state = WAIT_BGSAVE_END
        # the stream this replica gets starts with a SELECT
        self.engine.reset_propagation_db()
        if not link.pre_psync:
            self._write(link, b"+FULLRESYNC %s %d\r\n" % (self.repl.replid.encode(), offset))

    def _start_bgsave(self, mincapa, req=0):
        """Redis's startBgsaveForReplication: the replicas' sockets when
        diskless sync is on (or the snapshot is filtered) and every waiting
        replica takes EOF-marked payloads, else the disk. It serves the
        waiting replicas that asked for the same filter `req`."""
        socket_target = bool((self.cfg["repl-diskless-sync"] or req) and mincapa & CAPA_EOF)
        self.log.notice("Starting BGSAVE for SYNC with target: "
                        + ("replicas sockets" if socket_target else "disk"))
        self.server.stream.pump()
        p = self.server.persistence
        waiting = [link for link in self.replicas if link.state == WAIT_BGSAVE_START and link.hs.req == req]
        if socket_target:
            ok = self._start_socket_transfer(waiting, req)
        else:
            ok = p.bgsave()
        if not ok:
            self.log.warning("BGSAVE for replication failed")
            for link in waiting:
                self._detach(link)
                link.client.reply_error("BGSAVE failed, replication can't continue")
                link.client.close_after_reply()
            return False
        self.rdb_for_replication = True
        if not socket_target:
            for link in waiting:
                self._setup_full_resync(link, self.repl.master_repl_offset)
        return True

    # ------------------------------------------------------------ diskless transfer

    def _start_socket_transfer(self, waiting, req=0):
        """Redis's rdbSaveToSlavesSockets: +FULLRESYNC to the waiting
        replicas, then a child writes the EOF-marked RDB into a pipe whose
        bytes the loop copies to each of them."""
        offset = self.repl.master_repl_offset
        for link in waiting:
            self._setup_full_resync(link, offset)
        mark = os.urandom(20).hex().encode()
        fd = self.server.persistence.bgsave_to_replicas(mark, data=not req & REQ_EXCLUDE_DATA,
                                                        functions=not req & REQ_EXCLUDE_FUNCTIONS)
        if fd is None:
            for link in waiting:
                link.state = WAIT_BGSAVE_START
            return False
        self._transfer = [link for link in waiting if link in self.replicas]
        self._pipe_fd = fd
        self.engine.loop.add_reader(fd, self._pipe_readable)
        return True

    def _pipe_readable(self):
        fd = self._pipe_fd
        if fd is None:
            return
        self._transfer = [link for link in self._transfer if link in self.replicas]
        if not self._transfer:
            self._close_pipe()
            self.log.warning("Diskless rdb transfer, last replica dropped, killing fork child.")
            self.server.persistence.kill_child()
            return
        try:
            data = os.read(fd, _BULK_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            self.log.warning(f"Diskless rdb transfer, read error sending DB to replicas: "
                             f"{exc.strerror}")
            self._close_pipe()
            self.server.persistence.kill_child()
            return
        if not data:
            self._close_pipe()
            self.log.notice(f"Diskless rdb transfer, done reading from pipe, "
                            f"{len(self._transfer)} replicas still up.")
            return
        for link in self._transfer:
            if link.client.write_stream(data):
                self.stat_repl_output_bytes += len(data)
        if self._note_stalls():
            # a slow replica: stop reading the pipe until the sockets drain
            self.engine.loop.remove_reader(fd)
            self.engine.loop.call_later(0.005, self._resume_pipe)

    def _note_stalls(self):
        """Whether a replica of the transfer has too much output pending;
        each one's stall starts, or restarts when its output shrank."""
        now = int(time.time())
        slow = False
        for link in self._transfer:
            pending = link.client.pending_output
            if pending > _BULK_HIGH:
                slow = True
                if not link.stalled_since or pending < link.stalled_at:
                    link.stalled_since = now
                    link.stalled_at = pending
            else:
                link.stalled_since = 0
        return slow

    def _resume_pipe(self):
        if self._pipe_fd is None:
            return
        self._transfer = [link for link in self._transfer if link in self.replicas]
        if self._transfer and self._note_stalls():
            self.engine.loop.call_later(0.005, self._resume_pipe)
            return
        self.engine.loop.add_reader(self._pipe_fd, self._pipe_readable)

    def _close_pipe(self):
        if self._pipe_fd is not None:
            self.engine.loop.remove_reader(self._pipe_fd)
            os.close(self._pipe_fd)
            self._pipe_fd = None

    def _detach(self, link):
        c = link.client
        c.flags &= ~CF_REPLICA
        self._forget(link)

    def _forget(self, link):
        if link in self.replicas:
            self.replicas.remove(link)
            if not self.replicas:
                self.engine.repl_output_mem_fn = None
                self.engine.repl_drained_fn = None
        self._links.pop(link.client.id, None)
        if link.bulk is not None:
            link.bulk[0].close()
            link.bulk = None
        if link.send_off:
            link.send_off = 0
            self._trim()            # what only it still needed goes
        if not self.replicas:
            self.repl.backlog_no_replicas_since = int(time.time())
        self.refresh_good_replicas()

    def replica_gone(self, c):
        """The engine's hook: a replica's connection closed."""
        link = self._links.get(c.id)
        if link is None:
            return
        self.log.warning(f"Connection with replica {self.replica_name(c, link.hs)} lost.")
        # Redis's freeClient: a disk snapshot no one else waits for, with no
        # save points wanting it either, is stopped rather than finished
        child = self.server.persistence.child
        useless = (link.state == WAIT_BGSAVE_END and not self.cfg["save"]
                   and child is not None and child.kind == "rdb" and not child.to_replicas
                   and not any(other is not link and other.state == WAIT_BGSAVE_END
                               for other in self.replicas))
        self._forget(link)
        if useless:
            self.server.persistence.kill_child()

    # ------------------------------------------------------------ the RDB child

    def bgsave_done(self, ok):
        """persistence: the RDB child ended (ok: the file is written, or the
        payload streamed to the replicas' sockets)."""
        self.rdb_for_replication = False
        socket = self._pipe_fd is not None or self._transfer is not None
        if self._pipe_fd is not None:
            # the pipe's last bytes, before the replicas go online (the
            # child is gone: the reads end at EOF)
            os.set_blocking(self._pipe_fd, True)
            while self._pipe_fd is not None:
                self._pipe_readable()
        self._transfer = None
        for link in list(self.replicas):
            if link.state != WAIT_BGSAVE_END:
                continue
            if not ok:
                self.log.warning("SYNC failed. BGSAVE child returned an error")
                link.client.close()
                continue
            if socket:
                self.log.notice(f"Streamed RDB transfer with replica "
                                f"{self.replica_name(link.client, link.hs)} succeeded (socket). "
                                "Waiting for REPLCONF ACK from slave to enable streaming")
                link.start_on_ack = True
                self._put_online(link)
                continue
            try:
                f = open(self.server.persistence.rdb_filename(), "rb")
                size = os.fstat(f.fileno()).st_size
            except OSError as exc:
                self.log.warning(f"SYNC failed. Can't open/stat DB after BGSAVE: {exc.strerror}")
                link.client.close()
                continue
            link.state = SEND_BULK
            link.bulk = (f, size)
            self._write(link, b"$%d\r\n" % size)
            self._send_bulk(link)

    def _send_bulk(self, link):
        # Redis's sendBulkToSlave: the file in chunks, as the socket drains
        c = link.client
        if link.bulk is None or link not in self.replicas:
            return
        f, remaining = link.bulk
        while remaining > 0 and c.pending_output < _BULK_HIGH:
            chunk = f.read(min(_BULK_CHUNK, remaining))
            if not chunk:
                self.log.warning("Read error sending DB to replica: premature EOF")
                c.close()
                return
            remaining -= len(chunk)
            if not c.write_stream(chunk):
                return
            self.stat_repl_output_bytes += len(chunk)
        if remaining > 0:
            link.bulk = (f, remaining)
            self.engine.loop.call_later(0.002, self._send_bulk, link)
            return
        f.close()
        link.bulk = None
        self._put_online(link)

    def _put_online(self, link):
        c = link.client
        if link.hs.rdb_only:
            self.log.notice(f"RDB transfer completed, rdb only replica "
                            f"({self.replica_name(c, link.hs)}) should be disconnected asap")
            c.close()
            return
        link.state = ONLINE
        link.ack_time = int(time.time())
        self.refresh_good_replicas()
        self.log.notice(f"Synchronization with replica {self.replica_name(c, link.hs)} succeeded")
        if not link.start_on_ack:
            self._start_stream(link)

    def _start_stream(self, link):
        link.start_on_ack = False
        self._pump(link)

    def child_killed(self):
        """persistence killed the RDB child (FLUSHALL, SHUTDOWN): replicas
        waiting for it cannot get this snapshot."""
        if self.rdb_for_replication or any(link.state == WAIT_BGSAVE_END for link in self.replicas):
            self.bgsave_done(False)

    # ------------------------------------------------------------ REPLCONF

    def replconf(self, c, args):
        if len(args) % 2 == 0:
            c.reply_error("syntax error")
            return
        link = self._links.get(c.id)
        for j in range(1, len(args), 2):
            opt = lower(args[j])
            val = args[j + 1]
            if opt == "listening-port":
                port = string2ll(val)
                if port is None:
                    c.reply_error("value is not an integer or out of range")
                    return
                (link.hs if link else self._handshake(c)).listening_port = port
            elif opt == "ip-address":
                if len(val) >= 256:         # NET_HOST_STR_LEN
                    c.reply_error(f"REPLCONF ip-address provided by replica instance is too "
                                  f"long: {len(val)} bytes")
                    return
                (link.hs if link else self._handshake(c)).addr = val.decode("latin-1")
            elif opt == "capa":
                hs = link.hs if link else self._handshake(c)
                capa = lower(val)
                if capa == "eof":
                    hs.capa |= CAPA_EOF
                elif capa == "psync2":
                    hs.capa |= CAPA_PSYNC2
            elif opt == "ack":
                # a replica's report of what it processed: never answered
                if link is None:
                    return
                off = string2ll(val)
                if off is None:
                    return
                if off > link.ack_off:
                    link.ack_off = off
                link.ack_time = int(time.time())
                if link.state == WAIT_BGSAVE_END and self.server.persistence.child is not None:
                    # the replica may have loaded the payload before the
                    # cron saw the child end
                    self.server.persistence.reap_child()
                if link.start_on_ack and link.state == ONLINE:
                    self._start_stream(link)
                self.process_waiters()
                self.failover.check_soon()
                return
            elif opt == "getack":
                if self.repl.master is not None:
                    self.repl.master.send_ack()
                return
            elif opt == "rdb-only":
                v = string2ll(val)
                if v is None or v < 0 or v > 1:
                    c.reply_error("value is out of range, value must between 0 and 1"
                                  if v is not None else "value is not an integer or out of range")
                    return
                (link.hs if link else self._handshake(c)).rdb_only = bool(v)
            elif opt == "rdb-filter-only":
                # include filters: by default nothing is included
                req = REQ_EXCLUDE_DATA | REQ_EXCLUDE_FUNCTIONS
                for word in val.split():
                    if word.lower() == b"functions":
                        req &= ~REQ_EXCLUDE_FUNCTIONS
                    else:
                        c.reply_error(b"Unsupported rdb-filter-only option: " + word)
                        return
                (link.hs if link else self._handshake(c)).req = req
            else:
                c.reply_error(b"Unrecognized REPLCONF option: " + cstr(args[j]))
                return
        c.reply_ok()

    # ------------------------------------------------------------ WAIT

    def count_acks(self, offset):
        return sum(1 for link in self.replicas if link.state == ONLINE and link.ack_off >= offset)

    def wait(self, c, args):
        if self.repl.master is not None:
            c.reply_error("WAIT cannot be used with replica instances. Please also note that since "
                          "Redis 4.0 if a replica is configured to be writable (which is not the "
                          "default) writes to replicas are just local and are not propagated.")
            return
        numreplicas = string2ll(args[1])
        if numreplicas is None:
            c.reply_error("value is not an integer or out of range")
            return
        timeout = string2ll(args[2])
        if timeout is None:
            c.reply_error("timeout is not an integer or out of range")
            return
        if timeout < 0:
            c.reply_error("timeout is negative")
            return
        self.server.stream.pump()
        offset = self.client_offset(c)
        acked = self.count_acks(offset)
        if acked >= numreplicas or c.blocking_denied:
            c.reply_value(acked)
            return
        w = _Waiter(c, offset, numreplicas)
        c.block_wait()
        self.waiters.insert(0, w)
        if timeout:
            w.timer = self.engine.loop.call_later(timeout / 1000.0, self._wait_timeout, w)
        self._request_acks()

    def _request_acks(self):
        # one GETACK for every WAIT of this loop iteration (Redis's beforeSleep)
        if not self._getack_due:
            self._getack_due = True
            self.engine.loop.call_soon(self._send_getack)

    def _send_getack(self):
        self._getack_due = False
        if self.replicas:
            self._feed_repl_only(_GETACK)

    def _wait_timeout(self, w):
        w.timer = None
        if w in self.waiters:
            self.waiters.remove(w)
            w.client.unblock_wait(self.count_acks(w.offset))

    def process_waiters(self):
        """Redis's processClientsWaitingReplicas."""
        last_offset = last_num = 0
        for w in list(self.waiters):
            c = w.client
            if not c.is_blocked:         # closed or unblocked otherwise
                self._drop_waiter(w)
                continue
            if last_offset and last_offset >= w.offset and last_num >= w.numreplicas:
                n = last_num
            else:
                n = self.count_acks(w.offset)
                if n < w.numreplicas:
                    continue
                last_offset, last_num = w.offset, n
            self._drop_waiter(w)
            c.unblock_wait(n)

    def _drop_waiter(self, w):
        if w.timer is not None:
            w.timer.cancel()
            w.timer = None
        if w in self.waiters:
            self.waiters.remove(w)

    # ------------------------------------------------------------ min-replicas

    def refresh_good_replicas(self, cfg=None):
        """Redis's refreshGoodSlavesCount, and the -NOREPLICAS gate it feeds."""
        to_write = self.cfg["min-replicas-to-write"]
        max_lag = self.cfg["min-replicas-max-lag"]
        if to_write and max_lag:
            now = int(time.time())
            self.good_replicas = sum(1 for link in self.replicas
                                     if link.state == ONLINE and now - link.ack_time <= max_lag)
        ok = (self.repl.master is not None or not to_write or not max_lag
              or self.good_replicas >= to_write)
        self.engine.noreplicas_error = None if ok else NOREPLICAS

    # ------------------------------------------------------------ shutdown

    def ready_to_shutdown(self):
        """Redis's isReadyToShutdown: every replica acknowledged the whole
        stream."""
        self.server.stream.pump()
        return all(link.ack_off == self.repl.master_repl_offset for link in self.replicas)

    def wait_for_shutdown(self):
        """A shutdown waits for the replicas: ask them for ACKs, hold writes."""
        from rkvd.commands.conn import PAUSE_DURING_SHUTDOWN, PAUSE_WRITE, pause
        if not self.engine.clients_paused:
            self._feed_repl_only(_GETACK)
        pause(self.server, 2 ** 62, PAUSE_WRITE, PAUSE_DURING_SHUTDOWN)

    def end_shutdown_wait(self):
        from rkvd.commands.conn import PAUSE_DURING_SHUTDOWN, unpause
        unpause(self.server, PAUSE_DURING_SHUTDOWN)

    def log_lagging_replicas(self):
        """Redis's finishShutdown: a line per replica behind the stream."""
        if not self.replicas:
            return
        self.server.stream.pump()
        now = int(time.time())
        lagging = 0
        for link in self.replicas:
            if link.ack_off != self.repl.master_repl_offset:
                lagging += 1
                lag = now - link.ack_time if link.state == ONLINE else 0
                self.log.warning(f"Lagging replica {self.replica_name(link.client, link.hs)} "
                                 f"reported offset {self.repl.master_repl_offset - link.ack_off} "
                                 f"behind master, lag={lag}, state={_STATE_NAMES[link.state]}.")
        self.log.notice(f"{len(self.replicas) - lagging} of {len(self.replicas)} replicas are in "
                        "sync when shutting down.")

    # ------------------------------------------------------------ ROLE

    def role(self, c, args):
        m = self.repl.master
        if m is None:
            self.server.stream.pump()
            rows = []
            for link in self.replicas:
                addr = link.hs.addr or _peer_ip(link.client)
                if addr is None or link.state != ONLINE:
                    continue
                rows.append([addr.encode(), b"%d" % link.hs.listening_port, b"%d" % link.ack_off])
            c.reply_value([b"master", self.repl.master_repl_offset, rows])
            return
        c.reply_value([b"slave", str(m.host).encode(), int(m.port), str(m.state).encode(),
                       int(m.reploff)])

    # ------------------------------------------------------------ config

    def apply_backlog_size(self, cfg=None):
        self.repl.resize_backlog(self.cfg["repl-backlog-size"])

    # ------------------------------------------------------------ cron

    def cron(self):
        """Every server cron tick: take the stream (writes no reply
        followed); once a second, Redis's replicationCron."""
        self.server.stream.pump()
        now_ms = int(time.monotonic() * 1000)
        # a failover runs the replication cron ten times faster, so the
        # switch makes progress quickly (as Redis's serverCron)
        if now_ms - self._cron_ms < (100 if self.failover.active else 1000):
            return
        self._cron_ms = now_ms
        self._replication_cron()

    def _replication_cron(self):
        self.failover.update()
        now = int(time.time())
        period = self.cfg["repl-ping-replica-period"]
        if (self.replicas and self._cron_loops % period == 0 and self.repl.master is None
                and not self.failover.skip_ping()):
            self._feed_repl_only(_PING)
        child = self.server.persistence.child
        socket_child = child is not None and child.to_replicas
        for link in list(self.replicas):
            # a newline keeps replicas waiting for their snapshot from timing
            # out (not inside a payload being streamed)
            if link.state == WAIT_BGSAVE_START or (link.state == WAIT_BGSAVE_END and not socket_child):
                link.client.write_stream(b"\n")
            elif link.state == ONLINE and not link.pre_psync:
                if now - link.ack_time > self.cfg["repl-timeout"]:
                    self.log.warning("Disconnecting timedout replica (streaming sync): "
                                     f"{self.replica_name(link.client, link.hs)}")
                    link.client.close()
                    continue
            # only a diskless transfer waits for its slowest replica
            if (socket_child and link.state == WAIT_BGSAVE_END and link.stalled_since
                    and now - link.stalled_since > self.cfg["repl-timeout"]):
                self.log.warning("Disconnecting timedout replica (full sync): "
                                 f"{self.replica_name(link.client, link.hs)}")
                link.client.close()
                continue
            self._check_limits(link)
        ttl = self.cfg["repl-backlog-ttl"]
        if (not self.replicas and ttl and self.repl.backlog is not None and self.repl.master is None
                and self.repl.backlog_no_replicas_since is not None
                and now - self.repl.backlog_no_replicas_since > ttl):
            self.repl.change_replid()
            self.repl.clear_replid2()
            self.repl.free_backlog()
            self.server.stream.update()
            self.log.notice(f"Replication backlog freed after {ttl} seconds without connected "
                            "replicas.")
        self._start_pending_bgsave()
        for cid in [cid for cid in self._handshakes if cid not in self.engine.clients]:
            del self._handshakes[cid]
        self.refresh_good_replicas()
        self._cron_loops += 1

    def _start_pending_bgsave(self):
        """Redis's replicationStartPendingFork: a snapshot for the replicas
        waiting for one, once diskless sync's delay let others join."""
        if self.server.persistence.child is not None:
            return
        waiting = [link for link in self.replicas if link.state == WAIT_BGSAVE_START]
        if not waiting:
            return
        now_ms = self.engine.cached_ms or int(time.time() * 1000)
        max_idle = max((now_ms - link.client.last_interaction_ms) // 1000 for link in waiting)
        # the first waiting replica's filter; the others wait for their turn
        req = waiting[0].hs.req
        waiting = [link for link in waiting if link.hs.req == req]
        mincapa = CAPA_EOF | CAPA_PSYNC2
        for link in waiting:
            mincapa &= link.hs.capa
        most = self.cfg["repl-diskless-sync-max-replicas"]
        if (not self.cfg["repl-diskless-sync"] or (most > 0 and len(waiting) >= most)
                or max_idle >= self.cfg["repl-diskless-sync-delay"]):
            self._start_bgsave(mincapa, req)

    # ------------------------------------------------------------ INFO

    def info_master_lines(self):
        """INFO replication's master part: connected_slaves .. slaveN."""
        lines = [("connected_slaves", len(self.replicas))]
        if self.cfg["min-replicas-to-write"] and self.cfg["min-replicas-max-lag"]:
            lines.append(("min_slaves_good_slaves", self.good_replicas))
        now = int(time.time())
        n = 0
        for link in self.replicas:
            addr = link.hs.addr or _peer_ip(link.client)
            if addr is None:
                continue
            lag = now - link.ack_time if link.state == ONLINE else 0
            lines.append((f"slave{n}", f"ip={addr},port={link.hs.listening_port},"
                                       f"state={_STATE_NAMES[link.state]},offset={link.ack_off},lag={lag}"))
            n += 1
        return lines

    def is_replica_client(self, c):
        return c.id in self._links


def _disable_nodelay(c):
    # repl-disable-tcp-nodelay: fewer, bigger packets to the replica (not
    # critical if it fails, as in Redis)
    import socket
    try:
        sock = socket.socket(fileno=os.dup(c.fileno))
    except OSError:
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
    except OSError:
        pass
    finally:
        sock.close()


def _peer_ip(c):
    if c.is_unix:
        return None
    host = str(c.addr).rsplit(":", 1)[0]
    return host.strip("[]") or None


def _format_addr(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def handlers(server):
    m = server.replication
    return {"sync": m.sync, "psync": m.sync, "replconf": m.replconf, "wait": m.wait,
            "role": m.role, "failover": m.failover.command}
