"""Set commands, byte for byte against redis-server 7.0.15.

Each case is a command sequence run on database 9 of both servers; every
reply must be identical unless a step says otherwise: ``unordered`` where the
order comes from a hash table (the two servers hash with different seeds),
``shape`` where the members are picked at random (SPOP, SRANDMEMBER).
Intsets iterate in ascending order, so replies built from them are compared
exactly, as is OBJECT ENCODING after every conversion step.
"""
import pytest

from support import Check, case, ignore, parse_reply, scan_all, unordered

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

BIG = 9223372036854775807          # LLONG_MAX
SMALL = -9223372036854775808       # LLONG_MIN


def ints(lo, hi):
    return [str(i) for i in range(lo, hi)]


def sadd(key, members):
    return ["SADD", key, *members]


def same_length(a, b):
    """Aggregate replies of the same type and length (random picks)."""
    pa, pb = parse_reply(a), parse_reply(b)
    if pa[0] != pb[0]:
        return "different reply types"
    if isinstance(pa[1], list) and isinstance(pb[1], list) and len(pa[1]) != len(pb[1]):
        return f"lengths differ: {len(pa[1])} vs {len(pb[1])}"
    return None


def picks(command):
    return Check(command, same_length)


BASIC_CASES = [
    case("sadd-hashtable", "SADD s foo", "OBJECT ENCODING s", "SADD s bar", "SADD s bar", "SCARD s",
         "SISMEMBER s foo", "SISMEMBER s bla", "SMISMEMBER s foo bar bla", unordered("SMEMBERS s")),
    case("sadd-intset", "SADD s 17", "OBJECT ENCODING s", "SADD s 16", "SADD s 16", "SCARD s",
         "SISMEMBER s 16", "SISMEMBER s 18", "SISMEMBER s a", "SMISMEMBER s 16 18 17 x",
         "SMEMBERS s"),
    case("sadd-variadic", "SADD s a b c", "SADD s A a b c B", "SCARD s", unordered("SMEMBERS s"),
         "SADD s 1 2 2 3 1", "SCARD s"),
    case("sadd-missing-reads", "SCARD nope", "SISMEMBER nope a", "SMISMEMBER nope a b",
         "SMEMBERS nope", "EXISTS nope"),
    case("srem", "SADD s foo bar ciao", "SREM s qux", "SREM s foo", unordered("SMEMBERS s"),
         "SREM s bar ciao bar", "EXISTS s", "SREM s x", "SREM nope a"),
    case("srem-intset", "SADD s 3 4 5", "SREM s 6", "SREM s 4", "SREM s x", "SMEMBERS s",
         "OBJECT ENCODING s", "SREM s 3 5 7", "EXISTS s"),
    case("srem-variadic-deletes-key", "SADD s 1 2 3", "SREM s 1 2 3 4 5 6 7 8", "EXISTS s",
         "SADD s a b c d", "SREM s k k k", "SREM s b d x y", unordered("SMEMBERS s")),
    case("srem-keeps-ttl", "SADD s a b", "EXPIRE s 100", "SREM s a", "TTL s", "SADD s c", "TTL s"),
    case("smismember-non-set", "SET str x", "SMISMEMBER str a", "SMISMEMBER nope x"),
    case("binary-members", ["SADD", "s", b"\x00\xff", b"a\r\nb", b""], ["SISMEMBER", "s", b""],
         ["SISMEMBER", "s", b"a\r\nb"], unordered("SMEMBERS s"), ["SREM", "s", b"\x00\xff"],
         "SCARD s"),
]

