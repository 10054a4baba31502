"""Sorted sets, byte for byte against redis-server 7.0.15.

Every case runs twice: once with the default thresholds (small sets are
listpacks) and once with zset-max-listpack-entries 0 (every set is a
skiplist), so both encodings answer each command; OBJECT ENCODING is part of
the comparison. Score text is checked in RESP2 (bulk strings) and RESP3
(doubles) for the awkward values: 1e-300, 1.5e308, 0.1+0.2, -0, integers
beyond 2^53, +-inf.
"""
import random
import time

import pytest

from support import case, encode_command, ignore, scan_all

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

ENCODINGS = {
    "listpack": [],
    "skiplist": ["CONFIG SET zset-max-listpack-entries 0"],
}
RESET = ["CONFIG SET zset-max-listpack-entries 128", "CONFIG SET zset-max-listpack-value 64"]

SCORES = ["0", "-0", "1", "-1", "1.5", "0.1", "1e-300", "1.5e308", "-1.5e308", "inf", "+inf", "-inf",
          "9007199254740993", "4611686018427387903", "4611686018427387904", "-4611686018427387904",
          "4611686018427387905", "1e20", "123456789012345678", "3.0000000000000004", "1e-5",
          "0x10", "1E3", ".5", "5.", "-.5", "infinity", "-INF", "2.2250738585072014e-308",
          "4.9e-324", "179769313486231570000000000000000000000000000000000000000000000000000000000000"
          "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
          "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
          "0000000000000000000000000000000000000000000000000000000000000000000000000000"]


def zadd_scores():
    steps = []
    for i, s in enumerate(SCORES):
        steps += [f"ZADD z {s} m{i}", f"ZSCORE z m{i}"]
    return steps


