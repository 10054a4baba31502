# A database (engine/db.pyx): the keyspace and expires tables (lib/dict)
# and the per-key blocking and WATCH maps. dictEntry pointers returned by
# lookups are borrowed from the table: valid until the next write to this
# database (an insert may rehash, a delete frees the entry), so never keep
# one across a call that may write or expire keys.


@cython.final
cdef class Database:
    cdef kvdict* keys
    cdef kvdict* expires
    cdef readonly int id
    cdef public long long avg_ttl
    cdef uint64_t expires_cursor
    cdef Engine engine
    cdef public dict blocking      # key -> [Client] waiting on it, oldest first
    cdef public dict watched_keys  # key -> [Client] that WATCH it

    # The absolute unix-ms expire time of a key's entry, or -1 if none.
    cdef inline long long get_expire(self, dictEntry* e) noexcept

    # Set the expire time of an existing key (absolute unix ms). Returns 1,
    # or 0 when the key does not exist.
    cdef int set_expire(self, const char* key, size_t klen, long long when) except -1

    # Drop the expire of a key's entry (PERSIST): 1 if it had one, else 0.
    cdef inline int remove_expire_entry(self, dictEntry* e) noexcept

    # Delete the key if its time has passed. Returns 1 if it was expired.
    # On a replica: 0 for the master's own commands, and 1 without deleting
    # it unless force (a write's lookup) for anyone else's.
    cdef int expire_if_needed(self, dictEntry* e, bint force=*) except -1

    # An expired key goes: stats, event, WATCH invalidation, propagation.
    cdef int delete_expired(self, bytes key) except -1

    # Lookup for reading: lazy expiry, hit/miss stats, LRU touch.
    cdef inline dictEntry* lookup_read(self, const char* key, size_t klen) except? NULL

    # Lookup for writing: lazy expiry only.
    cdef inline dictEntry* lookup_write(self, const char* key, size_t klen) except? NULL

    # Like lookup_write but returns the link to the entry (for replacement).
    cdef inline dictEntry** lookup_write_link(self, const char* key, size_t klen) except? NULL

    # Lookup without side effects (no expiry, no stats): for TYPE-less checks.
    cdef inline dictEntry* peek(self, const char* key, size_t klen) noexcept

    # A key was created: the "new" keyspace event (class n), as Redis's dbAdd.
    cdef inline int _notify_new(self, const char* key, size_t klen) except -1

    # Delete a key and its expire, freeing the entry (entry pointers to it
    # dangle from here). Returns 1 if it existed, 0 if not; no events,
    # stats or propagation (the caller's).
    # lazy: 1, a big value's memory is freed by the lazy-free thread
    # (engine/lazyfree.pyx); 0, at once; -1 (the default, Redis's dbDelete
    # for implicit deletes): as lazyfree-lazy-server-del says.
    cdef int delete_key(self, const char* key, size_t klen, int lazy=*) except -1

    # The entry's object value is about to be replaced (Redis's
    # dbOverwrite): under lazyfree-lazy-server-del a big one's payload goes
    # to the lazy-free thread first. The caller still drops the reference.
    cdef int _overwrite_lazy(self, dictEntry* e) except -1

    # Store a string value, replacing whatever the key held. `try_int`: use
    # the int encoding when the text is a canonical 64-bit integer (Redis's
    # tryObjectEncoding); otherwise embstr up to 44 bytes, raw beyond.
    # keepttl: keep an existing TTL. Returns the entry.
    cdef dictEntry* set_string(self, const char* key, size_t klen, const char* val, Py_ssize_t vlen,
                               bint try_int, bint keepttl) except NULL

    # set_string's embstr case.
    cdef dictEntry* _set_inline(self, const char* key, size_t klen, const char* val, Py_ssize_t vlen,
                                bint keepttl) except NULL
    # Called before a value is replaced in place (signals a stream's waiters).
    cdef int _overwriting(self, dictEntry* e, const char* key, size_t klen) except -1
    # The entry behind link, about to take a new value: while a fork child
    # runs, moved to a new block with room for `extra` inline bytes
    # (dict_renew_entry) so the child's pages stay shared.
    cdef dictEntry* _overwritten(self, dictEntry** link, size_t extra) except NULL

    # Store an int-encoded string, replacing the value; keepttl as in
    # set_string. Returns the entry.
    cdef dictEntry* set_int(self, const char* key, size_t klen, long long v, bint keepttl) except NULL

    # Store an object value (collections, raw strings as bytearray).
    cdef dictEntry* set_obj(self, const char* key, size_t klen, int typ, object obj, bint keepttl) except NULL

    # Copy of an entry's value, fit to be stored elsewhere (COPY, MOVE).
    cdef object dup_value(self, dictEntry* e)

    # Store a value produced by dup_value under key in this db.
    cdef dictEntry* store_dup(self, const char* key, size_t klen, int typ, object v) except NULL

    # Empty both tables (FLUSHDB); returns the number of keys removed.
    # lazy: the old tables and values are freed by the lazy-free thread
    # (lazyfree_db, Redis's emptyDbAsync).
    cdef uint64_t flush(self, bint lazy=*) except? 0

    # Trade keys, expires and their statistics with other (SWAPDB, a
    # replica's swapdb load); the clients' state (blocked, watching) stays.
    cdef void swap_contents(self, Database other) noexcept

    # One pass of sampling: look at up to `num` volatile keys from the scan
    # cursor, delete the expired ones. Returns (sampled, expired).
    cdef int active_expire_step(self, int num, long long now, int* expired_out, long long* ttl_sum,
                                int* ttl_samples) except -1
