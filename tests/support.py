"""Shared test utilities: server processes, a raw RESP client and a differential runner.

Everything here talks to servers over plain sockets so that the exact bytes of
every reply can be compared between rkvd and a real redis-server.

* ``ServerProcess`` starts a server (rkvd or redis-server) on a free port in its
  own directory, waits until it answers, and stops it again.
* ``RawConnection`` sends raw bytes and reads exactly one complete RESP2/RESP3
  reply as raw bytes (``reply_end`` knows where a reply ends).
* ``Differ`` runs the same command sequence against two servers and asserts
  byte-identical replies, with a readable message when they differ.  Steps can
  relax the comparison (``near``, ``unordered``, ``shape``, ``masked``,
  ``scan_all`` ...) where timing or ordering legitimately differs.
"""
from __future__ import annotations

import atexit
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest
from hypothesis import Phase

REPO_ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
HAVE_REDIS = os.path.exists(REDIS_SERVER)
HOST = "127.0.0.1"
START_TIMEOUT = 20.0

# Settings (on top of the suite's hypothesis profile, tests/conftest.py) for
# hypothesis tests whose examples run against live servers: no example
# database (a saved example would replay against servers in another state)
# and no shrinking, where every attempt is a round trip to both servers,
# unless RKVD_TEST_SHRINK=1.  Use: @settings(max_examples=N, **DIFFERENTIAL).
DIFFERENTIAL = dict(
    database=None,
    phases=tuple(Phase) if os.environ.get("RKVD_TEST_SHRINK") == "1" else (Phase.explicit, Phase.generate))
REPLY_TIMEOUT = 5.0
# RKVD_TEST_TRACE=1 prints every differential step and its reply (use with -s).
TRACE = os.environ.get("RKVD_TEST_TRACE") == "1"


# ---------------------------------------------------------------------------
# Server processes
# ---------------------------------------------------------------------------

def rkvd_command() -> list[str]:
    """The argv prefix that starts the server under test.

    ``RKVD_TEST_SERVER_CMD`` overrides it (split like a shell would), which is
    how the suite is validated against redis-server itself.
    """
    override = os.environ.get("RKVD_TEST_SERVER_CMD", "").strip()
    if override:
        return shlex.split(override)
    return [sys.executable, "-m", "rkvd"]


def server_environment(cmd: Sequence[str]) -> dict:
    """os.environ, plus this checkout on PYTHONPATH when running ``python -m rkvd``."""
    env = dict(os.environ)
    if list(cmd[:3]) == [sys.executable, "-m", "rkvd"]:
        # Run the in-place build of this checkout.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


_LIVE: dict[int, ServerProcess] = {}


def _kill_leftovers() -> None:
    for server in list(_LIVE.values()):
        server.kill()


atexit.register(_kill_leftovers)


class ServerStartError(RuntimeError):
    pass


