"""MIGRATE (Redis's cluster.c): move keys to another server as RESTORE
commands carrying DUMP payloads.

As in Redis the command blocks the event loop while it talks to the target:
the connection is a plain non-blocking socket driven with poll() and the
command's timeout (Redis's syncio: each write of up to 64 KB and each byte
of a reply line within the timeout). Connections are cached per
"host:port" as given (at most 64; one idle for more than 10 s is closed by
the cron), remembering the database last selected on the target. A socket
error retries once on a fresh connection unless it was a timeout, or a key
may already have moved.

The keyspace side (lookups, payloads, deleting the moved keys and
propagating them as one DEL) is rkvd/_core/persist/migrate.pyx.
"""

import errno
import random
import select
import socket
import time

from rkvd.commands.common import SYNTAX_ERROR, cstr, lower
from rkvd.strutil import string2ll

CACHE_ITEMS = 64          # Redis's MIGRATE_SOCKET_CACHE_ITEMS
CACHE_TTL = 10            # seconds idle before the cron closes a connection
WRITE_CHUNK = 64 * 1024
LINE_MAX = 1023           # a reply line is read into a 1024-byte buffer
NOT_INTEGER = "value is not an integer or out of range"


class _IOError(Exception):
    """A socket operation failed; timed_out as errno == ETIMEDOUT in Redis."""

    def __init__(self, timed_out):
        super().__init__()
        self.timed_out = timed_out


def _atoi(b):
    """C atoi: optional blanks and sign, then digits up to the first other byte."""
    s = bytes(b).lstrip(b" \t\n\v\f\r")
    sign = 1
    if s[:1] in (b"+", b"-"):
        sign = -1 if s[:1] == b"-" else 1
        s = s[1:]
    n = 0
    for ch in s:
        if not 48 <= ch <= 57:
            break
        n = n * 10 + ch - 48
    return sign * n


