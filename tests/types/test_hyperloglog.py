"""HyperLogLog commands, byte for byte against redis-server 7.0.15.

Beyond equal replies, the HLL strings themselves must be identical after
every step (GET returns Redis's own representation): sparse opcodes, the
promotion to dense at hll-sparse-max-bytes, the cached cardinality in the
header. HLLs also cross over: a value written by one server is SET into the
other and keeps working there.
"""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support import DIFFERENTIAL, case, encode_command, ignore

pytestmark = [pytest.mark.timeout(300), pytest.mark.needs_redis]


HLL_CASES = [
    case("pfadd-basics", "PFADD h", "EXISTS h", "GET h", "PFCOUNT h", "GET h", "PFADD h a b c",
         "PFADD h a b c", "GET h", "PFADD h ''", "PFCOUNT h", "GET h", "OBJECT ENCODING h",
         "STRLEN h", "PFDEBUG ENCODING h", "PFDEBUG DECODE h", "TYPE h"),
    case("pfcount-cache", "PFADD h 1 2 3 4 5", "GETRANGE h 15 15", "PFCOUNT h", "GETRANGE h 8 15",
         "PFADD h 6 7 8 8 9 10", "GETRANGE h 15 15", "PFCOUNT h", "PFADD h 1 2 3", "GETRANGE h 15 15",
         "PFCOUNT h", "GET h"),
    case("pfcount-missing", "PFCOUNT missing", "PFCOUNT missing other", "EXISTS missing",
         "PFADD h a", "PFCOUNT h missing", "PFCOUNT missing h", "GET h"),
    case("pf-wrongtype", "SET s bar", "PFADD s 1", "PFCOUNT s", "PFMERGE d s", "PFMERGE s d",
         "PFCOUNT h s", "PFDEBUG GETREG s", "SET i 12345678901234567890", "PFADD i x",
         "SET n 123", "PFCOUNT n", "PFADD h a", "PFCOUNT h n", "EXISTS d", "GET s"),
    case("pf-wrongtype-lookalikes", ["SET", "x", b"HYLL"], "PFCOUNT x",
         ["SET", "x", b"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"], "PFCOUNT x",
         ["SET", "x", b"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"], "PFCOUNT x",
         ["SET", "x", b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"], "PFCOUNT x",
         "PFADD x a", "GET x", "PFCOUNT x",
         ["SET", "y", b"HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x7f\xff"], "PFCOUNT y",
         "OBJECT ENCODING y", "PFADD y a", "GET y", "PFDEBUG DECODE y"),
    case("pfmerge-basic", "PFADD a x y z", "PFADD b y z w", "PFADD c z w v", "PFMERGE d a b c",
         "PFCOUNT d", "GET d", "PFMERGE d", "GET d", "PFMERGE e missing", "GET e", "PFMERGE e",
         "PFMERGE a b", "GET a", "PFCOUNT a b c d e missing", "GET a", "PFMERGE", "PFCOUNT"),
    case("pfdebug", "PFADD h a b c d e f g", "PFDEBUG DECODE h", "PFDEBUG ENCODING h",
         "PFDEBUG GETREG missing", "PFDEBUG FOO h", "PFDEBUG FOO missing", "PFDEBUG TODENSE h",
         "PFDEBUG TODENSE h", "PFDEBUG ENCODING h", "PFDEBUG DECODE h", "GET h", "PFCOUNT h",
         "PFADD h2 x", "PFDEBUG GETREG h2", "PFDEBUG ENCODING h2", "GET h2", "PFDEBUG getreg h",
         "PFDEBUG ToDense h", "PFDEBUG", "PFDEBUG GETREG", "PFDEBUG GETREG h extra",
         ["PFDEBUG", "foo\x00bar", "h"], ["PFDEBUG", "encoding\x00", "h"]),
    case("pf-arity", "PFADD", "PFCOUNT", "PFSELFTEST extra"),
    case("pf-corrupt-tail", "PFADD h a b c", "APPEND h hello", "PFCOUNT h", "PFADD h zz",
         "PFCOUNT h x", "PFMERGE d h", "PFDEBUG GETREG h", "PFDEBUG TODENSE h", "PFDEBUG DECODE h"),
    case("pf-corrupt-header", "PFADD h a b c", "SETRANGE h 0 0123", "PFCOUNT h",
         "PFADD g a b c", "SETRANGE g 4 x", "PFCOUNT g", "PFADD f a b c", ["SETRANGE", "f", "4", b"\x00"],
         "PFCOUNT f", "PFADD e a", ["SETRANGE", "e", "8", b"\x11\x22"], "PFCOUNT e", "PFCOUNT e",
         "PFADD e b", "PFCOUNT e"),
    case("pf-corrupt-dense-ok", "PFADD h a b c", "PFDEBUG TODENSE h", ["SETRANGE", "h", "500", b"\xff\xff\xff"],
         "PFCOUNT h", "PFADD h zz", "PFCOUNT h", "GET h"),
    case("pf-corrupt-truncated-sparse", "PFADD h a", ["SETRANGE", "h", "16", b"\x7f"],
         "GETRANGE h 0 -1", "PFCOUNT h", "PFADD h b c d", "PFDEBUG DECODE h"),
]


@pytest.mark.parametrize("steps,needs", HLL_CASES)
def test_hyperloglog(differ, steps, needs):
    if needs:
        differ.require(*needs)
    differ.run(steps)


def test_resp3_pf(differ):
    differ.run([ignore("HELLO 3"), "PFADD h a b", "PFCOUNT h", "PFDEBUG ENCODING h", "PFMERGE h h",
                "PFDEBUG GETREG missing"])


def test_pfselftest(differ):
    a, b = differ.step("PFSELFTEST")
    assert a == b"+OK\r\n"


def pipeline(differ, commands):
    """Send all commands to both servers at once; the replies must be identical."""
    payload = b"".join(encode_command(*cmd) for cmd in commands)
    differ.conn_a.send(payload)
    differ.conn_b.send(payload)
    ra = differ.conn_a.read_replies(len(commands), timeout=60)
    rb = differ.conn_b.read_replies(len(commands), timeout=60)
    for cmd, x, y in zip(commands, ra, rb):
        assert x == y, f"{cmd[:3]}...: rkvd {x!r} != redis {y!r}"
    return ra


def same_value(differ, key):
    a, b = differ.step(["GET", key])
    assert a == b
    return a


def test_promotion_to_dense(differ):
    """Add elements a batch at a time: identical bytes at every size, through
    the sparse -> dense promotion at the default hll-sparse-max-bytes (3000)."""
    rng = random.Random(1)
    n = 0
    seen_sparse = seen_dense = False
    while n < 12000:
        batch = [str(rng.random()).encode() for _ in range(rng.choice((1, 7, 50, 100)))]
        n += len(batch)
        differ.step(["PFADD", "hll", *batch])
        differ.step("PFCOUNT hll")
        enc, _ = differ.step("PFDEBUG ENCODING hll")
        seen_sparse |= enc == b"+sparse\r\n"
        seen_dense |= enc == b"+dense\r\n"
        same_value(differ, "hll")
    assert seen_sparse and seen_dense


@pytest.mark.parametrize("maxbytes", ["0", "40", "200", "1000", "20000"])
def test_sparse_max_bytes(differ, maxbytes):
    differ.run([f"CONFIG SET hll-sparse-max-bytes {maxbytes}", "CONFIG GET hll-sparse-max-bytes"])
    try:
        rng = random.Random(int(maxbytes))
        for _ in range(60):
            differ.step(["PFADD", "h", *[str(rng.getrandbits(40)) for _ in range(rng.randint(1, 40))]])
            differ.run(["PFDEBUG ENCODING h", "STRLEN h"])
            same_value(differ, "h")
        differ.run(["PFCOUNT h", "PFADD s a b c", "PFMERGE s h", "GET s", "PFCOUNT s"])
    finally:
        differ.run(["CONFIG SET hll-sparse-max-bytes 3000"])


def fill(differ, key, elements, batch=500):
    cmds = [["PFADD", key, *elements[i:i + batch]] for i in range(0, len(elements), batch)]
    for i in range(0, len(cmds), 200):
        pipeline(differ, cmds[i:i + 200])


@pytest.mark.parametrize("kinds", [("sparse", "sparse"), ("sparse", "dense"), ("dense", "sparse"),
                                   ("dense", "dense")])
@pytest.mark.parametrize("dest", ["missing", "sparse", "dense"])
def test_pfmerge_encodings(differ, kinds, dest):
    rng = random.Random(hash((kinds, dest)) & 0xFFFF)
    sizes = {"sparse": 150, "dense": 4000}
    for i, kind in enumerate(kinds):
        fill(differ, f"src{i}", [f"{kind}-{i}-{rng.random()}".encode() for _ in range(sizes[kind])])
        differ.run([f"PFDEBUG ENCODING src{i}"])
    if dest != "missing":
        fill(differ, "dst", [f"d-{rng.random()}".encode() for _ in range(sizes[dest])])
    differ.run(["PFMERGE dst src0 src1", "PFDEBUG ENCODING dst", "PFCOUNT dst", "PFCOUNT src0 src1",
                "PFCOUNT src0 src1 dst", "STRLEN dst"])
    same_value(differ, "dst")
    same_value(differ, "src0")
    same_value(differ, "src1")


def test_pfmerge_many_sparse_stays_exact(differ):
    """Many small sparse inputs merged into a sparse destination: exercises the
    opcode splits and VAL merges of the sparse writer register by register."""
    rng = random.Random(5)
    for i in range(12):
        differ.step(["PFADD", f"s{i}", *[str(rng.getrandbits(32)) for _ in range(rng.randint(1, 60))]])
    for i in range(12):
        differ.step(["PFMERGE", "acc", f"s{i}"])
        differ.step("PFDEBUG DECODE acc")
        same_value(differ, "acc")
    differ.run(["PFCOUNT acc", "PFCOUNT " + " ".join(f"s{i}" for i in range(12))])


def test_pfcount_million(differ):
    """1,000,000 distinct elements, pipelined: same cardinality, same bytes."""
    elements = [b"element:%d" % i for i in range(1_000_000)]
    fill(differ, "big", elements, batch=1000)
    a, b = differ.step("PFCOUNT big")
    assert a == b
    assert abs(int(a[1:-2]) - 1_000_000) < 20_000
    same_value(differ, "big")
    fill(differ, "other", [b"other:%d" % i for i in range(300_000)], batch=1000)
    differ.run(["PFCOUNT big other", "PFMERGE both big other", "PFCOUNT both"])
    same_value(differ, "both")


def test_copy_between_servers(differ):
    """An HLL made by one server, SET into the other, keeps working there."""
    conn_a, conn_b = differ.conn_a, differ.conn_b
    for size in (3, 300, 5000):
        rng = random.Random(size)
        elems = [str(rng.random()) for _ in range(size)]
        # built on redis only, copied to rkvd
        conn_b.command("DEL", "src")
        for i in range(0, size, 500):
            conn_b.command("PFADD", "src", *elems[i:i + 500])
        blob = conn_b.command("GET", "src")
        value = blob[blob.index(b"\r\n") + 2:-2]
        # built on rkvd only, copied to redis
        conn_a.command("DEL", "mine")
        for i in range(0, size, 500):
            conn_a.command("PFADD", "mine", *elems[i:i + 500])
        mine = conn_a.command("GET", "mine")
        assert mine == blob
        for key, val in (("x", value), ("y", mine[mine.index(b"\r\n") + 2:-2])):
            differ.run([["SET", key, val], f"PFCOUNT {key}", f"OBJECT ENCODING {key}",
                        ["PFADD", key, "more", "and", "more"], f"PFCOUNT {key}", f"GET {key}",
                        f"PFDEBUG ENCODING {key}"])
        differ.run(["PFCOUNT x y", "PFMERGE z x y", "GET z"])


def test_corruption_fuzz(differ):
    """Random bytes written into HLLs: both servers detect (or not) the same
    corruption and answer alike, and rkvd survives."""
    rng = random.Random(11)
    for _ in range(600):
        n = rng.choice((0, 5, 40, 400, 3000))
        differ.step("DEL hll")
        differ.step(["PFADD", "hll", *[str(rng.random()) for _ in range(n)]])
        length = int(differ.step("STRLEN hll")[0][1:-2])
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(length)
            differ.step(["SETRANGE", "hll", str(pos), bytes([rng.randrange(256)])])
        differ.step("PFCOUNT hll")
        differ.step("PFCOUNT hll other")
        differ.step(["PFADD", "hll", "q", "r", "s"])
        differ.step("GET hll")
        differ.step("PFMERGE m hll")


def xzero(n):
    return bytes([0x40 | ((n - 1) >> 8), (n - 1) & 0xFF])


def murmur64a(data: bytes, seed: int = 0xADC83B19) -> int:
    """MurmurHash64A as HyperLogLog uses it (to pick elements by register)."""
    m, mask = 0xC6A4A7935BD1E995, (1 << 64) - 1
    h = (seed ^ (len(data) * m)) & mask
    body = len(data) - (len(data) & 7)
    for i in range(0, body, 8):
        k = (int.from_bytes(data[i:i + 8], "little") * m) & mask
        k = ((k ^ (k >> 47)) * m) & mask
        h = ((h ^ k) * m) & mask
    if len(data) & 7:
        for j in range((len(data) & 7) - 1, -1, -1):
            h ^= data[body + j] << (8 * j)
        h = (h * m) & mask
    h = ((h ^ (h >> 47)) * m) & mask
    return h ^ (h >> 47)


def elements_in_registers(lo, hi, count, prefix="e"):
    out, i = [], 0
    while len(out) < count:
        e = f"{prefix}{i}".encode()
        if lo <= murmur64a(e) & 16383 < hi:
            out.append(e)
        i += 1
    return out


def test_murmur64a_model(differ):
    """The test's own MurmurHash64A agrees with the servers (via PFDEBUG GETREG)."""
    for e in (b"", b"a", b"hello", b"0123456789abcdef", b"x" * 23):
        differ.run(["DEL h", ["PFADD", "h", e]])
        a, _ = differ.step("PFDEBUG GETREG h")
        values = [int(x[1:]) for x in a.split(b"\r\n") if x.startswith(b":")]
        assert values[murmur64a(e) & 16383] > 0


def test_truncated_xzero_at_end(differ):
    """A sparse stream ending in half an XZERO (its second byte past the end
    of the string) still adds up to 16384 registers. An add that splits it
    writes the last opcode byte past the end, where redis-server keeps it and
    reads it back later: same bytes and replies, step by step."""
    header = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
    for tail_len in (257, 1, 513, 1025):
        lead = 16384 - tail_len
        blob = header + xzero(lead) + bytes([0x40 | ((tail_len - 1) >> 8)])
        tail_elems = elements_in_registers(lead, 16384, 6, prefix=f"t{tail_len}-")
        other = elements_in_registers(0, lead, 6, prefix=f"o{tail_len}-")
        differ.run([["SET", "h", blob], "PFCOUNT h", "PFDEBUG DECODE h"])
        for i in range(6):
            for batch in ([tail_elems[i]], [other[i]], [tail_elems[i], other[i]]):
                differ.step(["PFADD", "h", *batch])
                differ.run(["PFDEBUG DECODE h", "PFCOUNT h h"])
                same_value(differ, "h")
        differ.run(["PFCOUNT h", "PFMERGE m h", "GET m", "PFDEBUG TODENSE h", "GET h"])


@settings(max_examples=40, **DIFFERENTIAL)
@given(sets=st.lists(st.lists(st.binary(max_size=12), max_size=60), min_size=1, max_size=4),
       todense=st.lists(st.booleans(), min_size=4, max_size=4))
def test_hypothesis_pf(differ, sets, todense):
    keys = []
    for i, elems in enumerate(sets):
        key = f"h{i}"
        differ.step(["DEL", key])
        differ.step(["PFADD", key, *elems])
        if todense[i]:
            differ.step(["PFDEBUG", "TODENSE", key])
        keys.append(key)
        differ.step(["GET", key])
    differ.step(["PFCOUNT", *keys])
    differ.step(["PFMERGE", "m", *keys])
    differ.step(["GET", "m"])
    differ.step(["PFCOUNT", "m"])
    differ.step(["DEL", "m"])
