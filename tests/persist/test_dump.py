"""DUMP against redis-server 7.0.15: byte-identical payloads for every
deterministic encoding (int, embstr and raw strings with their integer and
LZF forms, quicklists with plain, packed and compressed nodes, listpack
hashes and sorted sets, intsets, skiplist sorted sets).

Hash-table encodings (hashtable hashes and sets) are written in table order,
which differs between the two servers: those payloads are checked by
decoding them (tests/persist/rdbdec.py) and by RESTOREing them into
redis-server, which must then hold the same content.
"""
import random

import pytest
import rdbdec
from hypothesis import given, settings
from hypothesis import strategies as st

import support
from rkvd._core.lib.crc64 import crc64_bytes

pytestmark = pytest.mark.needs_redis


def same_dump(differ, *keys):
    for key in keys:
        differ.step(("DUMP", key))


def debug_object(key):
    return support.Masked(("DEBUG", "OBJECT", key), rb"Value at:0x[0-9a-f]+ |lru:\d+ |lru_seconds_idle:\d+")


def fill(differ, commands):
    for cmd in commands:
        differ.step(cmd)


# ---------------------------------------------------------------- strings

INT_EDGES = [0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769,
             65535, 65536, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**63 - 1, -2**63,
             10**10, 10**11 - 1, -(10**10)]


def test_dump_integers(differ):
    for i, v in enumerate(INT_EDGES):
        differ.step(("SET", f"i{i}", str(v)))
        differ.step(("OBJECT", "ENCODING", f"i{i}"))
        differ.step(("DUMP", f"i{i}"))


def test_dump_numeric_looking_strings(differ):
    # Not canonical (leading zero, plus sign, spaces, "-0"), or longer than
    # 11 bytes, or raw-encoded by APPEND: integer forms only where Redis uses them.
    values = ["007", "+5", " 5", "5 ", "-0", "0x10", "1e3", "123456789012", "-1234567890",
              "12345678901", "9223372036854775808", "", "a"]
    for i, v in enumerate(values):
        differ.step(("SET", f"s{i}", v))
        differ.step(("DUMP", f"s{i}"))
    differ.step(("SET", "r", "12"))
    differ.step(("APPEND", "r", "3"))
    differ.step(("OBJECT", "ENCODING", "r"))
    differ.step(("DUMP", "r"))
    differ.step(("SETRANGE", "r2", 0, "4567"))
    differ.step(("DUMP", "r2"))


def test_dump_long_strings(differ):
    rnd = random.Random(7)
    values = [b"a" * 20, b"a" * 21, b"ab" * 11, b"abcd" * 100, bytes(rnd.randrange(256) for _ in range(21)),
              bytes(rnd.randrange(256) for _ in range(300)), b"x" * 44, b"x" * 45,
              b"hello world " * 10000, bytes(rnd.randrange(256) for _ in range(70000)),
              b"\x00" * 100000]
    for i, v in enumerate(values):
        differ.step(("SET", f"l{i}", v))
        differ.step(("DUMP", f"l{i}"))
    differ.step(("SET", "raw", "abc"))
    differ.step(("APPEND", "raw", "d" * 40))
    differ.step(("DUMP", "raw"))


def test_dump_missing_and_errors(differ):
    differ.step(("DUMP", "nosuchkey"))
    differ.step(("DUMP",))
    differ.step(("DUMP", "a", "b"))
    differ.step(("SET", "k", "v"))
    differ.step(("PEXPIRE", "k", 1))
    differ.step(support.Sleep(0.05))
    differ.step(("DUMP", "k"))
    differ.step(("INFO", "keyspace"))


def test_dump_resp3_null(differ):
    with differ.server_a.raw() as a, differ.server_b.raw() as b:
        for conn in (a, b):
            conn.command("HELLO", "3")
        assert a.command("DUMP", "nokey") == b.command("DUMP", "nokey") == b"_\r\n"


def test_dump_binary_keys_and_values(differ):
    rnd = random.Random(3)
    for _ in range(30):
        key = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
        val = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 200)))
        differ.step(("SET", key, val))
        differ.step(("DUMP", key))


@settings(max_examples=60, **support.DIFFERENTIAL)
@given(st.one_of(st.integers(-2**64, 2**64).map(lambda v: str(v).encode()),
                 st.binary(max_size=100),
                 st.text(alphabet="ab0123456789-", max_size=60).map(str.encode)))
def test_dump_strings_hypothesis(differ, value):
    differ.step(("SET", "h", value))
    differ.step(("DUMP", "h"))


