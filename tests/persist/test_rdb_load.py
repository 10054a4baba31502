"""The RDB loader (rkvd/_core/persist/rdb_load.pyx) on whole files, in
process: an Engine built in the test, loaded with RdbLoader, compared with
what redis-server 7.0.15 holds for the same file (DEBUG DIGEST, OBJECT
ENCODING, TTLs).

Files come from a real redis-server (SAVE) for what 7.0 writes, and from the
test-side encoder (rdbenc) for what older versions wrote: redis-server loads
those same bytes with DEBUG RELOAD NOSAVE, so both sides always see one file.
"""
import os
import random
import struct
import subprocess
import time

import pytest
import rdbenc
from hypothesis import given, settings
from hypothesis import strategies as st
from rdbenc import RdbFile

import support
from rkvd._core.introspect import db_keys, db_lookup
from rkvd._core.persist.rdb_load import (
    RDBFLAGS_ALLOW_DUP,
    RDBFLAGS_AOF_PREAMBLE,
    RdbError,
    RdbLoader,
    rdb_load_bytes,
    rdb_load_path,
    set_skip_checksum_validation,
)
from rkvd._core.server import Engine
from rkvd.commands.debug import dataset_digest
from support import parse_reply

pytestmark = pytest.mark.timeout(300)

FAR = int(time.time() * 1000) + 10 ** 9          # an expire time decades ahead


# redis-server 7.0.15's defaults for what the loader reads
REDIS_DEFAULTS = {"hash_max_listpack_entries": 128, "hash_max_listpack_value": 64,
                  "set_max_intset_entries": 512, "zset_max_listpack_entries": 128,
                  "zset_max_listpack_value": 64, "list_max_listpack_size": -2, "list_compress_depth": 0}


def engine(**settings) -> Engine:
    """An in-process engine with Redis's defaults, overridden by settings
    (config names with '-' or engine field names)."""
    e = Engine(None, 16)
    for name, value in {**REDIS_DEFAULTS, **settings}.items():
        setattr(e, name.replace("-", "_"), value)
    return e


def load(data: bytes, flags: int = 0, **settings):
    e = engine(**settings)
    return e, rdb_load_bytes(e, data, flags)


def snapshot(e: Engine) -> dict:
    """{(db, key): (type, encoding, expire)} of an in-process engine."""
    out = {}
    for db in e.dbs:
        for key in db_keys(db):
            typ, enc, _value, expire, _lru = db_lookup(db, key)
            out[(db.id, key)] = (typ, enc, expire)
    return out


# ---------------------------------------------------------------- redis side

class Redis:
    """A private redis-server 7.0.15 driven over a raw connection."""

    def __init__(self, server):
        self.server = server
        self.conn = server.raw(timeout=60)

    def __call__(self, *args):
        kind, value = parse_reply(self.conn.command(*args))
        if kind == "-":
            raise AssertionError(f"{args[:3]}: {value!r}")
        return value

    def path(self) -> str:
        return os.path.join(str(self.server.dir), "dump.rdb")

    def save(self) -> bytes:
        self("SAVE")
        with open(self.path(), "rb") as f:
            return f.read()

    def reload(self, data: bytes):
        """Load `data` as redis-server's own file (DEBUG RELOAD NOSAVE)."""
        with open(self.path(), "wb") as f:
            f.write(data)
        self("DEBUG", "RELOAD", "NOSAVE")

    def configure(self, **settings):
        for name, value in settings.items():
            self("CONFIG", "SET", name.replace("_", "-"), str(value))

    def snapshot(self) -> dict:
        out = {}
        for dbid in range(16):
            self("SELECT", dbid)
            for _, key in self("KEYS", "*"):
                typ = self("TYPE", key).decode()
                enc = self("OBJECT", "ENCODING", key).decode()
                pttl = self("PTTL", key)
                expire = -1 if pttl < 0 else int(self("PEXPIRETIME", key))
                out[(dbid, key)] = (typ, enc, expire)
        self("SELECT", 0)
        return out

    def digest(self) -> str:
        return self("DEBUG", "DIGEST").decode()


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    server = support.ServerProcess([support.REDIS_SERVER], "redis-rdbload", tmp_path_factory.mktemp("redis-rdbload"))
    server.start()
    r = Redis(server)
    yield r
    r.conn.close()
    server.kill()


