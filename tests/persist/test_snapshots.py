"""Snapshots as the daemon takes them (rkvd.persistence): SAVE, BGSAVE from
the fork child, save points, loading at start-up, SHUTDOWN / SIGTERM /
FLUSHALL saves, DEBUG RELOAD and -MISCONF, each against a real rkvd and,
where the reply or the file matters, a real redis-server.
"""
import os
import random
import shutil
import signal
import subprocess
import time

import pytest

from support import ServerProcess, rkvd_command, start_redis, start_rkvd, wait_for


def bgsave_done(r):
    return r.info("persistence")["rdb_bgsave_in_progress"] == 0


def fill(r):
    r.execute_command("DEBUG", "POPULATE", 20000)
    r.rpush("list", *range(300))
    r.hset("hash", mapping={f"f{i}": i for i in range(50)})
    r.sadd("set", *range(600))
    r.zadd("zset", {f"m{i}": i / 3 for i in range(200)})
    r.set("ttl", "v", ex=1000)


@pytest.fixture
def server():
    s = start_rkvd("rkvd-snap")
    yield s
    s.cleanup()


def test_save_and_load_at_start_up(server):
    r = server.client()
    fill(r)
    before = r.execute_command("DEBUG", "DIGEST")
    last = r.lastsave()
    assert r.info("persistence")["rdb_changes_since_last_save"] > 0
    time.sleep(1.1)
    assert r.save() is True
    assert r.lastsave() > last
    assert r.info("persistence")["rdb_changes_since_last_save"] == 0
    path = server.dir / "dump.rdb"
    assert path.exists()
    out = subprocess.run(["redis-check-rdb", str(path)], capture_output=True, text=True)
    assert "RDB looks OK" in out.stdout + out.stderr, out.stdout
    server.close_clients()
    server.restart()
    r = server.client()
    assert r.execute_command("DEBUG", "DIGEST") == before
    assert 990 <= r.ttl("ttl") <= 1000
    info = r.info("persistence")
    assert info["rdb_last_load_keys_loaded"] == 20005
    log = server.stdout()
    assert "Loading RDB produced by version 7.0.15" in log
    assert "Done loading RDB, keys loaded: 20005, keys expired: 0." in log
    assert "DB loaded from disk:" in log


def test_bgsave_file_loads_into_redis_server(server, tmp_path):
    r = server.client()
    fill(r)
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.bgsave() is True
    wait_for(lambda: bgsave_done(r), what="BGSAVE")
    info = r.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert info["rdb_saves"] == 1
    assert r.info("stats")["total_forks"] == 1
    assert r.info("stats")["latest_fork_usec"] > 0
    log = server.stdout()
    assert "Background saving started by pid" in log
    assert "Background saving terminated with success" in log
    assert "DB saved on disk" in log
    shutil.copy(server.dir / "dump.rdb", tmp_path / "dump.rdb")
    redis = start_redis("redis-load", directory=tmp_path)
    try:
        assert redis.client().execute_command("DEBUG", "DIGEST") == digest
    finally:
        redis.cleanup()


def test_bgsave_replies_match_redis(server):
    redis = start_redis("redis-bgsave")
    try:
        for s in (server, redis):
            r = s.client()
            r.execute_command("DEBUG", "POPULATE", 2000)
            r.config_set("rdb-key-save-delay", 1000)        # 2 s of saving
        replies = []
        for s in (server, redis):
            raw = s.raw()
            got = [raw.command("BGSAVE"), raw.command("BGSAVE"), raw.command("SAVE"),
                   raw.command("BGSAVE", "FOO"), raw.command("BGSAVE", "SCHEDULE", "X")]
            raw.close()
            replies.append(got)
            r = s.client()
            r.config_set("rdb-key-save-delay", 0)
        assert replies[0] == replies[1]
        assert replies[0][0] == b"+Background saving started\r\n"
        assert replies[0][1] == b"-ERR Background save already in progress\r\n"
    finally:
        redis.cleanup()


def _misconf_sequence(s, gone):
    r = s.client()
    r.set("k", "v")
    raw = s.raw()
    out = [raw.command("CONFIG", "SET", "save", "100 1")]
    gone.mkdir(exist_ok=True)
    out.append(raw.command("CONFIG", "SET", "dir", str(gone)))
    gone.rmdir()
    out.append(raw.command("BGSAVE"))
    wait_for(lambda: bgsave_done(r), what="failed BGSAVE")
    out += [raw.command("SET", "k", "w"), raw.command("PING"), raw.command("GET", "k"),
            raw.command("MULTI"), raw.command("SET", "k", "x"), raw.command("EXEC")]
    out.append(raw.command("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"))
    out.append(raw.command("SET", "k", "y"))
    out.append(raw.command("CONFIG", "SET", "dir", str(s.dir)))
    raw.close()
    return out, r.info("persistence")["rdb_last_bgsave_status"]


