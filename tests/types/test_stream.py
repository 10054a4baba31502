"""Stream commands (rkvd/_core/types/t_stream.pyx), byte for byte against
redis-server 7.0.15.

Every case runs on database 9 of both servers after FLUSHALL. Replies that
carry clocks (XPENDING's idle times, XINFO's seen-time and delivery times,
XINFO CONSUMERS' idle) are compared with those integers allowed to differ by
a few hundred milliseconds, everything else exactly. Tests that lower
stream-node-max-entries / -bytes (to get many radix tree nodes out of few
entries) put the defaults back afterwards.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import DIFFERENTIAL, Check, Sleep, case, parse_reply, shape

pytestmark = [pytest.mark.timeout(180), pytest.mark.needs_redis]

DEFAULTS = ("CONFIG", "SET", "stream-node-max-entries", "100", "stream-node-max-bytes", "4096")
MAX = "18446744073709551615"
TIME_KEYS = {b"idle", b"seen-time"}
TOLERANCE = 300                     # ms


@pytest.fixture
def sdiffer(differ):
    """The differ, with the node limits reset to Redis's defaults after the test."""
    yield differ
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            assert conn.command(*DEFAULTS) == b"+OK\r\n"


# --------------------------------------------------------------------------- clocks

def _walk(a, b, is_time):
    """Reason why parsed replies a and b differ, integers is_time(...) says are
    clocks allowed to be TOLERANCE apart; None when they match."""
    if a[0] != b[0]:
        return f"types differ: {a[0]} vs {b[0]}"
    if a[0] in "*%" and a[1] is not None and b[1] is not None:
        if len(a[1]) != len(b[1]):
            return "sizes differ"
        if a[0] == "%":
            for (ka, va), (kb, vb) in zip(a[1], b[1]):
                if ka != kb:
                    return f"keys differ: {ka!r} vs {kb!r}"
                if ka[1] in TIME_KEYS and va[0] == vb[0] == ":":
                    if abs(va[1] - vb[1]) > TOLERANCE:
                        return f"{ka[1]!r} times too far apart"
                    continue
                reason = _walk(va, vb, is_time)
                if reason:
                    return reason
            return None
        prev = None
        for i, (x, y) in enumerate(zip(a[1], b[1])):
            if x[0] == y[0] == ":" and ((prev is not None and prev[0] in "$+" and prev[1] in TIME_KEYS)
                                        or is_time(a[1], i) or min(x[1], y[1]) >= 10 ** 12):
                if abs(x[1] - y[1]) > TOLERANCE:
                    return f"times too far apart: {x[1]} vs {y[1]}"
            else:
                reason = _walk(x, y, is_time)
                if reason:
                    return reason
            prev = x
        return None
    return None if a == b else f"{a!r} vs {b!r}"


def _pending_idle(items, i):
    # an entry of XPENDING's extended form: ID, consumer, idle, deliveries
    return i == 2 and len(items) == 4 and items[0][0] == "$" and b"-" in (items[0][1] or b"")


def timed(command):
    """A reply holding clocks: equal but for them (see the module docstring)."""
    def compare(a, b):
        if a == b:
            return None
        try:
            return _walk(parse_reply(a), parse_reply(b), _pending_idle)
        except Exception:
            return "unparsable reply"
    return Check(command, compare)


def state(key="s", groups=("g",)):
    """Steps that show everything about a stream."""
    steps = [f"XLEN {key}", f"XRANGE {key} - +", f"XREVRANGE {key} + -", timed(f"XINFO STREAM {key}"),
             timed(f"XINFO STREAM {key} FULL"), f"XINFO GROUPS {key}"]
    for g in groups:
        steps += [f"XPENDING {key} {g}", timed(f"XPENDING {key} {g} - + 100"),
                  timed(f"XINFO CONSUMERS {key} {g}")]
    return steps


# --------------------------------------------------------------------------- cases