ENCODING_CASES = [
    case("enc-int-to-hashtable", "SADD s 1 2 3", "OBJECT ENCODING s", "SADD s a",
         "OBJECT ENCODING s", "SREM s a", "OBJECT ENCODING s", unordered("SMEMBERS s")),
    case("enc-non-canonical-integers", "SADD a 01", "OBJECT ENCODING a", "SADD b -0",
         "OBJECT ENCODING b", "SADD c +1", "OBJECT ENCODING c", "SADD d ' 1'", "OBJECT ENCODING d",
         "SADD e 1.0", "OBJECT ENCODING e", "SADD f ''", "OBJECT ENCODING f", "SADD g 0",
         "OBJECT ENCODING g", "SADD h -1", "OBJECT ENCODING h"),
    case("enc-64-bit-limits", f"SADD s {BIG} {SMALL}", "OBJECT ENCODING s", "SMEMBERS s",
         f"SADD t {BIG + 1}", "OBJECT ENCODING t", f"SISMEMBER t {BIG + 1}",
         f"SADD u {SMALL - 1}", "OBJECT ENCODING u", "SADD v 213244124402402314402033402",
         "OBJECT ENCODING v", "SMISMEMBER v 213244124402402314402033402"),
    case("enc-intset-widths", "SADD s 5 -3 100", "SMEMBERS s", "SADD s 40000", "SMEMBERS s",
         "SADD s -70000", "SMEMBERS s", "SADD s 5000000000", "SMEMBERS s", "SADD s -5000000000",
         "SMEMBERS s", "SISMEMBER s 40000", "SISMEMBER s 40001", "SREM s 5000000000 -3",
         "SMEMBERS s", "OBJECT ENCODING s", "SADD s 7", "SMEMBERS s", "SSCAN s 0"),
    case("enc-max-intset-entries", sadd("s", ints(0, 512)), "OBJECT ENCODING s", "SCARD s",
         "SADD s 511", "OBJECT ENCODING s", "SADD s 512", "OBJECT ENCODING s", "SCARD s",
         "SREM s 512 511 0", "OBJECT ENCODING s", "SCARD s"),
    case("enc-one-sadd-over-the-limit", sadd("s", ints(0, 600)), "OBJECT ENCODING s",
         sadd("t", ints(0, 513)), "OBJECT ENCODING t", sadd("u", ints(0, 300)),
         sadd("u", ints(300, 512)), "OBJECT ENCODING u", sadd("u", ints(0, 512)),
         "OBJECT ENCODING u"),
    case("enc-copy", "SADD i 1 2 3", "SADD h a b", "COPY i i2", "COPY h h2", "OBJECT ENCODING i2",
         "OBJECT ENCODING h2", "SMEMBERS i2", unordered("SMEMBERS h2"), "SADD i2 4", "SMEMBERS i",
         "SMEMBERS i2", "SADD h2 c", "SCARD h", "SCARD h2"),
    case("enc-rename-move", "SADD i 1 2 3", "RENAME i j", "OBJECT ENCODING j", "SMEMBERS j",
         "MOVE j 3", "EXISTS j", "SELECT 3", "OBJECT ENCODING j", "SMEMBERS j", "DEL j",
         "SELECT 9"),
]

MOVE_CASES = [
    case("smove-hashtable-to-intset", "SADD a 1 a b", "SADD b 2 3 4", "OBJECT ENCODING a",
         "OBJECT ENCODING b", "SMOVE a b a", unordered("SMEMBERS a"), unordered("SMEMBERS b"),
         "OBJECT ENCODING b"),
    case("smove-int-keeps-intset", "SADD a 1 a b", "SADD b 2 3 4", "SMOVE a b 1",
         "SMEMBERS b", "OBJECT ENCODING b", "OBJECT ENCODING a", unordered("SMEMBERS a")),
    case("smove-intset-to-hashtable", "SADD a 1 a b", "SADD b 2 3 4", "SMOVE b a 2",
         unordered("SMEMBERS a"), "SMEMBERS b"),
    case("smove-missing", "SADD a 1 a b", "SADD b 2 3 4", "SMOVE a b foo", "SMOVE a a foo",
         "SMOVE nope b foo", "SMOVE nope nope2 x", "SMEMBERS b"),
    case("smove-new-destination", "SADD a 1 a b", "SADD b 2 3 4", "SMOVE a c a",
         "OBJECT ENCODING c", "SMEMBERS c", "SMOVE b d 2", "OBJECT ENCODING d", "SMEMBERS d",
         "SMEMBERS b"),
    case("smove-last-member-deletes", "SADD a x", "SMOVE a b x", "EXISTS a", "SMEMBERS b",
         "SADD c 5", "SMOVE c b 5", "EXISTS c", "OBJECT ENCODING b"),
    case("smove-same-set", "SADD s a b c", "SMOVE s s b", "SMOVE s s z", unordered("SMEMBERS s")),
    case("smove-existing-member", "SADD a x y", "SADD b x", "SMOVE a b x", "SMEMBERS b",
         "SMEMBERS a"),
    case("smove-wrongtype", "SET str 10", "SADD s foo", "SMOVE str s foo", "SMOVE s str foo",
         "SMOVE nope str foo", "SMOVE str nope foo", "SMEMBERS s"),
    case("smove-ttl", "SADD a x y", "EXPIRE a 100", "SADD b z", "EXPIRE b 200", "SMOVE a b x",
         "TTL a", "TTL b", "SMOVE a c y", "EXISTS a", "TTL c"),
]

