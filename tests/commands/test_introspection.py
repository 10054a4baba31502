"""Introspection and server commands against redis-server 7.0.15: INFO, CONFIG
RESETSTAT/REWRITE, COMMAND, DEBUG, MEMORY, TIME, LASTSAVE, SHUTDOWN, CLIENT
LIST/PAUSE.

Deterministic replies are compared byte for byte. INFO is compared by section
and field names (values are the server's own), CLIENT LIST by field names and
order, statistics after CONFIG RESETSTAT by value.
"""
import re
import time

import pytest

from support import Check, Differ, case, encode_command, ignore, masked, parse_reply, raw, shape

pytestmark = [pytest.mark.timeout(120)]

# Fields rkvd adds to INFO that redis-server does not have.
RKVD_EXTRA_FIELDS = {"server": {"rkvd_version"}}
# Sections whose fields depend on what ran before (one line per command or error).
DYNAMIC_SECTIONS = {"commandstats", "errorstats", "latencystats", "keyspace"}


# ---------------------------------------------------------------------------
# Helpers

def text_of(reply):
    """The text of a bulk or verbatim reply."""
    kind, value = parse_reply(reply)
    assert kind in ("$", "="), f"not a bulk/verbatim string: {reply[:80]!r}"
    if kind == "=":
        assert value[:4] == b"txt:", value[:10]
        value = value[4:]
    return value.decode("utf-8", "replace")


def sections(reply):
    """INFO text -> [(section title, [(field, value)])], in order."""
    out = []
    for line in text_of(reply).split("\r\n"):
        if not line:
            continue
        if line.startswith("# "):
            out.append((line[2:], []))
            continue
        assert out, f"field before any section header: {line!r}"
        key, sep, value = line.partition(":")
        assert sep, f"not a field line: {line!r}"
        out[-1][1].append((key, value))
    return out


def check_info_text(reply):
    """Redis's framing: CRLF line ends, one blank line between sections, none at the end."""
    t = text_of(reply)
    if not t:
        return
    assert t.endswith("\r\n") and not t.endswith("\r\n\r\n"), repr(t[-20:])
    assert "\n" not in t.replace("\r\n", ""), "bare newline in INFO text"
    for block in t[:-2].split("\r\n\r\n"):
        assert block.startswith("# "), f"section without a header: {block[:40]!r}"


def _info_fields(a, b):
    """Same sections in the same order, same field names (values free)."""
    check_info_text(a)
    sa, sb = sections(a), sections(b)
    if [s for s, _ in sa] != [s for s, _ in sb]:
        return f"sections differ: {[s for s, _ in sa]} vs {[s for s, _ in sb]}"
    for (title, fa), (_, fb) in zip(sa, sb):
        if title.lower() in DYNAMIC_SECTIONS:
            continue
        extra = RKVD_EXTRA_FIELDS.get(title.lower(), set())
        na = [k for k, _ in fa if k not in extra]
        nb = [k for k, _ in fb]
        if na != nb:
            return (f"section {title}: fields differ; only rkvd {sorted(set(na) - set(nb))}, "
                    f"only redis {sorted(set(nb) - set(na))}" if set(na) != set(nb)
                    else f"section {title}: field order differs")
    return None


def info_fields(*args):
    return Check(["INFO", *args], _info_fields)


def _same_kind(a, b):
    return None if a[:1] == b[:1] else f"reply types differ: {a[:1]!r} vs {b[:1]!r}"


def same_kind(cmd):
    return Check(cmd, _same_kind)


def _help_reply(a, b):
    for reply in (a, b):
        kind, lines = parse_reply(reply)
        if kind != "*" or len(lines) < 3 or any(t != "+" for t, _ in lines):
            return f"not an array of status lines: {reply[:80]!r}"
    la, lb = parse_reply(a)[1], parse_reply(b)[1]
    if la[0] != lb[0] or la[-2:] != lb[-2:]:
        return "help header or footer differs"
    return None


def help_reply(cmd):
    return Check(cmd, _help_reply)


def field_values(reply, section):
    for title, fields in sections(reply):
        if title.lower() == section:
            return dict(fields)
    return {}


def _norm_info_entry(entry):
    """One COMMAND INFO entry with its subcommand list sorted (Redis keeps
    subcommands in a hash table, so their order is arbitrary)."""
    kind, items = entry
    if kind != "*" or len(items) != 10:
        return entry
    subs = items[9]
    if subs[0] in "*~" and subs[1]:
        subs = (subs[0], sorted((_norm_info_entry(x) for x in subs[1]), key=repr))
    return (kind, items[:9] + [subs])


def _norm_docs(value):
    """COMMAND DOCS map with nested subcommand maps sorted by name."""
    kind, items = value
    if kind == "%":
        return (kind, sorted(((k, _norm_docs(v)) for k, v in items), key=repr)
                if any(k == ("$", b"subcommands") for k, _ in items) or
                all(k[0] == "$" and b"|" in (k[1] or b"") for k, _ in items)
                else [(k, _norm_docs(v)) for k, v in items])
    if kind == "*" and items and all(isinstance(x, tuple) for x in items):
        flat = [_norm_docs(x) for x in items]
        # RESP2 maps are flat arrays: sort the pairs of a subcommands map.
        for i in range(0, len(flat) - 1, 2):
            if flat[i] == ("$", b"subcommands") and flat[i + 1][0] == "*":
                inner = flat[i + 1][1]
                pairs = sorted(zip(inner[::2], inner[1::2]), key=repr)
                flat[i + 1] = ("*", [x for p in pairs for x in p])
        return (kind, flat)
    return value


def _command_info_cmp(a, b):
    pa, pb = parse_reply(a), parse_reply(b)
    if pa[0] != "*" or pb[0] != "*":
        return None if a == b else "replies differ"
    na = [_norm_info_entry(e) for e in pa[1]]
    nb = [_norm_info_entry(e) for e in pb[1]]
    return None if na == nb else "COMMAND INFO entries differ (subcommand order ignored)"


def _command_docs_cmp(a, b):
    return None if _norm_docs(parse_reply(a)) == _norm_docs(parse_reply(b)) else \
        "COMMAND DOCS differ (subcommand order ignored)"


def command_info(*names):
    return Check(["COMMAND", "INFO", *names], _command_info_cmp)


