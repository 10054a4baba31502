"""List commands, byte for byte against redis-server 7.0.15.

Every case runs on database 9 of both servers after FLUSHALL and every reply
must be identical. Beyond replies, the quicklist layout is compared too:
DEBUG OBJECT's ql_nodes / ql_avg_node / ql_uncompressed_size /
serializedlength and MEMORY USAGE only agree when nodes are filled, split,
merged and compressed exactly as redis-server does it, under every
list-max-listpack-size, list-compress-depth and packed threshold.

Blocking behaviour with several clients lives in test_list_blocking.py.
"""
import random

import pytest

from support import Sleep, case, ignore, masked

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

BIG = 9223372036854775807
SMALL = -9223372036854775808

# DEBUG OBJECT with the object address and LRU clock hidden
_DEBUG_OBJECT_MASK = rb"Value at:0x[0-9a-f]+|lru:\d+|lru_seconds_idle:\d+"


def dbg(key):
    return masked(f"DEBUG OBJECT {key}", _DEBUG_OBJECT_MASK)


def layout(key):
    """Steps that compare everything observable about a list's layout."""
    return [dbg(key), f"MEMORY USAGE {key}", f"MEMORY USAGE {key} SAMPLES 0",
            f"LLEN {key}", f"LRANGE {key} 0 -1", f"DEBUG DIGEST-VALUE {key}"]


def s(n, ch="x"):
    return ch * n


@pytest.fixture
def restore_list_config(rkvd, redis_ref):
    """Put the list settings back after a test that changes them."""
    yield
    for server in (rkvd, redis_ref):
        with server.raw() as conn:
            conn.command("CONFIG", "SET", "list-max-listpack-size", "-2")
            conn.command("CONFIG", "SET", "list-compress-depth", "0")
            conn.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


PUSH_CASES = [
    case("push-basic", "LPUSH l a", "RPUSH l b", "LPUSH l c d", "RPUSH l e f", "LRANGE l 0 -1",
         "LLEN l", "TYPE l", "OBJECT ENCODING l", *layout("l")),
    case("push-variadic", "RPUSH l 0 1 2 3", "LPUSH l a b c d", "LRANGE l 0 -1"),
    case("push-integers", "RPUSH l 0 -1 127 128 -128 4095 4096 -4097 32767 -32768 8388607 "
         f"2147483647 -2147483648 {BIG} {SMALL} 9223372036854775808 007 -0 +1 1.5 ' 1'",
         "LRANGE l 0 -1", *layout("l")),
    case("push-binary", ["RPUSH", "l", b"", b"\x00", b"\r\n", b"\xff" * 100], "LRANGE l 0 -1",
         "LLEN l", *layout("l")),
    case("pushx", "LPUSHX l a", "RPUSHX l a", "EXISTS l", "RPUSH l x", "LPUSHX l a b",
         "RPUSHX l c d", "LRANGE l 0 -1", "LPUSHX", "RPUSHX l"),
    case("push-arity", "LPUSH", "LPUSH l", "RPUSH l", "LPUSHX l", "RPUSHX"),
    case("push-large", f"RPUSH l {s(5000)} b {s(70000, 'y')}", f"LPUSH l {s(9000, 'z')}",
         "LLEN l", "LINDEX l 0", "LINDEX l -1", *layout("l")),
]

