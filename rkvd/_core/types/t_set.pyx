# Set commands (Redis 7.0's t_set.c). A set is an intset while every member
# is a canonical 64-bit integer and there are at most set-max-intset-entries
# of them, else a hash table of the core's own kind (members as keys, no
# value). Conversion only goes intset -> hashtable, at the moments Redis 7.0
# converts, so OBJECT ENCODING agrees with redis-server for the same history.
#
# Where the reply order is observable (an intset iterates in ascending
# order; SPOP/SRANDMEMBER pick strategies by size; SINTER walks the smallest
# set; SUNION/SDIFF build a result set that starts as an intset) the
# algorithms are Redis's, so replies have the same shape and, for intsets,
# the same order.

from libc.stdint cimport uintptr_t
from rkvd._core.lib.intset cimport (
    intset, intset_new, intset_free, intset_from_blob, intset_add, intset_remove,
    intset_find, intset_get, intset_random, intset_len, intset_blob_len,
)

cdef extern from "<malloc.h>" nogil:
    size_t set_usable_size "malloc_usable_size"(void* p)

cdef enum:
    SET_INTSET_HARD_MAX = 1 << 30     # intset lengths are 32-bit: Redis's cap
    SPOP_MOVE_STRATEGY_MUL = 5
    SRANDMEMBER_SUB_STRATEGY_MUL = 3
    SET_OP_UNION = 0
    SET_OP_DIFF = 1


# ------------------------------------------------------------------ set type API

@cython.final
cdef class SetValue:
    """A set value: an intset, or a hash table once any member is not an
    integer or there are too many. Operated on by the set_type_* functions."""

    def __cinit__(self):
        self.p = intset_new()
        if self.p == NULL:
            raise MemoryError()

    def __dealloc__(self):
        if set_is_ht(self):
            dict_release(set_ht(self))
        else:
            intset_free(<intset*>self.p)
        self.p = NULL

    def encoding_name(self):
        return b"hashtable" if set_is_ht(self) else b"intset"

    def copy(self):
        """A deep copy with the same encoding (COPY)."""
        return set_type_dup(self)

    def set_members(self):
        """Every member as bytes (intsets in ascending order)."""
        cdef list out = []
        cdef SetIter it
        cdef const char* p = NULL
        cdef Py_ssize_t n = 0
        cdef int64_t ll = 0
        cdef int enc
        cdef char buf[24]
        set_iter_init(&it, self)
        try:
            while True:
                enc = set_iter_next(&it, &p, &n, &ll)
                if enc < 0:
                    break
                if enc == SET_ENC_INTSET:
                    n = ll2string(buf, 24, ll)
                    p = buf
                out.append(PyBytes_FromStringAndSize(p, n))
        finally:
            set_iter_release(&it)
        return out

    def mem_usage(self):
        """Bytes this value holds in the allocator, counting every member."""
        return set_memory_usage(self, 0)

    def memory_usage(self, samples=5):
        """Like Redis's objectComputeSize: exact for an intset; for a hash
        table, the member cost is estimated from `samples` members (0: all)."""
        return set_memory_usage(self, samples)

    def intset_blob(self):
        """The intset block (Redis's RDB payload), or None for a hash table."""
        if set_is_ht(self):
            return None
        return PyBytes_FromStringAndSize(<char*>self.p, <Py_ssize_t>intset_blob_len(<intset*>self.p))

    def htstats(self):
        """DEBUG HTSTATS-KEY text (Redis's dictGetStats), or None for an intset."""
        if not set_is_ht(self):
            return None
        return set_dict_stats(set_ht(self))

    property table_size:
        def __get__(self):
            if set_is_ht(self):
                return set_ht(self).ht[0].size + set_ht(self).ht[1].size
            return 0

    property rehashing:
        def __get__(self):
            return set_is_ht(self) and set_ht(self).rehashidx != -1

    def __len__(self):
        return set_type_size(self)

    def __iter__(self):
        return iter(self.set_members())

    def __contains__(self, member):
        cdef bytes b = member if type(member) is bytes else str(member).encode()
        return set_type_is_member(self, b, len(b))