XADD_CASES = [
    case("xadd-ids", "XADD s 1-1 a 1 b 2", "XADD s 1-2 a 3 b 4", "XADD s 1-* a 5", "XADD s 2 c 1",
         "XADD s 1-1 a 1", "XADD s 2-0 a 1", "XADD s 0-0 a 1", "XADD s 0-* a 1", "XADD s 2-* a 1",
         "XRANGE s - +", "XLEN s"),
    case("xadd-auto", shape("XADD s * a 1"), shape("XADD s * a 1"), "XLEN s", "XADD s 99999999999999-0 a 1",
         "XADD s * a 2", "XADD s * a 3", "XRANGE s 99999999999999 +"),
    case("xadd-first-zero", "XADD s 0-1 a 1", "XADD e 0-* a 1", "XRANGE s - +", "XRANGE e - +"),
    case("xadd-max-id", f"XADD s {MAX}-{MAX} a 1", "XADD s * a 1", f"XADD s {MAX}-* a 1",
         f"XADD t {MAX}-* a 1", "XADD t * a 1", f"XADD u {MAX}-{MAX} a 1", f"XADD u {MAX}-0 a 1",
         "XINFO STREAM s"),
    case("xadd-bad-ids", "XADD s abc a 1", "XADD s 1-abc a 1", "XADD s -1 a 1", "XADD s 1- a 1",
         "XADD s 18446744073709551616 a 1", "XADD s - a 1", "XADD s + a 1", "XADD s 1-** a 1",
         "XADD s *-1 a 1", "XADD s '' a 1", "XADD s 1-1-1 a 1", "EXISTS s"),
    case("xadd-arity", "XADD s * a", "XADD s *", "XADD s", "XADD", "XADD s * a 1 b",
         "XADD s NOMKSTREAM", "XADD s MAXLEN 1", "XADD s MAXLEN", "EXISTS s"),
    case("xadd-nomkstream", "XADD s NOMKSTREAM * a 1", "EXISTS s", "XADD s 1-0 a 1",
         "XADD s NOMKSTREAM 2-0 a 2", "XADD s nomkstream 3-0 a 3", "XLEN s"),
    case("xadd-fields", "XADD s 1-0 a 1 b 2", "XADD s 2-0 a 3 b 4", "XADD s 3-0 b 1 a 2",
         "XADD s 4-0 a 1", "XADD s 5-0 a 1 b 2 c 3", "XADD s 6-0 a 1 a 2", "XADD s 7-0 '' ''",
         "XADD s 8-0 1 2 -3 4.5 12345678901234567890 -9223372036854775808",
         "XRANGE s - +", "XREVRANGE s + -"),
    case("xadd-binary", ["XADD", b"k\x00", "1-0", b"f\x00\r\n", b"v\xff"], ["XRANGE", b"k\x00", "-", "+"]),
    case("xadd-maxlen", "XADD s MAXLEN 2 1-0 a 1", "XADD s MAXLEN 2 2-0 a 2", "XADD s MAXLEN 2 3-0 a 3",
         "XADD s MAXLEN = 1 4-0 a 4", "XRANGE s - +", "XADD s MAXLEN 0 5-0 a 5", "XLEN s",
         "XINFO STREAM s", "XADD s MAXLEN -1 6-0 a 1", "XADD s MAXLEN abc 6-0 a 1",
         "XADD s MAXLEN ~ 0 LIMIT -1 6-0 a 1", "XADD s MAXLEN 1 LIMIT 10 6-0 a 1",
         "XADD s LIMIT 10 6-0 a 1", "XADD s MAXLEN 1 MINID 1 6-0 a 1"),
    case("xadd-minid", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s MINID 2 3-0 a 3", "XRANGE s - +",
         "XADD s MINID = 4 4-0 a 4", "XRANGE s - +", "XADD s MINID abc 5-0 a 1", "XADD s MINID - 5-0 a 1",
         "XADD s MINID 10 5-0 a 5", "XLEN s", "XINFO STREAM s"),
    case("wrongtype", "SET str x", "XADD str * a b", "XRANGE str - +", "XREVRANGE str + -", "XLEN str",
         "XDEL str 1-0", "XTRIM str MAXLEN 0", "XREAD STREAMS str 0", "XGROUP CREATE str g 0",
         "XINFO STREAM str", "XINFO GROUPS str", "XACK str g 1-0", "XPENDING str g",
         "XCLAIM str g c 0 1-0", "XAUTOCLAIM str g c 0 0", "XSETID str 1-0",
         "XREADGROUP GROUP g c STREAMS str >", "XGROUP CREATECONSUMER str g c", "GET str"),
    case("type-encoding-scan", "XADD s 1-0 a 1", "SET str x", "TYPE s", "OBJECT ENCODING s",
         "SCAN 0 TYPE stream", "SCAN 0 TYPE STREAM", "XADD s2 1-0 a 1", "DEL s2", "SCAN 0 TYPE stream",
         "EXISTS s", "COPY s s3", "XRANGE s3 - +", "RENAME s3 s4", "TYPE s4"),
    case("expire", "XADD s 1-0 a 1", "PEXPIRE s 50", Sleep(0.2), "XLEN s", "EXISTS s"),
]

