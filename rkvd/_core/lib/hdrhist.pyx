# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# Latency histograms in HdrHistogram's bucket layout (contract and layout in
# hdrhist.pxd). Recording is inline in the .pxd; this module holds the
# allocation and the read side: percentiles for INFO latencystats and the
# logarithmic bucket walk behind LATENCY HISTOGRAM.
from libc.stdint cimport int64_t
from libc.string cimport memset
from rkvd._core.lib.mem cimport calloc, free

cdef enum:
    SUB_COUNT = 2 * HDR_HALF_COUNT


cdef hdr_hist* hdr_new() noexcept nogil:
    return <hdr_hist*>calloc(1, sizeof(hdr_hist))


cdef int64_t* hdr_grow(hdr_hist* h, int k) noexcept nogil:
    h.blocks[k] = <int64_t*>calloc(HDR_HALF_COUNT, sizeof(int64_t))
    return h.blocks[k]


cdef void hdr_reset(hdr_hist* h) noexcept nogil:
    cdef int k
    for k in range(HDR_BLOCKS):
        if h.blocks[k] != NULL:
            free(h.blocks[k])
    memset(h, 0, sizeof(hdr_hist))


cdef void hdr_free(hdr_hist* h) noexcept nogil:
    if h != NULL:
        hdr_reset(h)
        free(h)


cdef inline int64_t _count(const hdr_hist* h, int index) noexcept nogil:
    cdef int64_t* block = h.blocks[index >> HDR_HALF_MAGNITUDE]
    return block[index & (HDR_HALF_COUNT - 1)] if block != NULL else 0


cdef inline int _bucket_of(int64_t value) noexcept nogil:
    return 64 - hdr_clzll(<unsigned long long>(value | HDR_SUB_MASK)) - (HDR_HALF_MAGNITUDE + 1)


# The lowest value a counter stands for.
cdef inline int64_t _value_at_index(int index) noexcept nogil:
    cdef int bucket = (index >> HDR_HALF_MAGNITUDE) - 1
    cdef int sub = (index & (HDR_HALF_COUNT - 1)) + HDR_HALF_COUNT
    if bucket < 0:
        sub -= HDR_HALF_COUNT
        bucket = 0
    return (<int64_t>sub) << bucket


cdef inline int64_t _lowest_equivalent(int64_t value) noexcept nogil:
    cdef int bucket = _bucket_of(value)
    return (value >> bucket) << bucket


# Width of the range of values sharing value's counter.
cdef inline int64_t _range_size(int64_t value) noexcept nogil:
    cdef int bucket = _bucket_of(value)
    if (value >> bucket) >= SUB_COUNT:
        bucket += 1
    return (<int64_t>1) << bucket


cdef inline int64_t _highest_equivalent(int64_t value) noexcept nogil:
    return _lowest_equivalent(value) + _range_size(value) - 1


cdef int64_t hdr_value_at_percentile(const hdr_hist* h, double percentile) noexcept nogil:
    cdef double p = percentile if percentile < 100.0 else 100.0
    cdef int64_t wanted = <int64_t>((p / 100) * h.total + 0.5)
    cdef int64_t seen = 0
    cdef int64_t value = 0
    cdef int i
    if wanted < 1:
        wanted = 1
    for i in range(HDR_COUNTS_LEN):
        seen += _count(h, i)
        if seen >= wanted:
            value = _value_at_index(i)
            break
    if percentile == 0.0:
        return _lowest_equivalent(value)
    return _highest_equivalent(value)


cdef list hdr_cdf_usec(const hdr_hist* h):
    # The walk moves counter by counter; each time the counter reached
    # starts at or past the current reporting level, it reports the
    # cumulative count so far (that counter included) under that counter's
    # highest equivalent value, and the level doubles.
    cdef list out = []
    cdef int index = -1
    cdef int64_t cumulative = 0, previous = 0
    cdef int64_t value = 0, highest = 0
    cdef int64_t level = 1024
    cdef int64_t level_lowest = _lowest_equivalent(level)
    while True:
        if not (cumulative < h.total or
                (index < HDR_COUNTS_LEN and _value_at_index(index + 1) > level_lowest)):
            break
        while True:
            if value >= level_lowest:
                level *= 2
                level_lowest = _lowest_equivalent(level)
                break
            index += 1
            if index >= HDR_COUNTS_LEN:
                break
            cumulative += _count(h, index)
            value = _value_at_index(index)
            highest = _lowest_equivalent(value) + _range_size(value) - 1
        if cumulative > previous:
            out.append(highest // 1000)
            out.append(cumulative)
        previous = cumulative
    return out


cdef class Histogram:
    """One histogram behind a Python object (tests, tools); the engine uses
    the cdef functions on its commands' own histograms."""
    cdef hdr_hist* h

    def __cinit__(self):
        self.h = hdr_new()
        if self.h == NULL:
            raise MemoryError()

    def __dealloc__(self):
        hdr_free(self.h)

    def record(self, long long value_ns):
        hdr_record(self.h, value_ns)

    @property
    def total(self):
        return self.h.total

    def value_at_percentile(self, double percentile):
        return hdr_value_at_percentile(self.h, percentile)

    def cdf_usec(self):
        return hdr_cdf_usec(self.h)

    def reset(self):
        hdr_reset(self.h)
