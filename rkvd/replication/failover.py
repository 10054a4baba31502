"""FAILOVER: a master hands its role to one of its replicas (Redis 6.2's
coordinated failover, replication.c's failoverCommand).

The steps, as in Redis:
  1. FAILOVER pauses writes (the way CLIENT PAUSE WRITE does), so the
     stream stops growing, and the state becomes waiting-for-sync.
  2. Each replica's REPLCONF ACK, and the replication cron (every 100 ms
     while a failover runs), check whether the target (the one named by TO,
     or else the first replica to acknowledge the whole stream) caught up.
  3. Once it has (or the TIMEOUT ran out with FORCE), this server becomes a
     replica of the target (failover-in-progress) and its handshake sends
     PSYNC <replid> <offset> FAILOVER: the target, still a replica of this
     server with the same replication ID, turns itself into a master and
     answers +CONTINUE, and the pause ends.
  4. A rejected PSYNC, a failed write of it, TIMEOUT without FORCE or
     FAILOVER ABORT undo it: the server is a master again, writes resume.

Interface: server.replication.failover is a Failover; the replica side
reads `state` (IN_PROGRESS: send PSYNC ... FAILOVER) and calls
psync_answered() / abort(); the master side calls check_soon() on every
ACK and cron() from its cron.
"""
import time

from rkvd.commands.common import lower
from rkvd.strutil import string2ll

NO_FAILOVER, WAIT_FOR_SYNC, IN_PROGRESS = range(3)
_STATE_NAMES = {NO_FAILOVER: "no-failover", WAIT_FOR_SYNC: "waiting-for-sync",
                IN_PROGRESS: "failover-in-progress"}


