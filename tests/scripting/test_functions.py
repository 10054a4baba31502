"""Redis 7.0 functions (rkvd/_core/scripting/functions.pxi): FUNCTION LOAD /
DELETE / FLUSH / LIST / STATS / DUMP / RESTORE / KILL and FCALL / FCALL_RO,
byte for byte against redis-server 7.0.15.

Every case runs on database 9 of both servers after FUNCTION FLUSH. Redis
keeps libraries, and the functions of a library, in a dict whose order
follows a per-process hash seed: replies listing more than one of them are
compared with that order relaxed (`listing`), everything else exactly.
DUMP payloads are compared byte for byte where they hold one library, and
crossed (each server restores the other's) where they hold several.

Persistence: dump.rdb files with libraries load across both servers and
hold the same FUNCTION2 records; DEBUG RELOAD and BGSAVE keep them; an AOF
rewrite writes them (RDB preamble or FUNCTION LOAD commands, the latter
byte for byte Redis's base file). INFO memory's function fields follow
Redis's, used_memory_functions included.
"""
import re
import time

import pytest
from persist.rdbenc import crc64

from support import Check, ServerProcess, case, ignore, parse_reply, rkvd_command, start_redis, start_rkvd

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]


def lib(name, body):
    return f"#!lua name={name}\n{body}"


def load(name, body, *opts):
    return ["FUNCTION", "LOAD", *opts, lib(name, body)]


def reg(fname, body="return 1"):
    return f"redis.register_function('{fname}', function(keys, args) {body} end)\n"


@pytest.fixture
def fdiffer(differ):
    """The differ on servers without libraries, put back after the test
    (FLUSHALL keeps them, and busy-reply-threshold is server-wide)."""
    differ.run(["FUNCTION FLUSH"])
    yield differ
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            conn.command("FUNCTION", "FLUSH")
            conn.command("CONFIG", "SET", "busy-reply-threshold", "5000")


# --------------------------------------------------------------------------- relaxed order

def _sorted_listing(value):
    """A FUNCTION LIST reply with its libraries and each library's functions
    in a canonical order (RESP2 flat arrays or RESP3 maps)."""
    kind, libs = value
    out = []
    for entry in libs:
        ekind, items = entry
        if ekind == "%":
            pairs = list(items)
        else:
            pairs = list(zip(items[0::2], items[1::2]))
        pairs = [(k, (v[0], sorted(v[1], key=repr)) if k[1] == b"functions" else v) for k, v in pairs]
        out.append(repr(pairs))
    return sorted(out)


def _same_listing(a, b):
    if a == b:
        return None
    try:
        pa, pb = parse_reply(a), parse_reply(b)
        if pa[0] != "*" or pb[0] != "*":
            return "replies differ"
        return None if _sorted_listing(pa) == _sorted_listing(pb) else "different libraries or functions"
    except Exception:
        return "unparsable reply"


def listing(command):
    """FUNCTION LIST of several libraries or functions: any order."""
    return Check(command, _same_listing)


# --------------------------------------------------------------------------- cases

MULTI = lib("multi", reg("m1", "return 1") + reg("m2", "return 2") + reg("m3", "return 3"))