# Redis's dictGetStats text for a table: per hash table, slot usage and the
# chain length histogram (chains of 49+ are counted but not listed).
cdef str set_dict_stats(kvdict* d):
    cdef int t
    cdef uint64_t i, size, used, slots, chain, maxchain, total
    cdef dictEntry* e
    cdef list hist
    cdef float avg_counted, avg_computed, share
    out = []
    for t in range(2):
        if t == 1 and d.rehashidx == -1:
            break
        label = "main hash table" if t == 0 else "rehashing target"
        size = d.ht[t].size
        used = d.ht[t].used
        if used == 0:
            out.append(f"Hash table {t} stats ({label}):\nNo stats available for empty dictionaries\n")
            continue
        hist = [0] * 50
        slots = maxchain = total = 0
        for i in range(size):
            e = d.ht[t].table[i]
            if e == NULL:
                hist[0] += 1
                continue
            slots += 1
            chain = 0
            while e != NULL:
                chain += 1
                e = e.next
            hist[chain if chain < 50 else 49] += 1
            if chain > maxchain:
                maxchain = chain
            total += chain
        # single precision, as Redis computes them
        avg_counted = <float>total / slots
        avg_computed = <float>used / slots
        out.append(f"Hash table {t} stats ({label}):\n table size: {size}\n"
                   f" number of elements: {used}\n different slots: {slots}\n"
                   f" max chain length: {maxchain}\n"
                   f" avg chain length (counted): {avg_counted:.2f}\n"
                   f" avg chain length (computed): {avg_computed:.2f}\n"
                   f" Chain length distribution:\n")
        for i in range(49):
            if hist[i]:
                share = (<float><uint64_t>hist[i] / size) * 100
                out.append(f"   {i}: {hist[i]} ({share:.2f}%)\n")
    return "".join(out)[:4095]

cdef inline bint set_is_ht(SetValue s) noexcept:
    return (<uintptr_t>s.p & 1) != 0

cdef inline kvdict* set_ht(SetValue s) noexcept:
    return <kvdict*>(<uintptr_t>s.p & ~(<uintptr_t>1))

cdef intset* set_value_intset(SetValue s) noexcept nogil:
    return NULL if (<uintptr_t>s.p & 1) else <intset*>s.p

cdef kvdict* set_value_ht(SetValue s) noexcept nogil:
    return <kvdict*>(<uintptr_t>s.p & ~(<uintptr_t>1)) if (<uintptr_t>s.p & 1) else NULL

cdef inline void _set_store_ht(SetValue s, kvdict* d) noexcept:
    s.p = <void*>(<uintptr_t>d | 1)

cdef inline uint64_t set_type_size(SetValue s) noexcept:
    if set_is_ht(s):
        return dict_size(set_ht(s))
    return intset_len(<intset*>s.p)

# set-max-intset-entries with Redis's 1G cap
cdef inline long long set_max_intset(Engine e) noexcept:
    cdef long long v = e.set_max_intset_entries
    return SET_INTSET_HARD_MAX if v >= SET_INTSET_HARD_MAX else v

# intset -> hashtable, presized for the current members.
cdef int set_type_convert(SetValue s) except -1:
    cdef intset* iset = <intset*>s.p
    cdef uint32_t i, n = intset_len(iset)
    cdef int64_t v
    cdef char buf[24]
    cdef int l
    cdef kvdict* d
    if set_is_ht(s):
        return 0
    d = dict_create()
    dict_expand(d, n)
    for i in range(n):
        intset_get(iset, i, &v)
        l = ll2string(buf, 24, v)
        if dict_add_new(d, buf, l, 0) == NULL:
            dict_release(d)
            raise MemoryError()
    intset_free(iset)
    _set_store_ht(s, d)
    return 0

cdef inline int _set_ht_add(kvdict* d, const char* p, Py_ssize_t n) except -1:
    if dict_find(d, p, n) != NULL:
        return 0
    if dict_add_new(d, p, n, 0) == NULL:
        raise MemoryError()
    return 1

cdef inline int _set_intset_add(SetValue s, int64_t v, long long maxis) except -1:
    cdef uint8_t ok = 0
    cdef intset* t = intset_add(<intset*>s.p, v, &ok)
    if t == NULL:
        raise MemoryError()
    s.p = t
    if ok and intset_len(t) > maxis:
        set_type_convert(s)
    return ok

# Add a member given as bytes. 1 if added, 0 if already there.
cdef int set_type_add(SetValue s, const char* p, Py_ssize_t n, long long maxis) except -1:
    cdef long long v
    if set_is_ht(s):
        return _set_ht_add(set_ht(s), p, n)
    if string2ll(p, n, &v):
        return _set_intset_add(s, v, maxis)
    set_type_convert(s)
    return _set_ht_add(set_ht(s), p, n)

# Add a member given as an integer (an intset member of another set).
cdef int set_type_add_ll(SetValue s, int64_t v, long long maxis) except -1:
    cdef char buf[24]
    cdef int l
    if set_is_ht(s):
        l = ll2string(buf, 24, v)
        return _set_ht_add(set_ht(s), buf, l)
    return _set_intset_add(s, v, maxis)

# Remove a member. 1 if it was there. A hash table shrinks below 10% fill.
cdef int set_type_remove(SetValue s, const char* p, Py_ssize_t n) except -1:
    cdef long long v
    cdef int ok = 0
    cdef kvdict* d
    if set_is_ht(s):
        d = set_ht(s)
        if dict_delete(d, p, n):
            dict_try_shrink(d)
            return 1
        return 0
    if string2ll(p, n, &v):
        s.p = intset_remove(<intset*>s.p, v, &ok)
    return ok

