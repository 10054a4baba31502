"""The process title follows proc-title-template, set-proc-title and the
listeners, as redis-server 7.0.15's does."""

import sys

import pytest

import support
from support import RawConnection

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _title(server):
    with open("/proc/%d/cmdline" % server.pid, "rb") as f:
        return f.read().replace(b"\0", b" ").strip().decode()


def test_title_follows_the_listeners(rkvd_factory):
    server = rkvd_factory()
    assert _title(server) == "rkvd 127.0.0.1:%d" % server.port
    new = support.free_port()
    with RawConnection(server.host, server.port) as c:
        assert c.command("CONFIG", "SET", "port", str(new)) == b"+OK\r\n"
    assert _title(server) == "rkvd 127.0.0.1:%d" % new


def test_set_proc_title_no_keeps_the_command_line(rkvd_factory):
    server = rkvd_factory("--set-proc-title", "no")
    title = _title(server)
    assert not title.startswith("rkvd ") and title.endswith(" --set-proc-title no"), title
