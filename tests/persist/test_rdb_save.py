"""The RDB writer (rkvd._core.persist.rdb_save) on whole files.

A dataset of every type and encoding, with expires, in several databases,
is built twice with the same commands: in an in-process rkvd engine and in
a reference redis-server (A). The engine's file, written by rdb_save_path,
must then:

* pass redis-check-rdb 7.0.15;
* load into a fresh redis-server (B) that has the same DEBUG DIGEST as A
  and as the engine, and key by key the same type, encoding, expire time
  and value (the same DUMP bytes where the encoding fixes the order);
* decode (tests/persist/rdbdec.py) to the structure Redis writes: magic,
  AUX, SELECTDB and RESIZEDB for non-empty databases only, IDLE or FREQ
  per flag, EOF and a CRC64 trailer, or 8 zero bytes without rdbchecksum.

Write errors, the temp file's life, the AUX encoding (against the records
in redis-server's own file) and the fork-child property (the writer dirties
no page of the objects it reads) are checked too.
"""
import os
import shutil
import struct
import subprocess
import threading
import time

import pytest
import rdbdec

from native import rdb_save as native_rdb_save
from rkvd._core.introspect import db_keys
from rkvd._core.lib.quicklist import py_set_packed_threshold
from rkvd._core.persist.rdb_save import (
    RDB_SAVE_CHECKSUM,
    RDB_SAVE_COMPRESS,
    RDB_SAVE_INCREMENTAL_FSYNC,
    RDB_SAVE_KEEP_LFU,
    RDB_SAVE_KEEP_LRU,
    rdb_aux_blob,
    rdb_encode_value,
    rdb_save_path,
)
from rkvd.commands.debug import dataset_digest
from rkvd.commandspec import SPECS
from support import encode_command, parse_reply

pytestmark = [pytest.mark.needs_redis, pytest.mark.timeout(300)]

REDIS_CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"
DEFAULT_FLAGS = RDB_SAVE_COMPRESS | RDB_SAVE_CHECKSUM

# Small thresholds, so that a small dataset has every encoding: quicklists
# of several nodes with compressed inner nodes, both set, hash and sorted
# set encodings.
CONFIG = {
    "list-max-listpack-size": 4, "list-compress-depth": 1,
    "hash-max-listpack-entries": 16, "hash-max-listpack-value": 64,
    "zset-max-listpack-entries": 16, "zset-max-listpack-value": 64,
    "set-max-intset-entries": 32,
}
CONFIG_ARGS = [x for name, value in CONFIG.items() for x in ("--" + name, str(value))]


# ---------------------------------------------------------------- the engine

class _Transport:
    def __init__(self):
        self.out = []

    def get_extra_info(self, name):
        return None

    def write(self, data):
        self.out.append(bytes(data))

    def set_write_buffer_limits(self, **kw):
        pass


class InProcess:
    """An rkvd engine in this process, driven by commands (C handlers only)."""

    def __init__(self, **config):
        from rkvd._core.server import Engine
        self.engine = Engine(None, 16)
        for name, value in {**CONFIG, **config}.items():
            setattr(self.engine, name.replace("-", "_"), value)
        self.engine.lfu_log_factor = 10
        self.engine.lfu_decay_time = 1
        self.engine.build_command_table(SPECS, {})
        self.client = self.engine.new_client()
        self.transport = _Transport()
        self.client.connection_made(self.transport)

    def __call__(self, *args):
        data = memoryview(encode_command(*args))
        while data:
            buf = memoryview(self.client.get_buffer(len(data)))
            n = min(len(buf), len(data))
            buf[:n] = data[:n]
            self.client.buffer_updated(n)
            data = data[n:]
        out = b"".join(self.transport.out)
        self.transport.out.clear()
        kind, value = parse_reply(out)
        assert kind != "-", f"{args[:3]}: {value!r}"
        return value


class Redis:
    def __init__(self, server):
        self.server = server
        self.conn = server.raw(timeout=60)

    def __call__(self, *args):
        kind, value = parse_reply(self.conn.command(*args))
        assert kind != "-", f"{args[:3]}: {value!r}"
        return value


