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
