"""The append-only file (rkvd.aof) against a real rkvd and a real
redis-server 7.0.15: restarts, CONFIG SET appendonly, BGREWRITEAOF, the
directory each server writes loaded by the other, redis-check-aof, the
incremental files command for command, truncated files and SIGKILL.
"""
import os
import re
import shutil
import signal
import subprocess

import pytest

from support import start_redis, start_rkvd, wait_for

AOF_ON = ["--appendonly", "yes", "--appendfsync", "always"]


def rewrite_done(r):
    info = r.info("persistence")
    return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0


def digest(r):
    return r.execute_command("DEBUG", "DIGEST")


def manifest(server):
    return (server.dir / "appendonlydir" / "appendonly.aof.manifest").read_text()


def check_aof(server):
    out = subprocess.run(["redis-check-aof", str(server.dir / "appendonlydir" /
                                                 "appendonly.aof.manifest")],
                         capture_output=True, text=True)
    return out.returncode, out.stdout + out.stderr


def fill(r):
    # (DEBUG POPULATE is not propagated, in Redis either)
    r.mset({f"key:{i}": f"value:{i}" for i in range(2000)})
    r.rpush("list", *range(300))
    r.hset("hash", mapping={f"f{i}": i for i in range(50)})
    r.sadd("set", *range(600))
    r.sadd("smallset", "a", "b", "c")
    r.zadd("zset", {f"m{i}": i / 3 for i in range(200)})
    r.set("ttl", "v", ex=1000)
    r.incrbyfloat("float", 1.25)
    with r.pipeline(transaction=True) as p:
        p.set("tx1", "a").lpush("tx2", "b").expire("tx1", 500).execute()
    r.execute_command("SELECT", 5)
    r.set("in5", "five")
    r.execute_command("SELECT", 0)


def incr_commands(path):
    """The commands of an AOF file, as lists of bytes ('#' lines skipped)."""
    data = path.read_bytes()
    out, pos = [], 0
    while pos < len(data):
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        nl = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:nl])
        pos = nl + 2
        argv = []
        for _ in range(argc):
            nl = data.index(b"\r\n", pos)
            ln = int(data[pos + 1:nl])
            argv.append(data[nl + 2:nl + 2 + ln])
            pos = nl + 2 + ln + 2
        out.append(argv)
    return out


@pytest.fixture
def aof_server():
    servers = []

    def make(name="rkvd-aof", args=(), **kw):
        s = start_rkvd(name, extra_args=AOF_ON + list(args), **kw)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.cleanup()


def test_writes_survive_a_restart(aof_server):
    s = aof_server()
    r = s.client()
    fill(r)
    before = digest(r)
    assert manifest(s) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                           "file appendonly.aof.1.incr.aof seq 1 type i\n")
    info = r.info("persistence")
    assert info["aof_enabled"] == 1 and info["aof_last_write_status"] == "ok"
    assert info["aof_current_size"] == (s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof"
                                        ).stat().st_size
    s.restart()
    r = s.client()
    assert digest(r) == before
    assert 990 <= r.ttl("ttl") <= 1000
    log = s.stdout()
    assert "Creating AOF base file appendonly.aof.1.base.rdb on server start" in log
    assert "Creating AOF incr file appendonly.aof.1.incr.aof on server start" in log
    assert "Reading RDB base file on AOF loading..." in log
    assert "DB loaded from incr file appendonly.aof.1.incr.aof:" in log
    assert "DB loaded from append only file:" in log
    assert "Opening AOF incr file appendonly.aof.1.incr.aof on server start" in log
    assert check_aof(s)[0] == 0


def test_aof_takes_precedence_over_the_rdb(aof_server):
    s = aof_server(args=["--appendonly", "no"])
    r = s.client()
    r.set("only-in-rdb", 1)
    r.save()
    r.config_set("appendonly", "yes")
    wait_for(lambda: rewrite_done(r) and r.info("persistence")["aof_enabled"], what="AOF on")
    r.set("after", 1)
    r.delete("only-in-rdb")
    s.extra_args += ["--appendonly", "yes"]
    s.restart()
    r = s.client()
    assert r.exists("only-in-rdb") == 0 and r.get("after") == b"1"


