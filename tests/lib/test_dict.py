"""The keyspace hash table (rkvd._core.lib.dict) against a Python dict model.

Covers: values of every kind and size (entries move when resized), reference
counts of stored objects, incremental rehashing in both directions, the SCAN
guarantee across resizes, random sampling, iterators, and the memory footprint
of a million keys.
"""
import os
import random
import subprocess
import sys
import textwrap

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import support
from native.dict import DictForTest


def scan_all(d):
    cursor, seen = 0, []
    while True:
        cursor, keys = d.scan(cursor)
        seen.extend(keys)
        if cursor == 0:
            return seen


class Box:
    """A value object whose identity and refcount the test can follow."""


def _box_refs(model):
    # getrefcount of each Box value as reached by iterating the model
    return [sys.getrefcount(v) for v in model.values() if isinstance(v, Box)]


# the same measurement for a Box held by nothing but a model dict
REFS_IN_MODEL_ONLY = _box_refs({b"k": Box()})[0]


# ------------------------------------------------------------------ basics --

def test_basic_kinds_and_edge_keys():
    d = DictForTest()
    assert len(d) == 0 and d.get(b"x") is None and not d.delete(b"x")
    assert d.random_key() is None and d.some_keys(5) == [] and d.scan(0) == (0, [])
    keys = [b"", b"\x00", b"\x00\x00", b"a", b"a\x00", b"ab", b"k" * 10000]
    for i, k in enumerate(keys):
        d.set(k, bytes([i]) * i)
    for i, k in enumerate(keys):
        assert d.get(k) == bytes([i]) * i
    d.set_int(b"a", -(2**63))
    assert d.get(b"a") == -(2**63)
    d.set(b"a", b"back to bytes")
    assert d.get(b"a") == b"back to bytes"
    assert sorted(d.keys()) == sorted(keys) and sorted(scan_all(d)) == sorted(keys)
    assert d.unlink(b"ab") is not None and d.get(b"ab") is None
    assert d.clear() == len(keys) - 1 and len(d) == 0 and d.table_sizes() == (0, 0)
    d.set(b"again", b"1")
    assert d.get(b"again") == b"1"


def test_object_refcounts():
    d = DictForTest()
    o = object()
    r0 = sys.getrefcount(o)
    d.set_obj(b"k", o)
    assert sys.getrefcount(o) == r0 + 1
    d.set_obj(b"k", o)                    # same object again: no leak, no early free
    assert sys.getrefcount(o) == r0 + 1
    assert d.get(b"k") is o
    d.set(b"k", b"v" * 50)                # overwrite with inline bytes drops the ref
    assert sys.getrefcount(o) == r0
    d.set_obj(b"k", o)
    d.set_int(b"k", 7)
    assert sys.getrefcount(o) == r0
    d.set_obj(b"k", o)
    assert d.delete(b"k") and sys.getrefcount(o) == r0
    d.set_obj(b"k", o)
    got = d.unlink(b"k")
    assert got is o
    del got
    assert sys.getrefcount(o) == r0
    d.set_obj(b"a", o)
    d.set_obj(b"b", o)
    d.clear()
    assert sys.getrefcount(o) == r0
    d.set_obj(b"a", o)
    del d                                 # release decrefs too
    assert sys.getrefcount(o) == r0


# ------------------------------------------------------- stateful vs model --

KEYS = st.binary(min_size=0, max_size=3).map(lambda b: b"k" + b) | st.sampled_from(
    [b"key:%d" % i for i in range(300)]
)
VALUES = st.one_of(
    st.binary(max_size=4),
    st.binary(min_size=20, max_size=300),
    st.integers(0, 5000).map(lambda n: b"x" * n),
)


class DictMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.d = DictForTest()
        self.model = {}

    def _dropping(self, key, op):
        # run op, checking an object value being replaced loses exactly one ref
        old = self.model.get(key)
        if isinstance(old, Box):
            before = sys.getrefcount(old)
            op()
            assert sys.getrefcount(old) == before - 1
        else:
            op()

    @rule(key=KEYS, value=VALUES)
    def set_bytes(self, key, value):
        self._dropping(key, lambda: self.d.set(key, value))
        self.model[key] = value

    @rule(key=KEYS, n=st.integers(-(2**63), 2**63 - 1))
    def set_int(self, key, n):
        self._dropping(key, lambda: self.d.set_int(key, n))
        self.model[key] = n

    @rule(key=KEYS)
    def set_obj(self, key):
        box = Box()
        r0 = sys.getrefcount(box)
        self._dropping(key, lambda: self.d.set_obj(key, box))
        assert sys.getrefcount(box) == r0 + 1
        self.model[key] = box

    @rule(key=KEYS)
    def get(self, key):
        got = self.d.get(key)
        want = self.model.get(key)
        if isinstance(want, Box):
            assert got is want
        else:
            assert got == want

    @rule(key=KEYS)
    def delete(self, key):
        present = key in self.model
        deleted = []
        self._dropping(key, lambda: deleted.append(self.d.delete(key)))
        assert deleted[0] == present
        self.model.pop(key, None)

    @rule(key=KEYS)
    def unlink(self, key):
        got = self.d.unlink(key)
        want = self.model.pop(key, None)
        assert got is want if isinstance(want, Box) else got == want

    @rule(data=st.data())
    def delete_many(self, data):
        # drive the table down so that shrinking gets exercised
        if not self.model:
            return
        n = data.draw(st.integers(1, len(self.model)))
        for key in random.Random(n).sample(sorted(self.model), n):
            assert self.d.delete(key)
            del self.model[key]

    @rule(n=st.integers(1, 20))
    def rehash(self, n):
        self.d.rehash_step(n)

    @rule()
    def shrink(self):
        sizes = self.d.table_sizes()
        started = self.d.try_shrink()
        if started:
            assert not sizes[1] and self.d.table_sizes()[1] < sizes[0]

    @rule(allowed=st.booleans())
    def resize_policy(self, allowed):
        self.d.set_resize_allowed(allowed)

    @precondition(lambda self: len(self.model) < 40)
    @rule()
    def clear(self):
        assert self.d.clear() == len(self.model)
        self.model.clear()

    @rule()
    def samples(self):
        if not self.model:
            assert self.d.random_key() is None and self.d.fair_random_key() is None
            return
        assert self.d.random_key() in self.model
        assert self.d.fair_random_key() in self.model
        # may come back short (even empty) on a sparse table, as in Redis
        some = self.d.some_keys(10)
        assert len(some) <= 10 and all(k in self.model for k in some)

    @invariant()
    def same_contents(self):
        assert len(self.d) == len(self.model)
        keys = self.d.keys()
        assert len(keys) == len(set(keys)) and set(keys) == set(self.model)
        assert set(scan_all(self.d)) == set(self.model)
        s0, s1 = self.d.table_sizes()
        u0, u1 = self.d.table_used()
        assert u0 + u1 == len(self.model)
        assert s1 == 0 or self.d.is_rehashing()

    @invariant()
    def object_refs(self):
        assert all(r == REFS_IN_MODEL_ONLY + 1 for r in _box_refs(self.model))

    def teardown(self):
        del self.d
        assert all(r == REFS_IN_MODEL_ONLY for r in _box_refs(self.model))


TestDictMachine = DictMachine.TestCase
TestDictMachine.settings = settings(max_examples=60, stateful_step_count=80)


# ------------------------------------------------------------------- scan --

def _scan_while_mutating(d, rng, stable, step):
    """Scan d to the end; between calls `step` mutates churn keys. Returns keys seen."""
    seen = set()
    cursor = 0
    calls = 0
    while True:
        cursor, keys = d.scan(cursor)
        seen.update(keys)
        calls += 1
        if cursor == 0:
            break
        step(calls)
        if rng.random() < 0.3:
            d.rehash_step(rng.randint(1, 5))
    missing = stable - seen
    assert not missing, f"{len(missing)} stable keys not returned"
    return seen