def dataset():
    """Commands building every type and encoding, with expires, in databases
    0, 3 and 15 (1 is created then emptied: never written)."""
    far = int(time.time() * 1000) + 10**9
    cmds = [("SELECT", 0)]
    for i, v in enumerate([0, -1, 127, -128, 128, 32767, -32768, 32768, 2**31 - 1, -2**31, 2**31,
                           2**63 - 1, -2**63]):
        cmds.append(("SET", f"int:{i}", v))
    cmds += [("SET", "emb", "hello"), ("SET", "emb:num", "007"), ("SET", "raw", "r" * 100),
             ("SET", "raw:random", bytes(range(256)) * 2), ("SET", "empty", ""),
             ("SET", "appended", "12"), ("APPEND", "appended", "3"),
             ("SET", b"\x00bin\xffkey", b"\x00\x01"), ("SET", "12345", "numeric key"),
             ("SET", "k" * 300, "long key, compressible " * 4),
             ("SET", "vol:1", "x", "PXAT", far + 3), ("SET", "vol:2", 5), ("PEXPIREAT", "vol:2", far),
             ("SET", "big", "big value " * 20000)]
    cmds += [("RPUSH", "list:small", "a", 1, "b"),
             ("RPUSH", "list:nodes", *[f"element {i} " * (i % 5 + 1) for i in range(60)]),
             ("RPUSH", "list:ints", *range(-50, 50)),
             ("LPUSH", "list:vol", "x"), ("PEXPIREAT", "list:vol", far + 1)]
    cmds += [("SADD", "set:int16", 1, 2, -3), ("SADD", "set:int64", 2**40, -2**62),
             ("SADD", "set:ht", *[f"member:{i}" for i in range(40)]),
             ("SADD", "set:ht2", "a", "b", "c" * 50), ("PEXPIREAT", "set:ht2", far + 4)]
    cmds += [("HSET", "hash:lp", "f", "v", "n", 12, "long", "y" * 40),
             ("HSET", "hash:ht", *[x for i in range(40) for x in (f"field:{i}", f"value:{i}" * 3)]),
             ("HSET", "hash:ht:longval", "f", "z" * 100)]
    cmds += [("ZADD", "zset:lp", 1, "a", 2.5, "b", -1e300, "c", "inf", "d"),
             ("ZADD", "zset:sl", *[x for i in range(40) for x in (i * 0.75 - 10, f"m{i}")]),
             ("ZADD", "zset:sl:long", 1, "x" * 100, 2, "y"), ("PEXPIREAT", "zset:sl:long", far + 2)]
    # streams: several nodes, deleted entries, groups (no consumers: their
    # seen-time is the clock)
    cmds += [("XADD", "stream:nodes", f"{i}-{i % 3}", "f", i, "g", "v" * (i % 30)) for i in range(1, 250)]
    cmds += [("XADD", "stream:nodes", "300-0", "other", "fields"), ("XDEL", "stream:nodes", "5-2", "7-1"),
             ("XGROUP", "CREATE", "stream:nodes", "g1", "0"), ("XGROUP", "CREATE", "stream:nodes", "g0", "100"),
             ("XADD", "stream:empty", "1-1", "a", "b"), ("XDEL", "stream:empty", "1-1"),
             ("XGROUP", "CREATE", "stream:grouponly", "g", "$", "MKSTREAM"),
             ("XADD", "stream:vol", "1-0", "a", 1), ("PEXPIREAT", "stream:vol", far + 6)]
    cmds += [("SELECT", 1), ("SET", "gone", 1), ("DEL", "gone"),
             ("SELECT", 3), ("SET", "db3:a", "A"), ("RPUSH", "db3:l", *range(20)),
             ("HSET", "db3:h", "x", 1), ("SET", "db3:vol", "v", "PXAT", far + 5),
             ("SELECT", 15), ("SET", "last", "db 15")]
    return cmds + [("SELECT", 0)]


def build(*targets, cmds=None):
    for cmd in cmds or dataset():
        for t in targets:
            t(*cmd)


def keyspace(r, dbs=range(16)):
    """{(db, key): (type, encoding, pexpiretime)} of a redis-server."""
    out = {}
    for db in dbs:
        r("SELECT", db)
        for _, key in r("KEYS", "*"):
            out[(db, key)] = (r("TYPE", key), r("OBJECT", "ENCODING", key), r("PEXPIRETIME", key))
    r("SELECT", 0)
    return out


