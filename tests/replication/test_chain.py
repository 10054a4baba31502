"""rkvd in the middle of a chain: redis-server -> rkvd -> redis-server.

rkvd is a replica of a real redis-server and the master of another real
redis-server. Writes keep coming while each link makes its full sync (the
snapshots are slowed down so they overlap), and the chain ends with the
same DEBUG DIGEST on all three servers, which both implementations compute
the same way, and the same replication offset.
"""
import support
from support import wait_for


def fill(c):
    for db in (0, 3):
        c.execute_command("SELECT", db)
        pipe = c.pipeline(transaction=False)
        for i in range(300):
            pipe.set(f"s:{i}", f"v{i}")
        pipe.rpush("list", *range(50))
        pipe.hset("hash", mapping={f"f{i}": i for i in range(40)})
        pipe.zadd("zset", {f"m{i}": i / 3 for i in range(40)})
        pipe.sadd("set", *range(30))
        pipe.xadd("stream", {"a": "1"})
        pipe.set("ttl", "x", ex=1000)
        pipe.execute()
    c.execute_command("SELECT", 0)


def write_some(c, n):
    pipe = c.pipeline(transaction=False)
    pipe.incr("during:counter")
    pipe.rpush("during:list", n)
    pipe.hincrby("hash", "f1", 1)
    pipe.zincrby("zset", 1, f"m{n % 40}")
    pipe.set(f"during:{n}", n, px=600000)
    if n % 7 == 0:
        pipe.delete(f"s:{n}")
    pipe.execute()


def link_up(c):
    return c.info("replication").get("master_link_status") == "up"


def test_redis_to_rkvd_to_redis_with_writes_during_the_syncs(rkvd_factory, redis_factory):
    top = redis_factory("--repl-diskless-sync-delay", "0")
    tc = top.client()
    fill(tc)
    tc.config_set("rdb-key-save-delay", "300")          # ~0.2 s for the snapshot
    mid = rkvd_factory("--replicaof", support.HOST, str(top.port),
                       "--repl-diskless-sync-delay", "0", "--rdb-key-save-delay", "300")
    mc = mid.client()
    bottom = redis_factory("--replicaof", support.HOST, str(mid.port))
    bc = bottom.client()
    written = [0]

    def write_until(replica):
        written[0] += 1
        write_some(tc, written[0])
        return link_up(replica)

    # writes while rkvd loads the top's snapshot, then while the bottom
    # loads rkvd's (it is refused until rkvd's own link is up)
    for replica in (mc, bc):
        wait_for(lambda r=replica: write_until(r), timeout=10, what="a link to come up")
    n = written[0]
    tc.config_set("rdb-key-save-delay", "0")
    for i in range(50):
        write_some(tc, n + i)
    end = tc.info("replication")["master_repl_offset"]
    for c in (mc, bc):
        wait_for(lambda c=c: c.info("replication").get("slave_repl_offset") == end,
                 what="the chain to catch up")
    digests = [c.execute_command("DEBUG", "DIGEST") for c in (tc, mc, bc)]
    assert digests[0] == digests[1] == digests[2] != b"0" * 40
    assert tc.info("stats")["sync_full"] == 1 and mc.info("stats")["sync_full"] == 1
    assert bc.execute_command("SELECT", 3) and bc.hget("hash", "f5") == b"5"
