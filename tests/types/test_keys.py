"""Keyspace commands, byte for byte against redis-server 7.0.15.

Sequences start on database 9 of both servers after FLUSHALL.  TTLs are
compared within a tolerance, KEYS/SCAN results as sets.
"""
import pytest

from support import Check, Sleep, case, encode_command, ignore, near, parse_reply, scan_all, shape, unordered

pytestmark = [pytest.mark.timeout(60), pytest.mark.needs_redis]

BIG = 9223372036854775807
FAR = 4102444800            # 2100-01-01, an absolute time well in the future


def mset_many(prefix, n):
    """MSET prefix:0 .. prefix:n-1 (value = index)."""
    args = ["MSET"]
    for i in range(n):
        args += [f"{prefix}:{i}", str(i)]
    return args


def _object_help(a, b):
    """OBJECT HELP: an array of status lines on both sides; the text itself is free."""
    for reply in (a, b):
        kind, lines = parse_reply(reply)
        if kind != "*" or not lines or any(t != "+" for t, _ in lines):
            return f"not an array of simple strings: {reply[:80]!r}"
    if not parse_reply(a)[1][0][1].upper().startswith(b"OBJECT"):
        return "first help line does not name OBJECT"
    return None


def _scan_reply(a, b):
    """Any well-formed SCAN reply: [cursor, [keys...]] (bucket order depends on hash seeds)."""
    for reply in (a, b):
        kind, items = parse_reply(reply)
        if kind != "*" or len(items) != 2 or items[0][0] != "$" or items[1][0] != "*":
            return f"not a SCAN reply: {reply[:80]!r}"
        int(items[0][1])
    return None


def object_help(cmd="OBJECT HELP"):
    return Check(cmd, _object_help)


EXISTENCE_CASES = [
    case("del", "MSET a 1 b 2 c 3", "DEL a", "DEL a", "DEL b c d", "DEL", "DBSIZE"),
    case("del-duplicates", "MSET a 1 b 2", "DEL a a b", "EXISTS a b"),
    case("unlink", "MSET a 1 b 2 c 3", "UNLINK a b missing", "UNLINK c c", "UNLINK", "DBSIZE"),
    case("exists", "MSET a 1 b 2", "EXISTS a", "EXISTS a b missing", "EXISTS a a a", "EXISTS missing",
         "EXISTS"),
    case("touch", "MSET a 1 b 2", "TOUCH a", "TOUCH a b missing a", "TOUCH missing", "TOUCH"),
    case("type", "SET s v", "TYPE s", "TYPE missing", "SET i 5", "TYPE i", "TYPE", "TYPE a b"),
    case("type-list", "LPUSH l a", "TYPE l", needs=["LPUSH"]),
    case("dbsize", "DBSIZE", "MSET a 1 b 2", "DBSIZE", "DEL a", "DBSIZE", "DBSIZE extra"),
    case("randomkey", "RANDOMKEY", "SET only v", "RANDOMKEY", "DEL only", "RANDOMKEY", "RANDOMKEY x"),
    case("randomkey-expired", "SET k v PX 20", Sleep(0.1), "RANDOMKEY"),
]