def redis_check_rdb(path):
    p = subprocess.run([REDIS_CHECK_RDB, str(path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "RDB looks OK" in p.stdout, p.stdout + p.stderr
    return p.stdout


def start_loaded(redis_factory, tmp_path, data, name="loaded", extra=()):
    d = tmp_path / name
    d.mkdir()
    (d / "dump.rdb").write_bytes(data)
    return Redis(redis_factory(*CONFIG_ARGS, *extra, directory=d))


def value_of(r, typ, key):
    """Content of a value, order-free where the encoding's order differs."""
    if typ == b"set":
        return sorted(v for _, v in r("SMEMBERS", key))
    if typ == b"hash":
        flat = [v for _, v in r("HGETALL", key)]
        return sorted(zip(flat[0::2], flat[1::2]))
    return r("DUMP", key)


# ---------------------------------------------------------------- whole files

@pytest.fixture
def pair(redis_factory):
    """(engine, redis A, digest) holding the same dataset."""
    ip = InProcess()
    a = Redis(redis_factory(*CONFIG_ARGS))
    build(ip, a)
    digest = a("DEBUG", "DIGEST")
    assert dataset_digest(ip.engine).encode() == digest, "the engine and redis-server built different data"
    return ip, a, digest


def test_file_loads_into_redis(pair, redis_factory, tmp_path):
    ip, a, digest = pair
    path = tmp_path / "out.rdb"
    aux = rdb_aux_blob([(b"redis-ver", b"7.0.15"), (b"redis-bits", 64), (b"ctime", int(time.time())),
                        (b"used-mem", 12345678), (b"aof-base", 0)])
    stats = rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, aux)
    data = path.read_bytes()
    assert stats["bytes"] == len(data)
    assert stats["keys"] == len(keyspace(a))
    assert not [p for p in os.listdir(tmp_path) if p.startswith("temp-")]
    redis_check_rdb(path)

    b = start_loaded(redis_factory, tmp_path, data)
    assert b("DEBUG", "DIGEST") == digest
    # what redis-server makes of its own file is the reference (loading
    # re-encodes: a raw "123" comes back int-encoded)
    a("SAVE")
    ref = start_loaded(redis_factory, tmp_path, (a.server.dir / "dump.rdb").read_bytes(), "reference")
    expected = keyspace(ref)
    assert keyspace(b) == expected
    for (db, key), (typ, _enc, _exp) in expected.items():
        ref("SELECT", db)
        b("SELECT", db)
        assert value_of(b, typ, key) == value_of(ref, typ, key), (db, key)


def test_file_structure(pair, tmp_path):
    ip, a, _ = pair
    path = tmp_path / "out.rdb"
    aux = rdb_aux_blob([(b"redis-ver", b"7.0.15"), (b"redis-bits", 64)])
    rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, aux)
    f = rdbdec.decode_file(path.read_bytes())
    assert f["aux"] == {b"redis-ver": b"7.0.15", b"redis-bits": b"64"}
    assert f["crc"] != 0
    expected = keyspace(a)
    assert sorted(f["dbs"]) == [0, 3, 15]
    for db, keys in f["dbs"].items():
        assert set(keys) == {k for (d, k) in expected if d == db}
        expires = sum(1 for (d, _k), v in expected.items() if d == db and v[2] != -1)
        assert f["resize"][db] == (len(keys), expires)
        for key, entry in keys.items():
            assert entry["expire"] == (expected[(db, key)][2] if expected[(db, key)][2] != -1 else None)
            assert entry["idle"] is None and entry["freq"] is None
            # every value is what rkvd would DUMP for it
            body = rdb_encode_value(ip.engine, ip.engine.dbs[db], key, RDB_SAVE_COMPRESS)
            assert entry["type"] == body[0]
            assert rdbdec.decode_object(body) == entry["value"]
    # keys come in table order: the writer walks the engine's table
    for db in f["order"]:
        assert f["order"][db] == db_keys(ip.engine.dbs[db])


def test_same_values_as_redis_save(pair, tmp_path):
    # Key by key, the same bytes as redis-server's own file for every
    # encoding with a fixed order (hash tables: same content).
    ip, a, _ = pair
    mine = tmp_path / "mine.rdb"
    rdb_save_path(ip.engine, str(mine), DEFAULT_FLAGS, b"")
    a("SAVE")
    theirs = rdbdec.decode_file((a.server.dir / "dump.rdb").read_bytes())
    ours = rdbdec.decode_file(mine.read_bytes())
    assert ours["resize"] == theirs["resize"]
    for db in theirs["dbs"]:
        assert set(ours["dbs"][db]) == set(theirs["dbs"][db])
        for key, t in theirs["dbs"][db].items():
            o = ours["dbs"][db][key]
            assert (o["type"], o["expire"]) == (t["type"], t["expire"]), key
            if t["type"] in (rdbdec.SET, rdbdec.HASH):
                assert sorted(o["value"]) == sorted(t["value"]), key
            else:
                assert o["value"] == t["value"], key
                a("SELECT", db)
                assert rdb_encode_value(ip.engine, ip.engine.dbs[db], key, RDB_SAVE_COMPRESS) \
                    == a("DUMP", key)[:-10], key
    a("SELECT", 0)


@pytest.mark.parametrize("flags", [0, RDB_SAVE_COMPRESS, RDB_SAVE_CHECKSUM])
def test_flags_compression_and_checksum(pair, redis_factory, tmp_path, flags):
    ip, _a, digest = pair
    path = tmp_path / "out.rdb"
    rdb_save_path(ip.engine, str(path), flags, b"")
    data = path.read_bytes()
    if flags & RDB_SAVE_CHECKSUM:
        assert data[-8:] != bytes(8)
        assert rdbdec.crc64(data[:-8]) == int.from_bytes(data[-8:], "little")
    else:
        assert data[-8:] == bytes(8)
    # without compression no string is LZF-encoded: the long compressible
    # value is stored as is
    assert (b"big value " * 100 in data) == (not flags & RDB_SAVE_COMPRESS)
    redis_check_rdb(path)
    b = start_loaded(redis_factory, tmp_path, data)
    assert b("DEBUG", "DIGEST") == digest


def test_idle_and_freq(redis_factory, tmp_path):
    ip = InProcess()
    build(ip, cmds=[("SET", "a", 1), ("RPUSH", "l", "x"), ("HSET", "h", "f", "v")])
    ip.engine.lruclock = (ip.engine.lruclock + 500) & ((1 << 24) - 1)
    path = tmp_path / "lru.rdb"
    rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS | RDB_SAVE_KEEP_LRU, b"")
    f = rdbdec.decode_file(path.read_bytes())
    assert {k: e["idle"] for k, e in f["dbs"][0].items()} == {b"a": 500, b"l": 500, b"h": 500}
    assert all(e["freq"] is None for e in f["dbs"][0].values())
    redis_check_rdb(path)
    b = start_loaded(redis_factory, tmp_path, path.read_bytes(), "lru",
                     ("--maxmemory-policy", "allkeys-lru"))
    assert 499 <= b("OBJECT", "IDLETIME", "a") <= 502

    lfu = InProcess(lfu_mode=True)
    build(lfu, cmds=[("SET", "a", 1), ("SET", "b", 2)] + [("GET", "a")] * 300)
    freqs = {k: lfu("OBJECT", "FREQ", k) for k in (b"a", b"b")}
    assert freqs[b"a"] > freqs[b"b"]
    path = tmp_path / "lfu.rdb"
    rdb_save_path(lfu.engine, str(path), DEFAULT_FLAGS | RDB_SAVE_KEEP_LFU, b"")
    f = rdbdec.decode_file(path.read_bytes())
    assert {k: e["freq"] for k, e in f["dbs"][0].items()} == freqs
    assert all(e["idle"] is None for e in f["dbs"][0].values())
    redis_check_rdb(path)
    b = start_loaded(redis_factory, tmp_path, path.read_bytes(), "lfu",
                     ("--maxmemory-policy", "allkeys-lfu"))
    assert b("OBJECT", "FREQ", "a") == freqs[b"a"]


