"""String <-> number conversions and glob matching (rkvd._core.lib.util).

Fixed tables pin the edge cases; where the answer is observable through a real
redis-server 7.0.15 the same inputs (plus hypothesis-generated ones) are run
there and compared:

* string2ll   via INCRBY (argument and stored value)
* string2ull  via XADD explicit IDs
* string2ld + ld2string(HUMAN)  via INCRBYFLOAT
* string2d    via ZADD, d2string via ZSCAN of a listpack zset,
  ld2string(AUTO) via ZSCAN of a skiplist zset, double_reply_text via ZSCORE
* stringmatchlen  via KEYS (case-sensitive) and FUNCTION LIST LIBRARYNAME
  (case-insensitive)
* memtoull    via CONFIG SET/GET maxmemory
"""
import math
import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rkvd._core.lib import util
from support import encode_command, parse_reply

LD_STR_AUTO, LD_STR_HUMAN, LD_STR_HEX = 0, 1, 2
LLONG_MIN, LLONG_MAX, ULLONG_MAX = -(2**63), 2**63 - 1, 2**64 - 1

# Differential tests share one server; hypothesis must not object to the
# suite's function-scoped autouse fixtures.


def pipeline(conn, commands):
    """Send every command at once; the parsed replies, in order."""
    conn.send(b"".join(encode_command(*c) for c in commands))
    return [parse_reply(r) for r in conn.read_replies(len(commands))]


def is_error(reply):
    return reply[0] == "-"


def text_from(alphabet, max_size):
    return st.lists(st.sampled_from(alphabet), max_size=max_size).map(b"".join)


# ----------------------------------------------------------------- string2ll --

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"1", 1), (b"-1", -1), (b"10", 10), (b"123456789", 123456789),
    (b"9223372036854775807", LLONG_MAX), (b"-9223372036854775808", LLONG_MIN),
    (b"-0", None), (b"+1", None), (b" 1", None), (b"1 ", None), (b"01", None),
    (b"00", None), (b"-01", None), (b"", None), (b"-", None), (b"+", None),
    (b"9223372036854775808", None), (b"-9223372036854775809", None),
    (b"18446744073709551615", None), (b"18446744073709551616", None),
    (b"99999999999999999999", None), (b"-99999999999999999999", None),
    (b"1" * 21, None), (b"-" + b"1" * 20, None), (b"1e3", None), (b"1.0", None),
    (b"0x10", None), (b"1\x00", None), (b"\x001", None), (b"\xff", None), (b"--1", None),
    (b"1-", None), (b"\t1", None), (b"1\n", None),
])
def test_string2ll_table(text, value):
    assert util.py_string2ll(text) == value


@given(st.integers(LLONG_MIN, LLONG_MAX))
def test_string2ll_ll2string_round_trip(n):
    text = str(n).encode()
    assert util.py_string2ll(text) == n
    assert util.py_ll2string(n) == text
    if n >= 0:
        assert util.py_ull2string(n) == text


@given(text_from([b"0", b"1", b"9", b"-", b"+", b" ", b"x"], 22))
def test_string2ll_matches_a_model(text):
    canonical = re.fullmatch(rb"0|-?[1-9][0-9]*", text) is not None
    expected = int(text) if canonical and LLONG_MIN <= int(text) <= LLONG_MAX else None
    assert util.py_string2ll(text) == expected


# ---------------------------------------------------------------- string2ull --

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"18446744073709551615", ULLONG_MAX), (b"9223372036854775808", 2**63),
    (b"18446744073709551616", None), (b"", None), (b"-1", None), (b"5 ", None),
    (b"abc", None), (b"1.5", None),
    # strtoull's leniency, which Redis inherits once the strict parse fails
    (b" 5", 5), (b"+5", 5), (b"05", 5), (b"-0", 0), (b"\t7", 7),
    (b"-18446744073709551615", 1),
    # read as a C string: a NUL ends it
    (b"12\x0034", 12), (b"\x00", None),
])
def test_string2ull_table(text, value):
    assert util.py_string2ull(text) == value


# ----------------------------------------------------- ll2string / ull2string --

