"""Publish/subscribe (engine/pubsub.pyx) against redis-server: the same
traffic on both servers, byte-identical transcripts, in RESP2 and RESP3.

Where Redis's order follows its hash tables (UNSUBSCRIBE with no argument,
PUBSUB CHANNELS) the replies are compared as sets.
"""

import re
import socket
import time

from support import split_replies

IDLE = 0.15


def _run(server, script):
    """Play script, a list of (connection name, command args or None), on
    server. None reads what the connection has pending. Returns the
    transcript: [(name, bytes received)] after every step."""
    conns = {}
    out = []
    try:
        for who, args in script:
            conn = conns.get(who)
            if conn is None:
                conn = conns[who] = server.raw()
            if args is not None:
                conn.send_command(*args)
            data, closed = conn.read_until_idle(IDLE)
            data = re.sub(rb"\$2\r\nid\r\n:\d+", b"$2\r\nid\r\n:<id>", data)   # HELLO's client id
            out.append((who, data, closed))
    finally:
        for conn in conns.values():
            conn.close()
    return out


def _unordered(data):
    # (un)subscribe confirmations in any order: their names, and their
    # counts (which follow the order), each as a sorted list
    frames = [f.rsplit(b":", 1) for f in split_replies(data)]
    return sorted(f[0] for f in frames), sorted(f[-1] for f in frames)


def _same(rkvd, redis_ref, script, unordered=()):
    a = _run(rkvd, script)
    b = _run(redis_ref, script)
    for i, ((_who, da, ca), (_, db_, cb)) in enumerate(zip(a, b)):
        step = script[i]
        if i in unordered:
            assert _unordered(da) == _unordered(db_), (step, da, db_)
        else:
            assert da == db_, f"step {i} {step}: rkvd {da!r} redis {db_!r}"
        assert ca == cb, (step, ca, cb)


def test_subscribe_publish_resp2(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("s", ["SUBSCRIBE", "news", "sport"]),
        ("s", ["SUBSCRIBE", "news"]),                 # again: count unchanged
        ("s", ["PSUBSCRIBE", "n*", "s?ort", "n*"]),
        ("s", ["SSUBSCRIBE", "shard1", "shard2"]),
        ("p", ["PUBLISH", "news", "hello"]),          # channel + pattern: 2
        ("s", None),
        ("p", ["PUBLISH", "sport", "x" * 300]),
        ("s", None),
        ("p", ["PUBLISH", "nothing", ""]),
        ("s", None),
        ("p", ["SPUBLISH", "shard1", "sharded"]),     # patterns never see shard messages
        ("s", None),
        ("p", ["SPUBLISH", "news", "not a shard subscriber"]),
        ("s", None),
        ("p", ["PUBSUB", "NUMSUB", "news", "sport", "none"]),
        ("p", ["PUBSUB", "NUMPAT"]),
        ("p", ["PUBSUB", "SHARDNUMSUB", "shard1", "news"]),
        ("p", ["PUBSUB", "CHANNELS", "n[aeiou]ws"]),
        ("p", ["PUBSUB", "SHARDCHANNELS", "*2"]),
        ("p", ["PUBSUB", "NUMSUB"]),
        ("p", ["PUBSUB", "HELP"]),
        ("p", ["PUBSUB", "NUMPAT", "x"]),
        ("p", ["PUBSUB", "NOSUCH"]),
        ("s", ["PUNSUBSCRIBE", "s?ort", "never"]),
        ("s", ["SUNSUBSCRIBE", "shard2"]),
        ("s", ["UNSUBSCRIBE", "sport"]),
        ("p", ["PUBLISH", "sport", "gone"]),
        ("s", None),
    ])


def test_subscribed_mode_resp2(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("s", ["SUBSCRIBE", "a", "b"]),
        ("s", ["GET", "k"]),
        ("s", ["CLIENT", "ID"]),
        ("s", ["PUBLISH", "a", "x"]),
        ("s", ["PING"]),
        ("s", ["PING", "hi"]),
        ("s", ["UNSUBSCRIBE"]),                       # order is Redis's hash order
        ("s", ["UNSUBSCRIBE"]),                       # subscribed to nothing: null
        ("s", ["PUNSUBSCRIBE"]),
        ("s", ["SUNSUBSCRIBE"]),
        ("s", ["PING"]),                              # out of subscribed mode
        ("s", ["SSUBSCRIBE", "x"]),
        ("s", ["SET", "k", "v"]),
        ("s", ["RESET"]),
        ("s", ["GET", "k"]),
        ("p", ["PUBSUB", "SHARDNUMSUB", "x"]),
        ("s", ["PSUBSCRIBE", "p*"]),
        ("s", ["QUIT"]),
        ("p", ["PUBSUB", "NUMPAT"]),
    ], unordered={6})