def test_failed_bgsave_refuses_writes_like_redis(tmp_path):
    args = ["--enable-protected-configs", "yes"]
    server = start_rkvd("rkvd-misconf", extra_args=args)
    redis = start_redis("redis-misconf", extra_args=args)
    try:
        ours, status = _misconf_sequence(server, tmp_path / "gone-rkvd")
        theirs, status_redis = _misconf_sequence(redis, tmp_path / "gone-redis")
        assert ours == theirs
        assert (status, status_redis) == ("err", "err"), ours
        assert ours[3].startswith(b"-MISCONF Redis is configured to save RDB snapshots")
        assert "Background saving error" in server.stdout()
    finally:
        redis.cleanup()
        server.cleanup()


def test_save_points_trigger_a_bgsave():
    s = start_rkvd("rkvd-savepoint", extra_args=["--save", "1 1"])
    try:
        r = s.client()
        r.set("a", 1)
        wait_for(lambda: (s.dir / "dump.rdb").exists() and bgsave_done(r), what="save point")
        assert "1 changes in 1 seconds. Saving..." in s.stdout()
    finally:
        s.cleanup()


def test_shutdown_and_sigterm_save_when_save_points_are_set():
    s = start_rkvd("rkvd-shutdown", extra_args=["--save", "3600 1"])
    try:
        r = s.client()
        r.set("a", 1)
        try:
            r.shutdown()
        except Exception:
            pass
        s.wait(10)
        assert (s.dir / "dump.rdb").exists()
        s.start()
        r = s.client()
        assert r.get("a") == b"1"
        r.set("b", 2)
        s.signal(signal.SIGTERM)
        assert s.wait(10) == 0
        log = s.stdout()
        assert "Saving the final RDB snapshot before exiting." in log
        s.start()
        assert s.client().get("b") == b"2"
        r = s.client()
        r.set("c", 3)
        try:
            r.shutdown(nosave=True)
        except Exception:
            pass
        s.wait(10)
        s.start()
        assert s.client().get("c") is None
    finally:
        s.cleanup()


def test_flushall_writes_an_empty_snapshot_with_save_points():
    s = start_rkvd("rkvd-flushall", extra_args=["--save", "3600 1"])
    try:
        r = s.client()
        r.set("a", 1)
        assert r.save()
        size = os.path.getsize(s.dir / "dump.rdb")
        r.flushall()
        assert os.path.getsize(s.dir / "dump.rdb") < size
        # redis-server 7.0.15 too: the save reset the counter, nothing after
        assert r.info("persistence")["rdb_changes_since_last_save"] == 0
    finally:
        s.cleanup()


def test_debug_reload_keeps_the_dataset(server):
    r = server.client()
    fill(r)
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert r.execute_command("DEBUG", "DIGEST") == digest
    assert "DB reloaded by DEBUG RELOAD" in server.stdout()
    assert (server.dir / "dump.rdb").exists()


def test_corrupt_file_stops_the_start(tmp_path):
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0010\xfa\x09redis-ver\x067.0.15\x05garbage")
    proc = ServerProcess(rkvd_command(), "rkvd-corrupt", directory=tmp_path).spawn()
    try:
        assert proc.wait(15) == 1
        assert "Terminating server after rdb file reading failure." in proc.stdout()
    finally:
        proc.cleanup()


def test_clients_get_loading_while_a_big_file_loads(server):
    r = server.client()
    r.execute_command("DEBUG", "POPULATE", 1000000)
    assert r.save()
    server.close_clients()
    server.kill()
    server.spawn()
    seen = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            raw = server.raw(timeout=2)
        except OSError:
            time.sleep(0.01)
            continue
        reply = raw.command("DBSIZE")
        raw.close()
        if reply.startswith(b"-LOADING"):
            assert reply == b"-LOADING Redis is loading the dataset in memory\r\n"
            seen.add("loading")
            continue
        assert reply == b":1000000\r\n"
        break
    else:
        raise AssertionError("never loaded")
    assert "loading" in seen


def _children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