@pytest.fixture
def fresh(redis):
    """The module's redis-server, emptied and with default thresholds."""
    redis("FLUSHALL")
    redis.configure(**{"hash-max-listpack-entries": 128, "hash-max-listpack-value": 64,
                       "set-max-intset-entries": 512, "zset-max-listpack-entries": 128,
                       "zset-max-listpack-value": 64, "list-max-listpack-size": -2,
                       "list-compress-depth": 0, "rdbcompression": "yes"})
    redis("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1073741824")
    return redis


def assert_same_as_redis(redis: Redis, data: bytes, **settings):
    """Load `data` in both; same digest, types, encodings and expire times."""
    redis.configure(**settings)
    redis.reload(data)
    e, loader = load(data, **{k.replace("-", "_"): v for k, v in settings.items()})
    assert dataset_digest(e) == redis.digest()
    assert snapshot(e) == redis.snapshot()
    return e, loader


# ---------------------------------------------------------------- dataset

def make_dataset(r: Redis):
    """Every type in every encoding Redis 7.0 writes, in several databases,
    some keys with a TTL."""
    r("SELECT", 0)
    r("SET", "int", "12345")
    r("SET", "negint", "-9223372036854775808")
    r("SET", "embstr", "x" * 44)
    r("SET", "raw", "y" * 45)
    r("SET", "compressible", "abc" * 1000)              # LZF with rdbcompression yes
    r("SET", "binary", bytes(range(256)))
    r("SET", "empty", "")
    r("RPUSH", "list-small", "a", "b", "1", "-2", "99999999999")
    r("RPUSH", "list-big", *[f"element-{i}" for i in range(3000)])
    r("RPUSH", "list-longitem", "z" * 10000, "a")
    r("SADD", "set-int", *range(100))
    r("SADD", "set-int-big", *range(-300000, 300000, 997))
    r("SADD", "set-str", "a", "b", "c")
    r("SADD", "set-str-big", *[f"m{i}" for i in range(1000)])
    r("ZADD", "zset-small", 1, "a", 2.5, "b", -3, "c", "inf", "d", "-inf", "e")
    r("ZADD", "zset-big", *[x for i in range(300) for x in (i * 1.25, f"member-{i}")])
    r("ZADD", "zset-longmember", 1, "m" * 100)
    r("HSET", "hash-small", "f1", "v1", "f2", "2", "f3", "")
    r("HSET", "hash-big", *[x for i in range(1000) for x in (f"field{i}", f"value{i}")])
    r("HSET", "hash-longvalue", "f", "v" * 100)
    for i in range(1, 250):
        r("XADD", "stream", f"{i}-{i % 3}", "f", i, "g", "v" * (i % 30))
    r("XADD", "stream", "300-0", "other", "fields")
    r("XDEL", "stream", "5-2", "7-1")
    r("XGROUP", "CREATE", "stream", "g", "0")
    r("XREADGROUP", "GROUP", "g", "c1", "COUNT", "3", "STREAMS", "stream", ">")
    r("XGROUP", "CREATECONSUMER", "stream", "g", "idle")
    r("XGROUP", "CREATE", "stream-empty", "g", "$", "MKSTREAM")
    r("PEXPIREAT", "int", FAR)
    r("PEXPIREAT", "list-big", FAR + 1)
    r("PEXPIREAT", "hash-big", FAR + 2)
    r("SELECT", 3)
    r("SET", "in-db3", "v")
    r("HSET", "h3", "a", "1")
    r("EXPIRE", "h3", 100000)
    r("SELECT", 15)
    r("SADD", "s15", "x")
    r("SELECT", 0)


@pytest.mark.needs_redis
@pytest.mark.parametrize("config", [
    {},
    {"rdbcompression": "no"},
    {"list-compress-depth": 1, "list-max-listpack-size": 4},
    {"list-compress-depth": 2, "list-max-listpack-size": -1},
], ids=["default", "uncompressed", "compressed-nodes", "compressed-8k"])
def test_file_saved_by_redis_loads_the_same(fresh, config):
    fresh.configure(**config)
    make_dataset(fresh)
    data = fresh.save()
    e, loader = load(data)
    assert dataset_digest(e) == fresh.digest()
    assert snapshot(e) == fresh.snapshot()
    assert loader.keys_loaded == fresh("DBSIZE") + 2 + 1
    assert loader.aux[b"redis-ver"] == b"7.0.15"
    assert loader.rdb_end == loader.total_bytes == loader.bytes_read == len(data)


