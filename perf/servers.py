#!/usr/bin/env python3
"""Start rkvd and redis-server side by side on free loopback ports.

Both servers get the same flags:

    --port P --bind 127.0.0.1 --save '' --appendonly no --logfile ''

rkvd is started as ``[sys.executable, '-m', 'rkvd', <flags>]`` from this
checkout (the repository root is put on PYTHONPATH), redis-server as
``['redis-server', <flags>]``. Each server runs in its own temporary working
directory, with its output captured to a log file there; both are removed on
stop.

Environment overrides (shell syntax, split with shlex):

    RKVD_PERF_CMD   command that starts the "rkvd" side. The flags above are
                    appended, unless the command contains ``{port}``, in which
                    case it is used as is with ``{port}`` substituted.
                    ``RKVD_PERF_CMD=redis-server`` gives a redis-vs-redis run:
                    every ratio should then be close to 1.0, and the spread
                    shows how noisy the machine is.
    REDIS_PERF_CMD  the same for the reference side (default ``redis-server``).

Used as a module by the other perf scripts; run directly it starts both
servers, prints their ports and pids, and keeps them up for --hold seconds
(or until Ctrl-C):

    python perf/servers.py --hold 300
"""
import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("rkvd", "redis")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class ServerError(RuntimeError):
    pass


class ReplyError(Exception):
    """An error reply (``-ERR ...``) from the server."""


# ---------------------------------------------------------------------------
# A tiny blocking RESP2 client: no HELLO, no CLIENT SETINFO, so it works
# against a server that implements only the commands being measured.
# ---------------------------------------------------------------------------
def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, (bytes, bytearray)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Resp:
    def __init__(self, port, host=HOST, timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        if self.pos > (1 << 20):
            del self.buf[: self.pos]
            self.pos = 0
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return line
            self._fill()

    def read(self):
        """One reply; error replies are returned (not raised) as ReplyError."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b":":
            return int(rest)
        if t == b"-":
            return ReplyError(rest.decode(errors="replace"))
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            v = bytes(self.buf[self.pos:self.pos + n])
            self.pos += n + 2
            return v
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        # RESP3 types are never requested (no HELLO); anything else is a bug.
        raise ConnectionError(f"unexpected reply line {line[:80]!r}")

    def call(self, *args):
        """Send one command; returns the reply, raises ReplyError on -ERR."""
        self.sock.sendall(encode(*args))
        r = self.read()
        if isinstance(r, ReplyError):
            raise r
        return r

    def pipeline(self, payloads):
        """Send pre-encoded commands in one write, read all replies.

        Returns (number of error replies, first error or None)."""
        self.sock.sendall(b"".join(payloads))
        errors, first = 0, None
        for _ in range(len(payloads)):
            r = self.read()
            if isinstance(r, ReplyError):
                errors += 1
                first = first or r
        return errors, first


def parse_info(text):
    out = {}
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    for line in (text or "").splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------
def free_port(exclude=()):
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port not in exclude:
            return port
    raise ServerError("could not find a free port")


def base_flags(port):
    return ["--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--logfile", ""]


def _from_env(var, default, port):
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default + base_flags(port)
    if "{port}" in raw:
        return shlex.split(raw.replace("{port}", str(port)))
    return shlex.split(raw) + base_flags(port)


def command_for(kind, port):
    if kind == "rkvd":
        return _from_env("RKVD_PERF_CMD", [sys.executable, "-m", "rkvd"], port)
    if kind == "redis":
        return _from_env("REDIS_PERF_CMD", ["redis-server"], port)
    raise ValueError(f"unknown server kind {kind!r}")


def cpu_seconds(pid):
    """(user, system) CPU seconds of a process (all its threads) from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick  # utime, stime (fields 14, 15)


def syscalls(pid):
    """(read, write) syscall counts from /proc/<pid>/io, or (None, None)."""
    try:
        io = {}
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                k, v = line.split(":")
                io[k] = int(v)
        return io["syscr"], io["syscw"]
    except (OSError, KeyError, ValueError):
        return None, None


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_SIZE


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


class Server:
    """One server process on a free loopback port.

    with Server("rkvd") as s:
        s.port, s.pid, s.call("PING")
    """

    def __init__(self, kind, port=None, start_timeout=30.0, extra_flags=()):
        self.kind = kind
        self.extra_flags = list(extra_flags)    # appended to both sides' flags
        self.fixed_port = port
        self.port = port
        self.start_timeout = start_timeout
        self.proc = None
        self.pid = None
        self.cmd = None
        self.workdir = None
        self.logpath = None
        self._log = None
        self.info = {}

    # -- lifecycle ---------------------------------------------------------
    def start(self, exclude_ports=()):
        last = None
        for _ in range(3):  # a port picked by free_port() can be taken meanwhile
            port = self.fixed_port or free_port(exclude_ports)
            try:
                self._start_on(port)
                return self
            except ServerError as e:
                last = e
                self._cleanup()
                if self.fixed_port:  # no point retrying on the same port
                    break
        raise last

    def _start_on(self, port):
        self.cmd = command_for(self.kind, port) + self.extra_flags
        if shutil.which(self.cmd[0]) is None and not os.path.exists(self.cmd[0]):
            raise ServerError(f"{self.kind}: command not found: {self.cmd[0]}")
        self.workdir = tempfile.mkdtemp(prefix=f"perf-{self.kind}-")
        self.logpath = os.path.join(self.workdir, "server.log")
        self._log = open(self.logpath, "wb")
        env = dict(os.environ)
        if os.path.isfile(os.path.join(REPO_ROOT, "rkvd", "__init__.py")):
            env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(self.cmd, cwd=self.workdir, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.port = port
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.kind} exited with status {self.proc.returncode} during startup "
                                  f"(command: {shlex.join(self.cmd)})\n{self.log_tail()}")
            try:
                with Resp(port, timeout=2.0) as c:
                    if c.call("PING") in (b"PONG", "PONG"):
                        try:
                            self.info = parse_info(c.call("INFO", "server"))
                        except (ReplyError, ConnectionError, OSError):
                            self.info = {}
                        break
            except (OSError, ConnectionError, ReplyError):
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"{self.kind} did not answer PING on port {port} within "
                                  f"{self.start_timeout:.0f}s\n{self.log_tail()}")
            time.sleep(0.05)
        # The pid to measure: INFO's process_id when it is our process or one
        # of its descendants (a wrapper command), else the process we started.
        self.pid = self.proc.pid
        try:
            ipid = int(self.info.get("process_id", "0"))
        except ValueError:
            ipid = 0
        if ipid and ipid != self.proc.pid:
            if not _is_descendant(ipid, self.proc.pid):
                # someone else's server grabbed the port before ours bound it
                raise ServerError(f"{self.kind}: port {port} answered by another process (pid {ipid})")
            self.pid = ipid
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._cleanup()

    def _cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- utilities ---------------------------------------------------------
    def log_tail(self, lines=15):
        try:
            with open(self.logpath, "rb") as f:
                data = f.read()[-8192:].decode(errors="replace")
            return "\n".join("    | " + ln for ln in data.splitlines()[-lines:])
        except (OSError, TypeError):
            return "    | (no log)"

    def client(self, timeout=60.0):
        return Resp(self.port, timeout=timeout)

    def call(self, *args):
        with self.client() as c:
            return c.call(*args)

    def flushall(self):
        """FLUSHALL; returns None, or the error (a server without FLUSHALL
        keeps its data, which the callers report rather than abort on)."""
        try:
            self.call("FLUSHALL")
            return None
        except (ReplyError, OSError, ConnectionError) as e:
            return e

    def describe(self):
        ver = self.info.get("redis_version", "?")
        return f"{self.kind}: port {self.port} pid {self.pid} redis_version {ver} cmd: {shlex.join(self.cmd or [])}"


