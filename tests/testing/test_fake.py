"""rkvd.testing.fake: fakeredis's constructors over the in-process engine."""
import asyncio
import gc

import pytest
import redis

from rkvd.testing import fake
from rkvd.testing.fake import FakeAsyncRedis, FakeRedis, FakeServer, FakeStrictRedis


def test_default_clients_share_a_server():
    a = FakeRedis()
    a.set("shared-key", "1")
    assert FakeStrictRedis().get("shared-key") == b"1"
    assert FakeRedis(port=6380).get("shared-key") is None     # another host:port, another server
    assert FakeRedis.from_url("redis://localhost:6379/0").get("shared-key") == b"1"
    a.delete("shared-key")


def test_servers_are_separate_blocks():
    s1, s2 = FakeServer(), FakeServer()
    r1, r2 = FakeRedis(server=s1), FakeRedis(server=s2)
    r1.set("k", "one")
    r2.set("k", "two")
    assert (r1.get("k"), r2.get("k")) == (b"one", b"two")
    assert FakeRedis(server=s1, db=1).get("k") is None
    r1.flushall()                       # empties s1 only
    assert r1.dbsize() == 0 and r2.get("k") == b"two"


def test_block_reused_empty():
    s = FakeServer()
    r = FakeRedis(server=s, db=3)
    r.set("leftover", 1)
    block = s.block
    del s, r
    gc.collect()
    held = []
    while not held or held[-1].block != block:     # the lowest free block comes first
        held.append(FakeServer())
    assert FakeRedis(server=held[-1], db=3).get("leftover") is None


def test_db_range():
    with pytest.raises(ValueError, match="databases 0-15"):
        FakeRedis(server=FakeServer(), db=16)


@pytest.mark.parametrize("version", [7, (7,), (7, 0), "7", "7.0"])
def test_version_7_accepted(version):
    assert FakeRedis(server=FakeServer(version=version), version=version).ping()


@pytest.mark.parametrize("version", [6, (6, 2), "7.2", (7, 4)])
def test_other_versions_refused(version):
    with pytest.raises(ValueError, match="cannot emulate"):
        FakeRedis(version=version)


def test_server_type_and_lua_modules_refused():
    with pytest.raises(ValueError, match="redis only"):
        FakeServer(server_type="dragonfly")
    with pytest.raises(ValueError, match="lua_modules"):
        FakeRedis(lua_modules={"cjson"})


def test_connected_flag():
    s = FakeServer()
    r = FakeRedis(server=s)
    r.set("k", 1)
    s.connected = False
    with pytest.raises(redis.ConnectionError, match="emulating a connection error"):
        r.get("k")
    s.connected = True
    assert r.get("k") == b"1"
    down = FakeRedis(server=FakeServer(), connected=False)
    with pytest.raises(fake.FakeConnectionError):
        down.ping()


def test_async():
    async def main():
        s = FakeServer()
        r = FakeAsyncRedis(server=s, decode_responses=True)
        await r.set("k", "v")
        assert await r.get("k") == "v"
        assert FakeRedis(server=s).get("k") == b"v"
        s.connected = False
        with pytest.raises(redis.ConnectionError):
            await r.get("k")
        s.connected = True
        await r.flushall()
        assert await r.dbsize() == 0
        await r.aclose()

    asyncio.run(main())


def test_real_server_replies():
    # replies are the server's, not an imitation's: an error text as Redis's
    r = FakeRedis(server=FakeServer())
    r.set("s", "x")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE Operation against a key holding the wrong kind of value$"):
        r.lpush("s", 1)
    assert r.object("encoding", "s") == b"embstr"
