"""A test-side RDB decoder, written from the format description, for what
Redis 7.0 writes: DUMP payload bodies and whole RDB v10 files. It shares no
code with rkvd (its LZF decoder included), so it can judge rkvd's writer.

Contents come back as plain Python values: strings as bytes, lists and sets
as lists of bytes, hashes as [(field, value)], sorted sets as
[(member, score)], each in the order the payload stores them.
"""
from __future__ import annotations

import struct

STRING, LIST, SET, ZSET, HASH, ZSET_2 = 0, 1, 2, 3, 4, 5
SET_INTSET, HASH_LISTPACK, ZSET_LISTPACK, LIST_QUICKLIST_2 = 11, 16, 17, 18
STREAM_LISTPACKS_2 = 19
OP_FUNCTION2, OP_MODULE_AUX, OP_IDLE, OP_FREQ, OP_AUX = 245, 247, 248, 249, 250
OP_RESIZEDB, OP_EXPIRETIME_MS, OP_EXPIRETIME, OP_SELECTDB, OP_EOF = 251, 252, 253, 254, 255

_POLY = 0x95AC9329AC4BC9B5
_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ (_POLY if _c & 1 else 0)
    _TABLE.append(_c)


def crc64(data: bytes, crc: int = 0) -> int:
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def lzf_decompress(data: bytes, out_len: int) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
            continue
        length = ctrl >> 5
        ref = len(out) - ((ctrl & 0x1F) << 8) - 1
        if length == 7:
            length += data[i]
            i += 1
        ref -= data[i]
        i += 1
        assert ref >= 0, "LZF back reference before the start"
        for _ in range(length + 2):
            out.append(out[ref])
            ref += 1
    assert len(out) == out_len, f"LZF: {len(out)} bytes, expected {out_len}"
    return bytes(out)


class Reader:
    def __init__(self, buf: bytes, pos: int = 0):
        self.buf = buf
        self.pos = pos

    def byte(self) -> int:
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def take(self, n: int) -> bytes:
        assert self.pos + n <= len(self.buf), "truncated"
        s = self.buf[self.pos:self.pos + n]
        self.pos += n
        return s

    def length(self):
        """(value, special): special means an encoded string follows."""
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        assert first == 0x81, f"bad length byte {first:#x}"
        return struct.unpack(">Q", self.take(8))[0], False

    def plain_length(self) -> int:
        n, special = self.length()
        assert not special, "a length was expected, found an encoded string"
        return n

    def string(self) -> bytes:
        n, special = self.length()
        if not special:
            return self.take(n)
        if n == 0:
            return str(struct.unpack("<b", self.take(1))[0]).encode()
        if n == 1:
            return str(struct.unpack("<h", self.take(2))[0]).encode()
        if n == 2:
            return str(struct.unpack("<i", self.take(4))[0]).encode()
        assert n == 3, f"unknown string encoding {n}"
        clen = self.plain_length()
        olen = self.plain_length()
        return lzf_decompress(self.take(clen), olen)

    def string_form(self) -> str:
        """How the next string is stored: 'int8/16/32', 'lzf' or 'raw'."""
        first = self.buf[self.pos]
        if first >> 6 != 3:
            return "raw"
        return {0: "int8", 1: "int16", 2: "int32", 3: "lzf"}[first & 0x3F]


def listpack(lp: bytes) -> list[bytes]:
    total, count = struct.unpack("<IH", lp[:6])
    assert total == len(lp), "listpack total bytes"
    out = []
    p = 6
    while lp[p] != 0xFF:
        b = lp[p]
        if b < 0x80:
            val, size = str(b).encode(), 1
        elif b < 0xC0:
            n = b & 0x3F
            val, size = lp[p + 1:p + 1 + n], 1 + n
        elif b < 0xE0:
            v = ((b & 0x1F) << 8) | lp[p + 1]
            if v >= 1 << 12:
                v -= 1 << 13
            val, size = str(v).encode(), 2
        elif b < 0xF0:
            n = ((b & 0x0F) << 8) | lp[p + 1]
            val, size = lp[p + 2:p + 2 + n], 2 + n
        elif b == 0xF0:
            n = struct.unpack("<I", lp[p + 1:p + 5])[0]
            val, size = lp[p + 5:p + 5 + n], 5 + n
        else:
            width = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[b]
            val = str(int.from_bytes(lp[p + 1:p + 1 + width], "little", signed=True)).encode()
            size = 1 + width
        out.append(val)
        backlen = 1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151 else \
            4 if size < 268435455 else 5
        p += size + backlen
    assert p == len(lp) - 1, "listpack terminator"
    if count != 65535:
        assert count == len(out), "listpack element count"
    return out


