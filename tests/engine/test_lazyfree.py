"""Lazy free (rkvd/_core/engine/lazyfree.pyx, lib/bio.pyx): UNLINK, and DEL,
eviction, expiry, implicit deletes and overwrites under their lazyfree-lazy-*
switches, hand a big value to the lazy-free thread, FLUSHALL / FLUSHDB ASYNC
a whole keyspace; INFO's lazyfree_pending_objects / lazyfreed_objects count
the same objects as redis-server's for the same commands.
"""
import time

import pytest

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


def zset_scenario(c):
    c.config_resetstat()
    c.zadd("z", {f"m{i}": i for i in range(1000)})      # skiplist of 1000: lazy
    c.zadd("small", {f"m{i}": i for i in range(100)})   # listpack: inline
    c.zadd("edge", {f"m{i}": i for i in range(200)})
    c.zrem("edge", *[f"m{i}" for i in range(137)])      # a skiplist of 63: inline
    c.unlink("z", "small", "edge")
    out = [settle(c)]
    # the slabs took the nodes back: a new set reuses them and is whole
    c.zadd("z", {f"n{i}": -i for i in range(3000)})
    out.append((c.zcard("z"), c.zrange("z", 0, 2), c.zrank("z", "n0")))
    c.unlink("z")
    out.append(settle(c))
    return out


def flush_scenario(c):
    c.config_resetstat()
    out = []
    p = c.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"k{i}", i)
    p.sadd("set", *range(1000))
    p.zadd("zset", {f"m{i}": i for i in range(500)})
    p.expire("k1", 100)
    p.execute()
    c.execute_command("SELECT", 3)
    c.set("x", "y" * 100)
    c.execute_command("SELECT", 0)
    out.append(c.execute_command("FLUSHALL", "ASYNC"))
    out.append((c.dbsize(), c.exists("k1", "set", "zset")))
    out.append(settle(c))
    c.set("a", 1)
    c.hset("h", mapping={f"f{i}": i for i in range(300)})
    out.append(c.execute_command("FLUSHDB", "ASYNC"))
    out.append(settle(c))
    c.set("a", 1)
    out.append(c.execute_command("FLUSHDB", "SYNC"))
    out.append(settle(c))
    c.config_set("lazyfree-lazy-user-flush", "yes")
    c.set("a", 1)
    c.set("b", 1)
    c.flushdb()
    out.append(settle(c))
    c.set("a", 1)
    c.flushall()
    out.append(settle(c))
    c.flushall()                # empty dbs: nothing to count
    out.append(settle(c))
    c.config_set("lazyfree-lazy-user-flush", "no")
    c.set("a", 1)
    c.flushall()
    out.append(settle(c))
    return out


def server_del_scenario(c):
    """Implicit deletes and overwrites under lazyfree-lazy-server-del."""
    out = []
    c.config_resetstat()
    for on in ("no", "yes"):
        c.config_set("lazyfree-lazy-server-del", on)
        c.sadd("big", *range(1000))
        c.set("big", "string now")                  # SET over a big set
        c.sadd("s1", *range(2000))
        c.sadd("s2", *range(1000, 3000))
        c.sadd("k2", *range(1000))
        c.sadd("src", 1)
        c.rename("src", "k2")                       # RENAME over a big set
        c.rpush("k3", *range(1000))
        c.sinterstore("k3", "s1", "s2")             # *STORE over a big list
        c.sadd("k4", *range(1000))
        c.sort("s1", store="k4")                    # SORT STORE over a big set
        c.zadd("k5", {f"m{i}": i for i in range(1000)})
        c.zunionstore("k5", ["s1"])                 # ZUNIONSTORE over a big zset
        c.hset("k6", mapping={f"f{i}": i for i in range(1000)})
        c.restore("k6", 0, c.dump("s2"), replace=True)  # RESTORE REPLACE
        c.delete("big", "k2", "k3", "k4", "k5", "k6", "s1", "s2")
        out.append(settle(c))
    c.config_set("lazyfree-lazy-server-del", "no")
    return out


def expire_scenario(c):
    """Expired big values, passive and active, under lazyfree-lazy-expire."""
    out = []
    c.config_resetstat()
    for on in ("no", "yes"):
        c.config_set("lazyfree-lazy-expire", on)
        c.sadd("passive", *range(1000))
        c.pexpire("passive", 1)
        c.sadd("active", *range(1000))
        c.pexpire("active", 1)
        c.set("gone", "x" * 100)
        time.sleep(0.05)
        out.append(c.exists("passive"))            # lazy expiry on lookup
        assert wait_until(lambda: c.dbsize() == 1, 5)   # the active cycle takes "active"
        c.sadd("past", *range(1000))
        c.expire("past", -1)                        # EXPIRE in the past deletes now
        c.getex("gone", pxat=1)                     # GETEX with a past time too
        out.append(settle(c))
    c.config_set("lazyfree-lazy-expire", "no")
    return out


