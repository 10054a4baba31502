"""The propagation stream (rkvd/_core/engine/propagate.pyx) against the
replication stream of a real redis-server 7.0.15.

rkvd records what it propagates with DEBUG PROPAGATED (its own subcommand,
until the AOF and replicas consume the stream); redis-server's stream is read
by a fake replica (PSYNC, skip the RDB, read the commands). Both run the same
commands; the streams must match command for command, SELECT, MULTI and EXEC
included. Absolute times (PXAT/PEXPIREAT) are computed from each server's
clock, so they must agree within a tolerance instead of exactly.
"""
import time

import pytest

import support
from support import HOST, RawConnection, ServerProcess, parse_reply, rkvd_command

MARKER_DB = 15
TIME_TOLERANCE_MS = 5000


def _argv(reply: bytes) -> list[bytes]:
    kind, items = parse_reply(reply)
    assert kind == "*", reply
    return [v for _, v in items]


def _commands(stream: bytes) -> list[list[bytes]]:
    out, pos = [], 0
    while pos < len(stream):
        end = support.reply_end(stream, pos)
        assert end is not None, f"truncated stream: {stream[pos:pos + 80]!r}"
        out.append(_argv(stream[pos:end]))
        pos = end
    return out


class ReplicationTap:
    """A fake replica of a real redis-server: PSYNC, skip the RDB payload,
    then read the commands the master propagates."""

    def __init__(self, server: ServerProcess):
        self.conn = c = RawConnection(HOST, server.port)
        assert c.command("REPLCONF", "capa", "psync2") == b"+OK\r\n"
        c.send_command("PSYNC", "?", "-1")
        line = self._line()
        assert line.startswith(b"+FULLRESYNC"), line
        while True:                      # newlines keep the link alive meanwhile
            line = self._line()
            if line:
                break
        assert line.startswith(b"$"), line
        size = int(line[1:])
        deadline = time.monotonic() + 10
        while len(c.buf) < size:
            c._fill(deadline)
        del c.buf[:size]

    def _line(self) -> bytes:
        c = self.conn
        deadline = time.monotonic() + 10
        while b"\n" not in c.buf:
            c._fill(deadline)
        line, _, rest = bytes(c.buf).partition(b"\n")
        c.buf = bytearray(rest)
        return line.rstrip(b"\r")

    def read_until(self, last: list[bytes]) -> list[list[bytes]]:
        """The commands up to and including `last`, keep-alive PINGs left out."""
        out = []
        while True:
            argv = _argv(self.conn.read_reply(10))
            if argv == [b"PING"]:
                continue
            out.append(argv)
            if argv == last:
                return out


class Pair:
    """The same commands on rkvd and redis-server, and their streams."""

    def __init__(self, rkvd: ServerProcess, redis: ServerProcess, tap: ReplicationTap):
        self.rkvd, self.redis, self.tap = rkvd, redis, tap
        self.conns = [RawConnection(HOST, rkvd.port), RawConnection(HOST, redis.port)]
        self.marker = 0
        self.drained = False

    def begin(self):
        a, b = self.conns
        assert a.command("DEBUG", "PROPAGATED", "START") == b"+OK\r\n"
        for c in self.conns:
            assert c.command("SELECT", 9) == b"+OK\r\n"
            assert c.command("FLUSHALL") == b"+OK\r\n"
        # The reference's stream may still carry the test before's keys
        # (its active expiry deletes them after that test's marker): both
        # streams start after this FLUSHALL.
        self._read_to_marker()

    def run(self, *args, same_reply: bool = True) -> tuple[bytes, bytes]:
        a, b = (c.command(*args) for c in self.conns)
        if same_reply:
            assert a == b, f"{args}: rkvd {a!r}, redis {b!r}"
        return a, b

    def streams(self) -> tuple[list, list]:
        """End the test's commands with a marker; both streams up to it."""
        a, b = self._read_to_marker()
        self.drained = True
        assert self.conns[0].command("DEBUG", "PROPAGATED", "STOP") == b"+OK\r\n"
        return a, b

    def _read_to_marker(self) -> tuple[list, list]:
        self.marker += 1
        marker = [b"SET", b"propagation-marker", b"%d" % self.marker]
        for c in self.conns:
            assert c.command("SELECT", MARKER_DB) == b"+OK\r\n"
            assert c.command(*marker) == b"+OK\r\n"
            assert c.command("SELECT", 9) == b"+OK\r\n"
        a = _commands(parse_reply(self.conns[0].command("DEBUG", "PROPAGATED", "READ"))[1])
        b = self.tap.read_until(marker)
        return a, b

    def close(self):
        for c in self.conns:
            c.close()


