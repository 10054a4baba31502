"""String commands, byte for byte against redis-server 7.0.15.

Each case is a command sequence run on database 9 of both servers (FLUSHALLed
before the test); every reply must be identical, except where a step says
otherwise (``near`` for TTLs, ``unordered`` ...).  Cases that need a list key
for WRONGTYPE checks name LPUSH in ``needs`` and are skipped while the server
under test does not know LPUSH.
"""
import pytest

from support import Sleep, case, ignore, near, raw

pytestmark = [pytest.mark.timeout(60), pytest.mark.needs_redis]

BIG = 9223372036854775807          # LLONG_MAX
SMALL = -9223372036854775808       # LLONG_MIN
S44 = "x" * 44                     # longest embstr
S45 = "x" * 45                     # shortest raw
FAR_MS = 4102444800123             # an absolute time in 2100, in milliseconds

SET_CASES = [
    case("set-get", "SET k v", "GET k", "GET missing", "SET k ''", "GET k", "STRLEN k"),
    case("set-binary", ["SET", b"k\x00\xff", b"\r\n\x00\x01"], ["GET", b"k\x00\xff"], "GET k"),
    case("set-overwrite-clears-ttl", "SET k v EX 100", "SET k w", "TTL k", "GET k"),
    case("set-nx", "SET k v NX", "SET k w NX", "GET k"),
    case("set-xx", "SET k v XX", "GET k", "SET k v", "SET k w XX", "GET k"),
    case("set-get-option", "SET k v GET", "SET k w GET", "GET k", "SET k x NX GET", "GET k",
         "SET missing x XX GET", "EXISTS missing", "SET k y XX GET", "GET k"),
    case("set-ex", "SET k v EX 100", near("TTL k"), near("PTTL k", 1500)),
    case("set-px", "SET k v PX 100000", near("TTL k"), near("PTTL k", 1500)),
    case("set-exat", "SET k v EXAT 4102444800", "EXPIRETIME k", "PEXPIRETIME k"),
    case("set-pxat", "SET k v PXAT 4102444800123", "EXPIRETIME k", "PEXPIRETIME k"),
    case("set-exat-past", "SET k v EXAT 1", "GET k", "EXISTS k", "DBSIZE"),
    case("set-pxat-past", "SET k v PXAT 1", "GET k", "EXISTS k"),
    case("set-keepttl", "SET k v EX 100", "SET k w KEEPTTL", near("TTL k"), "GET k",
         "SET k x KEEPTTL GET", near("TTL k"), "SET nottl v KEEPTTL", "TTL nottl"),
    case("set-valid-combinations", "SET k v NX EX 100 GET", near("TTL k"), "SET k w XX PX 200000 GET",
         near("PTTL k", 1500), "SET k x XX KEEPTTL GET", near("PTTL k", 1500), "SET k y GET NX",
         "SET k y KEEPTTL XX", "GET k", f"SET k z PXAT {FAR_MS} GET XX", "PEXPIRETIME k",
         "SET n v GET XX EX 10", "EXISTS n", "SET n v NX PX 100000", near("PTTL n", 1500)),
    case("set-px-expires", "SET k v PX 50", Sleep(0.2), "GET k", "EXISTS k"),
    case("set-options-case", "SET k v ex 100 nx", near("ttl k"), "set k v xx px 5000 get",
         near("PTTL k", 1500), "set k v Keepttl", near("pttl k", 1500)),
    case("set-errors-combinations",
         "SET k v EX 10 PX 100", "SET k v PX 100 EX 10", "SET k v EX 10 EXAT 100",
         "SET k v EX 10 PXAT 100", "SET k v PX 10 PXAT 100", "SET k v EXAT 10 PXAT 100",
         "SET k v NX XX", "SET k v XX NX", "SET k v KEEPTTL EX 10", "SET k v EX 10 KEEPTTL",
         "SET k v PX 10 KEEPTTL", "SET k v EXAT 10 KEEPTTL", "SET k v PXAT 10 KEEPTTL",
         "SET k v EX 10 EX 10", "SET k v NX NX", "SET k v GET GET", "SET k v FOO",
         "SET k v EX", "SET k v PX", "SET k v EXAT", "SET k v PXAT", "SET k v NX GET EX 1 PX 1",
         "EXISTS k"),
    case("set-invalid-expire",
         "SET k v EX 0", "SET k v EX -1", "SET k v PX 0", "SET k v PX -5", "SET k v EXAT 0",
         "SET k v PXAT 0", "SET k v EXAT -1", f"SET k v EX {BIG}", f"SET k v PX {BIG}",
         f"SET k v EXAT {BIG}", f"SET k v PXAT {BIG}", "SET k v EX 9223372036854775",
         f"SET k v EX {BIG + 1}", "SET k v EX abc", "SET k v PX 1.5", "SET k v EX ''",
         "SET k v EX ' 1'", "SET k v EX +1", "EXISTS k"),
    case("set-arity", "SET", "SET k", "GET", "GET a b"),
    case("setnx", "SETNX k v", "SETNX k w", "GET k", "SETNX", "SETNX k", "SETNX k v w"),
    case("setex", "SETEX k 100 v", near("TTL k"), "GET k", "SETEX k 0 v", "SETEX k -1 v",
         "SETEX k abc v", f"SETEX k {BIG} v", "SETEX k 10", "SETEX k 10 v extra", "GET k"),
    case("psetex", "PSETEX k 100000 v", near("PTTL k", 1500), "GET k", "PSETEX k 0 v",
         "PSETEX k -1 v", "PSETEX k 1.5 v", f"PSETEX k {BIG} v", "PSETEX k 1"),
    case("psetex-expires", "PSETEX k 50 v", Sleep(0.2), "GET k"),
    case("mset-mget", "MSET a 1 b 2 c 3", "MGET a b c missing", "MSET a x a y", "GET a",
         "MSET a", "MSET a 1 b", "MSET", "MGET", "MGET missing"),
    case("msetnx", "MSETNX a 1 b 2", "MSETNX b 3 c 4", "MGET a b c", "MSETNX c 1 c 2", "GET c",
         "MSETNX a", "MSETNX"),
    case("getset", "GETSET k v", "GETSET k w", "GET k", "SET k v EX 100", "GETSET k x", "TTL k",
         "GETSET k", "GETSET"),
    case("getdel", "SET k v", "GETDEL k", "EXISTS k", "GETDEL k", "GETDEL", "GETDEL a b"),
]

