"""Connection-level commands and client handling.

The first half compares replies with redis-server byte for byte (client ids,
addresses and ages are masked or compared by field name only).  The second
half drives the server under test with redis-py over RESP2 and RESP3, kills
clients, drops connections in the middle of commands and runs many clients at
once.
"""
import re
import socket
import struct
import threading

import pytest
import redis

from support import (
    Check,
    Differ,
    RawConnection,
    Reconnect,
    case,
    encode_command,
    ignore,
    masked,
    parse_reply,
    raw,
    shape,
    wait_until,
)

pytestmark = pytest.mark.timeout(60)

ID_FIELD = rb"\$2\r\nid\r\n:\d+\r\n"          # the client id inside a HELLO reply


def hello(cmd):
    return masked(cmd, ID_FIELD, b"$2\r\nid\r\n:<id>\r\n")


def _field_names(line: bytes) -> list[bytes]:
    return [kv.split(b"=", 1)[0] for kv in line.split()]


def _client_fields(a, b):
    """CLIENT INFO / CLIENT LIST: same field names in the same order, on every line."""
    pa, pb = parse_reply(a), parse_reply(b)
    if pa[0] != pb[0]:
        return "different reply types"
    if pa[0] not in ("$", "="):
        return None if a == b else "replies differ"
    la = [_field_names(x) for x in pa[1].splitlines() if x.strip()]
    lb = [_field_names(x) for x in pb[1].splitlines() if x.strip()]
    if not la or not lb:
        return None if la == lb else "one side listed no clients"
    if la[0] != lb[0]:
        return f"field names differ:\n    {b' '.join(la[0])!r}\n    {b' '.join(lb[0])!r}"
    if any(f != la[0] for f in la):
        return "lines with different fields"
    return None


def client_fields(cmd):
    return Check(cmd, _client_fields)


def _integer(a, b):
    for r in (a, b):
        if not re.fullmatch(rb":\d+\r\n", r):
            return f"not a non-negative integer: {r!r}"
    return None


def _config_pairs_unordered(a, b):
    """CONFIG GET with a pattern: same (name, value) pairs, in any order."""
    pa, pb = parse_reply(a), parse_reply(b)
    if pa[0] != pb[0]:
        return "different reply types"

    def pairs(p):
        if p[0] == "%":
            return sorted((k[1], v[1]) for k, v in p[1])
        items = [x[1] for x in p[1]]
        return sorted(zip(items[::2], items[1::2]))
    return None if pairs(pa) == pairs(pb) else f"{pairs(pa)!r} != {pairs(pb)!r}"


# --- differential -----------------------------------------------------------------