cdef int set_type_remove_ll(SetValue s, int64_t v) except -1:
    cdef char buf[24]
    cdef int ok = 0
    if set_is_ht(s):
        return set_type_remove(s, buf, ll2string(buf, 24, v))
    s.p = intset_remove(<intset*>s.p, v, &ok)
    return ok

cdef bint set_type_is_member(SetValue s, const char* p, Py_ssize_t n) noexcept:
    cdef long long v
    if set_is_ht(s):
        return dict_find(set_ht(s), p, n) != NULL
    if string2ll(p, n, &v):
        return intset_find(<intset*>s.p, v)
    return False

cdef bint set_type_is_member_ll(SetValue s, int64_t v) noexcept:
    cdef char buf[24]
    cdef int l
    if set_is_ht(s):
        l = ll2string(buf, 24, v)
        return dict_find(set_ht(s), buf, l) != NULL
    return intset_find(<intset*>s.p, v)

# A random member of a non-empty set: SET_ENC_INTSET with *ll set, or
# SET_ENC_HT with *p/*n pointing into the table (valid until it changes).
cdef inline int set_type_random(SetValue s, const char** p, Py_ssize_t* n, int64_t* ll) noexcept:
    cdef dictEntry* e
    if set_is_ht(s):
        e = dict_fair_random_entry(set_ht(s))
        p[0] = ENTRY_KEY(e)
        n[0] = e.klen
        return SET_ENC_HT
    ll[0] = intset_random(<intset*>s.p)
    return SET_ENC_INTSET

cdef SetValue set_type_dup(SetValue s):
    cdef SetValue r = SetValue()
    cdef intset* iset = <intset*>s.p
    cdef intset* copy
    cdef kvdict* src
    cdef kvdict* d
    cdef dictIter it
    cdef dictEntry* e
    if not set_is_ht(s):
        copy = intset_from_blob(<const unsigned char*>iset, intset_blob_len(iset))
        if copy == NULL:
            raise MemoryError()
        intset_free(<intset*>r.p)
        r.p = copy
        return r
    src = set_ht(s)
    d = dict_create()
    intset_free(<intset*>r.p)
    _set_store_ht(r, d)
    dict_expand(d, dict_size(src))
    dict_iter_init(&it, src, 1)
    try:
        while True:
            e = dict_iter_next(&it)
            if e == NULL:
                break
            if dict_add_new(d, ENTRY_KEY(e), e.klen, 0) == NULL:
                raise MemoryError()
    finally:
        dict_iter_release(&it)
    return r

# A new set for a first member: Redis's setTypeCreate (an empty hash table
# unless the member is an integer).
cdef SetValue set_type_create(const char* p, Py_ssize_t n):
    cdef SetValue s = SetValue()
    if not string2ll(p, n, NULL):
        set_type_convert(s)
    return s

cdef Py_ssize_t set_memory_usage(SetValue s, long samples) except -1:
    cdef kvdict* d
    cdef dictIter it
    cdef dictEntry* e
    cdef Py_ssize_t total = sizeof(PyObject) + sizeof(void*)
    cdef Py_ssize_t elems = 0
    cdef long seen = 0
    if not set_is_ht(s):
        return total + set_usable_size(s.p)
    d = set_ht(s)
    total += set_usable_size(d) + dict_buckets_bytes(d)
    dict_iter_init(&it, d, 0)
    while True:
        e = dict_iter_next(&it)
        if e == NULL or (samples > 0 and seen >= samples):
            break
        elems += set_usable_size(e)
        seen += 1
    dict_iter_release(&it)
    if seen:
        total += <Py_ssize_t>(<double>elems / seen * dict_size(d))
    return total

# Iteration over either encoding. Hash tables use a safe iterator (rehash
# paused until release), so lookups into the set while iterating are fine.
ctypedef struct SetIter:
    int enc
    intset* iset
    uint32_t ii
    dictIter di

cdef inline void set_iter_init(SetIter* it, SetValue s) noexcept:
    if set_is_ht(s):
        it.enc = SET_ENC_HT
        dict_iter_init(&it.di, set_ht(s), 1)
    else:
        it.enc = SET_ENC_INTSET
        it.iset = <intset*>s.p
        it.ii = 0

# The encoding of the element produced (fills *ll for intsets, *p/*n for
# hash tables), or -1 at the end.
cdef inline int set_iter_next(SetIter* it, const char** p, Py_ssize_t* n, int64_t* ll) noexcept:
    cdef dictEntry* e
    if it.enc == SET_ENC_HT:
        e = dict_iter_next(&it.di)
        if e == NULL:
            return -1
        p[0] = ENTRY_KEY(e)
        n[0] = e.klen
        return SET_ENC_HT
    if not intset_get(it.iset, it.ii, ll):
        return -1
    it.ii += 1
    return SET_ENC_INTSET

cdef inline void set_iter_release(SetIter* it) noexcept:
    if it.enc == SET_ENC_HT:
        dict_iter_release(&it.di)

