# ------------------------------------------------------------ LRU / LFU metadata
# The low 24 bits of the entry meta hold Redis's robj->lru: the LRU clock, or
# with an LFU policy 16 bits of minutes plus an 8-bit logarithmic counter.

cdef extern from "<stdlib.h>" nogil:
    int rand()
    enum: RAND_MAX

cdef enum:
    LFU_INIT_VAL = 5

cdef inline uint32_t lfu_minutes(Engine eng) noexcept:
    return <uint32_t>((eng.cached_ms // 60000) & 0xFFFF)

cdef inline uint32_t lfu_elapsed(Engine eng, uint32_t ldt) noexcept:
    cdef uint32_t now = lfu_minutes(eng)
    if now >= ldt:
        return now - ldt
    return 65535 - ldt + now

cdef inline uint32_t lfu_decr_and_return(Engine eng, uint32_t meta) noexcept:
    cdef uint32_t ldt = (meta & META_LRU_MASK) >> 8
    cdef uint32_t counter = meta & 0xFF
    cdef uint32_t periods = lfu_elapsed(eng, ldt) // eng.lfu_decay_time if eng.lfu_decay_time else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter

cdef inline uint32_t lfu_log_incr(Engine eng, uint32_t counter) noexcept:
    cdef double r, p
    cdef double base
    if counter == 255:
        return 255
    r = <double>rand() / RAND_MAX
    base = <double>counter - LFU_INIT_VAL
    if base < 0:
        base = 0
    p = 1.0 / (base * eng.lfu_log_factor + 1)
    if r < p:
        counter += 1
    return counter

cdef inline void touch_entry(Engine eng, dictEntry* e) noexcept:
    cdef uint32_t counter
    if eng.child_active:
        return
    if eng.lfu_mode:
        counter = lfu_log_incr(eng, lfu_decr_and_return(eng, e.meta))
        e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | (lfu_minutes(eng) << 8) | counter
    else:
        e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | eng.lruclock

cdef inline void init_entry_lru(Engine eng, dictEntry* e) noexcept:
    if eng.lfu_mode:
        e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | (lfu_minutes(eng) << 8) | LFU_INIT_VAL
    else:
        e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | eng.lruclock


# A numbered database: the keyspace table plus the expires table (key -> unix
# ms in v.ival), lazy expiry on lookup and the active expire cycle's step.

@cython.final
@cython.no_gc_clear
cdef class Database:
    # fields and cdef method signatures: db.pxd

    def __cinit__(self, Engine engine, int id):
        self.engine = engine
        self.id = id
        self.keys = dict_create()
        self.expires = dict_create()
        self.keys.expand_allowed = db_expand_allowed
        self.expires.expand_allowed = db_expand_allowed
        self.blocking = {}
        self.watched_keys = {}

    def __dealloc__(self):
        if self.keys != NULL:
            dict_release(self.keys)
        if self.expires != NULL:
            dict_release(self.expires)

    # ------------------------------------------------------------ expiry

    cdef inline long long get_expire(self, dictEntry* e) noexcept:
        cdef dictEntry* x
        if not (e.meta & META_HAS_EXPIRE):
            return -1
        x = dict_find(self.expires, ENTRY_KEY(e), e.klen)
        return x.v.ival if x != NULL else -1

    cdef int set_expire(self, const char* key, size_t klen, long long when) except -1:
        cdef dictEntry* e = dict_find(self.keys, key, klen)
        cdef dictEntry* x
        if e == NULL:
            return 0
        x = dict_find(self.expires, key, klen)
        if x == NULL:
            x = dict_add_new(self.expires, key, klen, 0)
            if x == NULL:
                raise MemoryError()
            entry_set_kind(x, 0, VK_INT)
        x.v.ival = when
        e.meta |= META_HAS_EXPIRE
        if self.engine.is_replica and not self.engine.master_running and not self.engine.loading:
            # only a writable replica's own clients get here (Redis's
            # rememberSlaveKeyWithExpire): the master will never expire it
            k = PyBytes_FromStringAndSize(key, klen)
            self.engine.replica_expires[k] = self.engine.replica_expires.get(k, 0) | (1 << self.id)
        return 1

    cdef inline int remove_expire_entry(self, dictEntry* e) noexcept:
        if e.meta & META_HAS_EXPIRE:
            dict_delete(self.expires, ENTRY_KEY(e), e.klen)
            e.meta &= ~<uint32_t>META_HAS_EXPIRE
            return 1
        return 0

    # Delete the key if its time has passed. Returns 1 if it was expired.
    # On a replica the master decides (Redis's expireIfNeeded): its own
    # commands see the key until its DEL arrives; anyone else's see it
    # expired, and it is deleted only for a write (force: a writable
    # replica behaves as a master would for it).
    cdef int expire_if_needed(self, dictEntry* e, bint force=False) except -1:
        cdef long long when = self.get_expire(e)
        cdef Engine eng = self.engine
        if when < 0 or when > eng.cached_ms:
            return 0
        if eng.loading:
            return 0
        if eng.is_replica:
            if eng.master_running:
                return 0
            if not force:
                return 1
        key = PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen)
        self.delete_expired(key)
        return 1

    # An expired key goes: stats, event, WATCH invalidation, propagation.
    cdef int delete_expired(self, bytes key) except -1:
        cdef Engine eng = self.engine
        self.delete_key(key, len(key), eng.lazyfree_lazy_expire)
        eng.stat_expiredkeys += 1
        eng.notify_keyspace_event(NOTIFY_EXPIRED, b"expired", key, self.id)
        if eng.nwatched:
            touch_watched_key(self, key)
        if eng.tracking_clients:
            tracking_invalidate_key(eng, key, None, True)
        eng.propagate_del(self.id, key)
        return 0

    # ------------------------------------------------------------ lookups

    # Lookup for reading: lazy expiry, hit/miss stats, LRU touch.
    cdef inline dictEntry* lookup_read(self, const char* key, size_t klen) except? NULL:
        cdef dictEntry* e = dict_find(self.keys, key, klen)
        cdef Engine eng = self.engine
        if e != NULL and (e.meta & META_HAS_EXPIRE) and self.expire_if_needed(e):
            e = NULL
        if e == NULL:
            eng.stat_keyspace_misses += 1
            if eng.notify_flags & NOTIFY_KEY_MISS:
                eng.notify_keyspace_event(NOTIFY_KEY_MISS, b"keymiss", PyBytes_FromStringAndSize(key, klen), self.id)
            return NULL
        eng.stat_keyspace_hits += 1
        touch_entry(eng, e)
        return e

    # Lookup for writing: lazy expiry only.
    cdef inline dictEntry* lookup_write(self, const char* key, size_t klen) except? NULL:
        cdef dictEntry* e = dict_find(self.keys, key, klen)
        if e != NULL and (e.meta & META_HAS_EXPIRE) and self.expire_if_needed(e, True):
            return NULL
        if e != NULL:
            touch_entry(self.engine, e)
        return e

    # Like lookup_write but returns the link to the entry (for replacement).
    cdef inline dictEntry** lookup_write_link(self, const char* key, size_t klen) except? NULL:
        cdef dictEntry** link = dict_find_link(self.keys, key, klen)
        if link != NULL and (link[0].meta & META_HAS_EXPIRE) and self.expire_if_needed(link[0], True):
            return NULL
        return link

    # Lookup without side effects (no expiry, no stats): for TYPE-less checks.
    cdef inline dictEntry* peek(self, const char* key, size_t klen) noexcept:
        return dict_find(self.keys, key, klen)

    # ------------------------------------------------------------ writes

    # Redis's dbAdd: a key is created ("new", class n).
    cdef inline int _notify_new(self, const char* key, size_t klen) except -1:
        if self.engine.notify_flags & NOTIFY_NEW:
            self.engine.notify_keyspace_event(NOTIFY_NEW, b"new", PyBytes_FromStringAndSize(key, klen), self.id)
        return 0

    cdef int delete_key(self, const char* key, size_t klen, int lazy=-1) except -1:
        cdef dictEntry** link = dict_find_link(self.keys, key, klen)
        cdef dictEntry* e
        cdef object value
        if link == NULL:
            return 0
        if lazy < 0:
            lazy = self.engine.lazyfree_lazy_server_del
        e = link[0]
        # XREADGROUP clients blocked on a deleted stream end with an error
        if entry_type(e) == OBJ_STREAM:
            signal_key_as_ready(self, key, klen)
        if e.meta & META_HAS_EXPIRE:
            dict_delete(self.expires, key, klen)
        e = dict_unlink_at(self.keys, link)
        if lazy and entry_vk(e) == VK_OBJ:
            value = <object>e.v.obj
            lazyfree_value(entry_type(e), value, 1)
            value = None
        dict_free_entry(e)
        if RKVD_DEBUG:
            # the expires table holds live keys only (META_HAS_EXPIRE says which)
            assert dict_find(self.expires, key, klen) == NULL, "an expire outlived its key"
        return 1

    # Store a string value, replacing whatever the key held. `try_int`: use
    # the int encoding when the text is a canonical 64-bit integer (Redis's
    # tryObjectEncoding); otherwise embstr up to 44 bytes, raw beyond.
    # keepttl: keep an existing TTL. Returns the entry.
    cdef dictEntry* set_string(self, const char* key, size_t klen, const char* val,
                               Py_ssize_t vlen, bint try_int, bint keepttl) except NULL:
        cdef long long ll
        if try_int and vlen <= 20 and string2ll(val, vlen, &ll):
            return self.set_int(key, klen, ll, keepttl)
        if vlen <= EMBSTR_SIZE_LIMIT:
            return self._set_inline(key, klen, val, vlen, keepttl)
        return self.set_obj(key, klen, OBJ_STRING, PyByteArray_FromStringAndSize(val, vlen), keepttl)

    cdef int _overwrite_lazy(self, dictEntry* e) except -1:
        cdef object old
        if entry_vk(e) == VK_OBJ and self.engine.lazyfree_lazy_server_del:
            old = <object>e.v.obj
            lazyfree_value(entry_type(e), old, 1)
        return 0

    # Before a value is replaced in place (Redis's dbSetValue): clients in
    # XREADGROUP BLOCK on a stream being overwritten end with an error.
    cdef int _overwriting(self, dictEntry* e, const char* key, size_t klen) except -1:
        if entry_type(e) == OBJ_STREAM:
            signal_key_as_ready(self, key, klen)
        return 0

    cdef dictEntry* _overwritten(self, dictEntry** link, size_t extra) except NULL:
        cdef dictEntry* e = link[0]
        if not self.engine.child_active:
            return e
        # the child's copy keeps the old block (dict_renew_entry)
        e = dict_renew_entry(self.keys, link, extra)
        if e == NULL:
            raise MemoryError()
        if entry_vk(e) == VK_INLINE:
            e.v.vlen = extra
        return e

    cdef dictEntry* _set_inline(self, const char* key, size_t klen, const char* val,
                                Py_ssize_t vlen, bint keepttl) except NULL:
        cdef dictEntry** link = self.lookup_write_link(key, klen)
        cdef dictEntry* e
        if link == NULL:
            e = dict_add_new(self.keys, key, klen, vlen)
            if e == NULL:
                raise MemoryError()
            init_entry_lru(self.engine, e)
            self._notify_new(key, klen)
        else:
            e = link[0]
            self._overwriting(e, key, klen)
            e = self._overwritten(link, vlen)
            if entry_vk(e) == VK_OBJ:
                self._overwrite_lazy(e)
                Py_XDECREF(e.v.obj)
                e.v.obj = NULL
            if not keepttl:
                self.remove_expire_entry(e)
            if entry_vk(e) != VK_INLINE or e.v.vlen != <uint64_t>vlen:
                e = dict_resize_entry(link, vlen)
                if e == NULL:
                    raise MemoryError()
        entry_set_kind(e, OBJ_STRING, VK_INLINE)
        e.v.vlen = vlen
        memcpy(ENTRY_VAL(e), val, vlen)
        if not self.engine.lfu_mode:
            e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | self.engine.lruclock
        return e

    cdef dictEntry* set_int(self, const char* key, size_t klen, long long v, bint keepttl) except NULL:
        cdef dictEntry** link = self.lookup_write_link(key, klen)
        cdef dictEntry* e
        if link == NULL:
            e = dict_add_new(self.keys, key, klen, 0)
            if e == NULL:
                raise MemoryError()
            self._notify_new(key, klen)
            init_entry_lru(self.engine, e)
        else:
            e = link[0]
            self._overwriting(e, key, klen)
            e = self._overwritten(link, 0)
            if entry_vk(e) == VK_OBJ:
                self._overwrite_lazy(e)
                Py_XDECREF(e.v.obj)
                e.v.obj = NULL
            if not keepttl:
                self.remove_expire_entry(e)
            if entry_vk(e) == VK_INLINE and e.v.vlen != 0:
                e = dict_resize_entry(link, 0)
                if e == NULL:
                    raise MemoryError()
        entry_set_kind(e, OBJ_STRING, VK_INT)
        e.v.ival = v
        if not self.engine.lfu_mode:
            e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | self.engine.lruclock
        return e

    # Store an object value (collections, raw strings as bytearray).
    cdef dictEntry* set_obj(self, const char* key, size_t klen, int typ, object obj, bint keepttl) except NULL:
        cdef dictEntry** link = self.lookup_write_link(key, klen)
        cdef dictEntry* e
        if link == NULL:
            e = dict_add_new(self.keys, key, klen, 0)
            if e == NULL:
                raise MemoryError()
            self._notify_new(key, klen)
            entry_set_kind(e, typ, VK_INLINE)
            init_entry_lru(self.engine, e)
            # like Redis's dbAdd: a new key of a type clients block on
            if typ == OBJ_LIST or typ == OBJ_ZSET or typ == OBJ_STREAM:
                signal_key_as_ready(self, key, klen)
        else:
            e = link[0]
            self._overwriting(e, key, klen)
            e = self._overwritten(link, 0)
            if not keepttl:
                self.remove_expire_entry(e)
            if entry_vk(e) == VK_INLINE and e.v.vlen != 0:
                e = dict_resize_entry(link, 0)
                if e == NULL:
                    raise MemoryError()
                e.v.vlen = 0
            elif entry_vk(e) == VK_INT:
                entry_set_kind(e, typ, VK_INLINE)
                e.v.vlen = 0
            elif e.v.obj != <PyObject*>obj:
                self._overwrite_lazy(e)
        entry_set_obj(e, obj)
        entry_set_kind(e, typ, VK_OBJ)
        if not self.engine.lfu_mode:
            e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | self.engine.lruclock
        return e

    # Copy of an entry's value, fit to be stored elsewhere (COPY, MOVE).
    cdef object dup_value(self, dictEntry* e):
        cdef int vk = entry_vk(e)
        if vk == VK_INLINE:
            return PyBytes_FromStringAndSize(ENTRY_VAL(e), e.v.vlen)
        if vk == VK_INT:
            return e.v.ival
        obj = <object>e.v.obj
        if type(obj) is bytearray:
            return bytearray(obj)
        return obj.copy()

    # Store a value produced by dup_value under key in this db.
    cdef dictEntry* store_dup(self, const char* key, size_t klen, int typ, object v) except NULL:
        if type(v) is bytes:
            return self._set_inline(key, klen, PyBytes_AS_STRING(v), PyBytes_GET_SIZE(v), False)
        if type(v) is int:
            return self.set_int(key, klen, v, False)
        return self.set_obj(key, klen, typ, v, False)

    cdef uint64_t flush(self, bint lazy=False) except? 0:
        cdef uint64_t n = dict_size(self.keys)
        if lazy and n:
            return lazyfree_db(self)
        dict_empty(self.keys)
        dict_empty(self.expires)
        self.avg_ttl = 0
        self.expires_cursor = 0
        return n

    # ------------------------------------------------------------ active expire

    # One pass of sampling: look at up to `num` volatile keys from the scan
    # cursor, delete the expired ones. Returns (sampled, expired).
    cdef int active_expire_step(self, int num, long long now, int* expired_out, long long* ttl_sum,
                                int* ttl_samples) except -1:
        cdef _ExpireScan st
        cdef int buckets = 0
        cdef int i
        cdef int max_buckets = num * 20
        st.n = 0
        while st.n < num and buckets < max_buckets:
            self.expires_cursor = dict_scan(self.expires, self.expires_cursor, _collect_expire, &st)
            buckets += 1
            if self.expires_cursor == 0:
                break
        for i in range(st.n):
            if st.when[i] <= now:
                key = PyBytes_FromStringAndSize(st.keys[i], st.klens[i])
                free(st.keys[i])
                e = dict_find(self.keys, key, len(key))
                if e != NULL:
                    self.delete_expired(key)
                else:
                    dict_delete(self.expires, key, len(key))
                expired_out[0] += 1
            else:
                free(st.keys[i])
                ttl_sum[0] += st.when[i] - now
                ttl_samples[0] += 1
        return st.n

    def __len__(self):
        return dict_size(self.keys)

    cdef void swap_contents(self, Database other) noexcept:
        self.keys, other.keys = other.keys, self.keys
        self.expires, other.expires = other.expires, self.expires
        self.avg_ttl, other.avg_ttl = other.avg_ttl, self.avg_ttl
        self.expires_cursor = other.expires_cursor = 0

    def empty(self, bint lazy=False):
        """Free every key (a replica's set-aside databases; lazy: on the
        lazy-free thread); returns how many."""
        return self.flush(lazy)

    property expires_count:
        def __get__(self):
            return dict_size(self.expires)

    property table_info:
        def __get__(self):
            return (self.keys.ht[0].size, self.keys.ht[1].size, self.expires.ht[0].size, self.expires.ht[1].size)


ctypedef struct _ExpireScan:
    int n
    char* keys[64]
    size_t klens[64]
    long long when[64]

cdef void _collect_expire(void* priv, dictEntry* e) noexcept:
    cdef _ExpireScan* st = <_ExpireScan*>priv
    cdef char* k
    if st.n >= 64:
        return
    k = <char*>malloc(e.klen + 1)
    if k == NULL:
        return
    memcpy(k, ENTRY_KEY(e), e.klen)
    st.keys[st.n] = k
    st.klens[st.n] = e.klen
    st.when[st.n] = e.v.ival
    st.n += 1


# Python-level access for loaders and in-process tests (the DEBUG and MEMORY
# introspection lives in rkvd/_core/introspect.pyx): not hot.
def db_delete(Database db, bytes key):
    return db.delete_key(key, len(key), 0)


def db_set_string(Database db, bytes key, bytes value, bint keepttl=False):
    db.set_string(key, len(key), value, len(value), True, keepttl)


def db_set_object(Database db, bytes key, int obj_type, object value):
    """Store a value object of Redis type obj_type (OBJ_* number) at key,
    replacing what was there (loaders and in-process tests)."""
    db.set_obj(key, len(key), obj_type, value, False)


def db_set_expire(Database db, bytes key, long long when_ms):
    return db.set_expire(key, len(key), when_ms)
