"""The request reader (RequestReader, rkvd/_core/net/reader.pyx) on its own:
no Engine, no connection. Multibulk and inline requests, any split of the
input across reads, inline quoting, the length limits and every protocol
error with Redis's text, the query buffer's housekeeping.

test_protocol.py checks the same parser through a live server against
redis-server; here each case is one call, and the parser's state is visible.
"""
import random

import pytest

from native.resp import RequestReaderForTest
from support import RawConnection, encode_command

INT_MAX = 2**31 - 1
PROTO_INLINE_MAX_SIZE = 64 * 1024
PROTO_MBULK_BIG_ARG = 32 * 1024
PROTO_IOBUF_LEN = 16 * 1024

# RequestReader.error codes (server.pxd)
MBULK_COUNT_TOO_BIG, MBULK_LEN, MBULK_LEN_UNAUTH, BULK_COUNT_TOO_BIG, EXPECTED_DOLLAR, \
    BULK_LEN, BULK_LEN_UNAUTH, INLINE_TOO_BIG, UNBALANCED_QUOTES = range(1, 10)


def reader(**kw):
    return RequestReaderForTest(**kw)


def parse(data, **kw):
    """(requests, error) for data delivered in one read."""
    r = reader(**kw)
    r.read(data)
    return r.parse(), r.error


def cmd(*args):
    return encode_command(*args)


# -- requests -----------------------------------------------------------------

def test_multibulk():
    assert parse(cmd("GET", "k")) == ([[b"GET", b"k"]], None)
    assert parse(cmd("SET", "k", b"\x00\r\n\xff" * 10)) == ([[b"SET", b"k", b"\x00\r\n\xff" * 10]], None)
    assert parse(b"*1\r\n$0\r\n\r\n") == ([[b""]], None)


def test_pipeline_of_both_kinds():
    data = cmd("PING") + b"ECHO a\r\n" + cmd("MSET", "a", "1", "b", "2") + b"\n" + b"*0\r\n" + b"GET x\n"
    assert parse(data) == ([[b"PING"], [b"ECHO", b"a"], [b"MSET", b"a", b"1", b"b", b"2"], [], [],
                            [b"GET", b"x"]], None)


@pytest.mark.parametrize("data", [b"*-1\r\n", b"*-5\r\n", b"*0\r\n", b"\r\n", b"\n", b"   \t \r\n"],
                         ids=["mbulk-minus-one", "mbulk-negative", "mbulk-zero", "crlf", "lf", "blank"])
def test_empty_requests(data):
    # complete requests with no argument: the server runs nothing for them
    assert parse(data + cmd("PING")) == ([[], [b"PING"]], None)


def test_bulk_without_crlf_is_skipped_blindly():
    # like Redis, the two bytes after a bulk are not checked
    assert parse(b"*1\r\n$4\r\nPINGxx" + cmd("PING")) == ([[b"PING"], [b"PING"]], None)


PIPELINE = b"".join([
    cmd("SELECT", "9"), cmd("SET", "split", "hello world"), b"GET split\r\n",
    cmd("APPEND", "split", "!"), b"\r\n", b"ECHO \"quoted arg\" 'single'\n",
    cmd("MSET", "a", "1", "b", b"\x00\r\n\xff"), b"*0\r\n", cmd("SET", "big", b"v" * 40000), b"PING\n",
])
PIPELINE_REQUESTS = [
    [b"SELECT", b"9"], [b"SET", b"split", b"hello world"], [b"GET", b"split"], [b"APPEND", b"split", b"!"],
    [], [b"ECHO", b"quoted arg", b"single"], [b"MSET", b"a", b"1", b"b", b"\x00\r\n\xff"], [],
    [b"SET", b"big", b"v" * 40000], [b"PING"],
]


