"""Client-side caching (engine/tracking.pyx) against redis-server: the same
traffic on both servers, byte-identical transcripts, RESP2 redirection to a
__redis__:invalidate subscriber and RESP3 pushes.

Client ids differ between the servers: a step names a connection's id as
"{id:name}" and the transcripts show ids as "<id:name>". The size limit of
the tracking table evicts random keys, so it is checked by counting.
"""

import re
import time

import pytest

IDLE = 0.1

pytestmark = pytest.mark.needs_redis


def _run(server, script):
    """Play script, a list of (connection name, command args or None), on
    server. None reads what the connection has pending. Returns the
    transcript: [(name, bytes received, closed)] after every step."""
    conns, ids, out = {}, {}, []
    try:
        for who, args in script:
            conn = conns.get(who)
            if conn is None:
                conn = conns[who] = server.raw()
                ids[who] = int(conn.command("CLIENT", "ID")[1:-2])
            if args is not None:
                args = [re.sub(r"\{id:(\w+)\}", lambda m: str(ids[m.group(1)]), a) for a in args]
                conn.send_command(*args)
            data, closed = conn.read_until_idle(IDLE)
            if args is not None and not data and not closed:
                data, closed = conn.read_until_idle(IDLE)   # every command replies: a slow one
            for name, cid in ids.items():
                data = re.sub(rb"(?<=[:=])%d(?=\r\n|\s)" % cid, b"<id:%s>" % name.encode(), data)
            if b" addr=" in data:
                data = _client_list_fields(data)
            elif b"# Clients" in data:
                data = re.search(rb"tracking_clients:\d+", data).group()
            out.append((who, data, closed))
    finally:
        for conn in conns.values():
            conn.close()
    return out


def _client_list_fields(data):
    # A CLIENT LIST line differs in buffer sizes, ports and ages; tracking
    # shows in flags= and redir= only
    fields = re.findall(rb"(?:^|\s)((?:flags|redir)=\S*)", data)
    return b"CLIENT LIST " + b" ".join(fields)


def _same(rkvd, redis_ref, script):
    for server in (rkvd, redis_ref):
        with server.raw() as conn:
            conn.command("FLUSHALL")
    a = _run(rkvd, script)
    b = _run(redis_ref, script)
    for i, ((_, da, ca), (_, db_, cb)) in enumerate(zip(a, b)):
        assert da == db_, f"step {i} {script[i]}: rkvd {da!r} redis {db_!r}"
        assert ca == cb, (script[i], ca, cb)


def test_resp2_redirect_to_subscriber(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("sub", ["SUBSCRIBE", "__redis__:invalidate"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "{id:sub}"]),
        ("w", ["MSET", "a", "1", "b", "2", "h", "x"]),
        ("c", ["GET", "a"]),
        ("c", ["MGET", "b", "nokey"]),
        ("c", ["STRLEN", "h"]),
        ("w", ["SET", "a", "2"]),
        ("sub", None),
        ("w", ["SET", "a", "3"]),                 # no longer tracked: nothing
        ("sub", None),
        ("w", ["MSET", "b", "1", "nokey", "1"]),
        ("sub", None),
        ("c", ["SET", "h", "y"]),                 # the reader's own write
        ("sub", None),
        ("c", ["CLIENT", "GETREDIR"]),
        ("c", ["CLIENT", "TRACKINGINFO"]),
        ("w", ["CLIENT", "LIST", "ID", "{id:c}"]),
        ("c", ["CLIENT", "TRACKING", "off"]),
        ("c", ["CLIENT", "GETREDIR"]),
    ])


def test_resp2_without_redirect_gets_nothing(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["CLIENT", "TRACKING", "on"]),
        ("c", ["GET", "k"]),
        ("w", ["SET", "k", "v"]),
        ("c", None),
        ("c", ["PING"]),
        ("sub", ["CLIENT", "ID"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "{id:sub}"]),
        ("c", ["GET", "k"]),
        ("w", ["SET", "k", "w"]),                 # sub is RESP2, not subscribed
        ("sub", None),
    ])


def test_resp3_push_after_reply(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on"]),
        ("c", ["HSET", "h", "f", "1"]),
        ("c", ["HGET", "h", "f"]),
        ("c", ["HDEL", "h", "f"]),                # reply first, then the push
        ("c", ["MSET", "a", "1", "b", "2"]),
        ("c", ["MGET", "a", "b"]),
        ("c", ["MULTI"]),
        ("c", ["INCR", "a"]),
        ("c", ["GET", "b"]),
        ("c", ["SET", "b", "3"]),
        ("c", ["EXEC"]),                          # after EXEC's reply
        ("c", ["GET", "a"]),
        ("w", ["SET", "a", "x"]),
        ("c", None),
        ("c", ["SET", "z", "1"]),
        ("c", ["GET", "z"]),
        ("c", ["MULTI"]),
        ("c", ["FLUSHDB"]),
        ("c", ["EXEC"]),                          # null invalidation after EXEC
        ("c", ["GET", "z"]),
        ("w", ["FLUSHALL"]),
        ("c", None),
    ])


