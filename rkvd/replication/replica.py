"""The replica side of replication (the replica half of Redis's replication.c).

REPLICAOF / SLAVEOF and the `replicaof` directive make this server copy a
master: a link (MasterLink, `server.repl.master` while this server is a
replica) connects, runs the handshake (PING, AUTH, REPLCONF listening-port /
ip-address / capa eof capa psync2, PSYNC), then either takes a full sync (the
RDB payload, `$<len>` or diskless `$EOF:<mark>`, loaded with the engine's
resumable loader so clients get -LOADING meanwhile) or continues from where
it left off (+CONTINUE, PSYNC2). The connection then becomes the master
client (flag M): the engine runs its commands through the normal dispatch,
replying nowhere, and hands back the stream bytes they consumed
(MasterLink.on_stream), which continue this server's own history (offset,
backlog, sub-replicas) verbatim.

A lost link is cached (the replication ID and offset stay in server.repl) so
the next PSYNC can continue; the link reconnects at once, then every second.
A REPLCONF ACK goes out every second, and for each REPLCONF GETACK.
"""
import asyncio
import errno
import os
import socket
import ssl
import time
import traceback

from rkvd.replication.failover import IN_PROGRESS as FAILOVER_IN_PROGRESS

# Redis's repl_state names, as ROLE shows them.
STATE_CONNECT = "connect"           # waiting for the cron to connect
STATE_CONNECTING = "connecting"     # non-blocking connect in progress
STATE_HANDSHAKE = "handshake"       # PING, AUTH, REPLCONF, PSYNC
STATE_TRANSFER = "sync"             # receiving and loading the RDB payload
STATE_CONNECTED = "connected"       # the stream flows

EOF_MARK_SIZE = 40                  # CONFIG_RUN_ID_SIZE
READ_CHUNK = 16 * 1024              # PROTO_IOBUF_LEN
FEED_CHUNK = 64 * 1024              # a diskless load's reads


def _resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class _Failed(Exception):
    """The sync attempt ends; the message (if any) was logged already."""


class MasterLink:
    """The link to the master (server.repl.master while a replica): what
    ROLE and INFO read, and the connection's state through the sync."""

    def __init__(self, side, host, port):
        self.side = side
        self.host = host
        self.port = port
        self.state = STATE_CONNECT
        self.client = None              # the master client once the stream flows
        self.task = None                # the connect/handshake/transfer coroutine
        self.io = None                  # _PlainIO or _TlsIO until the stream flows
        self.transfer_size = -1         # payload bytes announced (0 with an EOF mark)
        self.transfer_read = 0
        self.transfer_lastio = 0        # unix seconds of the last byte in handshake/transfer
        self.down_since = 0             # unix seconds the link went down (0: never up)
        self.pre_psync = False          # the master took SYNC: no offsets, no ACKs
        self._carry = bytearray()       # stream bytes of a transaction still open

    @property
    def link_status(self):
        return "up" if self.state == STATE_CONNECTED else "down"

    @property
    def reploff(self):
        """The master client's offset (ROLE), -1 without one."""
        return self.side.server.repl.master_repl_offset if self.client is not None else -1

    def stream_db(self):
        """The database the master's stream has selected here: the master
        client's, else the cached master's; None with neither (an RDB saved
        then records no history, as rdbPopulateSaveInfo returns NULL)."""
        if self.client is not None:
            return self.client.dbid
        return self.side.cached_db if self.side.cached else None

    # --- the stream, called by the engine's master client -------------------

    def on_stream(self, data, applied):
        """The master client consumed `data`; its first `applied` bytes (-1:
        none) end with a command fully processed. Those bytes, with any held
        from an open MULTI before them, continue this server's history."""
        if applied < 0:
            self._carry += data
            return
        if self._carry:
            cut = len(self._carry) + applied
            self._carry += data
            chunk = bytes(self._carry[:cut])
            del self._carry[:cut]
        else:
            chunk = data[:applied] if applied < len(data) else data
            if applied < len(data):
                self._carry += data[applied:]
        if chunk:
            self.side.continue_history(chunk)

    def replconf(self, args):
        """REPLCONF from the master: GETACK is answered with the offset
        reached; anything else is ignored, as Redis's replica does."""
        if len(args) >= 2 and args[1].lower() == b"getack":
            self.send_ack()

    def send_ack(self):
        c = self.client
        if c is None or self.pre_psync or c.transport_closed:
            return
        c.write_raw(_resp(b"REPLCONF", b"ACK", self.side.server.repl.master_repl_offset))


