"""fakeredis's API over the in-process rkvd engine: change the import,
keep the constructors.

    from rkvd.testing import FakeRedis, FakeAsyncRedis, FakeServer

The clients are real redis-py clients (subclasses of redis.Redis and
redis.asyncio.Redis) talking RESP over loopback TCP to the engine thread of
rkvd.testing.inprocess, so every reply is the server's own.

Servers. fakeredis keeps one FakeServer per host:port for clients made
without ``server=`` and a fresh one per ``FakeServer()``; so does this
module. The process has one engine (see inprocess), so each FakeServer is a
block of 16 databases of it: the first server made uses databases 0-15
exactly as a standalone server would, the next 16-31 and so on (up to
MAX_SERVERS at once; a block is emptied and reused once its FakeServer and
clients are gone). ``flushall()`` on a client empties its own block only.
What a block cannot hide: commands that name a database number (SELECT,
MOVE, SWAPDB, COPY ... DB n, a raw FLUSHALL) and CLIENT LIST / INFO
keyspace see the engine's numbering.

``version=`` accepts 7 / (7,) / (7, 0) / "7.0" only: rkvd is Redis 7.0.15
and emulating another version would be pretending. ``server.connected =
False`` (or ``connected=False``) makes new commands fail with
redis.ConnectionError, as in fakeredis.
"""
from __future__ import annotations

import threading
import weakref

import redis
import redis.asyncio

from rkvd.testing.inprocess import SHARED_CONFIG, InProcessServer

__all__ = ["FakeServer", "FakeRedis", "FakeStrictRedis", "FakeAsyncRedis", "FakeConnectionError",
           "FakeConnection", "FakeAsyncConnection",
           "MAX_SERVERS", "DBS_PER_SERVER"]

DBS_PER_SERVER = 16
MAX_SERVERS = SHARED_CONFIG["databases"] // DBS_PER_SERVER
CONNECTION_ERROR = "rkvd FakeServer is emulating a connection error (server.connected is False)"

_lock = threading.Lock()
_engine = None
_generation = 0             # one per engine: blocks of a closed one are not reused
_free_blocks = []
_dirty_blocks = set()       # used before: emptied when handed out again


class FakeConnectionError(redis.ConnectionError):
    """Raised while a FakeServer's ``connected`` is False."""


def engine():
    """The in-process server every FakeServer shares: InProcessServer.shared().
    Should it be closed, the next FakeServer starts a new one (and the
    FakeServers of the old one are gone with it)."""
    global _engine, _generation
    with _lock:
        if _engine is None or _engine.closed:
            _engine = InProcessServer.shared()
            _generation += 1
            _free_blocks[:] = range(MAX_SERVERS)
            _dirty_blocks.clear()
            FakeServer._servers_map.clear()
        return _engine


def _check_version(version):
    if isinstance(version, str):
        parts = tuple(int(p) for p in version.split("."))
    elif isinstance(version, int):
        parts = (version,)
    else:
        parts = tuple(version)
    if parts[:1] != (7,) or parts[1:2] not in ((), (0,)):
        raise ValueError(f"rkvd is Redis 7.0.15 and cannot emulate version {version!r}: "
                         "ask for version 7 (or (7, 0))")
    return parts


