"""The AOF rewrite's command form (rkvd._core.persist.aof_rewrite): the
base file BGREWRITEAOF writes with aof-use-rdb-preamble no.

A dataset of every type and encoding, with expires, in several databases,
is built twice with the same commands: in an in-process rkvd engine and in
a redis-server 7.0.15 (A) running with appendonly yes and
aof-use-rdb-preamble no. A's BGREWRITEAOF base file is then compared with
the engine's rewrite:

* key order inside a database follows each server's hash table (Redis
  seeds its hash function at random), so the files are compared per key:
  the commands of one key (its value's commands, then PEXPIREAT) must be
  byte-identical where the encoding fixes the element order (strings,
  lists, intsets, listpack hashes and sorted sets); for hash-table sets and
  hashes and skiplist sorted sets (whose element order is table order) the
  commands must have the same names, key and argument counts (the same
  batches) and together the same elements, each written the same way;
* the SELECTs, the databases they open and everything else of the file's
  structure are the same, and a dataset whose order is fixed (one key per
  database) gives the same file byte for byte;
* the engine's file loads into a fresh redis-server (B) as its AOF base,
  with the same DEBUG DIGEST as A, and redis-check-aof accepts it.

The fork child (fork_aof_rewrite_child) is checked on the same engine: its
file is the foreground writer's, and it leaves the value objects' pages
shared with the parent.
"""
import os
import random
import re
import shutil
import subprocess
import time
from collections import Counter

import pytest
from test_rdb_save import InProcess, Redis

from rkvd._core.lib.quicklist import py_set_packed_threshold
from rkvd._core.persist.aof_rewrite import (
    AOF_REWRITE_INCREMENTAL_FSYNC,
    AOF_REWRITE_ITEMS_PER_CMD,
    AOF_REWRITE_TIMESTAMP,
    aof_rewrite_fd,
    aof_rewrite_path,
)
from rkvd._core.persist.fork import fork_aof_rewrite_child, read_child_report
from rkvd.commands.debug import dataset_digest

pytestmark = [pytest.mark.needs_redis, pytest.mark.timeout(300)]

REDIS_CHECK_AOF = shutil.which("redis-check-aof") or "/usr/bin/redis-check-aof"

# Thresholds that give every encoding, and batches of both sizes (a full 64
# and a remainder) in each of them: listpack hashes and sorted sets of up to
# 100 entries, intsets of up to 200, quicklist nodes of 8 elements with the
# inner ones LZF-compressed.
CONFIG = {
    "list-max-listpack-size": 8, "list-compress-depth": 1,
    "hash-max-listpack-entries": 100, "hash-max-listpack-value": 64,
    "zset-max-listpack-entries": 100, "zset-max-listpack-value": 64,
    "set-max-intset-entries": 200,
}
CONFIG_ARGS = [x for name, value in CONFIG.items() for x in ("--" + name, str(value))]
AOF_ARGS = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]