GETEX_CASES = [
    case("getex-plain", "SET k v", "GETEX k", "TTL k", "GETEX missing"),
    case("getex-ex", "SET k v", "GETEX k EX 100", near("TTL k"), "GETEX k PX 200000",
         near("PTTL k", 1500)),
    case("getex-at", "SET k v", "GETEX k EXAT 4102444800", "EXPIRETIME k",
         "GETEX k PXAT 4102444800500", "PEXPIRETIME k"),
    case("getex-persist", "SET k v EX 100", "GETEX k PERSIST", "TTL k", "GETEX k PERSIST"),
    case("getex-past", "SET k v", "GETEX k EXAT 1", "EXISTS k", "SET k v", "GETEX k PXAT 1",
         "EXISTS k"),
    case("getex-errors", "SET k v", "GETEX k EX 0", "GETEX k EX -1", "GETEX k PX 0",
         "GETEX k EXAT 0", "GETEX k PXAT -1", f"GETEX k EX {BIG}", f"GETEX k PX {BIG}",
         "GETEX k EX abc", "GETEX k EX", "GETEX k EX 10 PX 10", "GETEX k EX 10 PERSIST",
         "GETEX k PERSIST EX 10", "GETEX k PERSIST PERSIST", "GETEX k FOO", "GETEX k EX 10 EX 10",
         "GETEX k KEEPTTL", "GETEX", near("TTL k"), "GETEX missing EX 0", "GETEX missing FOO"),
]