def test_plain_quicklist_nodes(redis_factory, tmp_path):
    ip = InProcess()
    a = Redis(redis_factory(*CONFIG_ARGS))
    a("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 100)
    py_set_packed_threshold(100)
    try:
        build(ip, a, cmds=[("RPUSH", "l", "small", "p" * 150, "x", "q" * 1000, "12345"),
                           ("LPUSH", "l", "r" * 200, "head")])
    finally:
        py_set_packed_threshold(0)
    path = tmp_path / "plain.rdb"
    rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, b"")
    redis_check_rdb(path)
    assert rdb_encode_value(ip.engine, ip.engine.dbs[0], b"l", RDB_SAVE_COMPRESS) == a("DUMP", "l")[:-10]
    b = start_loaded(redis_factory, tmp_path, path.read_bytes())
    assert b("DEBUG", "DIGEST") == a("DEBUG", "DIGEST")


def test_empty_dataset(redis_factory, tmp_path):
    ip = InProcess()
    path = tmp_path / "empty.rdb"
    aux = rdb_aux_blob([(b"redis-ver", b"7.0.15")])
    assert rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, aux)["keys"] == 0
    data = path.read_bytes()
    assert data[:9] == b"REDIS0010" and data[9:9 + len(aux)] == aux and data[9 + len(aux)] == 0xFF
    assert len(data) == 9 + len(aux) + 1 + 8
    redis_check_rdb(path)
    b = start_loaded(redis_factory, tmp_path, data)
    assert b("DBSIZE") == 0


