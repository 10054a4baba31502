"""Failed-call accounting in INFO commandstats against redis-server: an
EXEC is not failed by the errors of the commands it ran, and a blocked
command ended by CLIENT UNBLOCK ... ERROR is a failed call."""
import re

import pytest

import support
from support import RawConnection, wait_until

pytestmark = pytest.mark.needs_redis


def _stats(conn):
    text = support.parse_reply(conn.command("INFO", "commandstats"))[1].decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"cmdstat_(\S+):calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)", line)
        if m:
            out[m.group(1)] = tuple(int(x) for x in m.groups()[1:])
    return out


def _play(server):
    with RawConnection(server.host, server.port) as c, RawConnection(server.host, server.port) as b:
        c.command("CONFIG", "RESETSTAT")
        c.command("SET", "s", "1")
        c.command("MULTI")
        c.command("LPUSH", "s", "x")            # WRONGTYPE when EXEC runs it
        c.command("INCR", "s")
        c.command("EXEC")
        bid = support.parse_reply(b.command("CLIENT", "ID"))[1]
        b.send_command("BLPOP", "nolist", "0")
        assert wait_until(lambda: b"blocked_clients:1" in c.command("INFO", "clients"), 5)
        c.command("CLIENT", "UNBLOCK", str(bid), "ERROR")
        reply = b.read_until_idle(0.3)[0]
        stats = _stats(c)
    return reply, {k: stats.get(k) for k in ("exec", "lpush", "incr", "blpop", "client|unblock")}


def test_failed_calls_as_redis(server_pair):
    a, b = server_pair()
    assert _play(a) == _play(b)
