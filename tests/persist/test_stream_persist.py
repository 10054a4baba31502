"""Streams through DUMP/RESTORE, RDB files and the AOF rewrite, both ways
between rkvd and redis-server 7.0.15.

Consumer groups carry clocks (delivery times, seen times), so the streams
are built once, on redis-server, and reach rkvd through RESTORE: from then
on both servers hold the same times and every comparison is exact. What is
compared: DUMP payloads byte for byte, XINFO STREAM FULL, XPENDING, the
DEBUG DIGEST, redis-check-rdb on rkvd's file, and the AOF base files'
stream commands.
"""
import re
import shutil
import subprocess
import time

import pytest
import rdbdec

from support import parse_reply

pytestmark = [pytest.mark.needs_redis, pytest.mark.timeout(180)]

REDIS_CHECK_RDB = shutil.which("redis-check-rdb") or "/usr/bin/redis-check-rdb"
NODE_ARGS = ["--stream-node-max-entries", "7"]
AOF_ARGS = ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]


class Conn:
    def __init__(self, server):
        self.server = server
        self.conn = server.raw(timeout=60)

    def __call__(self, *args):
        kind, value = parse_reply(self.conn.command(*args))
        assert kind != "-", f"{args[:4]}: {value!r}"
        return value

    def raw(self, *args):
        return self.conn.command(*args)


def build(r):
    """Streams of every shape, on redis-server."""
    for i in range(1, 60):
        r("XADD", "s", f"{i}-{i % 2}", "f", i, "g", "x" * (i % 40))
    r("XADD", "s", "100-0", "other", "fields", "n", -12345678901)
    r("XDEL", "s", "3-1", "10-0", "11-1")
    r("XGROUP", "CREATE", "s", "workers", "0")
    r("XGROUP", "CREATE", "s", "late", "$")
    r("XGROUP", "CREATE", "s", "odd", "20-0", "ENTRIESREAD", "7")
    r("XREADGROUP", "GROUP", "workers", "alice", "COUNT", "5", "STREAMS", "s", ">")
    r("XREADGROUP", "GROUP", "workers", "bob", "COUNT", "4", "STREAMS", "s", ">")
    r("XREADGROUP", "GROUP", "workers", "carol", "NOACK", "COUNT", "2", "STREAMS", "s", ">")
    r("XACK", "s", "workers", "2-0")
    r("XCLAIM", "s", "workers", "dave", "0", "4-0", "RETRYCOUNT", "9")
    r("XGROUP", "CREATECONSUMER", "s", "workers", "idle")
    r("XADD", "empty", "5-5", "a", "b")
    r("XDEL", "empty", "5-5")
    r("XGROUP", "CREATE", "empty", "g", "$")
    r("XADD", "plain", "MAXLEN", "3", "*", "a", 1)
    r("XADD", "big", "1-0", "v", "y" * 5000)


KEYS = ["s", "empty", "plain", "big"]


def transfer(src, dst):
    for key in KEYS:
        dst("DEL", key)
        assert dst("RESTORE", key, 0, src("DUMP", key)) == b"OK"


def state(r):
    out = [r.raw("DEBUG", "DIGEST")]
    for key in KEYS:
        out += [r.raw("XINFO", "STREAM", key, "FULL"), r.raw("DUMP", key), r.raw("OBJECT", "ENCODING", key)]
    out += [r.raw("XPENDING", "s", "workers"), r.raw("XINFO", "GROUPS", "s"),
            r.raw("XINFO", "STREAM", "s")]
    return out


def test_dump_restore_both_ways(rkvd_factory, redis_factory):
    redis = Conn(redis_factory(*NODE_ARGS))
    rkvd = Conn(rkvd_factory(*NODE_ARGS))
    build(redis)
    transfer(redis, rkvd)
    for key in KEYS:
        assert rkvd("DUMP", key) == redis("DUMP", key), key
    # and back: what rkvd dumps restores in redis-server to the same value
    for key in KEYS:
        redis("RESTORE", key + ":back", 0, rkvd("DUMP", key))
        assert redis("DUMP", key + ":back") == redis("DUMP", key)
        redis("DEL", key + ":back")
    assert state(rkvd)[1:] == state(redis)[1:]


