# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# The AOF rewrite in command form: the base file BGREWRITEAOF writes when
# aof-use-rdb-preamble is no (Redis 7.0.15's rewriteAppendOnlyFileRio), the
# same bytes redis-server writes for the same values. A cold subsystem, so
# its own extension, reaching the engine through server.pxd and writing
# through the RDB writer's buffered sink (rdb_save.pxd: Out, autosync).
#
# Like the RDB writer, everything below the Python entry points is C that
# runs without the GIL and never touches a reference count (the fork child
# runs it in a copy of the parent's memory): the databases and values are
# read through borrowed PyObject* casts and the tables are walked read-only.
#
# The forms Redis writes, which this file reproduces:
#   * every argument is a bulk string; integers (int-encoded strings,
#     intset members, listpack integers) as their decimal text;
#   * scores as printf's "%.17g" of the double (so "inf", "-inf"), a
#     listpack score first parsed back with strtod as zzlGetScore does;
#   * collections in batches of 64 elements (pairs for ZADD and HMSET), the
#     last batch holding the rest; members in the encoding's order: list
#     head to tail, intset ascending, listpack order, hash tables (sets,
#     hashes, a skiplist set's member dict) in table order;
#   * PEXPIREAT after the commands of a key with a TTL.
from cpython.object cimport PyObject
from libc.errno cimport errno, EINVAL
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport strtod
from libc.string cimport memcpy

from rkvd._core.lib.dict cimport (
    dict as kvdict, dictEntry, ENTRY_KEY, ENTRY_VAL, META_HAS_EXPIRE, VK_INLINE, VK_INT,
    dict_size, entry_type, entry_vk,
)
from rkvd._core.lib.intset cimport intset, intset_get, intset_len
from rkvd._core.lib.listpack cimport (
    LP_HDR_NUMELE_UNKNOWN, lp_first, lp_get_num_elements, lp_get_value, lp_next,
)
from rkvd._core.lib.lzf cimport lzf_decompress
from rkvd._core.lib.quicklist cimport qlNode, quicklist, QL_NODE_LZF, QL_NODE_PLAIN, ql_node_lzf
from rkvd._core.lib.rax cimport rax, raxIterator, rax_next, rax_seek, rax_size, rax_start, rax_stop
from rkvd._core.lib.util cimport ll2string, ull2string
from rkvd._core.persist.rdb_save cimport (
    Out, RdbSaveStats, delay_key, out_autosync_on, out_flush, out_init, out_release,
    out_scratch, out_write, table_find, table_walk,
)
from rkvd._core.server cimport (
    Database, Engine, HashValue, ListValue, SetValue, ZsetValue, HASH_ENC_LISTPACK,
    StreamConsumer, StreamGroup, StreamValue, streamNACK,
)

import os as _os

cdef extern from "Python.h" nogil:
    # Borrowing macros on PyObject*, so no reference is taken.
    PyObject* list_item "PyList_GET_ITEM"(PyObject* lst, Py_ssize_t i)
    Py_ssize_t list_size "PyList_GET_SIZE"(PyObject* lst)
    char* bytearray_data "PyByteArray_AS_STRING"(PyObject* o)
    Py_ssize_t bytearray_size "PyByteArray_GET_SIZE"(PyObject* o)

cdef extern from *:
    """
    #include <errno.h>
    static inline void rkvd_aofrw_set_errno(int e) { errno = e; }
    """
    void set_errno "rkvd_aofrw_set_errno"(int e) noexcept nogil

cdef extern from "<stdio.h>" nogil:
    int snprintf(char* buf, size_t n, const char* fmt, ...)

cdef extern from "<time.h>" nogil:
    ctypedef long time_t
    time_t time(time_t* t)

cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_STREAM = 6
    STREAM_ITEM_FLAG_DELETED = 1
    STREAM_ITEM_FLAG_SAMEFIELDS = 2


# ------------------------------------------------------------ primitives --