READ_CASES = [
    case("llen", "LLEN missing", "RPUSH l a b c", "LLEN l", "LLEN", "LLEN a b"),
    case("lindex", "RPUSH l a b c 1 2", "LINDEX l 0", "LINDEX l 4", "LINDEX l 5", "LINDEX l -1",
         "LINDEX l -5", "LINDEX l -6", f"LINDEX l {BIG}", f"LINDEX l {SMALL}", "LINDEX l abc",
         "LINDEX l 1.0", "LINDEX missing 0", "LINDEX missing abc", "LINDEX l", "LINDEX l 0 1"),
    case("lrange", "RPUSH l a b c d e f g", "LRANGE l 0 -1", "LRANGE l 1 -2", "LRANGE l -3 -1",
         "LRANGE l 4 4", "LRANGE l 6 2", "LRANGE l -1 -2", "LRANGE l -100 100", "LRANGE l 0 -8",
         "LRANGE l 0 -7", "LRANGE l 7 10", f"LRANGE l {SMALL} {BIG}", f"LRANGE l {BIG} {SMALL}",
         "LRANGE l a 1", "LRANGE l 0 b", "LRANGE missing 0 -1", "LRANGE missing a b", "LRANGE l 0"),
    case("lpos-basic", "RPUSH l a b c 1 2 3 c c", "LPOS l a", "LPOS l c", "LPOS l 3", "LPOS l x",
         "LPOS missing a", "LPOS missing a COUNT 0"),
    case("lpos-rank", "RPUSH l a b c 1 2 3 c c", "LPOS l c RANK 1", "LPOS l c RANK 2",
         "LPOS l c RANK 4", "LPOS l c RANK -1", "LPOS l c RANK -2", "LPOS l c RANK -3",
         "LPOS l c RANK -4", "LPOS l c RANK 0", f"LPOS l c RANK {BIG}", f"LPOS l c RANK {SMALL}",
         f"LPOS l c RANK {SMALL} COUNT 2", "LPOS l c RANK abc", "LPOS l c RANK 1.5"),
    case("lpos-count", "RPUSH l a b c 1 2 3 c c", "LPOS l c COUNT 0", "LPOS l c COUNT 1",
         "LPOS l c COUNT 2", "LPOS l c COUNT 100", "LPOS l c COUNT 0 RANK 2",
         "LPOS l c COUNT 2 RANK -1", "LPOS l x COUNT 2 RANK -1", "LPOS l c COUNT -1",
         "LPOS l c COUNT abc", "LPOS l c COUNT 1 COUNT 2"),
    case("lpos-maxlen", "RPUSH l a b c 1 2 3 c c", "LPOS l a COUNT 0 MAXLEN 1",
         "LPOS l c COUNT 0 MAXLEN 1", "LPOS l c COUNT 0 MAXLEN 3", "LPOS l c COUNT 0 MAXLEN 3 RANK -1",
         "LPOS l c COUNT 0 MAXLEN 7 RANK 2", "LPOS l c MAXLEN 2", "LPOS l c MAXLEN -1",
         "LPOS l c MAXLEN x"),
    case("lpos-errors", "RPUSH l a", "LPOS l a RANK", "LPOS l a COUNT", "LPOS l a MAXLEN",
         "LPOS l a FOO", "LPOS l a FOO 1", "LPOS l", "LPOS missing a RANK 0", "LPOS l b COUNT 10 RANK 5"),
    case("lpos-int-compare", "RPUSH l 1 01 10 1", "LPOS l 1 COUNT 0", "LPOS l 01 COUNT 0",
         "LPOS l 1.0 COUNT 0", "LPOS l 10"),
]

WRITE_CASES = [
    case("lset", "RPUSH l 99 98 x 96 95", "LSET l 1 foo", "LSET l -1 bar", "LRANGE l 0 -1",
         "LSET l 5 x", "LSET l -6 x", "LSET l abc x", "LSET missing 0 x", "LSET missing abc x",
         f"LSET l 0 {s(100)}", "LSET l 0 12345", "LRANGE l 0 -1", "LSET l 0", *layout("l")),
    case("linsert", "RPUSH l a b c d", "LINSERT l BEFORE c zz", "LINSERT l AFTER c yy",
         "LINSERT l after d dd", "LINSERT l before a aa", "LINSERT l AFTER bad x",
         "LINSERT l before aa 42", "LRANGE l 0 -1", "LINSERT missing BEFORE a b", "EXISTS missing",
         "LINSERT l middle a b", "LINSERT missing middle a b", "LINSERT l BEFORE a", *layout("l")),
    case("linsert-int-pivot", "RPUSH l 1 2 3 10", "LINSERT l AFTER 10 x", "LINSERT l BEFORE 01 y",
         "LINSERT l BEFORE 2 y", "LRANGE l 0 -1"),
    case("lrem", "RPUSH l e foo bar foobar foobared zap bar test foo", "LREM l 0 bar",
         "LRANGE l 0 -1", "LREM l 1 foo", "LREM l 1 nosuch", "LREM l -1 foo", "LRANGE l 0 -1",
         "LREM l 0 e", "LREM l 0 foobar", "LREM l 0 foobared", "LREM l 0 zap", "LREM l 0 test",
         "EXISTS l", "LREM missing 0 a", "LREM l abc a", "LREM missing abc a", "LREM l 0"),
    case("lrem-negative", "RPUSH l a b a c a d a", "LREM l -2 a", "LRANGE l 0 -1", "LREM l 2 a",
         "LRANGE l 0 -1", f"LREM l {SMALL} d", "LRANGE l 0 -1"),
    case("lrem-int", "RPUSH l 1 2 3 2 02", "LREM l 0 2", "LRANGE l 0 -1"),
    case("ltrim", "RPUSH l 1 2 3 4 5", "LTRIM l 1 -2", "LRANGE l 0 -1", "LTRIM l 0 0",
         "LRANGE l 0 -1", "LTRIM l 5 10", "EXISTS l", "LTRIM missing 0 1", "LTRIM l a 1",
         "LTRIM missing a 1", "RPUSH l 1 2 3", "LTRIM l -10 10", "LRANGE l 0 -1", "LTRIM l 0 -4",
         "EXISTS l", "RPUSH l 1 2 3", f"LTRIM l {SMALL} {BIG}", "LRANGE l 0 -1", "LTRIM l 2 1",
         "EXISTS l", "LTRIM l 0"),
]

