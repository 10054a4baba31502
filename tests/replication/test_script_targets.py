"""Where a script's writes go: redis.set_repl() keeps them out of the
replication stream, the AOF or both, and DEBUG REPLICATE puts a command in
the replication stream only. The same steps run on rkvd and on a real
redis-server, each with the AOF on and a hand-made replica reading its
stream; the streams and what an AOF reload brings back must be the same.
"""
import time

import pytest

from support import HOST, RawConnection, parse_reply

SCRIPT = """
redis.call('set', 'a', '1')
redis.set_repl(redis.REPL_NONE)
redis.call('set', 'b', '2')
redis.set_repl(redis.REPL_AOF)
redis.call('set', 'c', '3')
redis.set_repl(redis.REPL_REPLICA)
redis.call('set', 'e', '5')
redis.set_repl(redis.REPL_ALL)
redis.call('set', 'd', '4')
"""


class Tap:
    """A fake replica: PSYNC, skip the payload, read the commands."""

    def __init__(self, port):
        self.conn = c = RawConnection(HOST, port)
        assert c.command("REPLCONF", "capa", "psync2") == b"+OK\r\n"
        c.send_command("PSYNC", "?", "-1")
        assert self._line().startswith(b"+FULLRESYNC")
        line = self._line()
        while not line:                     # newlines while the snapshot is made
            line = self._line()
        size = int(line[1:])
        deadline = time.monotonic() + 10
        while len(c.buf) < size:
            assert c._fill(deadline)
        del c.buf[:size]

    def _line(self):
        c = self.conn
        deadline = time.monotonic() + 10
        while b"\n" not in c.buf:
            assert c._fill(deadline)
        line, _, rest = bytes(c.buf).partition(b"\n")
        c.buf = bytearray(rest)
        return line.rstrip(b"\r")

    def commands_until(self, last):
        out = []
        while True:
            kind, items = parse_reply(self.conn.read_reply(10))
            argv = [v for _, v in items]
            if argv == [b"PING"]:
                continue
            out.append(argv)
            if argv == last:
                return out


@pytest.mark.parametrize("how", ["eval", "function"])
def test_set_repl_and_debug_replicate(server_pair, how):
    servers = server_pair("--appendonly", "yes", "--repl-ping-replica-period", "100")
    results = []
    for server in servers:
        c = server.client()
        tap = Tap(server.port)
        if how == "eval":
            c.eval(SCRIPT, 0)
        else:
            c.function_load("#!lua name=t\nredis.register_function('t', function()\n"
                            + SCRIPT + "\nend)")
            c.fcall("t", 0)
        assert c.execute_command("DEBUG", "REPLICATE", "SET", "only", "replicas") == b"OK"
        c.set("end", "marker")
        stream = tap.commands_until([b"SET", b"end", b"marker"])
        assert c.mget("a", "b", "c", "d", "e", "only") == [b"1", b"2", b"3", b"4", b"5", None]
        c.execute_command("DEBUG", "LOADAOF")
        results.append((stream, c.mget("a", "b", "c", "d", "e", "only")))
        tap.conn.close()
    (rk_stream, rk_after), (redis_stream, redis_after) = results
    assert rk_stream == redis_stream
    assert [b"set", b"c", b"3"] not in rk_stream and [b"set", b"e", b"5"] in rk_stream
    assert [b"SET", b"only", b"replicas"] in rk_stream
    # after the reload: what the AOF got, never the replica-only commands
    assert rk_after == redis_after == [b"1", None, b"3", b"4", None, None]


def test_wait_after_an_aof_only_write_counts_to_the_replicated_end(rkvd_factory):
    """A script whose last write went to the AOF only: WAIT waits for the
    end of what the replicas were given for it, no less, no more."""
    master = rkvd_factory("--appendonly", "yes", "--repl-ping-replica-period", "100")
    c = master.client()
    tap = Tap(master.port)
    c.eval("redis.call('set','x','1') redis.set_repl(redis.REPL_AOF) redis.call('set','y','2')", 0)
    assert tap.commands_until([b"EXEC"])[-2] == [b"set", b"x", b"1"]
    end = c.info("replication")["master_repl_offset"]
    tap.conn.send_command("REPLCONF", "ACK", str(end - 1))
    assert c.execute_command("WAIT", 1, 100) == 0
    tap.conn.send_command("REPLCONF", "ACK", str(end))
    assert c.execute_command("WAIT", 1, 1000) == 1
    tap.conn.close()
