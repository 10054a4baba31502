"""MIGRATE (rkvd/commands/migrate.py, rkvd/_core/persist/migrate.pyx).

Differential: rkvd and redis-server 7.0.15 are both sources, each migrating
to its own target (a private redis-server, or rkvd), and every reply must be
the same; so are the errors of redis-server -> redis-server. Then the
directions one by one: rkvd -> redis-server, redis-server -> rkvd and
rkvd -> rkvd, with every type and encoding compared by DEBUG DIGEST-VALUE.
"""
import socket
import threading
import time

import pytest

import support
from support import HOST, RawConnection

pytestmark = pytest.mark.needs_redis

PORT = object()     # placeholder: the port of the side's own target


class Both:
    """The same MIGRATE commands from rkvd and from redis-server, each to its
    own target; replies compared byte for byte."""

    def __init__(self, sources, targets):
        self.sources = [RawConnection(HOST, s.port) for s in sources]
        self.targets = [RawConnection(HOST, t.port) for t in targets]
        self.ports = [t.port for t in targets]
        for conn in self.sources:
            assert conn.command("SELECT", 9) == b"+OK\r\n"

    def run(self, *args):
        replies = []
        for conn, port in zip(self.sources, self.ports):
            replies.append(conn.command(*[port if a is PORT else a for a in args]))
        assert replies[0] == replies[1], f"{args}: rkvd {replies[0]!r}, redis {replies[1]!r}"
        return replies[0]

    def source(self, *args):
        a, b = (c.command(*args) for c in self.sources)
        assert a == b, f"{args} on the sources: rkvd {a!r}, redis {b!r}"
        return a

    def target(self, *args):
        a, b = (c.command(*args) for c in self.targets)
        assert a == b, f"{args} on the targets: rkvd's {a!r}, redis's {b!r}"
        return a

    def close(self):
        for c in self.sources + self.targets:
            c.close()


@pytest.fixture
def both(rkvd, redis_ref, redis_factory):
    b = Both([rkvd, redis_ref], [redis_factory(), redis_factory()])
    yield b
    b.close()


@pytest.fixture
def both_private(rkvd_factory, redis_factory):
    """Private sources, whose MIGRATE connection cache nothing else used."""
    b = Both([rkvd_factory(), redis_factory()], [redis_factory(), redis_factory()])
    yield b
    b.close()


@pytest.fixture
def both_auth(rkvd, redis_ref, redis_factory):
    b = Both([rkvd, redis_ref], [redis_factory("--requirepass", "pw"),
                                 redis_factory("--requirepass", "pw")])
    yield b
    b.close()


# ---------------------------------------------------------------- errors

def test_argument_errors_and_nokey(both):
    both.source("SET", "k", "v")
    for args in [
        ("MIGRATE", HOST, PORT, "k", "0", "1000", "bogus"),
        ("MIGRATE", HOST, PORT, "k", "0", "1000", "AUTH"),
        ("MIGRATE", HOST, PORT, "k", "0", "1000", "AUTH2", "user"),
        ("MIGRATE", HOST, PORT, "k", "0", "1000", "KEYS", "k"),
        ("MIGRATE", HOST, PORT, "k", "0", "soon"),
        ("MIGRATE", HOST, PORT, "k", "zero", "1000"),
        ("MIGRATE", HOST, PORT, "k", "zero", "soon"),
        ("MIGRATE", HOST, PORT, "k", "0", "99999999999999999999"),
        ("MIGRATE", HOST, PORT, "k", "0"),
        ("MIGRATE", HOST, PORT, "missing", "0", "1000"),
        ("MIGRATE", HOST, PORT, "", "0", "1000", "KEYS", "missing1", "missing2"),
        ("MIGRATE", HOST, PORT, "", "0", "1000", "KEYS"),
        ("MIGRATE", HOST, PORT, "", "0", "1000", "COPY", "REPLACE", "AUTH", "x", "KEYS", "nokey"),
    ]:
        both.run(*args)
    assert both.source("EXISTS", "k") == b":1\r\n"


def test_connection_errors(both):
    both.source("SET", "k", "v")
    closed = support.free_port()
    for args in [
        ("MIGRATE", HOST, str(closed), "k", "0", "1000"),       # refused: found when writing
        ("MIGRATE", "nosuchhost.invalid", "6379", "k", "0", "1000"),
        ("MIGRATE", HOST, "notaport", "k", "0", "1000"),
    ]:
        assert both.run(*args).startswith(b"-IOERR ")
    assert both.source("EXISTS", "k") == b":1\r\n"


# ---------------------------------------------------------------- options