def feed_in_pieces(cuts):
    """Deliver PIPELINE cut at `cuts`, parsing after every read."""
    r = reader()
    got = []
    points = [0] + sorted(cuts) + [len(PIPELINE)]
    for a, b in zip(points, points[1:]):
        r.read(PIPELINE[a:b])
        got += r.parse()
        assert r.error is None
    return got, r


def test_one_read():
    assert feed_in_pieces([])[0] == PIPELINE_REQUESTS


def test_every_single_cut():
    # one cut at every position of the small requests, then a few in the big bulk
    for cut in list(range(1, 200)) + list(range(200, len(PIPELINE), 997)):
        got, _ = feed_in_pieces([cut])
        assert got == PIPELINE_REQUESTS, f"cut at {cut}"


def test_byte_by_byte():
    head = PIPELINE[:200]
    r = reader()
    got = []
    for i in range(len(head)):
        r.read(head[i:i + 1])
        got += r.parse()
    r.read(PIPELINE[200:])
    got += r.parse()
    assert got == PIPELINE_REQUESTS


def test_random_cuts():
    rng = random.Random(7)
    for _ in range(60):
        cuts = rng.sample(range(1, len(PIPELINE)), rng.randint(1, 40))
        got, r = feed_in_pieces(cuts)
        assert got == PIPELINE_REQUESTS, f"cuts {sorted(cuts)}"
        assert r.state["len"] == r.state["pos"] == r.state["start"] == 0   # all consumed: buffer reset


def test_arguments_survive_buffer_moves():
    # arguments parsed before the buffer is compacted (consumed bytes dropped)
    # and grown (a big bulk arriving) still read right
    r = reader()
    value = bytes(range(256)) * 800                         # 200 KiB, grown in steps
    data = cmd("PING") + cmd("SET", "key", value, "EX", "10")
    first = data.index(b"$204800")
    r.read(data[:first + 3])
    assert r.parse() == [[b"PING"]]
    assert r.state["start"] > 0 and r.state["argc"] == 2    # SET, key parsed; more to come
    pos = first + 3
    for size in (5, 1000, 17000, 50000, 100000, 300000):
        r.read(data[pos:pos + size])
        pos += size
        assert r.state["start"] == 0
        got = r.parse()
        if got:
            break
    assert got == [[b"SET", b"key", value, b"EX", b"10"]]


def test_big_bulk_gets_room_to_arrive_in_one_read():
    r = reader()
    r.read(b"*2\r\n$3\r\nSET\r\n$100000\r\n" + b"x" * 10)
    assert r.parse() == [] and r.state["bulklen"] == 100000
    assert r.free_space() >= 100000 + 2 - 10
    r.read(b"x" * 99990 + b"\r\n")
    assert r.parse() == [[b"SET", b"x" * 100000]]


def test_small_bulk_buffer_doubles():
    # below PROTO_MBULK_BIG_ARG a bulk gets no exact room: every read has a
    # read buffer free, and the buffer doubles to provide it
    r = reader()
    r.read(b"*1\r\n$20000\r\n")
    assert r.parse() == []
    assert r.state["cap"] == PROTO_IOBUF_LEN
    assert r.free_space() == 2 * PROTO_IOBUF_LEN - len(b"*1\r\n$20000\r\n")
    assert r.state["cap"] == 2 * PROTO_IOBUF_LEN


# -- inline quoting (sdssplitargs) -------------------------------------------------