def test_resp3_redirect_and_broken_redirect(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("r3", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "{id:r3}"]),
        ("c", ["GET", "k"]),
        ("w", ["SET", "k", "1"]),
        ("r3", None),                             # a RESP3 target needs no SUBSCRIBE
        ("c", ["HELLO", "3"]),
        ("c", ["GET", "k"]),
        ("r3", ["QUIT"]),
        ("w", ["SET", "k", "2"]),
        ("c", None),                              # tracking-redir-broken
        ("c", ["CLIENT", "TRACKINGINFO"]),
        ("w", ["CLIENT", "LIST", "ID", "{id:c}"]),
        ("c", ["CLIENT", "TRACKING", "on"]),      # a new ON clears the broken mark
        ("c", ["CLIENT", "TRACKINGINFO"]),
    ])


def test_optin_optout(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "CACHING", "yes"]),
        ("c", ["CLIENT", "TRACKING", "on", "OPTIN"]),
        ("c", ["CLIENT", "CACHING", "no"]),
        ("c", ["GET", "a"]),                      # not cached: no CACHING yes
        ("c", ["CLIENT", "CACHING", "yes"]),
        ("c", ["CLIENT", "TRACKINGINFO"]),
        ("c", ["GET", "b"]),                      # cached
        ("c", ["GET", "c"]),                      # the window is over
        ("c", ["CLIENT", "CACHING", "yes"]),
        ("c", ["MULTI"]),
        ("c", ["GET", "d"]),
        ("c", ["EXEC"]),                          # the window covers the transaction
        ("w", ["MSET", "a", "1", "b", "1", "c", "1", "d", "1"]),
        ("c", None),
        ("c", ["CLIENT", "TRACKING", "on", "OPTOUT"]),
        ("c", ["CLIENT", "TRACKING", "off"]),
        ("c", ["CLIENT", "TRACKING", "on", "OPTOUT"]),
        ("c", ["CLIENT", "CACHING", "yes"]),
        ("c", ["CLIENT", "CACHING", "no"]),
        ("c", ["CLIENT", "TRACKINGINFO"]),
        ("c", ["GET", "a"]),                      # not cached
        ("c", ["GET", "b"]),                      # cached
        ("w", ["MSET", "a", "2", "b", "2"]),
        ("c", None),
        ("c", ["CLIENT", "CACHING", "maybe"]),
    ])


def test_noloop(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on", "NOLOOP"]),
        ("c", ["MGET", "a", "b"]),
        ("c", ["SET", "a", "1"]),                 # its own write: no push
        ("w", ["SET", "b", "1"]),
        ("c", None),
        ("b", ["HELLO", "3"]),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"]),
        ("b", ["MSET", "x", "1", "y", "2"]),      # only its own keys: nothing
        ("w", ["SET", "z", "3"]),
        ("b", None),
        ("b", ["SET", "x", "4"]),
        ("w", ["SET", "x", "5"]),                 # modified last by w: sent
        ("b", None),
    ])


def test_bcast_prefixes(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("b", ["HELLO", "3"]),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:", "PREFIX", "b"]),
        ("w", ["MSET", "a:2", "1", "a:1", "1", "bz", "1", "c", "1"]),
        ("b", None),                              # one push per prefix, keys sorted
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c"]),     # adds one
        ("b", ["CLIENT", "TRACKINGINFO"]),
        ("w", ["DEL", "c"]),
        ("b", None),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a:x"]),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "xy", "PREFIX", "x"]),
        ("b", ["CLIENT", "TRACKING", "on"]),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"]),
        ("b", ["CLIENT", "TRACKING", "off"]),
        ("b", ["CLIENT", "TRACKING", "on", "PREFIX", "a"]),
        ("b", ["CLIENT", "TRACKING", "on", "BCAST"]),
        ("b", ["CLIENT", "TRACKINGINFO"]),
        ("w", ["SET", "anything", "1"]),
        ("b", None),
        ("w", ["FLUSHALL"]),
        ("b", None),
        ("b", ["CLIENT", "TRACKING", "off"]),
        ("sub", ["SUBSCRIBE", "__redis__:invalidate"]),
        ("r2", ["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", "{id:sub}", "PREFIX", "k"]),
        ("w", ["SET", "k1", "1"]),
        ("sub", None),
        ("w", ["INFO", "clients"]),
    ])