EXPIRE_CASES = [
    case("expire-basic", "SET k v", "EXPIRE k 100", near("TTL k"), near("PTTL k", 1500),
         "EXPIRE missing 100", "TTL missing", "PTTL missing", "SET n v", "TTL n", "PTTL n"),
    case("pexpire-basic", "SET k v", "PEXPIRE k 100000", near("PTTL k", 1500), near("TTL k"),
         "PEXPIRE missing 5"),
    case("expireat", "SET k v", f"EXPIREAT k {FAR}", "EXPIRETIME k", "PEXPIRETIME k",
         f"PEXPIREAT k {FAR}123", "EXPIRETIME k", "PEXPIRETIME k", f"EXPIREAT missing {FAR}"),
    case("expiretime-missing", "EXPIRETIME missing", "PEXPIRETIME missing", "SET k v",
         "EXPIRETIME k", "PEXPIRETIME k", "EXPIRETIME", "PEXPIRETIME a b"),
    case("expire-past-deletes", "MSET a 1 b 2 c 3 d 4", "EXPIRE a -1", "EXISTS a", "PEXPIRE b 0",
         "EXISTS b", "EXPIREAT c 1", "EXISTS c", "PEXPIREAT d 1", "EXISTS d", "DBSIZE"),
    case("expire-zero", "SET k v", "EXPIRE k 0", "EXISTS k", "GET k"),
    case("expire-nx", "SET k v", "EXPIRE k 100 NX", "EXPIRE k 200 NX", near("TTL k"),
         "PEXPIRE k 5000 NX", f"EXPIREAT k {FAR} NX", near("TTL k")),
    case("expire-xx", "SET k v", "EXPIRE k 100 XX", "TTL k", "EXPIRE k 100", "EXPIRE k 200 XX",
         near("TTL k")),
    case("expire-gt", "SET k v", "EXPIRE k 100 GT", "TTL k", "EXPIRE k 100", "EXPIRE k 50 GT",
         near("TTL k"), "EXPIRE k 200 GT", near("TTL k"), "EXPIRE k 150 GT", near("TTL k")),
    case("expire-lt", "SET k v", "EXPIRE k 100 LT", near("TTL k"), "EXPIRE k 200 LT",
         near("TTL k"), "EXPIRE k 50 LT", near("TTL k"), "SET p v", "PEXPIRE p 5000 LT",
         near("PTTL p", 1500)),
    case("expire-combined-options", "SET k v", "EXPIRE k 100 XX GT", "EXPIRE k 100",
         "EXPIRE k 200 XX GT", near("TTL k"), "EXPIRE k 50 XX LT", near("TTL k"),
         "EXPIRE k 500 GT XX", near("TTL k"), "EXPIRE k 10 nx", "EXPIRE k 10 lt", near("TTL k")),
    case("expire-option-errors", "SET k v", "EXPIRE k 100 NX XX", "EXPIRE k 100 XX NX",
         "EXPIRE k 100 NX GT", "EXPIRE k 100 NX LT", "EXPIRE k 100 GT LT", "EXPIRE k 100 LT GT",
         "EXPIRE k 100 FOO", "EXPIRE k 100 NX FOO", "PEXPIRE k 100 BAR", f"EXPIREAT k {FAR} BAZ",
         f"PEXPIREAT k {FAR}000 NX XX", "EXPIRE missing 100 NX XX", "EXPIRE k 100 NX NX",
         near("TTL k")),
    case("expire-value-errors", "SET k v", "EXPIRE k abc", "EXPIRE k 1.5", "EXPIRE k ''",
         f"EXPIRE k {BIG}", f"EXPIRE k {BIG + 1}", f"EXPIRE k -{BIG}", f"PEXPIRE k {BIG}",
         f"EXPIREAT k {BIG}", f"PEXPIREAT k {BIG}", "EXPIRE k 9223372036854775",
         "EXPIRE k 9223372036854774", f"PEXPIRE k -{BIG}", "EXPIRE k", "EXPIRE", "PEXPIRE k",
         "TTL k", "EXISTS k"),
    case("expire-large-valid", "SET k v", "EXPIRE k 100000000", near("TTL k"), "PEXPIRE k 1000000000000",
         near("TTL k")),
    case("expire-negative-overflow", "SET k v", f"PEXPIREAT k -{BIG}", "EXISTS k"),
    case("ttl-errors", "TTL", "TTL a b", "PTTL", "PTTL a b"),
    case("persist", "SET k v EX 100", "PERSIST k", "TTL k", "PERSIST k", "PERSIST missing",
         "PERSIST", "PERSIST a b"),
    case("expire-then-expired", "SET k v", "PEXPIRE k 50", Sleep(0.2), "EXISTS k", "TTL k", "GET k",
         "DBSIZE"),
    case("expire-survives-overwrite-rules", "SET k v EX 100", "APPEND k x", near("TTL k"),
         "RENAME k j", near("TTL j"), "SET j y", "TTL j"),
]