def test_ll2string_buffer_sizes():
    assert util.py_ll2string(0) == b"0"
    assert util.py_ll2string(LLONG_MIN) == b"-9223372036854775808"
    assert util.py_ll2string(LLONG_MAX) == b"9223372036854775807"
    assert util.py_ull2string(ULLONG_MAX) == b"18446744073709551615"
    assert util.py_ull2string(ULLONG_MAX, 20) is None      # 20 digits need 21 bytes
    assert util.py_ll2string(LLONG_MIN, 20) is None        # 20 chars need 21 bytes
    assert util.py_ll2string(12345, 6) == b"12345"
    assert util.py_ll2string(12345, 5) is None
    assert util.py_ll2string(-7, 3) == b"-7"
    assert util.py_ll2string(-7, 2) is None
    assert util.py_ll2string(-7, 1) is None
    assert util.py_ll2string(0, 1) is None and util.py_ll2string(0, 0) is None
    for k in range(20):
        assert util.py_ull2string(10**k) == b"1" + b"0" * k
        assert util.py_ull2string(10**k - 1 or 0) == str(10**k - 1).encode()


# ----------------------------------------------------------------- string2ld --

@pytest.mark.parametrize("text, ok", [
    (b"1", True), (b"-1.5", True), (b"+1.5", True), (b".5", True), (b"5.", True),
    (b"1e10", True), (b"1E-10", True), (b"0x1p3", True), (b"inf", True), (b"-inf", True),
    (b"Infinity", True), (b"00010", True), (b"1e4000", True), (b"1e-4940", True),
    (b"", False), (b" 1", False), (b"\t1", False), (b"1 ", False), (b"nan", False),
    (b"-nan", False), (b"NaN(1)", False), (b"1e5000", False), (b"-1e5000", False),
    (b"1e-5000", False), (b".", False), (b"e5", False), (b"1e", False), (b"1\x00", False),
    (b"abc", False), (b"--1", False),
])
def test_string2ld_table(text, ok):
    assert (util.py_string2ld(text) is not None) == ok


def test_string2ld_length_limit():
    # 5119 bytes fit the conversion buffer, 5120 do not
    assert util.py_string2ld(b"0" * 5118 + b"1") == 1.0
    assert util.py_string2ld(b"0" * 5119 + b"1") is None


# ----------------------------------------------------------------- ld2string --

@pytest.mark.parametrize("current, incr, out", [
    (b"10.5", b"0.1", b"10.6"),
    (b"3.0e3", b"0", b"3000"),
    (b"5.0e3", b"0", b"5000"),
    (b"10", b"-10", b"0"),
    (b"0", b"-0", b"0"),
    (b"-0", b"0", b"0"),
    (b"1", b"-1e-30", b"1"),
    (b"0", b"-1e-30", b"0"),          # "-0.000..." trimmed to "-0", printed as 0
    (b"0", b"1e-17", b"0.00000000000000001"),
    (b"0", b"0.1", b"0.1"),
    (b"0.1", b"0.2", b"0.3"),
    (b"1.5", b"2.5", b"4"),
    (b"17179869184", b"1.5", b"17179869185.5"),
    (b"0", b"inf", None), (b"1e4932", b"1e4932", None), (b"a", b"1", None), (b"1", b" 1", None),
])
def test_incrbyfloat_text(current, incr, out):
    assert util.py_incrbyfloat(current, incr) == out


def test_ld2string_modes():
    # Text is parsed as a long double, a float argument is widened from double:
    # %.17Lg hides the long double's extra digits but shows the double's error.
    assert util.py_ld2string(b"3.0e3", LD_STR_AUTO) == b"3000"
    assert util.py_ld2string(b"0.1", LD_STR_AUTO) == b"0.1"
    assert util.py_ld2string(0.1, LD_STR_AUTO) == b"0.10000000000000001"
    assert util.py_ld2string(0.1, LD_STR_HUMAN) == b"0.10000000000000001"
    assert util.py_ld2string(b"1e300", LD_STR_AUTO) == b"1e+300"
    assert util.py_ld2string(1e300, LD_STR_AUTO) == b"1.0000000000000001e+300"
    assert util.py_ld2string(b"1e-4940", LD_STR_AUTO) == b"9.9999999999605325e-4941"
    assert util.py_ld2string(0.1, LD_STR_HEX) == b"0xc.cccccccccccdp-7"
    assert util.py_ld2string(b"-0", LD_STR_AUTO) == b"-0"
    assert util.py_ld2string(b"-0", LD_STR_HUMAN) == b"0"
    assert util.py_ld2string(b"1", LD_STR_HEX) == b"0x8p-3"
    assert util.py_ld2string(b"0.1", LD_STR_HEX) == b"0xc.ccccccccccccccdp-7"
    assert util.py_ld2string(b"-2.5", LD_STR_HUMAN) == b"-2.5"
    assert util.py_ld2string(b"123.000", LD_STR_HUMAN) == b"123"
    for mode in (LD_STR_AUTO, LD_STR_HUMAN, LD_STR_HEX):
        assert util.py_ld2string(b"inf", mode) == b"inf"
        assert util.py_ld2string(b"-inf", mode) == b"-inf"
    assert util.py_ld2string(b"1", 7) is None                 # unknown mode
    assert util.py_ld2string(b"inf", 7) == b"inf"             # infinity is checked first


