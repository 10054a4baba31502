# Hash commands (Redis's t_hash.c). A hash is a HashValue held by its
# keyspace entry, in one of two encodings:
#   listpack   field, value, field, value ... in one Redis-format listpack,
#              while every field and value is at most hash-max-listpack-value
#              bytes and there are at most hash-max-listpack-entries pairs;
#   hashtable  a kvdict keyed by field, the value stored inline in the entry
#              (one malloc block per pair).
# Conversion only goes listpack -> hashtable, at the points where Redis
# converts, so OBJECT ENCODING agrees with redis-server for the same commands.

from rkvd._core.lib.listpack cimport (
    lpEntry, LP_INTBUF_SIZE, lp_new, lp_free, lp_bytes, lp_safe_to_add, lp_length,
    lp_first, lp_next, lp_get, lp_get_value, lp_find, lp_append, lp_replace,
    lp_delete_range, lp_delete_range_with_entry, lp_random_pair, lp_random_pairs,
    lp_random_pairs_unique,
)

cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)

cdef enum:
    # HRANDFIELD: build-and-remove when the hash is at most this many times
    # the count; otherwise draw random fields
    HRANDFIELD_SUB_STRATEGY_MUL = 3
    # HRANDFIELD with repetitions: listpack samples per batch
    HRANDFIELD_RANDOM_SAMPLE_LIMIT = 1000


# ------------------------------------------------------------------ hash type API

@cython.final
@cython.freelist(16)
cdef class HashValue:
    """A hash value: listpack or hashtable encoded (see the file header)."""

    def __dealloc__(self):
        if self.lp != NULL:
            lp_free(self.lp)
            self.lp = NULL
        if self.ht != NULL:
            dict_release(self.ht)
            self.ht = NULL

    def __len__(self):
        return hash_length(self)

    def encoding_name(self):
        return b"listpack" if self.enc == HASH_ENC_LISTPACK else b"hashtable"

    def copy(self):
        """An independent hash with the same encoding (COPY)."""
        return hash_dup(self)

    def mem_usage(self):
        return hash_mem_usage(self, 0)

    def memory_usage(self, long long samples=5):
        """MEMORY USAGE estimate: hashtable entries are sampled (0 = all)."""
        return hash_mem_usage(self, samples)

    def items(self):
        """[(field, value)] as bytes, in the encoding's order."""
        cdef HashIter it
        cdef list out = []
        hash_iter_init(&it, self)
        while hash_iter_next(&it):
            out.append((hash_iter_bytes(&it, True), hash_iter_bytes(&it, False)))
        hash_iter_release(&it)
        return out

    def get(self, bytes field):
        cdef const char* v
        cdef Py_ssize_t vlen
        cdef long long vll
        if not hash_get(self, field, len(field), &v, &vlen, &vll):
            return None
        if v == NULL:
            return str(vll).encode()
        return PyBytes_FromStringAndSize(v, vlen)

    property table_size:
        def __get__(self):
            return self.ht.ht[0].size if self.enc == HASH_ENC_HT else 0

    property listpack_bytes:
        def __get__(self):
            if self.enc != HASH_ENC_LISTPACK:
                return None
            return PyBytes_FromStringAndSize(<char*>self.lp, lp_bytes(self.lp))


# A new empty listpack-encoded hash (Redis's createHashObject).
cdef HashValue hash_create():
    cdef HashValue h = HashValue.__new__(HashValue)
    h.lp = lp_new(0)
    if h.lp == NULL:
        raise MemoryError()
    h.enc = HASH_ENC_LISTPACK
    return h


cdef inline unsigned long hash_length(HashValue h) noexcept:
    if h.enc == HASH_ENC_LISTPACK:
        return lp_length(h.lp) // 2
    return <unsigned long>dict_size(h.ht)


# The value of field: 1 and (*vstr, *vlen) pointing at its bytes, or *vstr
# NULL and *vll for an integer held by a listpack; 0 if the field is absent.
# The pointers stay valid until the hash is next modified.
cdef int hash_get(HashValue h, const char* field, Py_ssize_t flen,
                  const char** vstr, Py_ssize_t* vlen, long long* vll) noexcept:
    cdef unsigned char* p
    cdef unsigned int sl = 0
    cdef dictEntry* e
    if h.enc == HASH_ENC_LISTPACK:
        p = lp_first(h.lp)
        if p == NULL:
            return 0
        p = lp_find(h.lp, p, <const unsigned char*>field, <uint32_t>flen, 1)
        if p == NULL:
            return 0
        p = lp_next(h.lp, p)
        vstr[0] = <const char*>lp_get_value(p, &sl, vll)
        vlen[0] = sl
        return 1
    e = dict_find(h.ht, field, flen)
    if e == NULL:
        return 0
    vstr[0] = ENTRY_VAL(e)
    vlen[0] = <Py_ssize_t>e.v.vlen
    return 1


