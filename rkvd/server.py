"""The daemon shell: start-up, listeners, signals, cron and shutdown.

The Cython engine (rkvd._core.server.Engine) runs commands; this module owns
the event loop, the configuration, logging and everything Python-level.
"""
import asyncio
import errno
import faulthandler
import os
import signal
import socket
import sys
import time

import uvloop

from rkvd import REDIS_VERSION, oslimits
from rkvd.config import ConfigError, expand_proc_title
from rkvd.log import Logger
from rkvd.replication.state import ReplState
from rkvd.systemd import Supervisor
from rkvd.tls import SHUTDOWN_TIMEOUT

# Python modules that implement commands: each has handlers(server) -> {name: fn(client, args)}
HANDLER_MODULES = ("rkvd.commands.config", "rkvd.commands.introspection",
                   "rkvd.commands.memory", "rkvd.commands.debug",
                   "rkvd.commands.server", "rkvd.commands.conn", "rkvd.commands.restore",
                   "rkvd.commands.dump", "rkvd.commands.persistence",
                   "rkvd.commands.migrate", "rkvd.commands.pubsub", "rkvd.commands.slowlog",
                   "rkvd.commands.latency", "rkvd.commands.acl", "rkvd.commands.module",
                   "rkvd.commands.scripting", "rkvd.replication.master",
                   "rkvd.replication.replica")

# What else a server loads while it initializes. run() imports these and the
# handler modules before it makes the server, then takes the runtime's
# footprint, which used_memory leaves out (rkvd.info.exclude_runtime).
INIT_MODULES = HANDLER_MODULES + (
    "rkvd._core.server", "rkvd._core.introspect", "rkvd._core.lib.signals",
    "rkvd._core.persist.aof_rewrite", "rkvd._core.persist.fork", "rkvd._core.persist.rdb_save",
    "rkvd._core.scripting.luaengine", "rkvd.acl", "rkvd.aof", "rkvd.persistence",
    "rkvd.replication.failover", "rkvd.stream")


