"""Quicklists (rkvd._core.lib.quicklist) against a plain Python list.

* A hypothesis state machine drives random operation sequences (pushes,
  pops, index reads, inserts next to any element, replaces, range deletes,
  LREM-style removals, iteration both ways, duplication) under random fill
  factors, compression depths and packed thresholds, and checks every
  invariant after each step: links, counts, listpack integrity, which nodes
  are compressed, plain nodes holding one element.
* Fixed cases pin the node policies: size and count limits, the 8 KB safety
  limit, plain nodes, compression depth, merging after a split.

The layouts themselves are compared with redis-server in
tests/types/test_list.py (DEBUG OBJECT, MEMORY USAGE).
"""
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from native.quicklist import QuicklistForTest as QL
from rkvd._core.lib.quicklist import py_get_packed_threshold, py_set_packed_threshold


@pytest.fixture(autouse=True)
def _default_threshold():
    py_set_packed_threshold(0)
    yield
    py_set_packed_threshold(0)


def canon(v):
    return str(v).encode() if isinstance(v, int) else v


values = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(lambda i: str(i).encode()),
    st.sampled_from([b"", b"0", b"-0", b"007", b"+1", b" 1", b"1.5", b"9223372036854775808"]),
    st.binary(max_size=12),
    st.builds(lambda c, n: c * n, st.sampled_from([b"a", b"b", b"xy"]), st.integers(20, 700)),
    st.binary(min_size=100, max_size=900),
    st.builds(lambda c, n: c * n, st.sampled_from([b"z", b"q"]), st.integers(3000, 9000)),
)


class QuicklistMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.ql = None
        self.model = []

    @initialize(fill=st.sampled_from([-5, -4, -3, -2, -1, 1, 2, 3, 4, 7, 32, 200]),
                compress=st.sampled_from([0, 0, 1, 2, 3]),
                threshold=st.sampled_from([0, 0, 0, 64, 500, 4000]))
    def setup(self, fill, compress, threshold):
        py_set_packed_threshold(threshold)
        self.ql = QL(fill, compress)

    def teardown(self):
        py_set_packed_threshold(0)

    # -- changes -----------------------------------------------------------

    @rule(v=values)
    def push_head(self, v):
        self.ql.push_head(v)
        self.model.insert(0, v)

    @rule(v=values)
    def push_tail(self, v):
        self.ql.push_tail(v)
        self.model.append(v)

    @rule(vs=st.lists(values, min_size=5, max_size=40))
    def push_many(self, vs):
        for v in vs:
            self.ql.push_tail(v)
        self.model.extend(vs)

    @rule(tail=st.booleans())
    def pop(self, tail):
        got = self.ql.pop(tail)
        want = (self.model.pop() if tail else self.model.pop(0)) if self.model else None
        assert got == want

    @rule(data=st.data(), v=values, after=st.booleans())
    def insert(self, data, v, after):
        n = len(self.model)
        idx = data.draw(st.integers(-n - 2, n + 1))
        ok = self.ql.insert(idx, v, after)
        if -n <= idx < n:
            assert ok
            pos = idx % n
            self.model.insert(pos + 1 if after else pos, v)
        else:
            assert not ok

    @precondition(lambda self: self.model)
    @rule(data=st.data(), v=values, after=st.booleans())
    def insert_at_match(self, data, v, after):
        pivot = data.draw(st.sampled_from(self.model))
        assert self.ql.insert_at_match(pivot, v, after)
        pos = self.model.index(pivot)
        self.model.insert(pos + 1 if after else pos, v)

    @rule(data=st.data(), v=values)
    def replace(self, data, v):
        n = len(self.model)
        idx = data.draw(st.integers(-n - 2, n + 1))
        ok = self.ql.replace(idx, v)
        if -n <= idx < n:
            assert ok
            self.model[idx] = v
        else:
            assert not ok

    @rule(data=st.data())
    def delete_range(self, data):
        n = len(self.model)
        start = data.draw(st.integers(-n - 2, n + 2))
        count = data.draw(st.integers(-1, n + 3))
        got = self.ql.delete_range(start, count)
        if count <= 0 or not (-n <= start < n):
            assert not got
            return
        assert got
        pos = start % n
        if start >= 0:
            del self.model[pos:pos + count]
        else:
            del self.model[pos:pos + min(count, -start)]

    @precondition(lambda self: self.model)
    @rule(data=st.data(), count=st.integers(-3, 3))
    def remove(self, data, count):
        v = data.draw(st.sampled_from(self.model))
        removed = self.ql.remove(v, count)
        want = 0
        limit = abs(count)
        if count >= 0:
            i = 0
            while i < len(self.model) and (not limit or want < limit):
                if self.model[i] == v:
                    del self.model[i]
                    want += 1
                else:
                    i += 1
        else:
            i = len(self.model) - 1
            while i >= 0 and want < limit:
                if self.model[i] == v:
                    del self.model[i]
                    want += 1
                i -= 1
        assert removed == want

    @rule()
    def dup(self):
        other = self.ql.dup()
        other.verify()
        assert other.items() == self.model
        assert other.nodes() == self.ql.nodes()
        self.ql = other

    # -- reads -------------------------------------------------------------

    @rule(data=st.data())
    def index(self, data):
        n = len(self.model)
        idx = data.draw(st.integers(-n - 2, n + 1))
        want = self.model[idx] if -n <= idx < n else None
        assert self.ql.index(idx) == want

    @rule(data=st.data(), reverse=st.booleans())
    def range_from(self, data, reverse):
        n = len(self.model)
        idx = data.draw(st.integers(-n - 1, n))
        count = data.draw(st.integers(0, n + 1))
        got = self.ql.range_from(idx, count, reverse)
        if not (-n <= idx < n):
            assert got == []
            return
        pos = idx % n
        if reverse:
            want = self.model[max(0, pos - count + 1):pos + 1][::-1]
        else:
            want = self.model[pos:pos + count]
        assert got == want

    @rule(tail=st.booleans())
    def peek(self, tail):
        want = (self.model[-1] if tail else self.model[0]) if self.model else None
        assert self.ql.peek(tail) == want

    # -- invariants ----------------------------------------------------------

    @invariant()
    def consistent(self):
        if self.ql is None:
            return
        self.ql.verify()
        assert len(self.ql) == len(self.model)
        assert self.ql.items() == self.model
        assert self.ql.items(reverse=True) == self.model[::-1]


