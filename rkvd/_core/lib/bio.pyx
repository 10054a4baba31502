# cython: language_level=3
# The lazy-free worker (see bio.pxd): a pthread with a FIFO of jobs behind a
# mutex and a condition variable. Two counters are what INFO reports:
# lazyfree_pending_objects (queued or running) and lazyfreed_objects (done
# since the last CONFIG RESETSTAT).
from rkvd._core.lib.mem cimport malloc, free

cdef extern from "<pthread.h>" nogil:
    ctypedef unsigned long pthread_t
    ctypedef struct pthread_mutex_t:
        pass
    ctypedef struct pthread_cond_t:
        pass
    ctypedef struct pthread_attr_t:
        pass
    int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*) noexcept nogil, void* arg)
    int pthread_detach(pthread_t t)
    int pthread_mutex_init(pthread_mutex_t* m, const void* attr)
    int pthread_mutex_lock(pthread_mutex_t* m)
    int pthread_mutex_unlock(pthread_mutex_t* m)
    int pthread_cond_init(pthread_cond_t* c, const void* attr)
    int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m)
    int pthread_cond_signal(pthread_cond_t* c)


ctypedef struct bio_job:
    bio_free_fn fn
    void* arg
    size_t count
    bio_job* next


cdef pthread_mutex_t g_lock
cdef pthread_cond_t g_cond
cdef bio_job* g_head = NULL
cdef bio_job* g_tail = NULL
cdef bint g_started = False
cdef bint g_failed = False
cdef unsigned long long g_pending = 0      # under g_lock
cdef unsigned long long g_freed = 0        # under g_lock
cdef void* g_back = NULL                    # handed back, under g_lock

pthread_mutex_init(&g_lock, NULL)
pthread_cond_init(&g_cond, NULL)


cdef void* _worker(void* unused) noexcept nogil:
    global g_head, g_tail, g_pending, g_freed
    cdef bio_job* job
    while True:
        pthread_mutex_lock(&g_lock)
        while g_head == NULL:
            pthread_cond_wait(&g_cond, &g_lock)
        job = g_head
        g_head = job.next
        if g_head == NULL:
            g_tail = NULL
        pthread_mutex_unlock(&g_lock)
        job.fn(job.arg)
        pthread_mutex_lock(&g_lock)
        g_pending -= job.count
        g_freed += job.count
        pthread_mutex_unlock(&g_lock)
        free(job)
    return NULL


cdef int _start() noexcept nogil:
    global g_started, g_failed
    cdef pthread_t t
    if pthread_create(&t, NULL, _worker, NULL) != 0:
        g_failed = True
        return -1
    pthread_detach(t)
    g_started = True
    return 0


cdef int bio_submit_free(bio_free_fn fn, void* arg) noexcept nogil:
    return bio_submit_free_n(fn, arg, 1)


cdef int bio_submit_free_n(bio_free_fn fn, void* arg, size_t count) noexcept nogil:
    global g_head, g_tail, g_pending
    cdef bio_job* job
    if g_failed or (not g_started and _start() < 0):
        return -1
    job = <bio_job*>malloc(sizeof(bio_job))
    if job == NULL:
        return -1
    job.fn = fn
    job.arg = arg
    job.count = count
    job.next = NULL
    pthread_mutex_lock(&g_lock)
    if g_tail == NULL:
        g_head = job
    else:
        g_tail.next = job
    g_tail = job
    g_pending += count
    pthread_cond_signal(&g_cond)
    pthread_mutex_unlock(&g_lock)
    return 0


cdef void bio_count_pending(size_t count) noexcept nogil:
    global g_pending
    pthread_mutex_lock(&g_lock)
    g_pending += count
    pthread_mutex_unlock(&g_lock)


cdef void bio_count_freed(size_t count) noexcept nogil:
    global g_pending, g_freed
    pthread_mutex_lock(&g_lock)
    g_pending -= count
    g_freed += count
    pthread_mutex_unlock(&g_lock)


cdef void bio_hand_back(void* head, void* tail) noexcept nogil:
    global g_back
    pthread_mutex_lock(&g_lock)
    (<void**>tail)[0] = g_back
    g_back = head
    pthread_mutex_unlock(&g_lock)


cdef void* bio_take_back() noexcept nogil:
    global g_back
    cdef void* items
    pthread_mutex_lock(&g_lock)
    items = g_back
    g_back = NULL
    pthread_mutex_unlock(&g_lock)
    return items


def lazyfree_stats():
    """(lazyfree_pending_objects, lazyfreed_objects)."""
    cdef unsigned long long pending, freed
    with nogil:
        pthread_mutex_lock(&g_lock)
        pending = g_pending
        freed = g_freed
        pthread_mutex_unlock(&g_lock)
    return pending, freed


def reset_lazyfree_stats():
    """CONFIG RESETSTAT: lazyfreed_objects back to 0."""
    global g_freed
    with nogil:
        pthread_mutex_lock(&g_lock)
        g_freed = 0
        pthread_mutex_unlock(&g_lock)