# ---------------------------------------------------------------- lists

def test_dump_lists_default(differ):
    fill(differ, [("RPUSH", "l1", "a", "b", "1", "-5", "x" * 100),
                  ("RPUSH", "l2", *[str(i) for i in range(1000)]),
                  ("RPUSH", "l3", *[f"element-{i}-" + "y" * (i % 50) for i in range(2000)])])
    same_dump(differ, "l1", "l2", "l3")


@pytest.mark.parametrize("depth", [0, 1, 2])
@pytest.mark.parametrize("size", ["-2", "5", "128"])
def test_dump_lists_config(server_pair, depth, size):
    a, b = server_pair("--list-compress-depth", str(depth), "--list-max-listpack-size", size)
    d = support.Differ(a, b)
    try:
        rnd = random.Random(depth * 100 + int(size))
        elements = []
        for i in range(600):
            kind = rnd.randrange(4)
            if kind == 0:
                elements.append(str(rnd.randrange(-10**12, 10**12)))
            elif kind == 1:
                elements.append("compressible " * rnd.randrange(1, 10))
            elif kind == 2:
                elements.append(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 60))))
            else:
                elements.append(str(i))
        for i in range(0, len(elements), 50):
            d.step(("RPUSH", "l", *elements[i:i + 50]))
        d.step(("LPUSH", "l", "head1", "head2"))
        d.step(("LINSERT", "l", "BEFORE", "head1", "mid"))
        d.step(("LSET", "l", 300, "changed" * 20))
        d.step(debug_object("l"))
        d.step(("DUMP", "l"))
        d.step(("RPUSH", "small", "a"))
        d.step(("DUMP", "small"))
    finally:
        d.close()


def test_dump_lists_plain_nodes(server_pair):
    a, b = server_pair("--list-compress-depth", "1")
    d = support.Differ(a, b)
    try:
        d.step(("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100"))
        d.step(("RPUSH", "l", "small1", "b" * 150, "small2", "c" * 1000, "d" * 300, "12345"))
        d.step(("LPUSH", "l", "e" * 500, "head"))
        d.step(debug_object("l"))
        d.step(("DUMP", "l"))
        rnd = random.Random(5)
        d.step(("RPUSH", "r", bytes(rnd.randrange(256) for _ in range(200)), "x", "y" * 120))
        d.step(("DUMP", "r"))
    finally:
        d.close()


# ---------------------------------------------------------------- sets

def test_dump_intsets(differ):
    fill(differ, [("SADD", "s16", 1, 2, 3, -5, 32767, -32768),
                  ("SADD", "s32", 1, 70000, -70000),
                  ("SADD", "s64", 1, 2**40, -2**63),
                  ("SADD", "sbig", *range(0, 400, 3))])
    same_dump(differ, "s16", "s32", "s64", "sbig")


def test_dump_set_hashtable(differ):
    members = [b"m%d" % i for i in range(200)] + [b"x" * 100, b"12", b"\x00\xff"]
    differ.step(("SADD", "s", *members))
    differ.step(("OBJECT", "ENCODING", "s"))
    check_restored(differ, "s", rdbdec.SET)


def check_restored(differ, key, rdbtype):
    """rkvd's DUMP of key decodes to the content rkvd holds, and RESTOREd into
    redis-server gives redis-server the same content and encoding."""
    a = differ.server_a.client(db=differ.db)
    b = differ.server_b.client(db=differ.db)
    dump = a.dump(key)
    assert crc64_bytes(0, dump[:-8]) == int.from_bytes(dump[-8:], "little")
    assert dump[-10:-8] == b"\x0a\x00"
    assert dump[0] == rdbtype
    decoded = rdbdec.decode_object(dump[:-10])
    if rdbtype == rdbdec.HASH:
        content, read = dict(decoded), b.hgetall
        assert len(content) == len(decoded) and content == a.hgetall(key)
    else:
        content, read = set(decoded), b.smembers
        assert len(content) == len(decoded) and content == a.smembers(key)
    assert b.restore(key + "_r", 0, dump)
    assert read(key + "_r") == content
    assert b.object("ENCODING", key + "_r") == a.object("ENCODING", key)


# ---------------------------------------------------------------- hashes

def test_dump_hash_listpack(differ):
    fill(differ, [("HSET", "h", "f1", "v1", "n", "123", "neg", "-70000", "big", str(2**62)),
                  ("HSET", "h2", *[x for i in range(100) for x in (f"field{i}", "v" * (i % 30))])])
    same_dump(differ, "h", "h2")


