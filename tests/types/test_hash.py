"""Hash commands (rkvd/_core/types/t_hash.pyx), byte for byte against
redis-server 7.0.15.

Every case runs on database 9 of both servers after FLUSHALL and, where it
matters, under both encodings: listpack replies (HGETALL, HKEYS, HSCAN ...)
come in insertion order on both servers and are compared exactly; hashtable
replies follow each server's own hash seed and are compared as sets of
field/value pairs.  OBJECT ENCODING is checked after every conversion step.
Tests that lower the encoding thresholds put the defaults back afterwards.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import DIFFERENTIAL, Check, ScanAll, Sleep, Step, case, encode_command, ignore, parse_reply

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

BIG = 9223372036854775807           # LLONG_MAX
SMALL = -9223372036854775808        # LLONG_MIN
V64 = "v" * 64                      # longest value a listpack hash keeps
V65 = "v" * 65
F64 = "f" * 64
F65 = "f" * 65
DEFAULTS = ("CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64")


@pytest.fixture
def hdiffer(differ):
    """The differ, with the hash encoding thresholds reset to Redis's defaults
    after the test (they are server-wide)."""
    yield differ
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            assert conn.command(*DEFAULTS) == b"+OK\r\n"


# --------------------------------------------------------------------------- steps

def _pairs_of(value):
    """Field/value pairs of a parsed HGETALL-like reply (map, flat or nested array)."""
    kind, items = value
    if kind == "%":
        return [(k[1], v[1]) for k, v in items]
    if items and items[0][0] == "*":
        return [(p[1][0][1], p[1][1][1]) for p in items]
    flat = [x[1] for x in items]
    return list(zip(flat[0::2], flat[1::2]))


def _same_pairs(a, b):
    if a == b:
        return None
    try:
        pa, pb = parse_reply(a), parse_reply(b)
    except Exception:
        return "unparsable reply"
    if pa[0] != pb[0] or len(pa[1]) != len(pb[1]):
        return "different reply types or sizes"
    if not isinstance(pa[1], list):
        return "replies differ"
    if sorted(_pairs_of(pa)) != sorted(_pairs_of(pb)):
        return "different field/value pairs"
    return None


def pairs(command):
    """HGETALL / HRANDFIELD ... WITHVALUES of a hashtable: same pairs in any order."""
    return Check(command, _same_pairs)


def _same_elements(a, b):
    if a == b:
        return None
    try:
        pa, pb = parse_reply(a), parse_reply(b)
    except Exception:
        return "unparsable reply"
    if pa[0] != pb[0] or not isinstance(pa[1], list):
        return "replies differ"
    if sorted(map(repr, pa[1])) != sorted(map(repr, pb[1])):
        return "different elements"
    return None


def elements(command):
    """HKEYS / HVALS of a hashtable: same elements in any order."""
    return Check(command, _same_elements)


class HScanAll(ScanAll):
    """Iterate HSCAN to the end on each server; compare the field/value pairs seen."""

    label = "hscan-all"

    def __init__(self, command):
        super().__init__(command, cursor_index=2)

    def _collect(self, differ, conn):
        cursor = b"0"
        seen = set()
        for _ in range(self.max_calls):
            args = list(self.args)
            args.insert(self.cursor_index, cursor)
            reply = differ.exchange(conn, encode_command(*args))
            if reply[:1] != b"*":
                return reply
            _, (cur, elems) = parse_reply(reply)
            flat = [e[1] for e in elems[1]]
            if len(flat) % 2:
                return b"<odd number of elements>"
            seen.update(zip(flat[0::2], flat[1::2]))
            cursor = cur[1]
            if cursor == b"0":
                break
        else:
            return b"<cursor never returned to 0>"
        return b"PAIRS:" + repr(sorted(seen)).encode()


def hscan_all(command):
    return HScanAll(command)


class Random(Step):
    """HRANDFIELD with several fields: same reply shape on both servers, and every
    field (and value) one of the hash's (``members``: field -> value)."""

    label = "random"

    def __init__(self, command, members, resp=2):
        super().__init__(command)
        self.members = {k.encode() if isinstance(k, str) else k: v.encode() if isinstance(v, str) else v
                        for k, v in members.items()}
        self.resp = resp

    def _check_one(self, reply, withvalues, count):
        kind, items = parse_reply(reply)
        if count is None:
            return None if kind == "$" and items in self.members else f"not a field: {reply!r}"
        if kind != "*":
            return f"not an array: {reply!r}"
        if withvalues and self.resp == 3:
            got = [(p[1][0][1], p[1][1][1]) for p in items]
        elif withvalues:
            flat = [x[1] for x in items]
            got = list(zip(flat[0::2], flat[1::2]))
        else:
            got = [(x[1], None) for x in items]
        for f, v in got:
            if f not in self.members or (withvalues and self.members[f] != v):
                return f"unknown pair {f!r}={v!r}"
        n = len(got)
        want = abs(count) if count < 0 else min(count, len(self.members))
        if n != want:
            return f"{n} elements, wanted {want}"
        if count > 0 and len({f for f, _ in got}) != n:
            return "repeated fields with a positive count"
        return None

    def compare(self, a, b):
        args = [x.decode() if isinstance(x, bytes) else str(x) for x in self.args]
        count = int(args[2]) if len(args) > 2 else None
        withvalues = len(args) > 3
        for reply in (a, b):
            if reply[:1] == b"-":
                return None if a == b else "errors differ"
            reason = self._check_one(reply, withvalues, count)
            if reason:
                return reason
        try:
            from support import reply_shape
            if reply_shape(parse_reply(a)) != reply_shape(parse_reply(b)):
                return "shapes differ"
        except Exception:
            return "unparsable reply"
        return None