def dataset():
    """Commands building every type and encoding, with expires (absolute,
    so both sides hold the same times), in databases 0, 2, 7 and 15 (1 is
    created then emptied)."""
    far = int(time.time() * 1000) + 10**9
    cmds = [("SELECT", 0)]
    for i, v in enumerate([0, -1, 127, 32768, 2**31, 2**63 - 1, -2**63]):
        cmds.append(("SET", f"int:{i}", v))
    cmds += [("SET", "emb", "hello"), ("SET", "emb:num", "007"), ("SET", "raw", "r" * 100),
             ("SET", "raw:bin", bytes(range(256)) * 3), ("SET", "empty", ""),
             ("SET", "appended", "12"), ("APPEND", "appended", "3"), ("INCR", "counter"),
             ("SET", b"\x00bin\r\nkey\xff", b"\r\n\x00"), ("SET", "12345", "numeric key"),
             ("SET", "big", "big value " * 100000),
             ("SET", "vol:1", "x", "PXAT", far), ("SET", "vol:2", 5), ("PEXPIREAT", "vol:2", far + 1),
             ("SET", "vol:soon", "x"), ("PEXPIREAT", "vol:soon", far - 10**9 + 10**7)]
    cmds += [("RPUSH", "list:small", "a", 1, "b", -7, b"\x00\xff"),
             ("RPUSH", "list:nodes", *[f"element {i} " * (i % 5 + 1) for i in range(150)]),
             ("RPUSH", "list:ints", *range(-70, 70)), ("LPUSH", "list:ints", 2**63 - 1, "1.5"),
             ("RPUSH", "list:64", *range(64)), ("RPUSH", "list:65", *range(65)),
             ("LPUSH", "list:vol", "x"), ("PEXPIREAT", "list:vol", far + 2)]
    cmds += [("SADD", "set:int16", 1, 2, -3), ("SADD", "set:int64", 2**40, -2**62, 7),
             ("SADD", "set:intbatches", *range(-100, 50)),
             ("SADD", "set:ht", *[f"member:{i}" for i in range(130)]),
             ("SADD", "set:ht:small", "a", "b", b"\x00\r\n", "c" * 50), ("PEXPIREAT", "set:ht:small", far + 3)]
    cmds += [("HSET", "hash:lp", "f", "v", "n", 12, "neg", -5, "long", "y" * 40, b"\xff\x00", b"\r\n"),
             ("HSET", "hash:lp:batches", *[x for i in range(90) for x in (f"f{i}", i * 3)]),
             ("HSET", "hash:ht", *[x for i in range(140) for x in (f"field:{i}", f"value:{i}" * 3)]),
             ("HSET", "hash:ht:longval", "f", "z" * 100, "g", 1), ("PEXPIREAT", "hash:ht:longval", far + 4)]
    cmds += [("ZADD", "zset:lp", 1, "a", 2.5, "b", -1e300, "c", "inf", "d", "-inf", "e", 0.1, "f",
              -0.5, "g", 3, 12, 1e-310, "tiny", 123456789012345678, "huge"),
             ("ZADD", "zset:lp:batches", *[x for i in range(80) for x in (i / 7 - 5, f"m{i}")]),
             ("ZADD", "zset:sl", *[x for i in range(200) for x in (i * 0.75 - 10, f"m{i}")]),
             ("ZADD", "zset:sl", "inf", "top", "-inf", "bottom", 1 / 3, b"\x00third"),
             ("ZADD", "zset:sl:long", 1, "x" * 100, 2, "y"), ("PEXPIREAT", "zset:sl:long", far + 5)]
    # streams: several nodes, deleted entries, groups (no consumers: their
    # seen-time is the clock), an empty stream
    cmds += [("XADD", "stream:nodes", f"{i}-{i % 3}", "f", i, "g", "v" * (i % 30)) for i in range(1, 250)]
    cmds += [("XADD", "stream:nodes", "300-0", "other", "fields"), ("XDEL", "stream:nodes", "5-2", "7-1"),
             ("XGROUP", "CREATE", "stream:nodes", "g1", "0"), ("XGROUP", "CREATE", "stream:nodes", "g0", "100"),
             ("XADD", "stream:empty", "1-1", "a", "b"), ("XDEL", "stream:empty", "1-1"),
             ("XGROUP", "CREATE", "stream:grouponly", "g", "$", "MKSTREAM"),
             ("XADD", "stream:vol", "1-0", "a", 1), ("PEXPIREAT", "stream:vol", far + 7)]
    cmds += [("SELECT", 1), ("SET", "gone", 1), ("DEL", "gone"),
             ("SELECT", 2), ("SET", "db2:a", "A"), ("RPUSH", "db2:l", *range(20)),
             ("HSET", "db2:h", "x", 1), ("SET", "db2:vol", "v", "PXAT", far + 6),
             ("SELECT", 7), ("SADD", "db7:s", "only"),
             ("SELECT", 15), ("SET", "last", "db 15")]
    return cmds + [("SELECT", 0)]


def build(*targets, cmds):
    for cmd in cmds:
        for t in targets:
            t(*cmd)


# ------------------------------------------------------------------ redis side

def wait_rewrite_idle(r, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = r("INFO", "persistence").decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.05)
    raise AssertionError("redis-server's AOF rewrite did not finish")


