"""Integer sets (rkvd._core.lib.intset) against a Python model and redis-server.

* Layout: the blob is Redis's intset byte for byte. A private redis-server
  7.0.15 (rdbcompression off) runs the same SADD/SREM sequences; DUMP gives
  its intset (RDB type 11, a plain RDB string) to compare with ours, for
  every width and upgrade order.
* Behaviour: a hypothesis state machine against a sorted-set model (search
  positions, widths that only grow, random members).
* Validation: fixed and generated corrupt blobs against a model validator,
  and against RESTORE with sanitize-dump-payload yes (deep validation).
"""
import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import support
from native.intset import IntsetForTest, validate_blob
from support import encode_command, parse_reply

I16 = (-(2**15), 2**15 - 1)
I32 = (-(2**31), 2**31 - 1)
I64 = (-(2**63), 2**63 - 1)
FMT = {2: "h", 4: "i", 8: "q"}
RDB_TYPE_SET_INTSET = 11



def width(v):
    if I16[0] <= v <= I16[1]:
        return 2
    if I32[0] <= v <= I32[1]:
        return 4
    return 8


def blob(enc, values):
    """Build an intset blob by hand (values written as given, unchecked)."""
    return struct.pack(f"<II{len(values)}{FMT[enc]}", enc, len(values), *values)


def model_validate(b, deep):
    if len(b) < 8:
        return False
    enc, count = struct.unpack_from("<II", b)
    if enc not in FMT or 8 + count * enc != len(b) or count == 0:
        return False
    if not deep:
        return True
    vals = struct.unpack_from(f"<{count}{FMT[enc]}", b, 8)
    return all(a < b for a, b in zip(vals, vals[1:]))


# a mix of every width, with the boundaries over-represented
values = st.one_of(
    st.integers(-40, 40),
    st.integers(*I16), st.integers(*I32), st.integers(*I64),
    st.sampled_from([I16[0], I16[1], I16[0] - 1, I16[1] + 1, I32[0], I32[1], I32[0] - 1,
                     I32[1] + 1, I64[0], I64[1], 0, -1, 1]),
)


# ------------------------------------------------------------------ basics --

def test_empty_set():
    s = IntsetForTest()
    assert len(s) == 0 and s.items() == [] and s.encoding == 2
    assert s.tobytes() == blob(2, []) and s.blob_len() == 8
    assert not s.find(0) and not s.remove(0) and s.search(5) == (False, 0)
    assert s.get(0) is None and s.random() is None and s.max() is None and s.min() is None
    assert not s.validate(deep=False)      # Redis never stores an empty intset


@pytest.mark.parametrize("v, enc", [
    (0, 2), (I16[1], 2), (I16[0], 2), (I16[1] + 1, 4), (I16[0] - 1, 4), (I32[1], 4),
    (I32[0], 4), (I32[1] + 1, 8), (I32[0] - 1, 8), (I64[1], 8), (I64[0], 8),
])
def test_value_widths(v, enc):
    s = IntsetForTest()
    assert s.add(v) and s.encoding == enc
    assert s.tobytes() == blob(enc, [v]) and s.validate()


def test_upgrade_prepends_negatives_and_appends_positives():
    s = IntsetForTest()
    for v in (5, -3, 100):
        s.add(v)
    assert s.add(-70000)                   # below everything: goes first
    assert s.encoding == 4 and s.items() == [-70000, -3, 5, 100]
    assert s.add(2**40)                    # above everything: goes last
    assert s.encoding == 8 and s.tobytes() == blob(8, [-70000, -3, 5, 100, 2**40])
    assert not s.add(5) and not s.add(2**40)


def test_remove_never_narrows():
    s = IntsetForTest()
    for v in (1, 2, I64[1]):
        s.add(v)
    assert s.remove(I64[1]) and s.encoding == 8 and s.tobytes() == blob(8, [1, 2])
    assert not s.remove(I64[1]) and not s.remove(7)
    assert s.remove(1) and s.remove(2) and len(s) == 0 and s.tobytes() == blob(8, [])


def test_wide_values_are_never_found_in_narrow_sets():
    s = IntsetForTest()
    s.add(1)
    for v in (I16[1] + 1, I32[0] - 1, I64[1]):
        assert not s.find(v) and not s.remove(v) and v not in s
    assert s.tobytes() == blob(2, [1])


def test_search_get_min_max():
    s = IntsetForTest()
    for v in (10, 20, 30):
        s.add(v)
    assert [s.search(v) for v in (5, 10, 15, 20, 25, 30, 35)] == [
        (False, 0), (True, 0), (False, 1), (True, 1), (False, 2), (True, 2), (False, 3)]
    assert [s.get(i) for i in range(4)] == [10, 20, 30, None]
    assert (s.min(), s.max()) == (10, 30)


def test_random_reaches_every_member():
    s = IntsetForTest()
    members = [-5, 0, 7, 1000, 2**33]
    for v in members:
        s.add(v)
    seen = {s.random() for _ in range(2000)}
    assert seen == set(members)