def test_option_errors(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["CLIENT", "TRACKING", "maybe"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "999999"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "x"]),
        ("c", ["CLIENT", "TRACKING", "on", "REDIRECT", "{id:c}", "REDIRECT", "{id:c}"]),
        ("c", ["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"]),
        ("c", ["CLIENT", "TRACKING", "on", "FOO"]),
        ("c", ["CLIENT", "TRACKING", "on", "PREFIX"]),
        ("c", ["CLIENT", "TRACKING", "on", "OPTIN"]),
        ("c", ["CLIENT", "TRACKING", "on", "OPTOUT"]),
        ("c", ["CLIENT", "TRACKING", "on", "BCAST"]),
        ("c", ["CLIENT", "TRACKING", "off", "BCAST"]),
        ("c", ["CLIENT", "TRACKINGINFO", "x"]),
        ("c", ["CLIENT", "GETREDIR", "x"]),
        ("c", ["CLIENT", "CACHING"]),
    ])


def test_expiry_and_sources_of_writes(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on"]),
        ("c", ["SADD", "s1", "a"]),
        ("c", ["SADD", "s2", "b"]),
        ("c", ["SMEMBERS", "s1"]),
        ("c", ["SMEMBERS", "s2"]),
        ("c", ["GET", "dst"]),
        ("w", ["SUNIONSTORE", "dst", "s1", "s2"]),   # the sources are read, not written
        ("c", None),
        ("w", ["SMOVE", "s1", "s2", "a"]),
        ("c", None),
        ("c", ["SET", "e", "1", "PX", "50"]),
        ("c", ["GET", "e"]),
        ("c", ["DEBUG", "SLEEP", "0.1"]),
        ("c", ["GET", "e"]),                      # lazily expired: push after the reply
        ("c", ["RESET"]),                         # tracking off
        ("c", ["CLIENT", "TRACKINGINFO"]),
    ])


def test_served_blocking_command(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on"]),
        ("w", ["RPUSH", "dst", "a"]),
        ("c", ["LRANGE", "dst", "0", "-1"]),
        ("c", ["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]),
        ("w", ["RPUSH", "src", "foo"]),
        ("c", None),                              # the value, then the push
    ])


def _info(conn, field):
    text = conn.command("INFO", "everything").decode()
    return int(re.search(field + r":(\d+)", text).group(1))


def test_table_limit_and_info(rkvd):
    with rkvd.raw() as sub, rkvd.raw() as c, rkvd.raw() as w:
        w.command("FLUSHALL")
        sub_id = int(sub.command("CLIENT", "ID")[1:-2])
        sub.command("SUBSCRIBE", "__redis__:invalidate")
        assert c.command("CLIENT", "TRACKING", "on", "REDIRECT", str(sub_id)) == b"+OK\r\n"
        for i in range(250):
            c.command("GET", f"key{i}")
        assert _info(w, "tracking_total_keys") == 250
        assert _info(w, "tracking_total_items") == 250
        assert _info(w, "tracking_clients") == 1
        try:
            w.command("CONFIG", "SET", "tracking-table-max-keys", "1")
            w.command("PING")             # each command enforces the limit, with growing effort
            w.command("PING")
            w.command("PING")
            keys = set()
            deadline = time.time() + 5
            while len(keys) < 249 and time.time() < deadline:
                msg = sub.read_reply(timeout=2)
                keys.add(msg.rsplit(b"\r\n", 2)[-2])
            assert len(keys) == 249
            assert _info(w, "tracking_total_keys") == 1
        finally:
            w.command("CONFIG", "SET", "tracking-table-max-keys", "1000000")
        c.command("CLIENT", "TRACKING", "off")
        assert _info(w, "tracking_clients") == 0


def test_scripts_track_their_declared_keys_when_they_read(rkvd, redis_ref):
    _same(rkvd, redis_ref, [
        ("c", ["HELLO", "3"]),
        ("c", ["CLIENT", "TRACKING", "on"]),
        ("c", ["EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2"]),   # no read: nothing
        ("w", ["MSET", "k1", "1", "k2", "1"]),
        ("c", None),
        ("c", ["EVAL", "redis.call('get', 'k3')", "2", "k1", "k2"]),          # a read: k1 and k2
        ("w", ["MSET", "k2", "2", "k1", "2"]),
        ("c", None),
        ("c", ["EVAL_RO", "redis.call('ping')", "2", "k1", "k2"]),            # RO variant, no read
        ("w", ["MSET", "k2", "3", "k1", "3"]),
        ("c", None),
        ("c", ["EVAL_RO", "redis.call('get', 'k1')", "2", "k1", "k2"]),
        ("w", ["MSET", "k2", "4", "k1", "4"]),
        ("c", None),
    ])
