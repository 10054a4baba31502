"""Lazy free (rkvd/_core/engine/lazyfree.pyx, lib/bio.pyx): UNLINK, and DEL,
eviction under their lazyfree-lazy-* switches, hand a big value to the
lazy-free thread; INFO's lazyfree_pending_objects / lazyfreed_objects count
the same objects as redis-server's for the same commands. (Sorted sets are
freed inline for now, so none is in the comparison.)
"""
import time

from support import wait_until


def lazy_stats(client):
    m = client.info("memory")
    return m["lazyfree_pending_objects"], m["lazyfreed_objects"]


def settle(client):
    assert wait_until(lambda: lazy_stats(client)[0] == 0, 5)
    return lazy_stats(client)[1]


def scenario(c):
    """Freed counts after each step, for one server."""
    out = []
    c.config_resetstat()
    c.sadd("set", *range(1000))                     # hashtable of 1000: lazy
    c.unlink("set")
    out.append(settle(c))
    c.sadd("small", *[f"m{i}" for i in range(10)])  # effort 10: freed inline
    c.unlink("small")
    c.set("str", "x" * 100000)                      # a string: effort 1
    c.unlink("str")
    out.append(settle(c))
    c.hset("hash", mapping={f"f{i}": "v" * 80 for i in range(500)})
    c.rpush("list", *[f"element-{i}-" + "x" * 200 for i in range(5000)])     # ~130 nodes
    c.unlink("hash", "list")
    out.append(settle(c))
    c.config_set("stream-node-max-entries", 5)
    p = c.pipeline(transaction=False)
    for i in range(1000):
        p.xadd("stream", {"f": i})
    p.execute()
    c.xgroup_create("stream", "g", "0")
    c.xreadgroup("g", "alice", {"stream": ">"}, count=2)
    c.unlink("stream")
    out.append(settle(c))
    c.sadd("set", *range(1000))
    c.delete("set")                                 # DEL: inline by default
    out.append(settle(c))
    c.config_set("lazyfree-lazy-user-del", "yes")
    c.sadd("set", *range(1000))
    c.delete("set")
    out.append(settle(c))
    c.config_resetstat()
    out.append(settle(c))
    return out


def test_lazyfreed_objects_count_as_redis(server_pair):
    rk, rd = server_pair()
    got = scenario(rk.client())
    assert got == scenario(rd.client())
    assert got == [1, 1, 3, 4, 4, 5, 0]


def test_unlink_gives_the_memory_back_and_the_server_serves_meanwhile(rkvd_factory):
    s = rkvd_factory()
    c = s.client()
    before = c.info("memory")["used_memory"]
    for k in range(4):
        c.sadd(f"s{k}", *range(k * 100000, (k + 1) * 100000))
    peak = c.info("memory")["used_memory"]
    assert peak - before > 20 << 20
    assert c.unlink("s0", "s1", "s2", "s3") == 4
    assert c.exists("s0") == 0 and c.ping()
    assert settle(c) == 4
    time.sleep(1.2)          # the cron's calibration and query-buffer trim
    assert c.info("memory")["used_memory"] < before + (2 << 20)


def test_lazy_eviction_frees_on_the_thread(rkvd_factory):
    s = rkvd_factory()
    c = s.client()
    c.config_set("lazyfree-lazy-eviction", "yes")
    c.config_set("maxmemory-policy", "allkeys-random")
    for k in range(3):
        c.sadd(f"s{k}", *range(k * 20000, (k + 1) * 20000))
    time.sleep(1.2)
    c.config_set("maxmemory", c.info("memory")["used_memory"] - (1 << 20))
    c.ping()
    assert c.info("stats")["evicted_keys"] >= 1
    assert settle(c) == c.info("stats")["evicted_keys"]
