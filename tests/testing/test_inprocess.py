"""rkvd.testing.inprocess: the engine on a thread of the test process."""
import asyncio
import os

import pytest
import redis

from rkvd.testing import inprocess
from rkvd.testing.inprocess import InProcessError, InProcessServer


@pytest.fixture
def own_server():
    """A private in-process server (the shared one, if any, closed first:
    one engine per process)."""
    shared = inprocess._shared
    if shared is not None:
        shared.close()
    server = InProcessServer()
    yield server
    server.close()


def test_serves_redis_py(own_server):
    r = own_server.client()
    assert r.set("k", "v")
    assert r.get("k") == b"v"
    assert r.info("server")["redis_version"] == "7.0.15"
    assert own_server.client(decode_responses=True).get("k") == "v"


def test_async_client(own_server):
    async def main():
        r = own_server.async_client()
        await r.rpush("l", 1, 2, 3)
        assert await r.lrange("l", 0, -1) == [b"1", b"2", b"3"]
        await r.aclose()

    asyncio.run(main())


def test_blocking_command_across_threads(own_server):
    import threading
    got = []
    t = threading.Thread(target=lambda: got.append(own_server.client().blpop("q", 5)))
    t.start()
    own_server.client().rpush("q", "x")
    t.join(10)
    assert got == [(b"q", b"x")]


@pytest.mark.parametrize("command, why", [
    (("BGSAVE",), "BGSAVE forks"),
    (("BGREWRITEAOF",), "BGREWRITEAOF forks"),
    (("SYNC",), "full sync forks"),
    (("PSYNC", "?", "-1"), "full sync forks"),
    (("SAVE",), "working directory"),
    (("SHUTDOWN", "NOSAVE"), r"close\(\) it instead"),
    (("DEBUG", "RELOAD"), "working directory"),
    (("DEBUG", "SEGFAULT"), "crash the test process"),
    (("CONFIG", "SET", "dir", "/tmp"), "working directory"),
    (("CONFIG", "SET", "save", "60 1"), "fork BGSAVE"),
    (("CONFIG", "SET", "appendonly", "yes"), "AOF rewrite"),
    (("CONFIG", "SET", "maxmemory", "10mb"), "used-memory counter"),
    (("CONFIG", "SET", "hz", "20", "maxmemory", "1gb"), "used-memory counter"),
    (("CONFIG", "SET", "port", "0"), "keeps the address"),
])
def test_refused_with_the_reason(own_server, command, why, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = own_server.client()
    with pytest.raises(redis.ResponseError, match=why) as info:
        r.execute_command(*command)
    assert "subprocess" in str(info.value)
    assert r.ping()
    assert os.listdir(tmp_path) == []        # nothing written in the test's directory


def test_settings_allowed(own_server):
    r = own_server.client()
    assert r.config_set("maxmemory", "0")
    assert r.config_set("save", "")
    assert r.config_set("appendonly", "no")
    assert r.config_set("hz", 20)
    assert r.config_get("hz") == {"hz": "20"}
    assert r.execute_command("DEBUG", "SLEEP", 0) == b"OK"


def test_refused_config_at_start():
    with pytest.raises(InProcessError, match="maxmemory"):
        InProcessServer(config={"maxmemory": "1mb"})
    with pytest.raises(InProcessError, match="appendonly"):
        InProcessServer(config={"appendonly": "yes"})
    with pytest.raises(InProcessError, match="address"):
        InProcessServer(config={"port": 6379})


def test_bad_config_says_why():
    shared = inprocess._shared
    if shared is not None:
        shared.close()
    with pytest.raises(InProcessError, match="hz|argument"):
        InProcessServer(config={"hz": "fast"})
    # and nothing was left running
    InProcessServer().close()


def test_one_engine_per_process(own_server):
    with pytest.raises(InProcessError, match="already runs"):
        InProcessServer()
    own_server.close()
    again = InProcessServer()
    try:
        r = again.client()
        assert r.dbsize() == 0          # a new engine, a new keyspace
    finally:
        again.close()


def test_close_drops_connections(own_server):
    r = own_server.client(retry=None, socket_timeout=2)
    r.ping()
    own_server.close()
    with pytest.raises(redis.ConnectionError):
        r.ping()


def test_unix_socket():
    shared = inprocess._shared
    if shared is not None:
        shared.close()
    with InProcessServer(unix_socket=True) as server:
        assert os.path.exists(server.unix_path)
        r = server.client()
        assert r.connection_pool.connection_kwargs["path"] == server.unix_path
        assert r.ping()
    assert not os.path.exists(server.unix_path)


def test_shared_is_reused():
    a = InProcessServer.shared()
    assert InProcessServer.shared() is a
    assert a.client().config_get("databases") == {"databases": "1024"}
