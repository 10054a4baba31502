# Streams (Redis's t_stream.c): a StreamValue is a radix tree (lib/rax) of
# listpacks keyed by the 128-bit ID of each listpack's master entry, written
# big-endian so that key order is ID order. Each listpack is a stream node in
# Redis's own byte format, so RDB and DUMP carry it unchanged:
#
#   master entry:  count | deleted | num-fields | field_1 ... field_N | 0
#   an entry:      flags | ms-delta | seq-delta | num-fields | field_1 |
#                  value_1 ... field_N | value_N | lp-count
#   same fields:   flags | ms-delta | seq-delta | value_1 ... value_N | lp-count
#
# count / deleted: live and deleted-flagged entries in the node; the deltas
# are against the master ID; flags: 1 deleted, 2 same fields as the master
# entry; lp-count: how many listpack elements the entry has before it, so a
# node is walked backwards too. A node takes new entries until it reaches
# stream-node-max-bytes or stream-node-max-entries (live + deleted).
#
# Consumer groups: a rax of name -> StreamGroup, each with its pending-entries
# list (a rax of ID -> streamNACK, owning them) and a rax of name ->
# StreamConsumer, each consumer with its own rax of the same NACKs.

from rkvd._core.lib.rax cimport (
    raxIterator, rax_new, rax_free, rax_size, rax_insert, rax_try_insert, rax_remove, rax_find,
    rax_redis_numnodes,
    rax_start, rax_seek, rax_next, rax_prev, rax_stop, rax_eof,
)
from rkvd._core.lib.listpack cimport (
    lp_new, lp_free, lp_bytes, lp_first, lp_last, lp_next, lp_prev, lp_get_value,
    lp_append, lp_append_int64, lp_replace_int64, lp_shrink_to_fit,
)
from libc.stdint cimport UINT64_MAX
from cpython.ref cimport Py_INCREF

cdef enum:
    STREAM_ITEM_FLAG_NONE = 0
    STREAM_ITEM_FLAG_DELETED = 1
    STREAM_ITEM_FLAG_SAMEFIELDS = 2
    STREAM_LISTPACK_MAX_PRE_ALLOCATE = 4096
    STREAM_LISTPACK_MAX_SIZE = 1 << 30
    STREAM_ID_STR_LEN = 44
    SCG_INVALID_ENTRIES_READ = -1
    TRIM_NONE = 0
    TRIM_MAXLEN = 1
    TRIM_MINID = 2
    # streamReplyWithRange flags
    RWR_NOACK = 1
    RWR_RAWENTRIES = 2
    RWR_HISTORY = 4
    XREAD_BLOCKED_DEFAULT_COUNT = 1000
    STREAMID_STATIC_VECTOR_LEN = 8

cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)


# ------------------------------------------------------------------ IDs

cdef void stream_encode_id(unsigned char* buf, const streamID* id) noexcept nogil:
    cdef int i
    for i in range(8):
        buf[i] = <unsigned char>(id.ms >> (56 - 8 * i))
        buf[8 + i] = <unsigned char>(id.seq >> (56 - 8 * i))

cdef void stream_decode_id(const unsigned char* buf, streamID* id) noexcept nogil:
    cdef int i
    id.ms = 0
    id.seq = 0
    for i in range(8):
        id.ms = (id.ms << 8) | buf[i]
        id.seq = (id.seq << 8) | buf[8 + i]

cdef inline int id_cmp(const streamID* a, const streamID* b) noexcept nogil:
    if a.ms > b.ms:
        return 1
    if a.ms < b.ms:
        return -1
    if a.seq > b.seq:
        return 1
    if a.seq < b.seq:
        return -1
    return 0

cdef inline bint id_is_zero(const streamID* a) noexcept nogil:
    return a.ms == 0 and a.seq == 0

# The successor of id; 0 (and id wrapped to 0-0) when id was the maximum.
cdef inline int id_incr(streamID* id) noexcept nogil:
    if id.seq == UINT64_MAX:
        if id.ms == UINT64_MAX:
            id.ms = 0
            id.seq = 0
            return 0
        id.ms += 1
        id.seq = 0
    else:
        id.seq += 1
    return 1

# The predecessor of id; 0 (id stays 0-0) when id was the minimum.
cdef inline int id_decr(streamID* id) noexcept nogil:
    if id.seq == 0:
        if id.ms == 0:
            return 0
        id.ms -= 1
        id.seq = UINT64_MAX
    else:
        id.seq -= 1
    return 1

cdef inline int id_format(char* buf, const streamID* id) noexcept nogil:
    cdef int n = ull2string(buf, 21, id.ms)
    buf[n] = b'-'
    return n + 1 + ull2string(buf + n + 1, 21, id.seq)

cdef inline bytes id_bytes(const streamID* id):
    cdef char buf[STREAM_ID_STR_LEN]
    return PyBytes_FromStringAndSize(buf, id_format(buf, id))

cdef inline int add_id(Client c, const streamID* id) except -1:
    cdef char buf[STREAM_ID_STR_LEN]
    return c.add_bulk(buf, id_format(buf, id))

cdef inline int64_t lp_int(unsigned char* p) noexcept nogil:
    cdef unsigned int slen = 0
    cdef long long v = 0
    cdef unsigned char* s = lp_get_value(p, &slen, &v)
    if s != NULL:
        string2ll(<const char*>s, slen, &v)
    return v

# Redis's streamGenericParseIDOrReply on argv[i]. strict refuses "-" and
# "+"; seq_given (may be NULL) allows "ms-*" and says whether a sequence was
# given. On failure replies (when reply) and returns 0.
cdef int parse_id(Client c, const char* p, Py_ssize_t n, streamID* id, uint64_t missing_seq,
                  bint strict, int* seq_given, bint reply) except -1:
    cdef char buf[128]
    cdef char* dot
    cdef unsigned long long ms, seq
    if n > 127:
        return _bad_id(c, reply)
    memcpy(buf, p, n)
    buf[n] = 0
    if strict and (buf[0] == b'-' or buf[0] == b'+') and buf[1] == 0:
        return _bad_id(c, reply)
    if seq_given != NULL:
        seq_given[0] = 1
    if buf[0] == b'-' and buf[1] == 0:
        id.ms = 0
        id.seq = 0
        return 1
    if buf[0] == b'+' and buf[1] == 0:
        id.ms = UINT64_MAX
        id.seq = UINT64_MAX
        return 1
    dot = strchr(buf, b'-')
    if dot != NULL:
        dot[0] = 0
    if not string2ull(buf, &ms):
        return _bad_id(c, reply)
    if dot != NULL:
        if seq_given != NULL and dot[1] == b'*' and dot[2] == 0:
            seq = 0
            seq_given[0] = 0
        elif not string2ull(dot + 1, &seq):
            return _bad_id(c, reply)
    else:
        seq = missing_seq
    id.ms = ms
    id.seq = seq
    return 1

cdef extern from "<string.h>" nogil:
    char* strchr(const char* s, int ch)

cdef int _bad_id(Client c, bint reply) except -1:
    if reply:
        c.add_error_bytes(b"Invalid stream ID specified as stream command argument")
    return 0

cdef inline int parse_arg_id(Client c, int i, streamID* id, uint64_t missing_seq, bint strict) except -1:
    return parse_id(c, c.argv[i].ptr, c.argv[i].len, id, missing_seq, strict, NULL, True)

# An interval bound: "(" makes it exclusive (*exclude) and strict.
cdef int parse_interval_id(Client c, int i, streamID* id, int* exclude, uint64_t missing_seq) except -1:
    cdef const char* p = c.argv[i].ptr
    cdef Py_ssize_t n = c.argv[i].len
    if exclude != NULL:
        exclude[0] = n > 1 and p[0] == b'('
        if exclude[0]:
            return parse_id(c, p + 1, n - 1, id, missing_seq, True, NULL, True)
    return parse_id(c, p, n, id, missing_seq, False, NULL, True)


# ------------------------------------------------------------------ the value

cdef void _free_lp(void* p) noexcept nogil:
    lp_free(<unsigned char*>p)

cdef void _free_nack(void* p) noexcept nogil:
    free(p)


@cython.final
cdef class StreamConsumer:
    def __dealloc__(self):
        if self.pel != NULL:
            rax_free(self.pel, NULL)     # the NACKs belong to the group
            self.pel = NULL

    property pending:
        def __get__(self):
            return rax_size(self.pel)


@cython.final
cdef class StreamGroup:
    def __dealloc__(self):
        if self.consumers != NULL:
            objrax_free(self.consumers)
            self.consumers = NULL
        if self.pel != NULL:
            rax_free(self.pel, _free_nack)
            self.pel = NULL


@cython.final
@cython.freelist(8)
cdef class StreamValue:
    """A stream: a rax of stream-node listpacks plus consumer groups."""

    def __dealloc__(self):
        if self.cgroups != NULL:
            objrax_free(self.cgroups)
            self.cgroups = NULL
        if self.rax != NULL:
            rax_free(self.rax, _free_lp)
            self.rax = NULL

    def __len__(self):
        return self.length

    def encoding_name(self):
        return b"stream"

    def copy(self):
        """An independent stream with the same nodes and groups (COPY)."""
        return stream_dup(self)

    def memory_usage(self, long long samples=5):
        return stream_mem_usage(self, samples)

    def mem_usage(self):
        return stream_mem_usage(self, 5)

    property node_count:
        def __get__(self):
            return rax_size(self.rax)

    def entries(self):
        """[(ms, seq, [field, value, ...])] of the live entries in ID order
        (DEBUG DIGEST)."""
        cdef StreamIter si
        cdef streamID id
        cdef int64_t numfields
        out = []
        if self.corrupt:
            raise ValueError("a stream loaded from a corrupt payload")
        si_start(&si, self, NULL, NULL, False)
        try:
            while si_get_id(&si, &id, &numfields):
                out.append((id.ms, id.seq, si_fields_list(&si, numfields)))
        finally:
            si_stop(&si)
        return out


# Groups by name and consumers by name are rax trees like Redis's (so they
# iterate in Redis's order, and the RDB writer walks them without the GIL),
# each value a Python object the tree holds one reference to.
cdef int objrax_add(rax* r, bytes name, object obj) except -1:
    cdef int rc = rax_try_insert(r, <const unsigned char*>PyBytes_AS_STRING(name), PyBytes_GET_SIZE(name),
                                 <void*>obj, NULL)
    if rc < 0:
        raise MemoryError()
    if rc == 1:
        Py_INCREF(obj)
    return rc

cdef inline object objrax_get(rax* r, bytes name):
    cdef void* found
    if r == NULL or not rax_find(r, <const unsigned char*>PyBytes_AS_STRING(name), PyBytes_GET_SIZE(name),
                                 &found):
        return None
    return <object>found

cdef int objrax_del(rax* r, bytes name) except -1:
    cdef void* old
    if r == NULL or not rax_remove(r, <const unsigned char*>PyBytes_AS_STRING(name), PyBytes_GET_SIZE(name),
                                   &old):
        return 0
    Py_XDECREF(<PyObject*>old)
    return 1

# [(name, object)] in key order.
cdef list objrax_items(rax* r):
    cdef list out = []
    cdef raxIterator ri
    if r == NULL:
        return out
    rax_start(&ri, r)
    rax_seek(&ri, b"^", NULL, 0)
    while rax_next(&ri):
        out.append((PyBytes_FromStringAndSize(<char*>ri.key, ri.key_len), <object>ri.data))
    rax_stop(&ri)
    return out

cdef inline uint64_t objrax_size(rax* r) noexcept:
    return rax_size(r) if r != NULL else 0

cdef int objrax_free(rax* r) except -1:
    cdef list held = [obj for _, obj in objrax_items(r)]
    cdef raxIterator ri
    rax_start(&ri, r)
    rax_seek(&ri, b"^", NULL, 0)
    while rax_next(&ri):
        Py_XDECREF(<PyObject*>ri.data)
    rax_stop(&ri)
    rax_free(r, NULL)
    del held       # the last references go after the tree
    return 0


cdef int stream_corrupt_panic(Engine eng) except -1:
    eng.log_warning("=== ASSERTION FAILED ===")
    eng.log_warning("==> t_stream.pyx 'the stream's nodes are valid stream listpacks' is not true")
    return _panic_exit(eng)

# Redis's serverPanic: its lines, then the same exit.
cdef int stream_panic(Engine eng, str msg) except -1:
    eng.log_warning("------------------------------------------------")
    eng.log_warning("!!! Software Failure. Press left mouse button to continue")
    eng.log_warning(f"Guru Meditation: {msg} #t_stream.pyx")
    return _panic_exit(eng)