def test_large_set_stays_sorted():
    s = IntsetForTest()
    vals = [(i * 7919) % 100003 - 50000 for i in range(20000)]
    for v in vals:
        s.add(v)
    assert s.items() == sorted(set(vals)) and s.validate()
    for v in vals[::2]:
        s.remove(v)
    assert s.items() == sorted(set(vals) - set(vals[::2])) and s.validate()


def test_from_bytes_round_trip():
    s = IntsetForTest()
    for v in (3, -1, 2**35):
        s.add(v)
    t = IntsetForTest.from_bytes(s.tobytes())
    assert t.items() == s.items() and t.encoding == 8
    assert t.add(4) and t.items() == [-1, 3, 4, 2**35]


# ------------------------------------------------------------ state machine --

class IntsetMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.s = IntsetForTest()
        self.model = set()
        self.enc = 2

    @rule(v=values)
    def add(self, v):
        assert self.s.add(v) == (v not in self.model)
        self.model.add(v)
        self.enc = max(self.enc, width(v))

    @rule(v=values)
    def remove(self, v):
        assert self.s.remove(v) == (v in self.model)
        self.model.discard(v)

    @rule(data=st.data())
    def remove_member(self, data):
        if self.model:
            v = data.draw(st.sampled_from(sorted(self.model)))
            assert self.s.remove(v)
            self.model.discard(v)

    @rule(v=values)
    def lookups(self, v):
        items = sorted(self.model)
        assert self.s.find(v) == (v in self.model)
        pos = sum(1 for x in items if x < v)
        assert self.s.search(v) == (v in self.model, pos)

    @invariant()
    def layout(self):
        items = sorted(self.model)
        assert len(self.s) == len(items)
        assert self.s.encoding == self.enc
        assert self.s.tobytes() == blob(self.enc, items)
        assert self.s.blob_len() == 8 + self.enc * len(items)
        assert self.s.validate(deep=True) == bool(items)
        if items:
            assert (self.s.min(), self.s.max()) == (items[0], items[-1])
            assert self.s.random() in self.model
            assert self.s.get(len(items) - 1) == items[-1]
        assert self.s.get(len(items)) is None


TestIntsetMachine = IntsetMachine.TestCase
TestIntsetMachine.settings = settings(max_examples=80, stateful_step_count=60)


# -------------------------------------------------------------- validation --

CORRUPT = [
    b"", b"\x02\x00\x00\x00", b"\x02\x00\x00\x00\x01\x00\x00",      # short header
    blob(2, []), blob(4, []), blob(8, []),                          # empty
    struct.pack("<II", 3, 1) + b"\x00" * 3,                         # unknown widths
    struct.pack("<II", 0, 1), struct.pack("<II", 1, 1) + b"\x00",
    struct.pack("<II", 16, 1) + b"\x00" * 16,
    blob(2, [1, 2])[:-1], blob(2, [1, 2]) + b"\x00",                # size mismatch
    blob(4, [1, 2])[:-2], blob(8, [1]) + b"\x00" * 8,
    struct.pack("<II", 2, 0xFFFFFFFF) + b"\x00" * 4,                 # huge counts
    struct.pack("<II", 8, 0x20000000) + b"\x00" * 8,                 # count * 8 wraps 32 bits
    struct.pack("<II", 4, 0x40000000) + b"\x00" * 8,
]
UNSORTED = [blob(2, [2, 1]), blob(2, [1, 1]), blob(4, [0, 5, 5]), blob(8, [I64[1], I64[0]]),
            blob(2, [-1, 3, 2, 4])]


@pytest.mark.parametrize("b", CORRUPT)
def test_corrupt_blobs_rejected(b):
    assert not validate_blob(b, deep=False) and not validate_blob(b, deep=True)
    with pytest.raises(ValueError):
        IntsetForTest.from_bytes(b)


@pytest.mark.parametrize("b", UNSORTED)
def test_unsorted_blobs_need_deep_validation(b):
    assert validate_blob(b, deep=False) and not validate_blob(b, deep=True)
    with pytest.raises(ValueError):
        IntsetForTest.from_bytes(b)


def _mutations(base):
    # truncations, extensions and byte flips of a valid blob
    return st.one_of(
        st.integers(0, len(base)).map(lambda n: base[:n]),
        st.binary(min_size=1, max_size=9).map(lambda x: base + x),
        st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1,
                 max_size=4).map(lambda flips: _flip(base, flips)),
    )


def _flip(base, flips):
    b = bytearray(base)
    for i, v in flips:
        b[i] = v
    return bytes(b)


corrupt_blobs = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda e, vs: blob(e, sorted(set(vs))), st.sampled_from([2, 4, 8]),
              st.lists(st.integers(-100, 100), max_size=6)).flatmap(
                  lambda b: _mutations(b) if len(b) > 8 else st.just(b)),
    st.builds(lambda e, n, tail: struct.pack("<II", e, n) + tail, st.sampled_from([2, 4, 8]),
              st.integers(0, 2**32 - 1), st.binary(max_size=24)),
)