LOAD_CASES = [
    case("load-and-call", load("mylib", reg("myfunc", "return args[1]")), "FCALL myfunc 0 hello",
         "FUNCTION LIST", "FUNCTION LIST WITHCODE", "FUNCTION STATS",
         load("mylib", reg("myfunc")), load("mylib", reg("other", "return 2"), "REPLACE"),
         "FCALL myfunc 0", "FCALL other 0", "FUNCTION LIST LIBRARYNAME my*"),
    case("load-option-errors", "FUNCTION LOAD", "FUNCTION LOAD REPLACE", "FUNCTION LOAD FOO x",
         "FUNCTION LOAD REPLACE REPLACE x", ["FUNCTION", "LOAD", "replace", lib("r", reg("r"))],
         "FCALL r 0"),
    case("metadata-errors", "FUNCTION LOAD nothing", ["FUNCTION", "LOAD", "#!lua name=x"],
         ["FUNCTION", "LOAD", "#!lua\nreturn 1"], ["FUNCTION", "LOAD", "#!\nreturn 1"],
         ["FUNCTION", "LOAD", "#! \nreturn 1"], ["FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"],
         ["FUNCTION", "LOAD", "#!lua name=\nreturn 1"], ["FUNCTION", "LOAD", "#!lua name=x foo=bar\nreturn 1"],
         ["FUNCTION", "LOAD", "#!lua name=x name=y\nreturn 1"], ["FUNCTION", "LOAD", "#!py name=x\nreturn 1"],
         ["FUNCTION", "LOAD", '#!lua "name=x\nreturn 1'],
         ["FUNCTION", "LOAD", "#!lua NAME=x3\n" + reg("f3")], ["FUNCTION", "LOAD", "#!LUA name=x4\n" + reg("f4")],
         ["FUNCTION", "LOAD", '#!lua "name=x5"\n' + reg("f5")], "FCALL f3 0", "FCALL f4 0", "FCALL f5 0"),
    case("load-errors", load("l", "syntax error here"), load("l", "return 1"),
         load("l", "redis.call('ping')"), load("l", "foo()"), load("l", "foo = 1"),
         load("l", "local a = redis.setresp"), load("l", "local x = string"),
         load("l", "error('boom')"), load("l", "return KEYS"),
         load("l", reg("f") + "redis.foo = 1"), load("l", reg("f") + "redis.register_function = nil"),
         load("l", "local a = redis.log(redis.LOG_NOTICE, 'x') return redis.REDIS_VERSION"),
         load("l", reg("f") + "return redis.REDIS_VERSION_NUM"), "FCALL f 0"),
    case("load-conflicts", load("l1", reg("f")), load("l2", reg("f")), load("l1", reg("g")),
         load("l1", "syntax error"), load("l2", reg("g")), load("l1", reg("g") + reg("f"), "REPLACE"),
         load("l1", reg("f2"), "REPLACE"), "FCALL f 0", "FCALL g 0", "FCALL f2 0",
         load("l1", "syntax error", "REPLACE"), load("l1", "return 1", "REPLACE"),
         load("l1", reg("g"), "REPLACE"), "FCALL f2 0", "FUNCTION LIST LIBRARYNAME l1"),
    case("load-timeout", load("slow", reg("f") + "local a = 0 while true do a = a + 1 end"),
         load("spin", "while true do end"), "FUNCTION LIST"),
    case("register-function-errors",
         load("l", "redis.register_function('a-b', function() end)"),
         load("l", "redis.register_function('ab', function() end) redis.register_function('ab', function() end)"),
         load("l", "redis.register_function('ab')"), load("l", "redis.register_function('ab', 1)"),
         load("l", "redis.register_function({}, function() end)"), load("l", "redis.register_function()"),
         load("l", "redis.register_function(1, 2, 3)"), load("l", "redis.register_function{}"),
         load("l", "redis.register_function{function_name='x'}"),
         load("l", "redis.register_function{callback=function() end}"),
         load("l", "redis.register_function{function_name={}, callback=function() end}"),
         load("l", "redis.register_function{function_name='f', callback=1}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, description={}}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, flags='x'}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, flags={'bad'}}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, flags={1}}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, flags={{}}}"),
         load("l", "redis.register_function{function_name='f', callback=function() end, foo=1}"),
         load("l", "redis.register_function{[1]='f', callback=function() end}"),
         load("l", "redis.register_function{[{}]='f', callback=function() end}"),
         load("l", "redis.register_function{function_name='f\\0g', callback=function() end}")),
    case("function-names-ignore-case", load("a", reg("Foo", "return 1")), "FCALL foo 0", "FCALL FOO 0",
         load("b", reg("FOO", "return 3")), load("b", reg("bar", "return 3")), load("c", reg("BAR")),
         load("A", reg("baz", "return 4")), "FCALL BaZ 0", "FUNCTION DELETE a", "FCALL foo 0",
         listing("FUNCTION LIST"), "FUNCTION STATS"),
    case("register-function-forms",
         load("l", "redis.register_function(1, function() return 'one' end)"), "FCALL 1 0",
         load("l2", "redis.register_function{FUNCTION_NAME='f2', CALLBACK=function() return 2 end, "
                    "DESCRIPTION='two', FLAGS={'NO-WRITES', 'allow-oom', 'allow-stale', 'no-cluster', "
                    "'allow-cross-slot-keys'}}"),
         "FUNCTION LIST LIBRARYNAME l2", "FUNCTION LIST WITHCODE LIBRARYNAME l2", "FCALL f2 0"),
    case("delete-flush", load("l1", reg("f1")), load("l2", reg("f2")), "FUNCTION DELETE nosuch",
         "FUNCTION DELETE l1", "FUNCTION DELETE l1", "FCALL f1 0", "FCALL f2 0", "FUNCTION STATS",
         "FUNCTION FLUSH foo", "FUNCTION FLUSH async extra", "FUNCTION FLUSH SYNC", "FCALL f2 0",
         load("l2", reg("f2")), "FUNCTION FLUSH ASYNC", "FUNCTION LIST", "FUNCTION DELETE",
         "FUNCTION DELETE a b"),
    case("subcommands", "FUNCTION", "FUNCTION FOO", "FUNCTION HELP", "FUNCTION HELP x", "FUNCTION KILL",
         "FUNCTION KILL x", "FUNCTION STATS x", "FUNCTION DUMP x", "FUNCTION LIST foo",
         "FUNCTION LIST LIBRARYNAME", "FUNCTION LIST WITHCODE WITHCODE",
         "FUNCTION LIST LIBRARYNAME x LIBRARYNAME y", "FUNCTION LIST LIBRARYNAME nomatch*",
         "FUNCTION RESTORE", "FUNCTION DUMP", "FCALL", "FCALL_RO x", "FUNCTION LOAD REPLACE"),
    case("list-patterns", load("abc", reg("f1")), load("abd", reg("f2")), load("x_y", reg("f3")),
         listing("FUNCTION LIST"), listing("FUNCTION LIST LIBRARYNAME ab*"), "FUNCTION LIST LIBRARYNAME abc",
         "FUNCTION LIST LIBRARYNAME ABC", "FUNCTION LIST LIBRARYNAME x?y", listing("FUNCTION LIST WITHCODE"),
         ["FUNCTION", "LOAD", MULTI], listing("FUNCTION LIST LIBRARYNAME multi"), "FUNCTION STATS"),
]

