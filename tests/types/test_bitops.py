"""Bitmap commands and BITFIELD, byte for byte against redis-server 7.0.15.

SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO: fixed sequences for
the edge cases (ranges, BIT/BYTE, errors, growth, encodings), then
hypothesis-driven random strings and operations where both servers must give
the same replies and hold the same bytes afterwards.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import DIFFERENTIAL, case, ignore

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]


BIG = 9223372036854775807
SMALL = -9223372036854775808

SETBIT_CASES = [
    case("setbit-basic", "SETBIT k 7 1", "GET k", "SETBIT k 7 1", "SETBIT k 7 0", "GET k",
         "SETBIT k 0 1", "GETBIT k 0", "GETBIT k 1", "GETBIT k 7", "STRLEN k", "OBJECT ENCODING k"),
    case("setbit-grows-zero-filled", "SETBIT k 100 1", "STRLEN k", "GET k", "SETBIT k 8 1",
         "GET k", "SETBIT k 1000 0", "STRLEN k", "GET k", "BITCOUNT k"),
    case("setbit-on-strings", "SET k abc", "SETBIT k 1 0", "GET k", "OBJECT ENCODING k",
         "SETBIT k 30 1", "GET k", "SET n 12345", "SETBIT n 5 1", "GET n", "OBJECT ENCODING n",
         ["SET", "r", "x" * 60], "SETBIT r 479 1", "GET r", "OBJECT ENCODING r"),
    case("setbit-keeps-ttl", "SET k abc EX 100", "SETBIT k 3 1", "TTL k", "SETBIT k 300 1", "TTL k"),
    case("setbit-errors", "SETBIT k -1 1", "SETBIT k abc 1", "SETBIT k 1.5 1", "SETBIT k '' 1",
         "SETBIT k 0 2", "SETBIT k 0 -1", "SETBIT k 0 abc", "SETBIT k 0 ''", f"SETBIT k {BIG} 1",
         "SETBIT k 4294967296 1", "SETBIT k 18446744073709551616 1", "SETBIT k '#1' 1",
         "SETBIT k ' 1' 1", "SETBIT k 01 1", "EXISTS k", "SETBIT k", "SETBIT k 1", "SETBIT k 1 1 1"),
    case("getbit", "GETBIT missing 0", "GETBIT missing 100000", ["SET", "k", b"\x80"], "GETBIT k 0",
         "GETBIT k 1", "GETBIT k 8", "GETBIT k 4294967295", "GETBIT k 4294967296", "GETBIT k -1",
         "GETBIT k abc", "SET n 7", "GETBIT n 5", "GETBIT n 6", "GETBIT n 7", "GETBIT n 8",
         "OBJECT ENCODING n", "GETBIT", "GETBIT k"),
    case("bit-wrongtype", "HSET h f v", "SETBIT h 0 1", "GETBIT h 0", "BITCOUNT h", "BITPOS h 1",
         "BITFIELD h GET u8 0", "BITFIELD_RO h GET u8 0", "BITFIELD h SET u8 0 1", "BITOP AND d h",
         "BITOP NOT d h", "SET s v", "BITOP AND d s h", "EXISTS d", needs=["HSET"]),
]

BITCOUNT_CASES = [
    case("bitcount-whole", "BITCOUNT missing", "BITCOUNT missing 0 1000 bit", "SET k foobar",
         "BITCOUNT k", "SET k ''", "BITCOUNT k", ["SET", "k", b"\xaa"], "BITCOUNT k", "SET n 123",
         "BITCOUNT n", "BITCOUNT n 0 -1 bit"),
    case("bitcount-ranges", "SET s foobar", "BITCOUNT s 0 -1", "BITCOUNT s 1 -2", "BITCOUNT s -2 1",
         "BITCOUNT s 0 1000", "BITCOUNT s -1000 2", "BITCOUNT s 4 10", "BITCOUNT s -6 -7",
         "BITCOUNT s -100 -200", "BITCOUNT s 5 5", "BITCOUNT s 6 6", "BITCOUNT s -1 -1",
         f"BITCOUNT s {SMALL} {BIG}", f"BITCOUNT s {BIG} {BIG}"),
    case("bitcount-bit-ranges", "SET s foobar", "BITCOUNT s 0 -1 bit", "BITCOUNT s 10 14 bit",
         "BITCOUNT s 3 14 BIT", "BITCOUNT s 3 29 bit", "BITCOUNT s 10 -34 bit", "BITCOUNT s 3 -34 bit",
         "BITCOUNT s 3 -19 bit", "BITCOUNT s -2 1 bit", "BITCOUNT s 0 1000 bit", "BITCOUNT s 5 5 bit",
         "BITCOUNT s 7 8 bit", "BITCOUNT s 47 47 bit", "BITCOUNT s 48 100 bit", "BITCOUNT s 0 0 byte",
         "BITCOUNT s 0 -1 BYTE", "BITCOUNT s -6 -15 bit", f"BITCOUNT s {SMALL} {BIG} bit"),
    case("bitcount-errors", "SET s foobar", "BITCOUNT s 0", "BITCOUNT s 0 1 hello", "BITCOUNT s a 1",
         "BITCOUNT s 0 b", "BITCOUNT s 0 1 bit extra", "BITCOUNT s -1 -2 hello",
         "BITCOUNT s 0 4294967296", "BITCOUNT missing 0", "BITCOUNT missing 0 1 hello",
         "BITCOUNT s 1.5 2", "BITCOUNT", ["BITCOUNT", "s", "0", "1", "bit\x00x"],
         ["BITCOUNT", "s", "0", "1", "bi"]),
]

BITPOS_CASES = [
    case("bitpos-missing", "BITPOS missing 0", "BITPOS missing 1", "BITPOS missing 1 5 10 bit",
         "BITPOS missing 2", "BITPOS missing x"),
    case("bitpos-basic", ["SET", "k", b"\xff\xf0\x00"], "BITPOS k 0", "BITPOS k 1", ["SET", "k", b"\x00\xff\xf0"],
         "BITPOS k 1 0", "BITPOS k 1 2", "BITPOS k 1 2 -1 byte", "BITPOS k 1 7 15 bit",
         "BITPOS k 1 7 -3 bit", "BITPOS k 0 8 15 bit", "BITPOS k 1 -1", ["SET", "k", b"\xff\xff\xff"],
         "BITPOS k 0", "BITPOS k 0 0", "BITPOS k 0 0 -1", "BITPOS k 0 0 -1 bit", "BITPOS k 0 1 1",
         "BITPOS k 0 5 bit", "SET k ''", "BITPOS k 0", "BITPOS k 1", "BITPOS k 0 0 -1"),
    case("bitpos-bit-edges", ["SET", "k", b"\x00\x01\x80\x00"], "BITPOS k 1 0 -1 bit", "BITPOS k 1 16 31 bit",
         "BITPOS k 1 15 15 bit", "BITPOS k 1 14 14 bit", "BITPOS k 1 9 16 bit", "BITPOS k 0 15 16 bit",
         "BITPOS k 1 17 bit", "BITPOS k 0 17 bit", "BITPOS k 1 3 3 bit", "BITPOS k 0 3 3 bit",
         "BITPOS k 1 -9 -1 bit", "BITPOS k 0 -100 -90 bit", "BITPOS k 1 100 bit", "BITPOS k 0 100 bit",
         "BITPOS k 1 5 2 bit", "BITPOS k 1 2 30 bit", "BITPOS k 0 2 30 bit"),
    case("bitpos-long", ["SET", "k", b"\x00" * 40 + b"\x10" + b"\x00" * 30], "BITPOS k 1",
         "BITPOS k 1 3", "BITPOS k 1 41", "BITPOS k 1 320 330 bit", "BITPOS k 1 325 bit",
         ["SET", "f", b"\xff" * 33 + b"\xfe" + b"\xff" * 20], "BITPOS f 0", "BITPOS f 0 34",
         "BITPOS f 0 34 -1", "BITPOS f 0 100 279 bit", "BITPOS f 0 271 bit", "BITPOS f 0 272 bit"),
    case("bitpos-int-encoded", "SET n 10", "BITPOS n 1", "BITPOS n 0", "BITPOS n 1 1", "OBJECT ENCODING n"),
    case("bitpos-errors", "SET k abc", "BITPOS k 2", "BITPOS k -1", "BITPOS k a", "BITPOS k 1 a",
         "BITPOS k 1 0 a", "BITPOS k 1 0 1 foo", "BITPOS k 1 0 1 bit x", "BITPOS k", "BITPOS k 1.0",
         "BITPOS k 1 0 -1 BYTE", "BITPOS k 1 0 -1 Bit"),
]

BITOP_CASES = [
    case("bitop-basic", ["SET", "a", b"\x0f\xf0"], ["SET", "b", b"\xff\x00"], "BITOP AND d a b", "GET d",
         "BITOP OR d a b", "GET d", "BITOP XOR d a b", "GET d", "BITOP NOT d a", "GET d",
         "OBJECT ENCODING d", "STRLEN d"),
    case("bitop-lengths", "SET a abcdefghijklmnopqrstuvwxyz0123456789", "SET b 'x'",
         "SET c 'hello world'", "BITOP AND d a b c", "GET d", "BITOP OR d a b c", "GET d",
         "BITOP XOR d a b c", "GET d", "BITOP AND d b a", "GET d", "BITOP OR d c a", "GET d",
         "BITOP XOR d b c a", "GET d"),
    case("bitop-missing-and-empty", "SET a foobar", "BITOP AND d a missing", "GET d",
         "BITOP OR d a missing", "GET d", "BITOP XOR d missing a", "GET d", "BITOP AND d missing",
         "EXISTS d", "SET d x", "BITOP OR d missing other", "EXISTS d", "SET e ''", "BITOP NOT d e",
         "EXISTS d", "BITOP NOT d missing", "BITOP AND d a e", "GET d", "BITOP OR d e a", "GET d"),
    case("bitop-dest-is-source", ["SET", "a", b"\x01\x02"], "BITOP NOT a a", "GET a", "BITOP XOR a a a",
         "GET a", "SET b xy", "BITOP OR b b a", "GET b"),
    case("bitop-ints-and-ttl", "SET n 123", "SET m 456", "BITOP AND d n m", "GET d", "BITOP XOR d n m",
         "GET d", "SET d x EX 100", "BITOP OR d n m", "TTL d", "OBJECT ENCODING n"),
    case("bitop-errors", "SET a x", "BITOP FOO d a", "BITOP NOT d a a", "BITOP NOT d", "BITOP AND d",
         "BITOP", ["BITOP", "and\x00zz", "d", "a"], "GET d", "BITOP andx d a", "BITOP An d a",
         "BITOP And d a"),
]

BITFIELD_CASES = [
    case("bitfield-basics", "BITFIELD bits SET i8 0 -100", "BITFIELD bits SET i8 0 101",
         "BITFIELD bits GET i8 0", "BITFIELD bits SET u8 0 255 INCRBY u8 0 100 GET u8 0", "GET bits",
         "BITFIELD bits", "BITFIELD missing", "BITFIELD missing GET u8 0", "EXISTS missing",
         "BITFIELD_RO missing GET i64 0"),
    case("bitfield-hash-offsets", "BITFIELD bits SET u8 #0 65 SET u8 #1 66 SET u8 #2 67", "GET bits",
         "BITFIELD bits GET u8 #1 GET u4 #3 GET i3 #5 GET u8 9", "BITFIELD bits INCRBY u8 #0 100 INCRBY u8 #0 100",
         "BITFIELD bits GET u8 #4294967295", "BITFIELD bits GET u8 '#'", "BITFIELD bits GET u8 '#-1'",
         "BITFIELD bits GET u8 '##1'", "BITFIELD bits GET u8 '#9223372036854775807'",
         "BITFIELD bits GET i64 '#1152921504606846976'"),
    case("bitfield-unaligned", ["SET", "k", b"\x12\x34\x56\x78\x9a\xbc\xde\xf0\x11\x22"],
         "BITFIELD k GET u63 1 GET i64 3 GET i64 7 GET u1 9 GET i1 9 GET u7 70 GET i64 72 GET u32 60",
         "BITFIELD k SET i64 5 -2 GET i64 5 SET u63 9 123456789012345 GET u63 9", "GET k",
         "BITFIELD k SET u5 77 31 SET i13 3 -4096", "GET k", "STRLEN k"),
    case("bitfield-overflow-unsigned", "BITFIELD b SET u8 #0 100",
         "BITFIELD b OVERFLOW WRAP INCRBY u8 #0 257 GET u8 #0 OVERFLOW wrap INCRBY u8 #0 255",
         "BITFIELD b OVERFLOW SAT INCRBY u8 #0 257 GET u8 #0 OVERFLOW sat INCRBY u8 #0 -255",
         "BITFIELD b OVERFLOW FAIL INCRBY u8 #0 256 INCRBY u8 #0 -1 INCRBY u8 #0 -255",
         "BITFIELD b OVERFLOW SAT SET u8 0 -1 SET u8 0 256 SET u8 0 255 OVERFLOW FAIL SET u8 0 -1",
         "BITFIELD b OVERFLOW WRAP SET u8 0 -1 SET u8 0 300 SET u63 8 -1 GET u63 8",
         f"BITFIELD b OVERFLOW SAT SET u63 8 {BIG} INCRBY u63 8 1 INCRBY u63 8 {SMALL}",
         f"BITFIELD b OVERFLOW WRAP INCRBY u63 8 {BIG} INCRBY u63 8 {BIG}", "GET b"),
    case("bitfield-overflow-signed", "BITFIELD b SET i8 #0 100",
         "BITFIELD b OVERFLOW WRAP INCRBY i8 #0 257 GET i8 #0 INCRBY i8 #0 255",
         "BITFIELD b OVERFLOW SAT INCRBY i8 #0 257 GET i8 #0 INCRBY i8 #0 -255 GET i8 #0",
         "BITFIELD b OVERFLOW FAIL INCRBY i8 #0 200 INCRBY i8 #0 -1 SET i8 #0 128 SET i8 #0 -129",
         f"BITFIELD b OVERFLOW SAT SET i8 0 {SMALL} SET i8 0 {BIG} SET i64 8 {SMALL} INCRBY i64 8 -1",
         f"BITFIELD b OVERFLOW WRAP SET i64 8 {BIG} INCRBY i64 8 1 INCRBY i64 8 {SMALL} GET i64 8",
         f"BITFIELD b OVERFLOW FAIL SET i64 8 {BIG} INCRBY i64 8 1 INCRBY i64 8 {SMALL} INCRBY i64 8 {SMALL}",
         f"BITFIELD b OVERFLOW WRAP SET i1 0 1 SET i1 0 -1 INCRBY i1 0 1 SET i2 0 {SMALL} GET i2 0",
         "GET b"),
    case("bitfield-errors", "BITFIELD k FOO", "BITFIELD k GET", "BITFIELD k GET u8", "BITFIELD k GET x8 0",
         "BITFIELD k GET u64 0", "BITFIELD k GET i65 0", "BITFIELD k GET i0 0", "BITFIELD k GET u 0",
         "BITFIELD k GET '' 0", "BITFIELD k GET u8 -1", "BITFIELD k GET u8 abc", "BITFIELD k SET u8 0",
         "BITFIELD k SET u8 0 abc", "BITFIELD k INCRBY u8 0 1.5", "BITFIELD k OVERFLOW",
         "BITFIELD k OVERFLOW foo GET u8 0", "BITFIELD k GET u8 0 OVERFLOW", "BITFIELD k SET i8 4294967296 1",
         "BITFIELD k SET i8 4294967295 1 GET u8 0 FOO", "EXISTS k", ["BITFIELD", "k", "GET", "u8\x00x", "0"],
         ["BITFIELD", "k", "get\x00", "u8", "0"], "BITFIELD k GET I8 0", "BITFIELD k GET U8 0",
         "BITFIELD k GET i08 0", "BITFIELD k GET i+8 0"),
    case("bitfield-ro", "BITFIELD_RO k", "BITFIELD_RO k GET u8 0", ["SET", "k", b"\xff"], "BITFIELD_RO k GET i4 2",
         "BITFIELD_RO k SET u8 0 1", "BITFIELD_RO k GET u8 0 INCRBY u8 0 1", "BITFIELD_RO k OVERFLOW SAT GET u8 0",
         "BITFIELD_RO k FOO", "BITFIELD_RO k SET u99 0 1", "GET k"),
    case("bitfield-on-int-and-embstr", "SET n 1", "BITFIELD n GET u1 0 GET u8 0", "OBJECT ENCODING n",
         "BITFIELD n SET u8 8 50", "GET n", "OBJECT ENCODING n", "SET e hello", "BITFIELD e GET u8 0",
         "OBJECT ENCODING e", "BITFIELD e INCRBY u8 0 0", "OBJECT ENCODING e"),
    case("bitfield-regression-3564", "BITFIELD s SET i8 0 10 SET i8 64 10 INCRBY i8 10 99900", "GET s"),
    case("bitfield-fail-creates-key", "BITFIELD f OVERFLOW FAIL SET u2 0 7", "EXISTS f", "GET f"),
]


@pytest.mark.parametrize("steps,needs", SETBIT_CASES + BITCOUNT_CASES + BITPOS_CASES + BITOP_CASES
                         + BITFIELD_CASES)
def test_bitops(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_resp3_bitfield_null(differ):
    differ.run([ignore("HELLO 3"), "BITFIELD k OVERFLOW FAIL INCRBY u2 0 5 GET u2 0",
                "BITFIELD_RO k GET u2 0", "BITPOS k 1", "BITCOUNT k"])


def test_offset_limits_with_small_proto_max_bulk_len(differ):
    """Offsets are bounded by proto-max-bulk-len bytes; lowered to 1 MB to keep it cheap."""
    limit = 1024 * 1024
    differ.run([
        f"CONFIG SET proto-max-bulk-len {limit}",
        f"SETBIT k {limit * 8} 1", f"SETBIT k {limit * 8 - 1} 1", "STRLEN k",
        f"GETBIT k {limit * 8}", f"GETBIT k {limit * 8 - 1}", "BITCOUNT k", "BITPOS k 1",
        f"BITFIELD k GET u8 {limit * 8}", f"BITFIELD k SET u8 {limit * 8 - 1} 255", "STRLEN k",
        f"BITFIELD k SET u8 #{limit} 1", f"BITFIELD k GET u8 #{limit - 1}",
        f"BITFIELD k SET i64 {limit * 8 - 1} -1", "STRLEN k", "BITCOUNT k",
    ])
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            assert conn.command("CONFIG", "SET", "proto-max-bulk-len", "536870912") == b"+OK\r\n"


def test_setbit_max_offset(differ):
    """The largest offset the default limit allows: a 512 MB string, zero-filled."""
    top = 2 ** 32 - 1
    differ.run([f"SETBIT k {top} 1", "STRLEN k", f"GETBIT k {top}", f"GETBIT k {top - 1}",
                "BITCOUNT k", "BITPOS k 1", "BITPOS k 1 -1", f"BITCOUNT k {top - 7} {top} bit",
                f"SETBIT k {top + 1} 1", f"BITFIELD k GET u8 {top - 7}", "BITPOS k 0 -1",
                "BITOP NOT k k", "BITCOUNT k", "DEL k"])


def test_bitop_large(differ):
    """BITOP over multi-megabyte strings of different lengths (word-wise kernels, tails)."""
    rng = random.Random(7)
    a = rng.randbytes(3 * 1024 * 1024 + 5)
    b = rng.randbytes(2 * 1024 * 1024 + 3)
    c = rng.randbytes(1024 * 1024 + 17)
    differ.run([["SET", "a", a], ["SET", "b", b], ["SET", "c", c]])
    for op in ("AND", "OR", "XOR"):
        for srcs in (("a", "b"), ("b", "a"), ("a", "b", "c"), ("c", "b", "a", "c")):
            differ.step(["BITOP", op, "d", *srcs])
            differ.run(["BITCOUNT d", "STRLEN d", "BITPOS d 1 1000", "BITPOS d 0 1000",
                        "BITCOUNT d 1234567 2345678 bit", "BITCOUNT d 1000 -1000"])
            ra, rb = differ.step(["GET", "d"])
            assert ra == rb
    differ.run(["BITOP NOT d a", "BITCOUNT d", "BITCOUNT a"])


# ------------------------------------------------------------------ hypothesis

def both(differ, *args):
    return differ.step(list(args))[0]


small_bytes = st.binary(min_size=0, max_size=80)
index = st.integers(min_value=-700, max_value=700)


@settings(max_examples=150, **DIFFERENTIAL)
@given(value=small_bytes, ranges=st.lists(st.tuples(index, index, st.sampled_from(["", "BIT", "BYTE"])),
                                          min_size=1, max_size=6))
def test_hypothesis_bitcount_bitpos(differ, value, ranges):
    differ.step(["SET", "s", value])
    for start, end, unit in ranges:
        extra = [unit] if unit else []
        differ.step(["BITCOUNT", "s", str(start), str(end), *extra])
        for bit in ("0", "1"):
            differ.step(["BITPOS", "s", bit, str(start), str(end), *extra])
            differ.step(["BITPOS", "s", bit, str(start)])
    differ.step(["BITCOUNT", "s"])
    differ.step(["BITPOS", "s", "0"])
    differ.step(["BITPOS", "s", "1"])


@settings(max_examples=100, **DIFFERENTIAL)
@given(values=st.lists(st.one_of(st.none(), st.binary(max_size=70)), min_size=1, max_size=5),
       op=st.sampled_from(["AND", "OR", "XOR", "NOT"]))
def test_hypothesis_bitop(differ, values, op):
    keys = []
    for i, v in enumerate(values):
        key = f"src{i}"
        if v is None:
            differ.step(["DEL", key])
        else:
            differ.step(["SET", key, v])
        keys.append(key)
    if op == "NOT":
        keys = keys[:1]
    differ.step(["BITOP", op, "dest", *keys])
    differ.step(["GET", "dest"])
    differ.step(["EXISTS", "dest"])


field_type = st.builds(lambda s, b: f"{s}{b}", st.sampled_from("iu"), st.integers(min_value=1, max_value=64))
big_int = st.one_of(st.integers(min_value=-300, max_value=300),
                    st.integers(min_value=SMALL, max_value=BIG))
bitfield_op = st.one_of(
    st.tuples(st.just("GET"), field_type, st.integers(min_value=0, max_value=300)),
    st.tuples(st.just("SET"), field_type, st.integers(min_value=0, max_value=300), big_int),
    st.tuples(st.just("INCRBY"), field_type, st.integers(min_value=0, max_value=300), big_int),
    st.tuples(st.just("OVERFLOW"), st.sampled_from(["WRAP", "SAT", "FAIL"])),
)


@settings(max_examples=300, **DIFFERENTIAL)
@given(initial=st.one_of(st.none(), st.binary(max_size=40)), ops=st.lists(bitfield_op, min_size=1, max_size=8))
def test_hypothesis_bitfield(differ, initial, ops):
    if initial is None:
        differ.step(["DEL", "bf"])
    else:
        differ.step(["SET", "bf", initial])
    args = ["BITFIELD", "bf"]
    for op in ops:
        args += [str(x) for x in op]
    differ.step(args)
    differ.step(["GET", "bf"])
    ro = ["BITFIELD_RO", "bf"]
    for op in ops:
        if op[0] == "GET":
            ro += [str(x) for x in op]
    differ.step(ro)


@settings(max_examples=60, **DIFFERENTIAL)
@given(bits=st.lists(st.tuples(st.integers(min_value=0, max_value=5000), st.sampled_from("01")),
                     min_size=1, max_size=40))
def test_hypothesis_setbit(differ, bits):
    differ.step(["DEL", "sb"])
    for off, val in bits:
        differ.step(["SETBIT", "sb", str(off), val])
    for off, _ in bits[:10]:
        differ.step(["GETBIT", "sb", str(off)])
    differ.run(["GET sb", "BITCOUNT sb", "BITPOS sb 1", "BITPOS sb 0"])
