# Background jobs (Redis's bio.c, the lazy-free queue): one native thread
# runs C functions that free memory, without the GIL, so a big value goes
# away while the engine serves the next command.

# A job: fn(arg), run on the worker thread with no GIL held. fn must touch
# nothing but the memory `arg` owns (the allocator's RAW domain is safe to
# use from any thread).
ctypedef void (*bio_free_fn)(void* arg) noexcept nogil

# Queue fn(arg) for the worker (started on first use). Returns 0, or -1
# when the job could not be queued (no thread, no memory): the caller then
# runs fn(arg) itself.
cdef int bio_submit_free(bio_free_fn fn, void* arg) noexcept nogil
# The same for a job that frees `count` objects as INFO counts them
# (lazyfree_pending_objects until it ends, then lazyfreed_objects): a
# flushed database counts its keys; 0 for a job INFO does not see.
cdef int bio_submit_free_n(bio_free_fn fn, void* arg, size_t count) noexcept nogil

# Items a job cannot free itself (they need the GIL) go back to the engine's
# thread: a singly linked list through each item's first word, head to tail
# (tail's link is overwritten). bio_take_back, on the engine's thread, takes
# every item handed back so far (NULL when none), in no particular order.
cdef void bio_hand_back(void* head, void* tail) noexcept nogil
cdef void* bio_take_back() noexcept nogil

# Objects the engine's thread frees itself, a slice per cron tick (Python
# objects, Lua references: they need the GIL or the Lua state), counted as
# the worker's jobs are: bio_count_pending when they are set aside,
# bio_count_freed as each slice goes.
cdef void bio_count_pending(size_t count) noexcept nogil
cdef void bio_count_freed(size_t count) noexcept nogil
