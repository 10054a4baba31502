"""The engine inside the test process: a daemon thread with its own uvloop
event loop, listening on a loopback port (or a unix socket) that ordinary
redis-py clients connect to.

One engine per process: the command table and a few engine fields are
C-level globals (rkvd._core.server), so a second engine built beside a
running one would take over its table. InProcessServer refuses to start
while another runs; several independent "servers" share the one engine
through database blocks (rkvd.testing.fake).

What cannot be right inside a threaded test process is refused with an
error that says why, never run wrongly:
* fork (BGSAVE, BGREWRITEAOF, save points, appendonly yes, a replica's
  SYNC/PSYNC): forking a
  process with threads copies only the forking thread;
* files relative to the working directory (SAVE, DEBUG RELOAD/LOADAOF,
  CONFIG SET dir): the server would write into the test's directory;
* leaving the process (SHUTDOWN, DEBUG SEGFAULT/RESTART);
* maxmemory: the used-memory counter needs the daemon's PYTHONMALLOC=malloc
  start (rkvd.cli), so eviction would never see the limit;
* signals: none are installed, and the test process keeps its own.
The subprocess server (rkvd.testing.process, the rkvd_server fixture) does
all of these.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import threading

from rkvd.server import Server, _make_listen_socket

__all__ = ["InProcessServer", "InProcessError"]


class InProcessError(RuntimeError):
    """The in-process server cannot do what was asked (see the module doc)."""


_SUBPROCESS_HINT = "use the rkvd_server fixture or rkvd.testing.RkvdProcess (a subprocess) for it"

# command -> why the in-process server refuses it (its error reply)
_REFUSED_COMMANDS = {
    "bgsave": "BGSAVE forks, and the in-process rkvd server runs in a threaded test process",
    "bgrewriteaof": "BGREWRITEAOF forks, and the in-process rkvd server runs in a threaded test process",
    "save": "SAVE writes into the test process's working directory on the in-process rkvd server",
    "shutdown": "SHUTDOWN would stop the test process's in-process rkvd server; close() it instead",
    "sync": "a replica's full sync forks, and the in-process rkvd server runs in a threaded test process",
    "psync": "a replica's full sync forks, and the in-process rkvd server runs in a threaded test process",
    "replicaof": "a replica's full sync writes the RDB into the test process's working directory",
    "slaveof": "a replica's full sync writes the RDB into the test process's working directory",
}
_REFUSED_DEBUG = {
    "segfault": "DEBUG SEGFAULT would crash the test process",
    "restart": "DEBUG RESTART cannot restart the in-process rkvd server",
    "crash-and-recover": "DEBUG CRASH-AND-RECOVER cannot restart the in-process rkvd server",
    "reload": "DEBUG RELOAD writes into the test process's working directory",
    "loadaof": "DEBUG LOADAOF reads the test process's working directory",
}


def refused_setting(name, value):
    """Why the in-process server refuses `name value` (str or bytes), or None."""
    name = _text(name).lower()
    value = _text(value).strip().lower()
    if name == "dir":
        return "dir would change the test process's working directory"
    if name == "appendonly" and value in ("yes", "1", "true"):
        return "appendonly yes forks an AOF rewrite, and the test process has threads"
    if name == "save" and value not in ("", '""', "''"):
        return "save points fork BGSAVE, and the test process has threads"
    if name == "maxmemory" and value.strip("0kmgb") != "":
        return ("maxmemory needs the daemon's used-memory counter, which only a server started "
                "by the rkvd command has")
    if name in ("replicaof", "slaveof") and value not in ("", "no one"):
        return "a replica's full sync writes the RDB into the test process's working directory"
    if name in ("port", "bind", "unixsocket"):
        return "the in-process server keeps the address its clients were given"
    if name in ("daemonize", "supervised") and value not in ("no", "0", "false", "auto"):
        return f"{name} would detach or notify from the test process"
    return None


def _text(v):
    return v.decode("utf-8", "replace") if isinstance(v, (bytes, bytearray)) else str(v)


class _EngineServer(Server):
    """rkvd.server.Server with the handlers that must not run in-process
    replaced by refusals, and no crash handler (the test process owns its
    signals)."""

    def command_handlers(self):
        handlers = super().command_handlers()
        for name, why in _REFUSED_COMMANDS.items():
            if name in handlers:
                handlers[name] = _refusal(why)
        handlers["debug"] = _guard_debug(handlers["debug"])
        handlers["config|set"] = _guard_config_set(handlers["config|set"])
        return handlers

    def _apply_crash_log(self, cfg=None):
        pass


def _refusal(why):
    message = f"ERR {why}: {_SUBPROCESS_HINT}"

    def refuse(c, args):
        c.reply_error(message)
    return refuse


def _guard_debug(debug):
    def guarded(c, args):
        why = _REFUSED_DEBUG.get(_text(args[1]).lower()) if len(args) > 1 else None
        if why:
            c.reply_error(f"ERR {why}: {_SUBPROCESS_HINT}")
        else:
            debug(c, args)
    return guarded


def _guard_config_set(config_set):
    def guarded(c, args):
        for name, value in zip(args[2::2], args[3::2]):
            why = refused_setting(name, value)
            if why:
                c.reply_error(f"ERR CONFIG SET {_text(name)}: {why}: {_SUBPROCESS_HINT}")
                return
        config_set(c, args)
    return guarded


def _close_live():
    # at exit: stop serving before the interpreter tears the thread's loop down
    server = _live
    if server is not None:
        server.close()


atexit.register(_close_live)

# InProcessServer.shared(): 64 FakeServer blocks of 16 databases
SHARED_CONFIG = {"databases": 1024}

_live_lock = threading.Lock()
_live = None            # the running InProcessServer, if any
_shared = None          # the one InProcessServer.shared() hands out


class InProcessServer:
    """The rkvd engine on a thread of this process.

    ``InProcessServer(config={"databases": 64}, unix_socket=False)`` starts
    it at once (about 10 ms after the first import); ``url``, ``host``,
    ``port`` and ``unix_path`` say where it listens, ``client()`` and
    ``async_client()`` make redis-py clients, ``close()`` stops it.
    Raises InProcessError for a setting it refuses or when another
    in-process server runs (use ``InProcessServer.shared()``).
    """

    def __init__(self, config=None, unix_socket=False):
        from rkvd.config import Config, ConfigFileError, parse_command_line
        from rkvd.log import Logger

        config = dict(config or {})
        for name, value in config.items():
            why = refused_setting(name, value)
            if why:
                raise InProcessError(f"the in-process rkvd server refuses {name}={value!r}: {why}; "
                                     + _SUBPROCESS_HINT)
        self._dir = tempfile.mkdtemp(prefix="rkvd-inprocess-")
        self.log_path = os.path.join(self._dir, "rkvd.log")
        self.unix_path = os.path.join(self._dir, "rkvd.sock") if unix_socket else None
        self.host = "127.0.0.1"
        self._thread = None
        self.loop = None
        self.closed = False
        global _live
        with _live_lock:
            if _live is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                raise InProcessError("an in-process rkvd server already runs in this process (the "
                                     "engine's command table is process-wide): share it through "
                                     "InProcessServer.shared() or FakeServer(), or close() it first")
            _live = self
        try:
            # the port is bound here and handed to the loop: no race for it
            self._sock = _make_listen_socket(self.host, 0, 511)
            self.port = self._sock.getsockname()[1]
            argv = ["--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no",
                    "--logfile", self.log_path, "--set-proc-title", "no", "--crash-log-enabled", "no",
                    "--enable-debug-command", "yes"]
            for name, value in config.items():
                argv += ["--" + str(name)] + (list(value) if isinstance(value, (list, tuple)) else [str(value)])
            cfg = Config()
            cfg.logger = Logger(cfg)
            try:
                parse_command_line(argv, cfg)
            except ConfigFileError as exc:
                raise InProcessError(exc.fatal_text().decode("utf-8", "replace").strip()) from None
            self.config = cfg
            self.server = _EngineServer(cfg)
            self._start()
        except BaseException:
            self._release()
            raise

    # ------------------------------------------------------------ life cycle

    @classmethod
    def shared(cls):
        """The process's one in-process server, started on first use with
        SHARED_CONFIG (the databases FakeServer blocks need)."""
        global _shared
        with _live_lock:
            server = _shared
        if server is None or server.closed:
            server = _shared = cls(config=SHARED_CONFIG)
        return server

    def _start(self):
        started = threading.Event()
        failure = []

        def serve():
            loop = None
            try:
                import uvloop
                loop = uvloop.new_event_loop()
                asyncio.set_event_loop(loop)
                srv = self.server
                srv.loop = srv.engine.loop = loop
                self.loop = loop
                backlog = self.config["tcp-backlog"]
                srv.listeners.append(("tcp", loop.run_until_complete(
                    loop.create_server(srv.engine.new_client, sock=self._sock, backlog=backlog))))
                if self.unix_path:
                    srv.listeners.append(loop.run_until_complete(srv._listen_unix(self.unix_path, 0)))
                if srv.info_state is not None:
                    srv.info_state.server_ready()
                loop.call_later(1.0 / srv.engine.hz, srv._cron)
            except BaseException as exc:
                failure.append(exc)
                started.set()
                if loop is not None:
                    loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=serve, name="rkvd-inprocess", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            raise InProcessError(f"the in-process rkvd server did not start: {failure[0]!r}") from failure[0]

    def close(self):
        """Stop serving, close every connection and free the engine (then
        another in-process server may start)."""
        if self.closed:
            return
        self.closed = True
        loop = self.loop
        if loop is not None and self._thread is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(self._stop_in_loop)
            self._thread.join(10)
        self._release()

    def _stop_in_loop(self):
        srv = self.server
        srv.shutdown_requested = "close"        # the cron chain ends
        for _kind, listener in srv.listeners:
            listener.close()
        for c in list(srv.engine.clients.values()):
            try:
                c.close()
            except Exception as exc:    # stop all the same, but say so in the log
                srv.log.warning(f"Error closing client {c.id}: {exc!r}")
        self.loop.stop()

    def _release(self):
        global _live
        with _live_lock:
            if _live is self:
                _live = None
        sock = getattr(self, "_sock", None)
        if sock is not None:
            sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ clients

    @property
    def url(self):
        return f"redis://{self.host}:{self.port}"

    def client(self, **kwargs):
        """A redis.Redis connected to this server (kwargs as redis.Redis's)."""
        import redis
        return redis.Redis(**self._connect_kwargs(kwargs))

    def async_client(self, **kwargs):
        """A redis.asyncio.Redis connected to this server."""
        import redis.asyncio
        return redis.asyncio.Redis(**self._connect_kwargs(kwargs))

    def _connect_kwargs(self, kwargs):
        kwargs = dict(kwargs)
        if self.unix_path and kwargs.pop("unix_socket", True):
            kwargs.setdefault("unix_socket_path", self.unix_path)
        else:
            kwargs.pop("unix_socket", None)
            kwargs.setdefault("host", self.host)
            kwargs.setdefault("port", self.port)
        return kwargs

    def log_text(self):
        """The server's log so far."""
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def __repr__(self):
        return f"<InProcessServer {self.url}{' closed' if self.closed else ''}>"
