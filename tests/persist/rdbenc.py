"""A test-side RDB encoder, written from the format description: DUMP
payloads and whole RDB files, including the encodings Redis no longer writes
(ziplists, zipmaps, the linked list, string scores, quicklists of ziplists),
so the loader can be checked against what redis-server 7.0.15 does with the
very same bytes.

Everything returns bytes; nothing here knows the loader.
"""
from __future__ import annotations

import struct

RDB_VERSION = 10

# value types
STRING, LIST, SET, ZSET, HASH, ZSET_2 = 0, 1, 2, 3, 4, 5
MODULE_2 = 7
HASH_ZIPMAP, LIST_ZIPLIST, SET_INTSET, ZSET_ZIPLIST, HASH_ZIPLIST = 9, 10, 11, 12, 13
LIST_QUICKLIST, STREAM_LISTPACKS = 14, 15
HASH_LISTPACK, ZSET_LISTPACK, LIST_QUICKLIST_2 = 16, 17, 18

# opcodes
OP_FUNCTION2, OP_MODULE_AUX, OP_IDLE, OP_FREQ, OP_AUX = 245, 247, 248, 249, 250
OP_RESIZEDB, OP_EXPIRETIME_MS, OP_EXPIRETIME, OP_SELECTDB, OP_EOF = 251, 252, 253, 254, 255


# ---------------------------------------------------------------- CRC64

def _crc_table():
    poly = 0x95AC9329AC4BC9B5          # Jones, reflected (Redis's crc64)
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (poly if c & 1 else 0)
        table.append(c)
    return table


_TABLE = _crc_table()


def crc64(data: bytes, crc: int = 0) -> int:
    t = _TABLE
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


# ---------------------------------------------------------------- primitives

def enc_len(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def enc_str(s: bytes) -> bytes:
    """A plain string (no integer or LZF encoding)."""
    return enc_len(len(s)) + s


def enc_int_str(v: int) -> bytes:
    """A string stored as an 8/16/32-bit integer."""
    if -(1 << 7) <= v < 1 << 7:
        return b"\xc0" + struct.pack("<b", v)
    if -(1 << 15) <= v < 1 << 15:
        return b"\xc1" + struct.pack("<h", v)
    return b"\xc2" + struct.pack("<i", v)


def lzf_literal(data: bytes) -> bytes:
    """A valid LZF stream that only holds literal runs (no back references)."""
    out = bytearray()
    for i in range(0, len(data), 32):
        chunk = data[i:i + 32]
        out.append(len(chunk) - 1)
        out += chunk
    return bytes(out)


def enc_lzf_str(s: bytes, compressed: bytes | None = None) -> bytes:
    c = lzf_literal(s) if compressed is None else compressed
    return b"\xc3" + enc_len(len(c)) + enc_len(len(s)) + c


def enc_text_double(d: float) -> bytes:
    """A score in the old text encoding (ZSET, type 3)."""
    if d != d:
        return b"\xfd"
    if d == float("inf"):
        return b"\xfe"
    if d == float("-inf"):
        return b"\xff"
    t = repr(d).encode() if d != int(d) or abs(d) >= 1e17 else str(int(d)).encode()
    return bytes([len(t)]) + t


def enc_binary_double(d: float) -> bytes:
    return struct.pack("<d", d)


# ---------------------------------------------------------------- ziplist

def _zl_entry_encoding(e):
    """(encoding bytes, data bytes) of one element, chosen as Redis does."""
    if isinstance(e, bytes) and 0 < len(e) < 32:
        try:
            v = int(e)
            if str(v).encode() == e:
                e = v
        except ValueError:
            pass
    if isinstance(e, int):
        v = e
        if 0 <= v <= 12:
            return bytes([0xF1 + v]), b""
        if -(1 << 7) <= v < 1 << 7:
            return b"\xfe", struct.pack("<b", v)
        if -(1 << 15) <= v < 1 << 15:
            return b"\xc0", struct.pack("<h", v)
        if -(1 << 23) <= v < 1 << 23:
            return b"\xf0", struct.pack("<i", v << 8)[1:]
        if -(1 << 31) <= v < 1 << 31:
            return b"\xd0", struct.pack("<i", v)
        return b"\xe0", struct.pack("<q", v)
    n = len(e)
    if n <= 0x3F:
        return bytes([n]), e
    if n <= 0x3FFF:
        return bytes([0x40 | (n >> 8), n & 0xFF]), e
    return b"\x80" + struct.pack(">I", n), e


def ziplist(elements) -> bytes:
    """A ziplist of bytes / int elements."""
    body = bytearray()
    prevlen = 0
    tail = 10
    for e in elements:
        enc, data = _zl_entry_encoding(e)
        pl = bytes([prevlen]) if prevlen < 254 else b"\xfe" + struct.pack("<I", prevlen)
        entry = pl + enc + data
        tail = 10 + len(body)
        body += entry
        prevlen = len(entry)
    total = 10 + len(body) + 1
    count = len(elements) if len(elements) < 0xFFFF else 0xFFFF
    return struct.pack("<IIH", total, tail, count) + bytes(body) + b"\xff"


# ---------------------------------------------------------------- zipmap

def _zm_len(n):
    return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)


