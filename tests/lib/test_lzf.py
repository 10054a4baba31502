"""LZF (rkvd._core.lib.lzf) against the liblzf built into redis-server 7.0.15.

* Redis -> us: a private redis-server (rdbcompression yes) DUMPs long
  strings; the LZF payload in the RDB string (0xC3, compressed length,
  original length, data) must decompress with ours to the value.
* Us == Redis: compressing the value with the room Redis gives (length - 4)
  must yield the same bytes, or give up exactly when Redis stored it raw.
* Us -> Redis: our output (also with more room than Redis would give) is
  RESTOREd and read back; random and damaged streams are RESTOREd too, and
  Redis must accept exactly the ones our decompressor accepts.
* Robustness: garbage against a Python model of the decoder, with input and
  output buffers placed right before inaccessible pages, so any read or
  write past either end faults.
* Round trips across the format's limits (32-byte literal runs, 8 KB
  distances, 264-byte matches).

liblzf never clears its hash table; neither do we. Leftover entries cannot
change the output (see lzf.pyx), which tests with scrambled tables check.
"""
import ctypes
import itertools
import mmap
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_intset import crc64, dump_payload, rdb_encode_len, rdb_len

import support
from rkvd._core.lib import lzf
from support import encode_command, parse_reply

RDB_ENC_LZF = 0xC3


def model_decompress(data, out_len):
    """liblzf's decoder in Python: (return value, output); 0 on any error."""
    out = bytearray()
    ip = 0
    while ip < len(data):
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:
            n = ctrl + 1
            if len(out) + n > out_len or ip + n > len(data):
                return 0, b""
            out += data[ip:ip + n]
            ip += n
            continue
        n = ctrl >> 5
        back = (ctrl & 0x1F) << 8
        if ip >= len(data):
            return 0, b""
        if n == 7:
            n += data[ip]
            ip += 1
            if ip >= len(data):
                return 0, b""
        back += data[ip] + 1
        ip += 1
        n += 2
        if len(out) + n > out_len or back > len(out):
            return 0, b""
        for _ in range(n):
            out.append(out[-back])
    return len(out), bytes(out)


def compress(data):
    return lzf.py_compress(data)


# ----------------------------------------------------------------- format --

@pytest.mark.parametrize("stream, out", [
    (b"\x02abc", b"abc"),
    (b"\x00a\x20\x00", b"aaaa"),                      # overlapping copy: 3 from 1 back
    (b"\x00a\xe0\x0a\x00", b"a" * 20),                 # extended length: 10 + 9
    (b"\x01ab\x40\x01", b"ababab"),                 # 4 bytes from 2 back
    (b"\x1f" + bytes(range(32)), bytes(range(32))),   # longest literal run
    (b"\x02xyz\x02abc\x20\x05", b"xyzabcxyz"),        # non-overlapping copy, 6 back
])
def test_decoder_on_hand_made_streams(stream, out):
    assert lzf.py_decompress(stream, len(out)) == out
    assert lzf.py_decompress_raw(stream, len(out) + 10) == (len(out), out)
    assert model_decompress(stream, len(out)) == (len(out), out)


@pytest.mark.parametrize("stream, out_len", [
    (b"\x05ab", 10),               # literal run past the end of the input
    (b"\x02abc", 2),               # output too small
    (b"\x20\x00", 10),             # reference before the start of the output
    (b"\x00a\x20\x01", 10),        # 2 back with 1 byte written
    (b"\x00a\x20", 10),            # missing offset byte
    (b"\x00a\xe0", 10),            # missing length byte
    (b"\x00a\xe0\x01", 10),        # missing offset after the length byte
    (b"\x00a\x20\x00", 3),         # copy overflows the output
    (b"", 0),                      # nothing in, nothing out (also 0)
])
def test_decoder_errors(stream, out_len):
    assert lzf.py_decompress_raw(stream, out_len)[0] == 0
    assert model_decompress(stream, out_len)[0] == 0


def test_encoder_edges():
    assert compress(b"") == b"" and lzf.py_compress(b"abc", 0) is None
    for n in range(1, 5):
        c = compress(b"a" * n)
        assert lzf.py_decompress(c, n) == b"a" * n
    assert compress(b"a") == b"\x00a" and compress(b"ab") == b"\x01ab"
    # position 0 is never a match source: the first repeat is found at 1
    assert compress(b"a" * 10) == b"\x01aa\x80\x00\x01aa"
    assert lzf.py_decompress(compress(bytes(1000)), 1000) == bytes(1000)