BASIC = [
    case("zadd-basic", "ZADD z 1 a 2 b 3 c", "ZRANGE z 0 -1 WITHSCORES", "ZCARD z", "ZADD z 1 a",
         "ZADD z 5 a", "ZRANGE z 0 -1 WITHSCORES", "OBJECT ENCODING z", "TYPE z"),
    case("zadd-options", "ZADD z 1 a", "ZADD z NX 2 a 3 b", "ZADD z XX 5 a 6 c", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z CH 5 a 7 b 1 d", "ZADD z GT 4 a 9 b", "ZADD z LT 4 a 9 b", "ZADD z GT CH 10 a 1 b",
         "ZADD z XX GT 20 a 30 e", "ZADD z XX LT CH 0 a", "ZRANGE z 0 -1 WITHSCORES",
         "ZADD z nx ch xx 1 a", "ZADD z GT LT 1 a", "ZADD z GT NX 1 a", "ZADD z LT NX 1 a",
         "ZADD z INCR 1 a 2 b", "ZADD z 1", "ZADD z 1 a 2", "ZADD z", "ZADD z NX", "ZADD z CH CH 1 q",
         "ZADD missing XX 1 a", "EXISTS missing", "ZADD missing XX INCR 1 a", "EXISTS missing"),
    case("zadd-incr", "ZADD z INCR 1 a", "ZADD z INCR 0.5 a", "ZADD z INCR NX 1 a", "ZADD z INCR XX 1 b",
         "ZADD z INCR GT -1 a", "ZADD z INCR LT -1 a", "ZADD z INCR LT 1 a", "ZADD z INCR GT 1 a",
         "ZADD z INCR CH 1 a", "ZRANGE z 0 -1 WITHSCORES", "ZADD z INCR inf a", "ZADD z INCR -inf a",
         "ZSCORE z a", "ZADD z INCR inf x", "ZADD z INCR -inf x", "ZSCORE z x"),
    case("zadd-bad-scores", "ZADD z nan a", "ZADD z NaN a", "ZADD z abc a", "ZADD z '' a", "ZADD z ' 1' a",
         "ZADD z '1 ' a", "ZADD z 1e400 a", "ZADD z -1e400 a", "ZADD z 1e-400 a", "ZADD z 1 a nan b",
         "EXISTS z", "ZADD z 1 a 2 b x c", "ZCARD z", "ZINCRBY z nan a", "ZINCRBY z abc a", "ZINCRBY z 1"),
    case("zadd-scores", *zadd_scores(), "ZRANGE z 0 -1 WITHSCORES", "ZREVRANGE z 0 -1 WITHSCORES",
         "ZRANGEBYSCORE z -inf +inf WITHSCORES", scan_all("ZSCAN z", 2), "CONFIG SET zset-max-listpack-entries 0",
         "ZUNIONSTORE big 1 z", scan_all("ZSCAN big", 2), "OBJECT ENCODING big"),
    case("zincrby", "ZINCRBY z 1 a", "ZINCRBY z 0.1 b", "ZINCRBY z 0.2 b", "ZSCORE z b", "ZINCRBY z -1 a",
         "ZINCRBY z 1e308 c", "ZINCRBY z 1e308 c", "ZINCRBY z -inf c", "ZINCRBY z inf c", "ZSCORE c z",
         "ZINCRBY z 9007199254740992 d", "ZINCRBY z 1 d", "ZINCRBY z 2 d", "ZRANGE z 0 -1 WITHSCORES",
         "ZINCRBY z nx a", "ZINCRBY z 1 a b"),
    case("negative-zero", "ZADD z -0 a", "ZSCORE z a", "ZADD z 0 b", "ZRANGE z 0 -1 WITHSCORES",
         "ZINCRBY z -0 b", "ZSCORE z b", "ZADD z -0 b", "ZRANGEBYSCORE z -0 0 WITHSCORES", "ZCOUNT z (-0 0"),
    case("zrem", "ZADD z 1 a 2 b 3 c", "ZREM z a x", "ZREM z b c b", "EXISTS z", "ZREM z a", "ZREM missing a",
         "ZADD z 1 a 2 b", "ZREM z a a a", "ZREM z", "ZCARD z"),
    case("zrange-rank", "ZADD z 1 a 2 b 3 c 4 d", "ZRANGE z 0 -1", "ZRANGE z 1 2 WITHSCORES", "ZRANGE z -2 -1",
         "ZRANGE z -100 100", "ZRANGE z 3 1", "ZRANGE z 5 10", "ZRANGE z 0 0 REV", "ZRANGE z 0 -1 REV WITHSCORES",
         "ZREVRANGE z 0 1", "ZREVRANGE z 1 -1 WITHSCORES", "ZRANGE z a b", "ZRANGE z 0 1 LIMIT 0 1",
         "ZRANGE z 0 1 FOO", "ZRANGE missing 0 -1", "ZREVRANGE z 0", "ZRANGE z 0 -1 withscores rev",
         "ZRANGE z 9223372036854775807 -9223372036854775808", "ZRANGE z -9223372036854775808 9223372036854775807",
         "ZRANGE z 0 9223372036854775808"),
    case("zrange-byscore", "ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGEBYSCORE z 2 4", "ZRANGEBYSCORE z (2 4 WITHSCORES",
         "ZRANGEBYSCORE z (2 (4", "ZRANGEBYSCORE z -inf +inf LIMIT 1 2", "ZRANGEBYSCORE z -inf +inf LIMIT 1 -1",
         "ZRANGEBYSCORE z -inf +inf LIMIT -1 2", "ZRANGEBYSCORE z -inf +inf LIMIT 10 2",
         "ZRANGEBYSCORE z -inf +inf LIMIT 4 10 WITHSCORES", "ZREVRANGEBYSCORE z 4 2", "ZREVRANGEBYSCORE z (4 (2",
         "ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2", "ZRANGE z 2 4 BYSCORE",
         "ZRANGE z 4 2 BYSCORE REV", "ZRANGE z (1 +inf BYSCORE LIMIT 1 2 WITHSCORES",
         "ZRANGE z 4 2 BYSCORE", "ZRANGEBYSCORE z 3 3", "ZRANGEBYSCORE z (3 3", "ZRANGEBYSCORE z 3 (3",
         "ZRANGEBYSCORE z inf inf", "ZRANGEBYSCORE z -inf -inf", "ZRANGEBYSCORE z 6 10", "ZRANGEBYSCORE z 0 0"),
    case("score-range-parsing", "ZADD z 0 zero 1 a 2 b 16 h", "ZRANGEBYSCORE z '' 1", "ZRANGEBYSCORE z ( 1",
         "ZRANGEBYSCORE z ' 1' 2", "ZRANGEBYSCORE z '1 ' 2", "ZRANGEBYSCORE z 0x10 +inf", "ZRANGEBYSCORE z nan 1",
         "ZRANGEBYSCORE z (nan 1", "ZRANGEBYSCORE z 1 abc", "ZRANGEBYSCORE z ((1 2", "ZRANGEBYSCORE z (-inf (+inf",
         ["ZRANGEBYSCORE", "z", b"1\x00junk", "2"], ["ZRANGEBYSCORE", "z", b"(\x00", "2"],
         "ZRANGEBYSCORE z 1e400 inf", "ZRANGEBYSCORE z -1e400 0", "ZRANGEBYSCORE z (infinity +INF",
         "ZCOUNT z abc 1", "ZREMRANGEBYSCORE z abc 1", "ZRANGE z x 1 BYSCORE", "ZCOUNT z 1e-400 1"),
    case("zrange-bylex", "ZADD z 0 a 0 b 0 c 0 d 0 e", "ZRANGEBYLEX z - +", "ZRANGEBYLEX z [b [d",
         "ZRANGEBYLEX z (b (d", "ZRANGEBYLEX z (b +", "ZRANGEBYLEX z - (c", "ZRANGEBYLEX z - + LIMIT 1 2",
         "ZRANGEBYLEX z - + LIMIT 1 -1", "ZRANGEBYLEX z - + LIMIT 5 1", "ZREVRANGEBYLEX z + -",
         "ZREVRANGEBYLEX z [d [b", "ZREVRANGEBYLEX z (d - LIMIT 1 2", "ZRANGE z [b [d BYLEX",
         "ZRANGE z [d [b BYLEX REV", "ZRANGE z - + BYLEX LIMIT 2 2", "ZRANGE z - + BYLEX WITHSCORES",
         "ZRANGEBYLEX z a c", "ZRANGEBYLEX z [a c", "ZRANGEBYLEX z +a +", "ZRANGEBYLEX z '' +",
         ["ZRANGEBYLEX", "z", b"-\x00x", "+"], "ZRANGEBYLEX z + -", "ZRANGEBYLEX z + +", "ZRANGEBYLEX z - -",
         "ZRANGEBYLEX z [ +", "ZRANGEBYLEX z ( +", "ZLEXCOUNT z - +", "ZLEXCOUNT z (a [c", "ZLEXCOUNT z a b",
         "ZLEXCOUNT missing - +", "ZRANGEBYLEX z [c [b", "ZRANGEBYLEX z [c (c", "ZRANGEBYLEX z [c [c"),
    case("lex-binary", ["ZADD", "z", "0", b"\x00", "0", b"\xff", "0", b"a\x00b", "0", b"a", "0", b"ab"],
         "ZRANGEBYLEX z - +", ["ZRANGEBYLEX", "z", b"[a\x00", "+"], ["ZRANGEBYLEX", "z", b"(\xfe", "+"],
         "ZLEXCOUNT z [a (b", "ZREMRANGEBYLEX z [a [a", "ZRANGE z 0 -1"),
    case("zrank", "ZADD z 1 a 2 b 3 c", "ZRANK z a", "ZRANK z c", "ZREVRANK z a", "ZREVRANK z c",
         "ZRANK z x", "ZRANK missing a", "ZREVRANK missing a", "ZADD n 10 10 20 20", "ZRANK n 20", "ZRANK n 10"),
    case("zscore-zmscore", "ZADD z 1.5 a 2 b", "ZSCORE z a", "ZSCORE z x", "ZSCORE missing a",
         "ZMSCORE z a x b", "ZMSCORE missing a b", "ZMSCORE z", "ZADD n 5 123", "ZSCORE n 123",
         "ZMSCORE n 123 0123"),
    case("zcount", "ZADD z 1 a 2 b 3 c 4 d", "ZCOUNT z 2 3", "ZCOUNT z (2 3", "ZCOUNT z -inf +inf",
         "ZCOUNT z 5 10", "ZCOUNT z 3 2", "ZCOUNT missing 0 1", "ZCOUNT z (3 (3"),
    case("zremrange", "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z -1 -1",
         "ZRANGE z 0 -1", "ZREMRANGEBYRANK z 10 20", "ZREMRANGEBYRANK z 2 1", "ZREMRANGEBYSCORE z (2 4",
         "ZRANGE z 0 -1 WITHSCORES", "ZREMRANGEBYLEX z - +", "ZADD l 0 a 0 b 0 c", "ZREMRANGEBYLEX l (a +",
         "ZRANGE l 0 -1", "ZREMRANGEBYRANK l 0 -1", "EXISTS l", "ZREMRANGEBYRANK z a 1",
         "ZREMRANGEBYLEX z a b", "ZREMRANGEBYSCORE missing 0 1", "ZREMRANGEBYRANK z 0 -1", "EXISTS z"),
    case("zpop", "ZADD z 1 a 2 b 3 c 4 d", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 0", "ZPOPMIN z 10",
         "EXISTS z", "ZPOPMIN z", "ZPOPMIN z -1", "ZPOPMIN z abc", "ZPOPMIN z 1 2", "ZADD z 1 a",
         "ZPOPMAX z 1", "ZPOPMAX missing 5", "ZPOPMIN missing"),
    case("zmpop", "ZADD a 1 x 2 y", "ZADD b 5 p 6 q 7 r", "ZMPOP 2 missing b MIN", "ZMPOP 2 a b MAX COUNT 5",
         "ZMPOP 1 a MIN COUNT 1", "ZMPOP 2 a b MIN", "ZMPOP 1 missing MIN", "ZMPOP 0 a MIN", "ZMPOP -1 a MIN",
         "ZMPOP 2 a MIN", "ZMPOP 1 a LEFT", "ZMPOP 1 a MIN COUNT 0", "ZMPOP 1 a MIN COUNT -1",
         "ZMPOP 1 a MIN COUNT 1 COUNT 2", "ZMPOP 1 a MIN FOO", "ZMPOP abc a MIN", "ZMPOP 1 b max count 1",
         "ZMPOP 1 b min COUNT"),
    case("bzpop-immediate", "ZADD z 1 a 2 b 3 c 4 d", "BZPOPMIN z 0", "BZPOPMAX missing z 0.5", "BZMPOP 0 2 missing z MAX",
         "EXISTS z", "BZPOPMIN z -1", "BZPOPMIN z abc", "BZMPOP 0 0 z MIN", "BZMPOP abc 1 z MIN",
         "BZMPOP 0 1 z LEFT", "BZMPOP 0.5 1 z MIN COUNT 0"),
    case("bzpop-timeout", "BZPOPMIN missing 0.05", "BZPOPMAX a b 0.05", "BZMPOP 0.05 2 a b MIN",
         "BZMPOP 0.05 1 a MAX COUNT 10"),
    case("zrangestore", "ZADD src 1 a 2 b 3 c 4 d", "ZRANGESTORE dst src 0 -1", "ZRANGE dst 0 -1 WITHSCORES",
         "ZRANGESTORE dst src 1 2 REV", "ZRANGE dst 0 -1 WITHSCORES", "ZRANGESTORE dst src (1 3 BYSCORE LIMIT 1 1",
         "ZRANGE dst 0 -1", "ZRANGESTORE dst src [b + BYLEX", "ZRANGE dst 0 -1", "ZRANGESTORE dst src 5 10",
         "EXISTS dst", "ZRANGESTORE dst src 0 -1 WITHSCORES", "ZRANGESTORE dst missing 0 -1", "SET str x",
         "ZRANGESTORE str src 0 0", "TYPE str", "ZRANGESTORE dst str 0 -1", "ZRANGESTORE src src 1 1",
         "ZRANGE src 0 -1", "OBJECT ENCODING src"),
    case("zrange-errors", "ZADD z 1 a", "ZRANGE z 0 1 BYSCORE BYLEX", "ZRANGE z 0 1 LIMIT 0", "ZRANGE z 0 1 LIMIT a b",
         "ZRANGE z - + BYLEX WITHSCORES", "ZRANGE z 0 1 REV REV", "ZRANGEBYSCORE z 0 1 REV",
         "ZREVRANGE z 0 1 REV", "ZRANGEBYLEX z - + WITHSCORES", "ZRANGE z 0 -1 LIMIT 0 1",
         "ZRANGEBYSCORE z 0 1 LIMIT 0 1 LIMIT 0 2"),
    case("wrongtype", "SET s x", "ZADD s 1 a", "ZINCRBY s 1 a", "ZRANGE s 0 -1", "ZSCORE s a", "ZCARD s",
         "ZRANK s a", "ZREM s a", "ZPOPMIN s", "BZPOPMIN s 0", "ZMPOP 1 s MIN", "ZRANDMEMBER s", "ZSCAN s 0",
         "ZUNIONSTORE d 1 s", "ZINTER 1 s", "ZMSCORE s a", "ZRANGESTORE d s 0 -1", "ZCOUNT s 0 1",
         "ZLEXCOUNT s - +", "ZREMRANGEBYRANK s 0 1", "ZADD s abc a", "ZRANGEBYSCORE s x 1", "ZADD z 1 a",
         "ZUNION 2 z s", "ZPOPMIN missing2 s", "BZPOPMIN missing2 s 0", "GEOADD s 1 1 a", "GEOPOS s a"),
]

