"""Listpacks (rkvd._core.lib.listpack) against redis-server and a Python model.

* Layout: a private redis-server 7.0.15 (rdbcompression off) builds hashes,
  lists and sorted sets; DUMP carries their listpack unchanged, and building
  the same elements here must give the same bytes: every integer width, the
  three string headers, 1-4 byte back-lengths (with their off-by-one
  thresholds), the "string that is an integer" rule, and the element count
  saturating at 65535.
* Behaviour: a hypothesis state machine against a Python list (insert,
  replace, delete, ranges, batch delete, merge, find, seek), with deep
  validation, both walking directions and the exact bytes after every step.
* Validation: fixed and generated corrupt blobs against a model validator
  written from the format, and against RESTORE with sanitize-dump-payload
  yes; walking an unvalidated corrupt blob aborts instead of reading wild.
"""
import itertools
import math
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import support
from native.listpack import ListpackForTest as LP
from native.listpack import py_decode_backlen, py_encode_backlen, py_int64_to_string, py_random_seed, py_string_to_int64
from support import encode_command, parse_reply

BEFORE, AFTER, REPLACE = 0, 1, 2
I64 = (-(2**63), 2**63 - 1)
UNKNOWN = 65535
RDB_TYPE_HASH_LISTPACK = 16
RDB_TYPE_ZSET_LISTPACK = 17
RDB_TYPE_LIST_QUICKLIST_2 = 18
QUICKLIST_PACKED = 2


BOUNDARY_INTS = [
    0, 1, 127, 128, -1, -128, 4095, 4096, -4096, -4097, 32767, 32768, -32768, -32769,
    2**23 - 1, 2**23, -(2**23), -(2**23) - 1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1,
    2**63 - 1, -(2**63),
]
# strings that look numeric but are not canonical int64 text
NEAR_INTS = [b"", b"-", b"007", b"00", b"-0", b"+1", b" 1", b"1 ", b"1.0", b"0x10", b"1e3",
             b"9223372036854775808", b"-9223372036854775809", b"99999999999999999999",
             b"123456789012345678901", b"\x001"]


# ------------------------------------------------------------------ model --

def as_stored(v):
    """What reading v back gives: canonical int64 text comes back as an int."""
    if isinstance(v, bytes) and len(v) <= 20 and re.fullmatch(rb"0|-?[1-9][0-9]*", v):
        n = int(v)
        if I64[0] <= n <= I64[1]:
            return n
    return v