cdef int _panic_exit(Engine eng) except -1:
    import os
    if eng.server is not None and eng.server.cfg["use-exit-on-panic"]:
        os._exit(1)
    os.abort()
    return 0


cdef StreamValue stream_create():
    cdef StreamValue s = StreamValue.__new__(StreamValue)
    s.rax = rax_new()
    if s.rax == NULL:
        raise MemoryError()
    return s

cdef StreamGroup stream_create_cg(StreamValue s, bytes name, streamID* id, long long entries_read):
    cdef StreamGroup g
    if s.cgroups == NULL:
        s.cgroups = rax_new()
        if s.cgroups == NULL:
            raise MemoryError()
    elif objrax_get(s.cgroups, name) is not None:
        return None
    g = StreamGroup.__new__(StreamGroup)
    g.pel = rax_new()
    g.consumers = rax_new()
    if g.pel == NULL or g.consumers == NULL:
        raise MemoryError()
    g.last_id = id[0]
    g.entries_read = entries_read
    objrax_add(s.cgroups, name, g)
    return g

cdef StreamConsumer stream_group_add_consumer(StreamGroup g, bytes name, long long now):
    cdef StreamConsumer sc
    if objrax_get(g.consumers, name) is not None:
        return None
    sc = StreamConsumer.__new__(StreamConsumer)
    sc.pel = rax_new()
    if sc.pel == NULL:
        raise MemoryError()
    sc.name = name
    sc.seen_time = now
    objrax_add(g.consumers, name, sc)
    return sc

cdef int stream_group_add_nack(StreamGroup g, StreamConsumer consumer, const unsigned char* key,
                               int64_t delivery_time, uint64_t delivery_count) except -1:
    cdef streamNACK* nack = <streamNACK*>malloc(sizeof(streamNACK))
    if nack == NULL:
        raise MemoryError()
    nack.delivery_time = delivery_time
    nack.delivery_count = delivery_count
    nack.consumer = <void*>consumer if consumer is not None else NULL
    if rax_try_insert(g.pel, key, 16, nack, NULL) != 1:
        free(nack)
        return -1
    if consumer is not None:
        rax_insert(consumer.pel, key, 16, nack, NULL)
    return 0

cdef inline StreamGroup lookup_cg(StreamValue s, bytes name):
    return objrax_get(s.cgroups, name)

cdef StreamValue stream_dup(StreamValue s):
    cdef StreamValue n = stream_create()
    cdef raxIterator ri
    cdef unsigned char* lp
    cdef size_t sz
    cdef StreamGroup g, ng
    cdef StreamConsumer sc, nsc
    cdef streamNACK* nack
    cdef void* found
    rax_start(&ri, s.rax)
    rax_seek(&ri, b"^", NULL, 0)
    while rax_next(&ri):
        sz = lp_bytes(<unsigned char*>ri.data)
        lp = <unsigned char*>malloc(sz)
        if lp == NULL:
            rax_stop(&ri)
            raise MemoryError()
        memcpy(lp, ri.data, sz)
        rax_insert(n.rax, ri.key, ri.key_len, lp, NULL)
    rax_stop(&ri)
    n.length = s.length
    n.last_id = s.last_id
    n.first_id = s.first_id
    n.max_deleted_entry_id = s.max_deleted_entry_id
    n.entries_added = s.entries_added
    for name, g in objrax_items(s.cgroups):
        ng = stream_create_cg(n, name, &g.last_id, g.entries_read)
        rax_start(&ri, g.pel)
        rax_seek(&ri, b"^", NULL, 0)
        while rax_next(&ri):
            nack = <streamNACK*>ri.data
            stream_group_add_nack(ng, None, ri.key, nack.delivery_time, nack.delivery_count)
        rax_stop(&ri)
        for cname, sc in objrax_items(g.consumers):
            nsc = stream_group_add_consumer(ng, cname, sc.seen_time)
            rax_start(&ri, sc.pel)
            rax_seek(&ri, b"^", NULL, 0)
            while rax_next(&ri):
                if rax_find(ng.pel, ri.key, ri.key_len, &found):
                    (<streamNACK*>found).consumer = <void*>nsc
                    rax_insert(nsc.pel, ri.key, ri.key_len, found, NULL)
            rax_stop(&ri)
    return n

# Redis's streamRadixTreeMemoryUsage, counting its nodes as rax.c has them
# (and, as it does, leaving the rax struct itself out).
cdef inline size_t rax_mem_usage(rax* r) noexcept:
    cdef size_t nodes = rax_redis_numnodes(r)
    return rax_size(r) * 16 + nodes * 4 + nodes * 8 * 30

# What a node's block is in jemalloc's classes (zmalloc_size in Redis): its
# bytes (a node is shrunk to fit when the next one starts, a loaded or
# copied one is allocated to fit), or for the node XADD started with room
# to grow, at least that room.
cdef inline size_t node_alloc_size(StreamValue s, const unsigned char* key, unsigned char* lp) noexcept:
    cdef size_t n = lp_bytes(lp)
    cdef unsigned char pkey[16]
    if s.prealloc > n:
        stream_encode_id(pkey, &s.prealloc_node)
        if memcmp(pkey, key, 16) == 0:
            n = s.prealloc
    return _jemalloc_size(n)

# Redis's objectComputeSize for a stream: robj and stream structs, the tree,
# the nodes (the first `samples` averaged, 0: all, plus the real last one),
# and per group its struct, PEL and NACKs, per consumer its struct, name
# (its length, as 7.0 counts it) and PEL.
cdef long long stream_mem_usage(StreamValue s, long long samples):
    cdef size_t size = 16 + 80 + rax_mem_usage(s.rax)
    cdef size_t lpsize = 0
    cdef uint64_t seen = 0
    cdef raxIterator ri
    cdef StreamGroup g
    cdef StreamConsumer sc
    rax_start(&ri, s.rax)
    rax_seek(&ri, b"^", NULL, 0)
    while (samples <= 0 or seen < <uint64_t>samples) and rax_next(&ri):
        seen += 1
        lpsize += node_alloc_size(s, ri.key, <unsigned char*>ri.data)
    if rax_size(s.rax) <= seen:
        size += lpsize
    else:
        size += lpsize // seen * (rax_size(s.rax) - 1)
        rax_seek(&ri, b"$", NULL, 0)
        if rax_next(&ri):
            size += node_alloc_size(s, ri.key, <unsigned char*>ri.data)
    rax_stop(&ri)
    for _, g in objrax_items(s.cgroups):
        size += 40 + rax_mem_usage(g.pel) + sizeof(streamNACK) * rax_size(g.pel)
        for _, sc in objrax_items(g.consumers):
            size += 24 + len(sc.name) + rax_mem_usage(sc.pel)
    return size


# ------------------------------------------------------------------ append / trim

cdef inline unsigned long long node_max_bytes(Engine eng) noexcept:
    cdef unsigned long long m = eng.stream_node_max_bytes
    if m == 0 or m > STREAM_LISTPACK_MAX_SIZE:
        m = STREAM_LISTPACK_MAX_SIZE
    return m

# Append an entry of numfields pairs at argv[first ...]. use_id NULL: the
# next automatic ID; otherwise that ID (seq_given 0: "ms-*"). Returns 0 and
# *added, -1 when the ID is not above the last one (EDOM), -2 when the
# elements are too large (ERANGE).
cdef int stream_append(StreamValue s, Engine eng, Client c, int first, long long numfields,
                       streamID* added, streamID* use_id, bint seq_given) except -2:
    cdef streamID id, master_id
    cdef raxIterator ri
    cdef unsigned char* lp = NULL
    cdef unsigned char* tail_lp = NULL
    cdef unsigned char* p
    cdef unsigned char rax_key[16]
    cdef unsigned char tail_key[16]
    cdef size_t lpb = 0, totelelen = 0, prealloc
    cdef long long i, count, master_fields
    cdef int flags = STREAM_ITEM_FLAG_NONE
    cdef unsigned int slen
    cdef long long lval
    cdef unsigned char* fs
    cdef char numbuf[24]
    cdef int64_t lp_count
    cdef bint new_node
    if use_id != NULL:
        if seq_given:
            id = use_id[0]
        elif s.last_id.ms == use_id.ms:
            if s.last_id.seq == UINT64_MAX:
                return -1
            id = s.last_id
            id.seq += 1
        else:
            id = use_id[0]
    else:
        _next_auto_id(&s.last_id, &id, mstime())
    if id_cmp(&id, &s.last_id) <= 0:
        return -1
    for i in range(numfields * 2):
        totelelen += c.argv[first + i].len
    if totelelen > STREAM_LISTPACK_MAX_SIZE:
        return -2
    rax_start(&ri, s.rax)
    rax_seek(&ri, b"$", NULL, 0)
    if rax_next(&ri):
        tail_lp = <unsigned char*>ri.data
        memcpy(tail_key, ri.key, 16)
        lp = tail_lp
        lpb = lp_bytes(lp)
    rax_stop(&ri)
    if lp != NULL:
        new_node = False
        if lpb + totelelen >= node_max_bytes(eng):
            new_node = True
        elif eng.stream_node_max_entries:
            p = lp_first(lp)
            count = lp_int(p) + lp_int(lp_next(lp, p))
            if count >= eng.stream_node_max_entries:
                new_node = True
        if new_node:
            lp = lp_shrink_to_fit(lp)
            if lp != tail_lp:
                rax_insert(s.rax, tail_key, 16, lp, NULL)
            lp = NULL
    if lp == NULL:
        master_id = id
        stream_encode_id(rax_key, &id)
        prealloc = STREAM_LISTPACK_MAX_PRE_ALLOCATE
        if eng.stream_node_max_bytes > 0 and <size_t>eng.stream_node_max_bytes < prealloc:
            prealloc = eng.stream_node_max_bytes
        lp = lp_new(prealloc)
        s.prealloc_node = id
        s.prealloc = prealloc
        lp = lp_append_int64(lp, 1)
        lp = lp_append_int64(lp, 0)
        lp = lp_append_int64(lp, numfields)
        for i in range(numfields):
            lp = lp_append(lp, <unsigned char*>c.argv[first + 2 * i].ptr, <uint32_t>c.argv[first + 2 * i].len)
        lp = lp_append_int64(lp, 0)
        if lp == NULL:
            raise MemoryError()
        if rax_insert(s.rax, rax_key, 16, lp, NULL) < 0:
            lp_free(lp)
            raise MemoryError()
        flags |= STREAM_ITEM_FLAG_SAMEFIELDS
    else:
        memcpy(rax_key, tail_key, 16)
        stream_decode_id(rax_key, &master_id)
        p = lp_first(lp)
        count = lp_int(p)
        lp = lp_replace_int64(lp, &p, count + 1)
        p = lp_next(lp, p)
        p = lp_next(lp, p)
        master_fields = lp_int(p)
        p = lp_next(lp, p)
        if numfields == master_fields:
            i = 0
            while i < master_fields:
                fs = lp_get_value(p, &slen, &lval)
                if fs == NULL:
                    slen = ll2string(numbuf, 24, lval)
                    fs = <unsigned char*>numbuf
                if <Py_ssize_t>slen != c.argv[first + 2 * i].len or \
                        memcmp(fs, c.argv[first + 2 * i].ptr, slen) != 0:
                    break
                p = lp_next(lp, p)
                i += 1
            if i == master_fields:
                flags |= STREAM_ITEM_FLAG_SAMEFIELDS
    lp = lp_append_int64(lp, flags)
    lp = lp_append_int64(lp, <long long>(id.ms - master_id.ms))
    lp = lp_append_int64(lp, <long long>(id.seq - master_id.seq))
    if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
        lp = lp_append_int64(lp, numfields)
    for i in range(numfields):
        if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
            lp = lp_append(lp, <unsigned char*>c.argv[first + 2 * i].ptr, <uint32_t>c.argv[first + 2 * i].len)
        lp = lp_append(lp, <unsigned char*>c.argv[first + 2 * i + 1].ptr, <uint32_t>c.argv[first + 2 * i + 1].len)
    lp_count = numfields + 3
    if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
        lp_count += numfields + 1
    lp = lp_append_int64(lp, lp_count)
    if lp == NULL:
        raise MemoryError()
    rax_insert(s.rax, rax_key, 16, lp, NULL)
    s.length += 1
    s.entries_added += 1
    s.last_id = id
    if s.length == 1:
        s.first_id = id
    added[0] = id
    return 0