SETOPS = [
    case("zunionstore", "ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "ZUNIONSTORE d 2 a b",
         "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 2 a b WEIGHTS 2 0.5", "ZRANGE d 0 -1 WITHSCORES",
         "ZUNIONSTORE d 2 a b AGGREGATE MIN", "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 2 a b AGGREGATE max WEIGHTS 1 -1",
         "ZRANGE d 0 -1 WITHSCORES", "ZUNIONSTORE d 3 a b missing", "ZUNIONSTORE d 1 missing", "EXISTS d",
         "ZUNIONSTORE d 0 a", "ZUNIONSTORE d -1 a", "ZUNIONSTORE d 3 a b", "ZUNIONSTORE d 2 a b WEIGHTS 1",
         "ZUNIONSTORE d 2 a b WEIGHTS 1 x", "ZUNIONSTORE d 2 a b AGGREGATE foo", "ZUNIONSTORE d 2 a b WITHSCORES",
         "ZUNIONSTORE d abc a", "ZUNIONSTORE d 2 a b AGGREGATE", "ZUNIONSTORE d 1 a WEIGHTS nan",
         "ZUNIONSTORE a 2 a b", "ZRANGE a 0 -1 WITHSCORES", "OBJECT ENCODING a"),
    case("zinterstore", "ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "ZINTERSTORE d 2 a b",
         "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a b WEIGHTS 2 3 AGGREGATE MAX", "ZRANGE d 0 -1 WITHSCORES",
         "ZINTERSTORE d 2 a a", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a a WEIGHTS 1 2 AGGREGATE MIN",
         "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a missing", "EXISTS d", "ZINTER 2 a b WITHSCORES",
         "ZINTER 2 a b", "ZINTERCARD 2 a b", "ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0",
         "ZINTERCARD 2 a b LIMIT -1", "ZINTERCARD 1 a", "ZINTERCARD 0 a", "ZINTERCARD 2 a",
         "ZINTERCARD 2 a b WEIGHTS 1 1", "ZINTERCARD 2 a b LIMIT", "ZINTER 2 a b WEIGHTS 1 1 AGGREGATE SUM WITHSCORES",
         "ZINTER 1 missing"),
    case("zdiff", "ZADD a 1 x 2 y 3 z 4 q", "ZADD b 10 y", "ZADD c 1 q", "ZDIFF 3 a b c", "ZDIFF 3 a b c WITHSCORES",
         "ZDIFF 2 a a", "ZDIFF 1 a WITHSCORES", "ZDIFF 2 missing a", "ZDIFFSTORE d 3 a b c", "ZRANGE d 0 -1 WITHSCORES",
         "ZDIFFSTORE d 2 a a", "EXISTS d", "ZDIFF 2 a b WEIGHTS 1 1", "ZDIFF 2 a b AGGREGATE SUM", "ZDIFFSTORE d 0 a",
         "ZDIFF 2 a"),
    case("setop-inf-nan", "ZADD a inf x -inf y 0 z", "ZADD b -inf x inf y 0 z", "ZUNION 2 a b WITHSCORES",
         "ZINTER 2 a b WITHSCORES", "ZUNION 2 a b WEIGHTS 0 0 WITHSCORES", "ZINTER 2 a b WEIGHTS 0 1 WITHSCORES",
         "ZINTER 2 a b WEIGHTS 0 0 AGGREGATE MIN WITHSCORES", "ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
         "ZUNION 2 a b AGGREGATE MIN WITHSCORES", "ZUNION 1 a WEIGHTS inf WITHSCORES"),
    case("setop-float-sum", "ZADD a 0.1 x", "ZADD b 0.2 x", "ZADD c 0.3 x 1 y", "ZUNION 3 c a b WITHSCORES",
         "ZUNION 3 a b c WITHSCORES", "ZINTER 3 a c b WITHSCORES", "ZUNIONSTORE d 3 b c a", "ZSCORE d x"),
]