INTER_CASES = [
    case("sinter-intsets", sadd("a", ints(0, 200)), sadd("b", ints(195, 395)), "SADD c 199 195 1000",
         "SINTER a b", "SINTER a b c", "SINTER c b a", "SINTERCARD 2 a b", "SINTERCARD 3 a b c",
         "SINTERSTORE r a b", "OBJECT ENCODING r", "SMEMBERS r", "SINTERSTORE r a b c",
         "SMEMBERS r"),
    case("sinter-hashtables", sadd("a", ints(0, 200) + ["foo"]), sadd("b", ints(195, 395) + ["foo"]),
         unordered("SINTER a b"), "SINTERCARD 2 a b", "SINTERCARD 2 a b LIMIT 3",
         "SINTERCARD 2 a b limit 0", "SINTERCARD 2 a b LIMIT 10", "SINTERSTORE r a b",
         "OBJECT ENCODING r", unordered("SMEMBERS r")),
    case("sinter-mixed-encodings", "SADD a 1 2 3", "SADD b 1 2 3 a", "SREM b a",
         "OBJECT ENCODING a", "OBJECT ENCODING b", "SINTER a b", "SINTERSTORE r b a",
         "OBJECT ENCODING r", "SMEMBERS r"),
    case("sinter-hashtable-of-ints-stores-intset", sadd("a", ints(0, 600)), "SADD b 5 10 700",
         "OBJECT ENCODING a", "SINTERSTORE r a a", "OBJECT ENCODING r", "SCARD r",
         "SINTERSTORE r b a", "OBJECT ENCODING r", "SMEMBERS r"),
    case("sinter-same-key", "SADD s 1 2 3", "SINTER s s s", "SADD h a b", unordered("SINTER h h"),
         "SINTERCARD 3 s s s"),
    case("sinter-missing", "SADD a a b c", "SADD b b c d", "SINTER a b nope", "SINTER nope",
         "SINTERCARD 3 a b nope", "SINTERCARD 1 nope LIMIT 10", "SET r xxx",
         "SINTERSTORE r foo bar", "EXISTS r", "SADD r x", "SINTERSTORE r a nope", "EXISTS r"),
    case("sinterstore-empty-result", "SADD a a b", "SADD b c d", "SADD r x", "SINTERSTORE r a b",
         "EXISTS r", "SINTERSTORE r a b", "SINTERSTORE r b a"),
    case("sinterstore-overwrites", "SADD a 1 2", "SADD b 2 3", "SET r x EX 100",
         "SINTERSTORE r a b", "TTL r", "TYPE r", "SMEMBERS r", "SINTERSTORE a a b", "SMEMBERS a"),
    case("sintercard-errors", "SADD s a", "SINTERCARD", "SINTERCARD 1", "SINTERCARD 0 s",
         "SINTERCARD a s", "SINTERCARD -1 s", "SINTERCARD 2 s", "SINTERCARD 3 s t",
         "SINTERCARD 1 s t", "SINTERCARD 1 s bar_arg", "SINTERCARD 1 s LIMIT",
         "SINTERCARD 1 s LIMIT -1", "SINTERCARD 1 s LIMIT a", "SINTERCARD 1 s LIMIT 1 LIMIT 2",
         "SINTERCARD 1 s limit 5 x", f"SINTERCARD {BIG} s", f"SINTERCARD {BIG + 1} s",
         "SINTERCARD 1.5 s", "SINTERCARD 1 s LIMIT 1.5", f"SINTERCARD 1 s LIMIT {BIG}"),
    case("sintercard-wrongtype", "SADD s a b c", "SET k x", "SINTERCARD 1 k",
         "SINTERCARD 2 s k", "SINTERCARD 2 k nope", "SINTERCARD 2 nope k",
         "SINTERCARD 1 k LIMIT -1"),
    case("sinter-wrongtype", "SET k x", "SADD s a b c", "SINTER k nope", "SINTER nope k",
         "SINTER k s", "SINTER s k", "SINTERSTORE d k nope", "EXISTS d", "SINTERSTORE d nope k",
         "SADD d e", "SINTERSTORE d k s nope", "SMEMBERS d", "SINTERSTORE d nope k s",
         "SMEMBERS d", "SMEMBERS k"),
]