POP_CASES = [
    case("pop", "RPUSH l a b c d e", "LPOP l", "RPOP l", "LRANGE l 0 -1", "LPOP l", "RPOP l",
         "LPOP l", "EXISTS l", "LPOP l", "RPOP l", "LPOP", "RPOP"),
    case("pop-count", "RPUSH l a b c d e f g", "LPOP l 1", "LPOP l 2", "RPOP l 2", "RPOP l 1",
         "RPOP l 123", "EXISTS l", "LPOP l 0", "LPOP l 1", "RPOP l 5", "RPUSH l z", "LPOP l 0",
         "RPOP l 0", "LLEN l", "LPOP l -1", "LPOP l abc", "RPOP l 1.5", f"LPOP l {BIG}",
         "LPOP l 1 2", "RPOP l 1 2 3", "EXISTS l"),
    case("pop-ints", "RPUSH l 1 -2 300000 " + str(BIG), "LPOP l", "RPOP l", "LPOP l 5"),
    case("lmpop", "RPUSH a 1 2 3", "RPUSH b x y z", "LMPOP 2 a b LEFT", "LMPOP 2 a b RIGHT COUNT 2",
         "LMPOP 2 a b left count 10", "LMPOP 2 a b RIGHT count 1", "LMPOP 1 b left COUNT 5",
         "LMPOP 2 a b LEFT", "EXISTS a b", "RPUSH a 1", "LMPOP 2 a a LEFT COUNT 3"),
    case("lmpop-errors", "LMPOP", "LMPOP 1", "LMPOP 1 l", "LMPOP 0 l LEFT", "LMPOP a l LEFT",
         "LMPOP -1 l RIGHT", "LMPOP 1 l bad", "LMPOP 1 l LEFT bar", "LMPOP 1 l RIGHT LEFT",
         "LMPOP 1 l COUNT", "LMPOP 1 l LEFT COUNT 1 COUNT 2", "LMPOP 2 l l2 bad",
         "LMPOP 1 l LEFT COUNT 0", "LMPOP 1 l RIGHT COUNT a", "LMPOP 1 l LEFT COUNT -1",
         "LMPOP 2 l m RIGHT COUNT -1", f"LMPOP {BIG} l LEFT", "LMPOP 3 l LEFT",
         "LMPOP 1 l LEFT COUNT"),
]

