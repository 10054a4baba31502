"""RESTORE and RESTORE-ASKING (rkvd/_core/persist/rdb_load.pyx), byte for
byte against redis-server 7.0.15.

Payloads come from redis-server's own DUMP (every type and encoding 7.0
writes) and from the test-side encoder (rdbenc) for the encodings older
versions wrote; both servers RESTORE the very same bytes and must then hold
the same value (DEBUG DIGEST-VALUE), in the same encoding. Corrupt payloads
must never take rkvd down: with sanitize-dump-payload yes both servers must
agree on every answer; with no, rkvd may refuse a blob redis-server takes
(it walks every listpack), never the other way round.
"""
import struct
import time

import pytest
import rdbenc
from hypothesis import given, settings
from hypothesis import strategies as st

import support
from support import DIFFERENTIAL, Differ, Step, near, parse_reply, unordered

pytestmark = [pytest.mark.timeout(300), pytest.mark.needs_redis]

VALUE = rdbenc.payload(rdbenc.STRING, rdbenc.obj_string(b"value"))
LIST = rdbenc.payload(rdbenc.LIST_QUICKLIST_2, rdbenc.obj_quicklist2([(2, rdbenc.listpack([b"a", b"b", 3]))]))
DEFAULTS = [("CONFIG", "SET", "hash-max-listpack-entries", "128", "hash-max-listpack-value", "64",
             "set-max-intset-entries", "512", "zset-max-listpack-entries", "128",
             "zset-max-listpack-value", "64", "list-max-listpack-size", "-2", "list-compress-depth", "0",
             "sanitize-dump-payload", "no")]


@pytest.fixture
def rdiffer(differ):
    """The differ; server-wide settings a test changes are put back after it."""
    yield differ
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            for cmd in DEFAULTS:
                assert conn.command(*cmd) == b"+OK\r\n"
    with differ.server_b.raw() as conn:
        conn.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1073741824")


def redis_dump(differ: Differ, key: str, *setup) -> bytes:
    """The DUMP of key on the reference server after the setup commands (the
    key is deleted again)."""
    conn = differ.conn_b
    for cmd in setup:
        reply = conn.command(*cmd)
        assert not reply.startswith(b"-"), (cmd[:3], reply)
    kind, payload = parse_reply(conn.command("DUMP", key))
    assert kind == "$" and payload is not None
    conn.command("DEL", key)
    return payload


def reads(key: str, typ: str) -> list:
    """Steps that read a whole value back, in both servers' reply order."""
    steps = [("TYPE", key), ("OBJECT", "ENCODING", key), ("DEBUG", "DIGEST-VALUE", key)]
    if typ == "string":
        steps += [("GET", key), ("STRLEN", key)]
    elif typ == "list":
        steps += [("LRANGE", key, 0, -1), ("LLEN", key), ("LINDEX", key, -1)]
    elif typ == "set":
        steps += [unordered(("SMEMBERS", key)), ("SCARD", key)]
    elif typ == "zset":
        steps += [("ZRANGE", key, 0, -1, "WITHSCORES"), ("ZCARD", key)]
    elif typ == "hash":
        steps += [unordered(("HKEYS", key)), unordered(("HVALS", key)), ("HLEN", key)]
    return steps


# ---------------------------------------------------------------- every type and encoding

