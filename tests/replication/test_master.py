"""The master side of replication, against a real redis-server replica.

A redis-server started with --replicaof an rkvd master must end with the
same dataset (DEBUG DIGEST, which both compute the same way), get a full
sync first and a partial one after its link is cut, and acknowledge what
WAIT waits for.
"""
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

import support
from support import wait_for


def info(client, section):
    return client.info(section)


def in_sync(master, replica):
    m = info(master, "replication")
    r = info(replica, "replication")
    return (r.get("master_link_status") == "up"
            and r.get("slave_repl_offset") == m["master_repl_offset"])


def fill(c):
    """Several types in several databases, with expires."""
    c.select(0)
    for i in range(40):
        c.set(f"str:{i}", f"value-{i}")
    c.rpush("list", *[f"e{i}" for i in range(20)])
    c.hset("hash", mapping={f"f{i}": i for i in range(10)})
    c.sadd("set", *range(15))
    c.zadd("zset", {f"m{i}": i * 1.5 for i in range(12)})
    c.xadd("stream", {"a": "1"})
    c.set("ttl:s", "x", ex=1000)
    c.pexpire("hash", 900000)
    c.execute_command("SELECT", 3)
    c.set("db3:int", 12345)
    c.lpush("db3:list", "a", "b")
    c.set("db3:ttl", "y", px=500000)
    c.execute_command("SELECT", 0)


@pytest.fixture(params=["disk", "diskless"])
def pair(request, rkvd_factory, redis_factory):
    """An rkvd master (the snapshot through the disk, or streamed to the
    replicas' sockets) and a way to start redis-server replicas of it."""
    diskless = request.param == "diskless"
    master = rkvd_factory("--repl-ping-replica-period", "1",
                          "--repl-diskless-sync", "yes" if diskless else "no",
                          "--repl-diskless-sync-delay", "0")
    mc = master.client()

    def start_replica(*extra):
        replica = redis_factory("--replicaof", support.HOST, str(master.port), *extra,
                                start=False)
        replica.start()
        return replica

    return master, mc, start_replica


def test_full_sync_with_writes_during_it_then_partial_resync(pair):
    master, mc, start_replica = pair
    fill(mc)
    # a slow snapshot, so the writes below land while the child runs
    mc.config_set("rdb-key-save-delay", "20000")
    replica = start_replica()
    rc = replica.client()
    wait_for(lambda: "slave0" in info(mc, "replication"), what="the replica to attach")
    assert info(mc, "replication")["slave0"]["state"] == "wait_bgsave"
    c3 = master.client(db=3)
    for i in range(30):
        mc.incr("during:counter")
        c3.rpush("during:list", i)
    mc.delete("str:0")
    mc.expire("str:1", 5000)
    mc.config_set("rdb-key-save-delay", "0")
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    assert rc.get("during:counter") == b"30"
    assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")
    stats = info(mc, "stats")
    assert (stats["sync_full"], stats["sync_partial_ok"]) == (1, 0)
    assert stats["total_net_repl_output_bytes"] > 0
    repl = info(mc, "replication")
    assert repl["connected_slaves"] == 1 and repl["slave0"]["state"] == "online"
    assert repl["slave0"]["port"] == replica.port
    assert repl["repl_backlog_active"] == 1
    assert repl["master_replid"] == info(rc, "replication")["master_replid"]
    assert b"flags=S " in mc.execute_command("CLIENT", "LIST", "TYPE", "replica")

    # the link cut: the replica comes back and continues from the backlog
    assert mc.execute_command("CLIENT", "KILL", "TYPE", "replica") == 1
    for i in range(10):
        c3.hset("after:cut", f"f{i}", i)
    mc.set("after:cut:str", "v")
    wait_for(lambda: info(mc, "stats")["sync_partial_ok"] == 1, what="the partial resync")
    wait_for(lambda: in_sync(mc, rc), what="the replica to catch up")
    stats = info(mc, "stats")
    assert (stats["sync_full"], stats["sync_partial_ok"], stats["sync_partial_err"]) == (1, 1, 0)
    assert "Successful partial resynchronization with master" in replica.stdout()
    assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")


