"""XREAD BLOCK and XREADGROUP BLOCK with several raw-socket clients, against
redis-server: the same scenario runs on both servers and every byte every
client sees must be identical (the scene and comparison of
test_list_blocking)."""
import time

import pytest
from test_list_blocking import compare

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]


def test_xread_served_in_arrival_order(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "XADD", "s", "1-0", "a", "1")
        sc.send("a", "XREAD", "BLOCK", 0, "STREAMS", "s", "$")
        sc.wait_blocked(1)
        sc.send("b", "XREAD", "COUNT", 1, "BLOCK", 0, "STREAMS", "other", "s", "0", "1-0")
        sc.wait_blocked(2)
        sc.cmd("ctl", "XADD", "s", "2-0", "b", "2")
        sc.read("a")
        sc.read("b")
        sc.wait_blocked(0)
        sc.send("a", "XREAD", "BLOCK", 0, "STREAMS", "s", "other", "$", "$")
        sc.wait_blocked(1)
        sc.cmd("ctl", "XADD", "other", "5-0", "c", "3")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


def test_xread_many_entries_one_wakeup(rkvd, redis_ref):
    """Entries added in one MULTI-less pipeline before the wake-up are all
    served, up to COUNT."""
    def scenario(sc):
        sc.send("a", "XREAD", "COUNT", 2, "BLOCK", 0, "STREAMS", "s", "$")
        sc.wait_blocked(1)
        sc.cmd("ctl", "XADD", "s", "1-0", "a", "1")
        sc.read("a")
        sc.cmd("ctl", "XADD", "s", "2-0", "a", "2")
        sc.send("a", "XREAD", "BLOCK", 0, "STREAMS", "s", "0")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


def test_xreadgroup_block(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.send("c1", "XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.send("c2", "XREADGROUP", "GROUP", "g", "c2", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(2)
        sc.cmd("ctl", "XADD", "s", "1-0", "a", "1")
        sc.read("c1")
        sc.silent("c2")
        sc.cmd("ctl", "XADD", "s", "2-0", "a", "2")
        sc.read("c2")
        sc.cmd("ctl", "XPENDING", "s", "g")
        # the history form and NOACK never block on entries already there
        sc.send("c1", "XREADGROUP", "GROUP", "g", "c1", "BLOCK", 0, "STREAMS", "s", "0")
        sc.read("c1")
        sc.send("c3", "XREADGROUP", "GROUP", "g", "c3", "NOACK", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "XADD", "s", "3-0", "a", "3")
        sc.read("c3")
        sc.cmd("ctl", "XPENDING", "s", "g")
        sc.cmd("ctl", "XINFO", "GROUPS", "s")
    compare(rkvd, redis_ref, scenario)


def test_xreadgroup_key_deleted_or_group_destroyed(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "DEL", "s")
        sc.read("a")
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "XGROUP", "DESTROY", "s", "g")
        sc.read("a")
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "SET", "s", "now a string")
        sc.read("a")
        sc.wait_blocked(0)
        # XREAD keeps waiting when its key goes away
        sc.send("b", "XREAD", "BLOCK", 0, "STREAMS", "t", "$")
        sc.wait_blocked(1)
        sc.cmd("ctl", "XADD", "t", "1-0", "a", "1")
        sc.read("b")
        sc.send("b", "XREAD", "BLOCK", 0, "STREAMS", "t", "$")
        sc.wait_blocked(1)
        sc.cmd("ctl", "DEL", "t")
        sc.silent("b")
        sc.cmd("ctl", "XADD", "t", "2-0", "a", "2")
        sc.read("b")
    compare(rkvd, redis_ref, scenario)


def test_xreadgroup_flush_and_swapdb(rkvd, redis_ref):
    """FLUSHALL, FLUSHDB and SWAPDB end XREADGROUP waiters whose stream goes
    away (scanDatabaseForDeletedStreams); a stream swapped in keeps them."""
    def scenario(sc):
        for flush in (["FLUSHALL"], ["FLUSHDB"]):
            sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
            sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
            sc.wait_blocked(1)
            sc.cmd("ctl", *flush)
            sc.read("a")
        sc.cmd("ctl", "SELECT", 4)
        sc.cmd("ctl", "FLUSHDB")
        sc.cmd("ctl", "SELECT", 9)
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "SWAPDB", 4, 9)
        sc.read("a")
        # a stream with the group on the other side: still waiting, then served
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.cmd("ctl", "SELECT", 4)
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        sc.cmd("ctl", "SELECT", 9)
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "SWAPDB", 4, 9)
        sc.silent("a")
        sc.cmd("ctl", "XADD", "s", "1-0", "a", "1")
        sc.read("a")
        sc.cmd("ctl", "SELECT", 4)
        sc.cmd("ctl", "FLUSHDB")
        sc.cmd("ctl", "SELECT", 9)
    compare(rkvd, redis_ref, scenario)