# Redis's streamNextID: the wall clock ms, or last's successor when the
# clock is not ahead of it.
cdef inline void _next_auto_id(streamID* last, streamID* new_id, long long now) noexcept:
    cdef uint64_t ms = <uint64_t>now
    if ms > last.ms:
        new_id.ms = ms
        new_id.seq = 0
    else:
        new_id[0] = last[0]
        id_incr(new_id)


ctypedef struct TrimArgs:
    streamID id
    int id_given
    int seq_given
    int no_mkstream
    int trim_strategy
    int trim_strategy_arg_idx
    int approx_trim
    long long limit
    long long maxlen
    streamID minid

# The ID of the first or last entry of a node: 0 when the node has none.
cdef int lp_edge_id(unsigned char* lp, bint first, streamID* master_id, streamID* edge) noexcept:
    cdef unsigned char* p
    cdef int64_t n, lp_count
    if first:
        p = lp_first(lp)
        p = lp_next(lp, p)
        p = lp_next(lp, p)
        n = lp_int(p)
        p = lp_next(lp, p)
        while n > 0:
            p = lp_next(lp, p)
            n -= 1
        p = lp_next(lp, p)
        if p == NULL:
            return 0
    else:
        p = lp_last(lp)
        lp_count = lp_int(p)
        if lp_count == 0:
            return 0
        while lp_count > 0:
            p = lp_prev(lp, p)
            lp_count -= 1
    p = lp_next(lp, p)       # ms delta
    edge.ms = master_id.ms + <uint64_t>lp_int(p)
    p = lp_next(lp, p)
    edge.seq = master_id.seq + <uint64_t>lp_int(p)
    return 1

cdef long long stream_trim(StreamValue s, TrimArgs* args) except -1:
    cdef raxIterator ri
    cdef unsigned char* lp
    cdef unsigned char* p
    cdef unsigned char* pcopy
    cdef int64_t entries, master_fields, flags, to_skip, marked_deleted, deleted_from_lp
    cdef long long deleted = 0
    cdef bint remove_node, stop
    cdef streamID master_id, last_id, currid
    cdef unsigned char key[16]
    cdef Py_ssize_t delta
    if args.trim_strategy == TRIM_NONE:
        return 0
    rax_start(&ri, s.rax)
    rax_seek(&ri, b"^", NULL, 0)
    while rax_next(&ri):
        if args.trim_strategy == TRIM_MAXLEN and s.length <= <uint64_t>args.maxlen:
            break
        lp = <unsigned char*>ri.data
        p = lp_first(lp)
        entries = lp_int(p)
        if args.limit and deleted + entries > args.limit:
            break
        memcpy(key, ri.key, 16)
        stream_decode_id(key, &master_id)
        if args.trim_strategy == TRIM_MAXLEN:
            remove_node = s.length - <uint64_t>entries >= <uint64_t>args.maxlen
        else:
            lp_edge_id(lp, False, &master_id, &last_id)
            remove_node = id_cmp(&last_id, &args.minid) < 0
        if remove_node:
            lp_free(lp)
            rax_remove(s.rax, key, 16, NULL)
            rax_seek(&ri, b">=", key, 16)
            s.length -= entries
            deleted += entries
            continue
        if args.approx_trim:
            break
        deleted_from_lp = 0
        p = lp_next(lp, p)
        p = lp_next(lp, p)
        master_fields = lp_int(p)
        p = lp_next(lp, p)
        for _ in range(master_fields):
            p = lp_next(lp, p)
        p = lp_next(lp, p)
        while p != NULL:
            pcopy = p
            flags = lp_int(p)
            p = lp_next(lp, p)
            currid.ms = master_id.ms + <uint64_t>lp_int(p)
            p = lp_next(lp, p)
            currid.seq = master_id.seq + <uint64_t>lp_int(p)
            p = lp_next(lp, p)
            if args.trim_strategy == TRIM_MAXLEN:
                stop = s.length <= <uint64_t>args.maxlen
            else:
                stop = id_cmp(&currid, &args.minid) >= 0
            if stop:
                break
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                to_skip = master_fields
            else:
                to_skip = lp_int(p) * 2
                p = lp_next(lp, p)
            while to_skip > 0:
                p = lp_next(lp, p)
                to_skip -= 1
            p = lp_next(lp, p)       # past lp-count
            if not (flags & STREAM_ITEM_FLAG_DELETED):
                delta = (p - lp) if p != NULL else -1
                lp = lp_replace_int64(lp, &pcopy, flags | STREAM_ITEM_FLAG_DELETED)
                deleted_from_lp += 1
                s.length -= 1
                p = (lp + delta) if delta >= 0 else NULL
        deleted += deleted_from_lp
        p = lp_first(lp)
        lp = lp_replace_int64(lp, &p, entries - deleted_from_lp)
        p = lp_next(lp, p)
        marked_deleted = lp_int(p)
        lp = lp_replace_int64(lp, &p, marked_deleted + deleted_from_lp)
        rax_insert(s.rax, key, 16, lp, NULL)
        break
    rax_stop(&ri)
    if s.length == 0:
        s.first_id.ms = 0
        s.first_id.seq = 0
    elif deleted:
        stream_edge_id(s, True, True, &s.first_id)
    return deleted


# ------------------------------------------------------------------ iterator

ctypedef struct StreamIter:
    rax* r
    raxIterator ri
    unsigned char start_key[16]
    unsigned char end_key[16]
    streamID master_id
    uint64_t master_fields_count
    unsigned char* master_fields_start
    unsigned char* master_fields_ptr
    int entry_flags
    int rev
    int skip_tombstones
    unsigned char* lp
    unsigned char* lp_ele
    unsigned char* lp_flags

cdef void si_start(StreamIter* si, StreamValue s, streamID* start, streamID* end, bint rev) noexcept:
    if start != NULL:
        stream_encode_id(si.start_key, start)
    else:
        memset(si.start_key, 0, 16)
    if end != NULL:
        stream_encode_id(si.end_key, end)
    else:
        memset(si.end_key, 0xff, 16)
    rax_start(&si.ri, s.rax)
    if not rev:
        if start != NULL and not id_is_zero(start):
            rax_seek(&si.ri, b"<=", si.start_key, 16)
            if rax_eof(&si.ri):
                rax_seek(&si.ri, b"^", NULL, 0)
        else:
            rax_seek(&si.ri, b"^", NULL, 0)
    else:
        if end != NULL and not id_is_zero(end):
            rax_seek(&si.ri, b"<=", si.end_key, 16)
            if rax_eof(&si.ri):
                rax_seek(&si.ri, b"$", NULL, 0)
        else:
            rax_seek(&si.ri, b"$", NULL, 0)
    si.r = s.rax
    si.lp = NULL
    si.lp_ele = NULL
    si.rev = rev
    si.skip_tombstones = 1

cdef inline void si_stop(StreamIter* si) noexcept:
    rax_stop(&si.ri)

# The next entry in range: 1 with *id and *numfields, 0 at the end.
cdef int si_get_id(StreamIter* si, streamID* id, int64_t* numfields) noexcept:
    cdef uint64_t _i
    cdef int64_t lp_count, flags, to_discard, prev_times
    cdef unsigned char buf[16]
    while True:
        if si.lp == NULL or si.lp_ele == NULL:
            if not si.rev:
                if not rax_next(&si.ri):
                    return 0
            elif not rax_prev(&si.ri):
                return 0
            stream_decode_id(si.ri.key, &si.master_id)
            si.lp = <unsigned char*>si.ri.data
            si.lp_ele = lp_first(si.lp)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            si.master_fields_count = lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            si.master_fields_start = si.lp_ele
            if not si.rev:
                for _i in range(si.master_fields_count):
                    si.lp_ele = lp_next(si.lp, si.lp_ele)
            else:
                si.lp_ele = lp_last(si.lp)
        elif si.rev:
            lp_count = lp_int(si.lp_ele)
            while lp_count > 0:
                si.lp_ele = lp_prev(si.lp, si.lp_ele)
                lp_count -= 1
            si.lp_ele = lp_prev(si.lp, si.lp_ele)
        while True:
            if not si.rev:
                si.lp_ele = lp_next(si.lp, si.lp_ele)
                if si.lp_ele == NULL:
                    break
            else:
                lp_count = lp_int(si.lp_ele)
                if lp_count == 0:
                    si.lp = NULL
                    si.lp_ele = NULL
                    break
                while lp_count > 0:
                    si.lp_ele = lp_prev(si.lp, si.lp_ele)
                    lp_count -= 1
            si.lp_flags = si.lp_ele
            flags = lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            id[0] = si.master_id
            id.ms += <uint64_t>lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            id.seq += <uint64_t>lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            stream_encode_id(buf, id)
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                numfields[0] = si.master_fields_count
            else:
                numfields[0] = lp_int(si.lp_ele)
                si.lp_ele = lp_next(si.lp, si.lp_ele)
            if not si.rev:
                if memcmp(buf, si.start_key, 16) >= 0 and \
                        (not si.skip_tombstones or not (flags & STREAM_ITEM_FLAG_DELETED)):
                    if memcmp(buf, si.end_key, 16) > 0:
                        return 0
                    si.entry_flags = <int>flags
                    if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                        si.master_fields_ptr = si.master_fields_start
                    return 1
            else:
                if memcmp(buf, si.end_key, 16) <= 0 and \
                        (not si.skip_tombstones or not (flags & STREAM_ITEM_FLAG_DELETED)):
                    if memcmp(buf, si.start_key, 16) < 0:
                        return 0
                    si.entry_flags = <int>flags
                    if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                        si.master_fields_ptr = si.master_fields_start
                    return 1
            if not si.rev:
                to_discard = numfields[0] if flags & STREAM_ITEM_FLAG_SAMEFIELDS else numfields[0] * 2
                while to_discard > 0:
                    si.lp_ele = lp_next(si.lp, si.lp_ele)
                    to_discard -= 1
            else:
                prev_times = 4
                if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
                    prev_times += 1
                while prev_times > 0:
                    si.lp_ele = lp_prev(si.lp, si.lp_ele)
                    prev_times -= 1

# Reply the current entry's fields (numfields pairs) as a flat array.
cdef int si_reply_fields(Client c, StreamIter* si, int64_t numfields) except -1:
    cdef unsigned char* fp
    cdef unsigned char* vp
    cdef int64_t _k
    c.add_array_len(numfields * 2)
    for _k in range(numfields):
        if si.entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS:
            fp = si.master_fields_ptr
            si.master_fields_ptr = lp_next(si.lp, si.master_fields_ptr)
        else:
            fp = si.lp_ele
            si.lp_ele = lp_next(si.lp, si.lp_ele)
        vp = si.lp_ele
        si.lp_ele = lp_next(si.lp, si.lp_ele)
        _add_lp_bulk(c, fp)
        _add_lp_bulk(c, vp)
    # lp_ele now sits on the entry's lp-count, like Redis's iterator
    return 0

cdef inline int _add_lp_bulk(Client c, unsigned char* p) except -1:
    cdef unsigned int sl = 0
    cdef long long ll = 0
    cdef unsigned char* s = lp_get_value(p, &sl, &ll)
    if s == NULL:
        return c.add_bulk_ll(ll)
    return c.add_bulk(<const char*>s, sl)

# Skip the current entry's fields without replying (lp_ele lands on lp-count).
cdef void si_skip_fields(StreamIter* si, int64_t numfields) noexcept:
    cdef int64_t _k
    for _k in range(numfields):
        if si.entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS:
            si.master_fields_ptr = lp_next(si.lp, si.master_fields_ptr)
        else:
            si.lp_ele = lp_next(si.lp, si.lp_ele)
        si.lp_ele = lp_next(si.lp, si.lp_ele)

# The current entry's fields as a list [f1, v1, ...] of bytes.
cdef list si_fields_list(StreamIter* si, int64_t numfields):
    cdef list out = []
    cdef unsigned char* fp
    cdef unsigned char* vp
    cdef int64_t _k
    for _k in range(numfields):
        if si.entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS:
            fp = si.master_fields_ptr
            si.master_fields_ptr = lp_next(si.lp, si.master_fields_ptr)
        else:
            fp = si.lp_ele
            si.lp_ele = lp_next(si.lp, si.lp_ele)
        vp = si.lp_ele
        si.lp_ele = lp_next(si.lp, si.lp_ele)
        out.append(_lp_bytes_at(fp))
        out.append(_lp_bytes_at(vp))
    return out