MOVE_CASES = [
    case("rpoplpush", "RPUSH s a b c d", "RPOPLPUSH s d", "RPOPLPUSH s d", "LRANGE s 0 -1",
         "LRANGE d 0 -1", "RPOPLPUSH missing d", "EXISTS missing", "RPOPLPUSH s s",
         "LRANGE s 0 -1", "RPOPLPUSH s", *layout("d")),
    case("lmove", "RPUSH s a b c d", "LMOVE s d LEFT LEFT", "LMOVE s d LEFT RIGHT",
         "LMOVE s d RIGHT LEFT", "LMOVE s d right right", "EXISTS s", "LRANGE d 0 -1",
         "LMOVE d d LEFT RIGHT", "LRANGE d 0 -1", "LMOVE d d RIGHT LEFT", "LRANGE d 0 -1",
         "LMOVE missing d LEFT LEFT", "LMOVE s d UP LEFT", "LMOVE s d LEFT DOWN",
         "LMOVE missing d UP LEFT", "LMOVE s d LEFT"),
    case("lmove-single", "RPUSH s only", "LMOVE s s LEFT RIGHT", "LRANGE s 0 -1",
         "RPOPLPUSH s s", "LRANGE s 0 -1", "LMOVE s t RIGHT LEFT", "EXISTS s", "LRANGE t 0 -1"),
    case("lmove-ints", "RPUSH s 1 22 -333 " + str(BIG), "LMOVE s d LEFT LEFT",
         "LMOVE s d RIGHT RIGHT", "LRANGE d 0 -1", "LRANGE s 0 -1"),
    case("lmove-large", f"RPUSH s a {s(10000)} c", "LMOVE s d LEFT LEFT", "LMOVE s d LEFT LEFT",
         "LRANGE d 0 0", *layout("d")),
]

BLOCKING_NOW_CASES = [
    # blocking commands that find data (or time out quickly): same replies
    case("blpop-data", "RPUSH l a b c", "BLPOP l 0", "BRPOP l 0", "BLPOP missing l 0",
         "BRPOP missing l 1", "EXISTS l", "BLPOP l 0.01", "BRPOP l 0.01"),
    case("blmpop-data", "RPUSH a 1 2 3", "RPUSH b x y", "BLMPOP 0 2 a b LEFT",
         "BLMPOP 0 2 a b RIGHT COUNT 5", "BLMPOP 0 2 a b left count 1", "BLMPOP 0.01 2 a b LEFT",
         "EXISTS a b"),
    case("blmove-data", "RPUSH s a b c", "BLMOVE s d LEFT RIGHT 0", "BRPOPLPUSH s d 0",
         "BLMOVE s s RIGHT LEFT 0", "LRANGE s 0 -1", "LRANGE d 0 -1", "BLMOVE missing d LEFT LEFT 0.01",
         "BRPOPLPUSH missing d 0.01"),
    case("blocking-errors", "BLPOP l -1", "BLPOP l abc", "BLPOP l 1e1000", "BLPOP l ''",
         "BRPOP l -0.5", "BLMPOP -1 1 l LEFT", "BLMPOP abc 1 l LEFT", "BLMPOP 0 0 l LEFT",
         "BLMPOP 0 1 l UP", "BLMPOP 0 1 l LEFT COUNT 0", "BLMPOP 0 2 l LEFT", "BLMOVE s d UP LEFT 0",
         "BLMOVE s d LEFT LEFT -1", "BLMOVE s d LEFT LEFT x", "BRPOPLPUSH s d -1",
         "BRPOPLPUSH s d abc", "BLPOP l", "BLMPOP 0 1", "BLMOVE s d LEFT LEFT", "BRPOPLPUSH s d"),
    case("blocking-timeout-formats", "BLPOP l 0.001", "BLPOP l .001", "BRPOP l 1e-3",
         "BLMPOP 0.001 1 l RIGHT", "BRPOPLPUSH a b 0.001"),
]

WRONGTYPE_CASES = [
    case("wrongtype", "SET s v", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a",
         "LINSERT s BEFORE a b", "LLEN s", "LINDEX s 0", "LINDEX s abc", "LRANGE s 0 -1", "LPOS s a",
         "LPOS s a COUNT 0", "LSET s 0 a", "LSET s abc a", "LTRIM s 0 1", "LREM s 0 a", "LPOP s",
         "LPOP s 2", "LPOP s 0", "RPOP s", "LMPOP 1 s LEFT", "LMPOP 2 missing s LEFT",
         "RPUSH l x", "LMPOP 2 l s LEFT", "LMOVE s l LEFT LEFT", "LMOVE l s LEFT LEFT",
         "LRANGE l 0 -1", "RPOPLPUSH s l", "RPOPLPUSH l s", "RPOPLPUSH missing s",
         "LMOVE missing s LEFT LEFT", "BLPOP s 0", "BLPOP missing s 0", "BRPOP s 0",
         "BLMPOP 0 1 s LEFT", "BLMPOP 0 2 missing s RIGHT", "BLMOVE s l LEFT LEFT 0",
         "BLMOVE l s LEFT LEFT 0.01", "BRPOPLPUSH s l 0", "GET s", "LRANGE l 0 -1"),
    case("wrongtype-from-list", "RPUSH l a", "GET l", "INCR l", "APPEND l x", "STRLEN l",
         "SETRANGE l 0 x", "GETRANGE l 0 1", "TYPE l"),
]