@pytest.mark.parametrize("n", [31, 32, 33, 64, 65, 1000])
def test_literal_runs(n):
    data = random.Random(n).randbytes(n)
    c = compress(data)
    assert len(c) == n + (n + 31) // 32 and lzf.py_decompress(c, n) == data


def test_distance_and_length_limits():
    rnd = random.Random(7)
    block = rnd.randbytes(300)
    for gap in (8100, 8190, 8191, 8192, 8193, 9000):
        data = block + rnd.randbytes(gap - len(block)) + block
        c = compress(data)
        assert lzf.py_decompress(c, len(data)) == data
        # reachable (<= 8192 back) repeats shrink the output, others cannot
        assert (len(c) < len(data)) == (gap <= 8192), gap
    long_run = b"x" * 100000
    c = compress(long_run)
    assert lzf.py_decompress(c, len(long_run)) == long_run
    assert len(c) < 100000 // 264 * 3 + 16


# ------------------------------------------------------------ round trips --

def _repeat_with_edits(args):
    chunk, n, edits = args
    b = bytearray((chunk * (n // len(chunk) + 1))[:n])
    for i, v in edits:
        if b:
            b[i % len(b)] = v
    return bytes(b)


def texts_of(min_size=0):
    """Random, small-alphabet, and periodic-with-edits byte strings."""
    return st.one_of(
        st.binary(min_size=min_size, max_size=3000),
        st.lists(st.sampled_from([b"a", b"b", b"\x00", b"xyz"]), min_size=min_size,
                 max_size=3000).map(b"".join),
        st.tuples(st.binary(min_size=1, max_size=50), st.integers(min_size, 40000),
                  st.lists(st.tuples(st.integers(0, 40000), st.integers(0, 255)), max_size=20)
                  ).map(_repeat_with_edits),
    )


texts = texts_of()


@settings(max_examples=300)
@given(texts, st.integers(0, 50000))
@example(b"", 0)
def test_round_trip(data, cap):
    c = compress(data)
    assert len(c) <= len(data) + (len(data) + 31) // 32
    assert lzf.py_decompress(c, len(data)) == data
    assert model_decompress(c, len(data)) == (len(data), data)
    if data:
        # a smaller room either gives up or produces the very same bytes
        assert lzf.py_compress(data, cap) in (None, c)
        # one byte less output room is always an error for the decoder
        assert lzf.py_decompress_raw(c, len(data) - 1)[0] == 0


# ------------------------------------------------------- per-thread table --

def _samples(seed, count):
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        n = rnd.choice([3, 21, 100, 1000, 9000])
        chunk = rnd.randbytes(rnd.randint(1, 40))
        out.append(_repeat_with_edits((chunk, n, [(rnd.randrange(n), rnd.randrange(256))
                                                  for _ in range(rnd.randint(0, 6))])))
    return out


def _in_fresh_thread(fn):
    result = []
    t = threading.Thread(target=lambda: result.append(fn()))
    t.start()
    t.join()
    return result[0]


def test_threads_compress_independently():
    values = _samples(1, 60)
    expected = _in_fresh_thread(lambda: [compress(v) for v in values])
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            got = list(pool.map(compress, values * 4))
            assert got == expected * 4


def test_entries_of_earlier_calls_are_ignored(guarded):
    # the same input address over and over, with unrelated contents, and
    # every call made on a table full of entries from the previous ones
    values = _samples(2, 80)
    expected = [_in_fresh_thread(lambda v=v: compress(v)) for v in values]
    src, dst = guarded

    def at_same_place():
        out = []
        for v in values:
            src.map[:len(v)] = v
            n = lzf._compress_at(src.base, len(v), dst.base, 1 << 16)
            out.append(dst.map[:n])
        return out

    assert _in_fresh_thread(at_same_place) == expected


def test_leftover_table_contents_never_matter():
    # a table full of arbitrary positions, many inside the input
    values = _samples(3, 60)
    expected = [compress(v) for v in values]

    def scrambled():
        out = []
        for i, v in enumerate(values):
            lzf._scramble_table(i, len(v) + 8)
            out.append(compress(v))
        return out

    assert _in_fresh_thread(scrambled) == expected


@settings(max_examples=100)
@given(texts_of(1), st.integers(0, 2**64 - 1))
def test_leftover_table_contents_never_matter_generated(data, seed):
    expected = compress(data)
    lzf._scramble_table(seed, len(data) + 8)
    assert compress(data) == expected


# ------------------------------------------------------------------ garbage --

def _damage(args):
    stream, flips, cut = args
    b = bytearray(stream)
    for i, v in flips:
        if b:
            b[i % len(b)] = v
    return bytes(b if cut is None else b[:cut])


# random bytes, and real streams with a few bytes changed and maybe cut short
garbage = st.one_of(
    st.binary(max_size=200),
    st.tuples(texts_of(1).map(compress),
              st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 255)), max_size=2),
              st.none() | st.integers(0, 5000)).map(_damage),
)


