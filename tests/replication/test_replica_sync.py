"""rkvd as a replica of a real redis-server 7.0.15 master.

Each scenario ends with DEBUG DIGEST equal on both sides: the replica holds
exactly the master's data set. Partial resyncs are checked on the master's
own counters (INFO stats sync_partial_ok), so a replica that silently fell
back to a full sync fails.
"""
import time

import pytest

from support import wait_for

# Master options: no delay before a diskless sync, so the tests do not wait
# the default 5 seconds for replicas that might join.
MASTER_ARGS = ("--repl-diskless-sync-delay", "0")


def info(client, section="replication"):
    return client.info(section)


def link_up(replica):
    return info(replica).get("master_link_status") == "up"


def in_sync(master, replica):
    """The replica applied all the master sent and both digests agree."""
    moff = info(master)["master_repl_offset"]
    r = info(replica)
    return (r.get("master_link_status") == "up" and r["slave_repl_offset"] == moff
            and master.execute_command("DEBUG", "DIGEST") == replica.execute_command("DEBUG", "DIGEST"))


def wait_in_sync(master, replica, timeout=10.0):
    wait_for(lambda: in_sync(master, replica), timeout, "the replica to catch up")


def partial_ok(master):
    return info(master, "stats")["sync_partial_ok"]


@pytest.fixture
def pair(rkvd_factory, redis_factory):
    """(master redis-server, rkvd replica) as redis-py clients, linked."""

    def make(*replica_args, master_args=(), populate=None, wait=True):
        ms = redis_factory(*MASTER_ARGS, *master_args)
        master = ms.client()
        if populate is not None:
            populate(master)
        rs = rkvd_factory("--replicaof", "127.0.0.1", str(ms.port), *replica_args)
        replica = rs.client()
        if wait:
            wait_for(lambda: link_up(replica), what="the link to come up")
        return master, replica, ms, rs

    return make


def populate_every_type(m):
    for db in (0, 3, 15):
        m.execute_command("SELECT", db)
        p = m.pipeline(transaction=False)
        p.execute_command("SELECT", db)
        p.set(f"s{db}", "v" * 50)
        p.set("int", 12345)
        p.rpush("list", *range(200))
        p.rpush("smalllist", "a", "b")
        p.hset("hash", mapping={f"f{i}": i for i in range(100)})
        p.hset("smallhash", mapping={"a": 1})
        p.sadd("intset", *range(50))
        p.sadd("set", *[f"m{i}" for i in range(600)])
        p.zadd("zset", {f"z{i}": i / 3 for i in range(200)})
        p.zadd("smallzset", {"a": 1.5})
        for i in range(20):
            p.xadd("stream", {"k": i})
        p.xgroup_create("stream", "g", id="0")
        p.pfadd("hll", *range(100))
        p.set("volatile", 1, ex=1000)
        p.set("pvolatile", 2, px=500000)
        p.execute()
    m.execute_command("SELECT", 0)
    m.xreadgroup("g", "consumer", {"stream": ">"}, count=3)


def test_full_sync_of_every_type_and_the_stream_after(pair):
    master, replica, ms, rs = pair(populate=populate_every_type)
    wait_in_sync(master, replica)
    assert replica.dbsize() == master.dbsize()
    assert replica.ttl("volatile") > 900
    assert replica.object("encoding", "intset") == b"intset"
    r = info(replica)
    assert r["role"] == "slave" and r["master_port"] == ms.port and r["master_sync_in_progress"] == 0
    assert r["slave_read_only"] == 1 and r["slave_priority"] == 100 and r["replica_announced"] == 1
    # the stream that follows, in several databases, with a transaction
    master.execute_command("SELECT", 7)
    master.set("k7", "x")
    master.select = None
    with master.pipeline(transaction=True) as p:
        p.incr("counter")
        p.lpush("list", "new")
        p.zincrby("zset", 2, "z1")
        p.execute()
    master.delete("hash")
    master.execute_command("FLUSHDB")      # database 7 only
    master.execute_command("SWAPDB", 3, 15)
    wait_in_sync(master, replica)
    master_line = [ln for ln in replica.client_list() if ln["flags"] == "M"]
    assert len(master_line) == 1 and master_line[0]["addr"] == f"127.0.0.1:{ms.port}"
    # the master sees the replica online with our offset, from our ACKs
    wait_for(lambda: f"offset={info(master)['master_repl_offset']}" in
               ",".join(f"{k}={v}" for k, v in info(master)["slave0"].items()), what="an ACK")