def hset_many(key, n, prefix="f", value="v"):
    args = ["HSET", key]
    for i in range(n):
        args += [f"{prefix}{i}", f"{value}{i}"]
    return args


# --------------------------------------------------------------------------- cases

BASIC_CASES = [
    case("hset-hget", "HSET h f v", "HGET h f", "HGET h missing", "HGET missing f", "HSET h f v2 g w",
         "HGETALL h", "HLEN h", "TYPE h", "OBJECT ENCODING h"),
    case("hset-counts", "HSET h a 1 b 2 c 3", "HSET h a 1 b 2 c 3", "HSET h a x d 4", "HSET h e 5 e 6",
         "HGET h e", "HGETALL h", "HLEN h"),
    case("hset-arity", "HSET h f", "HSET h f v g", "HSET h", "HSET", "HMSET h f v g", "HMSET h f",
         "HSETNX h f", "HSETNX h f v x", "EXISTS h"),
    case("hmset", "HMSET h a 1 b 2", "HMSET h a 3", "HGETALL h", "hmset h c 4", "HLEN h"),
    case("hsetnx", "HSETNX h f v", "HSETNX h f w", "HGET h f", "HSETNX h g w", "HGETALL h",
         "OBJECT ENCODING h"),
    case("hmget", "HSET h a 1 b 2", "HMGET h a b c", "HMGET h c", "HMGET missing a b", "HMGET h a a",
         "HMGET h", "HMGET"),
    case("hdel", "HSET h a 1 b 2 c 3 d 4", "HDEL h a", "HDEL h a", "HDEL h x y", "HDEL h b c x",
         "HGETALL h", "HDEL h d", "EXISTS h", "HDEL h d", "HDEL missing a", "HDEL h", "HDEL"),
    case("hdel-duplicates", "HSET h a 1 b 2", "HDEL h a a b b", "EXISTS h", "HSET h a 1 b 2 c 3",
         "HDEL h a a", "HGETALL h"),
    case("hlen", "HLEN missing", "HSET h a 1", "HLEN h", "HSET h b 2 c 3", "HLEN h", "HLEN", "HLEN a b"),
    case("hexists", "HSET h a 1", "HEXISTS h a", "HEXISTS h b", "HEXISTS missing a", "HEXISTS h",
         "HEXISTS h a b"),
    case("hstrlen", "HSET h a hello b '' c 12345 d -1 e 9223372036854775807 f -9223372036854775808 "
                    "g 9223372036854775808 h 007 i -0",
         "HSTRLEN h a", "HSTRLEN h b", "HSTRLEN h c", "HSTRLEN h d", "HSTRLEN h e", "HSTRLEN h f",
         "HSTRLEN h g", "HSTRLEN h h", "HSTRLEN h i", "HSTRLEN h missing", "HSTRLEN missing a",
         "HSTRLEN h", "HGETALL h"),
    case("hkeys-hvals-hgetall", "HSET h a 1 b 2 c 3", "HKEYS h", "HVALS h", "HGETALL h",
         "HKEYS missing", "HVALS missing", "HGETALL missing", "HKEYS", "HGETALL h x"),
    case("binary", ["HSET", b"k\x00", b"f\x00\r\n", b"v\xff\x00", b"", b""],
         ["HGET", b"k\x00", b"f\x00\r\n"], ["HGET", b"k\x00", b""], ["HGETALL", b"k\x00"],
         ["HSTRLEN", b"k\x00", b"f\x00\r\n"], ["HEXISTS", b"k\x00", b""]),
    case("integer-like-fields", "HSET h 1 a 01 b -0 c 9223372036854775808 d -1 e 0 f 12 g",
         "HSET h 1 x 1.0 y 9223372036854775807 z", "HGETALL h", "HGET h 1", "HGET h 01", "HGET h 001",
         "HEXISTS h 1.0", "HDEL h 01", "HKEYS h", "HVALS h", "HSCAN h 0", "HSCAN h 0 MATCH 1*",
         "OBJECT ENCODING h"),
    case("integer-values", "HSET h a 127 b 32767 c 2147483647 d 9223372036854775807 "
                           "e -9223372036854775808 f 12 g 0 h -1 i 4096 j 8191 k -4096",
         "HGETALL h", "HMGET h a b c d e f g h i j k", "HSTRLEN h e"),
    case("expire", "HSET h a 1", "PEXPIRE h 50", Sleep(0.2), "HGET h a", "HLEN h", "EXISTS h"),
    case("overwrite-by-set", "HSET h a 1", "SET h v", "GET h", "TYPE h", "HSET h a 1", "DEL h",
         "HSET h a 1", "TYPE h"),
]