def redis_base_file(server, r) -> bytes:
    """BGREWRITEAOF on a redis-server started with AOF_ARGS: its new base."""
    wait_rewrite_idle(r)
    r("BGREWRITEAOF")
    wait_rewrite_idle(r)
    d = server.dir / "appendonlydir"
    manifest = (d / "appendonly.aof.manifest").read_text()
    base = re.search(r"^file (\S+) seq \d+ type b$", manifest, re.M).group(1)
    return (d / base).read_bytes()


def redis_side(redis_factory, *extra):
    server = redis_factory(*CONFIG_ARGS, *AOF_ARGS, *extra)
    r = Redis(server)
    wait_rewrite_idle(r)
    return server, r


def start_with_base(redis_factory, tmp_path, data: bytes, name="loaded"):
    """A fresh redis-server whose AOF is data as the base file."""
    d = tmp_path / name
    (d / "appendonlydir").mkdir(parents=True)
    (d / "appendonlydir" / "appendonly.aof.1.base.aof").write_bytes(data)
    (d / "appendonlydir" / "appendonly.aof.manifest").write_text(
        "file appendonly.aof.1.base.aof seq 1 type b\n")
    return Redis(redis_factory(*CONFIG_ARGS, "--appendonly", "yes", directory=d))


# --------------------------------------------------------------- the file form

def parse_file(data: bytes):
    """(annotations, [argv, ...]) of an AOF in command form."""
    notes, cmds, pos = [], [], 0
    while pos < len(data):
        if data[pos:pos + 1] == b"#":
            end = data.index(b"\r\n", pos)
            notes.append(data[pos:end])
            pos = end + 2
            continue
        assert data[pos:pos + 1] == b"*", data[pos:pos + 40]
        end = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:end])
        pos = end + 2
        argv = []
        for _ in range(argc):
            assert data[pos:pos + 1] == b"$"
            end = data.index(b"\r\n", pos)
            n = int(data[pos + 1:end])
            argv.append(data[end + 2:end + 2 + n])
            assert data[end + 2 + n:end + 4 + n] == b"\r\n"
            pos = end + 4 + n
        cmds.append(argv)
    return notes, cmds


def encode(argv) -> bytes:
    return b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)


def groups(data: bytes):
    """{db: {key: [argv, ...]}} and the order of the SELECTs."""
    _, cmds = parse_file(data)
    out, selects, db = {}, [], None
    for argv in cmds:
        if argv[0] == b"SELECT":
            db = int(argv[1])
            selects.append(db)
            assert db not in out
            out[db] = {}
            continue
        key = argv[2] if argv[0] == b"XGROUP" else argv[1]
        keys = out[db]
        if key not in keys:
            assert not keys or list(keys)[-1] != key
            keys[key] = []
        else:
            assert list(keys)[-1] == key, f"commands of {key!r} are not together"
        keys[key].append(argv)
    return out, selects


# element arguments per command, for the order-free comparison
PER_ITEM = {b"SADD": 1, b"ZADD": 2, b"HMSET": 2, b"RPUSH": 1}


def unordered_form(cmds):
    """(command shapes, multiset of elements) of one key's commands."""
    shapes, items = [], Counter()
    for argv in cmds:
        shapes.append((argv[0], argv[1], len(argv)))
        k = PER_ITEM.get(argv[0])
        if k is None:
            items[tuple(argv)] += 1
            continue
        args = argv[2:]
        for i in range(0, len(args), k):
            items[tuple(args[i:i + k])] += 1
    return shapes, items