def test_ld2string_huge_and_tiny():
    # every integer digit of the binary value is printed, not a rounded 1e308
    huge = util.py_ld2string(b"1e308", LD_STR_HUMAN)
    assert len(huge) == 308 and huge.startswith(b"99999999999999999996685879655845645660560")
    assert huge.endswith(b"3928578048")
    huge = util.py_ld2string(b"1.1e4932", LD_STR_HUMAN)
    assert len(huge) == 4933 and huge.startswith(b"10999999999999999999743731") and huge.isdigit()
    assert util.py_ld2string(b"1e-4940", LD_STR_HUMAN) == b"0"
    assert util.py_ld2string(b"-1e-4940", LD_STR_HUMAN) == b"0"
    assert util.py_ld2string(b"1e-18", LD_STR_HUMAN) == b"0"
    assert util.py_ld2string(b"6e-18", LD_STR_HUMAN) == b"0.00000000000000001"


def test_ld2string_buffer_too_small():
    # the untrimmed %.17Lf text ("123.50000000000000000") must fit
    assert util.py_ld2string(b"123.5", LD_STR_HUMAN, 22) == b"123.5"
    assert util.py_ld2string(b"123.5", LD_STR_HUMAN, 21) is None
    assert util.py_ld2string(b"123.5", LD_STR_AUTO, 6) == b"123.5"
    assert util.py_ld2string(b"123.5", LD_STR_AUTO, 5) is None
    assert util.py_ld2string(b"-inf", LD_STR_AUTO, 5) == b"-inf"
    assert util.py_ld2string(b"inf", LD_STR_AUTO, 4) is None        # always wants 5


# ----------------------------------------------------- string2d / d2string --

@pytest.mark.parametrize("text, value", [
    (b"1", 1.0), (b"-1.5", -1.5), (b"+.5", 0.5), (b"1e308", 1e308), (b"inf", math.inf),
    (b"-Infinity", -math.inf), (b"0x10", 16.0), (b"4.9e-324", 5e-324), (b"-0", -0.0),
    (b"", None), (b" 1", None), (b"\n1", None), (b"1 ", None), (b"nan", None), (b"1e309", None),
    (b"-1e309", None), (b"1e-400", None), (b"1\x002", None), (b"1,5", None), (b"e1", None),
    (b"0." + b"0" * 400 + b"1", None),                          # underflows to zero
    (b"0" * 400 + b"1.25", 1.25),                                # long input, heap copy
])
def test_string2d_table(text, value):
    got = util.py_string2d(text)
    assert got == value
    if value == 0:
        assert math.copysign(1, got) == math.copysign(1, value)


@pytest.mark.parametrize("value, text", [
    (0.0, b"0"), (-0.0, b"-0"), (1.0, b"1"), (-1.0, b"-1"), (1.5, b"1.5"), (0.1, b"0.10000000000000001"),
    (1e15, b"1000000000000000"), (2.0**62, b"4611686018427387904"),
    (-(2.0**62), b"-4611686018427387904"), (2.0**63, b"9.2233720368547758e+18"),
    (1e20, b"1e+20"), (math.inf, b"inf"), (-math.inf, b"-inf"), (math.nan, b"nan"),
    (5e-324, b"4.9406564584124654e-324"), (123456789.125, b"123456789.125"),
])
def test_d2string_table(value, text):
    assert util.py_d2string(value) == text


