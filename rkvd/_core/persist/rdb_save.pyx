# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# The RDB writer: the byte format redis-server 7.0.15 writes (rdb.c), for
# whole files (SAVE, the BGSAVE child) and single objects (DUMP, DEBUG
# OBJECT's serializedlength). A cold subsystem, so its own extension,
# reaching the engine through the interface server.pxd declares.
#
# Everything below the Python entry points is C that runs without the GIL
# and never touches a reference count: the BGSAVE child calls it in a copy
# of the parent's memory, where each refcount write would copy a page. So
# the databases list, the Database objects and the value objects are read
# through borrowed PyObject* pointers (casts to their C structs, with no
# INCREF/DECREF in the generated code), and the tables are walked directly
# (lib/dict's iterator and lookup may take a rehash step, which writes).
#
# Output choices that make files byte-identical to Redis's:
#   * a string of up to 11 bytes that is the canonical text of an integer in
#     the int32 range is stored as an integer (1, 2 or 4 bytes);
#   * with compression on, a string over 20 bytes is LZF-compressed when the
#     result is at least 4 bytes shorter (lzf.pxd explains the room given);
#   * quicklist nodes compressed in memory are written as they are;
#   * a skiplist sorted set is written from its tail (the loader inserts
#     each member at the head of its listpack, or in O(1) at the end);
#   * hash tables are walked in table order, first table then second.
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.object cimport PyObject
from libc.errno cimport errno, EINTR, ENOMEM, EINVAL
from libc.stdint cimport uint32_t, uint64_t, INT32_MIN, INT32_MAX, INT16_MIN, INT16_MAX, UINT32_MAX
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)
from libc.string cimport memcpy, memcmp
from posix.unistd cimport write

from rkvd._core.lib.crc64 cimport crc64
from rkvd._core.lib.dict cimport (
    dict as kvdict, dictEntry, ENTRY_KEY, ENTRY_VAL, META_LRU_MASK, META_HAS_EXPIRE,
    VK_INLINE, VK_INT, dict_hash, dict_size, entry_type, entry_vk,
)
from rkvd._core.lib.intset cimport intset, intset_blob_len
from rkvd._core.lib.listpack cimport lp_bytes
from rkvd._core.lib.lzf cimport lzf_compress
from rkvd._core.lib.quicklist cimport qlNode, quicklist, QL_NODE_LZF, ql_node_lzf
from rkvd._core.lib.rax cimport rax, raxIterator, rax_next, rax_seek, rax_size, rax_start, rax_stop
from rkvd._core.lib.skiplist cimport zslNode, zsl_node_ele, zsl_node_len
from rkvd._core.lib.util cimport string2ll, ll2string
from rkvd._core.persist.rdb cimport *
from rkvd._core.server cimport (
    Client, Database, Engine, HashValue, ListValue, SetValue, ZsetValue, HASH_ENC_LISTPACK,
    StreamConsumer, StreamGroup, StreamValue, streamNACK,
)

import os as _os

cdef extern from "Python.h" nogil:
    # The borrowing macros, declared on PyObject* so that no reference is
    # taken (Cython's own declarations take `object`).
    PyObject* list_item "PyList_GET_ITEM"(PyObject* lst, Py_ssize_t i)
    Py_ssize_t list_size "PyList_GET_SIZE"(PyObject* lst)
    char* bytearray_data "PyByteArray_AS_STRING"(PyObject* o)
    Py_ssize_t bytearray_size "PyByteArray_GET_SIZE"(PyObject* o)

cdef extern from *:
    """
    #include <errno.h>
    static inline void rkvd_set_errno(int e) { errno = e; }
    """
    void set_errno "rkvd_set_errno"(int e) noexcept nogil

cdef extern from "<unistd.h>" nogil:
    int usleep(unsigned int usec)
    long long lseek(int fd, long long offset, int whence)
    enum: SEEK_CUR

cdef extern from "<fcntl.h>" nogil:
    int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags)
    enum:
        SYNC_FILE_RANGE_WAIT_BEFORE
        SYNC_FILE_RANGE_WRITE
        SYNC_FILE_RANGE_WAIT_AFTER

cdef extern from "<sys/stat.h>" nogil:
    cdef struct stat:
        unsigned int st_mode
    int fstat(int fd, stat* buf)
    bint S_ISREG(unsigned int mode)

cdef extern from "<stdlib.h>" nogil:
    int rand()

cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_STREAM = 6
    # The output buffer of a file writer; writes at least this large skip it.
    OUT_BUF_SIZE = 128 * 1024
    # rdb-save-incremental-fsync's step (Redis's REDIS_AUTOSYNC_BYTES).
    AUTOSYNC_BYTES = 4 * 1024 * 1024
    # Redis's LRU clock (engine/consts.pxi): seconds, 24 bits.
    LRU_CLOCK_MAX = (1 << 24) - 1
    LRU_CLOCK_RESOLUTION = 1000
    # The longest string tried as an integer (rdbTryIntegerEncoding).
    INT_ENCODING_MAX_LEN = 11
    # Strings this long or shorter are never compressed.
    LZF_MIN_LEN = 20

# rdb-key-save-delay (tests slow BGSAVE down with it): microseconds to sleep
# after each key; negative -n sleeps 1 us with probability 1/n. Process-wide,
# so the fork child inherits the value the parent had.
cdef int key_save_delay = 0

# Keys written so far by the file write in progress (rdb_keys_progress).
cdef volatile uint64_t keys_progress = 0


cdef uint64_t rdb_keys_progress() noexcept nogil:
    return keys_progress


# ------------------------------------------------------------------ output --
# One sink for both uses: a file descriptor behind a buffer, or a growing
# memory block (fd < 0). The checksum covers what reaches the file. (The
# struct is declared in rdb_save.pxd: the AOF rewrite writes through it too.)

cdef int out_init(Out* o, int fd, int flags) noexcept nogil:
    o.fd = fd
    o.flags = flags
    o.len = 0
    o.crc = 0
    o.total = 0
    o.autosync = False
    o.on_disk = 0
    o.sync_from = 0
    o.prev_from = 0
    o.prev_len = 0
    o.scratch = NULL
    o.scratch_cap = 0
    o.cap = OUT_BUF_SIZE if fd >= 0 else 256
    o.buf = <unsigned char*>malloc(o.cap)
    if o.buf == NULL:
        set_errno(ENOMEM)
        return -1
    return 0


cdef void out_release(Out* o) noexcept nogil:
    free(o.buf)
    free(o.scratch)
    o.buf = NULL
    o.scratch = NULL


# Redis's rio autosync (7.0): every 4 MB start the writeout of what was
# just written and wait for the previous one, so the page cache never holds
# much dirty data of the file and the final fsync has little left to do.
cdef int autosync_step(Out* o) noexcept nogil:
    cdef uint64_t length = o.on_disk - o.sync_from
    if sync_file_range(o.fd, o.base + <long long>o.sync_from, <long long>length,
                       SYNC_FILE_RANGE_WRITE) != 0:
        return -1
    if o.prev_len and sync_file_range(o.fd, o.base + <long long>o.prev_from, <long long>o.prev_len,
                                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                      SYNC_FILE_RANGE_WAIT_AFTER) != 0:
        return -1
    o.prev_from = o.sync_from
    o.prev_len = length
    o.sync_from = o.on_disk
    return 0


# Turn the incremental writeout on when the fd is a regular file (from its
# current offset); a pipe or a device is left alone.
cdef void out_autosync_on(Out* o) noexcept nogil:
    cdef stat sb
    if fstat(o.fd, &sb) == 0 and S_ISREG(sb.st_mode):
        o.base = lseek(o.fd, 0, SEEK_CUR)
        o.autosync = o.base >= 0


cdef int write_all(Out* o, const unsigned char* p, size_t n) noexcept nogil:
    cdef ssize_t w
    if o.flags & RDB_SAVE_CHECKSUM:
        o.crc = crc64(o.crc, p, n)
    while n:
        w = write(o.fd, p, n)
        if w < 0:
            if errno == EINTR:
                continue
            return -1
        p += w
        n -= <size_t>w
        o.on_disk += <size_t>w
    if o.autosync and o.on_disk - o.sync_from >= AUTOSYNC_BYTES:
        return autosync_step(o)
    return 0


cdef int out_flush(Out* o) noexcept nogil:
    if o.fd < 0 or o.len == 0:
        return 0
    if write_all(o, o.buf, o.len) != 0:
        return -1
    o.len = 0
    return 0


cdef int out_grow(Out* o, size_t need) noexcept nogil:
    cdef size_t cap = o.cap
    cdef unsigned char* nb
    while cap < need:
        cap *= 2
    nb = <unsigned char*>realloc(o.buf, cap)
    if nb == NULL:
        set_errno(ENOMEM)
        return -1
    o.buf = nb
    o.cap = cap
    return 0


cdef int out_write(Out* o, const void* p, size_t n) noexcept nogil:
    o.total += n
    if o.len + n > o.cap:
        if o.fd < 0:
            if out_grow(o, o.len + n) != 0:
                return -1
        else:
            if out_flush(o) != 0:
                return -1
            if n >= o.cap:
                return write_all(o, <const unsigned char*>p, n)
    memcpy(o.buf + o.len, p, n)
    o.len += n
    return 0


