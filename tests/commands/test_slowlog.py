"""SLOWLOG (rkvd/commands/slowlog.py) against redis-server: the same traffic
must leave the same entries (ids, arguments as trimmed and redacted, client
names), with timestamps, durations and client ports masked."""

import re
import threading
import time

import pytest


def _masked(entries):
    out = []
    for e in entries:
        assert isinstance(e[1], int) and abs(e[1] - time.time()) < 60
        assert isinstance(e[2], int) and e[2] >= 0
        assert re.fullmatch(rb"127\.0\.0\.1:\d+", e[4]), e[4]
        out.append((e[0], e[3], e[5]))
    return out


TRAFFIC = [
    ["SET", "k", "v"],
    ["CLIENT", "SETNAME", "me"],
    ["GET", "k"],
    ["SET", "long", b"x" * 200],
    ["RPUSH", "many"] + [str(i) for i in range(40)],
    ["RPUSH", "exact"] + [str(i) for i in range(30)],        # 32 arguments: kept
    ["AUTH", "secret"],
    ["AUTH", "user", "secret"],
    ["HELLO", "2", "AUTH", "default", "pw", "SETNAME", "other"],
    ["CONFIG", "SET", "masterauth", "pw"],
    ["MULTI"], ["INCR", "n"], ["EXEC"],                       # EXEC itself is skipped
    ["NOSUCHCOMMAND"],                                        # never ran
]


def _log_of(server):
    c = server.client()
    assert c.config_set("slowlog-log-slower-than", 0)
    c.slowlog_reset()
    with server.raw() as r:
        for args in TRAFFIC:
            r.send_command(*args)
            r.read_reply()
    entries = c.execute_command("SLOWLOG", "GET", "-1")
    length = c.execute_command("SLOWLOG", "LEN")
    return _masked(entries), length


def test_slowlog_entries_match_redis(server_pair):
    a, b = server_pair()
    la, lb = _log_of(a), _log_of(b)
    assert la == lb
    names = [e[1][0] for e in la[0]]
    assert b"EXEC" not in names and b"exec" not in names
    entry = {tuple(e[1][:2]): e for e in la[0]}
    assert [e[1] for e in la[0] if e[1][0] == b"AUTH"] == [
        [b"AUTH", b"(redacted)", b"(redacted)"], [b"AUTH", b"(redacted)"]]
    long_set = entry[(b"SET", b"long")][1]
    assert long_set[2] == b"x" * 128 + b"... (72 more bytes)"
    many = entry[(b"RPUSH", b"many")][1]
    assert len(many) == 32 and many[-1] == b"... (11 more arguments)"


def test_slowlog_get_count_len_reset_help(server_pair):
    for s in server_pair():
        c = s.client()
        c.config_set("slowlog-log-slower-than", 0)
        c.slowlog_reset()
        for i in range(15):
            c.set("k%d" % i, i)
        assert len(c.execute_command("SLOWLOG", "GET")) == 10
        assert len(c.execute_command("SLOWLOG", "GET", "3")) == 3
        assert len(c.execute_command("SLOWLOG", "GET", "-1")) == 18
        assert c.execute_command("SLOWLOG", "GET", "0") == []
        with s.raw() as r:
            assert r.command("SLOWLOG", "GET", "-2") == b"-ERR count should be greater than or equal to -1\r\n"
            assert r.command("SLOWLOG", "GET", "x") == b"-ERR count should be greater than or equal to -1\r\n"
            assert r.command("SLOWLOG", "GET", "1", "2").startswith(b"-ERR unknown subcommand or wrong number")
            assert r.command("SLOWLOG", "NOPE") == b"-ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP.\r\n"
            assert r.command("SLOWLOG", "HELP").startswith(b"*12\r\n+SLOWLOG <subcommand>")
        c.config_set("slowlog-max-len", 5)
        c.set("x", 1)
        assert c.execute_command("SLOWLOG", "LEN") == 5
        c.config_set("slowlog-log-slower-than", -1)
        c.slowlog_reset()
        c.set("y", 1)
        assert c.execute_command("SLOWLOG", "LEN") == 0


def test_slowlog_threshold(server_pair):
    for s in server_pair():
        c = s.client()
        c.config_set("slowlog-log-slower-than", 100000)
        c.slowlog_reset()
        c.set("fast", 1)
        c.execute_command("DEBUG", "SLEEP", "0.2")
        entries = c.execute_command("SLOWLOG", "GET")
        assert [e[3] for e in entries] == [[b"DEBUG", b"SLEEP", b"0.2"]]
        assert entries[0][2] >= 200000


@pytest.mark.parametrize("served", [True, False])
def test_slowlog_blocked_command_logged_when_served(server_pair, served):
    # Redis 7.0 logs a blocked command when a key serves it; a timeout
    # leaves no entry
    for s in server_pair():
        c = s.client()
        c.config_set("slowlog-log-slower-than", 0)
        c.slowlog_reset()
        with s.raw() as r:
            r.send_command("BLPOP", "q", "1" if not served else "0")
            time.sleep(0.3)
            # blocked: not logged yet
            assert [e[3][0] for e in c.execute_command("SLOWLOG", "GET")] == [b"SLOWLOG"]
            if served:
                threading.Timer(0.1, s.client().rpush, ("q", "v")).start()
            r.read_reply(3)
        names = [e[3][0] for e in c.execute_command("SLOWLOG", "GET", "-1")]
        assert (b"BLPOP" in names) == served, (s, names)


def test_slowlog_skips_aof_replay(server_pair):
    # Redis replays the AOF without call(): nothing it loads is logged
    for s in server_pair("--appendonly", "yes", "--slowlog-log-slower-than", "0"):
        c = s.client()
        c.set("a", 1)
        c.rpush("l", 1, 2)
        c.slowlog_reset()
        assert c.execute_command("DEBUG", "LOADAOF")
        assert c.get("a") == b"1"
        entries = c.execute_command("SLOWLOG", "GET", "-1")
        assert [e[3] for e in entries] == [[b"GET", b"a"], [b"DEBUG", b"LOADAOF"], [b"SLOWLOG", b"RESET"]], s