RANGE_CASES = [
    case("xrange", "XADD s 1-0 a 1", "XADD s 1-5 a 2", "XADD s 2-0 a 3", "XADD s 3-7 a 4",
         "XRANGE s - +", "XRANGE s 1 1", "XRANGE s 1-0 1-4", "XRANGE s 1-1 3", "XRANGE s 3 1",
         "XRANGE s (1-0 +", "XRANGE s - (3-7", "XRANGE s (1-0 (3-7", "XRANGE s (1 (2",
         "XRANGE s - + COUNT 2", "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -5", "XRANGE s - + count 1",
         "XRANGE s - + COUNT", "XRANGE s - + COUNT abc", "XRANGE s - + BLAH 1", "XRANGE missing - +",
         "XRANGE missing - + COUNT 0", "XRANGE s", "XRANGE s -"),
    case("xrevrange", "XADD s 1-0 a 1", "XADD s 1-5 a 2", "XADD s 2-0 a 3", "XADD s 3-7 a 4",
         "XREVRANGE s + -", "XREVRANGE s 2 1", "XREVRANGE s (3-7 -", "XREVRANGE s + (1-0",
         "XREVRANGE s + - COUNT 3", "XREVRANGE s - +", "XREVRANGE s + - COUNT 0", "XREVRANGE missing + -"),
    case("range-bounds", "XADD s 1-0 a 1", f"XRANGE s ({MAX}-{MAX} +", "XRANGE s - (0-0",
         "XRANGE s (- +", "XRANGE s - (+", "XRANGE s ( +", "XRANGE s (abc +", f"XRANGE s 0 {MAX}",
         f"XREVRANGE s ({MAX}-{MAX} -", "XREVRANGE s + (0-0", "XRANGE s 0-0 0-0", "XRANGE s 1-0 (1-0"),
    case("xdel", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XDEL s 2-0", "XDEL s 2-0",
         "XDEL s 1-0 3-0 9-0", "XLEN s", "EXISTS s", "XINFO STREAM s", "XDEL s abc", "XDEL s 1-0 abc",
         "XDEL missing 1-0", "XDEL s", "XADD s 4-0 a 4", "XRANGE s - +", "XINFO STREAM s"),
    case("xdel-first-last", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XDEL s 1-0",
         "XINFO STREAM s", "XDEL s 3-0", "XINFO STREAM s", shape("XADD s * a 1"), "XDEL s 2-0"),
    case("xtrim", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XADD s 4-0 a 4",
         "XTRIM s MAXLEN 3", "XTRIM s MAXLEN = 3", "XTRIM s MINID 3", "XRANGE s - +", "XTRIM s MAXLEN 0",
         "EXISTS s", "XINFO STREAM s", "XTRIM missing MAXLEN 0", "XTRIM s", "XTRIM s LIMIT 1",
         "XTRIM s MAXLEN 1 LIMIT 1", "XTRIM s MAXLEN ~ 1 LIMIT -1", "XTRIM s MAXLEN -1",
         "XTRIM s MAXLEN 1 MINID 1", "XTRIM s NOMKSTREAM MAXLEN 1", "XTRIM s MAXLEN 1 BLAH",
         "XTRIM s MINID ~ 1 LIMIT 0", "XTRIM s MAXLEN ~ 0"),
]