cdef inline bytes _lp_bytes_at(unsigned char* p):
    cdef unsigned int sl = 0
    cdef long long ll = 0
    cdef unsigned char* s = lp_get_value(p, &sl, &ll)
    if s == NULL:
        return b"%d" % ll
    return PyBytes_FromStringAndSize(<const char*>s, sl)

# Mark the entry the iterator is on as deleted (the iterator must be
# restarted after, as Redis's streamIteratorRemoveEntry does).
cdef void si_remove_entry(StreamIter* si, StreamValue s) noexcept:
    cdef unsigned char* lp = si.lp
    cdef unsigned char* p
    cdef int64_t flags = lp_int(si.lp_flags)
    cdef int64_t aux
    lp = lp_replace_int64(lp, &si.lp_flags, flags | STREAM_ITEM_FLAG_DELETED)
    p = lp_first(lp)
    aux = lp_int(p)
    if aux == 1:
        lp_free(lp)
        rax_remove(s.rax, si.ri.key, si.ri.key_len, NULL)
    else:
        lp = lp_replace_int64(lp, &p, aux - 1)
        p = lp_next(lp, p)
        aux = lp_int(p)
        lp = lp_replace_int64(lp, &p, aux + 1)
        if si.lp != lp:
            rax_insert(s.rax, si.ri.key, si.ri.key_len, lp, NULL)
    s.length -= 1

cdef int stream_entry_exists(StreamValue s, streamID* id) noexcept:
    cdef StreamIter si
    cdef streamID myid
    cdef int64_t nf
    cdef int found
    si_start(&si, s, id, id, False)
    found = si_get_id(&si, &myid, &nf)
    si_stop(&si)
    return found

cdef int stream_delete_item(StreamValue s, streamID* id) noexcept:
    cdef StreamIter si
    cdef streamID myid
    cdef int64_t nf
    cdef int deleted = 0
    si_start(&si, s, id, id, False)
    if si_get_id(&si, &myid, &nf):
        si_remove_entry(&si, s)
        deleted = 1
    si_stop(&si)
    return deleted

# The first or last live entry's ID (0-0 / max when the stream is empty;
# skip_tombstones as Redis's streamGetEdgeID).
cdef void stream_edge_id(StreamValue s, bint first, bint skip_tombstones, streamID* edge) noexcept:
    cdef StreamIter si
    cdef int64_t nf
    si_start(&si, s, NULL, NULL, not first)
    si.skip_tombstones = skip_tombstones
    if not si_get_id(&si, edge, &nf):
        if first:
            edge.ms = UINT64_MAX
            edge.seq = UINT64_MAX
        else:
            edge.ms = 0
            edge.seq = 0
    si_stop(&si)

# The last live entry's ID; a stream with a length and no live entry (a
# corrupt payload) is Redis's panic.
cdef int stream_last_valid_id(Engine eng, StreamValue s, streamID* maxid) except -1:
    cdef StreamIter si
    cdef int64_t nf
    cdef int found
    si_start(&si, s, NULL, NULL, True)
    found = si_get_id(&si, maxid, &nf)
    si_stop(&si)
    if not found:
        maxid.ms = 0
        maxid.seq = 0
        if s.length:
            stream_panic(eng, f"Corrupt stream, length is {s.length}, but no max id")
    return 0


# ------------------------------------------------------------------ lag

cdef bint range_has_tombstones(StreamValue s, streamID* start, streamID* end) noexcept:
    cdef streamID start_id, end_id
    if s.length == 0 or id_is_zero(&s.max_deleted_entry_id):
        return False
    if id_cmp(&s.first_id, &s.max_deleted_entry_id) > 0:
        return False
    if start != NULL:
        start_id = start[0]
    else:
        start_id.ms = 0
        start_id.seq = 0
    if end != NULL:
        end_id = end[0]
    else:
        end_id.ms = UINT64_MAX
        end_id.seq = UINT64_MAX
    return id_cmp(&start_id, &s.max_deleted_entry_id) <= 0 and \
        id_cmp(&s.max_deleted_entry_id, &end_id) <= 0

cdef long long stream_estimate_distance(StreamValue s, streamID* id) noexcept:
    cdef int cmp_last, cmp_id_first, cmp_xdel_first
    if not s.entries_added:
        return 0
    if not s.length and id_cmp(id, &s.last_id) < 1:
        return s.entries_added
    cmp_last = id_cmp(id, &s.last_id)
    if cmp_last == 0:
        return s.entries_added
    elif cmp_last > 0:
        return SCG_INVALID_ENTRIES_READ
    cmp_id_first = id_cmp(id, &s.first_id)
    cmp_xdel_first = id_cmp(&s.max_deleted_entry_id, &s.first_id)
    if id_is_zero(&s.max_deleted_entry_id) or cmp_xdel_first < 0:
        if cmp_id_first < 0:
            return s.entries_added - s.length
        elif cmp_id_first == 0:
            return s.entries_added - s.length + 1
    return SCG_INVALID_ENTRIES_READ

cdef int add_cg_lag(Client c, StreamValue s, StreamGroup g) except -1:
    cdef long long er
    if not s.entries_added:
        return c.add_int(0)
    if g.entries_read != SCG_INVALID_ENTRIES_READ and not range_has_tombstones(s, &g.last_id, NULL):
        return c.add_int(<long long>s.entries_added - g.entries_read)
    er = stream_estimate_distance(s, &g.last_id)
    if er != SCG_INVALID_ENTRIES_READ:
        return c.add_int(<long long>s.entries_added - er)
    return c.add_null()


# ------------------------------------------------------------------ propagation

# XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id:
# how a delivery or claim reaches the AOF and replicas.
cdef int propagate_xclaim(Client c, bytes key, StreamGroup g, bytes groupname, bytes idarg,
                          streamNACK* nack) except -1:
    if not c.engine.prop_on:
        return 0
    return also_propagate(c.engine, c.db.id, [
        b"XCLAIM", key, groupname, (<StreamConsumer>nack.consumer).name, b"0", idarg,
        b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count,
        b"FORCE", b"JUSTID", b"LASTID", id_bytes(&g.last_id)])

cdef int propagate_group_id(Client c, bytes key, StreamGroup g, bytes groupname) except -1:
    if not c.engine.prop_on:
        return 0
    return also_propagate(c.engine, c.db.id, [
        b"XGROUP", b"SETID", key, groupname, id_bytes(&g.last_id),
        b"ENTRIESREAD", b"%d" % g.entries_read])

cdef int propagate_consumer_creation(Client c, bytes key, bytes groupname, bytes name) except -1:
    if not c.engine.prop_on:
        return 0
    return also_propagate(c.engine, c.db.id, [b"XGROUP", b"CREATECONSUMER", key, groupname, name])


# ------------------------------------------------------------------ groups

cdef StreamConsumer create_consumer(Client c, StreamGroup g, bytes name, bytes key, bint notify_ev):
    cdef StreamConsumer sc = stream_group_add_consumer(g, name, mstime())
    if sc is None:
        return None
    c.engine.dirty += 1
    if notify_ev and c.engine.notify_flags & NOTIFY_STREAM:
        c.engine.notify_keyspace_event(NOTIFY_STREAM, b"xgroup-createconsumer", key, c.db.id)
    return sc

cdef inline StreamConsumer lookup_consumer(StreamGroup g, bytes name, bint refresh):
    cdef StreamConsumer sc = objrax_get(g.consumers, name)
    if sc is not None and refresh:
        sc.seen_time = mstime()
    return sc

cdef int del_consumer(StreamGroup g, StreamConsumer sc) except -1:
    cdef raxIterator ri
    rax_start(&ri, sc.pel)
    rax_seek(&ri, b"^", NULL, 0)
    while rax_next(&ri):
        rax_remove(g.pel, ri.key, ri.key_len, NULL)
        free(ri.data)
    rax_stop(&ri)
    return objrax_del(g.consumers, sc.name)

# Remove the NACK at key from the group and its consumer, and free it.
cdef inline void drop_nack(StreamGroup g, const unsigned char* key, streamNACK* nack) noexcept:
    rax_remove(g.pel, key, 16, NULL)
    if nack.consumer != NULL:
        rax_remove((<StreamConsumer>nack.consumer).pel, key, 16, NULL)
    free(nack)


# ------------------------------------------------------------------ range replies

ctypedef struct PropInfo:
    PyObject* key
    PyObject* groupname

# Redis's streamReplyWithRange: entries in [start, end] (end NULL: to the
# last), at most count (0: all), as an array unless RWR_RAWENTRIES. With a
# group: the group's last ID and entries_read move, and unless RWR_NOACK the
# entries become pending for consumer. Returns how many were emitted.
cdef size_t reply_range(Client c, StreamValue s, streamID* start, streamID* end, size_t count,
                        bint rev, StreamGroup group, StreamConsumer consumer, int flags,
                        PropInfo* spi) except? 0:
    cdef Py_ssize_t deferred = -1
    cdef size_t arraylen = 0
    cdef StreamIter si
    cdef int64_t numfields
    cdef streamID id
    cdef bint propagate_last_id = False
    cdef bint noack = (flags & RWR_NOACK) != 0
    cdef unsigned char buf[16]
    cdef streamNACK* nack
    cdef void* found
    cdef long long now
    if group is not None and (flags & RWR_HISTORY):
        return reply_range_from_consumer_pel(c, s, start, end, count, consumer)
    if not (flags & RWR_RAWENTRIES):
        deferred = c.add_deferred()
    si_start(&si, s, start, end, rev)
    try:
        while si_get_id(&si, &id, &numfields):
            if group is not None and id_cmp(&id, &group.last_id) > 0:
                if group.entries_read != SCG_INVALID_ENTRIES_READ and not range_has_tombstones(s, &id, NULL):
                    group.entries_read += 1
                elif s.entries_added:
                    group.entries_read = stream_estimate_distance(s, &id)
                group.last_id = id
                if noack:
                    propagate_last_id = True
            c.add_array_len(2)
            add_id(c, &id)
            si_reply_fields(c, &si, numfields)
            if group is not None and not noack:
                stream_encode_id(buf, &id)
                now = mstime()
                if rax_find(group.pel, buf, 16, &found):
                    nack = <streamNACK*>found
                    if nack.consumer != NULL:
                        rax_remove((<StreamConsumer>nack.consumer).pel, buf, 16, NULL)
                    nack.consumer = <void*>consumer
                    nack.delivery_time = now
                    nack.delivery_count = 1
                    rax_insert(consumer.pel, buf, 16, nack, NULL)
                else:
                    stream_group_add_nack(group, consumer, buf, now, 1)
                    rax_find(group.pel, buf, 16, &found)
                    nack = <streamNACK*>found
                if spi != NULL:
                    propagate_xclaim(c, <bytes>spi.key, group, <bytes>spi.groupname, id_bytes(&id), nack)
            arraylen += 1
            if count and count == arraylen:
                break
    finally:
        si_stop(&si)
    if spi != NULL and propagate_last_id:
        propagate_group_id(c, <bytes>spi.key, group, <bytes>spi.groupname)
    if deferred >= 0:
        c.set_deferred_array(deferred, arraylen)
    return arraylen

cdef size_t reply_range_from_consumer_pel(Client c, StreamValue s, streamID* start, streamID* end,
                                          size_t count, StreamConsumer consumer) except? 0:
    cdef raxIterator ri
    cdef unsigned char startkey[16]
    cdef unsigned char endkey[16]
    cdef size_t arraylen = 0
    cdef Py_ssize_t deferred
    cdef streamID thisid
    cdef streamNACK* nack
    stream_encode_id(startkey, start)
    if end != NULL:
        stream_encode_id(endkey, end)
    deferred = c.add_deferred()
    rax_start(&ri, consumer.pel)
    rax_seek(&ri, b">=", startkey, 16)
    try:
        while rax_next(&ri) and (not count or arraylen < count):
            if end != NULL and memcmp(ri.key, endkey, ri.key_len) > 0:
                break
            stream_decode_id(ri.key, &thisid)
            if reply_range(c, s, &thisid, &thisid, 1, False, None, None, RWR_RAWENTRIES, NULL) == 0:
                c.add_array_len(2)
                add_id(c, &thisid)
                c.add_null_array()
            else:
                nack = <streamNACK*>ri.data
                nack.delivery_time = mstime()
                nack.delivery_count += 1
            arraylen += 1
    finally:
        rax_stop(&ri)
    c.set_deferred_array(deferred, arraylen)
    return arraylen


# ------------------------------------------------------------------ lookups