class Server:
    def __init__(self, cfg, log=None, supervisor=None):
        from rkvd._core.server import Engine
        from rkvd.commandspec import SPECS

        self.cfg = cfg
        self.log = log or Logger(cfg)
        self.log.role = "M"
        cfg.logger = self.log
        self.supervisor = supervisor or Supervisor(self.log)
        self.pid = os.getpid()
        self.start_time = time.time()
        self.start_monotonic = time.monotonic()
        self.loop = None
        self.listeners = []
        self.shutdown_requested = None
        self.shutdown_wait = None               # (flags, signame, deadline, [SHUTDOWN clients]) while replicas catch up
        self.cron_paused = False                # DEBUG PAUSE-CRON
        self._watchdog_fd = None                # where the watchdog writes, while on
        self.exit_code = 0
        self.run_id = os.urandom(20).hex()
        self.tcp_port = cfg["port"]
        self.tls_port = 0                       # what the TLS listeners serve
        self.tls_ctx = None                     # ssl.SSLContext once TLS is configured
        self.tls_client_ctx = None              # the one outgoing links use (tls-replication)
        self.pidfile_written = None
        self.repl = ReplState(cfg["repl-backlog-size"])     # replication IDs, offset, backlog
        self.info_state = None                  # rkvd.info.InfoState, made with INFO's handlers
        self.engine = Engine(self, cfg["databases"])
        self.oom_score_adj = oslimits.OOMScoreAdj(self.log)
        from rkvd.stream import Stream
        self.stream = Stream(self)              # the one consumer point of the propagation stream
        # replication: the master side (this server's replicas) first, since
        # a replicaof line makes the replica side change the role at once
        from rkvd.replication.master import Master
        self.replication = Master(self)
        from rkvd.replication.replica import ReplicaSide
        self.replica = ReplicaSide(self)        # REPLICAOF and the link to a master
        # fn() called on every cron tick; handler modules add theirs (INFO sampling).
        self.cron_hooks = []
        from rkvd.acl import Acl
        self.acl = Acl(self)
        self.engine.build_command_table(SPECS, self.command_handlers(), strict=True)
        if cfg.renamed_commands:
            self._rename_commands(cfg.renamed_commands)
        from rkvd.commands.conn import register_reset_hook
        register_reset_hook(lambda server, c: c.reset_multi())
        from rkvd.persistence import Persistence
        self.persistence = Persistence(self)
        # The parameter table names the engine fields and the hooks below;
        # attach checks both and fills the engine's fields.
        cfg.attach(self.engine, {"port": self._apply_port, "bind": self._apply_bind,
                                 "disk_error": self.persistence.update_disk_error,
                                 "crash_log": self._apply_crash_log,
                                 "watchdog": self._apply_watchdog,
                                 "rdb_key_save_delay": self.persistence.apply_key_save_delay,
                                 "appendonly": self.persistence.aof.apply_appendonly,
                                 "aof_gc": self.persistence.aof.apply_auto_gc,
                                 "maxmemory": self._apply_maxmemory,
                                 "client_eviction": self._apply_client_eviction,
                                 "oom_score_adj": self._apply_oom_score_adj,
                                 "maxclients": self._apply_maxclients,
                                 "tls": self._apply_tls, "tls_port": self._apply_tls_port,
                                 "tls_auth": self._apply_tls_auth,
                                 "slow_hook": self._apply_slow_hook,
                                 "requirepass": self.acl.apply_requirepass,
                                 "repl_backlog_size": self.replication.apply_backlog_size,
                                 "min_replicas": self.replication.refresh_good_replicas})
        self.acl.apply_requirepass()
        self._apply_slow_hook()
        self._apply_client_eviction()
        self._apply_oom_score_adj(at_start=True)
        self.persistence.apply_key_save_delay()

    def _rename_commands(self, renames):
        # rename-command: the dispatch table answers to the new names (an
        # empty one disables the command); ACL rules and COMMAND keep the
        # original names, as Redis's orig_commands.
        from rkvd._core.server import cmdtab_rebuild
        names = {name.encode(): cmd for name, cmd in self.engine.commands.items() if "|" not in name}
        for old, new in renames:
            old = old.encode("utf-8", "surrogateescape").lower() if isinstance(old, str) else bytes(old).lower()
            new = new.encode("utf-8", "surrogateescape").lower() if isinstance(new, str) else bytes(new).lower()
            cmd = names.pop(old, None)
            if cmd is not None and new:
                names[new] = cmd
        cmdtab_rebuild(names)

    def command_handlers(self):
        """{name: fn(client, args)} from HANDLER_MODULES; a subclass (the
        in-process server of rkvd.testing) wraps the ones it must refuse."""
        import importlib
        handlers = {}
        for modname in HANDLER_MODULES:
            handlers.update(importlib.import_module(modname).handlers(self))
        return handlers

    # ------------------------------------------------------------ config

    # CONFIG SET port / bind (the parameter table names these hooks). They run
    # inside the loop, so the new sockets are bound here, where a failure can
    # still refuse the change, and served from the next loop iteration.

    def _apply_port(self, cfg):
        if self.loop is None or cfg["port"] == self.tcp_port:
            return
        self._relisten(cfg["port"], cfg["bind"],
                       "Unable to listen on this port. Check server logs.")

    def _apply_oom_score_adj(self, cfg=None, at_start=False):
        # oom-score-adj and its values (Redis's updateOOMScoreAdj); at
        # start a failure is only logged
        from rkvd._core.persist.fork import set_child_oom_score_adj
        mode, values = self.cfg["oom-score-adj"], self.cfg["oom-score-adj-values"]
        role = oslimits.OOM_REPLICA if self.repl.master is not None else oslimits.OOM_MASTER
        if not self.oom_score_adj.apply(mode, values, role) and not at_start:
            raise ConfigError("Failed to set current oom_score_adj. Check server logs.")
        set_child_oom_score_adj(self.oom_score_adj.child_value(mode, values))

    def _apply_client_eviction(self, cfg=None):
        # maxmemory-clients in bytes, as Redis's getClientEvictionLimit: a
        # percentage of maxmemory (nothing while maxmemory is 0), never
        # below 128 KB so that a bad setting cannot lock every client out
        setting, maxmemory = self.cfg["maxmemory-clients"], self.cfg["maxmemory"]
        if setting < 0 and maxmemory > 0:
            limit = int(float(maxmemory) * -float(setting) / 100)
        elif setting > 0:
            limit = setting
        else:
            limit = 0
        if limit:
            limit = max(limit, 128 * 1024)
        self.engine.set_client_eviction_limit(limit)

    def _apply_maxmemory(self, cfg):
        # CONFIG SET maxmemory, as Redis's updateMaxmemory: warn when the
        # new limit is already exceeded, and evict from the loop at once
        self._apply_client_eviction()
        limit = cfg["maxmemory"]
        if not limit:
            return
        from rkvd.info import used_memory
        used = used_memory() - self.engine.mem_not_counted_for_evict
        if limit < used:
            self.log.warning(f"WARNING: the new maxmemory value set via CONFIG SET ({limit}) is smaller "
                             f"than the current memory usage ({used}). This will result in key eviction "
                             "and/or the inability to accept new write commands depending on the "
                             "maxmemory-policy.")
        self.engine.start_eviction()

    def _apply_maxclients(self, cfg):
        # CONFIG SET maxclients, as Redis's updateMaxclients: the descriptor
        # limit must follow, or the change is refused
        wanted = cfg["maxclients"]
        allowed = oslimits.adjust_open_files_limit(wanted, self.log)
        if allowed != wanted:
            raise ConfigError("The operating system is not able to handle the specified number of "
                              f"clients, try with {allowed}")

    def _apply_bind(self, cfg):
        if self.loop is None:
            return
        self._relisten(self.tcp_port, cfg["bind"], "Failed to bind to specified addresses.")
        if self.tls_port:
            self._relisten(self.tls_port, cfg["bind"], "Failed to bind to specified addresses.", "tls")

    def _relisten(self, port, binds, error, kind="tcp"):
        # As Redis: the old listeners go first (the new addresses may overlap
        # them); on failure CONFIG SET restores the old values, which listen
        # again through the same hook.
        for k, srv in self.listeners:
            if k == kind:
                srv.close()
        self.listeners = [entry for entry in self.listeners if entry[0] != kind]
        if kind == "tls":
            self.tls_port = port
        else:
            self.tcp_port = port
        socks = self._bind_tcp(port, binds) if port else []
        if socks is None:
            raise ConfigError(error)
        ctx = self.tls_ctx if kind == "tls" else None
        self.listeners += [
            (kind, _Serving(self.loop, sock, self.engine.new_client, self.cfg["tcp-backlog"], ctx))
            for sock in socks]
        _set_proctitle(self.cfg)        # its {listen-addr} moved

    # CONFIG SET tls-*: as Redis's applyTlsCfg / applyTLSPort. A new context
    # serves new connections; the ones open keep the context they started
    # with, as SSL objects keep their SSL_CTX in Redis.

    def _configure_tls(self):
        """(server, client) contexts for the current tls-* values, or None
        after logging why."""
        from rkvd.tls import TlsError, build_context
        try:
            return build_context(self.cfg)
        except TlsError as exc:
            self.log.warning(str(exc))
            return None

    def _tls_wanted(self):
        cfg = self.cfg
        return bool(cfg["tls-port"] or cfg["tls-replication"] or cfg["tls-cluster"])

    def _apply_tls(self, cfg):
        if self.loop is None or not self._tls_wanted():
            return
        ctxs = self._configure_tls()
        if ctxs is None:
            raise ConfigError("Unable to update TLS configuration. Check server logs.")
        self._use_tls_context(*ctxs)

    def _apply_tls_port(self, cfg):
        if self.loop is None or cfg["tls-port"] == self.tls_port:
            return
        if self.tls_ctx is None:
            ctxs = self._configure_tls()
            if ctxs is None:
                raise ConfigError("Unable to update TLS configuration. Check server logs.")
            self.tls_ctx, self.tls_client_ctx = ctxs
        self._relisten(cfg["tls-port"], cfg["bind"],
                       "Unable to listen on this port. Check server logs.", "tls")

    def _apply_tls_auth(self, cfg):
        # Redis reads tls-auth-clients when it accepts a connection; here the
        # serving context carries it, for the connections that come next
        if self.tls_ctx is not None:
            from rkvd.tls import VERIFY_MODES
            self.tls_ctx.verify_mode = VERIFY_MODES[cfg["tls-auth-clients"]]

    def _use_tls_context(self, ctx, client_ctx):
        # Each TLS listener goes on serving its socket (a duplicate of it, so
        # connections waiting in the backlog stay) under the new context.
        self.tls_ctx, self.tls_client_ctx = ctx, client_ctx
        listeners = []
        for kind, srv in self.listeners:
            if kind == "tls":
                sock = srv.sock.dup()
                srv.close()
                srv = _Serving(self.loop, sock, self.engine.new_client, self.cfg["tcp-backlog"], ctx)
            listeners.append((kind, srv))
        self.listeners = listeners

    # ------------------------------------------------------------ listening

    def _bind_tcp(self, port, binds):
        """A listening socket per bind address, or None (after logging why)
        when an address that is not optional cannot be bound."""
        socks = []
        for (host, optional), name in zip(_bind_hosts(binds), _bind_names(binds)):
            try:
                sock = _make_listen_socket(host, port, self.cfg["tcp-backlog"])
            except OSError as exc:
                self.log.warning(f"Warning: Could not create server TCP listening socket "
                                 f"{name}:{port}: bind: {exc.strerror}")
                # an optional address that is not available, or a family the
                # host lacks, is skipped as Redis does
                if (optional and exc.errno == errno.EADDRNOTAVAIL) or exc.errno in (
                        errno.ENOPROTOOPT, errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT,
                        errno.EPFNOSUPPORT, errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL) and optional:
                    continue
                for s in socks:
                    s.close()
                return None
            socks.append(sock)
        return socks

    async def _listen_tcp(self, port, binds):
        socks = self._bind_tcp(port, binds)
        if socks is None:
            return None
        return [("tcp", await self.loop.create_server(self.engine.new_client, sock=sock,
                                                      backlog=self.cfg["tcp-backlog"]))
                for sock in socks]

    async def _listen_tls(self, port, binds):
        # _Serving keeps the socket, which a new context re-serves
        socks = self._bind_tcp(port, binds)
        if socks is None:
            return None
        listeners = [("tls", _Serving(self.loop, sock, self.engine.new_client,
                                      self.cfg["tcp-backlog"], self.tls_ctx))
                     for sock in socks]
        for _kind, srv in listeners:
            await srv.task
        return listeners

    async def _listen_unix(self, path, perm):
        try:
            os.unlink(path)
        except OSError:
            pass
        srv = await self.loop.create_unix_server(self.engine.new_client, path,
                                                 backlog=self.cfg["tcp-backlog"])
        if perm:
            os.chmod(path, perm)
        return ("unix", srv)

    # ------------------------------------------------------------ hooks used by the engine

    def client_info_line(self, c):
        from rkvd.commands.conn import client_info_string
        return client_info_string(self, c)

    def unblock_client(self, client_id, error):
        """CLIENT UNBLOCK: True if that client was blocked and is now released."""
        c = self.engine.clients.get(client_id)
        return bool(c is not None and c.unblock(error))

    def pause_blocks(self, c):
        from rkvd.commands.conn import pause_blocks
        return pause_blocks(self, c)

    def maxmemory_policy(self):
        return self.cfg["maxmemory-policy"]

    def lfu_policy(self):
        return "lfu" in self.maxmemory_policy()

    def lru_or_lfu_policy(self):
        p = self.maxmemory_policy()
        return "lru" in p or "lfu" in p

    def after_flushall(self):
        self.persistence.after_flushall()

    def _apply_slow_hook(self, cfg=None):
        # the engine calls after_command from the lowest threshold that logs
        cfg = self.cfg
        hook = 2 ** 63 - 1
        if cfg["slowlog-log-slower-than"] >= 0:
            hook = cfg["slowlog-log-slower-than"]
        if cfg["latency-monitor-threshold"]:
            hook = min(hook, cfg["latency-monitor-threshold"] * 1000)
        self.engine.slow_hook_us = hook
        self.engine.latency_threshold_ms = cfg["latency-monitor-threshold"]

    def after_command(self, client, cmd, duration_us):
        """A command took at least engine.slow_hook_us microseconds."""
        if client is self.engine.replay_client:
            return          # Redis replays the AOF without call(): no log, no sample
        self.latency.command_done(cmd, duration_us)
        self.slowlog.command_done(client, cmd, duration_us)

    def after_unblock(self, client, logged):
        """A client left a blocking wait (engine.unblock_hooks)."""
        self.slowlog.unblocked(client, logged)

    # ------------------------------------------------------------ cron

    def _cron(self):
        if self.cron_paused:             # DEBUG PAUSE-CRON: Redis skips its whole cron
            self.loop.call_later(1.0 / self.engine.hz, self._cron)
            return
        # The two handlers below are the deliberate last-resort guard: an
        # exception here would stop the timer chain, so expiry, rehashing,
        # client timeouts and INFO sampling would end for good. The error is
        # logged for a bug report and the next tick runs as usual.
        try:
            self._feed_watchdog()
            # a shutdown signal first, as Redis's serverCron does
            self._shutdown_signal_cron()
            if self.shutdown_requested is not None:
                return
            self.engine.cron()
            self.persistence.cron()
            self.replication.cron()
        except Exception as exc:  # never let the cron die
            self.log.warning(f"cron error: {exc!r}")
        for hook in self.cron_hooks:
            try:
                hook()
            except Exception as exc:  # nor a hook stop the others
                self.log.warning(f"cron error: {exc!r}")
        if self.shutdown_requested is None:
            self.loop.call_later(1.0 / self.engine.hz, self._cron)

    # ------------------------------------------------------------ lifecycle

    # Shutdown, as Redis's prepareForShutdown / finishShutdown. SIGTERM and
    # SIGINT are handled in C (rkvd._core.lib.signals): the handler logs and
    # raises a flag, the cron acts on it (so SHUTDOWN ABORT can still cancel
    # it in between). With replicas behind the stream, a shutdown (but
    # SHUTDOWN NOW) first waits up to shutdown-timeout seconds for them to
    # acknowledge it, writes paused (Redis 7's isReadyToShutdown); the
    # SHUTDOWN client waits with it.

    def _shutdown_signal_cron(self):
        from rkvd._core.lib import signals
        if self.shutdown_wait is not None:
            self._shutdown_wait_cron()
            return
        sig = signals.pending()
        if not sig:
            return
        name = "shutdown-on-sigint" if sig == signal.SIGINT else "shutdown-on-sigterm"
        self.prepare_for_shutdown(self.cfg[name], signame=signal.Signals(sig).name)

    def prepare_for_shutdown(self, flags, signame="SHUTDOWN", waiter=None):
        """Shut down: flags is a set of "save", "nosave", "now", "force". True
        when the server is stopping (the loop stops after this turn); False
        when it failed and goes on serving (the reasons are logged); None
        while it waits for the replicas (waiter, the SHUTDOWN client, is
        parked and answered if it fails)."""
        if self.shutdown_wait is not None:
            # already waiting (Redis's isShutdownInitiated): a SHUTDOWN
            # client joins the wait and gets the same outcome
            if waiter is not None:
                waiter.block_wait()
                self.shutdown_wait[3].append(waiter)
                return None
            return False
        flags = set(flags)
        if self.engine.loading:
            # a half-loaded dataset must never overwrite the file
            flags.discard("save")
            flags.add("nosave")
        self.log.warning("User requested shutdown...")
        self.supervisor.stopping()
        repl = self.replication
        if "now" not in flags and self.cfg["shutdown-timeout"] and not repl.ready_to_shutdown():
            deadline = time.monotonic() + self.cfg["shutdown-timeout"]
            self.shutdown_wait = (flags, signame, deadline, [])
            if waiter is not None:
                waiter.block_wait()
                self.shutdown_wait[3].append(waiter)
            repl.wait_for_shutdown()
            self.log.notice("Waiting for replicas before shutting down.")
            return None
        return self._finish_shutdown(flags, signame)

    def shutdown_in_ms(self):
        """Milliseconds left before a shutdown waiting for the replicas
        gives up on them (INFO's shutdown_in_milliseconds), or None."""
        if self.shutdown_wait is None:
            return None
        return max(0, int((self.shutdown_wait[2] - time.monotonic()) * 1000))

    def _shutdown_wait_cron(self):
        flags, signame, deadline, _waiters = self.shutdown_wait
        if time.monotonic() >= deadline or self.replication.ready_to_shutdown():
            self._finish_shutdown(flags, signame)

    def _end_shutdown_wait(self):
        # the shutdown failed or was aborted: writes go on, the SHUTDOWN
        # clients get Redis's error
        if self.shutdown_wait is None:
            return
        waiters = self.shutdown_wait[3]
        self.shutdown_wait = None
        self.replication.end_shutdown_wait()
        for c in waiters:
            c.unblock_wait(0, b"Errors trying to SHUTDOWN. Check logs.")

    def _finish_shutdown(self, flags, signame):
        from rkvd._core.lib import signals
        lua = sys.modules.get("rkvd._core.scripting.luaengine")
        if lua is not None:
            lua.kill_forked_sessions(self.log)      # Lua debugger sessions ignore SIGTERM
        self.replication.log_lagging_replicas()
        if not self.persistence.shutdown_save(flags):
            self.log.warning("Errors trying to shut down the server. Check the logs for more "
                             "information.")
            signals.clear()
            self._end_shutdown_wait()
            return False
        self.shutdown_wait = None
        self._remove_pidfile()
        self.replication.flush_for_exit()
        for _kind, srv in self.listeners:
            srv.close()
        if self.cfg["unixsocket"]:
            try:
                os.unlink(self.cfg["unixsocket"])
            except OSError:
                pass
        self.log.warning("Redis is now ready to exit, bye bye...")
        self.shutdown_requested = signame
        # Redis exits here; no client gets another command in
        for c in list(self.engine.clients.values()):
            try:
                c.close()
            except Exception as exc:     # shut down all the same, but say so
                self.log.warning(f"Error closing client {c.id} at shutdown: {exc!r}")
        self.loop.stop()
        return True

    def abort_shutdown(self):
        """SHUTDOWN ABORT: True if a shutdown signal was waiting for the
        cron, or a shutdown for the replicas."""
        from rkvd._core.lib import signals
        waiting = self.shutdown_wait is not None
        if not signals.clear_flag_only() and not waiting:
            return False
        self._end_shutdown_wait()
        self.log.notice("Shutdown manually aborted.")
        return True

    def _apply_crash_log(self, cfg=None):
        # crash-log-enabled (at start and on CONFIG SET)
        from rkvd._core.lib import signals
        if self.cfg["crash-log-enabled"]:
            signals.install_crash_report(REDIS_VERSION)
        else:
            signals.remove_crash_report()

    def _apply_watchdog(self, cfg=None):
        # watchdog-period (at start and on CONFIG SET): Redis's
        # applyWatchdogPeriod, with a period of at least two cron ticks
        from rkvd._core.lib import signals
        period = self.cfg["watchdog-period"]
        if not period:
            if self._watchdog_fd is not None:
                faulthandler.unregister(signal.SIGALRM)
                signals.watchdog_remove()
                if self._watchdog_fd != 1:
                    os.close(self._watchdog_fd)
                self._watchdog_fd = None
            return
        period = max(period, (1000 // self.engine.hz) * 2)
        self.cfg._values["watchdog-period"] = period
        if self._watchdog_fd is None:
            logfile = self.cfg["logfile"]
            fd = os.open(logfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644) \
                if logfile else 1
            # the Python stacks of every thread, beneath the watchdog's banner
            faulthandler.register(signal.SIGALRM, file=fd, all_threads=True, chain=False)
            signals.watchdog_install()
            self._watchdog_fd = fd
        signals.watchdog_schedule(period)

    def _feed_watchdog(self):
        # Redis re-arms the timer from serverCron, which does not run while
        # a data set loads: a long load trips the watchdog there too
        if self._watchdog_fd is not None and self.persistence.loader is None:
            from rkvd._core.lib import signals
            signals.watchdog_schedule(self.cfg["watchdog-period"])

    def listening_fds(self):
        """The listening sockets' fds (a fork child closes them)."""
        fds = []
        for _kind, srv in self.listeners:
            if isinstance(srv, _Serving):
                fds.append(srv.sock.fileno())
            else:
                fds.extend(sock.fileno() for sock in srv.sockets)
        return fds

    def abort_start(self, code):
        """Stop before serving (a data file that cannot be loaded). As
        Redis's exit(1) there, the reason stays the log's last line and the
        pid file stays."""
        self.exit_code = code
        self.shutdown_requested = "abort"
        self.pidfile_written = None
        self.loop.stop()

    def _write_pidfile(self):
        path = self.cfg["pidfile"]
        if not path:
            return
        try:
            with open(path, "w") as f:
                f.write(f"{self.pid}\n")
            self.pidfile_written = path
        except OSError as exc:
            self.log.warning(f"Failed to write PID file: {exc.strerror}")

    def _remove_pidfile(self):
        path = self.pidfile_written
        if path:
            self.log.notice("Removing the pid file.")
            try:
                os.unlink(path)
            except OSError:
                pass
            self.pidfile_written = None

    def run(self):
        cfg = self.cfg
        allowed = oslimits.adjust_open_files_limit(cfg["maxclients"], self.log)
        if allowed is None:
            return 1
        if allowed != cfg["maxclients"]:
            cfg.set_value("maxclients", allowed)      # the engine field follows
        self.loop = loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        self.engine.loop = loop
        _set_proctitle(cfg)
        acl_error = self.acl.load_at_startup()
        if acl_error is not None:
            self.log.warning(acl_error)
            return 1
        tcp = []
        if cfg["port"] != 0:
            tcp = loop.run_until_complete(self._listen_tcp(cfg["port"], cfg["bind"]))
            if tcp is None:
                self.log.warning(f"Failed listening on port {cfg['port']} (TCP), aborting.")
                return 1
        self.listeners.extend(tcp)
        if self._tls_wanted():
            ctxs = self._configure_tls()
            if ctxs is None:
                self.log.warning("Failed to configure TLS. Check logs for more info.")
                return 1
            self.tls_ctx, self.tls_client_ctx = ctxs
        if cfg["tls-port"] != 0:
            tls = loop.run_until_complete(self._listen_tls(cfg["tls-port"], cfg["bind"]))
            if tls is None:
                self.log.warning(f"Failed listening on port {cfg['tls-port']} (TLS), aborting.")
                return 1
            self.listeners.extend(tls)
            self.tls_port = cfg["tls-port"]
        if cfg["unixsocket"]:
            try:
                self.listeners.append(loop.run_until_complete(
                    self._listen_unix(cfg["unixsocket"], cfg["unixsocketperm"])))
            except OSError as exc:
                self.log.warning(f"Failed opening Unix socket: {exc.strerror}")
                return 1
        self._banner()
        oslimits.check_tcp_backlog(cfg["tcp-backlog"], self.log)
        from rkvd._core.lib import signals
        # as Redis: no line from a handler when a daemon would log to stdout
        signals.install(cfg["logfile"], quiet=not cfg["logfile"] and cfg["daemonize"])
        self._apply_crash_log()
        self._apply_watchdog()
        loop.add_signal_handler(signal.SIGHUP, self._on_sighup)
        self._write_pidfile()
        self.log.warning("Server initialized")
        if self.info_state is not None:
            self.info_state.server_ready()
        if 0 < cfg["maxmemory"] < 1024 * 1024:
            self.log.warning("WARNING: You specified a maxmemory value that is less than 1MB (current "
                             f"value is {cfg['maxmemory']} bytes). Are you sure this is what you really want?")
        if self.engine.debug_build:
            self.log.warning("WARNING: this is a debug build (RKVD_DEBUG=1): the engine's "
                             "invariant checks are compiled in and cost speed.")

        def ready():
            self.log.notice("Ready to accept connections")
            # From inside the loop: uvloop only watches signals while it
            # runs, so a SIGHUP sent on READY=1 before run_forever() would
            # be lost.
            self.supervisor.ready()
            loop.call_later(1.0 / self.engine.hz, self._cron)
            self.replica.start()

        # Clients connect while the data loads and get -LOADING.
        self.persistence.start_loading(loop, ready)
        try:
            loop.run_forever()
        finally:
            self._remove_pidfile()
        return self.exit_code

    def _banner(self):
        # As redis-server: the logo (with the PID line Redis's test suite
        # waits for) once the listeners are bound, so a client that connects
        # when it appears finds the port open.
        self.log.banner(self.cfg["port"] or self.cfg["tls-port"])
        for warning in self.cfg.not_built_warnings():
            self.log.warning(warning)

    def _on_sighup(self):
        self.supervisor.reloading()
        self.log.notice("Received SIGHUP, reopening the log file.")
        try:
            self.log.reopen()
        except OSError as exc:
            self.log.warning(f"Failed to reopen the log file: {exc.strerror}")
        if self.cfg.loaded_from:
            self.reload_config()
        self.supervisor.reloaded()

    def reload_config(self):
        """SIGHUP: read the config file (and the command-line options after
        it) again and apply what changed, through CONFIG SET's path: every
        mutable parameter or none (a value refused, or a hook failing,
        restores them all). An unreadable or invalid file changes nothing.
        Parameters that only a restart changes are logged, not applied.
        Returns True when the running config matches the file's mutable
        parameters afterwards."""
        from rkvd.config import Config, ConfigError, reread
        cfg = self.cfg
        fresh = Config()
        fresh.logger, fresh.validate_user = self.log, cfg.validate_user
        fresh.command_names = cfg.command_names
        try:
            reread(cfg, fresh)
        except ConfigError as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            where = f" at line {exc.linenum}" if getattr(exc, "linenum", None) else ""
            self.log.warning(f"Config reload failed{where}: {reason}. "
                             "The running configuration is unchanged.")
            return False
        mutable, restart = cfg.reload_changes(fresh)
        for name, old, new in restart:
            if old is None:
                self.log.warning(f"Config reload: the {name} lines changed; they take effect "
                                 "after a restart.")
            else:
                self.log.warning(f"Config reload: {name} changed from {cfg.shown(name, old)} to "
                                 f"{cfg.shown(name, new)}; it takes effect after a restart.")
        if not mutable:
            self.log.notice("Config reload: no parameter changed.")
            return True
        try:
            cfg.config_set([(name, new) for name, _, new in mutable], local=True, trusted=True,
                           loading=bool(self.engine.loading or self.persistence.async_loading))
        except ConfigError as exc:
            self.log.warning(f"Config reload failed: {str(exc).rstrip('.')}. The running "
                             "configuration is unchanged.")
            return False
        for name, old, new in mutable:
            self.log.notice(f"Config reload: {name} changed from {cfg.shown(name, old)} to "
                            f"{cfg.shown(name, new)}.")
        return True


class _Serving:
    """A TCP listener started from inside the running loop: create_server is
    a coroutine, so the loop starts serving the socket on its next turn; it
    can be closed before or after that."""

    def __init__(self, loop, sock, protocol_factory, backlog, ssl=None):
        self.sock = sock
        tls = {} if ssl is None else {"ssl": ssl, "ssl_shutdown_timeout": SHUTDOWN_TIMEOUT}
        self.task = loop.create_task(loop.create_server(protocol_factory, sock=sock,
                                                        backlog=backlog, **tls))

    def close(self):
        if self.task.done():
            self.task.result().close()
        else:
            self.task.cancel()
            self.sock.close()


def _bind_hosts(binds):
    if isinstance(binds, str):
        binds = binds.split()
    out = []
    for b in binds:
        optional = b.startswith("-")
        host = b[1:] if optional else b
        if host == "*":
            host = "0.0.0.0"
        elif host == "::*":
            host = "::"
        out.append((host, optional))
    return out


def _bind_names(binds):
    if isinstance(binds, str):
        binds = binds.split()
    return [b[1:] if b.startswith("-") else b for b in binds]


def _make_listen_socket(host, port, backlog):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _set_proctitle(cfg):
    """Title like Redis's proc-title-template ("rkvd 127.0.0.1:6379"), unless
    set-proc-title is off."""
    if not cfg["set-proc-title"]:
        return
    import setproctitle
    title = expand_proc_title(cfg, title="rkvd")
    if title:
        setproctitle.setproctitle(title)


def run(cfg, supervisor=None):
    """Start the server with a parsed Config; returns the process exit code."""
    log = Logger(cfg)
    if supervisor is not None:
        supervisor.log = log
    log.starting()
    if cfg["dir"]:
        try:
            os.chdir(cfg["dir"])
        except OSError as exc:
            log.warning(f"Can't chdir to '{cfg['dir']}': {exc.strerror}")
            return 1
    import importlib

    from rkvd import info
    for modname in INIT_MODULES:
        importlib.import_module(modname)
    runtime = info.exclude_runtime()
    log.verbose(f"The interpreter and the server's code hold {runtime / (1024 * 1024):.2f}M, "
                "not counted in used_memory")
    server = Server(cfg, log, supervisor)
    return server.run()
