"""rkvd.strutil: the shell's one module of string primitives.

The C-backed functions are pinned in detail by tests/lib/test_util.py
(rkvd._core.lib.util, with differential tests against redis-server); here: the wrappers' argument
types and the edge cases each caller relies on, the pure-Python strtoll /
atoi / strtod against glibc itself (through ctypes), and a source check that
no second copy of these parsers or of the glob matcher creeps back into the
Python shell.
"""
import ctypes
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rkvd import strutil as S

LLONG_MIN, LLONG_MAX, ULLONG_MAX = -(2**63), 2**63 - 1, 2**64 - 1
RKVD = Path(__file__).resolve().parent.parent / "rkvd"

libc = ctypes.CDLL(None)
libc.strtoll.restype = ctypes.c_longlong
libc.strtoll.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]
libc.atoi.restype = ctypes.c_int
libc.atoi.argtypes = [ctypes.c_char_p]
libc.strtod.restype = ctypes.c_double
libc.strtod.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]


def as_types(b):
    """The same argument as each type the shell passes around."""
    return [b, bytearray(b), memoryview(b), b.decode("utf-8", "surrogateescape")]


# ----------------------------------------------------------------- integers --

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"-5", -5), (b"42", 42), (b"9223372036854775807", LLONG_MAX),
    (b"-9223372036854775808", LLONG_MIN), (b"9223372036854775808", None),
    (b"-9223372036854775809", None), (b"99999999999999999999", None), (b"1" * 21, None),
    (b"05", None), (b"00", None), (b"+5", None), (b" 5", None), (b"5 ", None), (b"", None),
    (b"-", None), (b"-0", None), (b"5\x00", None), (b"\xd9\xa3", None), (b"1e3", None),
])
def test_string2ll(text, value):
    for arg in as_types(text):
        assert S.string2ll(arg) == value, arg


@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"18446744073709551615", ULLONG_MAX), (b"18446744073709551616", None),
    (b"+7", 7), (b" 7", 7), (b"-1", None), (b" -1", ULLONG_MAX), (b"-01", ULLONG_MAX),
    (b"7x", None), (b"", None), (b"7\x00x", 7),
])
def test_string2ull(text, value):
    for arg in as_types(text):
        assert S.string2ull(arg) == value, arg


def test_ll2string():
    assert S.ll2string(LLONG_MIN) == b"-9223372036854775808"
    assert S.ll2string(0) == b"0"


@pytest.mark.parametrize("v, out", [
    (0, 0), (1, 1), (-1, -1), (2**31 - 1, 2**31 - 1), (2**31, -(2**31)), (2**32 + 5, 5),
    (LLONG_MAX, -1), (LLONG_MIN, 0),
])
def test_to_int32(v, out):
    assert S.to_int32(v) == out


@pytest.mark.parametrize("text, base, out", [
    ("12", 10, (12, "", False)), ("  -12x", 10, (-12, "x", False)), ("+7 ", 10, (7, " ", False)),
    ("", 10, (0, "", False)), ("x1", 10, (0, "x1", False)), ("-", 10, (0, "-", False)),
    ("- 1", 10, (0, "- 1", False)), ("007", 10, (7, "", False)), ("0x10", 10, (0, "x10", False)),
    ("99999999999999999999", 10, (LLONG_MAX, "", True)),
    ("-99999999999999999999", 10, (LLONG_MIN, "", True)),
    ("9223372036854775807", 10, (LLONG_MAX, "", False)),
    ("-9223372036854775808", 10, (LLONG_MIN, "", False)),
    ("777", 8, (511, "", False)), ("78", 8, (7, "8", False)), ("9", 8, (0, "9", False)),
    ("1\x00", 10, (1, "\x00", False)), ("\u0663", 10, (0, "\u0663", False)),
    (b"  12ab", 10, (12, b"ab", False)), (bytearray(b"3"), 10, (3, b"", False)),
])
def test_strtoll(text, base, out):
    assert S.strtoll(text, base) == out