def intset(blob: bytes) -> list[bytes]:
    enc, n = struct.unpack("<II", blob[:8])
    fmt = {2: "<h", 4: "<i", 8: "<q"}[enc]
    assert len(blob) == 8 + enc * n
    return [str(struct.unpack(fmt, blob[8 + i * enc:8 + (i + 1) * enc])[0]).encode() for i in range(n)]


def _pairs(items):
    return [(items[i], items[i + 1]) for i in range(0, len(items), 2)]


def read_value(r: Reader, t: int):
    if t == STRING:
        return r.string()
    if t == LIST_QUICKLIST_2:
        out = []
        for _ in range(r.plain_length()):
            container = r.plain_length()
            data = r.string()
            if container == 1:
                out.append(data)
            else:
                assert container == 2, f"quicklist container {container}"
                elements = listpack(data)
                assert elements, "empty quicklist node"
                out += elements
        return out
    if t == SET:
        return [r.string() for _ in range(r.plain_length())]
    if t == SET_INTSET:
        return intset(r.string())
    if t in (HASH_LISTPACK, ZSET_LISTPACK):
        pairs = _pairs(listpack(r.string()))
        if t == ZSET_LISTPACK:
            return [(m, float(s)) for m, s in pairs]
        return pairs
    if t == HASH:
        return [(r.string(), r.string()) for _ in range(r.plain_length())]
    if t == ZSET_2:
        return [(r.string(), struct.unpack("<d", r.take(8))[0]) for _ in range(r.plain_length())]
    if t == STREAM_LISTPACKS_2:
        return read_stream(r)
    raise AssertionError(f"type {t} is not one Redis 7.0 writes")


def read_stream(r: Reader) -> dict:
    """A stream record: nodes (master ID key, listpack elements), the
    stream's counters and IDs, and the groups with their PELs and consumers."""
    nodes = []
    for _ in range(r.plain_length()):
        key = r.string()
        assert len(key) == 16, "node key of 16 bytes"
        nodes.append((key, listpack(r.string())))
    out = {"nodes": nodes, "length": r.plain_length(),
           "last_id": (r.plain_length(), r.plain_length()), "first_id": (r.plain_length(), r.plain_length()),
           "max_deleted_id": (r.plain_length(), r.plain_length()), "entries_added": r.plain_length()}
    groups = []
    for _ in range(r.plain_length()):
        name = r.string()
        last_id = (r.plain_length(), r.plain_length())
        entries_read = r.plain_length()
        pel = [(r.take(16), struct.unpack("<q", r.take(8))[0], r.plain_length()) for _ in range(r.plain_length())]
        consumers = []
        for _ in range(r.plain_length()):
            cname = r.string()
            seen = struct.unpack("<q", r.take(8))[0]
            consumers.append((cname, seen, [r.take(16) for _ in range(r.plain_length())]))
        groups.append((name, last_id, entries_read, pel, consumers))
    out["groups"] = groups
    return out


def decode_object(body: bytes):
    """The content of a DUMP payload without its version and CRC."""
    r = Reader(body, 1)
    value = read_value(r, body[0])
    assert r.pos == len(body), "trailing bytes after the object"
    return value


def decode_file(data: bytes) -> dict:
    """{"aux": {name: value}, "dbs": {id: {key: {"type", "value", "expire",
    "idle", "freq"}}}, "resize": {id: (keys, expires)}, "order": {id: [keys]}}.
    Checks the magic, the trailer (a CRC64, or zeroes) and the end."""
    assert data[:9] == b"REDIS0010", data[:9]
    r = Reader(data, 9)
    out = {"aux": {}, "dbs": {}, "resize": {}, "order": {}}
    db = None
    expire = idle = freq = None
    while True:
        op = r.byte()
        if op == OP_EOF:
            break
        if op == OP_AUX:
            name = r.string()
            out["aux"][name] = r.string()
        elif op == OP_SELECTDB:
            db = r.plain_length()
            assert db not in out["dbs"], "database selected twice"
            out["dbs"][db] = {}
            out["order"][db] = []
        elif op == OP_RESIZEDB:
            out["resize"][db] = (r.plain_length(), r.plain_length())
        elif op == OP_EXPIRETIME_MS:
            expire = struct.unpack("<q", r.take(8))[0]
        elif op == OP_IDLE:
            idle = r.plain_length()
        elif op == OP_FREQ:
            freq = r.byte()
        else:
            assert db is not None, "key before SELECTDB"
            key = r.string()
            value = read_value(r, op)
            assert key not in out["dbs"][db], "key written twice"
            out["dbs"][db][key] = {"type": op, "value": value, "expire": expire, "idle": idle,
                                   "freq": freq}
            out["order"][db].append(key)
            expire = idle = freq = None
    body_end = r.pos
    trailer = r.take(8)
    assert r.pos == len(data), "bytes after the trailer"
    crc = int.from_bytes(trailer, "little")
    assert crc == 0 or crc == crc64(data[:body_end]), "bad CRC64"
    out["crc"] = crc
    return out
