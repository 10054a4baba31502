"""The per-client reply buffer resizes as Redis 7.0's does: an idle client's
shrinks to 1 KB, a client whose replies fill it grows back to 16 KB, with
the peak reset period of DEBUG REPLYBUFFER, the INFO counters and CLIENT
LIST's rbs/rbp. Both servers run the same steps; the sizes Redis reports
are allocator sizes (jemalloc rounds up), so they are compared by range.
"""
import re

import pytest

import support
from support import RawConnection, info_sections, wait_until

pytestmark = pytest.mark.needs_redis


def _client_field(ctl, name, field):
    text = support.parse_reply(ctl.command("CLIENT", "LIST"))[1].decode()
    line = next(line for line in text.splitlines() if f" name={name} " in line)
    return int(re.search(rf" {field}=(\d+)", line).group(1))


def _stats(ctl):
    stats = info_sections(support.parse_reply(ctl.command("INFO", "stats"))[1].decode())["stats"]
    return int(stats["reply_buffer_shrinks"]), int(stats["reply_buffer_expands"])


def _steps(server):
    """What a test of Redis's (unit/replybufsize) checks, as observations."""
    seen = {}
    with RawConnection(server.host, server.port) as ctl, \
            RawConnection(server.host, server.port) as tc:
        assert ctl.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "100") == b"+OK\r\n"
        tc.command("CLIENT", "SETNAME", "tc")
        seen["shrunk"] = wait_until(lambda: 1024 <= _client_field(ctl, "tc", "rbs") < 2046, 5)
        seen["shrinks"] = _stats(ctl)[0] > 0
        ctl.command("SET", "big", "x" * 32768)
        ctl.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "never")

        def grown():
            tc.command("GET", "big")
            return 16384 <= _client_field(ctl, "tc", "rbs") < 32768

        seen["grown"] = wait_until(grown, 5)
        seen["expands"] = _stats(ctl)[1] > 0
        # resizing off: a shrunk-then-grown buffer stays where it is
        ctl.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "reset")
        ctl.command("DEBUG", "REPLYBUFFER", "RESIZING", "0")
        size = _client_field(ctl, "tc", "rbs")
        ctl.command("CONFIG", "RESETSTAT")
        tc.command("PING")
        seen["frozen"] = not wait_until(lambda: _client_field(ctl, "tc", "rbs") != size, 1.5)
        seen["no counts"] = _stats(ctl) == (0, 0)
        ctl.command("DEBUG", "REPLYBUFFER", "RESIZING", "1")
        seen["errors"] = [ctl.command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "x"),
                          ctl.command("DEBUG", "REPLYBUFFER", "SIZE", "1")]
    return seen


def test_reply_buffer_resizes_as_in_redis(server_pair):
    rkvd, redis = server_pair("--enable-debug-command", "yes")
    a, b = _steps(rkvd), _steps(redis)
    assert a == b
    assert a["shrunk"] and a["grown"] and a["frozen"]


def test_idle_clients_give_their_reply_buffer_back(rkvd_factory):
    """A thousand clients that each got a reply: once idle, their buffers go
    (used_memory drops by more than 10 KB a client)."""
    server = rkvd_factory()
    n = 1000
    with RawConnection(server.host, server.port) as ctl:
        socks = [RawConnection(server.host, server.port) for _ in range(n)]
        try:
            for s in socks:
                assert s.command("PING") == b"+PONG\r\n"
            used = lambda: int(info_sections(support.parse_reply(
                ctl.command("INFO", "memory"))[1].decode())["memory"]["used_memory"])
            busy = used()
            assert wait_until(lambda: used() < busy - 10_000 * n, 5), f"{busy} -> {used()}"
        finally:
            for s in socks:
                s.close()
