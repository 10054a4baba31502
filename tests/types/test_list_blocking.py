"""Blocking list commands with several raw-socket clients, against redis-server.

Each scenario is a script of actions by named clients (send a command, read
a reply, check that nothing arrives, wait until N clients are blocked). It
runs once on rkvd and once on redis-server 7.0.15 and the two transcripts,
every byte every client saw, must be identical: who gets served, in which
order, what the others see, timeouts (with sub-second precision), pipelines
waiting behind a blocked command, CLIENT UNBLOCK, disconnects.

Scenarios that need MULTI/EXEC or scripting are left to when those exist.
"""
import time

import pytest

from support import encode_command, info_sections

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]


class Scene:
    """Named raw connections on db 9 and a transcript of what they see."""

    def __init__(self, server):
        self.server = server
        self.conns = {}
        self.log = []
        self.masks = {}             # text -> placeholder (client ids differ)
        self.control = server.raw()
        self.control.command("SELECT", 9)

    def conn(self, name):
        if name not in self.conns:
            c = self.server.raw()
            assert c.command("SELECT", 9) == b"+OK\r\n"
            self.conns[name] = c
        return self.conns[name]

    def send(self, name, *args):
        """Send without reading (the command may block)."""
        self.conn(name).send_command(*args)

    def send_raw(self, name, data):
        self.conn(name).send(data)

    def cmd(self, name, *args):
        reply = self.conn(name).command(*args)
        text = " ".join(self.masks.get(str(a), str(a)) for a in args)
        self.log.append((name, text, reply))
        return reply

    def read(self, name, timeout=3.0):
        try:
            reply = self.conn(name).read_reply(timeout)
        except TimeoutError:
            reply = b"<timeout>"
        self.log.append((name, "read", reply))
        return reply

    def silent(self, name, idle=0.2):
        """Record that nothing arrives for `idle` seconds."""
        data, closed = self.conn(name).read_until_idle(idle, idle + 0.5)
        self.log.append((name, "silent?", data, closed))

    def blocked_count(self):
        text = self.control.command("INFO", "clients").split(b"\r\n", 1)[1].decode()
        return int(info_sections(text)["clients"]["blocked_clients"])

    def wait_blocked(self, n, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.blocked_count() == n:
                break
            time.sleep(0.01)
        self.log.append(("control", "blocked_clients", self.blocked_count()))

    def client_id(self, name):
        reply = self.conn(name).command("CLIENT", "ID")
        cid = int(reply[1:-2])
        self.masks[str(cid)] = f"<id of {name}>"
        return cid

    def close(self, name):
        self.conns.pop(name).close()

    def finish(self):
        for c in self.conns.values():
            c.close()
        self.control.close()


def compare(rkvd, redis_ref, scenario):
    transcripts = []
    for server in (rkvd, redis_ref):
        sc = Scene(server)
        try:
            scenario(sc)
        finally:
            sc.finish()
        transcripts.append(sc.log)
    a, b = transcripts
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"step {i}: rkvd saw {x!r}, redis saw {y!r}\nrkvd: {a}\nredis: {b}"
    assert len(a) == len(b)


def test_fifo_among_waiters(rkvd, redis_ref):
    """The longest-waiting client is served first; the others keep waiting."""
    def scenario(sc):
        for n in ("c1", "c2", "c3"):
            sc.send(n, "BLPOP", "k", 0)
            sc.wait_blocked(int(n[1]))
        sc.cmd("ctl", "RPUSH", "k", "one")
        sc.read("c1")
        sc.silent("c2")
        sc.silent("c3")
        sc.wait_blocked(2)
        sc.cmd("ctl", "RPUSH", "k", "two", "three", "four")
        sc.read("c2")
        sc.read("c3")
        sc.cmd("ctl", "LRANGE", "k", 0, -1)
        sc.wait_blocked(0)
    compare(rkvd, redis_ref, scenario)


def test_variadic_push_serves_in_order(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BRPOP", "k", 0)
        sc.wait_blocked(1)
        sc.send("b", "BLPOP", "k", 0)
        sc.wait_blocked(2)
        sc.cmd("ctl", "LPUSH", "k", "x", "y", "z")
        sc.read("a")
        sc.read("b")
        sc.cmd("ctl", "LRANGE", "k", 0, -1)
    compare(rkvd, redis_ref, scenario)


def test_served_from_the_key_that_became_ready(rkvd, redis_ref):
    """A client on several keys gets the first key that receives data."""
    def scenario(sc):
        sc.send("a", "BLPOP", "k1", "k2", "k3", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "RPUSH", "k3", "from3")
        sc.read("a")
        sc.send("a", "BLMPOP", 0, 3, "k1", "k2", "k3", "RIGHT", "COUNT", 5)
        sc.wait_blocked(1)
        sc.cmd("ctl", "RPUSH", "k2", "p", "q", "r")
        sc.read("a")
        sc.send("a", "BRPOP", "k1", "k2", "k1", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "RPUSH", "k1", "once")
        sc.read("a")
        sc.cmd("ctl", "EXISTS", "k1", "k2", "k3")
    compare(rkvd, redis_ref, scenario)


def test_blmpop_counts_between_waiters(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 2)
        sc.wait_blocked(1)
        sc.send("b", "BLMPOP", 0, 1, "k", "RIGHT", "COUNT", 10)
        sc.wait_blocked(2)
        sc.send("c", "BLPOP", "k", 0)
        sc.wait_blocked(3)
        sc.cmd("ctl", "RPUSH", "k", 1, 2, 3, 4, 5)
        sc.read("a")
        sc.read("b")
        sc.silent("c")
        sc.cmd("ctl", "EXISTS", "k")
        sc.cmd("ctl", "RPUSH", "k", 6)
        sc.read("c")
    compare(rkvd, redis_ref, scenario)


@pytest.mark.parametrize("proto", [2, 3])
def test_timeouts(rkvd, redis_ref, proto):
    """0.1 s timeouts reply the null of the protocol after about 0.1 s."""
    def scenario(sc):
        if proto == 3:
            sc.conn("a").command("HELLO", 3)
        for command in (["BLPOP", "k", "0.1"], ["BRPOP", "k1", "k2", ".1"],
                        ["BLMPOP", "0.1", 1, "k", "LEFT"], ["BLMOVE", "k", "d", "LEFT", "RIGHT", 0.1],
                        ["BRPOPLPUSH", "k", "d", "0.1"]):
            start = time.monotonic()
            sc.send("a", *command)
            reply = sc.read("a")
            elapsed = time.monotonic() - start
            sc.log.append(("a", "timely", 0.09 <= elapsed < 1.0, reply))
        sc.wait_blocked(0)
    compare(rkvd, redis_ref, scenario)


def test_zero_timeout_waits(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BLPOP", "k", 0)
        sc.wait_blocked(1)
        sc.silent("a", 1.2)
        sc.cmd("ctl", "LPUSH", "k", "late")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


def test_pipeline_behind_blocked_command_waits(rkvd, redis_ref):
    def scenario(sc):
        sc.send_raw("a", encode_command("BLPOP", "k", 0) + encode_command("PING")
                    + encode_command("LLEN", "k") + encode_command("ECHO", "after"))
        sc.wait_blocked(1)
        sc.silent("a")
        sc.cmd("ctl", "RPUSH", "k", "v1", "v2")
        sc.read("a")
        sc.read("a")
        sc.read("a")
        sc.read("a")
        # a blocked command inside a pipeline that blocks again
        sc.send_raw("a", encode_command("BLPOP", "k", 0) + encode_command("BLPOP", "k", 0)
                    + encode_command("PING"))
        sc.read("a")
        sc.wait_blocked(1)
        sc.silent("a")
        sc.cmd("ctl", "RPUSH", "k", "v3")
        sc.read("a")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


@pytest.mark.parametrize("how", [None, "TIMEOUT", "ERROR", "timeout", "error"])
def test_client_unblock(rkvd, redis_ref, how):
    def scenario(sc):
        cid = sc.client_id("a")
        sc.send("a", "BLMPOP", 0, 1, "k", "RIGHT")
        sc.wait_blocked(1)
        args = ["CLIENT", "UNBLOCK", cid] + ([how] if how else [])
        sc.cmd("ctl", *args)
        sc.read("a")
        sc.wait_blocked(0)
        sc.cmd("ctl", *args)                     # not blocked any more: 0
        sc.cmd("ctl", "CLIENT", "UNBLOCK", cid, "NOPE")
        sc.cmd("ctl", "CLIENT", "UNBLOCK", "abc")
        # still usable, and still able to block
        sc.send("a", "BLPOP", "k", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "LPUSH", "k", "foo")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


def test_disconnect_while_blocked(rkvd, redis_ref):
    """A blocked client that goes away leaves no trace."""
    def scenario(sc):
        sc.send("gone", "BLPOP", "k", 0)
        sc.send("gone2", "BLMOVE", "k", "d", "LEFT", "LEFT", 0)
        sc.wait_blocked(2)
        sc.close("gone")
        sc.close("gone2")
        sc.wait_blocked(0)
        sc.cmd("ctl", "RPUSH", "k", "kept")
        sc.cmd("ctl", "LRANGE", "k", 0, -1)
        sc.cmd("ctl", "EXISTS", "d")
        sc.send("next", "BLPOP", "k2", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "RPUSH", "k2", "x")
        sc.read("next")
    compare(rkvd, redis_ref, scenario)


def test_blmove_chains(rkvd, redis_ref):
    """LMOVE targets wake their own waiters: linked, circular, self-referential."""
    def scenario(sc):
        sc.send("a", "BLMOVE", "l1", "l2", "RIGHT", "LEFT", 0)
        sc.wait_blocked(1)
        sc.send("b", "BLMOVE", "l2", "l3", "LEFT", "RIGHT", 0)
        sc.wait_blocked(2)
        sc.cmd("ctl", "RPUSH", "l1", "foo")
        sc.read("a")
        sc.read("b")
        sc.cmd("ctl", "LRANGE", "l3", 0, -1)
        sc.cmd("ctl", "EXISTS", "l1", "l2")
        # circular
        sc.send("a", "BRPOPLPUSH", "c1", "c2", 0)
        sc.wait_blocked(1)
        sc.send("b", "BRPOPLPUSH", "c2", "c1", 0)
        sc.wait_blocked(2)
        sc.cmd("ctl", "RPUSH", "c1", "foo")
        sc.read("a")
        sc.read("b")
        sc.cmd("ctl", "LRANGE", "c1", 0, -1)
        sc.cmd("ctl", "LRANGE", "c2", 0, -1)
        # self-referential
        sc.send("a", "BRPOPLPUSH", "s", "s", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "RPUSH", "s", "bar")
        sc.read("a")
        sc.cmd("ctl", "LRANGE", "s", 0, -1)
    compare(rkvd, redis_ref, scenario)


@pytest.mark.parametrize("wherefrom", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("whereto", ["LEFT", "RIGHT"])
def test_blmove_feeds_a_blpop(rkvd, redis_ref, wherefrom, whereto):
    def scenario(sc):
        sc.send("pop", "BLPOP", "target", 0)
        sc.wait_blocked(1)
        sc.send("move", "BLMOVE", "src", "target", wherefrom, whereto, 0)
        sc.wait_blocked(2)
        sc.cmd("ctl", "RPUSH", "src", "a", "b")
        sc.read("move")
        sc.read("pop")
        sc.cmd("ctl", "EXISTS", "target")
        sc.cmd("ctl", "LRANGE", "src", 0, -1)
    compare(rkvd, redis_ref, scenario)


def test_wrong_destination_type(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "SET", "t1", "nolist")
        sc.send("a", "BRPOPLPUSH", "src", "t1", 0)
        sc.wait_blocked(1)
        sc.send("b", "BLMOVE", "src", "t2", "RIGHT", "LEFT", 0)
        sc.wait_blocked(2)
        sc.cmd("ctl", "RPUSH", "src", "x", "y", "z")
        sc.read("a")
        sc.read("b")
        sc.cmd("ctl", "LRANGE", "src", 0, -1)
        sc.cmd("ctl", "LRANGE", "t2", 0, -1)
        sc.wait_blocked(0)
    compare(rkvd, redis_ref, scenario)


def test_not_woken_by_other_types(rkvd, redis_ref):
    """A key that becomes a string, or is deleted, does not serve the waiter."""
    def scenario(sc):
        sc.send("a", "BLPOP", "k", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "SET", "k", "str")
        sc.silent("a")
        sc.cmd("ctl", "DEL", "k")
        sc.cmd("ctl", "LPUSH", "k", "b")
        sc.read("a")
        sc.cmd("ctl", "EXISTS", "k")
    compare(rkvd, redis_ref, scenario)


def test_rename_copy_move_wake(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BLPOP", "foo", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "LPUSH", "bob", "abc", "def", "hij")
        sc.cmd("ctl", "RENAME", "bob", "foo")
        sc.read("a")
        sc.send("a", "BRPOP", "copy", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "COPY", "foo", "copy")
        sc.read("a")
        sc.cmd("ctl", "RPUSH", "m", "moved")
        sc.conn("b").command("SELECT", 3)
        sc.send("b", "BLPOP", "m", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "MOVE", "m", 3)
        sc.read("b")
    compare(rkvd, redis_ref, scenario)


def test_swapdb_wakes(rkvd, redis_ref):
    def scenario(sc):
        sc.conn("ctl").command("SELECT", 1)
        sc.cmd("ctl", "RPUSH", "k", "hello")
        sc.send("a", "BRPOP", "k", 5)
        sc.wait_blocked(1)
        sc.cmd("ctl", "SWAPDB", 1, 9)
        sc.read("a")
        sc.conn("ctl").command("SELECT", 9)
        sc.cmd("ctl", "EXISTS", "k")
    compare(rkvd, redis_ref, scenario)


def test_expired_key_does_not_serve(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "DEBUG", "SET-ACTIVE-EXPIRE", 0)
        try:
            sc.conn("ctl").command("SELECT", 1)
            sc.cmd("ctl", "RPUSH", "k", "hello")
            sc.cmd("ctl", "PEXPIRE", "k", 100)
            sc.send("a", "BRPOP", "k", 2)
            sc.wait_blocked(1)
            time.sleep(0.15)
            sc.cmd("ctl", "SWAPDB", 1, 9)
            sc.silent("a")
            sc.wait_blocked(1)
            sc.read("a", timeout=3)
        finally:
            sc.cmd("ctl", "DEBUG", "SET-ACTIVE-EXPIRE", 1)
            sc.conn("ctl").command("SELECT", 9)
    compare(rkvd, redis_ref, scenario)


def test_blocked_clients_in_info_and_client_list(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BLPOP", "k", 0)
        sc.wait_blocked(1)
        listing = sc.control.command("CLIENT", "LIST")
        sc.log.append(("control", "flags=b present", b"flags=b" in listing))
        sc.cmd("ctl", "RPUSH", "k", "v")
        sc.read("a")
        sc.wait_blocked(0)
    compare(rkvd, redis_ref, scenario)


def test_same_key_several_times(rkvd, redis_ref):
    def scenario(sc):
        sc.send("a", "BLPOP", "l1", "l2", "l2", "l1", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "LPUSH", "l1", "a")
        sc.read("a")
        sc.send("a", "BLPOP", "l1", "l2", "l2", "l1", 0)
        sc.wait_blocked(1)
        sc.cmd("ctl", "LPUSH", "l2", "b")
        sc.read("a")
        sc.cmd("ctl", "LPUSH", "l1", "a")
        sc.cmd("ctl", "LPUSH", "l2", "b")
        sc.cmd("a", "BLPOP", "l1", "l2", "l2", "l1", 0)
        sc.cmd("a", "BLPOP", "l1", "l2", "l2", "l1", 0)
    compare(rkvd, redis_ref, scenario)


def test_many_waiters_on_many_keys(rkvd, redis_ref):
    def scenario(sc):
        for i in range(10):
            sc.send(f"w{i}", "BLPOP", f"k{i % 3}", f"k{(i + 1) % 3}", 0)
            sc.wait_blocked(i + 1)
        sc.cmd("ctl", "RPUSH", "k1", *[f"v{j}" for j in range(4)])
        sc.cmd("ctl", "RPUSH", "k0", *[f"u{j}" for j in range(3)])
        sc.cmd("ctl", "RPUSH", "k2", *[f"t{j}" for j in range(3)])
        for i in range(10):
            sc.read(f"w{i}")
        sc.wait_blocked(0)
        sc.cmd("ctl", "EXISTS", "k0", "k1", "k2")
    compare(rkvd, redis_ref, scenario)