# Append p[0:n]: a memcpy while the buffer has room (most calls), else the
# sink's own path (flush, write through).
cdef inline int put(Out* o, const void* p, size_t n) noexcept nogil:
    if o.len + n <= o.cap:
        memcpy(o.buf + o.len, p, n)
        o.len += n
        o.total += n
        return 0
    return out_write(o, p, n)


# "<prefix><n>\r\n": an array's or a bulk string's header.
cdef inline int put_count(Out* o, char prefix, long long n) noexcept nogil:
    cdef char b[32]
    cdef int k
    b[0] = prefix
    k = 1 + ll2string(b + 1, sizeof(b) - 3, n)
    b[k] = b'\r'
    b[k + 1] = b'\n'
    return put(o, b, k + 2)


cdef inline int put_bulk(Out* o, const void* p, size_t n) noexcept nogil:
    if put_count(o, b'$', <long long>n) != 0:
        return -1
    if n and put(o, p, n) != 0:
        return -1
    return put(o, b"\r\n", 2)


cdef inline int put_bulk_ll(Out* o, long long v) noexcept nogil:
    cdef char b[32]
    return put_bulk(o, b, ll2string(b, sizeof(b), v))


cdef inline int put_bulk_double(Out* o, double d) noexcept nogil:
    cdef char b[128]
    return put_bulk(o, b, snprintf(b, sizeof(b), b"%.17g", d))


# A listpack element: its bytes, or its integer as decimal text.
cdef inline int put_lp_element(Out* o, unsigned char* p) noexcept nogil:
    cdef unsigned int slen
    cdef long long lval
    cdef unsigned char* s = lp_get_value(p, &slen, &lval)
    if s != NULL:
        return put_bulk(o, s, slen)
    return put_bulk_ll(o, lval)


# A score stored in a listpack, read as zzlGetScore reads it.
cdef double lp_score(unsigned char* p) noexcept nogil:
    cdef unsigned int slen
    cdef long long lval
    cdef char b[128]
    cdef unsigned char* s = lp_get_value(p, &slen, &lval)
    if s == NULL:
        return <double>lval
    if slen >= sizeof(b):
        slen = sizeof(b) - 1
    memcpy(b, s, slen)
    b[slen] = 0
    return strtod(b, NULL)


# Elements in a listpack, without lp_length (which may store the count back
# into a saturated header: a write in the child).
cdef unsigned long lp_count(unsigned char* lp) noexcept nogil:
    cdef unsigned long n = lp_get_num_elements(lp)
    cdef unsigned char* p
    if n != LP_HDR_NUMELE_UNKNOWN:
        return n
    n = 0
    p = lp_first(lp)
    while p != NULL:
        n += 1
        p = lp_next(lp, p)
    return n


# ---------------------------------------------------------------- batches --
# A collection is written as commands of at most AOF_REWRITE_ITEMS_PER_CMD
# elements: the header (argument count, command, key) goes out before the
# first element of each batch, sized by what is left.

ctypedef struct Batch:
    const char* cmd         # "*"-less command bulk: "$5\r\nRPUSH\r\n"
    size_t cmdlen
    const char* key
    size_t klen
    long long left          # elements not written yet
    int count               # elements in the current command
    int per_item            # arguments per element: 1, or 2 (ZADD, HMSET)


cdef inline void batch_init(Batch* b, const char* cmd, size_t cmdlen, dictEntry* key,
                            long long items, int per_item) noexcept nogil:
    b.cmd = cmd
    b.cmdlen = cmdlen
    b.key = ENTRY_KEY(key)
    b.klen = key.klen
    b.left = items
    b.count = 0
    b.per_item = per_item


# Before an element: open a command when none is open.
cdef inline int batch_open(Out* o, Batch* b) noexcept nogil:
    cdef long long n
    if b.count:
        return 0
    n = b.left if b.left < AOF_REWRITE_ITEMS_PER_CMD else AOF_REWRITE_ITEMS_PER_CMD
    if put_count(o, b'*', 2 + n * b.per_item) != 0 or put(o, b.cmd, b.cmdlen) != 0:
        return -1
    return put_bulk(o, b.key, b.klen)