def enc_int(v):
    if 0 <= v <= 127:
        return bytes([v])
    if -4096 <= v <= 4095:
        u = v & 0x1FFF
        return bytes([0xC0 | (u >> 8), u & 0xFF])
    for tag, bits in ((0xF1, 16), (0xF2, 24), (0xF3, 32), (0xF4, 64)):
        if -(1 << (bits - 1)) <= v < (1 << (bits - 1)):
            return bytes([tag]) + (v & ((1 << bits) - 1)).to_bytes(bits // 8, "little")
    raise OverflowError(v)


def enc_str(s):
    n = len(s)
    if n < 64:
        return bytes([0x80 | n]) + s
    if n < 4096:
        return bytes([0xE0 | (n >> 8), n & 0xFF]) + s
    return b"\xf0" + n.to_bytes(4, "little") + s


def backlen_size(n):
    for size, limit in ((1, 128), (2, 16383), (3, 2097151), (4, 268435455)):
        if n < limit:
            return size
    return 5


def enc_backlen(n):
    # 7-bit groups, most significant first; all but the first flagged
    size = backlen_size(n)
    groups = [(n >> (7 * i)) & 127 for i in reversed(range(size))]
    return bytes([groups[0]] + [g | 128 for g in groups[1:]])


def enc_entry(v):
    v = as_stored(v)
    body = enc_int(v) if isinstance(v, int) else enc_str(v)
    return body + enc_backlen(len(body))


def ref_listpack(values, count=None):
    body = b"".join(enc_entry(v) for v in values)
    n = min(len(values) if count is None else count, UNKNOWN)
    return (7 + len(body)).to_bytes(4, "little") + n.to_bytes(2, "little") + body + b"\xff"


def ref_parse(b):
    """The elements of b if Redis's deep validation accepts it, else None."""
    size = len(b)
    if size < 7 or int.from_bytes(b[:4], "little") != size or b[-1] != 0xFF:
        return None
    numele = int.from_bytes(b[4:6], "little")
    last = size - 1
    off, out = 6, []
    while b[off] != 0xFF:
        tag = b[off]
        if tag < 0xE0 or 0xF1 <= tag <= 0xF4:
            hdr = 1
        elif tag < 0xF0:
            hdr = 2
        elif tag == 0xF0:
            hdr = 5
        else:
            return None
        if off + hdr > last:
            return None
        if tag < 0x80:
            enc, val = 1, tag
        elif tag < 0xC0:
            enc = 1 + (tag & 0x3F)
        elif tag < 0xE0:
            enc = 2
        elif tag < 0xF0:
            enc = 2 + (((tag & 0x0F) << 8) | b[off + 1])
        elif tag == 0xF0:
            enc = 5 + int.from_bytes(b[off + 1:off + 5], "little")
        else:
            enc = {0xF1: 3, 0xF2: 4, 0xF3: 5, 0xF4: 9}[tag]
        bl = backlen_size(enc)
        if off + enc + bl > last:
            return None
        # back-length read right to left, at most 5 bytes
        end, decoded = off + enc + bl - 1, None
        acc = 0
        for i in range(5):
            byte = b[end - i]
            acc |= (byte & 127) << (7 * i)
            if not byte & 128:
                decoded = acc
                break
        if decoded != enc:
            return None
        if 0x80 <= tag < 0xC0 or 0xE0 <= tag <= 0xF0:
            out.append(bytes(b[off + hdr:off + enc]))
        elif tag >= 0x80:
            bits = 13 if tag < 0xE0 else (enc - 1) * 8
            u = (((tag & 0x1F) << 8) | b[off + 1]) if tag < 0xE0 else \
                int.from_bytes(b[off + 1:off + enc], "little")
            out.append(u - (1 << bits) if u >> (bits - 1) else u)
        else:
            out.append(val)
        off += enc + bl
    if off != last:
        return None
    if numele != UNKNOWN and numele != len(out):
        return None
    return out


def build(values):
    lp = LP()
    for v in values:
        lp.append(v)
    return lp


def text(v):
    return str(v).encode() if isinstance(v, int) else v


# ------------------------------------------------------------- encodings --

@pytest.mark.parametrize("s", [str(v).encode() for v in BOUNDARY_INTS] + NEAR_INTS)
def test_string_to_int_rule(s):
    expect = as_stored(s)
    assert py_string_to_int64(s) == (expect if isinstance(expect, int) else None)
    lp = build([s])
    assert lp.items() == [expect] and lp.tobytes() == ref_listpack([s])


@settings(max_examples=300)
@given(st.one_of(st.binary(max_size=22), st.integers(-(2**65), 2**65).map(lambda i: str(i).encode()),
                 st.text("-0123456789", max_size=21).map(str.encode)))
def test_string_to_int_rule_generated(s):
    expect = as_stored(s)
    assert py_string_to_int64(s) == (expect if isinstance(expect, int) else None)


@settings(max_examples=300)
@given(st.one_of(st.sampled_from(BOUNDARY_INTS), st.integers(*I64)))
def test_integer_encodings(v):
    lp = LP()
    lp.append(v)
    lp.prepend(text(v))
    assert lp.items() == [v, v] and lp.tobytes() == ref_listpack([v, v])
    assert lp.get_str(0) == py_int64_to_string(v) == str(v).encode()
    assert lp.get_value(-1) == ("int", v)
    assert lp.entry_size(0) == len(enc_entry(v))


@pytest.mark.parametrize("n", [0, 1, 62, 63, 64, 65, 125, 126, 127, 4093, 4094, 4095, 4096,
                               16376, 16377, 16378, 16379, 70000])
def test_string_encodings(n):
    s = bytes(i % 251 for i in range(n))
    lp = build([s, 7])
    assert lp.items() == [s, 7] and lp.items_reversed() == [7, s]
    assert lp.tobytes() == ref_listpack([s, 7])
    assert lp.get_value(0) == ("str", s) and lp.get_str(0) == s
    assert lp.entry_size(0) == len(enc_entry(s)) and lp.validate()


@pytest.mark.parametrize("n", [0, 1, 127, 128, 16382, 16383, 16384, 2097150, 2097151, 2097152,
                               268435454, 268435455, 268435456, 2**32 + 4])
def test_backlen(n):
    b = py_encode_backlen(n)
    assert b == enc_backlen(n) and len(b) == backlen_size(n)
    assert py_decode_backlen(b) == n
    assert py_decode_backlen(b"\x81" * 5) is None


def test_empty_and_basic_walks():
    lp = LP()
    assert lp.tobytes() == b"\x07\x00\x00\x00\x00\x00\xff"
    assert len(lp) == 0 and lp.items() == [] and lp.items_reversed() == []
    assert lp.seek(0) is None and lp.seek(-1) is None and lp.validate()
    assert lp.find(b"x") is None
    lp.prepend(b"b")
    lp.prepend(b"a")
    lp.append(3)
    assert lp.items() == [b"a", b"b", 3]
    assert [lp.seek(i) for i in range(-4, 4)] == [None, b"a", b"b", 3, b"a", b"b", 3, None]
    with pytest.raises(TypeError):
        lp.append("text")
    with pytest.raises(OverflowError):
        lp.append(2**63)


def test_insert_replace_delete_report_positions():
    lp = build([b"a", b"b", b"c"])
    assert lp.insert(1, b"x", BEFORE) == 1
    assert lp.insert(-1, b"y", AFTER) == 4          # after the last element
    assert lp.insert(0, 77, REPLACE) == 0
    assert lp.items() == [77, b"x", b"b", b"c", b"y"]
    assert lp.replace(2, b"z" * 100) == 2
    assert lp.delete(4) is None                     # last: no successor
    assert lp.delete(0) == 0
    assert lp.items() == [b"x", b"z" * 100, b"c"]
    assert lp.delete_range_with_entry(1, 10) is None
    assert lp.items() == [b"x"] and lp.tobytes() == ref_listpack([b"x"])


def test_find_with_skip_and_compare():
    # field/value layout: values must never match a field lookup
    lp = build([b"a", b"1", b"1", b"b", b"c", b"-7", b"x" * 40, b"d"])
    assert lp.find(b"1", skip=1) == 2
    assert lp.find(b"1") == 1
    assert lp.find(b"b", skip=1) is None
    assert lp.find(b"-7", skip=1) is None and lp.find(b"-7") == 5
    assert lp.find(b"c", skip=1) == 4 and lp.find(b"c", skip=1, start=6) is None
    assert lp.find(b"x" * 40, skip=1) == 6
    assert lp.find(b"01") is None and lp.find(b"d", skip=2, start=1) == 7
    assert lp.compare(1, b"1") and not lp.compare(1, b"01") and not lp.compare(0, b"b")
    assert lp.compare(5, b"-7") and lp.compare(6, b"x" * 40)


@pytest.mark.parametrize("index,num", [(0, 1), (0, 100), (2, 3), (-1, 1), (-3, 2), (-3, 10),
                                       (5, 1), (9, 1), (10, 1), (-11, 1), (-10, 4), (3, 0)])
@pytest.mark.parametrize("saturated", [False, True])
def test_delete_range(index, num, saturated):
    values = list(range(10))
    lp = build(values)
    if saturated:
        # a listpack whose header no longer knows its count
        raw = bytearray(lp.tobytes())
        raw[4:6] = UNKNOWN.to_bytes(2, "little")
        lp = LP.from_bytes(bytes(raw))
    lp.delete_range(index, num)
    if -10 <= index < 10:
        start = index % 10
        del values[start:start + num]
    assert lp.items() == values and lp.validate()
    assert lp.items_reversed() == values[::-1]
    assert len(lp) == len(values) and lp.header_count == len(values)


def test_batch_delete():
    values = [b"v%d" % i if i % 3 else i * 1000 for i in range(40)]
    lp = build(values)
    doomed = {0, 1, 2, 7, 20, 21, 38, 39}
    lp.batch_delete(doomed)
    rest = [v for i, v in enumerate(values) if i not in doomed]
    assert lp.items() == [as_stored(v) for v in rest] and lp.tobytes() == ref_listpack(rest)


def test_count_saturates_and_is_recounted():
    n = 65536
    lp = LP()
    for i in range(n - 2):
        lp.append(i % 200)
    assert lp.header_count == n - 2
    lp.append(b"x")
    assert lp.header_count == UNKNOWN               # 65535 is "unknown"
    lp.append(b"y")
    assert lp.header_count == UNKNOWN and len(lp) == n and lp.header_count == UNKNOWN
    assert lp.validate() and lp.seek(-1) == b"y" and lp.seek(n - 2) == b"x" and lp.seek(n) is None
    assert lp.seek(-n) == 0 and lp.seek(-n - 1) is None
    lp.delete(0)
    lp.delete(-1)
    assert lp.header_count == UNKNOWN               # deletes cannot count while unknown
    assert len(lp) == n - 2 and lp.header_count == n - 2   # lp_length stores the count back
    assert lp.tobytes() == ref_listpack([i % 200 for i in range(1, n - 2)] + [b"x"])


@pytest.mark.parametrize("first,second", [(5, 3), (3, 5), (0, 4), (4, 0), (40000, 40000)])
def test_merge(first, second):
    a_vals = [b"a%d" % i for i in range(first)]
    b_vals = [i * 3 for i in range(second)]
    a, b = build(a_vals), build(b_vals)
    a.merge(b)
    merged = a_vals + b_vals
    assert len(b) == 0 and b.validate()
    assert a.validate() and a.header_count == min(len(merged), UNKNOWN)
    assert a.tobytes() == ref_listpack(merged)
    assert len(a) == len(merged) and a.items()[-3:] == merged[-3:]


def test_shrink_and_capacity():
    lp = LP(4096)
    assert lp.alloc_size >= 4096 and lp.nbytes == 7
    lp.append(b"x" * 100)
    lp.shrink_to_fit()
    assert lp.alloc_size < 4096 and lp.items() == [b"x" * 100]
    assert lp.safe_to_add(1 << 20) and not lp.safe_to_add(1 << 30)


# ---------------------------------------------------------------- random --

def test_random_pair_covers_all_pairs():
    py_random_seed(12345)
    pairs = [(b"f%d" % i, i * 1000) for i in range(5)] + [(7, b"seven")]
    lp = build([x for kv in pairs for x in kv])
    seen = {lp.random_pair() for _ in range(600)}
    assert seen == set(pairs)


def test_random_pairs_repeats_in_random_order():
    py_random_seed(99)
    pairs = [(b"k%d" % i, b"v%d" % i) for i in range(4)]
    lp = build([x for kv in pairs for x in kv])
    got = lp.random_pairs(2000)
    assert len(got) == 2000 and set(got) == set(pairs)
    order = [pairs.index(p) for p in got]
    assert order != sorted(order)                   # not in listpack order
    assert lp.random_pairs(1)[0] in pairs and lp.random_pairs(0) == []
    with pytest.raises(MemoryError):
        LP().random_pairs(3)                        # nothing to pick from


def test_random_pairs_unique_is_uniform_subset():
    py_random_seed(7)
    pairs = [(b"k%d" % i, i) for i in range(5)]
    lp = build([x for kv in pairs for x in kv])
    assert lp.random_pairs_unique(10) == pairs      # capped, in listpack order
    counts = dict.fromkeys(pairs, 0)
    for _ in range(3000):
        got = lp.random_pairs_unique(2)
        assert len(got) == 2 and got[0] != got[1]
        assert [pairs.index(p) for p in got] == sorted(pairs.index(p) for p in got)
        for p in got:
            counts[p] += 1
    assert all(0.33 < c / 3000 < 0.47 for c in counts.values()), counts
    assert LP().random_pairs_unique(3) == []


# ---------------------------------------------------- model state machine --

sizes_of_interest = [60, 61, 62, 63, 64, 65, 125, 126, 127, 128, 4090, 4093, 4095, 4096, 4100,
                     16376, 16377, 16378, 16379]
values = st.one_of(
    st.integers(-200, 200),
    st.integers(-70000, 70000),
    st.integers(*I64),
    st.sampled_from(BOUNDARY_INTS),
    st.integers(*I64).map(lambda i: str(i).encode()),
    st.sampled_from(NEAR_INTS),
    st.binary(max_size=70),
    st.tuples(st.sampled_from(sizes_of_interest), st.integers(0, 255)).map(lambda t: bytes([t[1]]) * t[0]),
)


class ListpackMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.lp = LP()
        self.model = []

    def _index(self, data, slack=0):
        n = len(self.model)
        return data.draw(st.integers(-n - slack, n - 1 + slack), label="index")

    @rule(v=values)
    def append(self, v):
        self.lp.append(v)
        self.model.append(as_stored(v))

    @rule(vs=st.lists(values, min_size=1, max_size=8))
    def extend(self, vs):
        # keeps the list long enough for the deleting rules to bite
        for v in vs:
            self.lp.append(v)
        self.model += [as_stored(v) for v in vs]

    @rule(v=values)
    def prepend(self, v):
        self.lp.prepend(v)
        self.model.insert(0, as_stored(v))

    @precondition(lambda self: self.model)
    @rule(data=st.data(), v=values, where=st.sampled_from([BEFORE, AFTER, REPLACE]))
    def insert(self, data, v, where):
        i = self._index(data)
        pos = i % len(self.model)
        got = self.lp.insert(i, v, where)
        if where == REPLACE:
            self.model[pos] = as_stored(v)
        else:
            pos += where == AFTER
            self.model.insert(pos, as_stored(v))
        assert got == pos

    @precondition(lambda self: self.model)
    @rule(data=st.data(), v=values)
    def replace(self, data, v):
        i = self._index(data)
        self.model[i % len(self.model)] = as_stored(v)
        assert self.lp.replace(i, v) == i % len(self.model)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def delete(self, data):
        i = self._index(data)
        pos = i % len(self.model)
        del self.model[pos]
        assert self.lp.delete(i) == (pos if pos < len(self.model) else None)

    @rule(data=st.data(), num=st.integers(0, 6))
    def delete_range(self, data, num):
        i = self._index(data, slack=2)
        self.lp.delete_range(i, num)
        n = len(self.model)
        if -n <= i < n:
            del self.model[i % n:i % n + num]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), num=st.integers(1, 6))
    def delete_range_with_entry(self, data, num):
        pos = self._index(data) % len(self.model)
        del self.model[pos:pos + num]
        assert self.lp.delete_range_with_entry(pos, num) == (pos if pos < len(self.model) else None)

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def batch_delete(self, data):
        doomed = data.draw(st.sets(st.integers(0, len(self.model) - 1), max_size=5))
        self.lp.batch_delete(doomed)
        self.model = [v for i, v in enumerate(self.model) if i not in doomed]

    @rule(vs=st.lists(values, max_size=6))
    def merge(self, vs):
        other = build(vs)
        self.lp.merge(other)
        self.model += [as_stored(v) for v in vs]
        assert len(other) == 0 and other.validate()

    @rule()
    def shrink(self):
        self.lp.shrink_to_fit()

    @rule(data=st.data(), skip=st.integers(0, 3))
    def find(self, data, skip):
        n = len(self.model)
        if n and data.draw(st.booleans()):
            s = text(self.model[data.draw(st.integers(0, n - 1))])
        else:
            s = text(data.draw(values))
        start = data.draw(st.integers(0, n))
        want = next((j for j in range(start, n, skip + 1) if self.model[j] == as_stored(s)), None)
        assert self.lp.find(s, skip=skip, start=start) == want
        if start < n:
            assert self.lp.compare(start, s) == (self.model[start] == as_stored(s))

    @rule(data=st.data())
    def seek(self, data):
        i = self._index(data, slack=3)
        n = len(self.model)
        assert self.lp.seek(i) == (self.model[i] if -n <= i < n else None)

    @invariant()
    def matches_model(self):
        assert self.lp.validate()
        assert len(self.lp) == len(self.model) == self.lp.header_count
        assert self.lp.items() == self.model
        assert self.lp.items_reversed() == self.model[::-1]
        assert self.lp.tobytes() == ref_listpack(self.model)