def test_dump_hash_hashtable(differ):
    differ.step(("HSET", "h", *[x for i in range(300) for x in (f"f{i}", str(i * 7))]))
    differ.step(("HSET", "h", "long", "z" * 200, "12", "34"))
    differ.step(("OBJECT", "ENCODING", "h"))
    check_restored(differ, "h", rdbdec.HASH)


# ---------------------------------------------------------------- sorted sets

def test_dump_zset_listpack(differ):
    fill(differ, [("ZADD", "z", 1, "a", 2.5, "b", -3, "c", "inf", "d", "-inf", "e", 1e300, "f",
                   0.1, "g", 12345678901, "h"),
                  ("ZADD", "z2", *[x for i in range(100) for x in (i / 7, f"m{i}")])])
    same_dump(differ, "z", "z2")


def test_dump_zset_skiplist(differ):
    rnd = random.Random(11)
    args = []
    for i in range(400):
        args += [rnd.choice([rnd.random() * 1000, rnd.randrange(-100, 100), "inf", "-inf"]),
                 f"member{i}" + "p" * rnd.randrange(0, 40)]
    differ.step(("ZADD", "z", *args))
    differ.step(("ZADD", "z", 5, "x" * 100, 5, "12", 5, "-7"))
    differ.step(("OBJECT", "ENCODING", "z"))
    differ.step(("DUMP", "z"))


# ---------------------------------------------------------------- config

def test_dump_without_compression(server_pair):
    a, b = server_pair("--rdbcompression", "no")
    d = support.Differ(a, b)
    try:
        d.step(("SET", "s", "a" * 100))
        d.step(("RPUSH", "l", *["b" * 30] * 50))
        d.step(("DUMP", "s"))
        d.step(("DUMP", "l"))
        d.step(("CONFIG", "SET", "rdbcompression", "yes"))
        d.step(("DUMP", "s"))
        d.step(("DUMP", "l"))
    finally:
        d.close()


def test_dump_counts_keyspace_hits(differ):
    differ.step(("CONFIG", "RESETSTAT"))
    differ.step(("SET", "k", "v"))
    differ.step(("DUMP", "k"))
    differ.step(("DUMP", "missing"))
    differ.step(support.Masked(("INFO", "stats"), rb"(?s)^.*?(keyspace_hits:\d+\r\nkeyspace_misses:\d+).*$",
                               rb"\1"))


# ---------------------------------------------------------------- DEBUG OBJECT

@pytest.mark.parametrize("compression", ["yes", "no"])
def test_debug_object_serializedlength(server_pair, compression):
    # Redis measures the RDB form of the value (without its type byte); for
    # hash-table encodings the order differs but not the length.
    a, b = server_pair("--rdbcompression", compression)
    d = support.Differ(a, b)
    try:
        fill(d, [("SET", "int", 12345), ("SET", "emb", "hello"), ("SET", "raw", "r" * 100),
                 ("SET", "bigint", 2**40), ("RPUSH", "list", *["item"] * 300, "x" * 50),
                 ("SADD", "intset", 1, 2, 300000), ("SADD", "set", *[f"m{i}" * 5 for i in range(200)]),
                 ("HSET", "hlp", "a", 1, "b", "x" * 30),
                 ("HSET", "hht", *[x for i in range(200) for x in (f"f{i}", "v" * 25)]),
                 ("ZADD", "zlp", 1, "a", 2, "b" * 40),
                 ("ZADD", "zsl", *[x for i in range(200) for x in (i * 1.5, f"member{i}")])])
        for key in ("int", "emb", "raw", "bigint", "list", "intset", "set", "hlp", "hht", "zlp", "zsl"):
            d.step(debug_object(key))
    finally:
        d.close()


def _value_address(r, key):
    return r.execute_command("DEBUG", "OBJECT", key).split()[1]


def test_debug_object_address_holds_while_a_value_changes_in_place(server_pair):
    # Redis's own test: INCR of an integer string modifies it in place, so
    # DEBUG OBJECT's at: stays; a list's address stays across pushes too.
    for server in server_pair():
        r = server.client()
        r.set("foo", 20000)
        r.incr("foo")
        old = _value_address(r, "foo")
        for _ in range(3):
            r.incr("foo")
            assert _value_address(r, "foo") == old
        r.rpush("l", "a")
        old = _value_address(r, "l")
        r.rpush("l", "b")
        assert _value_address(r, "l") == old