def zipmap(pairs, free: int = 0) -> bytes:
    """A zipmap of (field, value) pairs, each value followed by `free` spare bytes."""
    out = bytearray([len(pairs) if len(pairs) < 254 else 254])
    for f, v in pairs:
        out += _zm_len(len(f)) + f + _zm_len(len(v)) + bytes([free]) + v + b"\0" * free
    out.append(0xFF)
    return bytes(out)


# ---------------------------------------------------------------- listpack

def _lp_backlen(n):
    # 7 bits per byte, most significant first; every byte but the leftmost
    # has its high bit set ("more to the left": it is read right to left)
    parts = []
    while True:
        parts.append(n & 127)
        n >>= 7
        if not n:
            break
    return bytes([parts[-1]] + [p | 128 for p in reversed(parts[:-1])])


def _lp_entry(e):
    if isinstance(e, bytes):
        try:
            v = int(e)
            if str(v).encode() == e and -(1 << 63) <= v < 1 << 63:
                e = v
        except ValueError:
            pass
    if isinstance(e, int):
        if 0 <= e <= 127:
            enc = bytes([e])
        elif -4096 <= e <= 4095:
            enc = struct.pack(">H", 0xC000 | (e & 0x1FFF))
        elif -(1 << 15) <= e < 1 << 15:
            enc = b"\xf1" + struct.pack("<h", e)
        elif -(1 << 23) <= e < 1 << 23:
            enc = b"\xf2" + struct.pack("<i", e)[:3]
        elif -(1 << 31) <= e < 1 << 31:
            enc = b"\xf3" + struct.pack("<i", e)
        else:
            enc = b"\xf4" + struct.pack("<q", e)
    else:
        n = len(e)
        if n < 64:
            enc = bytes([0x80 | n]) + e
        elif n < 4096:
            enc = bytes([0xE0 | (n >> 8), n & 0xFF]) + e
        else:
            enc = b"\xf0" + struct.pack("<I", n) + e
    return enc + _lp_backlen(len(enc))


def listpack(elements, count: int | None = None) -> bytes:
    body = b"".join(_lp_entry(e) for e in elements)
    n = len(elements) if count is None else count
    return struct.pack("<IH", 6 + len(body) + 1, min(n, 0xFFFF)) + body + b"\xff"


def intset(values, width: int | None = None) -> bytes:
    vals = sorted(values)
    if width is None:
        width = 2
        for v in vals:
            if not -(1 << 15) <= v < 1 << 15:
                width = max(width, 4)
            if not -(1 << 31) <= v < 1 << 31:
                width = 8
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(vals)) + b"".join(struct.pack(fmt, v) for v in vals)


# ---------------------------------------------------------------- objects

def obj_string(s: bytes) -> bytes:
    return enc_str(s)