INCR_CASES = [
    case("incr-basic", "INCR k", "INCR k", "GET k", "DECR k", "DECR k", "DECR k", "GET k",
         "INCRBY k 10", "INCRBY k -20", "DECRBY k 5", "DECRBY k -7", "GET k"),
    case("incr-from-string-int", "SET k 41", "INCR k", "SET k -1", "INCR k", "INCR k", "GET k",
         "SET k 9999", "INCR k", "OBJECT ENCODING k"),
    case("incr-not-integer", "SET k abc", "INCR k", "DECR k", "INCRBY k 1", "DECRBY k 1",
         "SET k ''", "INCR k", "SET k ' 1'", "INCR k", "SET k '1 '", "INCR k", "SET k 01",
         "INCR k", "SET k +1", "INCR k", "SET k -0", "INCR k", "SET k 1.0", "INCR k",
         "SET k 1e3", "INCR k", "SET k 0x10", "INCR k", "GET k"),
    case("incr-overflow", f"SET k {BIG}", "INCR k", "INCRBY k 1", f"SET k {SMALL}", "DECR k",
         "DECRBY k 1", "INCRBY k -1", "GET k", f"SET k {BIG + 1}", "INCR k",
         "SET k 10", f"INCRBY k {BIG}", f"DECRBY k {SMALL}", f"INCRBY k {SMALL}", "GET k"),
    case("incr-argument-errors", "INCRBY k abc", "INCRBY k 1.5", "INCRBY k ''",
         f"INCRBY k {BIG + 1}", "DECRBY k x", f"DECRBY k {SMALL}", "INCRBY k", "INCR",
         "INCR a b", "DECR", "DECRBY k", "EXISTS k"),
    case("incr-keeps-ttl", "SET k 1 EX 100", "INCR k", near("TTL k"), "INCRBY k 5", near("TTL k"),
         "DECR k", near("TTL k"), "GET k"),
    case("incr-big-values", "SET k 9223372036854775806", "INCR k", "GET k",
         "SET k -9223372036854775807", "DECR k", "GET k", "OBJECT ENCODING k"),
    case("incrbyfloat-format",
         "SET k 10.5", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k -5", "INCRBYFLOAT k 1e2",
         "SET k 5.0e3", "INCRBYFLOAT k 1", "INCRBYFLOAT k 5.0e3", "INCRBYFLOAT k 0",
         "SET k 3", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1", "INCRBYFLOAT k 0.1",
         "INCRBYFLOAT k 1.5e20", "INCRBYFLOAT k -1.5e20", "INCRBYFLOAT k 1e-10",
         "INCRBYFLOAT k 0.33333333333333333333", "SET k 1", "INCRBYFLOAT k -1",
         "INCRBYFLOAT k -0.0", "INCRBYFLOAT k 00012.5", "INCRBYFLOAT k .5", "INCRBYFLOAT k 5.",
         "INCRBYFLOAT k 1e5", "INCRBYFLOAT k 123456789012345678", "INCRBYFLOAT k 1E2",
         "INCRBYFLOAT k +1", "GET k", "OBJECT ENCODING k", "STRLEN k"),
    case("incrbyfloat-missing", "INCRBYFLOAT k 1.5", "GET k", "INCRBYFLOAT k2 2", "GET k2",
         "OBJECT ENCODING k2", "INCRBYFLOAT k3 1.1e3", "GET k3"),
    case("incrbyfloat-errors",
         "SET k 1e308", "INCRBYFLOAT k 1e308", "INCRBYFLOAT k 9e307", "GET k", "INCRBYFLOAT k -1e308",
         "SET k 1e308", "INCRBYFLOAT k 9e308", "SET k 1e4932", "INCRBYFLOAT k 1e4932",
         "INCRBYFLOAT k -1e4932", "INCRBYFLOAT k 1e5000", "INCRBYFLOAT k -1e5000",
         "INCRBYFLOAT k 1e-5000", "GET k", "SET k 1e5000", "INCRBYFLOAT k 1",
         "SET k 1", "INCRBYFLOAT k abc", "INCRBYFLOAT k ''", "INCRBYFLOAT k ' 1'",
         "INCRBYFLOAT k '1 '", "INCRBYFLOAT k inf", "INCRBYFLOAT k -inf", "INCRBYFLOAT k nan",
         "INCRBYFLOAT k 1e", "INCRBYFLOAT k 0x10", "INCRBYFLOAT k 1e400", "INCRBYFLOAT k",
         "INCRBYFLOAT", "GET k",
         "SET k abc", "INCRBYFLOAT k 1", "SET k ' 1'", "INCRBYFLOAT k 1", "SET k inf",
         "INCRBYFLOAT k 1", "SET k 1e400", "INCRBYFLOAT k 1", "SET k 1.5x", "INCRBYFLOAT k 1",
         "GET k"),
    case("incrbyfloat-keeps-ttl", "SET k 1.5 EX 100", "INCRBYFLOAT k 1", near("TTL k"), "GET k"),
    case("incr-on-float", "SET k 1.5", "INCR k", "INCRBYFLOAT k 0.5", "GET k", "INCR k", "GET k"),
]