TestListpackMachine = ListpackMachine.TestCase
TestListpackMachine.settings = settings(max_examples=100, stateful_step_count=50)


# ------------------------------------------------------------ validation --

GOOD = ref_listpack([1, b"abc", -5000, b"y" * 70, 2**40])
_first_backlen = 6 + 1                               # after the 1-byte entry "1"

CORRUPT = {
    "empty": b"",
    "short": b"\x06\x00\x00\x00\x00\x00",
    "total-too-big": b"\x08\x00\x00\x00\x00\x00\xff",
    "total-too-small": (len(GOOD) - 1).to_bytes(4, "little") + GOOD[4:],
    "no-terminator": GOOD[:-1] + b"\x00",
    "count-high": GOOD[:4] + b"\x06\x00" + GOOD[6:],
    "count-low": GOOD[:4] + b"\x04\x00" + GOOD[6:],
    "bad-backlen": GOOD[:_first_backlen] + b"\x02" + GOOD[_first_backlen + 1:],
    "entry-past-end": b"\x0a\x00\x00\x00\x01\x00\x85ab\xff",
    "unknown-tag": b"\x09\x00\x00\x00\x01\x00\xf5\x01\xff",
    "early-terminator": b"\x0b\x00\x00\x00\x01\x00\x01\x01\xff\x00\xff",
    "huge-32bit-len": b"\x0e\x00\x00\x00\x01\x00\xf0\xff\xff\xff\xff\x01\x01\xff",
    "12bit-header-at-end": b"\x08\x00\x00\x00\x01\x00\xe0\xff",
    # the back-length byte and the payload before it all claim "more bytes"
    "long-backlen": b"\x0d\x00\x00\x00\x01\x00\x84\x81\x81\x81\x81\x81\xff",
    "int-past-end": b"\x0a\x00\x00\x00\x01\x00\xf4\x01\x02\xff",
}


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_fixed_corrupt_blobs_rejected(name):
    b = CORRUPT[name]
    assert ref_parse(b) is None
    assert not LP.validate_blob(b)
    with pytest.raises(ValueError):
        LP.from_bytes(b)


