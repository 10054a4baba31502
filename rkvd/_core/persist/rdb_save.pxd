# The RDB writer (persist/rdb_save.pyx): whole files, for SAVE and for the
# BGSAVE fork child, and single objects (DUMP, DEBUG OBJECT). What other
# extensions may cimport.
from libc.stdint cimport uint64_t

from rkvd._core.lib.dict cimport dict as kvdict, dictEntry
from rkvd._core.server cimport Engine

cpdef enum:
    # rdb_write_fd flags, from the server's config (Python sees them too)
    RDB_SAVE_COMPRESS = 1           # rdbcompression yes: LZF for strings over 20 bytes
    RDB_SAVE_CHECKSUM = 2           # rdbchecksum yes; else the trailer is 8 zero bytes
    RDB_SAVE_KEEP_LRU = 4           # IDLE before each key (LRU maxmemory policies)
    RDB_SAVE_KEEP_LFU = 8           # FREQ before each key (LFU maxmemory policies)
    RDB_SAVE_INCREMENTAL_FSYNC = 16  # rdb-save-incremental-fsync: write out every 4 MB (files)
    RDB_SAVE_NO_DATA = 32           # no database (REPLCONF rdb-filter-only): AUX and functions only

ctypedef struct RdbSaveStats:
    uint64_t bytes_written          # the whole file, trailer included
    uint64_t keys_written

# Write a complete RDB v10 file to fd, from its current position: the magic,
# aux[0:auxlen] (AUX records as rdb_aux_blob encodes them), every non-empty
# database (SELECTDB, RESIZEDB, its keys with their EXPIRETIME_MS and, by
# flags, IDLE or FREQ), EOF and the CRC64 trailer. fd is neither synced nor
# closed: the caller fsyncs, closes and renames. Returns 0 with *st filled
# (st may be NULL), or -1 with errno set (st then holds what was written so
# far); after a failure the file's contents are undefined.
#
# Made for a fork child: pure C, no Python reference is read-modify-written
# and no Python object is created, so the pages the child shares with the
# parent stay shared. It only reads the engine (no rehash step, no expiry,
# no LRU update) and needs no GIL, but nothing may change the keyspace
# while it runs (in the parent it must run with the GIL held).
cdef int rdb_write_fd(Engine eng, int fd, int flags, const unsigned char* aux, size_t auxlen,
                      RdbSaveStats* st) noexcept nogil


# ---------------------------------------------------------------- the sink --
# The buffered output the file writers share (the AOF rewrite, persist/
# aof_rewrite.pyx, writes its commands through it too). C only, no GIL.

ctypedef struct Out:
    int fd                  # the file, or -1: a growing memory block
    unsigned char* buf      # buffered bytes: buf[0:len], room for cap
    size_t len
    size_t cap
    int flags               # RDB_SAVE_CHECKSUM: crc covers what reaches fd
    uint64_t crc
    uint64_t total          # bytes produced, buffered ones included
    # incremental writeout (regular files only): file offsets of the
    # writeout last started and of the bytes written so far
    bint autosync
    long long base          # the file offset where this writer began
    uint64_t on_disk        # bytes handed to write()
    uint64_t sync_from      # on_disk when the last writeout was started
    uint64_t prev_from, prev_len    # the writeout started before that
    unsigned char* scratch  # decompression / LZF room, grown on demand
    size_t scratch_cap

# Set o up for fd (>= 0: a 128 KB buffer in front of the file; < 0: memory).
# 0, or -1 with errno ENOMEM. out_release frees what it holds either way.
cdef int out_init(Out* o, int fd, int flags) noexcept nogil
cdef void out_release(Out* o) noexcept nogil
# Start and wait for the file's writeout every 4 MB (Redis's rio autosync,
# the *-incremental-fsync settings) when fd is a regular file.
cdef void out_autosync_on(Out* o) noexcept nogil
# Append p[0:n] (writes through when the buffer is full); 0 or -1 with errno.
cdef int out_write(Out* o, const void* p, size_t n) noexcept nogil
# Hand the buffered bytes to write(); 0 or -1 with errno.
cdef int out_flush(Out* o) noexcept nogil
# o.scratch with room for at least n bytes (grown with the allocator
# out_release frees it with), or NULL with errno ENOMEM. Its contents are
# not kept across a growth.
cdef unsigned char* out_scratch(Out* o, size_t n) noexcept nogil

# Read-only table access for the fork child (lib/dict's lookup and iterator
# may take a rehash step, which writes): the entry for key or NULL; and fn
# on every entry, first table then second, bucket by bucket, stopping at
# the first nonzero return (passed on).
ctypedef int (*entry_fn)(Out* o, void* ctx, dictEntry* e) noexcept nogil
cdef dictEntry* table_find(kvdict* d, const char* key, size_t klen) noexcept nogil
cdef int table_walk(kvdict* d, entry_fn fn, Out* o, void* ctx) noexcept nogil

# rdb-key-save-delay: sleep after a key as configured (a no-op when unset);
# the AOF rewrite honours it too, as Redis's does.
cdef void delay_key() noexcept nogil

# The keys the file write in progress (rdb_write_fd) has written so far:
# what a BGSAVE child reports as it goes (INFO current_save_keys_processed).
# Safe to read from a signal handler.
cdef uint64_t rdb_keys_progress() noexcept nogil

# DUMP's payload for entry e (the RDB object, the RDB version, a CRC64), as
# DUMP and MIGRATE send it; flags: only RDB_SAVE_COMPRESS matters. Reads the
# entry only (no expiry, no stats). Raises MemoryError, or ValueError for a
# value of a type the writer does not know.
cdef bytes dump_payload(dictEntry* e, int flags)