FCALL_BODY = (
    reg("get", "return redis.call('get', keys[1])")
    + reg("set", "return redis.call('set', keys[1], args[1])")
    + "redis.register_function{function_name='ro', callback=function(keys, args) "
      "return redis.call('get', keys[1]) end, flags={'no-writes'}}\n"
    + "redis.register_function{function_name='rw_ro', callback=function(keys, args) "
      "return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}\n"
    + reg("err", "return redis.call('nosuch')")
    + reg("perr", "return redis.pcall('incr', keys[1])")
    + reg("lerr", "error('boom')")
    + reg("terr", "error({err='MYERR boom'})")
    + reg("args", "return {keys, args, #keys, #args}")
    + reg("glob", "return KEYS")
    + reg("setg", "foo = 1")
    + reg("types", "return {1, 2.5, 'x', true, false, {ok='fine'}, redis.error_reply('E x'), "
                   "{double=3.5}, {map={a=1}}, {set={b=true}}}")
    + reg("resp3", "redis.setresp(3) return redis.call('hgetall', keys[1])")
    + reg("status", "return redis.status_reply('FINE')")
    + reg("libs", "return string.format('%d', 5) .. cjson.encode({1}) .. redis.sha1hex('')")
    + reg("nested", "return redis.call('fcall', 'get', 1, keys[1])")
    + reg("evalfn", "return redis.call('eval', 'return 1', 0)")
    + reg("regrun", "return redis.register_function('x', function() end)")
    + reg("rnd", "return math.random(100)")
)