def test_config_set_appendonly_at_run_time(aof_server):
    s = aof_server(args=["--appendonly", "no"])
    r = s.client()
    fill(r)
    assert "aof_current_size" not in r.info("persistence")
    assert r.config_set("appendonly", "yes") is True
    wait_for(lambda: rewrite_done(r), what="the first rewrite")
    info = r.info("persistence")
    assert info["aof_enabled"] == 1 and info["aof_rewrites"] == 1
    assert manifest(s) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                           "file appendonly.aof.1.incr.aof seq 1 type i\n")
    r.set("later", "x")
    before = digest(r)
    log = s.stdout()
    assert "Creating AOF incr file temp-appendonly.aof.incr on background rewrite" in log
    assert ("Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into "
            "appendonly.aof.1.incr.aof") in log
    assert r.config_set("appendonly", "no") is True
    assert r.info("persistence")["aof_enabled"] == 0
    r.set("not-logged", 1)
    s.extra_args += ["--appendonly", "yes"]
    s.restart()
    r = s.client()
    assert digest(r) == before


def test_bgrewriteaof_replies_like_redis(aof_server):
    s = aof_server(args=["--rdb-key-save-delay", "1000"])
    redis = start_redis("redis-aofrw", extra_args=AOF_ON + ["--rdb-key-save-delay", "1000"])
    try:
        replies = []
        for srv in (s, redis):
            with srv.raw() as raw:
                raw.command("DEBUG", "POPULATE", "2000")
                out = [raw.command("BGREWRITEAOF"), raw.command("BGREWRITEAOF"),
                       raw.command("BGSAVE")]
                raw.command("CONFIG", "SET", "rdb-key-save-delay", "0")
                r = srv.client()
                wait_for(lambda r=r: rewrite_done(r), timeout=20, what="rewrite")
                raw.command("CONFIG", "SET", "rdb-key-save-delay", "1000")
                out.append(raw.command("BGSAVE"))
                out.append(raw.command("BGREWRITEAOF"))
                out.append(raw.command("INFO", "persistence").count(b"aof_rewrite_scheduled:1"))
                raw.command("CONFIG", "SET", "rdb-key-save-delay", "0")
                wait_for(lambda r=r: rewrite_done(r) and
                           r.info("persistence")["rdb_bgsave_in_progress"] == 0,
                           timeout=20, what="scheduled rewrite")
                out.append(r.info("persistence")["aof_rewrites"])
                replies.append(out)
        assert replies[0] == replies[1]
        assert replies[0][:2] == [b"+Background append only file rewriting started\r\n",
                                  b"-ERR Background append only file rewriting already in "
                                  b"progress\r\n"]
        assert replies[0][4] == b"+Background append only file rewriting scheduled\r\n"
    finally:
        redis.cleanup()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rewritten_aof_loads_into_redis_server(aof_server, tmp_path, preamble):
    s = aof_server(args=["--aof-use-rdb-preamble", preamble])
    r = s.client()
    fill(r)
    assert r.bgrewriteaof()
    wait_for(lambda: rewrite_done(r), what="rewrite")
    r.set("after-rewrite", 1)
    r.execute_command("SELECT", 3)
    r.rpush("l3", "x")
    r.execute_command("SELECT", 0)
    before = digest(r)
    m = manifest(s)
    assert re.fullmatch(r"file appendonly\.aof\.2\.base\.(rdb|aof) seq 2 type b\n"
                        r"file appendonly\.aof\.2\.incr\.aof seq 2 type i\n", m), m
    assert not (s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof").exists()
    code, out = check_aof(s)
    assert code == 0 and "All AOF files and manifest are valid" in out, out
    s.kill()
    shutil.copytree(s.dir / "appendonlydir", tmp_path / "appendonlydir")
    redis = start_redis("redis-load-aof", directory=tmp_path, extra_args=AOF_ON)
    try:
        assert digest(redis.client()) == before
    finally:
        redis.cleanup()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rkvd_loads_redis_servers_aof(aof_server, tmp_path, preamble):
    args = AOF_ON + ["--aof-use-rdb-preamble", preamble, "--aof-timestamp-enabled", "yes"]
    redis = start_redis("redis-write-aof", directory=tmp_path, extra_args=args)
    try:
        r = redis.client()
        fill(r)
        assert r.bgrewriteaof()
        wait_for(lambda: rewrite_done(r), what="rewrite")
        r.set("after-rewrite", 1)
        with r.pipeline(transaction=True) as p:
            p.incr("n").sadd("smallset", "z").execute()
        before = digest(r)
        redis.kill()
        s = aof_server(directory=tmp_path)
        assert digest(s.client()) == before
    finally:
        redis.cleanup()


SEQUENCE = [
    ("SET", "a", "1"), ("SET", "b", "2", "EX", "100"), ("EXPIRE", "a", "50"),
    ("SET", "p", "1", "pxat", "99999999999999"), ("SET", "p", "2", "NX", "GET", "PX", "5000"),
    ("SET", "p", "3", "XX", "GET", "EX", "5000"),
    ("INCRBYFLOAT", "f", "1.5"), ("SELECT", "2"), ("RPUSH", "l", "x", "y", "z"),
    ("LPOP", "l"), ("BLPOP", "l", "0"), ("SADD", "s", "a"), ("SPOP", "s"),
    ("SADD", "s2", "a", "b", "c"), ("SPOP", "s2", "10"),
    ("SELECT", "0"), ("MULTI",), ("SET", "t1", "a"), ("INCR", "t2"), ("EXEC",),
    ("HSET", "h", "f", "v"), ("ZADD", "z", "1", "m"), ("ZINCRBY", "z", "2", "m"),
    ("GETEX", "a", "PX", "100000"), ("PERSIST", "a"), ("SETEX", "c", "100", "v"),
    ("DEL", "b", "missing"), ("SET", "gone", "v", "PX", "1"), ("DEBUG", "SLEEP", "0.01"),
    ("GET", "gone"), ("MSET", "m1", "1", "m2", "2"), ("APPEND", "m1", "x"),
    ("RENAME", "m2", "m3"), ("FLUSHDB",),
]

_TIMES = {b"PXAT", b"PEXPIREAT"}


def _normalized(cmds):
    """Absolute times computed from each server's clock differ by the time
    between the two runs: keep their position, not their digits."""
    out = []
    for argv in cmds:
        argv = list(argv)
        for i in range(1, len(argv)):
            if argv[i - 1].upper() in _TIMES or (argv[0].upper() == b"PEXPIREAT" and i == 2):
                argv[i] = b"<time>"
        out.append(argv)
    return out


def test_incremental_files_match_redis_command_for_command(aof_server):
    s = aof_server()
    redis = start_redis("redis-incr", extra_args=AOF_ON)
    try:
        files = []
        for srv in (s, redis):
            with srv.raw() as raw:
                for cmd in SEQUENCE:
                    raw.command(*cmd)
            files.append(incr_commands(srv.dir / "appendonlydir" / "appendonly.aof.1.incr.aof"))
        ours, theirs = (_normalized(f) for f in files)
        assert ours == theirs
        assert [b"DEL", b"gone"] in ours             # the lazily expired key
        assert [b"SREM", b"s"] in [argv[:2] for argv in ours]
    finally:
        redis.cleanup()


def _truncate_last_incr(s, cut):
    path = s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof"
    size = path.stat().st_size
    os.truncate(path, size - cut)
    return path


def test_truncated_aof_loads_with_aof_load_truncated(aof_server):
    s = aof_server()
    r = s.client()
    r.set("first", 1)
    r.set("second", "a-longer-value")
    s.kill()
    path = _truncate_last_incr(s, 5)
    s.restart()
    r = s.client()
    assert r.get("first") == b"1" and r.get("second") is None
    log = s.stdout()
    assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
    assert re.search(r"!!! Truncating the AOF appendonly.aof.1.incr.aof at offset \d+ !!!", log)
    assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" \
        in log
    # the file was cut at the last whole command, and it takes new writes
    r.set("third", 3)
    assert incr_commands(path)[-1] == [b"SET", b"third", b"3"]


def test_truncated_aof_refused_without_aof_load_truncated(aof_server):
    s = aof_server(args=["--aof-load-truncated", "no"])
    r = s.client()
    r.set("first", 1)
    r.set("second", 2)
    s.kill()
    _truncate_last_incr(s, 3)
    s.spawn()
    assert s.wait(20) == 1
    assert ("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. "
            "You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
            "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
            "configuration option to yes and restart the server.") in s.stdout()


def test_incomplete_transaction_is_reverted(aof_server):
    s = aof_server()
    r = s.client()
    r.set("before", 1)
    with r.pipeline(transaction=True) as p:
        p.set("in-tx", 1).set("in-tx-2", 2).execute()
    s.kill()
    path = s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof"
    data = path.read_bytes()
    path.write_bytes(data[:data.rindex(b"*1\r\n$4\r\nEXEC\r\n")])
    s.restart()
    r = s.client()
    assert r.get("before") == b"1" and r.exists("in-tx", "in-tx-2") == 0
    assert "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof" \
        in s.stdout()


def test_bad_format_is_fatal(aof_server):
    s = aof_server()
    s.client().set("k", 1)
    s.kill()
    with open(s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof", "ab") as f:
        f.write(b"garbage\r\n")
    s.spawn()
    assert s.wait(20) == 1
    assert ("Bad file format reading the append only file appendonly.aof.1.incr.aof: make a "
            "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>") \
        in s.stdout()


def test_old_style_aof_is_migrated(aof_server, tmp_path):
    (tmp_path / "appendonly.aof").write_bytes(
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n")
    s = aof_server(directory=tmp_path)
    r = s.client()
    assert r.get("old") == b"style"
    assert not (tmp_path / "appendonly.aof").exists()
    assert manifest(s) == ("file appendonly.aof seq 1 type b\n"
                           "file appendonly.aof.1.incr.aof seq 1 type i\n")
    assert ("Successfully migrated an old-style AOF file (appendonly.aof) into the AOF "
            "directory (appendonlydir).") in s.stdout()


def test_debug_loadaof(aof_server):
    s = aof_server()
    r = s.client()
    fill(r)
    before = digest(r)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert digest(r) == before
    # the reload resets the dirty counter, which must not propagate it
    r.set("more", 1)
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    cmds = incr_commands(s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof")
    assert [argv[0].upper() for argv in cmds if argv[0].upper() == b"DEBUG"] == []
    assert r.get("more") == b"1"
    assert "Append Only File loaded by DEBUG LOADAOF" in s.stdout()


def test_info_fields_are_redis_fields(aof_server):
    s = aof_server()
    redis = start_redis("redis-info-aof", extra_args=AOF_ON)
    try:
        ours = [k for k in s.client().info("persistence") if k.startswith(("aof_", "module_"))]
        theirs = [k for k in redis.client().info("persistence")
                  if k.startswith(("aof_", "module_"))]
        assert ours == theirs
    finally:
        redis.cleanup()


def test_kill_9_loses_no_acknowledged_write(aof_server):
    s = aof_server()
    acked = 0
    for _round in range(4):
        r = s.client()
        for _ in range(200):
            r.incr("counter")
            acked += 1
        s.signal(signal.SIGKILL)
        s.wait(10)
        s.restart()
        assert int(s.client().get("counter")) == acked


def test_shutdown_fsyncs_the_aof(aof_server):
    s = aof_server(args=["--appendfsync", "everysec"])
    r = s.client()
    r.set("k", "v")
    s.signal(signal.SIGTERM)
    assert s.wait(20) == 0
    assert "Calling fsync() on the AOF file." in s.stdout()
    s.start()
    assert s.client().get("k") == b"v"


def test_manifest_text_and_errors():
    from rkvd.aof import Manifest
    m = Manifest()
    m.new_base("appendonly.aof", rdb=True)
    m.new_incr("appendonly.aof")
    m.new_incr("appendonly.aof")
    m.new_base("appendonly.aof", rdb=False)
    m.incrs_to_history(keep_last=True)
    assert m.text() == ("file appendonly.aof.2.base.aof seq 2 type b\n"
                        "file appendonly.aof.1.incr.aof seq 1 type h\n"
                        "file appendonly.aof.1.base.rdb seq 1 type h\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n")
    back = Manifest.parse(m.text().encode())
    assert back.text() == m.text() and (back.base_seq, back.incr_seq) == (2, 2)
    # names that need quoting are written as Redis's sdscatrepr writes them
    q = Manifest.parse(b'file "my aof\\x01" seq 1 type i\n')
    assert q.incrs == [("my aof\x01", 1)]
    assert q.text() == 'file "my aof\\x01" seq 1 type i\n'
    for raw, err in [(b"", "Found an empty AOF manifest"),
                     (b"file a seq 1 type b", "The AOF manifest file contains too long line"),
                     (b"file a seq 1 type b\n\n", "Invalid AOF manifest file format"),
                     (b"file a seq 1 type x\n", "Unknown AOF file type"),
                     (b"file a/b seq 1 type b\n", "File can't be a path, just a filename"),
                     (b"file a seq 2 type i\nfile b seq 1 type i\n",
                      "Found a non-monotonic sequence number"),
                     (b"file a seq 1 type b\nfile b seq 2 type b\n",
                      "Found duplicate base file information")]:
        with pytest.raises(ValueError) as exc:
            Manifest.parse(raw)
        assert exc.value.args[0][0] == err


def test_writes_without_a_reply_reach_the_file(aof_server):
    # no reply triggers the write: the cron does (Redis's beforeSleep)
    s = aof_server(args=["--appendfsync", "everysec"])
    with s.raw() as raw:
        raw.send_command("CLIENT", "REPLY", "OFF")
        raw.send_command("SET", "silent", "1")
        path = s.dir / "appendonlydir" / "appendonly.aof.1.incr.aof"
        wait_for(lambda: b"silent" in path.read_bytes(), what="the write in the AOF")
    s.signal(signal.SIGKILL)
    s.wait(10)
    s.start()
    assert s.client().get("silent") == b"1"


def test_everysec_fsyncs_in_the_background(aof_server):
    s = aof_server(args=["--appendfsync", "everysec"])
    r = s.client()
    for i in range(50):
        r.set(f"k{i}", i)
    info = r.info("persistence")
    assert info["aof_delayed_fsync"] == 0 and info["aof_last_write_status"] == "ok"
    assert r.config_get("appendfsync") == {"appendfsync": "everysec"}
    r.config_set("appendfsync", "no")
    r.set("after-no", 1)
    r.config_set("appendfsync", "always")
    r.set("after-always", 1)
    s.kill()
    s.start()
    assert s.client().get("after-always") == b"1"


def _full_disk_dir(path):
    # the incremental file is /dev/full: every write fails with ENOSPC
    aofdir = path / "appendonlydir"
    aofdir.mkdir(parents=True)
    (aofdir / "appendonly.aof.manifest").write_text(
        "file appendonly.aof.1.incr.aof seq 1 type i\n")
    os.symlink("/dev/full", aofdir / "appendonly.aof.1.incr.aof")


def test_write_errors_refuse_writes_like_redis(aof_server, tmp_path):
    args = ["--appendfsync", "everysec"]
    _full_disk_dir(tmp_path / "ours")
    _full_disk_dir(tmp_path / "theirs")
    s = aof_server(args=args, directory=tmp_path / "ours")
    redis = start_redis("redis-aof-full", directory=tmp_path / "theirs", extra_args=AOF_ON + args)
    try:
        replies = []
        for srv in (s, redis):
            with srv.raw() as raw:
                out = [raw.command("SET", "k", "v"), raw.command("SET", "k", "w"),
                       raw.command("GET", "k"), raw.command("PING")]
                out.append(b"aof_last_write_status:err" in raw.command("INFO", "persistence"))
            replies.append(out)
        assert replies[0] == replies[1]
        assert replies[0][1] == b"-MISCONF Errors writing to the AOF file: No space left on device\r\n"
        assert "Error writing to the AOF file: No space left on device" in s.stdout()
    finally:
        redis.cleanup()


def test_write_error_with_always_exits_like_redis(aof_server, tmp_path):
    _full_disk_dir(tmp_path / "ours")
    _full_disk_dir(tmp_path / "theirs")
    s = aof_server(directory=tmp_path / "ours")
    redis = start_redis("redis-aof-full-always", directory=tmp_path / "theirs", extra_args=AOF_ON)
    try:
        for srv in (s, redis):
            with srv.raw() as raw:
                raw.send_command("SET", "k", "v")
                # no reply acknowledges a write that did not reach the disk
                assert raw.read_all_until_eof()[0] == b""
            assert srv.wait(10) == 1
            assert ("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
                    "Exiting...") in srv.stdout()
    finally:
        redis.cleanup()