@pytest.mark.needs_redis
def test_no_table_growth_while_a_child_runs(server_pair):
    # Redis's updateDictResizePolicy, as unit/other checks it
    for s in server_pair("--rdb-key-save-delay", "1000000"):
        with s.raw() as c:
            assert c.command("DEBUG", "POPULATE", "4096", "", "1") == b"+OK\r\n"
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            wait_for(lambda pid=s.pid: _children(pid), what=f"{s.name}'s child")
            assert c.command("MSET", "k1", "v1", "k2", "v2") == b"+OK\r\n"
            assert b"table size: 8192" not in c.command("DEBUG", "HTSTATS", "0")
            os.kill(_children(s.pid)[0], signal.SIGKILL)
            wait_for(lambda: b"rdb_bgsave_in_progress:0" in c.command("INFO", "persistence"),
                       what=f"{s.name} reaping its child")
            assert c.command("SET", "k3", "v3") == b"+OK\r\n"
            assert b"table size: 8192" in c.command("DEBUG", "HTSTATS", "0")


def _persistence(c):
    text = c.command("INFO", "persistence").decode()
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


@pytest.mark.needs_redis
def test_child_reports_its_progress(server_pair):
    # Redis's child info: keys written and copy-on-write while it runs
    for s in server_pair("--rdb-key-save-delay", "300"):
        with s.raw() as c:
            assert c.command("DEBUG", "POPULATE", "10000", "key", "500") == b"+OK\r\n"
            before = _persistence(c)
            assert (before["current_save_keys_total"], before["current_cow_size"]) == ("0", "0")
            assert c.command("BGSAVE") == b"+Background saving started\r\n"
            assert _persistence(c)["current_save_keys_total"] == "10000"
            seen = []
            deadline = time.monotonic() + 10
            while len(set(seen)) < 2:
                assert time.monotonic() < deadline, f"{s.name} reported no progress: {seen}"
                for i in range(16):
                    c.command("SETRANGE", f"key:{i + 16 * len(seen)}", "0", "B" * 500)
                info = _persistence(c)
                assert info["rdb_bgsave_in_progress"] == "1", f"{s.name}: the save ended first"
                if int(info["current_save_keys_processed"]) > 0:
                    assert float(info["current_fork_perc"]) > 0
                    assert int(info["current_cow_size"]) > 0
                    seen.append(info["current_save_keys_processed"])
                time.sleep(0.3)
            assert c.command("CONFIG", "SET", "rdb-key-save-delay", "0") == b"+OK\r\n"
            wait_for(lambda c=c: _persistence(c)["rdb_bgsave_in_progress"] == "0",
                       what=f"{s.name}'s save")
            after = _persistence(c)
            assert (after["current_save_keys_processed"], after["current_cow_size"]) == ("0", "0")
            assert int(after["rdb_last_cow_size"]) > 0


def _bgsave_cow(r, during=None):
    saves = r.info("persistence")["rdb_saves"]
    assert r.bgsave() is True
    if during:
        during()
    wait_for(lambda: bgsave_done(r) and r.info("persistence")["rdb_saves"] > saves, timeout=60,
               what="BGSAVE")
    return r.info("persistence")["rdb_last_cow_size"]


def test_reads_during_bgsave_leave_pages_shared(server):
    """Reads leave the LRU clocks alone while a child runs (Redis's
    lookupKey), so they copy no page: before this, 30,000 random GETs over
    40,000 keys dirtied every page of the keyspace (about 3 MB here)."""
    r = server.client()
    r.config_set("save", "")
    r.execute_command("DEBUG", "POPULATE", 40000)
    r.config_set("rdb-key-save-delay", 20)          # keep the child running ~3 s
    idle = _bgsave_cow(r)
    rnd = random.Random(5)

    def reads():
        pipe = r.pipeline(transaction=False)
        for _ in range(30000):
            pipe.get(f"key:{rnd.randrange(40000)}")
        assert all(v is not None for v in pipe.execute())

    busy = _bgsave_cow(r, reads)
    assert busy - idle < 1 << 20, (idle, busy)