class _PlainIO:
    """The master link's socket through the handshake and the payload."""

    def __init__(self, loop, sock):
        self.loop = loop
        self.sock = sock

    async def sendall(self, data):
        await self.loop.sock_sendall(self.sock, data)

    async def recv(self, n):
        return await self.loop.sock_recv(self.sock, n)

    async def hand_over(self, protocol):
        """The socket becomes `protocol`'s transport (the stream from now)."""
        await self.loop.connect_accepted_socket(lambda: protocol, self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class _TlsIO(asyncio.Protocol):
    """The master link over TLS (tls-replication): _PlainIO's calls on
    uvloop's SSL transport, whose protocol this is until hand_over gives the
    transport, session and all, to the stream's protocol. What arrives is
    buffered here; past _HIGH bytes unread, reading pauses."""

    _HIGH = 1 << 20

    def __init__(self, loop):
        self.loop = loop
        self.transport = None
        self.buf = bytearray()
        self.eof = False
        self.exc = None
        self.waiter = None
        self.paused = False

    @classmethod
    async def connect(cls, loop, sock, ctx):
        """TLS over the connected `sock` once the handshake is done."""
        io = cls(loop)
        await loop.create_connection(lambda: io, sock=sock, ssl=ctx, server_hostname="")
        return io

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        if len(self.buf) > self._HIGH and not self.paused:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self):
        self.eof = True
        self._wake()
        return False

    def connection_lost(self, exc):
        self.eof = True
        self.exc = exc
        self._wake()

    def _wake(self):
        w, self.waiter = self.waiter, None
        if w is not None and not w.done():
            w.set_result(None)

    async def sendall(self, data):
        if self.eof:
            raise ConnectionError(errno.ECONNRESET, "connection lost")
        self.transport.write(data)

    async def recv(self, n):
        while not self.buf and not self.eof:
            self.waiter = self.loop.create_future()
            await self.waiter
        if not self.buf:
            if self.exc is not None:
                raise self.exc
            return b""
        data = bytes(self.buf[:n])
        del self.buf[:n]
        if self.paused and len(self.buf) < self._HIGH // 4:
            self.paused = False
            self.transport.resume_reading()
        return data

    async def hand_over(self, protocol):
        t, self.transport = self.transport, None
        if self.paused:
            t.resume_reading()
        rest, self.buf = bytes(self.buf), bytearray()
        t.set_protocol(protocol)
        protocol.connection_made(t)
        if rest:
            protocol.data_received(rest)

    def close(self):
        if self.transport is not None:
            self.transport.abort()
            self.transport = None


class _StreamProtocol(asyncio.Protocol):
    """The master connection once the stream flows: bytes go to the master
    client, which the engine runs."""

    def __init__(self, link, leftover, dbid):
        self.link = link
        self.leftover = leftover
        self.dbid = dbid
        self.client = None

    def connection_made(self, transport):
        side = self.link.side
        if side.link is not self.link:
            transport.close()           # REPLICAOF changed while the socket was handed over
            return
        c = side.server.engine.new_client()
        c.attach_master(transport, self.link)
        c.select(self.dbid)
        self.client = c
        self.link.client = c
        side.link_up()
        if self.leftover:
            data, self.leftover = self.leftover, b""
            c.feed_master(data)

    def data_received(self, data):
        self.link.side.stat_repl_input_bytes += len(data)
        if self.client is not None:
            self.client.feed_master(data)

    def eof_received(self):
        # the master closed: the link is down from now, not from the next
        # turn of the loop (a request read in this one must see it down)
        self._gone(None)
        return False

    def connection_lost(self, exc):
        self._gone(exc)

    def _gone(self, exc):
        c, self.client = self.client, None
        if c is not None:
            c.connection_lost(exc)
            self.link.side.master_lost(self.link, c)


