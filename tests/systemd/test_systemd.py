"""systemd supervision (rkvd/systemd): the sd_notify handshake, as systemd sees it.

Each test opens the datagram socket systemd would (NOTIFY_SOCKET), starts a
real server and reads what it announces. The start and stop sequences are
compared with redis-server 7.0.15's; SIGHUP, which redis-server ignores, is
rkvd's own (log reopening, announced with RELOADING=1 ... READY=1).
"""
import signal
import socket

import pytest

from support import RawConnection

pytestmark = pytest.mark.timeout(60)

START = [b"STATUS=Redis is loading...\n", b"STATUS=Ready to accept connections\n", b"READY=1\n"]


class NotifySocket:
    """The receiving end of sd_notify, bound in a temporary directory."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def env(self):
        return {"NOTIFY_SOCKET": self.path}

    def read(self, n, timeout=10.0):
        """The next `n` datagrams (fails the test if they do not come)."""
        self.sock.settimeout(timeout)
        out = []
        for _ in range(n):
            try:
                out.append(self.sock.recv(4096))
            except TimeoutError:
                pytest.fail(f"expected {n} notifications, got {out}")
        return out

    def pending(self, timeout=0.5):
        """Whatever else arrives within `timeout` seconds."""
        self.sock.settimeout(timeout)
        out = []
        try:
            while True:
                out.append(self.sock.recv(4096))
        except TimeoutError:
            return out

    def close(self):
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path):
    ns = NotifySocket(tmp_path / "notify")
    yield ns
    ns.close()


def _life_cycle(factory, notify_socket, *args):
    """Start, wait for READY=1, PING, SIGTERM; the datagrams of each phase."""
    server = factory(*args, env=notify_socket.env(), start=False)
    server.spawn()
    start = notify_socket.read(3)
    # READY=1 means connections are accepted from now on.
    with RawConnection(server.host, server.port) as c:
        assert c.command("PING") == b"+PONG\r\n"
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0, server.describe()
    return server, start, notify_socket.pending()


@pytest.mark.parametrize("mode", ["systemd", "auto"])
def test_start_and_stop_notifications(rkvd_factory, notify_socket, mode):
    server, start, stop = _life_cycle(rkvd_factory, notify_socket, "--supervised", mode)
    assert start == START
    assert stop == [b"STOPPING=1\n"]
    out = server.stdout()
    assert "Supervised by systemd. Please make sure you set appropriate values for " \
           "TimeoutStartSec and TimeoutStopSec in your service unit." in out
    # Logged before the start-up banner, as redis-server does.
    assert out.index("Supervised by systemd") < out.index("Redis is starting")


@pytest.mark.needs_redis
def test_same_sequence_as_redis(rkvd_factory, redis_factory, tmp_path):
    seen = {}
    for name, factory in (("rkvd", rkvd_factory), ("redis", redis_factory)):
        ns = NotifySocket(tmp_path / f"notify-{name}")
        try:
            _, start, stop = _life_cycle(factory, ns, "--supervised", "systemd")
        finally:
            ns.close()
        seen[name] = start + stop
    assert seen["rkvd"] == seen["redis"]


def test_reload_is_announced(rkvd_factory, notify_socket):
    server = rkvd_factory("--supervised", "systemd", env=notify_socket.env(), start=False)
    server.spawn()
    assert notify_socket.read(3) == START
    server.signal(signal.SIGHUP)
    reload = notify_socket.read(4)
    first = reload[0].decode().splitlines()
    assert first[0] == "RELOADING=1"
    # What Type=notify-reload units require with RELOADING=1.
    assert first[1].startswith("MONOTONIC_USEC=") and int(first[1].split("=")[1]) > 0
    assert reload[1].startswith(b"STATUS=")
    assert reload[2:] == START[1:]
    with RawConnection(server.host, server.port) as c:
        assert c.command("PING") == b"+PONG\r\n"
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0, server.describe()
    assert notify_socket.pending() == [b"STOPPING=1\n"]


def test_not_supervised_sends_nothing(rkvd_factory, notify_socket):
    # `supervised no` (the default) ignores NOTIFY_SOCKET, as redis-server does.
    server = rkvd_factory(env=notify_socket.env())
    with RawConnection(server.host, server.port) as c:
        assert c.command("PING") == b"+PONG\r\n"
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0
    assert notify_socket.pending() == []


@pytest.mark.parametrize("factory_name", ["rkvd_factory", "redis_factory"])
def test_systemd_without_socket_logs_errors(request, factory_name):
    # Asked for systemd supervision with no NOTIFY_SOCKET: each notification
    # is logged as failed and the server runs on.
    factory = request.getfixturevalue(factory_name)
    server = factory("--supervised", "systemd", env={"NOTIFY_SOCKET": None})
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0
    lines = [line for line in server.stdout().splitlines()
             if "systemd supervision error: NOTIFY_SOCKET not found!" in line]
    # loading, ready status, READY=1, STOPPING=1
    assert len(lines) == 4, server.stdout()


@pytest.mark.parametrize("factory_name", ["rkvd_factory", "redis_factory"])
def test_relative_socket_path_is_refused(request, factory_name):
    factory = request.getfixturevalue(factory_name)
    server = factory("--supervised", "systemd", env={"NOTIFY_SOCKET": "notify"})
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0
    assert server.stdout().count("systemd supervision error: sd_notify: -22") == 4


def test_daemonize_is_ignored_when_supervised(rkvd_factory, notify_socket):
    # A supervised server stays in the foreground: systemd tracks its PID.
    server, start, stop = _life_cycle(rkvd_factory, notify_socket,
                                      "--supervised", "systemd", "--daemonize", "yes")
    assert start == START and stop == [b"STOPPING=1\n"]