class ServerProcess:
    """One server process in its own directory, logging to files there.

    ``cmd`` is the argv prefix (e.g. ``[python, -m, rkvd]`` or
    ``[redis-server]``).  The standard test options are added unless
    ``base_args`` is false; ``extra_args`` come after them, so they override.
    A ``config_file`` is passed as the first argument, like redis-server wants.
    """

    def __init__(self, cmd: Sequence[str], name: str, directory: str | os.PathLike | None = None,
                 extra_args: Sequence[str] = (), config_file: str | os.PathLike | None = None,
                 base_args: bool = True, port: int | None = None, env: dict | None = None):
        self.cmd = list(cmd)
        self.name = name
        self._own_dir = directory is None
        self.dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix=f"{name}-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.extra_args = [str(a) for a in extra_args]
        self.config_file = str(config_file) if config_file else None
        self.base_args = base_args
        self.host = HOST
        self.port = port or free_port()
        self.env = env
        self.proc: subprocess.Popen | None = None
        self.stdout_path = self.dir / "stdout"
        self.stderr_path = self.dir / "stderr"
        self._clients: list = []

    # -- lifecycle -----------------------------------------------------------

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def argv(self) -> list[str]:
        argv = list(self.cmd)
        if self.config_file:
            argv.append(self.config_file)
        if self.base_args:
            argv += ["--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                     "--enable-debug-command", "yes", "--dir", str(self.dir), "--logfile", ""]
        return argv + self.extra_args

    def _environment(self) -> dict:
        env = server_environment(self.cmd)
        for name, value in (self.env or {}).items():
            if value is None:           # None removes the variable
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def spawn(self) -> ServerProcess:
        """Start the process without waiting for it to answer."""
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         cwd=str(self.dir), env=self._environment())
        _LIVE[id(self)] = self
        return self

    def start(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        """Start the process and wait until PING gets an answer."""
        self.spawn()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"{self.name} exited with status {self.proc.returncode} before answering PING\n"
                    + self.describe())
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    data = s.recv(1024)
                    if data[:1] in (b"+", b"-"):
                        return
                    last_error = f"unexpected answer {data!r}"
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.05)
        self.kill()
        raise ServerStartError(
            f"{self.name} did not answer PING on port {self.port} within {timeout}s ({last_error})\n"
            + self.describe())

    def restart(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        """Start again on the same port and directory (logs are appended)."""
        self.kill()
        return self.start(timeout)

    def exit_report(self) -> str:
        """Why the process is gone: exit status and the end of its output."""
        status = self.proc.poll() if self.proc else None
        if status is not None and status < 0:
            try:
                how = f"killed by {signal.Signals(-status).name}"
            except ValueError:
                how = f"killed by signal {-status}"
        else:
            how = f"exit status {status}"
        return (f"{self.name} (pid {self.pid}, port {self.port}) is no longer running: {how}\n"
                f"--- stdout (end) ---\n{self.stdout()[-4000:]}\n"
                f"--- stderr (end) ---\n{self.stderr()[-6000:]}")

    def stdout(self) -> str:
        try:
            return self.stdout_path.read_text(errors="replace")
        except OSError:
            return ""

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def describe(self) -> str:
        return (f"command: {shlex.join(self.argv())}\n"
                f"--- stdout ---\n{self.stdout()[-8000:]}\n--- stderr ---\n{self.stderr()[-8000:]}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait(self, timeout: float) -> int | None:
        """Wait for exit; the exit status, or None if it is still running."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.proc.pid, sig)

    def close_clients(self) -> None:
        """Close the redis-py clients made by ``client()``."""
        for client in self._clients:
            try:
                client.close()
            except Exception:
                pass
        self._clients.clear()

    def kill(self) -> None:
        """Stop the process for good (SIGKILL) and close our clients."""
        self.close_clients()
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        _LIVE.pop(id(self), None)

    def cleanup(self) -> None:
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- clients -------------------------------------------------------------

    def client(self, protocol: int = 2, db: int = 0, **kwargs):
        """A redis-py client (bytes replies) for this server."""
        import redis
        kwargs.setdefault("socket_timeout", 10)
        kwargs.setdefault("decode_responses", False)
        c = redis.Redis(host=self.host, port=self.port, db=db, protocol=protocol, **kwargs)
        self._clients.append(c)
        return c

    def raw(self, timeout: float = REPLY_TIMEOUT) -> RawConnection:
        return RawConnection(self.host, self.port, timeout)

    def __repr__(self) -> str:
        return f"<{self.name} pid={self.proc.pid if self.proc else None} port={self.port}>"


def start_rkvd(name: str = "rkvd", **kwargs) -> ServerProcess:
    return ServerProcess(rkvd_command(), name, **kwargs).start()


def start_redis(name: str = "redis", **kwargs) -> ServerProcess:
    return ServerProcess([REDIS_SERVER], name, **kwargs).start()


# ---------------------------------------------------------------------------
# RESP
# ---------------------------------------------------------------------------

_LINE_TYPES = frozenset(b"+-:_,#(")
_BLOB_TYPES = frozenset(b"$!=")
_AGG_TYPES = frozenset(b"*~>")
_PAIR_TYPES = frozenset(b"%|")


class RespFormatError(ValueError):
    pass


def reply_end(buf: bytes | bytearray, pos: int = 0) -> int | None:
    """Index just past the complete reply starting at ``pos``, or None if incomplete.

    Handles RESP2 and RESP3: simple types (+ - : _ , # ( ), blobs ($ ! =),
    aggregates (* ~ >), maps (%) and attributes (|, which precede the reply
    they annotate and so belong to it).
    """
    if pos >= len(buf):
        return None
    kind = buf[pos]
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return None
    nxt = nl + 2
    if kind in _LINE_TYPES:
        return nxt
    try:
        n = int(buf[pos + 1:nl])
    except ValueError:
        raise RespFormatError(f"bad length in {bytes(buf[pos:nl + 2])!r}") from None
    if kind in _BLOB_TYPES:
        if n < 0:
            return nxt
        end = nxt + n + 2
        return end if len(buf) >= end else None
    if kind in _AGG_TYPES or kind in _PAIR_TYPES:
        if n < 0:
            return nxt
        if kind in _PAIR_TYPES:
            n *= 2
        p = nxt
        for _ in range(n):
            p = reply_end(buf, p)
            if p is None:
                return None
        if kind == ord("|"):
            return reply_end(buf, p)
        return p
    raise RespFormatError(f"unknown reply type {bytes(buf[pos:pos + 1])!r} in {bytes(buf[pos:pos + 60])!r}")


def parse_reply(data: bytes) -> tuple:
    """Decode one raw reply into nested ``(type_char, value)`` tuples.

    Aggregates hold a list of children; maps and attributes a list of
    ``(key, value)`` pairs; blobs the payload bytes; numbers an int (``:``)
    or the raw text (``,`` and ``(``).
    """
    value, end = _parse(data, 0)
    if end != len(data):
        raise RespFormatError(f"trailing bytes after reply: {data[end:end + 40]!r}")
    return value


def _parse(buf: bytes, pos: int) -> tuple[tuple, int]:
    kind = chr(buf[pos])
    nl = buf.index(b"\r\n", pos)
    line = bytes(buf[pos + 1:nl])
    nxt = nl + 2
    if kind == ":":
        return (kind, int(line)), nxt
    if kind in "+-_,#(":
        return (kind, line), nxt
    n = int(line)
    if kind in "$!=":
        if n < 0:
            return (kind, None), nxt
        return (kind, bytes(buf[nxt:nxt + n])), nxt + n + 2
    if n < 0:
        return (kind, None), nxt
    items = []
    p = nxt
    if kind in "%|":
        for _ in range(n):
            k, p = _parse(buf, p)
            v, p = _parse(buf, p)
            items.append((k, v))
        if kind == "|":
            inner, p = _parse(buf, p)
            return ("|", (items, inner)), p
        return (kind, items), p
    for _ in range(n):
        v, p = _parse(buf, p)
        items.append(v)
    return (kind, items), p


def encode_command(*args) -> bytes:
    """RESP multibulk encoding of one command (str, bytes, int or float args)."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class ConnectionClosed(Exception):
    pass


class RawConnection:
    """A plain socket speaking RESP; replies are returned as raw bytes."""

    def __init__(self, host: str, port: int, timeout: float = REPLY_TIMEOUT, unix_path: str | None = None):
        self.timeout = timeout
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix_path)
        else:
            self.sock = socket.create_connection((host, port), timeout=timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_command(self, *args) -> None:
        self.sock.sendall(encode_command(*args))

    def _fill(self, deadline: float) -> bool:
        """Read more bytes; False on EOF.  Raises TimeoutError past the deadline."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete reply in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 20)
        except TimeoutError:
            raise TimeoutError("no complete reply in time") from None
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_reply(self, timeout: float | None = None) -> bytes:
        """Exactly one complete reply, as raw bytes.

        Raises ConnectionClosed on EOF before a complete reply and TimeoutError
        when nothing complete arrives in time.
        """
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            end = reply_end(self.buf)
            if end is not None:
                data = bytes(self.buf[:end])
                del self.buf[:end]
                return data
            if self.eof or not self._fill(deadline):
                raise ConnectionClosed(f"connection closed; pending bytes {bytes(self.buf[:200])!r}")

    def read_replies(self, count: int, timeout: float | None = None) -> list[bytes]:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        return [self.read_reply(max(0.001, deadline - time.monotonic())) for _ in range(count)]

    def command(self, *args, timeout: float | None = None) -> bytes:
        self.send_command(*args)
        return self.read_reply(timeout)

    def read_all_until_eof(self, timeout: float = REPLY_TIMEOUT) -> tuple[bytes, bool]:
        """Everything the server sends until it closes: (bytes, closed?)."""
        deadline = time.monotonic() + timeout
        try:
            while not self.eof and self._fill(deadline):
                pass
        except TimeoutError:
            pass
        data = bytes(self.buf)
        self.buf.clear()
        return data, self.eof

    def read_until_idle(self, idle: float = 0.15, limit: float = REPLY_TIMEOUT) -> tuple[bytes, bool]:
        """Read until the server stays quiet for ``idle`` seconds or closes."""
        hard = time.monotonic() + limit
        while not self.eof:
            deadline = min(hard, time.monotonic() + idle)
            try:
                if not self._fill(deadline):
                    break
            except TimeoutError:
                break
            if time.monotonic() >= hard:
                break
        data = bytes(self.buf)
        self.buf.clear()
        return data, self.eof

    def is_closed_by_peer(self, timeout: float = REPLY_TIMEOUT) -> bool:
        """True if the server closes the connection within ``timeout``."""
        _, closed = self.read_all_until_eof(timeout)
        return closed


def split_replies(data: bytes) -> list[bytes]:
    """Cut a byte string into complete replies (a trailing partial one is kept as is)."""
    out, pos = [], 0
    while pos < len(data):
        end = reply_end(data, pos)
        if end is None:
            out.append(data[pos:])
            break
        out.append(data[pos:end])
        pos = end
    return out


def is_unknown_command(reply: bytes) -> bool:
    return reply.startswith(b"-ERR unknown command") or reply.startswith(b"-ERR unknown subcommand")


# ---------------------------------------------------------------------------
# Differential runner
# ---------------------------------------------------------------------------

CLOSED = b"<connection closed>"
TIMEOUT = b"<no reply in time>"


def to_args(command) -> list:
    if isinstance(command, (str, bytes)):
        text = command.decode() if isinstance(command, bytes) else command
        return shlex.split(text)
    return list(command)


def _describe_args(args: Iterable) -> str:
    parts = []
    for a in args:
        if isinstance(a, bytes):
            a = a.decode("latin-1")
        a = str(a)
        if len(a) > 60:
            a = a[:40] + f"...<{len(a)} bytes>"
        parts.append(shlex.quote(a) if a else "''")
    return " ".join(parts)


def _show(reply: bytes, limit: int = 400) -> str:
    if len(reply) > limit:
        return repr(reply[:limit]) + f" ...<{len(reply)} bytes>"
    return repr(reply)


class Step:
    """One command of a differential sequence and how to compare its replies.

    ``compare(a, b)`` returns None when the replies match, else a reason.
    """

    label = "exact"

    def __init__(self, command, raw: bytes | None = None):
        self.args = to_args(command) if command is not None else []
        self.raw = raw

    def payload(self) -> bytes:
        return self.raw if self.raw is not None else encode_command(*self.args)

    def describe(self) -> str:
        if self.raw is not None:
            return f"raw {self.raw[:120]!r}"
        return _describe_args(self.args)

    def compare(self, a: bytes, b: bytes) -> str | None:
        return None if a == b else "replies differ"

    def run(self, differ: Differ) -> tuple[bytes, bytes]:
        data = self.payload()
        return differ.exchange(differ.conn_a, data), differ.exchange(differ.conn_b, data)


class Near(Step):
    """Integer replies within ``tol`` of each other (TTL, PTTL, IDLETIME ...)."""

    label = "near"

    def __init__(self, command, tol: int = 1):
        super().__init__(command)
        self.tol = tol

    def compare(self, a, b):
        if a == b:
            return None
        if a[:1] == b":" and b[:1] == b":":
            x, y = int(a[1:-2]), int(b[1:-2])
            if abs(x - y) <= self.tol and (x < 0) == (y < 0):
                return None
        return f"integers not within {self.tol}"


class Unordered(Step):
    """Top-level aggregate replies with the same elements in any order."""

    label = "unordered"

    def compare(self, a, b):
        if a == b:
            return None
        try:
            pa, pb = parse_reply(a), parse_reply(b)
        except (RespFormatError, ValueError, IndexError):
            return "unparsable reply"
        if pa[0] != pb[0] or not isinstance(pa[1], list) or not isinstance(pb[1], list):
            return "different reply types"
        if sorted(map(repr, pa[1])) != sorted(map(repr, pb[1])):
            return "different elements"
        return None


def reply_shape(value: tuple):
    kind, v = value
    if isinstance(v, list):
        return (kind, [reply_shape(x) if not isinstance(x, tuple) or len(x) != 2 or
                       not isinstance(x[0], tuple) else (reply_shape(x[0]), reply_shape(x[1]))
                       for x in v])
    return kind


class Shape(Step):
    """Same reply types and aggregate sizes; values may differ (TIME, CLIENT ID)."""

    label = "shape"

    def compare(self, a, b):
        try:
            sa, sb = reply_shape(parse_reply(a)), reply_shape(parse_reply(b))
        except (RespFormatError, ValueError, IndexError):
            return "unparsable reply" if a != b else None
        return None if sa == sb else f"shapes differ: {sa!r} vs {sb!r}"


class Masked(Step):
    """Replies equal after ``re.sub(pattern, repl)`` on both (e.g. hide a client id)."""

    label = "masked"

    def __init__(self, command, pattern: bytes, repl: bytes = b"<masked>"):
        super().__init__(command)
        self.pattern = re.compile(pattern)
        self.repl = repl

    def compare(self, a, b):
        ma, mb = self.pattern.sub(self.repl, a), self.pattern.sub(self.repl, b)
        return None if ma == mb else "replies differ after masking"


class Ignore(Step):
    """Send and read the reply but do not compare it (setup with varying output)."""

    label = "ignored"

    def compare(self, a, b):
        return None


class Check(Step):
    """Compare with a custom predicate ``fn(a, b) -> reason or None``."""

    label = "custom"

    def __init__(self, command, fn: Callable[[bytes, bytes], str | None]):
        super().__init__(command)
        self.fn = fn

    def compare(self, a, b):
        return self.fn(a, b)


class ScanAll(Step):
    """Iterate a SCAN-family cursor to the end on each server; compare the element sets.

    ``command`` holds everything but the cursor, which goes at ``cursor_index``
    (1 for SCAN, 2 for SSCAN/HSCAN/ZSCAN).
    """

    label = "scan-all"

    def __init__(self, command, cursor_index: int = 1, max_calls: int = 100000):
        super().__init__(command)
        self.cursor_index = cursor_index
        self.max_calls = max_calls

    def describe(self):
        args = list(self.args)
        args.insert(self.cursor_index, "<cursor>")
        return _describe_args(args) + "  (iterated to the end)"

    def _collect(self, differ, conn) -> bytes:
        cursor = b"0"
        seen = set()
        for _ in range(self.max_calls):
            args = list(self.args)
            args.insert(self.cursor_index, cursor)
            reply = differ.exchange(conn, encode_command(*args))
            if reply[:1] != b"*":
                return reply
            kind, (cur, elems) = parse_reply(reply)
            for e in elems[1]:
                seen.add(e[1])
            cursor = cur[1]
            if cursor == b"0":
                break
        else:
            return b"<cursor never returned to 0>"
        return b"SET:" + repr(sorted(seen)).encode()

    def run(self, differ):
        return self._collect(differ, differ.conn_a), self._collect(differ, differ.conn_b)


class Reconnect(Step):
    """Open fresh connections on both sides (and SELECT the test db again)."""

    label = "reconnect"

    def __init__(self, select: bool = True):
        super().__init__(None)
        self.select = select

    def describe(self):
        return "<reconnect>"

    def run(self, differ):
        differ.reconnect(self.select)
        return b"", b""


class Sleep(Step):
    """Wait on the client side (e.g. to let a key expire)."""

    label = "sleep"

    def __init__(self, seconds: float):
        super().__init__(None)
        self.seconds = seconds

    def describe(self):
        return f"<sleep {self.seconds}s>"

    def run(self, differ):
        time.sleep(self.seconds)
        return b"", b""


# Short constructors used by the tables.
def near(command, tol: int = 1) -> Near:
    return Near(command, tol)


def unordered(command) -> Unordered:
    return Unordered(command)


def shape(command) -> Shape:
    return Shape(command)


def masked(command, pattern: bytes, repl: bytes = b"<masked>") -> Masked:
    return Masked(command, pattern, repl)


def ignore(command) -> Ignore:
    return Ignore(command)


def raw(data: bytes) -> Step:
    return Step(None, raw=data)


def scan_all(command, cursor_index: int = 1) -> ScanAll:
    return ScanAll(command, cursor_index)


def case(case_id: str, *steps, needs: Sequence[str] = (), marks=()):
    """A pytest parameter holding one command sequence.

    ``needs`` names commands the sequence uses only as set-up (e.g. LPUSH to
    make a list for a WRONGTYPE check), for :meth:`Differ.require`: the test
    is a strict xfail while one of them is listed as not built yet.
    """
    return pytest.param(list(steps), tuple(needs), id=case_id, marks=marks)


def _running_test() -> pytest.Item:
    """The test item whose function is running, found on the call stack
    (pytest passes it to the frames that call the test function)."""
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("pyfuncitem", "item"):
            item = frame.f_locals.get(name)
            if isinstance(item, pytest.Item):
                return item
        frame = frame.f_back
    raise RuntimeError("no running pytest test on the call stack")


class Differ:
    """Run command sequences on two servers and insist on identical replies.

    Side ``a`` is the server under test (rkvd), side ``b`` the reference.
    Both connections start on database ``db`` (9 by default).
    """

    def __init__(self, server_a: ServerProcess, server_b: ServerProcess, db: int | None = 9,
                 timeout: float = REPLY_TIMEOUT, names: tuple[str, str] = ("rkvd", "redis")):
        self.server_a = server_a
        self.server_b = server_b
        self.db = db
        self.timeout = timeout
        self.names = names
        self.history: list[str] = []
        self._a_is_rkvd: bool | None = None
        self.conn_a: RawConnection | None = None
        self.conn_b: RawConnection | None = None
        self.reconnect(True)

    # -- connections -----------------------------------------------------------

    def reconnect(self, select: bool = True) -> None:
        self.close()
        self.conn_a = self.server_a.raw(self.timeout)
        self.conn_b = self.server_b.raw(self.timeout)
        if select and self.db is not None:
            for conn, name in ((self.conn_a, self.names[0]), (self.conn_b, self.names[1])):
                reply = conn.command("SELECT", self.db)
                assert reply == b"+OK\r\n", f"SELECT {self.db} failed on {name}: {reply!r}"

    def close(self) -> None:
        for conn in (self.conn_a, self.conn_b):
            if conn is not None:
                conn.close()
        self.conn_a = self.conn_b = None

    def exchange(self, conn: RawConnection, data: bytes) -> bytes:
        """Send ``data`` and read one reply; markers for a closed or silent peer."""
        if conn.eof:
            return CLOSED
        try:
            if data:
                conn.send(data)
            return conn.read_reply(self.timeout)
        except ConnectionClosed:
            return CLOSED
        except (BrokenPipeError, ConnectionResetError):
            conn.eof = True
            return CLOSED
        except TimeoutError:
            return TIMEOUT

    # -- requirements ------------------------------------------------------------

    def missing_commands(self, names: Iterable[str]) -> list[str]:
        """Commands (e.g. "LPUSH" or "OBJECT FREQ") side ``a`` does not know."""
        missing = []
        for name in names:
            with self.server_a.raw(self.timeout) as conn:
                reply = conn.command(*name.split())
            if is_unknown_command(reply):
                missing.append(name)
        return missing

    def a_is_rkvd(self) -> bool:
        """Whether side ``a`` is rkvd (and not, say, redis-server checking the tests)."""
        if self._a_is_rkvd is None:
            with self.server_a.raw(self.timeout) as conn:
                self._a_is_rkvd = b"\nrkvd_version:" in conn.command("INFO", "server")
        return self._a_is_rkvd

    def require(self, *names: str) -> None:
        """Declare commands the running test needs (e.g. "LPUSH", "OBJECT FREQ").

        On rkvd, a command still listed in rkvd.commandspec.UNBUILT makes the
        test a strict xfail: it runs and fails at that command, and it turns
        into a failure once the command works while still listed. A command
        the server does not know and the list does not name fails the test.
        """
        unbuilt = []
        if self.a_is_rkvd():
            from rkvd.commandspec.unbuilt import UNBUILT
            unbuilt = [n for n in names if n.split()[0].lower() in UNBUILT]
        if unbuilt:
            _running_test().add_marker(pytest.mark.xfail(
                strict=True, reason=f"{', '.join(unbuilt)} not built yet (rkvd.commandspec.UNBUILT)"))
        missing = self.missing_commands(n for n in names if n not in unbuilt)
        if missing:
            pytest.fail(f"{self.names[0]} does not know {', '.join(missing)}, and "
                        "rkvd.commandspec.UNBUILT does not list it", pytrace=False)

    # -- running -------------------------------------------------------------------

    def step(self, step) -> tuple[bytes, bytes]:
        if not isinstance(step, Step):
            step = Step(step)
        a, b = step.run(self)
        reason = step.compare(a, b)
        self.history.append(step.describe())
        if TRACE:
            print(f"{step.describe()[:100]}\n    -> {_show(a, 200)}"
                  + ("" if a == b else f"\n    ref {_show(b, 200)}"))
        if reason is not None:
            self.fail(step, a, b, reason)
        return a, b

    def run(self, steps: Iterable) -> list[tuple[bytes, bytes]]:
        return [self.step(s) for s in steps]

    def fail(self, step: Step, a: bytes, b: bytes, reason: str) -> None:
        n = len(self.history)
        lines = [f"{reason} ({step.label} comparison) at step {n}: {step.describe()}",
                 f"  {self.names[0]:>6}: {_show(a)}",
                 f"  {self.names[1]:>6}: {_show(b)}"]
        if n > 1:
            lines.append("  steps before it:")
            start = max(0, n - 16)
            for i in range(start, n - 1):
                lines.append(f"    {i + 1}. {self.history[i]}")
        pytest.fail("\n".join(lines), pytrace=False)

def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def wait_for(fn: Callable[[], object], timeout: float = 10.0, what: str = "condition"):
    """fn()'s first true value, polled until `timeout` seconds; a test
    failure naming `what` when none came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def info_sections(text: str) -> dict[str, dict[str, str]]:
    """Parse INFO output into {section_name_lower: {field: value}}."""
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            current = line[1:].strip().lower()
            sections.setdefault(current, {})
            continue
        if current is None or ":" not in line:
            continue
        key, _, value = line.partition(":")
        sections[current][key] = value
    return sections


# ------------------------------------------------------------ checkouts --

# Build output a fresh clone never has.
_NOT_IN_A_CLONE = {".git", ".venv", "build", "__pycache__", ".hypothesis", ".benchmarks",
                   ".pytest_cache"}
_BUILD_SUFFIXES = (".so", ".c", ".html", ".pyc")


def _source_files(root: Path):
    """Relative paths of what a clone of `root` holds (tracked and new files)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, capture_output=True, check=True).stdout
        return [Path(p) for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames
                           if d not in _NOT_IN_A_CLONE and not d.endswith(".egg-info")]
            files += [Path(dirpath, f).relative_to(root) for f in filenames
                      if not f.endswith(_BUILD_SUFFIXES)]
        return files


def clone_checkout(dest: Path) -> Path:
    """Copy what a fresh clone of this checkout holds (tracked and new files,
    no build output) to ``dest``; returns ``dest``."""
    for rel in _source_files(REPO_ROOT):
        src = REPO_ROOT / rel
        if src.is_file():               # skips files deleted but not yet committed
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest
