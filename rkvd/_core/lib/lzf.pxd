# LZF compression, wire-compatible with the liblzf 3.6 bundled in Redis (the
# RDB "LZF string" encoding). The compressor makes the same choices as
# liblzf's default build (16-bit hash table, "very fast" mode), so strings
# compress to the same bytes and the same strings are found incompressible.
#
# Compressed stream: a sequence of
#     000LLLLL + L+1 bytes             literal run of 1..32 bytes
#     LLLooooo oooooooo                copy L+2 bytes (L = 1..6) from
#                                      o+1 bytes back (o < 8192)
#     111ooooo LLLLLLLL oooooooo       copy L+9 bytes from o+1 bytes back
# Copies may overlap the bytes they produce (run-length style).
#
# Both functions are thread-safe and never touch Python objects.

# Compress in[0:in_len] into out[0:out_len]. Returns the compressed length,
# or 0 when the result does not fit in out_len (the same cases in which
# liblzf gives up, so callers that ask for in_len - 4, as Redis's RDB writer
# does, store the same strings raw), when in_len or out_len is 0, or when
# the per-thread hash table (256 KB, kept for the thread's lifetime) cannot
# be allocated.
cdef unsigned int lzf_compress(const void* in_data, unsigned int in_len,
                               void* out_data, unsigned int out_len) noexcept nogil

# Decompress in[0:in_len] into out[0:out_len]. Returns the decompressed
# length, or 0 on error: output larger than out_len, truncated input, or a
# back reference before the start of the output. Never reads or writes
# outside the two buffers, whatever the input. (An empty result is also 0:
# callers compare the result with the length they expect.)
cdef unsigned int lzf_decompress(const void* in_data, unsigned int in_len,
                                 void* out_data, unsigned int out_len) noexcept nogil