GROUP_CASES = [
    case("xgroup-create", "XGROUP CREATE s g 0", "XGROUP CREATE s g 0 MKSTREAM", "XGROUP CREATE s g 0",
         "XGROUP CREATE s h $", "XGROUP CREATE s i 5-0 ENTRIESREAD 3", "XGROUP CREATE s j 0 ENTRIESREAD -1",
         "XGROUP CREATE s k 0 ENTRIESREAD -2", "XGROUP CREATE s k 0 ENTRIESREAD x",
         "XGROUP CREATE s k abc", "XGROUP CREATE s k 0 BLAH", "XGROUP CREATE s k", "XGROUP CREATE s",
         "XGROUP CREATE s k - ", "XGROUP create s l 0 mkstream entriesread 1",
         "XINFO GROUPS s", "XGROUP BLAH", "XGROUP", "XGROUP HELP", "XGROUP HELP x", "TYPE s"),
    case("xgroup-other", "XADD s 1-0 a 1", "XGROUP CREATE s g $", "XGROUP CREATECONSUMER s g c",
         "XGROUP CREATECONSUMER s g c", "XGROUP CREATECONSUMER s nog c", "XGROUP CREATECONSUMER nokey g c",
         "XGROUP SETID s g 0", "XGROUP SETID s g $ ENTRIESREAD 1", "XGROUP SETID s g - ",
         "XGROUP SETID s g 0 ENTRIESREAD -3", "XGROUP SETID s nog 0", "XGROUP SETID s g 0 BLAH 1",
         "XINFO GROUPS s", timed("XINFO CONSUMERS s g"), "XGROUP DELCONSUMER s g c",
         "XGROUP DELCONSUMER s g c", "XGROUP DELCONSUMER s nog c", "XGROUP DESTROY s g",
         "XGROUP DESTROY s g", "XGROUP DESTROY nokey g", "XINFO GROUPS s"),
    case("xreadgroup", "XADD s 1-0 a 1", "XADD s 2-0a 2", "XADD s 2-0 a 2", "XADD s 3-0 b 3 c 4",
         "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 COUNT 1 STREAMS s >",
         "XREADGROUP GROUP g c2 COUNT 1 STREAMS s >", "XREADGROUP GROUP g c3 STREAMS s >",
         "XREADGROUP GROUP g c3 STREAMS s >", "XREADGROUP GROUP g c1 STREAMS s 0",
         "XREADGROUP GROUP g c1 STREAMS s 1-0", "XREADGROUP GROUP g c3 COUNT 1 STREAMS s 0",
         "XREADGROUP GROUP g c9 STREAMS s 0", *state()),
    case("xreadgroup-noack", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c NOACK STREAMS s >", "XPENDING s g", "XINFO GROUPS s",
         timed("XINFO CONSUMERS s g")),
    case("xreadgroup-errors", "XADD s 1-0 a 1", "XGROUP CREATE s g 0", "XREADGROUP STREAMS s >",
         "XREADGROUP GROUP g c STREAMS s $", "XREADGROUP GROUP nog c STREAMS s >",
         "XREADGROUP GROUP g c STREAMS nokey >", "XREADGROUP GROUP g c STREAMS s", "XREADGROUP GROUP g c",
         "XREADGROUP GROUP g c STREAMS s abc", "XREADGROUP GROUP g c COUNT x STREAMS s >",
         "XREADGROUP GROUP g c BLOCK x STREAMS s >", "XREADGROUP GROUP g c BLOCK -1 STREAMS s >",
         "XREADGROUP GROUP g STREAMS s >", "XREAD GROUP g c STREAMS s 0", "XREAD NOACK STREAMS s 0",
         "XREAD STREAMS s >", "XREADGROUP GROUP g c STREAMS s t > >"),
    case("xread", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD t 5-0 b 1", "XREAD STREAMS s 0",
         "XREAD COUNT 1 STREAMS s 0", "XREAD STREAMS s t 0 0", "XREAD STREAMS s t 1 $", "XREAD STREAMS s $",
         "XREAD COUNT 1 STREAMS s t missing 0-0 0-0 0", "XREAD STREAMS s 2", "XREAD STREAMS s",
         "XREAD STREAMS s t 0", "XREAD COUNT -1 STREAMS s 0", "XREAD COUNT x STREAMS s 0", "XREAD",
         "XREAD BLOCK 0", "XREAD BLAH STREAMS s 0", "XREAD STREAMS s abc", "XREAD BLOCK 10 STREAMS s $",
         "XREAD BLOCK 10 STREAMS s 0", "XREAD STREAMS s s 0 1"),
    case("xack", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s >", "XACK s g 1-0", "XACK s g 1-0", "XACK s g 1-0 2-0 3-0",
         "XACK s g abc", "XACK s nog 1-0", "XACK missing g 1-0", "XACK s g", "XPENDING s g"),
    case("xack-invalid-id-first", "XADD s 1-0 a 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
         "XACK s g 1-0 abc", "XPENDING s g"),
    case("xpending", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c1 COUNT 2 STREAMS s >", "XREADGROUP GROUP g c2 STREAMS s >",
         "XPENDING s g", timed("XPENDING s g - + 10"), timed("XPENDING s g - + 1"),
         timed("XPENDING s g (1-0 + 10"), timed("XPENDING s g - (3-0 10"), timed("XPENDING s g - + 10 c2"),
         "XPENDING s g - + 10 nobody", "XPENDING s g - + 0", "XPENDING s g - + -1",
         timed("XPENDING s g IDLE 0 - + 10"), "XPENDING s g IDLE 100000 - + 10",
         "XPENDING s g IDLE x - + 10", "XPENDING s g IDLE 10 - +", "XPENDING s g - + x", "XPENDING s g - +",
         "XPENDING s g x + 10", "XPENDING s nog", "XPENDING missing g", timed("XPENDING s g - + 10 c1 extra"),
         "XPENDING s", f"XPENDING s g ({MAX}-{MAX} + 10"),
    case("xclaim", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c1 STREAMS s >", "XCLAIM s g c2 0 1-0", "XCLAIM s g c2 0 2-0 JUSTID",
         "XCLAIM s g c2 100000 3-0", "XCLAIM s g c2 0 3-0 RETRYCOUNT 7", "XCLAIM s g c3 0 9-0 FORCE",
         "XCLAIM s g c3 0 9-0", "XDEL s 9-0", "XADD s 9-0 a 9", "XCLAIM s g c3 0 9-0 FORCE",
         "XCLAIM s g c3 0 1-0 2-0 IDLE 5000 JUSTID", timed("XPENDING s g - + 10"),
         "XCLAIM s g c3 0 1-0 TIME 1", timed("XPENDING s g - + 10"),
         "XCLAIM s g c3 0 1-0 LASTID 50-0 JUSTID", "XINFO GROUPS s", *state()),
    case("xclaim-errors", "XADD s 1-0 a 1", "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >",
         "XCLAIM s g c x 1-0", "XCLAIM s g c 0 1-0 IDLE x", "XCLAIM s g c 0 1-0 TIME x",
         "XCLAIM s g c 0 1-0 RETRYCOUNT x", "XCLAIM s g c 0 1-0 LASTID x", "XCLAIM s g c 0 1-0 BLAH",
         "XCLAIM s g c 0 1-0 IDLE", "XCLAIM s nog c 0 1-0", "XCLAIM missing g c 0 1-0", "XCLAIM s g c 0",
         "XCLAIM s g c -5 1-0", "XCLAIM s g c 0 x 1-0", "XCLAIM s g c 0 1-0 x 2-0"),
    case("xclaim-deleted", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c STREAMS s >", "XDEL s 1-0", "XCLAIM s g c2 0 1-0 2-0", "XPENDING s g",
         "XREADGROUP GROUP g c2 STREAMS s 0", "XINFO STREAM s"),
    case("xautoclaim", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XADD s 4-0 a 4",
         "XGROUP CREATE s g 0", "XREADGROUP GROUP g c1 STREAMS s >", "XAUTOCLAIM s g c2 0 0 COUNT 1",
         "XAUTOCLAIM s g c2 0 0 COUNT 2 JUSTID", "XAUTOCLAIM s g c2 0 (2-0", "XAUTOCLAIM s g c2 100000 0",
         "XDEL s 2-0 3-0", "XAUTOCLAIM s g c3 0 0", "XAUTOCLAIM s g c3 0 0", timed("XPENDING s g - + 10"),
         "XAUTOCLAIM s g c3 0 0 COUNT 0", "XAUTOCLAIM s g c3 0 0 COUNT x", "XAUTOCLAIM s g c3 x 0",
         "XAUTOCLAIM s g c3 0 x", "XAUTOCLAIM s g c3 0 0 BLAH", "XAUTOCLAIM s nog c3 0 0",
         "XAUTOCLAIM missing g c3 0 0", "XAUTOCLAIM s g c3 0", f"XAUTOCLAIM s g c3 0 ({MAX}-{MAX}",
         "XAUTOCLAIM s g c3 0 0 COUNT 2305843009213693952", *state()),
    case("xautoclaim-deleted-count", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3",
         "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s >", "XDEL s 1-0 2-0",
         "XAUTOCLAIM s g c2 0 0 COUNT 1", "XAUTOCLAIM s g c2 0 0 COUNT 1", "XPENDING s g"),
    case("xsetid", "XADD s 5-0 a 1", "XSETID s 4-0", "XSETID s 5-0", "XSETID s 10-0", "XINFO STREAM s",
         "XSETID s 10-0 ENTRIESADDED 0", "XSETID s 11-0 ENTRIESADDED 5 MAXDELETEDID 12-0",
         "XSETID s 12-0 ENTRIESADDED 5 MAXDELETEDID 3-0", "XINFO STREAM s", "XSETID s 12-0 ENTRIESADDED -1",
         "XSETID s 12-0 BLAH", "XSETID s x", "XSETID missing 1-0", "XSETID s 12-0 ENTRIESADDED",
         "XADD s 12-0 a 1", "XADD s 13-0 a 1", "XDEL s 5-0", "XSETID s 0-0", "XINFO STREAM s",
         "XSETID s -", "XSETID s +"),
    case("xinfo", "XADD s 1-0 a 1", "XADD s 2-0 b 2 c 3", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XINFO STREAM s", timed("XINFO STREAM s FULL"),
         timed("XINFO STREAM s FULL COUNT 1"), timed("XINFO STREAM s FULL COUNT 0"),
         timed("XINFO STREAM s FULL COUNT -1"), "XINFO STREAM s FULL COUNT", "XINFO STREAM s FULL COUNT x",
         "XINFO STREAM s BLAH", "XINFO STREAM s FULL BLAH 1", "XINFO STREAM missing", "XINFO GROUPS missing",
         "XINFO CONSUMERS s nog", "XINFO CONSUMERS missing g", "XINFO CONSUMERS s", "XINFO", "XINFO BLAH s",
         "XINFO HELP", "XINFO HELP x", "XINFO GROUPS s x", "XADD e 1-0 a 1", "XDEL e 1-0", "XINFO STREAM e",
         timed("XINFO STREAM e FULL")),
    case("lag", "XADD s 1-0 a 1", "XADD s 2-0 a 2", "XADD s 3-0 a 3", "XGROUP CREATE s g 0",
         "XGROUP CREATE s h $", "XGROUP CREATE s i 2-0", "XINFO GROUPS s",
         "XREADGROUP GROUP g c COUNT 1 STREAMS s >", "XINFO GROUPS s", "XDEL s 2-0", "XINFO GROUPS s",
         "XREADGROUP GROUP g c STREAMS s >", "XINFO GROUPS s", "XADD s 4-0 a 4", "XINFO GROUPS s",
         "XTRIM s MAXLEN 1", "XINFO GROUPS s", "XGROUP SETID s h 0", "XINFO GROUPS s",
         "XGROUP SETID s h 0 ENTRIESREAD 2", "XINFO GROUPS s", "XDEL s 4-0", "XINFO GROUPS s"),
]

