"""fakeredis's documented usage, unchanged but for the import line
(``import fakeredis`` -> ``from rkvd import testing as fakeredis``)."""
import asyncio

import pytest
import redis
import redis.asyncio

from rkvd import testing as fakeredis


def test_readme_first_example():
    r = fakeredis.FakeStrictRedis()
    r.set("foo", "bar")
    assert r.get("foo") == b"bar"
    r.lpush("bar", 1)
    r.lpush("bar", 2)
    assert r.lrange("bar", 0, -1) == [b"2", b"1"]
    r.flushall()


def test_shared_server():
    server = fakeredis.FakeServer()
    r1 = fakeredis.FakeStrictRedis(server=server)
    r1.set("foo", "bar")
    r2 = fakeredis.FakeStrictRedis(server=server)
    assert r2.get("foo") == b"bar"
    r2.set("bar", "baz")
    assert r1.get("bar") == b"baz"
    # another server shares nothing
    assert fakeredis.FakeStrictRedis(server=fakeredis.FakeServer()).get("foo") is None


def test_connection_error_emulation():
    server = fakeredis.FakeServer()
    server.connected = False
    r = fakeredis.FakeStrictRedis(server=server)
    with pytest.raises(redis.ConnectionError):
        r.set("foo", "bar")
    server.connected = True
    assert r.set("foo", "bar")


def test_decode_responses():
    r = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    r.hset("h", mapping={"a": "1"})
    assert r.hgetall("h") == {"a": "1"}


def test_version_7():
    r = fakeredis.FakeRedis(server=fakeredis.FakeServer(), version=7)
    assert r.info("server")["redis_version"].startswith("7.")
    with pytest.raises(ValueError, match="cannot emulate"):
        fakeredis.FakeRedis(version=6)


def test_pytest_fixture_pattern():
    # fakeredis's "use as a pytest fixture" recipe
    redis_client = fakeredis.FakeRedis()
    redis_client.set("k", "v")
    assert redis_client.get("k") == b"v"
    redis_client.flushall()


def test_async_client():
    async def main():
        r = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer())
        await r.set("foo", "bar")
        assert await r.get("foo") == b"bar"
        await r.aclose()

    asyncio.run(main())


def test_pubsub():
    r = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    p = r.pubsub()
    p.subscribe("ch")
    assert p.get_message(timeout=1)["type"] == "subscribe"
    r.publish("ch", "hi")
    assert p.get_message(timeout=1)["data"] == b"hi"
    p.close()


def test_own_connection_pool():
    # code that builds its pool (django-redis's CONNECTION_POOL_KWARGS, say)
    server = fakeredis.FakeServer()
    pool = redis.ConnectionPool(server=server, connection_class=fakeredis.FakeConnection)
    r = redis.Redis(connection_pool=pool)
    r.set("pooled", 1)
    assert fakeredis.FakeRedis(server=server).get("pooled") == b"1"
    url_client = redis.Redis.from_url("redis://localhost:6379/2", connection_class=fakeredis.FakeConnection)
    url_client.set("k", "v")
    assert fakeredis.FakeRedis(db=2).get("k") == b"v"


def test_async_connection_pool():
    async def main():
        server = fakeredis.FakeServer()
        pool = redis.asyncio.ConnectionPool(server=server, connection_class=fakeredis.FakeAsyncConnection)
        r = redis.asyncio.Redis(connection_pool=pool)
        await r.set("k", "v")
        assert await r.get("k") == b"v"
        await r.aclose()
        await pool.disconnect()

    asyncio.run(main())