RENAME_CASES = [
    case("rename", "SET a 1", "RENAME a b", "GET a", "GET b", "SET c 3", "RENAME b c", "GET c",
         "DBSIZE"),
    case("rename-same-key", "SET a 1", "RENAME a a", "GET a", "RENAMENX a a", "GET a"),
    case("rename-missing", "RENAME missing b", "RENAMENX missing b", "RENAME missing missing",
         "RENAMENX missing missing"),
    case("renamenx", "MSET a 1 b 2", "RENAMENX a b", "MGET a b", "RENAMENX a c", "MGET a c"),
    case("rename-ttl", "SET a 1 EX 100", "SET b 2", "RENAME a b", near("TTL b"), "SET c 3 EX 100",
         "SET d 4", "RENAME d c", "TTL c"),
    case("rename-arity", "RENAME a", "RENAME", "RENAMENX a", "RENAME a b c"),
    case("rename-list", "LPUSH l x", "SET s v", "RENAME s l", "TYPE l", "LPUSH m x", "RENAME m s",
         "TYPE s", needs=["LPUSH"]),
]

COPY_CASES = [
    case("copy", "SET a hello", "COPY a b", "GET b", "COPY a b", "SET a world", "COPY a b REPLACE",
         "GET b", "COPY missing b", "COPY missing c", "EXISTS c"),
    case("copy-same", "SET a 1", "COPY a a", "COPY a a REPLACE", "COPY missing missing"),
    case("copy-db", "SET a 1", "COPY a a DB 10", "COPY a a DB 10", "COPY a b DB 10 REPLACE",
         "SELECT 10", "MGET a b", "SELECT 9", "COPY a a DB 9", "COPY a c db 9", "GET c"),
    case("copy-errors", "SET a 1", "COPY a b DB 16", "COPY a b DB -1", "COPY a b DB abc",
         "COPY a b DB", "COPY a b FOO", "COPY a b REPLACE FOO", "COPY a", "COPY", "EXISTS b"),
    case("copy-ttl", "SET a 1 EX 100", "COPY a b", near("TTL b"), "SET c 1", "COPY c b REPLACE",
         "TTL b"),
    case("copy-int-encoding", "SET a 123", "COPY a b", "OBJECT ENCODING b", "SET c hello",
         "COPY c d", "OBJECT ENCODING d", f"SET e {'x' * 50}", "COPY e f", "OBJECT ENCODING f"),
    case("copy-list", "LPUSH l a b", "COPY l m", "TYPE m", "SET s v", "COPY s l", "COPY s l REPLACE",
         "TYPE l", needs=["LPUSH"]),
]

DB_CASES = [
    case("select", "SELECT 0", "SELECT 15", "SELECT 16", "SELECT -1", "SELECT abc", "SELECT 1.5",
         f"SELECT {BIG}", "SELECT", "SELECT 1 2", "SELECT ''"),
    case("select-isolation", "SET k nine", "SELECT 10", "GET k", "SET k ten", "SELECT 9", "GET k",
         "DBSIZE", "SELECT 10", "DBSIZE"),
    case("move", "SET k v", "MOVE k 10", "EXISTS k", "SELECT 10", "GET k", "SELECT 9", "MOVE k 10",
         "SET k w", "MOVE k 10", "GET k", "MOVE missing 10", "MOVE k 9", "MOVE k 16", "MOVE k -1",
         "MOVE k abc", "MOVE k", "MOVE"),
    case("move-ttl", "SET k v EX 100", "MOVE k 10", "SELECT 10", near("TTL k")),
    case("swapdb", "SET k nine", "SELECT 10", "SET k ten", "SET only10 x", "SWAPDB 9 10", "GET k",
         "DBSIZE", "SELECT 9", "GET k", "DBSIZE", "SWAPDB 9 9", "GET k"),
    case("swapdb-errors", "SWAPDB 9 16", "SWAPDB 16 9", "SWAPDB -1 9", "SWAPDB a 9", "SWAPDB 9 b",
         "SWAPDB 9", "SWAPDB", "SWAPDB 1 2 3"),
    case("flushdb", "SET k v", "SELECT 10", "SET k v", "FLUSHDB", "DBSIZE", "SELECT 9", "DBSIZE",
         "FLUSHDB ASYNC", "DBSIZE", "SET k v", "FLUSHDB SYNC", "DBSIZE", "FLUSHDB async",
         "FLUSHDB FOO", "FLUSHDB SYNC ASYNC", "FLUSHDB ASYNC SYNC"),
    case("flushall", "SET k v", "SELECT 10", "SET k v", "FLUSHALL", "DBSIZE", "SELECT 9", "DBSIZE",
         "SET k v", "FLUSHALL ASYNC", "DBSIZE", "SET k v", "FLUSHALL SYNC", "DBSIZE",
         "FLUSHALL FOO", "FLUSHALL SYNC SYNC"),
]

