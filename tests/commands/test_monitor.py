"""MONITOR (engine/monitor.pyx) against redis-server: the same traffic must
show the same lines, timestamps and client ports aside, on a raw MONITOR
connection and through `redis-cli monitor`."""

import re
import shutil
import subprocess
import time

import pytest

from support import split_replies

LINE = re.compile(rb"^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)\r\n$", re.S)

TRAFFIC = [
    ["SET", "k", "v"],
    ["GET", "k"],
    ["SET", "q", b'quote" back\\slash \n\r\t\x07\x08 \x00\xff\x7f end'],
    ["SELECT", "3"],
    ["INCR", "n"],
    ["CONFIG", "GET", "maxmemory"],          # admin: never shown
    ["DEBUG", "SLEEP", "0"],                 # admin
    ["MULTI"],
    ["SET", "a", "1"],
    ["LPUSH", "l", "x"],
    ["EXEC"],
    ["AUTH", "secret"],                      # redacted, even when it fails
    ["AUTH", "user", "secret"],
    ["HELLO", "2", "AUTH", "default", "pw", "SETNAME", "me"],
    ["HELLO", "9", "AUTH", "default", "pw"],  # bad version: nothing parsed
    ["PUBLISH", "ch", "m"],
    ["PING"],
    ["NOSUCHCOMMAND", "x"],                  # refused before call(): not shown
    ["GET"],
    ["SELECT", "0"],
]


def _normalize(line, port):
    m = LINE.match(line)
    assert m, line
    addr = m.group(4)
    assert re.fullmatch(rb"127\.0\.0\.1:\d+", addr), addr
    return m.group(3) + b" " + m.group(5)


def _monitor_lines(server):
    with server.raw() as mon, server.raw() as c:
        assert mon.command("MONITOR") == b"+OK\r\n"
        for args in TRAFFIC:
            c.send_command(*args)
            c.read_reply()
        data, _ = mon.read_until_idle(0.3)
        # a MONITOR client is a replica to Redis: no keyspace access
        refused = mon.command("GET", "k")
        pinged = mon.command("PING")
        seen, _ = mon.read_until_idle(0.3)
    return [_normalize(ln, server.port) for ln in split_replies(data)], refused, pinged, seen


def test_monitor_lines_match_redis(rkvd, redis_ref):
    a = _monitor_lines(rkvd)
    b = _monitor_lines(redis_ref)
    assert a[0] == b[0], "\n".join(f"{x!r:70} {y!r}" for x, y in zip(a[0] + [b""] * 9, b[0]))
    assert a[1:3] == b[1:3]
    assert [_normalize(x, 0) for x in split_replies(a[3])] == [_normalize(x, 0) for x in split_replies(b[3])]
    assert b'3 "AUTH" "(redacted)"' in a[0] and b'3 "AUTH" "(redacted)" "(redacted)"' in a[0]


def test_monitor_timestamp_and_reset(rkvd):
    with rkvd.raw() as mon, rkvd.raw() as c:
        assert mon.command("MONITOR") == b"+OK\r\n"
        mon.send_command("MONITOR")            # again: no answer at all
        before = time.time()
        c.command("SET", "x", "1")
        line = mon.read_reply()
        sec = float(LINE.match(line).group(1) + b"." + LINE.match(line).group(2))
        assert before - 1 < sec < time.time() + 1
        listing = c.command("CLIENT", "LIST")
        assert re.search(rb"flags=O ", listing), listing
        assert mon.command("RESET") == b"+RESET\r\n"
        c.command("SET", "x", "2")
        assert mon.command("GET", "x") == b"$1\r\n2\r\n"
        with pytest.raises(TimeoutError):
            mon.read_reply(0.3)


def test_monitor_inside_exec_refused(differ):
    differ.run([["MULTI"], ["MONITOR"], ["EXEC"], ["PING"]])


def test_monitor_unix_socket(rkvd_factory, tmp_path):
    sock = str(tmp_path / "r.sock")
    s = rkvd_factory("--unixsocket", sock)
    from support import RawConnection
    with s.raw() as mon, RawConnection(None, 0, unix_path=sock) as c:
        mon.command("MONITOR")
        c.command("SET", "u", "1")
        assert re.fullmatch(rb"\+\d+\.\d{6} \[0 unix:" + re.escape(sock.encode()) + rb'\] "SET" "u" "1"\r\n',
                            mon.read_reply())


@pytest.mark.skipif(shutil.which("redis-cli") is None, reason="redis-cli not installed")
def test_redis_cli_monitor_same_lines(rkvd, redis_ref):
    out = []
    for server in (rkvd, redis_ref):
        p = subprocess.Popen(["redis-cli", "-p", str(server.port), "monitor"], stdout=subprocess.PIPE)
        try:
            time.sleep(0.5)
            with server.raw() as c:
                for args in TRAFFIC:
                    c.send_command(*args)
                    c.read_reply()
            time.sleep(0.5)
        finally:
            p.terminate()
            text = p.communicate(timeout=5)[0]
        lines = text.splitlines()
        assert lines[0] == b"OK"
        out.append([re.sub(rb"^\d+\.\d{6} \[(\d+) [^\]]+\]", rb"[\1]", ln) for ln in lines[1:]])
    assert out[0] == out[1]
    assert len(out[0]) > 10
