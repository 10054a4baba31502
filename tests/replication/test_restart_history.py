"""Replication history across restarts (PSYNC2 with the RDB's repl-id,
repl-offset and repl-stream-db AUX fields).

A replica that saves on SHUTDOWN and starts again from that file continues
with a partial resync; so do the replicas of a master restarted the same
way. The counters checked are the master's own (INFO stats sync_partial_ok,
sync_full), so a silent fall back to a full sync fails.
"""
import redis
from test_replica_sync import MASTER_ARGS, info, partial_ok, populate_every_type, wait_in_sync

from support import wait_for


def _shutdown(client):
    try:
        client.execute_command("SHUTDOWN", "SAVE")
    except redis.ConnectionError:
        pass


def _aux_fields(path):
    """Which repl-* AUX fields an RDB file holds (an AUX opcode, then the
    name as a short string)."""
    data = path.read_bytes()
    out = {}
    for name in (b"repl-stream-db", b"repl-id", b"repl-offset"):
        i = data.find(b"\xfa" + bytes([len(name)]) + name)
        out[name] = i >= 0
    return out


def test_a_restarted_replica_continues_with_a_partial_resync(redis_factory, rkvd_factory):
    ms = redis_factory(*MASTER_ARGS)
    master = ms.client()
    populate_every_type(master)
    rs = rkvd_factory("--replicaof", "127.0.0.1", str(ms.port))
    replica = rs.client()
    wait_in_sync(master, replica)
    # the stream's last SELECT must survive the restart: write in db 3
    master.execute_command("SELECT", "3")
    master.set("before-restart", 1)
    master.execute_command("SELECT", "0")
    m3 = ms.client(db=3)
    m3.set("db3-key", "a")
    wait_in_sync(master, replica)
    replid = info(replica)["master_replid"]
    offset = info(replica)["master_repl_offset"]

    _shutdown(replica)
    rs.wait(10)
    assert _aux_fields(rs.dir / "dump.rdb") == {
        b"repl-stream-db": True, b"repl-id": True, b"repl-offset": True}
    m3.set("db3-while-down", "b")       # no SELECT: the master keeps db 3 selected
    master.set("while-down", 1)
    before_partial, before_full = partial_ok(master), info(master, "stats")["sync_full"]

    rs.restart()
    replica = rs.client()
    wait_in_sync(master, replica)
    assert partial_ok(master) == before_partial + 1
    assert info(master, "stats")["sync_full"] == before_full
    assert info(replica)["master_replid"] == replid
    assert info(replica)["master_repl_offset"] > offset
    assert rs.client(db=3).get("db3-while-down") == b"b"
    assert replica.get("while-down") == b"1"


def test_replicas_of_a_restarted_master_continue(rkvd_factory, redis_factory):
    ms = rkvd_factory(*MASTER_ARGS)
    master = ms.client()
    populate_every_type(master)
    rs = redis_factory("--replicaof", "127.0.0.1", str(ms.port))
    replica = rs.client()
    wait_in_sync(master, replica)
    old_replid = info(master)["master_replid"]
    offset = info(master)["master_repl_offset"]

    _shutdown(master)
    ms.wait(10)
    wait_for(lambda: info(replica)["master_link_status"] == "down", what="the link to drop")
    ms.restart()
    master = ms.client()
    r = info(master)
    # Redis's loadDataFromDisk on a master: a new ID, the old one secondary
    assert r["master_replid"] != old_replid
    assert r["master_replid2"] == old_replid
    assert r["second_repl_offset"] == offset + 1
    assert r["master_repl_offset"] == offset
    wait_for(lambda: info(replica)["master_link_status"] == "up", what="the link to come up")
    master.set("after-restart", 1)
    wait_in_sync(master, replica)
    stats = info(master, "stats")
    assert stats["sync_partial_ok"] == 1
    assert stats["sync_full"] == 0
    assert info(replica)["master_replid"] == r["master_replid"]


def test_a_master_without_replicas_records_no_history(rkvd_factory):
    ms = rkvd_factory()
    master = ms.client()
    master.set("k", 1)
    _shutdown(master)
    ms.wait(10)
    assert not any(_aux_fields(ms.dir / "dump.rdb").values())
    ms.restart()
    r = info(ms.client())
    assert str(r["master_replid2"]).strip("0") == ""     # (redis-py reads 000... as 0)
    assert r["master_repl_offset"] == 0


def test_keys_a_restarted_master_drops_as_expired_reach_its_replicas(rkvd_factory, redis_factory):
    ms = rkvd_factory(*MASTER_ARGS)
    master = ms.client()
    rs = redis_factory("--replicaof", "127.0.0.1", str(ms.port))
    replica = rs.client()
    wait_for(lambda: info(replica)["master_link_status"] == "up", what="the link to come up")
    master.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    for j in range(40):
        ms.client(db=j % 4).set(f"short:{j}", "v", px=10)
    master.set("stays", 1)
    wait_in_sync(master, replica)
    _shutdown(master)
    ms.wait(10)
    ms.restart()
    master = ms.client()
    assert info(master, "persistence")["rdb_last_load_keys_expired"] == 40
    # the DELs are the stream's first bytes after the recorded offset
    r = info(master)
    assert r["master_repl_offset"] == r["second_repl_offset"] - 1 + r["repl_backlog_histlen"] > 0
    wait_for(lambda: info(replica)["master_link_status"] == "up", what="the link to come up")
    master.set("after", 1)
    wait_in_sync(master, replica)
    assert info(master, "stats")["sync_partial_ok"] == 1
    assert replica.dbsize() == 2 and rs.client(db=3).dbsize() == 0


def test_more_expired_keys_than_the_backlog_holds_mean_a_full_sync(rkvd_factory, redis_factory):
    """The DELs of a restart's expired keys are trimmed to the backlog's
    size like any stream: past it, the history the replicas hold is gone
    (Redis's "Full resync after Master restart when too many key expired")."""
    ms = rkvd_factory(*MASTER_ARGS, "--repl-backlog-size", "16384")
    master = ms.client()
    rs = redis_factory("--replicaof", "127.0.0.1", str(ms.port))
    replica = rs.client()
    wait_for(lambda: info(replica)["master_link_status"] == "up", what="the link to come up")
    master.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    p = master.pipeline(transaction=False)
    for j in range(2048):
        p.set(f"short:{j}", "somevalue", px=10)
    p.execute()
    wait_in_sync(master, replica)
    _shutdown(master)
    ms.wait(10)
    ms.restart()
    master = ms.client()
    r = info(master)
    assert r["repl_backlog_histlen"] <= 16384 + 16384       # trimmed, a block kept whole
    assert r["repl_backlog_first_byte_offset"] > r["second_repl_offset"]
    wait_for(lambda: info(replica)["master_link_status"] == "up", what="the link to come up")
    assert info(master, "stats")["sync_full"] == 1 and info(master, "stats")["sync_partial_ok"] == 0