DATASETS = [
    ("int", "string", [("SET", "k", "12345")]),
    ("llong-min", "string", [("SET", "k", "-9223372036854775808")]),
    ("not-canonical", "string", [("SET", "k", "0123")]),
    ("embstr", "string", [("SET", "k", "x" * 44)]),
    ("raw", "string", [("SET", "k", "y" * 45)]),
    ("lzf", "string", [("SET", "k", "abc" * 300)]),
    ("binary", "string", [("SET", "k", bytes(range(256)) * 3)]),
    ("empty", "string", [("SET", "k", "")]),
    ("list-listpack", "list", [("RPUSH", "k", "a", "1", "-5", "x" * 100, "")]),
    ("list-nodes", "list", [("RPUSH", "k", *[f"element-{i}" for i in range(3000)])]),
    ("list-ints", "list", [("RPUSH", "k", *range(-500, 500))]),
    ("set-intset", "set", [("SADD", "k", 1, 2, 3, -7)]),
    ("set-intset-64", "set", [("SADD", "k", 1, 2 ** 40, -(2 ** 62))]),
    ("set-intset-512", "set", [("SADD", "k", *range(512))]),
    ("set-ht", "set", [("SADD", "k", "a", "b", "1")]),
    ("set-ht-big", "set", [("SADD", "k", *range(513))]),
    ("zset-listpack", "zset", [("ZADD", "k", 1, "a", 2.5, "b", "-inf", "c", "inf", "d", 0, "1")]),
    ("zset-skiplist", "zset", [("ZADD", "k", *[x for i in range(129) for x in (i / 3, f"m{i}")])]),
    ("zset-long-member", "zset", [("ZADD", "k", 1, "m" * 65, 2, "n")]),
    ("hash-listpack", "hash", [("HSET", "k", "a", "1", "b", "", "c", "x" * 64)]),
    ("hash-ht", "hash", [("HSET", "k", *[x for i in range(129) for x in (f"f{i}", i)])]),
    ("hash-long-value", "hash", [("HSET", "k", "a", "v" * 65)]),
]


@pytest.mark.parametrize("typ,setup", [pytest.param(t, s, id=i) for i, t, s in DATASETS])
def test_restore_of_redis_dump(rdiffer, typ, setup):
    payload = redis_dump(rdiffer, "k", *setup)
    rdiffer.run([("RESTORE", "k", 0, payload)] + reads("k", typ)
                + [("RESTORE-ASKING", "k2", 0, payload)] + reads("k2", typ))


@pytest.mark.parametrize("config", [
    [("CONFIG", "SET", "list-compress-depth", "1", "list-max-listpack-size", "4")],
    [("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")],
], ids=["compressed-nodes", "plain-nodes"])
def test_restore_of_redis_quicklists(rdiffer, config):
    payload = redis_dump(rdiffer, "k", *config, ("RPUSH", "k", "a", "p" * 500, *[f"e{i}" for i in range(100)],
                                                 "q" * 101, "z"))
    rdiffer.run([("RESTORE", "k", 0, payload)] + reads("k", "list"))


@pytest.mark.parametrize("settings", [
    ["--hash-max-listpack-entries", "2", "--zset-max-listpack-entries", "2", "--set-max-intset-entries", "2"],
    ["--hash-max-listpack-entries", "1000", "--zset-max-listpack-entries", "1000",
     "--set-max-intset-entries", "1000"],
    ["--hash-max-listpack-value", "2", "--zset-max-listpack-value", "2", "--list-max-listpack-size", "1"],
    ["--hash-max-listpack-entries", "0", "--zset-max-listpack-entries", "0", "--set-max-intset-entries", "0"],
], ids=["few-entries", "many-entries", "short-values", "zero"])
def test_encodings_after_restore_follow_the_thresholds(differ, server_pair, settings):
    """Payloads from a server with the defaults, restored where the limits
    differ: converted (or not) exactly as rdbLoadObject converts."""
    payloads = [(t, redis_dump(differ, "k", *setup)) for _, t, setup in DATASETS]
    rkvd, redis = server_pair(*settings)
    d = Differ(rkvd, redis, db=9)
    try:
        for i, (typ, payload) in enumerate(payloads):
            d.run([("RESTORE", f"k{i}", 0, payload)] + reads(f"k{i}", typ))
    finally:
        d.close()


# ---------------------------------------------------------------- options and errors

def _now_ms() -> int:
    return int(time.time() * 1000)


