# The RDB loader (persist/rdb_load.pyx): whole files, resumably, and single
# objects (RESTORE payloads). What other extensions may cimport.
cimport cython
from libc.stdint cimport uint32_t, uint64_t

from rkvd._core.server cimport Database, Engine


@cython.final
cdef class RdbLoader:
    # Loads an RDB file (or an in-memory copy of one) into eng's databases,
    # a slice at a time (step). The source stays mapped until the load ends
    # or fails.
    cdef Engine eng
    cdef int rdbflags
    cdef object owner               # the bytes object buf points into, or None
    cdef void* map                  # the file's mapping (munmap'd at the end), or NULL
    cdef size_t maplen
    cdef const unsigned char* buf
    cdef size_t len
    cdef size_t pos
    cdef uint64_t crc               # CRC64 of buf[0:crc_pos]
    cdef size_t crc_pos
    cdef int rdbver
    cdef bint started
    cdef bint done
    cdef int deep                   # deep payload checks (sanitize-dump-payload yes)
    cdef bint checksum              # verify the CRC64 trailer (rdbchecksum)
    cdef object failure             # the RdbError raised, raised again by step
    cdef Database db
    cdef long long now_ms           # expired keys are the ones before the load began
    cdef uint32_t lru_clock
    # per-key attributes set by opcodes before the key, reset after it
    cdef long long expiretime, lru_idle, lfu_freq
    cdef readonly dict aux
    cdef readonly long long keys_loaded, expired_skipped, empty_keys_skipped
    # with RDBFLAGS_FEED_REPL: (db id, key) of each key dropped as already
    # expired, in file order (the DELs a master's replication stream starts with)
    cdef readonly list expired_feed
    cdef long long expires_read     # keys read with an expire (the error report's count)
    cdef int last_type              # type of the last key read (the error report's)
    cdef readonly Py_ssize_t total_bytes
    cdef readonly Py_ssize_t rdb_end    # offset after the trailer once done, else -1
    cdef list dbs                   # where SELECTDB points: the engine's, or a replica's temp set
    cdef object functions_ctx       # where libraries go (None: the current ones)
    # fed mode (a replica's diskless load): buf is the malloc'd sbuf, whose
    # first byte is at offset base of the file; a record cut short by the
    # end of what arrived is read again once `want` bytes are buffered
    cdef bint is_fed
    cdef bint input_ended
    cdef unsigned char* sbuf
    cdef size_t cap
    cdef size_t base
    cdef size_t want
