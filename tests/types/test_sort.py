"""SORT and SORT_RO, byte for byte against redis-server 7.0.15.

Sorted output is deterministic, so replies compare exactly, except BY nosort
over a hash-table set (the two servers hash with different seeds).
"""
import pytest

from support import case, unordered

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

LIST = "RPUSH l 3 10 1 2 30 -5 2.5"
WEIGHTS = "MSET w_3 30 w_10 5 w_1 100 w_2 2 w_30 0.5 w_-5 7 w_2.5 -1"
NAMES = "MSET n_3 three n_10 ten n_1 one n_2 two n_30 thirty n_-5 minus n_2.5 twoandhalf"
HASHES = ["HSET h_3 f c", "HSET h_10 f a", "HSET h_1 f b", "HSET h_2 f e", "HSET h_30 f d"]

CASES = [
    case("numeric", LIST, "SORT l", "SORT l DESC", "SORT l ASC", "SORT_RO l", "SORT_RO l DESC"),
    case("alpha", LIST, "SORT l ALPHA", "SORT l ALPHA DESC", "RPUSH a b A c ab a",
         "SORT a ALPHA", "SORT a", "SORT a ALPHA DESC"),
    case("limit", LIST, "SORT l LIMIT 0 3", "SORT l LIMIT 2 2", "SORT l LIMIT 5 100",
         "SORT l LIMIT -3 2", "SORT l LIMIT 2 -1", "SORT l LIMIT 100 2", "SORT l LIMIT 0 0",
         "SORT l DESC LIMIT 1 3", "SORT l LIMIT 1", "SORT l LIMIT a 1"),
    case("by-pattern", LIST, WEIGHTS, "SORT l BY w_*", "SORT l BY w_* DESC",
         "SORT l BY w_* LIMIT 1 2", "SORT l BY missing_*", "SORT l BY w_* ALPHA"),
    case("by-nosort", LIST, "SORT l BY nosort", "SORT l BY nosort DESC",
         "SORT l BY nosort LIMIT 1 3", "SORT l BY nosort DESC LIMIT 1 3", "SORT l BY nosort LIMIT 10 3"),
    case("get", LIST, NAMES, "SORT l GET n_*", "SORT l GET # GET n_*", "SORT l GET nostar",
         "SORT l GET n_* LIMIT 0 2 DESC", "SORT l BY nosort GET #"),
    case("hash-field", "RPUSH l 3 10 1 2 30", *HASHES, "SORT l BY h_*->f ALPHA",
         "SORT l BY h_*->f ALPHA GET h_*->f", "SORT l GET h_*->nope", "SORT l BY h_*-> ALPHA"),
    case("store", LIST, "SORT l STORE dst", "LRANGE dst 0 -1", "TYPE dst",
         "SORT l LIMIT 0 2 STORE dst", "LRANGE dst 0 -1", "SORT nope STORE dst", "EXISTS dst",
         NAMES, "SORT l GET n_* GET missing_* STORE dst2", "LRANGE dst2 0 -1",
         "SORT_RO l STORE dst"),
    case("sets", "SADD s 5 1 3 2 4", "SORT s", "SORT s DESC", "SORT s LIMIT 1 2",
         "SADD t b c a", "SORT t ALPHA", unordered("SORT t BY nosort"),
         "SORT t BY nosort STORE st", "LRANGE st 0 -1"),
    case("zsets", "ZADD z 3 c 1 a 2 b 10 j", "SORT z ALPHA", "SORT z BY nosort",
         "SORT z BY nosort DESC", "SORT z BY nosort LIMIT 1 2", "SORT z BY nosort DESC LIMIT 1 2",
         needs=("ZADD",)),
    case("errors", "RPUSH l a b", "SORT l", "SORT l FOO", "SET str x", "SORT str", "HSET h f v",
         "SORT h", "SORT missing", "SORT missing ALPHA", "RPUSH f 1.5 abc", "SORT f",
         "SORT l BY w_*"),
    case("scores", "RPUSH l 1e3 -inf inf 0x10 ' 5' 007 -0", "SORT l", "SORT l DESC"),
]


@pytest.mark.parametrize("steps, needs", CASES)
def test_sort(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)