@pytest.mark.parametrize("value, text", [
    (0.0, b"0"), (-0.0, b"-0"), (1.0, b"1"), (1.5, b"1.5"), (0.1, b"0.10000000000000001"),
    (1e15, b"1000000000000000"), (1e17, b"1e+17"), (2.0**62, b"4.6116860184273879e+18"),
    (math.inf, b"inf"), (-math.inf, b"-inf"), (math.nan, b"nan"),
])
def test_double_reply_text_table(value, text):
    assert util.py_double_reply_text(value) == text


@given(st.floats(allow_nan=False))
def test_d2string_round_trips(x):
    for text in (util.py_d2string(x), util.py_double_reply_text(x)):
        back = util.py_string2d(text)
        assert back == x and math.copysign(1, back) == math.copysign(1, x)


# ------------------------------------------------------------ stringmatchlen --

@pytest.mark.parametrize("pattern, s, nocase, ok", [
    (b"", b"", False, True), (b"", b"a", False, False), (b"*", b"anything", False, True),
    # an empty string matches only the empty pattern (KEYS/SCAN special-case a lone "*")
    (b"*", b"", False, False), (b"**", b"", False, False), (b"?", b"", False, False),
    (b"h?llo", b"hello", False, True), (b"h?llo", b"hllo", False, False),
    (b"h*llo", b"hllo", False, True), (b"h*llo", b"heeeello", False, True),
    (b"h[ae]llo", b"hallo", False, True), (b"h[ae]llo", b"hillo", False, False),
    (b"h[^e]llo", b"hallo", False, True), (b"h[^e]llo", b"hello", False, False),
    (b"h[a-b]llo", b"hbllo", False, True), (b"h[b-a]llo", b"hallo", False, True),   # reversed range
    (b"h[a-b]llo", b"hcllo", False, False),
    (b"[]", b"a", False, False), (b"[]]", b"]", False, False), (b"[]a]", b"a]", False, False),
    (b"[]]", b"]]", False, False), (b"x[]]", b"x]", False, False),      # "[]" is an empty class
    (b"[", b"[", False, False), (b"[", b"", False, False), (b"[^", b"x", False, True),
    (b"[^", b"", False, False), (b"[abc", b"b", False, True), (b"[a-", b"a", False, True),
    (b"[a-", b"-", False, True), (b"[a-]", b"]", False, True),  # range a..] after swapping
    (b"[a-]", b"b", False, False),
    (b"[\\]]", b"]", False, True), (b"[\\-]", b"-", False, True), (b"[\\", b"\\", False, True),
    (b"\\*", b"*", False, True), (b"\\*", b"a", False, False), (b"\\?", b"?", False, True),
    (b"a\\", b"a\\", False, True), (b"\\", b"\\", False, True), (b"\\\\", b"\\", False, True),
    (b"a*", b"a", False, True), (b"a**", b"a", False, True), (b"a*b*", b"ab", False, True),
    (b"*a", b"ba", False, True), (b"*a", b"ab", False, False),
    (b"HELLO", b"hello", True, True), (b"HELLO", b"hello", False, False),
    (b"h[A-Z]llo", b"hello", True, True), (b"[Z-a]", b"b", True, False),  # folded after ordering
    (b"[Z-a]", b"_", False, True), (b"[\\E]", b"e", True, False),        # escapes never fold
    (b"[E]", b"e", True, True),
    (b"\xc3*", b"\xc3\xa9", False, True), (b"[\x80-\xff]", b"\x90", False, True),
    (b"[a-\xff]", b"\x90", False, False),       # signed bytes: \xff is -1, below 'a'
    (b"[\xff-a]", b"\x00", False, True),
    (b"\xc9", b"\xe9", True, False),            # no case folding beyond ASCII
    (b"a\x00b", b"a\x00b", False, True), (b"a?b", b"a\x00b", False, True),
    (b"a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", b"a" * 40, False, False),
])
def test_stringmatch_table(pattern, s, nocase, ok):
    assert util.py_stringmatch(pattern, s, nocase) is ok