def _matrix():
    past = str(_now_ms() - 10000)
    future = str(_now_ms() + 10 ** 8)
    v11 = VALUE[:-10] + struct.pack("<H", 11)
    v11 = v11 + struct.pack("<Q", rdbenc.crc64(v11))
    return [
        ("plain", [("RESTORE", "k", 0, VALUE), ("GET", "k"), ("TTL", "k"),
                   ("RESTORE", "k", 0, VALUE), ("RESTORE", "k", 0, VALUE, "REPLACE"), ("GET", "k")]),
        ("busykey-before-ttl", [("SET", "k", "x"), ("RESTORE", "k", "abc", VALUE),
                                ("RESTORE", "k", -1, VALUE), ("RESTORE", "k", 0, b"junk")]),
        ("ttl", [("RESTORE", "k", 100000, VALUE), near(("TTL", "k")),
                 ("RESTORE", "k", 5000, LIST, "REPLACE"), near(("TTL", "k")), ("TYPE", "k")]),
        ("absttl", [("RESTORE", "k", future, VALUE, "ABSTTL"), ("PEXPIRETIME", "k"),
                    ("RESTORE", "k2", 0, VALUE, "ABSTTL"), ("TTL", "k2")]),
        ("past", [("RESTORE", "k", past, VALUE, "ABSTTL"), ("EXISTS", "k"),
                  ("SET", "k", "x"), ("RESTORE", "k", past, VALUE, "ABSTTL", "REPLACE"), ("EXISTS", "k"),
                  ("SET", "k", "x"), ("RESTORE", "k", past, VALUE, "ABSTTL"), ("GET", "k")]),
        ("replace-drops-ttl", [("SET", "k", "x", "EX", 1000), ("RESTORE", "k", 0, VALUE, "REPLACE"),
                               ("TTL", "k"), ("GET", "k")]),
        ("ttl-overflow", [("RESTORE", "k", 9223372036854775807, VALUE), ("EXISTS", "k")]),
        ("bad-ttl", [("RESTORE", "k", -1, VALUE), ("RESTORE", "k", "1.5", VALUE), ("RESTORE", "k", "x", VALUE),
                     ("RESTORE", "k", "", VALUE), ("EXISTS", "k")]),
        ("idletime", [("RESTORE", "k", 0, VALUE, "IDLETIME", 1000), near(("OBJECT", "IDLETIME", "k")),
                      ("RESTORE", "k", 0, VALUE, "IDLETIME", -1, "REPLACE"),
                      ("RESTORE", "k", 0, VALUE, "IDLETIME", "x", "REPLACE"),
                      ("RESTORE", "k", 0, VALUE, "REPLACE", "IDLETIME"),
                      ("RESTORE", "k", 0, VALUE, "REPLACE", "IDLETIME", 0), ("OBJECT", "IDLETIME", "k")]),
        ("freq", [("RESTORE", "k", 0, VALUE, "FREQ", 100), ("OBJECT", "FREQ", "k"),
                  ("RESTORE", "k", 0, VALUE, "FREQ", 256, "REPLACE"),
                  ("RESTORE", "k", 0, VALUE, "FREQ", -1, "REPLACE"),
                  ("RESTORE", "k", 0, VALUE, "FREQ", "x", "REPLACE"),
                  ("RESTORE", "k", 0, VALUE, "FREQ", 1, "IDLETIME", 1, "REPLACE"),
                  ("RESTORE", "k", 0, VALUE, "IDLETIME", 1, "FREQ", 1, "REPLACE")]),
        ("options", [("RESTORE", "k", 0, VALUE, "FOO"), ("RESTORE", "k", 0, VALUE, "replace", "absttl"),
                     ("RESTORE", "k", 0, VALUE, b"replace\0junk"), ("RESTORE", "k", 0, VALUE, "REPLACE", "REPLACE"),
                     ("RESTORE", "k"), ("RESTORE", "k", 0), ("RESTORE-ASKING", "k", 0)]),
        ("payload", [("RESTORE", "k", 0, b""), ("RESTORE", "k", 0, b"123456789"),
                     ("RESTORE", "k", 0, VALUE[:-1] + bytes([VALUE[-1] ^ 1])), ("RESTORE", "k", 0, v11),
                     ("RESTORE", "k", 0, rdbenc.payload(8, b"\x01x")),
                     ("RESTORE", "k", 0, rdbenc.payload(rdbenc.STRING, b"\x0ashort")),
                     ("RESTORE", "k", 0, rdbenc.payload(rdbenc.STRING, b"")),
                     ("RESTORE", "k", 0, rdbenc.payload(rdbenc.STRING, rdbenc.obj_string(b"v") + b"trailing")),
                     ("GET", "k"),
                     ("RESTORE", "k2", 0, rdbenc.payload(rdbenc.STRING, rdbenc.obj_string(b"v"), version=1)),
                     ("RESTORE", "k3", 0, rdbenc.payload(rdbenc.STRING, rdbenc.obj_string(b"v"), crc=0)),
                     ("MGET", "k", "k2", "k3")]),
        ("watch-touched", [("SET", "k", "x"), ("WATCH", "k"), ("RESTORE", "k", 0, VALUE, "REPLACE"),
                           ("MULTI",), ("GET", "k"), ("EXEC",)]),
        ("watch-deleted", [("SET", "k", "x"), ("WATCH", "k"),
                           ("RESTORE", "k", past, VALUE, "ABSTTL", "REPLACE"), ("MULTI",), ("EXEC",)]),
        ("watch-nothing-stored", [("WATCH", "k"), ("RESTORE", "k", past, VALUE, "ABSTTL"),
                                  ("MULTI",), ("PING",), ("EXEC",)]),
        ("in-multi", [("MULTI",), ("RESTORE", "k", 0, VALUE), ("RESTORE", "k", 0, VALUE), ("EXEC",)]),
    ]


