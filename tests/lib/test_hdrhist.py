"""Latency histograms (rkvd._core.lib.hdrhist) against a model of the
published HdrHistogram algorithm, configured as Redis configures its
per-command histograms (1 ns .. 1 s, 2 significant figures).

The model below follows the algorithm's definitions literally (bucket
config computed from the parameters, the counter index of a value, a
counter's value range, hdr_value_at_percentile and the logarithmic
iterator Redis's LATENCY HISTOGRAM walks); the fixed vectors were read
from Redis's own hdr_histogram library fed the same samples."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rkvd._core.lib.hdrhist import Histogram

LOWEST, HIGHEST, FIGURES = 1, 1_000_000_000, 2


class Model:
    """HdrHistogram, straight from its definitions, in Python."""

    def __init__(self):
        single_unit = 2 * 10 ** FIGURES
        magnitude = math.ceil(math.log2(single_unit))
        self.half_mag = max(magnitude, 1) - 1
        self.unit = int(math.log2(LOWEST))
        self.sub_count = 2 ** (self.half_mag + 1)
        self.half = self.sub_count // 2
        self.mask = (self.sub_count - 1) << self.unit
        buckets, untrackable = 1, self.sub_count << self.unit
        while untrackable <= HIGHEST:
            untrackable <<= 1
            buckets += 1
        self.counts = [0] * ((buckets + 1) * self.half)
        self.total = 0

    def _bucket(self, v):
        return (v | self.mask).bit_length() - self.unit - (self.half_mag + 1)

    def index(self, v):
        b = self._bucket(v)
        return ((b + 1) << self.half_mag) + (v >> (b + self.unit)) - self.half

    def record(self, v):
        v = min(max(v, LOWEST), HIGHEST)
        self.counts[self.index(v)] += 1
        self.total += 1

    def value_at(self, i):
        b = (i >> self.half_mag) - 1
        s = (i & (self.half - 1)) + self.half
        if b < 0:
            s, b = s - self.half, 0
        return s << (b + self.unit)

    def lowest_eq(self, v):
        b = self._bucket(v)
        return (v >> (b + self.unit)) << (b + self.unit)

    def size(self, v):
        b = self._bucket(v)
        if (v >> (b + self.unit)) >= self.sub_count:
            b += 1
        return 1 << (self.unit + b)

    def highest_eq(self, v):
        return self.lowest_eq(v) + self.size(v) - 1

    def percentile(self, p):
        want = max(int(min(p, 100.0) / 100 * self.total + 0.5), 1)
        seen, value = 0, 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= want:
                value = self.value_at(i)
                break
        return self.lowest_eq(value) if p == 0.0 else self.highest_eq(value)

    def cdf_usec(self):
        out, i, cum, prev, value, high = [], -1, 0, 0, 0, 0
        level = 1024
        level_low = self.lowest_eq(level)
        while cum < self.total or (i < len(self.counts) and self.value_at(i + 1) > level_low):
            while True:
                if value >= level_low:
                    level *= 2
                    level_low = self.lowest_eq(level)
                    break
                i += 1
                if i >= len(self.counts):
                    break
                cum += self.counts[i]
                value = self.value_at(i)
                high = self.highest_eq(value)
            if cum > prev:
                out += [high // 1000, cum]
            prev = cum
        return out


PERCENTILES = [0, 0.0001, 1, 25, 50, 75, 90, 99, 99.9, 99.99, 100, 33.333333]


def test_layout_is_redis_histogram_layout():
    m = Model()
    assert (m.sub_count, m.half_mag, len(m.counts)) == (256, 7, 3072)


# samples -> (percentiles above, LATENCY HISTOGRAM buckets), from Redis's library
VECTORS = [
    ([1000, 2000, 3000], [1000, 1003, 1003, 1003, 2007, 2007, 3007, 3007, 3007, 3007, 3007, 1003],
     [1, 1, 2, 2, 4, 3]),
    ([0], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1]),
    ([5 * 10 ** 9], [998244352, 1002438655, 1002438655, 1002438655, 1002438655, 1002438655,
                     1002438655, 1002438655, 1002438655, 1002438655, 1002438655, 1002438655],
     [1073741, 1]),
]


@pytest.mark.parametrize("samples,percentiles,cdf", VECTORS)
def test_fixed_vectors(samples, percentiles, cdf):
    h = Histogram()
    for v in samples:
        h.record(v)
    assert [h.value_at_percentile(p) for p in PERCENTILES] == percentiles
    assert h.cdf_usec() == cdf
    assert h.total == len(samples)


def test_empty_and_reset():
    h = Histogram()
    assert h.cdf_usec() == [] and h.value_at_percentile(50) == 0
    h.record(123456)
    h.reset()
    assert h.total == 0 and h.cdf_usec() == []


values = st.one_of(st.integers(0, 2000).map(lambda us: us * 1000),     # what Redis records
                   st.integers(-5, 300), st.integers(0, 3 * 10 ** 9))


@given(st.lists(values, min_size=1, max_size=300))
def test_against_the_model(samples):
    h, m = Histogram(), Model()
    for v in samples:
        h.record(v)
        m.record(v)
    assert [h.value_at_percentile(p) for p in PERCENTILES] == [m.percentile(p) for p in PERCENTILES]
    assert h.cdf_usec() == m.cdf_usec()
