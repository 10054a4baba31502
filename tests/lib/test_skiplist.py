"""The sorted-set skiplist (rkvd._core.lib.skiplist) against a sorted Python list.

The model is a list of (element, score) kept in (score, element) order, with
elements compared as bytes the way Redis's sdscmp does. After every step the
structure checks itself (order, backward links, tail, length, and every span
equal to the level-0 distance it covers), and ranks, rank lookups, score
and lex ranges, and range deletions must agree with the model.
"""
import bisect
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from native.skiplist import SkiplistForTest as SL
from native.skiplist import py_reclaim, py_seed, py_slab_count

# few distinct values so that ties on score and shared prefixes are common
SCORES = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 1.5, -2.0, math.inf, -math.inf, 1e300]),
                   st.integers(-5, 5).map(float),
                   st.floats(allow_nan=False, width=64))
ELES = st.one_of(st.binary(max_size=3), st.sampled_from([b"", b"a", b"ab", b"b", b"\x00", b"\xff", b"abc"]),
                 st.binary(min_size=40, max_size=80))


def key(item):
    ele, score = item
    return (score, ele)


class Model:
    def __init__(self):
        self.items = []        # sorted by (score, ele)

    def find(self, ele):
        for i, (e, _s) in enumerate(self.items):
            if e == ele:
                return i
        return None

    def insert(self, ele, score):
        bisect.insort(self.items, (ele, score), key=key)

    def remove_at(self, i):
        return self.items.pop(i)


def in_range(s, mn, mx, minex, maxex):
    return (s > mn if minex else s >= mn) and (s < mx if maxex else s <= mx)


def lex_cmp(a, bound):
    if bound == b"-":
        return 1
    if bound == b"+":
        return -1
    return (a > bound) - (a < bound)


def in_lex(e, mn, minex, mx, maxex):
    c1 = lex_cmp(e, mn)
    c2 = lex_cmp(e, mx)
    return (c1 > 0 if minex else c1 >= 0) and (c2 < 0 if maxex else c2 <= 0)


LEX_BOUNDS = st.one_of(st.sampled_from([b"-", b"+"]), ELES.filter(lambda b: b not in (b"-", b"+")))


class SkiplistMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.sl = SL()
        self.m = Model()

    @rule(ele=ELES, score=SCORES)
    def insert(self, ele, score):
        if self.m.find(ele) is not None:
            return
        self.sl.insert(score, ele)
        self.m.insert(ele, score)

    @precondition(lambda self: self.m.items)
    @rule(data=st.data())
    def delete(self, data):
        i = data.draw(st.integers(0, len(self.m.items) - 1))
        ele, score = self.m.items[i]
        assert self.sl.delete(score, ele) == 1
        self.m.remove_at(i)
        assert self.sl.delete(score, ele) == 0

    @rule(ele=ELES, score=SCORES)
    def delete_missing(self, ele, score):
        if (ele, score) in self.m.items:
            return
        assert self.sl.delete(score, ele) == 0

    @precondition(lambda self: self.m.items)
    @rule(data=st.data(), new=SCORES)
    def update_score(self, data, new):
        i = data.draw(st.integers(0, len(self.m.items) - 1))
        ele, score = self.m.items[i]
        assert self.sl.update_score(score, ele, new) == (ele, new)
        self.m.remove_at(i)
        self.m.insert(ele, new)

    @precondition(lambda self: self.m.items)
    @rule(data=st.data())
    def rank(self, data):
        i = data.draw(st.integers(0, len(self.m.items) - 1))
        ele, score = self.m.items[i]
        assert self.sl.rank(score, ele) == i + 1
        assert self.sl.by_rank(i + 1) == (ele, score)

    @rule(ele=ELES, score=SCORES)
    def rank_missing(self, ele, score):
        if (ele, score) in self.m.items:
            return
        assert self.sl.rank(score, ele) == 0

    @rule(r=st.integers(0, 70))
    def by_rank_any(self, r):
        want = self.m.items[r - 1] if 1 <= r <= len(self.m.items) else None
        assert self.sl.by_rank(r) == want

    @rule(a=SCORES, b=SCORES, minex=st.booleans(), maxex=st.booleans())
    def score_ranges(self, a, b, minex, maxex):
        inside = [it for it in self.m.items if in_range(it[1], a, b, minex, maxex)]
        assert self.sl.first_in_range(a, b, minex, maxex) == (inside[0] if inside else None)
        assert self.sl.last_in_range(a, b, minex, maxex) == (inside[-1] if inside else None)

    @rule(a=LEX_BOUNDS, b=LEX_BOUNDS, minex=st.booleans(), maxex=st.booleans())
    def lex_ranges(self, a, b, minex, maxex):
        # lex ranges are only meaningful when all scores are equal; the
        # skiplist answers for the order it holds, so compare on that order
        if len({s for _, s in self.m.items}) > 1:
            return
        minex = minex or a in (b"-", b"+")
        maxex = maxex or b in (b"-", b"+")
        inside = [it for it in self.m.items if in_lex(it[0], a, minex, b, maxex)]
        assert self.sl.first_in_lex_range(a, minex, b, maxex) == (inside[0] if inside else None)
        assert self.sl.last_in_lex_range(a, minex, b, maxex) == (inside[-1] if inside else None)

    @rule(a=SCORES, b=SCORES, minex=st.booleans(), maxex=st.booleans())
    def delete_by_score(self, a, b, minex, maxex):
        gone = [it for it in self.m.items if in_range(it[1], a, b, minex, maxex)]
        assert self.sl.delete_range_by_score(a, b, minex, maxex) == gone
        self.m.items = [it for it in self.m.items if it not in gone]

    @rule(a=LEX_BOUNDS, b=LEX_BOUNDS, minex=st.booleans(), maxex=st.booleans())
    def delete_by_lex(self, a, b, minex, maxex):
        if len({s for _, s in self.m.items}) > 1:
            return
        minex = minex or a in (b"-", b"+")
        maxex = maxex or b in (b"-", b"+")
        gone = [it for it in self.m.items if in_lex(it[0], a, minex, b, maxex)]
        assert self.sl.delete_range_by_lex(a, minex, b, maxex) == gone
        self.m.items = [it for it in self.m.items if it not in gone]

    @rule(start=st.integers(1, 40), n=st.integers(0, 10))
    def delete_by_rank(self, start, n):
        end = start + n - 1
        gone = self.m.items[start - 1:end]
        assert self.sl.delete_range_by_rank(start, end) == gone
        del self.m.items[start - 1:end]

    @invariant()
    def same(self):
        assert self.sl.check()
        assert len(self.sl) == len(self.m.items)
        assert self.sl.items() == self.m.items
        assert self.sl.items_reversed() == self.m.items[::-1]