# After an element: close the command when it is full.
cdef inline void batch_done(Batch* b) noexcept nogil:
    b.count += 1
    if b.count == AOF_REWRITE_ITEMS_PER_CMD:
        b.count = 0
    b.left -= 1


# ------------------------------------------------------------------ types --

# The bytes of a quicklist node as they are uncompressed: the node's own, or
# a copy decompressed into o.scratch (never in place: that would write to
# the node). NULL with errno on failure.
cdef unsigned char* node_bytes(Out* o, qlNode* node) noexcept nogil:
    cdef unsigned char* data
    cdef size_t clen
    if node.encoding != QL_NODE_LZF:
        return node.entry
    if out_scratch(o, node.sz) == NULL:
        return NULL
    clen = ql_node_lzf(node, &data)
    if lzf_decompress(data, <unsigned int>clen, o.scratch, <unsigned int>node.sz) != node.sz:
        set_errno(EINVAL)
        return NULL
    return o.scratch


cdef int put_list(Out* o, dictEntry* e, quicklist* ql) noexcept nogil:
    cdef Batch b
    cdef qlNode* node = ql.head
    cdef unsigned char* lp
    cdef unsigned char* p
    batch_init(&b, b"$5\r\nRPUSH\r\n", 11, e, ql.count, 1)
    while node != NULL:
        lp = node_bytes(o, node)
        if lp == NULL:
            return -1
        if node.container == QL_NODE_PLAIN:
            if batch_open(o, &b) != 0 or put_bulk(o, lp, node.sz) != 0:
                return -1
            batch_done(&b)
        else:
            p = lp_first(lp)
            while p != NULL:
                if batch_open(o, &b) != 0 or put_lp_element(o, p) != 0:
                    return -1
                batch_done(&b)
                p = lp_next(lp, p)
        node = node.next
    return 0


# Hash-table walkers: ctx is the Batch.