def _is_descendant(pid, ancestor):
    try:
        for _ in range(64):
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == ancestor:
                return True
            if ppid <= 1:
                return False
            pid = ppid
    except (OSError, ValueError):
        return False
    return False


def interleaved_rounds(pair, names, rounds, run):
    """{name: {kind: [run(name, server), one per round]}}: each round runs
    every workload on both servers, their order flipping every round."""
    results = {n: {k: [] for k in KINDS} for n in names}
    for r in range(rounds):
        order = KINDS if r % 2 == 0 else tuple(reversed(KINDS))
        for name in names:
            for kind in order:
                results[name][kind].append(run(name, pair.servers[kind]))
    return results


class ServerPair:
    """Both servers, started together; a side that fails to start is reported
    (``errors[kind]``) and left out unless ``required``."""

    def __init__(self, kinds=KINDS, required=("redis",)):
        self.kinds = kinds
        self.required = required
        self.servers = {}
        self.errors = {}

    def __enter__(self):
        try:
            for kind in self.kinds:
                s = Server(kind)
                try:
                    s.start(exclude_ports={x.port for x in self.servers.values()})
                    self.servers[kind] = s
                except ServerError as e:
                    self.errors[kind] = str(e)
                    if kind in self.required:
                        raise
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for s in self.servers.values():
            s.stop()

    def __getitem__(self, kind):
        return self.servers[kind]

    def get(self, kind):
        return self.servers.get(kind)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hold", type=float, default=600.0, help="seconds to keep the servers up (default 600)")
    ap.add_argument("--only", choices=KINDS, help="start just one of the two")
    a = ap.parse_args()
    kinds = (a.only,) if a.only else KINDS
    with ServerPair(kinds, required=()) as pair:
        for kind in kinds:
            if kind in pair.servers:
                print(pair[kind].describe(), flush=True)
            else:
                print(f"{kind}: failed to start\n{pair.errors[kind]}", flush=True)
        if not pair.servers:
            return 1
        try:
            deadline = time.monotonic() + a.hold
            while time.monotonic() < deadline and all(s.alive() for s in pair.servers.values()):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