RANGE_CASES = [
    case("append", "APPEND k hello", "APPEND k ' world'", "GET k", "STRLEN k", "APPEND k ''",
         "APPEND missing ''", "EXISTS missing", "APPEND", "APPEND k", "APPEND k a b"),
    case("append-to-int", "SET k 123", "APPEND k 4", "GET k", "OBJECT ENCODING k", "INCR k",
         "GET k"),
    case("append-keeps-ttl", "SET k v EX 100", "APPEND k w", near("TTL k"), "GET k"),
    case("append-binary", ["APPEND", "k", b"\x00\x01"], ["APPEND", "k", b"\xff\r\n"], "GET k",
         "STRLEN k"),
    case("getrange", "SET k 'Hello World'", "GETRANGE k 0 -1", "GETRANGE k 0 4", "GETRANGE k -5 -1",
         "GETRANGE k 5 3", "GETRANGE k 100 200", "GETRANGE k -100 -50", "GETRANGE k -100 100",
         "GETRANGE k 0 -100", "GETRANGE k 3 3", "GETRANGE k 10 10", "GETRANGE k 11 11",
         "GETRANGE k -1 -1", "GETRANGE k -1 -2", f"GETRANGE k 0 {BIG}", f"GETRANGE k {SMALL} 2",
         "GETRANGE missing 0 -1", "GETRANGE k a 1", "GETRANGE k 0 b", "GETRANGE k 0 1.5",
         "GETRANGE k 0", "GETRANGE k 0 1 2"),
    case("getrange-int", "SET k 123456", "GETRANGE k 1 3", "GETRANGE k -2 -1", "GETRANGE k 0 -1",
         "SET k -5", "GETRANGE k 0 0"),
    case("getrange-empty", "SET k ''", "GETRANGE k 0 -1", "GETRANGE k 0 0", "GETRANGE k -1 0"),
    case("substr", "SET k 'Hello World'", "SUBSTR k 0 4", "SUBSTR k -3 -1", "SUBSTR k 5 1",
         "SUBSTR missing 0 1", "SUBSTR k x 1", "SUBSTR k 0"),
    case("setrange", "SETRANGE k 0 hello", "GET k", "SETRANGE k 6 world", "GET k", "STRLEN k",
         "SETRANGE k 1 EL", "GET k", "SETRANGE k 0 ''", "GET k", "SETRANGE k 100 ''", "STRLEN k",
         "SETRANGE k 20 !", "GET k", "OBJECT ENCODING k"),
    case("setrange-missing", "SETRANGE k 0 ''", "EXISTS k", "SETRANGE k 5 ''", "EXISTS k",
         "SETRANGE k 3 abc", "GET k", "STRLEN k"),
    case("setrange-int", "SET k 1234", "SETRANGE k 1 x", "GET k", "OBJECT ENCODING k",
         "SET k 1234", "SETRANGE k 0 9", "GET k", "OBJECT ENCODING k", "INCR k"),
    case("setrange-errors", "SETRANGE k -1 x", "SETRANGE k abc x", "SETRANGE k 1.5 x",
         "SETRANGE k 536870912 x", "SETRANGE k 536870911 xy", f"SETRANGE k {BIG} x",
         "SETRANGE k 536870913 ''", "EXISTS k", "SET k v", "SETRANGE k 536870912 x",
         "SETRANGE k 536870913 ''", "SETRANGE k -1 ''", "GET k", "SETRANGE k 0", "SETRANGE"),
    case("setrange-keeps-ttl", "SET k hello EX 100", "SETRANGE k 0 J", near("TTL k"), "GET k"),
    case("strlen", "STRLEN missing", "SET k 12345", "STRLEN k", "SET k -1", "STRLEN k",
         "SET k hello", "STRLEN k", "SET k ''", "STRLEN k", "STRLEN", "STRLEN a b"),
]