def test_string_overwrites_while_a_child_runs_match_redis(server):
    """While a child runs, overwrites move keys to new blocks (the old ones
    kept for the child); every string command must read and grow such
    values exactly as Redis does."""
    redis = start_redis("redis-cow-strings")
    try:
        outs = []
        for s in (server, redis):
            r = s.client()
            r.config_set("save", "")
            r.execute_command("DEBUG", "POPULATE", 3000, "key", 40)
            r.config_set("rdb-key-save-delay", 1000)        # ~3 s of saving
            assert r.bgsave() is True
            raw = s.raw()
            out = []
            for i in range(0, 60, 3):
                k = f"key:{i}"
                out += [raw.command("SET", k, "x" * (i % 7)), raw.command("GET", k),
                        raw.command("APPEND", k, "tail" * (i % 5)), raw.command("STRLEN", k),
                        raw.command("SETRANGE", k, 3 + i % 11, "R"), raw.command("GET", k),
                        raw.command("SET", k, str(i * 1000)), raw.command("INCRBY", k, 7),
                        raw.command("SET", k, "y" * (50 + i)), raw.command("GETRANGE", k, 0, 9)]
            out.append(raw.command("DEBUG", "DIGEST"))
            raw.close()
            r.config_set("rdb-key-save-delay", 0)
            wait_for(lambda r=r: bgsave_done(r), timeout=30, what="BGSAVE")
            out.append(r.execute_command("DEBUG", "DIGEST"))
            outs.append(out)
        assert outs[0] == outs[1]
    finally:
        redis.cleanup()


def test_overwrites_while_a_child_runs_keep_values_and_free_after(server):
    """While a child runs an overwrite moves the key to a new block and the
    old one is kept until the child ends (its page stays shared): values of
    every kind, TTLs and the digest match Redis, and the kept blocks are
    freed once the save is over."""
    redis = start_redis("redis-cow-kinds")
    try:
        outs = []
        for s in (server, redis):
            r = s.client()
            r.config_set("save", "")
            r.execute_command("DEBUG", "POPULATE", 3000, "key", 40)
            for i in range(20):
                r.hset(f"h:{i}", mapping={"a": 1, "b": "x" * 100})
                r.rpush(f"l:{i}", *range(5))
                r.set(f"t:{i}", "v", ex=1000)
            used = r.info("memory")["used_memory"]
            r.config_set("rdb-key-save-delay", 1000)        # ~3 s of saving
            assert r.bgsave() is True
            raw = s.raw()
            out = []
            for i in range(20):
                out += [raw.command("SET", f"h:{i}", "over-a-hash"), raw.command("GET", f"h:{i}"),
                        raw.command("SET", f"l:{i}", i), raw.command("INCR", f"l:{i}"),
                        raw.command("SET", f"t:{i}", "w" * (i * 5), "KEEPTTL"),
                        raw.command("TTL", f"t:{i}") == b":1000\r\n" or raw.command("TTL", f"t:{i}"),
                        raw.command("SET", f"key:{i}", "y" * (i * 7)),
                        raw.command("SET", f"key:{i}", i * 3), raw.command("GET", f"key:{i}"),
                        raw.command("SET", f"key:{i + 100}", "z" * 60)]
            out.append(raw.command("DEBUG", "DIGEST"))
            raw.close()
            r.config_set("rdb-key-save-delay", 0)
            wait_for(lambda r=r: bgsave_done(r), timeout=30, what="BGSAVE")
            out.append(r.execute_command("DEBUG", "DIGEST"))
            if s is server:
                # the kept blocks went back once no child was left
                assert r.info("memory")["used_memory"] < used + (256 << 10)
            outs.append(out)
        assert outs[0] == outs[1]
    finally:
        redis.cleanup()


def _gone(pid):
    # not running any more: no such process, or a zombie not reaped yet
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("diskless", [False, True])
def test_a_child_whose_parent_is_killed_exits(server_pair, diskless):
    """As Redis's child, which exits when it cannot report to its parent:
    a snapshot no one will use does not run to its end. The progress
    report once a second finds the pipe closed."""
    for s in server_pair("--rdb-key-save-delay", "1000", "--repl-diskless-sync-delay", "0",
                         "--repl-diskless-sync", "yes" if diskless else "no"):
        with s.raw() as c:
            assert c.command("DEBUG", "POPULATE", "10000") == b"+OK\r\n"      # 10 s to save
            if diskless:
                replica = s.raw()
                replica.send_command("PSYNC", "?", "-1")
            else:
                assert c.command("BGSAVE") == b"+Background saving started\r\n"
            line = wait_for(lambda s=s: [ln for ln in s.stdout().splitlines() if "started by pid" in ln],
                            what=f"{s.name}'s child")[0]
        child = int(line.rsplit(" ", 1)[1])
        s.proc.kill()
        s.proc.wait()
        wait_for(lambda child=child: _gone(child), timeout=4, what=f"{s.name}'s child to exit")