INLINE = [
    (b"PING", [b"PING"]),
    (b"   ECHO    a   ", [b"ECHO", b"a"]),
    (b"ECHO\ta\t", [b"ECHO", b"a"]),
    (b"PING\rPING", [b"PING", b"PING"]),
    (b'ECHO "hello world"', [b"ECHO", b"hello world"]),
    (b"ECHO 'hello world'", [b"ECHO", b"hello world"]),
    (b'ECHO "a\\tb\\nc\\r\\b\\a\\x41\\x4a\\\\\\"d"', [b"ECHO", b'a\tb\nc\r\b\aAJ\\"d']),
    (b'ECHO "\\x4g\\xzz\\q"', [b"ECHO", b"x4gxzzq"]),
    (b'ECHO "\\xfF\\x00"', [b"ECHO", b"\xff\x00"]),
    (b"ECHO 'it\\'s' 'a\\nb' 'a\\\\b'", [b"ECHO", b"it's", b"a\\nb", b"a\\\\b"]),
    (b"ECHO \"\" ''", [b"ECHO", b"", b""]),
    (b'ECHO "a" \'b\'', [b"ECHO", b"a", b"b"]),
    (b"ECHO \xff\xfe\x01", [b"ECHO", b"\xff\xfe\x01"]),
    (b'SET k"e y"', [b"SET", b"ke y"]),
    (b"SET k'e y'", [b"SET", b"ke y"]),
    (b"$4", [b"$4"]),
]


@pytest.mark.parametrize("line,args", INLINE, ids=[repr(text)[2:30] for text, _ in INLINE])
@pytest.mark.parametrize("end", [b"\r\n", b"\n"], ids=["crlf", "lf"])
def test_inline(line, args, end):
    assert parse(line + end + b"PING\n") == ([args, [b"PING"]], None)


@pytest.mark.parametrize("line", [b'ECHO "abc', b"ECHO 'abc", b'ECHO "a"b', b"ECHO 'a'b",
                                  b'set """test-key""" test-value', b'ECHO "a\\"', b'SET k"ey v'])
def test_inline_unbalanced_quotes(line):
    requests, error = parse(b"PING\n" + line + b"\r\nPING\r\n")
    assert requests == [[b"PING"]]
    assert error == (UNBALANCED_QUOTES, b"Protocol error: unbalanced quotes in request")


def test_inline_waits_for_the_line_end():
    r = reader()
    r.read(b"ECHO 'a b")
    assert r.parse() == [] and r.error is None
    r.read(b"' c\r")
    assert r.parse() == []
    r.read(b"\n")
    assert r.parse() == [[b"ECHO", b"a b", b"c"]]


def test_inline_size_limit():
    line = b"ECHO " + b"a" * 60000
    assert parse(line + b"\r\n") == ([[b"ECHO", b"a" * 60000]], None)
    r = reader()
    r.read(b"a" * PROTO_INLINE_MAX_SIZE)
    assert r.parse() == [] and r.error is None
    r.read(b"a")
    assert r.parse() == []
    assert r.error == (INLINE_TOO_BIG, b"Protocol error: too big inline request")


# -- lengths, limits and protocol errors -------------------------------------------