INCR_CASES = [
    case("hincrby", "HINCRBY h f 1", "HINCRBY h f 10", "HINCRBY h f -20", "HGET h f", "HINCRBY h g -5",
         "HINCRBY missing f 3", "HGETALL h", "HGETALL missing", "OBJECT ENCODING h"),
    case("hincrby-existing", "HSET h a 100 b 17179869184 c -1 d 011 e ' 11' f '11 ' g 1.5 h ''",
         "HINCRBY h a 2", "HINCRBY h b 1", "HINCRBY h b 17179869184", "HINCRBY h c 1",
         "HINCRBY h d 1", "HINCRBY h e 1", "HINCRBY h f 1", "HINCRBY h g 1", "HINCRBY h h 1",
         "HGETALL h"),
    case("hincrby-overflow", f"HSET h n {BIG}", "HINCRBY h n 1", "HINCRBY h n 0", f"HSET h m {SMALL}",
         "HINCRBY h m -1", "HSET h o -9223372036854775484", "HINCRBY h o -1", "HINCRBY h o -10000",
         f"HINCRBY h p {BIG}", "HINCRBY h p 1", f"HINCRBY h q {SMALL}", "HINCRBY h q -1",
         "HGETALL h"),
    case("hincrby-errors", "HINCRBY h f abc", "HINCRBY h f 1.5", "HINCRBY h f ''",
         f"HINCRBY h f {BIG + 1}", "HINCRBY h f ' 1'", "HINCRBY h f", "HINCRBY h", "HINCRBY h f 1 2",
         "EXISTS h"),
    case("hincrbyfloat", "HINCRBYFLOAT h f 2.5", "HINCRBYFLOAT h f 3.5", "HGET h f",
         "HINCRBYFLOAT h g 1.23", "HINCRBYFLOAT h g 0.77", "HINCRBYFLOAT h g -0.1", "HINCRBYFLOAT h f 1e2",
         "HINCRBYFLOAT h f -1.5e20", "HINCRBYFLOAT h f 1e-10", "HINCRBYFLOAT h z 0.33333333333333333333",
         "HINCRBYFLOAT h y 5.0e3", "HINCRBYFLOAT h y .5", "HINCRBYFLOAT h y 5.", "HINCRBYFLOAT h y 00012.5",
         "HINCRBYFLOAT h y -0.0", "HINCRBYFLOAT h x 123456789012345678", "HINCRBYFLOAT h w 1E2",
         "HGETALL h", "OBJECT ENCODING h"),
    case("hincrbyfloat-existing", "HSET h a 100 b 17179869184 c 1.5 d ' 11' e '11 ' f abc g ''",
         "HINCRBYFLOAT h a 2.5", "HINCRBYFLOAT h b 1", "HINCRBYFLOAT h b 17179869184",
         "HINCRBYFLOAT h c 1", "HINCRBYFLOAT h d 1", "HINCRBYFLOAT h e 1", "HINCRBYFLOAT h f 1",
         "HINCRBYFLOAT h g 1", ["HSET", "h", "n", b"1\x002"], "HINCRBYFLOAT h n 1", "HGETALL h"),
    case("hincrbyfloat-errors", "HINCRBYFLOAT h f abc", "HINCRBYFLOAT h f ''", "HINCRBYFLOAT h f nan",
         "HINCRBYFLOAT h f inf", "HINCRBYFLOAT h f +inf", "HINCRBYFLOAT h f -inf",
         "HINCRBYFLOAT h f ' 1'", "HINCRBYFLOAT h f 1e400", "EXISTS h", "HSET h f 1e308",
         "HINCRBYFLOAT h f 1e308", "HINCRBYFLOAT h f 1e4932", "HGET h f", "HINCRBYFLOAT h f",
         "HINCRBYFLOAT h"),
]

