"""Keyspace notifications delivered over pub/sub: for each command family
the same commands on rkvd and redis-server must publish the same events,
in the same order, on the same channels."""

import time

import pytest

from support import split_replies


def _events(server, commands, flags="KEA", pattern="__key*__:*", setup=(), wait=0.0, resp=2):
    """Run setup, subscribe to pattern with notify-keyspace-events flags,
    run commands, and return every message the subscriber got."""
    with server.raw() as ctl, server.raw() as sub:
        for args in setup:
            ctl.send_command(*args)
            ctl.read_reply()
        assert ctl.command("CONFIG", "SET", "notify-keyspace-events", flags) == b"+OK\r\n"
        try:
            if resp == 3:
                sub.command("HELLO", "3")
            sub.command("PSUBSCRIBE", pattern)
            for args in commands:
                ctl.send_command(*args)
                ctl.read_reply()
            if wait:
                time.sleep(wait)
            data, _ = sub.read_until_idle(0.3)
        finally:
            ctl.command("CONFIG", "SET", "notify-keyspace-events", "")
    return split_replies(data)


def _same(rkvd, redis_ref, commands, **kw):
    a = _events(rkvd, commands, **kw)
    b = _events(redis_ref, commands, **kw)
    assert a == b, "\n".join(f"{x!r:80} {y!r}" for x, y in zip(a + [b""] * len(b), b + [b""] * len(a)))
    return a