@settings(max_examples=500)
@given(garbage, st.integers(0, 5000))
def test_garbage_matches_model(stream, out_len):
    assert lzf.py_decompress_raw(stream, out_len) == model_decompress(stream, out_len)


PROT_NONE, PROT_RW = 0, 3
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


class Guarded:
    """A buffer whose last usable byte sits right before an inaccessible page."""

    def __init__(self, capacity):
        self.pages = (capacity + mmap.PAGESIZE - 1) // mmap.PAGESIZE + 1
        self.map = mmap.mmap(-1, self.pages * mmap.PAGESIZE)
        view = ctypes.c_char.from_buffer(self.map)
        self.base = ctypes.addressof(view)
        del view
        self.end = (self.pages - 1) * mmap.PAGESIZE
        assert _libc.mprotect(self.base + self.end, mmap.PAGESIZE, PROT_NONE) == 0

    def place(self, data):
        """Copy data to end at the guard page; its address."""
        self.map[self.end - len(data):self.end] = data
        return self.base + self.end - len(data)

    def tail(self, n):
        return self.map[self.end - n:self.end]

    def close(self):
        _libc.mprotect(self.base + self.end, mmap.PAGESIZE, PROT_RW)
        self.map.close()


@pytest.fixture(scope="module")
def guarded():
    bufs = Guarded(1 << 16), Guarded(1 << 16)
    yield bufs
    for b in bufs:
        b.close()


@settings(max_examples=400)
@given(garbage, st.integers(0, 5000))
def test_garbage_stays_inside_guarded_buffers(guarded, stream, out_len):
    src, dst = guarded
    n = lzf._decompress_at(src.place(stream), len(stream), dst.base + dst.end - out_len, out_len)
    expected, out = model_decompress(stream, out_len)
    assert n == expected and dst.tail(out_len)[:n] == out


@settings(max_examples=200)
@given(texts.filter(lambda t: len(t) < 60000), st.integers(1, 70000))
@example(b"a", 3)
@example(b"ab", 3)
@example(b"abcabcabc", 12)
def test_compressor_stays_inside_guarded_buffers(guarded, data, cap):
    src, dst = guarded
    if not data:
        return
    cap = min(cap, 1 << 16)
    n = lzf._compress_at(src.place(data), len(data), dst.base + dst.end - cap, cap)
    expected = lzf.py_compress(data, cap)
    assert (n or None) == (expected and len(expected))
    if n:
        assert dst.tail(cap)[:n] == expected


# ---------------------------------------------------------- against Redis --

@pytest.fixture(scope="module")
def lzf_redis(tmp_path_factory):
    if not support.HAVE_REDIS:
        pytest.skip("redis-server is not installed")
    server = support.ServerProcess(
        [support.REDIS_SERVER], "redis-lzf", tmp_path_factory.mktemp("redis-lzf"),
        extra_args=["--rdbcompression", "yes"])
    server.start()
    conn = server.raw()
    yield conn
    conn.close()
    server.kill()


_keys = itertools.count()


def run(conn, *commands):
    conn.send(b"".join(encode_command(*c) for c in commands))
    return [parse_reply(r) for r in conn.read_replies(len(commands))]