UNION_DIFF_CASES = [
    case("sunion-intsets", sadd("a", ints(0, 20)), sadd("b", ints(15, 40)), "SUNION a b",
         "SUNION b a nope", "SUNIONSTORE r a b", "OBJECT ENCODING r", "SMEMBERS r",
         "SUNION nope", "SUNION nope a"),
    case("sunion-hashtables", "SADD a a b c 1", "SADD b b c d 2", unordered("SUNION a b"),
         unordered("SUNION a b nope"), "SUNIONSTORE r a b", "OBJECT ENCODING r",
         unordered("SMEMBERS r")),
    case("sunion-ints-from-hashtable", "SADD a 3 1 x", "SREM a x", "OBJECT ENCODING a",
         "SUNION a", "SUNIONSTORE r a", "OBJECT ENCODING r", "SDIFF a nope"),
    case("sunion-over-the-limit", sadd("a", ints(0, 300)), sadd("b", ints(300, 600)),
         "SUNIONSTORE r a b", "OBJECT ENCODING r", "SCARD r", "SUNIONSTORE r a a",
         "OBJECT ENCODING r"),
    case("sunionstore-empty", "SET r xxx", "SUNIONSTORE r foo bar", "EXISTS r", "SADD r a b c",
         "SUNIONSTORE r s1 s2", "EXISTS r", "SADD s1 a b c", "SADD r e f", "SUNIONSTORE r s1 s2",
         unordered("SMEMBERS r"), "SUNIONSTORE r s2 s1", "SUNIONSTORE r r", "SCARD r"),
    case("sdiff-intsets", sadd("a", ints(0, 200)), sadd("b", ints(5, 200)), "SADD c 0",
         "SDIFF a b", "SDIFF a b c", "SDIFFSTORE r a b c", "OBJECT ENCODING r", "SMEMBERS r",
         "SDIFF b a", "SDIFF a", "SDIFF a nope"),
    case("sdiff-hashtables", sadd("a", ints(0, 200) + ["foo"]), sadd("b", ints(5, 200) + ["foo"]),
         "SADD c 0 foo", "SDIFF a b", "SDIFF a b c", "SDIFFSTORE r a b c", "OBJECT ENCODING r",
         "SMEMBERS r"),
    case("sdiff-algorithm-two", "SADD a 1 2 3 4 5 6 7 8 9 10", "SADD b 2", "SADD c 3", "SADD d 4",
         "SADD e 5", "SDIFF a b c d e", "SDIFF a nope b nope c", "SDIFFSTORE r a b c d e",
         "SMEMBERS r", "SADD x 1 2 3", "SADD y 1 2 3", "SDIFF x y a"),
    case("sdiff-same-key", "SADD s a b c 1 2 3", "SDIFF s s", "SDIFF s nope s", "SDIFF s s s",
         "SDIFFSTORE r s s", "EXISTS r", unordered("SUNION s s s"), "SADD t 1", "SDIFF nope nope t"),
    case("sdiff-missing", "SADD a a b c", "SADD b b c d", "SDIFF a b nope", "SDIFF nope b a",
         "SDIFF nope", "SET r x", "SDIFFSTORE r foo bar", "EXISTS r", "SADD r a",
         "SDIFFSTORE r b a", "EXISTS r", "SDIFFSTORE r a b", "SMEMBERS r"),
    case("sdiff-hashtable-to-intset", "SADD a 1 2 3 x", "SADD b x", "SDIFFSTORE r a b",
         "OBJECT ENCODING r", "SMEMBERS r", "SDIFF a b"),
    case("union-diff-wrongtype", "SET k x", "SADD s a b c", "SUNION k nope", "SUNION nope k",
         "SUNION k s", "SUNION s k", "SDIFF k nope", "SDIFF nope k", "SDIFF k s", "SDIFF s k",
         "SUNIONSTORE d k nope", "EXISTS d", "SDIFFSTORE d nope k", "EXISTS d", "SADD d e",
         "SUNIONSTORE d k s", "SDIFFSTORE d s k", "SMEMBERS d"),
]