cdef inline int out_byte(Out* o, unsigned char b) noexcept nogil:
    if o.len < o.cap:
        o.buf[o.len] = b
        o.len += 1
        o.total += 1
        return 0
    return out_write(o, &b, 1)


# ------------------------------------------------------------ primitives --

cdef int put_len(Out* o, uint64_t n) noexcept nogil:
    cdef unsigned char b[9]
    cdef int k
    if n < (1 << 6):
        b[0] = <unsigned char>((RDB_6BITLEN << 6) | n)
        return out_write(o, b, 1)
    if n < (1 << 14):
        b[0] = <unsigned char>((RDB_14BITLEN << 6) | (n >> 8))
        b[1] = <unsigned char>(n & 0xFF)
        return out_write(o, b, 2)
    if n <= UINT32_MAX:
        b[0] = RDB_32BITLEN
        for k in range(4):
            b[1 + k] = <unsigned char>(n >> (24 - 8 * k))
        return out_write(o, b, 5)
    b[0] = RDB_64BITLEN
    for k in range(8):
        b[1 + k] = <unsigned char>(n >> (56 - 8 * k))
    return out_write(o, b, 9)


cdef int put_le64(Out* o, uint64_t v) noexcept nogil:
    cdef unsigned char b[8]
    cdef int k
    for k in range(8):
        b[k] = <unsigned char>(v >> (8 * k))
    return out_write(o, b, 8)