WRONGTYPE_CASES = [
    case("wrongtype-string", "SET s v", "HSET s a b", "HMSET s a b", "HSETNX s a b", "HGET s a",
         "HMGET s a b", "HDEL s a", "HLEN s", "HSTRLEN s a", "HEXISTS s a", "HINCRBY s a 1",
         "HINCRBYFLOAT s a 1", "HKEYS s", "HVALS s", "HGETALL s", "HSCAN s 0", "HSCAN s 0 COUNT 0",
         "HSCAN s 0 FOO", "HRANDFIELD s", "HRANDFIELD s 1", "HRANDFIELD s 0", "HRANDFIELD s -3 WITHVALUES",
         "GET s", "TYPE s"),
    case("wrongtype-argument-errors-first", "SET s v", "HINCRBY s a abc", "HINCRBYFLOAT s a abc",
         "HINCRBYFLOAT s a inf", "HSCAN s abc", "HRANDFIELD s abc", "HRANDFIELD s 1 foo",
         "HRANDFIELD s -9223372036854775808", "HSET s a", "HSET s a b c", "HMSET s a b c"),
    case("wrongtype-string-commands", "HSET h a 1", "GET h", "APPEND h x", "INCR h", "STRLEN h",
         "SETRANGE h 0 x", "GETRANGE h 0 1", "HGET h a"),
    case("wrongtype-list", "LPUSH l x", "HSET l a b", "HGET l a", "HGETALL l", "HSCAN l 0",
         "HRANDFIELD l", needs=["LPUSH"]),
]

