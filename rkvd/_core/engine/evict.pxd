# maxmemory and eviction (engine/evict.pyx): Redis's evict.c model.

# One candidate in the eviction pool: the best keys to evict seen so far
# across samples, ascending by score (idle time, inverted frequency or
# inverted expire time), the best at the right end.
ctypedef struct EvictionPoolEntry:
    unsigned long long idle
    char* key               # `cached` or a malloc'd copy; NULL: free slot
    char* cached            # this slot's buffer for short keys (moves with the entry)
    size_t klen
    int dbid

# performEvictions: evict keys until used memory (without what is not
# counted for eviction) is back under maxmemory, within the tenacity time
# limit (then the rest continues from the event loop). Returns EVICT_OK,
# EVICT_RUNNING (still over, the background job goes on) or EVICT_FAIL
# (over, and nothing can be evicted or the policy forbids it).
cdef int perform_evictions(Engine e) except -1

# Bytes the eviction ignores: the stream fed for the AOF and replicas and
# not yet taken, and what the replicas' output buffers hold (Redis's
# freeMemoryGetNotCountedMemory). Calls e.repl_output_mem_fn when set.
cdef long long mem_not_counted_for_evict(Engine e) noexcept

# The keyspace tables' dict_expand_allowed_fn (Redis's dictExpandAllowed):
# below a load of 1.618 a table does not grow its buckets when they would
# put used memory over maxmemory.
cdef int db_expand_allowed(size_t more_mem, double used_ratio) noexcept nogil