cdef inline int hash_exists(HashValue h, const char* field, Py_ssize_t flen) noexcept:
    cdef const char* v
    cdef Py_ssize_t vlen
    cdef long long vll
    return hash_get(h, field, flen, &v, &vlen, &vll)


# Rebuild a listpack hash as a hashtable, presized for its pairs.
cdef int hash_convert(HashValue h) except -1:
    cdef kvdict* d
    cdef unsigned char* p
    cdef unsigned char* f
    cdef unsigned char* v
    cdef int64_t flen, vlen
    cdef unsigned char fbuf[LP_INTBUF_SIZE]
    cdef unsigned char vbuf[LP_INTBUF_SIZE]
    cdef dictEntry* e
    if h.enc != HASH_ENC_LISTPACK:
        return 0
    d = dict_create()
    dict_expand(d, lp_length(h.lp) // 2)
    p = lp_first(h.lp)
    while p != NULL:
        f = lp_get(p, &flen, fbuf)
        p = lp_next(h.lp, p)
        v = lp_get(p, &vlen, vbuf)
        if dict_find(d, <char*>f, flen) != NULL:
            dict_release(d)
            raise RuntimeError("listpack hash with a duplicate field")
        e = dict_add_new(d, <char*>f, flen, vlen)
        if e == NULL:
            dict_release(d)
            raise MemoryError()
        memcpy(ENTRY_VAL(e), v, vlen)
        e.v.vlen = <uint64_t>vlen
        p = lp_next(h.lp, p)
    lp_free(h.lp)
    h.lp = NULL
    h.ht = d
    h.enc = HASH_ENC_HT
    return 0


# Redis's hashTypeTryConversion: before writing argv[start..end] into a
# listpack hash, convert if any of them is too long or the listpack would
# pass its safety size.
cdef int hash_try_conversion(HashValue h, Client c, int start, int end) except -1:
    cdef int i
    cdef size_t total = 0
    cdef long long maxval
    if h.enc != HASH_ENC_LISTPACK:
        return 0
    maxval = c.engine.hash_max_listpack_value
    for i in range(start, end + 1):
        if c.argv[i].len > maxval:
            return hash_convert(h)
        total += c.argv[i].len
    if not lp_safe_to_add(h.lp, total):
        return hash_convert(h)
    return 0


# Set field to value, converting first if either is too long for a listpack
# (HINCRBY* reach here without hash_try_conversion) and afterwards if the
# listpack has too many pairs. Returns 1 on update, 0 on insert.
cdef int hash_set(HashValue h, Engine eng, const char* field, Py_ssize_t flen,
                  const char* value, Py_ssize_t vlen) except -1:
    cdef unsigned char* fptr
    cdef unsigned char* vptr
    cdef unsigned char* nlp
    cdef dictEntry** link
    cdef dictEntry* e
    cdef int update = 0
    if h.enc == HASH_ENC_LISTPACK:
        if flen > eng.hash_max_listpack_value or vlen > eng.hash_max_listpack_value:
            hash_convert(h)
    if h.enc == HASH_ENC_LISTPACK:
        fptr = lp_first(h.lp)
        if fptr != NULL:
            fptr = lp_find(h.lp, fptr, <const unsigned char*>field, <uint32_t>flen, 1)
            if fptr != NULL:
                vptr = lp_next(h.lp, fptr)
                nlp = lp_replace(h.lp, &vptr, <const unsigned char*>value, <uint32_t>vlen)
                if nlp == NULL:
                    raise MemoryError()
                h.lp = nlp
                update = 1
        if not update:
            nlp = lp_append(h.lp, <const unsigned char*>field, <uint32_t>flen)
            if nlp == NULL:
                raise MemoryError()
            h.lp = nlp
            nlp = lp_append(h.lp, <const unsigned char*>value, <uint32_t>vlen)
            if nlp == NULL:
                h.lp = lp_delete_range(h.lp, -1, 1)     # no field without a value
                raise MemoryError()
            h.lp = nlp
        if <long long>(lp_length(h.lp) // 2) > eng.hash_max_listpack_entries:
            hash_convert(h)
        return update
    link = dict_find_link(h.ht, field, flen)
    if link != NULL:
        e = link[0]
        if e.v.vlen != <uint64_t>vlen:
            e = dict_resize_entry(link, vlen)
            if e == NULL:
                raise MemoryError()
        memcpy(ENTRY_VAL(e), value, vlen)
        e.v.vlen = <uint64_t>vlen
        return 1
    e = dict_add_new(h.ht, field, flen, vlen)
    if e == NULL:
        raise MemoryError()
    memcpy(ENTRY_VAL(e), value, vlen)
    e.v.vlen = <uint64_t>vlen
    return 0


# Remove field; 1 if it was there. A hashtable shrinks when mostly empty.
cdef int hash_delete(HashValue h, const char* field, Py_ssize_t flen) noexcept:
    cdef unsigned char* p
    if h.enc == HASH_ENC_LISTPACK:
        p = lp_first(h.lp)
        if p == NULL:
            return 0
        p = lp_find(h.lp, p, <const unsigned char*>field, <uint32_t>flen, 1)
        if p == NULL:
            return 0
        h.lp = lp_delete_range_with_entry(h.lp, &p, 2)
        return 1
    if dict_delete(h.ht, field, flen):
        dict_try_shrink(h.ht)
        return 1
    return 0


cdef HashValue hash_dup(HashValue h):
    cdef HashValue n = HashValue.__new__(HashValue)
    cdef size_t sz
    cdef dictIter it
    cdef dictEntry* e
    cdef dictEntry* ne
    if h.enc == HASH_ENC_LISTPACK:
        sz = lp_bytes(h.lp)
        n.lp = <unsigned char*>malloc(sz)
        if n.lp == NULL:
            raise MemoryError()
        memcpy(n.lp, h.lp, sz)
        n.enc = HASH_ENC_LISTPACK
        return n
    n.ht = dict_create()
    n.enc = HASH_ENC_HT
    dict_expand(n.ht, dict_size(h.ht))
    dict_iter_init(&it, h.ht, 0)
    e = dict_iter_next(&it)
    while e != NULL:
        ne = dict_add_new(n.ht, ENTRY_KEY(e), e.klen, e.v.vlen)
        if ne == NULL:
            dict_iter_release(&it)
            raise MemoryError()
        memcpy(ENTRY_VAL(ne), ENTRY_VAL(e), e.v.vlen)
        ne.v.vlen = e.v.vlen
        e = dict_iter_next(&it)
    dict_iter_release(&it)
    return n


# Bytes held, in the spirit of objectComputeSize: exact for a listpack; for a
# hashtable the average of up to `samples` entries (0: all) times the size,
# plus the bucket arrays.
cdef long long hash_mem_usage(HashValue h, long long samples) except -1:
    cdef long long total = sizeof(PyObject) + 3 * sizeof(void*)
    cdef long long n, seen = 0, sampled_bytes = 0
    cdef dictIter it
    cdef dictEntry* e
    if h.enc == HASH_ENC_LISTPACK:
        return total + <long long>malloc_usable_size(h.lp)
    n = <long long>dict_size(h.ht)
    total += sizeof(kvdict) + <long long>dict_buckets_bytes(h.ht)
    if n == 0:
        return total
    if samples <= 0:
        samples = n
    dict_iter_init(&it, h.ht, 0)
    e = dict_iter_next(&it)
    while e != NULL and seen < samples:
        sampled_bytes += <long long>malloc_usable_size(e)
        seen += 1
        e = dict_iter_next(&it)
    dict_iter_release(&it)
    return total + sampled_bytes * n // seen


# ------------------------------------------------------------------ iteration
# Read-only walk over the pairs; the hash must not change meanwhile.

ctypedef struct HashIter:
    int enc
    unsigned char* lp
    unsigned char* fptr
    unsigned char* vptr
    dictIter di
    dictEntry* de

cdef inline void hash_iter_init(HashIter* it, HashValue h) noexcept:
    it.enc = h.enc
    it.lp = h.lp
    it.fptr = NULL
    it.vptr = NULL
    it.de = NULL
    if h.enc == HASH_ENC_HT:
        dict_iter_init(&it.di, h.ht, 0)

cdef inline int hash_iter_next(HashIter* it) noexcept:
    if it.enc == HASH_ENC_LISTPACK:
        if it.fptr == NULL:
            it.fptr = lp_first(it.lp)
        else:
            it.fptr = lp_next(it.lp, it.vptr)
        if it.fptr == NULL:
            return 0
        it.vptr = lp_next(it.lp, it.fptr)
        return 1
    it.de = dict_iter_next(&it.di)
    return it.de != NULL

cdef inline void hash_iter_release(HashIter* it) noexcept:
    if it.enc == HASH_ENC_HT:
        dict_iter_release(&it.di)

# Bulk reply with a listpack element (string or integer).
cdef inline int add_lp_element(Client c, unsigned char* p) except -1:
    cdef unsigned int sl = 0
    cdef long long ll = 0
    cdef unsigned char* s = lp_get_value(p, &sl, &ll)
    if s != NULL:
        return c.add_bulk(<const char*>s, sl)
    return c.add_bulk_ll(ll)

cdef inline void read_lp_entry(unsigned char* p, lpEntry* e) noexcept:
    cdef unsigned int sl = 0
    cdef long long ll = 0
    e.sval = lp_get_value(p, &sl, &ll)
    e.slen = sl
    e.lval = ll

cdef inline int add_lp_entry(Client c, lpEntry* e) except -1:
    if e.sval != NULL:
        return c.add_bulk(<const char*>e.sval, e.slen)
    return c.add_bulk_ll(e.lval)

# Bulk reply with the field (what=True) or value at the iterator.
cdef inline int add_iter_element(Client c, HashIter* it, bint field) except -1:
    if it.enc == HASH_ENC_LISTPACK:
        return add_lp_element(c, it.fptr if field else it.vptr)
    if field:
        return c.add_bulk(ENTRY_KEY(it.de), it.de.klen)
    return c.add_bulk(ENTRY_VAL(it.de), <Py_ssize_t>it.de.v.vlen)

cdef bytes hash_iter_bytes(HashIter* it, bint field):
    cdef int64_t n
    cdef unsigned char buf[LP_INTBUF_SIZE]
    cdef unsigned char* s
    if it.enc == HASH_ENC_LISTPACK:
        s = lp_get(it.fptr if field else it.vptr, &n, buf)
        return PyBytes_FromStringAndSize(<char*>s, n)
    if field:
        return PyBytes_FromStringAndSize(ENTRY_KEY(it.de), it.de.klen)
    return PyBytes_FromStringAndSize(ENTRY_VAL(it.de), <Py_ssize_t>it.de.v.vlen)


# ------------------------------------------------------------------ lookups

# The hash at argv[1] for writing, created empty if missing; None after a
# WRONGTYPE reply.
cdef HashValue hash_lookup_write_or_create(Client c):
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef HashValue h
    if e != NULL:
        if entry_type(e) != OBJ_HASH:
            c.add_wrongtype()
            return None
        return <HashValue>e.v.obj
    h = hash_create()
    db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_HASH, h, False)
    return h

# Reply with the value of argv[fi] in h (null when h is None or lacks it).
cdef inline int add_hash_field(Client c, HashValue h, int fi) except -1:
    cdef const char* v = NULL
    cdef Py_ssize_t vlen = 0
    cdef long long vll = 0
    if h is None or not hash_get(h, c.argv[fi].ptr, c.argv[fi].len, &v, &vlen, &vll):
        return c.add_null()
    if v == NULL:
        return c.add_bulk_ll(vll)
    return c.add_bulk(v, vlen)


# A reply that outgrows the client's hard output limit in the middle of a
# command ends the client there, as Redis's CLOSE_ASAP check does, so that
# a huge HRANDFIELD count cannot take all memory. True when the client is gone.
cdef inline bint reply_overflowed(Client c) except -1:
    cdef long long hard = c.engine.obuf_hard_limit
    if hard and c.reply.len >= hard and not (c.flags & CF_CLOSED):
        c._obuf_overflow(c.reply.len)
    return (c.flags & CF_CLOSED) != 0


# small generator for HRANDFIELD's own choices (splitmix64; not crypto)
cdef uint64_t _hash_rng = <uint64_t>int.from_bytes(_os.urandom(8), "little")

cdef inline uint64_t _hash_rand() noexcept:
    global _hash_rng
    _hash_rng += 0x9E3779B97F4A7C15ULL
    cdef uint64_t z = _hash_rng
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


# ------------------------------------------------------------------ commands

cdef int cmd_hsetnx(Client c) except -1:
    cdef HashValue h = hash_lookup_write_or_create(c)
    if h is None:
        return 0
    if hash_exists(h, c.argv[2].ptr, c.argv[2].len):
        return c.add_canned(b":0\r\n")
    hash_try_conversion(h, c, 2, 3)
    hash_set(h, c.engine, c.argv[2].ptr, c.argv[2].len, c.argv[3].ptr, c.argv[3].len)
    c.add_canned(b":1\r\n")
    notify(c, NOTIFY_HASH, b"hset", 1)
    c.engine.dirty += 1
    return 0

cdef int hset_generic(Client c, bint hmset) except -1:
    cdef HashValue h
    cdef int i
    cdef long long created = 0
    cdef Engine eng = c.engine
    if c.argc % 2 == 1:
        return c.add_error_str(f"wrong number of arguments for '{(<Command>c.cur_cmd).name}' command")
    h = hash_lookup_write_or_create(c)
    if h is None:
        return 0
    hash_try_conversion(h, c, 2, c.argc - 1)
    i = 2
    while i < c.argc:
        if not hash_set(h, eng, c.argv[i].ptr, c.argv[i].len, c.argv[i + 1].ptr, c.argv[i + 1].len):
            created += 1
        i += 2
    if hmset:
        c.add_ok()
    else:
        c.add_int(created)
    notify(c, NOTIFY_HASH, b"hset", 1)
    eng.dirty += (c.argc - 2) // 2
    return 0

cdef int cmd_hset(Client c) except -1:
    return hset_generic(c, False)

cdef int cmd_hmset(Client c) except -1:
    return hset_generic(c, True)

cdef int cmd_hincrby(Client c) except -1:
    cdef long long incr, value = 0
    cdef const char* v
    cdef Py_ssize_t vlen
    cdef char buf[LONG_STR_SIZE]
    cdef int n
    cdef HashValue h
    if not c.arg_ll(3, &incr):
        return 0
    h = hash_lookup_write_or_create(c)
    if h is None:
        return 0
    if hash_get(h, c.argv[2].ptr, c.argv[2].len, &v, &vlen, &value):
        if v != NULL and not string2ll(v, vlen, &value):
            return c.add_error_bytes(b"hash value is not an integer")
    else:
        value = 0
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or \
            (incr > 0 and value > 0 and incr > LLONG_MAX - value):
        return c.add_error_bytes(b"increment or decrement would overflow")
    value += incr
    n = ll2string(buf, LONG_STR_SIZE, value)
    hash_set(h, c.engine, c.argv[2].ptr, c.argv[2].len, buf, n)
    c.add_int(value)
    notify(c, NOTIFY_HASH, b"hincrby", 1)
    c.engine.dirty += 1
    return 0

cdef int cmd_hincrbyfloat(Client c) except -1:
    cdef long double value, incr
    cdef long long ll
    cdef const char* v
    cdef Py_ssize_t vlen
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n
    cdef HashValue h
    if not string2ld(c.argv[3].ptr, c.argv[3].len, &incr):
        return c.add_error_bytes(b"value is not a valid float")
    if isnan_ld(incr) or isinf_ld(incr):
        return c.add_error_bytes(b"value is NaN or Infinity")
    h = hash_lookup_write_or_create(c)
    if h is None:
        return 0
    if hash_get(h, c.argv[2].ptr, c.argv[2].len, &v, &vlen, &ll):
        if v != NULL:
            if not string2ld(v, vlen, &value):
                return c.add_error_bytes(b"hash value is not a float")
        else:
            value = <long double>ll
    else:
        value = 0
    value += incr
    if isnan_ld(value) or isinf_ld(value):
        return c.add_error_bytes(b"increment would produce NaN or Infinity")
    n = ld2string(buf, MAX_LONG_DOUBLE_CHARS, value, LD_STR_HUMAN)
    hash_set(h, c.engine, c.argv[2].ptr, c.argv[2].len, buf, n)
    c.add_bulk(buf, n)
    notify(c, NOTIFY_HASH, b"hincrbyfloat", 1)
    c.engine.dirty += 1
    # the printed result, not the increment: float sums differ between machines
    if c.engine.prop_on:
        rewrite_propagated(c, [b"HSET", c.arg_bytes(1), c.arg_bytes(2), buf[:n]])
    return 0

cdef int cmd_hget(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_null()
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    return add_hash_field(c, <HashValue>e.v.obj, 2)

cdef int cmd_hmget(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef HashValue h = None
    cdef int i
    if e != NULL:
        if entry_type(e) != OBJ_HASH:
            return c.add_wrongtype()
        h = <HashValue>e.v.obj
    c.add_array_len(c.argc - 2)
    for i in range(2, c.argc):
        add_hash_field(c, h, i)
    return 0

cdef int cmd_hdel(Client c) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef HashValue h
    cdef int j
    cdef long long deleted = 0
    cdef bint removed = False
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    h = <HashValue>e.v.obj
    for j in range(2, c.argc):
        if hash_delete(h, c.argv[j].ptr, c.argv[j].len):
            deleted += 1
            if hash_length(h) == 0:
                db.delete_key(c.argv[1].ptr, c.argv[1].len)
                removed = True
                break
    if deleted:
        notify(c, NOTIFY_HASH, b"hdel", 1)
        if removed:
            notify(c, NOTIFY_GENERIC, b"del", 1)
        c.engine.dirty += deleted
    return c.add_int(deleted)

cdef int cmd_hlen(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    return c.add_int(hash_length(<HashValue>e.v.obj))

cdef int cmd_hstrlen(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef const char* v
    cdef Py_ssize_t vlen
    cdef long long vll
    cdef char buf[LONG_STR_SIZE]
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    if not hash_get(<HashValue>e.v.obj, c.argv[2].ptr, c.argv[2].len, &v, &vlen, &vll):
        return c.add_canned(b":0\r\n")
    if v == NULL:
        return c.add_int(ll2string(buf, LONG_STR_SIZE, vll))
    return c.add_int(vlen)

cdef int cmd_hexists(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    if hash_exists(<HashValue>e.v.obj, c.argv[2].ptr, c.argv[2].len):
        return c.add_canned(b":1\r\n")
    return c.add_canned(b":0\r\n")

cdef int getall_generic(Client c, bint fields, bint values) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef HashValue h
    cdef HashIter it
    if e == NULL:
        if fields and values:
            return c.add_map_len(0)
        return c.add_canned(b"*0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    h = <HashValue>e.v.obj
    if fields and values:
        c.add_map_len(hash_length(h))
    else:
        c.add_array_len(hash_length(h))
    hash_iter_init(&it, h)
    try:
        while hash_iter_next(&it):
            if fields:
                add_iter_element(c, &it, True)
            if values:
                add_iter_element(c, &it, False)
    finally:
        hash_iter_release(&it)
    return 0

cdef int cmd_hkeys(Client c) except -1:
    return getall_generic(c, True, False)

cdef int cmd_hvals(Client c) except -1:
    return getall_generic(c, False, True)

cdef int cmd_hgetall(Client c) except -1:
    return getall_generic(c, True, True)


# ------------------------------------------------------------------ HSCAN

ctypedef struct _EntryVec:
    dictEntry** items
    size_t n
    size_t cap
    int oom

cdef void _collect_field(void* priv, dictEntry* e) noexcept:
    cdef _EntryVec* v = <_EntryVec*>priv
    cdef size_t cap
    cdef dictEntry** grown
    if v.n == v.cap:
        cap = v.cap * 2 if v.cap else 32
        grown = <dictEntry**>realloc(v.items, cap * sizeof(dictEntry*))
        if grown == NULL:
            v.oom = 1
            return
        v.items = grown
        v.cap = cap
    v.items[v.n] = e
    v.n += 1

cdef int cmd_hscan(Client c) except -1:
    cdef int match_arg, type_arg
    cdef uint64_t cursor
    cdef dictEntry* e
    cdef HashValue h
    cdef long long count = 10
    cdef int i = 3
    cdef const char* pat = NULL
    cdef int patlen = 0
    cdef bint use_pattern = False
    cdef uint64_t want, maxiter
    cdef _EntryVec vec
    cdef size_t k
    cdef long long n = 0
    cdef Py_ssize_t pos
    cdef unsigned char* p
    cdef unsigned char* s
    cdef int64_t slen
    cdef unsigned char buf[LP_INTBUF_SIZE]
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b"*2\r\n$1\r\n0\r\n*0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    h = <HashValue>e.v.obj
    if not parse_scan_options(c, i, False, &count, &match_arg, &type_arg):
        return 0
    use_pattern = match_arg >= 0
    if use_pattern:
        pat = c.argv[match_arg].ptr
        patlen = <int>c.argv[match_arg].len
    c.add_array_len(2)
    if h.enc == HASH_ENC_LISTPACK:
        # small: everything in one reply, cursor 0
        c.add_canned(b"$1\r\n0\r\n")
        pos = c.add_deferred()
        p = lp_first(h.lp)
        while p != NULL:
            s = lp_get(p, &slen, buf)
            if not use_pattern or stringmatchlen(pat, patlen, <char*>s, <int>slen, 0):
                c.add_bulk(<char*>s, slen)
                p = lp_next(h.lp, p)
                add_lp_element(c, p)
                n += 2
            else:
                p = lp_next(h.lp, p)
            p = lp_next(h.lp, p)
        return c.set_deferred_array(pos, n)
    # two reply elements per field, and a cap on empty buckets visited
    want = <uint64_t>count * 2 if count < (1LL << 60) else (<uint64_t>1 << 62)
    maxiter = want * 10
    vec.items = NULL
    vec.n = vec.cap = 0
    vec.oom = 0
    try:
        while True:
            cursor = dict_scan(h.ht, cursor, _collect_field, &vec)
            if vec.oom:
                raise MemoryError()
            if not (cursor and maxiter and vec.n * 2 < want):
                break
            maxiter -= 1
        c.add_bulk_ll(<long long>cursor)
        pos = c.add_deferred()
        for k in range(vec.n):
            e = vec.items[k]
            if use_pattern and not stringmatchlen(pat, patlen, ENTRY_KEY(e), e.klen, 0):
                continue
            c.add_bulk(ENTRY_KEY(e), e.klen)
            c.add_bulk(ENTRY_VAL(e), <Py_ssize_t>e.v.vlen)
            n += 2
        c.set_deferred_array(pos, n)
    finally:
        free(vec.items)
    return 0


# ------------------------------------------------------------------ HRANDFIELD

# Reply with `count` listpack pairs (RESP3 nests each pair with WITHVALUES).
cdef int add_lp_pairs(Client c, unsigned long count, lpEntry* keys, lpEntry* vals) except -1:
    cdef unsigned long i
    for i in range(count):
        if vals != NULL and c.resp > 2:
            c.add_canned(b"*2\r\n")
        add_lp_entry(c, &keys[i])
        if vals != NULL:
            add_lp_entry(c, &vals[i])
    return 0

cdef inline int add_ht_pair(Client c, dictEntry* e, bint withvalues) except -1:
    if withvalues and c.resp > 2:
        c.add_canned(b"*2\r\n")
    c.add_bulk(ENTRY_KEY(e), e.klen)
    if withvalues:
        c.add_bulk(ENTRY_VAL(e), <Py_ssize_t>e.v.vlen)
    return 0

cdef int hrandfield_with_count(Client c, long long l, bint withvalues) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef HashValue h
    cdef unsigned long long count, size, batch, limit, i, j, live
    cdef bint uniq = True
    cdef lpEntry* keys = NULL
    cdef lpEntry* vals = NULL
    cdef dictEntry** picks = NULL
    cdef unsigned char* p
    cdef kvdict* seen = NULL
    cdef dictEntry* de
    cdef HashIter it
    if e == NULL:
        return c.add_canned(b"*0\r\n")
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    h = <HashValue>e.v.obj
    size = hash_length(h)
    if l >= 0:
        count = <unsigned long long>l
    else:
        count = <unsigned long long>(-l)
        uniq = False
    if count == 0:
        return c.add_canned(b"*0\r\n")

    # repetitions allowed (or a single field): independent draws, any order
    if not uniq or count == 1:
        c.add_array_len(count * 2 if withvalues and c.resp == 2 else count)
        if h.enc == HASH_ENC_HT:
            while count:
                add_ht_pair(c, dict_fair_random_entry(h.ht), withvalues)
                count -= 1
                if reply_overflowed(c):
                    break
            return 0
        limit = count if count < HRANDFIELD_RANDOM_SAMPLE_LIMIT else HRANDFIELD_RANDOM_SAMPLE_LIMIT
        keys = <lpEntry*>malloc(limit * sizeof(lpEntry))
        if withvalues:
            vals = <lpEntry*>malloc(limit * sizeof(lpEntry))
        try:
            if keys == NULL or (withvalues and vals == NULL):
                raise MemoryError()
            while count:
                batch = count if count < limit else limit
                count -= batch
                lp_random_pairs(h.lp, <unsigned int>batch, keys, vals)
                add_lp_pairs(c, batch, keys, vals)
                if reply_overflowed(c):
                    break
        finally:
            free(keys)
            free(vals)
        return 0

    c.add_array_len((count if count < size else size) * (2 if withvalues and c.resp == 2 else 1))

    # asking for at least the whole hash: all of it
    if count >= size:
        hash_iter_init(&it, h)
        try:
            while hash_iter_next(&it):
                if withvalues and c.resp > 2:
                    c.add_canned(b"*2\r\n")
                add_iter_element(c, &it, True)
                if withvalues:
                    add_iter_element(c, &it, False)
        finally:
            hash_iter_release(&it)
        return 0

    # close to the whole hash: take every pair, drop random ones down to count
    if count * HRANDFIELD_SUB_STRATEGY_MUL > size:
        if h.enc == HASH_ENC_LISTPACK:
            keys = <lpEntry*>malloc(size * sizeof(lpEntry))
            vals = <lpEntry*>malloc(size * sizeof(lpEntry))
            try:
                if keys == NULL or vals == NULL:
                    raise MemoryError()
                p = lp_first(h.lp)
                i = 0
                while p != NULL:
                    read_lp_entry(p, &keys[i])
                    p = lp_next(h.lp, p)
                    read_lp_entry(p, &vals[i])
                    p = lp_next(h.lp, p)
                    i += 1
                live = size
                while live > count:
                    j = _hash_rand() % live
                    live -= 1
                    keys[j] = keys[live]
                    vals[j] = vals[live]
                add_lp_pairs(c, count, keys, vals if withvalues else NULL)
            finally:
                free(keys)
                free(vals)
            return 0
        picks = <dictEntry**>malloc(size * sizeof(dictEntry*))
        if picks == NULL:
            raise MemoryError()
        try:
            hash_iter_init(&it, h)
            i = 0
            while hash_iter_next(&it):
                picks[i] = it.de
                i += 1
            hash_iter_release(&it)
            live = size
            while live > count:
                j = _hash_rand() % live
                live -= 1
                picks[j] = picks[live]
            for i in range(count):
                add_ht_pair(c, picks[i], withvalues)
        finally:
            free(picks)
        return 0

    # a small part of a big hash: draw until enough distinct fields
    if h.enc == HASH_ENC_LISTPACK:
        keys = <lpEntry*>malloc(count * sizeof(lpEntry))
        if withvalues:
            vals = <lpEntry*>malloc(count * sizeof(lpEntry))
        try:
            if keys == NULL or (withvalues and vals == NULL):
                raise MemoryError()
            lp_random_pairs_unique(h.lp, <unsigned int>count, keys, vals)
            add_lp_pairs(c, count, keys, vals)
        finally:
            free(keys)
            free(vals)
        return 0
    # distinct entries, remembered by address (entries do not move here)
    seen = dict_create()
    try:
        dict_expand(seen, count)
        i = 0
        while i < count:
            de = dict_fair_random_entry(h.ht)
            if dict_find(seen, <char*>&de, sizeof(de)) != NULL:
                continue
            if dict_add_new(seen, <char*>&de, sizeof(de), 0) == NULL:
                raise MemoryError()
            add_ht_pair(c, de, withvalues)
            i += 1
    finally:
        dict_release(seen)
    return 0

cdef int cmd_hrandfield(Client c) except -1:
    cdef long long l
    cdef bint withvalues = False
    cdef dictEntry* e
    cdef HashValue h
    cdef lpEntry key
    cdef dictEntry* de
    if c.argc >= 3:
        if not string2ll(c.argv[2].ptr, c.argv[2].len, &l):
            return c.add_not_integer()
        if l < -LLONG_MAX:
            return c.add_error_str(f"value is out of range, value must between {-LLONG_MAX} and {LLONG_MAX}")
        if c.argc > 4 or (c.argc == 4 and not c.arg_is(3, b"withvalues")):
            return c.add_syntax_error()
        if c.argc == 4:
            withvalues = True
            if l < -LLONG_MAX // 2 or l > LLONG_MAX // 2:
                return c.add_error_bytes(b"value is out of range")
        return hrandfield_with_count(c, l, withvalues)
    e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_null()
    if entry_type(e) != OBJ_HASH:
        return c.add_wrongtype()
    h = <HashValue>e.v.obj
    if h.enc == HASH_ENC_HT:
        de = dict_fair_random_entry(h.ht)
        return c.add_bulk(ENTRY_KEY(de), de.klen)
    lp_random_pair(h.lp, hash_length(h), &key, NULL)
    return add_lp_entry(c, &key)


register_c("hset", cmd_hset)
register_c("hmset", cmd_hmset)
register_c("hsetnx", cmd_hsetnx)
register_c("hget", cmd_hget)
register_c("hmget", cmd_hmget)
register_c("hdel", cmd_hdel)
register_c("hlen", cmd_hlen)
register_c("hstrlen", cmd_hstrlen)
register_c("hexists", cmd_hexists)
register_c("hincrby", cmd_hincrby)
register_c("hincrbyfloat", cmd_hincrbyfloat)
register_c("hkeys", cmd_hkeys)
register_c("hvals", cmd_hvals)
register_c("hgetall", cmd_hgetall)
register_c("hscan", cmd_hscan)
register_c("hrandfield", cmd_hrandfield)