def test_scan_during_growth():
    rng = random.Random(1)
    d = DictForTest()
    stable = {b"stable:%d" % i for i in range(2000)}
    for k in stable:
        d.set(k, b"v")
    counter = [0]

    def grow(calls):
        # bounded growth: an ever-growing table would keep the cursor going
        if counter[0] >= 30000:
            return
        for _ in range(rng.randint(0, 40)):
            d.set(b"new:%d" % counter[0], b"v")
            counter[0] += 1
        # churn keys come and go too
        for _ in range(rng.randint(0, 5)):
            d.set(b"tmp:%d" % rng.randrange(500), b"v")
            d.delete(b"tmp:%d" % rng.randrange(500))

    before = d.table_sizes()[0]
    _scan_while_mutating(d, rng, stable, grow)
    assert d.table_sizes()[0] > before * 4   # the table grew several times meanwhile


def test_scan_during_shrink():
    rng = random.Random(2)
    d = DictForTest()
    stable = {b"stable:%d" % i for i in range(300)}
    doomed = [b"doomed:%d" % i for i in range(30000)]
    for k in list(stable) + doomed:
        d.set(k, b"v")
    rng.shuffle(doomed)
    shrinks = [0]

    def shrink(calls):
        for _ in range(rng.randint(0, 400)):
            if doomed:
                assert d.delete(doomed.pop())
        if d.try_shrink():
            shrinks[0] += 1

    big = d.table_sizes()[0]
    _scan_while_mutating(d, rng, stable, shrink)
    assert shrinks[0] >= 2 and d.table_sizes()[0] < big // 4


def test_scan_mid_rehash_both_directions():
    # cursor started on one table layout, finished on others, many times over
    rng = random.Random(3)
    for seed in range(20):
        d = DictForTest()
        n = rng.randint(50, 3000)
        stable = {b"s:%d:%d" % (seed, i) for i in range(n)}
        extra = [b"e:%d" % i for i in range(rng.randint(0, 4000))]
        for k in list(stable) + extra:
            d.set(k, b"")

        def mutate(calls, d=d, extra=extra):
            if rng.random() < 0.5 and extra:
                for _ in range(rng.randint(1, 200)):
                    if extra:
                        d.delete(extra.pop())
                d.try_shrink()
            else:
                for _ in range(rng.randint(1, 200)):
                    k = b"e:%d" % rng.randrange(10**6)
                    d.set(k, b"")
                    extra.append(k)

        _scan_while_mutating(d, rng, stable, mutate)


def test_scan_full_pass_no_duplicates_without_resize():
    d = DictForTest()
    for i in range(5000):
        d.set(b"%d" % i, b"")
    while d.is_rehashing():
        d.rehash_step(100)
    keys = scan_all(d)
    assert len(keys) == 5000 and len(set(keys)) == 5000


# ---------------------------------------------------------------- sampling --