def test_wait_role_and_min_replicas(pair, redis_factory):
    master, mc, start_replica = pair
    assert mc.execute_command("WAIT", 0, 0) == 0
    replica = start_replica()
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    mc.set("k", "v")
    assert mc.execute_command("WAIT", 1, 2000) == 1
    assert rc.get("k") == b"v"
    start = time.monotonic()
    assert mc.execute_command("WAIT", 2, 300) == 1        # only one replica: the timeout answers
    assert time.monotonic() - start >= 0.25
    role = mc.execute_command("ROLE")
    assert role[0] == b"master" and role[1] == info(mc, "replication")["master_repl_offset"]
    assert role[2] == [[support.HOST.encode(), str(replica.port).encode(), role[2][0][2]]]

    # min-replicas-to-write: one replica in reach is enough for 1, not for 2
    mc.config_set("min-replicas-to-write", "1")
    assert mc.set("k2", "v2")
    assert info(mc, "replication")["min_slaves_good_slaves"] == 1
    mc.config_set("min-replicas-to-write", "2")
    ref = redis_factory("--min-replicas-to-write", "2").raw()
    with master.raw() as raw:
        for cmd in (("SET", "k3", "v"), ("GET", "k3"), ("MULTI",), ("INCR", "n"), ("EXEC",),
                    ("EVAL", "return redis.call('set', KEYS[1], '1')", "1", "k5"),
                    ("EVAL", "#!lua\nreturn redis.call('set', KEYS[1], '1')", "1", "k5"),
                    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "k5")):
            assert raw.command(*cmd) == ref.command(*cmd), cmd
    ref.close()
    mc.config_set("min-replicas-to-write", "0")
    mc.set("k4", "v4")
    wait_for(lambda: in_sync(mc, rc), what="the replica to catch up")
    assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")


def test_replication_commands_errors_match_redis(rkvd_factory, redis_factory):
    m, r = rkvd_factory().raw(), redis_factory().raw()
    for cmd in (("REPLCONF",), ("REPLCONF", "listening-port"), ("REPLCONF", "listening-port", "x"),
                ("REPLCONF", "listening-port", "7000"), ("REPLCONF", "capa", "eof", "capa", "psync2"),
                ("REPLCONF", "nosuch", "1"), ("REPLCONF", "rdb-only", "2"),
                ("REPLCONF", "ip-address", "x" * 300), ("WAIT", "x", "0"), ("WAIT", "0", "-1"),
                ("WAIT", "0", "x"), ("WAIT", "1", "10"), ("PSYNC", "?", "x"), ("ROLE",)):
        a, b = m.command(*cmd), r.command(*cmd)
        if cmd == ("ROLE",):
            assert a == b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n" == b
        else:
            assert a == b, cmd


def test_replicas_attaching_during_one_disk_snapshot_share_it(rkvd_factory, redis_factory):
    master = rkvd_factory("--repl-diskless-sync", "no", "--repl-disable-tcp-nodelay", "yes")
    mc = master.client()
    fill(mc)
    mc.config_set("rdb-key-save-delay", "20000")
    first = redis_factory("--replicaof", support.HOST, str(master.port))
    wait_for(lambda: "slave0" in info(mc, "replication"), what="the first replica")
    mc.incr("between")
    second = redis_factory("--replicaof", support.HOST, str(master.port))
    wait_for(lambda: "slave1" in info(mc, "replication"), what="the second replica")
    mc.incr("between")
    mc.config_set("rdb-key-save-delay", "0")
    for replica in (first, second):
        rc = replica.client()
        wait_for(lambda rc=rc: in_sync(mc, rc), what="the full syncs")
        assert rc.get("between") == b"2"
        assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")
    assert info(mc, "stats")["sync_full"] == 2
    log = master.stdout()
    assert log.count("Starting BGSAVE for SYNC with target: ") == 1
    assert "Waiting for end of BGSAVE for SYNC" in log