def test_expired_keys_are_written(redis_factory, tmp_path):
    # As Redis: a save writes keys whose time has passed; loading drops them.
    ip = InProcess()
    build(ip, cmds=[("SET", "old", 1, "PX", 1), ("SET", "keep", 2)])
    time.sleep(0.01)
    path = tmp_path / "exp.rdb"
    assert rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, b"")["keys"] == 2
    f = rdbdec.decode_file(path.read_bytes())
    assert f["dbs"][0][b"old"]["expire"] is not None
    b = start_loaded(redis_factory, tmp_path, path.read_bytes())
    assert [k for _, k in b("KEYS", "*")] == [b"keep"]


def test_many_keys_and_big_values(redis_factory, tmp_path):
    # Past the writer's buffer in both ways: many small records and values
    # written straight through, with table resizes behind the keys.
    ip = InProcess()
    a = Redis(redis_factory(*CONFIG_ARGS))
    cmds = [("MSET", *[x for i in range(j, j + 500) for x in (f"key:{i}", f"v{i}" * (i % 7))])
            for j in range(0, 20000, 500)]
    cmds += [("SET", "huge", os.urandom(300000)), ("SET", "huge2", b"ab" * 400000)]
    build(ip, a, cmds=cmds)
    path = tmp_path / "many.rdb"
    stats = rdb_save_path(ip.engine, str(path), DEFAULT_FLAGS, b"")
    assert stats["keys"] == 20002
    redis_check_rdb(path)
    b = start_loaded(redis_factory, tmp_path, path.read_bytes())
    assert b("DEBUG", "DIGEST") == a("DEBUG", "DIGEST")


# ---------------------------------------------------------------- AUX

def test_aux_blob_matches_redis(redis_factory):
    # The records redis-server writes for the same names and values.
    a = Redis(redis_factory())
    a("SAVE")
    data = (a.server.dir / "dump.rdb").read_bytes()
    r = rdbdec.Reader(data, 9)
    records = {}
    while data[r.pos] == rdbdec.OP_AUX:
        start = r.pos
        r.byte()
        name = r.string()
        value = r.string()
        records[name] = (value, data[start:r.pos])
    for name in (b"redis-ver", b"redis-bits", b"ctime", b"used-mem", b"aof-base"):
        value, raw = records[name]
        as_int = name != b"redis-ver"
        assert rdb_aux_blob([(name, int(value) if as_int else value)]) == raw, name
    assert rdb_aux_blob([]) == b""
    # integers: the integer forms, text beyond 32 bits
    assert rdb_aux_blob([(b"n", 5)]) == b"\xfa\x01n\xc0\x05"
    assert rdb_aux_blob([(b"n", -70000)]) == b"\xfa\x01n\xc2" + struct.pack("<i", -70000)
    assert rdb_aux_blob([(b"n", 2**40)]) == b"\xfa\x01n" + bytes([len(str(2**40))]) + str(2**40).encode()
    # a long repetitive value is compressed, unless told not to
    long = b"x" * 64
    assert rdb_aux_blob([(b"s", long)])[3] == 0xC3
    assert rdb_aux_blob([(b"s", long)], 0) == b"\xfa\x01s\x40\x40" + long


# ---------------------------------------------------------------- failures

def test_open_failure(tmp_path):
    ip = InProcess()
    with pytest.raises(OSError) as info:
        rdb_save_path(ip.engine, str(tmp_path / "missing" / "dump.rdb"), DEFAULT_FLAGS, b"")
    assert info.value.stage == "open"
    assert info.value.filename.endswith(f"temp-{os.getpid()}.rdb")


def test_rename_failure_removes_temp(tmp_path):
    ip = InProcess()
    build(ip, cmds=[("SET", "a", 1)])
    target = tmp_path / "adir"
    (target / "occupied").mkdir(parents=True)
    with pytest.raises(OSError) as info:
        rdb_save_path(ip.engine, str(target), DEFAULT_FLAGS, b"")
    assert info.value.stage == "rename"
    assert sorted(os.listdir(tmp_path)) == ["adir"]


