# cython: language_level=3
# bench_parse: the engine's RESP request parser (rkvd._core.server) from
# Python, for perf/bench_micro.py. Test-only: built by tests/native/build.py,
# never part of the installed package. It goes through server.pxd.
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE

from rkvd._core.server cimport parse_requests


def bench_parse(bytes data, long long repeat):
    """Parse `data` (RESP requests) `repeat` times with the real request
    parser, without executing. Returns the number of requests parsed."""
    return parse_requests(PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), repeat)