RANDOM = [
    case("zrandmember-deterministic", "ZADD z 1 a 2 b 3 c", "ZRANDMEMBER z 3", "ZRANDMEMBER z 10 WITHSCORES",
         "ZRANDMEMBER z 0", "ZRANDMEMBER z 0 WITHSCORES", "ZRANDMEMBER missing", "ZRANDMEMBER missing 5",
         "ZRANDMEMBER z 1 FOO", "ZRANDMEMBER z 1 WITHSCORES x", "ZRANDMEMBER z abc",
         "ZRANDMEMBER z -9223372036854775808", "ZRANDMEMBER z -9223372036854775807 WITHSCORES",
         "ZRANDMEMBER z 4611686018427387904 WITHSCORES", "ZADD one 7 x", "ZRANDMEMBER one", "ZRANDMEMBER one -5",
         "ZRANDMEMBER one -3 WITHSCORES", "ZRANDMEMBER one 1 WITHSCORES", "ZRANDMEMBER one 2"),
]

SCAN = [
    case("zscan", "ZADD z 1 a 2.5 b 3 c 0.1 d", scan_all("ZSCAN z", 2), scan_all("ZSCAN z COUNT 1", 2),
         scan_all("ZSCAN z MATCH [ab]", 2), "ZSCAN missing 0", "ZSCAN z abc", "ZSCAN z 0 COUNT 0",
         "ZSCAN z 0 FOO 1", "ZSCAN z 0 TYPE zset", "ZSCAN z 0 MATCH", "ZSCAN z 0 COUNT x"),
]