LCS_CASES = [
    case("lcs", "MSET a ohmytext b mynewtext", "LCS a b", "LCS a b LEN", "LCS a b IDX",
         "LCS a b IDX MINMATCHLEN 4", "LCS a b IDX WITHMATCHLEN",
         "LCS a b IDX MINMATCHLEN 2 WITHMATCHLEN", "LCS a b WITHMATCHLEN IDX MINMATCHLEN 0",
         "LCS a b idx minmatchlen -5", "LCS b a", "LCS a a", "LCS a a IDX"),
    case("lcs-missing", "SET a hello", "LCS a missing", "LCS missing a LEN", "LCS m1 m2 IDX",
         "LCS m1 m2 IDX WITHMATCHLEN", "LCS m1 m2"),
    case("lcs-errors", "MSET a hello b world", "LCS a b LEN IDX", "LCS a b IDX LEN",
         "LCS a b MINMATCHLEN", "LCS a b MINMATCHLEN abc", "LCS a b FOO", "LCS a", "LCS",
         "LCS a b LEN FOO", "LCS a b MINMATCHLEN 1"),
    case("lcs-disjoint", "MSET a abc b xyz", "LCS a b", "LCS a b LEN", "LCS a b IDX",
         "MSET a '' b ''", "LCS a b", "LCS a b IDX"),
    case("lcs-numbers", "MSET a 12345 b 2468", "LCS a b", "LCS a b IDX WITHMATCHLEN"),
    case("lcs-longer", "SET a ACCGGTCGAGTGCGCGGAAGCCGGCCGAA", "SET b GTCGTTCGGAATGCCGTTGCTCTGTAAA",
         "LCS a b", "LCS a b LEN", "LCS a b IDX", "LCS a b IDX MINMATCHLEN 2 WITHMATCHLEN"),
]

ENCODING_CASES = [
    case("enc-set", "SET k 123", "OBJECT ENCODING k", "SET k -123", "OBJECT ENCODING k",
         "SET k 0", "OBJECT ENCODING k", "SET k 10000", "OBJECT ENCODING k",
         f"SET k {BIG}", "OBJECT ENCODING k", f"SET k {SMALL}", "OBJECT ENCODING k",
         f"SET k {BIG + 1}", "OBJECT ENCODING k", "SET k 12345678901234567890", "OBJECT ENCODING k",
         "SET k 0123", "OBJECT ENCODING k", "SET k ' 1'", "OBJECT ENCODING k", "SET k +1",
         "OBJECT ENCODING k", "SET k 1.5", "OBJECT ENCODING k", "SET k -0", "OBJECT ENCODING k",
         "SET k ''", "OBJECT ENCODING k", "SET k hello", "OBJECT ENCODING k"),
    case("enc-length", f"SET k {S44}", "OBJECT ENCODING k", f"SET k {S45}", "OBJECT ENCODING k",
         f"SET k {'x' * 1000}", "OBJECT ENCODING k", f"SET k {'9' * 44}", "OBJECT ENCODING k"),
    case("enc-append", "APPEND k 123", "OBJECT ENCODING k", "APPEND k 4", "OBJECT ENCODING k",
         "APPEND j hello", "OBJECT ENCODING j", "APPEND j x", "OBJECT ENCODING j",
         f"APPEND m {S45}", "OBJECT ENCODING m"),
    case("enc-setrange", "SETRANGE k 0 abc", "OBJECT ENCODING k", "SETRANGE j 0 123",
         "OBJECT ENCODING j", "SET e short", "SETRANGE e 0 S", "OBJECT ENCODING e"),
    case("enc-incr", "SET k abc", "SET k 5", "INCR k", "OBJECT ENCODING k", "INCRBY k 100000",
         "OBJECT ENCODING k", "SET k 1.5", "INCRBYFLOAT k 1.5", "OBJECT ENCODING k",
         "INCRBYFLOAT k 0.25", "OBJECT ENCODING k", "DECR k", "OBJECT ENCODING k"),
    case("enc-other-writes", "MSET a 1 b hello", "OBJECT ENCODING a", "OBJECT ENCODING b",
         "SETNX c 77", "OBJECT ENCODING c", "SETEX d 100 77", "OBJECT ENCODING d",
         "PSETEX e 100000 77", "OBJECT ENCODING e", "GETSET f 99", "OBJECT ENCODING f",
         "SET g 5 EX 100", "OBJECT ENCODING g", "MSETNX h 3", "OBJECT ENCODING h",
         "SET i 12 GET", "OBJECT ENCODING i", "SET j 12 KEEPTTL", "OBJECT ENCODING j",
         f"SET k {S44} GET", "OBJECT ENCODING k"),
    case("enc-missing", "OBJECT ENCODING missing"),
]

