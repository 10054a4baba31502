"""The server as a process: start-up, logging, signals, files, config, INFO.

Every test starts its own private server(s).  The expectations are redis-server
7.0.15's behaviour (its log lines, exit codes and INFO fields), which also
keeps these tests green when RKVD_TEST_SERVER_CMD points at redis-server.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

import support
from support import RawConnection, info_sections, parse_reply, wait_until

pytestmark = pytest.mark.timeout(60)


def _info(server, section=None) -> str:
    with RawConnection(server.host, server.port) as c:
        args = ["INFO"] + ([section] if section else [])
        kind, text = parse_reply(c.command(*args))
    assert kind in ("$", "="), f"INFO answered {kind}"
    return text.decode()


def _sigterm_and_wait(server, timeout=1.0):
    start = time.monotonic()
    server.signal(signal.SIGTERM)
    status = server.wait(timeout + 4)
    return status, time.monotonic() - start


def test_sigterm_exits_cleanly_and_logs(rkvd_factory):
    server = rkvd_factory()
    with RawConnection(server.host, server.port) as c:
        assert c.command("SET", "k", "v") == b"+OK\r\n"
    status, elapsed = _sigterm_and_wait(server)
    assert status == 0, f"exit status {status}\n{server.describe()}"
    assert elapsed < 1.0, f"took {elapsed:.2f}s to exit after SIGTERM"
    out = server.stdout()
    assert "Received SIGTERM scheduling shutdown..." in out, out[-2000:]
    assert "Redis is now ready to exit, bye bye..." in out, out[-2000:]
    assert out.index("Received SIGTERM") < out.index("ready to exit, bye bye")
    err = server.stderr()
    assert "Sanitizer" not in err and "runtime error" not in err, err


def test_sigint_also_shuts_down(rkvd_factory):
    server = rkvd_factory()
    server.signal(signal.SIGINT)
    assert server.wait(5) == 0, server.describe()
    out = server.stdout()
    assert "Received SIGINT scheduling shutdown..." in out, out[-2000:]
    assert "ready to exit, bye bye" in out


def test_software_watchdog(server_pair):
    """watchdog-period: a cron that has not run for the period logs Redis's
    banner around the stacks; a running one never does; 0 turns it off."""
    rkvd, redis = server_pair()
    for server in (rkvd, redis):
        with server.raw() as c:
            assert c.command("CONFIG", "SET", "watchdog-period", "50") == b"+OK\r\n"
            # at least two cron ticks at hz 10, as Redis applies it
            assert c.command("CONFIG", "GET", "watchdog-period") == \
                b"*2\r\n$15\r\nwatchdog-period\r\n$3\r\n200\r\n"
    banner = "--- WATCHDOG TIMER EXPIRED ---"
    with rkvd.raw() as c:
        time.sleep(0.6)
        assert banner not in rkvd.stdout()
        assert c.command("DEBUG", "SLEEP", "0.6") == b"+OK\r\n"
        out = rkvd.stdout()
        assert out.count(banner) == 1, out[-2000:]
        after = out[out.index(banner):]
        assert re.search(r"File .*debug\.py\", line \d+ in sleep", after), after
        assert re.search(r"\d+:signal-handler \(\d+\) --------", after), after
        assert c.command("CONFIG", "SET", "watchdog-period", "0") == b"+OK\r\n"
        assert c.command("DEBUG", "SLEEP", "0.5") == b"+OK\r\n"
        assert c.command("PING") == b"+PONG\r\n"
    assert rkvd.stdout().count(banner) == 1


def test_clients_see_eof_on_shutdown(rkvd_factory):
    server = rkvd_factory()
    conn = RawConnection(server.host, server.port)
    assert conn.command("PING") == b"+PONG\r\n"
    server.signal(signal.SIGTERM)
    assert server.wait(5) == 0
    assert conn.is_closed_by_peer(2)
    conn.close()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1).close()


def test_pidfile_written_and_removed(rkvd_factory, tmp_path):
    pidfile = tmp_path / "server.pid"
    server = rkvd_factory("--pidfile", str(pidfile))
    assert wait_until(pidfile.exists, 5), "pidfile was not written"
    assert pidfile.read_text().strip() == str(server.pid)
    status, _ = _sigterm_and_wait(server, 5)
    assert status == 0
    assert not pidfile.exists(), "pidfile was not removed on shutdown"


def test_startup_log_lines(rkvd_factory):
    server = rkvd_factory("--always-show-logo", "yes")
    assert wait_until(lambda: "Ready to accept connections" in server.stdout(), 5), server.describe()
    out = server.stdout()
    assert re.search(rf" PID: {server.pid}\b", out), f"no ' PID: {server.pid}' in stdout:\n{out[-3000:]}"
    # The PID line comes before the ready line (the test framework relies on both).
    assert out.index(f"PID: {server.pid}") < out.index("Ready to accept connections")
    assert "already in use" not in out.splitlines()[0]


def test_runs_in_foreground_in_our_process_group(rkvd_factory):
    """The PID we started is the server itself (exec, no fork) and it keeps our process group."""
    server = rkvd_factory()
    with RawConnection(server.host, server.port) as c:
        kind, text = parse_reply(c.command("INFO", "server"))
    fields = info_sections(text.decode())["server"]
    assert int(fields["process_id"]) == server.pid
    assert os.getpgid(server.pid) == os.getpgid(0)
    assert os.getsid(server.pid) == os.getsid(0)


def test_port_already_in_use(rkvd_factory):
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    try:
        server = rkvd_factory(port=port, start=False)
        server.spawn()
        status = server.wait(20)
        assert status is not None, "server kept running although its port is taken"
        assert status != 0
        out = server.stdout()
        assert f"Failed listening on port {port} (TCP), aborting." in out, server.describe()
    finally:
        blocker.close()


@pytest.mark.parametrize("args, text", [
    (["--port", "6379", "6380"], ["'port \"6379\" \"6380\"'", "wrong number of arguments"]),
    (["--port"], ["'port'", "wrong number of arguments"]),
    (["--nosuchoption", "1"], ["'nosuchoption \"1\"'", "Bad directive or wrong number of arguments"]),
    (["--maxmemory", "abc"], ["'maxmemory \"abc\"'", "argument must be a memory value"]),
], ids=["port-two-values", "port-no-value", "unknown-directive", "bad-memory"])
def test_bad_arguments_refused(rkvd_factory, args, text):
    # Safe options first, so that a server that wrongly starts stays on loopback.
    safe = ["--bind", "127.0.0.1", "--port", str(support.free_port()), "--save", ""]
    server = rkvd_factory(*safe, *args, base_args=False, start=False)
    server.spawn()
    status = server.wait(20)
    assert status is not None and status != 0, f"status {status}\n{server.describe()}"
    output = server.stdout() + server.stderr()
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in output, output
    for t in text:
        assert t in output, output


def test_unixsocket(rkvd_factory, tmp_path):
    path = tmp_path / "s.sock"
    server = rkvd_factory("--unixsocket", str(path), "--unixsocketperm", "700")
    assert wait_until(path.exists, 5)
    assert (path.stat().st_mode & 0o777) == 0o700
    with RawConnection(None, None, unix_path=str(path)) as c:
        assert c.command("PING") == b"+PONG\r\n"
        assert c.command("SET", "via", "unix") == b"+OK\r\n"
    with RawConnection(server.host, server.port) as c:
        assert c.command("GET", "via") == b"$4\r\nunix\r\n"
        kind, text = parse_reply(c.command("CONFIG", "GET", "unixsocket"))
        assert text[1][1] == str(path).encode()
    server.signal(signal.SIGTERM)
    assert server.wait(5) == 0
    assert not path.exists(), "unix socket file left behind"


def test_config_file_and_overrides(rkvd_factory, tmp_path):
    conf = tmp_path / "test.conf"
    conf.write_text(
        "# comment line\n"
        "\n"
        "databases 4\n"
        "client-query-buffer-limit 1mb\n"
        "timeout 7\n"
        "  hz   15  \n"
        "save \"\"\n"
        "loglevel verbose\n"
        "logfile ''\n"
        "maxmemory-policy allkeys-lru\n"
    )
    server = rkvd_factory("--client-query-buffer-limit", "2mb", "--timeout", "9", config_file=conf)
    with RawConnection(server.host, server.port) as c:
        def get(name):
            kind, items = parse_reply(c.command("CONFIG", "GET", name))
            return items[1][1]
        assert get("databases") == b"4"
        assert get("client-query-buffer-limit") == b"2097152"
        assert get("timeout") == b"9"
        assert get("hz") == b"15"
        assert get("save") == b""
        assert get("loglevel") == b"verbose"
        assert get("maxmemory-policy") == b"allkeys-lru"
        assert get("port") == str(server.port).encode()
        assert c.command("SELECT", "3") == b"+OK\r\n"
        assert c.command("SELECT", "4") == b"-ERR DB index is out of range\r\n"
    fields = info_sections(_info(server, "server"))["server"]
    assert fields["config_file"] == str(conf)


def test_config_file_errors(rkvd_factory, tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text(f"bind 127.0.0.1\nport {support.free_port()}\ndatabases 4 5\n")
    server = rkvd_factory(config_file=conf, base_args=False, start=False)
    server.spawn()
    status = server.wait(20)
    assert status is not None and status != 0
    output = server.stdout() + server.stderr()
    assert "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***" in output, output
    assert "Reading the configuration file, at line 3" in output
    assert ">>> 'databases 4 5'" in output, output       # the file's line, as written
    assert "wrong number of arguments" in output


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(flag):
    cmd = support.rkvd_command() + [flag]
    proc = subprocess.run(cmd, capture_output=True, timeout=20, env=support.server_environment(cmd),
                          stdin=subprocess.DEVNULL)
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr.decode()
    assert re.match(r"Redis server v=7\.0\.15 ", out), out
    assert "bits=64" in out


# --- INFO -------------------------------------------------------------------------------

INFO_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                 "commandstats", "errorstats", "keyspace"]
DEFAULT_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                    "modules", "errorstats", "cluster", "keyspace"]


def _same_workload(server):
    with RawConnection(server.host, server.port) as c:
        for cmd in (["CONFIG", "RESETSTAT"], ["SELECT", "9"], ["SET", "k", "v"], ["GET", "k"],
                    ["SET", "e", "1", "EX", "1000"], ["INCR", "k"], ["FOO"], ["SET", "k", "v", "EX", "0"]):
            c.command(*cmd)


@pytest.fixture
def info_pair(server_pair):
    a, b = server_pair()
    _same_workload(a)
    _same_workload(b)
    return a, b


def _names(fields):
    return {k for k in fields if not k.startswith("rkvd_")}


@pytest.mark.needs_redis
def test_info_version_and_default_sections(info_pair):
    a, b = info_pair
    text_a, text_b = _info(a), _info(b)
    assert "redis_version:7.0.15" in text_a.splitlines()
    headers_a = [line[2:].strip().lower() for line in text_a.splitlines() if line.startswith("# ")]
    headers_b = [line[2:].strip().lower() for line in text_b.splitlines() if line.startswith("# ")]
    assert headers_b == DEFAULT_SECTIONS
    assert headers_a == headers_b
    assert text_a.endswith("\r\n") and "\r\n\r\n# " in text_a


@pytest.mark.needs_redis
@pytest.mark.parametrize("section", INFO_SECTIONS)
def test_info_section_fields(info_pair, section):
    a, b = info_pair
    fa = info_sections(_info(a, section))
    fb = info_sections(_info(b, section))
    assert list(fa) == [section], f"INFO {section} returned sections {list(fa)}"
    missing = _names(fb[section]) - _names(fa[section])
    extra = _names(fa[section]) - _names(fb[section])
    assert not missing and not extra, (f"INFO {section}: missing {sorted(missing)}, "
                                       f"unexpected {sorted(extra)}")
    if section in ("commandstats", "errorstats", "keyspace"):
        # Values are key=value lists; their keys must match too.
        for name, value in fb[section].items():
            keys_b = [kv.split("=")[0] for kv in value.split(",")]
            keys_a = [kv.split("=")[0] for kv in fa[section][name].split(",")]
            assert keys_a == keys_b, f"{name}: {fa[section][name]} vs {value}"
    if section == "errorstats":
        assert fa[section] == fb[section]
    if section == "keyspace":
        # avg_ttl is an estimate from sampling; keys and expires are exact.
        strip = lambda d: {k: re.sub(r",avg_ttl=\d+", "", v) for k, v in d.items()}
        assert strip(fa[section]) == strip(fb[section])


@pytest.mark.needs_redis
def test_info_everything_and_all(info_pair):
    a, b = info_pair
    for arg in ("everything", "all", "default"):
        sa = list(info_sections(_info(a, arg)))
        sb = list(info_sections(_info(b, arg)))
        assert sa == sb, f"INFO {arg}: {sa} vs {sb}"
    for arg in ("nosuchsection", "SERVER"):
        sa = list(info_sections(_info(a, arg)))
        sb = list(info_sections(_info(b, arg)))
        assert sa == sb, f"INFO {arg}: {sa} vs {sb}"


def test_info_values_follow_activity(rkvd_factory):
    server = rkvd_factory()
    fields = info_sections(_info(server))
    assert fields["server"]["redis_version"] == "7.0.15"
    assert fields["server"]["tcp_port"] == str(server.port)
    assert fields["server"]["process_id"] == str(server.pid)
    assert fields["server"]["redis_mode"] == "standalone"
    if server.cmd[:3] == support.rkvd_command()[:3] == [sys.executable, "-m", "rkvd"]:
        # what started it, as redis-server names its own binary: the
        # interpreter here (never the "-c" of the allocator re-exec)
        assert fields["server"]["executable"] == os.path.abspath(sys.executable)
    assert fields["replication"]["role"] == "master"
    conns = [RawConnection(server.host, server.port) for _ in range(3)]
    try:
        for c in conns:
            c.command("SELECT", "2")
            c.command("SET", f"key{id(c)}", "v")
        fields = info_sections(_info(server))
        assert int(fields["clients"]["connected_clients"]) >= 4
        assert fields["keyspace"]["db2"].startswith("keys=3,expires=0,")
        assert int(fields["stats"]["total_commands_processed"]) >= 6
        assert int(fields["stats"]["total_connections_received"]) >= 4
        assert int(fields["memory"]["used_memory"]) > 0
    finally:
        for c in conns:
            c.close()
    status, _ = _sigterm_and_wait(server, 5)
    assert status == 0