def test_zscan_listpack_order(differ):
    """A listpack is returned whole, in order, with the stored score text."""
    differ.run(["ZADD z 1 a 2.5 b 3 c 0.1 d -0 e 1e300 f", "ZSCAN z 0", "ZSCAN z 0 COUNT 1", "ZSCAN z 0 MATCH [ab]",
                "ZSCAN z 0 MATCH *", "ZSCAN z 123", "ZSCAN z -1", "ZADD n 1 10 2 20", "ZSCAN n 0 MATCH 1*"])


@pytest.fixture(params=list(ENCODINGS))
def zdiffer(request, differ):
    differ.run(ENCODINGS[request.param])
    differ.encoding = request.param
    yield differ
    for server in (differ.server_a, differ.server_b):
        with server.raw() as conn:
            for cmd in RESET:
                conn.command(*cmd.split())


@pytest.mark.parametrize("steps, needs", BASIC + SETOPS + RANDOM + SCAN)
def test_zset(zdiffer, steps, needs):
    if needs:
        zdiffer.require(*needs)
    zdiffer.run(steps)


def test_resp3_replies(zdiffer):
    steps = [ignore("HELLO 3")] + zadd_scores() + [
        "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 0 2", "ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 5",
        "ZPOPMIN z", "ZPOPMIN z 2", "ZPOPMAX z 0", "ZPOPMAX z 1", "ZMPOP 1 z MIN", "ZMPOP 1 z MAX COUNT 2",
        "BZPOPMIN z 0", "BZMPOP 0 1 z MIN COUNT 2", "ZMSCORE z m1 nope m3", "ZSCORE z m10", "ZSCORE z nope",
        "ZINCRBY z 1.5 new", "ZADD z INCR 0.1 new", "ZADD z INCR NX 1 new", "ZUNION 1 z WITHSCORES",
        "ZINTER 1 z WITHSCORES", "ZDIFF 1 z WITHSCORES", "ZRANDMEMBER z 1000 WITHSCORES", "ZRANDMEMBER nope",
        "ZRANDMEMBER nope 3", "ZRANK z nope", "BZPOPMIN nope 0.05", "BZMPOP 0.05 1 nope MIN", "ZMPOP 1 nope MIN",
        "ZSCAN z 0 COUNT 1000" if zdiffer.encoding == "listpack" else "ZCARD z",
    ]
    zdiffer.run(steps)


