"""The same redis-py operations against rkvd and against redis-server.

    python -m pytest perf/bench_commands.py --benchmark-only

Each operation is one benchmark group holding an [rkvd] and a [redis] row,
so the report lists them side by side. These are round-trip latencies of a
single blocking redis-py client: the client's own Python overhead (tens of
microseconds) is in every figure, so differences between the servers look
smaller than they are, and the two rows of a group run one after the other,
not interleaved. For server-side figures use compare.py and srvcost.py.

An operation a server rejects (e.g. a command rkvd lacks) is skipped for it.
"""
import pytest

redis = pytest.importorskip("redis")

KINDS = ("rkvd", "redis")
VALUE = b"v" * 16
MSET_MAP = {b"bench:mset:%d" % i: VALUE for i in range(10)}
PIPE_KEYS = [b"bench:pipe:%03d" % i for i in range(100)]


@pytest.fixture(scope="module", params=KINDS)
def client(request, perf_server):
    srv = perf_server(request.param)
    r = redis.Redis(host="127.0.0.1", port=srv.port, protocol=2, socket_timeout=30)
    r.kind = request.param
    yield r
    r.close()


def _require(client, fn, *args):
    """Run the operation once; skip when this server rejects it."""
    try:
        return fn(*args)
    except redis.ResponseError as e:
        pytest.skip(f"{client.kind}: {e}")


def test_set(benchmark, client):
    benchmark.group = "SET"
    benchmark.extra_info["server"] = client.kind
    _require(client, client.set, b"bench:set", VALUE)
    assert benchmark(client.set, b"bench:set", VALUE)


def test_get(benchmark, client):
    benchmark.group = "GET"
    benchmark.extra_info["server"] = client.kind
    _require(client, client.set, b"bench:get", VALUE)
    assert benchmark(client.get, b"bench:get") == VALUE


def test_incr(benchmark, client):
    benchmark.group = "INCR"
    benchmark.extra_info["server"] = client.kind
    _require(client, client.incr, b"bench:incr")
    assert benchmark(client.incr, b"bench:incr") > 1


def test_mset_10_keys(benchmark, client):
    benchmark.group = "MSET 10 keys"
    benchmark.extra_info["server"] = client.kind
    _require(client, client.mset, MSET_MAP)
    assert benchmark(client.mset, MSET_MAP)


def test_pipeline_100_gets(benchmark, client):
    benchmark.group = "pipeline of 100 GETs"
    benchmark.extra_info["server"] = client.kind
    for k in PIPE_KEYS:
        _require(client, client.set, k, VALUE)

    def run():
        p = client.pipeline(transaction=False)
        for k in PIPE_KEYS:
            p.get(k)
        return p.execute()

    assert benchmark(run) == [VALUE] * len(PIPE_KEYS)