G100, C108 = "g" * 100, "c" * 108
GROUP_CASES.append(
    case("group-and-consumer-names", "XADD s 1-0 a 1", "XADD s 2-0 a 2", ["XGROUP", "CREATE", "s", "", "0"],
         ["XGROUP", "CREATE", "s", G100, "0"], ["XREADGROUP", "GROUP", "", "", "COUNT", "1", "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", "", C108, "STREAMS", "s", ">"],
         ["XREADGROUP", "GROUP", G100, b"\x00\xff", "STREAMS", "s", ">"], "XINFO GROUPS s",
         ["XPENDING", "s", ""], ["XPENDING", "s", G100], timed(["XINFO", "CONSUMERS", "s", G100]),
         ["XGROUP", "DELCONSUMER", "s", "", ""], ["XGROUP", "DESTROY", "s", ""], "XINFO GROUPS s"))

RESP3_CASES = [
    case("resp3", shape("HELLO 3"), "XADD s 1-0 a 1", "XADD t 2-0 b 2", "XGROUP CREATE s g 0",
         "XREAD STREAMS s t 0 0", "XREADGROUP GROUP g c STREAMS s >", "XRANGE s - +", "XINFO STREAM s",
         timed("XINFO STREAM s FULL"), "XINFO GROUPS s", timed("XINFO CONSUMERS s g"), "XPENDING s g",
         timed("XPENDING s g - + 10"), "XAUTOCLAIM s g c 0 0", "XCLAIM s g c 0 1-0", "XADD x NOMKSTREAM * a 1",
         "XREAD STREAMS missing 0", "XRANGE s - + COUNT 0", "XINFO STREAM s FULL COUNT 0",
         "XPENDING s nog", shape("HELLO 2")),
]