def test_resp3_zadd_scores_formatting(zdiffer):
    zdiffer.run([ignore("HELLO 3")] + zadd_scores())


def big_zadd(key, n, start=0, score=lambda i: i, member=lambda i: f"m{i}"):
    args = ["ZADD", key]
    for i in range(start, start + n):
        args += [str(score(i)), member(i)]
    return args


def test_encoding_conversions(differ):
    long = "x" * 65
    differ.run([
        big_zadd("z", 128), "OBJECT ENCODING z", "ZADD z 128 m128", "OBJECT ENCODING z", "ZREM z m128",
        "OBJECT ENCODING z", "ZCARD z",
        "ZADD v 1 a", ["ZADD", "v", "2", "y" * 64], "OBJECT ENCODING v", ["ZADD", "v", "3", long],
        "OBJECT ENCODING v", ["ZADD", "w", "1", long], "OBJECT ENCODING w",
        ["ZADD", "w2", "1", "a", "2", long], "OBJECT ENCODING w2",
        ["ZADD", "w3", "1", long, "2", "a"], "OBJECT ENCODING w3",
        # results of set operations / ranges go back to listpack when small
        "ZUNIONSTORE u 1 z", "OBJECT ENCODING u", "ZRANGESTORE r z 0 9", "OBJECT ENCODING r",
        "ZRANGESTORE r z 0 -1", "OBJECT ENCODING r", "ZRANGESTORE r z 0 -1 BYSCORE", "OBJECT ENCODING r",
        "ZINTERSTORE i 2 z z", "OBJECT ENCODING i", "ZDIFFSTORE d 2 z v", "OBJECT ENCODING d",
        "ZUNIONSTORE u2 2 z w", "OBJECT ENCODING u2", "ZCARD u2",
        "CONFIG SET zset-max-ziplist-entries 4", "CONFIG GET zset-max-listpack-entries",
        "ZADD s 1 a 2 b 3 c 4 d", "OBJECT ENCODING s", "ZADD s 5 e", "OBJECT ENCODING s",
        "ZRANGESTORE s2 s 0 3", "OBJECT ENCODING s2", "ZRANGESTORE s2 s 0 4", "OBJECT ENCODING s2",
        "ZRANGESTORE s3 s 0 3 BYSCORE", "OBJECT ENCODING s3",
        "CONFIG SET zset-max-ziplist-value 2", "ZADD t 1 abc", "OBJECT ENCODING t",
        "CONFIG SET zset-max-ziplist-entries 0", "ZADD q 1 a", "OBJECT ENCODING q",
        "ZUNIONSTORE q2 1 s", "OBJECT ENCODING q2", "ZRANGESTORE q3 s 0 0", "OBJECT ENCODING q3",
        "CONFIG SET zset-max-ziplist-entries 128", "CONFIG SET zset-max-ziplist-value 64",
    ])