@pytest.mark.needs_redis
def test_plain_quicklist_nodes(fresh):
    fresh("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    fresh("RPUSH", "l", "a", "p" * 500, "b", "q" * 101, "c")
    fresh("RPUSH", "only-plain", "x" * 1000)
    data = fresh.save()
    e, _ = load(data)
    assert dataset_digest(e) == fresh.digest()
    assert db_lookup(e.dbs[0], b"l")[2].elements() == [b"a", b"p" * 500, b"b", b"q" * 101, b"c"]


@pytest.mark.needs_redis
def test_file_path_loader_and_steps(fresh, tmp_path):
    for i in range(2000):
        fresh("SET", f"key:{i}", "v" * (i % 50))
    data = fresh.save()
    path = tmp_path / "dump.rdb"
    path.write_bytes(data)
    e = engine()
    loader = RdbLoader(e, str(path))
    steps, seen = 0, 0
    while loader.step(4096):
        steps += 1
        assert seen < loader.bytes_read < loader.total_bytes
        seen = loader.bytes_read
    assert steps > 5
    assert loader.keys_loaded == 2000 and len(e.dbs[0]) == 2000
    assert dataset_digest(e) == fresh.digest()
    assert not loader.step(4096)                  # done stays done
    e2 = engine()
    assert rdb_load_path(e2, str(path)).keys_loaded == 2000
    with pytest.raises(FileNotFoundError):
        RdbLoader(e2, str(tmp_path / "missing.rdb"))


def feed_in_pieces(data: bytes, sizes, dbs=None, e=None):
    """Load data through a fed loader, the pieces' sizes drawn from sizes
    (cycled), stepping whenever it can go on. Returns (engine, loader)."""
    e = e or engine()
    loader = RdbLoader.fed(e, 0, len(data), dbs)
    pos, i = 0, 0
    while True:
        if loader.wanted:
            n = sizes[i % len(sizes)]
            i += 1
            loader.feed(data[pos:pos + n])
            pos += n
            if pos >= len(data):
                loader.end_input()
            continue
        if not loader.step(1000):
            break
    return e, loader


@pytest.mark.needs_redis
@pytest.mark.parametrize("sizes", [[1], [7, 1, 300], [4096], [65536], [1 << 30]],
                         ids=["bytes", "ragged", "4k", "64k", "whole"])
def test_fed_loader_loads_any_split_the_same(fresh, sizes):
    """A replica's diskless load: records cut anywhere by the network are
    read again once the rest arrives, with the same result."""
    make_dataset(fresh)
    fresh("SET", "big", "b" * 300000)
    fresh("RPUSH", "biglist", *["e" * 1000] * 500)
    data = fresh.save()
    e, loader = feed_in_pieces(data, sizes)
    assert dataset_digest(e) == fresh.digest()
    assert loader.rdb_end == loader.bytes_read == len(data)
    assert loader.unread == 0
    assert loader.keys_loaded == fresh("DBSIZE") + 2 + 1


@pytest.mark.needs_redis
def test_fed_loader_into_other_databases(fresh):
    """swapdb: the load goes to databases set aside, the engine's stay."""
    from rkvd._core.server import Database
    make_dataset(fresh)
    data = fresh.save()
    e = engine()
    aside = [Database(e, i) for i in range(16)]
    feed_in_pieces(data, [1000], aside, e)
    assert all(len(db) == 0 for db in e.dbs)
    assert [len(db) for db in aside][:4] == [fresh("DBSIZE"), 0, 0, 2]
    with pytest.raises(ValueError):
        RdbLoader.fed(e, 0, 0, aside[:3])


def test_fed_loader_errors():
    good = RdbFile().select(0).key("k", 0, rdbenc.enc_str(b"v")).finish()
    # input that ends inside a record is a short read, as a file's end
    with pytest.raises(RdbError, match="Short read"):
        feed_in_pieces(good[:-5], [3])
    # what follows the trailer stays unread (the caller checks the mark)
    _, loader = feed_in_pieces(good + b"tail", [len(good) + 4])
    assert loader.unread == 4 and loader.keys_loaded == 1
    with pytest.raises(ValueError):                 # only a fed loader takes input
        RdbLoader.from_bytes(engine(), good).feed(b"x")


# ---------------------------------------------------------------- older encodings

def old_format_file(version: int = 9) -> bytes:
    """One key of every encoding older Redis versions wrote."""
    f = RdbFile(version=version, aux=(("redis-ver", "3.2.0"),) if version >= 7 else ())
    f.select(0, (20, 2) if version >= 7 else None)
    f.key("zipmap", rdbenc.HASH_ZIPMAP, rdbenc.obj_blob(rdbenc.zipmap(
        [(b"name", b"redis"), (b"n", b"123"), (b"", b"empty-field")], free=2)))
    f.key("zipmap-long", rdbenc.HASH_ZIPMAP, rdbenc.obj_blob(rdbenc.zipmap(
        [(b"f" * 300, b"v"), (b"g", b"w" * 260)])))
    f.key("list-ziplist", rdbenc.LIST_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
        [b"a", 7, -1, 300, 70000, -(1 << 20), 1 << 40, b"x" * 70, b"y" * 17000, b"12", b"012"])))
    f.key("intset", rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([5, -3, 1 << 35])))
    f.key("zset-ziplist", rdbenc.ZSET_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
        [b"a", b"1", b"b", b"2.5", b"c", 3, 42, b"-1"])))
    f.key("hash-ziplist", rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
        [b"f1", b"v1", b"f2", 2, 3, b"three"])))
    f.key("quicklist", rdbenc.LIST_QUICKLIST, rdbenc.obj_quicklist_ziplists(
        [rdbenc.ziplist([b"a", b"b", 1]), rdbenc.ziplist([]), rdbenc.ziplist([b"c" * 100, 2])]))
    f.key("linked", rdbenc.LIST, rdbenc.obj_list_linked([b"x", b"y", b"1"]))
    f.key("set-ints", rdbenc.SET, rdbenc.obj_set([b"1", b"2", b"3"]))
    f.key("set-mixed", rdbenc.SET, rdbenc.obj_set([b"1", b"two", b"3"]))
    f.key("zset-text", rdbenc.ZSET, rdbenc.obj_zset_text(
        [(b"a", 1.5), (b"b", float("inf")), (b"c", -2.0), (b"d", 1e20)]))
    f.key("zset-binary", rdbenc.ZSET_2, rdbenc.obj_zset_binary([(b"a", 0.1), (b"b", -7.0)]))
    f.key("hash-plain", rdbenc.HASH, rdbenc.obj_hash([(b"a", b"1"), (b"b", b"x" * 100)]))
    f.key("int-enc", rdbenc.STRING, rdbenc.enc_int_str(-32768))
    f.key("lzf", rdbenc.STRING, rdbenc.enc_lzf_str(b"hello world " * 10))
    f.key("expire-s", rdbenc.STRING, rdbenc.obj_string(b"v"), expire_s=int(time.time()) + 10 ** 6)
    f.key("expire-ms", rdbenc.STRING, rdbenc.obj_string(b"v"), expire_ms=FAR)
    f.select(7)
    f.key("db7", rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1, 2], width=8)))
    return f.finish()