TestSkiplistMachine = SkiplistMachine.TestCase
TestSkiplistMachine.settings = settings(max_examples=150, stateful_step_count=60)


@settings(max_examples=30)
@given(n=st.integers(200, 3000), seed=st.integers(0, 2**32))
def test_many_elements_ranks_and_spans(n, seed):
    """Bigger lists (several levels) built in random order: every rank."""
    import random
    py_seed(seed)
    rnd = random.Random(seed)
    items = [(b"e%d" % i, float(rnd.randint(-50, 50))) for i in range(n)]
    rnd.shuffle(items)
    sl = SL()
    for e, s in items:
        sl.insert(s, e)
    items.sort(key=key)
    assert sl.check()
    assert sl.level > 1
    assert sl.items() == items
    for i in range(0, n, max(1, n // 97)):
        e, s = items[i]
        assert sl.rank(s, e) == i + 1
        assert sl.by_rank(i + 1) == (e, s)
    # move every third element, then delete a middle block by rank
    for i in range(0, n, 3):
        e, s = items[i]
        sl.update_score(s, e, s + rnd.choice([-0.5, 0.5, 100.0, 0.0]))
    model = sorted(sl.items(), key=key)
    assert sl.items() == model
    gone = sl.delete_range_by_rank(n // 4, n // 2)
    assert gone == model[n // 4 - 1:n // 2]
    assert sl.check()
    assert sl.items() == model[:n // 4 - 1] + model[n // 2:]


def test_levels_distribution():
    """p = 1/4: about a quarter of the nodes reach level 2."""
    sl = SL()
    for i in range(20000):
        sl.insert(float(i), b"%d" % i)
    assert sl.check()
    assert 6 <= sl.level <= 32


def test_empty():
    sl = SL()
    assert sl.items() == []
    assert sl.by_rank(1) is None
    assert sl.rank(1.0, b"x") == 0
    assert sl.first_in_range(-math.inf, math.inf, False, False) is None
    assert sl.last_in_lex_range(b"-", True, b"+", True) is None
    assert sl.delete_range_by_rank(1, 10) == []
    assert sl.check()


@pytest.mark.parametrize("mn,minex,mx,maxex,empty", [
    (b"-", True, b"+", True, False),
    (b"+", True, b"+", True, True),
    (b"-", True, b"-", True, True),
    (b"+", True, b"-", True, True),
    (b"a", False, b"a", False, False),
    (b"a", True, b"a", False, True),
    (b"b", False, b"a", False, True),
])
def test_lex_range_edges(mn, minex, mx, maxex, empty):
    sl = SL()
    for e in (b"a", b"b", b"c"):
        sl.insert(0.0, e)
    first = sl.first_in_lex_range(mn, minex, mx, maxex)
    assert (first is None) == empty


def test_slabs_are_returned():
    """Node slabs go back to malloc when emptied (one spare kept per level)."""
    base = py_slab_count()
    lists = [SL() for _ in range(3)]
    for k, sl in enumerate(lists):
        for i in range(30000):
            sl.insert(float(i % 97), b"%d:%d" % (k, i))
    assert py_slab_count() > base + 10
    for i in range(0, 30000, 2):
        lists[0].delete(float(i % 97), b"0:%d" % i)
    assert lists[0].check()
    lists[1].delete_range_by_rank(1, 29000)
    assert lists[1].check()
    del lists, sl
    assert py_slab_count() <= base + 32


def test_lazily_freed_nodes_go_back_to_their_slabs():
    """zsl_free_detached on another thread, zsl_reclaim on this one: the
    nodes join their slabs' free lists, which lists still in use share, and
    emptied slabs go back to malloc."""
    import threading
    base = py_slab_count()
    keep, gone = SL(), SL()
    for i in range(20000):          # interleaved: the two lists share slabs
        keep.insert(float(i), b"k%d" % i)
        gone.insert(float(i), b"g%d" % i)
    t = threading.Thread(target=gone.free_detached)
    t.start()
    t.join()
    assert len(gone) == 0
    assert py_slab_count() > base + 10      # nothing given back yet
    assert 0 < py_reclaim() < 20000         # far fewer runs than nodes
    assert py_reclaim() == 0
    for i in range(20000):          # the freed slots are reused, nothing collides
        keep.insert(float(i) + 0.5, b"n%d" % i)
    assert keep.check() and len(keep) == 40000
    del keep, gone
    assert py_slab_count() <= base + 32