def test_big_skiplist_ranges(differ):
    rnd = random.Random(7)
    members = [f"member:{i}" for i in range(3000)]
    rnd.shuffle(members)
    steps = []
    for chunk in range(0, 3000, 500):
        args = ["ZADD", "big"]
        for m in members[chunk:chunk + 500]:
            args += [str(rnd.choice([rnd.randint(-50, 50), rnd.random() * 100, -rnd.random()])), m]
        steps.append(args)
    steps += ["OBJECT ENCODING big", "ZCARD big"]
    for _ in range(40):
        a, b = sorted(rnd.sample(range(-3100, 3100), 2))
        steps += [f"ZRANGE big {a} {b} WITHSCORES", f"ZREVRANGE big {a} {b}"]
        lo, hi = sorted([rnd.uniform(-60, 110), rnd.uniform(-60, 110)])
        steps += [f"ZCOUNT big {lo} ({hi}", f"ZRANGEBYSCORE big ({lo} {hi} WITHSCORES LIMIT {rnd.randint(0, 20)} 15",
                  f"ZREVRANGEBYSCORE big {hi} {lo} LIMIT 3 7"]
        m = rnd.choice(members)
        steps += [f"ZRANK big {m}", f"ZREVRANK big {m}", f"ZSCORE big {m}", f"ZINCRBY big {rnd.randint(-5, 5)} {m}"]
    steps += ["ZREMRANGEBYRANK big 100 199", "ZREMRANGEBYSCORE big 10 (20", "ZCARD big",
              "ZPOPMIN big 5", "ZPOPMAX big 5", "ZRANGE big 0 -1 WITHSCORES",
              "ZADD lexbig " + " ".join(f"0 {m}" for m in members[:800]), "ZRANGEBYLEX lexbig [member:1 (member:2 LIMIT 5 10",
              "ZLEXCOUNT lexbig [member:3 +", "ZREVRANGEBYLEX lexbig (member:5 - LIMIT 0 10",
              "ZREMRANGEBYLEX lexbig [member:4 (member:5", "ZCARD lexbig", "ZRANGE lexbig 0 -1",
              "ZUNIONSTORE u 2 big lexbig WEIGHTS 2 3", "ZRANGE u 0 -1 WITHSCORES",
              "ZINTERSTORE i 2 big lexbig AGGREGATE MAX", "ZRANGE i 0 -1 WITHSCORES",
              "ZDIFFSTORE d 2 big lexbig", "ZRANGE d 0 50 WITHSCORES", "ZINTERCARD 2 big lexbig LIMIT 10",
              "ZRANDMEMBER big 5000 WITHSCORES", "ZMPOP 1 big MAX COUNT 3"]
    differ.run(steps)
    differ.run([scan_all("ZSCAN big", 2), scan_all("ZSCAN big MATCH member:1* COUNT 5", 2)])