cdef inline int set_add_elem(SetValue s, int enc, const char* p, Py_ssize_t n, int64_t ll,
                             long long maxis) except -1:
    if enc == SET_ENC_INTSET:
        return set_type_add_ll(s, ll, maxis)
    return set_type_add(s, p, n, maxis)

cdef inline bint set_has_elem(SetValue s, int enc, const char* p, Py_ssize_t n, int64_t ll) noexcept:
    if enc == SET_ENC_INTSET:
        return set_type_is_member_ll(s, ll)
    return set_type_is_member(s, p, n)

cdef inline int set_reply_elem(Client c, int enc, const char* p, Py_ssize_t n, int64_t ll) except -1:
    if enc == SET_ENC_INTSET:
        return c.add_bulk_ll(ll)
    return c.add_bulk(p, n)

# The set at key argv[i] for reading (None when missing); on a type clash
# the WRONGTYPE error is replied and *wrong set.
cdef inline SetValue set_lookup_read(Client c, int i, bint* wrong):
    cdef dictEntry* e = c.db.lookup_read(c.argv[i].ptr, c.argv[i].len)
    wrong[0] = False
    if e == NULL:
        return None
    if entry_type(e) != OBJ_SET:
        wrong[0] = True
        c.add_wrongtype()
        return None
    return <SetValue>e.v.obj

cdef inline SetValue set_lookup_write(Client c, int i, bint* wrong):
    cdef dictEntry* e = c.db.lookup_write(c.argv[i].ptr, c.argv[i].len)
    wrong[0] = False
    if e == NULL:
        return None
    if entry_type(e) != OBJ_SET:
        wrong[0] = True
        c.add_wrongtype()
        return None
    return <SetValue>e.v.obj

cdef inline int set_store(Client c, int ki, SetValue s, bint keepttl) except -1:
    c.db.set_obj(c.argv[ki].ptr, c.argv[ki].len, OBJ_SET, s, keepttl)
    return 0

cdef inline int set_delete_key(Client c, int ki) except -1:
    return c.db.delete_key(c.argv[ki].ptr, c.argv[ki].len)

# ------------------------------------------------------------------ single-key commands