@pytest.mark.parametrize("proto", [2, 3])
def test_timeouts(rkvd, redis_ref, proto):
    def scenario(sc):
        if proto == 3:
            sc.conn("a").command("HELLO", 3)
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        for command in (["XREAD", "BLOCK", 100, "STREAMS", "s", "$"],
                        ["XREADGROUP", "GROUP", "g", "c", "BLOCK", 100, "STREAMS", "s", ">"]):
            start = time.monotonic()
            sc.send("a", *command)
            reply = sc.read("a")
            elapsed = time.monotonic() - start
            sc.log.append(("a", "timely", 0.09 <= elapsed < 1.0, reply))
        sc.wait_blocked(0)
    compare(rkvd, redis_ref, scenario)


def test_client_unblock(rkvd, redis_ref):
    def scenario(sc):
        sc.cmd("ctl", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
        cid = sc.client_id("a")
        sc.send("a", "XREAD", "BLOCK", 0, "STREAMS", "s", "$")
        sc.wait_blocked(1)
        sc.cmd("ctl", "CLIENT", "UNBLOCK", cid)
        sc.read("a")
        sc.send("a", "XREADGROUP", "GROUP", "g", "c", "BLOCK", 0, "STREAMS", "s", ">")
        sc.wait_blocked(1)
        sc.cmd("ctl", "CLIENT", "UNBLOCK", cid, "ERROR")
        sc.read("a")
        sc.cmd("ctl", "XINFO", "CONSUMERS", "s", "g")
    compare(rkvd, redis_ref, scenario)


def test_pipeline_waits_behind_blocked_xread(rkvd, redis_ref):
    def scenario(sc):
        sc.send_raw("a", b"*6\r\n$5\r\nXREAD\r\n$5\r\nBLOCK\r\n$1\r\n0\r\n$7\r\nSTREAMS\r\n$1\r\ns\r\n$1\r\n$\r\n"
                         b"*1\r\n$4\r\nPING\r\n")
        sc.wait_blocked(1)
        sc.silent("a")
        sc.cmd("ctl", "XADD", "s", "1-0", "a", "1")
        sc.read("a")
        sc.read("a")
    compare(rkvd, redis_ref, scenario)


def test_keyspace_events(rkvd, redis_ref):
    """The events every stream command sends (notify-keyspace-events KEA)."""
    commands = [
        ["XADD", "s", "1-0", "a", "1"], ["XADD", "s", "MAXLEN", "1", "2-0", "a", "2"],
        ["XTRIM", "s", "MAXLEN", "0"], ["XADD", "s", "3-0", "a", "3"], ["XDEL", "s", "3-0"],
        ["XDEL", "s", "3-0"], ["XGROUP", "CREATE", "s", "g", "0"], ["XGROUP", "CREATECONSUMER", "s", "g", "c"],
        ["XADD", "s", "4-0", "a", "4"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "s", ">"],
        ["XCLAIM", "s", "g", "c3", "0", "4-0"], ["XAUTOCLAIM", "s", "g", "c4", "0", "0"],
        ["XACK", "s", "g", "4-0"], ["XGROUP", "SETID", "s", "g", "0"], ["XGROUP", "DELCONSUMER", "s", "g", "c"],
        ["XGROUP", "DESTROY", "s", "g"], ["XSETID", "s", "10-0"],
        ["XGROUP", "CREATE", "t", "g", "$", "MKSTREAM"], ["DEL", "s", "t"],
    ]
    seen = []
    for server in (rkvd, redis_ref):
        with server.raw() as ctl, server.raw() as sub:
            ctl.command("CONFIG", "SET", "notify-keyspace-events", "KEA")
            try:
                sub.command("PSUBSCRIBE", "__key*@9__:*")
                ctl.command("SELECT", 9)
                for c in commands:
                    ctl.command(*c)
                data, _ = sub.read_until_idle(0.3)
            finally:
                ctl.command("CONFIG", "SET", "notify-keyspace-events", "")
        seen.append(data)
    assert seen[0] == seen[1]