@pytest.mark.parametrize("steps", [pytest.param(s, id=i) for i, s in _matrix()])
def test_options_and_errors(rdiffer, steps):
    rdiffer.run(steps)


def test_lfu_frequency(server_pair):
    rkvd, redis = server_pair("--maxmemory-policy", "allkeys-lfu")
    d = Differ(rkvd, redis, db=9)
    try:
        d.run([("RESTORE", "k", 0, VALUE, "FREQ", 200), ("OBJECT", "FREQ", "k"),
               ("RESTORE", "k2", 0, VALUE, "IDLETIME", 50), ("OBJECT", "FREQ", "k2"),
               ("OBJECT", "IDLETIME", "k2"), ("RESTORE", "k3", 0, VALUE, "FREQ", 0), ("OBJECT", "FREQ", "k3")])
    finally:
        d.close()


def _dirty(conn) -> int:
    info = support.info_sections(parse_reply(conn.command("INFO", "persistence"))[1].decode())
    return int(info["persistence"]["rdb_changes_since_last_save"])


def test_dirty_counts_as_redis(rdiffer):
    past = str(_now_ms() - 10000)
    steps = [("RESTORE", "k", 0, VALUE), ("RESTORE", "k", 0, VALUE), ("RESTORE", "k", 0, VALUE, "REPLACE"),
             ("RESTORE", "k2", past, VALUE, "ABSTTL"), ("RESTORE", "k", past, VALUE, "ABSTTL", "REPLACE"),
             ("RESTORE", "k3", 0, b"junk")]
    before = [_dirty(c) for c in (rdiffer.conn_a, rdiffer.conn_b)]
    rdiffer.run(steps)
    after = [_dirty(c) for c in (rdiffer.conn_a, rdiffer.conn_b)]
    assert after[0] - before[0] == after[1] - before[1] == 3


# ---------------------------------------------------------------- older encodings

elements = st.one_of(st.binary(max_size=80), st.integers(-(2 ** 63), 2 ** 63 - 1).map(lambda v: str(v).encode()),
                     st.integers(-20, 20), st.integers(-(2 ** 40), 2 ** 40), st.sampled_from([b"", b"-0", b"007"]))
fields = st.lists(st.binary(max_size=20), unique=True, max_size=12)


def _old_payloads(draw):
    """One payload of an encoding Redis no longer writes, drawn at random."""
    kind = draw(st.sampled_from(["list-ziplist", "quicklist", "zipmap", "hash-ziplist", "zset-ziplist",
                                 "linked", "zset-text", "set", "hash"]))
    if kind == "list-ziplist":
        return "list", rdbenc.payload(rdbenc.LIST_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
            draw(st.lists(elements, max_size=20)))))
    if kind == "quicklist":
        nodes = draw(st.lists(st.lists(elements, max_size=8), min_size=1, max_size=4))
        return "list", rdbenc.payload(rdbenc.LIST_QUICKLIST, rdbenc.obj_quicklist_ziplists(
            [rdbenc.ziplist(n) for n in nodes]))
    if kind == "linked":
        return "list", rdbenc.payload(rdbenc.LIST, rdbenc.obj_list_linked(
            draw(st.lists(st.binary(max_size=30), max_size=10))))
    names = draw(fields)
    values = [draw(elements) for _ in names]
    values = [v if isinstance(v, bytes) else str(v).encode() for v in values]
    if kind == "zipmap":
        return "hash", rdbenc.payload(rdbenc.HASH_ZIPMAP, rdbenc.obj_blob(rdbenc.zipmap(
            list(zip(names, values)), free=draw(st.integers(0, 3)))))
    if kind == "hash-ziplist":
        return "hash", rdbenc.payload(rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
            [x for pair in zip(names, values) for x in pair])))
    if kind == "hash":
        return "hash", rdbenc.payload(rdbenc.HASH, rdbenc.obj_hash(list(zip(names, values))))
    if kind == "set":
        return "set", rdbenc.payload(rdbenc.SET, rdbenc.obj_set(names))
    scores = [draw(st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=False, width=32))) for _ in names]
    if kind == "zset-text":
        return "zset", rdbenc.payload(rdbenc.ZSET, rdbenc.obj_zset_text(
            [(n, float(s)) for n, s in zip(names, scores)]))
    return "zset", rdbenc.payload(rdbenc.ZSET_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist(
        [x for n, s in zip(names, sorted(scores)) for x in (n, str(s).encode())])))