ERRORS = [
    # name, payload, reader options, code, text
    ("mbulk-not-number", b"*abc\r\n", {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-empty-number", b"*\r\n", {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-plus-sign", b"*+1\r\n", {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-space", b"* 1\r\n", {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-over-int-max", b"*%d\r\n" % (INT_MAX + 1), {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-huge", b"*99999999999999999999\r\n", {}, MBULK_LEN, b"invalid multibulk length"),
    ("mbulk-too-big-line", b"*" + b"1" * 70000, {}, MBULK_COUNT_TOO_BIG, b"too big mbulk count string"),
    ("mbulk-unauth", b"*11\r\n", {"authenticated": False}, MBULK_LEN_UNAUTH,
     b"unauthenticated multibulk length"),
    ("bulk-negative", b"*1\r\n$-1\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-minus-ten", b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-not-number", b"*1\r\n$abc\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-empty-number", b"*1\r\n$\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-over-max", b"*1\r\n$536870913\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-way-over-max", b"*1\r\n$2000000000\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-over-llong", b"*1\r\n$9223372036854775808\r\n", {}, BULK_LEN, b"invalid bulk length"),
    ("bulk-over-custom-max", b"*1\r\n$1001\r\n", {"max_bulk_len": 1000}, BULK_LEN, b"invalid bulk length"),
    ("bulk-unauth", b"*1\r\n$16385\r\n", {"authenticated": False}, BULK_LEN_UNAUTH,
     b"unauthenticated bulk length"),
    # proto-max-bulk-len applies before AUTH too, and is checked first
    ("bulk-over-max-unauth", b"*1\r\n$536870913\r\n", {"authenticated": False}, BULK_LEN,
     b"invalid bulk length"),
    ("bulk-too-big-line", b"*1\r\n$" + b"1" * 70000, {}, BULK_COUNT_TOO_BIG, b"too big bulk count string"),
    ("expected-dollar", b"*1\r\nfoo\r\n", {}, EXPECTED_DOLLAR, b"expected '$', got 'f'"),
    ("expected-dollar-colon", b"*2\r\n$4\r\nECHO\r\n:1\r\n", {}, EXPECTED_DOLLAR, b"expected '$', got ':'"),
    ("expected-dollar-star", b"*2\r\n*1\r\n", {}, EXPECTED_DOLLAR, b"expected '$', got '*'"),
    ("expected-dollar-high-byte", b"*1\r\n\xff\r\n", {}, EXPECTED_DOLLAR, b"expected '$', got '\xff'"),
    ("inline-too-big", b"x" * 70000, {}, INLINE_TOO_BIG, b"too big inline request"),
    ("inline-unbalanced", b'ECHO "a\r\n', {}, UNBALANCED_QUOTES, b"unbalanced quotes in request"),
]


@pytest.mark.parametrize("payload,opts,code,text", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_protocol_error(payload, opts, code, text):
    requests, error = parse(cmd("PING") + payload, **opts)
    assert requests == [[b"PING"]]            # what came before still counts
    assert error == (code, b"Protocol error: " + text)


@pytest.mark.needs_redis
@pytest.mark.parametrize("payload,opts,code,text",
                         [e[1:] for e in ERRORS if not e[2]], ids=[e[0] for e in ERRORS if not e[2]])
def test_protocol_error_texts_are_redis(redis_ref, payload, opts, code, text):
    """redis-server answers the same payload with "-ERR " + the reader's text."""
    _, error = parse(payload, **opts)
    with RawConnection(redis_ref.host, redis_ref.port, timeout=10) as conn:
        conn.send(payload)
        data, closed = conn.read_until_idle(0.25, limit=10)
    assert closed
    assert data == b"-ERR " + error[1] + b"\r\n"


@pytest.mark.parametrize("payload", [
    b"*2147483647\r\n", b"*1048577\r\n", b"*1\r", b"*1\r\n$4\r\nPIN", b"*1\r\n$4", b"*2\r\n$3\r\nGET\r\n",
    b"*1\r\n$536870912\r\n", b"*1\r\n$4\r\nPING\r",
], ids=["mbulk-int-max", "mbulk-large", "cr-without-lf", "short-bulk", "bulk-header", "second-arg",
        "bulk-at-max", "bulk-cr"])
def test_incomplete_requests_wait(payload):
    r = reader()
    r.read(payload)
    assert r.parse() == [] and r.error is None
    assert r.state["pos"] < r.state["len"] or r.state["reqtype"] != 0


def test_unauthenticated_limits_are_the_edges():
    assert parse(b"*10\r\n" + b"$1\r\nx\r\n" * 10, authenticated=False) == ([[b"x"] * 10], None)
    assert parse(b"*1\r\n$16384\r\n" + b"y" * 16384 + b"\r\n", authenticated=False) == ([[b"y" * 16384]], None)
    # the limits of the moment apply: the owner flips them between requests
    r = reader(authenticated=False)
    r.read(cmd("AUTH", "pw") + b"*11\r\n" + b"$1\r\nz\r\n" * 11)
    assert r.parse_one() == (1, [b"AUTH", b"pw"])
    r.authenticated = True
    assert r.parse() == [[b"z"] * 11]


def test_bulk_length_limit_is_read_per_header():
    r = reader(max_bulk_len=10)
    r.read(b"*2\r\n$5\r\nhello\r\n")
    assert r.parse() == []
    r.max_bulk_len = 4
    r.read(b"$5\r\nworld\r\n")
    assert r.parse() == []
    assert r.error == (BULK_LEN, b"Protocol error: invalid bulk length")


@pytest.mark.parametrize("prefix", [b"\x00", b"*\x00", b"*1\r\n$\x00"], ids=["inline", "mbulk", "bulk"])
def test_nul_hides_line_ends(prefix):
    # like Redis's strchr on the query buffer: a NUL before the line end
    # means no line yet, until the 64 KB line limit
    r = reader()
    r.read(prefix + b"A\r\n")
    assert r.parse() == [] and r.error is None
    r.read((b"A" * 1024 + b"\r\n") * 64)
    assert r.parse() == []
    assert r.error is not None and r.error[1].startswith(b"Protocol error: too big")


# -- the query buffer ----------------------------------------------------------------

def test_rewind_parses_the_request_again():
    # a request held (CLIENT PAUSE) is rewound right after parse(), before
    # next_request(), and parsed again later, even after more reads
    for first in (cmd("SET", "a", "1"), b"SET a 1\r\n"):
        r = reader()
        r.read(cmd("PING") + first)
        assert r.parse_one() == (1, [b"PING"])
        assert r.parse_one(advance=False) == (1, [b"SET", b"a", b"1"])
        start = r.state["start"]
        r.rewind()
        assert r.state["pos"] == start and r.state["argc"] == 0
        r.read(b"GET a\n")
        assert r.state["start"] == 0
        assert r.parse() == [[b"SET", b"a", b"1"], [b"GET", b"a"]]


def test_query_buffer_limit():
    r = reader(max_querybuf_len=100)
    r.read(b"*1\r\n$80\r\n" + b"x" * 80)
    assert not r.over_limit()
    r.read(b"x" * 20)
    assert r.over_limit()
    assert r.head(8) == b"*1\r\n$80\r"
    assert r.head(1000) == b"*1\r\n$80\r\n" + b"x" * 100
    # a big bulk being read is exempt: proto-max-bulk-len bounds it
    r = reader(max_querybuf_len=100)
    r.read(b"*1\r\n$40000\r\n" + b"x" * 1000)
    assert r.parse() == []
    assert not r.over_limit()


def test_peak_and_shrink():
    r = reader()
    big = cmd("SET", "k", b"v" * 300000)
    r.read(big)
    assert r.parse() == [[b"SET", b"k", b"v" * 300000]]
    assert r.state["peak"] == len(big)
    cap = r.state["cap"]
    assert cap >= len(big)
    r.shrink(False)                      # peak is recent: kept
    assert r.state["cap"] == cap and r.state["peak"] == 0
    r.shrink(False)                      # unused since: down to a read buffer
    assert r.state["cap"] == PROTO_IOBUF_LEN
    r.shrink(True)                       # idle and empty: freed
    assert r.state["cap"] == 0
    r.read(cmd("PING"))
    assert r.parse() == [[b"PING"]]


def test_shrink_keeps_a_partial_request():
    r = reader()
    r.read(cmd("SET", "k", b"v" * 300000))
    r.parse()
    r.read(b"PING\n" + b"*3\r\n$3\r\nSET\r\n$2\r\nk2\r\n$5\r\nva")
    assert r.parse() == [[b"PING"]]
    assert r.state["start"] > 0 and r.state["argc"] == 2
    r.shrink(False)
    r.shrink(False)
    assert r.state["cap"] == PROTO_IOBUF_LEN and r.state["start"] == 0
    r.read(b"lue\r\n")
    assert r.parse() == [[b"SET", b"k2", b"value"]]


def test_feed_matches_read():
    r = reader()
    r.feed(PIPELINE)
    assert r.parse() == PIPELINE_REQUESTS
