# The RDB writer (persist/rdb_save.pyx): whole files, for SAVE and for the
# BGSAVE fork child, and single objects (DUMP, DEBUG OBJECT). What other
# extensions may cimport.
from libc.stdint cimport uint64_t

from rkvd._core.server cimport Engine

cpdef enum:
    # rdb_write_fd flags, from the server's config (Python sees them too)
    RDB_SAVE_COMPRESS = 1           # rdbcompression yes: LZF for strings over 20 bytes
    RDB_SAVE_CHECKSUM = 2           # rdbchecksum yes; else the trailer is 8 zero bytes
    RDB_SAVE_KEEP_LRU = 4           # IDLE before each key (LRU maxmemory policies)
    RDB_SAVE_KEEP_LFU = 8           # FREQ before each key (LFU maxmemory policies)
    RDB_SAVE_INCREMENTAL_FSYNC = 16  # rdb-save-incremental-fsync: write out every 4 MB (files)

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