def redis_string_encoding(dump):
    """(compressed bytes, original length) if the DUMPed string is LZF, else None."""
    assert dump[0] == 0, "not a string"
    assert crc64(dump[:-8]) == int.from_bytes(dump[-8:], "little")
    n, special, p = rdb_len(dump, 1)
    if not special:
        return None
    assert dump[1] == RDB_ENC_LZF, f"unexpected string encoding {dump[1]:#x}"
    clen, _, p = rdb_len(dump, p)
    olen, _, p = rdb_len(dump, p)
    assert len(dump) == p + clen + 10
    return dump[p:p + clen], olen


def check_against_redis(conn, values):
    """SET and DUMP every value (pipelined), then compare both ways."""
    keys = [f"v{next(_keys)}" for _ in values]
    cmds = []
    for k, v in zip(keys, values):
        cmds += [("SET", k, v), ("DUMP", k)]
    replies = run(conn, *cmds)
    compressed = 0
    for v, (_, dump) in zip(values, replies[1::2]):
        theirs = redis_string_encoding(dump)
        ours = lzf.py_compress(v, len(v) - 4) if len(v) > 20 else None
        if theirs is None:
            assert ours is None, f"Redis stored {len(v)} bytes raw, we compress them"
            continue
        comp, olen = theirs
        compressed += 1
        assert olen == len(v)
        assert lzf.py_decompress(comp, olen) == v
        assert ours == comp, f"{len(v)}-byte value compressed differently"
    return compressed


def _corpus():
    rnd = random.Random(1234)
    out = [b"a" * 21, b"ab" * 11, b"x" * 20 + b"y", b"0123456789" * 3, bytes(range(256)) * 3,
           b"hello world " * 1000, bytes(100000), b"abc" * 50000 + b"tail",
           b"".join(b"%d," % i for i in range(20000))]
    for n in (21, 22, 25, 33, 40, 64, 100, 500, 4096, 8192, 8300, 20000, 70000):
        for alpha in (b"a", b"ab", b"abcd", bytes(range(16)), bytes(range(256))):
            out.append(bytes(rnd.choice(alpha) for _ in range(n)))
        chunk = rnd.randbytes(rnd.randint(1, 300))
        out.append(_repeat_with_edits((chunk, n, [(rnd.randrange(n), rnd.randrange(256))
                                                  for _ in range(rnd.randint(0, 9))])))
    return out


@pytest.mark.needs_redis
def test_corpus_matches_redis(lzf_redis):
    values = _corpus()
    assert check_against_redis(lzf_redis, values) >= len(values) // 2


@pytest.mark.needs_redis
@settings(max_examples=150)
@given(st.lists(texts_of(21), min_size=1, max_size=5))
def test_generated_values_match_redis(lzf_redis, values):
    check_against_redis(lzf_redis, values)


def lzf_payload(comp, olen):
    body = b"\x00" + bytes([RDB_ENC_LZF]) + rdb_encode_len(len(comp)) + rdb_encode_len(olen) + comp
    return dump_payload(body)


@pytest.mark.needs_redis
@settings(max_examples=150)
@given(texts_of(1))
def test_redis_reads_our_output(lzf_redis, data):
    comp = compress(data)                  # full room: may be longer than data
    key = f"r{next(_keys)}"
    (kind, reply), (_, value) = run(lzf_redis, ("RESTORE", key, 0, lzf_payload(comp, len(data))),
                                    ("GET", key))
    assert kind == "+", reply
    assert value == data


@pytest.mark.needs_redis
@settings(max_examples=300)
@given(garbage, st.data())
def test_redis_accepts_exactly_what_we_accept(lzf_redis, stream, data):
    # mostly claim the length the stream really decodes to, or one off
    decoded = model_decompress(stream, 1 << 20)[0]
    olen = data.draw(st.one_of(st.just(decoded), st.integers(0, 4096),
                               st.integers(max(decoded - 1, 0), decoded + 1)))
    key = f"g{next(_keys)}"
    n, out = lzf.py_decompress_raw(stream, olen)
    (kind, reply), (_, value) = run(lzf_redis, ("RESTORE", key, 0, lzf_payload(stream, olen)),
                                    ("GET", key))
    assert (kind == "+") == (n == olen), (reply, n, olen)
    if kind == "+":
        assert value == out