def test_stringmatch_pathological_patterns_are_fast():
    start = time.monotonic()
    assert not util.py_stringmatch(b"a*" * 5000 + b"b", b"a" * 5000)
    assert util.py_stringmatch(b"*" * 100000 + b"a", b"x" * 1000 + b"a")
    assert not util.py_stringmatch(b"*?" * 20 + b"z", b"y" * 2000)
    assert time.monotonic() - start < 2


def test_stringmatch_nesting_limit():
    # Up to 1000 nested '*' behave normally; deeper ones give up with "no match"
    # instead of growing the C stack (later Redis releases do the same).
    assert util.py_stringmatch(b"*a" * 1000, b"a" * 1000)
    assert not util.py_stringmatch(b"*a" * 1002, b"a" * 1002)
    assert not util.py_stringmatch(b"*a" * 100000, b"a" * 100000)


# ------------------------------------------------------------------- memtoull --

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"1", 1), (b"1b", 1), (b"1B", 1), (b"5k", 5000), (b"5K", 5000), (b"5kb", 5120),
    (b"5kB", 5120), (b"100m", 100_000_000), (b"100mb", 100 * 2**20), (b"1g", 10**9),
    (b"1gb", 2**30), (b"1GB", 2**30), (b"", 0), (b"kb", 0), (b"b", 0),
    (b"99999999999999999999999", ULLONG_MAX),            # saturates like strtoull
    (b"17179869184gb", 0), (b"17179869185gb", 2**30),     # multiplication wraps
    (b"5\x00kb", 5), (b"0" * 127 + b"7", None), (b"0" * 126 + b"7", 7),
    (b"-1", None), (b"-", None), (b"+1", None), (b" 1", None), (b"1 ", None), (b"1.5gb", None),
    (b"1x", None), (b"1kbb", None), (b"1tb", None), (b"0x10", None), (b"1e3", None),
])
def test_memtoull_table(text, value):
    assert util.py_memtoull(text) == value


# ============================================================ differential ==
# Against a real redis-server 7.0.15: the same text goes to both.

INT_TEXTS = [b"0", b"-0", b"+1", b" 1", b"1 ", b"01", b"", b"-", b"9223372036854775807",
             b"9223372036854775808", b"-9223372036854775808", b"-9223372036854775809", b"1e3",
             b"12345678901234567890", b"\x001"]


@pytest.mark.needs_redis
@settings(max_examples=300)
@given(texts=st.lists(st.one_of(text_from([b"0", b"1", b"9", b"-", b"+", b" "], 21),
                                st.integers(LLONG_MIN, LLONG_MAX).map(lambda n: str(n).encode()),
                                st.sampled_from(INT_TEXTS)), min_size=1, max_size=8))
@example(texts=INT_TEXTS)
def test_string2ll_against_incrby(redis_ref, texts):
    with redis_ref.raw() as conn:
        cmds = []
        for t in texts:
            cmds += [("SET", "k", "0"), ("INCRBY", "k", t), ("SET", "k", t), ("INCRBY", "k", "0")]
        replies = pipeline(conn, cmds)
    for i, t in enumerate(texts):
        expected = util.py_string2ll(t)
        for reply in (replies[4 * i + 1], replies[4 * i + 3]):
            if expected is None:
                assert is_error(reply), (t, reply)
            else:
                assert reply == (":", expected), (t, reply)


ULL_PARTS = [b"5", b" 5", b"+5", b"05", b"5 ", b"", b"18446744073709551615",
             b"18446744073709551616", b"x", b"0", b"1", b"\t9", b"1.5", b"9223372036854775808"]


@pytest.mark.needs_redis
def test_string2ull_against_xadd_ids(redis_ref):
    cases = [ms + b"-" + seq for ms in ULL_PARTS for seq in ULL_PARTS]
    with redis_ref.raw() as conn:
        cmds = []
        for i, id_text in enumerate(cases):
            cmds.append(("XADD", f"s{i}", id_text, "f", "v"))
        replies = pipeline(conn, cmds)
    for id_text, reply in zip(cases, replies):
        ms_text, _, seq_text = id_text.partition(b"-")
        ms, seq = util.py_string2ull(ms_text), util.py_string2ull(seq_text)
        if ms is None or seq is None or (ms, seq) == (0, 0):
            assert is_error(reply), (id_text, reply)
        else:
            assert reply == ("$", b"%d-%d" % (ms, seq)), (id_text, reply)