# The integer forms of a string (rdbEncodeInteger): bytes written to enc, or
# 0 when v is outside the int32 range.
cdef int encode_integer(long long v, unsigned char* enc) noexcept nogil:
    if -128 <= v <= 127:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8
        enc[1] = <unsigned char>(v & 0xFF)
        return 2
    if INT16_MIN <= v <= INT16_MAX:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16
        enc[1] = <unsigned char>(v & 0xFF)
        enc[2] = <unsigned char>((v >> 8) & 0xFF)
        return 3
    if INT32_MIN <= v <= INT32_MAX:
        enc[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32
        enc[1] = <unsigned char>(v & 0xFF)
        enc[2] = <unsigned char>((v >> 8) & 0xFF)
        enc[3] = <unsigned char>((v >> 16) & 0xFF)
        enc[4] = <unsigned char>((v >> 24) & 0xFF)
        return 5
    return 0


# An integer-valued string (the int encoding, set-like integers).
cdef int put_ll_string(Out* o, long long v) noexcept nogil:
    cdef unsigned char enc[5]
    cdef char text[32]
    cdef int n = encode_integer(v, enc)
    if n:
        return out_write(o, enc, n)
    n = ll2string(text, sizeof(text), v)
    if put_len(o, n) != 0:
        return -1
    return out_write(o, text, n)


# LZF-compress p[0:n] into o.scratch: the compressed length, or 0 when it
# does not save at least 4 bytes (-1: out of memory).
cdef long long compress(Out* o, const unsigned char* p, size_t n) noexcept nogil:
    if n > UINT32_MAX:
        return 0            # lzf_compress takes 32-bit lengths
    if out_scratch(o, n) == NULL:
        return -1
    return lzf_compress(p, <unsigned int>n, o.scratch, <unsigned int>(n - 4))


cdef unsigned char* out_scratch(Out* o, size_t n) noexcept nogil:
    cdef unsigned char* nb
    if o.scratch_cap < n:
        nb = <unsigned char*>realloc(o.scratch, n)
        if nb == NULL:
            set_errno(ENOMEM)
            return NULL
        o.scratch = nb
        o.scratch_cap = n
    return o.scratch


cdef int put_lzf_blob(Out* o, const unsigned char* c, size_t clen, size_t origlen) noexcept nogil:
    if out_byte(o, (RDB_ENCVAL << 6) | RDB_ENC_LZF) != 0:
        return -1
    if put_len(o, clen) != 0 or put_len(o, origlen) != 0:
        return -1
    return out_write(o, c, clen)


# A string as Redis's rdbSaveRawString stores it: an integer, LZF, or the
# length and the bytes.
cdef int put_string(Out* o, const unsigned char* p, size_t n) noexcept nogil:
    cdef long long v, clen
    cdef unsigned char enc[5]
    cdef char text[32]
    cdef int k
    if n <= INT_ENCODING_MAX_LEN and n > 0 and string2ll(<const char*>p, n, &v):
        # only the canonical text of the number loads back as the same bytes
        if ll2string(text, sizeof(text), v) == <int>n and memcmp(text, p, n) == 0:
            k = encode_integer(v, enc)
            if k:
                return out_write(o, enc, k)
    if (o.flags & RDB_SAVE_COMPRESS) and n > LZF_MIN_LEN:
        clen = compress(o, p, n)
        if clen < 0:
            return -1
        if clen > 0:
            return put_lzf_blob(o, o.scratch, <size_t>clen, n)
    if put_len(o, n) != 0:
        return -1
    return out_write(o, p, n)


cdef int put_double(Out* o, double d) noexcept nogil:
    cdef uint64_t bits
    memcpy(&bits, &d, 8)
    return put_le64(o, bits)


# ---------------------------------------------------------------- tables --
# lib/dict's lookup and iterator may move entries (a rehash step): these two
# only read, for the fork child.

cdef dictEntry* table_find(kvdict* d, const char* key, size_t klen) noexcept nogil:
    cdef uint64_t h
    cdef dictEntry* e
    cdef int t
    if dict_size(d) == 0:
        return NULL
    h = dict_hash(key, klen)
    for t in range(2):
        if d.ht[t].size == 0:
            continue
        e = d.ht[t].table[h & d.ht[t].sizemask]
        while e != NULL:
            if e.klen == klen and memcmp(ENTRY_KEY(e), key, klen) == 0:
                return e
            e = e.next
    return NULL


# Call fn on every entry, first table then second, bucket by bucket; stop at
# the first nonzero return and pass it on.
cdef int table_walk(kvdict* d, entry_fn fn, Out* o, void* ctx) noexcept nogil:
    cdef dictEntry* e
    cdef uint64_t i
    cdef int t, r
    for t in range(2):
        for i in range(d.ht[t].size):
            e = d.ht[t].table[i]
            while e != NULL:
                r = fn(o, ctx, e)
                if r != 0:
                    return r
                e = e.next
    return 0


cdef int put_member(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    return put_string(o, <const unsigned char*>ENTRY_KEY(e), e.klen)


cdef int put_field_value(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    if put_string(o, <const unsigned char*>ENTRY_KEY(e), e.klen) != 0:
        return -1
    return put_string(o, <const unsigned char*>ENTRY_VAL(e), e.v.vlen)


# --------------------------------------------------------------- objects --

# The RDB type byte of an entry's value, or -1 for a type this writer does
# not know.
cdef int value_rdb_type(dictEntry* e) noexcept nogil:
    cdef int t = entry_type(e)
    cdef PyObject* v = e.v.obj
    if t == OBJ_STRING:
        return RDB_TYPE_STRING
    if t == OBJ_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2
    if t == OBJ_SET:
        return RDB_TYPE_SET_INTSET if (<uint64_t>(<SetValue>v).p & 1) == 0 else RDB_TYPE_SET
    if t == OBJ_ZSET:
        return RDB_TYPE_ZSET_LISTPACK if (<ZsetValue>v).lp != NULL else RDB_TYPE_ZSET_2
    if t == OBJ_HASH:
        return RDB_TYPE_HASH_LISTPACK if (<HashValue>v).enc == HASH_ENC_LISTPACK else RDB_TYPE_HASH
    if t == OBJ_STREAM:
        return RDB_TYPE_STREAM_LISTPACKS_2
    return -1


cdef int put_quicklist(Out* o, quicklist* ql) noexcept nogil:
    cdef qlNode* node = ql.head
    cdef unsigned char* data
    cdef size_t clen
    if put_len(o, ql.len) != 0:
        return -1
    while node != NULL:
        if put_len(o, node.container) != 0:
            return -1
        if node.encoding == QL_NODE_LZF:
            clen = ql_node_lzf(node, &data)
            if put_lzf_blob(o, data, clen, node.sz) != 0:
                return -1
        elif put_string(o, node.entry, node.sz) != 0:
            return -1
        node = node.next
    return 0


cdef int put_skiplist(Out* o, ZsetValue z) noexcept nogil:
    cdef zslNode* x = z.zsl.tail
    if put_len(o, z.zsl.length) != 0:
        return -1
    while x != NULL:
        if put_string(o, <const unsigned char*>zsl_node_ele(x), zsl_node_len(x)) != 0:
            return -1
        if put_double(o, x.score) != 0:
            return -1
        x = x.backward
    return 0


# A stream (rdbSaveObject's OBJ_STREAM): the nodes as (master ID, listpack)
# strings, the length, last / first / max-deleted IDs, entries-added, then
# each group in name order: name, last ID, entries-read, its PEL (ID,
# delivery time, delivery count) and its consumers in name order (name,
# seen time, the IDs of their PEL). Groups and consumers are walked through
# borrowed pointers, like everything the fork child reads.
cdef int put_pel(Out* o, rax* pel, bint nacks) noexcept nogil:
    cdef raxIterator ri
    cdef streamNACK* nack
    cdef int r = 0
    if put_len(o, rax_size(pel)) != 0:
        return -1
    rax_start(&ri, pel)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        r = out_write(o, ri.key, 16)
        if r == 0 and nacks:
            nack = <streamNACK*>ri.data
            r = put_le64(o, <uint64_t>nack.delivery_time)
            if r == 0:
                r = put_len(o, nack.delivery_count)
    rax_stop(&ri)
    return r


cdef int put_consumers(Out* o, rax* consumers) noexcept nogil:
    cdef raxIterator ri
    cdef PyObject* sc
    cdef int r = 0
    if put_len(o, rax_size(consumers)) != 0:
        return -1
    rax_start(&ri, consumers)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        sc = <PyObject*>ri.data
        r = put_string(o, ri.key, ri.key_len)
        if r == 0:
            r = put_le64(o, <uint64_t>(<StreamConsumer>sc).seen_time)
        if r == 0:
            r = put_pel(o, (<StreamConsumer>sc).pel, False)
    rax_stop(&ri)
    return r


cdef int put_stream(Out* o, PyObject* v) noexcept nogil:
    cdef raxIterator ri
    cdef rax* groups = (<StreamValue>v).cgroups
    cdef PyObject* g
    cdef int r = 0
    if put_len(o, rax_size((<StreamValue>v).rax)) != 0:
        return -1
    rax_start(&ri, (<StreamValue>v).rax)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        r = put_string(o, ri.key, ri.key_len)
        if r == 0:
            r = put_string(o, <const unsigned char*>ri.data, lp_bytes(<unsigned char*>ri.data))
    rax_stop(&ri)
    if r != 0:
        return -1
    if (put_len(o, (<StreamValue>v).length) != 0
            or put_len(o, (<StreamValue>v).last_id.ms) != 0 or put_len(o, (<StreamValue>v).last_id.seq) != 0
            or put_len(o, (<StreamValue>v).first_id.ms) != 0 or put_len(o, (<StreamValue>v).first_id.seq) != 0
            or put_len(o, (<StreamValue>v).max_deleted_entry_id.ms) != 0
            or put_len(o, (<StreamValue>v).max_deleted_entry_id.seq) != 0
            or put_len(o, (<StreamValue>v).entries_added) != 0):
        return -1
    if groups == NULL:
        return put_len(o, 0)
    if put_len(o, rax_size(groups)) != 0:
        return -1
    rax_start(&ri, groups)
    rax_seek(&ri, b"^", NULL, 0)
    while r == 0 and rax_next(&ri):
        g = <PyObject*>ri.data
        r = put_string(o, ri.key, ri.key_len)
        if r == 0:
            r = put_len(o, (<StreamGroup>g).last_id.ms)
        if r == 0:
            r = put_len(o, (<StreamGroup>g).last_id.seq)
        if r == 0:
            r = put_len(o, <uint64_t>(<StreamGroup>g).entries_read)
        if r == 0:
            r = put_pel(o, (<StreamGroup>g).pel, True)
        if r == 0:
            r = put_consumers(o, (<StreamGroup>g).consumers)
    rax_stop(&ri)
    return r


# The value of an entry, after its type byte (rdbSaveObject).
cdef int put_value(Out* o, dictEntry* e) noexcept nogil:
    cdef int t = entry_type(e)
    cdef int vk = entry_vk(e)
    cdef PyObject* v = e.v.obj
    cdef void* sp
    cdef kvdict* ht
    if t == OBJ_STRING:
        if vk == VK_INLINE:
            return put_string(o, <const unsigned char*>ENTRY_VAL(e), e.v.vlen)
        if vk == VK_INT:
            return put_ll_string(o, e.v.ival)
        return put_string(o, <const unsigned char*>bytearray_data(v), <size_t>bytearray_size(v))
    if t == OBJ_LIST:
        return put_quicklist(o, &(<ListValue>v).ql)
    if t == OBJ_SET:
        sp = (<SetValue>v).p
        if (<uint64_t>sp & 1) == 0:
            return put_string(o, <const unsigned char*>sp, intset_blob_len(<intset*>sp))
        ht = <kvdict*>(<uint64_t>sp & ~(<uint64_t>1))
        if put_len(o, dict_size(ht)) != 0:
            return -1
        return table_walk(ht, put_member, o, NULL)
    if t == OBJ_ZSET:
        if (<ZsetValue>v).lp != NULL:
            return put_string(o, (<ZsetValue>v).lp, lp_bytes((<ZsetValue>v).lp))
        return put_skiplist(o, <ZsetValue>v)
    if t == OBJ_HASH:
        if (<HashValue>v).enc == HASH_ENC_LISTPACK:
            return put_string(o, (<HashValue>v).lp, lp_bytes((<HashValue>v).lp))
        ht = (<HashValue>v).ht
        if put_len(o, dict_size(ht)) != 0:
            return -1
        return table_walk(ht, put_field_value, o, NULL)
    if t == OBJ_STREAM:
        return put_stream(o, v)
    set_errno(EINVAL)
    return -1


cdef int put_type_and_value(Out* o, dictEntry* e) noexcept nogil:
    cdef int t = value_rdb_type(e)
    if t < 0:
        set_errno(EINVAL)
        return -1
    if out_byte(o, <unsigned char>t) != 0:
        return -1
    return put_value(o, e)


# ------------------------------------------------------------------ files --

ctypedef struct DbCtx:
    PyObject* eng       # borrowed
    kvdict* expires
    uint64_t keys


cdef uint64_t idle_seconds(Engine eng, uint32_t lru) noexcept nogil:
    # estimateObjectIdleTime in seconds, as rdbSaveKeyValuePair stores it
    cdef uint32_t now = eng.lruclock
    if now >= lru:
        return <uint64_t>(now - lru) * LRU_CLOCK_RESOLUTION // 1000
    return <uint64_t>(now + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION // 1000


cdef uint32_t lfu_counter(Engine eng, uint32_t lru) noexcept nogil:
    # LFUDecrAndReturn: the counter less one per decay period elapsed
    cdef uint32_t ldt = lru >> 8
    cdef uint32_t counter = lru & 0xFF
    cdef uint32_t now = <uint32_t>((eng.cached_ms // 60000) & 0xFFFF)
    cdef uint32_t elapsed = now - ldt if now >= ldt else 65535 - ldt + now
    cdef uint32_t periods = elapsed // <uint32_t>eng.lfu_decay_time if eng.lfu_decay_time > 0 else 0
    if periods:
        counter = 0 if periods > counter else counter - periods
    return counter


cdef void delay_key() noexcept nogil:
    cdef int us = key_save_delay
    if us < 0:
        us = 1 if rand() % (-us) == 0 else 0
    if us:
        usleep(us)


cdef int put_key_value(Out* o, void* ctx, dictEntry* e) noexcept nogil:
    global keys_progress
    cdef DbCtx* c = <DbCtx*>ctx
    cdef dictEntry* x
    cdef int t
    if e.meta & META_HAS_EXPIRE:
        x = table_find(c.expires, ENTRY_KEY(e), e.klen)
        if x != NULL:
            if out_byte(o, RDB_OPCODE_EXPIRETIME_MS) != 0 or put_le64(o, <uint64_t>x.v.ival) != 0:
                return -1
    if o.flags & RDB_SAVE_KEEP_LRU:
        if out_byte(o, RDB_OPCODE_IDLE) != 0 or put_len(o, idle_seconds(<Engine>c.eng, e.meta & META_LRU_MASK)) != 0:
            return -1
    elif o.flags & RDB_SAVE_KEEP_LFU:
        if out_byte(o, RDB_OPCODE_FREQ) != 0 or out_byte(o, lfu_counter(<Engine>c.eng, e.meta & META_LRU_MASK)) != 0:
            return -1
    t = value_rdb_type(e)
    if t < 0:
        set_errno(EINVAL)
        return -1
    if out_byte(o, <unsigned char>t) != 0:
        return -1
    if put_string(o, <const unsigned char*>ENTRY_KEY(e), e.klen) != 0:
        return -1
    if put_value(o, e) != 0:
        return -1
    c.keys += 1
    keys_progress = c.keys
    if key_save_delay:
        delay_key()
    return 0


cdef int write_body(Out* o, Engine eng, const unsigned char* aux, size_t auxlen,
                    uint64_t* keys) noexcept nogil:
    cdef PyObject* dbs = <PyObject*>eng.dbs
    cdef PyObject* dbp
    cdef Py_ssize_t i, n = list_size(dbs)
    cdef kvdict* kt
    cdef DbCtx ctx
    global keys_progress
    ctx.eng = <PyObject*>eng
    ctx.keys = 0
    keys_progress = 0
    if out_write(o, b"REDIS0010", 9) != 0:
        return -1
    if auxlen and out_write(o, aux, auxlen) != 0:
        return -1
    if o.flags & RDB_SAVE_NO_DATA:
        n = 0
    for i in range(n):
        dbp = list_item(dbs, i)
        kt = (<Database>dbp).keys
        if dict_size(kt) == 0:
            continue
        ctx.expires = (<Database>dbp).expires
        if out_byte(o, RDB_OPCODE_SELECTDB) != 0 or put_len(o, <uint64_t>i) != 0:
            return -1
        if (out_byte(o, RDB_OPCODE_RESIZEDB) != 0 or put_len(o, dict_size(kt)) != 0
                or put_len(o, dict_size(ctx.expires)) != 0):
            keys[0] = ctx.keys
            return -1
        if table_walk(kt, put_key_value, o, &ctx) != 0:
            keys[0] = ctx.keys
            return -1
    keys[0] = ctx.keys
    return out_byte(o, RDB_OPCODE_EOF)


cdef int rdb_write_fd(Engine eng, int fd, int flags, const unsigned char* aux, size_t auxlen,
                      RdbSaveStats* st) noexcept nogil:
    cdef Out o
    cdef uint64_t keys = 0
    cdef unsigned char trailer[8]
    cdef int k, r, saved
    if out_init(&o, fd, flags) != 0:
        return -1
    if flags & RDB_SAVE_INCREMENTAL_FSYNC:
        out_autosync_on(&o)
    r = write_body(&o, eng, aux, auxlen, &keys)
    if r == 0:
        r = out_flush(&o)
    if r == 0:
        # the trailer is not part of what it checksums
        o.flags &= ~RDB_SAVE_CHECKSUM
        for k in range(8):
            trailer[k] = <unsigned char>(o.crc >> (8 * k)) if flags & RDB_SAVE_CHECKSUM else 0
        o.total += 8
        r = write_all(&o, trailer, 8)
    saved = errno
    if st != NULL:
        st.bytes_written = o.total
        st.keys_written = keys
    out_release(&o)
    set_errno(saved)
    return r


# --------------------------------------------------------------- objects --

cdef bytes out_bytes(Out* o):
    return PyBytes_FromStringAndSize(<char*>o.buf, o.len)


def rdb_aux_blob(list pairs, int flags=RDB_SAVE_COMPRESS):
    """The AUX records for [(name, value)]: bytes values as strings, integers
    as their decimal text (rdbSaveAuxFieldStrInt), each stored as any RDB
    string is (so short numbers become integer encodings). flags: only
    RDB_SAVE_COMPRESS matters, as in the file the records go in."""
    cdef Out o
    cdef bytes name, val
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        for name, value in pairs:
            val = str(value).encode() if isinstance(value, int) else bytes(value)
            if (out_byte(&o, RDB_OPCODE_AUX) != 0 or put_string(&o, name, len(name)) != 0
                    or put_string(&o, val, len(val)) != 0):
                raise MemoryError()
        return out_bytes(&o)
    finally:
        out_release(&o)


# FUNCTION2 and the library's code for each of codes (rdbSaveFunctions).
cdef int put_functions(Out* o, list codes) except -1:
    cdef bytes code
    for code in codes:
        if out_byte(o, RDB_OPCODE_FUNCTION2) != 0 or put_string(o, code, len(code)) != 0:
            raise MemoryError()
    return 0


def rdb_function_records(list codes, int flags=RDB_SAVE_COMPRESS):
    """The FUNCTION2 records of the libraries whose codes are given, as a
    file holds them after its AUX fields. flags: only RDB_SAVE_COMPRESS
    matters, as in the file the records go in."""
    cdef Out o
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        put_functions(&o, codes)
        return out_bytes(&o)
    finally:
        out_release(&o)


def function_dump_payload(list codes, int flags=RDB_SAVE_COMPRESS):
    """FUNCTION DUMP's payload: the FUNCTION2 records, the RDB version and a
    CRC64 of both, little-endian (functionDumpCommand)."""
    cdef Out o
    cdef unsigned char tail[10]
    cdef uint64_t crc
    cdef int k
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        put_functions(&o, codes)
        tail[0] = RDB_VERSION & 0xFF
        tail[1] = (RDB_VERSION >> 8) & 0xFF
        if out_write(&o, tail, 2) != 0:
            raise MemoryError()
        crc = crc64(0, o.buf, o.len)
        for k in range(8):
            tail[k] = <unsigned char>(crc >> (8 * k))
        if out_write(&o, tail, 8) != 0:
            raise MemoryError()
        return out_bytes(&o)
    finally:
        out_release(&o)


cdef bytes encode_entry(dictEntry* e, int flags):
    cdef Out o
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        if put_type_and_value(&o, e) != 0:
            if errno == ENOMEM:
                raise MemoryError()
            raise ValueError("value of a type the RDB writer does not know")
        return out_bytes(&o)
    finally:
        out_release(&o)


def rdb_encode_value(Engine eng, Database db, bytes key, int flags):
    """Type byte + serialized value of key in db (what DUMP wraps and DEBUG
    OBJECT's serializedlength measures), or None when the key is absent. No
    side effects: no expiry, no stats, no LRU update. flags: only
    RDB_SAVE_COMPRESS matters."""
    cdef dictEntry* e = table_find(db.keys, key, len(key))
    if e == NULL:
        return None
    return encode_entry(e, flags)


# Write DUMP's payload for entry e into o: the RDB object (type byte and
# value), the RDB version and a CRC64 of both, little-endian (Redis's
# createDumpPayload). Raises MemoryError, or ValueError for a value of a type
# the writer does not know.
cdef int put_dump_payload(Out* o, dictEntry* e) except -1:
    cdef unsigned char tail[10]
    cdef uint64_t crc
    cdef int k
    if put_type_and_value(o, e) != 0:
        if errno == ENOMEM:
            raise MemoryError()
        raise ValueError("value of a type the RDB writer does not know")
    tail[0] = RDB_VERSION & 0xFF
    tail[1] = (RDB_VERSION >> 8) & 0xFF
    if out_write(o, tail, 2) != 0:
        raise MemoryError()
    crc = crc64(0, o.buf, o.len)
    for k in range(8):
        tail[k] = <unsigned char>(crc >> (8 * k))
    if out_write(o, tail, 8) != 0:
        raise MemoryError()
    return 0


cdef bytes dump_payload(dictEntry* e, int flags):
    cdef Out o
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        put_dump_payload(&o, e)
        return out_bytes(&o)
    finally:
        out_release(&o)


def dump_command(Client c, int flags):
    """DUMP key (Redis's dumpCommand): the value's DUMP payload, or a null
    reply. The caller passes RDB_SAVE_COMPRESS when rdbcompression is on."""
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef Out o
    if e == NULL:
        return c.add_null()
    if out_init(&o, -1, flags & RDB_SAVE_COMPRESS) != 0:
        raise MemoryError()
    try:
        put_dump_payload(&o, e)
        c.add_bulk(<char*>o.buf, o.len)
    finally:
        out_release(&o)


def rdb_set_key_save_delay(int usec):
    """rdb-key-save-delay: sleep after each key a file save writes (tests)."""
    global key_save_delay
    key_save_delay = usec


def rdb_save_path(Engine eng, str path, int flags, bytes aux):
    """The foreground save (SAVE): write temp-<pid>.rdb next to path, fsync
    and close it, rename it onto path and fsync the directory. Returns
    {"bytes": ..., "keys": ...}. On failure the temp file is removed and
    OSError is raised with its errno, the file it concerns and a `stage`
    attribute: "open", "write", "fsync", "close", "rename" or "fsync-dir"."""
    cdef RdbSaveStats st
    cdef int fd, r
    cdef const unsigned char* auxp = aux
    directory = _os.path.dirname(path) or "."
    tmp = _os.path.join(directory, "temp-%d.rdb" % _os.getpid())
    stage = "open"
    try:
        fd = _os.open(tmp, _os.O_WRONLY | _os.O_CREAT | _os.O_TRUNC | _os.O_CLOEXEC, 0o666)
    except OSError as exc:
        exc.stage = stage
        raise
    try:
        stage = "write"
        r = rdb_write_fd(eng, fd, flags, auxp, len(aux), &st)
        if r != 0:
            raise OSError(errno, _os.strerror(errno), tmp)
        stage = "fsync"
        _os.fsync(fd)
    except OSError as exc:
        _os.close(fd)
        _unlink_quietly(tmp)
        exc.stage = stage
        raise
    try:
        stage = "close"
        _os.close(fd)
        stage = "rename"
        _os.rename(tmp, path)
    except OSError as exc:
        _unlink_quietly(tmp)
        exc.stage = stage
        raise
    try:
        dfd = _os.open(directory, _os.O_RDONLY)
        try:
            _os.fsync(dfd)
        finally:
            _os.close(dfd)
    except OSError as exc:
        exc.stage = "fsync-dir"
        raise
    return {"bytes": st.bytes_written, "keys": st.keys_written}


def _unlink_quietly(path):
    try:
        _os.unlink(path)
    except OSError:
        pass