def test_writes_during_the_full_sync_reach_the_replica(pair, redis_factory, rkvd_factory):
    ms = redis_factory(*MASTER_ARGS, "--repl-diskless-sync", "no", "--rdb-key-save-delay", "200")
    master = ms.client()
    p = master.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"key:{i}", i)
    p.execute()
    rs = rkvd_factory("--replicaof", "127.0.0.1", str(ms.port))
    replica = rs.client()
    # the fork child takes about 0.2 s: write while it saves
    wait_for(lambda: info(master, "persistence")["rdb_bgsave_in_progress"] == 1, what="the BGSAVE")
    for i in range(300):
        master.incr("during")
        master.set(f"key:{i}", "changed")
    wait_in_sync(master, replica)
    assert replica.get("during") == b"300" and replica.get("key:5") == b"changed"
    assert info(master, "stats")["sync_full"] == 1


@pytest.mark.parametrize("kill", ["master-side", "replica-side"])
def test_a_killed_link_continues_with_a_partial_resync(pair, kill):
    master, replica, ms, rs = pair(populate=populate_every_type)
    wait_in_sync(master, replica)
    before = partial_ok(master)
    for round_ in range(2):
        if kill == "master-side":
            master.execute_command("CLIENT", "KILL", "TYPE", "replica")
        else:
            assert replica.execute_command("CLIENT", "KILL", "TYPE", "master") == 1
        master.incr("during-down")
        with master.pipeline(transaction=True) as p:
            p.set("in-multi", round_)
            p.rpush("list", round_)
            p.execute()
        wait_in_sync(master, replica)
        assert partial_ok(master) == before + round_ + 1
    assert info(master, "stats")["sync_full"] == 1
    assert replica.get("during-down") == b"2"


def test_read_only_replica_refuses_writes_and_write_scripts(pair):
    master, replica, ms, rs = pair()
    ro = b"-READONLY You can't write against a read only replica.\r\n"
    raw = rs.raw()
    assert raw.command("SET", "x", 1) == ro
    # a transaction with a write is refused at queue time and aborts
    assert raw.command("MULTI") == b"+OK\r\n"
    assert raw.command("SET", "x", 1) == ro
    assert raw.command("EXEC").startswith(b"-EXECABORT")
    assert raw.command("EVAL", "return redis.call('set', 'x', 1)", 0).startswith(
        b"-READONLY You can't write against a read only replica. script: ")
    # a script that declares flags is a write unless it says no-writes, and
    # Redis's generic check refuses it before it runs (unit/scripting's
    # "no-writes shebang flag on replica")
    assert raw.command("EVAL", "#!lua\nreturn redis.call('set', 'x', 1)", 0) == ro
    assert raw.command("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'x')", 0) == b"$-1\r\n"
    assert raw.command("EVAL", "return redis.call('get', 'x')", 0) == b"$-1\r\n"
    assert replica.get("x") is None
    # replica-read-only no: this replica takes writes of its own
    replica.config_set("replica-read-only", "no")
    assert replica.set("local", 1) is True
    assert info(replica)["slave_read_only"] == 0


def test_stale_replica_answers_masterdown(pair):
    master, replica, ms, rs = pair("--replica-serve-stale-data", "no")
    assert replica.get("k") is None             # link up: served
    ms.kill()
    wait_for(lambda: info(replica)["master_link_status"] == "down", what="the link to drop")
    raw = rs.raw()
    assert raw.command("GET", "k") == (b"-MASTERDOWN Link with MASTER is down and "
                                       b"replica-serve-stale-data is set to 'no'.\r\n")
    assert raw.command("EVAL", "return 1", 0) == (b"-MASTERDOWN Link with MASTER is down and "
                                                  b"replica-serve-stale-data is set to 'no'.\r\n")
    r = info(replica)                           # INFO is a stale command
    assert r["master_link_down_since_seconds"] >= 0 and r["master_last_io_seconds_ago"] == -1