class Failover:
    def __init__(self, master):
        self.master = master
        self.server = master.server
        self.log = master.log
        self.state = NO_FAILOVER
        self.end_ms = 0                 # TIMEOUT's deadline (0: none)
        self.force = False
        self.host = None                # the target, once known
        self.port = 0
        self._check_due = False

    @property
    def state_name(self):
        return _STATE_NAMES[self.state]

    @property
    def active(self):
        return self.state != NO_FAILOVER

    # ------------------------------------------------------------ the command

    def command(self, c, args):
        from rkvd.info import cluster_enabled
        if cluster_enabled(self.server):
            c.reply_error("FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
            return
        if len(args) == 2 and lower(args[1]) == "abort":
            if self.state == NO_FAILOVER:
                c.reply_error("No failover in progress.")
                return
            self.abort("Failover manually aborted")
            c.reply_ok()
            return
        timeout = 0
        force = False
        host = None
        port = 0
        j = 1
        while j < len(args):
            opt = lower(args[j])
            if opt == "timeout" and j + 1 < len(args) and timeout == 0:
                timeout = string2ll(args[j + 1])
                if timeout is None:
                    c.reply_error("value is not an integer or out of range")
                    return
                if timeout <= 0:
                    c.reply_error("FAILOVER timeout must be greater than 0")
                    return
                j += 2
            elif opt == "to" and j + 2 < len(args) and host is None:
                port = string2ll(args[j + 2])
                if port is None:
                    c.reply_error("value is not an integer or out of range")
                    return
                host = args[j + 1].decode("utf-8", "surrogateescape")
                j += 3
            elif opt == "force" and not force:
                force = True
                j += 1
            else:
                c.reply_error("syntax error")
                return
        if self.state != NO_FAILOVER:
            c.reply_error("FAILOVER already in progress.")
            return
        if self.server.repl.master is not None:
            c.reply_error("FAILOVER is not valid when server is a replica.")
            return
        if not self.master.replicas:
            c.reply_error("FAILOVER requires connected replicas.")
            return
        if force and (not timeout or host is None):
            c.reply_error("FAILOVER with force option requires both a timeout and target HOST and IP.")
            return
        if host is not None:
            link = self.master.find_replica(host, port)
            if link is None:
                c.reply_error("FAILOVER target HOST and PORT is not a replica.")
                return
            if not link.online:
                c.reply_error("FAILOVER target replica is not online.")
                return
            self.host, self.port = host, port
            self.log.notice(f"FAILOVER requested to {host}:{port}.")
        else:
            self.log.notice("FAILOVER requested to any replica.")
        self.end_ms = int(time.time() * 1000) + timeout if timeout else 0
        self.force = force
        self.state = WAIT_FOR_SYNC
        self._pause()
        c.reply_ok()

    # ------------------------------------------------------------ progress

    def check_soon(self):
        """A replica acknowledged an offset: check on the next loop turn
        (not from inside the ACK, since failing over closes clients)."""
        if self.state != WAIT_FOR_SYNC or self._check_due:
            return
        loop = self.server.loop
        if loop is None:
            return
        self._check_due = True
        loop.call_soon(self._deferred_check)

    def _deferred_check(self):
        self._check_due = False
        self.update()

    def update(self):
        """Redis's updateFailoverStatus: time out, or fail over to the
        target once it acknowledged the whole stream."""
        if self.state != WAIT_FOR_SYNC:
            return
        if self.end_ms and self.end_ms <= int(time.time() * 1000):
            if self.force:
                self.log.notice(f"FAILOVER to {self.host}:{self.port} time out exceeded, failing over.")
                self._start()
            else:
                self.abort("Replica never caught up before timeout")
            return
        self.server.stream.pump()
        offset = self.server.repl.master_repl_offset
        if self.host is not None:
            link = self.master.find_replica(self.host, self.port)
        else:
            link = None
            for cand in self.master.replicas:
                if cand.ack_off != offset:
                    continue
                addr = self.master.replica_addr(cand)
                if addr is None:
                    continue
                link = cand
                self.host, self.port = addr, cand.hs.listening_port
                break
        if link is not None and link.ack_off == offset:
            self.log.notice(f"Failover target {self.host}:{self.port} is synced, failing over.")
            self._start()

    def _start(self):
        self.state = IN_PROGRESS
        self.server.replica.set_master(self.host, self.port)

    def psync_answered(self, accepted):
        """The replica side got the target's answer to PSYNC ... FAILOVER:
        +CONTINUE or +FULLRESYNC end the failover, anything else undoes it."""
        if self.state != IN_PROGRESS:
            return
        if accepted:
            self.clear()
        else:
            self.abort("Failover target rejected psync request")

    def abort(self, why):
        """Redis's abortFailover: back to a master if the switch began."""
        if self.state == NO_FAILOVER:
            return
        if self.host is not None:
            self.log.notice(f"FAILOVER to {self.host}:{self.port} aborted: {why}")
        else:
            self.log.notice(f"FAILOVER to any replica aborted: {why}")
        if self.state == IN_PROGRESS:
            self.server.replica.unset_master()
        self.clear()

    def clear(self):
        """Redis's clearFailoverState: forget the failover, resume writes."""
        self.end_ms = 0
        self.force = False
        self.host = None
        self.port = 0
        self.state = NO_FAILOVER
        self._unpause()

    def skip_ping(self):
        """Redis leaves out the replicas' PING while a failover with a
        TIMEOUT pauses writes: it would move the offset the target must
        reach."""
        return bool(self.end_ms) and bool(self.server.engine.clients_paused)

    # ------------------------------------------------------------ the pause

    def _pause(self):
        # a pause of its own, as Redis's PAUSE_DURING_FAILOVER: CLIENT
        # UNPAUSE does not end it, nor does it end a CLIENT PAUSE
        from rkvd.commands.conn import PAUSE_DURING_FAILOVER, PAUSE_WRITE, pause
        pause(self.server, 2 ** 62, PAUSE_WRITE, PAUSE_DURING_FAILOVER)

    def _unpause(self):
        from rkvd.commands.conn import PAUSE_DURING_FAILOVER, unpause
        unpause(self.server, PAUSE_DURING_FAILOVER)