FCALL_CASES = [
    case("fcall", ["FUNCTION", "LOAD", lib("t", FCALL_BODY)], "FCALL set 1 k v", "FCALL get 1 k",
         "FCALL_RO get 1 k", "FCALL_RO ro 1 k", "FCALL ro 1 k", "FCALL rw_ro 1 k", "FCALL_RO set 1 k v",
         "FCALL err 0", "FCALL perr 1 k", "FCALL lerr 0", "FCALL terr 0", "FCALL args 2 a b c",
         "FCALL args 0", "FCALL glob 0", "FCALL setg 0", "FCALL types 0", "HSET h a 1", "FCALL resp3 1 h",
         "FCALL status 0", "FCALL libs 0", "FCALL nested 1 k", "FCALL evalfn 0", "FCALL regrun 0",
         "FCALL rnd 0", "FCALL rnd 0"),
    case("fcall-resp3", ["FUNCTION", "LOAD", lib("t", FCALL_BODY)], ignore("HELLO 3"), "HSET h a 1",
         "FCALL types 0", "FCALL resp3 1 h", "FCALL args 1 k a", "FCALL err 0", ignore("HELLO 2")),
    case("fcall-numkeys", load("n", reg("f", "return #keys")), "FCALL f x", "FCALL f 2 a", "FCALL f -1 a",
         "FCALL f ' 1' a", "FCALL f 01 a", "FCALL f 1.0 a", "FCALL f 99999999999999999999 a",
         "FCALL nosuch x", "FCALL nosuch 0", "FCALL f 1 a", "FCALL_RO f 2 a b"),
    case("fcall-in-scripts", load("s", reg("f", "return 'f'")), "EVAL 'return redis.register_function' 0",
         "EVAL \"return redis.call('function','list')\" 0", "EVAL \"return redis.call('fcall','f',0)\" 0",
         "MULTI", "FCALL f 0", "FUNCTION LIST", "EXEC"),
]

RESTORE_CASES = [
    case("dump-one", load("l1", reg("g1", "return 1")), "FUNCTION DUMP", "FUNCTION FLUSH", "FUNCTION DUMP"),
    case("dump-compressed", ["FUNCTION", "LOAD", lib("big", "local function helper(x)\n  return x\nend\n"
                                                   + "".join(reg(f"f{i}", f"return helper({i})")
                                                             for i in range(30)))],
         "FUNCTION DUMP", "FCALL f7 0", "CONFIG SET rdbcompression no", "FUNCTION DUMP",
         "CONFIG SET rdbcompression yes"),
    case("restore-errors", "FUNCTION RESTORE garbage", "FUNCTION RESTORE ''", "SET s v",
         "FUNCTION RESTORE x BAD", "FUNCTION RESTORE x FLUSH extra"),
]


@pytest.mark.parametrize("steps, needs", LOAD_CASES + FCALL_CASES + RESTORE_CASES)
def test_functions(fdiffer, steps, needs):
    fdiffer.run(steps)


# --------------------------------------------------------------------------- DUMP / RESTORE

def _bulk(reply):
    return parse_reply(reply)[1]


def _payload(body):
    """A FUNCTION DUMP payload around records (version 10 and its CRC64)."""
    p = body + b"\x0a\x00"
    return p + crc64(p).to_bytes(8, "little")


def _rec(opcode, *strings):
    out = bytes([opcode])
    for s in strings:
        if isinstance(s, int):
            out += bytes([s])
            continue
        assert len(s) < 16384
        out += bytes([0x40 | (len(s) >> 8), len(s) & 0xFF]) + s
    return out


