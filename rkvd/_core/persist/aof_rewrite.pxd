# The AOF rewrite's command form (persist/aof_rewrite.pyx): the base file
# BGREWRITEAOF writes when aof-use-rdb-preamble is no. What other
# extensions (the fork child, persist/fork.pyx) may cimport.
#
# Python callers use: fork_aof_child(eng, "temp-rewriteaof-bg-%d.aof", flags,
# listen_fds) here, or fork_aof_rewrite_child in persist/fork (the same, with
# an optional rename), for BGREWRITEAOF: (pid, report_fd, fork_usec), the
# report read with fork.read_child_report; aof_rewrite_path(eng, path,
# flags) for the foreground rewrite (temp file, fsync, rename); and
# aof_rewrite_fd(eng, fd, flags) to write to an open fd (tests, benchmarks).
from libc.stdint cimport uint64_t

from rkvd._core.persist.rdb_save cimport RdbSaveStats
from rkvd._core.server cimport Engine

cpdef enum:
    # aof_rewrite_write_fd flags, from the server's config (Python sees them)
    AOF_REWRITE_TIMESTAMP = 1           # aof-timestamp-enabled: "#TS:<unix time>" first
    AOF_REWRITE_INCREMENTAL_FSYNC = 2   # aof-rewrite-incremental-fsync: write out every 4 MB
    # Elements per RPUSH / SADD / ZADD / HMSET (Redis's AOF_REWRITE_ITEMS_PER_CMD)
    AOF_REWRITE_ITEMS_PER_CMD = 64

# Write the commands that rebuild the whole keyspace to fd, from its current
# position, as redis-server 7.0.15's rewriteAppendOnlyFileRio writes them:
# with AOF_REWRITE_TIMESTAMP a "#TS:<time(NULL)>" line first, then (once
# functions exist) a FUNCTION LOAD per library, then for each non-empty
# database SELECT and, per key in table order, SET / RPUSH / SADD / ZADD /
# HMSET (batches of AOF_REWRITE_ITEMS_PER_CMD) followed by PEXPIREAT when
# the key has a TTL. Keys already expired are written (the loader drops
# them), as Redis does.
#
# fd is neither synced nor closed: the caller fsyncs, closes and renames.
# Returns 0 with *st filled (bytes written, keys written; st may be NULL),
# or -1 with errno set (EINVAL: a value type this writer does not know);
# after a failure the file's contents are undefined.
#
# Made for a fork child, like rdb_write_fd: pure C, no Python reference is
# touched and no Python object is created, the engine is only read (no
# rehash step, no expiry, no LRU update; compressed quicklist nodes are
# decompressed into the writer's own buffer, not in place), so the pages
# the child shares with the parent stay shared. No GIL needed, but nothing
# may change the keyspace while it runs (in the parent: hold the GIL).
cdef int aof_rewrite_write_fd(Engine eng, int fd, int flags, RdbSaveStats* st) noexcept nogil

# The keys the rewrite in progress has written so far: what the child
# reports once a second (Redis's "AOF rewrite" CURRENT_INFO, INFO
# current_save_keys_processed). Safe to read from a signal handler.
cdef uint64_t aof_rewrite_keys_progress() noexcept nogil