def test_random_sampling_returns_existing_keys():
    d = DictForTest()
    present = set()
    for i in range(20000):
        k = b"r:%d" % i
        d.set(k, b"")
        present.add(k)
        if i % 3 == 0 and i:
            gone = b"r:%d" % (i // 2)
            if d.delete(gone):
                present.discard(gone)
        if i % 97 == 0:
            assert d.random_key() in present
            assert d.fair_random_key() in present
            some = d.some_keys(16)
            assert some and all(k in present for k in some)
    # mid-rehash as well
    assert d.expand(len(d) * 4) and d.is_rehashing()
    for _ in range(500):
        assert d.random_key() in present
        assert all(k in present for k in d.some_keys(20))


def test_random_covers_all_keys():
    d = DictForTest()
    keys = {b"c:%d" % i for i in range(64)}
    for k in keys:
        d.set(k, b"")
    assert {d.random_key() for _ in range(5000)} == keys
    assert {d.fair_random_key() for _ in range(5000)} == keys
    assert sorted(d.some_keys(1000)) == sorted(keys)  # capped at the table size


# -------------------------------------------------- rehash and resize policy --

def test_resize_avoided_grows_only_past_ratio():
    d = DictForTest()
    for i in range(4):
        d.set(b"%d" % i, b"")
    d.set_resize_allowed(False)
    size = d.table_sizes()[0]
    i = 4
    # with resizing avoided the load may reach 5 before a forced expand
    while not d.is_rehashing() and d.table_sizes()[0] == size:
        d.set(b"%d" % i, b"")
        i += 1
    assert i > 5 * size
    d.set_resize_allowed(True)
    assert d.rehash_ms(100) >= 0
    assert not d.is_rehashing() and d.table_sizes()[0] >= i
    # shrink refuses while resizing is avoided
    for j in range(i - 1):
        d.delete(b"%d" % j)
    d.set_resize_allowed(False)
    assert not d.try_shrink()
    d.set_resize_allowed(True)
    assert d.try_shrink()
    d.rehash_ms(100)
    assert d.table_sizes() == (4, 0) and len(d) == 1


def test_expand_for_loaders_and_rehash_ms():
    d = DictForTest()
    assert d.expand(1000) and d.table_sizes() == (1024, 0)
    assert not d.expand(1000)                 # same size: nothing to do
    d.fill(5000, b"L:", 3)
    assert d.expand(100000) or d.is_rehashing()
    while d.rehash_ms(1):
        pass
    assert not d.is_rehashing() and len(d) == 5000
    assert d.get(b"L:0004999") == b"vvv"
    assert d.buckets_bytes() >= d.table_sizes()[0] * 8


def test_paused_rehash_does_not_advance():
    d = DictForTest()
    d.fill(10000, b"p:", 1)
    d.expand(1 << 16)
    assert d.is_rehashing()
    used = d.table_used()
    d.pause_rehash()
    for i in range(1000):
        d.get(b"p:%07d" % i)
    assert d.table_used() == used
    d.resume_rehash()
    for i in range(50):
        d.get(b"p:%07d" % i)
    assert d.table_used() != used


def test_safe_iterator_deleting_during_rehash():
    d = DictForTest()
    keys = [b"i:%d" % i for i in range(6000)]
    for k in keys:
        d.set(k, b"")
    d.expand(1 << 15)
    assert d.is_rehashing()
    doomed = set(keys[::2])
    seen = d.keys_deleting(doomed)
    assert len(seen) == len(keys) and set(seen) == set(keys)
    assert set(d.keys()) == set(keys) - doomed
    # the pause was released: rehashing moves on again
    used = d.table_used()
    for k in keys[1:100:2]:
        d.get(k)
    assert d.table_used() != used


def test_growth_is_incremental_million_keys():
    d = DictForTest()
    runs = []            # (ht[0] size when the rehash started, inserts it spanned)
    run_start = None
    for i in range(1_000_000):
        d.set(b"key:%07d" % i, b"0123456789")
        if d.is_rehashing():
            if run_start is None:
                run_start = (i, d.table_sizes()[0])
        elif run_start is not None:
            runs.append((run_start[1], i - run_start[0]))
            run_start = None
    assert len(d) == 1_000_000
    big = [(size, n) for size, n in runs if size >= 1 << 14]
    assert len(big) >= 5
    # each insert moves at most two buckets (find + add steps) and visits at
    # most twenty empty ones, so a rehash of size S spans at least S/22 inserts
    for size, n in big:
        assert n >= size // 22, (size, n)
    assert max(size for size, _ in big) >= 1 << 18


def test_memory_footprint_million_keys():
    # in a fresh process, so memory freed by earlier tests cannot hide growth
    script = textwrap.dedent("""
        import gc, psutil
        from native.dict import DictForTest
        gc.collect()
        p = psutil.Process()
        d = DictForTest()
        before = p.memory_info().rss
        d.fill(1_000_000, b"key:", 10)
        after = p.memory_info().rss
        assert len(d) == 1_000_000 and d.get(b"key:0999999") == b"v" * 10
        print((after - before) / 1_000_000)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(support.REPO_ROOT / "tests"),
                                                       str(support.REPO_ROOT)]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True,
                         text=True, check=True, env=env)
    per_key = float(out.stdout.strip())
    assert per_key < 90, per_key
