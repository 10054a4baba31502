"""Redis's string primitives for the Python shell, in one place.

Integers, doubles, memory sizes and glob patterns are parsed (and numbers
printed) by the C code in ``rkvd._core.lib.util``, the code the engine itself
runs, so an argument means the same thing to a Python command as to a Cython
one. Every function accepts bytes, bytearray, memoryview or str; a str is
encoded as UTF-8 with surrogateescape, the lossless form the shell decodes
arguments with, so the C code sees the bytes the client sent.

Two C library routines Redis calls directly have no util counterpart and are
written here once: ``strtoll`` (with ``atoi`` on top of it) and ``strtod``.
Both read the longest valid prefix and leave the rest to the caller.
"""

import re

from rkvd._core.lib import util as _util

__all__ = [
    "LLONG_MIN", "LLONG_MAX", "ULLONG_MAX",
    "string2ll", "string2ull", "ll2string", "strtoll", "atoi", "to_int32",
    "string2d", "d2string", "ld2string", "strtod", "memtoull", "stringmatch",
]

LLONG_MIN, LLONG_MAX = -(1 << 63), (1 << 63) - 1
ULLONG_MAX = (1 << 64) - 1

# ld2string modes (util.pxd LD_STR_*)
LD_STR_AUTO, LD_STR_HUMAN, LD_STR_HEX = 0, 1, 2


def _b(s):
    """The bytes of an argument (str: UTF-8 with surrogateescape)."""
    if isinstance(s, str):
        return s.encode("utf-8", "surrogateescape")
    return s if type(s) is bytes else bytes(s)


# ---------------------------------------------------------------------------
# Integers

def string2ll(s):
    """Redis's strict signed 64-bit parse: the int, or None.

    Only "0" or an optional '-' then a digit 1-9 and more digits: "", "-",
    "-0", "+1", " 1", "1 ", "01" and anything out of range are refused.
    """
    return _util.py_string2ll(_b(s))


def string2ull(s):
    """Redis's unsigned 64-bit parse (string2ull): the int, or None.

    A strict string2ll first (a negative value there is refused); else libc
    strtoull, which also takes leading blanks, '+' and even '-' (" -1" is
    2**64-1). Reads up to a NUL byte.
    """
    return _util.py_string2ull(_b(s))


def ll2string(v):
    """The decimal text of a signed 64-bit integer, as bytes."""
    return _util.py_ll2string(v)


def to_int32(v):
    """A C (int) cast: the low 32 bits of v, as a signed value."""
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


_STRTOLL_PARTS = {
    (str, 10): re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]+)"),
    (str, 8): re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-7]+)"),
    (bytes, 10): re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)"),
    (bytes, 8): re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-7]+)"),
}


def strtoll(s, base=10):
    """C strtoll in base 10 or 8: (value, rest, overflowed).

    Leading blanks and a sign are skipped, digits are read up to the first
    other character, and `rest` is what follows (of the type of s; all of s
    when no digit was read, the value then being 0). An out-of-range value
    saturates at LLONG_MIN / LLONG_MAX with overflowed True, as errno=ERANGE.
    """
    if not isinstance(s, str):
        s = _b(s)
    m = _STRTOLL_PARTS[type(s), base].match(s)
    if not m:
        return 0, s, False
    v = int(m.group(2), base)
    if m.group(1) in ("-", b"-"):
        v = -v
    clamped = min(LLONG_MAX, max(LLONG_MIN, v))
    return clamped, s[m.end():], clamped != v


def atoi(s):
    """C atoi as glibc has it, (int) strtol(s, NULL, 10): leading blanks, a
    sign, digits up to the first non-digit; 0 when there are none. Values
    beyond 64 bits saturate first, then the cast keeps the low 32 bits."""
    return to_int32(strtoll(s)[0])


# ---------------------------------------------------------------------------
# Floating point

def string2d(s):
    """Redis's string2d: the whole text is a double (no blanks, no NaN, no
    overflow to infinity, no underflow to zero; "inf" is fine), else None."""
    return _util.py_string2d(_b(s))


def d2string(v):
    """Redis's d2string: "inf"/"-inf"/"nan", "-0", exact integers as
    integers, otherwise %.17g; as bytes."""
    return _util.py_d2string(v)


def ld2string(value, mode=LD_STR_HUMAN):
    """Redis's ld2string of a float, or of text parsed as a long double
    (full precision kept); as bytes, or None when the text does not parse."""
    if not isinstance(value, (int, float)):
        value = _b(value)
    return _util.py_ld2string(value, mode)


# The longest prefix C strtod reads: decimal, hexadecimal, inf/infinity or
# nan with an optional (chars) tail, each with an optional sign.
_STRTOD_PREFIX = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?)(?:"
    rb"(0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)"
    rb"|((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    rb"|(infinity|inf)"
    rb"|(nan(?:\([0-9a-zA-Z_]*\))?))", re.IGNORECASE)


def strtod(s):
    """C strtod(s, NULL): the double at the start of the text (up to a NUL
    byte), 0.0 when nothing parses; out-of-range values give +-inf or 0."""
    b = _b(s).split(b"\0", 1)[0]
    m = _STRTOD_PREFIX.match(b)
    if not m:
        return 0.0
    sign, hexa, dec, inf, _nan = m.groups()
    neg = sign == b"-"
    if hexa is not None:
        try:
            v = float.fromhex(hexa.decode())
        except OverflowError:
            v = float("inf")
    elif dec is not None:
        v = float(dec)
    elif inf is not None:
        v = float("inf")
    else:
        v = float("nan")
    return -v if neg else v


# ---------------------------------------------------------------------------
# Memory sizes

def memtoull(s):
    """Redis's memtoull: "1gb", "100mb", "5k", "42" as a byte count (k/m/g
    powers of 1000, kb/mb/gb of 1024, any case), else None. The text ends at
    a NUL byte; too many digits saturate and the multiplication wraps
    modulo 2**64, as in Redis."""
    return _util.py_memtoull(_b(s))


# ---------------------------------------------------------------------------
# Glob patterns

def stringmatch(pattern, s, nocase=False):
    """Redis's stringmatchlen glob: * ? [abc] [^a-z] and backslash escapes,
    over the full length of both (NUL bytes included). nocase folds ASCII
    only. It gives up early on patterns that cannot match (the "*?*?...!"
    kind), so its cost stays polynomial whatever the pattern."""
    return _util.py_stringmatch(_b(pattern), _b(s), bool(nocase))