@pytest.mark.parametrize("steps, needs", XADD_CASES + RANGE_CASES + GROUP_CASES + RESP3_CASES)
def test_cases(sdiffer, steps, needs):
    sdiffer.require(*needs)
    sdiffer.run(xinfo_timed(steps))


def xinfo_timed(steps):
    """XINFO steps given as text, compared with timed()."""
    return [timed(s) if isinstance(s, str) and s.upper().startswith("XINFO") else s for s in steps]


@pytest.mark.parametrize("entries, nbytes", [(100, 4096), (3, 4096), (1, 4096), (0, 60), (5, 0)])
def test_nodes(sdiffer, entries, nbytes):
    """Many radix tree nodes: ranges both ways, XDEL and trims across nodes,
    XINFO's radix-tree-keys/-nodes, MEMORY USAGE (Redis's estimate, node
    blocks in jemalloc's size classes)."""
    d = sdiffer
    d.run([f"CONFIG SET stream-node-max-entries {entries}", f"CONFIG SET stream-node-max-bytes {nbytes}"])
    steps = []
    for i in range(1, 41):
        fields = "a 1 b 2" if i % 3 else f"x {i} y {'v' * (i % 7)} z -{i}"
        steps.append(f"XADD s {i // 4 + 1}-{i % 4} {fields}")
    steps += ["XINFO STREAM s", "MEMORY USAGE s", "MEMORY USAGE s SAMPLES 0", "MEMORY USAGE s SAMPLES 1",
              "XRANGE s - +", "XREVRANGE s + -", "XRANGE s 3 7 COUNT 5",
              "XREVRANGE s 7 (3-1 COUNT 5", "XDEL s 1-1 2-0 5-2 5-3 6-0 6-1 6-2 6-3", "XRANGE s 5 7",
              "XREVRANGE s 7 5", "XINFO STREAM s", "XTRIM s MAXLEN ~ 30", "XINFO STREAM s",
              "XTRIM s MINID ~ 5", "XINFO STREAM s", "XTRIM s MINID 8-2", "XRANGE s - + COUNT 3",
              "XTRIM s MAXLEN 10", "XRANGE s - +", "XREVRANGE s + -", "XINFO STREAM s",
              "XADD s MAXLEN ~ 5 100-0 a 1", "XLEN s", "XTRIM s MAXLEN ~ 2 LIMIT 1", "XLEN s", "XINFO STREAM s",
              "MEMORY USAGE s", "XGROUP CREATE s g 0", "XREADGROUP GROUP g consumer-1 COUNT 3 STREAMS s >",
              "XREADGROUP GROUP g c2 COUNT 1 STREAMS s >", "MEMORY USAGE s", "MEMORY USAGE s SAMPLES 0"]
    d.run(xinfo_timed(steps))