RANDOM_CASES = [
    case("spop-single", "SADD s 1 2 3", picks("SPOP s"), picks("SPOP s"), picks("SPOP s"),
         "EXISTS s", "SPOP s", "SPOP nope", "SADD h a", "SPOP h", "EXISTS h"),
    case("spop-count-errors", "SADD s a b", "SPOP s -1", "SPOP s abc", "SPOP s 1.5",
         f"SPOP s {BIG + 1}", "SPOP s 1 2", "SPOP s 1 x", "SPOP nope -1", "SPOP nope abc",
         "SET k x", "SPOP k", "SPOP k 1", "SPOP k -1", "SPOP k 0", "SPOP k 1 2"),
    case("spop-count-zero-and-missing", "SPOP nope 0", "SPOP nope 5", "SADD s a", "SPOP s 0",
         "SCARD s"),
    case("spop-whole-intset", sadd("s", ints(1, 21)), "SPOP s 30", "EXISTS s",
         sadd("s", ints(1, 21)), "SPOP s 20", "EXISTS s"),
    case("spop-whole-hashtable", "SADD s a b c d", unordered("SPOP s 4"), "EXISTS s",
         "SADD s 1 2 3 x", "SREM s x", "SPOP s 3"),
    case("spop-few", sadd("s", ints(1, 21)), picks("SPOP s 2"), "SCARD s", "OBJECT ENCODING s",
         "SADD h a b c d e f g h i j", picks("SPOP h 3"), "SCARD h", "OBJECT ENCODING h"),
    case("spop-most", sadd("s", ints(1, 21)), picks("SPOP s 18"), "SCARD s", "OBJECT ENCODING s",
         "SADD h a b c d e f g h i j", picks("SPOP h 9"), "SCARD h", "OBJECT ENCODING h"),
    case("spop-most-hashtable-becomes-intset", sadd("s", ints(0, 600)), "OBJECT ENCODING s",
         picks("SPOP s 590"), "SCARD s", "OBJECT ENCODING s", "SADD t 1 2 3 4 5 6 7 8 9 x",
         "SREM t x", picks("SPOP t 8"), "OBJECT ENCODING t"),
    case("spop-most-keeps-ttl", sadd("s", ints(1, 21)), "EXPIRE s 100", picks("SPOP s 18"),
         "TTL s", picks("SPOP s 1"), "TTL s"),
    case("spop-count-sequence", "SADD s a b c d e f g h i j k l m n o p q r s t u v w x y z",
         picks("SPOP s 11"), picks("SPOP s 9"), "SPOP s 0", picks("SPOP s 4"), picks("SPOP s 1"),
         "SCARD s", picks("SPOP s 1"), "SPOP s 0", "EXISTS s"),
    case("srandmember-single", "SRANDMEMBER nope", "SADD s 5", "SRANDMEMBER s", "SADD h x",
         "SRANDMEMBER h", "SCARD s"),
    case("srandmember-count", sadd("s", ints(0, 50)), "SRANDMEMBER s 0", picks("SRANDMEMBER s -100"),
         "SRANDMEMBER s 50", "SRANDMEMBER s 100", picks("SRANDMEMBER s 45"), picks("SRANDMEMBER s 5"),
         picks("SRANDMEMBER s 1"), picks("SRANDMEMBER s -1"), "SCARD s", "SRANDMEMBER nope 100",
         "SRANDMEMBER nope -5", "SRANDMEMBER nope 0"),
    case("srandmember-count-hashtable", sadd("h", ints(0, 40) + ["x"]), picks("SRANDMEMBER h -100"),
         unordered("SRANDMEMBER h 41"), unordered("SRANDMEMBER h 1000"), picks("SRANDMEMBER h 35"),
         picks("SRANDMEMBER h 3"), "SCARD h"),
    case("srandmember-errors", "SADD s a", f"SRANDMEMBER s {SMALL}", f"SRANDMEMBER s {BIG + 1}",
         "SRANDMEMBER s abc", "SRANDMEMBER s 1.5", "SRANDMEMBER s 1 2", "SRANDMEMBER nope abc",
         "SRANDMEMBER nope 1 2", "SET k x", "SRANDMEMBER k", "SRANDMEMBER k 1", "SRANDMEMBER k 0",
         "SRANDMEMBER k abc"),
]

