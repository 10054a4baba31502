# Limits and flags shared by the engine files (cdef enum, not DEF: Cython 3).

# The debug build's switch (includes/debug.h): checks under `if RKVD_DEBUG:`
# compile away in a normal build.
cdef extern from "includes/debug.h":
    const bint RKVD_DEBUG

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    struct timespec:
        time_t tv_sec
        long tv_nsec
    int clock_gettime(int clk, timespec* ts)
    enum:
        CLOCK_REALTIME
        CLOCK_MONOTONIC

cdef extern from "<stdio.h>" nogil:
    int snprintf(char* s, size_t n, const char* fmt, ...)

cdef extern from "<ctype.h>" nogil:
    int tolower(int c)
    int isspace(int c)
    int isxdigit(int c)

cdef enum:
    PROTO_INLINE_MAX_SIZE = 64 * 1024
    PROTO_MBULK_BIG_ARG = 32 * 1024
    PROTO_IOBUF_LEN = 16 * 1024
    PROTO_REPLY_MIN_BYTES = 1024       # the smallest an idle client's reply buffer gets
    PROTO_REPLY_CHUNK = 256 * 1024    # flush a growing reply mid-batch past this
    OBJ_SHARED_BULKHDR_LEN = 32
    EMBSTR_SIZE_LIMIT = 44
    LRU_CLOCK_MAX = (1 << 24) - 1
    LRU_CLOCK_RESOLUTION = 1000

# Redis's OBJ_* type numbers (kept in the entry meta)
cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_MODULE = 5
    OBJ_STREAM = 6

# request types
cdef enum:
    REQ_NONE = 0
    REQ_INLINE = 1
    REQ_MULTIBULK = 2

# client flags
cdef enum:
    CF_CLOSE_AFTER_REPLY = 1 << 0
    CF_CLOSE_ASAP = 1 << 1
    CF_REPLY_OFF = 1 << 2
    CF_REPLY_SKIP_NEXT = 1 << 3
    CF_REPLY_SKIP = 1 << 4
    CF_NO_EVICT = 1 << 5
    CF_READ_PAUSED = 1 << 6     # stopped reading: output not draining
    CF_CLOSED = 1 << 7
    CF_IN_BATCH = 1 << 8        # inside buffer_updated: replies are flushed at the end
    CF_PAUSED = 1 << 9          # CLIENT PAUSE holds this client's commands
    CF_NO_TOUCH = 1 << 10
    CF_BLOCKED = 1 << 11        # waiting in a blocking command (BLPOP ...)
    CF_DENY_BLOCKING = 1 << 12  # MULTI/EXEC or a script: blocking commands must not block
    CF_MULTI = 1 << 13          # between MULTI and EXEC: commands are queued
    CF_DIRTY_CAS = 1 << 14      # a WATCHed key was modified: EXEC fails
    CF_DIRTY_EXEC = 1 << 15     # a command was refused while queueing: EXEC aborts
    CF_WRITE_PENDING = 1 << 16  # queued for the engine's end-of-iteration flush
    CF_PUBSUB = 1 << 17         # subscribed to a channel, pattern or shard channel
    CF_MONITOR = 1 << 18        # in MONITOR mode (engine.monitors)
    # client-side caching (engine/tracking.pyx), Redis's CLIENT_TRACKING*
    CF_TRACKING = 1 << 19
    CF_TRACKING_BROKEN_REDIR = 1 << 20  # the redirection client is gone
    CF_TRACKING_BCAST = 1 << 21
    CF_TRACKING_OPTIN = 1 << 22
    CF_TRACKING_OPTOUT = 1 << 23
    CF_TRACKING_CACHING = 1 << 24       # CLIENT CACHING given for the next command
    CF_TRACKING_NOLOOP = 1 << 25
    CF_SCRIPT = 1 << 26         # the client scripts run their commands as (Redis's CLIENT_SCRIPT)
    CF_REPLICA = 1 << 27        # a replica attached by SYNC/PSYNC (Redis's CLIENT_SLAVE)
    # the link to this replica's master (Redis's CLIENT_MASTER): its commands
    # are obeyed (no READONLY, MASTERDOWN, LOADING or MISCONF refusal), run
    # without replies and see logically expired keys
    CF_MASTER = 1 << 28

# command flags (subset of Redis's CMD_*)
cdef enum:
    CMD_WRITE = 1 << 0
    CMD_READONLY = 1 << 1
    CMD_DENYOOM = 1 << 2
    CMD_ADMIN = 1 << 4
    CMD_PUBSUB = 1 << 5
    CMD_NOSCRIPT = 1 << 6
    CMD_BLOCKING = 1 << 8
    CMD_LOADING = 1 << 9
    CMD_STALE = 1 << 10
    CMD_SKIP_MONITOR = 1 << 11
    CMD_SKIP_SLOWLOG = 1 << 12
    CMD_FAST = 1 << 14
    CMD_NO_AUTH = 1 << 15
    CMD_MAY_REPLICATE = 1 << 16
    CMD_NO_MULTI = 1 << 20
    CMD_ALLOW_BUSY = 1 << 26

cdef inline long long ustime() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <long long>ts.tv_sec * 1000000 + ts.tv_nsec // 1000

cdef inline long long mstime() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000

cdef inline long long monotonic_us() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <long long>ts.tv_sec * 1000000 + ts.tv_nsec // 1000

# keyspace notification classes (Redis's NOTIFY_*)
cdef enum:
    NOTIFY_KEYSPACE = 1 << 0
    NOTIFY_KEYEVENT = 1 << 1
    NOTIFY_GENERIC = 1 << 2
    NOTIFY_STRING = 1 << 3
    NOTIFY_LIST = 1 << 4
    NOTIFY_SET = 1 << 5
    NOTIFY_HASH = 1 << 6
    NOTIFY_ZSET = 1 << 7
    NOTIFY_EXPIRED = 1 << 8
    NOTIFY_EVICTED = 1 << 9
    NOTIFY_STREAM = 1 << 10
    NOTIFY_KEY_MISS = 1 << 11
    NOTIFY_LOADED = 1 << 12
    NOTIFY_MODULE = 1 << 13
    NOTIFY_NEW = 1 << 14
