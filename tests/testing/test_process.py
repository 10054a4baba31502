"""rkvd.testing.process: the server process behind the plugin's fixtures."""
import os
import signal
import time

import pytest
import redis

from rkvd.testing.process import RkvdProcess, ServerStartError


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = RkvdProcess(directory=str(tmp_path_factory.mktemp("proc")))
    yield s
    s.close()


def test_starts_without_reexec(server):
    # started in the state rkvd.cli re-executes into: one interpreter
    assert server.client().info("server")["process_id"] == server.proc.pid


def test_reset_empties_and_restores(server):
    r = server.client()
    for db in (0, 5):
        r.execute_command("SELECT", db)
        r.set("k", "v")
    r.config_set("hz", 42)
    r.config_set("maxmemory-policy", "allkeys-lru")
    r.client_setname("leftover")
    sub = server.client().pubsub()
    sub.subscribe("ch")
    sub.get_message(timeout=1)
    monitor = server.client().monitor()
    monitor.__enter__()
    # under CLIENT PAUSE ALL even CLIENT UNPAUSE waits for the pause to end
    # (Redis 7.0 postpones every command of a non-replica), so reset does
    # too: a short pause keeps the test short
    r.client_pause(3_000)
    server.reset()
    check = server.client(decode_responses=True)
    assert check.info("keyspace") == {}
    assert check.config_get("hz") == {"hz": "10"}
    assert check.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    clients = check.client_list()
    assert "leftover" not in [c["name"] for c in clients]
    assert [c for c in clients if "O" in c["flags"]] == []      # the MONITOR is gone
    assert check.pubsub_channels() == []
    assert check.info("commandstats").keys() <= {"cmdstat_client|list", "cmdstat_config|get",
                                                 "cmdstat_info", "cmdstat_pubsub|channels",
                                                 "cmdstat_hello", "cmdstat_client|setinfo",
                                                 "cmdstat_config|resetstat"}
    # the test's pooled client reconnects by itself
    assert r.set("again", 1)


def test_reset_cost_is_one_round_trip_without_config_changes(server):
    server.reset()
    stats_before = server.client().info("stats")["total_commands_processed"]
    server.reset()
    after = server.client().info("stats")["total_commands_processed"]
    assert after - stats_before <= 10


def test_crash_is_noticed_and_restarted(server):
    port, pid = server.port, server.proc.pid
    assert server.check() is None
    os.kill(pid, signal.SIGKILL)
    server.proc.wait(5)
    report = server.check()
    assert "killed by SIGKILL" in report
    assert "Ready to accept connections" in report or "Redis is starting" in report
    assert server.port == port and server.proc.pid != pid
    assert server.client().ping()


def test_hung_server_is_restarted(server):
    pid = server.proc.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        report = server.check()
    finally:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert report is not None and server.proc.pid != pid
    assert server.client().ping()


def test_config_and_file(tmp_path):
    conf = tmp_path / "extra.conf"
    conf.write_text("hz 25\nmaxmemory-policy allkeys-lfu\n# save 60 1\n")
    s = RkvdProcess(config={"maxmemory": "64mb", "notify-keyspace-events": "KEA"},
                    config_file=str(conf), directory=str(tmp_path / "d"))
    try:
        got = s.client(decode_responses=True).config_get("*")
        assert (got["hz"], got["maxmemory-policy"], got["maxmemory"], got["save"]) == \
            ("25", "allkeys-lfu", str(64 << 20), "")
        assert set(got["notify-keyspace-events"]) == set("AKE")
    finally:
        s.close()


def test_start_failure_shows_the_log(tmp_path):
    with pytest.raises(ServerStartError, match="exited with status 1") as info:
        RkvdProcess(config={"no-such-directive": "1"}, directory=str(tmp_path))
    assert "no-such-directive" in str(info.value)


def test_unix_socket(tmp_path):
    s = RkvdProcess(unix_socket=True, directory=str(tmp_path))
    try:
        assert s.url == f"unix://{s.unix_path}"
        r = s.client()
        assert r.set("k", 1) and redis.Redis.from_url(s.url).get("k") == b"1"
        s.reset()
        assert r.dbsize() == 0
    finally:
        s.close()


def test_restart_keeps_port_and_counts(server):
    port, starts = server.port, server.starts
    t = time.monotonic()
    server.restart()
    assert time.monotonic() - t < 20
    assert (server.port, server.starts) == (port, starts + 1)


@pytest.mark.needs_redis
def test_redis_server_as_the_server(tmp_path):
    s = RkvdProcess(server_cmd="redis-server", directory=str(tmp_path))
    try:
        r = s.client()
        r.set("k", 1)
        r.config_set("hz", 30)
        s.reset()           # SCRIPT FLUSH / FUNCTION FLUSH exist there: no error either way
        assert r.dbsize() == 0 and r.config_get("hz") == {"hz": "10"}
        assert "rkvd" not in r.info("server").get("executable", "")
    finally:
        s.close()