# The stream of entry e (a lookup's result): None when absent; *wrong set
# (and the WRONGTYPE error replied) for another type.
cdef inline StreamValue _stream_of(Client c, dictEntry* e, bint* wrong):
    wrong[0] = False
    if e == NULL:
        return None
    if entry_type(e) != OBJ_STREAM:
        wrong[0] = True
        c.add_wrongtype()
        return None
    if (<StreamValue>e.v.obj).corrupt:
        stream_corrupt_panic(c.engine)
    return <StreamValue>e.v.obj

# The stream at argv[i], looked up for reading / for writing (_stream_of).
cdef inline StreamValue lookup_stream_read(Client c, int i, bint* wrong):
    return _stream_of(c, c.db.lookup_read(c.argv[i].ptr, c.argv[i].len), wrong)

cdef inline StreamValue lookup_stream_write(Client c, int i, bint* wrong):
    return _stream_of(c, c.db.lookup_write(c.argv[i].ptr, c.argv[i].len), wrong)

cdef inline bint arg_eq(Client c, int i, const char* s) noexcept:
    cdef size_t n = strlen(s)
    return <size_t>c.argv[i].len == n and memcmp(c.argv[i].ptr, s, n) == 0


# ------------------------------------------------------------------ XADD / XTRIM

# Redis's streamParseAddOrTrimArgsOrReply: the ID's position (XADD), or -1
# after replying an error.
cdef int parse_add_trim_args(Client c, TrimArgs* args, bint xadd) except -2:
    cdef int i = 2, moreargs
    cdef bint limit_given = False
    memset(args, 0, sizeof(TrimArgs))
    while i < c.argc:
        moreargs = c.argc - 1 - i
        if xadd and arg_eq(c, i, b"*"):
            break
        elif arg_cstr_is(c, i, b"maxlen") and moreargs:
            if args.trim_strategy != TRIM_NONE:
                c.add_error_bytes(b"syntax error, MAXLEN and MINID options at the same time are not compatible")
                return -1
            args.approx_trim = 0
            if moreargs >= 2 and arg_eq(c, i + 1, b"~"):
                args.approx_trim = 1
                i += 1
            elif moreargs >= 2 and arg_eq(c, i + 1, b"="):
                i += 1
            if not c.arg_ll(i + 1, &args.maxlen):
                return -1
            if args.maxlen < 0:
                c.add_error_bytes(b"The MAXLEN argument must be >= 0.")
                return -1
            i += 1
            args.trim_strategy = TRIM_MAXLEN
            args.trim_strategy_arg_idx = i
        elif arg_cstr_is(c, i, b"minid") and moreargs:
            if args.trim_strategy != TRIM_NONE:
                c.add_error_bytes(b"syntax error, MAXLEN and MINID options at the same time are not compatible")
                return -1
            args.approx_trim = 0
            if moreargs >= 2 and arg_eq(c, i + 1, b"~"):
                args.approx_trim = 1
                i += 1
            elif moreargs >= 2 and arg_eq(c, i + 1, b"="):
                i += 1
            if not parse_arg_id(c, i + 1, &args.minid, 0, True):
                return -1
            i += 1
            args.trim_strategy = TRIM_MINID
            args.trim_strategy_arg_idx = i
        elif arg_cstr_is(c, i, b"limit") and moreargs:
            if not c.arg_ll(i + 1, &args.limit):
                return -1
            if args.limit < 0:
                c.add_error_bytes(b"The LIMIT argument must be >= 0.")
                return -1
            limit_given = True
            i += 1
        elif xadd and arg_cstr_is(c, i, b"nomkstream"):
            args.no_mkstream = 1
        elif xadd:
            if not parse_id(c, c.argv[i].ptr, c.argv[i].len, &args.id, 0, True, &args.seq_given, True):
                return -1
            args.id_given = 1
            break
        else:
            c.add_syntax_error()
            return -1
        i += 1
    if args.limit and args.trim_strategy == TRIM_NONE:
        c.add_error_bytes(b"syntax error, LIMIT cannot be used without specifying a trimming strategy")
        return -1
    if not xadd and args.trim_strategy == TRIM_NONE:
        c.add_error_bytes(b"syntax error, XTRIM must be called with a trimming strategy")
        return -1
    if c is c.engine.replay_client:
        args.limit = 0
    elif limit_given:
        if not args.approx_trim:
            c.add_error_bytes(b"syntax error, LIMIT cannot be used without the special ~ option")
            return -1
    elif args.approx_trim:
        args.limit = 100 * c.engine.stream_node_max_entries
        if args.limit <= 0:
            args.limit = 10000
        if args.limit > 1000000:
            args.limit = 1000000
    else:
        args.limit = 0
    return i

# The "~" trim propagates as "=" with the threshold that resulted.
cdef int rewrite_trim_args(Client c, list argv, StreamValue s, TrimArgs* args) except -1:
    cdef streamID first_id
    argv[args.trim_strategy_arg_idx - 1] = b"="
    if args.trim_strategy == TRIM_MAXLEN:
        argv[args.trim_strategy_arg_idx] = b"%d" % s.length
    else:
        stream_edge_id(s, True, False, &first_id)
        argv[args.trim_strategy_arg_idx] = id_bytes(&first_id)
    return 0

cdef int cmd_xadd(Client c) except -1:
    cdef TrimArgs args
    cdef int idpos = parse_add_trim_args(c, &args, True)
    cdef int field_pos
    cdef StreamValue s
    cdef bint wrong
    cdef streamID id
    cdef int rc
    cdef char buf[STREAM_ID_STR_LEN]
    cdef int idlen
    cdef Engine eng = c.engine
    cdef list argv = None
    if idpos < 0:
        return 0
    field_pos = idpos + 1
    if c.argc - field_pos < 2 or (c.argc - field_pos) % 2 == 1:
        return c.add_error_str(f"wrong number of arguments for '{(<Command>c.cur_cmd).name}' command")
    if args.id_given and args.seq_given and args.id.ms == 0 and args.id.seq == 0:
        return c.add_error_bytes(b"The ID specified in XADD must be greater than 0-0")
    s = lookup_stream_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        if args.no_mkstream:
            return c.add_null()
        s = stream_create()
        c.db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_STREAM, s, False)
    if s.last_id.ms == UINT64_MAX and s.last_id.seq == UINT64_MAX:
        return c.add_error_bytes(b"The stream has exhausted the last possible ID, unable to add more items")
    rc = stream_append(s, eng, c, field_pos, (c.argc - field_pos) // 2, &id,
                       &args.id if args.id_given else NULL, args.seq_given)
    if rc == -1:
        return c.add_error_bytes(b"The ID specified in XADD is equal or smaller than the target stream top item")
    if rc == -2:
        return c.add_error_bytes(b"Elements are too large to be stored")
    idlen = id_format(buf, &id)
    c.add_bulk(buf, idlen)
    notify(c, NOTIFY_STREAM, b"xadd", 1)
    eng.dirty += 1
    if eng.prop_on:
        argv = c.args_list()
    if args.trim_strategy != TRIM_NONE:
        if stream_trim(s, &args):
            notify(c, NOTIFY_STREAM, b"xtrim", 1)
        if args.approx_trim and argv is not None:
            rewrite_trim_args(c, argv, s, &args)
    if argv is not None:
        if not args.id_given or not args.seq_given:
            argv[idpos] = PyBytes_FromStringAndSize(buf, idlen)
        rewrite_propagated(c, argv)
    signal_key_as_ready(c.db, c.argv[1].ptr, c.argv[1].len)
    return 0

cdef int cmd_xtrim(Client c) except -1:
    cdef TrimArgs args
    cdef StreamValue s
    cdef bint wrong
    cdef long long deleted
    cdef list argv
    if parse_add_trim_args(c, &args, False) < 0:
        return 0
    s = lookup_stream_write(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b":0\r\n")
    deleted = stream_trim(s, &args)
    if deleted:
        notify(c, NOTIFY_STREAM, b"xtrim", 1)
        if args.approx_trim and c.engine.prop_on:
            argv = c.args_list()
            rewrite_trim_args(c, argv, s, &args)
            rewrite_propagated(c, argv)
        c.engine.dirty += deleted
    return c.add_int(deleted)


# ------------------------------------------------------------------ XRANGE / XLEN / XDEL

cdef int xrange_generic(Client c, bint rev) except -1:
    cdef streamID startid, endid
    cdef long long count = -1
    cdef int startarg = 3 if rev else 2
    cdef int endarg = 2 if rev else 3
    cdef int startex = 0, endex = 0
    cdef int j
    cdef StreamValue s
    cdef bint wrong
    if not parse_interval_id(c, startarg, &startid, &startex, 0):
        return 0
    if startex and not id_incr(&startid):
        return c.add_error_bytes(b"invalid start ID for the interval")
    if not parse_interval_id(c, endarg, &endid, &endex, UINT64_MAX):
        return 0
    if endex and not id_decr(&endid):
        return c.add_error_bytes(b"invalid end ID for the interval")
    j = 4
    while j < c.argc:
        if arg_cstr_is(c, j, b"count") and c.argc - j - 1 >= 1:
            if not c.arg_ll(j + 1, &count):
                return 0
            if count < 0:
                count = 0
            j += 1
        else:
            return c.add_syntax_error()
        j += 1
    s = lookup_stream_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b"*0\r\n")
    if count == 0:
        return c.add_null_array()
    if count == -1:
        count = 0
    reply_range(c, s, &startid, &endid, count, rev, None, None, 0, NULL)
    return 0

cdef int cmd_xrange(Client c) except -1:
    return xrange_generic(c, False)

cdef int cmd_xrevrange(Client c) except -1:
    return xrange_generic(c, True)

cdef int cmd_xlen(Client c) except -1:
    cdef bint wrong
    cdef StreamValue s = lookup_stream_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b":0\r\n")
    return c.add_int(s.length)

cdef int cmd_xdel(Client c) except -1:
    cdef bint wrong
    cdef StreamValue s = lookup_stream_write(c, 1, &wrong)
    cdef streamID* ids
    cdef int j, n = c.argc - 2
    cdef long long deleted = 0
    cdef bint first_entry = False
    if wrong:
        return 0
    if s is None:
        return c.add_canned(b":0\r\n")
    ids = <streamID*>malloc(n * sizeof(streamID))
    if ids == NULL:
        raise MemoryError()
    try:
        for j in range(n):
            if not parse_arg_id(c, j + 2, &ids[j], 0, True):
                return 0
        for j in range(n):
            if stream_delete_item(s, &ids[j]):
                if id_cmp(&ids[j], &s.first_id) == 0:
                    first_entry = True
                if id_cmp(&ids[j], &s.max_deleted_entry_id) > 0:
                    s.max_deleted_entry_id = ids[j]
                deleted += 1
    finally:
        free(ids)
    if deleted:
        if s.length == 0:
            s.first_id.ms = 0
            s.first_id.seq = 0
        elif first_entry:
            stream_edge_id(s, True, True, &s.first_id)
        notify(c, NOTIFY_STREAM, b"xdel", 1)
        c.engine.dirty += deleted
    return c.add_int(deleted)


# ------------------------------------------------------------------ XREAD / XREADGROUP

# Serve one stream of an XREAD/XREADGROUP: the [key, entries] pair after
# ID gt. Consumer groups: the consumer is looked up or created here.
cdef int xread_serve(Client c, StreamValue s, int keyi, streamID* gt, long long count,
                     StreamGroup group, bytes groupname, bytes consumername, bint noack,
                     bint history) except -1:
    cdef streamID start = gt[0]
    cdef StreamConsumer consumer = None
    cdef PropInfo spi
    cdef bytes key = c.arg_bytes(keyi)
    cdef int flags = 0
    id_incr(&start)
    if c.resp == 2:
        c.add_array_len(2)
    c.add_bulk(c.argv[keyi].ptr, c.argv[keyi].len)
    spi.key = <PyObject*>key
    spi.groupname = <PyObject*>groupname
    if group is not None:
        consumer = lookup_consumer(group, consumername, True)
        if consumer is None:
            consumer = create_consumer(c, group, consumername, key, True)
            if noack:
                propagate_consumer_creation(c, key, groupname, consumername)
    if noack:
        flags |= RWR_NOACK
    if history:
        flags |= RWR_HISTORY
    reply_range(c, s, &start, NULL, count, False, group, consumer, flags,
                &spi if group is not None else NULL)
    if group is not None:
        c.engine.dirty += 1
    return 0

