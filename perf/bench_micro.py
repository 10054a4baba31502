"""Micro benchmarks of engine internals (no server, no sockets).

    python -m pytest perf/bench_micro.py --benchmark-only

* keyspace hash table (``DictForTest``, tests/native/dict.pyx): set / get / delete
  of 100,000 keys ``key:NNNNNNN`` -> 10-byte values, next to a plain Python
  dict driven by the same loop as a baseline (both rows pay the same Python
  call overhead per operation);
* RESP request parser (``bench_parse(data, repeat)``, tests/native/server.pyx,
  which parses ``data`` ``repeat`` times with the engine's parser and returns
  the number of commands): a few request mixes; extra_info["commands"] is the
  count per call.

Both come from the test-only extension in tests/native (never installed),
built here first if stale; tests skip when it or the engine cannot load.
"""
import os
import sys

import pytest

TESTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests")
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

N_KEYS = 100_000
KEYS = [b"key:%07d" % i for i in range(N_KEYS)]
VALS = [b"v%09d" % i for i in range(N_KEYS)]

try:
    from native import build as _native_build
    _native_build.ensure_built()
    from native.dict import DictForTest
    from native.server import bench_parse
    _native_skip = None
except Exception as e:  # no Cython or compiler, a compile error, or the engine not built
    DictForTest = bench_parse = None
    _native_skip = f"the test extension (tests/native) is unavailable: {e}"


# -- hash table ------------------------------------------------------------
class _PyDict(dict):
    """Python dict with the DictForTest method names."""
    set = dict.__setitem__
    delete = dict.__delitem__


IMPLS = {
    "DictForTest": lambda: DictForTest(),
    "python-dict": _PyDict,
}


def _impl_param(name):
    marks = [pytest.mark.skipif(name == "DictForTest" and DictForTest is None, reason=_native_skip or "")]
    return pytest.param(name, marks=marks, id=name)


impl = pytest.mark.parametrize("impl", [_impl_param(n) for n in IMPLS])


def _fill(d):
    s = d.set
    for k, v in zip(KEYS, VALS):
        s(k, v)
    return d


@impl
def test_dict_set_100k(benchmark, impl):
    benchmark.group = "dict: set 100k new keys"

    def setup():
        return (IMPLS[impl](),), {}

    d = benchmark.pedantic(_fill, setup=setup, rounds=7, warmup_rounds=1)
    assert len(d) == N_KEYS


@impl
def test_dict_overwrite_100k(benchmark, impl):
    benchmark.group = "dict: overwrite 100k keys"
    d = _fill(IMPLS[impl]())
    benchmark.pedantic(_fill, args=(d,), rounds=7, warmup_rounds=1)
    assert len(d) == N_KEYS


@impl
def test_dict_get_100k(benchmark, impl):
    benchmark.group = "dict: get 100k keys"
    d = _fill(IMPLS[impl]())

    def get_all():
        g = d.get
        n = 0
        for k in KEYS:
            if g(k) is not None:
                n += 1
        return n

    assert benchmark.pedantic(get_all, rounds=7, warmup_rounds=1) == N_KEYS


@impl
def test_dict_get_missing_100k(benchmark, impl):
    benchmark.group = "dict: get 100k missing keys"
    d = _fill(IMPLS[impl]())
    missing = [b"nokey:%07d" % i for i in range(N_KEYS)]

    def get_all():
        g = d.get
        for k in missing:
            g(k)

    benchmark.pedantic(get_all, rounds=7, warmup_rounds=1)


@impl
def test_dict_delete_100k(benchmark, impl):
    benchmark.group = "dict: delete 100k keys"

    def setup():
        return (_fill(IMPLS[impl]()),), {}

    def delete_all(d):
        x = d.delete
        for k in KEYS:
            x(k)
        return d

    d = benchmark.pedantic(delete_all, setup=setup, rounds=7, warmup_rounds=1)
    assert len(d) == 0


# -- RESP parser -----------------------------------------------------------
def _enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


PAYLOADS = {
    "GET x1000": (1000, b"".join(_enc(b"GET", b"key:%07d" % i) for i in range(1000))),
    "SET 16B x1000": (1000, b"".join(_enc(b"SET", b"key:%07d" % i, b"x" * 16) for i in range(1000))),
    "MSET 10 keys x100": (100, b"".join(
        _enc(b"MSET", *[x for j in range(10) for x in (b"key:%07d" % (i * 10 + j), b"x" * 16)])
        for i in range(100))),
    "SET 4KiB x100": (100, b"".join(_enc(b"SET", b"key:%07d" % i, b"x" * 4096) for i in range(100))),
    "inline PING x1000": (1000, b"PING\r\n" * 1000),
}
REPEAT = 100


@pytest.mark.skipif(bench_parse is None, reason=_native_skip or "")
@pytest.mark.parametrize("mix", list(PAYLOADS))
def test_resp_parse(benchmark, mix):
    benchmark.group = "RESP parse"
    ncmds, data = PAYLOADS[mix]
    benchmark.extra_info["commands"] = ncmds * REPEAT
    benchmark.extra_info["bytes"] = len(data) * REPEAT
    got = benchmark(bench_parse, data, REPEAT)
    assert got == ncmds * REPEAT