KEYSPACE_CASES = [
    case("copy-rename-move", "RPUSH l a b c", "COPY l l2", "LRANGE l2 0 -1", "RPUSH l2 d",
         "LRANGE l 0 -1", "RENAME l2 l3", "LRANGE l3 0 -1", "MOVE l3 3", "EXISTS l3", "SELECT 3",
         "LRANGE l3 0 -1", "OBJECT ENCODING l3", "SELECT 9", "COPY l l REPLACE", *layout("l")),
    case("expire-list", "RPUSH l a", "PEXPIRE l 30", Sleep(0.1), "LLEN l", "LPUSH l b", "TTL l",
         "LRANGE l 0 -1"),
    case("digest", "RPUSH l a 1 bb 22", "DEBUG DIGEST-VALUE l", "RPUSH m 1 2 3", "DEBUG DIGEST-VALUE m l"),
]

ALL_CASES = (PUSH_CASES + READ_CASES + WRITE_CASES + POP_CASES + MOVE_CASES + BLOCKING_NOW_CASES
             + WRONGTYPE_CASES + KEYSPACE_CASES)


@pytest.mark.parametrize("steps, needs", ALL_CASES)
def test_list(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_resp3_list_replies(differ):
    differ.run([
        ignore("HELLO 3"), "LPOP missing", "RPOP missing", "LPOP missing 0", "LPOP missing 1",
        "RPOP missing 3", "LINDEX missing 0", "LPOS missing a", "LPOS missing a COUNT 0",
        "RPUSH l a b c", "LPOS l x", "LPOS l x COUNT 0", "LPOP l 0", "LPOP l 2", "LINDEX l 5",
        "LMPOP 1 missing LEFT", "LMPOP 1 l LEFT", "BLPOP missing 0.01", "BLMPOP 0.01 1 missing LEFT",
        "BLMOVE missing d LEFT LEFT 0.01", "BRPOPLPUSH missing d 0.01", "RPOPLPUSH missing d",
        "LMOVE missing d LEFT LEFT", "LRANGE missing 0 -1",
    ])


# ---------------------------------------------------------------- layouts

FILLS = [-1, -2, -3, -4, -5, 1, 2, 3, 5, 16, 128]
DEPTHS = [0, 1, 2, 3]


def _sized_values(rng, n):
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.3:
            out.append(str(rng.randint(-100000, 100000)))
        elif kind < 0.6:
            out.append(s(rng.randint(0, 20), rng.choice("abc")))
        elif kind < 0.85:
            out.append(s(rng.randint(40, 600), rng.choice("def")))
        else:
            out.append("".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(1000, 5000))))
    return out


@pytest.mark.parametrize("fill", FILLS)
def test_layout_push_pop(differ, restore_list_config, fill):
    """Pushes and pops under every fill: nodes open, fill and go exactly like Redis's."""
    rng = random.Random(fill)
    steps = [f"CONFIG SET list-max-listpack-size {fill}", "CONFIG SET list-compress-depth 1"]
    for i in range(12):
        vals = _sized_values(rng, rng.randint(1, 40))
        steps.append(["RPUSH" if i % 2 else "LPUSH", "l", *vals])
        if i % 3 == 2:
            steps.append(f"{rng.choice(['LPOP', 'RPOP'])} l {rng.randint(1, 30)}")
        steps.append(dbg("l"))
    steps += layout("l")
    differ.run(steps)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("fill", [-2, 2, 5])
