"""FAILOVER: an rkvd master hands its role to an rkvd replica.

The switch must lose nothing (DEBUG DIGEST equal, writes after it flow from
the new master to the old one), hold writes while it waits for the target,
and give up on TIMEOUT or ABORT. The bad forms answer as redis-server's do.
"""
import os
import signal
import threading
import time

import pytest

import support
from support import wait_for

FAST = ("--repl-ping-replica-period", "1", "--repl-diskless-sync-delay", "0")


def repl(c):
    return c.info("replication")


def in_sync(master, replica):
    m, r = repl(master), repl(replica)
    return r.get("master_link_status") == "up" and r.get("slave_repl_offset") == m["master_repl_offset"]


def digest(c):
    return c.execute_command("DEBUG", "DIGEST")


def start_pair(factory, *extra):
    ms = factory(*FAST, *extra)
    rs = factory(*FAST, *extra, "--replicaof", support.HOST, str(ms.port))
    m, r = ms.client(), rs.client()
    wait_for(lambda: in_sync(m, r), what="the replica to sync")
    return ms, rs, m, r


def fill(c):
    for i in range(50):
        c.set(f"k{i}", i)
    c.rpush("list", *range(10))
    c.hset("h", mapping={"a": 1, "b": 2})
    c.execute_command("SELECT", 2)
    c.set("db2", "x", ex=1000)
    c.execute_command("SELECT", 0)


def test_failover_swaps_roles_without_losing_data(rkvd_factory):
    ms, rs, m, r = start_pair(rkvd_factory)
    fill(m)
    wait_for(lambda: in_sync(m, r), what="the replica to catch up")
    old_id = repl(m)["master_replid"]
    assert m.execute_command("FAILOVER") == b"OK"
    wait_for(lambda: repl(r)["role"] == "master" and repl(m).get("master_link_status") == "up",
               what="the roles to swap")
    mi, ri = repl(m), repl(r)
    assert mi["role"] == "slave" and mi["master_port"] == rs.port
    assert mi["master_failover_state"] == "no-failover"
    assert ri["master_failover_state"] == "no-failover"
    # the target continued the old master's history: a partial resync
    assert ri["master_replid2"] == old_id
    assert r.info("stats")["sync_partial_ok"] == 1 and r.info("stats")["sync_full"] == 0
    assert digest(m) == digest(r)
    # the new master's writes reach the old one; the old one refuses writes
    r.set("after", "yes")
    wait_for(lambda: m.get("after") == b"yes", what="the write to replicate")
    with pytest.raises(Exception, match="read only replica"):
        m.set("x", 1)
    assert m.execute_command("ROLE")[0] == b"slave"
    assert r.execute_command("ROLE")[0] == b"master"
    log = ms.stdout()
    assert "FAILOVER requested to any replica." in log
    assert f"Failover target 127.0.0.1:{rs.port} is synced, failing over." in log
    assert "Failover request received for replid" in rs.stdout()


def test_failover_to_a_named_replica_with_others_following(rkvd_factory):
    ms, r1s, m, r1 = start_pair(rkvd_factory)
    r2s = rkvd_factory(*FAST, "--replicaof", support.HOST, str(ms.port))
    r2 = r2s.client()
    wait_for(lambda: in_sync(m, r2), what="the second replica")
    fill(m)
    wait_for(lambda: in_sync(m, r1) and in_sync(m, r2), what="both replicas to catch up")
    assert m.execute_command("FAILOVER", "TO", support.HOST, r2s.port, "TIMEOUT", 5000) == b"OK"
    wait_for(lambda: repl(r2)["role"] == "master" and in_sync(r2, m), what="r2 to take over")
    # r1 is now two hops away (r2 -> old master -> r1) and stays in sync
    r2.set("after", 1)
    wait_for(lambda: r1.get("after") == b"1", what="the write to reach r1")
    assert digest(m) == digest(r1) == digest(r2)
    assert repl(r1)["role"] == "slave"