class FakeServer:
    """A server's worth of state: a block of DBS_PER_SERVER databases of the
    shared in-process engine. ``connected`` as in fakeredis."""

    _servers_map: dict = {}

    def __init__(self, version=(7,), server_type="redis", config=None):
        if server_type != "redis":
            raise ValueError(f"rkvd emulates redis only, not server_type={server_type!r}")
        if config:
            raise ValueError("FakeServer shares one engine: pass config to rkvd.testing.InProcessServer "
                             "(or use the rkvd_server fixture's @pytest.mark.rkvd(config=...))")
        self.version = _check_version(version)
        self.server_type = server_type
        self.connected = True
        self.engine = engine()
        with _lock:
            if not _free_blocks:
                raise RuntimeError(f"more than {MAX_SERVERS} rkvd FakeServers alive at once in this "
                                   "process; share one with server=")
            self.block = _free_blocks.pop(0)
            dirty = self.block in _dirty_blocks
            _dirty_blocks.add(self.block)
            generation = _generation
        self.db_base = self.block * DBS_PER_SERVER
        weakref.finalize(self, _release_block, generation, self.block)
        if dirty:
            self._flush_block()

    @classmethod
    def get_server(cls, key, version=(7,), server_type="redis"):
        """The server kept for `key` (as fakeredis's, for clients made
        without server=); made on first use and kept for the process."""
        with _lock:
            server = cls._servers_map.get(key)
        if server is None or server.engine.closed:
            server = cls(version=version, server_type=server_type)
            with _lock:
                kept = cls._servers_map.get(key)
                if kept is None or kept.engine.closed:
                    cls._servers_map[key] = kept = server
            server = kept
        return server

    def db_index(self, db):
        db = int(db or 0)
        if not 0 <= db < DBS_PER_SERVER:
            raise ValueError(f"db={db}: a FakeServer has databases 0-{DBS_PER_SERVER - 1}")
        return self.db_base + db

    def _flush_block(self):
        client = redis.Redis(host=self.engine.host, port=self.engine.port)
        try:
            _flush_pipeline(client.pipeline(transaction=False), self.db_base).execute()
        finally:
            client.close()

    def __repr__(self):
        return f"<FakeServer databases {self.db_base}-{self.db_base + DBS_PER_SERVER - 1} of {self.engine.url}>"


def _release_block(generation, block):
    with _lock:
        if generation == _generation:
            _free_blocks.append(block)
            _free_blocks.sort()


def _flush_pipeline(pipe, base):
    for db in range(base, base + DBS_PER_SERVER):
        pipe.execute_command("SELECT", db)
        pipe.execute_command("FLUSHDB")
    pipe.execute_command("SELECT", base)
    return pipe


def _resolve(server, host, port, version, server_type, connected):
    if server is None:
        _check_version(version)
        server = FakeServer.get_server(f"{host}:{port}:{server_type}:v7", version, server_type)
        if connected is not None:
            server.connected = connected
    elif connected is not None:
        server.connected = connected
    return server


def _sync_connection_class(server):
    class FakeConnection(redis.Connection):
        def connect(self, *args, **kwargs):
            if not server.connected:
                raise FakeConnectionError(CONNECTION_ERROR)
            return super().connect(*args, **kwargs)

        def send_packed_command(self, *args, **kwargs):
            if not server.connected:
                self.disconnect()
                raise FakeConnectionError(CONNECTION_ERROR)
            return super().send_packed_command(*args, **kwargs)
    return FakeConnection


def _async_connection_class(server):
    class FakeAsyncConnection(redis.asyncio.Connection):
        async def connect(self, *args, **kwargs):
            if not server.connected:
                raise FakeConnectionError(CONNECTION_ERROR)
            return await super().connect(*args, **kwargs)

        async def send_packed_command(self, *args, **kwargs):
            if not server.connected:
                await self.disconnect()
                raise FakeConnectionError(CONNECTION_ERROR)
            return await super().send_packed_command(*args, **kwargs)
    return FakeAsyncConnection


def _connection_kwargs(kwargs):
    # fakeredis's connection classes take server= (and the server's host,
    # port, version) among redis-py's connection arguments
    server = _resolve(kwargs.pop("server", None), kwargs.get("host", "localhost"),
                      kwargs.get("port", 6379), kwargs.pop("version", (7,)),
                      kwargs.pop("server_type", "redis"), kwargs.pop("connected", None))
    kwargs.pop("path", None)
    kwargs.update(host=server.engine.host, port=server.engine.port, db=server.db_index(kwargs.get("db", 0)))
    return server, kwargs


class FakeConnection(redis.Connection):
    """fakeredis.FakeConnection, for code that builds its own pool:
    ``redis.ConnectionPool(server=s, connection_class=FakeConnection)``."""

    def __init__(self, **kwargs):
        self._fake_server, kwargs = _connection_kwargs(kwargs)
        super().__init__(**kwargs)

    def connect(self, *args, **kwargs):
        if not self._fake_server.connected:
            raise FakeConnectionError(CONNECTION_ERROR)
        return super().connect(*args, **kwargs)

    def send_packed_command(self, *args, **kwargs):
        if not self._fake_server.connected:
            self.disconnect()
            raise FakeConnectionError(CONNECTION_ERROR)
        return super().send_packed_command(*args, **kwargs)


