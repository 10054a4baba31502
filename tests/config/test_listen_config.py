"""CONFIG SET port / bind move the TCP listeners, as often as asked, and a
failure leaves the server listening where it was (the same replies as
redis-server 7.0.15).
"""

import socket

import pytest

import support
from support import RawConnection

PORT_ERROR = (b"-ERR CONFIG SET failed (possibly related to argument 'port') - "
              b"Unable to listen on this port. Check server logs.\r\n")
BIND_ERROR = (b"-ERR CONFIG SET failed (possibly related to argument 'bind') - "
              b"Failed to bind to specified addresses.\r\n")
UNASSIGNED = "192.0.2.1"           # TEST-NET-1: never an address of this host


def _refused(port):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def _ping(port):
    with RawConnection("127.0.0.1", port) as c:
        return c.command("PING")


def _moves(server):
    """CONFIG SET port twice, a port in use, a bind that fails, a bind that works."""
    seen = []
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    busy = blocker.getsockname()[1]
    try:
        port = server.port
        for _ in range(2):
            new = support.free_port()
            with RawConnection("127.0.0.1", port) as c:
                seen.append(c.command("CONFIG", "SET", "port", str(new)))
            seen.append((_ping(new), _refused(port)))
            port = new
        with RawConnection("127.0.0.1", port) as c:
            seen.append(c.command("CONFIG", "SET", "port", str(busy)))
            seen.append(c.command("CONFIG", "GET", "port") == b"*2\r\n$4\r\nport\r\n$%d\r\n%d\r\n"
                        % (len(str(port)), port))
            seen.append(c.command("CONFIG", "SET", "bind", UNASSIGNED))
            seen.append(c.command("CONFIG", "GET", "bind"))
            seen.append(c.command("CONFIG", "SET", "bind", "127.0.0.1 -::1"))
            seen.append(c.command("CONFIG", "GET", "bind"))
        seen.append(_ping(port))
    finally:
        blocker.close()
    return seen, port


def test_port_and_bind_moves(rkvd_factory):
    server = rkvd_factory()
    seen, port = _moves(server)
    assert seen == [
        b"+OK\r\n", (b"+PONG\r\n", True), b"+OK\r\n", (b"+PONG\r\n", True),
        PORT_ERROR, True,
        BIND_ERROR, b"*2\r\n$4\r\nbind\r\n$9\r\n127.0.0.1\r\n",
        b"+OK\r\n", b"*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n",
        b"+PONG\r\n"]
    with RawConnection("127.0.0.1", port) as c:
        assert c.command("CONFIG", "SET", "port", "0") == b"+OK\r\n"
    assert _refused(port)
    server.signal(15)
    assert server.wait(10) == 0


@pytest.mark.needs_redis
def test_same_replies_as_redis(server_pair):
    rkvd, redis = server_pair()
    ours, _ = _moves(rkvd)
    real, _ = _moves(redis)
    assert ours == real