def test_zrandmember_distribution(rkvd):
    """Random picks are members, unique when asked, roughly uniform."""
    r = rkvd.client()
    for enc_n in (10, 500):
        r.delete("z")
        r.zadd("z", {f"m{i}": i for i in range(enc_n)})
        counts = {}
        for _ in range(enc_n * 30):
            m = r.zrandmember("z")
            counts[m] = counts.get(m, 0) + 1
        assert len(counts) == enc_n
        assert max(counts.values()) < 30 * 3
        for count in (1, 3, enc_n // 2, enc_n - 1, enc_n, enc_n + 5):
            got = r.zrandmember("z", count)
            assert len(got) == min(count, enc_n) and len(set(got)) == len(got)
            got = r.zrandmember("z", count, withscores=True)
            assert all(float(s) == int(m[1:]) for m, s in zip(got[::2], got[1::2]))
        got = r.zrandmember("z", -2000)
        assert len(got) == 2000 and set(got) <= {f"m{i}".encode() for i in range(enc_n)}


def _blocking_pair(differ, block_cmd, then):
    """Block a third connection on each server with block_cmd, run `then` on the
    main connections, and return the blocked connections' replies."""
    out = []
    for server, conn in ((differ.server_a, differ.conn_a), (differ.server_b, differ.conn_b)):
        with server.raw() as blocked:
            blocked.command("SELECT", "9")
            blocked.send(encode_command(*block_cmd.split()))
            deadline = time.time() + 5
            while time.time() < deadline:
                with server.raw() as probe:
                    info = probe.command("INFO", "clients")
                if b"blocked_clients:1" in info:
                    break
                time.sleep(0.01)
            replies = [conn.command(*c.split()) for c in then]
            out.append((blocked.read_reply(5), replies))
    return out


@pytest.mark.parametrize("block_cmd, then", [
    ("BZPOPMIN z 0", ["ZADD z 2 b 1 a"]),
    ("BZPOPMAX z 5", ["ZADD z 2 b 1 a", "ZRANGE z 0 -1"]),
    ("BZPOPMIN a z 0", ["ZADD z 1 x", "ZADD a 1 y"]),
    ("BZMPOP 0 2 a z MAX COUNT 5", ["ZADD z 1 x 2 y 3 z", "ZCARD z"]),
    ("BZPOPMIN z 0", ["ZUNIONSTORE z 1 src", "ZADD src 1 s", "ZUNIONSTORE z 1 src"]),
    ("BZPOPMIN z 0", ["ZRANGESTORE z src 0 -1", "ZADD src 3 t", "ZRANGESTORE z src 0 -1"]),
    ("BZPOPMIN z 0", ["GEOADD z 13.361389 38.115556 Palermo"]),
    ("BZPOPMIN z 0.2", ["SET z str", "DEL z"]),
])
def test_blocking_wakeups(differ, block_cmd, then):
    (ra, a_replies), (rb, b_replies) = _blocking_pair(differ, block_cmd, then)
    assert a_replies == b_replies
    assert ra == rb


def test_blocking_fifo_and_timeout(rkvd):
    """Clients blocked on one key are served in the order they blocked."""
    conns = []
    for _ in range(3):
        c = rkvd.raw()
        c.send(encode_command("BZPOPMIN", "q", "0"))
        conns.append(c)
        time.sleep(0.05)
    with rkvd.raw() as w:
        assert w.command("ZADD", "q", "1", "a", "2", "b") == b":2\r\n"
        r0 = conns[0].read_reply(5)
        r1 = conns[1].read_reply(5)
        assert b"$1\r\na\r\n" in r0 and b"$1\r\nb\r\n" in r1
        w.command("ZADD", "q", "3", "c")
        assert b"$1\r\nc\r\n" in conns[2].read_reply(5)
    for c in conns:
        c.close()
    with rkvd.raw() as c:
        t0 = time.time()
        assert c.command("BZPOPMIN", "none", "0.2") == b"*-1\r\n"
        assert 0.15 < time.time() - t0 < 2


def test_keyspace_events(server_pair):
    """zadd/zincr/zrem/zpopmin/... notifications, compared with redis-server."""
    a, b = server_pair("--notify-keyspace-events", "KEA")
    with a.raw() as conn:
        if conn.command("PSUBSCRIBE", "x").startswith(b"-ERR unknown command"):
            pytest.skip("rkvd does not implement PSUBSCRIBE yet")
    events = []
    for server in (a, b):
        p = server.client().pubsub()
        p.psubscribe("__keyevent@0__:*")
        p.get_message(timeout=1)
        r = server.client()
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        r.zincrby("z", 1, "a")
        r.zadd("z", {"a": 2})          # no change: no event
        r.zrem("z", "a", "nope")
        r.zpopmin("z")
        r.zpopmax("z")                  # empties the key: zpopmax + del
        r.zadd("z", {"x": 1, "y": 2})
        r.zremrangebyscore("z", 0, 1)
        r.zremrangebyrank("z", 0, 0)
        r.zadd("s", {"a": 1})
        r.zunionstore("u", ["s"])
        r.zinterstore("u", ["nothing"])
        r.zrangestore("r", "s", 0, -1)
        r.geoadd("g", (13.36, 38.11, "p"))
        r.geosearchstore("gs", "g", longitude=13, latitude=38, radius=100, unit="km")
        got = []
        deadline = time.time() + 3
        while time.time() < deadline:
            m = p.get_message(timeout=0.2)
            if m is None:
                if got:
                    break
                continue
            if m["type"] == "pmessage":
                got.append((m["channel"].split(b":", 1)[1], m["data"]))
        events.append(got)
        p.close()
    assert events[0] == events[1]