def test_layout_random_edits(differ, restore_list_config, fill, depth):
    """Random LINSERT/LSET/LREM/LTRIM/LPOS on compressed lists, layout checked after each."""
    rng = random.Random(fill * 10 + depth)
    steps = [f"CONFIG SET list-max-listpack-size {fill}", f"CONFIG SET list-compress-depth {depth}",
             ["RPUSH", "l", *_sized_values(rng, 60)]]
    for _ in range(120):
        op = rng.randrange(9)
        v = _sized_values(rng, 1)[0]
        if op == 0:
            steps.append(["LINSERT", "l", rng.choice(["BEFORE", "AFTER"]), str(rng.randint(-100000, 100000)), v])
        elif op == 1:
            steps.append(["LSET", "l", str(rng.randint(-70, 70)), v])
        elif op == 2:
            steps.append(["LREM", "l", str(rng.randint(-2, 2)), v])
        elif op == 3:
            steps.append(f"LTRIM l {rng.randint(0, 3)} {rng.randint(-3, -1)}")
        elif op == 4:
            steps.append(["RPUSH" if rng.random() < 0.5 else "LPUSH", "l", *_sized_values(rng, rng.randint(1, 6))])
        elif op == 5:
            steps.append(f"LINDEX l {rng.randint(-80, 80)}")
        elif op == 6:
            steps.append(f"LRANGE l {rng.randint(-80, 80)} {rng.randint(-80, 80)}")
        elif op == 7:
            steps.append(f"LMOVE l l {rng.choice(['LEFT', 'RIGHT'])} {rng.choice(['LEFT', 'RIGHT'])}")
        else:
            steps.append(["LPOS", "l", v, "RANK", str(rng.choice([1, 2, -1])), "COUNT", "0"])
        steps.append(dbg("l"))
    steps += layout("l")
    differ.run(steps)


def test_layout_linsert_split_and_merge(differ, restore_list_config):
    """LINSERT into full nodes: split in the middle, then neighbours merge back."""
    steps = ["CONFIG SET list-max-listpack-size 4", "CONFIG SET list-compress-depth 1"]
    steps.append("RPUSH l " + " ".join(str(i) for i in range(40)))
    for i in range(0, 40, 3):
        steps += [f"LINSERT l AFTER {i} a{i}", dbg("l"), f"LINSERT l BEFORE {i} b{i}", dbg("l")]
    for i in range(0, 40, 2):
        steps += [f"LREM l 0 {i}", dbg("l")]
    steps += layout("l")
    differ.run(steps)


def test_plain_nodes(differ, restore_list_config):
    """Elements at or above the packed threshold get plain nodes (Redis's own cases)."""
    a, b, c, d = s(500, "a"), s(500, "b"), s(500, "c"), s(500, "d")
    steps = [
        "DEBUG QUICKLIST-PACKED-THRESHOLD 1b",
        "LPUSH lst 9", "LPUSH lst xxxxxxxxxx", "LPUSH lst xxxxxxxxxx", *layout("lst"),
        "RPOP lst", "RPOP lst", "LLEN lst", "LPOP lst",
        "LPUSH lst xxxxxxxxxxx", "LPUSH lst 9", "LPUSH lst xxxxxxxxxxx", "LINSERT lst before 9 8",
        "LINDEX lst 1", "LINSERT lst BEFORE 9 7", "LINSERT lst BEFORE 9 xxxxxxxxxxx", "LINDEX lst 3",
        *layout("lst"), "DEL lst",
        "RPUSH lst aa bb cc", "LSET lst 0 xxxxxxxxxxx", "LPOS lst xxxxxxxxxxx", *layout("lst"),
        "LREM lst -2 bb", "LTRIM lst 1 -1", *layout("lst"), "DEL lst",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 5b",
        "RPUSH lst aa bb cc dd ee", "LSET lst 2 eeeeeeeeee", *layout("lst"), "LPOP lst 5",
        "RPUSH lst aa bb", f"LSET lst 0 {s(50001, 'd')}", "LPOP lst", f"RPUSH lst {s(50001, 'f')}",
        f"LSET lst 0 {s(50001, 'e')}", *layout("lst"), "LPOP lst", f"RPUSH lst {s(501, 'm')}",
        "LSET lst 0 bb", *layout("lst"), "DEL lst",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 100b", "CONFIG SET list-compress-depth 1",
        f"RPUSH lst {s(100)}", f"RPUSH lst {s(32)}", f"RPUSH lst {s(32)}", f"LSET lst -1 {s(100)}",
        "LRANGE lst 0 -1", *layout("lst"), "DEL lst",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 10b", "CONFIG SET list-compress-depth 0",
        "LPUSH lst aa", "LPUSH lst bb", f"LSET lst -2 {s(10)}", "RPOP lst", "LRANGE lst 0 -1",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 1b", "CONFIG SET list-compress-depth 2",
        "CONFIG SET list-max-listpack-size 1",
        f"LPUSH l4 {a}", f"LPUSH l4 {b}", f"LPUSH l4 {c}", f"LPUSH l4 {d}",
        f"LINSERT l4 after {d} {s(500, 'e')}", f"LINSERT l4 after {d} {s(500, 'f')}",
        *layout("l4"), "LPOP l4 8",
        "DEBUG QUICKLIST-PACKED-THRESHOLD 4294967296", "DEBUG QUICKLIST-PACKED-THRESHOLD -1",
        "DEBUG QUICKLIST-PACKED-THRESHOLD abc",
    ]
    differ.run(steps)