def test_keys_expire_logically_until_the_master_deletes_them(pair):
    master, replica, ms, rs = pair()
    master.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    deadline = time.monotonic() + 0.5
    master.set("gone", "v", px=500)
    master.set("stays", "v")
    wait_in_sync(master, replica)
    assert replica.dbsize() == 2
    time.sleep(max(0.0, deadline - time.monotonic()) + 0.05)
    # expired for readers, but only the master's DEL removes it
    assert replica.get("gone") is None
    assert replica.exists("gone") == 0
    assert replica.ttl("gone") == -2
    assert replica.keys("*") == [b"stays"]
    assert replica.dbsize() == 2
    time.sleep(0.3)
    assert replica.dbsize() == 2                # no active expiry on a replica
    assert master.get("gone") is None           # the master expires it lazily: DEL
    wait_for(lambda: replica.dbsize() == 1, what="the DEL")
    wait_in_sync(master, replica)


def test_replicaof_no_one_promotes_and_keeps_the_data(pair):
    master, replica, ms, rs = pair(populate=populate_every_type)
    wait_in_sync(master, replica)
    digest = master.execute_command("DEBUG", "DIGEST")
    old_id = info(replica)["master_replid"]
    offset = info(replica)["master_repl_offset"]
    assert replica.execute_command("REPLICAOF", "NO", "ONE") == b"OK"
    r = info(replica)
    assert r["role"] == "master" and r["master_replid2"] == old_id
    assert r["second_repl_offset"] == offset + 1 and r["repl_backlog_active"] == 1
    assert replica.execute_command("DEBUG", "DIGEST") == digest
    assert replica.set("after", 1) is True
    assert replica.config_get("replicaof") == {"replicaof": ""}
    # and back: REPLICAOF to the same master twice answers the second time
    assert replica.execute_command("REPLICAOF", "127.0.0.1", ms.port) == b"OK"
    assert replica.execute_command("REPLICAOF", "127.0.0.1", ms.port) == \
        b"OK Already connected to specified master"
    wait_in_sync(master, replica)
    assert replica.get("after") is None


def test_replicaof_errors(rkvd_factory):
    r = rkvd_factory().client()
    with pytest.raises(Exception, match="Invalid master port"):
        r.execute_command("REPLICAOF", "127.0.0.1", "70000")
    with pytest.raises(Exception, match="Invalid master port"):
        r.execute_command("SLAVEOF", "127.0.0.1", "x")
    assert r.execute_command("REPLICAOF", "no", "one") == b"OK"     # already a master
    assert r.info("replication")["role"] == "master"


def test_wait_on_the_master_counts_the_replica(pair):
    # WAIT sends REPLCONF GETACK: the replica answers with its offset
    master, replica, ms, rs = pair()
    master.set("k", "v")
    assert master.execute_command("WAIT", 1, 2000) == 1


def test_clients_get_loading_while_the_full_sync_loads(pair):
    def many_keys(m):
        p = m.pipeline(transaction=False)
        for i in range(2000):
            p.set(f"k{i}", i)
        p.execute()

    ms_args = ("--repl-diskless-sync", "no")
    # half a millisecond per key: about a second of loading, in small steps
    master, replica, ms, rs = pair("--key-load-delay", "500",
                                   "--loading-process-events-interval-bytes", "1024",
                                   master_args=ms_args, populate=many_keys, wait=False)
    raw = rs.raw()
    wait_for(lambda: replica.info("persistence")["loading"] == 1, what="the load")
    assert raw.command("GET", "k1") == b"-LOADING Redis is loading the dataset in memory\r\n"
    r = replica.info("replication")
    assert r["master_sync_in_progress"] == 1 and r["master_link_status"] == "down"
    assert "master_sync_total_bytes" in r and r["master_sync_left_bytes"] == 0
    wait_in_sync(master, replica, timeout=20)
    assert replica.dbsize() == 2000


def test_an_error_applying_the_stream_is_logged(pair):
    # a writable replica's own data can make a master's command fail here
    master, replica, ms, rs = pair("--replica-read-only", "no", "--logfile", "replica.log")
    replica.set("n", "foo")
    master.incrby("n", 1)
    wait_for(lambda: info(replica)["slave_repl_offset"] == info(master)["master_repl_offset"],
               what="the replica to apply the stream")
    assert replica.get("n") == b"foo" and master.get("n") == b"1"
    log = (rs.dir / "replica.log").read_text()
    assert ("== CRITICAL == This replica is sending an error to its master: "
            "'value is not an integer or out of range' after processing the command 'incrby'") in log
    assert info(replica, "stats")["unexpected_error_replies"] == 1


