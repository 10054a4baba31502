"""Protected mode, rename-command and the protected commands (MODULE behind
enable-module-command), against redis-server 7.0.15."""

import socket

import pytest
from acl_support import raw_both

from support import RawConnection

pytestmark = pytest.mark.needs_redis


def _outside_address():
    """An address of this host that is not loopback, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))         # no packet is sent
        ip = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if ip.startswith("127.") else ip


def _first_reply(host, port):
    with RawConnection(host, port) as r:
        r.send_command("PING")
        data, closed = r.read_all_until_eof()
    return data, closed


def test_protected_mode_denies_outside_clients(server_pair):
    ip = _outside_address()
    if ip is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    a, b = server_pair("--bind", "127.0.0.1 " + ip)
    got = [_first_reply(ip, s.port) for s in (a, b)]
    assert got[0] == got[1]
    assert got[0][0].startswith(b"-DENIED Redis is running in protected mode") and got[0][1]
    # loopback clients are served, and a password lifts the restriction
    assert raw_both(a, b, ["PING"], ["INFO", "nosuchsection"])
    for s in (a, b):
        s.client().config_set("requirepass", "pw")
    got = [_first_reply(ip, s.port) for s in (a, b)]
    assert got[0] == got[1] == (b"-NOAUTH Authentication required.\r\n", True) or \
        got[0][0] == got[1][0] == b"-NOAUTH Authentication required.\r\n"
    for s in (a, b):
        s.client(password="pw").config_set("protected-mode", "no")
        s.client(password="pw").config_set("requirepass", "")
    with RawConnection(ip, a.port) as r:
        assert r.command("PING") == b"+PONG\r\n"


def test_rename_command(rkvd_factory, redis_factory, tmp_path):
    conf = tmp_path / "rename.conf"
    conf.write_text('rename-command flushall ""\nrename-command get fetch\nrename-command config cfg\n')
    a, b = rkvd_factory(config_file=str(conf)), redis_factory(config_file=str(conf))
    assert raw_both(a, b, ["SET", "k", "v"], ["GET", "k"], ["FETCH", "k"], ["fetch", "k", "x"],
                    ["FLUSHALL"], ["CFG", "GET", "maxclients"], ["CONFIG", "GET", "maxclients"],
                    ["ACL", "SETUSER", "u", "on", "nopass", "+get", "~*"],
                    ["ACL", "SETUSER", "u2", "+fetch"], ["AUTH", "u", "x"], ["FETCH", "k"],
                    ["CFG", "GET", "maxclients"])


@pytest.mark.parametrize("bad", ['rename-command nosuch x\n', 'rename-command get set\n'])
def test_rename_command_errors(rkvd_factory, redis_factory, tmp_path, bad):
    errs = []
    for factory in (rkvd_factory, redis_factory):
        conf = tmp_path / ("%s.conf" % factory.name)
        conf.write_text(bad)
        s = factory(config_file=str(conf), start=False)
        s.spawn()
        assert s.wait(20) == 1
        errs.append(s.stderr().splitlines()[-1])
    assert errs[0] == errs[1]


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_module_command_is_protected(server_pair, mode):
    a, b = server_pair("--enable-module-command", mode)
    assert raw_both(a, b, ["MODULE", "LIST"], ["MODULE", "UNLOAD", "nosuch"],
                    ["MODULE", "LOAD", "/nonexistent/module.so"], ["MODULE", "NOSUCH"])