# --------------------------------------------------------------------------- generated

IDS = st.one_of(
    st.tuples(st.integers(0, 6), st.integers(0, 4)).map(lambda t: f"{t[0]}-{t[1]}"),
    st.integers(0, 6).map(lambda ms: f"{ms}-*"),
    st.integers(0, 6).map(str),
    st.just("*"),
)
BOUNDS = st.one_of(st.sampled_from(["-", "+"]), IDS.filter(lambda x: "*" not in x),
                   IDS.filter(lambda x: "*" not in x).map(lambda x: "(" + x))
FIELDS = st.sampled_from([["a", "1"], ["a", "1", "b", "2"], ["b", "x"], ["a", "2", "b", "3"], ["c", "10"]])

OPS = st.one_of(
    st.tuples(st.just("XADD"), IDS, FIELDS),
    st.tuples(st.just("XADD"), IDS, FIELDS),
    st.tuples(st.just("XDEL"), st.lists(IDS.filter(lambda x: "*" not in x), min_size=1, max_size=3)),
    st.tuples(st.just("XTRIM"), st.sampled_from(["MAXLEN", "MINID"]), st.sampled_from(["", "~", "="]),
              st.one_of(st.integers(0, 8).map(str), IDS.filter(lambda x: "*" not in x))),
    st.tuples(st.just("XRANGE"), BOUNDS, BOUNDS, st.integers(-1, 4)),
    st.tuples(st.just("XREVRANGE"), BOUNDS, BOUNDS, st.integers(-1, 4)),
)


def _op_args(op):
    if op[0] == "XADD":
        return ["XADD", "s", op[1], *op[2]] if op[1] != "*" else ["XADD", "s", "MAXLEN", "~", "50", "*", *op[2]]
    if op[0] == "XDEL":
        return ["XDEL", "s", *op[1]]
    if op[0] == "XTRIM":
        return ["XTRIM", "s", op[1], *([op[2]] if op[2] else []), op[3]]
    args = [op[0], "s", op[1], op[2]]
    return args + (["COUNT", op[3]] if op[3] >= 0 else [])


@settings(max_examples=40, **DIFFERENTIAL)
@given(ops=st.lists(OPS, min_size=1, max_size=30), entries=st.sampled_from([100, 2, 3]))
def test_random_id_sequences(sdiffer, ops, entries):
    """Hypothesis sequences of explicit, partial and automatic IDs with
    deletions, trims and ranges; the whole stream compared after each."""
    d = sdiffer
    d.run(["FLUSHDB", f"CONFIG SET stream-node-max-entries {entries}"])
    for op in ops:
        args = _op_args(op)
        if "*" in args and op[0] == "XADD" and op[1] == "*":
            reply = d.step(Check(args, lambda a, b: None if a[:1] == b[:1] else "reply kinds differ"))[0]
            if reply[:1] == b"$":
                # automatic IDs are the clock: end the sequence with the same IDs on both
                d.step("XLEN s")
                return
            continue
        d.step(args)
        d.step(timed("XINFO STREAM s"))
    d.step("XRANGE s - +")
    d.step("XREVRANGE s + -")