class FakeAsyncConnection(redis.asyncio.Connection):
    """fakeredis.aioredis.FakeConnection: FakeConnection for redis.asyncio pools."""

    def __init__(self, **kwargs):
        self._fake_server, kwargs = _connection_kwargs(kwargs)
        super().__init__(**kwargs)

    async def connect(self, *args, **kwargs):
        if not self._fake_server.connected:
            raise FakeConnectionError(CONNECTION_ERROR)
        return await super().connect(*args, **kwargs)

    async def send_packed_command(self, *args, **kwargs):
        if not self._fake_server.connected:
            await self.disconnect()
            raise FakeConnectionError(CONNECTION_ERROR)
        return await super().send_packed_command(*args, **kwargs)


class FakeRedis(redis.Redis):
    """fakeredis.FakeRedis's constructor, a real redis.Redis on the
    in-process rkvd engine. host/port only name the shared server (as in
    fakeredis); ``db`` is a database of that server (0-15)."""

    def __init__(self, host="localhost", port=6379, db=0, *args, server=None, version=(7,),
                 server_type="redis", connected=None, lua_modules=None, **kwargs):
        if lua_modules:
            raise ValueError("rkvd's scripting does not load extra Lua modules (lua_modules=)")
        for unsupported in ("unix_socket_path", "connection_pool"):
            if kwargs.get(unsupported) is not None:
                raise ValueError(f"{unsupported}= makes no sense for an in-process FakeRedis")
        self.server = server = _resolve(server, host, port, version, server_type, connected)
        eng = server.engine
        super().__init__(eng.host, eng.port, server.db_index(db), *args, **kwargs)
        self.connection_pool.connection_class = _sync_connection_class(server)

    @classmethod
    def from_url(cls, url, **kwargs):
        """As fakeredis: host, port and /db of `url` pick the server and database."""
        from urllib.parse import urlparse
        parts = urlparse(url)
        kwargs.setdefault("host", parts.hostname or "localhost")
        kwargs.setdefault("port", parts.port or 6379)
        if parts.path.strip("/"):
            kwargs.setdefault("db", int(parts.path.strip("/")))
        if parts.password:
            kwargs.setdefault("password", parts.password)
        return cls(**kwargs)

    def flushall(self, asynchronous=False, **kwargs):
        """Empty this client's server (its block of databases) only."""
        pipe = _flush_pipeline(self.pipeline(transaction=False), self.server.db_base)
        pipe.execute_command("SELECT", self.connection_pool.connection_kwargs.get("db", 0))
        pipe.execute()
        return True


FakeStrictRedis = FakeRedis


class FakeAsyncRedis(redis.asyncio.Redis):
    """fakeredis.FakeAsyncRedis's constructor, a real redis.asyncio.Redis on
    the in-process rkvd engine."""

    def __init__(self, host="localhost", port=6379, db=0, *, server=None, version=(7,),
                 server_type="redis", connected=None, lua_modules=None, **kwargs):
        if lua_modules:
            raise ValueError("rkvd's scripting does not load extra Lua modules (lua_modules=)")
        for unsupported in ("unix_socket_path", "connection_pool"):
            if kwargs.get(unsupported) is not None:
                raise ValueError(f"{unsupported}= makes no sense for an in-process FakeAsyncRedis")
        self.server = server = _resolve(server, host, port, version, server_type, connected)
        eng = server.engine
        super().__init__(host=eng.host, port=eng.port, db=server.db_index(db), **kwargs)
        self.connection_pool.connection_class = _async_connection_class(server)

    @classmethod
    def from_url(cls, url, **kwargs):
        return FakeRedis.from_url.__func__(cls, url, **kwargs)

    async def flushall(self, asynchronous=False, **kwargs):
        pipe = _flush_pipeline(self.pipeline(transaction=False), self.server.db_base)
        pipe.execute_command("SELECT", self.connection_pool.connection_kwargs.get("db", 0))
        await pipe.execute()
        return True