cdef int put_member(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    cdef Batch* b = <Batch*>ctx
    if batch_open(o, b) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0:
        return -1
    batch_done(b)
    return 0


cdef int put_scored_member(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    # a skiplist set's dict: member -> the score's IEEE-754 bits
    cdef Batch* b = <Batch*>ctx
    cdef double score
    memcpy(&score, &e.v.ival, 8)
    if batch_open(o, b) != 0 or put_bulk_double(o, score) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0:
        return -1
    batch_done(b)
    return 0


cdef int put_field_value(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    cdef Batch* b = <Batch*>ctx
    if (batch_open(o, b) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
            or put_bulk(o, ENTRY_VAL(e), e.v.vlen) != 0):
        return -1
    batch_done(b)
    return 0


cdef int put_set(Out* o, dictEntry* e, SetValue s) noexcept nogil:
    cdef Batch b
    cdef void* sp = s.p
    cdef intset* iset
    cdef kvdict* ht
    cdef int64_t v
    cdef uint32_t i
    if (<uint64_t>sp & 1) == 0:
        iset = <intset*>sp
        batch_init(&b, b"$4\r\nSADD\r\n", 10, e, intset_len(iset), 1)
        i = 0
        while intset_get(iset, i, &v):
            if batch_open(o, &b) != 0 or put_bulk_ll(o, v) != 0:
                return -1
            batch_done(&b)
            i += 1
        return 0
    ht = <kvdict*>(<uint64_t>sp & ~(<uint64_t>1))
    batch_init(&b, b"$4\r\nSADD\r\n", 10, e, dict_size(ht), 1)
    return table_walk(ht, put_member, o, &b)


cdef int put_zset(Out* o, dictEntry* e, ZsetValue z) noexcept nogil:
    cdef Batch b
    cdef unsigned char* lp = z.lp
    cdef unsigned char* p
    cdef unsigned char* sp
    if lp != NULL:
        batch_init(&b, b"$4\r\nZADD\r\n", 10, e, lp_count(lp) // 2, 2)
        p = lp_first(lp)
        while p != NULL:
            sp = lp_next(lp, p)
            if (batch_open(o, &b) != 0 or put_bulk_double(o, lp_score(sp)) != 0
                    or put_lp_element(o, p) != 0):
                return -1
            batch_done(&b)
            p = lp_next(lp, sp)
        return 0
    batch_init(&b, b"$4\r\nZADD\r\n", 10, e, dict_size(z.dict), 2)
    return table_walk(z.dict, put_scored_member, o, &b)


cdef int put_hash(Out* o, dictEntry* e, HashValue h) noexcept nogil:
    cdef Batch b
    cdef unsigned char* lp
    cdef unsigned char* p
    cdef unsigned char* vp
    if h.enc == HASH_ENC_LISTPACK:
        lp = h.lp
        batch_init(&b, b"$5\r\nHMSET\r\n", 11, e, lp_count(lp) // 2, 2)
        p = lp_first(lp)
        while p != NULL:
            vp = lp_next(lp, p)
            if batch_open(o, &b) != 0 or put_lp_element(o, p) != 0 or put_lp_element(o, vp) != 0:
                return -1
            batch_done(&b)
            p = lp_next(lp, vp)
        return 0
    batch_init(&b, b"$5\r\nHMSET\r\n", 11, e, dict_size(h.ht), 2)
    return table_walk(h.ht, put_field_value, o, &b)


cdef int put_string_value(Out* o, dictEntry* e) noexcept nogil:
    cdef int vk = entry_vk(e)
    if put(o, b"*3\r\n$3\r\nSET\r\n", 13) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0:
        return -1
    if vk == VK_INLINE:
        return put_bulk(o, ENTRY_VAL(e), e.v.vlen)
    if vk == VK_INT:
        return put_bulk_ll(o, e.v.ival)
    return put_bulk(o, bytearray_data(e.v.obj), <size_t>bytearray_size(e.v.obj))


# Streams (rewriteStreamObject): XADD of every entry with its ID (an empty
# stream: XADD MAXLEN 0 of a 0-1 entry), XSETID with entries-added and the
# max deleted ID, then per group XGROUP CREATE ... ENTRIESREAD, and per
# consumer an XCLAIM ... FORCE of each pending entry, or XGROUP
# CREATECONSUMER when it has none. Nodes are walked in their listpack
# layout (t_stream.pyx's header).
cdef inline int put_bulk_id(Out* o, uint64_t ms, uint64_t seq) noexcept nogil:
    cdef char b[48]
    cdef int n = ull2string(b, 21, ms)
    b[n] = b'-'
    n += 1
    n += ull2string(b + n, 21, seq)
    return put_bulk(o, b, n)


cdef inline int64_t lp_int_at(unsigned char* p) noexcept nogil:
    cdef unsigned int slen
    cdef long long v = 0
    lp_get_value(p, &slen, &v)
    return v


cdef inline uint64_t be64_at(const unsigned char* p) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v = (v << 8) | p[i]
    return v


cdef int put_stream_node(Out* o, dictEntry* e, const unsigned char* key, unsigned char* lp) noexcept nogil:
    cdef uint64_t master_ms = be64_at(key), master_seq = be64_at(key + 8)
    cdef unsigned char* p = lp_first(lp)
    cdef unsigned char* mfields
    cdef unsigned char* fp
    cdef int64_t mf, nf, flags, _i, ms_delta, seq_delta
    p = lp_next(lp, lp_next(lp, p))
    mf = lp_int_at(p)
    p = lp_next(lp, p)
    mfields = p
    for _i in range(mf):
        p = lp_next(lp, p)
    p = lp_next(lp, p)          # past the master entry's terminator
    while p != NULL:
        flags = lp_int_at(p)
        p = lp_next(lp, p)
        ms_delta = lp_int_at(p)
        p = lp_next(lp, p)
        seq_delta = lp_int_at(p)
        p = lp_next(lp, p)
        if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
            nf = mf
        else:
            nf = lp_int_at(p)
            p = lp_next(lp, p)
        if not (flags & STREAM_ITEM_FLAG_DELETED):
            if (put_count(o, b'*', 3 + nf * 2) != 0 or put(o, b"$4\r\nXADD\r\n", 10) != 0
                    or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
                    or put_bulk_id(o, master_ms + <uint64_t>ms_delta, master_seq + <uint64_t>seq_delta) != 0):
                return -1
        fp = mfields
        for _i in range(nf):
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                if not (flags & STREAM_ITEM_FLAG_DELETED) and put_lp_element(o, fp) != 0:
                    return -1
                fp = lp_next(lp, fp)
            else:
                if not (flags & STREAM_ITEM_FLAG_DELETED) and put_lp_element(o, p) != 0:
                    return -1
                p = lp_next(lp, p)
            if not (flags & STREAM_ITEM_FLAG_DELETED) and put_lp_element(o, p) != 0:
                return -1
            p = lp_next(lp, p)
        p = lp_next(lp, p)      # past lp-count
    return 0


cdef int put_stream_group(Out* o, dictEntry* e, const unsigned char* name, size_t nlen,
                          PyObject* g) noexcept nogil:
    cdef raxIterator ri, rp
    cdef PyObject* sc
    cdef streamNACK* nack
    cdef int r = 0
    if (put(o, b"*7\r\n$6\r\nXGROUP\r\n$6\r\nCREATE\r\n", 28) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
            or put_bulk(o, name, nlen) != 0
            or put_bulk_id(o, (<StreamGroup>g).last_id.ms, (<StreamGroup>g).last_id.seq) != 0
            or put(o, b"$11\r\nENTRIESREAD\r\n", 18) != 0 or put_bulk_ll(o, (<StreamGroup>g).entries_read) != 0):
        return -1
    rax_start(&ri, (<StreamGroup>g).consumers)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        sc = <PyObject*>ri.data
        if rax_size((<StreamConsumer>sc).pel) == 0:
            if (put(o, b"*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n", 37) != 0
                    or put_bulk(o, ENTRY_KEY(e), e.klen) != 0 or put_bulk(o, name, nlen) != 0
                    or put_bulk(o, ri.key, ri.key_len) != 0):
                r = -1
            continue
        rax_start(&rp, (<StreamConsumer>sc).pel)
        rax_seek(&rp, b"^", NULL, 0)
        while r == 0 and rax_next(&rp):
            nack = <streamNACK*>rp.data
            if (put(o, b"*12\r\n$6\r\nXCLAIM\r\n", 17) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
                    or put_bulk(o, name, nlen) != 0 or put_bulk(o, ri.key, ri.key_len) != 0
                    or put(o, b"$1\r\n0\r\n", 7) != 0
                    or put_bulk_id(o, be64_at(rp.key), be64_at(rp.key + 8)) != 0
                    or put(o, b"$4\r\nTIME\r\n", 10) != 0 or put_bulk_ll(o, nack.delivery_time) != 0
                    or put(o, b"$10\r\nRETRYCOUNT\r\n", 17) != 0
                    or put_bulk_ll(o, <long long>nack.delivery_count) != 0
                    or put(o, b"$6\r\nJUSTID\r\n$5\r\nFORCE\r\n", 23) != 0):
                r = -1
        rax_stop(&rp)
    rax_stop(&ri)
    return r


cdef int put_stream(Out* o, dictEntry* e, PyObject* v) noexcept nogil:
    cdef raxIterator ri
    cdef rax* groups = (<StreamValue>v).cgroups
    cdef int r = 0
    if (<StreamValue>v).length:
        rax_start(&ri, (<StreamValue>v).rax)
        rax_seek(&ri, b"^", NULL, 0)
        while r == 0 and rax_next(&ri):
            r = put_stream_node(o, e, ri.key, <unsigned char*>ri.data)
        rax_stop(&ri)
        if r != 0:
            return -1
    elif (put(o, b"*7\r\n$4\r\nXADD\r\n", 14) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
            or put(o, b"$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n$1\r\nx\r\n$1\r\ny\r\n", 42) != 0):
        return -1
    if (put(o, b"*7\r\n$6\r\nXSETID\r\n", 16) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
            or put_bulk_id(o, (<StreamValue>v).last_id.ms, (<StreamValue>v).last_id.seq) != 0
            or put(o, b"$12\r\nENTRIESADDED\r\n", 19) != 0
            or put_bulk_ll(o, <long long>(<StreamValue>v).entries_added) != 0
            or put(o, b"$12\r\nMAXDELETEDID\r\n", 19) != 0
            or put_bulk_id(o, (<StreamValue>v).max_deleted_entry_id.ms,
                           (<StreamValue>v).max_deleted_entry_id.seq) != 0):
        return -1
    if groups == NULL:
        return 0
    rax_start(&ri, groups)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        r = put_stream_group(o, e, ri.key, ri.key_len, <PyObject*>ri.data)
    rax_stop(&ri)
    return r


# The commands that rebuild one key's value.
cdef int put_value(Out* o, dictEntry* e) noexcept nogil:
    cdef int t = entry_type(e)
    if t == OBJ_STRING:
        return put_string_value(o, e)
    if t == OBJ_LIST:
        return put_list(o, e, &(<ListValue>e.v.obj).ql)
    if t == OBJ_SET:
        return put_set(o, e, <SetValue>e.v.obj)
    if t == OBJ_ZSET:
        return put_zset(o, e, <ZsetValue>e.v.obj)
    if t == OBJ_HASH:
        return put_hash(o, e, <HashValue>e.v.obj)
    if t == OBJ_STREAM:
        return put_stream(o, e, e.v.obj)
    set_errno(EINVAL)
    return -1


# ------------------------------------------------------------------ files --

ctypedef struct DbCtx:
    kvdict* expires
    uint64_t keys

# Keys written so far by the rewrite in progress (aof_rewrite_keys_progress).
cdef volatile uint64_t keys_progress = 0


cdef uint64_t aof_rewrite_keys_progress() noexcept nogil:
    return keys_progress


cdef int put_key(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    global keys_progress
    cdef DbCtx* c = <DbCtx*>ctx
    cdef dictEntry* x
    if put_value(o, e) != 0:
        return -1
    if e.meta & META_HAS_EXPIRE:
        x = table_find(c.expires, ENTRY_KEY(e), e.klen)
        if x != NULL:
            if (put(o, b"*3\r\n$9\r\nPEXPIREAT\r\n", 19) != 0 or put_bulk(o, ENTRY_KEY(e), e.klen) != 0
                    or put_bulk_ll(o, x.v.ival) != 0):
                return -1
    c.keys += 1
    keys_progress = c.keys
    delay_key()
    return 0


# A FUNCTION LOAD per library (rewriteFunctions), before the databases.
# The parent stages the commands before each rewrite (aof_rewrite_set_
# functions); the fork child reads them as the parent left them.
cdef bytes g_functions = b""
cdef const char* g_functions_p = ""
cdef size_t g_functions_n = 0


cdef int put_functions(Out* o, Engine eng) noexcept nogil:
    if g_functions_n == 0:
        return 0
    return put(o, g_functions_p, g_functions_n)


def aof_rewrite_set_functions(list codes):
    """Stage the libraries' codes for the next rewrite: each becomes
    FUNCTION LOAD <code> at the head of the file."""
    global g_functions, g_functions_p, g_functions_n
    cdef bytes code
    parts = []
    for code in codes:
        parts.append(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$%d\r\n" % len(code))
        parts.append(code)
        parts.append(b"\r\n")
    g_functions = b"".join(parts)
    g_functions_p = g_functions
    g_functions_n = len(g_functions)


cdef int write_body(Out* o, Engine eng, int flags, uint64_t* keys) noexcept nogil:
    cdef PyObject* dbs = <PyObject*>eng.dbs
    cdef PyObject* dbp
    cdef Py_ssize_t i, n = list_size(dbs)
    cdef kvdict* kt
    cdef DbCtx ctx
    cdef char ts[48]
    global keys_progress
    ctx.keys = 0
    keys_progress = 0
    if flags & AOF_REWRITE_TIMESTAMP:
        if put(o, ts, snprintf(ts, sizeof(ts), b"#TS:%ld\r\n", <long>time(NULL))) != 0:
            return -1
    if put_functions(o, eng) != 0:
        return -1
    for i in range(n):
        dbp = list_item(dbs, i)
        kt = (<Database>dbp).keys
        if dict_size(kt) == 0:
            continue
        ctx.expires = (<Database>dbp).expires
        if put(o, b"*2\r\n$6\r\nSELECT\r\n", 16) != 0 or put_bulk_ll(o, i) != 0:
            keys[0] = ctx.keys
            return -1
        if table_walk(kt, put_key, o, &ctx) != 0:
            keys[0] = ctx.keys
            return -1
    keys[0] = ctx.keys
    return 0


cdef int aof_rewrite_write_fd(Engine eng, int fd, int flags, RdbSaveStats* st) noexcept nogil:
    cdef Out o
    cdef uint64_t keys = 0
    cdef int r, saved
    if out_init(&o, fd, 0) != 0:
        return -1
    if flags & AOF_REWRITE_INCREMENTAL_FSYNC:
        out_autosync_on(&o)
    r = write_body(&o, eng, flags, &keys)
    if r == 0:
        r = out_flush(&o)
    saved = errno
    if st != NULL:
        st.bytes_written = o.total
        st.keys_written = keys
    out_release(&o)
    set_errno(saved)
    return r


# ----------------------------------------------------------------- Python --

def aof_rewrite_fd(Engine eng, int fd, int flags, bint release_gil=False):
    """aof_rewrite_write_fd on an open fd (tests, benchmarks): {"bytes":
    ..., "keys": ...}, or OSError with the errno. release_gil runs it without
    the GIL, as the fork child does (nothing else may run commands then)."""
    cdef RdbSaveStats st
    cdef int r, err
    st.bytes_written = 0
    st.keys_written = 0
    if release_gil:
        with nogil:
            r = aof_rewrite_write_fd(eng, fd, flags, &st)
            err = errno
    else:
        r = aof_rewrite_write_fd(eng, fd, flags, &st)
        err = errno
    if r != 0:
        raise OSError(err, _os.strerror(err))
    return {"bytes": st.bytes_written, "keys": st.keys_written}


def aof_rewrite_path(Engine eng, str path, int flags):
    """The rewrite in the foreground (Redis's rewriteAppendOnlyFile): write
    temp-rewriteaof-<pid>.aof next to path, fsync and close it, rename it
    onto path. Returns {"bytes": ..., "keys": ...}. On failure the temp file
    is removed and OSError is raised with its errno."""
    directory = _os.path.dirname(path) or "."
    tmp = _os.path.join(directory, "temp-rewriteaof-%d.aof" % _os.getpid())
    fd = _os.open(tmp, _os.O_WRONLY | _os.O_CREAT | _os.O_TRUNC | _os.O_CLOEXEC, 0o644)
    try:
        try:
            res = aof_rewrite_fd(eng, fd, flags)
            _os.fsync(fd)
        finally:
            _os.close(fd)
        _os.rename(tmp, path)
    except OSError:
        try:
            _os.unlink(tmp)
        except OSError:
            pass
        raise
    return res


def fork_aof_child(Engine eng, str tmp_pattern, int flags, list close_fds):
    """BGREWRITEAOF's child in command form: fork_aof_rewrite_child of
    persist/fork with no rename (the child writes tmp_pattern % its pid,
    the parent moves the file into place). Returns (pid, report_fd,
    fork_usec); raises OSError when the fork fails."""
    from rkvd._core.persist.fork import fork_aof_rewrite_child
    return fork_aof_rewrite_child(eng, tmp_pattern, None, flags, close_fds)
