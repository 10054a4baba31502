"""SIGHUP re-reads the config file (rkvd's own: redis-server ignores the
signal). What changed is applied as CONFIG SET applies it, every mutable
parameter or none; an immutable one is logged as needing a restart; a file
that does not parse changes nothing; clients and keys stay.
"""
import signal
import socket

import pytest

from support import wait_until

pytestmark = pytest.mark.timeout(60)

BASE = "maxmemory 10mb\nmaxmemory-policy noeviction\nhz 10\n"


@pytest.fixture
def served(rkvd_factory, tmp_path):
    conf = tmp_path / "rkvd.conf"
    conf.write_text(BASE)
    server = rkvd_factory(config_file=conf)
    c = server.client()
    c.set("k", "v")
    c.execute_command("CLIENT", "SETNAME", "watcher")
    return server, c, conf


def hup(server, log_line):
    """SIGHUP, then wait for the reload's last log line."""
    seen = server.stdout().count(log_line)
    server.signal(signal.SIGHUP)
    assert wait_until(lambda: server.stdout().count(log_line) > seen, 5), server.stdout()[-2000:]


def test_mutable_changes_are_applied_and_logged(served):
    server, c, conf = served
    before_id = c.client_id()
    conf.write_text("maxmemory 20mb\nmaxmemory-policy allkeys-lru\nhz 10\n")
    hup(server, "Config reload: maxmemory-policy changed")
    assert c.config_get("maxmemory")["maxmemory"] == str(20 << 20)
    assert c.config_get("maxmemory-policy")["maxmemory-policy"] == "allkeys-lru"
    log = server.stdout()
    assert f"Config reload: maxmemory changed from '{10 << 20}' to '{20 << 20}'." in log
    assert "Config reload: maxmemory-policy changed from 'noeviction' to 'allkeys-lru'." in log
    assert "hz changed" not in log
    # the same connection, the same data
    assert c.client_id() == before_id and c.client_getname() == "watcher"
    assert c.get("k") == b"v"


def test_a_file_that_does_not_parse_changes_nothing(served):
    server, c, conf = served
    conf.write_text("maxmemory 20mb\nmaxmemory-policy bogus\n")
    hup(server, "The running configuration is unchanged.")
    assert "Config reload failed at line 2:" in server.stdout()
    assert c.config_get("maxmemory")["maxmemory"] == str(10 << 20)


def test_all_or_nothing_when_applying_fails(rkvd_factory, tmp_path):
    # the new port is taken: its hook fails after maxmemory was set, and
    # CONFIG SET's restore puts maxmemory back; the old port keeps serving
    conf = tmp_path / "rkvd.conf"
    server = rkvd_factory(config_file=conf, base_args=False, start=False)
    head = f'bind 127.0.0.1\nsave ""\nlogfile ""\ndir {tmp_path}\n'
    conf.write_text(head + f"port {server.port}\n" + BASE)
    server.start()
    c = server.client()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        conf.write_text(head + f"port {busy.getsockname()[1]}\n" + BASE.replace("10mb", "30mb"))
        hup(server, "The running configuration is unchanged.")
    assert "Config reload failed:" in server.stdout()
    assert c.config_get("maxmemory")["maxmemory"] == str(10 << 20)
    assert c.config_get("port")["port"] == str(server.port)
    assert c.ping()


def test_immutable_changes_wait_for_a_restart(served):
    server, c, conf = served
    conf.write_text(BASE.replace("hz 10", "hz 20") + "databases 4\n")
    hup(server, "Config reload: hz changed")
    log = server.stdout()
    assert "Config reload: databases changed from '16' to '4'; it takes effect after a restart." in log
    assert c.config_get("databases")["databases"] == "16"
    assert c.config_get("hz")["hz"] == "20"


def test_sensitive_values_are_not_logged(served):
    server, c, conf = served
    conf.write_text(BASE + "masterauth s3cret\n")
    hup(server, "Config reload: masterauth changed")
    assert "s3cret" not in server.stdout()
    assert c.config_get("masterauth")["masterauth"] == "s3cret"


def test_an_unchanged_file_is_a_no_op(served):
    server, c, _ = served
    hup(server, "Config reload: no parameter changed.")
    assert c.get("k") == b"v"