CONNECTION_CASES = [
    case("ping", "PING", "PING hello", "PING ''", "PING a b", "ping", "PiNg x"),
    case("echo", "ECHO hello", "ECHO ''", ["ECHO", b"\x00\r\n\xff"], "ECHO", "ECHO a b"),
    case("select", "SELECT 0", "SET k v", "SELECT 1", "GET k", "SELECT 0", "GET k", "SELECT 16",
         "SELECT x", "SELECT"),
    case("dbsize", "DBSIZE", "SET a 1", "DBSIZE", "DBSIZE x"),
    case("time", shape("TIME"), "TIME x"),
    case("unknown-command", "FOO", "FOO a b", "foo 'a b' c", ["FOO", "a\r\nb", "c\nd"],
         ["FO\r\nO", "x"], ["X" * 200, "y"], ["FOO"] + ["a" * 50] * 5, ["FOO"] + ["b" * 200],
         ["FOO", "", ""], "''"),
    case("unknown-subcommand", "CLIENT FOO", "CLIENT foo bar", "OBJECT nope", "CONFIG nope",
         ["CLIENT", "x\r\ny"], "CLIENT"),
    case("hello-2", hello("HELLO"), hello("HELLO 2"), "PING", hello("HELLO")),
    case("hello-3", hello("HELLO 3"), "PING", "SET k v", "GET k", "GET missing", "MGET k missing",
         hello("HELLO"), hello("HELLO 2"), "GET missing"),
    case("hello-bad-version", "HELLO 4", "HELLO 1", "HELLO 0", "HELLO -1", "HELLO abc", "HELLO 3.0",
         "HELLO 2147483648", "PING"),
    case("hello-setname", hello("HELLO 2 SETNAME conn1"), "CLIENT GETNAME",
         hello("HELLO 3 SETNAME conn2"), "CLIENT GETNAME", "HELLO 3 SETNAME 'bad name'",
         "CLIENT GETNAME", "HELLO 3 SETNAME", "HELLO 2 FOO", hello("HELLO 2 SETNAME a SETNAME b"),
         "CLIENT GETNAME"),
    case("hello-auth-no-password", hello("HELLO 2 AUTH default anything"), "HELLO 2 AUTH nosuchuser x",
         "HELLO 2 AUTH default", "HELLO 2 AUTH", hello("HELLO 3 AUTH default x SETNAME n"),
         "CLIENT GETNAME"),
    case("auth-no-password", "AUTH foo", "AUTH default foo", "AUTH nosuchuser foo", "AUTH", "AUTH a b c",
         "PING"),
    case("client-name", "CLIENT GETNAME", "CLIENT SETNAME conn", "CLIENT GETNAME", "CLIENT SETNAME ''",
         "CLIENT GETNAME", "CLIENT SETNAME 'a b'", ["CLIENT", "SETNAME", "a\nb"],
         ["CLIENT", "SETNAME", "a\x01"], ["CLIENT", "SETNAME", "\xc3\xa9"], "CLIENT SETNAME a~!",
         "CLIENT GETNAME", "CLIENT SETNAME", "CLIENT SETNAME a b", "CLIENT GETNAME x"),
    case("client-id", Check("CLIENT ID", _integer), "CLIENT ID x"),
    case("client-info-list", client_fields("CLIENT INFO"), client_fields("CLIENT LIST"),
         client_fields("CLIENT LIST TYPE normal"), client_fields("CLIENT LIST TYPE NORMAL"),
         "CLIENT LIST TYPE pubsub", "CLIENT LIST TYPE master", "CLIENT LIST TYPE foo",
         "CLIENT LIST ID abc", "CLIENT LIST ID 0", "CLIENT LIST ID 999999999", "CLIENT LIST FOO",
         "CLIENT INFO x", "CLIENT SETNAME named", client_fields("CLIENT INFO")),
    case("client-reply", raw(encode_command("CLIENT", "REPLY", "OFF") + encode_command("SET", "a", "1")
                             + encode_command("GET", "a") + encode_command("CLIENT", "REPLY", "ON")),
         "GET a",
         raw(encode_command("CLIENT", "REPLY", "SKIP") + encode_command("SET", "b", "2")
             + encode_command("GET", "b")),
         raw(encode_command("CLIENT", "REPLY", "SKIP") + encode_command("CLIENT", "REPLY", "SKIP")
             + encode_command("ECHO", "skipped") + encode_command("ECHO", "seen")),
         raw(encode_command("CLIENT", "REPLY", "OFF") + encode_command("FOO")
             + encode_command("CLIENT", "REPLY", "ON")),
         "CLIENT REPLY ON", "CLIENT REPLY FOO", "CLIENT REPLY", "CLIENT REPLY ON x"),
    case("client-no-evict", "CLIENT NO-EVICT ON", "CLIENT NO-EVICT OFF", "CLIENT NO-EVICT on",
         "CLIENT NO-EVICT maybe", "CLIENT NO-EVICT"),
    case("client-kill-errors", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID 999999999",
         "CLIENT KILL ID abc", "CLIENT KILL FOO bar", "CLIENT KILL ADDR 1.2.3.4:5",
         "CLIENT KILL LADDR 1.2.3.4:5", "CLIENT KILL TYPE foo", "CLIENT KILL TYPE pubsub",
         "CLIENT KILL USER nosuchuser", "CLIENT KILL SKIPME maybe", "CLIENT KILL ID",
         "CLIENT KILL", "PING"),
    case("quit", "SET k v", "QUIT", "PING", Reconnect(), "GET k", "QUIT extra", Reconnect(), "PING"),
    case("reset", hello("HELLO 3"), "CLIENT SETNAME before", "SELECT 5", "SET r 1",
         "RESET", "CLIENT GETNAME", "GET missing", "GET r", "DBSIZE", "SELECT 5", "GET r",
         "PING", "RESET x"),
    case("reset-client-reply", raw(encode_command("CLIENT", "REPLY", "OFF") + encode_command("RESET")),
         "PING"),
    case("config-get", "CONFIG GET maxmemory", "CONFIG GET databases", "CONFIG GET maxmemory-policy",
         "CONFIG GET save", "CONFIG GET appendonly", "CONFIG GET timeout", "CONFIG GET proto-max-bulk-len",
         "CONFIG GET bind", "CONFIG GET nosuchparam", "CONFIG GET MAXMEMORY",
         Check("CONFIG GET maxmemory databases", _config_pairs_unordered),
         masked("CONFIG GET port", rb"\$\d+\r\n\d+\r\n$", b"<port>"),
         Check("CONFIG GET maxmemory-*", _config_pairs_unordered), "CONFIG GET",
         "CONFIG GET enable-debug-command", "CONFIG GET requirepass"),
    case("config-get-resp3", ignore("HELLO 3"), "CONFIG GET maxmemory", "CONFIG GET nosuchparam",
         Check("CONFIG GET maxmemory databases", _config_pairs_unordered)),
    case("command-count", Check("COMMAND COUNT", _integer)),
]