ENCODING_CASES = [
    case("enc-entries", "CONFIG SET hash-max-listpack-entries 4", "HSET h a 1 b 2 c 3 d 4",
         "OBJECT ENCODING h", "HSET h d 5", "OBJECT ENCODING h", "HSET h e 5", "OBJECT ENCODING h",
         "HDEL h a b c", "OBJECT ENCODING h", pairs("HGETALL h"), "HSET n a 1 b 2 c 3 d 4 e 5",
         "OBJECT ENCODING n", pairs("HGETALL n")),
    case("enc-value-length", f"HSET a f {V64}", "OBJECT ENCODING a", f"HSET b f {V65}", "OBJECT ENCODING b",
         f"HSET c {F64} v", "OBJECT ENCODING c", f"HSET d {F65} v", "OBJECT ENCODING d",
         f"HSET e x 1 f {V65} y 2", "OBJECT ENCODING e", pairs("HGETALL e"), "HSET g f v",
         f"HSET g f {V65}", "OBJECT ENCODING g", "HGET g f"),
    case("enc-hsetnx", f"HSETNX h f {V65}", "OBJECT ENCODING h", "HSETNX i f v", f"HSETNX i f {V65}",
         "OBJECT ENCODING i", f"HSETNX i {F65} v", "OBJECT ENCODING i"),
    case("enc-hincrby-field", f"HINCRBY h {F64} 1", "OBJECT ENCODING h", f"HINCRBY i {F65} 1",
         "OBJECT ENCODING i", f"HGET i {F65}"),
    case("enc-hincrbyfloat", "CONFIG SET hash-max-listpack-value 8", "HSET a tmp 0", "HSET b tmp 0",
         "HINCRBYFLOAT a tmp 0.000005", "HINCRBYFLOAT b tmp 0.0000005", "OBJECT ENCODING a",
         "OBJECT ENCODING b", "HINCRBYFLOAT c abcdefgh 1", "HINCRBYFLOAT d abcdefghi 1",
         "OBJECT ENCODING c", "OBJECT ENCODING d", "HINCRBYFLOAT e f 1e300", "OBJECT ENCODING e",
         "HGET e f"),
    case("enc-config-lowered", "HSET h a 1 b 2 c 3", "CONFIG SET hash-max-listpack-entries 2",
         "OBJECT ENCODING h", "HGET h a", "OBJECT ENCODING h", "HSETNX h a 5", "OBJECT ENCODING h",
         "HSET h a 1", "OBJECT ENCODING h", "HSET i a 1", "HSET i a 2", "OBJECT ENCODING i"),
    case("enc-config-lowered-value", "HSET h a 123456789", "CONFIG SET hash-max-listpack-value 4",
         "HINCRBY h a 1", "OBJECT ENCODING h", "HSET i a 1", "HSET i a 12345", "OBJECT ENCODING i",
         "HSET j abcde 1", "HDEL j abcde", "EXISTS j"),
    case("enc-zero-entries", "CONFIG SET hash-max-listpack-entries 0", "HSET h a 1", "OBJECT ENCODING h",
         "HSETNX i a 1", "OBJECT ENCODING i", "HINCRBY j a 1", "OBJECT ENCODING j"),
    case("enc-zero-value", "CONFIG SET hash-max-listpack-value 0", "HSET h a ''", "OBJECT ENCODING h",
         "HSET i '' ''", "OBJECT ENCODING i", "HGETALL i"),
    case("enc-ziplist-aliases", "CONFIG SET hash-max-ziplist-entries 3", "CONFIG SET hash-max-ziplist-value 5",
         "CONFIG GET hash-max-ziplist-entries", "CONFIG GET hash-max-listpack-entries",
         "CONFIG GET hash-max-ziplist-value", "CONFIG GET hash-max-listpack-value",
         "HSET h a 1 b 2 c 3", "OBJECT ENCODING h", "HSET h d 4", "OBJECT ENCODING h",
         "HSET i a 12345", "OBJECT ENCODING i", "HSET i a 123456", "OBJECT ENCODING i"),
    case("enc-never-back", "CONFIG SET hash-max-listpack-entries 2", "HSET h a 1 b 2 c 3",
         "OBJECT ENCODING h", "HDEL h a b", "OBJECT ENCODING h", "HGETALL h",
         "CONFIG SET hash-max-listpack-entries 512", "HSET h d 4", "OBJECT ENCODING h"),
    case("enc-copy-rename", "HSET small a 1 b 2", f"HSET big a 1 b {V65}", "COPY small s2", "COPY big b2",
         "OBJECT ENCODING s2", "OBJECT ENCODING b2", "HGETALL s2", pairs("HGETALL b2"), "HSET s2 c 3",
         "HDEL b2 a", "HGETALL small", pairs("HGETALL big"), "HLEN b2", "RENAME small r", "HGETALL r",
         "OBJECT ENCODING r", "MOVE big 10", "SELECT 10", "OBJECT ENCODING big", pairs("HGETALL big"),
         "SELECT 9", "COPY r r10 DB 10", "SELECT 10", "HGETALL r10"),
]

HSCAN_CASES = [
    case("hscan-listpack", "HSET h a 1 b 2 c 3 12 x", "HSCAN h 0", "HSCAN h 0 COUNT 1", "HSCAN h 5",
         "HSCAN h 0 MATCH a", "HSCAN h 0 MATCH 1*", "HSCAN h 0 MATCH * COUNT 100", "HSCAN h 0 MATCH z*",
         "hscan h 0 match ? count 2", "HSCAN missing 0", "HSCAN missing 0 MATCH a"),
    case("hscan-errors", "HSET h a 1", "HSCAN h abc", "HSCAN h -1", "HSCAN h 0 COUNT 0",
         "HSCAN h 0 COUNT -1", "HSCAN h 0 COUNT abc", "HSCAN h 0 MATCH", "HSCAN h 0 COUNT",
         "HSCAN h 0 TYPE string", "HSCAN h 0 FOO", "HSCAN h 0 FOO bar", "HSCAN h",
         "HSCAN h 18446744073709551616", "HSCAN missing abc", "HSCAN missing 0 COUNT 0",
         "HSCAN missing 0 FOO"),
    case("hscan-hashtable", hset_many("h", 600), "OBJECT ENCODING h", hscan_all("HSCAN h"),
         hscan_all("HSCAN h COUNT 1"), hscan_all("HSCAN h COUNT 1000"), hscan_all("HSCAN h MATCH f1*"),
         hscan_all("HSCAN h MATCH f?? COUNT 7"), hscan_all("HSCAN h MATCH nothing*"),
         "HSCAN h 0 COUNT 0", "HSCAN h 0 TYPE hash"),
]