@settings(max_examples=250, **DIFFERENTIAL)
@given(data=st.data())
def test_old_encodings_restore_like_redis(differ, data):
    typ, payload = _old_payloads(data.draw)
    differ.run([("DEL", "k"), ("RESTORE", "k", 0, payload)] + reads("k", typ))


@pytest.fixture(scope="module")
def small_pair(tmp_path_factory):
    """rkvd and redis-server with tiny encoding thresholds (conversions on
    almost every load)."""
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    args = ["--hash-max-listpack-entries", "3", "--zset-max-listpack-entries", "3", "--set-max-intset-entries", "3",
            "--hash-max-listpack-value", "8", "--zset-max-listpack-value", "8", "--list-max-listpack-size", "2"]
    pair = [support.ServerProcess(cmd, name, tmp_path_factory.mktemp(name), extra_args=args).start()
            for cmd, name in ((support.rkvd_command(), "rkvd-small"), ([support.REDIS_SERVER], "redis-small"))]
    d = Differ(*pair, db=9)
    yield d
    d.close()
    for s in pair:
        s.kill()


@settings(max_examples=150, **DIFFERENTIAL)
@given(data=st.data())
def test_old_encodings_at_small_thresholds(small_pair, data):
    typ, payload = _old_payloads(data.draw)
    small_pair.run([("DEL", "k"), ("RESTORE", "k", 0, payload)] + reads("k", typ))


# ---------------------------------------------------------------- corruption

def _corruption_bases():
    """Valid payloads of every blob encoding, to corrupt."""
    zl = rdbenc.ziplist([b"a", 5, b"c" * 70, -300, 70000, b"d"])
    return [
        rdbenc.payload(rdbenc.LIST_ZIPLIST, rdbenc.obj_blob(zl)),
        rdbenc.payload(rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([b"a", b"1", b"b", 2, 3, b"x" * 70]))),
        rdbenc.payload(rdbenc.ZSET_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([b"a", b"1", b"b", 2, b"c", b"3.5"]))),
        rdbenc.payload(rdbenc.LIST_QUICKLIST, rdbenc.obj_quicklist_ziplists([zl, rdbenc.ziplist([b"x", 1])])),
        rdbenc.payload(rdbenc.HASH_ZIPMAP, rdbenc.obj_blob(rdbenc.zipmap([(b"f", b"v"), (b"g" * 3, b"w" * 9)], 1))),
        rdbenc.payload(rdbenc.HASH_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", b"1", b"b", b"x" * 70, 3, 4]))),
        rdbenc.payload(rdbenc.ZSET_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", 1, b"b", b"2.5", b"c", 3]))),
        rdbenc.payload(rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1, 5, 300, 70000]))),
        rdbenc.payload(rdbenc.LIST_QUICKLIST_2, rdbenc.obj_quicklist2(
            [(2, rdbenc.listpack([b"a", 1, b"b" * 70, -5000])), (1, b"plain" * 3), (2, rdbenc.listpack([b"z"]))])),
        rdbenc.payload(rdbenc.ZSET_2, rdbenc.obj_zset_binary([(b"a", 1.0), (b"b", 2.0)])),
        rdbenc.payload(rdbenc.STRING, rdbenc.enc_lzf_str(b"abcdefgh" * 5)),
    ]


BASES = _corruption_bases()