def test_diskless_sync_waits_the_delay_for_more_replicas(rkvd_factory, redis_factory):
    master = rkvd_factory("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "1",
                          "--repl-diskless-sync-max-replicas", "2")
    mc = master.client()
    fill(mc)
    replicas = [redis_factory("--replicaof", support.HOST, str(master.port)) for _ in range(2)]
    for replica in replicas:
        rc = replica.client()
        wait_for(lambda rc=rc: in_sync(mc, rc), what="the diskless syncs")
        assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")
    log = master.stdout()
    assert "Delay next BGSAVE for diskless SYNC" in log
    assert log.count("Starting BGSAVE for SYNC with target: replicas sockets") == 1
    assert log.count("Background RDB transfer started by pid") == 1
    assert info(mc, "persistence")["rdb_saves"] == 0       # no file was written


def test_backlog_resize_and_ttl(pair):
    master, mc, start_replica = pair
    assert info(mc, "replication")["repl_backlog_active"] == 0
    replica = start_replica()
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    mc.config_set("repl-backlog-size", "20000")
    mc.set("k", "x" * 100)
    repl = info(mc, "replication")
    assert repl["repl_backlog_size"] == 20000 and repl["repl_backlog_histlen"] > 100
    mc.config_set("repl-backlog-ttl", "1")
    replica.kill()
    replid = repl["master_replid"]
    wait_for(lambda: info(mc, "replication")["repl_backlog_active"] == 0, timeout=5,
               what="the backlog to be freed")
    repl = info(mc, "replication")
    assert repl["master_replid"] != replid and repl["connected_slaves"] == 0


def test_publish_reaches_replicas_but_not_the_aof(rkvd_factory, redis_factory):
    master = rkvd_factory("--appendonly", "yes", "--repl-diskless-sync-delay", "0")
    mc = master.client()
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    sub = replica.client().pubsub()
    sub.subscribe("news")
    wait_for(lambda: sub.get_message(timeout=0.1), what="the subscription")
    mc.execute_command("SELECT", 5)
    mc.publish("news", "hello")
    mc.set("after", "1")
    msg = wait_for(lambda: sub.get_message(timeout=0.1), what="the message on the replica")
    assert msg["data"] == b"hello"
    wait_for(lambda: in_sync(mc, rc), what="the replica to catch up")
    assert replica.client(db=5).get("after") == b"1"
    # with appendfsync everysec a write may wait while a background fsync
    # runs (Redis postpones it up to 2 s too)
    aof = wait_for(lambda: (lambda d: d if b"after" in d else None)(
        b"".join(p.read_bytes() for p in (master.dir / "appendonlydir").glob("*.incr.aof"))),
        what="the SET in the AOF")
    assert b"PUBLISH" not in aof.upper()
    sub.close()