OBJECT_CASES = [
    case("object-encoding", "SET i 12", "SET e hello", f"SET r {'y' * 60}", "OBJECT ENCODING i",
         "OBJECT ENCODING e", "OBJECT ENCODING r", "OBJECT ENCODING missing", "object encoding i",
         "OBJECT ENCODING", "OBJECT ENCODING a b"),
    case("object-freq-no-lfu", "SET k v", "OBJECT FREQ k", "OBJECT FREQ missing", "OBJECT FREQ"),
    case("object-idletime", "SET k v", near("OBJECT IDLETIME k"), "OBJECT IDLETIME missing",
         "OBJECT IDLETIME"),
    case("object-refcount", "SET k v", "OBJECT REFCOUNT k", "SET i 100", "OBJECT REFCOUNT i",
         "SET big 100000", "OBJECT REFCOUNT big", "SET neg -5", "OBJECT REFCOUNT neg",
         f"SET long {'z' * 60}", "OBJECT REFCOUNT long", "OBJECT REFCOUNT missing", "OBJECT REFCOUNT"),
    case("object-help", object_help(), object_help("object help")),
    case("object-errors", "OBJECT", "OBJECT FOO", "OBJECT FOO bar", "OBJECT HELP extra"),
]

KEYS_CASES = [
    case("keys-glob",
         "MSET hello 1 hallo 2 hxllo 3 hllo 4 heeeello 5 h*llo 6 h?llo 7 'h[a]llo' 8 'h\\\\llo' 9",
         "MSET a 1 ab 2 abc 3 '' 4 '[' 5 ']' 6 '-' 7 '^' 8",
         unordered("KEYS *"), unordered("KEYS h?llo"), unordered("KEYS h*llo"),
         unordered("KEYS h[ae]llo"), unordered("KEYS h[^e]llo"), unordered("KEYS h[a-b]llo"),
         unordered("KEYS h[b-a]llo"), unordered("KEYS 'h\\*llo'"), unordered("KEYS 'h\\?llo'"),
         unordered("KEYS 'h\\[a]llo'"), unordered("KEYS 'h[\\]]llo'"), unordered("KEYS a*"),
         unordered("KEYS ?"), unordered("KEYS ??"), unordered("KEYS '[[]'"), unordered("KEYS '[]]'"),
         unordered("KEYS '[a-'"), unordered("KEYS '['"), unordered("KEYS '\\'"),
         unordered("KEYS 'h\\\\\\\\llo'"), unordered("KEYS '[^a]'"), unordered("KEYS '[!a]'"),
         unordered("KEYS ''"), unordered("KEYS **"), unordered("KEYS *l*o"), unordered("KEYS h*l"),
         unordered("KEYS *[a-c]"), unordered("KEYS HELLO"), unordered("KEYS h[]llo"),
         unordered("KEYS 'h[a-]llo'"), unordered("KEYS '[a-c-e]'"), unordered("KEYS '*\\'"),
         "KEYS", "KEYS a b"),
    case("keys-binary", ["MSET", b"\x00a", "1", b"b\xff", "2", "\u00e9t\u00e9", "3"],
         unordered("KEYS *"), unordered(["KEYS", b"?a"]), unordered(["KEYS", b"b?"]),
         unordered(["KEYS", "??t??"])),
    case("keys-expired", "SET k v PX 20", "SET p v", Sleep(0.1), unordered("KEYS *")),
]