def test_restore_policies(fdiffer):
    """FUNCTION RESTORE of payloads made by redis-server, on both servers."""
    d = fdiffer
    d.run([load("l1", reg("g1", "return 1"))])
    d1 = _bulk(d.conn_b.command("FUNCTION", "DUMP"))
    d.run([load("l2", reg("g2", "return 2"))])
    d12 = _bulk(d.conn_b.command("FUNCTION", "DUMP"))
    d.run([
        ["FUNCTION", "RESTORE", d1], ["FUNCTION", "RESTORE", d1, "APPEND"],
        ["FUNCTION", "RESTORE", d1, "REPLACE"], ["FUNCTION", "RESTORE", d1, "FLUSH"], "FUNCTION LIST",
        ["FUNCTION", "RESTORE", d12, "REPLACE"], "FUNCTION STATS", ["FUNCTION", "RESTORE", d12, "bad"],
        ["FUNCTION", "RESTORE", d1[:-1] + bytes([d1[-1] ^ 1])], "FUNCTION DELETE l1",
        load("l3", reg("g1", "return 3")), ["FUNCTION", "RESTORE", d12], ["FUNCTION", "RESTORE", d12, "REPLACE"],
        "FCALL g1 0", "FCALL g2 0", ["FUNCTION", "RESTORE", d12, "FLUSH"], "FCALL g1 0", listing("FUNCTION LIST"),
    ])
    dup = _rec(0xF5, lib("dup", reg("d1")).encode())
    old = _rec(0xF6, b"oldlib", b"LUA", 1, b"desc", reg("old", "return 'o'").encode())
    d.run([
        ["FUNCTION", "RESTORE", _payload(b"\xf5\x05hello")], ["FUNCTION", "RESTORE", _payload(b"\xf5\x30hello")],
        ["FUNCTION", "RESTORE", _payload(b"\xf5")], ["FUNCTION", "RESTORE", _payload(b"\x00")],
        ["FUNCTION", "RESTORE", _payload(dup + dup)], ["FUNCTION", "RESTORE", _payload(dup), "FLUSH"],
        ["FUNCTION", "RESTORE", _payload(old)], "FCALL old 0", "FUNCTION LIST WITHCODE LIBRARYNAME old*",
        ["FUNCTION", "RESTORE", _payload(_rec(0xF6, b"oldlib3"))],
        ["FUNCTION", "RESTORE", _payload(_rec(0xF6, b"o4", b"LUA", 0, reg("o4").encode()))], "FCALL o4 0",
    ])
    d.run(["SET s v"])
    d.run([["FUNCTION", "RESTORE", _bulk(d.conn_b.command("DUMP", "s"))]])


def test_dump_payloads_cross_restore(fdiffer):
    """A payload of several libraries made by either server restores into the
    other (their library order differs: each records its own dict order)."""
    d = fdiffer
    d.run([load(f"lib{i}", reg(f"f{i}", f"return {i}") + "-- " + "padding " * i) for i in range(6)])
    pa = _bulk(d.conn_a.command("FUNCTION", "DUMP"))
    pb = _bulk(d.conn_b.command("FUNCTION", "DUMP"))
    assert len(pa) == len(pb)
    d.run(["FUNCTION FLUSH"])
    assert d.conn_a.command("FUNCTION", "RESTORE", pb) == b"+OK\r\n"
    assert d.conn_b.command("FUNCTION", "RESTORE", pa) == b"+OK\r\n"
    d.run([listing("FUNCTION LIST WITHCODE"), "FCALL f3 0", "FUNCTION STATS"])


# --------------------------------------------------------------------------- busy functions

def _busy_run(server):
    """The replies a client gets while another one runs a long function."""
    out = []
    with server.raw() as c1, server.raw() as c2:
        out.append(c2.command("CONFIG", "SET", "busy-reply-threshold", "100"))
        out.append(c2.command("FUNCTION", "LOAD", "REPLACE", lib(
            "busy", "redis.register_function{function_name='spin', callback=function() local a = 1 "
                    "while true do a = a + 1 end end, flags={'no-writes'}}\n"
                    "redis.register_function('wspin', function(k) redis.call('set','x','y') "
                    "local t = redis.call('time') while redis.call('time')[1] - t[1] < 2 do end "
                    "return 'done' end)")))
        c1.send_command("FCALL", "spin", "0")
        time.sleep(0.3)
        out.append(c2.command("PING"))
        out.append(re.sub(rb"duration_ms\r\n:\d+", b"duration_ms\r\n:N", c2.command("FUNCTION", "STATS")))
        out.append(c2.command("SCRIPT", "KILL"))
        out.append(c2.command("FUNCTION", "KILL"))
        out.append(c1.read_reply())
        out.append(c2.command("PING"))
        c1.send_command("EVAL", "while true do end", "0")
        time.sleep(0.3)
        out.append(c2.command("FUNCTION", "STATS"))
        out.append(c2.command("FUNCTION", "KILL"))
        out.append(c2.command("SCRIPT", "KILL"))
        out.append(c1.read_reply())
        c1.send_command("FCALL", "wspin", "0")
        time.sleep(0.3)
        out.append(c2.command("FUNCTION", "KILL"))
        out.append(c2.command("GET", "x"))
        out.append(c1.read_reply(timeout=10))
        out.append(c2.command("GET", "x"))
    return out