def test_rdb_files_both_ways(rkvd_factory, redis_factory, tmp_path):
    server = redis_factory(*NODE_ARGS)
    redis = Conn(server)
    build(redis)
    redis("SAVE")
    expected = state(redis)

    # redis-server's file loads into rkvd
    d = tmp_path / "from-redis"
    d.mkdir()
    shutil.copy(server.dir / "dump.rdb", d / "dump.rdb")
    rkvd = Conn(rkvd_factory(*NODE_ARGS, directory=d))
    assert state(rkvd) == expected

    # rkvd's file passes redis-check-rdb and loads into redis-server
    rkvd("SAVE")
    p = subprocess.run([REDIS_CHECK_RDB, str(d / "dump.rdb")], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "RDB looks OK" in p.stdout, p.stdout
    d2 = tmp_path / "from-rkvd"
    d2.mkdir()
    shutil.copy(d / "dump.rdb", d2 / "dump.rdb")
    back = Conn(redis_factory(*NODE_ARGS, directory=d2))
    assert state(back) == expected


def _wait_rewrite(r):
    deadline = time.time() + 60
    while time.time() < deadline:
        info = r("INFO", "persistence").decode()
        if "aof_rewrite_in_progress:0" in info and "aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.05)
    raise AssertionError("AOF rewrite did not finish")


def _base_file(server, r):
    _wait_rewrite(r)
    r("BGREWRITEAOF")
    _wait_rewrite(r)
    d = server.dir / "appendonlydir"
    manifest = (d / "appendonly.aof.manifest").read_text()
    base = re.search(r"^file (\S+) seq \d+ type b$", manifest, re.M).group(1)
    return (d / base).read_bytes()


def test_aof_rewrite_same_commands_as_redis(rkvd_factory, redis_factory):
    """Key by key (the base file follows each server's table order), rkvd's
    rewritten AOF holds the bytes redis-server's holds; it loads back."""
    redis_server = redis_factory(*NODE_ARGS, *AOF_ARGS)
    redis = Conn(redis_server)
    build(redis)
    dumps = {key: redis("DUMP", key) for key in KEYS}
    expected = state(redis)
    rkvd_server = rkvd_factory(*NODE_ARGS, *AOF_ARGS)
    rkvd = Conn(rkvd_server)
    for key in KEYS:
        for r in (redis, rkvd):
            r("FLUSHALL")
            r("RESTORE", key, 0, dumps[key])
        assert _base_file(rkvd_server, rkvd) == _base_file(redis_server, redis), key
    # all keys: the rewritten AOF loads back into the same streams
    rkvd("FLUSHALL")
    for key in KEYS:
        rkvd("RESTORE", key, 0, dumps[key])
    _base_file(rkvd_server, rkvd)
    rkvd_server.restart()
    rkvd = Conn(rkvd_server)
    # DUMP differs only where the AOF cannot carry it: a consumer's
    # seen-time is the time XCLAIM / XGROUP CREATECONSUMER ran
    got = state(rkvd)
    for key, i in zip(KEYS, range(1, 4 * len(KEYS), 3)):
        if key != "s":
            assert got[i:i + 3] == expected[i:i + 3], key
    assert got[-3:-1] == expected[-3:-1]


def _corrupt_node(payload: bytes, edit) -> bytes:
    """A DUMP payload of a one-node stream (written uncompressed) with
    edit(listpack bytearray) applied to its node and the CRC redone. The
    node of two entries "a" 1, "a" 2: 6 header bytes, then count at 6,
    deleted at 8, master fields at 10, "a" at 12, the terminator at 15 (one
    byte and its back length each), ... the last lp-count at -3."""
    body = bytearray(payload[:-10])
    # type, node count, 16-byte node key string, then the listpack string
    assert body[0] == 19 and body[1] == 1 and body[2] == 16
    lp_len = body[19]
    assert lp_len < 64
    lp = bytearray(body[20:20 + lp_len])
    edit(lp)
    body[20:20 + lp_len] = lp
    body += payload[-10:-8]
    return bytes(body) + rdbdec.crc64(bytes(body)).to_bytes(8, "little")


@pytest.mark.parametrize("edit", [
    pytest.param(lambda lp: lp.__setitem__(-3, lp[-3] + 1), id="lp-count"),
    pytest.param(lambda lp: lp.__setitem__(6, lp[6] + 1), id="entry-count"),
    pytest.param(lambda lp: lp.__setitem__(10, 2), id="master-fields"),
    pytest.param(lambda lp: lp.__setitem__(15, 1), id="master-terminator"),
])
def test_restore_sanitizes_stream_nodes(rkvd_factory, redis_factory, edit):
    """With sanitize-dump-payload yes, a stream node whose listpack is sound
    but whose stream layout is not is refused, as redis-server refuses it;
    without it, both take the payload."""
    servers = [Conn(rkvd_factory()), Conn(redis_factory())]
    for r in servers:
        r("CONFIG", "SET", "rdbcompression", "no")
        r("XADD", "s", "1-0", "a", "1")
        r("XADD", "s", "2-0", "a", "2")
    payload = servers[1]("DUMP", "s")
    assert servers[0]("DUMP", "s") == payload
    bad = _corrupt_node(payload, edit)
    replies = []
    for r in servers:
        r("CONFIG", "SET", "sanitize-dump-payload", "yes")
        replies.append(r.raw("RESTORE", "t", 0, bad))
        r("CONFIG", "SET", "sanitize-dump-payload", "no")
        replies.append(r.raw("RESTORE", "u", 0, bad))
    assert replies[0] == replies[2] == b"-ERR Bad data format\r\n"
    assert replies[1] == replies[3] == b"+OK\r\n"


WORKLOAD = [
    *[("XADD", "s", "MAXLEN", "~", 12, f"{i}-1", "f", i) for i in range(1, 21)],
    ("XADD", "auto", "*", "a", 1), ("XGROUP", "CREATE", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "c1", "COUNT", 4, "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", 2, "STREAMS", "s", ">"),
    ("XACK", "s", "g", "9-1"), ("XCLAIM", "s", "g", "c3", 0, "10-1"),
    ("XAUTOCLAIM", "s", "g", "c4", 0, 0, "COUNT", 1), ("XDEL", "s", "11-1"),
    ("XTRIM", "s", "MINID", "~", 12), ("XSETID", "s", "100-0"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "c9"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
    ("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", 3), ("XGROUP", "SETID", "s", "g2", "5-1"),
    ("XCLAIM", "s", "g", "c5", 0, "10-1", "7-1", "LASTID", "50-0", "JUSTID"),
    ("XGROUP", "DESTROY", "s", "g2"),
]
# what differs between two runs of the workload: clocks
CLOCKS = re.compile(rb"(TIME\r\n\$13\r\n)\d{13}|(XADD\r\n\$4\r\nauto\r\n\$\d+\r\n)\d+-\d+")


def _incr_file(server):
    d = server.dir / "appendonlydir"
    manifest = (d / "appendonly.aof.manifest").read_text()
    return (d / re.search(r"^file (\S+) seq \d+ type i$", manifest, re.M).group(1)).read_bytes()


def test_propagation_to_the_aof(rkvd_factory, redis_factory):
    """Each stream command reaches the AOF in the form redis-server writes
    (XADD with the ID it got and = trims, XREADGROUP / XAUTOCLAIM as
    XCLAIM ... FORCE JUSTID LASTID and XGROUP SETID in MULTI/EXEC, ...),
    and the AOF rebuilds the same streams on a restart."""
    servers = [rkvd_factory("--appendonly", "yes", "--stream-node-max-entries", "3"),
               redis_factory("--appendonly", "yes", "--stream-node-max-entries", "3")]
    conns = [Conn(s) for s in servers]
    for cmd in WORKLOAD:
        replies = [c.raw(*cmd) for c in conns]
        if cmd[1] != "auto":
            assert replies[0] == replies[1] or cmd[0] in ("XREADGROUP", "XCLAIM", "XAUTOCLAIM"), cmd
    # the last commands may reach a file a moment after their replies
    deadline = time.time() + 5
    while True:
        files = [CLOCKS.sub(rb"\1\2<clock>", _incr_file(s)) for s in servers]
        if files[0] == files[1] or time.time() > deadline:
            break
        time.sleep(0.05)
    assert files[0] == files[1]
    before = [conns[0].raw("XRANGE", "s", "-", "+"), conns[0].raw("XINFO", "GROUPS", "s"),
              conns[0].raw("XPENDING", "s", "g"), conns[0].raw("XINFO", "STREAM", "s")]
    servers[0].restart()
    rkvd = Conn(servers[0])
    assert [rkvd.raw("XRANGE", "s", "-", "+"), rkvd.raw("XINFO", "GROUPS", "s"), rkvd.raw("XPENDING", "s", "g"),
            rkvd.raw("XINFO", "STREAM", "s")] == before


def test_touching_a_corrupt_stream_is_an_assertion(rkvd_factory, redis_factory):
    """Without sanitizing, a bad node loads (as in Redis, which checks only
    the listpack header then); the first command to touch the stream logs
    Redis's assertion failure and the server exits: status 1 with
    use-exit-on-panic, never a crash by signal."""
    ref = Conn(redis_factory())
    ref("CONFIG", "SET", "rdbcompression", "no")
    ref("XADD", "s", "1-0", "a", "1")
    ref("XADD", "s", "2-0", "a", "2")
    bad = _corrupt_node(ref("DUMP", "s"), lambda lp: lp.__setitem__(-3, lp[-3] + 1))
    server = rkvd_factory("--use-exit-on-panic", "yes")
    r = Conn(server)
    assert r("RESTORE", "t", 0, bad) == b"OK"
    assert r("TYPE", "t") == b"stream" and r("EXISTS", "t") == 1
    try:
        r.raw("XRANGE", "t", "-", "+")
    except Exception:
        pass
    assert server.wait(10) == 1
    log = server.stdout()
    assert "=== ASSERTION FAILED ===" in log and "crashed by signal" not in log