def _mutate(data, base: bytes) -> bytes:
    body = bytearray(base[:-10])
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(body) - 1))
        body[i] = data.draw(st.one_of(st.integers(0, 255), st.sampled_from([0, 0xFF, 0xFE, 0x80, 0xC0, 0xF0])))
    if data.draw(st.booleans()):
        body = body[:data.draw(st.integers(1, len(body)))]
    return rdbenc.with_crc(bytes(body) + base[-10:])


@pytest.fixture(scope="module")
def sanitized_pair(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    args = ["--sanitize-dump-payload", "yes"]
    pair = [support.ServerProcess(cmd, name, tmp_path_factory.mktemp(name), extra_args=args).start()
            for cmd, name in ((support.rkvd_command(), "rkvd-sanitize"), ([support.REDIS_SERVER], "redis-sanitize"))]
    d = Differ(*pair, db=9)
    yield d
    d.close()
    for s in pair:
        s.kill()


def _type_of(payload: bytes) -> str:
    return {0: "string", 1: "list", 10: "list", 14: "list", 18: "list", 2: "set", 11: "set", 3: "zset", 5: "zset",
            12: "zset", 17: "zset", 4: "hash", 9: "hash", 13: "hash", 16: "hash"}.get(payload[0], "string")


@settings(max_examples=400, **DIFFERENTIAL)
@given(data=st.data())
def test_corrupt_payloads_sanitized_like_redis(sanitized_pair, data):
    """sanitize-dump-payload yes: both servers take or refuse the same
    payloads, and what they take reads back the same."""
    payload = _mutate(data, data.draw(st.sampled_from(BASES)))
    a, b = sanitized_pair.run([("DEL", "k"), ("RESTORE", "k", 0, payload)])[1]
    if a == b"+OK\r\n":
        sanitized_pair.run(reads("k", _type_of(payload)))


@pytest.fixture(scope="module")
def unsanitized(tmp_path_factory):
    """rkvd with sanitize-dump-payload no, and a redis-server only asked to
    RESTORE (reading what it took may crash it: it trusts shallow checks)."""
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    rkvd = support.ServerProcess(support.rkvd_command(), "rkvd-nosanitize", tmp_path_factory.mktemp("rkvd-ns")).start()
    redis = support.ServerProcess([support.REDIS_SERVER], "redis-nosanitize", tmp_path_factory.mktemp("redis-ns"),
                                  extra_args=["--crash-log-enabled", "no"]).start()
    yield rkvd, redis
    rkvd.kill()
    redis.kill()


@settings(max_examples=400, **DIFFERENTIAL)
@given(data=st.data())
def test_corrupt_payloads_unsanitized_never_crash(unsanitized, data):
    rkvd, redis = unsanitized
    payload = _mutate(data, data.draw(st.sampled_from(BASES)))
    with rkvd.raw() as conn:
        conn.command("DEL", "k")
        mine = conn.command("RESTORE", "k", 0, payload)
        assert mine in (b"+OK\r\n", b"-ERR Bad data format\r\n"), mine
        if mine == b"+OK\r\n":
            for step in reads("k", _type_of(payload)):
                cmd = step.args if isinstance(step, Step) else step
                assert conn.command(*cmd)[:1] in b"+-:$*"
    with redis.raw(timeout=2) as conn:
        conn.command("DEL", "k")
        try:
            theirs = conn.command("RESTORE", "k", 0, payload)
        except (support.ConnectionClosed, TimeoutError):    # it trusted a corrupt blob
            theirs = None
    if theirs is None:
        redis.restart()
    if mine == b"+OK\r\n" and theirs is not None:
        assert theirs == b"+OK\r\n", "rkvd took a payload redis-server refuses"
    assert rkvd.alive()


def test_truncated_and_bitflipped_payloads(rdiffer):
    """Every truncation and every single bit flip of small valid payloads
    (CRC fixed up), sanitized on both sides: the same answers."""
    for conn in (rdiffer.conn_a, rdiffer.conn_b):
        assert conn.command("CONFIG", "SET", "sanitize-dump-payload", "yes") == b"+OK\r\n"
    steps = []
    for base in BASES[:6]:
        body = base[:-10]
        for cut in range(1, len(body)):
            steps.append(("RESTORE", "t", 0, rdbenc.with_crc(body[:cut] + base[-10:])))
        for i in range(len(body)):
            for bit in (1, 0x80):
                flipped = body[:i] + bytes([body[i] ^ bit]) + body[i + 1:]
                steps.append(Step(("RESTORE", "t", 0, rdbenc.with_crc(flipped + base[-10:]), "REPLACE")))
    rdiffer.run(steps)
    rdiffer.run(reads("t", "hash"))


def test_dup_records_are_refused_or_logged(rdiffer):
    """Duplicate fields: refused under deep sanitization; without it a
    listpack hash keeps them until it converts, which refuses the value."""
    dup_hash = rdbenc.payload(rdbenc.HASH_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", b"1", b"b", b"2",
                                                                                      b"a", b"3", b"d", b"4"])))
    dup_zl = rdbenc.payload(rdbenc.HASH_ZIPLIST, rdbenc.obj_blob(rdbenc.ziplist([b"a", b"1", b"a", b"2"])))
    dup_set = rdbenc.payload(rdbenc.SET, rdbenc.obj_set([b"1", b"1"]))
    dup_intset = rdbenc.payload(rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1, 1])))
    steps = [("RESTORE", "a", 0, dup_zl), ("RESTORE", "b", 0, dup_set), ("RESTORE", "c", 0, dup_intset),
             ("RESTORE", "d", 0, dup_hash), ("HLEN", "d"), ("DEL", "d"),
             ("CONFIG", "SET", "sanitize-dump-payload", "yes"), ("RESTORE", "c2", 0, dup_intset),
             ("RESTORE", "d2", 0, dup_hash), ("CONFIG", "SET", "sanitize-dump-payload", "no"),
             ("CONFIG", "SET", "hash-max-listpack-entries", "1")]
    rdiffer.run(steps)
    # redis-server panics here (listpack with dup elements); rkvd refuses the value
    with rdiffer.server_a.raw() as conn:
        assert conn.command("RESTORE", "e", 0, dup_hash) == b"-ERR Bad data format\r\n"
        assert conn.command("EXISTS", "e") == b":0\r\n"