FAMILIES = {
    "strings": [
        ["SET", "s", "1"], ["SET", "s", "2", "KEEPTTL"], ["SETNX", "s", "3"], ["INCR", "s"],
        ["INCRBY", "s", "5"], ["DECR", "s"], ["INCRBYFLOAT", "s", "1.5"], ["APPEND", "s", "x"],
        ["SETRANGE", "s", "1", "yy"], ["SETRANGE", "s", "0", ""], ["GETSET", "s", "g"],
        ["MSET", "a", "1", "b", "2"], ["MSETNX", "c", "1", "a", "1"], ["SETEX", "e", "100", "v"],
        ["PSETEX", "e", "100000", "v"], ["SET", "e2", "v", "EX", "100"], ["GETEX", "e2", "PERSIST"],
        ["GETEX", "e2", "EX", "50"], ["GETDEL", "e2"], ["GETDEL", "nokey"], ["STRLEN", "s"],
        ["SET", "s", "v", "GET"], ["SET", "nx", "v", "NX", "GET"],
    ],
    "generic": [
        ["SET", "k", "v"], ["EXPIRE", "k", "100"], ["PEXPIRE", "k", "100000"], ["PERSIST", "k"],
        ["EXPIREAT", "k", "99999999999"], ["RENAME", "k", "k2"], ["RENAMENX", "k2", "k3"],
        ["COPY", "k3", "k4"], ["COPY", "k3", "k4", "REPLACE"], ["MOVE", "k4", "1"],
        ["DEL", "k3", "nokey"], ["SET", "u", "v"], ["UNLINK", "u"], ["SET", "t", "v"],
        ["EXPIRE", "t", "-1"], ["SET", "r", "v"], ["RENAME", "r", "r"], ["TOUCH", "r"],
        ["SET", "z", "1"], ["EXPIRE", "z", "100", "NX"], ["EXPIRE", "z", "100", "NX"],
    ],
    "lists": [
        ["RPUSH", "l", "a", "b", "c"], ["LPUSH", "l", "z"], ["LPUSHX", "l", "y"],
        ["RPUSHX", "nol", "y"], ["LINSERT", "l", "BEFORE", "a", "q"], ["LSET", "l", "0", "w"],
        ["LREM", "l", "0", "q"], ["LTRIM", "l", "0", "2"], ["LPOP", "l"], ["RPOP", "l", "1"],
        ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["RPOPLPUSH", "l2", "l2"], ["LPOP", "l2"],
        ["LPOP", "l"], ["RPUSH", "m", "1", "2"], ["LMPOP", "1", "m", "LEFT", "COUNT", "5"],
        ["RPUSH", "bl", "x"], ["BLPOP", "bl", "0"], ["BLMOVE", "nolist", "d", "LEFT", "LEFT", "0.01"],
    ],
    "hashes": [
        ["HSET", "h", "a", "1", "b", "2"], ["HSETNX", "h", "a", "9"], ["HSETNX", "h", "c", "3"],
        ["HINCRBY", "h", "a", "2"], ["HINCRBYFLOAT", "h", "b", "0.5"], ["HDEL", "h", "a", "zz"],
        ["HMSET", "h", "x", "y"], ["HDEL", "h", "b", "c", "x"], ["HGET", "h", "a"],
    ],
    "sets": [
        ["SADD", "s1", "a", "b", "c"], ["SADD", "s1", "a"], ["SREM", "s1", "a", "z"],
        ["SMOVE", "s1", "s2", "b"], ["SADD", "s3", "c", "d"], ["SINTERSTORE", "d1", "s1", "s3"],
        ["SUNIONSTORE", "d2", "s1", "s3"], ["SDIFFSTORE", "d3", "s1", "s3"],
        ["SINTERSTORE", "d2", "nokey", "s3"], ["SPOP", "s3"], ["SPOP", "d3", "5"], ["SREM", "s2", "b"],
    ],
    "zsets": [
        ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "XX", "CH", "5", "a"],
        ["ZINCRBY", "z", "1", "b"], ["ZREM", "z", "c", "nope"], ["ZADD", "z2", "1", "b"],
        ["ZUNIONSTORE", "zu", "2", "z", "z2"], ["ZINTERSTORE", "zi", "2", "z", "z2"],
        ["ZDIFFSTORE", "zd", "2", "z", "z2"], ["ZRANGESTORE", "zr", "z", "0", "-1"],
        ["ZREMRANGEBYRANK", "zu", "0", "0"], ["ZREMRANGEBYSCORE", "zi", "-inf", "+inf"],
        ["ZREMRANGEBYLEX", "zr", "-", "+"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "5"],
        ["ZADD", "zm", "1", "x"], ["ZMPOP", "1", "zm", "MIN"], ["ZADD", "bz", "1", "x"],
        ["BZPOPMIN", "bz", "0"], ["ZINTERSTORE", "zi2", "1", "nokey"],
    ],
    "other": [
        ["SETBIT", "bits", "7", "1"], ["BITOP", "AND", "dest", "bits"], ["BITFIELD", "bf", "SET", "u8", "0", "5"],
        ["PFADD", "hll", "a", "b"], ["PFMERGE", "hll2", "hll"], ["PFADD", "hll", "a"],
        ["GEOADD", "geo", "13.361389", "38.115556", "Palermo"],
        ["GEOSEARCHSTORE", "g2", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
        ["RPUSH", "srt", "3", "1", "2"], ["SORT", "srt", "STORE", "sorted"],
        ["RESTORE", "rs", "0", b"\x00\x01v\n\x00\x8f\xe9\xb9\x93\x9c\xc9\xa3\x81"],
        ["FLUSHDB"], ["SET", "a", "b"], ["SWAPDB", "0", "1"], ["SWAPDB", "0", "1"], ["FLUSHALL"],
    ],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_events(rkvd, redis_ref, family):
    events = _same(rkvd, redis_ref, FAMILIES[family])
    assert events, "the family published nothing"


@pytest.mark.parametrize("flags", ["K$", "Eg", "Ezl", "KEsh", "KEt", "Kx", "E", "KEm", "KEn", "KEA", "KEAnm"])
def test_class_selection(rkvd, redis_ref, flags):
    cmds = [["SET", "s", "1"], ["RPUSH", "l", "a"], ["SADD", "st", "a"], ["HSET", "h", "f", "v"],
            ["ZADD", "z", "1", "m"], ["EXPIRE", "s", "100"], ["DEL", "l"], ["GET", "missing"],
            ["HGET", "missing", "f"], ["SET", "px", "v", "PX", "1"]]
    _same(rkvd, redis_ref, cmds, flags=flags, wait=0.3)


def test_expired_active_and_lazy(rkvd, redis_ref):
    # active: the cron's expire cycle finds it
    _same(rkvd, redis_ref, [["SET", "a", "v", "PX", "50"]], flags="KEx", wait=0.6)
    # lazy: the active cycle is off, a read finds it expired
    for s in (rkvd, redis_ref):
        with s.raw() as c:
            assert c.command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
    try:
        _same(rkvd, redis_ref, [["SET", "b", "v", "PX", "20"], ["DEBUG", "SLEEP", "0.1"], ["GET", "b"]],
              flags="KEx")
    finally:
        for s in (rkvd, redis_ref):
            with s.raw() as c:
                c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_evicted(server_pair):
    pair = server_pair("--maxmemory-policy", "allkeys-random")
    out = []
    for s in pair:
        with s.raw() as c:
            used = int(c.command("MEMORY", "STATS").split(b"total.allocated\r\n:")[1].split(b"\r\n")[0])
            c.command("CONFIG", "SET", "notify-keyspace-events", "KEe")
            with s.raw() as sub:
                sub.command("SUBSCRIBE", "__keyevent@0__:evicted")
                c.command("CONFIG", "SET", "maxmemory", str(used + 200000))
                for i in range(400):
                    c.command("SET", f"key:{i}", "x" * 1000)
                data, _ = sub.read_until_idle(0.3)
        frames = split_replies(data)
        out.append(len(frames))
        assert frames and all(f.startswith(b"*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n")
                              for f in frames), (s.name, frames[:3])
    assert out[0] > 0 and out[1] > 0


def test_config_set_takes_effect_at_once_and_resp3(rkvd, redis_ref):
    _same(rkvd, redis_ref, [["SET", "a", "1"], ["CONFIG", "SET", "notify-keyspace-events", ""],
                            ["SET", "b", "1"], ["CONFIG", "SET", "notify-keyspace-events", "El"],
                            ["SET", "c", "1"], ["LPUSH", "d", "1"]], flags="K$", resp=3)


def test_blocked_pop_served_later(rkvd, redis_ref):
    out = []
    for s in (rkvd, redis_ref):
        with s.raw() as ctl, s.raw() as sub, s.raw() as blocked:
            ctl.command("CONFIG", "SET", "notify-keyspace-events", "KEA")
            try:
                sub.command("PSUBSCRIBE", "__keyevent*")
                blocked.send_command("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
                time.sleep(0.2)
                ctl.command("RPUSH", "src", "a", "b")
                assert blocked.read_reply() == b"$1\r\na\r\n"
                data, _ = sub.read_until_idle(0.3)
            finally:
                ctl.command("CONFIG", "SET", "notify-keyspace-events", "")
        out.append(split_replies(data))
    assert out[0] == out[1]