SCAN_CASES = [
    case("sscan-intset", sadd("s", ints(0, 100)), "SSCAN s 0", "SSCAN s 0 COUNT 5",
         "SSCAN s 17 MATCH 1*", "SSCAN s 0 MATCH *9 COUNT 1", "SSCAN s 0 match * count 1000"),
    case("sscan-hashtable", sadd("h", [f"m:{i}" for i in range(300)]),
         scan_all(["SSCAN", "h"], 2), scan_all(["SSCAN", "h", "COUNT", "7"], 2),
         scan_all(["SSCAN", "h", "MATCH", "m:1*", "COUNT", "50"], 2)),
    case("sscan-missing-and-errors", "SSCAN nope 0", "SSCAN nope abc", "SSCAN nope 0 COUNT 0",
         "SSCAN nope 0 FOO", "SADD s 1", "SSCAN s -1", "SSCAN s abc", "SSCAN s ' 1'",
         "SSCAN s 18446744073709551616", "SSCAN s 0 COUNT 0", "SSCAN s 0 COUNT -1",
         "SSCAN s 0 COUNT abc", "SSCAN s 0 COUNT", "SSCAN s 0 MATCH", "SSCAN s 0 TYPE set",
         "SSCAN s 0 FOO bar", "SSCAN s 18446744073709551615", "SET k v", "SSCAN k 0",
         "SSCAN k abc", "SSCAN k 0 COUNT 0"),
    case("sscan-small-hashtable", "SADD h a b c", unordered("SMEMBERS h"),
         scan_all(["SSCAN", "h", "MATCH", "[ab]"], 2)),
]

WRONGTYPE_CASES = [
    case("wrongtype-set-commands", "SET k x", "SADD k a", "SREM k a", "SCARD k", "SISMEMBER k a",
         "SMISMEMBER k a", "SMEMBERS k", "SPOP k", "SRANDMEMBER k", "SINTER k", "SUNION k",
         "SDIFF k", "SINTERCARD 1 k", "SSCAN k 0", "GET k"),
    case("wrongtype-on-sets", "SADD s a", "GET s", "INCR s", "APPEND s x", "SETRANGE s 0 x",
         "STRLEN s", "TYPE s", "SET s x", "TYPE s", "GET s"),
    case("wrongtype-list", "LPUSH l a", "SADD l a", "SMEMBERS l", "SINTERSTORE d l",
         "SMOVE l d a", needs=["LPUSH"]),
]

ARITY_CASES = [
    case("arity", "SADD", "SADD s", "SREM s", "SCARD", "SCARD a b", "SISMEMBER s", "SISMEMBER s a b",
         "SMISMEMBER s", "SMEMBERS", "SMEMBERS a b", "SMOVE a b", "SMOVE a b c d", "SPOP",
         "SRANDMEMBER", "SINTER", "SINTERSTORE d", "SUNION", "SUNIONSTORE d", "SDIFF",
         "SDIFFSTORE d", "SSCAN s", "SINTERCARD"),
]

ALL_CASES = BASIC_CASES + ENCODING_CASES + MOVE_CASES + INTER_CASES + UNION_DIFF_CASES \
    + RANDOM_CASES + SCAN_CASES + WRONGTYPE_CASES + ARITY_CASES