@pytest.mark.needs_redis
@pytest.mark.parametrize("steps, needs", CONNECTION_CASES)
def test_connection_commands(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


@pytest.mark.needs_redis
def test_client_kill_differential(rkvd, redis_ref):
    """Killing by id / addr / skipme: same replies, victims see EOF, killers survive."""
    for server in (rkvd, redis_ref):
        killer = RawConnection(server.host, server.port)
        victim = RawConnection(server.host, server.port)
        reply = victim.command("CLIENT", "ID")
        assert reply[:1] == b":", f"{server.name}: CLIENT ID answered {reply!r}"
        victim_id = int(reply[1:-2])
        assert killer.command("CLIENT", "KILL", "ID", str(victim_id)) == b":1\r\n", server.name
        assert victim.is_closed_by_peer(5), f"{server.name}: killed client still connected"
        assert killer.command("CLIENT", "KILL", "ID", str(victim_id)) == b":0\r\n"

        victim = RawConnection(server.host, server.port)
        assert victim.command("PING") == b"+PONG\r\n"      # accepted by now
        local = "%s:%d" % victim.sock.getsockname()
        assert killer.command("CLIENT", "KILL", local) == b"+OK\r\n", server.name
        assert victim.is_closed_by_peer(5)
        assert killer.command("CLIENT", "KILL", local) == b"-ERR No such client\r\n"

        victim = RawConnection(server.host, server.port)
        assert victim.command("PING") == b"+PONG\r\n"      # accepted by now
        local = "%s:%d" % victim.sock.getsockname()
        assert killer.command("CLIENT", "KILL", "ADDR", local, "SKIPME", "yes") == b":1\r\n"
        assert victim.is_closed_by_peer(5)

        # SKIPME no on itself: the reply still arrives before the close.
        own = "%s:%d" % killer.sock.getsockname()
        assert killer.command("CLIENT", "KILL", "ADDR", own, "SKIPME", "yes") == b":0\r\n"
        assert killer.command("CLIENT", "KILL", "ADDR", own, "SKIPME", "no") == b":1\r\n"
        assert killer.is_closed_by_peer(5)
        killer.close()


@pytest.mark.needs_redis
def test_requirepass(server_pair):
    a, b = server_pair("--requirepass", "s3cret")
    d = Differ(a, b, db=None)
    try:
        d.run([
            "PING", "GET k", "SELECT 1", "CLIENT ID", "ECHO x", "HELLO", "HELLO 3", "HELLO 2 SETNAME x",
            "AUTH wrong", "AUTH default wrong", "AUTH nosuch s3cret", "PING",
            hello("HELLO 3 AUTH default wrong"), "PING", hello("HELLO 2 AUTH default s3cret"), "PING",
            "AUTH s3cret", "AUTH default s3cret", "SET k v", "GET k", Reconnect(select=False),
            "AUTH s3cret", "GET k", Reconnect(select=False), hello("HELLO 3 AUTH default s3cret SETNAME n"),
            "CLIENT GETNAME", "GET k", Reconnect(select=False), "QUIT", Reconnect(select=False),
            raw(b"PING\r\n"), "AUTH", "AUTH a b c", "RESET", "PING",
        ])
    finally:
        d.close()


@pytest.mark.needs_redis
def test_debug_refused_when_disabled(server_pair):
    a, b = server_pair("--enable-debug-command", "no")
    d = Differ(a, b, db=None)
    try:
        d.run(["DEBUG HELP", "DEBUG SLEEP 0", "debug object x", "PING"])
    finally:
        d.close()


@pytest.mark.needs_redis
def test_debug_local_allowed(server_pair):
    a, b = server_pair("--enable-debug-command", "local")
    d = Differ(a, b, db=None)
    try:
        d.run(["DEBUG SLEEP 0", "SET k v", "PING"])
    finally:
        d.close()


# --- redis-py clients ---------------------------------------------------------------

@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_basics(rkvd, protocol):
    r = rkvd.client(protocol=protocol, db=9)
    assert r.ping() is True
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "w", nx=True) is None
    assert r.set("k", "w", xx=True, get=True) == b"v"
    assert r.incr("n") == 1 and r.incrby("n", 9) == 10 and r.decr("n") == 9
    assert r.incrbyfloat("f", 1.5) == 1.5
    assert r.mset({"a": "1", "b": "2"}) is True
    assert r.mget("a", "b", "missing") == [b"1", b"2", None]
    assert r.append("a", "x") == 2
    assert r.strlen("a") == 2
    assert r.getrange("k", 0, 0) == b"w"
    assert r.expire("k", 100) is True
    assert 98 <= r.ttl("k") <= 100
    assert r.persist("k") is True and r.ttl("k") == -1
    assert r.exists("k", "a", "missing") == 2
    assert r.type("k") == b"string"
    assert sorted(r.keys("*")) == [b"a", b"b", b"f", b"k", b"n"]
    assert r.dbsize() == 5
    assert r.delete("a", "b") == 2
    assert r.echo("hi") == b"hi"
    assert r.client_setname("py") is True and r.client_getname() in (b"py", "py")
    with pytest.raises(redis.ResponseError, match="value is not an integer"):
        r.incr("k")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("GET")
    p = r.pipeline(transaction=False)
    for i in range(50):
        p.set(f"p{i}", i).get(f"p{i}")
    out = p.execute()
    assert out[1::2] == [str(i).encode() for i in range(50)]
    assert r.flushdb() is True and r.dbsize() == 0


