"""An rkvd (or redis-server) process for a test run: start on a free
loopback port, wait for the first reply, reset between tests, restart
after a crash, and hand out redis-py clients.

The rkvd command is started the way rkvd.cli would re-execute itself
(PYTHONMALLOC=malloc, the same package root), so the interpreter starts
once, not twice.
"""
from __future__ import annotations

import atexit
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["RkvdProcess", "ServerStartError", "free_port"]

HOST = "127.0.0.1"
START_TIMEOUT = 20.0

_LIVE = {}


def _kill_leftovers():
    for server in list(_LIVE.values()):
        server.stop()


atexit.register(_kill_leftovers)


class ServerStartError(RuntimeError):
    """The server did not answer; the message holds the end of its log."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rkvd_command():
    """argv prefix and environment that start this installation's rkvd with
    no re-exec (the state rkvd.cli.main re-executes into)."""
    from rkvd import cli
    env = dict(os.environ)
    env["PYTHONMALLOC"] = "malloc"
    return [sys.executable, "-c", cli._BOOT, cli.package_root(), sys.executable], env


def _directives(path):
    """The directive names a config file sets (lower case)."""
    if not path:
        return set()
    names = set()
    with open(path, errors="replace") as f:
        for line in f:
            words = line.split(None, 1)
            if words and not words[0].startswith("#"):
                names.add(words[0].lower())
    return names


def _is_unknown_command(exc):
    text = str(exc).lower()
    return "unknown command" in text or "unknown subcommand" in text


class RkvdProcess:
    """A server process. ``config`` is a dict of directives (``{"maxmemory":
    "10mb"}``), ``config_file`` a redis.conf read first, ``server_cmd`` the
    command (a string or list) to run instead of rkvd, e.g. "redis-server".
    """

    def __init__(self, config=None, config_file=None, server_cmd=None, directory=None,
                 unix_socket=False, name="rkvd", start=True):
        self.config = dict(config or {})
        self.config_file = os.path.abspath(config_file) if config_file else None
        self.server_cmd = shlex.split(server_cmd) if isinstance(server_cmd, str) else server_cmd
        self.name = name
        self._own_dir = directory is None
        self.dir = directory or tempfile.mkdtemp(prefix="rkvd-test-")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, f"{name}.log")
        self.output_path = os.path.join(self.dir, f"{name}.out")
        self.unix_path = os.path.join(self.dir, f"{name}.sock") if unix_socket else None
        self.host = HOST
        self.port = None
        self.proc = None
        self.starts = 0
        self._control = None
        self._baseline = None
        if start:
            self.start()

    # ------------------------------------------------------------ addresses

    @property
    def url(self):
        if self.unix_path:
            return f"unix://{self.unix_path}"
        return f"redis://{self.host}:{self.port}"

    def client(self, **kwargs):
        """A redis.Redis on this server (kwargs as redis.Redis's)."""
        import redis
        return redis.Redis(**self._connect_kwargs(kwargs))

    def async_client(self, **kwargs):
        """A redis.asyncio.Redis on this server; connects in the test's loop."""
        import redis.asyncio
        return redis.asyncio.Redis(**self._connect_kwargs(kwargs))

    def _connect_kwargs(self, kwargs):
        kwargs = dict(kwargs)
        if self.unix_path:
            kwargs.setdefault("unix_socket_path", self.unix_path)
        else:
            kwargs.setdefault("host", self.host)
            kwargs.setdefault("port", self.port)
        return kwargs

    # ------------------------------------------------------------ life cycle

    def argv(self):
        if self.server_cmd:
            cmd, env = list(self.server_cmd), dict(os.environ)
        else:
            cmd, env = rkvd_command()
        args = [self.config_file] if self.config_file else []
        args += ["--port", str(self.port), "--bind", self.host, "--dir", self.dir,
                 "--logfile", self.log_path, "--daemonize", "no", "--pidfile", ""]
        if self.unix_path:
            args += ["--unixsocket", self.unix_path]
        # no snapshots or AOF unless the file or the config asks for them
        named = _directives(self.config_file) | {str(k).lower() for k in self.config}
        if "save" not in named:
            args += ["--save", ""]
        if "appendonly" not in named:
            args += ["--appendonly", "no"]
        for name, value in self.config.items():
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            args += ["--" + str(name)] + [str(v) for v in values]
        return cmd + args, env

    def start(self, timeout=START_TIMEOUT):
        """Start and wait for the first reply; a port taken meanwhile is
        retried on another one."""
        keep_port = self.port is not None
        for _attempt in range(3):
            if not keep_port:
                self.port = free_port()
            self._spawn()
            try:
                self._wait_ready(timeout)
            except ServerStartError:
                log = self.log_text()
                self.stop()
                if not keep_port and "Address already in use" in log:
                    continue
                raise
            self.starts += 1
            self._baseline = None
            self.baseline_config()      # before any test can change it
            return self
        raise ServerStartError(f"{self.name}: no free port after 3 attempts")

    def _spawn(self):
        argv, env = self.argv()
        with open(self.output_path, "ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         cwd=self.dir, env=env)
        _LIVE[id(self)] = self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(f"{self.name} exited with status {self.proc.returncode} before "
                                       f"answering\n{self.describe()}")
            try:
                with self._raw_socket() as s:
                    s.sendall(b"PING\r\n")
                    data = s.recv(64)
                if data.startswith(b"+PONG"):
                    return
                last = f"answer {data!r}"          # -LOADING: wait for it
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.002)
        raise ServerStartError(f"{self.name} did not answer PING on {self.url} within {timeout}s "
                               f"({last})\n{self.describe()}")

    def _raw_socket(self):
        if self.unix_path:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address = self.unix_path
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (self.host, self.port)
        s.settimeout(1.0)
        try:
            s.connect(address)
        except OSError:
            s.close()
            raise
        return s

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, kill=False):
        """Stop the process (SIGTERM, then SIGKILL; at once with kill=True)
        and close the control client."""
        self._close_control()
        proc, self.proc = self.proc, None
        _LIVE.pop(id(self), None)
        if proc is None or proc.poll() is not None:
            return
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def restart(self, timeout=START_TIMEOUT):
        """Start again on the same port and directory (the log goes on)."""
        self.stop()
        return self.start(timeout)

    def close(self):
        self.stop()
        if self._own_dir:
            import shutil
            shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ what happened

    def log_text(self, tail=200):
        """The last `tail` lines of the server's log and output."""
        lines = []
        for path in (self.log_path, self.output_path):
            try:
                with open(path, errors="replace") as f:
                    lines += f.read().splitlines()
            except OSError:
                pass
        return "\n".join(lines[-tail:])

    def exit_status(self):
        """How the process ended ("killed by SIGKILL", "exit status 1"), or None."""
        status = self.proc.poll() if self.proc else None
        if status is None:
            return None
        if status < 0:
            import signal
            try:
                return f"killed by {signal.Signals(-status).name}"
            except ValueError:
                return f"killed by signal {-status}"
        return f"exit status {status}"

    def describe(self):
        return f"{self.name} {self.url} ({self.exit_status() or 'running'}); log:\n{self.log_text(40)}"

    # ------------------------------------------------------------ isolation

    def _control_client(self):
        if self._control is None:
            self._control = self.client(protocol=2, socket_timeout=10, decode_responses=True,
                                        client_name="rkvd-pytest-control")
        return self._control

    def _close_control(self):
        if self._control is not None:
            try:
                self._control.close()
            except Exception:   # a dead server: nothing to close cleanly
                pass
            self._control = None

    def baseline_config(self):
        """CONFIG GET * as it was right after start (what reset() restores)."""
        if self._baseline is None:
            self._baseline = self._control_client().config_get("*")
        return self._baseline

    def reset(self):
        """Return the server to its state after start: no keys, no other
        clients (so no names, subscriptions, MULTI or blocked commands), no
        scripts or functions, stats reset, CONFIG SET changes undone.
        Tolerates servers without SCRIPT or FUNCTION."""
        import redis
        control = self._control_client()
        baseline = self.baseline_config()
        pipe = control.pipeline(transaction=False)
        pipe.execute_command("CLIENT", "UNPAUSE")       # or FLUSHALL would wait
        for kind in ("normal", "pubsub", "replica"):    # MONITOR connections are replicas
            pipe.execute_command("CLIENT", "KILL", "TYPE", kind, "SKIPME", "yes")
        pipe.execute_command("FLUSHALL")
        pipe.execute_command("SCRIPT", "FLUSH")
        pipe.execute_command("FUNCTION", "FLUSH")
        pipe.execute_command("INFO", "commandstats")
        pipe.execute_command("CONFIG", "RESETSTAT")
        replies = pipe.execute(raise_on_error=False)
        for reply in replies[:-2]:
            if isinstance(reply, redis.ResponseError) and not _is_unknown_command(reply):
                raise reply
        stats = replies[-2]
        if isinstance(stats, Exception):
            raise stats
        if "cmdstat_config|set" in stats:
            self._restore_config(control, baseline)
            control.execute_command("CONFIG", "RESETSTAT")

    def _restore_config(self, control, baseline):
        import redis
        current = control.config_get("*")
        changed = {k: v for k, v in baseline.items() if current.get(k) != v}
        if not changed:
            return
        try:
            control.execute_command("CONFIG", "SET", *[x for kv in changed.items() for x in kv])
        except redis.ResponseError:
            for name, value in changed.items():     # one by one: say which one failed
                try:
                    control.execute_command("CONFIG", "SET", name, value)
                except redis.ResponseError as exc:
                    raise RuntimeError(f"{self.name}: cannot restore {name}={value!r} after the test: "
                                       f"{exc}") from None

    def check(self):
        """Restart the server if it died or stopped answering; returns the
        log text of the dead one (for the report), or None."""
        if self.alive():
            try:
                with self._raw_socket() as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith((b"+PONG", b"-LOADING")):
                        return None
            except OSError:
                pass
        log = self.describe()
        self.stop(kill=True)            # dead, or alive but not answering
        self.start()
        return log

    def __repr__(self):
        return f"<RkvdProcess {self.name} {self.url}{'' if self.alive() else ' stopped'}>"