@pytest.mark.parametrize("text, value", [
    (b"12", 12), (b" \t+12abc", 12), (b"-3", -3), (b"", 0), (b"abc", 0), (b"+-1", 0),
    (b"2147483647", 2147483647), (b"2147483648", -2147483648), (b"4294967297", 1),
    # strtol saturates first, then the cast to int keeps the low 32 bits
    (b"99999999999999999999", -1), (b"-99999999999999999999", 0), (b"1\x002", 1),
])
def test_atoi(text, value):
    for arg in as_types(text):
        assert S.atoi(arg) == value, arg
    assert libc.atoi(text) == value


C_NUMBER = st.lists(st.sampled_from([b" ", b"\t", b"+", b"-", b"0", b"1", b"7", b"8", b"9",
                                     b"x", b"\x00", b"9" * 19]), max_size=12).map(b"".join)


@settings(max_examples=500)
@given(text=C_NUMBER, base=st.sampled_from([8, 10]))
def test_strtoll_and_atoi_match_glibc(text, base):
    cstr = text.split(b"\0", 1)[0]        # C sees the text up to its first NUL
    end = ctypes.c_char_p()
    buf = ctypes.create_string_buffer(cstr)
    want = libc.strtoll(buf, ctypes.byref(end), base)
    consumed = ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf)
    value, rest, _ = S.strtoll(cstr, base)
    assert (value, len(cstr) - len(rest)) == (want, consumed)
    assert S.atoi(text) == libc.atoi(text)


# ------------------------------------------------------------------ doubles --

@pytest.mark.parametrize("text, value", [
    (b"1.5", 1.5), (b"-0", -0.0), (b"1e3", 1000.0), (b"inf", math.inf), (b"-inf", -math.inf),
    (b"+Infinity", math.inf), (b"0x1p3", 8.0), (b"1e-310", 1e-310),
    (b"nan", None), (b"", None), (b" 1", None), (b"1 ", None), (b"1e999", None),
    (b"1e-400", None), (b"0x1p99999", None), (b"1_0", None), (b"1\x00", None), (b"abc", None),
])
def test_string2d(text, value):
    for arg in as_types(text):
        got = S.string2d(arg)
        assert got == value and (value is None or math.copysign(1, got) == math.copysign(1, value))


def test_d2string_and_ld2string():
    assert S.d2string(3.0) == b"3" and S.d2string(-0.0) == b"-0" and S.d2string(0.5) == b"0.5"
    assert S.d2string(math.inf) == b"inf" and S.d2string(math.nan) == b"nan"
    assert S.ld2string(b"0.1") == b"0.1" and S.ld2string("10.50") == b"10.5"
    assert S.ld2string(1.5, S.LD_STR_AUTO) == b"1.5" and S.ld2string(b"x") is None


@pytest.mark.parametrize("text, value", [
    (b"1.5", 1.5), (b"  2.5xyz", 2.5), (b"-3", -3.0), (b"", 0.0), (b"abc", 0.0),
    (b"0x10", 16.0), (b"0x", 0.0), (b"0x1p3q", 8.0), (b"1e3", 1000.0), (b"1e", 1.0),
    (b"1e+", 1.0), (b".5", 0.5), (b"5.", 5.0), (b".", 0.0), (b"1_0", 1.0), (b"1\x002", 1.0),
    (b"inf", math.inf), (b"-Infinity", -math.inf), (b"infinit", math.inf),
    (b"1e999", math.inf), (b"-1e999", -math.inf), (b"0x1p99999", math.inf), (b"1e-999", 0.0),
])
def test_strtod(text, value):
    for arg in as_types(text):
        assert S.strtod(arg) == value, arg
    assert libc.strtod(text, None) == value


def test_strtod_nan_and_long_garbage():
    assert math.isnan(S.strtod(b"nan")) and math.isnan(S.strtod(b"-nan(12)x"))
    assert S.strtod(b"a" * 1_000_000) == 0.0          # linear, not one float() per prefix