def test_skip_checksum_validation(rdiffer):
    bad_crc = VALUE[:-1] + bytes([VALUE[-1] ^ 1])
    newer = rdbenc.payload(rdbenc.STRING, rdbenc.obj_string(b"v"), version=11)
    try:
        rdiffer.run([("RESTORE", "k", 0, bad_crc), ("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 1),
                     ("RESTORE", "k", 0, bad_crc), ("GET", "k"), ("RESTORE", "k2", 0, newer),
                     ("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 0), ("RESTORE", "k3", 0, bad_crc)])
    finally:
        for conn in (rdiffer.conn_a, rdiffer.conn_b):
            conn.command("DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", 0)


def _sanitizations(conn) -> int:
    info = support.info_sections(parse_reply(conn.command("INFO", "stats"))[1].decode())
    return int(info["stats"]["dump_payload_sanitizations"])


def test_sanitizations_are_counted_as_redis(rdiffer):
    hash_lp = rdbenc.payload(rdbenc.HASH_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", b"1"])))
    zset_lp = rdbenc.payload(rdbenc.ZSET_LISTPACK, rdbenc.obj_blob(rdbenc.listpack([b"a", b"1"])))
    iset = rdbenc.payload(rdbenc.SET_INTSET, rdbenc.obj_blob(rdbenc.intset([1, 2])))
    steps = [("RESTORE", "a", 0, hash_lp), ("RESTORE", "b", 0, LIST), ("RESTORE", "c", 0, VALUE),
             ("CONFIG", "SET", "sanitize-dump-payload", "yes"),
             ("RESTORE", "d", 0, hash_lp), ("RESTORE", "e", 0, zset_lp), ("RESTORE", "f", 0, iset),
             ("RESTORE", "g", 0, LIST), ("RESTORE", "h", 0, VALUE),
             ("CONFIG", "SET", "sanitize-dump-payload", "clients"), ("RESTORE", "i", 0, LIST)]
    before = [_sanitizations(c) for c in (rdiffer.conn_a, rdiffer.conn_b)]
    rdiffer.run(steps)
    after = [_sanitizations(c) for c in (rdiffer.conn_a, rdiffer.conn_b)]
    assert after[0] - before[0] == after[1] - before[1] == 5