QuicklistMachine.TestCase.settings = settings(max_examples=400, stateful_step_count=80)
test_quicklist_machine = QuicklistMachine.TestCase


# ------------------------------------------------------------------ fixed cases

def test_size_limits():
    # -2: a node's listpack stays within 8 KB
    q = QL(-2, 0)
    for i in range(3000):
        q.push_tail(b"v%06d" % i)
    q.verify()
    assert all(sz <= 8192 for _, _, _, sz in q.nodes())
    assert len(q.nodes()) > 1
    for fill, limit in ((-1, 4096), (-3, 16384), (-4, 32768), (-5, 65536)):
        q = QL(fill, 0)
        for i in range(20000):
            q.push_head(b"value-%d" % i)
        q.verify()
        sizes = [sz for _, _, _, sz in q.nodes()]
        assert max(sizes) <= limit and max(sizes) > limit - 64


def test_count_limit_and_safety():
    q = QL(5, 0)
    for i in range(23):
        q.push_tail(i)
    assert [c for _, _, c, _ in q.nodes()] == [5, 5, 5, 5, 3]
    # a count limit still keeps a multi-element listpack under 8 KB
    q = QL(100, 0)
    for _ in range(10):
        q.push_tail(b"x" * 3000)
    assert [c for _, _, c, _ in q.nodes()] == [2, 2, 2, 2, 2]
    q.verify()


def test_plain_nodes_and_threshold():
    assert py_get_packed_threshold() == 1 << 30
    assert py_set_packed_threshold(10)
    q = QL(-2, 0)
    q.push_tail(b"short")
    q.push_tail(b"0123456789")
    q.push_tail(b"0123456789abc")
    q.push_head(b"tiny")
    assert [(k, c) for k, _, c, _ in q.nodes()] == [("packed", 2), ("plain", 1), ("plain", 1)]
    assert q.replace(1, b"x") and q.items() == [b"tiny", b"x", b"0123456789", b"0123456789abc"]
    assert q.replace(0, b"a much longer value")
    q.verify()
    assert q.items()[0] == b"a much longer value"
    assert not py_set_packed_threshold((1 << 32) - (1 << 20) + 1)
    assert py_set_packed_threshold(0) and py_get_packed_threshold() == 1 << 30


def test_compression_depth():
    q = QL(1, 2)
    for i in range(10):
        q.push_tail(bytes([97 + i]) * 200)
    encodings = [e for _, e, _, _ in q.nodes()]
    assert encodings == ["raw", "raw"] + ["lzf"] * 6 + ["raw", "raw"]
    q.verify()
    assert q.items()[4] == b"e" * 200
    assert q.index(5) == b"f" * 200
    assert [e for _, e, _, _ in q.nodes()] == encodings
    # small nodes are not worth compressing
    q = QL(1, 1)
    for i in range(5):
        q.push_tail(b"tiny%d" % i)
    assert all(e == "raw" for _, e, _, _ in q.nodes())
    q.verify()


def test_split_then_merge():
    q = QL(4, 0)
    for i in range(16):
        q.push_tail(i)
    assert [c for _, _, c, _ in q.nodes()] == [4, 4, 4, 4]
    assert q.insert(5, b"mid", True)          # full node, middle: split
    q.verify()
    assert q.items()[6] == b"mid"
    assert sum(c for _, _, c, _ in q.nodes()) == 17
    assert q.delete_range(2, 10)
    q.verify()
    assert q.items() == [b"0", b"1", b"12", b"13", b"14", b"15"][:2] + q.items()[2:]
    assert len(q) == 7


def test_empty_behaviour():
    q = QL(-2, 0)
    assert q.pop() is None and q.peek(True) is None and q.index(0) is None
    assert not q.delete_range(0, 1) and q.remove(b"a", 0) == 0
    assert q.items() == [] and q.node_count == 0
    q.verify()
    q.push_tail(b"a")
    q.clear()
    assert len(q) == 0
    q.verify()
