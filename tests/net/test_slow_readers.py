"""Slow readers: a client that pipelines large replies and never reads.

With client-output-buffer-limit normal set, it is disconnected at the limit,
as by redis-server. Without a limit Redis lets its output grow without
bound; rkvd stops reading from that client while its output does not drain
(back-pressure), so the server's memory stays bounded and nothing is lost:
once the client reads, every reply arrives, in order.
"""
import socket
import time

import pytest

import support
from support import RawConnection, encode_command, info_sections, wait_until

pytestmark = pytest.mark.timeout(120)

VALUE = 100 * 1024


def _rss(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * 4096


def _flood(server, n):
    """A socket that has sent n GETs of the big value and reads nothing."""
    s = socket.create_connection((server.host, server.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.sendall(encode_command("GET", "big") * n)
    return s


def _closed_by_server(s, timeout):
    """Drain s until the server closes it (True) or timeout (False)."""
    s.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not s.recv(1 << 20):
                return True
        except TimeoutError:
            # not reading at all is what the test is about: read only after
            # the server had its chance to act
            continue
        except ConnectionResetError:
            return True
    return False


@pytest.mark.needs_redis
def test_output_limit_disconnects_like_redis(rkvd_factory, redis_factory):
    results = []
    rkvd = rkvd_factory()
    for server in (rkvd, redis_factory()):
        with RawConnection(server.host, server.port) as ctl:
            ctl.command("SET", "big", "x" * VALUE)
            assert ctl.command("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"+OK\r\n"
            s = _flood(server, 200)                     # 20 MB of replies
            time.sleep(1.0)
            results.append(_closed_by_server(s, 10))
            s.close()
            assert ctl.command("PING") == b"+PONG\r\n"
    assert results == [True, True]
    assert "scheduled to be closed ASAP for overcoming of output buffer limits" in rkvd.stdout()


def test_without_a_limit_reading_stops_and_nothing_is_lost(rkvd_factory):
    server = rkvd_factory()
    n = 2000                                            # 200 MB of replies
    with RawConnection(server.host, server.port) as ctl:
        ctl.command("SET", "big", "x" * VALUE)
        ctl.command("PING")
        before = _rss(server.pid)
        s = _flood(server, n)
        time.sleep(2.0)
        grown = _rss(server.pid) - before
        assert grown < 40 * 1024 * 1024, f"RSS grew by {grown} bytes for a client that does not read"
        assert ctl.command("PING") == b"+PONG\r\n"     # others are served meanwhile
        clients = info_sections(support.parse_reply(ctl.command("INFO", "clients"))[1].decode())
        assert clients["clients"]["connected_clients"] == "2"
        # the client reads at last: every reply, whole
        reply = b"$%d\r\n%s\r\n" % (VALUE, b"x" * VALUE)
        want = len(reply) * n
        got = 0
        s.settimeout(10)
        while got < want:
            chunk = s.recv(1 << 20)
            assert chunk, f"closed after {got} of {want} bytes"
            got += len(chunk)
        assert got == want
        s.close()
        assert wait_until(lambda: _rss(server.pid) < before + 40 * 1024 * 1024, 5)


def _client_field(ctl, name, field):
    listing = support.parse_reply(ctl.command("CLIENT", "LIST"))[1].decode()
    for line in listing.splitlines():
        if f" name={name} " in line:
            return int(line.split(f" {field}=")[1].split()[0])
    raise AssertionError(f"no client {name}")


def test_the_output_a_slow_reader_holds_is_what_is_counted(rkvd_factory):
    # A reply the socket takes only part of: what waits is what the client
    # counts (CLIENT LIST tot-mem, client eviction) and used_memory grows by
    # that, not by the whole reply (a transport keeps a partly sent object
    # whole; the remainder alone must be handed to it).
    server = rkvd_factory()
    size = 16 * 1024 * 1024
    with RawConnection(server.host, server.port) as ctl:
        ctl.command("SETRANGE", "big", str(size - 1), "x")
        s = socket.create_connection((server.host, server.port))
        s.sendall(encode_command("CLIENT", "SETNAME", "slow"))
        assert s.recv(16) == b"+OK\r\n"
        time.sleep(1.2)                     # used_memory follows glibc's figure each second

        def figures():
            used = info_sections(support.parse_reply(ctl.command("INFO", "memory"))[1].decode())
            return int(used["memory"]["used_memory"]), _client_field(ctl, "slow", "tot-mem")

        used0, tot0 = figures()
        s.sendall(encode_command("GET", "big"))
        assert wait_until(lambda: _client_field(ctl, "slow", "omem") > 0, 5)
        time.sleep(1.5)
        used1, tot1 = figures()
        s.close()
    held = tot1 - tot0
    assert size - held > 512 * 1024, "the socket took too little of the reply for this test"
    assert abs((used1 - used0) - held) < 256 * 1024, (used1 - used0, held)