def test_a_writable_replica_expires_its_own_keys(pair):
    master, replica, ms, rs = pair("--replica-read-only", "no")
    master.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    master.set("from-master", 1, px=100)
    wait_in_sync(master, replica)
    replica.set("own", 1, px=100)
    assert replica.dbsize() == 2
    wait_for(lambda: replica.dbsize() == 1, what="the replica's own key to expire")
    with pytest.raises(Exception, match="no such key"):
        replica.execute_command("DEBUG", "OBJECT", "own")
    assert replica.exists("from-master") == 0       # the master's: logically only
    assert replica.execute_command("DEBUG", "OBJECT", "from-master")


def test_a_master_switch_after_failover_continues_the_history(pair, redis_factory):
    # M1 -> (M2 redis, R rkvd); M2 is promoted and R follows it: PSYNC2
    # continues with M2's new ID, no full sync
    master, replica, ms, rs = pair(populate=populate_every_type)
    m2s = redis_factory(*MASTER_ARGS, "--replicaof", "127.0.0.1", str(ms.port))
    m2 = m2s.client()
    wait_for(lambda: link_up(m2), what="the second replica")
    master.execute_command("SELECT", 3)
    master.incr("before-failover")
    wait_in_sync(master, replica)
    wait_for(lambda: info(m2)["slave_repl_offset"] == info(master)["master_repl_offset"],
               what="the second replica to catch up")
    old_id = info(replica)["master_replid"]
    m2.execute_command("REPLICAOF", "NO", "ONE")
    m2.execute_command("SELECT", 3)
    m2.incr("after-failover")
    assert replica.execute_command("REPLICAOF", "127.0.0.1", m2s.port) == b"OK"
    wait_in_sync(m2, replica)
    assert partial_ok(m2) == 1 and info(m2, "stats")["sync_full"] == 0
    r = info(replica)
    assert r["master_replid"] == info(m2)["master_replid"] and r["master_replid2"] == old_id
    assert replica.execute_command("SELECT", 3) and replica.get("after-failover") == b"1"


