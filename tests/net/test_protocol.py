"""The request parser, over raw sockets, byte for byte against redis-server.

For each payload both servers get a fresh connection; everything they send
back until they close the connection (or stay quiet for a moment) must be
identical, and so must the fact that they closed it. At the end, what rkvd
logs about protocol errors and the query buffer limit.

tests/net/test_resp_reader.py tests the parser alone (RequestReader, no server).
"""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import DIFFERENTIAL, RawConnection, encode_command, parse_reply, split_replies

pytestmark = [pytest.mark.timeout(60), pytest.mark.needs_redis]

_POOL = ThreadPoolExecutor(max_workers=2)
IDLE = 0.25

# Shrinking a failing example means hundreds of round trips to live servers,
# more than the 60 s test timeout allows; it is off unless RKVD_TEST_SHRINK=1
# (then also raise the timeout: --timeout 600).  Examples are short anyway.


def talk(server, payload: bytes, idle: float = IDLE, chunks=None, pause: float = 0.0,
         db: int | None = None):
    """Send ``payload`` (or ``chunks``) on a new connection; (everything received, closed?)."""
    with RawConnection(server.host, server.port, timeout=10) as conn:
        if db is not None:
            assert conn.command("SELECT", db) == b"+OK\r\n"
        try:
            if chunks is None:
                conn.send(payload)
            else:
                for chunk in chunks:
                    conn.send(chunk)
                    if pause:
                        time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = conn.read_until_idle(idle, limit=15)
        if not closed and b"-ERR Protocol error" in data:
            # a server closes right after a protocol error's reply, but a
            # loaded machine may deschedule it past the idle window
            more, closed = conn.read_all_until_eof(2.0)
            data += more
        return data, closed


def both(rkvd, redis_ref, payload: bytes, **kwargs):
    fa = _POOL.submit(talk, rkvd, payload, **kwargs)
    fb = _POOL.submit(talk, redis_ref, payload, **kwargs)
    return fa.result(), fb.result()


def _short(data: bytes, limit: int = 300) -> str:
    return repr(data[:limit]) + (f"...<{len(data)} bytes>" if len(data) > limit else "")


def assert_same(rkvd_result, ref_result, payload: bytes):
    (a, a_closed), (b, b_closed) = rkvd_result, ref_result
    what = f"payload {_short(payload, 120)}"
    assert a == b, f"replies differ for {what}\n  rkvd:  {_short(a)}\n  redis: {_short(b)}"
    assert a_closed == b_closed, (f"for {what}: rkvd {'closed' if a_closed else 'kept'} the connection, "
                                  f"redis {'closed' if b_closed else 'kept'} it (replies {_short(b)})")


def check_alive(server):
    with RawConnection(server.host, server.port, timeout=5) as conn:
        assert conn.command("PING") == b"+PONG\r\n", f"{server.name} no longer answers PING"


PING = b"*1\r\n$4\r\nPING\r\n"