def test_write_errors():
    ip = InProcess()
    build(ip, cmds=[("SET", "a", "x" * 1000)])
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        r, err, written, keys = native_rdb_save.write_fd(ip.engine, fd, DEFAULT_FLAGS)
    finally:
        os.close(fd)
    assert r == -1 and err == 28            # ENOSPC
    fd = os.open(os.devnull, os.O_RDONLY)
    try:
        r, err, _, _ = native_rdb_save.write_fd(ip.engine, fd, DEFAULT_FLAGS, b"", True)
    finally:
        os.close(fd)
    assert r == -1 and err == 9             # EBADF


def test_write_fd_pipe_and_partial_writes(pair):
    # A pipe takes at most its buffer per write: partial writes go on.
    ip, _a, _ = pair
    rfd, wfd = os.pipe()
    chunks = []

    def drain():
        while True:
            b = os.read(rfd, 7777)
            if not b:
                break
            chunks.append(b)
    t = threading.Thread(target=drain)
    t.start()
    try:
        r, err, written, keys = native_rdb_save.write_fd(ip.engine, wfd, DEFAULT_FLAGS, b"", True)
    finally:
        os.close(wfd)
        t.join()
        os.close(rfd)
    data = b"".join(chunks)
    assert (r, err) == (0, 0) and written == len(data)
    assert sum(len(v) for v in rdbdec.decode_file(data)["dbs"].values()) == keys


def test_incremental_fsync_same_bytes(tmp_path):
    # rdb-save-incremental-fsync only adds writeouts every 4 MB: the same
    # bytes, also from a nonzero file offset; on a non-file it is ignored.
    ip = InProcess()
    build(ip, cmds=[("MSET", *[x for i in range(j, j + 1000) for x in (f"key:{i}", os.urandom(100))])
                    for j in range(0, 100000, 1000)])
    outputs = []
    for flags in (DEFAULT_FLAGS, DEFAULT_FLAGS | RDB_SAVE_INCREMENTAL_FSYNC):
        path = tmp_path / f"f{flags}.rdb"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT)
        os.write(fd, b"head")
        try:
            r = native_rdb_save.write_fd(ip.engine, fd, flags)
        finally:
            os.close(fd)
        assert r[:2] == (0, 0) and r[2] > 8 * 1024 * 1024
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0][:4] == b"head"
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        assert native_rdb_save.write_fd(ip.engine, fd, DEFAULT_FLAGS | RDB_SAVE_INCREMENTAL_FSYNC)[:2] == (0, 0)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- fork child

def _private_dirty_kb():
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                return int(line.split()[1])
    return 0


def _child_dirty_kb(engine, write):
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if write:
                fd = os.open(os.devnull, os.O_WRONLY)
                before = _private_dirty_kb()
                r = native_rdb_save.write_fd(engine, fd, DEFAULT_FLAGS, b"", True)[0]
                after = _private_dirty_kb()
                code = 0 if r == 0 else 1
            else:
                before = _private_dirty_kb()
                after = _private_dirty_kb()
            os.write(wfd, struct.pack("<q", after - before))
        finally:
            os._exit(code)
    os.close(wfd)
    data = os.read(rfd, 8)
    os.close(rfd)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return struct.unpack("<q", data)[0]


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs /proc smaps_rollup")
def test_fork_child_leaves_object_pages_shared():
    # Every value object of the dataset lives in pages shared with the
    # parent; touching a reference count would copy each of them. Writing
    # the whole file must dirty no more than the writer's own buffers.
    ip = InProcess()
    n = 20000
    cmds = []
    for j in range(0, n, 500):
        cmds.append(("MSET", *[x for i in range(j, j + 500) for x in (f"s:{i}", "raw value " * 5)]))
        for i in range(j, j + 500):
            cmds.append(("HSET", f"h:{i}", "f", i))
            cmds.append(("RPUSH", f"l:{i}", i))
            cmds.append(("SADD", f"z:{i}", i))
    build(ip, cmds=cmds)
    dirty = _child_dirty_kb(ip.engine, True)
    # 80000 keys, 60000 of them Python value objects (several MB of them):
    # a refcount write per object would dirty far more than this.
    assert dirty < 1024, f"{dirty} KB dirtied by the writer in the child"
