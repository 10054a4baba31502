"""The reply writer (ReplyWriter, rkvd/_core/net/reply.pyx) on its own: no
Engine, no connection. Every encoder byte for byte in RESP2 and RESP3,
deferred lengths, the error hook, buffer growth and take().

The texts are Redis's (networking.c): a null bulk is ``$-1`` in RESP2 and
``_`` in RESP3, a map is a flat array of 2n elements in RESP2, doubles are
bulk strings in RESP2 and ``,`` lines in RESP3, and so on.
"""
import enum

import pytest

from native.resp import ReplyWriterForTest
from rkvd.replytypes import ErrorReply, NullArray, RespMap, RespSet, Verbatim

LLONG_MAX = 2**63 - 1
LLONG_MIN = -2**63


def writer(resp=2):
    return ReplyWriterForTest(resp)


def out(resp, method, *args):
    w = writer(resp)
    getattr(w, method)(*args)
    return w.getvalue()


# (method, args, RESP2 bytes, RESP3 bytes)
CASES = [
    ("add_ok", (), b"+OK\r\n", b"+OK\r\n"),
    ("add_int", (0,), b":0\r\n", b":0\r\n"),
    ("add_int", (31,), b":31\r\n", b":31\r\n"),
    ("add_int", (-1,), b":-1\r\n", b":-1\r\n"),
    ("add_int", (LLONG_MAX,), b":9223372036854775807\r\n", b":9223372036854775807\r\n"),
    ("add_int", (LLONG_MIN,), b":-9223372036854775808\r\n", b":-9223372036854775808\r\n"),
    ("add_len", (b"*", 0), b"*0\r\n", b"*0\r\n"),
    ("add_len", (b"*", 31), b"*31\r\n", b"*31\r\n"),
    ("add_len", (b"*", 32), b"*32\r\n", b"*32\r\n"),
    ("add_len", (b"$", 31), b"$31\r\n", b"$31\r\n"),
    ("add_len", (b"*", -1), b"*-1\r\n", b"*-1\r\n"),
    ("add_len", (b"%", 3), b"%3\r\n", b"%3\r\n"),
    ("add_len", (b">", LLONG_MAX), b">9223372036854775807\r\n", b">9223372036854775807\r\n"),
    ("add_bulk", (b"",), b"$0\r\n\r\n", b"$0\r\n\r\n"),
    ("add_bulk", (b"abc",), b"$3\r\nabc\r\n", b"$3\r\nabc\r\n"),
    ("add_bulk", (b"\r\n\x00\xff",), b"$4\r\n\r\n\x00\xff\r\n", b"$4\r\n\r\n\x00\xff\r\n"),
    ("add_bulk", (b"x" * 31,), b"$31\r\n" + b"x" * 31 + b"\r\n", b"$31\r\n" + b"x" * 31 + b"\r\n"),
    ("add_bulk", (b"x" * 32,), b"$32\r\n" + b"x" * 32 + b"\r\n", b"$32\r\n" + b"x" * 32 + b"\r\n"),
    ("add_bulk_obj", (b"ab",), b"$2\r\nab\r\n", b"$2\r\nab\r\n"),
    ("add_bulk_obj", (bytearray(b"xyz"),), b"$3\r\nxyz\r\n", b"$3\r\nxyz\r\n"),
    ("add_bulk_ll", (0,), b"$1\r\n0\r\n", b"$1\r\n0\r\n"),
    ("add_bulk_ll", (-42,), b"$3\r\n-42\r\n", b"$3\r\n-42\r\n"),
    ("add_bulk_ll", (LLONG_MIN,), b"$20\r\n-9223372036854775808\r\n", b"$20\r\n-9223372036854775808\r\n"),
    ("add_null", (), b"$-1\r\n", b"_\r\n"),
    ("add_null_array", (), b"*-1\r\n", b"_\r\n"),
    ("add_array_len", (3,), b"*3\r\n", b"*3\r\n"),
    ("add_array_len", (100,), b"*100\r\n", b"*100\r\n"),
    ("add_map_len", (2,), b"*4\r\n", b"%2\r\n"),
    ("add_map_len", (16,), b"*32\r\n", b"%16\r\n"),
    ("add_set_len", (2,), b"*2\r\n", b"~2\r\n"),
    ("add_status", (b"PONG",), b"+PONG\r\n", b"+PONG\r\n"),
    ("add_status", (b"",), b"+\r\n", b"+\r\n"),
    ("add_double", (1.5,), b"$3\r\n1.5\r\n", b",1.5\r\n"),
    ("add_double", (3.0,), b"$1\r\n3\r\n", b",3\r\n"),
    ("add_double", (0.1,), b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
    ("add_double", (-2.5e-10,), b"$23\r\n-2.5000000000000002e-10\r\n", b",-2.5000000000000002e-10\r\n"),
    ("add_double", (float("inf"),), b"$3\r\ninf\r\n", b",inf\r\n"),
    ("add_double", (float("-inf"),), b"$4\r\n-inf\r\n", b",-inf\r\n"),
    ("add_bool", (True,), b":1\r\n", b"#t\r\n"),
    ("add_bool", (False,), b":0\r\n", b"#f\r\n"),
    ("add_verbatim", (b"hello",), b"$5\r\nhello\r\n", b"=9\r\ntxt:hello\r\n"),
    ("add_verbatim", (b"", b"mkd"), b"$0\r\n\r\n", b"=4\r\nmkd:\r\n"),
    ("add_verbatim", (b"a\r\nb",), b"$4\r\na\r\nb\r\n", b"=8\r\ntxt:a\r\nb\r\n"),
    ("add_error", (b"bad thing",), b"-ERR bad thing\r\n", b"-ERR bad thing\r\n"),
    ("add_error", (b"-WRONGPASS invalid",), b"-WRONGPASS invalid\r\n", b"-WRONGPASS invalid\r\n"),
    ("add_error", (b"",), b"-ERR \r\n", b"-ERR \r\n"),
    ("add_error", (b"-",), b"-\r\n", b"-\r\n"),
    ("add_error", (b"two\r\nlines\n",), b"-ERR two  lines \r\n", b"-ERR two  lines \r\n"),
    ("add_error", (b"-X a\rb",), b"-X a b\r\n", b"-X a b\r\n"),
    ("add_error_bytes", (b"oops",), b"-ERR oops\r\n", b"-ERR oops\r\n"),
    ("add_error_str", ("caf\u00e9",), b"-ERR caf\xc3\xa9\r\n", b"-ERR caf\xc3\xa9\r\n"),
    ("add_wrongtype", (), b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
     b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    ("add_syntax_error", (), b"-ERR syntax error\r\n", b"-ERR syntax error\r\n"),
    ("add_not_integer", (), b"-ERR value is not an integer or out of range\r\n",
     b"-ERR value is not an integer or out of range\r\n"),
]


@pytest.mark.parametrize("method,args,resp2,resp3", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_encoders(method, args, resp2, resp3):
    assert out(2, method, *args) == resp2
    assert out(3, method, *args) == resp3


def test_bulk_lengths_around_the_shared_headers():
    # lengths < 32 use the precomputed "$N\r\n" headers, the rest are formatted
    for n in range(0, 70):
        data = bytes(range(n))
        assert out(2, "add_bulk", data) == b"$%d\r\n%s\r\n" % (n, data)
        assert out(2, "add_len", b"*", n) == b"*%d\r\n" % n
        assert out(2, "add_len", b"$", n) == b"$%d\r\n" % n
        assert out(2, "add_int", n) == b":%d\r\n" % n


def test_doubles_are_17_significant_digits():
    for d in (1 / 3, 2 / 3, 1e300, -1e-300, 123456789.123, 2.0**60, 5e-324):
        text = b"%.17g" % d
        assert out(2, "add_double", d) == b"$%d\r\n%s\r\n" % (len(text), text)
        assert out(3, "add_double", d) == b",%s\r\n" % text


def test_replies_accumulate_in_order():
    w = writer(3)
    w.add_array_len(4)
    w.add_bulk(b"a")
    w.add_int(7)
    w.add_null()
    w.add_map_len(1)
    w.add_status(b"k")
    w.add_double(0.5)
    assert w.getvalue() == b"*4\r\n$1\r\na\r\n:7\r\n_\r\n%1\r\n+k\r\n,0.5\r\n"
    assert len(w) == len(w.getvalue())


def test_resp_switch_applies_to_later_replies():
    w = writer(2)
    w.add_null()
    w.resp = 3
    w.add_null()
    w.resp = 2
    w.add_bool(True)
    assert w.getvalue() == b"$-1\r\n_\r\n:1\r\n"


# -- errors -----------------------------------------------------------------

def test_error_hook_sees_the_text_as_given():
    w = writer()
    w.add_error(b"no prefix")
    w.add_error(b"-CODE with\r\nnewline")
    w.add_wrongtype()
    w.add_error_str("x")
    w.add_value([ErrorReply("-NOPE nested")])
    assert w.errors == [b"no prefix", b"-CODE with\r\nnewline",
                        b"-WRONGTYPE Operation against a key holding the wrong kind of value", b"x",
                        b"-NOPE nested"]
    assert w.getvalue().count(b"\r\n") == 6


def test_error_without_hook():
    w = ReplyWriterForTest(2, hook=False)
    w.add_error(b"fine")
    assert w.getvalue() == b"-ERR fine\r\n"


# -- deferred lengths -------------------------------------------------------

@pytest.mark.parametrize("resp", [2, 3])
def test_deferred_array(resp):
    w = writer(resp)
    w.add_status(b"before")
    pos = w.add_deferred()
    assert pos == len(b"+before\r\n")
    for i in range(3):
        w.add_bulk_ll(i)
    w.set_deferred_array(pos, 3)
    w.add_ok()
    assert w.getvalue() == b"+before\r\n*3\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n+OK\r\n"


def test_deferred_map_and_set():
    for resp, map_hdr, set_hdr in ((2, b"*4\r\n", b"*2\r\n"), (3, b"%2\r\n", b"~2\r\n")):
        w = writer(resp)
        pos = w.add_deferred()
        w.add_bulk(b"a"), w.add_int(1), w.add_bulk(b"b"), w.add_int(2)
        w.set_deferred_map(pos, 2)
        assert w.getvalue() == map_hdr + b"$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n"
        w = writer(resp)
        pos = w.add_deferred()
        w.add_bulk(b"x"), w.add_bulk(b"y")
        w.set_deferred_set(pos, 2)
        assert w.getvalue() == set_hdr + b"$1\r\nx\r\n$1\r\ny\r\n"


def test_deferred_nested_and_empty():
    # inner header first, then the outer one before it (as the handlers do)
    w = writer()
    outer = w.add_deferred()
    inner = w.add_deferred()
    w.set_deferred_array(inner, 0)
    w.add_bulk(b"z" * 40)
    w.set_deferred_array(outer, 2)
    assert w.getvalue() == b"*2\r\n*0\r\n$40\r\n" + b"z" * 40 + b"\r\n"
    w = writer()
    w.set_deferred(w.add_deferred(), b"*", 123456789012)
    assert w.getvalue() == b"*123456789012\r\n"


def test_deferred_header_grows_a_full_buffer():
    w = writer()
    pos = w.add_deferred()
    body = b"".join(b"$5000\r\n" + bytes([65 + i % 26]) * 5000 + b"\r\n" for i in range(10))
    for i in range(10):
        w.add_bulk(bytes([65 + i % 26]) * 5000)
    w.reserve_write(b"")
    w.set_deferred_array(pos, 10)
    assert w.getvalue() == b"*10\r\n" + body


# -- Python values (add_value, what Python handlers reply with) ----------------

class Color(enum.IntEnum):
    RED = 3


class Name(str):
    pass


VALUES = [
    (b"bulk", b"$4\r\nbulk\r\n", b"$4\r\nbulk\r\n"),
    (bytearray(b"ba"), b"$2\r\nba\r\n", b"$2\r\nba\r\n"),
    (Verbatim(b"text"), b"$4\r\ntext\r\n", b"=8\r\ntxt:text\r\n"),
    (12, b":12\r\n", b":12\r\n"),
    (Color.RED, b":3\r\n", b":3\r\n"),
    (True, b":1\r\n", b"#t\r\n"),
    (None, b"$-1\r\n", b"_\r\n"),
    (NullArray, b"*-1\r\n", b"_\r\n"),
    ("OK", b"+OK\r\n", b"+OK\r\n"),
    (Name("sub"), b"+sub\r\n", b"+sub\r\n"),
    (2.5, b"$3\r\n2.5\r\n", b",2.5\r\n"),
    ([], b"*0\r\n", b"*0\r\n"),
    ((b"a", 1), b"*2\r\n$1\r\na\r\n:1\r\n", b"*2\r\n$1\r\na\r\n:1\r\n"),
    ({b"k": None}, b"*2\r\n$1\r\nk\r\n$-1\r\n", b"%1\r\n$1\r\nk\r\n_\r\n"),
    (RespSet([b"m"]), b"*1\r\n$1\r\nm\r\n", b"~1\r\n$1\r\nm\r\n"),
    (RespMap([(b"f", 1), (b"f", [2.0])]), b"*4\r\n$1\r\nf\r\n:1\r\n$1\r\nf\r\n*1\r\n$1\r\n2\r\n",
     b"%2\r\n$1\r\nf\r\n:1\r\n$1\r\nf\r\n*1\r\n,2\r\n"),
    (ErrorReply("-BUSY nested"), b"-BUSY nested\r\n", b"-BUSY nested\r\n"),
    ([[[], [None]], {}], b"*2\r\n*2\r\n*0\r\n*1\r\n$-1\r\n*0\r\n", b"*2\r\n*2\r\n*0\r\n*1\r\n_\r\n%0\r\n"),
]


@pytest.mark.parametrize("value,resp2,resp3", VALUES, ids=[repr(v[0])[:30] for v in VALUES])
def test_add_value(value, resp2, resp3):
    assert out(2, "add_value", value) == resp2
    assert out(3, "add_value", value) == resp3


def test_add_value_refuses_other_types():
    w = writer()
    with pytest.raises(TypeError, match="cannot reply with"):
        w.add_value(object())
    with pytest.raises(TypeError):
        w.add_value([b"ok", {1, 2}])


# -- the buffer -------------------------------------------------------------

def test_growth_keeps_every_byte():
    w = writer()
    expect = bytearray()
    for i in range(5000):
        data = b"%d" % i * (i % 7)
        w.add_bulk(data)
        expect += b"$%d\r\n%s\r\n" % (len(data), data)
    assert w.getvalue() == bytes(expect)
    assert w.capacity >= len(expect)


def test_big_bulk_in_one_piece():
    data = bytes(range(256)) * 4096          # 1 MiB
    w = writer()
    w.add_status(b"x")
    w.add_bulk(data)
    assert w.getvalue() == b"+x\r\n$1048576\r\n" + data + b"\r\n"


def test_take_empties_and_frees_a_big_buffer():
    w = writer()
    w.add_ok()
    cap = w.capacity
    assert w.take() == b"+OK\r\n"
    assert len(w) == 0 and w.getvalue() == b""
    assert w.capacity == cap                  # a small buffer is kept
    w.add_bulk(b"y" * 200_000)
    assert len(w.take()) == 200_000 + len(b"$200000\r\n\r\n")
    assert w.capacity == 0                    # past 4 read buffers it is freed
    w.add_int(1)
    assert w.take() == b":1\r\n"


def test_truncate_drops_a_reply():
    w = writer()
    w.add_ok()
    mark = len(w)
    w.add_bulk(b"silenced")
    w.truncate(mark)
    w.add_int(5)
    assert w.getvalue() == b"+OK\r\n:5\r\n"
