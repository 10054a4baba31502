"""The radix tree (rkvd._core.lib.rax) against a sorted Python model.

The model is a dict plus sorted(); keys are drawn from a small alphabet so
that shared prefixes, splits and merges are common, plus 16-byte big-endian
IDs as streams use them. Every seek operator and both walking directions
must agree with the model, also while keys are removed during a walk.
"""
import bisect
import struct

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from native.rax import RaxForTest

KEYS = st.one_of(
    st.binary(max_size=4).map(lambda b: bytes(x % 3 + 97 for x in b)),
    st.sampled_from([b"", b"a", b"ab", b"abc", b"b", b"\x00", b"\xff", b"\xff\xff"]),
    st.tuples(st.integers(0, 3), st.integers(0, 3)).map(lambda t: struct.pack(">QQ", *t)),
    st.binary(min_size=60, max_size=90),
)
OPS = st.sampled_from([">=", ">", "<=", "<", "=", "^", "$"])


def model_seek(keys, op, k):
    """Index in sorted keys where a walk starting with seek(op, k) begins, or None."""
    if op == "^":
        return 0 if keys else None
    if op == "$":
        return len(keys) - 1 if keys else None
    if op == ">=":
        i = bisect.bisect_left(keys, k)
    elif op == ">":
        i = bisect.bisect_right(keys, k)
    elif op == "<=":
        i = bisect.bisect_right(keys, k) - 1
    elif op == "<":
        i = bisect.bisect_left(keys, k) - 1
    else:
        i = bisect.bisect_left(keys, k)
        if i < len(keys) and keys[i] != k:
            return None
    return i if 0 <= i < len(keys) else None


def model_walk(model, op, k, forward):
    keys = sorted(model)
    i = model_seek(keys, op, k)
    if i is None:
        return []
    sel = keys[i:] if forward else keys[i::-1]
    return [(x, model[x]) for x in sel]


class RaxMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.r = RaxForTest()
        self.model = {}

    @rule(k=KEYS, v=st.integers(0, 1 << 30))
    def insert(self, k, v):
        added, old = self.r.insert(k, v)
        assert added == (k not in self.model)
        assert old == self.model.get(k)
        self.model[k] = v

    @rule(k=KEYS, v=st.integers(0, 1 << 30))
    def try_insert(self, k, v):
        added, old = self.r.insert(k, v, overwrite=False)
        assert added == (k not in self.model)
        if not added:
            assert old == self.model[k]
        else:
            self.model[k] = v

    @rule(k=KEYS)
    def remove(self, k):
        assert self.r.remove(k) == self.model.pop(k, None)

    @rule(data=st.data())
    def remove_existing(self, data):
        if self.model:
            k = data.draw(st.sampled_from(sorted(self.model)))
            assert self.r.remove(k) == self.model.pop(k)

    @rule(k=KEYS)
    def find(self, k):
        assert self.r.find(k) == self.model.get(k)

    @rule(op=OPS, k=KEYS, forward=st.booleans())
    def seek_and_walk(self, op, k, forward):
        assert self.r.walk(op, k, forward) == model_walk(self.model, op, k, forward)

    @invariant()
    def size(self):
        assert len(self.r) == len(self.model)
        assert self.r.walk("^") == sorted(self.model.items())


TestRaxMachine = RaxMachine.TestCase
TestRaxMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)


@given(st.lists(KEYS, max_size=60), st.binary(min_size=1, max_size=3))
@settings(max_examples=100, deadline=None)
def test_remove_while_walking(keys, drop):
    r = RaxForTest()
    for i, k in enumerate(keys):
        r.insert(k, i)
    seen = r.walk_mutating(drop)
    assert seen == sorted(set(keys))
    assert [k for k, _ in r.walk("^")] == [k for k in sorted(set(keys)) if not (k and k[0] in drop)]


def test_stream_ids_in_order_and_compact():
    r = RaxForTest()
    ids = [struct.pack(">QQ", 1700000000000 + i // 3, i % 3) for i in range(3000)]
    for i, k in enumerate(reversed(ids)):
        assert r.insert(k, i) == (True, None)
    assert [k for k, _ in r.walk("^")] == ids
    assert [k for k, _ in r.walk("$", forward=False)] == ids[::-1]
    # compressed: fewer nodes than a byte-per-node trie would need
    assert r.numnodes < 2 * len(ids)
    for k in ids[::2]:
        r.remove(k)
    assert [k for k, _ in r.walk(">", ids[0])] == ids[1::2]
    assert r.walk("<", ids[1], forward=False) == []
    for k in ids[1::2]:
        r.remove(k)
    assert len(r) == 0 and r.numnodes == 1


def test_bad_operator():
    r = RaxForTest()
    for op in ("!", ">>", "==", ""):
        try:
            r.walk(op)
        except ValueError:
            continue
        raise AssertionError(op)