def test_move_busykey_replace_copy(both):
    both.source("SET", "k", "v1")
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000") == b"+OK\r\n"
    assert both.source("EXISTS", "k") == b":0\r\n"
    assert both.target("GET", "k") == b"$2\r\nv1\r\n"
    both.source("SET", "k", "v2")
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000").startswith(
        b"-ERR Target instance replied with error: BUSYKEY")
    assert both.source("GET", "k") == b"$2\r\nv2\r\n"
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000", "REPLACE") == b"+OK\r\n"
    assert both.target("GET", "k") == b"$2\r\nv2\r\n"
    both.source("SET", "k", "v3")
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000", "COPY", "REPLACE") == b"+OK\r\n"
    assert both.source("GET", "k") == b"$2\r\nv3\r\n"
    assert both.target("GET", "k") == b"$2\r\nv3\r\n"
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000", "COPY").startswith(
        b"-ERR Target instance replied with error: BUSYKEY")


def test_keys_moves_those_that_exist(both):
    both.source("MSET", "a", "1", "b", "2", "c", "3")
    both.target("SET", "c", "old")
    # one key refused: the error is the reply, the others still move
    assert both.run("MIGRATE", HOST, PORT, "", "0", "1000", "KEYS", "a", "nope", "c", "b") \
        == b"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
    assert both.source("MGET", "a", "b", "c") == b"*3\r\n$-1\r\n$-1\r\n$1\r\n3\r\n"
    assert both.target("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$3\r\nold\r\n"


def test_database_select_and_its_errors(both):
    both.source("MSET", "a", "1", "b", "2", "c", "3")
    assert both.run("MIGRATE", HOST, PORT, "a", "3", "1000") == b"+OK\r\n"
    assert both.run("MIGRATE", HOST, PORT, "b", "99", "1000") \
        == b"-ERR Target instance replied with error: ERR DB index is out of range\r\n"
    # Redis's way: the RESTORE after the failed SELECT landed in the
    # database selected before, but the key stays on the source
    assert both.source("EXISTS", "b") == b":1\r\n"
    # the failed SELECT made the cached connection forget its database
    assert both.run("MIGRATE", HOST, PORT, "c", "3", "1000") == b"+OK\r\n"
    both.target("SELECT", "3")
    assert both.target("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"


def test_ttl_travels(both):
    both.source("SET", "k", "v", "PX", "100000")
    both.source("SET", "p", "v")
    assert both.run("MIGRATE", HOST, PORT, "", "0", "1000", "KEYS", "k", "p") == b"+OK\r\n"
    for conn in both.targets:
        ttl = int(conn.command("PTTL", "k")[1:-2])
        assert 90000 < ttl <= 100000
        assert conn.command("PTTL", "p") == b":-1\r\n"


def test_auth_and_auth2(both_auth):
    b = both_auth
    b.source("MSET", "a", "1", "b", "2", "c", "3")
    assert b.run("MIGRATE", HOST, PORT, "a", "0", "1000") \
        == b"-ERR Target instance replied with error: NOAUTH Authentication required.\r\n"
    assert b.run("MIGRATE", HOST, PORT, "a", "0", "1000", "AUTH", "bad").startswith(
        b"-ERR Target instance replied with error: WRONGPASS")
    assert b.run("MIGRATE", HOST, PORT, "a", "0", "1000", "AUTH2", "nobody", "pw").startswith(
        b"-ERR Target instance replied with error: WRONGPASS")
    assert b.run("MIGRATE", HOST, PORT, "a", "0", "1000", "AUTH", "pw") == b"+OK\r\n"
    assert b.run("MIGRATE", HOST, PORT, "", "0", "1000", "AUTH2", "default", "pw",
                 "KEYS", "b", "c") == b"+OK\r\n"
    b.target("AUTH", "pw")
    assert b.target("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"


def test_watch_sees_the_migrated_key(both):
    both.source("SET", "k", "v")
    both.source("WATCH", "k")
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000", "COPY") == b"+OK\r\n"
    both.source("MULTI")
    both.source("PING")
    assert both.source("EXEC") == b"*1\r\n+PONG\r\n"
    both.source("WATCH", "k")
    assert both.run("MIGRATE", HOST, PORT, "k", "0", "1000", "REPLACE") == b"+OK\r\n"
    both.source("MULTI")
    both.source("PING")
    assert both.source("EXEC") == b"*-1\r\n"


# ---------------------------------------------------------------- connections

def test_connection_cached_and_retried(both_private):
    both = both_private
    both.source("MSET", "a", "1", "b", "2")
    assert both.run("MIGRATE", HOST, PORT, "a", "0", "1000") == b"+OK\r\n"
    for conn in both.sources:
        assert b"migrate_cached_sockets:1\r\n" in conn.command("INFO", "stats")
    # the target drops the cached connection: the next MIGRATE retries once
    for conn in both.targets:
        assert conn.command("CLIENT", "KILL", "TYPE", "normal") == b":1\r\n"
    assert both.run("MIGRATE", HOST, PORT, "b", "0", "1000") == b"+OK\r\n"
    assert both.target("EXISTS", "a", "b") == b":2\r\n"


def test_cached_connection_closed_when_idle(both_private):
    both = both_private
    both.source("SET", "a", "1")
    assert both.run("MIGRATE", HOST, PORT, "a", "0", "1000") == b"+OK\r\n"
    # Redis's cron closes a connection idle for more than 10 s
    deadline = time.monotonic() + 20
    # both cached connections are checked before waiting for either to close:
    # waiting ~10 s for one lets the other's run out too
    for conn, name in zip(both.sources, ("rkvd", "redis")):
        info = conn.command("INFO", "stats")
        assert b"migrate_cached_sockets:1\r\n" in info, f"{name}: {info!r}"
    for conn, name in zip(both.sources, ("rkvd", "redis")):
        while b"migrate_cached_sockets:1\r\n" in conn.command("INFO", "stats"):
            assert time.monotonic() < deadline, f"{name} kept its idle MIGRATE connection"
            time.sleep(0.5)
    assert both.target("INFO", "clients").count(b"connected_clients:1\r\n") == 1


class _Silent:
    """A target that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for c in self.accepted:
            c.close()


def test_timeout_is_not_retried(rkvd, redis_ref):
    silent = _Silent()
    try:
        replies = []
        for server in (rkvd, redis_ref):
            with server.raw(timeout=10) as conn:
                conn.command("SET", "k", "v")
                start = time.monotonic()
                replies.append(conn.command("MIGRATE", HOST, silent.port, "k", "0", "1000",
                                            timeout=10))
                elapsed = time.monotonic() - start
                assert conn.command("EXISTS", "k") == b":1\r\n"
            assert 0.9 < elapsed < 1.8, f"{server.name} took {elapsed:.2f} s"
        assert replies[0] == replies[1] == b"-IOERR error or timeout reading to target instance\r\n"
        assert len(silent.accepted) == 2        # one connection each: no retry
    finally:
        silent.close()


# ---------------------------------------------------------------- every type, every direction

DATASET = [
    ("SET", "str:int", "12345"),
    ("SET", "str:emb", "hello"),
    ("SET", "str:raw", "x" * 200),
    ("SET", "str:lzf", "abc" * 300),
    ("RPUSH", "list:small", "a", "1", "b"),
    ("RPUSH", "list:big", *[f"element-{i}" * 3 for i in range(400)]),
    ("HSET", "hash:small", "f1", "v1", "f2", "2"),
    ("HSET", "hash:big", *[x for i in range(300) for x in (f"field{i}", f"value{i}")]),
    ("SADD", "set:int", "1", "2", "3", "-40"),
    ("SADD", "set:str", "a", "b", "c"),
    ("SADD", "set:big", *[f"m{i}" for i in range(300)]),
    ("ZADD", "zset:small", "1", "a", "2.5", "b"),
    ("ZADD", "zset:big", *[x for i in range(300) for x in (str(i / 7), f"member{i}")]),
    ("PFADD", "hll", "a", "b", "c"),
    ("SET", "ttl:key", "v", "PX", "500000"),
]


def _fill(conn):
    for cmd in DATASET:
        assert not conn.command(*cmd).startswith(b"-"), cmd
    keys = sorted({cmd[1] for cmd in DATASET})
    return keys, {k: conn.command("DEBUG", "DIGEST-VALUE", k) for k in keys}


def _migrate_all(source, target):
    with source.raw() as src, target.raw() as dst:
        keys, digests = _fill(src)
        reply = src.command("MIGRATE", HOST, target.port, "", "0", "5000", "KEYS", *keys)
        assert reply == b"+OK\r\n", reply
        assert src.command("DBSIZE") == b":0\r\n"
        for k in keys:
            assert dst.command("DEBUG", "DIGEST-VALUE", k) == digests[k], k
        ttl = int(dst.command("PTTL", "ttl:key")[1:-2])
        assert 400000 < ttl <= 500000


def test_rkvd_to_redis(rkvd_factory, redis_factory):
    _migrate_all(rkvd_factory(), redis_factory())


def test_redis_to_rkvd(rkvd_factory, redis_factory):
    _migrate_all(redis_factory(), rkvd_factory())


def test_rkvd_to_rkvd(rkvd_factory):
    _migrate_all(rkvd_factory(), rkvd_factory())


def test_target_errors_from_rkvd_match_redis(rkvd_factory, redis_factory):
    # the same source (redis-server) and a target of each kind: what the
    # target answers reaches the client the same way
    replies = []
    for target in (rkvd_factory("--requirepass", "pw"), redis_factory("--requirepass", "pw")):
        source = redis_factory()
        with source.raw() as src:
            src.command("MSET", "a", "1", "b", "2")
            got = [src.command("MIGRATE", HOST, target.port, "a", "0", "1000"),
                   src.command("MIGRATE", HOST, target.port, "a", "0", "1000", "AUTH", "x"),
                   src.command("MIGRATE", HOST, target.port, "a", "0", "1000", "AUTH", "pw"),
                   src.command("SET", "a", "1"),
                   src.command("MIGRATE", HOST, target.port, "a", "0", "1000", "AUTH", "pw"),
                   src.command("MIGRATE", HOST, target.port, "b", "16", "1000", "AUTH", "pw")]
        replies.append(got)
    assert replies[0] == replies[1]
