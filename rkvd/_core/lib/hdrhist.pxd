# Per-command latency histograms with the bucket layout of an HdrHistogram
# configured as Redis configures its command histograms: values from 1 ns
# to 1 s, two significant figures. With those parameters the published
# HdrHistogram layout is fixed:
#
#   sub-bucket count 256 (half 128, magnitude of the half 7), unit 1,
#   23 buckets, 3072 counters.
#
# A value v falls in bucket b = bitlen(v | 255) - 8 and sub-bucket v >> b;
# its counter is ((b + 1) << 7) + (v >> b) - 128. Every value of a
# sub-bucket shares one counter, so what is reported (percentiles, the
# LATENCY HISTOGRAM buckets) is each counter's "highest equivalent value",
# exactly the numbers Redis's HdrHistogram gives for the same samples.
#
# The counters are kept in 24 blocks of 128, each allocated when a value
# first falls in it: a command's durations usually span a few powers of
# two, so a histogram takes a few KB where Redis's takes 24 KB.
from libc.stdint cimport int64_t

cdef extern from *:
    int hdr_clzll "__builtin_clzll"(unsigned long long x) nogil

cdef enum:
    HDR_HALF_MAGNITUDE = 7          # log2 of the sub-bucket half count
    HDR_HALF_COUNT = 128
    HDR_SUB_MASK = 255
    HDR_COUNTS_LEN = 3072
    HDR_BLOCKS = 24                 # HDR_COUNTS_LEN in blocks of HDR_HALF_COUNT
    HDR_LOWEST = 1                  # ns
    HDR_HIGHEST = 1000000000        # ns

ctypedef struct hdr_hist:
    int64_t total
    int64_t* blocks[HDR_BLOCKS]     # counter i is blocks[i >> 7][i & 127]; NULL: all 0


# Allocate h's block k (zeroed) and return it; NULL when out of memory.
cdef int64_t* hdr_grow(hdr_hist* h, int k) noexcept nogil


# Record one value in ns, clamped to [1 ns, 1 s] as Redis's
# updateCommandLatencyHistogram clamps. h must be a live histogram. Inline:
# the engine pays a few integer operations per command, no call.
cdef inline void hdr_record(hdr_hist* h, int64_t value) noexcept nogil:
    cdef int bucket, index
    cdef int64_t* block
    if value < HDR_LOWEST:
        value = HDR_LOWEST
    elif value > HDR_HIGHEST:
        value = HDR_HIGHEST
    bucket = 64 - hdr_clzll(<unsigned long long>(value | HDR_SUB_MASK)) - (HDR_HALF_MAGNITUDE + 1)
    index = ((bucket + 1) << HDR_HALF_MAGNITUDE) + <int>(value >> bucket) - HDR_HALF_COUNT
    block = h.blocks[index >> HDR_HALF_MAGNITUDE]
    if block == NULL:
        block = hdr_grow(h, index >> HDR_HALF_MAGNITUDE)
        if block == NULL:
            return              # out of memory: the sample is dropped
    block[index & (HDR_HALF_COUNT - 1)] += 1
    h.total += 1


# An empty histogram from the counted allocator (lib/mem), or NULL when out
# of memory. Free it with hdr_free.
cdef hdr_hist* hdr_new() noexcept nogil

cdef void hdr_free(hdr_hist* h) noexcept nogil

# Forget every sample (the counter blocks are freed).
cdef void hdr_reset(hdr_hist* h) noexcept nogil

# HdrHistogram's hdr_value_at_percentile: the highest value equivalent to
# the one below which `percentile` percent of the samples fall (the lowest
# equivalent for percentile 0), in ns; 0 for an empty histogram.
cdef int64_t hdr_value_at_percentile(const hdr_hist* h, double percentile) noexcept nogil

# Redis's LATENCY HISTOGRAM buckets: HdrHistogram's logarithmic iteration
# (first bucket 1024 ns, base 2), as a flat list [usec, cumulative count,
# ...] holding only the steps where the cumulative count grew.
cdef list hdr_cdf_usec(const hdr_hist* h)