def test_resp3_push_frames(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("s", ["HELLO", "3"]),
        ("s", ["SUBSCRIBE", "c"]),
        ("s", ["PSUBSCRIBE", "c*"]),
        ("s", ["SET", "k", "v"]),                     # everything stays allowed
        ("s", ["PING"]),
        ("s", ["PUBLISH", "c", "to myself"]),        # pushes, then the reply
        ("p", ["PUBLISH", "cc", "m"]),
        ("s", None),
        ("s", ["SSUBSCRIBE", "sh"]),
        ("p", ["SPUBLISH", "sh", "m"]),
        ("s", None),
        ("s", ["UNSUBSCRIBE", "c"]),
        ("s", ["PUNSUBSCRIBE"]),
        ("s", ["SUNSUBSCRIBE"]),
        ("s", ["UNSUBSCRIBE"]),
    ], unordered=set())


def test_pushes_beat_client_reply_off(rkvd, redis_ref):
    # Redis sends (un)subscribe confirmations and messages as pushes, which
    # CLIENT REPLY OFF/SKIP does not silence
    for proto in ("2", "3"):
        _same(rkvd, redis_ref, [
            ("s", ["HELLO", proto]),
            ("s", ["CLIENT", "REPLY", "OFF"]),
            ("s", ["SUBSCRIBE", "channel"]),
            ("s", ["PSUBSCRIBE", "ch*"]),
            ("p", ["PUBLISH", "channel", "hello"]),
            ("s", None),
            ("s", ["UNSUBSCRIBE", "channel"]),
            ("s", ["PUNSUBSCRIBE", "ch*"]),
            ("s", ["CLIENT", "REPLY", "SKIP"]),
            ("s", ["SUBSCRIBE", "x"]),
            ("s", ["PING"]),
        ])


def test_multi_and_deny_blocking(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("s", ["MULTI"]),
        ("s", ["SUBSCRIBE", "a"]),
        ("s", ["SSUBSCRIBE", "b"]),
        ("s", ["PUBLISH", "a", "m"]),
        ("s", ["EXEC"]),
        ("s", ["GET", "x"]),
    ])


def test_disconnect_and_binary_names(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("s", ["SUBSCRIBE", b"\x00bin\r\nary", "k"]),
        ("s", ["PSUBSCRIBE", b"\\*x[a-c]"]),
        ("p", ["PUBLISH", b"\x00bin\r\nary", b"\xff\x00"]),
        ("p", ["PUBLISH", "*xb", "esc"]),
        ("s", None),
        ("s", ["QUIT"]),
        ("p", ["PUBSUB", "NUMSUB", "k"]),
        ("p", ["PUBSUB", "NUMPAT"]),
        ("p", ["PUBLISH", "k", "nobody"]),
    ])


def _fields(line):
    return dict(f.split("=", 1) for f in line.split())


def test_client_list_fields(rkvd, redis_ref):
    for server in (rkvd, redis_ref):
        s = server.raw()
        s.send_command("SUBSCRIBE", "a", "b")
        s.read_replies(2)
        s.send_command("PSUBSCRIBE", "p*")
        s.read_reply()
        s.send_command("SSUBSCRIBE", "x")
        s.read_reply()
        with server.raw() as o:
            listing = o.command("CLIENT", "LIST", "TYPE", "pubsub").decode()
            normal = o.command("CLIENT", "LIST", "TYPE", "normal").decode()
        lines = [ln for ln in listing.split("\r\n")[1].split("\n") if ln]
        assert len(lines) == 1, (server.name, listing)
        f = _fields(lines[0])
        assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("P", "2", "1", "1"), (server.name, f)
        assert "flags=P" not in normal
        s.close()