cdef int cmd_sadd(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    cdef int j
    cdef long long added = 0
    cdef long long maxis = set_max_intset(c.engine)
    s = set_lookup_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        s = set_type_create(c.argv[2].ptr, c.argv[2].len)
        set_store(c, 1, s, False)
    for j in range(2, c.argc):
        added += set_type_add(s, c.argv[j].ptr, c.argv[j].len, maxis)
    if added:
        notify(c, NOTIFY_SET, b"sadd", 1)
        c.engine.dirty += added
    return c.add_int(added)

cdef int cmd_srem(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    cdef int j
    cdef long long deleted = 0
    cdef bint removed = False
    s = set_lookup_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b":0\r\n")
    for j in range(2, c.argc):
        if set_type_remove(s, c.argv[j].ptr, c.argv[j].len):
            deleted += 1
            if set_type_size(s) == 0:
                set_delete_key(c, 1)
                removed = True
                break
    if deleted:
        notify(c, NOTIFY_SET, b"srem", 1)
        if removed:
            notify(c, NOTIFY_GENERIC, b"del", 1)
        c.engine.dirty += deleted
    return c.add_int(deleted)

cdef int cmd_smove(Client c) except -1:
    cdef dictEntry* e
    cdef SetValue src = None, dst = None
    cdef int srctype = -1, dsttype = -1
    # both lookups first, as Redis does (lazy expiry of either key)
    e = c.db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e != NULL:
        srctype = entry_type(e)
        if srctype == OBJ_SET:
            src = <SetValue>e.v.obj
    e = c.db.lookup_write(c.argv[2].ptr, c.argv[2].len)
    if e != NULL:
        dsttype = entry_type(e)
        if dsttype == OBJ_SET:
            dst = <SetValue>e.v.obj
    if srctype == -1:
        return c.add_canned(b":0\r\n")
    if srctype != OBJ_SET or (dsttype != -1 and dsttype != OBJ_SET):
        return c.add_wrongtype()
    if src is dst:
        if set_type_is_member(src, c.argv[3].ptr, c.argv[3].len):
            return c.add_canned(b":1\r\n")
        return c.add_canned(b":0\r\n")
    if not set_type_remove(src, c.argv[3].ptr, c.argv[3].len):
        return c.add_canned(b":0\r\n")
    notify(c, NOTIFY_SET, b"srem", 1)
    if set_type_size(src) == 0:
        set_delete_key(c, 1)
        notify(c, NOTIFY_GENERIC, b"del", 1)
    if dst is None:
        dst = set_type_create(c.argv[3].ptr, c.argv[3].len)
        set_store(c, 2, dst, False)
    c.engine.dirty += 1
    if set_type_add(dst, c.argv[3].ptr, c.argv[3].len, set_max_intset(c.engine)):
        c.engine.dirty += 1
        notify(c, NOTIFY_SET, b"sadd", 2)
    return c.add_canned(b":1\r\n")

cdef int cmd_sismember(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is not None and set_type_is_member(s, c.argv[2].ptr, c.argv[2].len):
        return c.add_canned(b":1\r\n")
    return c.add_canned(b":0\r\n")

cdef int cmd_smismember(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    cdef int j
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    c.add_array_len(c.argc - 2)
    for j in range(2, c.argc):
        if s is not None and set_type_is_member(s, c.argv[j].ptr, c.argv[j].len):
            c.add_canned(b":1\r\n")
        else:
            c.add_canned(b":0\r\n")
    return 0

cdef int cmd_scard(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b":0\r\n")
    return c.add_int(set_type_size(s))

cdef inline int set_add_empty_set(Client c) except -1:
    if c.resp == 3:
        return c.add_canned(b"~0\r\n")
    return c.add_canned(b"*0\r\n")

# SPOP replays as the SREM of what it popped: the choice was random.
cdef int spop_propagate_member(Client c, int enc, const char* p, Py_ssize_t n,
                               int64_t ll, bint alone) except -1:
    cdef list argv = [b"SREM", c.arg_bytes(1),
                      b"%d" % ll if enc == SET_ENC_INTSET else PyBytes_FromStringAndSize(p, n)]
    if alone:
        return rewrite_propagated(c, argv)
    return also_propagate(c.engine, c.db.id, argv)

# Pop one random member of s: reply it, propagate its SREM (`alone`: as the
# command's own rewrite, else as one of several), remove it.
cdef int spop_one(Client c, SetValue s, bint alone) except -1:
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    if set_type_random(s, &p, &n, &ll) == SET_ENC_INTSET:
        c.add_bulk_ll(ll)
        if c.engine.prop_on:
            spop_propagate_member(c, SET_ENC_INTSET, NULL, 0, ll, alone)
        return set_type_remove_ll(s, ll)
    # reply first: the member's bytes live in the entry being removed
    c.add_bulk(p, n)
    if c.engine.prop_on:
        spop_propagate_member(c, SET_ENC_HT, p, n, 0, alone)
    return set_type_remove(s, c.reply.buf + c.reply.len - n - 2, n)

cdef int cmd_spop(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    if c.argc == 3:
        return set_spop_count(c)
    if c.argc > 3:
        return c.add_syntax_error()
    s = set_lookup_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_null()
    spop_one(c, s, True)
    notify(c, NOTIFY_SET, b"spop", 1)
    if set_type_size(s) == 0:
        set_delete_key(c, 1)
        notify(c, NOTIFY_GENERIC, b"del", 1)
    c.engine.dirty += 1
    return 0

cdef int set_spop_count(Client c) except -1:
    cdef bint wrong
    cdef long long count
    cdef uint64_t size, remaining
    cdef SetValue s, newset
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef long long maxis = 0
    cdef SetIter it
    cdef bytes member
    if not c.arg_range(2, 0, LLONG_MAX, &count, b"value is out of range, must be positive"):
        return 0
    s = set_lookup_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None or count == 0:
        return set_add_empty_set(c)
    size = set_type_size(s)
    notify(c, NOTIFY_SET, b"spop", 1)
    c.engine.dirty += size if <uint64_t>count >= size else count
    # the whole set: reply it as SUNION would, then drop the key
    if <uint64_t>count >= size:
        set_union_diff(c, 1, 1, -1, SET_OP_UNION)
        set_delete_key(c, 1)
        notify(c, NOTIFY_GENERIC, b"del", 1)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"DEL", c.arg_bytes(1)])
        return 0
    if c.engine.prop_on:
        prevent_propagation(c)
    c.add_set_len(count)
    remaining = size - count
    if remaining * SPOP_MOVE_STRATEGY_MUL > <uint64_t>count:
        # few to pop: pick and remove one at a time
        while count > 0:
            count -= 1
            spop_one(c, s, False)
        return 0
    # most of the set goes: move the few survivors to a new set, reply
    # with what is left of the old one, and store the new one
    newset = SetValue()
    maxis = set_max_intset(c.engine)
    while remaining > 0:
        remaining -= 1
        if set_type_random(s, &p, &n, &ll) == SET_ENC_INTSET:
            set_type_add_ll(newset, ll, maxis)
            set_type_remove_ll(s, ll)
        else:
            member = PyBytes_FromStringAndSize(p, n)
            set_type_add(newset, member, n, maxis)
            set_type_remove(s, member, n)
    set_iter_init(&it, s)
    try:
        while True:
            enc = set_iter_next(&it, &p, &n, &ll)
            if enc < 0:
                break
            set_reply_elem(c, enc, p, n, ll)
            if c.engine.prop_on:
                spop_propagate_member(c, enc, p, n, ll, False)
    finally:
        set_iter_release(&it)
    set_store(c, 1, newset, True)
    return 0

cdef int cmd_srandmember(Client c) except -1:
    cdef bint wrong
    cdef SetValue s
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    if c.argc == 3:
        return set_srandmember_count(c)
    if c.argc > 3:
        return c.add_syntax_error()
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_null()
    if set_type_random(s, &p, &n, &ll) == SET_ENC_INTSET:
        return c.add_bulk_ll(ll)
    return c.add_bulk(p, n)

cdef int set_srandmember_count(Client c) except -1:
    cdef bint wrong
    cdef long long l
    cdef uint64_t count, size
    cdef bint uniq = True
    cdef SetValue s
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef SetIter it
    cdef kvdict* d
    cdef dictIter di
    cdef dictEntry* e
    cdef char buf[24]
    if not c.arg_range(2, -LLONG_MAX, LLONG_MAX, &l, NULL):
        return 0
    if l >= 0:
        count = <uint64_t>l
    else:
        count = <uint64_t>(-l)
        uniq = False
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None or count == 0:
        return c.add_canned(b"*0\r\n")
    size = set_type_size(s)
    # negative count: independent picks, repeats allowed
    if not uniq or count == 1:
        c.add_array_len(count)
        while count > 0:
            count -= 1
            enc = set_type_random(s, &p, &n, &ll)
            set_reply_elem(c, enc, p, n, ll)
        return 0
    # the whole set
    if count >= size:
        c.add_array_len(size)
        set_iter_init(&it, s)
        try:
            while True:
                enc = set_iter_next(&it, &p, &n, &ll)
                if enc < 0:
                    break
                set_reply_elem(c, enc, p, n, ll)
        finally:
            set_iter_release(&it)
        return 0
    d = dict_create()
    try:
        if count * SRANDMEMBER_SUB_STRATEGY_MUL > size:
            # close to the whole set: copy it, then drop random members
            dict_expand(d, size)
            set_iter_init(&it, s)
            try:
                while True:
                    enc = set_iter_next(&it, &p, &n, &ll)
                    if enc < 0:
                        break
                    if enc == SET_ENC_INTSET:
                        n = ll2string(buf, 24, ll)
                        p = buf
                    if dict_add_new(d, p, n, 0) == NULL:
                        raise MemoryError()
            finally:
                set_iter_release(&it)
            while size > count:
                e = dict_fair_random_entry(d)
                dict_delete(d, ENTRY_KEY(e), e.klen)
                size -= 1
        else:
            # a small part of a big set: draw until enough distinct members
            dict_expand(d, count)
            while dict_size(d) < count:
                enc = set_type_random(s, &p, &n, &ll)
                if enc == SET_ENC_INTSET:
                    n = ll2string(buf, 24, ll)
                    p = buf
                if dict_find(d, p, n) == NULL and dict_add_new(d, p, n, 0) == NULL:
                    raise MemoryError()
        c.add_array_len(count)
        dict_iter_init(&di, d, 0)
        while True:
            e = dict_iter_next(&di)
            if e == NULL:
                break
            c.add_bulk(ENTRY_KEY(e), e.klen)
        dict_iter_release(&di)
    finally:
        dict_release(d)
    return 0


# ------------------------------------------------------------------ multi-key commands

def _set_card(s):
    # sort key over looked-up sets (None: a missing key, an empty set)
    return 0 if s is None else set_type_size(<SetValue>s)

# SINTER / SMEMBERS / SINTERSTORE / SINTERCARD over the keys argv[first:
# first+nkeys]. dst: argv index of the destination key or -1; card_only:
# reply the count only, stopping at limit (0: no limit).


cdef int set_inter(Client c, int first, int nkeys, int dst, bint card_only,
                   uint64_t limit) except -1:
    cdef bint wrong
    cdef list sets = []
    cdef SetValue s, first_set, dstset = None
    cdef int j, k, nsets
    cdef bint empty = False
    cdef uint64_t card = 0
    cdef Py_ssize_t pos = 0
    cdef SetIter it
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef long long maxis = 0
    for j in range(first, first + nkeys):
        s = set_lookup_read(c, j, &wrong)
        if wrong:
            return 0
        if s is None:
            empty = True
        sets.append(s)
    if empty:
        if dst >= 0:
            if set_delete_key(c, dst):
                notify(c, NOTIFY_GENERIC, b"del", dst)
                c.engine.dirty += 1
            return c.add_canned(b":0\r\n")
        if card_only:
            return c.add_canned(b":0\r\n")
        return set_add_empty_set(c)
    nsets = len(sets)
    if nsets > 1:
        sets.sort(key=_set_card)     # stable, like glibc's merge-sort qsort
    first_set = <SetValue>sets[0]
    if dst >= 0:
        dstset = SetValue()
        maxis = set_max_intset(c.engine)
    elif not card_only:
        if nsets == 1:
            c.add_set_len(set_type_size(first_set))
        else:
            pos = c.add_deferred()
    set_iter_init(&it, first_set)
    try:
        while True:
            enc = set_iter_next(&it, &p, &n, &ll)
            if enc < 0:
                break
            k = 1
            while k < nsets:
                s = <SetValue>sets[k]
                if s is not first_set and not set_has_elem(s, enc, p, n, ll):
                    break
                k += 1
            if k < nsets:
                continue
            card += 1
            if card_only:
                if limit and card >= limit:
                    break
            elif dst < 0:
                set_reply_elem(c, enc, p, n, ll)
            else:
                set_add_elem(dstset, enc, p, n, ll, maxis)
    finally:
        set_iter_release(&it)
    if card_only:
        return c.add_int(card)
    if dst < 0:
        if nsets > 1:
            c.set_deferred_set(pos, card)
        return 0
    return set_store_result(c, dst, dstset, b"sinterstore")

# Store a STORE command's result under argv[dst] (empty: delete the key).
cdef int set_store_result(Client c, int dst, SetValue dstset, const char* event) except -1:
    cdef uint64_t size = set_type_size(dstset)
    if size > 0:
        set_store(c, dst, dstset, False)
        c.add_int(size)
        notify(c, NOTIFY_SET, event, dst)
        c.engine.dirty += 1
        return 0
    c.add_canned(b":0\r\n")
    if set_delete_key(c, dst):
        c.engine.dirty += 1
        notify(c, NOTIFY_GENERIC, b"del", dst)
    return 0

# SUNION / SDIFF (and their STORE forms) over argv[first:first+nkeys].
cdef int set_union_diff(Client c, int first, int nkeys, int dst, int op) except -1:
    cdef bint wrong
    cdef list sets = []
    cdef SetValue s, dstset, s0
    cdef int j, k
    cdef bint sameset = False
    cdef int algo = 1
    cdef long long work1 = 0, work2 = 0, card = 0
    cdef long long maxis = set_max_intset(c.engine)
    cdef SetIter it
    cdef const char* p = NULL
    cdef Py_ssize_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    for j in range(nkeys):
        s = set_lookup_read(c, first + j, &wrong)
        if wrong:
            return 0
        sets.append(s)
        if j > 0 and sets[0] is s:
            sameset = True
    s0 = <SetValue>sets[0]
    # diff: walk the first set probing the others (cost ~ N*M), or add the
    # first and remove the others' members (cost ~ all members), whichever
    # is estimated cheaper
    if op == SET_OP_DIFF and s0 is not None and not sameset:
        for j in range(nkeys):
            if sets[j] is None:
                continue
            work1 += set_type_size(s0)
            work2 += set_type_size(<SetValue>sets[j])
        work1 //= 2
        algo = 1 if work1 <= work2 else 2
        if algo == 1 and nkeys > 1:
            # biggest first: members to drop are found sooner
            sets[1:] = sorted(sets[1:], key=_set_card, reverse=True)
    dstset = SetValue()
    if op == SET_OP_UNION:
        for j in range(nkeys):
            if sets[j] is None:
                continue
            set_iter_init(&it, <SetValue>sets[j])
            try:
                while True:
                    enc = set_iter_next(&it, &p, &n, &ll)
                    if enc < 0:
                        break
                    card += set_add_elem(dstset, enc, p, n, ll, maxis)
            finally:
                set_iter_release(&it)
    elif sameset or s0 is None:
        pass
    elif algo == 1:
        set_iter_init(&it, s0)
        try:
            while True:
                enc = set_iter_next(&it, &p, &n, &ll)
                if enc < 0:
                    break
                k = 1
                while k < nkeys:
                    s = <SetValue>sets[k]
                    if s is not None and (s is s0 or set_has_elem(s, enc, p, n, ll)):
                        break
                    k += 1
                if k == nkeys:
                    set_add_elem(dstset, enc, p, n, ll, maxis)
                    card += 1
        finally:
            set_iter_release(&it)
    else:
        for j in range(nkeys):
            if sets[j] is None:
                continue
            set_iter_init(&it, <SetValue>sets[j])
            try:
                while True:
                    enc = set_iter_next(&it, &p, &n, &ll)
                    if enc < 0:
                        break
                    if j == 0:
                        card += set_add_elem(dstset, enc, p, n, ll, maxis)
                    elif enc == SET_ENC_INTSET:
                        card -= set_type_remove_ll(dstset, ll)
                    else:
                        card -= set_type_remove(dstset, p, n)
            finally:
                set_iter_release(&it)
            if card == 0:
                break
    if dst >= 0:
        return set_store_result(c, dst, dstset,
                                b"sunionstore" if op == SET_OP_UNION else b"sdiffstore")
    c.add_set_len(card)
    set_iter_init(&it, dstset)
    try:
        while True:
            enc = set_iter_next(&it, &p, &n, &ll)
            if enc < 0:
                break
            set_reply_elem(c, enc, p, n, ll)
    finally:
        set_iter_release(&it)
    return 0

cdef int cmd_sinter(Client c) except -1:
    return set_inter(c, 1, c.argc - 1, -1, False, 0)

cdef int cmd_sinterstore(Client c) except -1:
    return set_inter(c, 2, c.argc - 2, 1, False, 0)

cdef int cmd_sintercard(Client c) except -1:
    cdef long long numkeys, limit = 0
    cdef int j
    if not c.arg_range(1, 1, LLONG_MAX, &numkeys, b"numkeys should be greater than 0"):
        return 0
    if numkeys > c.argc - 2:
        return c.add_error_bytes(b"Number of keys can't be greater than number of args")
    j = 2 + <int>numkeys
    while j < c.argc:
        if c.arg_is(j, b"limit") and j < c.argc - 1:
            j += 1
            if not c.arg_range(j, 0, LLONG_MAX, &limit, b"LIMIT can't be negative"):
                return 0
        else:
            return c.add_syntax_error()
        j += 1
    return set_inter(c, 2, <int>numkeys, -1, True, <uint64_t>limit)

cdef int cmd_sunion(Client c) except -1:
    return set_union_diff(c, 1, c.argc - 1, -1, SET_OP_UNION)

cdef int cmd_sunionstore(Client c) except -1:
    return set_union_diff(c, 2, c.argc - 2, 1, SET_OP_UNION)

cdef int cmd_sdiff(Client c) except -1:
    return set_union_diff(c, 1, c.argc - 1, -1, SET_OP_DIFF)

cdef int cmd_sdiffstore(Client c) except -1:
    return set_union_diff(c, 2, c.argc - 2, 1, SET_OP_DIFF)


# ------------------------------------------------------------------ SSCAN

cdef void _set_scan_collect(void* priv, dictEntry* e) noexcept:
    (<list>priv).append(PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen))

cdef int cmd_sscan(Client c) except -1:
    cdef int match_arg, type_arg
    cdef bint wrong
    cdef uint64_t cursor
    cdef SetValue s
    cdef long long count = 10
    cdef long long maxiter
    cdef int i = 3
    cdef bytes pat = None
    cdef bint use_pattern = False
    cdef list found = []
    cdef list out
    cdef uint32_t k, nis
    cdef int64_t v
    cdef intset* iset
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    s = set_lookup_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b"*2\r\n$1\r\n0\r\n*0\r\n")
    if not parse_scan_options(c, i, False, &count, &match_arg, &type_arg):
        return 0
    use_pattern = match_arg >= 0
    if use_pattern:
        pat = c.arg_bytes(match_arg)
    if set_is_ht(s):
        maxiter = count * 10
        while True:
            cursor = dict_scan(set_ht(s), cursor, _set_scan_collect, <void*>found)
            if not (cursor and maxiter and len(found) < count):
                break
            maxiter -= 1
    else:
        # compact encoding: everything at once, cursor 0
        iset = <intset*>s.p
        nis = intset_len(iset)
        for k in range(nis):
            intset_get(iset, k, &v)
            found.append(str(v).encode())
        cursor = 0
    if use_pattern:
        out = [m for m in found if stringmatchlen(pat, len(pat), m, len(m), 0)]
    else:
        out = found
    c.add_array_len(2)
    c.add_bulk_ll(<long long>cursor)
    c.add_array_len(len(out))
    for m in out:
        c.add_bulk(m, len(m))
    return 0