def compare_files(ours: bytes, theirs: bytes, redis):
    """Compare per key; returns how many keys were byte-identical."""
    ours_g, ours_sel = groups(ours)
    theirs_g, theirs_sel = groups(theirs)
    assert ours_sel == theirs_sel
    exact = 0
    for db in theirs_g:
        assert set(ours_g[db]) == set(theirs_g[db]), f"db {db}: different keys"
        redis("SELECT", db)
        for key, cmds in theirs_g[db].items():
            mine = ours_g[db][key]
            enc = redis("OBJECT", "ENCODING", key)
            if enc in (b"hashtable", b"skiplist"):
                assert unordered_form(mine) == unordered_form(cmds), key
                # the batches: full ones, then the rest
                sizes = [len(a) for a in cmds if a[0] in PER_ITEM]
                n = sum((s - 2) // PER_ITEM[cmds[0][0]] for s in sizes)
                per = PER_ITEM[cmds[0][0]]
                want = [2 + per * min(AOF_REWRITE_ITEMS_PER_CMD, n - i)
                        for i in range(0, n, AOF_REWRITE_ITEMS_PER_CMD)]
                assert [len(a) for a in mine if a[0] in PER_ITEM] == want == sizes, key
            else:
                assert b"".join(map(encode, mine)) == b"".join(map(encode, cmds)), (key, enc)
                exact += 1
    redis("SELECT", 0)
    return exact


def redis_check_aof(path):
    p = subprocess.run([REDIS_CHECK_AOF, str(path)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "is valid" in p.stdout, p.stdout + p.stderr


# ----------------------------------------------------------------------- tests

@pytest.fixture
def pair(redis_factory):
    """(engine, redis server A, A, digest) holding dataset()."""
    ip = InProcess(**CONFIG)
    server, a = redis_side(redis_factory)
    build(ip, a, cmds=dataset())
    digest = a("DEBUG", "DIGEST")
    assert dataset_digest(ip.engine).encode() == digest, "the engine and redis-server built different data"
    return ip, server, a, digest


def test_same_commands_as_redis(pair, tmp_path):
    ip, server, a, _ = pair
    path = tmp_path / "rkvd.aof"
    res = aof_rewrite_path(ip.engine, str(path), 0)
    ours = path.read_bytes()
    theirs = redis_base_file(server, a)
    assert res["bytes"] == len(ours)
    assert res["keys"] == sum(len(k) for k in groups(ours)[0].values())
    exact = compare_files(ours, theirs, a)
    assert exact >= 30          # most keys have a fixed order: compared byte for byte
    assert len(ours) == len(theirs)
    assert not parse_file(ours)[0]


@pytest.mark.parametrize("timestamps", [False, True])
def test_bgrewriteaof_of_a_real_server(rkvd_factory, redis_factory, tmp_path, timestamps):
    # The same comparison through the daemon: rkvd and redis-server, both
    # with appendonly yes and aof-use-rdb-preamble no, run the commands and
    # BGREWRITEAOF; their base files match key by key, and rkvd's loads
    # into a fresh redis-server with the same digest.
    extra = ["--aof-timestamp-enabled", "yes"] if timestamps else []
    ours_server = rkvd_factory(*CONFIG_ARGS, *AOF_ARGS, *extra)
    r = Redis(ours_server)
    wait_rewrite_idle(r)
    server, a = redis_side(redis_factory, *extra)
    build(r, a, cmds=dataset())
    digest = a("DEBUG", "DIGEST")
    assert r("DEBUG", "DIGEST") == digest
    ours, theirs = redis_base_file(ours_server, r), redis_base_file(server, a)
    notes_ours, notes_theirs = parse_file(ours)[0], parse_file(theirs)[0]
    assert len(notes_ours) == len(notes_theirs) == int(timestamps)
    if timestamps:
        assert re.fullmatch(rb"#TS:\d+", notes_ours[0])
        assert abs(int(notes_ours[0][4:]) - int(notes_theirs[0][4:])) < 60
        ours, theirs = ours[len(notes_ours[0]) + 2:], theirs[len(notes_theirs[0]) + 2:]
    assert compare_files(ours, theirs, a) >= 30
    assert len(ours) == len(theirs)
    b = start_with_base(redis_factory, tmp_path, ours)
    assert b("DEBUG", "DIGEST") == digest


def random_dataset(seed):
    """Random keys of every type, sized around the encoding thresholds and
    the 64-element batches, in random databases, some with TTLs."""
    rnd = random.Random(seed)
    far = int(time.time() * 1000) + 10**9

    def element():
        kind = rnd.random()
        if kind < 0.3:
            return rnd.randint(-2**63, 2**63 - 1) if rnd.random() < 0.3 else rnd.randint(-1000, 1000)
        if kind < 0.5:
            return bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 20)))
        return "e" * rnd.randint(0, 3) + str(rnd.random())[: rnd.randint(1, 80)]

    def score():
        return rnd.choice([rnd.uniform(-1e6, 1e6), rnd.randint(-10, 10), rnd.random() * 1e-300,
                           "inf", "-inf", rnd.uniform(-1, 1) * 1e300])

    cmds = []
    for i in range(120):
        cmds.append(("SELECT", rnd.choice([0, 0, 1, 5, 15])))
        key = f"k{i}:" + str(rnd.random())[:5]
        n = rnd.choice([1, 2, 63, 64, 65, 99, 100, 101, 128, 129, 200, 300])
        typ = rnd.choice(["string", "list", "set", "intset", "hash", "zset"])
        if typ == "string":
            cmds.append(("SET", key, element()))
        elif typ == "list":
            cmds.append(("RPUSH", key, *[element() for _ in range(n)]))
        elif typ == "set":
            cmds.append(("SADD", key, *[element() for _ in range(n)]))
        elif typ == "intset":
            cmds.append(("SADD", key, *[rnd.randint(-2**40, 2**40) for _ in range(n)]))
        elif typ == "hash":
            cmds.append(("HSET", key, *[x for j in range(n) for x in (f"f{j}", element())]))
        else:
            cmds.append(("ZADD", key, *[x for j in range(n) for x in (score(), element())]))
        if rnd.random() < 0.3:
            cmds.append(("PEXPIREAT", key, far + rnd.randint(0, 10**6)))
    return cmds + [("SELECT", 0)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_datasets(redis_factory, tmp_path, seed):
    ip = InProcess(**CONFIG)
    server, a = redis_side(redis_factory)
    build(ip, a, cmds=random_dataset(seed))
    digest = a("DEBUG", "DIGEST")
    assert dataset_digest(ip.engine).encode() == digest
    path = tmp_path / "rkvd.aof"
    aof_rewrite_path(ip.engine, str(path), 0)
    ours = path.read_bytes()
    compare_files(ours, redis_base_file(server, a), a)
    b = start_with_base(redis_factory, tmp_path, ours)
    assert b("DEBUG", "DIGEST") == digest


def test_file_loads_into_redis(pair, redis_factory, tmp_path):
    ip, _, _, digest = pair
    path = tmp_path / "rkvd.aof"
    aof_rewrite_path(ip.engine, str(path), AOF_REWRITE_INCREMENTAL_FSYNC)
    redis_check_aof(path)
    b = start_with_base(redis_factory, tmp_path, path.read_bytes())
    assert b("DEBUG", "DIGEST") == digest
    assert b("PEXPIRETIME", "zset:sl:long") > 0


def test_fixed_order_dataset_is_byte_identical(redis_factory, tmp_path):
    # one key per database: no hash table decides any order
    far = int(time.time() * 1000) + 10**9
    cmds = []
    values = [("SET", "k", 12345), ("RPUSH", "k", *range(100), "x" * 30),
              ("SADD", "k", *range(70)), ("HSET", "k", *[x for i in range(70) for x in (f"f{i}", i)]),
              ("ZADD", "k", *[x for i in range(70) for x in (i * 1.25 - 3, f"m{i}")]),
              ("SET", "k", b"\x00\xff raw " * 20), ("RPUSH", "k", "one")]
    for db, cmd in enumerate(values):
        cmds += [("SELECT", db * 2), cmd]
        if db % 2:
            cmds.append(("PEXPIREAT", "k", far + db))
    ip = InProcess(**CONFIG)
    server, a = redis_side(redis_factory)
    build(ip, a, cmds=cmds)
    path = tmp_path / "rkvd.aof"
    aof_rewrite_path(ip.engine, str(path), 0)
    assert path.read_bytes() == redis_base_file(server, a)


def test_timestamp_annotation(redis_factory, tmp_path):
    cmds = [("SET", "a", 1), ("SELECT", 3), ("RPUSH", "l", "x")]
    ip = InProcess(**CONFIG)
    server, a = redis_side(redis_factory, "--aof-timestamp-enabled", "yes")
    build(ip, a, cmds=cmds)
    path = tmp_path / "rkvd.aof"
    before = int(time.time())
    aof_rewrite_path(ip.engine, str(path), AOF_REWRITE_TIMESTAMP)
    ours, theirs = path.read_bytes(), redis_base_file(server, a)
    pat = re.compile(rb"#TS:(\d+)\r\n")
    m_ours, m_theirs = pat.match(ours), pat.match(theirs)
    assert m_ours and m_theirs
    assert before <= int(m_ours.group(1)) <= int(time.time())
    assert ours[m_ours.end():] == theirs[m_theirs.end():]
    redis_check_aof(path)


def test_plain_quicklist_nodes(redis_factory, tmp_path):
    ip = InProcess(**CONFIG)
    server, a = redis_side(redis_factory)
    a("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 100)
    py_set_packed_threshold(100)
    try:
        build(ip, a, cmds=[("RPUSH", "l", "small", "p" * 150, "x", "q" * 1000, "12345"),
                           ("LPUSH", "l", "r" * 200, "head")])
    finally:
        py_set_packed_threshold(0)
    path = tmp_path / "rkvd.aof"
    aof_rewrite_path(ip.engine, str(path), 0)
    assert path.read_bytes() == redis_base_file(server, a)


def test_empty_dataset(tmp_path):
    ip = InProcess(**CONFIG)
    path = tmp_path / "rkvd.aof"
    assert aof_rewrite_path(ip.engine, str(path), 0) == {"bytes": 0, "keys": 0}
    assert path.read_bytes() == b""
    ip("SET", "x", 1)
    ip("DEL", "x")
    assert aof_rewrite_path(ip.engine, str(path), 0)["bytes"] == 0


def test_write_errors(tmp_path):
    ip = InProcess(**CONFIG)
    ip("SET", "k", "v" * 300000)
    fd = os.open("/dev/full", os.O_WRONLY)
    try:
        with pytest.raises(OSError) as exc:
            aof_rewrite_fd(ip.engine, fd, 0)
        assert exc.value.errno == 28        # ENOSPC
    finally:
        os.close(fd)
    with pytest.raises(OSError):
        aof_rewrite_path(ip.engine, str(tmp_path / "no-such-dir" / "x.aof"), 0)
    # a failed rename leaves no temp file behind
    target = tmp_path / "is-a-dir"
    (target / "inside").mkdir(parents=True)
    with pytest.raises(OSError):
        aof_rewrite_path(ip.engine, str(target), 0)
    assert not list(tmp_path.glob("temp-rewriteaof-*"))


def test_pipe_and_release_gil(pair):
    # a pipe takes partial writes and has no autosync; with and without
    # the GIL the bytes are the same
    ip = pair[0]
    outputs = []
    for release in (False, True):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code = 1
            try:
                aof_rewrite_fd(ip.engine, wfd, AOF_REWRITE_INCREMENTAL_FSYNC, release)
                code = 0
            finally:
                os._exit(code)
        os.close(wfd)
        chunks = []
        while chunk := os.read(rfd, 1 << 16):
            chunks.append(chunk)
        os.close(rfd)
        assert os.waitpid(pid, 0)[1] == 0
        outputs.append(b"".join(chunks))
    assert outputs[0] == outputs[1] and outputs[0].startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")


def wait_child(pid, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    os.kill(pid, 9)
    raise AssertionError("the rewrite child did not exit")


def test_fork_child_writes_the_same_file(pair, tmp_path, monkeypatch):
    ip = pair[0]
    monkeypatch.chdir(tmp_path)
    fg = tmp_path / "foreground.aof"
    aof_rewrite_path(ip.engine, str(fg), 0)
    pid, fd, fork_usec = fork_aof_rewrite_child(ip.engine, "temp-rewriteaof-%d.aof",
                                                "temp-rewriteaof-bg-%d.aof", AOF_REWRITE_INCREMENTAL_FSYNC, [])
    assert fork_usec >= 0
    assert wait_child(pid) == 0
    report = read_child_report(fd)
    final = tmp_path / f"temp-rewriteaof-bg-{pid}.aof"
    assert final.read_bytes() == fg.read_bytes()
    assert report["status"] == 0 and report["bytes"] == final.stat().st_size
    assert report["keys"] == sum(len(k) for k in groups(fg.read_bytes())[0].values())
    assert not (tmp_path / f"temp-rewriteaof-{pid}.aof").exists()


def test_fork_child_reports_a_write_failure(tmp_path, monkeypatch):
    ip = InProcess(**CONFIG)
    ip("SET", "k", "v")
    monkeypatch.chdir(tmp_path)
    pid, fd, _ = fork_aof_rewrite_child(ip.engine, "missing/temp-rewriteaof-%d.aof", None, 0, [])
    assert os.WEXITSTATUS(wait_child(pid)) == 1
    report = read_child_report(fd)
    assert report["stage"] == "open" and report["status"] == 2       # ENOENT
    # a rewrite of a value type the writer cannot write is never made: the
    # write stage name is the one Redis logs for its writer
    from rkvd._core.persist import fork
    assert "rewriteAppendOnlyFileRio" in fork.STAGES.values()


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs /proc smaps_rollup")
def test_fork_child_leaves_object_pages_shared(tmp_path, monkeypatch):
    # Every value object lives in pages shared with the parent; a refcount
    # write (or decompressing a quicklist node in place) would copy them.
    ip = InProcess(**CONFIG)
    n = 20000
    for j in range(0, n, 500):
        ip("MSET", *[x for i in range(j, j + 500) for x in (f"s:{i}", "raw value " * 5)])
        for i in range(j, j + 500):
            ip("HSET", f"h:{i}", "f", i)
            ip("RPUSH", f"l:{i}", *[f"list element {k}" for k in range(30)])
            ip("SADD", f"z:{i}", i)
    monkeypatch.chdir(tmp_path)
    pid, fd, _ = fork_aof_rewrite_child(ip.engine, "temp-rewriteaof-%d.aof", None, 0, [])
    assert wait_child(pid) == 0
    report = read_child_report(fd)
    assert report["status"] == 0 and report["keys"] == 4 * n
    # 80000 keys, 60000 Python value objects and 20000 lists with
    # compressed nodes (many MB): a write per object would dirty far more.
    assert report["cow"] < 2 * 1024 * 1024, f"{report['cow']} bytes dirtied in the child"


def _persistence(c):
    text = c.command("INFO", "persistence").decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def test_rewrite_child_reports_its_progress(server_pair):
    # Redis's child info for the rewrite child: keys written so far and its
    # copy-on-write while it runs, in INFO's current_* fields
    for s in server_pair(*AOF_ARGS, "--rdb-key-save-delay", "300"):
        with s.raw() as c:
            deadline = time.monotonic() + 30
            while _persistence(c)["aof_rewrite_in_progress"] != "0":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert c.command("DEBUG", "POPULATE", "10000", "key", "500") == b"+OK\r\n"
            assert c.command("BGREWRITEAOF") == b"+Background append only file rewriting started\r\n"
            assert _persistence(c)["current_save_keys_total"] == "10000"
            seen = []
            deadline = time.monotonic() + 10
            while len(set(seen)) < 2:
                assert time.monotonic() < deadline, f"{s.name} reported no progress: {seen}"
                for i in range(16):
                    c.command("SETRANGE", f"key:{i + 16 * len(seen)}", "0", "B" * 500)
                info = _persistence(c)
                assert info["aof_rewrite_in_progress"] == "1", f"{s.name}: the rewrite ended first"
                if int(info["current_save_keys_processed"]) > 0:
                    assert int(info["current_cow_size"]) > 0
                    seen.append(info["current_save_keys_processed"])
                time.sleep(0.3)
            assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == b"+OK\r\n"
            deadline = time.monotonic() + 30
            while _persistence(c)["aof_rewrite_in_progress"] != "0":
                assert time.monotonic() < deadline, f"{s.name}'s rewrite did not end"
                time.sleep(0.05)
            after = _persistence(c)
            assert after["aof_last_bgrewrite_status"] == "ok"
            assert (after["current_save_keys_processed"], after["current_cow_size"]) == ("0", "0")
            assert int(after["aof_last_cow_size"]) > 0