def test_compression_regressions(differ, restore_list_config):
    """Redis's list-3 regressions for recompression after LSET/LREM/LINSERT."""
    steps = [
        "CONFIG SET list-compress-depth 1", "CONFIG SET list-max-listpack-size 16",
        "RPUSH key a", f"RPUSH key {s(50000, 'b')}", "RPUSH key c", "LSET key 1 d", "RPOP key",
        f"RPUSH key {s(5000, 'e')}", "LINSERT key before f 1", "RPUSH key g", *layout("key"), "DEL key",
        "CONFIG SET list-compress-depth 2",
        "LPUSH key a", f"LPUSH key {s(5000, 'a')}", f"LPUSH key {s(5000, 'b')}", f"LPUSH key {s(5000, 'c')}",
        f"RPUSH key {s(10000)}969", "RPUSH key b", "LREM key 1 a", "RPOP key", f"LREM key 1 {s(10000)}969",
        "RPUSH key crash", *layout("key"), "DEL key",
        "CONFIG SET list-compress-depth 1",
        "RPUSH key b", "RPUSH key c", f"LSET key -1 {s(8192)}969", "LPUSH key a", "RPUSH key d",
        "LINSERT key before b f", "RPOP key", *layout("key"), "DEL key",
        "RPUSH key b", "RPUSH key c", f"LSET key 0 {s(8192)}969", "LPUSH key a", "RPUSH key d",
        "LINSERT key after c f", "LPOP key", *layout("key"),
    ]
    differ.run(steps)


@pytest.mark.parametrize("seed", range(8))
def test_random_commands(differ, restore_list_config, seed):
    """Random command streams (list-3's #3343 stress shape) on random settings."""
    rng = random.Random(1000 + seed)
    steps = [f"CONFIG SET list-max-listpack-size {rng.choice(FILLS)}",
             f"CONFIG SET list-compress-depth {rng.choice(DEPTHS)}"]
    for _ in range(250):
        op = rng.randrange(8)
        ele = str(rng.randrange(1000)) if rng.random() < 0.5 else s(rng.randrange(3000)) + str(rng.randrange(1000))
        cnt = 5 - rng.randrange(10)
        if op == 0:
            steps.append(["LPUSH", "key", ele])
        elif op == 1:
            steps.append(["RPUSH", "key", ele])
        elif op == 2:
            steps.append("LPOP key")
        elif op == 3:
            steps.append("RPOP key")
        elif op == 4:
            steps.append(["LSET", "key", str(cnt), ele])
        elif op == 5:
            steps.append(["LINSERT", "key", rng.choice(["BEFORE", "AFTER"]), str(rng.randrange(1000)), ele])
        elif op == 6:
            steps.append(["LREM", "key", "1", str(rng.randrange(1000))])
        else:
            steps.append(f"LRANGE key {cnt} {-cnt}")
        if rng.random() < 0.2:
            steps.append(dbg("key"))
    steps += layout("key")
    differ.run(steps)


def test_config_aliases(differ, restore_list_config):
    differ.run([
        "CONFIG SET list-max-ziplist-size 3", "CONFIG GET list-max-listpack-size",
        "CONFIG GET list-max-ziplist-size", "RPUSH l 1 2 3 4 5 6 7", dbg("l"),
        "CONFIG SET list-max-listpack-size -7", "CONFIG GET list-max-listpack-size", "RPUSH m a", dbg("m"),
        "CONFIG SET list-max-listpack-size 100000", "RPUSH n a", dbg("n"),
        "CONFIG SET list-compress-depth 70000", "RPUSH o a", dbg("o"),
        "CONFIG SET list-compress-depth -1", "CONFIG GET list-compress-depth",
        "CONFIG SET list-max-listpack-size -2", "CONFIG SET list-compress-depth 0",
    ])