@pytest.mark.parametrize("steps, needs", ALL_CASES)
def test_sets(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_resp3_set_replies(differ):
    differ.run([
        ignore("HELLO 3"), "SADD s 3 1 2", "SMEMBERS s", "SINTER s nope", "SINTER s", "SUNION s",
        "SDIFF s nope", "SMEMBERS nope", "SPOP nope", "SPOP nope 3", "SPOP s 0",
        "SRANDMEMBER nope", "SRANDMEMBER nope 3", "SRANDMEMBER s 10", "SMISMEMBER s 1 7",
        "SSCAN s 0", "SSCAN nope 0", "SINTERCARD 1 s", picks("SPOP s 1"), picks("SPOP s 5"),
        "SADD h a", "SPOP h", "SADD h a b c d e f g", picks("SPOP h 2"), picks("SRANDMEMBER h -3"),
        "SMEMBERS nope",
    ])


def test_stats_and_dirty_counters(differ):
    """Writes count in rdb_changes_since_last_save and reads in keyspace_hits/misses as in Redis."""
    steps = [
        "SADD s 1 2 3", "SADD s 3", "SADD s a b", "SREM s nope", "SREM s 1 a", "SMOVE s t 2",
        "SMOVE s t 2", "SMOVE s s b", "SISMEMBER s 3", "SISMEMBER nope 3", "SCARD s",
        "SMEMBERS s", "SINTER s t", "SINTER s nope", "SUNION s t nope", "SDIFF s t",
        "SINTERSTORE r s t", "SUNIONSTORE r s t", "SDIFFSTORE r s t", "SDIFFSTORE r s s",
        "SADD p 1 2 3 4 5 6 7 8 9 10", "SPOP p 2", "SPOP p 7", "SPOP p 5", "SPOP p", "SPOP nope",
        "SRANDMEMBER s", "SRANDMEMBER s 3", "SMISMEMBER s 3 4", "SINTERCARD 2 s t",
        "SSCAN s 0", "SSCAN nope 0",
    ]

    def counters(conn):
        text = parse_reply(conn.command("INFO"))[1].decode()
        out = {}
        for line in text.splitlines():
            name, _, value = line.partition(":")
            if name in ("rdb_changes_since_last_save", "keyspace_hits", "keyspace_misses"):
                out[name] = int(value)
        return out

    before = counters(differ.conn_a), counters(differ.conn_b)
    differ.run([ignore(s) for s in steps])
    after = counters(differ.conn_a), counters(differ.conn_b)
    deltas = [{k: after[i][k] - before[i][k] for k in after[i]} for i in (0, 1)]
    assert deltas[0] == deltas[1]


def test_intset_model(differ):
    """A long random history of writes on intsets of every width: replies,
    members and encodings match after every step."""
    import random
    rng = random.Random(1234)
    steps = []
    pools = [lambda: rng.randint(-200, 200), lambda: rng.randint(-70000, 70000),
             lambda: rng.randint(-2**40, 2**40), lambda: rng.choice([BIG, SMALL, 0, -1])]
    for _ in range(400):
        key = rng.choice("abc")
        op = rng.random()
        vals = [str(rng.choice(pools)()) for _ in range(rng.randint(1, 4))]
        if op < 0.5:
            steps.append(["SADD", key, *vals])
        elif op < 0.75:
            steps.append(["SREM", key, *vals])
        elif op < 0.85:
            steps.append(["SMOVE", key, rng.choice("abc"), vals[0]])
        elif op < 0.9:
            steps.append(["SINTERSTORE", "r", key, rng.choice("abc")])
            steps.append(["SMEMBERS", "r"])
        elif op < 0.95:
            steps.append(["SDIFFSTORE", "r", key, rng.choice("abc")])
            steps.append(["SMEMBERS", "r"])
        else:
            steps.append(["SUNION", key, rng.choice("abc")])
        steps.append(["SMEMBERS", key])
        steps.append(["OBJECT", "ENCODING", key])
    differ.run(steps)


def test_hashtable_model(differ):
    """Random writes mixing strings and integers: the same members and encodings."""
    import random
    rng = random.Random(99)
    steps = []
    for _ in range(300):
        key = rng.choice("xyz")
        vals = [rng.choice([str(rng.randint(0, 50)), f"m{rng.randint(0, 50)}"])
                for _ in range(rng.randint(1, 5))]
        r = rng.random()
        if r < 0.55:
            steps.append(["SADD", key, *vals])
        elif r < 0.8:
            steps.append(["SREM", key, *vals])
        elif r < 0.9:
            steps.append(["SMOVE", key, rng.choice("xyz"), vals[0]])
        else:
            steps.append(unordered(["SDIFF", key, rng.choice("xyz"), rng.choice("xyz")]))
            steps.append(unordered(["SINTER", key, rng.choice("xyz")]))
            steps.append(unordered(["SUNION", key, rng.choice("xyz")]))
        steps.append(unordered(["SMEMBERS", key]))
        steps.append(["SCARD", key])
        steps.append(["OBJECT", "ENCODING", key])
    differ.run(steps)


def test_config_set_max_intset_entries(server_pair):
    """Conversions follow set-max-intset-entries, including 0 (never an intset)."""
    from support import Differ
    a, b = server_pair("--set-max-intset-entries", "4")
    d = Differ(a, b, db=0)
    try:
        d.run([
            "SADD s 1 2 3 4", "OBJECT ENCODING s", "SADD s 5", "OBJECT ENCODING s",
            "SADD t 1 2 3 4 5", "OBJECT ENCODING t", "CONFIG SET set-max-intset-entries 0",
            "SADD u 1", "OBJECT ENCODING u", unordered("SMEMBERS u"), "SADD v a", "OBJECT ENCODING v",
            "SADD w 1 2", "SUNIONSTORE r w", "OBJECT ENCODING r", "CONFIG SET set-max-intset-entries 2",
            "SADD p 1 2", "OBJECT ENCODING p", "SMOVE w p 1", "SPOP p 0", "OBJECT ENCODING p",
            "SADD q 9 8 7", "OBJECT ENCODING q", "SDIFFSTORE r2 s p", "OBJECT ENCODING r2",
        ])
    finally:
        d.close()


def test_spop_srandmember_cover_all_members(rkvd):
    """Random picks reach every member (each strategy of SPOP/SRANDMEMBER)."""
    r = rkvd.client()
    for members in ([str(i) for i in range(50)], [f"m{i}" for i in range(50)]):
        r.delete("s")
        r.sadd("s", *members)
        want = set(m.encode() for m in members)
        for count in (-10, 5, 45):
            seen = set()
            for _ in range(1000):
                got = r.srandmember("s", count)
                assert len(got) == abs(count)
                if count > 0:
                    assert len(set(got)) == count
                seen.update(got)
                if seen == want:
                    break
            assert seen == want, count
        for count in (2, 18, 40):
            r.delete("p")
            r.sadd("p", *members)
            got = r.spop("p", count)
            assert len(set(got)) == count
            rest = r.smembers("p")
            assert rest | set(got) == want and not rest & set(got)


def test_long_hashtable_workload(rkvd):
    """A large set grows, shrinks and is scanned without losing members."""
    r = rkvd.client()
    members = [f"m:{i}" for i in range(20000)]
    for i in range(0, len(members), 1000):
        r.sadd("big", *members[i:i + 1000])
    assert r.scard("big") == 20000
    assert r.object("encoding", "big") == b"hashtable"
    # remove all but 500 (the table shrinks as it empties)
    doomed = members[500:]
    for i in range(0, len(doomed), 1000):
        r.srem("big", *doomed[i:i + 1000])
    assert r.scard("big") == 500
    assert set(r.sscan_iter("big")) == set(m.encode() for m in members[:500])
    popped = r.spop("big", 490)
    assert len(set(popped)) == 490 and r.scard("big") == 10
    assert len(r.srandmember("big", -20)) == 20


def test_set_value_api():
    """The value class's Python-facing API (used by sorted sets and DEBUG/MEMORY)."""
    from rkvd._core.server import SetValue, set_from_intset_blob, set_from_members
    s = set_from_members([b"3", b"1", b"2"])
    assert s.encoding_name() == b"intset"
    assert s.set_members() == [b"1", b"2", b"3"]
    assert len(s) == 3 and b"2" in s and b"4" not in s
    blob = s.intset_blob()
    assert blob[:8] == b"\x02\x00\x00\x00\x03\x00\x00\x00"
    t = set_from_intset_blob(blob)
    assert t.set_members() == [b"1", b"2", b"3"] and t.encoding_name() == b"intset"
    h = set_from_members([b"a", b"1"])
    assert h.encoding_name() == b"hashtable" and sorted(h.set_members()) == [b"1", b"a"]
    assert h.intset_blob() is None
    c = h.copy()
    assert c is not h and sorted(c) == [b"1", b"a"] and c.encoding_name() == b"hashtable"
    assert s.mem_usage() > 0 and h.memory_usage(5) > 0
    big = set_from_members([str(i).encode() for i in range(600)])
    assert big.encoding_name() == b"hashtable" and len(big) == 600
    assert SetValue().encoding_name() == b"intset" and len(SetValue()) == 0


def _htstats_head(reply):
    """Table sizes and element counts from DEBUG HTSTATS-KEY (slot usage depends on the hash)."""
    if not reply.startswith(b"$") and not reply.startswith(b"="):
        return reply
    lines = reply.split(b"\r\n", 1)[1].split(b"\n")
    return [ln for ln in lines if b"stats (" in ln or b"table size" in ln or b"number of elements" in ln]


def test_debug_htstats_key(differ):
    def same_head(a, b):
        return None if _htstats_head(a) == _htstats_head(b) else "table sizes differ"

    differ.run([
        "SADD i 1 2 3", "DEBUG HTSTATS-KEY i", "SADD h a b c", Check("DEBUG HTSTATS-KEY h", same_head),
        sadd("big", [f"m{i}" for i in range(1000)]), Check("DEBUG HTSTATS-KEY big", same_head),
        sadd("c", ints(0, 513)), Check("DEBUG HTSTATS-KEY c", same_head),
        "DEBUG HTSTATS-KEY nope",
    ])


def test_debug_digest(differ):
    differ.run([
        "SADD i 5 -3 100000 9223372036854775807", "SADD h a b 1 2", "SADD e x", "SREM e x",
        "DEBUG DIGEST-VALUE i h nope", "DEBUG DIGEST", "EXPIRE h 100", "DEBUG DIGEST-VALUE h",
        "DEBUG DIGEST", "SPOP i 4", "DEBUG DIGEST-VALUE i",
    ])