@settings(max_examples=500)
@given(corrupt_blobs)
def test_validation_matches_model(b):
    for deep in (False, True):
        assert validate_blob(b, deep) == model_validate(b, deep)
    if model_validate(b, True):
        s = IntsetForTest.from_bytes(b)
        assert s.tobytes() == b and s.validate()
    else:
        with pytest.raises(ValueError):
            IntsetForTest.from_bytes(b)


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


def rdb_encode_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 2**32:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


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
    """A DUMP/RESTORE payload: type byte and object, RDB version, CRC64."""
    data = body + version.to_bytes(2, "little")
    return data + crc64(data).to_bytes(8, "little")


def intset_from_dump(dump):
    """The intset blob in a DUMP reply (RDB type 11, uncompressed string)."""
    assert dump[0] == RDB_TYPE_SET_INTSET, f"not an intset: type {dump[0]}"
    n, special, p = rdb_len(dump, 1)
    assert not special, "expected a plain string (rdbcompression no)"
    assert len(dump) == p + n + 10
    assert crc64(dump[:-8]) == int.from_bytes(dump[-8:], "little")
    return dump[p:p + n]


@pytest.fixture(scope="module")
def intset_redis(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    server = support.ServerProcess(
        [support.REDIS_SERVER], "redis-intset", tmp_path_factory.mktemp("redis-intset"),
        extra_args=["--rdbcompression", "no", "--sanitize-dump-payload", "yes"])
    server.start()
    conn = server.raw()
    yield conn
    conn.close()
    server.kill()


_keys = itertools.count()


def run(conn, *commands):
    conn.send(b"".join(encode_command(*c) for c in commands))
    return [parse_reply(r) for r in conn.read_replies(len(commands))]


def redis_apply(conn, key, batches):
    """Apply (op, values) batches to key; after each one the DUMP blob (or None)."""
    out = []
    for op, vals in batches:
        (_, n), (_, dump) = run(conn, (op, key, *vals), ("DUMP", key))
        out.append((n, None if dump is None else intset_from_dump(dump)))
    return out


def local_apply(batches):
    s = IntsetForTest()
    out = []
    for op, vals in batches:
        if op == "SADD":
            n = sum(s.add(v) for v in vals)
        else:
            n = sum(s.remove(v) for v in vals)
        if len(s) == 0:
            s = IntsetForTest()            # Redis deletes the empty key
            out.append((n, None))
        else:
            out.append((n, s.tobytes()))
    return out


@pytest.mark.needs_redis
def test_crc64_matches_redis(intset_redis):
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    key = f"crc{next(_keys)}"
    (_, _), (_, dump) = run(intset_redis, ("SADD", key, 1, 2, 3), ("DUMP", key))
    assert dump_payload(dump[:-10]) == dump


@pytest.mark.needs_redis
@pytest.mark.parametrize("batches", [
    [("SADD", [1, 2, 3])],
    [("SADD", [3, -2, 1, 32767, -32768])],
    [("SADD", [70000, -70000, 5])],
    [("SADD", [I64[0], I64[1], 0])],
    [("SADD", [1, 2]), ("SADD", [40000]), ("SADD", [-(2**40)]), ("SREM", [-(2**40), 40000])],
    [("SADD", [-1]), ("SADD", [I32[0] - 1]), ("SADD", [I32[1]]), ("SREM", [-1, 7])],
    [("SADD", list(range(0, 1000, 2)))],                       # 500 members: still an intset
    [("SADD", [5]), ("SREM", [5]), ("SADD", [6])],              # emptied, then recreated
], ids=["int16", "int16-bounds", "int32", "int64", "upgrades", "negative-upgrades", "500", "recreate"])
def test_blob_matches_redis(intset_redis, batches):
    key = f"set{next(_keys)}"
    assert redis_apply(intset_redis, key, batches) == local_apply(batches)


@pytest.mark.needs_redis
@settings(max_examples=120)
@given(st.lists(st.tuples(st.sampled_from(["SADD", "SADD", "SREM"]),
                          st.lists(values, min_size=1, max_size=8)), min_size=1, max_size=8))
def test_generated_sequences_match_redis(intset_redis, batches):
    key = f"gen{next(_keys)}"
    assert redis_apply(intset_redis, key, batches) == local_apply(batches)


restore_blobs = st.one_of(
    corrupt_blobs,
    st.builds(lambda e, vs: blob(e, sorted(set(vs))), st.sampled_from([2, 4, 8]),
              st.lists(st.integers(-30000, 30000), min_size=1, max_size=8)),
)


@pytest.mark.needs_redis
@settings(max_examples=250)
@given(restore_blobs)
def test_restore_accepts_exactly_the_valid_blobs(intset_redis, b):
    key = f"rst{next(_keys)}"
    payload = dump_payload(bytes([RDB_TYPE_SET_INTSET]) + rdb_encode_len(len(b)) + b)
    (kind, reply), = run(intset_redis, ("RESTORE", key, 0, payload))
    assert (kind == "+") == validate_blob(b, deep=True), reply
    if kind == "+":
        (_, members), = run(intset_redis, ("SMEMBERS", key))
        assert sorted(int(m[1]) for m in members) == IntsetForTest.from_bytes(b).items()