GROUP_OPS = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 3)),
    st.tuples(st.just("read"), st.sampled_from(["c1", "c2", "c3"]), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("history"), st.sampled_from(["c1", "c2"]), st.sampled_from(["0", "2-0", "5-0"])),
    st.tuples(st.just("ack"), st.lists(st.integers(1, 12), min_size=1, max_size=3)),
    st.tuples(st.just("claim"), st.sampled_from(["c1", "c2", "c3"]), st.lists(st.integers(1, 12), min_size=1,
                                                                                 max_size=3), st.booleans()),
    st.tuples(st.just("autoclaim"), st.sampled_from(["c1", "c3"]), st.integers(0, 12), st.integers(1, 4),
              st.booleans()),
    st.tuples(st.just("del"), st.integers(1, 12)),
    st.tuples(st.just("trim"), st.integers(0, 6)),
    st.tuples(st.just("setid"), st.sampled_from(["0", "$", "3-0"])),
    st.tuples(st.just("delconsumer"), st.sampled_from(["c1", "c2", "c3"])),
)


@settings(max_examples=30, **DIFFERENTIAL)
@given(ops=st.lists(GROUP_OPS, min_size=1, max_size=25))
def test_random_group_sequences(sdiffer, ops):
    """Consumer groups under random reads, acks, claims, deletions and trims:
    PELs, consumers, last IDs, entries-read and lag compared after each."""
    d = sdiffer
    d.run(["FLUSHDB", "XGROUP CREATE s g 0 MKSTREAM"])
    n = 0
    for op in ops:
        kind = op[0]
        if kind == "add":
            for _ in range(op[1]):
                n += 1
                d.step(f"XADD s {n}-0 f {n}")
        elif kind == "read":
            d.step(f"XREADGROUP GROUP g {op[1]} {'COUNT %d' % op[2] if op[2] else ''} "
                   f"{'NOACK' if op[3] else ''} STREAMS s >")
        elif kind == "history":
            d.step(f"XREADGROUP GROUP g {op[1]} STREAMS s {op[2]}")
        elif kind == "ack":
            d.step(["XACK", "s", "g", *[f"{i}-0" for i in op[1]]])
        elif kind == "claim":
            d.step(["XCLAIM", "s", "g", op[1], "0", *[f"{i}-0" for i in op[2]], *(["JUSTID"] if op[3] else [])])
        elif kind == "autoclaim":
            d.step(["XAUTOCLAIM", "s", "g", op[1], "0", f"{op[2]}-0", "COUNT", op[3],
                    *(["JUSTID"] if op[4] else [])])
        elif kind == "del":
            d.step(f"XDEL s {op[1]}-0")
        elif kind == "trim":
            d.step(f"XTRIM s MAXLEN {op[1]}")
        elif kind == "setid":
            d.step(f"XGROUP SETID s g {op[1]}")
        else:
            d.step(f"XGROUP DELCONSUMER s g {op[1]}")
        d.run(["XINFO GROUPS s", "XPENDING s g", timed("XPENDING s g - + 100")])
    d.run(state())


@pytest.mark.parametrize("seed", range(2))
def test_seeded_fuzz(sdiffer, seed):
    """Longer runs with random field counts and sizes over small nodes."""
    rng = random.Random(seed)
    d = sdiffer
    d.run([f"CONFIG SET stream-node-max-entries {rng.choice([4, 10, 100])}",
           f"CONFIG SET stream-node-max-bytes {rng.choice([128, 4096])}"])
    steps = []
    ms = 0
    for _ in range(300):
        r = rng.random()
        if r < 0.6:
            ms += rng.randint(0, 2)
            nf = rng.randint(1, 4)
            fields = []
            for i in range(nf):
                fields += [rng.choice(["a", "b", "c", str(i)]),
                           rng.choice([str(rng.randint(-10**15, 10**15)), "x" * rng.randint(0, 70)])]
            steps.append(["XADD", "s", f"{ms}-*", *fields])
        elif r < 0.75:
            steps.append(["XDEL", "s", f"{rng.randint(0, ms)}-{rng.randint(0, 2)}"])
        elif r < 0.8:
            steps.append(["XTRIM", "s", "MAXLEN", rng.choice(["~", "="]), str(rng.randint(50, 150))])
        else:
            a, b = sorted([rng.randint(0, ms), rng.randint(0, ms)])
            steps.append(["XRANGE" if r < 0.9 else "XREVRANGE", "s", *((str(a), str(b)) if r < 0.9 else
                                                                        (str(b), str(a))),
                          "COUNT", str(rng.randint(1, 20))])
    d.run(xinfo_timed(steps))
    d.run([timed("XINFO STREAM s"), "XRANGE s - +", "XREVRANGE s + -"])