def test_good_blob_round_trip():
    assert ref_parse(GOOD) == [1, b"abc", -5000, b"y" * 70, 2**40]
    lp = LP.from_bytes(GOOD)
    assert lp.items() == ref_parse(GOOD) and lp.tobytes() == GOOD
    # a saturated count is not checked
    unknown = GOOD[:4] + b"\xff\xff" + GOOD[6:]
    assert LP.validate_blob(unknown) and len(LP.from_bytes(unknown)) == 5


def _patched_total(b):
    b = bytearray(b)
    if len(b) >= 4:
        b[:4] = len(b).to_bytes(4, "little")
    return bytes(b)


@st.composite
def mutated_blobs(draw):
    base = ref_listpack(draw(st.lists(values, max_size=6)))
    b = bytearray(base)
    kind = draw(st.sampled_from(["flip", "flip", "truncate", "truncate-fix", "insert", "cut",
                                 "count", "terminate"]))
    if kind == "flip":
        for _ in range(draw(st.integers(1, 3))):
            b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(0, 255))
    elif kind == "truncate":
        b = b[:draw(st.integers(0, len(b) - 1))]
    elif kind == "truncate-fix":
        b = b[:draw(st.integers(7, len(b)))]
        b[-1] = 0xFF
        b = bytearray(_patched_total(b))
    elif kind == "insert":
        at = draw(st.integers(6, len(b) - 1))
        b[at:at] = draw(st.binary(min_size=1, max_size=6))
        b = bytearray(_patched_total(b))
    elif kind == "cut":
        at = draw(st.integers(6, len(b) - 1))
        del b[at:at + draw(st.integers(1, 6))]
        b = bytearray(_patched_total(b)) if len(b) >= 7 else b
    elif kind == "count":
        b[4:6] = draw(st.integers(0, 65535)).to_bytes(2, "little")
    else:
        # a terminator where an entry should start
        b[draw(st.integers(6, len(b) - 1))] = 0xFF
    return bytes(b)