class _Conn:
    """A connection to a target, in Redis's blocking style over a
    non-blocking socket."""

    def __init__(self, sock):
        self.sock = sock
        self.pollers = {}       # events -> a poll object for the socket
        self.last_dbid = -1
        self.last_use = int(time.time())
        self.rbuf = b""         # bytes read past the last line

    @classmethod
    def connect(cls, host, port, timeout_ms):
        """Resolve and start a non-blocking connect to the first address that
        takes it, then wait up to the timeout for it to become writable. As
        Redis does, a connect that is still pending or has failed by then is
        not an error yet: the first write finds out. None when no address
        could even start a connection."""
        try:
            infos = socket.getaddrinfo(host, str(port), socket.AF_UNSPEC, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        for family, kind, proto, _name, addr in infos:
            try:
                sock = socket.socket(family, kind, proto)
            except OSError:
                continue
            sock.setblocking(False)
            err = sock.connect_ex(addr)
            if err in (0, errno.EINPROGRESS):
                _wait_once(sock, select.POLLOUT, timeout_ms)
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                return cls(sock)
            sock.close()
        return None

    def close(self):
        self.sock.close()

    def write(self, data, timeout_ms):
        """Write all of data within timeout_ms (Redis's syncWrite)."""
        view = memoryview(data)
        start = _mstime()
        while True:
            try:
                n = self.sock.send(view)
                view = view[n:]
            except BlockingIOError:
                pass
            except OSError:
                raise _IOError(False) from None
            if not view:
                return
            elapsed = _mstime() - start
            self._wait(select.POLLOUT, max(timeout_ms - elapsed, 10))
            if _mstime() - start >= timeout_ms:
                raise _IOError(True)

    def _wait(self, events, timeout_ms):
        p = self.pollers.get(events)
        if p is None:
            p = self.pollers[events] = select.poll()
            p.register(self.sock, events)
        try:
            p.poll(min(timeout_ms, 2**31 - 1))
        except InterruptedError:
            pass

    def read_line(self, timeout_ms):
        """A reply line without its CR LF, cut at LINE_MAX bytes (the rest
        stays for the next read), each byte arriving within timeout_ms
        (Redis's syncReadLine). An empty line counts as a failure."""
        while True:
            nl = self.rbuf.find(b"\n", 0, LINE_MAX + 1)
            if nl >= 0:
                line, self.rbuf = self.rbuf[:nl], self.rbuf[nl + 1:]
                if not line:
                    raise _IOError(False)
                return line[:-1] if line.endswith(b"\r") else line
            if len(self.rbuf) >= LINE_MAX:
                line, self.rbuf = self.rbuf[:LINE_MAX], self.rbuf[LINE_MAX:]
                return line
            self.rbuf += self._recv(timeout_ms)

    def _recv(self, timeout_ms):
        start = _mstime()
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                data = None
            except OSError:
                raise _IOError(False) from None
            if data is not None:
                if not data:
                    raise _IOError(False)       # the target closed the connection
                return data
            elapsed = _mstime() - start
            self._wait(select.POLLIN, max(timeout_ms - elapsed, 10))
            if _mstime() - start >= timeout_ms:
                raise _IOError(True)


def _mstime():
    return time.monotonic_ns() // 1000000


def _wait_once(sock, events, timeout_ms):
    p = select.poll()
    p.register(sock, events)
    try:
        p.poll(min(timeout_ms, 2**31 - 1))
    except InterruptedError:
        pass


def _bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


def _command(*args):
    return b"*%d\r\n" % len(args) + b"".join(_bulk(a) for a in args)


class Migrate:
    def __init__(self, server):
        self.server = server
        self.cache = {}             # b"host:port" -> _Conn

    # ------------------------------------------------------------ the cache

    def get_conn(self, host, port, timeout_ms):
        name = host + b":" + port
        conn = self.cache.get(name)
        if conn is not None:
            conn.last_use = int(time.time())
            return conn
        if len(self.cache) >= CACHE_ITEMS:
            victim = random.choice(list(self.cache))
            self.cache.pop(victim).close()
        conn = _Conn.connect(cstr(host).decode("latin-1"), _atoi(cstr(port)), timeout_ms)
        if conn is None:
            return None
        self.cache[name] = conn
        return conn

    def close_conn(self, host, port):
        conn = self.cache.pop(host + b":" + port, None)
        if conn is not None:
            conn.close()

    def cron(self):
        """Close the connections idle for more than CACHE_TTL seconds."""
        now = int(time.time())
        for name, conn in list(self.cache.items()):
            if now - conn.last_use > CACHE_TTL:
                del self.cache[name]
                conn.close()

    # ------------------------------------------------------------ the command

    def migrate(self, c, args):
        from rkvd._core.persist.migrate import migrate_delete, migrate_payloads, migrate_present
        copy = replace = False
        username = password = None
        first_key, num_keys = 3, 1
        j = 6
        while j < len(args):
            more = len(args) - 1 - j
            opt = lower(args[j])
            if opt == "copy":
                copy = True
            elif opt == "replace":
                replace = True
            elif opt == "auth":
                if not more:
                    c.reply_error(SYNTAX_ERROR)
                    return
                j += 1
                password = cstr(args[j])
            elif opt == "auth2":
                if more < 2:
                    c.reply_error(SYNTAX_ERROR)
                    return
                username, password = cstr(args[j + 1]), cstr(args[j + 2])
                j += 2
            elif opt == "keys":
                if len(args[3]) != 0:
                    c.reply_error("When using MIGRATE KEYS option, the key argument must be "
                                  "set to the empty string")
                    return
                first_key = j + 1
                num_keys = len(args) - j - 1
                break
            else:
                c.reply_error(SYNTAX_ERROR)
                return
            j += 1
        timeout = string2ll(args[5])
        if timeout is None:
            c.reply_error(NOT_INTEGER)
            return
        dbid = string2ll(args[4])
        if dbid is None:
            c.reply_error(NOT_INTEGER)
            return
        if timeout <= 0:
            timeout = 1000

        keys = migrate_present(c, [bytes(k) for k in args[first_key:first_key + num_keys]])
        if not keys:
            c.reply_raw(b"+NOKEY\r\n")
            return
        flags = self._dump_flags()
        host, port = bytes(args[1]), bytes(args[2])
        may_retry = True
        while True:
            conn = self.get_conn(host, port, timeout)
            if conn is None:
                c.reply_error(b"-IOERR error or timeout connecting to the client")
                return
            outcome = self._transfer(c, conn, host, port, keys, dbid, timeout, flags, copy,
                                     replace, username, password, may_retry,
                                     migrate_payloads, migrate_delete)
            if outcome is None:
                return
            write_error, timed_out, socket_closed = outcome
            if not socket_closed:
                self.close_conn(host, port)
            if not timed_out and may_retry:
                may_retry = False
                continue
            c.reply_error(b"-IOERR error or timeout %s to target instance"
                          % (b"writing" if write_error else b"reading"))
            return

    def _transfer(self, c, conn, host, port, keys, dbid, timeout, flags, copy, replace,
                  username, password, may_retry, migrate_payloads, migrate_delete):
        """One attempt. None when the client has its reply; otherwise the
        socket failure: (write_error, timed_out, socket already closed)."""
        cmd = []
        if password is not None:
            cmd.append(_command(b"AUTH", username, password) if username is not None
                       else _command(b"AUTH", password))
        select_db = conn.last_dbid != dbid
        if select_db:
            cmd.append(_command(b"SELECT", str(dbid).encode()))
        moving = migrate_payloads(c, keys, flags)
        for key, ttl, payload in moving:
            args = [b"RESTORE", key, str(ttl).encode(), payload]
            if replace:
                args.append(b"REPLACE")
            cmd.append(_command(*args))
        buf = b"".join(cmd)
        try:
            for pos in range(0, len(buf), WRITE_CHUNK):
                conn.write(buf[pos:pos + WRITE_CHUNK], timeout)
        except _IOError as exc:
            return (True, exc.timed_out, False)
        try:
            auth_reply = conn.read_line(timeout) if password is not None else b""
            select_reply = conn.read_line(timeout) if select_db else b""
        except _IOError as exc:
            return (False, exc.timed_out, False)

        target_error = None
        socket_error = None
        acked = []
        done = 0
        for key, _ttl, _payload in moving:
            try:
                reply = conn.read_line(timeout)
            except _IOError as exc:
                socket_error = exc
                break
            done += 1
            if auth_reply[:1] == b"-" or select_reply[:1] == b"-" or reply[:1] == b"-":
                if target_error is None:
                    conn.last_dbid = -1
                    if auth_reply[:1] == b"-":
                        target_error = auth_reply
                    elif select_reply[:1] == b"-":
                        target_error = select_reply
                    else:
                        target_error = reply
                    # the reply is read into a C string: it ends at a NUL
                    c.reply_error(b"Target instance replied with error: "
                                  + target_error[1:].split(b"\0", 1)[0])
            elif not copy:
                acked.append(key)

        if (target_error is None and socket_error is not None and done == 0 and may_retry
                and not socket_error.timed_out):
            # nothing reached the target's keyspace for sure: a fresh try
            return (False, False, False)
        if socket_error is not None:
            self.close_conn(host, port)
        if acked:
            migrate_delete(c, acked)
        if target_error is None and socket_error is not None:
            # some keys may have moved: never retried
            return (False, True, True)
        if target_error is None:
            conn.last_dbid = dbid
            c.reply_ok()
        return None

    def _dump_flags(self):
        from rkvd._core.persist.rdb_save import RDB_SAVE_COMPRESS
        return RDB_SAVE_COMPRESS if self.server.cfg["rdbcompression"] else 0


def handlers(server):
    m = Migrate(server)
    server.migrate = m
    server.cron_hooks.append(m.cron)
    return {"migrate": m.migrate}