def test_redis_py_resp3_types(rkvd):
    r = rkvd.client(protocol=3, db=9)
    info = r.execute_command("HELLO", "3")
    assert info[b"proto"] == 3 and info[b"version"] == b"7.0.15" and info[b"server"] == b"redis"
    r.set("f", "2.5")
    assert r.incrbyfloat("f", 0.5) == 3.0
    assert r.execute_command("CLIENT", "INFO").find(b"resp=3") >= 0
    assert r.lcs("f", "f", len=True) == 1


def test_client_kill_by_id_redis_py(rkvd):
    victim = rkvd.client(db=9)
    killer = rkvd.client(db=9)
    vid = victim.client_id()
    assert killer.client_kill_filter(_id=vid) == 1
    # redis-py reconnects transparently; the new connection has a new id.
    assert victim.ping() is True
    assert victim.client_id() != vid
    ids = [int(m) for m in re.findall(rb"id=(\d+)", killer.execute_command("CLIENT", "LIST"))]
    assert vid not in ids


def test_client_list_lists_every_client(rkvd):
    conns = [RawConnection(rkvd.host, rkvd.port) for _ in range(5)]
    try:
        names = []
        for i, c in enumerate(conns):
            names.append(f"listed-{i}")
            assert c.command("CLIENT", "SETNAME", names[-1]) == b"+OK\r\n"
        with RawConnection(rkvd.host, rkvd.port) as c:
            kind, text = parse_reply(c.command("CLIENT", "LIST"))
        listed = re.findall(rb"name=(\S*)", text)
        for n in names:
            assert n.encode() in listed
        assert kind == "$"
        for line in text.splitlines():
            assert line.startswith(b"id=") and b" addr=127.0.0.1:" in line
    finally:
        for c in conns:
            c.close()


def _value(server, key):
    with RawConnection(server.host, server.port) as c:
        c.command("SELECT", "9")
        return c.command("GET", key)