def test_busy_function_and_kill(fdiffer):
    a = _busy_run(fdiffer.server_a)
    b = _busy_run(fdiffer.server_b)
    assert a == b


# --------------------------------------------------------------------------- persistence

PERSIST_LIBS = [lib("plain", reg("pf", "return 'plain'")),
                lib("long", "local function helper(x)\n  return x\nend\n"
                    + "".join(reg(f"lf{i}", f"return helper({i})") for i in range(20)))]


def _listing(client):
    out = []
    for entry in client.execute_command("FUNCTION", "LIST", "WITHCODE"):
        fields = dict(zip(entry[0::2], entry[1::2]))
        fields[b"functions"] = sorted(map(repr, fields[b"functions"]))
        out.append(repr(sorted(fields.items())))
    return sorted(out)


def _load_libs(client):
    for code in PERSIST_LIBS:
        client.execute_command("FUNCTION", "LOAD", code)
    client.set("k", "v")


def _wait_bgsave(client):
    deadline = time.monotonic() + 20
    while client.info("persistence")["rdb_bgsave_in_progress"]:
        assert time.monotonic() < deadline, "BGSAVE did not end"
        time.sleep(0.05)


def _records(data):
    """An RDB file after its AUX fields (aof-base is the last, an 8-bit int)
    and without its CRC: the ctime and used-mem values differ, and may even
    hold the FUNCTION2 opcode's byte."""
    aux = b"\xfa\x08aof-base"
    return data[data.index(aux) + len(aux) + 2:-8]


@pytest.mark.parametrize("compression", ["yes", "no"])
def test_rdb_libraries_cross_load(tmp_path, compression):
    """A dump.rdb with libraries (FUNCTION2 records) written by either server
    loads into the other, and both write the same bytes for it."""
    files = {}
    for name, start in (("rkvd", start_rkvd), ("redis", start_redis)):
        d = tmp_path / f"{name}-save"
        s = start(f"{name}-save", directory=d, extra_args=["--rdbcompression", compression])
        try:
            r = s.client()
            r.execute_command("FUNCTION", "LOAD", PERSIST_LIBS[1])      # one library: a set order
            r.set("k", "v")
            assert r.save() is True
            files[name] = (d / "dump.rdb").read_bytes()
            expected = _listing(r)
        finally:
            s.cleanup()
        other = start_redis if name == "rkvd" else start_rkvd
        d2 = tmp_path / f"{name}-load"
        d2.mkdir()
        (d2 / "dump.rdb").write_bytes(files[name])
        s = other(f"{name}-load", directory=d2)
        try:
            r = s.client()
            assert _listing(r) == expected
            assert r.execute_command("FCALL", "lf3", 0) == 3
            assert r.get("k") == b"v"
        finally:
            s.cleanup()

    assert _records(files["rkvd"]) == _records(files["redis"])


def test_bgsave_and_debug_reload_keep_libraries(tmp_path):
    s = start_rkvd("rkvd-fn", directory=tmp_path / "a")
    try:
        r = s.client()
        _load_libs(r)
        expected = _listing(r)
        assert r.execute_command("DEBUG", "RELOAD") == b"OK"
        assert _listing(r) == expected
        r.execute_command("FUNCTION", "DELETE", "plain")
        r.execute_command("FUNCTION", "LOAD", lib("other", reg("of")))
        r.execute_command("DEBUG", "RELOAD", "NOSAVE")          # the file's libraries come back
        assert _listing(r) == expected
        r.execute_command("FUNCTION", "DELETE", "plain")
        r.bgsave()
        _wait_bgsave(r)
        after = _listing(r)
        data = (tmp_path / "a" / "dump.rdb").read_bytes()
    finally:
        s.cleanup()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "dump.rdb").write_bytes(data)
    s = start_redis("redis-fn", directory=tmp_path / "b")
    try:
        assert _listing(s.client()) == after
    finally:
        s.cleanup()