def test_slow_subscriber_disconnected(server_pair):
    """client-output-buffer-limit pubsub: a subscriber that never reads is
    closed at the hard limit, and Redis's line is logged."""
    pair = server_pair("--client-output-buffer-limit", "pubsub 256kb 0 0")
    msg = b"m" * 16384
    for server in pair:
        sub = socket.socket()
        sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sub.connect((server.host, server.port))
        sub.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n")
        time.sleep(0.2)
        with server.raw() as pub:
            n = 0
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                for _ in range(50):
                    pub.send_command("PUBLISH", "slow", msg)
                pub.read_replies(50)
                n += 50
                if pub.command("PUBSUB", "NUMSUB", "slow").endswith(b":0\r\n"):
                    break
            assert pub.command("PUBSUB", "NUMSUB", "slow").endswith(b":0\r\n"), server.name
            # the limit, not the traffic, closed it: well before 20 s of messages
            assert n * len(msg) < 64 * 1024 * 1024, (server.name, n)
        sub.close()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and "output buffer limits" not in server.stdout():
            time.sleep(0.05)
        log = server.stdout()
        assert re.search(r"Client id=\d+ addr=\S+ .*flags=P .*sub=1 .* scheduled to be closed ASAP "
                         r"for overcoming of output buffer limits\.", log), (server.name, log[-2000:])


def test_publish_not_propagated_to_aof(rkvd_factory, tmp_path):
    """Redis propagates PUBLISH to replicas only, never to the AOF."""
    s = rkvd_factory("--appendonly", "yes")
    with s.raw() as c:
        assert c.command("PUBLISH", "ch", "m") == b":0\r\n"
        assert c.command("SET", "k", "v") == b"+OK\r\n"
    aof = b"".join(p.read_bytes() for p in (s.dir / "appendonlydir").glob("*.incr.aof"))
    assert b"SET" in aof and b"PUBLISH" not in aof


def test_info_stats_counts(rkvd, redis_ref):
    for server in (rkvd, redis_ref):
        with server.raw() as s, server.raw() as c:
            s.command("SUBSCRIBE", "a")
            s.command("SUBSCRIBE", "b")
            s.command("PSUBSCRIBE", "p*")
            s.command("SSUBSCRIBE", "x")
            info = c.command("INFO", "stats").decode()
            fields = dict(ln.split(":", 1) for ln in info.split("\r\n") if ":" in ln)
            assert (fields["pubsub_channels"], fields["pubsub_patterns"],
                    fields["pubsubshard_channels"]) == ("2", "1", "1"), server.name


def test_soft_limit_expires_without_traffic(server_pair):
    """A subscriber over the pubsub soft limit is closed once the seconds
    pass, even when nothing more is published (Redis's clients cron)."""
    for server in server_pair("--client-output-buffer-limit", "pubsub 0 100kb 1"):
        sub = socket.socket()
        sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sub.connect((server.host, server.port))
        sub.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n")
        time.sleep(0.2)
        with server.raw() as pub:
            # fill the kernel's buffers, then the server's, past the soft limit
            for _ in range(2000):
                pub.command("PUBLISH", "slow", b"m" * 16384)
                listing = pub.command("CLIENT", "LIST", "TYPE", "pubsub")
                omem = re.search(rb"omem=(\d+)", listing)
                if omem is None or int(omem.group(1)) > 150000:
                    break
            assert pub.command("PUBSUB", "NUMSUB", "slow").endswith(b":1\r\n"), server.name
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and pub.command("PUBSUB", "NUMSUB", "slow").endswith(b":1\r\n"):
                time.sleep(0.1)
            assert pub.command("PUBSUB", "NUMSUB", "slow").endswith(b":0\r\n"), server.name
        sub.close()


def test_hard_limit_reply_not_sent(server_pair):
    """A reply over the normal class's hard limit is never sent: the client
    is closed instead, as Redis does."""
    for server in server_pair("--client-output-buffer-limit", "normal 100000 0 0"):
        with server.raw() as c:
            c.command("RPUSH", "big", *[b"v" * 1000] * 200)
            c.send_command("LRANGE", "big", "0", "-1")
            data, closed = c.read_all_until_eof(3)
            assert (data, closed) == (b"", True), (server.name, data[:100])