WRONGTYPE_CASES = [
    case("wrongtype-reads", "LPUSH l a", "GET l", "GETRANGE l 0 -1", "SUBSTR l 0 1", "STRLEN l",
         "MGET l missing", "GETDEL l", "GETEX l", "GETEX l PERSIST", "LCS l l", "LCS l missing",
         "TYPE l", needs=["LPUSH"]),
    case("wrongtype-writes", "LPUSH l a", "APPEND l x", "INCR l", "DECR l", "INCRBY l 1",
         "DECRBY l 1", "INCRBYFLOAT l 1", "SETRANGE l 0 x", "SETRANGE l 0 ''", "GETSET l v",
         "SET l v GET", "SET l v NX GET", "SET l v XX GET", "TYPE l", needs=["LPUSH"]),
    case("wrongtype-overwrite", "LPUSH l a", "SETNX l v", "MSETNX l v x y", "EXISTS x",
         "SET l v XX", "TYPE l", "LPUSH m a", "SET m v", "TYPE m", "GET m", "LPUSH n a",
         "MSET n v", "GET n", "LPUSH o a", "SETEX o 100 v", "GET o", needs=["LPUSH"]),
    case("wrongtype-errors-before-args", "LPUSH l a", "INCRBY l abc", "SETRANGE l -1 x",
         "GETEX l EX 0", "INCRBYFLOAT l abc", needs=["LPUSH"]),
]

ALL_CASES = SET_CASES + GETEX_CASES + INCR_CASES + RANGE_CASES + LCS_CASES + ENCODING_CASES \
    + WRONGTYPE_CASES


@pytest.mark.parametrize("steps, needs", ALL_CASES)
def test_strings(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_large_values(differ):
    big = b"0123456789" * 100_000
    differ.run([
        ["SET", "k", big], "STRLEN k", ["GETRANGE", "k", "999990", "-1"], ["APPEND", "k", big],
        "STRLEN k", "GETRANGE k 1999995 2000010", "SETRANGE k 2500000 end", "STRLEN k",
        "GETRANGE k 1999998 2000003", "OBJECT ENCODING k", "LCS k missing LEN",
    ])
    a, b = differ.step(["GET", "k"])
    assert len(a) == len(b) > 2_500_000


def test_append_limit_with_small_proto_max_bulk_len(differ):
    """APPEND/SETRANGE past proto-max-bulk-len, made cheap by lowering the limit to 1 MB."""
    steps = [
        "CONFIG SET proto-max-bulk-len 1048576",
        ["SET", "k", b"a" * (1048576 - 10)],
        "APPEND k 0123456789",
        "APPEND k 0123456789",
        "STRLEN k",
        "SETRANGE k 1048570 xxxxxxx",
        "SETRANGE k 1048570 xxxxxx",
        "SETRANGE k 1048576 ''",
        "STRLEN k",
    ]
    try:
        differ.run(steps)
    finally:
        for server in (differ.server_a, differ.server_b):
            with server.raw() as conn:
                conn.command("CONFIG", "SET", "proto-max-bulk-len", "536870912")


def test_resp3_string_replies(differ):
    differ.run([
        ignore("HELLO 3"), "SET k v", "GET k", "GET missing", "MGET k missing", "INCRBYFLOAT f 1.5",
        "SET k v GET", "SET n v XX GET", "GETEX missing", "GETDEL missing", "LCS k n IDX",
        "LCS k n IDX WITHMATCHLEN", "MSET a ohmytext b mynewtext", "LCS a b IDX WITHMATCHLEN",
        "LCS a b LEN", "INCR x", "OBJECT ENCODING x", "OBJECT ENCODING missing",
    ])


def test_keys_survive_wrong_commands(differ):
    """Errors never modify the key (each error path followed by a read)."""
    differ.run([
        "SET k 10 EX 100", "SET k v EX 0", "GET k", near("TTL k"), "INCRBY k abc", "GET k",
        "SET k v NX XX", "GET k", "GETEX k EX 0", near("TTL k"), "SETRANGE k -1 x", "GET k",
        raw(b"*2\r\n$6\r\nAPPEND\r\n$1\r\nk\r\n"), "GET k",
    ])