def command_docs(*names):
    return Check(["COMMAND", "DOCS", *names], _command_docs_cmp)


def implemented_commands(server):
    """Top-level command names the server answers COMMAND INFO for, and all
    names (subcommands too) from COMMAND LIST."""
    with server.raw() as conn:
        listed = [v.decode() for _, v in parse_reply(conn.command("COMMAND", "LIST"))[1]]
    return sorted(n for n in listed if "|" not in n), sorted(listed)


USEC = rb"usec=\d+,usec_per_call=[\d.]+"


def _commandstats(a, b):
    """INFO commandstats: the same lines (times masked) in any order: Redis
    lists commands in hash table order."""
    def lines(reply):
        t = re.sub(USEC.decode(), "usec=U", text_of(reply))
        return sorted(t.split("\r\n"))
    return None if lines(a) == lines(b) else f"lines differ: {lines(a)} vs {lines(b)}"


def commandstats():
    return Check("INFO commandstats", _commandstats)
OBJ_ADDR = rb"Value at:0x[0-9a-f]+"
# Strings without repeats, which RDB stores uncompressed (LZF finds nothing).
NOREPEAT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
LRU = rb"lru:\d+ lru_seconds_idle:\d+"


# ---------------------------------------------------------------------------
# INFO

INFO_CASES = [
    case("info-default", info_fields()),
    case("info-all", info_fields("all")),
    case("info-everything", info_fields("everything")),
    case("info-default-word", info_fields("default")),
    case("info-named", info_fields("server"), info_fields("clients"), info_fields("memory"),
         info_fields("persistence"), info_fields("stats"), info_fields("replication"),
         info_fields("cpu"), info_fields("modules"), info_fields("module_list"),
         info_fields("cluster"), info_fields("keyspace"), info_fields("commandstats"),
         info_fields("errorstats"), info_fields("latencystats")),
    case("info-several", info_fields("keyspace", "server"), info_fields("CPU", "Memory"),
         info_fields("server", "server"), info_fields("default", "commandstats"),
         info_fields("all", "server"), info_fields("everything", "nosuch")),
    case("info-unknown", "INFO nosuch", "INFO nosuch other", info_fields("nosuch", "cluster")),
    case("info-cluster-exact", "INFO cluster"),
    case("info-keyspace-exact", "INFO keyspace", "SET a 1", "SET b 2", "INFO keyspace",
         "SELECT 3", "SET c 3", "INFO keyspace", "FLUSHDB", "SELECT 9", "DEL a b", "INFO keyspace"),
    case("info-keyspace-expires", "SET a 1", "SET b 2 EX 1000", "SET c 3 PX 1000000",
         masked("INFO keyspace", rb"avg_ttl=\d+", b"avg_ttl=N")),
    case("info-resp3", ignore("HELLO 3"), info_fields(), info_fields("server"), "INFO nosuch",
         "INFO cluster", ignore("HELLO 2")),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", INFO_CASES)
def test_info(differ, steps, needs):
    differ.run(steps)


@pytest.mark.needs_redis
def test_info_stats_after_resetstat(differ):
    """After CONFIG RESETSTAT, the same commands give the same counters,
    command statistics (times masked) and error statistics."""
    differ.run([
        "CONFIG RESETSTAT",
        "SET a 1", "GET a", "GET missing", "INCR a", "SET s text", "INCR s", "GET", "SET",
        "NOSUCHCOMMAND x", "CLIENT NOSUCH", "EXPIRE a 100", "TTL a", "DEL a s",
        ["SET", "k", "v", "EX", "0"], "OBJECT ENCODING missing", "MGET a b c",
        commandstats(),
        "INFO errorstats",
    ])
    a, b = differ.step(ignore("INFO stats"))
    fa, fb = field_values(a, "stats"), field_values(b, "stats")
    for name in ("total_commands_processed", "keyspace_hits", "keyspace_misses", "expired_keys",
                 "evicted_keys", "total_error_replies", "unexpected_error_replies",
                 "rejected_connections", "expired_time_cap_reached_count"):
        assert fa[name] == fb[name], f"{name}: rkvd {fa[name]} redis {fb[name]}"
    differ.run(["CONFIG RESETSTAT", "INFO errorstats",
                commandstats()])


@pytest.mark.needs_redis
def test_info_error_codes(differ):
    """Each error code gets its own errorstat line, sorted by code; DEBUG ERROR
    replies are not counted (Redis writes them raw)."""
    differ.run(["CONFIG RESETSTAT", "SET s x", "HELLO 9", "AUTH a b", "INCR s",
                ["DEBUG", "ERROR", "CUSTOM raw error"], "INFO errorstats",
                commandstats()])


def test_info_values(rkvd):
    """Values INFO reports are the server's own and consistent."""
    c = rkvd.client()
    c.set("k", "v")
    info = c.info("everything")
    assert info["redis_version"] == "7.0.15"
    assert info["process_id"] == rkvd.pid
    assert info["tcp_port"] == rkvd.port
    assert info["redis_mode"] == "standalone"
    assert info["role"] == "master"
    assert info["connected_clients"] >= 1
    assert info["used_memory"] > 0 and info["used_memory_rss"] > 0
    assert info["used_memory_peak"] >= info["used_memory_startup"] > 0
    assert info["mem_allocator"] == "libc"
    assert info["maxmemory_policy"] == "noeviction"
    assert info["db0"]["keys"] == 1
    assert info["cluster_enabled"] == 0
    assert len(info["run_id"]) == 40 and len(info["master_replid"]) == 40
    assert abs(info["server_time_usec"] / 1e6 - time.time()) < 5
    assert info["hz"] == info["configured_hz"] == 10
    assert "cmdstat_set" in info and info["cmdstat_set"]["calls"] >= 1
    assert isinstance(info["used_cpu_user"], float)
    assert info["aof_enabled"] == 0 and info["loading"] == 0
    assert info["rkvd_version"]


def test_info_instantaneous_ops(rkvd):
    """instantaneous_ops_per_sec follows the command rate (sampled by the cron)."""
    conn = rkvd.raw()
    try:
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            conn.send(encode_command("PING") * 50)
            conn.read_replies(50)
        info = text_of(conn.command("INFO", "stats"))
    finally:
        conn.close()
    ops = int(re.search(r"instantaneous_ops_per_sec:(\d+)", info).group(1))
    assert ops > 50, info


# ---------------------------------------------------------------------------
# CONFIG RESETSTAT / REWRITE / HELP, TIME, LASTSAVE

SERVER_CASES = [
    case("config-misc", "CONFIG RESETSTAT", "CONFIG RESETSTAT x", "CONFIG REWRITE",
         "CONFIG REWRITE x", help_reply("CONFIG HELP"), help_reply("config help"), "CONFIG HELP x",
         "CONFIG", "CONFIG NOSUCH", "CONFIG SET", "CONFIG SET maxmemory",
         "CONFIG SET maxmemory 10 hz", "CONFIG SET nosuch 1", "CONFIG GET"),
    case("config-set-get", "CONFIG SET maxmemory-samples 7", "CONFIG GET maxmemory-samples",
         "CONFIG SET maxmemory-samples 5", "CONFIG SET maxmemory-samples abc",
         "CONFIG SET maxmemory-samples 5 maxmemory-samples 6", "CONFIG GET maxmemory-samples"),
    case("time", shape("TIME"), "TIME x"),
    case("lastsave", shape("LASTSAVE"), "LASTSAVE x"),
    case("shutdown-errors", "SHUTDOWN ABORT", "SHUTDOWN FOO", "SHUTDOWN NOSAVE SAVE",
         "SHUTDOWN ABORT NOW", "SHUTDOWN SAVE ABORT", "PING"),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", SERVER_CASES)
def test_server_commands(differ, steps, needs):
    differ.run(steps)


def test_time_is_now(rkvd):
    with rkvd.raw() as conn:
        kind, items = parse_reply(conn.command("TIME"))
        lastsave = parse_reply(conn.command("LASTSAVE"))
    assert kind == "*" and len(items) == 2
    secs, usecs = int(items[0][1]), int(items[1][1])
    assert abs(secs + usecs / 1e6 - time.time()) < 2 and 0 <= usecs < 1000000
    assert lastsave[0] == ":" and abs(int(lastsave[1]) - time.time()) < 86400


@pytest.mark.needs_redis
def test_shutdown_nosave(server_pair):
    for server in server_pair():
        with server.raw() as conn:
            conn.send_command("SHUTDOWN", "NOSAVE")
            data, closed = conn.read_all_until_eof(10)
        assert data == b"" and closed, f"{server.name}: {data!r}"
        assert server.wait(10) == 0, f"{server.name} did not exit cleanly\n{server.describe()}"


@pytest.mark.needs_redis
def test_config_rewrite_with_file(rkvd_factory, redis_factory, tmp_path):
    servers = []
    for name, factory in (("rkvd", rkvd_factory), ("redis", redis_factory)):
        path = tmp_path / f"{name}.conf"
        path.write_text("# kept comment\nmaxmemory-samples 5\n")
        servers.append((factory(config_file=path), path))
    d = Differ(servers[0][0], servers[1][0], db=None)
    try:
        d.run(["CONFIG SET maxmemory-samples 7", "CONFIG SET hz 20", "CONFIG REWRITE",
               "CONFIG GET maxmemory-samples"])
    finally:
        d.close()
    for _, path in servers:
        text = path.read_text()
        assert "# kept comment" in text and "maxmemory-samples 7" in text and "hz 20" in text, text


# ---------------------------------------------------------------------------
# COMMAND

@pytest.mark.needs_redis
def test_command_info_every_implemented_command(differ, rkvd):
    """COMMAND INFO of each command rkvd implements equals redis-server's, RESP2 and RESP3."""
    top, every = implemented_commands(rkvd)
    assert "get" in top and "command" in top and "client|list" in every
    for name in top:
        differ.step(command_info(name))
    for name in every:
        if "|" in name:
            differ.step(command_info(name))
    differ.step(ignore("HELLO 3"))
    for name in top:
        differ.step(command_info(name))
    differ.step(ignore("HELLO 2"))


@pytest.mark.needs_redis
def test_command_docs_every_implemented_command(differ, rkvd):
    top, every = implemented_commands(rkvd)
    for name in every:
        differ.step(command_docs(name))
    differ.step(ignore("HELLO 3"))
    for name in top:
        differ.step(command_docs(name))
    differ.step(ignore("HELLO 2"))


@pytest.mark.needs_redis
def test_command_list_and_count(rkvd, redis_ref):
    top, every = implemented_commands(rkvd)
    with redis_ref.raw() as conn:
        ref_all = {v.decode() for _, v in parse_reply(conn.command("COMMAND", "LIST"))[1]}
    assert set(every) <= ref_all, f"rkvd lists unknown commands: {sorted(set(every) - ref_all)}"
    with rkvd.raw() as conn:
        count = parse_reply(conn.command("COMMAND", "COUNT"))
        whole = parse_reply(conn.command("COMMAND"))
        info_all = parse_reply(conn.command("COMMAND", "INFO"))
        docs_all = parse_reply(conn.command("COMMAND", "DOCS"))
        for ftype, arg in (("PATTERN", "c*"), ("PATTERN", "client|*"), ("ACLCAT", "keyspace"),
                           ("ACLCAT", "nosuchcat"), ("MODULE", "nosuch"), ("pattern", "*get*"),
                           # a pattern keeps its NUL bytes, a category name ends at one
                           ("PATTERN", b"get\0"), ("PATTERN", b"[\0g]et"),
                           ("ACLCAT", b"keyspace\0x"), ("PATTERN", HOPELESS)):
            got = {v.decode() for _, v in parse_reply(
                conn.command("COMMAND", "LIST", "FILTERBY", ftype, arg))[1]}
            with redis_ref.raw() as rconn:
                ref = {v.decode() for _, v in parse_reply(
                    rconn.command("COMMAND", "LIST", "FILTERBY", ftype, arg))[1]}
            assert got == ref & set(every), (ftype, arg, sorted(got ^ (ref & set(every))))
    assert count == (":", len(top))
    assert whole[0] == "*" and len(whole[1]) == len(top)
    assert sorted(e[1][0][1].decode() for e in whole[1]) == top
    assert info_all == whole
    assert docs_all[0] == "*" and len(docs_all[1]) == 2 * len(top)


# A glob whose every attempt fails at the last byte: without stringmatch's
# give-up rule each "*?" triples the work (7 pairs already take ~30 s).
HOPELESS = "*?" * 20 + "!"

GLOB_CASES = [
    case("config-get-hopeless-glob", ("CONFIG", "GET", HOPELESS),
         ("CONFIG", "GET", "*?" * 7 + "!", "maxmemory-samples"),
         ("CONFIG", "GET", "maxmemory-sampl*" + HOPELESS, "*" + HOPELESS), "PING"),
    case("config-get-c-string-glob", ("CONFIG", "GET", b"maxmemory-sampl*\0junk"),
         ("CONFIG", "GET", b"maxmemory-samples\0"), ("CONFIG", "GET", b"maxmemory-sampl\0*"),
         ("CONFIG", "GET", b"\0*"), ("CONFIG", "GET", "MAXMEMORY-SAMPL[D-F]S")),
    case("command-list-hopeless-glob", ("COMMAND", "LIST", "FILTERBY", "PATTERN", HOPELESS),
         ("COMMAND", "LIST", "FILTERBY", "PATTERN", "*|" + HOPELESS),
         ("COMMAND", "LIST", "FILTERBY", "PATTERN", b"get\0"), "PING"),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", GLOB_CASES)
def test_globs_answer_at_once(rkvd, redis_ref, steps, needs):
    """Patterns that cost exponential time without the give-up rule: each
    reply must come within the socket timeout, and equal redis-server's."""
    d = Differ(rkvd, redis_ref, db=None, timeout=3)
    try:
        d.run(steps)
    finally:
        d.close()


COMMAND_CASES = [
    case("command-info-misc", "COMMAND INFO nosuch", "COMMAND INFO get nosuch set",
         "COMMAND INFO GET", "COMMAND INFO 'client|list'", "COMMAND INFO 'CLIENT|LIST'",
         "COMMAND INFO 'client|nosuch'", "COMMAND INFO 'get|x'", "COMMAND INFO 'a|b|c'",
         "COMMAND INFO ''"),
    case("command-docs-misc", "COMMAND DOCS nosuch", "COMMAND DOCS get nosuch", "COMMAND DOCS GET get",
         "COMMAND DOCS 'config|get'"),
    case("command-getkeys", "COMMAND GETKEYS get k", "COMMAND GETKEYS set k v",
         "COMMAND GETKEYS mset a 1 b 2", "COMMAND GETKEYS del a b c", "COMMAND GETKEYS rename a b", "COMMAND GETKEYS copy a b",
         "COMMAND GETKEYS SET k v GET", "COMMAND GETKEYS expire k 10", "COMMAND GETKEYS mget a b",
         "COMMAND GETKEYS getex k PERSIST", "COMMAND GETKEYS lcs a b"),
    case("command-getkeysandflags", "COMMAND GETKEYSANDFLAGS get k", "COMMAND GETKEYSANDFLAGS set k v",
         "COMMAND GETKEYSANDFLAGS set k v get", "COMMAND GETKEYSANDFLAGS mset a 1 b 2",
         "COMMAND GETKEYSANDFLAGS rename a b", "COMMAND GETKEYSANDFLAGS getdel k",
         "COMMAND GETKEYSANDFLAGS move k 1"),
    case("command-getkeys-errors", "COMMAND GETKEYS", "COMMAND GETKEYS get", "COMMAND GETKEYS nosuch a",
         "COMMAND GETKEYS ping x", "COMMAND GETKEYS get a b", "COMMAND GETKEYS mset a",
         "COMMAND GETKEYS config get x", "COMMAND GETKEYS client nosuch x",
         "COMMAND GETKEYS 'client|list' x", "COMMAND GETKEYSANDFLAGS echo x",
         "COMMAND GETKEYS set a"),
    case("command-list-errors", "COMMAND LIST FILTERBY", "COMMAND LIST FILTERBY pattern",
         "COMMAND LIST FILTERBY foo bar", "COMMAND LIST FILTERBY pattern a b", "COMMAND LIST foo",
         "COMMAND COUNT x", "COMMAND NOSUCH", help_reply("COMMAND HELP"), "COMMAND HELP x"),
    case("command-resp3", ignore("HELLO 3"), "COMMAND INFO get", "COMMAND DOCS get",
         "COMMAND GETKEYSANDFLAGS set k v", "COMMAND INFO nosuch", ignore("HELLO 2")),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", COMMAND_CASES)
def test_command_subcommands(differ, steps, needs):
    differ.run(steps)


# ---------------------------------------------------------------------------
# DEBUG

def debug_object(key):
    return masked(["DEBUG", "OBJECT", key], OBJ_ADDR + rb"|" + LRU, b"<m>")


DEBUG_CASES = [
    case("debug-protocol-resp2", *[f"DEBUG PROTOCOL {t}" for t in (
        "string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib", "push",
        "verbatim", "true", "false", "nosuch", "STRING")], "DEBUG PROTOCOL", "DEBUG PROTOCOL a b"),
    case("debug-protocol-resp3", ignore("HELLO 3"), *[f"DEBUG PROTOCOL {t}" for t in (
        "string", "integer", "double", "bignum", "null", "array", "set", "map", "verbatim", "true",
        "false")], raw(encode_command("DEBUG", "PROTOCOL", "attrib")),
         raw(encode_command("DEBUG", "PROTOCOL", "push")), "PING", ignore("HELLO 2")),
    case("debug-digest", "DEBUG DIGEST", "SET a 1", "DEBUG DIGEST", "SET b hello", "DEBUG DIGEST",
         "EXPIRE b 1000", "DEBUG DIGEST", "SELECT 4", "SET a 1", "DEBUG DIGEST", "FLUSHDB", "SELECT 9",
         "DEBUG DIGEST", "DEBUG DIGEST x"),
    case("debug-digest-value", "SET a 1", "SET b xyz", "SET big " + "y" * 100, "EXPIRE b 100",
         "DEBUG DIGEST-VALUE a", "DEBUG DIGEST-VALUE a b missing big", "DEBUG DIGEST-VALUE"),
    case("debug-object", "SET i 123", debug_object("i"), "SET n 12345678901", debug_object("n"),
         "SET neg -5", debug_object("neg"), "SET w 40000", debug_object("w"),
         "SET e hello", debug_object("e"), "SET e44 " + NOREPEAT[:44], debug_object("e44"),
         "SET r45 " + NOREPEAT[:45], debug_object("r45"), "SET r60 " + NOREPEAT, debug_object("r60"),
         "SET r abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS", debug_object("r"),
         "SET z 00123", debug_object("z"), "SET small 5", debug_object("small"),
         "DEBUG OBJECT missing", "DEBUG OBJECT", "DEBUG OBJECT a b"),
    case("debug-populate", "DEBUG POPULATE 10", "DBSIZE", "GET key:0", "GET key:9", "GET key:10",
         "DEBUG POPULATE 3 p 12", "GET p:1", "DEBUG POPULATE 2 q 3", "GET q:1", "SET key:1 kept",
         "DEBUG POPULATE 5", "GET key:1", "DBSIZE", "DEBUG POPULATE -1", "DEBUG POPULATE abc",
         "DEBUG POPULATE 1 k -1", "DEBUG POPULATE 0", "DEBUG POPULATE 1 a 1 x", "DEBUG POPULATE",
         "DEBUG DIGEST"),
    case("debug-misc", "DEBUG SLEEP 0", "DEBUG SLEEP 0.01", "DEBUG SLEEP abc", "DEBUG SLEEP",
         "DEBUG SET-ACTIVE-EXPIRE 0", "DEBUG SET-ACTIVE-EXPIRE 1", "DEBUG SET-ACTIVE-EXPIRE",
         "DEBUG LOG hello", "DEBUG LOG", "DEBUG ERROR 'custom error'", ["DEBUG", "ERROR", "a\r\nb"],
         "DEBUG ERROR", "DEBUG QUICKLIST-PACKED-THRESHOLD 100", "DEBUG QUICKLIST-PACKED-THRESHOLD 0",
         "DEBUG QUICKLIST-PACKED-THRESHOLD 5gb", "DEBUG QUICKLIST-PACKED-THRESHOLD abc",
         "DEBUG QUICKLIST-PACKED-THRESHOLD 1gb", "DEBUG CHANGE-REPL-ID", "DEBUG CHANGE-REPL-ID x",
         "DEBUG SET-DISABLE-DENY-SCRIPTS 1", "DEBUG SET-DISABLE-DENY-SCRIPTS 0",
         "DEBUG SET-SKIP-CHECKSUM-VALIDATION 0",
         "DEBUG REPLYBUFFER RESIZING 1", "DEBUG REPLYBUFFER PEAK-RESET-TIME NEVER",
         "DEBUG REPLYBUFFER PEAK-RESET-TIME RESET", "DEBUG REPLYBUFFER PEAK-RESET-TIME 100",
         "DEBUG REPLYBUFFER PEAK-RESET-TIME abc", "DEBUG REPLYBUFFER FOO 1", "DEBUG LEAK x",
         "DEBUG PAUSE-CRON 0", "DEBUG RESTART abc", "DEBUG DROP-CLUSTER-PACKET-FILTER -1"),
    case("debug-unknown", "DEBUG", "DEBUG NOSUCH", "DEBUG nosuch a b", "DEBUG JMAP",
         "DEBUG set_active_expire 1", "DEBUG " + "z" * 200, help_reply("DEBUG HELP"), "DEBUG HELP x"),
    case("debug-reload", "SET a 1", "SET b two", "EXPIRE b 1000", "DEBUG DIGEST", "DEBUG RELOAD",
         "DEBUG DIGEST", "GET b", "DEBUG RELOAD NOSAVE NOFLUSH MERGE", "DEBUG RELOAD FOO", "DEBUG DIGEST"),
    case("debug-htstats", "DEBUG HTSTATS 99", "DEBUG HTSTATS -1", "DEBUG HTSTATS x", "DEBUG HTSTATS",
         "SELECT 10", "FLUSHDB", "DEBUG HTSTATS 10", "SELECT 9", "SET s v", "DEBUG HTSTATS-KEY s",
         "DEBUG HTSTATS-KEY missing", "DEBUG SDSLEN missing", "SET i 5", "DEBUG SDSLEN i",
         "DEBUG LISTPACK s", "DEBUG QUICKLIST s", "DEBUG CLIENT-EVICTION"),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", DEBUG_CASES)
def test_debug(differ, steps, needs):
    differ.run(steps)


@pytest.mark.needs_redis
def test_debug_digest_across_databases(differ):
    """The whole-dataset digest hashes every database, ids included."""
    differ.run(["SELECT 0", "FLUSHALL", "SET k v", "SELECT 1", "SET k v", "SET n 42",
                "PEXPIRE n 100000", "SELECT 15", "MSET a 1 b 2 c 3", "DEBUG DIGEST", "SWAPDB 0 15",
                "DEBUG DIGEST", "FLUSHALL", "DEBUG DIGEST"])


@pytest.mark.needs_redis
def test_debug_sleep_blocks_the_server(rkvd):
    a, b = rkvd.raw(), rkvd.raw()
    try:
        a.send_command("DEBUG", "SLEEP", "0.3")
        time.sleep(0.05)
        start = time.monotonic()
        assert b.command("PING") == b"+PONG\r\n"
        assert time.monotonic() - start > 0.15
        assert a.read_reply() == b"+OK\r\n"
    finally:
        a.close()
        b.close()


DENIED = (b"-ERR DEBUG command not allowed. If the enable-debug-command option is set to "
          b"\"local\", you can run it from a local connection, otherwise you need to set this "
          b"option in the configuration file, and then restart the server.\r\n")


@pytest.mark.needs_redis
def test_debug_protected(server_pair):
    for server in server_pair("--enable-debug-command", "no"):
        with server.raw() as conn:
            assert conn.command("DEBUG", "HELP") == DENIED, server.name
            assert conn.command("DEBUG", "SLEEP", "0") == DENIED, server.name
            assert conn.command("CONFIG", "GET", "enable-debug-command") == \
                b"*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n"
            assert conn.command("CONFIG", "SET", "enable-debug-command", "yes") == \
                b"-ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - " \
                b"can't set immutable config\r\n"
    for server in server_pair("--enable-debug-command", "local"):
        with server.raw() as conn:
            assert conn.command("DEBUG", "SLEEP", "0") == b"+OK\r\n", server.name


# ---------------------------------------------------------------------------
# MEMORY

MEMORY_CASES = [
    case("memory-usage-strings", "SET k v", "MEMORY USAGE k", "SET k 123", "MEMORY USAGE k",
         "SET k -9223372036854775808", "MEMORY USAGE k", "SET k " + "x" * 44, "MEMORY USAGE k",
         "SET k " + "x" * 45, "MEMORY USAGE k", "SET k " + "x" * 1000, "MEMORY USAGE k",
         "SET k " + "x" * 70000, "MEMORY USAGE k", "SET " + "k" * 40 + " v", "MEMORY USAGE " + "k" * 40,
         "SET " + "k" * 300 + " v", "MEMORY USAGE " + "k" * 300, "SET e ''", "MEMORY USAGE e",
         "MEMORY USAGE k SAMPLES 0", "MEMORY USAGE k samples 10"),
    case("memory-usage-errors", "MEMORY USAGE missing", "MEMORY USAGE missing SAMPLES 5",
         "SET k v", "MEMORY USAGE k SAMPLES -1", "MEMORY USAGE k SAMPLES x", "MEMORY USAGE k SAMPLES",
         "MEMORY USAGE k FOO", "MEMORY USAGE missing FOO", "MEMORY USAGE"),
    case("memory-misc", "MEMORY PURGE", "MEMORY PURGE x", help_reply("MEMORY HELP"), "MEMORY HELP x",
         "MEMORY", "MEMORY NOSUCH", "MEMORY STATS x", "MEMORY DOCTOR x", same_kind("MEMORY DOCTOR"),
         "MEMORY MALLOC-STATS x"),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", MEMORY_CASES)
def test_memory(differ, steps, needs):
    differ.run(steps)


def _map_keys(reply):
    kind, items = parse_reply(reply)
    if kind == "%":
        return [k[1] for k, _ in items]
    return [items[i][1] for i in range(0, len(items), 2)]


@pytest.mark.needs_redis
def test_memory_stats_fields(differ):
    differ.run(["SET a 1", "SELECT 3", "SET b 2", "SELECT 9"])
    for resp in (2, 3):
        differ.step(ignore(f"HELLO {resp}"))
        a, b = differ.step(ignore("MEMORY STATS"))
        assert _map_keys(a) == _map_keys(b)
        assert a[:1] == b[:1]
        a, b = differ.step(ignore("MEMORY DOCTOR"))
        assert a[:1] == b[:1]
    differ.step(ignore("HELLO 2"))


def test_memory_stats_values(rkvd):
    c = rkvd.client()
    c.set("x", "y" * 1000)
    st = c.memory_stats()
    assert st["total.allocated"] > 0 and st["peak.allocated"] >= st["total.allocated"]
    assert st["keys.count"] >= 1
    assert st["startup.allocated"] <= st["peak.allocated"]
    assert c.memory_usage("x") == 1072


# ---------------------------------------------------------------------------
# CLIENT LIST / PAUSE

def _field_names(line):
    return [kv.split("=", 1)[0] for kv in line.split()]


@pytest.mark.needs_redis
def test_client_list_fields(rkvd, redis_ref):
    lines = {}
    for server in (rkvd, redis_ref):
        with server.raw() as conn, server.raw() as other:
            other.command("CLIENT", "SETNAME", "other")
            other_id = parse_reply(other.command("CLIENT", "ID"))[1]
            own_id = parse_reply(conn.command("CLIENT", "ID"))[1]
            lines[server.name] = [text_of(conn.command("CLIENT", "LIST")),
                                  text_of(conn.command("CLIENT", "INFO")),
                                  text_of(conn.command("CLIENT", "LIST", "ID", str(own_id),
                                                       "999999", str(other_id))),
                                  text_of(conn.command("CLIENT", "LIST", "TYPE", "normal"))]
    for got, ref in zip(lines[rkvd.name], lines[redis_ref.name]):
        g = [_field_names(x) for x in got.splitlines()]
        r = [_field_names(x) for x in ref.splitlines()]
        assert g and g[0] == r[0], (got, ref)
        assert len(g) == len(r) or len(r) > 2      # the shared servers may have more clients
        assert all(x == r[0] for x in g)
    line = [x for x in lines[rkvd.name][0].splitlines() if "name=other" in x][0]
    fields = dict(kv.split("=", 1) for kv in line.split())
    assert fields["cmd"] == "client|id" and fields["flags"] == "N" and fields["db"] == "0"
    own = dict(kv.split("=", 1) for kv in lines[rkvd.name][1].split())
    assert own["cmd"] == "client|info" and own["argv-mem"] == "10" and own["resp"] == "2"
    assert own["addr"].startswith("127.0.0.1:") and own["laddr"] == f"127.0.0.1:{rkvd.port}"


CLIENT_PAUSE_CASES = [
    case("client-pause-errors", "CLIENT PAUSE abc", "CLIENT PAUSE -1", "CLIENT PAUSE 10 foo",
         "CLIENT PAUSE", "CLIENT PAUSE 10 all x", "CLIENT PAUSE 0", "CLIENT PAUSE 0 WRITE",
         "CLIENT UNPAUSE", "CLIENT UNPAUSE x", "PING"),
    case("client-tracking-stubs", "CLIENT GETREDIR", "CLIENT TRACKINGINFO", "CLIENT TRACKING OFF",
         "CLIENT TRACKING maybe", "CLIENT TRACKING ON PREFIX a", "CLIENT TRACKING ON BCAST OPTIN",
         "CLIENT TRACKING ON OPTIN OPTOUT", "CLIENT TRACKING ON REDIRECT 999999",
         "CLIENT TRACKING ON FOO", "CLIENT CACHING YES", "CLIENT CACHING maybe",
         "CLIENT UNBLOCK 999999", "CLIENT UNBLOCK 1 FOO", "CLIENT UNBLOCK x", "CLIENT UNBLOCK 1 ERROR",
         help_reply("CLIENT HELP")),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", CLIENT_PAUSE_CASES)
def test_client_pause_replies(differ, steps, needs):
    differ.run(steps)


def _elapsed(conn, *cmd):
    start = time.monotonic()
    reply = conn.command(*cmd, timeout=10)
    return reply, time.monotonic() - start


def _supports_write_pause():
    try:
        from rkvd._core.server import Client
    except ImportError:
        return False
    return hasattr(Client, "request_args")


@pytest.mark.parametrize("server_name", ["rkvd", "redis_ref"])
def test_client_pause_all(request, server_name):
    """PAUSE ALL holds every client's commands (the caller's too) until it ends."""
    server = request.getfixturevalue(server_name)
    with server.raw() as ctl, server.raw() as other:
        assert ctl.command("CLIENT", "PAUSE", "400", "ALL") == b"+OK\r\n"
        reply, took = _elapsed(other, "GET", "k")
        assert reply == b"$-1\r\n" and took > 0.2, took
        reply, took = _elapsed(ctl, "PING")
        assert reply == b"+PONG\r\n" and took < 0.2, took
        assert ctl.command("CLIENT", "PAUSE", "300") == b"+OK\r\n"
        reply, took = _elapsed(other, "PING")
        assert reply == b"+PONG\r\n" and took > 0.1, took
        assert ctl.command("CLIENT", "PAUSE", "0") == b"+OK\r\n"     # over at once
        reply, took = _elapsed(other, "PING")
        assert reply == b"+PONG\r\n" and took < 0.1, took


@pytest.mark.parametrize("server_name", ["rkvd", "redis_ref"])
def test_client_pause_write(request, server_name):
    server = request.getfixturevalue(server_name)
    if server_name == "rkvd" and not _supports_write_pause():
        pytest.skip("the engine does not expose the pending request to the pause check yet")
    with server.raw() as ctl, server.raw() as other:
        assert ctl.command("CLIENT", "PAUSE", "500", "WRITE") == b"+OK\r\n"
        reply, took = _elapsed(other, "GET", "k")
        assert reply == b"$-1\r\n" and took < 0.2, took
        reply, took = _elapsed(other, "SET", "k", "v")
        assert reply == b"+OK\r\n" and took > 0.3, took
        assert ctl.command("CLIENT", "PAUSE", "5000", "WRITE") == b"+OK\r\n"
        other.send_command("SET", "k", "w")
        time.sleep(0.1)
        assert ctl.command("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert other.read_reply(5) == b"+OK\r\n"
        assert other.command("GET", "k") == b"$1\r\nw\r\n"


# CLIENT PAUSE WRITE holds what may replicate, decided as Redis 7.0's
# processCommand does; every test below runs the same script on rkvd and
# redis-server and compares the transcripts. Whether a command is held is
# read from events (its reply arrives, or INFO counts one more blocked
# client), never from how long something took.

def _blocked_clients(conn):
    info = text_of(conn.command("INFO", "clients"))
    return int(re.search(r"blocked_clients:(\d+)", info).group(1))


def _held_or_served(conn, probe, base, limit=10.0):
    """After a command went out on `conn`: ("served", reply) once its reply
    is in, or ("held", None) once `probe` sees more than `base` blocked
    clients (CLIENT PAUSE postponed it), whichever happens first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            return "served", conn.read_reply(0.02)
        except TimeoutError:
            pass
        if _blocked_clients(probe) > base:
            return "held", None
    raise AssertionError("the command was neither answered nor held")


def _pause_write_exec_script(server):
    """A transaction queued before CLIENT PAUSE WRITE: its EXEC waits for
    CLIENT UNPAUSE, while a read-only transaction and reads go through."""
    out = []
    with server.raw() as ctl, server.raw() as tx, server.raw() as ro, server.raw() as probe:
        base = _blocked_clients(probe)
        try:
            out += [tx.command("MULTI"), tx.command("SET", "k", "v")]
            out.append(ctl.command("CLIENT", "PAUSE", "60000", "WRITE"))
            tx.send_command("EXEC")
            out.append(_held_or_served(tx, probe, base))
            out.append(probe.command("GET", "k"))           # the SET has not run
            out += [ro.command("MULTI"), ro.command("GET", "k")]
            ro.send_command("EXEC")
            out.append(_held_or_served(ro, probe, base + 1))
            out.append(probe.command("GET", "k"))           # still paused, still not set
            out.append(ctl.command("CLIENT", "UNPAUSE"))
            out.append(tx.read_reply())
            out.append(probe.command("GET", "k"))
        finally:
            ctl.command("CLIENT", "UNPAUSE")
    return out


@pytest.mark.needs_redis
def test_pause_write_holds_exec_of_queued_write(rkvd, redis_ref):
    ours = _pause_write_exec_script(rkvd)
    assert ours == _pause_write_exec_script(redis_ref)
    assert ours == [b"+OK\r\n", b"+QUEUED\r\n", b"+OK\r\n", ("held", None), b"$-1\r\n",
                    b"+OK\r\n", b"+QUEUED\r\n", ("served", b"*1\r\n$-1\r\n"), b"$-1\r\n",
                    b"+OK\r\n", b"*1\r\n+OK\r\n", b"$1\r\nv\r\n"]


def _pause_write_queue_script(server):
    """Inside MULTI during the pause: MULTI and a queued read go through, a
    write waits as it is queued, then EXEC runs both."""
    out = []
    with server.raw() as ctl, server.raw() as tx, server.raw() as probe:
        base = _blocked_clients(probe)
        try:
            out.append(ctl.command("CLIENT", "PAUSE", "60000", "WRITE"))
            out += [tx.command("MULTI"), tx.command("GET", "k")]
            tx.send_command("SET", "k", "v")
            out.append(_held_or_served(tx, probe, base))
            out.append(ctl.command("CLIENT", "UNPAUSE"))
            out += [tx.read_reply(), tx.command("EXEC")]
        finally:
            ctl.command("CLIENT", "UNPAUSE")
    return out


@pytest.mark.needs_redis
def test_pause_write_holds_write_queued_in_multi(rkvd, redis_ref):
    ours = _pause_write_queue_script(rkvd)
    assert ours == _pause_write_queue_script(redis_ref)
    assert ours == [b"+OK\r\n", b"+OK\r\n", b"+QUEUED\r\n", ("held", None), b"+OK\r\n",
                    b"+QUEUED\r\n", b"*2\r\n$-1\r\n+OK\r\n"]


def _pause_write_expiry_script(server):
    """A pause that runs out releases the EXEC by itself (no UNPAUSE)."""
    out = []
    with server.raw() as ctl, server.raw() as tx, server.raw() as probe:
        base = _blocked_clients(probe)
        out += [tx.command("MULTI"), tx.command("INCR", "n")]
        out.append(ctl.command("CLIENT", "PAUSE", "3000", "WRITE"))
        tx.send_command("EXEC")
        out.append(_held_or_served(tx, probe, base))
        out.append(probe.command("GET", "n"))
        out.append(tx.read_reply(15))
        out.append(probe.command("GET", "n"))
    return out


@pytest.mark.needs_redis
def test_pause_write_exec_runs_when_pause_ends(rkvd, redis_ref):
    ours = _pause_write_expiry_script(rkvd)
    assert ours == _pause_write_expiry_script(redis_ref)
    assert ours == [b"+OK\r\n", b"+QUEUED\r\n", b"+OK\r\n", ("held", None), b"$-1\r\n",
                    b"*1\r\n:1\r\n", b"$1\r\n1\r\n"]


PAUSE_WRITE_COMMANDS = [
    ("GET", "k"), ("SET", "k", "v"), ("INCR", "n"), ("DEL", "k"), ("EXPIRE", "k", "10"),
    ("PFADD", "h", "a"),
    ("PFCOUNT", "h"),               # read-only, but may replicate (it can rewrite the cache)
    ("FLUSHALL",), ("SWAPDB", "0", "1"), ("SELECT", "1"), ("PING",), ("MULTI",),
    ("OBJECT", "ENCODING", "k"), ("DEBUG", "SLEEP", "0"), ("CLIENT", "ID"),
    ("EXEC",),                      # without MULTI: nothing queued, answered at once
    # refused before the pause check, so answered at once
    ("SET", "k"), ("NOSUCH", "x"), ("CLIENT", "NOSUCH"), ("CLIENT",),
]


def _pause_write_one(server, argv):
    with server.raw() as ctl, server.raw() as cl, server.raw() as probe:
        base = _blocked_clients(probe)
        try:
            ctl.command("CLIENT", "PAUSE", "60000", "WRITE")
            cl.send_command(*argv)
            state, reply = _held_or_served(cl, probe, base)
            ctl.command("CLIENT", "UNPAUSE")
            return state, reply if reply is not None else cl.read_reply()
        finally:
            ctl.command("CLIENT", "UNPAUSE")


@pytest.mark.needs_redis
@pytest.mark.parametrize("argv", PAUSE_WRITE_COMMANDS, ids=" ".join)
def test_pause_write_holds_what_redis_holds(rkvd, redis_ref, argv):
    ours = _pause_write_one(rkvd, argv)
    ref = _pause_write_one(redis_ref, argv)
    if argv == ("CLIENT", "ID"):
        ours, ref = ours[0], ref[0]                     # the ids differ
    assert ours == ref


@pytest.mark.needs_redis
@pytest.mark.parametrize("server_name", ["rkvd", "redis_ref"])
def test_pause_all_answers_refused_commands(request, server_name):
    """Even PAUSE ALL lets the server refuse what it would refuse anyway
    (unknown command, wrong arity) at once; everything else waits. The
    refusals must come before the pause ends: they are read with a timeout
    well below its length."""
    server = request.getfixturevalue(server_name)
    with server.raw() as ctl, server.raw() as held, server.raw() as cl:
        assert ctl.command("CLIENT", "PAUSE", "4000", "ALL") == b"+OK\r\n"
        held.send_command("GET", "k")
        assert cl.command("NOSUCH", timeout=2).startswith(b"-ERR unknown command 'NOSUCH'")
        assert cl.command("GET", timeout=2).startswith(b"-ERR wrong number of arguments")
        assert cl.command("CLIENT", "NOSUCH", timeout=2).startswith(b"-ERR unknown subcommand")
        with pytest.raises(TimeoutError):
            held.read_reply(0.1)
        assert held.read_reply(15) == b"$-1\r\n"


@pytest.mark.needs_redis
def test_debug_loadaof_without_an_aof_ends_the_server_like_redis():
    # Redis's DEBUG LOADAOF exits when there is no AOF to load (appendonly
    # no, nothing on disk); with one it reloads (tests/persist/test_aof.py).
    from support import start_redis, start_rkvd
    for start in (start_rkvd, start_redis):
        server = start("loadaof-none")
        try:
            with server.raw() as conn:
                conn.command("SET", "k", "v")
                conn.send_command("DEBUG", "LOADAOF")
                assert conn.read_all_until_eof()[0] == b""
            assert server.wait(10) == 1
        finally:
            server.cleanup()


# ---------------------------------------------------------------------------
# Pure helpers (no server)

@pytest.mark.parametrize("n, text", [
    (0, "0B"), (1023, "1023B"), (1024, "1.00K"), (941208, "919.15K"), (6782976, "6.47M"),
    (25276510208, "23.54G"), (1 << 40, "1.00T"), (3 << 50, "3.00P"),
])
def test_bytes_to_human(n, text):
    from rkvd.info import bytes_to_human
    assert bytes_to_human(n) == text


@pytest.mark.parametrize("n, size", [
    (1, 8), (8, 8), (9, 16), (17, 32), (23, 32), (33, 48), (64, 64), (65, 80), (129, 160),
    (1006, 1024), (1025, 1280), (14337, 16384), (70010, 81920),
])
def test_alloc_size_classes(n, size):
    from rkvd.commands.memory import alloc_size
    assert alloc_size(n) == size


def test_commandstats_lines_format():
    from rkvd.info import commandstats_lines

    class Cmd:
        def __init__(self, name, calls, usec, rejected=0, failed=0, subs=None):
            self.name, self.calls, self.usec = name, calls, usec
            self.rejected_calls, self.failed_calls, self.subcommands = rejected, failed, subs

    sub = Cmd("client|list", 2, 7)
    cmds = {"set": Cmd("set", 3, 5, 1, 1), "get": Cmd("get", 0, 0),
            "client": Cmd("client", 0, 0, subs={b"list": sub}), "client|list": sub,
            "incr": Cmd("incr", 0, 0, rejected=2)}

    class Engine:
        commands = cmds

    assert commandstats_lines(Engine) == [
        ("cmdstat_set", "calls=3,usec=5,usec_per_call=1.67,rejected_calls=1,failed_calls=1"),
        ("cmdstat_client|list", "calls=2,usec=7,usec_per_call=3.50,rejected_calls=0,failed_calls=0"),
        ("cmdstat_incr", "calls=0,usec=0,usec_per_call=0.00,rejected_calls=2,failed_calls=0"),
    ]