# ------------------------------------------------------------------ Python-level helpers

def set_from_members(members, long long max_intset_entries=512):
    """A SetValue holding `members` (bytes), encoded as SADD would leave it
    (for loaders and tests)."""
    cdef SetValue s = SetValue()
    cdef bytes b
    cdef long long maxis = SET_INTSET_HARD_MAX if max_intset_entries >= SET_INTSET_HARD_MAX \
        else max_intset_entries
    for m in members:
        b = m
        set_type_add(s, b, len(b), maxis)
    return s


def set_from_intset_blob(bytes blob):
    """A SetValue over a copy of an intset blob (validated by the caller)."""
    cdef SetValue s = SetValue()
    cdef intset* iset = intset_from_blob(<const unsigned char*>PyBytes_AS_STRING(blob),
                                         <size_t>PyBytes_GET_SIZE(blob))
    if iset == NULL:
        raise MemoryError()
    intset_free(<intset*>s.p)
    s.p = iset
    return s


register_c("sadd", cmd_sadd)
register_c("srem", cmd_srem)
register_c("smove", cmd_smove)
register_c("sismember", cmd_sismember)
register_c("smismember", cmd_smismember)
register_c("scard", cmd_scard)
register_c("spop", cmd_spop)
register_c("srandmember", cmd_srandmember)
register_c("sinter", cmd_sinter)
register_c("smembers", cmd_sinter)
register_c("sinterstore", cmd_sinterstore)
register_c("sintercard", cmd_sintercard)
register_c("sunion", cmd_sunion)
register_c("sunionstore", cmd_sunionstore)
register_c("sdiff", cmd_sdiff)
register_c("sdiffstore", cmd_sdiffstore)
register_c("sscan", cmd_sscan)