HRANDFIELD_CASES = [
    case("hrandfield-errors", "HSET h a 1", "HRANDFIELD h abc", "HRANDFIELD h 1.5", "HRANDFIELD h 1 foo",
         "HRANDFIELD h 1 WITHVALUES extra", f"HRANDFIELD h {SMALL}", f"HRANDFIELD h {SMALL} WITHVALUES",
         "HRANDFIELD h -9223372036854770000 WITHVALUES", "HRANDFIELD h 4611686018427387904 WITHVALUES",
         "HRANDFIELD h -4611686018427387904 WITHVALUES", "HRANDFIELD h 4611686018427387903 WITHVALUES",
         f"HRANDFIELD h {BIG + 1}", "HRANDFIELD", "HRANDFIELD missing abc", "HRANDFIELD missing 1 foo"),
    case("hrandfield-missing", "HRANDFIELD missing", "HRANDFIELD missing 5", "HRANDFIELD missing -5",
         "HRANDFIELD missing 0", "HRANDFIELD missing 3 WITHVALUES"),
    case("hrandfield-single", "HSET h only 1", "HRANDFIELD h", "HRANDFIELD h 0", "HRANDFIELD h 1",
         "HRANDFIELD h 5", "HRANDFIELD h -3", "HRANDFIELD h 1 WITHVALUES", "HRANDFIELD h 5 withvalues",
         "HRANDFIELD h -3 WITHVALUES"),
    case("hrandfield-whole-listpack", "HSET h a 1 b 2 c 3 7 x", "HRANDFIELD h 4", "HRANDFIELD h 10",
         "HRANDFIELD h 10 WITHVALUES", "HRANDFIELD h 9223372036854775807"),
]

ALL_CASES = BASIC_CASES + INCR_CASES + WRONGTYPE_CASES + ENCODING_CASES + HSCAN_CASES + HRANDFIELD_CASES


@pytest.mark.parametrize("steps, needs", ALL_CASES)
def test_hash(hdiffer, steps, needs):
    if needs:
        hdiffer.require(*needs)
    hdiffer.run(steps)


# --------------------------------------------------------------------------- both encodings

def _contents(encoding):
    """A hash of 10 pairs (some integer-like) that has the given encoding by default."""
    members = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "6": "f", "7": "g", "8": "h",
               "-9": "i", "10": "-10"}
    if encoding == "hashtable":
        members["z" * 70] = "long"
    return members


def _hset(members):
    args = ["HSET", "h"]
    for k, v in members.items():
        args += [k, v]
    return args


@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
def test_reads_both_encodings(hdiffer, encoding):
    members = _contents(encoding)
    ordered = encoding == "listpack"
    whole = (lambda c: c) if ordered else pairs
    some = (lambda c: c) if ordered else elements
    hdiffer.run([
        _hset(members), "OBJECT ENCODING h", "HLEN h", whole("HGETALL h"), some("HKEYS h"),
        some("HVALS h"), ["HMGET", "h", *members, "nope"], "HGET h 6", "HGET h -9", "HEXISTS h 10",
        "HSTRLEN h 10", "HSTRLEN h -9", hscan_all("HSCAN h"), hscan_all("HSCAN h MATCH [a-c]"),
        "HSCAN h 0" if ordered else ignore("HSCAN h 0"),
        "HINCRBY h 10 5", "HINCRBYFLOAT h -9 1", "HINCRBY h 6 1", "HINCRBYFLOAT h a 0.5",
        whole("HGETALL h"), "HDEL h a b nope", "HLEN h", whole("HGETALL h"), "OBJECT ENCODING h",
        "DEBUG DIGEST-VALUE h",
    ])


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
def test_hrandfield(hdiffer, encoding, resp):
    members = _contents(encoding)
    steps = [ignore(f"HELLO {resp}"), _hset(members), "OBJECT ENCODING h"]
    for count in (None, 1, 2, 3, 8, 9, 10, 11, 20, -1, -5, -20, -1001):
        if count is None:
            steps.append(Random(["HRANDFIELD", "h"], members, resp))
            continue
        steps.append(Random(["HRANDFIELD", "h", str(count)], members, resp))
        steps.append(Random(["HRANDFIELD", "h", str(count), "WITHVALUES"], members, resp))
    if encoding == "listpack":
        steps += ["HRANDFIELD h 11", "HRANDFIELD h 11 WITHVALUES", "HRANDFIELD h 10 WITHVALUES"]
    else:
        steps += [pairs("HRANDFIELD h 11 WITHVALUES"), elements("HRANDFIELD h 11")]
    steps += ["HRANDFIELD h 0", "HRANDFIELD missing 3", "HRANDFIELD missing", "HRANDFIELD h 0 WITHVALUES"]
    hdiffer.run(steps)