SCAN_CASES = [
    case("scan-all-keys", mset_many("key", 300), scan_all("SCAN"), scan_all("SCAN COUNT 1000"),
         scan_all("SCAN COUNT 1"), scan_all("SCAN MATCH key:1*"), scan_all("SCAN MATCH *9 COUNT 7"),
         scan_all("SCAN MATCH nothing*"), scan_all("SCAN TYPE string"), scan_all("SCAN TYPE list"),
         scan_all("SCAN TYPE nosuchtype"), scan_all("SCAN match key:2? count 50 type STRING")),
    case("scan-small", "MSET a 1 b 2 c 3", scan_all("SCAN"),
         shape("SCAN 0"), scan_all("SCAN MATCH a")),
    case("scan-empty", "SCAN 0", "SCAN 0 MATCH *", "SCAN 0 TYPE string"),
    case("scan-errors", "SCAN abc", "SCAN -1", "SCAN 1.5", "SCAN 0 COUNT 0", "SCAN 0 COUNT -1",
         "SCAN 0 COUNT abc", "SCAN 0 MATCH", "SCAN 0 COUNT", "SCAN 0 TYPE", "SCAN 0 FOO",
         "SCAN 0 FOO bar", "SCAN", "SCAN 18446744073709551616"),
    case("scan-big-cursor", "SET k v", Check("SCAN 18446744073709551615", _scan_reply),
         Check("SCAN 4294967296", _scan_reply)),
    case("scan-type-mixed", "MSET s1 1 s2 2", "LPUSH l1 a", "LPUSH l2 b", scan_all("SCAN TYPE list"),
         scan_all("SCAN TYPE string"), scan_all("SCAN TYPE List"), needs=["LPUSH"]),
]

ALL_CASES = EXISTENCE_CASES + EXPIRE_CASES + RENAME_CASES + COPY_CASES + DB_CASES + OBJECT_CASES \
    + KEYS_CASES + SCAN_CASES


@pytest.mark.parametrize("steps, needs", ALL_CASES)
def test_keys(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_object_freq_with_lfu_policy(differ):
    """With an LFU policy OBJECT FREQ answers (initial counter 5); the policy is restored."""
    try:
        differ.run(["CONFIG SET maxmemory-policy allkeys-lfu", "SET k v", "OBJECT FREQ k",
                    "OBJECT IDLETIME k", "CONFIG SET maxmemory-policy noeviction", "OBJECT FREQ k"])
    finally:
        for server in (differ.server_a, differ.server_b):
            with server.raw() as conn:
                conn.command("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_scan_covers_keys_added_and_kept(differ):
    """Keys present for the whole iteration are always returned, even when the table grows."""
    differ.run([mset_many("base", 100)])
    for side, name in ((differ.conn_a, "rkvd"), (differ.conn_b, "redis")):
        cursor, seen, calls = b"0", set(), 0
        for calls in range(1, 20000):
            kind, (cur, elems) = parse_reply(side.command("SCAN", cursor, "COUNT", "10"))
            seen.update(e[1] for e in elems[1])
            if calls <= 8:
                # Grow the table (through several resizes) between the first calls.
                side.send(encode_command(*mset_many(f"grow{calls}", 500)))
                assert side.read_reply() == b"+OK\r\n"
            cursor = cur[1]
            if cursor == b"0":
                break
        assert cursor == b"0", f"{name}: SCAN did not finish in {calls} calls"
        missing = {b"base:%d" % i for i in range(100)} - seen
        assert not missing, f"{name}: SCAN missed {sorted(missing)[:10]}"


def test_expire_resp3(differ):
    differ.run([ignore("HELLO 3"), "SET k v", "EXPIRE k 100", near("TTL k"), "PERSIST k",
                "EXPIRETIME k", "OBJECT ENCODING k", "RANDOMKEY", "TYPE k", "SCAN 0 TYPE string",
                "KEYS k"])


def test_many_keys_dbsize_and_flush(differ):
    differ.run([mset_many("p", 5000), "DBSIZE", "EXISTS p:0 p:4999 p:5000", "DEL p:1 p:2 nope",
                "DBSIZE", "UNLINK p:3", "DBSIZE", unordered("KEYS p:49??"), "FLUSHDB", "DBSIZE"])