def test_failover_pauses_writes_then_times_out(rkvd_factory):
    ms, rs, m, r = start_pair(rkvd_factory)
    m.set("a", 1)
    wait_for(lambda: in_sync(m, r), what="the replica to catch up")
    os.kill(rs.pid, signal.SIGSTOP)     # the replica stops acknowledging
    try:
        m.set("b", 2)                   # an offset it never acknowledges
        assert m.execute_command("FAILOVER", "TIMEOUT", 700) == b"OK"
        assert repl(m)["master_failover_state"] == "waiting-for-sync"
        with pytest.raises(Exception, match="FAILOVER already in progress."):
            m.execute_command("FAILOVER")
        with pytest.raises(Exception, match="REPLICAOF not allowed while failing over."):
            m.execute_command("REPLICAOF", "127.0.0.1", "1")
        # the failover's pause is its own: CLIENT UNPAUSE leaves it on
        m.execute_command("CLIENT", "UNPAUSE")
        done = []
        writer = ms.client()
        t = threading.Thread(target=lambda: done.append(writer.set("c", 3)))
        started = time.monotonic()
        t.start()
        time.sleep(0.3)
        assert not done and m.get("a") == b"1"       # reads go on, the write waits
        t.join(5)
        assert done == [True] and time.monotonic() - started >= 0.5
        assert repl(m)["master_failover_state"] == "no-failover" and repl(m)["role"] == "master"
        assert "FAILOVER to any replica aborted: Replica never caught up before timeout" in ms.stdout()
        # ABORT ends a failover that would wait forever
        assert m.execute_command("FAILOVER") == b"OK"
        assert m.execute_command("FAILOVER", "ABORT") == b"OK"
        assert repl(m)["master_failover_state"] == "no-failover"
        assert m.set("d", 4) is True
    finally:
        os.kill(rs.pid, signal.SIGCONT)


def test_failover_force_switches_after_the_timeout(rkvd_factory):
    ms, rs, m, r = start_pair(rkvd_factory)
    m.set("a", 1)
    wait_for(lambda: in_sync(m, r), what="the replica to catch up")
    # the forced switch happens even though the replica lags behind a PING
    # or two; its answer to PSYNC FAILOVER is what counts
    assert m.execute_command("FAILOVER", "TO", support.HOST, rs.port, "FORCE", "TIMEOUT", 300) == b"OK"
    wait_for(lambda: repl(r)["role"] == "master" and in_sync(r, m), what="the forced switch")
    assert digest(m) == digest(r)


# --- error texts, against redis-server ------------------------------------

def _replies(server, *commands):
    out = []
    with server.raw() as conn:
        for cmd in commands:
            out.append(conn.command(*cmd))
    return out


ALONE = [
    ("FAILOVER", "ABORT"),
    ("FAILOVER",),
    ("FAILOVER", "FORCE"),
    ("FAILOVER", "TIMEOUT", "0"),
    ("FAILOVER", "TIMEOUT", "-5"),
    ("FAILOVER", "TIMEOUT", "abc"),
    ("FAILOVER", "TIMEOUT"),
    ("FAILOVER", "TIMEOUT", "10", "TIMEOUT", "20"),
    ("FAILOVER", "FORCE", "FORCE"),
    ("FAILOVER", "TO", "127.0.0.1", "abc"),
    ("FAILOVER", "TO", "127.0.0.1"),
    ("FAILOVER", "TO", "h", "1", "TO", "h", "2"),
    ("FAILOVER", "ABORT", "x"),
    ("FAILOVER", "bogus"),
    ("PSYNC", "?", "-1", "FAILOVER"),
]

WITH_REPLICA = [
    ("FAILOVER", "FORCE"),
    ("FAILOVER", "TIMEOUT", "100", "FORCE"),
    ("FAILOVER", "TO", "127.0.0.1", "100", "FORCE"),
    ("FAILOVER", "TO", "127.0.0.1", "1"),
    ("FAILOVER", "TO", "10.1.2.3", "1", "TIMEOUT", "5", "FORCE"),
]

ON_REPLICA = [
    ("FAILOVER",),
    ("FAILOVER", "ABORT"),
    ("PSYNC", "0123456789012345678901234567890123456789", "1", "FAILOVER"),
]


def test_error_texts_match_redis(rkvd_factory, redis_factory):
    got = {}
    for name, factory in (("rkvd", rkvd_factory), ("redis", redis_factory)):
        ms = factory(*FAST)
        alone = _replies(ms, *ALONE)
        rs = factory(*FAST, "--replicaof", support.HOST, str(ms.port))
        m, r = ms.client(), rs.client()
        wait_for(lambda m=m, r=r: in_sync(m, r), what=f"the {name} replica")
        got[name] = (alone, _replies(ms, *WITH_REPLICA), _replies(rs, *ON_REPLICA))
        assert repl(m)["master_failover_state"] == "no-failover"
    for part in range(3):
        for a, b in zip(got["rkvd"][part], got["redis"][part]):
            assert a == b
    assert len(got["rkvd"][0]) == len(ALONE)