@pytest.mark.needs_redis
@pytest.mark.parametrize("version", [9, 6, 3])
def test_old_encodings_convert_like_redis(fresh, version):
    assert_same_as_redis(fresh, old_format_file(version))


@pytest.mark.needs_redis
@pytest.mark.parametrize("settings", [
    {"hash-max-listpack-entries": 2, "set-max-intset-entries": 2, "zset-max-listpack-entries": 2},
    {"hash-max-listpack-value": 1, "zset-max-listpack-value": 1, "list-max-listpack-size": 1},
    {"hash-max-listpack-entries": 0, "set-max-intset-entries": 0, "zset-max-listpack-entries": 0},
    {"list-compress-depth": 1, "list-max-listpack-size": 2},
], ids=["few-entries", "short-values", "zero", "compressed"])
def test_old_encodings_at_other_thresholds(fresh, settings):
    assert_same_as_redis(fresh, old_format_file(9), **settings)


@pytest.mark.needs_redis
@pytest.mark.parametrize("settings", [
    {},
    {"hash-max-listpack-entries": 1000, "set-max-intset-entries": 2000, "zset-max-listpack-entries": 1000},
    {"hash-max-listpack-entries": 3, "set-max-intset-entries": 3, "zset-max-listpack-entries": 3},
], ids=["default", "large", "small"])
def test_reencoding_at_load_follows_thresholds(fresh, settings):
    """Hash tables that fit a listpack become one, listpacks over the limit
    convert, intsets over the limit convert (rdbLoadObject's rules)."""
    make_dataset(fresh)
    data = fresh.save()
    fresh("FLUSHALL")
    assert_same_as_redis(fresh, data, **settings)