PAYLOADS = [
    # inline commands
    ("inline-crlf", b"PING\r\n"),
    ("inline-lf", b"PING\n"),
    ("inline-empty-line-after", b"PING\r\n\n"),
    ("inline-empty-lines", b"\r\n\n\r\n\nPING\n"),
    ("inline-lowercase", b"ping\r\n"),
    ("inline-arg", b"PING hello\r\n"),
    ("inline-spaces", b"   ECHO    a   \r\n"),
    ("inline-tabs", b"ECHO\ta\t\r\n"),
    ("inline-double-quotes", b'ECHO "hello world"\r\n'),
    ("inline-single-quotes", b"ECHO 'hello world'\r\n"),
    ("inline-escapes", b'ECHO "a\\tb\\nc\\x41\\x4a\\\\\\"d"\r\n'),
    ("inline-bad-hex", b'ECHO "\\x4g\\xzz"\r\n'),
    ("inline-single-quote-escape", b"ECHO 'it\\'s'\r\nECHO 'a\\nb'\r\nECHO 'a\\\\b'\r\n"),
    ("inline-empty-quoted", b"ECHO \"\"\r\nECHO ''\r\n"),
    ("inline-quote-then-text", b'ECHO "a"b\r\nPING\r\n'),
    ("inline-single-quote-then-text", b"ECHO 'a'b\r\nPING\r\n"),
    ("inline-unbalanced-double", b'ECHO "abc\r\nPING\r\n'),
    ("inline-unbalanced-single", b"ECHO 'abc\r\nPING\r\n"),
    ("inline-unbalanced-after-good", b'PING\r\nSET "x y\r\nPING\r\n'),
    ("inline-unbalanced-triple", b'set """test-key""" test-value\r\nping\r\n'),
    ("inline-unknown", b"FOO bar baz\r\n"),
    ("inline-unknown-long-args", b"FOO " + b"x" * 200 + b" " + b"y" * 50 + b"\r\n"),
    # names and arguments in errors stop at a NUL, as C's %s prints them
    # a refused EXEC is an EXECABORT, inside MULTI or not
    ("exec-wrong-arity", b"EXEC x\r\nMULTI\r\nEXEC y\r\nEXEC\r\n"),
    ("unknown-with-nul", b"*3\r\n$6\r\nDI\x00SCA\r\n$3\r\na\x00b\r\n$1\r\nc\r\n"),
    ("unknown-subcommand-with-nul", b"*2\r\n$6\r\nOBJECT\r\n$4\r\nx\x00yz\r\n"),
    ("subcommand-syntax-with-nul", b"*3\r\n$5\r\nDEBUG\r\n$4\r\nx\x00yz\r\n$1\r\n1\r\n"),
    ("inline-arity", b"GET\r\nGET a b\r\n"),
    ("inline-quit", b"PING\r\nQUIT\r\nPING\r\n"),
    ("inline-cr-only", b"PING\rPING\r\n"),
    ("inline-mixed-with-resp", b"PING a\r\n" + encode_command("ECHO", "b") + b"ECHO c\n"),
    ("inline-dollar-line", b"$4\r\nPING\r\n"),
    ("inline-high-bytes", b"ECHO \xff\xfe\x01\r\n"),
    # multibulk header
    ("mbulk-not-number", b"*abc\r\n"),
    ("mbulk-negative", b"*-5\r\n" + PING),
    ("mbulk-minus-one", b"*-1\r\n" + PING),
    ("mbulk-zero", b"*0\r\n" + PING),
    ("mbulk-empty-number", b"*\r\n" + PING),
    ("mbulk-over-int-max", b"*3000000000\r\n"),
    ("mbulk-int-max-waits", b"*2147483647\r\n"),
    ("mbulk-large-waits", b"*1048577\r\n"),
    ("mbulk-plus-sign", b"*+1\r\n$4\r\nPING\r\n"),
    ("mbulk-space", b"* 1\r\n"),
    ("mbulk-trailing-garbage", b"*1x\r\n"),
    ("mbulk-cr-without-lf", b"*1\r"),
    ("mbulk-lf-only", b"*1\n$4\nPING\n"),
    ("mbulk-error-after-good", PING + b"*abc\r\n" + PING),
    # bulk headers
    ("bulk-negative", b"*1\r\n$-1\r\n"),
    ("bulk-minus-ten", b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n"),
    ("bulk-not-number", b"*1\r\n$abc\r\n"),
    ("bulk-blabla", b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n"),
    ("bulk-over-max", b"*1\r\n$536870913\r\n"),
    ("bulk-way-over-max", b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n"),
    ("bulk-empty-number", b"*1\r\n$\r\n"),
    ("bulk-zero", b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"),
    ("bulk-expected-dollar", b"*1\r\nfoo\r\n"),
    ("bulk-expected-dollar-colon", b"*2\r\n$4\r\nECHO\r\n:1\r\n"),
    ("bulk-expected-dollar-after-args", b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
    ("bulk-expected-dollar-star", b"*2\r\n*1\r\n"),
    ("bulk-data-without-crlf", b"*1\r\n$4\r\nPINGxx" + PING),
    ("bulk-short-data-skips-two", b"*2\r\n$4\r\nECHO\r\n$1\r\nabc\r\n" + PING),
    ("bulk-incomplete-waits", b"*2\r\n$4\r\nECHO\r\n$10\r\nabc"),
    ("bulk-error-after-good", PING + b"*2\r\n$4\r\nECHO\r\n$x\r\n" + PING),
    # the whole pipeline before a protocol error runs, nothing after it
    ("pipeline-then-error", PING + encode_command("ECHO", "one") + b"*1\r\n$-5\r\n" + PING),
]


@pytest.mark.parametrize("payload", [p for _, p in PAYLOADS], ids=[n for n, _ in PAYLOADS])
def test_payload(rkvd, redis_ref, payload):
    ra, rb = both(rkvd, redis_ref, payload)
    assert_same(ra, rb, payload)
    check_alive(rkvd)


def test_error_stops_processing(rkvd, redis_ref):
    """Commands after a protocol error in the same write are not executed."""
    payload = encode_command("SET", "before", "1") + b"*1\r\n$x\r\n" + encode_command("SET", "after", "1")
    ra, rb = both(rkvd, redis_ref, payload)
    assert_same(ra, rb, payload)
    for server in (rkvd, redis_ref):
        with RawConnection(server.host, server.port) as conn:
            assert conn.command("EXISTS", "before", "after") == b":1\r\n", server.name


@pytest.mark.parametrize("prefix", [b"", b"*", b"*1\r\n$"], ids=["inline", "mbulk-count", "bulk-count"])
def test_too_big_line(rkvd, redis_ref, prefix):
    """More than 64 KB without a line end: 'too big ... request/count string' and close."""
    payload = prefix + b"1" * 70000
    ra, rb = both(rkvd, redis_ref, payload)
    assert_same(ra, rb, payload[:40])
    assert rb[1], "redis-server kept the connection"


def test_inline_just_under_limit(rkvd, redis_ref):
    payload = b"ECHO " + b"a" * 60000 + b"\r\n"
    ra, rb = both(rkvd, redis_ref, payload)
    assert_same(ra, rb, payload[:40])


@pytest.mark.parametrize("prefix", [b"\x00", b"*\x00", b"$\x00"], ids=["nul", "star-nul", "dollar-nul"])
def test_nul_desync(rkvd, redis_ref, prefix):
    """A NUL hides the line ends after it; the server must still give up past 64 KB."""
    payload = prefix + (b"A" * 1024 + b"\n") * 68
    ra, rb = both(rkvd, redis_ref, payload)
    assert_same(ra, rb, payload[:40])
    assert b"Protocol error" in rb[0]


def test_pipeline_1000_commands(rkvd, redis_ref):
    cmds = [encode_command("SELECT", "9")]
    for i in range(1000):
        kind = i % 5
        if kind == 0:
            cmds.append(encode_command("INCR", "counter"))
        elif kind == 1:
            cmds.append(encode_command("SET", f"key:{i}", f"value-{i}"))
        elif kind == 2:
            cmds.append(encode_command("GET", f"key:{i - 1}"))
        elif kind == 3:
            cmds.append(f"APPEND log {i}\r\n".encode())        # inline in the middle
        else:
            cmds.append(encode_command("STRLEN", "log"))
    payload = b"".join(cmds)
    results = []
    for server in (rkvd, redis_ref):
        with RawConnection(server.host, server.port, timeout=20) as conn:
            conn.send(payload)
            results.append(conn.read_replies(1001, timeout=20))
    assert results[0] == results[1]
    assert results[1][-1].startswith(b":")


def test_ten_megabyte_argument(rkvd, redis_ref):
    value = bytes(range(256)) * (10 * 1024 * 1024 // 256)
    outs = []
    for server in (rkvd, redis_ref):
        with RawConnection(server.host, server.port, timeout=20) as conn:
            conn.send(encode_command("SET", "big", value) + encode_command("STRLEN", "big")
                      + encode_command("GETRANGE", "big", "5000000", "5000009"))
            outs.append(conn.read_replies(3, timeout=20))
            reply = conn.command("GET", "big", timeout=20)
            assert reply == b"$%d\r\n%s\r\n" % (len(value), value), f"{server.name}: GET big is wrong"
    assert outs[0] == outs[1]


def test_ten_megabyte_argument_split(rkvd, redis_ref):
    """A big bulk arriving in uneven pieces, followed by another command in the same piece."""
    value = b"z" * (10 * 1024 * 1024)
    payload = encode_command("SET", "big", value) + encode_command("STRLEN", "big")
    cuts = [0, 3, 17, 65536, 1000003, 5000000, 10485700, len(payload) - 20, len(payload)]
    chunks = [payload[a:b] for a, b in zip(cuts, cuts[1:])]
    ra, rb = both(rkvd, redis_ref, payload, chunks=chunks, pause=0.005)
    assert_same(ra, rb, payload[:40])
    assert rb[0] == b"+OK\r\n:10485760\r\n"


PIPELINE = b"".join([
    encode_command("SELECT", "9"),
    encode_command("SET", "split", "hello world"),
    b"GET split\r\n",
    encode_command("APPEND", "split", "!"),
    b"\r\n",
    b"ECHO \"quoted arg\" 'single'\n",
    encode_command("GETRANGE", "split", "0", "4"),
    encode_command("MSET", "a", "1", "b", b"\x00\r\n\xff"),
    encode_command("MGET", "a", "b", "split"),
    b"*0\r\n",
    encode_command("INCRBYFLOAT", "f", "1.5"),
    encode_command("DEL", "split", "a", "b", "f"),
    PING,
])
PIPELINE_REPLIES = 11


def test_byte_by_byte(rkvd, redis_ref):
    chunks = [PIPELINE[i:i + 1] for i in range(len(PIPELINE))]
    ra, rb = both(rkvd, redis_ref, PIPELINE, chunks=chunks, pause=0.0005)
    assert_same(ra, rb, PIPELINE)
    assert len(split_replies(rb[0])) == PIPELINE_REPLIES


@pytest.fixture(scope="module")
def pipeline_reference(redis_ref):
    data, closed = talk(redis_ref, PIPELINE)
    assert not closed and len(split_replies(data)) == PIPELINE_REPLIES
    return data


@settings(max_examples=25, **DIFFERENTIAL)
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(PIPELINE) - 1), max_size=12, unique=True))
def test_random_splits(rkvd, pipeline_reference, cuts):
    """Any split of a valid pipeline gives the same replies as one write."""
    points = [0] + sorted(cuts) + [len(PIPELINE)]
    chunks = [PIPELINE[a:b] for a, b in zip(points, points[1:])]
    data, closed = talk(rkvd, PIPELINE, chunks=chunks, pause=0.002, idle=0.15)
    assert not closed
    assert data == pipeline_reference, f"split at {points[1:-1]}:\n  {data!r}\n  {pipeline_reference!r}"


# Pieces the garbage generator strings together; no NUL bytes and no command
# that could change server-wide state.
TOKENS = [b"*", b"$", b"0", b"1", b"2", b"3", b"9", b"-", b"+", b":", b"\r\n", b"\n", b"\r", b" ", b"\t",
          b'"', b"'", b"\\", b"\\x", b"x", b"a", b"\x01", b"\xff", b"PING", b"ECHO", b"GET", b"SET",
          b"QUIT", b"*1\r\n", b"*2\r\n", b"$4\r\n", b"$1\r\n", b"$4\r\nPING\r\n", b"$4\r\nECHO\r\n",
          b"*3000000000\r\n", b"$-1\r\n", b"*-1\r\n", b"12345678901234567890"]


@settings(max_examples=40, **DIFFERENTIAL)
@given(garbage=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=24).map(b"".join))
def test_garbage(rkvd, redis_ref, garbage):
    ra, rb = both(rkvd, redis_ref, garbage, idle=0.15, db=9)
    assert_same(ra, rb, garbage)
    check_alive(rkvd)


@settings(max_examples=15, **DIFFERENTIAL)
@given(garbage=st.binary(min_size=1, max_size=200).map(lambda b: b.replace(b"\x00", b"\x01")))
def test_random_bytes(rkvd, redis_ref, garbage):
    """Arbitrary bytes (NUL excluded) get the same answer and the server survives."""
    ra, rb = both(rkvd, redis_ref, garbage, idle=0.15, db=9)
    assert_same(ra, rb, garbage)
    check_alive(rkvd)


# --- limits that apply before AUTH ------------------------------------------------------

@pytest.fixture(scope="module")
def auth_pair(tmp_path_factory):
    from support import HAVE_REDIS, REDIS_SERVER, ServerProcess, rkvd_command
    if not HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    servers = []
    try:
        for cmd, name in ((rkvd_command(), "rkvd-auth"), ([REDIS_SERVER], "redis-auth")):
            s = ServerProcess(cmd, name, tmp_path_factory.mktemp(name),
                              extra_args=["--requirepass", "s3cret"])
            servers.append(s)
            s.start()
        yield servers
    finally:
        for s in servers:
            s.kill()


UNAUTH_PAYLOADS = [
    ("mbulk-11", b"*11\r\n"),
    ("mbulk-10-waits", b"*10\r\n"),
    ("bulk-16385", b"*1\r\n$16385\r\n"),
    ("bulk-16384-waits", b"*1\r\n$16384\r\n"),
    ("bulk-over-max", b"*1\r\n$536870913\r\n"),
    ("bulk-negative", b"*1\r\n$-1\r\n"),
    ("command-noauth", PING + encode_command("GET", "k") + b"PING\r\n"),
    ("wrong-password", encode_command("AUTH", "nope") + PING),
    ("auth-then-big", encode_command("AUTH", "s3cret") + b"*11\r\n" + b"$4\r\nECHO\r\n" +
     b"$1\r\nx\r\n" * 10),
    ("auth-then-big-bulk", encode_command("AUTH", "s3cret") + encode_command("ECHO", "y" * 20000)),
]


@pytest.mark.parametrize("payload", [p for _, p in UNAUTH_PAYLOADS], ids=[n for n, _ in UNAUTH_PAYLOADS])
def test_unauthenticated_limits(auth_pair, payload):
    a, b = auth_pair
    ra, rb = both(a, b, payload)
    assert_same(ra, rb, payload)
    with RawConnection(a.host, a.port) as conn:
        assert conn.command("PING") == b"-NOAUTH Authentication required.\r\n"


def test_resp3_replies_parse(rkvd, redis_ref):
    """After HELLO 3 the raw replies of both servers agree (and parse as RESP3)."""
    payload = b"".join(encode_command(*c) for c in [
        ("SELECT", "9"), ("SET", "k", "v"), ("GET", "missing"), ("INCRBYFLOAT", "f", "2.5"),
        ("MGET", "k", "missing"), ("EXISTS", "k"), ("PING",), ("ECHO", "x"), ("OBJECT", "ENCODING", "k"),
    ])
    outs = []
    for server in (rkvd, redis_ref):
        with RawConnection(server.host, server.port) as conn:
            hello = conn.command("HELLO", "3")
            assert hello.startswith(b"%"), f"{server.name}: HELLO 3 did not answer a map: {hello[:60]!r}"
            conn.send(payload)
            outs.append(conn.read_replies(9))
    assert outs[0] == outs[1]
    for reply in outs[1]:
        parse_reply(reply)


def test_exec_runs_queued_arguments_of_any_size(rkvd, redis_ref):
    """EXEC runs each queued command from its own argument array, growing it
    as the commands get longer, and the requests after EXEC parse as usual."""
    keys = [f"exec:{i}" for i in range(300)]
    cmds = [("SELECT", "9"), ("MULTI",), ("SET", "exec:a", "1"),
            ("MSET", *[x for k in keys[:10] for x in (k, k)]),
            ("MSET", *[x for k in keys for x in (k, "v" * 40)]), ("MGET", *keys[:50]),
            ("DEL", "exec:a"), ("EXEC",), ("MGET", "exec:0", "exec:299"), ("DEL", *keys)]
    payload = b"".join(encode_command(*c) for c in cmds)
    outs = []
    for server in (rkvd, redis_ref):
        with RawConnection(server.host, server.port, timeout=10) as conn:
            conn.send(payload)
            outs.append(conn.read_replies(len(cmds), timeout=10))
    assert outs[0] == outs[1]
    assert outs[1][-2] == b"*2\r\n$40\r\n" + b"v" * 40 + b"\r\n$40\r\n" + b"v" * 40 + b"\r\n"


@pytest.mark.parametrize("payload,error", [
    (b"*abc\r\n", b"Protocol error: invalid multibulk length"),
    (b"*1\r\n$4\r\nPING\r\n*1\r\n:1\r\n", b"Protocol error: expected '$', got ':'"),
    (b"*1\r\n\xff\r\n", b"Protocol error: expected '$', got '\xff'"),
    (b'ECHO "a\r\n', b"Protocol error: unbalanced quotes in request"),
], ids=["mbulk-len", "expected-dollar", "high-byte", "quotes"])
def test_protocol_error_is_logged(rkvd_factory, payload, error):
    """At loglevel debug a protocol error is logged with the client's info
    line (a byte that is not UTF-8 as U+FFFD), the reply sent all the same."""
    server = rkvd_factory("--loglevel", "debug")
    data, closed = talk(server, payload)
    assert closed and data.endswith(b"-ERR " + error + b"\r\n")
    line = f"Protocol error ({error.decode('utf-8', 'replace')}) from client: id="
    deadline = time.monotonic() + 5
    while line not in server.stdout() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert line in server.stdout(), server.stdout()[-2000:]
    check_alive(server)


def test_query_buffer_limit(server_pair):
    """Input piling up past client-query-buffer-limit (behind a blocked
    command) closes the connection without a reply, and is logged."""
    servers = server_pair("--client-query-buffer-limit", "1mb")
    pings = encode_command("ECHO", "x" * 1000) * 1100          # ~1.1 MB
    results = []
    for server in servers:
        with RawConnection(server.host, server.port, timeout=10) as conn:
            conn.send(encode_command("BLPOP", "qbuf:nothing", "0"))
            time.sleep(0.1)
            try:
                conn.send(pings)
            except (BrokenPipeError, ConnectionResetError):
                pass
            results.append(conn.read_until_idle(1.0, limit=10))
        check_alive(server)
    assert results[0] == results[1] == (b"", True)
    assert "Closing client that reached max query buffer length: id=" in servers[0].stdout()
    assert "(qbuf initial bytes: b'*2\\r\\n$4\\r\\nECHO\\r\\n$1000\\r\\nxxx" in servers[0].stdout()