@settings(max_examples=500)
@given(mutated_blobs())
def test_validation_matches_model(b):
    parsed = ref_parse(b)
    assert LP.validate_blob(b) == (parsed is not None)
    shallow = len(b) >= 7 and int.from_bytes(b[:4], "little") == len(b) and b[-1] == 0xFF
    assert LP.validate_blob(b, deep=False) == shallow
    if parsed is None:
        with pytest.raises(ValueError):
            LP.from_bytes(b)
    else:
        lp = LP.from_bytes(b)
        assert lp.items() == parsed and lp.items_reversed() == parsed[::-1]
        assert len(lp) == len(parsed)


def test_walking_corrupt_blob_aborts():
    # passes the shallow check only: walking it must stop at the bad entry
    bad = CORRUPT["bad-backlen"]
    assert LP.validate_blob(bad, deep=False)
    script = textwrap.dedent(f"""
        from native.listpack import ListpackForTest
        ListpackForTest.from_bytes({bad!r}, validate=False).items()
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(support.REPO_ROOT / "tests"),
                                                       str(support.REPO_ROOT)]))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=30)
    assert proc.returncode == -signal.SIGABRT, proc
    assert b"listpack corrupted" in proc.stderr


# ---------------------------------------------------------- against Redis --

def rdb_len(buf, pos):
    """(value, is_special_encoding, next position) of an RDB length."""
    first = buf[pos]
    kind = first >> 6
    if kind == 0:
        return first & 0x3F, False, pos + 1
    if kind == 1:
        return ((first & 0x3F) << 8) | buf[pos + 1], False, pos + 2
    if kind == 3:
        return first & 0x3F, True, pos + 1
    if first == 0x80:
        return int.from_bytes(buf[pos + 1:pos + 5], "big"), False, pos + 5
    assert first == 0x81, f"bad RDB length byte {first:#x}"
    return int.from_bytes(buf[pos + 1:pos + 9], "big"), False, pos + 9


def rdb_string(buf, pos):
    n, special, pos = rdb_len(buf, pos)
    assert not special, "expected a plain string (rdbcompression no)"
    return buf[pos:pos + n], pos + n


def rdb_encode_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + n.to_bytes(4, "big")


def _crc64_table():
    poly = 0x95AC9329AC4BC9B5          # Jones polynomial, bit-reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


CRC64_TABLE = _crc64_table()


def crc64(data):
    crc = 0
    for b in data:
        crc = CRC64_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def dump_payload(body, version=10):
    data = body + version.to_bytes(2, "little")
    return data + crc64(data).to_bytes(8, "little")


def listpacks_from_dump(dump):
    """(RDB type, [listpack blobs]) of a DUMP reply for a listpack-backed key."""
    kind = dump[0]
    if kind in (RDB_TYPE_HASH_LISTPACK, RDB_TYPE_ZSET_LISTPACK):
        blob, pos = rdb_string(dump, 1)
        blobs = [blob]
    else:
        assert kind == RDB_TYPE_LIST_QUICKLIST_2, f"unexpected RDB type {kind}"
        nodes, _, pos = rdb_len(dump, 1)
        blobs = []
        for _ in range(nodes):
            container, _, pos = rdb_len(dump, pos)
            assert container == QUICKLIST_PACKED
            blob, pos = rdb_string(dump, pos)
            blobs.append(blob)
    assert len(dump) == pos + 10, "trailing bytes after the object"
    return kind, blobs


@pytest.fixture(scope="module")
def lp_redis(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    server = support.ServerProcess(
        [support.REDIS_SERVER], "redis-listpack", tmp_path_factory.mktemp("redis-listpack"),
        extra_args=["--rdbcompression", "no", "--sanitize-dump-payload", "yes",
                    "--hash-max-listpack-entries", "100000", "--hash-max-listpack-value", "4000000",
                    "--zset-max-listpack-entries", "1000", "--zset-max-listpack-value", "1000"])
    server.start()
    conn = server.raw(timeout=30)
    yield conn
    conn.close()
    server.kill()


_keys = itertools.count()


def run(conn, *commands):
    conn.send(b"".join(encode_command(*c) for c in commands))
    return [parse_reply(r) for r in conn.read_replies(len(commands))]


def dump(conn, key):
    (kind, payload), = run(conn, ("DUMP", key))
    assert kind == "$" and payload is not None
    assert crc64(payload[:-8]) == int.from_bytes(payload[-8:], "little")
    return listpacks_from_dump(payload)


HASH_VALUES = (
    [str(v).encode() for v in BOUNDARY_INTS] + NEAR_INTS
    + [b"a" * n for n in (62, 63, 64, 125, 126, 127, 4094, 4095, 4096, 16377, 16378)]
    + [bytes(range(256)), b"\xff" * 10]
)


@pytest.mark.needs_redis
def test_crc64_matches_redis(lp_redis):
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


@pytest.mark.needs_redis
def test_hash_every_encoding_matches_redis(lp_redis):
    key = f"h{next(_keys)}"
    flat = [x for i, v in enumerate(HASH_VALUES) for x in (b"f%d" % i, v)]
    run(lp_redis, ("HSET", key, *flat))
    kind, (blob,) = dump(lp_redis, key)
    assert kind == RDB_TYPE_HASH_LISTPACK
    assert build(flat).tobytes() == blob == ref_listpack(flat)


@pytest.mark.needs_redis
@pytest.mark.parametrize("n", [2097145, 2097146])    # entry 2097150 / 2097151: 3 / 4 byte backlen
def test_hash_huge_value_matches_redis(lp_redis, n):
    key = f"h{next(_keys)}"
    value = bytes(i % 256 for i in range(n))
    run(lp_redis, ("HSET", key, b"k", value, b"n", 5))
    _, (blob,) = dump(lp_redis, key)
    assert build([b"k", value, b"n", 5]).tobytes() == blob


@pytest.mark.needs_redis
def test_hash_updates_match_redis(lp_redis):
    key = f"h{next(_keys)}"
    lp = LP()
    fields = {}

    def hset(field, value):
        run(lp_redis, ("HSET", key, field, value))
        i = lp.find(field, skip=1)
        if i is None:
            lp.append(field)
            lp.append(value)
        else:
            assert lp.replace(i + 1, value) == i + 1
        fields[field] = value

    def hdel(field):
        (_, n), = run(lp_redis, ("HDEL", key, field))
        i = lp.find(field, skip=1)
        assert (i is not None) == (n == 1)
        if i is not None:
            lp.delete_range_with_entry(i, 2)
            len(lp)                                 # HDEL checks for an emptied hash

    for i in range(20):
        hset(b"f%d" % i, i * 1000)
    for i in range(0, 20, 3):
        hset(b"f%d" % i, b"s" * (i * 7))            # int -> short/long string
    hset(b"f1", b"0")
    hset(b"f2", b"-0")
    hset(b"100", b"100")                            # a value equal to a field name
    for f in (b"f4", b"f19", b"100", b"nope", b"f0"):
        hdel(f)
    hset(b"f4", b"back")
    _, (blob,) = dump(lp_redis, key)
    assert lp.tobytes() == blob and lp.validate()


@pytest.mark.needs_redis
def test_hash_count_saturation_matches_redis(lp_redis):
    key = f"h{next(_keys)}"
    nfields = 32768                                 # 65536 entries
    flat = [x for i in range(nfields) for x in (b"f%d" % i, i)]
    run(lp_redis, ("HSET", key, *flat))
    _, (blob,) = dump(lp_redis, key)
    lp = build(flat)
    assert blob[4:6] == b"\xff\xff" and lp.tobytes() == blob
    # HDEL recounts (hash length check), which stores the count again
    (_, n), = run(lp_redis, ("HDEL", key, b"f5"))
    assert n == 1
    _, (blob,) = dump(lp_redis, key)
    lp.delete_range_with_entry(lp.find(b"f5", skip=1), 2)
    assert lp.header_count == UNKNOWN
    assert len(lp) == 65534
    assert blob[4:6] == (65534).to_bytes(2, "little") and lp.tobytes() == blob


@pytest.mark.needs_redis
def test_list_node_matches_redis(lp_redis):
    key = f"l{next(_keys)}"
    lp = LP()
    run(lp_redis, ("RPUSH", key, b"a", 5, b"-0", b"12345678901"))
    for v in (b"a", 5, b"-0", b"12345678901"):
        lp.append(v)
    run(lp_redis, ("LPUSH", key, b"x" * 100, -129))
    lp.prepend(b"x" * 100)
    lp.prepend(-129)
    run(lp_redis, ("LINSERT", key, "BEFORE", b"-0", b"ins"), ("LINSERT", key, "AFTER", 5, 70000))
    lp.insert(lp.find(b"-0"), b"ins", BEFORE)
    lp.insert(lp.find(b"5"), 70000, AFTER)
    run(lp_redis, ("LSET", key, 0, b"y" * 64), ("LREM", key, 0, b"a"))
    lp.replace(0, b"y" * 64)
    lp.delete(lp.find(b"a"))
    run(lp_redis, ("RPUSH", key, *[i * 37 for i in range(50)]), ("LTRIM", key, 1, -3))
    for i in range(50):
        lp.append(i * 37)
    lp.delete_range(0, 1)
    lp.delete_range(-2, 2)
    kind, blobs = dump(lp_redis, key)
    assert kind == RDB_TYPE_LIST_QUICKLIST_2 and len(blobs) == 1
    assert lp.tobytes() == blobs[0]
    (_, items), = run(lp_redis, ("LRANGE", key, 0, -1))
    assert [v for _, v in items] == [text(v) for v in lp.items()]


def _zset_score_entry(score):
    # scores that are exact integers in range are stored as integers,
    # the rest as their %.17g text
    if math.isinf(score):
        return b"inf" if score > 0 else b"-inf"
    if -(2.0**62) <= score <= 2.0**62 and score == int(score):
        return int(score)
    return b"%.17g" % score


@pytest.mark.needs_redis
def test_zset_matches_redis(lp_redis):
    key = f"z{next(_keys)}"
    scores = [1.0, 2.5, -3.0, 0.1, 1e18, 1e19, -0.0, math.inf, -math.inf, 2.0**62, 2.0**63,
              -1e-300, 123456.789, 7.0]
    members = [b"m%d" % i for i in range(len(scores))]
    args = [x for s, m in zip(scores, members) for x in (repr(s).encode(), m)]
    run(lp_redis, ("ZADD", key, *args))
    kind, (blob,) = dump(lp_redis, key)
    assert kind == RDB_TYPE_ZSET_LISTPACK
    flat = [x for s, m in sorted(zip(scores, members)) for x in (m, _zset_score_entry(s))]
    assert build(flat).tobytes() == blob


restore_blobs = st.one_of(
    mutated_blobs(),
    st.lists(values, min_size=1, max_size=6).map(ref_listpack),
)


@pytest.mark.needs_redis
@settings(max_examples=200)
@given(restore_blobs)
def test_restore_accepts_exactly_the_valid_blobs(lp_redis, b):
    # A list of one listpack node: Redis checks it with the same deep
    # validation, and refuses an empty one.
    key = f"r{next(_keys)}"
    body = bytes([RDB_TYPE_LIST_QUICKLIST_2, 1, QUICKLIST_PACKED]) + rdb_encode_len(len(b)) + b
    (kind, reply), = run(lp_redis, ("RESTORE", key, 0, dump_payload(body)))
    parsed = ref_parse(b)
    assert (kind == "+") == (LP.validate_blob(b) and len(parsed) > 0), reply
    if kind == "+":
        (_, items), = run(lp_redis, ("LRANGE", key, 0, -1))
        lp = LP.from_bytes(b)
        assert [v for _, v in items] == [lp.get_str(i) for i in range(len(lp))]