def obj_list_linked(items) -> bytes:
    return enc_len(len(items)) + b"".join(enc_str(x) for x in items)


def obj_set(members) -> bytes:
    return enc_len(len(members)) + b"".join(enc_str(x) for x in members)


def obj_zset_text(pairs) -> bytes:
    """ZSET (type 3): member, score as text."""
    return enc_len(len(pairs)) + b"".join(enc_str(m) + enc_text_double(s) for m, s in pairs)


def obj_zset_binary(pairs) -> bytes:
    """ZSET_2 (type 5)."""
    return enc_len(len(pairs)) + b"".join(enc_str(m) + enc_binary_double(s) for m, s in pairs)


def obj_hash(pairs) -> bytes:
    return enc_len(len(pairs)) + b"".join(enc_str(f) + enc_str(v) for f, v in pairs)


def obj_blob(blob: bytes) -> bytes:
    """Types 9-13, 16, 17: the encoding as one string."""
    return enc_str(blob)


def obj_quicklist_ziplists(ziplists) -> bytes:
    """LIST_QUICKLIST (type 14): nodes as ziplists."""
    return enc_len(len(ziplists)) + b"".join(enc_str(z) for z in ziplists)


def obj_quicklist2(nodes) -> bytes:
    """LIST_QUICKLIST_2 (type 18): nodes as (container, bytes); container 2 is
    a listpack, 1 a plain element."""
    return enc_len(len(nodes)) + b"".join(enc_len(c) + enc_str(b) for c, b in nodes)


def payload(rdbtype: int, body: bytes, version: int = RDB_VERSION, crc: int | None = None) -> bytes:
    """A DUMP payload: [type][object][version u16][crc64 u64], little-endian."""
    data = bytes([rdbtype]) + body + struct.pack("<H", version)
    return data + struct.pack("<Q", crc64(data) if crc is None else crc)


def with_crc(p: bytes) -> bytes:
    """A payload whose CRC is recomputed (after the bytes before it changed)."""
    data = p[:-8]
    return data + struct.pack("<Q", crc64(data))


# ---------------------------------------------------------------- files

class RdbFile:
    """Builds a whole RDB file: header, AUX fields, databases, EOF, CRC."""

    def __init__(self, version: int = RDB_VERSION, aux=(("redis-ver", "7.0.15"),)):
        self.version = version
        self.out = bytearray(b"REDIS%04d" % version)
        for k, v in aux:
            self.aux(k, v)

    def aux(self, key, value):
        self.out += bytes([OP_AUX]) + enc_str(_b(key)) + enc_str(_b(value))
        return self

    def select(self, dbid: int, resize: tuple[int, int] | None = None):
        self.out += bytes([OP_SELECTDB]) + enc_len(dbid)
        if resize is not None:
            self.out += bytes([OP_RESIZEDB]) + enc_len(resize[0]) + enc_len(resize[1])
        return self

    def key(self, key, rdbtype: int, body: bytes, expire_ms: int | None = None,
            expire_s: int | None = None, idle: int | None = None, freq: int | None = None):
        if expire_ms is not None:
            self.out += bytes([OP_EXPIRETIME_MS]) + struct.pack("<q", expire_ms)
        if expire_s is not None:
            self.out += bytes([OP_EXPIRETIME]) + struct.pack("<i", expire_s)
        if idle is not None:
            self.out += bytes([OP_IDLE]) + enc_len(idle)
        if freq is not None:
            self.out += bytes([OP_FREQ, freq])
        self.out += bytes([rdbtype]) + enc_str(_b(key)) + body
        return self

    def raw(self, data: bytes):
        self.out += data
        return self

    def finish(self, checksum: bool = True) -> bytes:
        data = bytes(self.out) + bytes([OP_EOF])
        if self.version >= 5:
            data += struct.pack("<Q", crc64(data) if checksum else 0)
        return data


def _b(x) -> bytes:
    return x if isinstance(x, bytes) else str(x).encode()