@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
def test_hrandfield_covers_all_fields(rkvd, encoding):
    """Every path of HRANDFIELD eventually returns every field (rkvd only)."""
    members = _contents(encoding)
    r = rkvd.client()
    r.delete("h")
    r.hset("h", mapping=members)
    assert r.object("encoding", "h") == encoding.encode()
    fields = {k.encode() for k in members}
    for count in (None, -3, 2, 8):
        seen = set()
        for _ in range(500):
            if count is None:
                seen.add(r.hrandfield("h"))
            else:
                got = r.hrandfield("h", count)
                assert len(got) == abs(count)
                if count > 0:
                    assert len(set(got)) == count
                seen.update(got)
            if seen == fields:
                break
        assert seen == fields, f"count {count}: never saw {fields - seen}"
    # the same with values: pairs always match the hash
    for count in (-7, 3, 9):
        flat = r.hrandfield("h", count, withvalues=True)
        for f, v in zip(flat[0::2], flat[1::2]):
            assert members[f.decode()] == v.decode()


def test_hrandfield_distribution(rkvd):
    """Negative counts draw uniformly (chi-square, 9 degrees of freedom)."""
    for encoding in ("listpack", "hashtable"):
        members = _contents(encoding)
        r = rkvd.client()
        r.delete("h")
        r.hset("h", mapping=members)
        got = r.hrandfield("h", -10000)
        counts = {}
        for f in got:
            counts[f] = counts.get(f, 0) + 1
        expected = len(got) / len(members)
        chi = sum((counts.get(k.encode(), 0) - expected) ** 2 / expected for k in members)
        assert chi < 45, (encoding, counts)


def test_resp3(hdiffer):
    hdiffer.run([
        ignore("HELLO 3"), "HSET h a 1 b 2 c 3", "HGETALL h", "HGET h a", "HGET h x", "HGET missing a",
        "HMGET h a x", "HMGET missing a", "HGETALL missing", "HKEYS missing", "HVALS missing",
        "HKEYS h", "HRANDFIELD missing", "HRANDFIELD missing 2", "HRANDFIELD h 5 WITHVALUES",
        Random("HRANDFIELD h -2 WITHVALUES", {"a": "1", "b": "2", "c": "3"}, 3), "HINCRBYFLOAT h f 1.5",
        "HSCAN h 0",
        "HSCAN missing 0", "HRANDFIELD h 0", f"HSET big x {V65}", pairs("HGETALL big"),
        pairs("HRANDFIELD big 2 WITHVALUES"), ignore("HELLO 2"), "HGETALL h",
    ])


def test_big_hash(hdiffer):
    steps = [hset_many("h", 1000), "OBJECT ENCODING h", "HLEN h", pairs("HGETALL h"), elements("HKEYS h"),
             elements("HVALS h"), ["HMGET", "h"] + [f"f{i}" for i in range(0, 1000, 7)] + ["nope"],
             hscan_all("HSCAN h"), hscan_all("HSCAN h MATCH f9*")]
    # HSET updates in place, deletes shrink the table down again
    steps += [hset_many("h", 1000, value="w"), pairs("HGETALL h"),
              ["HDEL", "h"] + [f"f{i}" for i in range(990)], "HLEN h", pairs("HGETALL h"),
              hscan_all("HSCAN h"), "OBJECT ENCODING h", "DEBUG DIGEST-VALUE h",
              ["HDEL", "h"] + [f"f{i}" for i in range(1000)], "EXISTS h"]
    hdiffer.run(steps)


def test_one_command_conversion(hdiffer):
    """A single HSET crossing the entries threshold converts once, keeping every pair."""
    hdiffer.run([hset_many("h", 513), "OBJECT ENCODING h", "HLEN h", pairs("HGETALL h"),
                 hset_many("i", 512), "OBJECT ENCODING i", "HSET i extra 1", "OBJECT ENCODING i",
                 "DEBUG DIGEST-VALUE h", "DEBUG DIGEST-VALUE i", "DEBUG DIGEST"])


def test_digest(hdiffer):
    hdiffer.run([
        "HSET a f v 1 2 x ''", "DEBUG DIGEST-VALUE a", f"HSET b f v 1 2 x '' y {V65}",
        "DEBUG DIGEST-VALUE b", "HDEL b y", "DEBUG DIGEST-VALUE b", "DEBUG DIGEST-VALUE missing",
        "DEBUG DIGEST", "EXPIRE a 100", "DEBUG DIGEST",
    ])