def float_texts():
    crafted = st.sampled_from([
        b"10.5", b"0.1", b"3.0e3", b"5.0e3", b"-0", b"0", b"inf", b"-inf", b"nan", b" 1", b"1 ",
        b"", b".", b".5", b"5.", b"+.5", b"0x1p3", b"0X1.8P1", b"1e4932", b"1e-4940", b"1e5000",
        b"1e-5000", b"17179869184", b"9223372036854775807", b"-9223372036854775808", b"00010",
        b"1.00000000000000000001", b"123456789.123456789", b"1e-17", b"5e-18", b"Infinity",
        b"0" * 5118 + b"1", b"0" * 5119 + b"1"])
    return st.one_of(
        crafted,
        st.floats().map(lambda x: repr(x).encode()),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: b"%.6g" % x),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x.hex().encode()),
        st.integers(-10**25, 10**25).map(lambda n: str(n).encode()),
        st.decimals(allow_nan=False, allow_infinity=False, places=4).map(lambda d: str(d).encode()),
        text_from([b"0", b"1", b"5", b".", b"-", b"+", b"e", b" ", b"x", b"i", b"n", b"f"], 8),
    )


@pytest.mark.needs_redis
@settings(max_examples=400)
@given(pairs=st.lists(st.tuples(float_texts(), float_texts()), min_size=1, max_size=8))
@example(pairs=[(b"10.5", b"0.1"), (b"3.0e3", b"0"), (b"5.0e3", b"0"), (b"1e308", b"0"),
                (b"0", b"-1e-30"), (b"1.1e4932", b"0"), (b"1e-4940", b"0"), (b"0.1", b"0.2")])
def test_ld2string_against_incrbyfloat(redis_ref, pairs):
    with redis_ref.raw() as conn:
        cmds = []
        for cur, incr in pairs:
            cmds += [("SET", "k", cur), ("INCRBYFLOAT", "k", incr)]
        replies = pipeline(conn, cmds)
    for (cur, incr), reply in zip(pairs, replies[1::2]):
        expected = util.py_incrbyfloat(cur, incr)
        if expected is None:
            assert is_error(reply), (cur, incr, reply)
        else:
            assert reply == ("$", expected), (cur, incr)


def _doubles():
    return st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 0.1, 1e15, 1e17, 2.0**62, 2.0**63,
                                                   5e-324, 1.7976931348623157e308]))


@pytest.mark.needs_redis
@settings(max_examples=300)
@given(items=st.lists(st.one_of(float_texts(), _doubles().map(lambda x: repr(x).encode())),
                      min_size=1, max_size=8))
def test_doubles_against_zadd_zscore_zscan(redis_ref, items):
    long_member = b"m" * 65     # longer than zset-max-listpack-value: a skiplist zset
    with redis_ref.raw() as conn:
        cmds = []
        for t in items:
            cmds += [("DEL", "zl", "zs"), ("ZADD", "zl", t, "m"), ("ZADD", "zs", t, long_member),
                     ("ZSCORE", "zs", long_member), ("ZSCAN", "zl", "0"), ("ZSCAN", "zs", "0")]
        replies = pipeline(conn, cmds)
    for i, t in enumerate(items):
        _, zadd, _, zscore, zscan_lp, zscan_sl = replies[6 * i:6 * i + 6]
        value = util.py_string2d(t)
        if value is None:
            assert is_error(zadd), (t, zadd)
            continue
        assert zadd == (":", 1), t
        assert zscore == ("$", util.py_double_reply_text(value)), t
        # a listpack stores integral scores as integers, so -0.0 comes back as 0
        assert zscan_lp[1][1][1][1] == ("$", util.py_d2string(value + 0.0)), t
        assert zscan_sl[1][1][1][1] == ("$", util.py_ld2string(value, LD_STR_AUTO)), t


GLOB_PATTERN_CHARS = [b"a", b"b", b"A", b"Z", b"_", b"*", b"?", b"[", b"]", b"^", b"-", b"\\",
                      b"\x80", b"\xff", b"\x00"]
GLOB_KEY_CHARS = [b"a", b"b", b"A", b"Z", b"_", b"-", b"]", b"^", b"\\", b"[", b"*", b"?", b"\x80",
                  b"\xff", b"\x00"]