@pytest.mark.needs_redis
def test_empty_values_are_skipped(fresh):
    f = RdbFile(version=9)
    f.select(0)
    f.key("empty-set", rdbenc.SET, rdbenc.obj_set([]))
    f.key("empty-list", rdbenc.LIST, rdbenc.obj_list_linked([]))
    f.key("empty-zset", rdbenc.ZSET_2, rdbenc.obj_zset_binary([]))
    f.key("empty-hash", rdbenc.HASH, rdbenc.obj_hash([]))
    f.key("empty-ziplist-list", rdbenc.LIST_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([])))
    f.key("empty-quicklist", rdbenc.LIST_QUICKLIST, rdbenc.obj_quicklist_ziplists([rdbenc.ziplist([])]))
    f.key("empty-quicklist2", rdbenc.LIST_QUICKLIST_2, rdbenc.obj_quicklist2([(2, rdbenc.listpack([]))]))
    f.key("empty-hash-zl", rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([])))
    f.key("empty-zset-zl", rdbenc.ZSET_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([])))
    f.key("empty-hash-lp", rdbenc.HASH_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([])))
    f.key("empty-zset-lp", rdbenc.ZSET_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([])))
    f.key("kept", rdbenc.STRING, rdbenc.obj_string(b"v"))
    e, loader = assert_same_as_redis(fresh, f.finish())
    assert loader.empty_keys_skipped == 11 and loader.keys_loaded == 1
    assert list(db_keys(e.dbs[0])) == [b"kept"]


# ---------------------------------------------------------------- keys and expires

def _expired_file():
    past = int(time.time() * 1000) - 1000
    f = RdbFile()
    f.select(0)
    f.key("gone", rdbenc.STRING, rdbenc.obj_string(b"v"), expire_ms=past)
    f.key("gone-s", rdbenc.STRING, rdbenc.obj_string(b"v"), expire_s=int(time.time()) - 10)
    f.key("kept", rdbenc.STRING, rdbenc.obj_string(b"v"), expire_ms=FAR)
    return f.finish(), past


def test_expired_keys_are_dropped_by_a_master():
    data, _ = _expired_file()
    e, loader = load(data)
    assert loader.expired_skipped == 2 and loader.keys_loaded == 1
    assert snapshot(e) == {(0, b"kept"): ("string", "embstr", FAR)}


def test_expired_keys_are_kept_in_an_aof_preamble_and_by_a_replica():
    data, past = _expired_file()
    for flags, overrides in ((RDBFLAGS_AOF_PREAMBLE, {}), (0, {"is_replica": True})):
        e, loader = load(data, flags, **overrides)
        assert loader.expired_skipped == 0 and loader.keys_loaded == 3
        assert snapshot(e)[(0, b"gone")][2] == past


def test_duplicate_key_is_fatal_unless_allowed():
    f = RdbFile()
    f.select(4)
    f.key("k", rdbenc.STRING, rdbenc.obj_string(b"first"))
    f.key("k", rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1])), expire_ms=FAR)
    data = f.finish()
    with pytest.raises(RdbError) as exc:
        load(data)
    assert str(exc.value) == "RDB has duplicated key 'k' in DB 4"
    e, loader = load(data, RDBFLAGS_ALLOW_DUP)
    assert snapshot(e) == {(4, b"k"): ("set", "intset", FAR)}
    assert loader.keys_loaded == 2


def test_allow_dup_replaces_keys_already_in_the_engine():
    f = RdbFile()
    f.select(0)
    f.key("k", rdbenc.STRING, rdbenc.obj_string(b"new"))
    e = engine()
    rdb_load_bytes(e, f.finish())
    with pytest.raises(RdbError):
        rdb_load_bytes(e, f.finish())
    rdb_load_bytes(e, f.finish(), RDBFLAGS_ALLOW_DUP)
    assert db_lookup(e.dbs[0], b"k")[2] == b"new"