cdef int xread_generic(Client c, bint xreadgroup) except -1:
    cdef long long timeout = -1, count = 0
    cdef int streams_count = 0, streams_arg = 0, i, moreargs, id_idx
    cdef bint noack = False
    cdef bytes groupname = None, consumername = None
    cdef streamID static_ids[STREAMID_STATIC_VECTOR_LEN]
    cdef streamID* ids = static_ids
    cdef list groups = None
    cdef StreamValue s
    cdef StreamGroup g
    cdef bint wrong
    cdef streamID maxid
    cdef size_t arraylen = 0
    cdef Py_ssize_t deferred = -1
    cdef bint serve_sync, serve_history
    cdef list argv
    if (c.flags & CF_BLOCKED) and g_serving_key is not None:
        return xread_serve_blocked(c, xreadgroup)
    i = 1
    while i < c.argc:
        moreargs = c.argc - i - 1
        if arg_cstr_is(c, i, b"block") and moreargs:
            if c.flags & CF_SCRIPT:
                # Redis refuses BLOCK from scripts outright (a script never
                # blocks anyway; this keeps its old error for them)
                return c.add_error_bytes(c.arg_bytes(0) + b" command is not allowed with BLOCK option "
                                                          b"from scripts")
            i += 1
            if not get_timeout(c, i, &timeout, False):
                return 0
        elif arg_cstr_is(c, i, b"count") and moreargs:
            i += 1
            if not c.arg_ll(i, &count):
                return 0
            if count < 0:
                count = 0
        elif arg_cstr_is(c, i, b"streams") and moreargs:
            streams_arg = i + 1
            streams_count = c.argc - streams_arg
            if streams_count % 2 != 0:
                return c.add_error_bytes(b"Unbalanced XREAD list of streams: for each stream key an ID or '$' "
                                         b"must be specified.")
            streams_count //= 2
            break
        elif arg_cstr_is(c, i, b"group") and moreargs >= 2:
            if not xreadgroup:
                return c.add_error_bytes(b"The GROUP option is only supported by XREADGROUP. You called XREAD "
                                         b"instead.")
            groupname = c.arg_bytes(i + 1)
            consumername = c.arg_bytes(i + 2)
            i += 2
        elif arg_cstr_is(c, i, b"noack"):
            if not xreadgroup:
                return c.add_error_bytes(b"The NOACK option is only supported by XREADGROUP. You called XREAD "
                                         b"instead.")
            noack = True
        else:
            return c.add_syntax_error()
        i += 1
    if streams_arg == 0:
        return c.add_syntax_error()
    if xreadgroup and groupname is None:
        return c.add_error_bytes(b"Missing GROUP option for XREADGROUP")
    if streams_count > STREAMID_STATIC_VECTOR_LEN:
        ids = <streamID*>malloc(sizeof(streamID) * streams_count)
        if ids == NULL:
            raise MemoryError()
    if groupname is not None:
        groups = [None] * streams_count
    try:
        prevent_propagation(c)
        for i in range(streams_arg + streams_count, c.argc):
            id_idx = i - streams_arg - streams_count
            s = lookup_stream_read(c, i - streams_count, &wrong)
            if wrong:
                return 0
            if groupname is not None:
                g = lookup_cg(s, groupname) if s is not None else None
                if g is None:
                    return c.add_error_bytes(
                        b"-NOGROUP No such key '" + c.arg_bytes(i - streams_count) + b"' or consumer group '" +
                        groupname + b"' in XREADGROUP with GROUP option")
                groups[id_idx] = g
            if arg_eq(c, i, b"$"):
                if xreadgroup:
                    return c.add_error_bytes(
                        b"The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
                        b"of this consumer by specifying a proper ID, or use the > ID to get new messages. "
                        b"The $ ID would just return an empty result set.")
                if s is not None:
                    ids[id_idx] = s.last_id
                else:
                    ids[id_idx].ms = 0
                    ids[id_idx].seq = 0
                continue
            elif arg_eq(c, i, b">"):
                if not xreadgroup:
                    return c.add_error_bytes(
                        b"The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
                        b"<consumer> option.")
                ids[id_idx].ms = UINT64_MAX
                ids[id_idx].seq = UINT64_MAX
                continue
            if not parse_arg_id(c, i, &ids[id_idx], 0, True):
                return 0
        for i in range(streams_count):
            s = lookup_stream_read(c, streams_arg + i, &wrong)
            if s is None:
                continue
            serve_sync = False
            serve_history = False
            if groups is not None:
                g = groups[i]
                if ids[i].ms != UINT64_MAX or ids[i].seq != UINT64_MAX:
                    serve_sync = True
                    serve_history = True
                elif s.length:
                    stream_last_valid_id(c.engine, s, &maxid)
                    if id_cmp(&maxid, &g.last_id) > 0:
                        serve_sync = True
                        ids[i] = g.last_id
            elif s.length:
                stream_last_valid_id(c.engine, s, &maxid)
                if id_cmp(&maxid, &ids[i]) > 0:
                    serve_sync = True
            if serve_sync:
                arraylen += 1
                if arraylen == 1:
                    deferred = c.add_deferred()
                xread_serve(c, s, streams_arg + i, &ids[i], count,
                            <StreamGroup>groups[i] if groups is not None else None,
                            groupname, consumername, noack, serve_history)
        if arraylen:
            if c.resp == 2:
                c.set_deferred_array(deferred, arraylen)
            else:
                c.set_deferred_map(deferred, arraylen)
            return 0
        if timeout != -1:
            if c.flags & CF_DENY_BLOCKING:
                return c.add_null_array()
            block_for_keys(c, streams_arg, streams_arg + streams_count - 1, 1, timeout)
            # "$" is resolved now: a re-run must wait for entries after it
            argv = c.blocked_argv
            if argv is not None:
                for i in range(streams_count):
                    if arg_eq(c, streams_arg + streams_count + i, b"$"):
                        argv[streams_arg + streams_count + i] = id_bytes(&ids[i])
            return 0
        return c.add_null_array()
    finally:
        if ids != static_ids:
            free(ids)

# A blocked XREAD/XREADGROUP re-run for the key g_serving_key: serve it if
# it has entries after the ID waited for; XREADGROUP ends with an error when
# the key or the group went away; otherwise the client keeps waiting.
cdef int xread_serve_blocked(Client c, bint xreadgroup) except -1:
    cdef bytes key = <bytes>g_serving_key
    cdef int i = 1, streams_arg = 0, streams_count, keyi = -1
    cdef long long count = 0
    cdef bint noack = False
    cdef bytes groupname = None, consumername = None
    cdef dictEntry* e
    cdef StreamValue s
    cdef StreamGroup g = None
    cdef streamID gt
    while i < c.argc:
        if arg_cstr_is(c, i, b"block"):
            i += 1
        elif arg_cstr_is(c, i, b"count"):
            i += 1
            string2ll(c.argv[i].ptr, c.argv[i].len, &count)
            if count < 0:
                count = 0
        elif arg_cstr_is(c, i, b"streams"):
            streams_arg = i + 1
            break
        elif arg_cstr_is(c, i, b"group"):
            groupname = c.arg_bytes(i + 1)
            consumername = c.arg_bytes(i + 2)
            i += 2
        elif arg_cstr_is(c, i, b"noack"):
            noack = True
        i += 1
    streams_count = (c.argc - streams_arg) // 2
    for i in range(streams_arg, streams_arg + streams_count):
        if c.argv[i].len == PyBytes_GET_SIZE(key) and memcmp(c.argv[i].ptr, PyBytes_AS_STRING(key),
                                                             c.argv[i].len) == 0:
            keyi = i
            break
    if keyi < 0:
        return 0
    e = c.db.lookup_read(c.argv[keyi].ptr, c.argv[keyi].len)
    if e == NULL or entry_type(e) != OBJ_STREAM:
        if xreadgroup:
            return c.add_error_bytes(b"-UNBLOCKED the stream key no longer exists")
        return 0
    s = <StreamValue>e.v.obj
    if s.corrupt:
        stream_corrupt_panic(c.engine)
    prevent_propagation(c)
    if groupname is not None:
        g = lookup_cg(s, groupname)
        if g is None:
            return c.add_error_bytes(b"-NOGROUP the consumer group this client was blocked on no longer exists")
        gt = g.last_id
    else:
        parse_id(c, c.argv[keyi + streams_count].ptr, c.argv[keyi + streams_count].len, &gt, 0, True, NULL,
                 False)
    if id_cmp(&s.last_id, &gt) <= 0:
        return 0
    if c.resp == 2:
        c.add_array_len(1)
    else:
        c.add_map_len(1)
    xread_serve(c, s, keyi, &gt, count if count else XREAD_BLOCKED_DEFAULT_COUNT, g, groupname,
                consumername, noack, False)
    return 0

cdef int cmd_xread(Client c) except -1:
    return xread_generic(c, False)

cdef int cmd_xreadgroup(Client c) except -1:
    return xread_generic(c, True)


# ------------------------------------------------------------------ XGROUP / XSETID

cdef list _XGROUP_HELP = [
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
]

cdef int cmd_xgroup(Client c) except -1:
    cdef StreamValue s = None
    cdef bytes grpname = None
    cdef StreamGroup cg = None
    cdef bint mkstream = False, wrong
    cdef long long entries_read = SCG_INVALID_ENTRIES_READ
    cdef int i
    cdef bint create_sub = arg_cstr_is(c, 1, b"create")
    cdef bint setid_sub = arg_cstr_is(c, 1, b"setid")
    cdef streamID id
    cdef StreamConsumer sc
    cdef long long pending
    if c.argc >= 4:
        i = 5
        while i < c.argc:
            if create_sub and arg_cstr_is(c, i, b"mkstream"):
                mkstream = True
                i += 1
            elif (create_sub or setid_sub) and arg_cstr_is(c, i, b"entriesread") and i + 1 < c.argc:
                if not c.arg_ll(i + 1, &entries_read):
                    return 0
                if entries_read < 0 and entries_read != SCG_INVALID_ENTRIES_READ:
                    return c.add_error_bytes(b"value for ENTRIESREAD must be positive or -1")
                i += 2
            else:
                return add_subcommand_syntax_error(c)
        s = lookup_stream_write(c, 2, &wrong)
        if wrong:
            return 0
        grpname = c.arg_bytes(3)
    if c.argc >= 4 and not mkstream:
        if s is None:
            return c.add_error_bytes(
                b"The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use "
                b"the MKSTREAM option to create an empty stream automatically.")
        cg = lookup_cg(s, grpname)
        if cg is None and (setid_sub or arg_cstr_is(c, 1, b"createconsumer") or
                           arg_cstr_is(c, 1, b"delconsumer")):
            return c.add_error_bytes(b"-NOGROUP No such consumer group '" + grpname + b"' for key name '" +
                                     c.arg_bytes(2) + b"'")
    if c.argc == 2 and arg_cstr_is(c, 1, b"help"):
        return add_help(c, _XGROUP_HELP)
    elif create_sub and 5 <= c.argc <= 8:
        if arg_eq(c, 4, b"$"):
            if s is not None:
                id = s.last_id
            else:
                id.ms = 0
                id.seq = 0
        elif not parse_arg_id(c, 4, &id, 0, True):
            return 0
        if s is None:
            s = stream_create()
            c.db.set_obj(c.argv[2].ptr, c.argv[2].len, OBJ_STREAM, s, False)
        if stream_create_cg(s, grpname, &id, entries_read) is not None:
            c.add_ok()
            c.engine.dirty += 1
            notify(c, NOTIFY_STREAM, b"xgroup-create", 2)
        else:
            c.add_error_bytes(b"-BUSYGROUP Consumer Group name already exists")
    elif setid_sub and (c.argc == 5 or c.argc == 7):
        if arg_eq(c, 4, b"$"):
            id = s.last_id
        elif not parse_arg_id(c, 4, &id, 0, False):
            return 0
        cg.last_id = id
        cg.entries_read = entries_read
        c.add_ok()
        c.engine.dirty += 1
        notify(c, NOTIFY_STREAM, b"xgroup-setid", 2)
    elif arg_cstr_is(c, 1, b"destroy") and c.argc == 4:
        if cg is not None:
            objrax_del(s.cgroups, grpname)
            c.add_canned(b":1\r\n")
            c.engine.dirty += 1
            notify(c, NOTIFY_STREAM, b"xgroup-destroy", 2)
            signal_key_as_ready(c.db, c.argv[2].ptr, c.argv[2].len)
        else:
            c.add_canned(b":0\r\n")
    elif arg_cstr_is(c, 1, b"createconsumer") and c.argc == 5:
        sc = create_consumer(c, cg, c.arg_bytes(4), c.arg_bytes(2), True)
        c.add_int(1 if sc is not None else 0)
    elif arg_cstr_is(c, 1, b"delconsumer") and c.argc == 5:
        pending = 0
        sc = lookup_consumer(cg, c.arg_bytes(4), False)
        if sc is not None:
            pending = rax_size(sc.pel)
            del_consumer(cg, sc)
            c.engine.dirty += 1
            notify(c, NOTIFY_STREAM, b"xgroup-delconsumer", 2)
        c.add_int(pending)
    else:
        add_subcommand_syntax_error(c)
    return 0

