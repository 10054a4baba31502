"""crc64 (rkvd._core.lib.crc64) against known vectors, a bit-at-a-time
reference model, and the checksum redis-server puts in a DUMP payload.

The sliced implementation handles unaligned heads, 8-byte blocks and tails
separately, so the random tests vary the buffer's offset and length across
those boundaries, and chain calls at arbitrary split points."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rkvd._core.lib.crc64 import crc64_bytes

POLY_REFLECTED = 0x95AC9329AC4BC9B5


def crc64_bitwise(crc, data):
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (POLY_REFLECTED if crc & 1 else 0)
    return crc


def test_check_value():
    # The check value Redis's own crc64 self-test uses.
    assert crc64_bytes(0, b"123456789") == 0xE9C6D914C4B8D9CA


def test_long_text():
    text = (b"This is a test of the emergency broadcast system. "
            b"This is only a test. If this had been an actual emergency, ...")
    assert crc64_bytes(0, text) == crc64_bitwise(0, text)
    assert crc64_bytes(0, b"") == 0
    assert crc64_bytes(0x1234, b"") == 0x1234


def test_every_length_and_offset():
    data = bytes((i * 131 + 7) & 0xFF for i in range(80))
    buf = bytearray(data)
    mv = memoryview(buf)
    for off in range(9):
        for n in range(0, 70):
            assert crc64_bytes(0, mv[off:off + n]) == crc64_bitwise(0, data[off:off + n]), (off, n)


@given(st.binary(max_size=2000), st.integers(0, 2**64 - 1), st.integers(0, 7))
def test_random_against_bitwise(data, seed, off):
    padded = bytes(off) + data
    assert crc64_bytes(seed, memoryview(padded)[off:]) == crc64_bitwise(seed, data)


@given(st.binary(max_size=600), st.data())
def test_chained_calls(data, draw):
    cut = draw.draw(st.integers(0, len(data)))
    assert crc64_bytes(crc64_bytes(0, data[:cut]), data[cut:]) == crc64_bytes(0, data)


def test_accepts_buffers():
    assert crc64_bytes(0, bytearray(b"123456789")) == 0xE9C6D914C4B8D9CA
    assert crc64_bytes(0, memoryview(b"123456789")) == 0xE9C6D914C4B8D9CA


@pytest.mark.needs_redis
def test_matches_redis_dump(redis_ref):
    # The trailer of a DUMP payload is crc64 over everything before it.
    c = redis_ref.client()
    for value in (b"x" * 300, b"12345", bytes(range(256)) * 3):
        c.set(b"k", value)
        dump = c.dump(b"k")
        assert crc64_bytes(0, dump[:-8]) == int.from_bytes(dump[-8:], "little")