def test_lazyfreed_objects_count_as_redis(server_pair):
    rk, rd = server_pair()
    got = scenario(rk.client())
    assert got == scenario(rd.client())
    assert got == [1, 1, 3, 4, 4, 5, 0]


def test_big_sorted_set_is_freed_lazily_as_in_redis(server_pair):
    rk, rd = server_pair()
    got = zset_scenario(rk.client())
    assert got == zset_scenario(rd.client())
    assert got[0] == 1 and got[2] == 2


def test_flush_async_counts_keys_as_redis(server_pair):
    rk, rd = server_pair()
    got = flush_scenario(rk.client())
    assert got == flush_scenario(rd.client())
    assert got[2] == 1003 and got[4] == 1005


@pytest.mark.parametrize("scenario", [server_del_scenario, expire_scenario])
def test_lazy_switches_count_as_redis(server_pair, scenario):
    rk, rd = server_pair()
    got = scenario(rk.client())
    assert got == scenario(rd.client())
    assert got[-1] > got[0]


def script_flush_scenario(c):
    """SCRIPT FLUSH / FUNCTION FLUSH: more than 64 scripts or functions go
    to the lazy free when ASYNC (or lazyfree-lazy-user-flush) says so."""
    out = []
    c.config_resetstat()

    def scripts(n):
        for i in range(n):
            c.script_load(f"return {i}")

    def functions(n, libs=4):
        per = n // libs
        for lib in range(libs):
            body = "".join(f"redis.register_function('f{lib}_{i}', function() return {i} end)\n"
                           for i in range(per))
            c.function_load(f"#!lua name=lib{lib}\n" + body)

    scripts(100)
    c.script_flush("ASYNC")
    out.append(settle(c))                   # 100
    scripts(64)
    c.script_flush("ASYNC")                 # 64: freed at once, not counted
    out.append(settle(c))
    scripts(100)
    c.script_flush("SYNC")
    out.append(settle(c))
    scripts(100)
    c.config_set("lazyfree-lazy-user-flush", "yes")
    c.script_flush()
    out.append(settle(c))                   # +100
    c.config_set("lazyfree-lazy-user-flush", "no")
    functions(200)
    c.function_flush("ASYNC")
    out.append(settle(c))                   # +200
    functions(200)
    c.function_flush()
    out.append(settle(c))
    out.append(c.script_exists("e0e1a3c5a4e8ca43e1c3b4b1f0e3f4a62e0a3a8b")[0])
    functions(8)
    out.append(len(c.function_list()))     # the flushed libraries are gone
    assert c.fcall("f0_1", 0) == 1
    return out


def test_script_and_function_flush_async_count_as_redis(server_pair):
    rk, rd = server_pair()
    got = script_flush_scenario(rk.client())
    assert got == script_flush_scenario(rd.client())
    assert got == [100, 100, 100, 200, 400, 400, False, 4]


def test_flushall_async_gives_the_memory_back(rkvd_factory):
    s = rkvd_factory()
    c = s.client()
    before = c.info("memory")["used_memory"]
    p = c.pipeline(transaction=False)
    for k in range(4):
        p.sadd(f"s{k}", *range(k * 100000, (k + 1) * 100000))
        p.zadd(f"z{k}", {f"m{i}": i for i in range(20000)})
    for i in range(50000):
        p.set(f"str{i}", "v" * 60)
    p.execute()
    peak = c.info("memory")["used_memory"]
    assert peak - before > 20 << 20
    assert c.execute_command("FLUSHALL", "ASYNC")
    assert c.dbsize() == 0 and c.set("new", 1)
    assert settle(c) == 50008
    assert wait_until(lambda: c.info("memory")["used_memory"] < before + (4 << 20), 5)


def test_replica_lazy_flush_frees_the_old_data_set_lazily(rkvd_factory, redis_factory):
    """Redis's readSyncBulkPayload: emptyData ASYNC under replica-lazy-flush."""
    ms = redis_factory("--repl-diskless-sync-delay", "0")
    ms.client().set("from-master", 1)
    rs = rkvd_factory("--replica-lazy-flush", "yes")
    r = rs.client()
    r.config_resetstat()
    p = r.pipeline(transaction=False)
    for i in range(500):
        p.set(f"old{i}", i)
    p.execute()
    r.replicaof("127.0.0.1", ms.port)
    assert wait_until(lambda: r.info("replication").get("master_link_status") == "up", 10)
    assert r.keys() == [b"from-master"]
    assert settle(r) == 500


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