def _read_exact(raw, n, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(raw.buf) < n:
        assert raw._fill(deadline), "connection closed"
    data = bytes(raw.buf[:n])
    del raw.buf[:n]
    return data


def _read_line(raw, timeout=5.0):
    deadline = time.monotonic() + timeout
    while b"\r\n" not in raw.buf:
        assert raw._fill(deadline), "connection closed"
    line, _, rest = bytes(raw.buf).partition(b"\r\n")
    raw.buf[:] = rest
    return line


def test_the_stream_a_replica_reads_byte_for_byte(rkvd_factory):
    """A hand-made replica: the handshake's replies, the payload, then the
    stream, whose length is the offset INFO reports; a second connection
    continues it from the backlog."""
    master = rkvd_factory("--repl-diskless-sync", "no", "--repl-ping-replica-period", "100")
    mc = master.client()
    mc.set("before", "1")
    raw = master.raw()
    assert raw.command("REPLCONF", "listening-port", "7777") == b"+OK\r\n"
    assert raw.command("REPLCONF", "capa", "eof", "capa", "psync2") == b"+OK\r\n"
    raw.send_command("PSYNC", "?", "-1")
    line = _read_line(raw)
    while not line:                         # newlines keep a waiting replica alive
        line = _read_line(raw)
    tag, replid, offset = line.split()
    assert tag == b"+FULLRESYNC" and len(replid) == 40
    bulk = _read_line(raw)
    while not bulk:
        bulk = _read_line(raw)
    payload = _read_exact(raw, int(bulk[1:]))
    assert payload.startswith(b"REDIS0010") and b"before" in payload
    mc.execute_command("SELECT", 2)
    mc.execute_command("SET", "x", "y")
    mc.execute_command("PUBLISH", "ch", "m")
    expect = (b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\ny\r\n"
              b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1\r\nm\r\n")
    assert _read_exact(raw, len(expect)) == expect
    end = int(offset) + len(expect)
    assert info(mc, "replication")["master_repl_offset"] == end
    raw.send_command("REPLCONF", "ACK", str(end))
    wait_for(lambda: info(mc, "replication")["slave0"]["offset"] == end, what="the ACK")
    assert info(mc, "replication")["slave0"]["port"] == 7777
    assert mc.execute_command("WAIT", 1, 100) == 1         # acknowledged already
    assert mc.execute_command("WAIT", 2, 100) == 1         # blocks, asks for ACKs
    # the blocked WAIT's GETACK is in the stream
    getack = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
    assert _read_exact(raw, len(getack)) == getack
    # RESET's error is a reply on the link: the replica is dropped (Redis 7)
    raw.send_command("RESET")
    assert raw.read_all_until_eof()[1]
    log = master.stdout()
    assert "This master is sending an error to its replica: " in log
    assert "Replica generated a reply to command 'reset', disconnecting it" in log
    raw.close()
    wait_for(lambda: info(mc, "replication")["connected_slaves"] == 0, what="the link to drop")
    mc.execute_command("SET", "z", "w")
    again = master.raw()
    again.command("REPLCONF", "capa", "psync2")
    again.send_command("PSYNC", replid.decode(), str(end - len(b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1\r\nm\r\n") + 1))
    assert _read_line(again) == b"+CONTINUE " + replid
    rest = (b"*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$1\r\nm\r\n" + getack
            + b"*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\nw\r\n")
    assert _read_exact(again, len(rest)) == rest
    assert info(mc, "stats")["sync_partial_ok"] == 1
    again.close()


def test_shutdown_waits_for_a_lagging_replica(rkvd_factory, redis_factory):
    """SHUTDOWN gives replicas up to shutdown-timeout seconds to take the
    end of the stream (writes held meanwhile); SHUTDOWN ABORT cancels."""
    import signal

    master = rkvd_factory("--repl-diskless-sync-delay", "0", "--shutdown-timeout", "5")
    mc = master.client()
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    replica.signal(signal.SIGSTOP)
    try:
        mc.set("last", "write")
        shut = master.raw()
        shut.send_command("SHUTDOWN")
        wait_for(lambda: "Waiting for replicas before shutting down." in master.stdout(),
                   what="the shutdown to wait")
        # INFO counts the grace period down; a second SHUTDOWN joins the wait
        left = info(mc, "server")["shutdown_in_milliseconds"]
        assert 0 < left <= 5000
        second = master.raw()
        second.send_command("SHUTDOWN")
        wait_for(lambda: info(mc, "clients")["blocked_clients"] == 2, what="both to block")
        with master.raw() as other:
            assert other.command("SHUTDOWN", "ABORT") == b"+OK\r\n"
        for conn in (shut, second):
            assert conn.read_reply() == b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n"
        assert "shutdown_in_milliseconds" not in info(mc, "server")
        assert mc.set("writes", "resume")
        shut.send_command("SHUTDOWN")
        time.sleep(0.3)
        assert master.alive()
    finally:
        replica.signal(signal.SIGCONT)
    assert master.wait(5) == 0
    assert rc.get("last") == b"write" and rc.get("writes") == b"resume"
    log = master.stdout()
    assert "1 of 1 replicas are in sync when shutting down." in log


def test_shutdown_gives_up_on_a_replica_after_the_timeout(rkvd_factory, redis_factory):
    import signal

    master = rkvd_factory("--repl-diskless-sync-delay", "0", "--shutdown-timeout", "1")
    mc = master.client()
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    replica.signal(signal.SIGSTOP)
    try:
        mc.set("lost", "maybe")
        master.signal(signal.SIGTERM)
        assert master.wait(5) == 0
    finally:
        replica.signal(signal.SIGCONT)
    log = master.stdout()
    assert "Waiting for replicas before shutting down." in log
    assert f"Lagging replica {support.HOST}:{replica.port} reported offset" in log
    assert "0 of 1 replicas are in sync when shutting down." in log


def test_replica_output_limit_drops_a_stalled_replica(rkvd_factory, redis_factory):
    import signal

    master = rkvd_factory("--repl-diskless-sync-delay", "0",
                          "--client-output-buffer-limit", "replica 1mb 0 0",
                          "--repl-backlog-size", "1mb")
    mc = master.client()
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    replica.signal(signal.SIGSTOP)
    try:
        big = "x" * 10000
        pipe = mc.pipeline(transaction=False)
        for i in range(800):                        # 8 MB the stopped replica cannot take
            pipe.set(f"big:{i}", big)
        pipe.execute()
        wait_for(lambda: info(mc, "replication")["connected_slaves"] == 0,
                   what="the replica to be dropped")
    finally:
        replica.signal(signal.SIGCONT)
    assert "for overcoming of output buffer limits" in master.stdout()
    # what only it held of the shared buffer went with it
    assert info(mc, "memory")["mem_total_replication_buffers"] < 2 * 1024 * 1024
    wait_for(lambda: in_sync(mc, rc), timeout=15, what="the replica to come back")
    stats = info(mc, "stats")
    assert stats["sync_full"] + stats["sync_partial_ok"] >= 2
    assert mc.execute_command("DEBUG", "DIGEST") == rc.execute_command("DEBUG", "DIGEST")


def test_wait_counts_from_the_clients_own_last_write(rkvd_factory, redis_factory):
    """WAIT waits for the offset of its own client's last write (Redis's
    woff), not for other clients' later ones."""
    import signal

    master = rkvd_factory("--repl-diskless-sync-delay", "0")
    mc = master.client()
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    rc = replica.client()
    wait_for(lambda: in_sync(mc, rc), what="the full sync")
    early, late = master.raw(), master.raw()
    assert early.command("SET", "early", "1") == b"+OK\r\n"
    assert early.command("WAIT", "1", "2000") == b":1\r\n"
    replica.signal(signal.SIGSTOP)
    try:
        assert late.command("SET", "late", "1") == b"+OK\r\n"
        start = time.monotonic()
        assert early.command("WAIT", "1", "2000") == b":1\r\n"     # its write was acknowledged
        assert time.monotonic() - start < 1.0
        assert late.command("WAIT", "1", "300") == b":0\r\n"       # the stopped replica has not
    finally:
        replica.signal(signal.SIGCONT)
    assert late.command("WAIT", "1", "5000") == b":1\r\n"
    early.close()
    late.close()


def _master_and_synced_replica(rkvd_factory, redis_factory):
    # unit/maxmemory's replica-buffer set-up: a small backlog, no replica
    # output limit to drop the replica, a redis-server replica in sync
    master = rkvd_factory()
    mc = master.client()
    mc.config_set("client-output-buffer-limit", "replica 100000000 100000000 300")
    mc.config_set("repl-backlog-size", 10 * 1024)
    mc.set("key", "x" * 1000)
    replica = redis_factory("--replicaof", support.HOST, str(master.port))
    wait_for(lambda: in_sync(mc, replica.client()), what="the replica to sync")
    return master, mc, replica


def _counted_for_eviction(mc):
    # what eviction weighs, less the normal clients' buffers, and INFO memory
    m = info(mc, "memory")
    return m["used_memory"] - m["mem_not_counted_for_evict"] - m["mem_clients_normal"], m


def test_a_stopped_replicas_buffer_is_not_counted_for_eviction(rkvd_factory, redis_factory):
    # Redis's unit/maxmemory "slave buffer are counted correctly": the
    # stream waiting for a replica that does not read is in
    # mem_not_counted_for_evict, so used_memory less it stays flat
    master, mc, replica = _master_and_synced_replica(rkvd_factory, redis_factory)

    def figures():
        return _counted_for_eviction(mc)

    before, _ = figures()
    os.kill(replica.pid, signal.SIGSTOP)
    try:
        n = 160000
        one = b"*4\r\n$8\r\nsetrange\r\n$3\r\nkey\r\n$1\r\n0\r\n$10\r\nAAAAAAAAAA\r\n"
        with socket.create_connection((support.HOST, master.port)) as sk:
            replies = []

            def read_replies():
                seen = 0
                while seen < n:
                    chunk = sk.recv(1 << 16)
                    if not chunk:
                        break
                    seen += chunk.count(b"\r\n")
                replies.append(seen)

            reader = threading.Thread(target=read_replies)
            reader.start()
            sk.sendall(one * n)
            reader.join(30)
        after, m = figures()
        # the kernel takes some megabytes first
        assert m["mem_not_counted_for_evict"] > 2 << 20
        # counted, the held stream would show here whole
        assert abs(after - before) < m["mem_not_counted_for_evict"] // 2, (before, after)
    finally:
        os.kill(replica.pid, signal.SIGCONT)


def test_commands_one_by_one_to_a_stopped_replica_cost_no_counted_memory(rkvd_factory,
                                                                        redis_factory):
    # Redis's unit/maxmemory "replica buffer don't induce eviction": one
    # command per event-loop turn while the replica's socket is full. Each
    # turn's write to that connection used to leave one event-loop write
    # request (about 700 bytes) queued behind the stalled ones, ~450 KB
    # that used_memory counted and mem_not_counted_for_evict did not.
    master, mc, replica = _master_and_synced_replica(rkvd_factory, redis_factory)
    one = b"*4\r\n$8\r\nsetrange\r\n$3\r\nkey\r\n$1\r\n0\r\n$100\r\n" + b"A" * 100 + b"\r\n"

    def figures():
        return _counted_for_eviction(mc)

    os.kill(replica.pid, signal.SIGSTOP)
    try:
        with socket.create_connection((support.HOST, master.port)) as sk:
            def run(n):
                for _ in range(n):
                    sk.sendall(one)
                    assert sk.recv(16) == b":1000\r\n"
            run(100)                    # the first block of the stream is there
            before, _ = figures()
            run(40000)
        time.sleep(1.2)                 # used_memory is set to glibc's figure each second
        after, m = figures()
        assert m["mem_clients_slaves"] > 1 << 20     # the replica's socket is full
        assert abs(after - before) < 64 * 1024, (before, after)
    finally:
        os.kill(replica.pid, signal.SIGCONT)


@pytest.mark.parametrize("diskless", ["no", "yes"])
def test_redis_cli_functions_rdb_gets_the_functions_alone(server_pair, tmp_path, diskless):
    # REPLCONF rdb-filter-only functions (redis-cli --functions-rdb): a
    # snapshot with the libraries and no key, from either kind of master;
    # redis-server loads both servers' files to the same functions
    code = "#!lua name=lib1\nredis.register_function('func1', function() return 123 end)"
    files = []
    for server in server_pair("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"):
        c = server.client()
        c.set("some-key", "v")
        c.function_load(code)
        path = tmp_path / f"{server.name}-{diskless}.rdb"
        out = subprocess.run(["redis-cli", "-p", str(server.port), "--functions-rdb", str(path)],
                             capture_output=True, text=True, timeout=30)
        assert "Transfer finished with success" in out.stdout + out.stderr, out
        data = path.read_bytes()
        assert b"func1" in data and b"some-key" not in data
        files.append(path)
        with server.raw() as r:
            files.append(r.command("REPLCONF", "rdb-filter-only", "keys"))
    assert files[1] == files[3] == b"-ERR Unsupported rdb-filter-only option: keys\r\n"
    loaded = []
    for path in (files[0], files[2]):
        d = tmp_path / f"load-{path.name}"
        d.mkdir()
        (d / "dump.rdb").write_bytes(path.read_bytes())
        redis = support.start_redis(f"load-{path.stem}", directory=d)
        try:
            rc = redis.client()
            loaded.append((rc.dbsize(), rc.function_list()))
        finally:
            redis.kill()
    assert loaded[0] == loaded[1] and loaded[0][0] == 0 and loaded[0][1]


@pytest.mark.parametrize("command", [("PING",), ("GET", "foo"), ("XINFO", "HELP")])
def test_a_replica_that_sends_a_command_with_a_reply_is_dropped(server_pair, command):
    """A replica's link carries the stream only: a command that would
    answer closes it (and one touching the keyspace is refused first), as
    Redis does with a rogue replica; the master goes on serving."""
    logs = []
    for server in server_pair("--repl-diskless-sync", "no"):
        raw = server.raw()
        raw.send_command("PSYNC", "x" * 40, "-1")
        line = _read_line(raw)
        assert line.startswith(b"+FULLRESYNC") and line.endswith(b" 0")
        raw.send_command(*command)
        data, closed = raw.read_all_until_eof()
        assert closed
        assert b"PONG" not in data and b"-ERR" not in data and b"Replica can't" not in data
        assert server.client().ping()
        wait_for(lambda s=server: "Replica generated a reply" in s.stdout(), what=f"the log of {server.name}")
        logs.append(server.stdout())
        raw.close()
    name = command[0].lower() + ("|" + command[1].lower() if len(command) > 1 and command[0] == "XINFO" else "")
    for log in logs:
        assert f"Replica generated a reply to command '{name}', disconnecting it: id=" in log
        keyspace = command[0] == "GET"
        assert ("This master is sending an error to its replica: " in log) == keyspace
        assert ("Replica can't interact with the keyspace" in log) == keyspace


def test_a_disk_snapshot_no_replica_waits_for_is_stopped(rkvd_factory):
    """The last replica waiting for a disk snapshot leaves: with no save
    points wanting the file, the child is killed (Redis's freeClient);
    with save points it goes on."""
    master = rkvd_factory("--repl-diskless-sync", "no", "--repl-ping-replica-period", "100")
    mc = master.client()
    mc.set("k", "v")
    mc.config_set("rdb-key-save-delay", "100000000")

    def waiting_replica():
        raw = master.raw()
        raw.send_command("PSYNC", "?", "-1")
        assert _read_line(raw).startswith(b"+FULLRESYNC")
        return raw

    def saving():
        return info(mc, "persistence")["rdb_bgsave_in_progress"] == 1

    first, second = waiting_replica(), waiting_replica()
    assert saving()
    first.close()
    wait_for(lambda: info(mc, "replication")["connected_slaves"] == 1, what="one to go")
    time.sleep(0.1)
    assert saving()                         # the other still waits for it
    second.close()
    wait_for(lambda: not saving(), what="the child to be killed")
    mc.config_set("save", "900 1")
    third = waiting_replica()
    third.close()
    wait_for(lambda: info(mc, "replication")["connected_slaves"] == 0, what="it to go")
    time.sleep(0.1)
    assert saving()
