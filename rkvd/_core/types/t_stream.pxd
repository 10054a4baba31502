# Streams (types/t_stream.pyx): the value object and its consumer groups,
# read and built by other extensions (the RDB codec, the AOF rewrite).
from rkvd._core.lib.rax cimport rax

ctypedef struct streamID:
    uint64_t ms
    uint64_t seq

# A pending entry, shared by the group's PEL and its consumer's PEL (both
# keyed by the 16-byte big-endian ID); the group's PEL owns it.
ctypedef struct streamNACK:
    int64_t delivery_time       # unix ms of the last delivery
    uint64_t delivery_count
    void* consumer              # borrowed StreamConsumer (NULL: not yet owned)


@cython.final
cdef class StreamConsumer:
    cdef readonly bytes name
    cdef rax* pel               # ID -> streamNACK* (borrowed from the group)
    cdef public long long seen_time


@cython.final
cdef class StreamGroup:
    cdef rax* pel               # ID -> streamNACK* (owned)
    cdef rax* consumers         # name -> StreamConsumer (one reference held)
    cdef streamID last_id
    cdef long long entries_read  # -1: unknown (SCG_INVALID_ENTRIES_READ)


@cython.final
cdef class StreamValue:
    # rax: 16-byte big-endian master ID -> listpack in Redis's stream-node
    # format (see the header of t_stream.pyx), owned.
    cdef rax* rax
    cdef uint64_t length
    cdef streamID last_id, first_id, max_deleted_entry_id
    cdef uint64_t entries_added
    cdef rax* cgroups           # name -> StreamGroup (one reference held), NULL until the first
    # Loaded from a payload whose nodes are not valid stream listpacks
    # (sanitize-dump-payload no): touching it is Redis's assertion failure.
    cdef bint corrupt
    # The node XADD last started, with room for `prealloc` bytes (MEMORY
    # USAGE counts that room as Redis's allocator does); prealloc 0: none.
    cdef streamID prealloc_node
    cdef size_t prealloc


# A new empty stream. Raises MemoryError.
cdef StreamValue stream_create()

# Big-endian 16-byte key of id into buf / back.
cdef void stream_encode_id(unsigned char* buf, const streamID* id) noexcept nogil
cdef void stream_decode_id(const unsigned char* buf, streamID* id) noexcept nogil

# Add a consumer group (None when the name exists).
cdef StreamGroup stream_create_cg(StreamValue s, bytes name, streamID* id, long long entries_read)

# A new consumer in g (None when it exists); seen_time is set to now.
cdef StreamConsumer stream_group_add_consumer(StreamGroup g, bytes name, long long now)

# Add a pending entry to g's PEL (and to consumer's when not None); the NACK
# is allocated here. -1 on OOM or when the ID is already pending.
cdef int stream_group_add_nack(StreamGroup g, StreamConsumer consumer, const unsigned char* key,
                               int64_t delivery_time, uint64_t delivery_count) except -1

# The first (first=True) or last entry's ID into *edge: 0-0 / max ID when
# the stream has none; skip_tombstones as Redis's streamGetEdgeID.
cdef void stream_edge_id(StreamValue s, bint first, bint skip_tombstones, streamID* edge) noexcept

# Redis's streamEstimateDistanceFromFirstEverEntry: entries-read of a group
# whose last ID is id, or -1 when it cannot be told.
cdef long long stream_estimate_distance(StreamValue s, streamID* id) noexcept

# A stream loaded corrupt is touched: log Redis's assertion failure and exit
# (status 1 with use-exit-on-panic, else abort()), never walking its nodes.
cdef int stream_corrupt_panic(Engine eng) except -1