C_DOUBLE = st.lists(st.sampled_from([b" ", b"+", b"-", b"0", b"1", b"9", b".", b"e", b"E",
                                     b"x", b"p", b"a", b"f", b"inf", b"nan", b"(", b")",
                                     b"_", b"\x00"]), max_size=12).map(b"".join)


@settings(max_examples=500)
@given(text=C_DOUBLE)
def test_strtod_matches_glibc(text):
    want = libc.strtod(text, None)
    got = S.strtod(text)
    assert got == want or (math.isnan(got) and math.isnan(want)), text


# ----------------------------------------------------------------- memtoull --

@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"42", 42), (b"1k", 1000), (b"1kb", 1024), (b"1KB", 1024), (b"1m", 10 ** 6),
    (b"1mb", 1 << 20), (b"1g", 10 ** 9), (b"1gb", 1 << 30), (b"2b", 2), (b"", 0), (b"007", 7),
    (b"99999999999999999999", ULLONG_MAX),           # strtoull saturates
    (b"17179869184gb", 0),                            # and the multiply wraps
    (b"5\x00junk", 5),                                # a C string: ends at NUL
    (b"-1", None), (b"+1", None), (b" 1", None), (b"1 kb", None), (b"1.5", None),
    (b"0x10", None), (b"1tb", None), (b"\xef\xbc\x91", None),
])
def test_memtoull(text, value):
    for arg in as_types(text):
        assert S.memtoull(arg) == value, arg


# --------------------------------------------------------------------- glob --

@pytest.mark.parametrize("pattern, name, hit", [
    ("*", "port", True), ("po*", "port", True), ("PO*", "port", True),
    ("p?rt", "port", True), ("p[o]rt", "port", True), ("p[^o]rt", "port", False),
    ("p[a-z]rt", "port", True), ("p[z-a]rt", "port", True), ("*of", "replicaof", True),
    ("slave*", "replica-read-only", False), ("p\\ort", "port", True), ("*x*", "port", False),
    ("port*", "port", True), ("port?", "port", False),
    ("[Z-a]ort", "port", False),        # Redis orders the range, then folds: empty
    ("[\\P]ort", "port", False),        # an escaped class member never folds
    ("client|*", "CLIENT|ID", True), ("get\0", "get", False), ("get\0*", "get\0x", True),
])
def test_stringmatch_nocase(pattern, name, hit):
    assert S.stringmatch(pattern, name, nocase=True) is hit
    assert S.stringmatch(pattern.encode(), bytearray(name.encode()), True) is hit


def test_stringmatch_case_and_bytes():
    assert S.stringmatch(b"PORT", b"port") is False
    assert S.stringmatch(b"PORT", b"port", nocase=1) is True
    assert S.stringmatch(memoryview(b"h[\xc3]*"), "h\udcc3\udca9") is True   # surrogateescape


@pytest.mark.timeout(30)
def test_stringmatch_gives_up_on_hopeless_patterns():
    # Each "*?" would multiply the work without the give-up rule; these
    # return at once with it (and would take hours without).
    for n in (7, 20, 200):
        assert S.stringmatch("*?" * n + "!", "replica-serve-stale-data", nocase=True) is False
        assert S.stringmatch(b"*?" * n + b"!", b"x" * 300) is False


# ------------------------------------------------------------ one copy each --

# A function by one of these names defined outside strutil.py is a second
# copy of a primitive (the glob matcher or a Redis/C number parser).
_PRIMITIVES = re.compile(
    r"^\s*def\s+(_*(?:string2ll|string2ull|string2d|string2ld|strtoll|strtol|strtod|atoi|"
    r"memtoull|stringmatch\w*|match|glob\w*|int32|to_int32))\s*\(", re.M)


def test_no_second_copy_of_the_primitives():
    found = []
    for path in sorted(RKVD.glob("*.py")):
        if path.name == "strutil.py":
            continue
        found += [f"{path.name}: {m.group(1)}" for m in _PRIMITIVES.finditer(path.read_text())]
    assert not found, "use rkvd.strutil instead of: " + ", ".join(found)