def test_abrupt_disconnects_keep_other_data(rkvd):
    keeper = rkvd.client(db=9)
    keeper.set("safe", "intact")
    keeper.set("counter", 0)
    partials = [
        b"*3\r\n$3\r\nSET\r\n$4\r\nsafe\r\n$10\r\nbro",            # in the middle of a bulk
        b"*3\r\n$3\r\nSET\r\n$4\r\nsafe\r\n",                       # before the last argument
        b"*3\r\n$3\r\nSET\r\n$4\r\nsafe\r\n$1",                     # in a bulk header
        b"SET safe inline-broken",                                 # inline without its newline
        b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n*3\r\n$3\r\nSET",     # one full command, then half
    ]
    for data in partials:
        s = socket.create_connection((rkvd.host, rkvd.port))
        s.sendall(b"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n" + data)
        s.close()
    # A reset (RST) instead of a clean close, with a reply still unread.
    s = socket.create_connection((rkvd.host, rkvd.port))
    s.sendall(encode_command("SELECT", "9") + encode_command("GET", "safe") * 100 + b"*1\r\n$4\r\nPI")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    assert wait_until(lambda: keeper.get("counter") == b"1", 5)
    assert keeper.get("safe") == b"intact"
    assert keeper.ping() is True


def test_disconnect_with_big_pending_reply(rkvd):
    r = rkvd.client(db=9)
    r.set("big", b"x" * (8 * 1024 * 1024))
    for _ in range(3):
        s = socket.create_connection((rkvd.host, rkvd.port))
        s.sendall(encode_command("SELECT", "9") + encode_command("GET", "big") * 4)
        s.recv(100)          # the server is now blocked on a full socket buffer
        s.close()
    assert r.strlen("big") == 8 * 1024 * 1024
    with RawConnection(rkvd.host, rkvd.port) as c:
        assert c.command("PING") == b"+PONG\r\n"


def test_many_concurrent_clients(rkvd):
    n_threads, n_ops = 40, 100
    errors = []

    def worker(i):
        try:
            r = redis.Redis(host=rkvd.host, port=rkvd.port, db=9, socket_timeout=20,
                            protocol=2 if i % 2 else 3)
            for j in range(n_ops):
                r.incr("shared")
                r.set(f"own:{i}", j)
                if r.get(f"own:{i}") != str(j).encode():
                    errors.append(f"client {i} read back a wrong value")
                    return
            r.close()
        except Exception as exc:            # reported below
            errors.append(f"client {i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors[:5]
    r = rkvd.client(db=9)
    assert r.get("shared") == str(n_threads * n_ops).encode()
    assert len(r.keys("own:*")) == n_threads


def _connected_clients(conn) -> int:
    kind, text = parse_reply(conn.command("INFO", "clients"))
    m = re.search(rb"connected_clients:(\d+)", text or b"")
    assert m, f"INFO clients has no connected_clients field: {text!r:.300}"
    return int(m.group(1))


def test_many_idle_connections(rkvd):
    conns = []
    try:
        for _ in range(300):
            conns.append(RawConnection(rkvd.host, rkvd.port, timeout=10))
        for c in conns:
            c.send(b"PING\r\n")
        for c in conns:
            assert c.read_reply() == b"+PONG\r\n"
        with RawConnection(rkvd.host, rkvd.port) as c:
            assert _connected_clients(c) >= 301
    finally:
        for c in conns:
            c.close()
    with RawConnection(rkvd.host, rkvd.port) as c:
        assert wait_until(lambda: _connected_clients(c) < 100, 5), "closed connections are still counted"


def test_interleaved_clients_keep_their_own_db_and_protocol(rkvd):
    a = RawConnection(rkvd.host, rkvd.port)
    b = RawConnection(rkvd.host, rkvd.port)
    try:
        assert a.command("SELECT", "3") == b"+OK\r\n"
        assert a.command("HELLO", "3").startswith(b"%")
        assert b.command("SELECT", "4") == b"+OK\r\n"
        assert a.command("SET", "k", "in3") == b"+OK\r\n"
        assert b.command("GET", "k") == b"$-1\r\n"
        assert a.command("GET", "missing") == b"_\r\n"
        assert b.command("SET", "k", "in4") == b"+OK\r\n"
        assert a.command("GET", "k") == b"$3\r\nin3\r\n"
        assert b.command("GET", "k") == b"$3\r\nin4\r\n"
    finally:
        a.close()
        b.close()