def test_resizedb_presizes_without_trusting_huge_counts():
    f = RdbFile()
    f.select(0, (5000, 100))
    f.key("k", rdbenc.STRING, rdbenc.obj_string(b"v"))
    # a hint is trusted as far as the input could hold that many keys (an
    # AOF tail counts: the loader cannot know where the RDB part ends)
    e, _ = load(f.finish() + b"\n" * 10000, RDBFLAGS_AOF_PREAMBLE)
    assert e.dbs[0].table_info[0] >= 4096
    f = RdbFile()
    f.select(0, (1 << 50, 1 << 50))        # a corrupt hint must not allocate petabytes
    f.key("k", rdbenc.STRING, rdbenc.obj_string(b"v"))
    e, _ = load(f.finish())
    assert len(e.dbs[0]) == 1


def test_idle_and_freq_set_the_access_clock():
    f = RdbFile()
    f.select(0)
    f.key("idle", rdbenc.STRING, rdbenc.obj_string(b"v"), idle=100)
    f.key("freq", rdbenc.STRING, rdbenc.obj_string(b"v"), freq=42)
    f.key("plain", rdbenc.STRING, rdbenc.obj_string(b"v"))
    data = f.finish()
    e = engine()
    clock = e.lruclock
    rdb_load_bytes(e, data)
    assert db_lookup(e.dbs[0], b"idle")[4] == (clock - 100) & 0xFFFFFF
    assert db_lookup(e.dbs[0], b"freq")[4] == clock           # FREQ means nothing under LRU
    e = engine(lfu_mode=True)
    rdb_load_bytes(e, data)
    minutes = (int(time.time()) // 60) & 0xFFFF
    assert db_lookup(e.dbs[0], b"freq")[4] in ((minutes << 8) | 42, ((minutes - 1) << 8) | 42)
    assert db_lookup(e.dbs[0], b"plain")[4] & 0xFF == 5        # LFU_INIT_VAL
    assert db_lookup(e.dbs[0], b"idle")[4] & 0xFF == 5


@pytest.mark.needs_redis
def test_idle_time_matches_redis(fresh):
    f = RdbFile()
    f.select(0)
    f.key("idle", rdbenc.STRING, rdbenc.obj_string(b"v"), idle=1000)
    fresh.reload(f.finish())
    assert 999 <= fresh("OBJECT", "IDLETIME", "idle") <= 1002


def test_trailing_data_after_the_rdb_part():
    f = RdbFile()
    f.aux("aof-base", "1")
    f.select(0)
    f.key("k", rdbenc.STRING, rdbenc.obj_string(b"v"))
    rdb = f.finish()
    _, loader = load(rdb + b"*1\r\n$4\r\nPING\r\n", RDBFLAGS_AOF_PREAMBLE)
    assert loader.rdb_end == len(rdb)
    assert loader.aux[b"aof-base"] == b"1"


# ---------------------------------------------------------------- refused files

def _file_with(raw: bytes, version: int = 10) -> bytes:
    return RdbFile(version=version).select(0).raw(raw).finish()


def module_id(name: str, encver: int = 0) -> int:
    """A module type id carrying `name` (Redis's moduleTypeEncodeId)."""
    cset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    v = 0
    for ch in name:
        v = (v << 6) | cset.index(ch)
    return (v << 10) | encver


def _refusals():
    good = RdbFile().select(0).key("k", rdbenc.STRING, rdbenc.obj_string(b"value")).finish()
    bad_crc = good[:-8] + struct.pack("<Q", rdbenc.crc64(good[:-8]) ^ 1)
    expected = rdbenc.crc64(good[:-8])
    module_aux = bytes([rdbenc.OP_MODULE_AUX]) + rdbenc.enc_len(module_id("Loremipsu")) + \
        rdbenc.enc_len(2) + rdbenc.enc_len(0)
    return [
        ("empty", b"", "Short read or OOM loading DB. Unrecoverable error, aborting now."),
        ("short-header", b"REDIS00", "Short read or OOM loading DB. Unrecoverable error, aborting now."),
        ("signature", b"REDIX0010\xff" + b"\0" * 8, "Wrong signature trying to load DB from file"),
        ("version-11", b"REDIS0011\xff" + b"\0" * 8, "Can't handle RDB format version 11"),
        ("version-0", b"REDIS0000\xff", "Can't handle RDB format version 0"),
        ("truncated", good[:-12], "Short read or OOM loading DB. Unrecoverable error, aborting now."),
        ("no-trailer", good[:-8], "Short read or OOM loading DB. Unrecoverable error, aborting now."),
        ("crc", bad_crc, "Wrong RDB checksum expected: (%x) but got (%x). Aborting now."
         % (expected, expected ^ 1)),
        ("databases", RdbFile().select(16).finish(),
         "FATAL: Data file was created with a Redis server configured to handle more than 16 databases. Exiting"),
        ("module-aux", _file_with(module_aux),
         "The RDB file contains AUX module data I can't load: no matching module 'Loremipsu'"),
        ("unknown-type", _file_with(b"\x08\x01k\x00"),
         "Internal error in RDB reading offset 0, function at rdb.c:2681 -> Unknown RDB encoding type 8"),
        ("corrupt-ziplist", _file_with(b"\x0d\x01k" + rdbenc.enc_str(b"\x0a\0\0\0\0\0\0\0\0\0\xff")),
         "Internal error in RDB reading offset 0, function at rdb.c:2275 -> Hash ziplist integrity check failed."),
    ]


@pytest.mark.parametrize("data,message", [pytest.param(d, m, id=i) for i, d, m in _refusals()])
def test_refused_files(data, message):
    with pytest.raises(RdbError) as exc:
        load(data)
    assert str(exc.value) == message
    assert exc.value.lines[0] == message


@pytest.mark.needs_redis
@pytest.mark.parametrize("data,message", [pytest.param(d, m, id=i) for i, d, m in _refusals()
                                          ])
def test_refusals_are_the_lines_redis_logs(tmp_path, data, message):
    """redis-server started on the same file exits, logging our lines."""
    (tmp_path / "bad.rdb").write_bytes(data)
    proc = subprocess.run([support.REDIS_SERVER, "--port", "0", "--unixsocket", str(tmp_path / "sock"),
                           "--dir", str(tmp_path), "--dbfilename", "bad.rdb", "--logfile", ""],
                          capture_output=True, timeout=30)
    assert proc.returncode != 0
    log = proc.stdout.decode(errors="replace")
    with pytest.raises(RdbError) as exc:
        load(data)
    for line in exc.value.lines:
        assert line in log, f"{line!r} not in redis-server's log:\n{log[-3000:]}"


class _Shell:
    """What the loader reads of the daemon: its config and its log."""

    def __init__(self, **cfg):
        self.cfg = cfg
        self.log = self

    def __getattr__(self, level):
        return lambda msg: None


def test_checksum_zero_or_disabled_is_not_checked():
    good = RdbFile().select(0).key("k", rdbenc.STRING, rdbenc.obj_string(b"v")).finish()
    load(good[:-8] + b"\0" * 8)                      # saved with rdbchecksum no
    bad = good[:-8] + b"\1" * 8
    with pytest.raises(RdbError):
        load(bad)
    load(bad, server=_Shell(rdbchecksum=0))
    with pytest.raises(RdbError):
        load(bad, server=_Shell(rdbchecksum=1))
    try:
        set_skip_checksum_validation(True)
        load(bad)
    finally:
        set_skip_checksum_validation(False)


def test_old_versions_have_no_checksum():
    data = RdbFile(version=4, aux=()).select(0).key("k", rdbenc.STRING, rdbenc.obj_string(b"v")).finish()
    e, loader = load(data)
    assert loader.rdb_end == len(data) and len(e.dbs[0]) == 1


def test_libraries_go_to_the_function_loader():
    """FUNCTION2 records (and the release candidates' FUNCTION ones, rebuilt
    into a shebang line) go to the function engine; its refusal fails the
    load as a short read does."""
    from rkvd._core.persist.rdb_load import set_function_loader
    code = b"#!lua name=x\nredis.register_function('f', function() return 1 end)"
    old = bytes([246]) + rdbenc.enc_str(b"y") + rdbenc.enc_str(b"LUA") + b"\x01" + rdbenc.enc_str(b"desc") \
        + rdbenc.enc_str(b"return 2")
    seen = []
    try:
        set_function_loader(lambda eng, c, replace, ctx: seen.append((c, replace)))
        load(_file_with(bytes([rdbenc.OP_FUNCTION2]) + rdbenc.enc_str(code) + old))
        load(_file_with(bytes([rdbenc.OP_FUNCTION2]) + rdbenc.enc_str(code)), RDBFLAGS_ALLOW_DUP)
        assert seen == [(code, False), (b"#!LUA name=y\nreturn 2", False), (code, True)]
        set_function_loader(lambda eng, c, replace, ctx: "Library 'x' already exists")
        with pytest.raises(RdbError) as exc:
            load(_file_with(bytes([rdbenc.OP_FUNCTION2]) + rdbenc.enc_str(code)))
        assert "Short read or OOM loading DB" in str(exc.value)
        with pytest.raises(RdbError):
            load(_file_with(bytes([rdbenc.OP_FUNCTION2]) + b"\x05ab"))
    finally:
        set_function_loader(None)


def test_a_failed_load_stays_failed():
    e = engine()
    loader = RdbLoader.from_bytes(e, b"REDIS0011")
    for _ in range(2):
        with pytest.raises(RdbError):
            loader.step(100)


# ---------------------------------------------------------------- robustness

def _fuzz_base() -> bytes:
    f = RdbFile()
    f.select(0, (8, 1))
    f.key("s", rdbenc.STRING, rdbenc.enc_lzf_str(b"abcdefgh" * 8))
    f.key("h", rdbenc.HASH_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", b"1", b"b", b"x" * 70])))
    f.key("z", rdbenc.ZSET_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"m", b"1", b"n", b"2.5"])))
    f.key("i", rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1, 2, 3])), expire_ms=FAR)
    f.key("q", rdbenc.LIST_QUICKLIST_2, rdbenc.obj_quicklist2(
        [(2, rdbenc.listpack([b"a", 1, b"b" * 70])), (1, b"plain")]))
    f.key("zl", rdbenc.LIST_QUICKLIST, rdbenc.obj_quicklist_ziplists([rdbenc.ziplist([b"a", 5, b"c" * 300])]))
    f.key("zm", rdbenc.HASH_ZIPMAP, rdbenc.obj_blob(rdbenc.zipmap([(b"f", b"v"), (b"g", b"w" * 10)])))
    f.key("hz", rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([b"f", b"v", b"g", 12])))
    f.key("zz", rdbenc.ZSET_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([b"a", b"1", b"b", 2])))
    f.key("set", rdbenc.SET, rdbenc.obj_set([b"x", b"1"]))
    f.key("zs", rdbenc.ZSET, rdbenc.obj_zset_text([(b"a", 1.0), (b"b", 2.0)]))
    f.key("hp", rdbenc.HASH, rdbenc.obj_hash([(b"a", b"1")]))
    return f.finish()