def _same_command(a: list[bytes], b: list[bytes]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        # an absolute unix time in ms, from each server's own clock
        if len(x) == len(y) == 13 and x.isdigit() and y.isdigit() \
                and abs(int(x) - int(y)) < TIME_TOLERANCE_MS:
            continue
        return False
    return True


def assert_same_stream(a: list, b: list):
    show = "\n".join(f"  rkvd {x!r}\n  ref  {y!r}" for x, y in zip(a + [None] * len(b), b + [None] * len(a))
                     if x is not None or y is not None)
    assert len(a) == len(b) and all(map(_same_command, a, b)), f"streams differ:\n{show}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    rkvd = ServerProcess(rkvd_command(), "rkvd-prop", tmp_path_factory.mktemp("rkvd-prop"))
    redis = ServerProcess([support.REDIS_SERVER], "redis-prop", tmp_path_factory.mktemp("redis-prop"),
                          extra_args=["--repl-diskless-sync", "no", "--repl-ping-replica-period", "3600"])
    rkvd.start()
    redis.start()
    tap = ReplicationTap(redis)
    yield rkvd, redis, tap
    tap.conn.close()
    rkvd.kill()
    redis.kill()


@pytest.fixture
def pair(servers):
    p = Pair(*servers)
    p.begin()
    yield p
    if not p.drained:       # a failed test: keep the reference stream in step
        p.streams()
    p.close()


def check(pair: Pair, *commands):
    for cmd in commands:
        pair.run(*cmd)
    a, b = pair.streams()
    assert_same_stream(a, b)
    return a


# --------------------------------------------------------------------------
# Commands propagated as they were sent

def test_plain_writes_propagate_as_sent(pair):
    a = check(pair, ("SET", "k", "v"), ("RPUSH", "l", "a", "b"), ("HSET", "h", "f", "1"),
              ("SADD", "s", "m"), ("ZADD", "z", "1", "m"), ("INCR", "n"), ("APPEND", "k", "x"))
    assert [b"SET", b"k", b"v"] in a


def test_reads_and_noops_propagate_nothing(pair):
    pair.run("SET", "k", "v")
    a = check(pair, ("GET", "k"), ("DEL", "missing"), ("SADD", "s", "m"), ("SADD", "s", "m"),
              ("EXPIRE", "k", "100", "NX"), ("EXPIRE", "k", "100", "NX"), ("LPOP", "nolist"))
    assert a.count([b"SADD", b"s", b"m"]) == 1


def test_select_precedes_a_change_of_database(pair):
    check(pair, ("SET", "a", "1"), ("SELECT", "3"), ("SET", "b", "2"), ("SELECT", "9"),
          ("SET", "c", "3"))


def test_flush_propagates_even_when_empty(pair):
    check(pair, ("FLUSHDB",), ("FLUSHALL",), ("FLUSHDB", "ASYNC"))


# --------------------------------------------------------------------------
# Rewrites: the effect, not the command

def test_relative_expiry_of_set_becomes_pxat(pair):
    a = check(pair, ("SET", "a", "1", "EX", "100"), ("SET", "b", "1", "PX", "100000"),
              ("SET", "c", "1", "EXAT", str(int(time.time()) + 100)),
              ("SET", "d", "1", "PXAT", str(int(time.time() * 1000) + 100000)),
              ("SET", "e", "1", "NX", "GET", "EX", "100"), ("SETEX", "f", "100", "v"),
              ("PSETEX", "g", "100000", "v"))
    assert [x for x in a if x[:2] == [b"SET", b"a"]][0][:4] == [b"SET", b"a", b"1", b"PXAT"]


def test_expire_family_becomes_pexpireat(pair):
    pair.run("MSET", "a", "1", "b", "1", "c", "1", "d", "1")
    now = int(time.time())
    check(pair, ("EXPIRE", "a", "100"), ("PEXPIRE", "b", "100000", "XX"),
          ("EXPIREAT", "c", str(now + 100)), ("PEXPIREAT", "d", str(now * 1000 + 100000)),
          ("EXPIRE", "a", "200", "GT"))


def test_expire_in_the_past_becomes_del(pair):
    pair.run("MSET", "a", "1", "b", "1")
    check(pair, ("EXPIRE", "a", "-1"), ("PEXPIREAT", "b", "1"))


def test_getex_and_getdel(pair):
    pair.run("MSET", "a", "1", "b", "1", "c", "1", "d", "1")
    check(pair, ("GETEX", "a", "EX", "100"), ("GETEX", "b", "PERSIST"), ("GETEX", "b", "PX", "5000"),
          ("GETEX", "b", "PERSIST"), ("GETEX", "c", "PXAT", "1"), ("GETEX", "d"),
          ("GETDEL", "d"), ("GETDEL", "d"), ("GETSET", "e", "1"))


def test_float_increments_propagate_their_result(pair):
    pair.run("SET", "f", "10.5")
    pair.run("EXPIRE", "f", "100")
    check(pair, ("INCRBYFLOAT", "f", "0.1"), ("INCRBYFLOAT", "g", "3"),
          ("HINCRBYFLOAT", "h", "x", "1.25"), ("HINCRBYFLOAT", "h", "x", "1e2"))


def test_spop_becomes_srem(pair):
    pair.run("SADD", "s", "only")
    pair.run("SADD", "i", "7")
    check(pair, ("SPOP", "s"), ("SPOP", "i"), ("SPOP", "s"))


def test_spop_with_count_is_one_srem_per_member(pair):
    # which members go is random: compare what each server popped with what
    # it propagated, and the shape of the two streams
    for key, members in (("small", [b"a", b"b", b"c", b"d", b"e"]),
                         ("ints", [b"%d" % i for i in range(1, 40)])):
        pair.run("SADD", key, *members)
    replies = [pair.run("SPOP", "small", "2", same_reply=False),
               pair.run("SPOP", "ints", "35", same_reply=False)]
    pair.run("SPOP", "small", "10", same_reply=False)   # the rest: one DEL
    a, b = pair.streams()
    for stream, side in ((a, 0), (b, 1)):
        srems = [argv for argv in stream if argv[0] == b"SREM"]
        popped = [m for r in replies for _, m in parse_reply(r[side])[1]]
        assert sorted(argv[2] for argv in srems) == sorted(popped)
        assert all(len(argv) == 3 for argv in srems)
    shape = [[argv[0]] if argv[0] in (b"SREM", b"SADD") else argv for argv in a]
    assert shape == [[argv[0]] if argv[0] in (b"SREM", b"SADD") else argv for argv in b]
    assert [b"DEL", b"small"] in a


def test_list_pops_become_plain_pops(pair):
    pair.run("RPUSH", "l", "1", "2", "3", "4", "5", "6")
    pair.run("RPUSH", "src", "x", "y")
    check(pair, ("BLPOP", "nolist", "l", "0"), ("BRPOP", "l", "0"),
          ("LMPOP", "2", "nolist", "l", "LEFT", "COUNT", "2"), ("LMPOP", "1", "l", "RIGHT"),
          ("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "10"),
          ("BRPOPLPUSH", "src", "dst", "0"), ("BLMOVE", "src", "dst", "Left", "rIGHT", "0"))


def test_zset_pops_become_zpop(pair):
    pair.run("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    check(pair, ("BZPOPMIN", "nozset", "z", "0"), ("BZPOPMAX", "z", "0"),
          ("ZMPOP", "1", "z", "MIN"), ("ZMPOP", "2", "nozset", "z", "MAX", "COUNT", "1"),
          ("BZMPOP", "0", "1", "z", "MIN", "COUNT", "10"), ("ZPOPMIN", "z"))


def _served(pair, block: tuple, push: tuple):
    """A second client blocks with `block`; `push` from the first serves it."""
    waiters = [RawConnection(HOST, s.port) for s in (pair.rkvd, pair.redis)]
    try:
        for w in waiters:
            w.command("SELECT", 9)
            w.send_command(*block)
        time.sleep(0.2)
        pair.run(*push)
        replies = [w.read_reply(5) for w in waiters]
        assert replies[0] == replies[1]
    finally:
        for w in waiters:
            w.close()


@pytest.mark.parametrize("block,push", [
    (("BLPOP", "l", "0"), ("RPUSH", "l", "a", "b")),
    (("BRPOP", "l", "0"), ("LPUSH", "l", "a")),
    (("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "5"), ("RPUSH", "l", "a", "b", "c")),
    (("BRPOPLPUSH", "l", "dst", "0"), ("RPUSH", "l", "a")),
    (("BLMOVE", "l", "dst", "RIGHT", "LEFT", "0"), ("RPUSH", "l", "a")),
    (("BZPOPMIN", "z", "0"), ("ZADD", "z", "1", "a", "2", "b")),
    (("BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"), ("ZADD", "z", "1", "a", "2", "b")),
], ids=lambda v: v[0] if isinstance(v, tuple) else v)
def test_served_blocked_client_propagates_a_plain_pop(pair, block, push):
    _served(pair, block, push)
    a, b = pair.streams()
    assert_same_stream(a, b)


def test_restore_propagates_an_absolute_ttl_or_a_del(pair):
    pair.run("SET", "src", "v")
    _, payload = parse_reply(pair.conns[1].command("DUMP", "src"))       # redis-server's payload
    past = str(int(time.time() * 1000) - 10000)
    pair.run("SET", "old", "x")
    a = check(pair, ("RESTORE", "a", "0", payload), ("RESTORE", "b", "100000", payload),
              ("RESTORE", "c", "100000", payload, "REPLACE", "IDLETIME", "5"),
              ("RESTORE", "d", past, payload, "ABSTTL"), ("RESTORE", "old", past, payload, "ABSTTL", "REPLACE"),
              ("RESTORE", "a", "0", payload), ("RESTORE-ASKING", "e", "1000", payload))
    assert [b"DEL", b"old"] in a
    assert [x for x in a if x[:2] == [b"RESTORE", b"b"]][0][-1] == b"ABSTTL"


def test_migrate_propagates_a_del_of_the_moved_keys(pair, redis_factory):
    # each side migrates to its own target; "c" is refused there (BUSYKEY)
    targets = [redis_factory(), redis_factory()]
    for conn, target in zip(pair.conns, targets):
        assert conn.command("MSET", "a", "1", "b", "2", "c", "3", "d", "4") == b"+OK\r\n"
        with target.raw() as t:
            assert t.command("SET", "c", "there") == b"+OK\r\n"
    replies = [[conn.command("MIGRATE", HOST, target.port, *args) for args in (
        ("", "0", "1000", "KEYS", "a", "missing", "c", "b"),
        ("d", "0", "1000", "COPY"),
        ("nokey", "0", "1000"))]
        for conn, target in zip(pair.conns, targets)]
    assert replies[0] == replies[1]
    a, b = pair.streams()
    assert_same_stream(a, b)
    assert [b"DEL", b"a", b"b"] in a


# --------------------------------------------------------------------------
# Transactions and expiry

def test_transaction_is_wrapped_when_it_writes_more_than_once(pair):
    check(pair, ("MULTI",), ("SET", "a", "1"), ("GET", "a"), ("EXEC",),
          ("MULTI",), ("SET", "a", "2"), ("INCR", "n"), ("SELECT", "4"), ("SET", "b", "1"),
          ("SELECT", "9"), ("EXEC",),
          ("MULTI",), ("GET", "a"), ("EXEC",))


def test_transaction_applies_the_rewrites(pair):
    pair.run("SADD", "s", "m")
    check(pair, ("MULTI",), ("SET", "a", "1", "EX", "100"), ("SPOP", "s"), ("INCRBYFLOAT", "f", "1.5"),
          ("EXEC",))


def test_lazily_expired_key_becomes_del(pair):
    pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.run("SET", "a", "1", "PX", "30")
        pair.run("SET", "b", "1", "PX", "30")
        time.sleep(0.1)
        # a read that finds it expired: DEL alone; a write: DEL then the write, in a transaction
        check(pair, ("GET", "a"), ("SET", "b", "2"))
    finally:
        pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_lazy_expire_and_lazy_user_del_propagate_unlink(pair):
    """Redis's propagateDeletion and GETDEL: UNLINK under the lazyfree switches."""
    pair.run("CONFIG", "SET", "lazyfree-lazy-expire", "yes", "lazyfree-lazy-user-del", "yes")
    pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.run("MSET", "a", "1", "b", "1", "c", "1")
        pair.run("SET", "d", "1", "PX", "30")
        time.sleep(0.1)
        check(pair, ("EXPIRE", "a", "-1"), ("GETEX", "b", "PXAT", "1"), ("GETDEL", "c"), ("GET", "d"))
    finally:
        pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        pair.run("CONFIG", "SET", "lazyfree-lazy-expire", "no", "lazyfree-lazy-user-del", "no")


@pytest.mark.parametrize("command", [("SCAN", "0"), ("RANDOMKEY",), ("KEYS", "*")])
def test_keys_expired_by_a_scan_are_not_a_transaction(pair, command):
    pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pair.run("SET", "a", "1", "PX", "10")
        pair.run("SET", "b", "1", "PX", "10")
        time.sleep(0.05)
        pair.run(*command, same_reply=False)
        a, b = pair.streams()
        assert_same_stream(sorted(a), sorted(b))
        assert [b"MULTI"] not in a
    finally:
        pair.run("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_actively_expired_keys_become_dels(pair):
    for c in pair.conns:
        c.command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    pair.run("SET", "a", "1", "PX", "10")
    pair.run("SET", "b", "1", "PX", "10")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if pair.run("DBSIZE", same_reply=False) == (b":0\r\n", b":0\r\n"):
            break
        time.sleep(0.05)
    a, b = pair.streams()
    # the cron's order over the two keys is its own: compare as sets
    dels_a = sorted(x for x in a if x[0] == b"DEL")
    dels_b = sorted(x for x in b if x[0] == b"DEL")
    assert dels_a == dels_b == [[b"DEL", b"a"], [b"DEL", b"b"]]
    assert [b"MULTI"] not in a and [b"MULTI"] not in b


def test_nothing_is_recorded_when_no_one_listens(pair):
    a = pair.conns[0]
    assert a.command("DEBUG", "PROPAGATED", "STOP") == b"+OK\r\n"
    a.command("SET", "k", "v")
    assert parse_reply(a.command("DEBUG", "PROPAGATED", "READ")) == ("$", b"")
    assert a.command("DEBUG", "PROPAGATED", "START") == b"+OK\r\n"
    a.command("SET", "k", "w")
    stream, _ = pair.streams()
    assert stream[:2] == [[b"SELECT", b"9"], [b"SET", b"k", b"w"]]