cdef int cmd_xsetid(Client c) except -1:
    cdef streamID id, max_xdel_id, maxid
    cdef long long entries_added = -1
    cdef int i = 3, moreargs
    cdef StreamValue s
    cdef dictEntry* e
    max_xdel_id.ms = 0
    max_xdel_id.seq = 0
    if not parse_arg_id(c, 2, &id, 0, True):
        return 0
    while i < c.argc:
        moreargs = c.argc - 1 - i
        if arg_cstr_is(c, i, b"entriesadded") and moreargs:
            if not c.arg_ll(i + 1, &entries_added):
                return 0
            if entries_added < 0:
                return c.add_error_bytes(b"entries_added must be positive")
            i += 2
        elif arg_cstr_is(c, i, b"maxdeletedid") and moreargs:
            if not parse_arg_id(c, i + 1, &max_xdel_id, 0, True):
                return 0
            if id_cmp(&id, &max_xdel_id) < 0:
                return c.add_error_bytes(
                    b"The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
            i += 2
        else:
            return c.add_syntax_error()
    e = c.db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_error_bytes(b"no such key")
    if entry_type(e) != OBJ_STREAM:
        return c.add_wrongtype()
    s = <StreamValue>e.v.obj
    if s.corrupt:
        stream_corrupt_panic(c.engine)
    if s.length > 0:
        stream_last_valid_id(c.engine, s, &maxid)
        if id_cmp(&id, &maxid) < 0:
            return c.add_error_bytes(b"The ID specified in XSETID is smaller than the target stream top item")
        if entries_added != -1 and s.length > <uint64_t>entries_added:
            return c.add_error_bytes(
                b"The entries_added specified in XSETID is smaller than the target stream length")
    s.last_id = id
    if entries_added != -1:
        s.entries_added = entries_added
    if not id_is_zero(&max_xdel_id):
        s.max_deleted_entry_id = max_xdel_id
    c.add_ok()
    c.engine.dirty += 1
    notify(c, NOTIFY_STREAM, b"xsetid", 1)
    return 0


# ------------------------------------------------------------------ XACK / XPENDING

cdef int cmd_xack(Client c) except -1:
    cdef bint wrong
    cdef StreamValue s = lookup_stream_read(c, 1, &wrong)
    cdef StreamGroup g = None
    cdef streamID* ids
    cdef int j, n = c.argc - 3
    cdef long long acked = 0
    cdef unsigned char buf[16]
    cdef void* found
    if wrong:
        return 0
    if s is not None:
        g = lookup_cg(s, c.arg_bytes(2))
    if g is None:
        return c.add_canned(b":0\r\n")
    ids = <streamID*>malloc(n * sizeof(streamID))
    if ids == NULL:
        raise MemoryError()
    try:
        for j in range(n):
            if not parse_arg_id(c, j + 3, &ids[j], 0, True):
                return 0
        for j in range(n):
            stream_encode_id(buf, &ids[j])
            if rax_find(g.pel, buf, 16, &found):
                drop_nack(g, buf, <streamNACK*>found)
                acked += 1
                c.engine.dirty += 1
    finally:
        free(ids)
    return c.add_int(acked)

cdef int cmd_xpending(Client c) except -1:
    cdef bint justinfo = c.argc == 3
    cdef bytes groupname = c.arg_bytes(2)
    cdef bytes consumername = None
    cdef streamID startid, endid, id
    cdef long long count = 0, minidle = 0, now, elapsed
    cdef int startex = 0, endex = 0, startidx
    cdef bint wrong
    cdef StreamValue s
    cdef StreamGroup g = None
    cdef StreamConsumer sc
    cdef raxIterator ri
    cdef Py_ssize_t deferred
    cdef size_t arraylen = 0
    cdef unsigned char startkey[16]
    cdef unsigned char endkey[16]
    cdef streamNACK* nack
    cdef rax* pel
    if c.argc != 3 and (c.argc < 6 or c.argc > 9):
        return c.add_syntax_error()
    if c.argc >= 6:
        startidx = 3
        if arg_cstr_is(c, 3, b"idle"):
            if not c.arg_ll(4, &minidle):
                return 0
            if c.argc < 8:
                return c.add_syntax_error()
            startidx += 2
        if not c.arg_ll(startidx + 2, &count):
            return 0
        if count < 0:
            count = 0
        if not parse_interval_id(c, startidx, &startid, &startex, 0):
            return 0
        if startex and not id_incr(&startid):
            return c.add_error_bytes(b"invalid start ID for the interval")
        if not parse_interval_id(c, startidx + 1, &endid, &endex, UINT64_MAX):
            return 0
        if endex and not id_decr(&endid):
            return c.add_error_bytes(b"invalid end ID for the interval")
        if startidx + 3 < c.argc:
            consumername = c.arg_bytes(startidx + 3)
    s = lookup_stream_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is not None:
        g = lookup_cg(s, groupname)
    if g is None:
        return c.add_error_bytes(b"-NOGROUP No such key '" + c.arg_bytes(1) + b"' or consumer group '" +
                                 groupname + b"'")
    if justinfo:
        c.add_array_len(4)
        c.add_int(rax_size(g.pel))
        if rax_size(g.pel) == 0:
            c.add_null()
            c.add_null()
            c.add_null_array()
            return 0
        rax_start(&ri, g.pel)
        rax_seek(&ri, b"^", NULL, 0)
        rax_next(&ri)
        stream_decode_id(ri.key, &startid)
        add_id(c, &startid)
        rax_seek(&ri, b"$", NULL, 0)
        rax_next(&ri)
        stream_decode_id(ri.key, &endid)
        add_id(c, &endid)
        rax_stop(&ri)
        deferred = c.add_deferred()
        for name, sc in objrax_items(g.consumers):
            if rax_size(sc.pel) == 0:
                continue
            c.add_array_len(2)
            c.add_bulk_obj(name)
            c.add_bulk_ll(rax_size(sc.pel))
            arraylen += 1
        c.set_deferred_array(deferred, arraylen)
        return 0
    sc = None
    if consumername is not None:
        sc = lookup_consumer(g, consumername, False)
        if sc is None:
            return c.add_canned(b"*0\r\n")
    pel = sc.pel if sc is not None else g.pel
    now = mstime()
    stream_encode_id(startkey, &startid)
    stream_encode_id(endkey, &endid)
    rax_start(&ri, pel)
    rax_seek(&ri, b">=", startkey, 16)
    deferred = c.add_deferred()
    try:
        while count and rax_next(&ri) and memcmp(ri.key, endkey, ri.key_len) <= 0:
            nack = <streamNACK*>ri.data
            if minidle and now - nack.delivery_time < minidle:
                continue
            arraylen += 1
            count -= 1
            c.add_array_len(4)
            stream_decode_id(ri.key, &id)
            add_id(c, &id)
            c.add_bulk_obj((<StreamConsumer>nack.consumer).name)
            elapsed = now - nack.delivery_time
            c.add_int(elapsed if elapsed > 0 else 0)
            c.add_int(nack.delivery_count)
    finally:
        rax_stop(&ri)
    c.set_deferred_array(deferred, arraylen)
    return 0


# ------------------------------------------------------------------ XCLAIM / XAUTOCLAIM

cdef int cmd_xclaim(Client c) except -1:
    cdef bint wrong
    cdef StreamValue s = lookup_stream_read(c, 1, &wrong)
    cdef StreamGroup g = None
    cdef long long minidle, retrycount = -1, deliverytime = -1, now
    cdef bint force = False, justid = False, propagate_last_id = False
    cdef int j, last_id_arg, n = c.argc - 5, moreargs
    cdef streamID* ids
    cdef streamID last_id, id
    cdef StreamConsumer consumer = None
    cdef Py_ssize_t deferred
    cdef size_t arraylen = 0
    cdef bytes name = c.arg_bytes(3)
    cdef bytes key = c.arg_bytes(1)
    cdef bytes groupname = c.arg_bytes(2)
    cdef unsigned char buf[16]
    cdef void* found
    cdef streamNACK* nack
    if wrong:
        return 0
    if s is not None:
        g = lookup_cg(s, groupname)
    if g is None:
        return c.add_error_bytes(b"-NOGROUP No such key '" + key + b"' or consumer group '" + groupname + b"'")
    if not string2ll(c.argv[4].ptr, c.argv[4].len, &minidle):
        return c.add_error_bytes(b"Invalid min-idle-time argument for XCLAIM")
    if minidle < 0:
        minidle = 0
    ids = <streamID*>malloc(n * sizeof(streamID))
    if ids == NULL:
        raise MemoryError()
    try:
        j = 5
        while j < c.argc:
            if not parse_id(c, c.argv[j].ptr, c.argv[j].len, &ids[j - 5], 0, True, NULL, False):
                break
            j += 1
        last_id_arg = j - 1
        now = mstime()
        last_id.ms = 0
        last_id.seq = 0
        while j < c.argc:
            moreargs = c.argc - 1 - j
            if arg_cstr_is(c, j, b"force"):
                force = True
            elif arg_cstr_is(c, j, b"justid"):
                justid = True
            elif arg_cstr_is(c, j, b"idle") and moreargs:
                j += 1
                if not string2ll(c.argv[j].ptr, c.argv[j].len, &deliverytime):
                    return c.add_error_bytes(b"Invalid IDLE option argument for XCLAIM")
                deliverytime = now - deliverytime
            elif arg_cstr_is(c, j, b"time") and moreargs:
                j += 1
                if not string2ll(c.argv[j].ptr, c.argv[j].len, &deliverytime):
                    return c.add_error_bytes(b"Invalid TIME option argument for XCLAIM")
            elif arg_cstr_is(c, j, b"retrycount") and moreargs:
                j += 1
                if not string2ll(c.argv[j].ptr, c.argv[j].len, &retrycount):
                    return c.add_error_bytes(b"Invalid RETRYCOUNT option argument for XCLAIM")
            elif arg_cstr_is(c, j, b"lastid") and moreargs:
                j += 1
                if not parse_arg_id(c, j, &last_id, 0, True):
                    return 0
            else:
                return c.add_error_bytes(b"Unrecognized XCLAIM option '" + c.arg_bytes(j).split(b"\0")[0] + b"'")
            j += 1
        if id_cmp(&last_id, &g.last_id) > 0:
            g.last_id = last_id
            propagate_last_id = True
        if deliverytime != -1:
            if deliverytime < 0 or deliverytime > now:
                deliverytime = now
        else:
            deliverytime = now
        prevent_propagation(c)
        deferred = c.add_deferred()
        for j in range(5, last_id_arg + 1):
            id = ids[j - 5]
            stream_encode_id(buf, &id)
            nack = <streamNACK*>found if rax_find(g.pel, buf, 16, &found) else NULL
            if not stream_entry_exists(s, &id):
                if nack != NULL:
                    propagate_xclaim(c, key, g, groupname, c.arg_bytes(j), nack)
                    propagate_last_id = False
                    c.engine.dirty += 1
                    drop_nack(g, buf, nack)
                continue
            if force and nack == NULL:
                stream_group_add_nack(g, None, buf, now, 1)
                rax_find(g.pel, buf, 16, &found)
                nack = <streamNACK*>found
            if nack != NULL:
                if nack.consumer != NULL and minidle:
                    if now - nack.delivery_time < minidle:
                        continue
                if consumer is None:
                    consumer = lookup_consumer(g, name, True)
                    if consumer is None:
                        consumer = create_consumer(c, g, name, key, True)
                if nack.consumer != <void*>consumer and nack.consumer != NULL:
                    rax_remove((<StreamConsumer>nack.consumer).pel, buf, 16, NULL)
                nack.delivery_time = deliverytime
                if retrycount >= 0:
                    nack.delivery_count = retrycount
                elif not justid:
                    nack.delivery_count += 1
                if nack.consumer != <void*>consumer:
                    rax_insert(consumer.pel, buf, 16, nack, NULL)
                    nack.consumer = <void*>consumer
                if justid:
                    add_id(c, &id)
                else:
                    reply_range(c, s, &id, &id, 1, False, None, None, RWR_RAWENTRIES, NULL)
                arraylen += 1
                propagate_xclaim(c, key, g, groupname, c.arg_bytes(j), nack)
                propagate_last_id = False
                c.engine.dirty += 1
        if propagate_last_id:
            propagate_group_id(c, key, g, groupname)
            c.engine.dirty += 1
        c.set_deferred_array(deferred, arraylen)
    finally:
        free(ids)
    return 0

cdef int cmd_xautoclaim(Client c) except -1:
    cdef bint wrong
    cdef StreamValue s
    cdef StreamGroup g = None
    cdef long long minidle, count = 100, attempts, now
    cdef streamID startid, id, endid
    cdef int startex = 0, j, moreargs
    cdef bint justid = False
    cdef bytes key = c.arg_bytes(1)
    cdef bytes groupname = c.arg_bytes(2)
    cdef bytes name = c.arg_bytes(3)
    cdef StreamConsumer consumer = None
    cdef raxIterator ri
    cdef unsigned char startkey[16]
    cdef unsigned char curkey[16]
    cdef size_t arraylen = 0
    cdef list deleted_ids = []
    cdef streamNACK* nack
    if not string2ll(c.argv[4].ptr, c.argv[4].len, &minidle):
        return c.add_error_bytes(b"Invalid min-idle-time argument for XAUTOCLAIM")
    if minidle < 0:
        minidle = 0
    if not parse_interval_id(c, 5, &startid, &startex, 0):
        return 0
    if startex and not id_incr(&startid):
        return c.add_error_bytes(b"invalid start ID for the interval")
    j = 6
    while j < c.argc:
        moreargs = c.argc - 1 - j
        if arg_cstr_is(c, j, b"count") and moreargs:
            if not c.arg_range(j + 1, 1, LLONG_MAX // 16, &count, b"COUNT must be > 0"):
                return 0
            j += 1
        elif arg_cstr_is(c, j, b"justid"):
            justid = True
        else:
            return c.add_syntax_error()
        j += 1
    s = lookup_stream_read(c, 1, &wrong)
    if wrong:
        return 0
    if s is not None:
        g = lookup_cg(s, groupname)
    if g is None:
        return c.add_error_bytes(b"-NOGROUP No such key '" + key + b"' or consumer group '" + groupname + b"'")
    attempts = count * 10
    prevent_propagation(c)
    c.add_array_len(3)
    # the next-start ID goes first but is known last: the claimed IDs are
    # collected, and their entries replied after it
    stream_encode_id(startkey, &startid)
    rax_start(&ri, g.pel)
    rax_seek(&ri, b">=", startkey, 16)
    now = mstime()
    body = []
    try:
        while attempts > 0 and count and rax_next(&ri):
            attempts -= 1
            nack = <streamNACK*>ri.data
            memcpy(curkey, ri.key, 16)
            stream_decode_id(curkey, &id)
            if not stream_entry_exists(s, &id):
                propagate_xclaim(c, key, g, groupname, id_bytes(&id), nack)
                c.engine.dirty += 1
                drop_nack(g, curkey, nack)
                deleted_ids.append(id_bytes(&id))
                rax_seek(&ri, b">=", curkey, 16)
                count -= 1
                continue
            if minidle and now - nack.delivery_time < minidle:
                continue
            if consumer is None:
                consumer = lookup_consumer(g, name, True)
                if consumer is None:
                    consumer = create_consumer(c, g, name, key, True)
            if nack.consumer != <void*>consumer and nack.consumer != NULL:
                rax_remove((<StreamConsumer>nack.consumer).pel, curkey, 16, NULL)
            nack.delivery_time = now
            if not justid:
                nack.delivery_count += 1
            if nack.consumer != <void*>consumer:
                rax_insert(consumer.pel, curkey, 16, nack, NULL)
                nack.consumer = <void*>consumer
            body.append(id)
            arraylen += 1
            count -= 1
            propagate_xclaim(c, key, g, groupname, id_bytes(&id), nack)
            c.engine.dirty += 1
        rax_next(&ri)
        if rax_eof(&ri):
            endid.ms = 0
            endid.seq = 0
        else:
            stream_decode_id(ri.key, &endid)
    finally:
        rax_stop(&ri)
    add_id(c, &endid)
    c.add_array_len(arraylen)
    for d in body:
        id = d
        if justid:
            add_id(c, &id)
        else:
            reply_range(c, s, &id, &id, 1, False, None, None, RWR_RAWENTRIES, NULL)
    c.add_array_len(len(deleted_ids))
    for b in deleted_ids:
        c.add_bulk_obj(b)
    return 0


# ------------------------------------------------------------------ XINFO

cdef list _XINFO_HELP = [
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
]

cdef inline int add_cstr(Client c, bytes s) except -1:
    return c.add_bulk(PyBytes_AS_STRING(s), PyBytes_GET_SIZE(s))

cdef int add_entries_read(Client c, StreamGroup g) except -1:
    if g.entries_read != SCG_INVALID_ENTRIES_READ:
        return c.add_int(g.entries_read)
    return c.add_null()

cdef int xinfo_stream(Client c, StreamValue s) except -1:
    cdef bint full = True
    cdef long long count = 10
    cdef int optc = c.argc - 3
    cdef streamID start, end, id
    cdef StreamGroup g
    cdef StreamConsumer sc
    cdef raxIterator ri
    cdef Py_ssize_t deferred
    cdef long long n
    cdef streamNACK* nack
    if optc == 0:
        full = False
    else:
        if optc != 1 and optc != 3:
            return add_subcommand_syntax_error(c)
        if not arg_cstr_is(c, 3, b"full"):
            return add_subcommand_syntax_error(c)
        if optc == 3:
            if not arg_cstr_is(c, 4, b"count"):
                return add_subcommand_syntax_error(c)
            if not c.arg_ll(5, &count):
                return 0
            if count < 0:
                count = 10
    c.add_map_len(9 if full else 10)
    add_cstr(c, b"length")
    c.add_int(s.length)
    add_cstr(c, b"radix-tree-keys")
    c.add_int(rax_size(s.rax))
    add_cstr(c, b"radix-tree-nodes")
    c.add_int(rax_redis_numnodes(s.rax))
    add_cstr(c, b"last-generated-id")
    add_id(c, &s.last_id)
    add_cstr(c, b"max-deleted-entry-id")
    add_id(c, &s.max_deleted_entry_id)
    add_cstr(c, b"entries-added")
    c.add_int(s.entries_added)
    add_cstr(c, b"recorded-first-entry-id")
    add_id(c, &s.first_id)
    if not full:
        add_cstr(c, b"groups")
        c.add_int(objrax_size(s.cgroups))
        start.ms = 0
        start.seq = 0
        end.ms = UINT64_MAX
        end.seq = UINT64_MAX
        add_cstr(c, b"first-entry")
        if not reply_range(c, s, &start, &end, 1, False, None, None, RWR_RAWENTRIES, NULL):
            c.add_null()
        add_cstr(c, b"last-entry")
        if not reply_range(c, s, &start, &end, 1, True, None, None, RWR_RAWENTRIES, NULL):
            c.add_null()
        return 0
    add_cstr(c, b"entries")
    reply_range(c, s, NULL, NULL, count, False, None, None, 0, NULL)
    add_cstr(c, b"groups")
    if not objrax_size(s.cgroups):
        return c.add_canned(b"*0\r\n")
    c.add_array_len(objrax_size(s.cgroups))
    for gname, g in objrax_items(s.cgroups):
        c.add_map_len(7)
        add_cstr(c, b"name")
        c.add_bulk_obj(gname)
        add_cstr(c, b"last-delivered-id")
        add_id(c, &g.last_id)
        add_cstr(c, b"entries-read")
        add_entries_read(c, g)
        add_cstr(c, b"lag")
        add_cg_lag(c, s, g)
        add_cstr(c, b"pel-count")
        c.add_int(rax_size(g.pel))
        add_cstr(c, b"pending")
        deferred = c.add_deferred()
        n = 0
        rax_start(&ri, g.pel)
        rax_seek(&ri, b"^", NULL, 0)
        while rax_next(&ri) and (not count or n < count):
            nack = <streamNACK*>ri.data
            c.add_array_len(4)
            stream_decode_id(ri.key, &id)
            add_id(c, &id)
            c.add_bulk_obj((<StreamConsumer>nack.consumer).name)
            c.add_int(nack.delivery_time)
            c.add_int(nack.delivery_count)
            n += 1
        rax_stop(&ri)
        c.set_deferred_array(deferred, n)
        add_cstr(c, b"consumers")
        c.add_array_len(rax_size(g.consumers))
        for cname, sc in objrax_items(g.consumers):
            c.add_map_len(4)
            add_cstr(c, b"name")
            c.add_bulk_obj(cname)
            add_cstr(c, b"seen-time")
            c.add_int(sc.seen_time)
            add_cstr(c, b"pel-count")
            c.add_int(rax_size(sc.pel))
            add_cstr(c, b"pending")
            deferred = c.add_deferred()
            n = 0
            rax_start(&ri, sc.pel)
            rax_seek(&ri, b"^", NULL, 0)
            while rax_next(&ri) and (not count or n < count):
                nack = <streamNACK*>ri.data
                c.add_array_len(3)
                stream_decode_id(ri.key, &id)
                add_id(c, &id)
                c.add_int(nack.delivery_time)
                c.add_int(nack.delivery_count)
                n += 1
            rax_stop(&ri)
            c.set_deferred_array(deferred, n)
    return 0

cdef int cmd_xinfo(Client c) except -1:
    cdef StreamValue s
    cdef StreamGroup g
    cdef StreamConsumer sc
    cdef dictEntry* e
    cdef long long now, idle
    if arg_cstr_is(c, 1, b"help"):
        if c.argc != 2:
            return add_subcommand_syntax_error(c)
        return add_help(c, _XINFO_HELP)
    if c.argc < 3:
        return add_subcommand_syntax_error(c)
    e = c.db.lookup_read(c.argv[2].ptr, c.argv[2].len)
    if e == NULL:
        return c.add_error_bytes(b"no such key")
    if entry_type(e) != OBJ_STREAM:
        return c.add_wrongtype()
    s = <StreamValue>e.v.obj
    if s.corrupt:
        stream_corrupt_panic(c.engine)
    if arg_cstr_is(c, 1, b"consumers") and c.argc == 4:
        g = lookup_cg(s, c.arg_bytes(3))
        if g is None:
            return c.add_error_bytes(b"-NOGROUP No such consumer group '" + c.arg_bytes(3) +
                                     b"' for key name '" + c.arg_bytes(2) + b"'")
        c.add_array_len(rax_size(g.consumers))
        now = mstime()
        for cname, sc in objrax_items(g.consumers):
            idle = now - sc.seen_time
            c.add_map_len(3)
            add_cstr(c, b"name")
            c.add_bulk_obj(cname)
            add_cstr(c, b"pending")
            c.add_int(rax_size(sc.pel))
            add_cstr(c, b"idle")
            c.add_int(idle if idle > 0 else 0)
        return 0
    if arg_cstr_is(c, 1, b"groups") and c.argc == 3:
        if not objrax_size(s.cgroups):
            return c.add_canned(b"*0\r\n")
        c.add_array_len(objrax_size(s.cgroups))
        for gname, g in objrax_items(s.cgroups):
            c.add_map_len(6)
            add_cstr(c, b"name")
            c.add_bulk_obj(gname)
            add_cstr(c, b"consumers")
            c.add_int(rax_size(g.consumers))
            add_cstr(c, b"pending")
            c.add_int(rax_size(g.pel))
            add_cstr(c, b"last-delivered-id")
            add_id(c, &g.last_id)
            add_cstr(c, b"entries-read")
            add_entries_read(c, g)
            add_cstr(c, b"lag")
            add_cg_lag(c, s, g)
        return 0
    if arg_cstr_is(c, 1, b"stream"):
        return xinfo_stream(c, s)
    return add_subcommand_syntax_error(c)


register_c("xadd", cmd_xadd)
register_c("xtrim", cmd_xtrim)
register_c("xrange", cmd_xrange)
register_c("xrevrange", cmd_xrevrange)
register_c("xlen", cmd_xlen)
register_c("xdel", cmd_xdel)
register_c("xread", cmd_xread)
register_c("xreadgroup", cmd_xreadgroup)
register_c("xgroup", cmd_xgroup)
register_c("xsetid", cmd_xsetid)
register_c("xack", cmd_xack)
register_c("xpending", cmd_xpending)
register_c("xclaim", cmd_xclaim)
register_c("xautoclaim", cmd_xautoclaim)
register_c("xinfo", cmd_xinfo)