@pytest.mark.needs_redis
@settings(max_examples=1000)
@given(keys=st.lists(text_from(GLOB_KEY_CHARS, 6), min_size=1, max_size=10, unique=True),
       patterns=st.lists(text_from(GLOB_PATTERN_CHARS, 8), min_size=1, max_size=4))
@example(keys=[b"hello", b"hallo", b"hillo", b"hllo", b"heeello", b"a]", b"]", b"[", b"\\", b""],
         patterns=[b"h[^e]llo", b"[]a]", b"[\\", b"[^"])
def test_stringmatch_against_keys(redis_ref, keys, patterns):
    with redis_ref.raw() as conn:
        cmds = [("FLUSHDB",), ("MSET", *[x for k in keys for x in (k, b"1")])]
        cmds += [("KEYS", p) for p in patterns]
        replies = pipeline(conn, cmds)
    for p, reply in zip(patterns, replies[2:]):
        got = {item[1] for item in reply[1]}
        # KEYS returns everything for a lone "*" without matching
        expected = set(keys) if p == b"*" else {k for k in keys if util.py_stringmatch(p, k)}
        assert got == expected, p


LIBRARY_NAMES = [b"ab", b"AB", b"aB", b"Ab_1", b"a_b", b"b9", b"Z", b"zz", b"A", b"a", b"_",
                 b"9", b"abab", b"BAbA", b"zZ_"]


@pytest.fixture
def redis_with_libraries(redis_factory):
    server = redis_factory()
    with server.raw() as conn:
        for i, name in enumerate(LIBRARY_NAMES):
            code = b"#!lua name=%s\nredis.register_function('f%d', function() return 1 end)" % (name, i)
            reply = conn.command("FUNCTION", "LOAD", code)
            assert reply == b"$%d\r\n%s\r\n" % (len(name), name), reply
    return server


@pytest.mark.needs_redis
@settings(max_examples=500)
@given(patterns=st.lists(text_from([b"a", b"A", b"b", b"B", b"z", b"Z", b"_", b"9", b"*", b"?",
                                    b"[", b"]", b"^", b"-", b"\\"], 7), min_size=1, max_size=5))
@example(patterns=[b"[Z-a]", b"[\\A]*", b"A*", b"[a-z]", b"*B*"])
def test_stringmatch_nocase_against_function_list(redis_with_libraries, patterns):
    with redis_with_libraries.raw() as conn:
        replies = pipeline(conn, [("FUNCTION", "LIST", "LIBRARYNAME", p) for p in patterns])
    for p, reply in zip(patterns, replies):
        got = {lib[1][1][1] for lib in reply[1]}
        expected = {n for n in LIBRARY_NAMES if util.py_stringmatch(p, n, nocase=True)}
        assert got == expected, p


MEM_TEXTS = [b"0", b"1", b"1b", b"1B", b"5k", b"5K", b"5kb", b"5kB", b"100m", b"100mb", b"1g", b"1gb",
             b"1GB", b"1Gb", b"", b"kb", b"b", b"99999999999999999999999", b"17179869184gb",
             b"17179869185gb", b"0" * 127 + b"7", b"0" * 126 + b"7", b"-1", b"-", b"+1", b" 1",
             b"1 ", b"1.5gb", b"1x", b"1kbb", b"1tb", b"0x10", b"1e3", b"18446744073709551615"]


@pytest.mark.needs_redis
def test_memtoull_against_config_maxmemory(redis_factory):
    server = redis_factory()
    with server.raw() as conn:
        cmds = []
        for t in MEM_TEXTS:
            cmds += [("CONFIG", "SET", "maxmemory", "0"), ("CONFIG", "SET", "maxmemory", t),
                     ("CONFIG", "GET", "maxmemory")]
        replies = pipeline(conn, cmds)
    for i, t in enumerate(MEM_TEXTS):
        set_reply, get_reply = replies[3 * i + 1], replies[3 * i + 2]
        expected = util.py_memtoull(t)
        if expected is None:
            assert is_error(set_reply), (t, set_reply)
            assert get_reply[1][1] == ("$", b"0"), t
        else:
            assert set_reply == ("+", b"OK"), (t, set_reply)
            assert get_reply[1][1] == ("$", str(expected).encode()), t