def test_rdb_with_a_bad_library_stops_the_load(tmp_path):
    body = b"REDIS0010" + _rec(0xF5, lib("bad", "syntax error").encode()) + b"\xff"
    (tmp_path / "dump.rdb").write_bytes(body + crc64(body).to_bytes(8, "little"))
    s = ServerProcess(rkvd_command(), "rkvd-badlib", tmp_path).spawn()
    try:
        assert s.wait(20) is not None       # (redis-server's exit status is its checker's)
        out = s.stdout()
        assert "Failed loading library, Error compiling function: user_function:2:" in out
        assert "Short read or OOM loading DB. Unrecoverable error, aborting now." in out
    finally:
        s.kill()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_keeps_libraries(tmp_path, preamble):
    """BGREWRITEAOF writes the libraries (FUNCTION2 records in the RDB
    preamble, FUNCTION LOAD commands otherwise) and a restart loads them; the
    command form matches redis-server's base file."""
    bases = {}
    for name, start in (("rkvd", start_rkvd), ("redis", start_redis)):
        d = tmp_path / name
        s = start(f"{name}-aof", directory=d,
                  extra_args=["--appendonly", "yes", "--aof-use-rdb-preamble", preamble])
        try:
            r = s.client()
            r.execute_command("FUNCTION", "LOAD", PERSIST_LIBS[1])
            r.set("k", "v")
            expected = _listing(r)
            r.bgrewriteaof()
            deadline = time.monotonic() + 20
            while (r.info("persistence")["aof_rewrite_in_progress"]
                   or r.info("persistence")["aof_rewrite_scheduled"]):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.2)
            r.execute_command("FUNCTION", "LOAD", PERSIST_LIBS[0])     # into the incr file
            expected2 = _listing(r)
            base = sorted((d / "appendonlydir").glob("*.base.*"))[-1]
            bases[name] = base.read_bytes()
            s.close_clients()
            s.restart()
            r = s.client()
            assert _listing(r) == expected2 != expected
            assert r.execute_command("FCALL", "pf", 0) == b"plain"
        finally:
            s.cleanup()
    if preamble == "no":
        assert bases["rkvd"] == bases["redis"]
        assert bases["rkvd"].startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n")
    else:
        assert _records(bases["rkvd"]) == _records(bases["redis"])


# --------------------------------------------------------------------------- INFO

def _memory_fields(conn):
    text = conn.command("INFO", "memory").decode()
    fields = dict(re.findall(r"(\w+):(\S+)", text))
    assert int(fields["used_memory_vm_functions"]) > 0
    assert int(fields["used_memory_vm_total"]) == (int(fields["used_memory_vm_functions"])
                                                   + int(fields["used_memory_vm_eval"]))
    assert int(fields["used_memory_scripts"]) == (int(fields["used_memory_functions"])
                                                  + int(fields["used_memory_scripts_eval"]))
    return {k: fields[k] for k in ("number_of_functions", "number_of_libraries", "used_memory_functions")}


def test_info_memory_functions(fdiffer):
    """The function counts, and the library overhead Redis's allocator sizes
    give (used_memory_functions), as redis-server reports them."""
    d = fdiffer
    codes = [lib("a", reg("f1")),
             lib("libb", reg("g1") + "redis.register_function{function_name='g2', callback=function() "
                 "return 1 end, description='a description'}\n-- " + "x" * 300)]
    assert _memory_fields(d.conn_a) == _memory_fields(d.conn_b)
    for code in codes:
        d.run([["FUNCTION", "LOAD", code]])
        assert _memory_fields(d.conn_a) == _memory_fields(d.conn_b)
    d.run(["FUNCTION DELETE a"])
    assert _memory_fields(d.conn_a)["number_of_functions"] == "2"
    d.run(["FUNCTION FLUSH"])
    assert _memory_fields(d.conn_a) == _memory_fields(d.conn_b)
