"""The Lua debugger (SCRIPT DEBUG SYNC|YES) against redis-server: every
debugger command's output, byte for byte, and what each mode leaves in the
dataset."""

import re

import pytest

SCRIPT = ("local x = 10\n"
          "local t = {1,2,'a',{k='v'}}\n"
          "redis.debug('hello', x, t)\n"
          "redis.call('set', KEYS[1], ARGV[1])\n"
          "local y = redis.call('get', KEYS[1])\n"
          "redis.breakpoint()\n"
          "return {x, y, redis.call('incr', 'cnt')}\n")

STEPS = [["help"], ["s"], ["p"], ["print", "x"], ["print", "KEYS"], ["print", "nope"],
         ["b", "5"], ["b"], ["b", "99"], ["b", "x"], ["c"], ["l"], ["l", "2", "1"], ["w"],
         ["e", "1+1"], ["e", "x"], ["e", "error('boom')"], ["eval", "(("],
         ["r", "set", "a", "b"], ["r", "get", "nosuch"], ["r", "hgetall", "a"],
         ["redis", "ping"], ["r", "hset", "h", "f", "1"], ["r", "hgetall", "h"],
         ["m", "10"], ["r", "set", "big", "x" * 200], ["r", "get", "big"], ["m", "0"],
         ["r", "get", "big"], ["t"], ["bogus"], ["hello\0world"], ["b", "-5"], ["b", "-5"],
         ["b", "0"], ["n"], ["c"], ["c"]]


def _session(server, mode):
    out = []
    with server.raw() as c, server.raw() as other:
        out.append(c.command("SCRIPT", "DEBUG", mode))
        c.send_command("EVAL", SCRIPT, "1", "k1", "v1")
        out.append(c.read_reply())
        for step in STEPS:
            out.append(c.command(*step))
        out.append(c.read_reply())                  # the EVAL's reply
        out.append(c.is_closed_by_peer())           # the session ends the connection
        out.append(other.command("MGET", "k1", "a", "cnt"))
    # function and table addresses differ between processes
    return [re.sub(rb"0x[0-9a-f]+", b"PTR", r) if isinstance(r, bytes) else r for r in out]


@pytest.mark.parametrize("mode", ["SYNC", "YES"])
def test_debugger_session(server_pair, mode):
    rk, rd = server_pair()
    assert _session(rk, mode) == _session(rd, mode)


def _edges(server):
    out = []
    with server.raw() as c:
        out.append(c.command("SCRIPT", "DEBUG", "MAYBE"))
        out.append(c.command("SCRIPT", "DEBUG", "SYNC"))
        out.append(c.command("EVALSHA", "a" * 40, "0"))
        out.append(c.command("SCRIPT", "DEBUG", "NO"))
        out.append(c.command("EVAL", "return redis.breakpoint()", "0"))
        out.append(c.command("EVAL", "return redis.debug('x')", "0"))
        # a client that goes away ends its session; the script runs to its end
        out.append(c.command("SCRIPT", "DEBUG", "SYNC"))
        c.send_command("EVAL", "redis.call('set', 'gone', 1) return 1", "0")
        out.append(c.read_reply())
    with server.raw() as c:
        c.command("SCRIPT", "DEBUG", "SYNC")
        c.send_command("EVAL", "return 'hello'", "0")
        out.append(c.read_reply())
        # Redis's test: a debugger "redis" command with a hundred arguments
        out.append(c.command("redis", *["test"] * 100))
        out.append(c.command("a"))
        out.append(c.read_reply())
    with server.raw() as c:
        out.append(c.command("GET", "gone"))
        c.send(b"garbage\r\n")
    return out


def test_debugger_edges(server_pair):
    rk, rd = server_pair()
    assert _edges(rk) == _edges(rd)