class ReplicaSide:
    """server.replica: REPLICAOF, the link's life cycle and the cron."""

    def __init__(self, server):
        self.server = server
        self.cfg = server.cfg
        self.log = server.log
        self.engine = server.engine
        self.repl = server.repl
        self.link = None                # MasterLink while a replica
        # The cached master (Redis's server.cached_master): whether the ID and
        # offset in server.repl may be offered in PSYNC, and the database the
        # old master client had selected.
        self.cached = False
        self.cached_db = 0
        self.timer = None
        self.started = False
        self.stat_repl_input_bytes = 0  # all a master sent (INFO total_net_repl_input_bytes)
        target = self.cfg["replicaof"]
        if target is not None:
            # Set before the data loads: a replica keeps keys whose time
            # passed until its master deletes them.
            self._become_replica(target[0], target[1])

    # --- life cycle ----------------------------------------------------------

    def start(self):
        """The server is ready: connect to the configured master, and from
        now on check the link every second (Redis's replicationCron)."""
        self.started = True
        self._schedule_cron()
        if self.link is not None and self.link.state == STATE_CONNECT:
            self.log.notice(f"Connecting to MASTER {self.link.host}:{self.link.port}")
            self._connect(self.link)

    def _schedule_cron(self):
        loop = self.server.loop
        if loop is not None and self.timer is None:
            self.timer = loop.call_later(1.0, self._cron)

    def _become_replica(self, host, port):
        self.server.replication.prepare_role_change()
        self.link = MasterLink(self, host, port)
        self.repl.master = self.link
        self.engine.is_replica = True
        self.engine.master_link_up = False
        self.cfg.set_value("replicaof", (host, port))
        self._role_changed()

    def _role_changed(self):
        # Whether the engine's own stream feeds the history follows the role
        # (a master records it, a replica proxies its master's bytes): the
        # master side decides from server.repl.master, and a promoted master
        # drops its replicas so they continue under the new ID. The next
        # command a new master feeds starts with a SELECT (Redis resets
        # slaveseldb), since its replicas' clients may be in any database.
        self.server.replication.role_changed()
        self.engine.reset_propagation_db()
        self.server._apply_oom_score_adj(at_start=True)     # a replica's class of score

    def set_master(self, host, port):
        """Redis's replicationSetMaster."""
        was_master = self.link is None
        if self.link is not None:
            self._drop_link(self.link, cache=True)
        self._unblock_all()
        self._become_replica(host, port)
        if was_master:
            self._discard_cached()
            self.log.notice("Before turning into a replica, using my own master parameters to "
                            "synthesize a cached master: I may be able to synchronize with the new "
                            "master with just a partial transfer.")
            self.cached = True
            self.cached_db = 0
        self.log.notice(f"Connecting to MASTER {host}:{port}")
        if self.started:
            self._connect(self.link)

    def unset_master(self):
        """Redis's replicationUnsetMaster (REPLICAOF NO ONE)."""
        link = self.link
        if link is None:
            return
        self.server.replication.prepare_role_change()
        self.link = None
        self.repl.master = None
        self._drop_link(link, cache=False)
        self._discard_cached()
        self.engine.is_replica = False
        self.engine.master_link_up = False
        self.cfg.set_value("replicaof", None)
        # the inherited history becomes the secondary one; our replicas are
        # dropped and learn the new ID (they can continue from it)
        self.repl.shift_replid()
        self._role_changed()
        aof = self.server.persistence.aof
        if self.cfg["appendonly"] and aof.state == 0:
            aof.start()

    def _drop_link(self, link, cache):
        """Close whatever the link has open: the master client (cached, as
        Redis's freeClient of the master, when `cache`) or the sync attempt."""
        c = link.client
        if c is not None:
            link.client = None
            if cache:
                self._cache_master(c)
            c.close()
        self._cancel_sync(link)
        link.state = STATE_CONNECT

    def _cancel_sync(self, link):
        task, link.task = link.task, None
        if task is not None and not task.done():
            task.cancel()
        if link.io is not None:
            link.io.close()
            link.io = None

    def _cache_master(self, c):
        self.log.notice("Caching the disconnected master state.")
        self.cached = True
        self.cached_db = c.dbid

    def restore_cached(self, replid, offset, dbid):
        """Started from an RDB holding history (Redis's loadDataFromDisk on a
        replica): that ID and offset become a cached master, so the first
        PSYNC asks to continue instead of a full sync."""
        self.repl.replid = replid
        self.repl.set_offset(offset)
        self.log.notice("Before turning into a replica, using my own master parameters to "
                        "synthesize a cached master: I may be able to synchronize with the new "
                        "master with just a partial transfer.")
        self.cached = True
        self.cached_db = dbid

    def _discard_cached(self):
        if self.cached:
            self.log.notice("Discarding previously cached master state.")
        self.cached = False

    def _unblock_all(self):
        # Redis's disconnectAllBlockedClients: what a client waits for may
        # never come once this server follows a master
        for c in list(self.engine.clients.values()):
            if c.is_blocked:
                c.unblock_with(b"-UNBLOCKED force unblock from blocking operation, instance "
                               b"state changed (master -> replica?)")

    # --- the link going up and down -----------------------------------------

    def link_up(self):
        link = self.link
        link.state = STATE_CONNECTED
        link.down_since = 0
        self.engine.master_link_up = True

    def master_lost(self, link, c):
        """The master connection closed (by the master, CLIENT KILL, a
        timeout): cache it and reconnect at once."""
        if link is not self.link or link.client is not c:
            return                      # dropped on purpose (REPLICAOF)
        link.client = None
        self.log.warning("Connection with master lost.")
        self._cache_master(c)
        link.state = STATE_CONNECT
        link.down_since = int(time.time())
        self.engine.master_link_up = False
        self.log.notice(f"Reconnecting to MASTER {link.host}:{link.port}")
        self._connect(link)

    def _connect(self, link):
        if self.server.loop is None or self.server.shutdown_requested is not None:
            return
        link.state = STATE_CONNECTING
        link.transfer_lastio = int(time.time())
        link.task = self.server.loop.create_task(self._sync(link))
        self.log.notice("MASTER <-> REPLICA sync started")

    def _sync_failed(self, link, reconnect):
        # Redis's cancelReplicationHandshake
        link.state = STATE_CONNECT
        if link.io is not None:
            link.io.close()
            link.io = None
        if reconnect and link is self.link:
            self.log.notice(f"Reconnecting to MASTER {link.host}:{link.port} after failure")
            self._connect(link)

    # --- cron ----------------------------------------------------------------

    def _cron(self):
        self.timer = None
        if self.server.shutdown_requested is not None:
            return
        try:
            self.cron()
        finally:
            self._schedule_cron()

    def cron(self):
        link = self.link
        if link is None:
            return
        now = int(time.time())
        timeout = self.cfg["repl-timeout"]
        if link.state in (STATE_CONNECTING, STATE_HANDSHAKE) and now - link.transfer_lastio > timeout:
            self.log.warning("Timeout connecting to the MASTER...")
            self._cancel_sync(link)
            self._sync_failed(link, True)
        elif link.state == STATE_TRANSFER and now - link.transfer_lastio > timeout:
            self.log.warning("Timeout receiving bulk data from MASTER... If the problem persists try "
                             "to set the 'repl-timeout' parameter in redis.conf to a larger value.")
            self._cancel_sync(link)
            self._sync_failed(link, True)
        elif (link.state == STATE_CONNECTED and link.client is not None
              and now - link.client.last_interaction_ms // 1000 > timeout):
            self.log.warning("MASTER timeout: no data nor PING received...")
            link.client.close()
        if link.state == STATE_CONNECT:
            self.log.notice(f"Connecting to MASTER {link.host}:{link.port}")
            self._connect(link)
        if link.client is not None:
            link.send_ack()

    # --- the history ---------------------------------------------------------

    def continue_history(self, data):
        """Stream bytes the master sent, applied here: they continue this
        server's history unchanged (offset, backlog, sub-replicas)."""
        self.server.replication.feed_replicas(data)

    def _disconnect_replicas(self):
        # Our own replicas must resync when our history changes (a full
        # sync, a new ID): Redis's disconnectSlaves.
        self.server.replication.disconnect_replicas()

    # --- the sync ------------------------------------------------------------

    async def _sync(self, link):
        try:
            await self._sync_steps(link)
        except asyncio.CancelledError:
            self._cleanup_transfer(link)
            raise
        except _Failed:
            # a failed transfer reconnects at once, a failed handshake on
            # the next cron (Redis's cancelReplicationHandshake(1) / error:)
            self._cleanup_transfer(link)
            self._sync_failed(link, link.state == STATE_TRANSFER)
        except OSError as exc:
            self._cleanup_transfer(link)
            if link.state == STATE_TRANSFER:
                self.log.warning(f"I/O error trying to sync with MASTER: {_errtext(exc)}")
                self._sync_failed(link, True)
            else:
                self.log.warning(f"Error condition on socket for SYNC: {_errtext(exc)}")
                self._sync_failed(link, False)
        except Exception:
            # a bug must not leave the link stuck: say where, and retry
            for line in traceback.format_exc().splitlines():
                self.log.warning(line)
            self._cleanup_transfer(link)
            self._sync_failed(link, link.state == STATE_TRANSFER)
        finally:
            if link.task is asyncio.current_task():
                link.task = None

    def _cleanup_transfer(self, link):
        tmp = getattr(link, "tmpfile", None)
        if tmp is not None:
            link.tmpfile = None
            try:
                os.close(link.tmpfd)
            except OSError:
                pass
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self._stop_loading(link)

    async def _sync_steps(self, link):
        loop = self.server.loop
        link.rbuf = bytearray()
        link.tmpfile = None
        link.loading = link.async_loading = False
        try:
            infos = await loop.getaddrinfo(link.host, link.port, type=socket.SOCK_STREAM)
        except OSError as exc:
            self.log.warning(f"Unable to connect to MASTER: {_errtext(exc)}")
            raise _Failed() from exc
        family, stype, proto, _, addr = infos[0]
        sock = socket.socket(family, stype, proto)
        sock.setblocking(False)
        link.io = io = _PlainIO(loop, sock)
        source = self.cfg["bind-source-addr"]
        if source:
            # the address the master sees this replica connect from
            try:
                sock.bind((source, 0))
            except OSError as exc:
                self.log.warning(f"Unable to connect to MASTER: bind: {_errtext(exc)}")
                raise _Failed() from exc
        await loop.sock_connect(sock, addr)
        if self.cfg["tls-replication"]:
            ctx = self.server.tls_client_ctx
            if ctx is None:
                self.log.warning("Unable to connect to MASTER: TLS is not configured")
                raise _Failed()
            try:
                link.io = io = await _TlsIO.connect(loop, sock, ctx)
            except (ssl.SSLError, OSError) as exc:
                self.log.warning(f"Unable to connect to MASTER: {_errtext(exc)}")
                raise _Failed() from exc
        self.log.notice("Non blocking connect for SYNC fired the event.")
        link.state = STATE_HANDSHAKE
        link.transfer_lastio = int(time.time())

        await io.sendall(_resp(b"PING"))
        reply = await self._read_line(link, handshake=True)
        if not (reply.startswith(b"+") or reply.startswith(b"-NOAUTH") or reply.startswith(b"-NOPERM")
                or reply.startswith(b"-ERR operation not permitted")):
            self.log.warning(f"Error reply to PING from master: '{_text(reply)}'")
            raise _Failed()
        self.log.notice("Master replied to PING, replication can continue...")

        cfg = self.cfg
        out = []
        auth = cfg["masterauth"]
        if auth:
            user = cfg["masteruser"]
            out.append(_resp(b"AUTH", user, auth) if user else _resp(b"AUTH", auth))
        port = cfg["replica-announce-port"] or (
            self.server.tls_port if cfg["tls-replication"] and self.server.tls_port else self.server.tcp_port)
        out.append(_resp(b"REPLCONF", b"listening-port", port))
        announce_ip = cfg["replica-announce-ip"]
        if announce_ip:
            out.append(_resp(b"REPLCONF", b"ip-address", announce_ip))
        out.append(_resp(b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"))
        await io.sendall(b"".join(out))
        if auth:
            reply = await self._read_line(link, handshake=True)
            if reply.startswith(b"-"):
                self.log.warning(f"Unable to AUTH to MASTER: {_text(reply)}")
                raise _Failed()
        for what, sent in (("listening-port", True), ("ip-address", bool(announce_ip)), ("capa", True)):
            if not sent:
                continue
            reply = await self._read_line(link, handshake=True)
            if reply.startswith(b"-"):
                self.log.notice(f"(Non critical) Master does not understand REPLCONF {what}: "
                                f"{_text(reply)}")

        # PSYNC: continue the cached history, or ask for a full sync
        if self.cached:
            replid, offset = self.repl.replid, self.repl.master_repl_offset + 1
            self.log.notice(f"Trying a partial resynchronization (request {replid}:{offset}).")
        else:
            self.log.notice("Partial resynchronization not possible (no cached master)")
            replid, offset = "?", -1
        # a master failing over asks its target to take over with this PSYNC
        failover = self.server.replication.failover
        handing_over = failover.state == FAILOVER_IN_PROGRESS
        psync = (_resp(b"PSYNC", replid, offset, b"FAILOVER") if handing_over
                 else _resp(b"PSYNC", replid, offset))
        try:
            await io.sendall(psync)
        except OSError:
            failover.abort("Write error to failover target")
            raise
        while True:
            reply = await self._read_line(link, handshake=True)
            if reply:
                break
        if failover.state == FAILOVER_IN_PROGRESS:
            failover.psync_answered(reply.startswith(b"+CONTINUE") or reply.startswith(b"+FULLRESYNC"))
            if link is not self.link:
                return                  # rejected: a master again
        master_replid, initial_offset = None, -1
        if reply.startswith(b"+FULLRESYNC"):
            parts = reply.split(b" ")
            if len(parts) >= 3 and len(parts[1]) == EOF_MARK_SIZE:
                master_replid = parts[1].decode()
                try:
                    initial_offset = int(parts[2])
                except ValueError:
                    initial_offset = 0
                self.log.notice(f"Full resync from master: {master_replid}:{initial_offset}")
            else:
                self.log.warning("Master replied with wrong +FULLRESYNC syntax.")
                master_replid = "0" * EOF_MARK_SIZE
        elif reply.startswith(b"+CONTINUE"):
            self.log.notice("Successful partial resynchronization with master.")
            new = reply[10:].strip()
            if len(new) == EOF_MARK_SIZE and new.decode() != self.repl.replid:
                new = new.decode()
                self.log.warning(f"Master replication ID changed to {new}")
                self.repl.replid2 = self.repl.replid
                self.repl.second_replid_offset = self.repl.master_repl_offset + 1
                self.repl.replid = new
                self._disconnect_replicas()
            self.cached = False
            if self.repl.backlog is None:
                self.repl.create_backlog()
            self.log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            await self._attach(link, self.cached_db)
            return
        elif reply.startswith(b"-NOMASTERLINK") or reply.startswith(b"-LOADING"):
            self.log.notice(f"Master is currently unable to PSYNC but should be in the future: "
                            f"{_text(reply)}")
            raise _Failed()
        else:
            if reply.startswith(b"-ERR"):
                self.log.notice(f"Master does not support PSYNC or is in error state (reply: "
                                f"{_text(reply)})")
            else:
                self.log.warning(f"Unexpected reply to PSYNC from master: {_text(reply)}")
            self.log.notice("Retrying with SYNC...")
            await io.sendall(b"SYNC\r\n")
        await self._full_sync(link, master_replid, initial_offset)

    async def _read_line(self, link, handshake=False):
        """One line from the master, without its CR LF."""
        buf = link.rbuf
        while True:
            i = buf.find(b"\n")
            if i >= 0:
                line = bytes(buf[:i])
                del buf[:i + 1]
                return line[:-1] if line.endswith(b"\r") else line
            data = await link.io.recv(READ_CHUNK)
            if not data:
                if handshake:
                    self.log.warning("Master did not respond to command during SYNC handshake")
                    raise _Failed()
                raise ConnectionError(errno.ECONNRESET, "connection lost")
            link.transfer_lastio = int(time.time())
            self.stat_repl_input_bytes += len(data)
            buf += data

    async def _full_sync(self, link, master_replid, initial_offset):
        cfg = self.cfg
        link.state = STATE_TRANSFER
        link.transfer_size = -1
        link.transfer_read = 0
        link.transfer_lastio = int(time.time())
        link.pre_psync = initial_offset == -1 and master_replid is None
        diskless = cfg["repl-diskless-load"] == "swapdb" or (
            cfg["repl-diskless-load"] == "on-empty-db" and not any(len(db) for db in self.engine.dbs))
        if not diskless:
            # Redis's temp-<unixtime>.<pid>.rdb, made before the payload arrives
            for _ in range(5):
                name = f"temp-{int(time.time())}.{os.getpid()}.rdb"
                try:
                    link.tmpfd = os.open(name, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
                    link.tmpfile = name
                    break
                except OSError as exc:
                    err = exc
                    await asyncio.sleep(1)
            else:
                self.log.warning("Opening the temp file needed for MASTER <-> REPLICA synchronization: "
                                 f"{_errtext(err)}")
                raise _Failed()
        while True:
            line = await self._read_line(link)
            if line:
                break
        if line.startswith(b"-"):
            self.log.warning(f"MASTER aborted replication with an error: {_text(line[1:])}")
            raise _Failed()
        if not line.startswith(b"$"):
            self.log.warning(f"Bad protocol from MASTER, the first byte is not '$' (we received "
                             f"'{_text(line)}'), are you sure the host and port are right?")
            raise _Failed()
        where = "to parser" if diskless else "to disk"
        mark = None
        if line[1:5] == b"EOF:" and len(line) - 5 >= EOF_MARK_SIZE:
            mark = line[5:5 + EOF_MARK_SIZE]
            link.transfer_size = 0
            self.log.notice(f"MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {where}")
        else:
            try:
                link.transfer_size = int(line[1:])
            except ValueError:
                link.transfer_size = 0
            self.log.notice(f"MASTER <-> REPLICA sync: receiving {link.transfer_size} bytes from master "
                            f"{where}")
        if diskless:
            await self._load_from_socket(link, mark, master_replid, initial_offset)
            return
        buf = link.rbuf
        while True:
            if mark is None:
                left = link.transfer_size - link.transfer_read
                if left <= 0:
                    break
                from_buf = bool(buf)
                if from_buf:
                    data = bytes(buf[:left])
                    del buf[:left]
                else:
                    data = await link.io.recv(min(left, READ_CHUNK))
            else:
                from_buf = bool(buf)
                if from_buf:
                    data = bytes(buf)
                    buf.clear()
                else:
                    data = await link.io.recv(READ_CHUNK)
            if not data:
                raise ConnectionError(errno.ECONNRESET, "connection lost")
            link.transfer_lastio = int(time.time())
            link.transfer_read += len(data)
            if not from_buf:
                self.stat_repl_input_bytes += len(data)
            os.write(link.tmpfd, data)
            if mark is not None:
                link.lastbytes = (getattr(link, "lastbytes", b"") + data)[-EOF_MARK_SIZE:]
                if link.lastbytes == mark:
                    os.ftruncate(link.tmpfd, link.transfer_read - EOF_MARK_SIZE)
                    break
        link.lastbytes = b""
        await self._load_from_disk(link, master_replid, initial_offset, mark is not None)

    def _before_load(self, on_disk):
        """What goes before the payload is parsed: the AOF (its rewrite
        would copy every page) and an RDB child (it would save a data set
        about to be replaced)."""
        p = self.server.persistence
        if p.aof.state != 0:
            p.aof.stop()
        if p.child is not None and p.child.kind == "rdb":
            if on_disk:
                self.log.notice("Replica is about to load the RDB file received from the master, "
                                "but there is a pending RDB child running. Killing process "
                                f"{p.child.pid} and removing its temp file to avoid any race")
            p.kill_child()

    def _attach_to_new_master(self):
        # a different data set: no partial resync from the old history, for
        # us or for our replicas (Redis's replicationAttachToNewMaster)
        self._discard_cached()
        self._disconnect_replicas()
        self.repl.free_backlog()

    def _flush_old_data(self):
        from rkvd._core.scripting.luaengine import functions_flush
        self.log.notice("MASTER <-> REPLICA sync: Flushing old data")
        self.engine.flushall(self.engine.replica_lazy_flush)
        functions_flush()

    def _start_loading(self, link, loader, async_loading):
        p = self.server.persistence
        p.loader = loader
        p.loading_start = time.time()
        if async_loading:
            link.async_loading = p.async_loading = True
        else:
            link.loading = True
            p._set_loading(True)

    def _stop_loading(self, link):
        p = self.server.persistence
        if getattr(link, "loading", False):
            link.loading = False
            p.loader = None
            p._set_loading(False)
        if getattr(link, "async_loading", False):
            link.async_loading = p.async_loading = False
            p.loader = None

    async def _load_from_socket(self, link, mark, master_replid, initial_offset):
        """Redis's diskless load: the payload is parsed as it arrives, so a
        slow load slows the master's transfer rather than piling up here.
        swapdb loads into databases (and libraries) set aside, swapped in
        only when the load succeeds; while it runs, the old data set is
        served (async loading) if it is an earlier state of the same
        history, else clients get -LOADING. on-empty-db loads in place."""
        from rkvd._core.persist.rdb_load import RDBFLAGS_REPLICATION, RdbError, RdbLoader
        from rkvd._core.scripting.luaengine import functions_free_ctx, functions_new_ctx, functions_swap_in
        from rkvd._core.server import Database, swap_main_dbs
        engine = self.engine
        self._before_load(False)
        swapdb = self.cfg["repl-diskless-load"] == "swapdb"
        temp = fctx = None
        if swapdb:
            temp = [Database(engine, i) for i in range(len(engine.dbs))]
            fctx = functions_new_ctx()
        else:
            self._attach_to_new_master()
            self._flush_old_data()
        self.log.notice("MASTER <-> REPLICA sync: Loading DB in memory")
        loader = RdbLoader.fed(engine, RDBFLAGS_REPLICATION, 0 if mark is not None else link.transfer_size,
                               temp, fctx)
        self._start_loading(link, loader, swapdb and master_replid == self.repl.replid)
        ok = False
        try:
            await self._feed_loader(link, loader, mark)
            ok = True
        except RdbError as exc:
            self._load_failed(exc, "socket")
            raise _Failed() from exc
        finally:
            self._stop_loading(link)
            if not ok:
                if swapdb:
                    for db in temp:
                        db.empty(True)
                    functions_free_ctx(fctx)
                    self.log.notice("MASTER <-> REPLICA sync: Discarding temporary DB in background")
                else:
                    engine.flushall()       # what was loaded of it
        if swapdb:
            self._attach_to_new_master()
            self.log.notice("MASTER <-> REPLICA sync: Swapping active DB with loaded DB")
            swap_main_dbs(engine, temp)
            functions_swap_in(fctx)
            for db in temp:
                db.empty(True)
            self.log.notice("MASTER <-> REPLICA sync: Discarding old DB in background")
        engine.dirty += 1           # nothing was saved: the data set changed
        await self._loaded(link, loader, master_replid, initial_offset, mark is not None)

    async def _feed_loader(self, link, loader, mark):
        """Read the payload into the loader only as fast as it loads. The
        last EOF_MARK_SIZE bytes read are held back: the mark ends the
        payload, and the master sends no more before our ACK."""
        from rkvd._core.persist.rdb_load import rdb_set_key_load_delay
        cfg = self.cfg
        engine = self.engine
        buf = link.rbuf
        held = b""
        ended = False
        loading = True
        while True:
            if loading and not loader.wanted:
                rdb_set_key_load_delay(cfg["key-load-delay"])
                # what is loaded is the master's data, not this replica's
                # own writes (whose expires it would have to track)
                engine.master_running = True
                try:
                    loading = loader.step(cfg["loading-process-events-interval-bytes"])
                finally:
                    engine.master_running = False
                link.transfer_lastio = int(time.time())
                await asyncio.sleep(0)
                continue
            if ended:
                break
            if mark is None:
                left = link.transfer_size - link.transfer_read
                if left <= 0:
                    loader.end_input()
                    ended = True
                    continue
            else:
                left = FEED_CHUNK
                if not loading and loader.unread + len(held) >= EOF_MARK_SIZE:
                    break           # the load ended, and what follows is not the mark
            if buf:
                data = bytes(buf[:left])
                del buf[:left]
            else:
                data = await link.io.recv(min(left, FEED_CHUNK))
                if not data:
                    raise ConnectionError(errno.ECONNRESET, "connection lost")
                self.stat_repl_input_bytes += len(data)
            link.transfer_lastio = int(time.time())
            link.transfer_read += len(data)
            if mark is not None:
                data = held + data
                if data[-EOF_MARK_SIZE:] == mark:
                    data = data[:-EOF_MARK_SIZE]
                    held = b""
                    ended = True
                else:
                    held = data[-EOF_MARK_SIZE:]
                    data = data[:-EOF_MARK_SIZE]
            if loading:
                loader.feed(data)
                if ended:
                    loader.end_input()
        if mark is not None and (not ended or loader.unread):
            self.log.warning("Replication stream EOF marker is broken")
            raise _Failed()

    async def _load_from_disk(self, link, master_replid, initial_offset, usemark):
        from rkvd._core.persist.rdb_load import (
            RDBFLAGS_REPLICATION,
            RdbError,
            RdbLoader,
            rdb_set_key_load_delay,
        )
        p = self.server.persistence
        cfg = self.cfg
        self._before_load(True)
        self._attach_to_new_master()
        self._flush_old_data()
        self.log.notice("MASTER <-> REPLICA sync: Loading DB in memory")
        try:
            os.fsync(link.tmpfd)
        except OSError as exc:
            self.log.warning("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA "
                             f"synchronization: {_errtext(exc)}")
            raise _Failed() from exc
        os.close(link.tmpfd)
        tmp, link.tmpfile = link.tmpfile, None
        path = p.rdb_filename()
        try:
            os.rename(tmp, path)
        except OSError as exc:
            self.log.warning(f"Failed trying to rename the temp DB into {path} in MASTER <-> "
                             f"REPLICA synchronization: {_errtext(exc)}")
            _unlink(tmp)
            raise _Failed() from exc
        try:
            loader = RdbLoader(self.engine, path, RDBFLAGS_REPLICATION)
        except OSError as exc:
            self.log.warning("Failed trying to load the MASTER synchronization DB from disk: "
                             f"{_errtext(exc)}")
            raise _Failed() from exc
        self._start_loading(link, loader, False)
        try:
            while True:
                rdb_set_key_load_delay(cfg["key-load-delay"])
                more = loader.step(cfg["loading-process-events-interval-bytes"])
                link.transfer_lastio = int(time.time())
                if not more:
                    break
                await asyncio.sleep(0)
        except RdbError as exc:
            self._load_failed(exc, "disk")
            self.engine.flushall()
            self._maybe_remove_sync_file(True)
            raise _Failed() from exc
        finally:
            self._stop_loading(link)
        self._maybe_remove_sync_file(True)
        await self._loaded(link, loader, master_replid, initial_offset, usemark)

    def _load_failed(self, exc, src):
        for line in getattr(exc, "lines", None) or [str(exc)]:
            self.log.warning(line)
        self.log.warning(f"Failed trying to load the MASTER synchronization DB from {src}")

    async def _loaded(self, link, loader, master_replid, initial_offset, usemark):
        """The payload is in: its history becomes ours and the stream flows."""
        p = self.server.persistence
        p.load_keys_loaded = loader.keys_loaded
        p.load_keys_expired = loader.expired_skipped
        self.log.notice(f"Done loading RDB, keys loaded: {loader.keys_loaded}, "
                        f"keys expired: {loader.expired_skipped}.")
        try:
            dbid = int(loader.aux.get(b"repl-stream-db", 0))
        except (TypeError, ValueError):
            dbid = 0
        if not 0 <= dbid < len(self.engine.dbs):
            dbid = 0
        # the master's history is ours from now on
        self.repl.replid = master_replid or "0" * EOF_MARK_SIZE
        self.repl.master_repl_offset = max(initial_offset, 0)
        self.repl.clear_replid2()
        self.repl.create_backlog()
        await self._attach(link, dbid)
        self.log.notice("MASTER <-> REPLICA sync: Finished with success")
        if usemark:
            link.send_ack()
        if self.cfg["appendonly"]:
            p.aof.start()

    def _maybe_remove_sync_file(self, on_disk):
        # rdb-del-sync-files: a replica without persistence keeps no copy
        if on_disk and self.cfg["rdb-del-sync-files"] and not self.cfg["save"] and not self.cfg["appendonly"]:
            self.log.notice("Removing the RDB file obtained from the master. This replica has "
                            "persistence disabled")
            _unlink(self.server.persistence.rdb_filename())

    async def _attach(self, link, dbid):
        """The connection becomes the master client; what was read past the
        handshake or the payload is its first input."""
        io, link.io = link.io, None
        leftover = bytes(link.rbuf)
        link.rbuf = bytearray()
        link._carry = bytearray()
        await io.hand_over(_StreamProtocol(link, leftover, dbid))

    # --- INFO ----------------------------------------------------------------

    def info_fields(self):
        """The replica's lines of INFO replication, after role:slave."""
        link = self.link
        cfg = self.cfg
        now = int(time.time())
        offset = self.repl.master_repl_offset if (link.client is not None or self.cached) else 1
        read_offset = offset + len(link._carry) if link.client is not None else offset
        lines = [
            ("master_host", link.host),
            ("master_port", link.port),
            ("master_link_status", link.link_status),
            ("master_last_io_seconds_ago",
             now - link.client.last_interaction_ms // 1000 if link.client is not None else -1),
            ("master_sync_in_progress", int(link.state == STATE_TRANSFER)),
            ("slave_read_repl_offset", read_offset),
            ("slave_repl_offset", offset),
        ]
        if link.state == STATE_TRANSFER:
            size = link.transfer_size
            perc = link.transfer_read / size * 100 if size > 0 else 0.0
            lines += [
                ("master_sync_total_bytes", size),
                ("master_sync_read_bytes", link.transfer_read),
                ("master_sync_left_bytes", size - link.transfer_read),
                ("master_sync_perc", f"{perc:.2f}"),
                ("master_sync_last_io_seconds_ago", now - link.transfer_lastio),
            ]
        if link.state != STATE_CONNECTED:
            lines.append(("master_link_down_since_seconds",
                          now - link.down_since if link.down_since else -1))
        lines += [
            ("slave_priority", cfg["replica-priority"]),
            ("slave_read_only", int(bool(cfg["replica-read-only"]))),
            ("replica_announced", int(bool(cfg["replica-announced"]))),
        ]
        return lines

    # --- REPLICAOF -----------------------------------------------------------

    def replicaof(self, c, args):
        from rkvd.commands.common import get_range_long_or_reply, lower
        from rkvd.info import cluster_enabled
        if cluster_enabled(self.server):
            c.reply_error("REPLICAOF not allowed in cluster mode.")
            return
        if self.server.replication.failover.active:
            c.reply_error("REPLICAOF not allowed while failing over.")
            return
        if self.server.persistence.async_loading:
            # Redis refuses its no-async-loading commands meanwhile
            c.reply_error("-LOADING Redis is loading the dataset in memory")
            return
        if lower(args[1]) == "no" and lower(args[2]) == "one":
            if self.link is not None:
                self.unset_master()
                self.log.notice(f"MASTER MODE enabled (user request from '{c_info(self.server, c)}')")
            c.reply_ok()
            return
        if c.flags & _client_flag("slave"):
            c.reply_error("Command is not valid when client is a replica.")
            return
        port = get_range_long_or_reply(c, args[2], 0, 65535, "Invalid master port")
        if port is None:
            return
        host = args[1].decode("utf-8", "surrogateescape")
        link = self.link
        if link is not None and link.host.lower() == host.lower() and link.port == port:
            self.log.notice("REPLICAOF would result into synchronization with the master we are "
                            "already connected with. No operation performed.")
            c.reply_raw(b"+OK Already connected to specified master\r\n")
            return
        self.set_master(host, port)
        self.log.notice(f"REPLICAOF {host}:{port} enabled (user request from '{c_info(self.server, c)}')")
        c.reply_ok()


def c_info(server, c):
    from rkvd.commands.conn import client_info_string
    return client_info_string(server, c)


def _client_flag(name):
    from rkvd._core.server import CLIENT_FLAGS
    return CLIENT_FLAGS.get(name, 0)


def _text(b):
    return b.decode("utf-8", "replace")


def _errtext(exc):
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def handlers(server):
    side = server.replica
    return {"replicaof": side.replicaof, "slaveof": side.replicaof}