def test_a_silent_master_times_the_handshake_out(redis_factory, rkvd_factory):
    # the master holds its PSYNC answer (diskless sync delay) and then stops
    # answering: the handshake ends after repl-timeout and starts over
    ms = redis_factory("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "30")
    rs = rkvd_factory("--replicaof", "127.0.0.1", str(ms.port), "--repl-timeout", "1",
                      "--logfile", "replica.log")
    log = rs.dir / "replica.log"
    wait_for(lambda: "Partial resynchronization not possible" in log.read_text(), what="PSYNC")
    ms.client().execute_command("DEBUG", "SLEEP", "2.5")
    text = log.read_text()
    assert "Timeout connecting to the MASTER..." in text
    assert text.count("MASTER <-> REPLICA sync started") >= 2
    assert rs.client().info("replication")["master_link_status"] == "down"


@pytest.mark.parametrize("load", ["disabled", "on-empty-db", "swapdb"])
def test_diskless_transfers_and_loads(pair, load):
    master, replica, ms, rs = pair("--repl-diskless-load", load, "--dbfilename", "replica.rdb",
                                   master_args=("--repl-diskless-sync", "yes"),
                                   populate=populate_every_type)
    wait_in_sync(master, replica)
    # a diskless load leaves no copy on disk; a disk one keeps the file
    assert (rs.dir / "replica.rdb").exists() == (load == "disabled")
    assert not list(rs.dir.glob("temp-*.rdb"))


def test_an_aborted_swapdb_load_keeps_the_old_data(redis_factory, rkvd_factory):
    ms = redis_factory("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",
                       "--rdb-key-save-delay", "2000", "--rdbcompression", "no")
    master = ms.client()
    p = master.pipeline(transaction=False)
    for i in range(500):                # big values: the payload flows while the child saves
        p.set(f"k{i}", "x" * 10000)
    p.execute()
    rs = rkvd_factory("--repl-diskless-load", "swapdb")
    replica = rs.client()
    replica.set("mykey", "myvalue")
    replica.execute_command("REPLICAOF", "127.0.0.1", ms.port)
    wait_for(lambda: replica.info("persistence")["loading"] == 1, what="the transfer")
    assert replica.info("persistence")["async_loading"] == 0       # a different history
    master.config_set("repl-diskless-sync-delay", 5)               # no retry at once
    master.execute_command("CLIENT", "KILL", "TYPE", "replica")
    wait_for(lambda: replica.info("persistence")["loading"] == 0, what="the abort")
    assert replica.get("mykey") == b"myvalue" and replica.dbsize() == 1


def test_a_diskless_load_reads_no_faster_than_it_loads(redis_factory, rkvd_factory):
    """The payload is parsed as it arrives: a slow load holds the master's
    transfer (and its fork child) up, as Redis's replica does, instead of
    the replica taking 20 MB into memory at network speed."""
    ms = redis_factory(*MASTER_ARGS, "--repl-diskless-sync", "yes", "--rdbcompression", "no")
    master = ms.client()
    master.execute_command("DEBUG", "POPULATE", 2000, "k", 10000)
    rs = rkvd_factory("--repl-diskless-load", "on-empty-db", "--key-load-delay", 1000)
    replica = rs.client()
    replica.execute_command("REPLICAOF", "127.0.0.1", ms.port)
    wait_for(lambda: "Loading DB in memory" in rs.stdout(), what="the load to start")
    time.sleep(1.0)                 # 2000 keys at 1 ms each: about 2 s of loading
    assert info(master, "persistence")["rdb_bgsave_in_progress"] == 1
    assert info(replica, "persistence")["loading"] == 1
    replica.config_set("key-load-delay", 0)
    wait_in_sync(master, replica, 30)
    assert replica.dbsize() == 2000


def test_a_swapdb_load_swaps_functions_too(redis_factory, rkvd_factory):
    """The libraries are loaded aside with the data: the old ones answer
    FCALL while the same history loads (async loading) and after a failed
    load, the master's once the load succeeds."""
    ms = redis_factory(*MASTER_ARGS, "--repl-diskless-sync", "yes", "--rdbcompression", "no")
    master = ms.client()
    rs = rkvd_factory("--repl-diskless-load", "swapdb", "--replica-read-only", "no")
    replica = rs.client()
    replica.execute_command("REPLICAOF", "127.0.0.1", ms.port)
    wait_for(lambda: link_up(replica), what="the first sync")
    lib = "#!lua name=t\nredis.register_function('f', function() return '%s' end)"
    replica.execute_command("FUNCTION", "LOAD", lib % "old")
    master.execute_command("FUNCTION", "LOAD", lib % "new")
    master.execute_command("DEBUG", "POPULATE", 1000, "k", 10000)
    master.config_set("rdb-key-save-delay", 2000)           # 2 s of transfer
    # the link drops with the backlog overrun: a full sync of the same history
    p = master.pipeline(transaction=True)
    p.execute_command("CLIENT", "KILL", "TYPE", "replica")
    p.config_set("repl-backlog-size", 16384)
    for i in range(10):
        p.set(f"fill{i}", "A" * 16384)
    p.execute()
    wait_for(lambda: info(replica, "persistence")["async_loading"] == 1, what="async loading")
    assert replica.execute_command("FCALL", "f", 0) == b"old"
    master.config_set("repl-diskless-sync-delay", 5)        # no retry at once
    master.execute_command("CLIENT", "KILL", "TYPE", "replica")
    wait_for(lambda: info(replica, "persistence")["async_loading"] == 0, what="the abort")
    assert replica.execute_command("FCALL", "f", 0) == b"old"
    master.config_set("rdb-key-save-delay", 0)
    wait_in_sync(master, replica, 30)
    assert replica.execute_command("FCALL", "f", 0) == b"new"


def test_bind_source_addr_is_the_address_the_master_sees(pair):
    # Redis's networking test: the master lists the replica at the source
    # address it was told to bind (any 127/8 address is local on Linux;
    # protected mode would refuse one other than 127.0.0.1)
    master, replica, _, _ = pair("--bind-source-addr", "127.0.0.2",
                                 master_args=("--protected-mode", "no"))
    wait_for(lambda: "slave0" in info(master), what="the master to list its replica")
    assert info(master)["slave0"]["ip"] == "127.0.0.2"
    replica.config_set("bind-source-addr", "192.0.2.1")     # not an address of this host
    replica.client_kill_filter(_type="master")
    time.sleep(1.5)
    assert info(replica)["master_link_status"] == "down"