def test_large_values(hdiffer):
    big = "x" * 100_000
    hdiffer.run([["HSET", "h", "f", big], "OBJECT ENCODING h", "HSTRLEN h f", ["HGET", "h", "f"],
                 ["HSET", "i", big, "v"], ["HGET", "i", big], ["HINCRBY", "i", big, "2"],
                 ["HSET", "j", "f", "1" + "0" * 300], "HINCRBYFLOAT j f 1", "HINCRBY j f 1"])


def test_object_introspection(rkvd):
    r = rkvd.client()
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert "encoding:listpack" in str(r.execute_command("DEBUG", "OBJECT", "h"))
    assert r.memory_usage("h") > 0
    r.hset("h", "big", "x" * 1024)
    assert "hashtable" in str(r.execute_command("DEBUG", "OBJECT", "h"))
    assert r.memory_usage("h") > 1024
    assert r.memory_usage("h", samples=0) > 1024


# --------------------------------------------------------------------------- random sequences

FIELDS = st.sampled_from(["a", "b", "c", "1", "01", "-5", "12345678901", "", "f" * 64, "f" * 65])
VALUES = st.sampled_from(["x", "", "1", "-1", "007", "1.5", "9223372036854775807", "v" * 64, "v" * 65])
COMMANDS = st.one_of(
    st.tuples(st.just("HSET"), FIELDS, VALUES),
    st.tuples(st.just("HSET"), FIELDS, VALUES, FIELDS, VALUES),
    st.tuples(st.just("HSETNX"), FIELDS, VALUES),
    st.tuples(st.just("HDEL"), FIELDS),
    st.tuples(st.just("HDEL"), FIELDS, FIELDS),
    st.tuples(st.just("HINCRBY"), FIELDS, st.sampled_from(["1", "-3", "100", "9223372036854775807"])),
    st.tuples(st.just("HINCRBYFLOAT"), FIELDS, st.sampled_from(["0.5", "-1", "1e10", "3"])),
    st.tuples(st.just("HGET"), FIELDS),
    st.tuples(st.just("HSTRLEN"), FIELDS),
    st.tuples(st.just("HEXISTS"), FIELDS),
)


@settings(max_examples=25, **DIFFERENTIAL)
@given(ops=st.lists(COMMANDS, min_size=1, max_size=30),
       entries=st.sampled_from([512, 2, 4]))
def test_random_sequences(hdiffer, ops, entries):
    d = hdiffer
    d.run(["FLUSHDB", f"CONFIG SET hash-max-listpack-entries {entries}"])
    for op in ops:
        d.step([op[0], "h", *op[1:]])
        enc = d.step("OBJECT ENCODING h")[0]
        read = (lambda c: c) if b"listpack" in enc or enc.startswith(b"$-1") else pairs
        d.step(read("HGETALL h"))
        d.step("HLEN h")


@pytest.mark.parametrize("seed", range(3))
def test_seeded_fuzz(hdiffer, seed):
    """Longer random runs (Redis's "Hash fuzzing" with HSET/HDEL of random values)."""
    rng = random.Random(seed)
    d = hdiffer
    d.run([f"CONFIG SET hash-max-listpack-entries {rng.choice([16, 64, 512])}"])
    steps = []
    for _ in range(300):
        kind = rng.random()
        field = rng.choice([str(rng.randint(-512, 512)), "".join(rng.choice("abc") for _ in range(rng.randint(0, 6)))])
        if kind < 0.6:
            value = rng.choice([str(rng.randint(-10**12, 10**12)), "x" * rng.randint(0, 80)])
            steps.append(["HSET", "h", field, value])
        elif kind < 0.85:
            steps.append(["HDEL", "h", field])
        else:
            steps.append(["HGET", "h", field])
    d.run(steps)
    enc = d.step("OBJECT ENCODING h")[0]
    d.run(["HLEN h", ("HGETALL h" if b"listpack" in enc else pairs("HGETALL h")), "DEBUG DIGEST-VALUE h"])


def test_hrandfield_output_limit(hdiffer):
    """A huge negative count stops at the client's output limit: the client is dropped."""
    from support import Reconnect
    try:
        for encoding in ("listpack", "hashtable"):
            hdiffer.run([Reconnect(), "CONFIG SET client-output-buffer-limit 'normal 1000000 0 0'",
                         "DEL h", "HSET h a b" if encoding == "listpack" else f"HSET h a {V65}",
                         "OBJECT ENCODING h", "HRANDFIELD h -999999999", Reconnect(), "PING"])
    finally:
        for server in (hdiffer.server_a, hdiffer.server_b):
            with server.raw() as conn:
                conn.command("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")