def _exercise(e: Engine):
    """Read every value back completely (a corrupt structure would crash here)."""
    dataset_digest(e)
    for db in e.dbs:
        for key in db_keys(db):
            value = db_lookup(db, key)[2]
            if hasattr(value, "items"):
                value.items()
            elif hasattr(value, "elements"):
                value.elements()
            elif hasattr(value, "set_members"):
                value.set_members()


@settings(max_examples=400)
@given(data=st.data())
def test_mutated_files_never_crash(data):
    base = bytearray(_fuzz_base())
    ops = data.draw(st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1, max_size=6))
    for pos, val in ops:
        base[pos] = val
    if data.draw(st.booleans()):
        base = base[:data.draw(st.integers(0, len(base)))]
    sanitize = data.draw(st.sampled_from([0, 1]))
    try:
        set_skip_checksum_validation(True)
        e = engine(sanitize_dump_payload=sanitize)
        try:
            rdb_load_bytes(e, bytes(base))
        except RdbError:
            pass
        _exercise(e)
    finally:
        set_skip_checksum_validation(False)


def test_random_garbage_never_crashes():
    rnd = random.Random(7)
    base = _fuzz_base()
    try:
        set_skip_checksum_validation(True)
        for _ in range(3000):
            cut = rnd.randrange(9, len(base))
            data = base[:cut] + bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
            e = engine()
            try:
                rdb_load_bytes(e, data)
            except RdbError:
                pass
            _exercise(e)
    finally:
        set_skip_checksum_validation(False)
