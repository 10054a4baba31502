# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# The RDB loader: files redis-server 7.0.15 (or an older Redis, back to RDB
# version 1) writes, and the single objects of DUMP payloads (RESTORE). A
# cold subsystem, so its own extension, reaching the engine through the
# interface server.pxd declares.
#
# The semantics are rdb.c's rdbLoadObject / rdbLoadRioWithLoadingCtx: which
# encodings are read, what older ones become (zipmap and ziplist blobs are
# rebuilt as listpacks, ziplist quicklist nodes as listpack nodes), which
# encoding a loaded value ends up in at the engine's thresholds, which
# values count as empty and are skipped, and the error each failure gives.
#
# Untrusted blobs: Redis only checks a listpack's header unless
# sanitize-dump-payload asks for the deep check, and may crash later on a
# corrupt one. rkvd must not, so the entries of every listpack are always
# walked once (bounds, encodings, the count) and a blob that fails is
# refused as Redis refuses one that fails its deep check; what the deep mode
# adds on top is Redis's: duplicate fields in hashes, ascending intsets. A
# sorted set's members are always checked for duplicates, since a member
# table with two entries for one member would leave dangling pointers.
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int16_t, int32_t, int64_t, uint32_t, uint64_t
from libc.stdlib cimport rand, strtod
from rkvd._core.lib.mem cimport free, malloc, realloc     # counted (used_memory)
from libc.string cimport memcmp, memcpy, memmove
from libc.math cimport isnan
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec
from posix.unistd cimport usleep
from posix.mman cimport MAP_FAILED, MAP_PRIVATE, MADV_SEQUENTIAL, PROT_READ, madvise, mmap, munmap

from rkvd._core.lib.crc64 cimport crc64
from rkvd._core.lib.dict cimport (
    ENTRY_VAL, META_LRU_MASK, dict_add_new, dict_create, dict_expand, dict_find, dict_release, dictEntry,
)
from rkvd._core.lib.dict cimport dict as kvdict
from rkvd._core.lib.intset cimport intset, intset_free, intset_from_blob, intset_len, intset_validate_integrity
from rkvd._core.lib.listpack cimport (
    LP_INTBUF_SIZE, lp_append, lp_append_int64, lp_bytes, lp_first, lp_free, lp_get, lp_get_value,
    lp_length, lp_new,
    lp_next, lp_safe_to_add, lp_shrink_to_fit, lp_validate_integrity,
)
from rkvd._core.lib.lzf cimport lzf_decompress
from rkvd._core.lib.quicklist cimport ql_append_listpack, ql_append_plain_node, ql_init, ql_push_tail
from rkvd._core.lib.skiplist cimport zsl_create
from rkvd._core.lib.util cimport ll2string, string2ll
cimport rkvd._core.persist.rdb as rdbfmt
from rkvd._core.persist.rdb cimport (
    QUICKLIST_NODE_CONTAINER_PACKED, QUICKLIST_NODE_CONTAINER_PLAIN, RDB_14BITLEN, RDB_32BITLEN,
    RDB_64BITLEN, RDB_6BITLEN, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_INT8, RDB_ENC_LZF, RDB_ENCVAL,
    RDB_MODULE_OPCODE_UINT, RDB_OPCODE_AUX, RDB_OPCODE_EOF,
    RDB_OPCODE_EXPIRETIME, RDB_OPCODE_EXPIRETIME_MS, RDB_OPCODE_FREQ, RDB_OPCODE_FUNCTION,
    RDB_OPCODE_FUNCTION2, RDB_OPCODE_IDLE, RDB_OPCODE_MODULE_AUX, RDB_OPCODE_RESIZEDB,
    RDB_OPCODE_SELECTDB, RDB_TYPE_HASH, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_HASH_ZIPLIST,
    RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_LIST, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2,
    RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_MODULE, RDB_TYPE_MODULE_2, RDB_TYPE_SET, RDB_TYPE_SET_INTSET,
    RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STRING, RDB_TYPE_ZSET,
    RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST, RDB_VERSION, rdb_is_object_type,
)
from rkvd._core.server cimport (
    HASH_ENC_LISTPACK, Client, Database, Engine, HashValue, ListValue, SetValue, ZsetValue, arg_cstr_is,
    hash_convert, hash_create, set_type_add, set_type_convert, set_value_ht, zs_sl_insert,
    zs_to_listpack, zs_to_skiplist,
    StreamConsumer, StreamGroup, StreamValue, streamID, streamNACK, stream_create, stream_create_cg,
    stream_group_add_consumer, stream_group_add_nack, stream_edge_id, stream_estimate_distance,
)
from rkvd._core.lib.rax cimport (
    raxIterator, rax_find, rax_next, rax_seek, rax_size, rax_start, rax_stop, rax_try_insert,
)

import os as _os

# Redis's numbers, which the engine keeps in the entry meta / uses for events
cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_STREAM = 6
    NOTIFY_GENERIC = 1 << 2
    SANITIZE_DUMP_YES = 1
    SANITIZE_DUMP_CLIENTS = 2
    DICT_HT_INITIAL_SIZE = 4
    LRU_CLOCK_MAX = (1 << 24) - 1
    LRU_CLOCK_RESOLUTION = 1000
    SET_INTSET_HARD_MAX = 1 << 30
    # Redis's loading_process_events_interval_bytes: the granularity of the
    # offset its error lines report
    LOADING_REPORT_INTERVAL = 2 * 1024 * 1024

# Python-level names of the load flags (rdb.pxd), for the daemon's callers
RDBFLAGS_AOF_PREAMBLE = rdbfmt.RDBFLAGS_AOF_PREAMBLE
RDBFLAGS_ALLOW_DUP = rdbfmt.RDBFLAGS_ALLOW_DUP
RDBFLAGS_FEED_REPL = rdbfmt.RDBFLAGS_FEED_REPL
RDBFLAGS_REPLICATION = rdbfmt.RDBFLAGS_REPLICATION

# DEBUG SET-SKIP-CHECKSUM-VALIDATION: neither a file's CRC nor a DUMP
# payload's is checked (the rdbchecksum config, which only concerns files,
# is read from the server's config by each loader)
cdef bint g_skip_checksum_validation = False
# INFO's dump_payload_sanitizations: deep checks of a listpack or intset
cdef long long g_sanitizations = 0


def set_skip_checksum_validation(bint skip):
    """DEBUG SET-SKIP-CHECKSUM-VALIDATION."""
    global g_skip_checksum_validation
    g_skip_checksum_validation = skip


def dump_payload_sanitizations():
    """How many listpacks and intsets were deep-checked (INFO stats)."""
    return g_sanitizations


class RdbError(Exception):
    """A file that cannot be loaded. str() is the line Redis logs for the
    failure; `lines` every line it logs at warning level, in order (for a
    corrupt value, Redis's line and then the report its checker prints)."""

    def __init__(self, message, lines=None):
        super().__init__(message)
        self.lines = list(lines) if lines is not None else [message]


# Internal failures, turned into RdbError (a file) or -ERR Bad data format
# (RESTORE) at the top. The rdb.c line numbers in the messages are the ones
# the reference redis-server 7.0.15 build (Debian's 7.0.15-1~deb12u10, which
# patches rdb.c) prints, so the lines it logs are the lines rkvd logs.
class _ReadError(Exception):
    """A short read, or a failure Redis reports only by returning NULL."""


class _ShortRead(_ReadError):
    """The input ended inside a record (a fed loader waits for more)."""


class _Reported(Exception):
    """A failure Redis reports itself (rdbReportCorruptRDB/ReadError):
    (line in Redis's rdb.c, reason)."""

    def __init__(self, int line, str reason):
        super().__init__(reason)
        self.line = line
        self.reason = reason


class _EmptyKey(Exception):
    """A collection with no elements: skipped (files) or refused (RESTORE)."""


class _Fatal(Exception):
    """A file Redis refuses without its read-error report (the message is the
    whole log line): wrong signature, version, databases, duplicates ..."""


# --------------------------------------------------------------- the reader

ctypedef struct Rd:
    const unsigned char* p
    size_t n
    size_t pos

# A string read from the stream: p/n point into the input (a plain string),
# into ibuf (an integer's text) or into `owned` (an LZF string, malloc'd).
ctypedef struct RStr:
    const char* p
    size_t n
    char* owned
    char ibuf[24]

cdef inline void rs_init(RStr* s) noexcept nogil:
    s.p = NULL
    s.n = 0
    s.owned = NULL

cdef inline void rs_free(RStr* s) noexcept nogil:
    if s.owned != NULL:
        free(s.owned)
        s.owned = NULL

# The bytes of s in a malloc block the caller owns (NULL on OOM).
cdef unsigned char* rs_take(RStr* s) noexcept nogil:
    cdef unsigned char* out
    if s.owned != NULL and <const char*>s.owned == s.p:
        out = <unsigned char*>s.owned
        s.owned = NULL
        return out
    out = <unsigned char*>malloc(s.n if s.n else 1)
    if out != NULL:
        memcpy(out, s.p, s.n)
    return out

cdef inline int rd_need(Rd* r, size_t k) except -1:
    if r.n - r.pos < k:
        raise _ShortRead()
    return 0

cdef inline int rd_byte(Rd* r) except -1:
    rd_need(r, 1)
    r.pos += 1
    return r.p[r.pos - 1]

cdef inline uint32_t le32(const unsigned char* p) noexcept nogil:
    return (<uint32_t>p[0]) | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)

cdef inline uint64_t le64(const unsigned char* p) noexcept nogil:
    return (<uint64_t>le32(p)) | (<uint64_t>le32(p + 4) << 32)

cdef inline uint64_t be64(const unsigned char* p) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v = (v << 8) | p[i]
    return v

# rdbLoadLenByRef: a length, or with *isenc set the kind of a specially
# encoded string that follows.
cdef int rd_len(Rd* r, uint64_t* out, int* isenc) except -1:
    cdef int b = rd_byte(r)
    cdef int kind = (b & 0xC0) >> 6
    if isenc != NULL:
        isenc[0] = 0
    if kind == RDB_ENCVAL:
        if isenc != NULL:
            isenc[0] = 1
        out[0] = b & 0x3F
    elif kind == RDB_6BITLEN:
        out[0] = b & 0x3F
    elif kind == RDB_14BITLEN:
        out[0] = (<uint64_t>(b & 0x3F) << 8) | <uint64_t>rd_byte(r)
    elif b == RDB_32BITLEN:
        rd_need(r, 4)
        out[0] = (<uint64_t>r.p[r.pos] << 24) | (<uint64_t>r.p[r.pos + 1] << 16) | \
            (<uint64_t>r.p[r.pos + 2] << 8) | r.p[r.pos + 3]
        r.pos += 4
    elif b == RDB_64BITLEN:
        rd_need(r, 8)
        out[0] = be64(r.p + r.pos)
        r.pos += 8
    else:
        raise _Reported(236, "Unknown length encoding %d in rdbLoadLen()" % kind)
    return 0

cdef inline uint64_t rd_plain_len(Rd* r) except? 0:
    cdef uint64_t v
    rd_len(r, &v, NULL)
    return v

# rdbGenericLoadStringObject: plain, integer or LZF-compressed.
cdef int rd_str(Rd* r, RStr* s) except -1:
    cdef uint64_t n, clen
    cdef int isenc
    cdef long long v
    cdef char* out
    rs_free(s)
    rd_len(r, &n, &isenc)
    if not isenc:
        rd_need(r, n)
        s.p = <const char*>(r.p + r.pos)
        s.n = n
        r.pos += n
        return 0
    if n == RDB_ENC_INT8:
        v = <signed char>rd_byte(r)
    elif n == RDB_ENC_INT16:
        rd_need(r, 2)
        v = <int16_t>((<uint32_t>r.p[r.pos]) | (<uint32_t>r.p[r.pos + 1] << 8))
        r.pos += 2
    elif n == RDB_ENC_INT32:
        rd_need(r, 4)
        v = <int32_t>le32(r.p + r.pos)
        r.pos += 4
    elif n == RDB_ENC_LZF:
        clen = rd_plain_len(r)
        n = rd_plain_len(r)
        rd_need(r, clen)
        # liblzf expands by at most 264 bytes per 3 input bytes: a larger
        # claim cannot be right, and must not become a huge allocation
        if n > clen * 100 + 64 or n > 0xFFFFFFFFUL or clen > 0xFFFFFFFFUL:
            raise _Reported(413, "Invalid LZF compressed string")
        out = <char*>malloc(n if n else 1)
        if out == NULL:
            raise _ReadError()
        if n and (clen == 0 or lzf_decompress(r.p + r.pos, <unsigned int>clen, out, <unsigned int>n) != n):
            free(out)
            raise _Reported(413, "Invalid LZF compressed string")
        r.pos += clen
        s.owned = out
        s.p = out
        s.n = n
        return 0
    else:
        raise _Reported(529, "Unknown RDB string encoding type %d" % n)
    s.n = ll2string(s.ibuf, 24, v)
    s.p = s.ibuf
    return 0

# rdbLoadDoubleValue: the old text encoding of zset scores.
cdef double rd_text_double(Rd* r) except? -1.0:
    cdef int n = rd_byte(r)
    cdef char buf[256]
    cdef char* end
    cdef double d
    if n == 255:
        return float("-inf")
    if n == 254:
        return float("inf")
    if n == 253:
        return float("nan")
    rd_need(r, n)
    memcpy(buf, r.p + r.pos, n)
    buf[n] = 0
    r.pos += n
    # sscanf("%lg"): leading space allowed, trailing junk ignored, nothing
    # numeric is a failure
    d = strtod(buf, &end)
    if end == buf:
        raise _ReadError()
    return d

cdef inline double rd_binary_double(Rd* r) except? -1.0:
    cdef uint64_t bits
    cdef double d
    rd_need(r, 8)
    bits = le64(r.p + r.pos)
    r.pos += 8
    memcpy(&d, &bits, 8)
    return d

# Room for `n` more elements, each at least one byte: a presize from an
# untrusted count never exceeds what the input could hold.
cdef inline uint64_t presize(Rd* r, uint64_t n) noexcept:
    cdef uint64_t left = r.n - r.pos
    return n if n <= left else left


# ------------------------------------------------------------------ ziplists
# Redis's pre-7.0 compact list. Only read here, to rebuild it as a listpack:
#     [zlbytes u32][zltail u32][zllen u16] entries [0xFF]
#     entry: [prevlen: 1 byte, or 0xFE + u32][encoding][data]

cdef enum:
    ZL_HEADER = 10
    ZL_END = 0xFF
    ZL_BIG_PREVLEN = 0xFE
    ZIP_STR_06B = 0x00
    ZIP_STR_14B = 0x40
    ZIP_STR_32B = 0x80
    ZIP_INT_16B = 0xC0
    ZIP_INT_32B = 0xD0
    ZIP_INT_64B = 0xE0
    ZIP_INT_24B = 0xF0
    ZIP_INT_8B = 0xFE
    ZIP_INT_IMM_MIN = 0xF1
    ZIP_INT_IMM_MAX = 0xFD

ctypedef struct ZlEnt:
    uint32_t prevlen
    uint32_t headersize
    uint32_t len
    unsigned char encoding

# zipEntrySafe with its prevlen check: decode the entry at zl[off] and make
# sure every byte of it lies inside [header, terminator]. 1 if it does.
cdef int zl_entry(const unsigned char* zl, size_t size, size_t off, ZlEnt* e) noexcept nogil:
    cdef size_t first = ZL_HEADER
    cdef size_t last = size - 1
    cdef uint32_t prevsize, lensize
    cdef unsigned char enc
    cdef size_t q
    if off < first or off > last:
        return 0
    prevsize = 1 if zl[off] < ZL_BIG_PREVLEN else 5
    if off + prevsize > last:
        return 0
    q = off + prevsize
    enc = zl[q]
    if enc < 0xC0:
        enc &= 0xC0
    if enc == ZIP_INT_8B or enc == ZIP_INT_16B or enc == ZIP_INT_24B or enc == ZIP_INT_32B or \
            enc == ZIP_INT_64B or (ZIP_INT_IMM_MIN <= enc <= ZIP_INT_IMM_MAX) or enc == ZIP_STR_06B:
        lensize = 1
    elif enc == ZIP_STR_14B:
        lensize = 2
    elif enc == ZIP_STR_32B:
        lensize = 5
    else:
        return 0
    if q + lensize > last:
        return 0
    e.prevlen = zl[off] if prevsize == 1 else le32(zl + off + 1)
    if enc == ZIP_STR_06B:
        e.len = zl[q] & 0x3F
    elif enc == ZIP_STR_14B:
        e.len = ((<uint32_t>(zl[q] & 0x3F)) << 8) | zl[q + 1]
    elif enc == ZIP_STR_32B:
        e.len = (<uint32_t>zl[q + 1] << 24) | (<uint32_t>zl[q + 2] << 16) | \
            (<uint32_t>zl[q + 3] << 8) | zl[q + 4]
    elif enc == ZIP_INT_8B:
        e.len = 1
    elif enc == ZIP_INT_16B:
        e.len = 2
    elif enc == ZIP_INT_24B:
        e.len = 3
    elif enc == ZIP_INT_32B:
        e.len = 4
    elif enc == ZIP_INT_64B:
        e.len = 8
    else:
        e.len = 0
    e.encoding = enc
    e.headersize = prevsize + lensize
    if off + e.headersize + <size_t>e.len > last:
        return 0
    if e.prevlen > off - first:
        return 0
    return 1

# ziplistValidateIntegrity in its deep mode (the only one Redis uses on
# load): header, every entry, prevlens, tail offset and count. 1 if valid.
cdef int zl_validate(const unsigned char* zl, size_t size) noexcept nogil:
    cdef size_t off, prev = 0
    cdef uint32_t prev_raw = 0, count = 0, header_count
    cdef ZlEnt e
    cdef bint any_entry = False
    if size < ZL_HEADER + 1:
        return 0
    if le32(zl) != size or zl[size - 1] != ZL_END:
        return 0
    if le32(zl + 4) > size - 1:
        return 0
    header_count = (<uint32_t>zl[8]) | (<uint32_t>zl[9] << 8)
    off = ZL_HEADER
    while zl[off] != ZL_END:
        if not zl_entry(zl, size, off, &e):
            return 0
        if e.prevlen != prev_raw:
            return 0
        prev_raw = e.headersize + e.len
        prev = off
        any_entry = True
        off += prev_raw
        count += 1
    if off != size - 1:
        return 0
    if any_entry and prev != le32(zl + 4):
        return 0
    if header_count != 0xFFFF and count != header_count:
        return 0
    return 1

# ziplistGet on a validated entry: 1 and (*s, *slen) for a string, 0 and
# *v for an integer.
cdef int zl_get(const unsigned char* zl, size_t off, ZlEnt* e, const unsigned char** s,
                uint32_t* slen, long long* v) noexcept nogil:
    cdef const unsigned char* d = zl + off + e.headersize
    cdef unsigned char enc = e.encoding
    if enc < 0xC0:
        s[0] = d
        slen[0] = e.len
        return 1
    if enc == ZIP_INT_8B:
        v[0] = <signed char>d[0]
    elif enc == ZIP_INT_16B:
        v[0] = <int16_t>((<uint32_t>d[0]) | (<uint32_t>d[1] << 8))
    elif enc == ZIP_INT_24B:
        v[0] = (<int32_t>(((<uint32_t>d[0]) << 8) | ((<uint32_t>d[1]) << 16) | ((<uint32_t>d[2]) << 24))) >> 8
    elif enc == ZIP_INT_32B:
        v[0] = <int32_t>le32(d)
    elif enc == ZIP_INT_64B:
        v[0] = <int64_t>le64(d)
    else:
        v[0] = (enc & 0x0F) - 1
    return 0

# The elements of a validated ziplist as a new listpack (strings that are
# canonical integers become integers, as lpAppend makes them). With pairs,
# also Redis's ziplistPairsConvertAndValidateIntegrity checks: an even
# count and no repeated field (every even element). NULL when a check fails
# or on OOM (*oom set).
cdef unsigned char* zl_to_listpack(const unsigned char* zl, size_t size, bint pairs, bint* oom) noexcept:
    cdef unsigned char* lp = lp_new(size)
    cdef unsigned char* nlp
    cdef kvdict* seen = NULL
    cdef size_t off = ZL_HEADER
    cdef ZlEnt e
    cdef const unsigned char* s
    cdef uint32_t slen
    cdef long long v
    cdef char buf[24]
    cdef long count = 0
    cdef int isstr
    oom[0] = False
    if lp == NULL:
        oom[0] = True
        return NULL
    if pairs:
        seen = dict_create()
    while zl[off] != ZL_END:
        zl_entry(zl, size, off, &e)
        isstr = zl_get(zl, off, &e, &s, &slen, &v)
        if pairs and (count & 1) == 0:
            if not isstr:
                slen = ll2string(buf, 24, v)
                s = <const unsigned char*>buf
            if dict_find(seen, <const char*>s, slen) != NULL:
                dict_release(seen)
                lp_free(lp)
                return NULL
            dict_add_new(seen, <const char*>s, slen, 0)
            if not isstr:
                s = NULL
        if isstr:
            nlp = lp_append(lp, s, slen)
        else:
            nlp = lp_append_int64(lp, v)
        if nlp == NULL:
            oom[0] = True
            lp_free(lp)
            if seen != NULL:
                dict_release(seen)
            return NULL
        lp = nlp
        count += 1
        off += e.headersize + e.len
    if seen != NULL:
        dict_release(seen)
    if pairs and (count & 1):
        lp_free(lp)
        return NULL
    return lp_shrink_to_fit(lp)


# ------------------------------------------------------------------ zipmaps
# Redis 2.4's hash encoding: [count][len][field][len][free][value][free bytes]
# ... [0xFF]; a length is one byte below 254, else 254 and a u32.

cdef inline uint32_t zm_len(const unsigned char* p) noexcept nogil:
    return p[0] if p[0] < 254 else le32(p + 1)

cdef inline uint32_t zm_lensize(const unsigned char* p) noexcept nogil:
    return 1 if p[0] < 254 else 5

# zipmapValidateIntegrity, deep (as Redis always loads them). 1 if valid.
cdef int zm_validate(const unsigned char* zm, size_t size) noexcept nogil:
    cdef const unsigned char* p
    cdef const unsigned char* lo
    cdef const unsigned char* hi
    cdef uint32_t s, l, e, count = 0
    if size < 2 or zm[size - 1] != 0xFF:
        return 0
    lo = zm + 2
    hi = zm + size - 1
    p = zm + 1
    while p[0] != 0xFF:
        s = zm_lensize(p)
        if p + s < lo or p + s > hi:
            return 0
        l = zm_len(p)
        p += s
        if <size_t>(hi - p) < l:
            return 0
        p += l
        if p < lo or p > hi:
            return 0
        s = zm_lensize(p)
        if p + s < lo or p + s > hi:
            return 0
        l = zm_len(p)
        p += s
        e = p[0]
        p += 1
        if <size_t>(hi - p) < <size_t>l + e or p > hi:
            return 0
        p += l + e
        count += 1
        if p < lo or p > hi:
            return 0
    if count == 0:
        return 0
    if zm[0] != 254 and zm[0] != count:
        return 0
    return 1


# ------------------------------------------------------------------ listpacks

# The walk rkvd always does (see the file header) plus, with dups, Redis's
# lpPairsValidateIntegrityAndDups duplicate search over the even elements.
# pairs: the element count must be even. 1 if the blob passes.
cdef int lp_check(unsigned char* lp, size_t size, bint pairs, bint dups) noexcept:
    # never lp_length here: it may write the count back, and lp may be the
    # read-only input
    cdef unsigned char* p
    cdef unsigned char* s
    cdef int64_t slen
    cdef unsigned char buf[LP_INTBUF_SIZE]
    cdef kvdict* seen = NULL
    cdef unsigned long count = 0
    cdef int ok = 1
    if not lp_validate_integrity(lp, size, 1):
        return 0
    if not pairs:
        return 1
    if dups:
        seen = dict_create()
    p = lp_first(lp)
    while p != NULL:
        if seen != NULL and (count & 1) == 0:
            s = lp_get(p, &slen, buf)
            if dict_find(seen, <const char*>s, slen) != NULL:
                ok = 0
                break
            dict_add_new(seen, <const char*>s, slen, 0)
        count += 1
        p = lp_next(lp, p)
    if seen != NULL:
        dict_release(seen)
    return ok and (count & 1) == 0


# ------------------------------------------------------------------ objects

# How one object is loaded: the engine (thresholds, logging) and whether
# the deep checks run.
cdef class _Ctx:
    cdef Engine eng
    cdef int deep


cdef _Ctx _ctx(Engine eng, int deep):
    cdef _Ctx c = _Ctx.__new__(_Ctx)
    c.eng = eng
    c.deep = deep
    return c


# An empty skiplist-encoded sorted set, to insert into with zs_sl_insert.
cdef ZsetValue _new_skiplist_zset():
    cdef ZsetValue z = ZsetValue.__new__(ZsetValue)
    z.zsl = zsl_create()
    z.dict = dict_create()
    if z.zsl == NULL:
        raise MemoryError()
    return z


cdef ListValue _new_list(Engine eng):
    cdef ListValue lv = ListValue.__new__(ListValue)
    ql_init(&lv.ql, eng.list_max_listpack_size, eng.list_compress_depth)
    return lv


# Redis's hashTypeConvert of a loaded listpack: a duplicate field is a
# corrupt blob (Redis logs it and panics; rkvd refuses the value).
cdef int _hash_to_table(_Ctx ctx, HashValue h) except -1:
    cdef bytes dump
    if h.enc != HASH_ENC_LISTPACK:
        return 0
    try:
        hash_convert(h)
    except RuntimeError:
        # the listpack is left as it was
        dump = PyBytes_FromStringAndSize(<char*>h.lp, lp_bytes(h.lp))
        ctx.eng.log_warning("listpack with dup elements dump (hexdump of %d bytes):" % len(dump))
        ctx.eng.log_warning(dump.hex())
        raise _Reported(2019, "Duplicate hash fields detected")
    return 0


cdef object load_list_linked(_Ctx ctx, Rd* r):
    cdef uint64_t n = rd_plain_len(r)
    cdef ListValue lv
    cdef RStr s
    if n == 0:
        raise _EmptyKey()
    lv = _new_list(ctx.eng)
    rs_init(&s)
    try:
        while n:
            n -= 1
            rd_str(r, &s)
            ql_push_tail(&lv.ql, <const unsigned char*>s.p, s.n)
    finally:
        rs_free(&s)
    return lv


cdef object load_set(_Ctx ctx, Rd* r):
    cdef uint64_t n = rd_plain_len(r)
    cdef long long maxis = ctx.eng.set_max_intset_entries
    cdef long long ll
    cdef SetValue sv
    cdef RStr s
    if n == 0:
        raise _EmptyKey()
    if maxis >= SET_INTSET_HARD_MAX:
        maxis = SET_INTSET_HARD_MAX
    sv = SetValue()
    if n > <uint64_t>maxis:
        set_type_convert(sv)
        if n > DICT_HT_INITIAL_SIZE:
            dict_expand(set_value_ht(sv), presize(r, n))
    rs_init(&s)
    try:
        for _ in range(n):
            rd_str(r, &s)
            if set_value_ht(sv) == NULL and not string2ll(s.p, s.n, &ll):
                set_type_convert(sv)
                dict_expand(set_value_ht(sv), presize(r, n))
            if not set_type_add(sv, s.p, s.n, maxis):
                raise _Reported(1809 if set_value_ht(sv) == NULL else 1829, "Duplicate set members detected")
    finally:
        rs_free(&s)
    return sv


cdef object load_zset(_Ctx ctx, Rd* r, int rdbtype):
    cdef uint64_t n = rd_plain_len(r)
    cdef size_t maxelelen = 0, totelelen = 0
    cdef double score
    cdef ZsetValue z
    cdef RStr s
    cdef Engine eng = ctx.eng
    if n == 0:
        raise _EmptyKey()
    z = _new_skiplist_zset()
    if n > DICT_HT_INITIAL_SIZE:
        dict_expand(z.dict, presize(r, n))
    rs_init(&s)
    try:
        while n:
            n -= 1
            rd_str(r, &s)
            if rdbtype == RDB_TYPE_ZSET_2:
                score = rd_binary_double(r)
            else:
                score = rd_text_double(r)
            if isnan(score):
                raise _Reported(1882, "Zset with NAN score detected")
            if s.n > maxelelen:
                maxelelen = s.n
            totelelen += s.n
            if dict_find(z.dict, s.p, s.n) != NULL:
                raise _Reported(1894, "Duplicate zset fields detected")
            zs_sl_insert(z, s.p, s.n, score)
    finally:
        rs_free(&s)
    if z.zsl.length <= <unsigned long>eng.zset_max_listpack_entries and \
            maxelelen <= <size_t>eng.zset_max_listpack_value and lp_safe_to_add(NULL, totelelen):
        zs_to_listpack(z)
    return z


cdef object load_hash(_Ctx ctx, Rd* r):
    cdef uint64_t n = rd_plain_len(r)
    cdef Engine eng = ctx.eng
    cdef HashValue h
    cdef kvdict* seen = NULL
    cdef RStr f, v
    cdef unsigned char* nlp
    if n == 0:
        raise _EmptyKey()
    h = hash_create()
    if n > <uint64_t>eng.hash_max_listpack_entries:
        hash_convert(h)
    elif ctx.deep:
        # the listpack phase must not take a field twice: converting it
        # later would find the duplicate
        seen = dict_create()
    rs_init(&f)
    rs_init(&v)
    try:
        while h.enc == HASH_ENC_LISTPACK and n > 0:
            n -= 1
            rd_str(r, &f)
            rd_str(r, &v)
            if seen != NULL:
                if dict_find(seen, f.p, f.n) != NULL:
                    raise _Reported(1951, "Hash with dup elements")
                dict_add_new(seen, f.p, f.n, 0)
            if f.n > <size_t>eng.hash_max_listpack_value or v.n > <size_t>eng.hash_max_listpack_value or \
                    not lp_safe_to_add(h.lp, f.n + v.n):
                _hash_to_table(ctx, h)
                if dict_find(h.ht, f.p, f.n) != NULL:
                    raise _Reported(1969, "Duplicate hash fields detected")
                _ht_add(h.ht, &f, &v)
                break
            nlp = lp_append(h.lp, <const unsigned char*>f.p, <uint32_t>f.n)
            if nlp == NULL:
                raise MemoryError()
            h.lp = nlp
            nlp = lp_append(h.lp, <const unsigned char*>v.p, <uint32_t>v.n)
            if nlp == NULL:
                raise MemoryError()
            h.lp = nlp
        if seen != NULL:
            dict_release(seen)
            seen = NULL
        if h.enc != HASH_ENC_LISTPACK and n > DICT_HT_INITIAL_SIZE:
            dict_expand(h.ht, presize(r, n))
        while h.enc != HASH_ENC_LISTPACK and n > 0:
            n -= 1
            rd_str(r, &f)
            rd_str(r, &v)
            if dict_find(h.ht, f.p, f.n) != NULL:
                raise _Reported(2019, "Duplicate hash fields detected")
            _ht_add(h.ht, &f, &v)
    finally:
        if seen != NULL:
            dict_release(seen)
        rs_free(&f)
        rs_free(&v)
    return h


cdef inline int _ht_add(kvdict* ht, RStr* f, RStr* v) except -1:
    cdef dictEntry* e = dict_add_new(ht, f.p, f.n, v.n)
    if e == NULL:
        raise MemoryError()
    memcpy(ENTRY_VAL(e), v.p, v.n)
    e.v.vlen = v.n
    return 0


cdef object load_quicklist(_Ctx ctx, Rd* r, int rdbtype):
    cdef uint64_t n = rd_plain_len(r)
    cdef uint64_t container = QUICKLIST_NODE_CONTAINER_PACKED
    cdef ListValue lv
    cdef RStr s
    cdef unsigned char* data
    cdef unsigned char* lp
    cdef bint oom
    global g_sanitizations
    if n == 0:
        raise _EmptyKey()
    lv = _new_list(ctx.eng)
    rs_init(&s)
    try:
        while n:
            n -= 1
            if rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
                container = rd_plain_len(r)
                if container != QUICKLIST_NODE_CONTAINER_PACKED and container != QUICKLIST_NODE_CONTAINER_PLAIN:
                    raise _Reported(2048, "Quicklist integrity check failed.")
            rd_str(r, &s)
            if s.n == 0:
                raise _ReadError()
            if container == QUICKLIST_NODE_CONTAINER_PLAIN:
                data = rs_take(&s)
                if data == NULL:
                    raise MemoryError()
                ql_append_plain_node(&lv.ql, data, s.n)
                continue
            if rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
                if ctx.deep:
                    g_sanitizations += 1
                if not lp_check(<unsigned char*>s.p, s.n, False, False):
                    raise _Reported(2071, "Listpack integrity check failed.")
                lp = rs_take(&s)
                if lp == NULL:
                    raise MemoryError()
            else:
                if not zl_validate(<const unsigned char*>s.p, s.n):
                    raise _Reported(2081, "Ziplist integrity check failed.")
                lp = zl_to_listpack(<const unsigned char*>s.p, s.n, False, &oom)
                if lp == NULL:
                    raise MemoryError()
            # empty nodes are skipped; an empty list fails below
            if lp_length(lp) == 0:
                lp_free(lp)
                continue
            ql_append_listpack(&lv.ql, lp)
    finally:
        rs_free(&s)
    if lv.ql.count == 0:
        raise _EmptyKey()
    return lv


# The encodings stored as one blob (ziplist, zipmap, intset, listpack).
cdef object load_blob(_Ctx ctx, Rd* r, int rdbtype):
    cdef RStr s
    rs_init(&s)
    try:
        rd_str(r, &s)
        return _from_blob(ctx, rdbtype, <unsigned char*>s.p, s.n)
    finally:
        rs_free(&s)


cdef object _from_blob(_Ctx ctx, int rdbtype, unsigned char* p, size_t n):
    cdef Engine eng = ctx.eng
    cdef unsigned char* lp
    cdef bint oom
    cdef SetValue sv
    cdef ListValue lv
    cdef intset* iset
    global g_sanitizations
    if rdbtype == RDB_TYPE_HASH_ZIPMAP:
        if not zm_validate(p, n):
            raise _Reported(2130, "Zipmap integrity check failed.")
        return _zipmap_hash(ctx, p, n)
    if rdbtype == RDB_TYPE_LIST_ZIPLIST:
        if not zl_validate(p, n):
            raise _Reported(2189, "List ziplist integrity check failed.")
        lv = _new_list(eng)
        _zl_push_all(lv, p, n)
        if lv.ql.len == 0:
            raise _EmptyKey()
        return lv
    if rdbtype == RDB_TYPE_SET_INTSET:
        if ctx.deep:
            g_sanitizations += 1
        if not intset_validate_integrity(p, n, ctx.deep):
            raise _Reported(2214, "Intset integrity check failed.")
        iset = intset_from_blob(p, n)
        if iset == NULL:
            raise MemoryError()
        sv = SetValue()
        intset_free(<intset*>sv.p)
        sv.p = iset
        if intset_len(iset) > eng.set_max_intset_entries:
            set_type_convert(sv)
        return sv
    if rdbtype == RDB_TYPE_ZSET_ZIPLIST or rdbtype == RDB_TYPE_HASH_ZIPLIST:
        lp = NULL
        if zl_validate(p, n):
            lp = zl_to_listpack(p, n, True, &oom)
            if lp == NULL and oom:
                raise MemoryError()
        if lp == NULL:
            if rdbtype == RDB_TYPE_ZSET_ZIPLIST:
                raise _Reported(2229, "Zset ziplist integrity check failed.")
            raise _Reported(2275, "Hash ziplist integrity check failed.")
        if rdbtype == RDB_TYPE_ZSET_ZIPLIST:
            return _listpack_zset(ctx, lp)
        return _listpack_hash(ctx, lp)
    if rdbtype == RDB_TYPE_ZSET_LISTPACK or rdbtype == RDB_TYPE_HASH_LISTPACK:
        if ctx.deep:
            g_sanitizations += 1
        # sorted sets: always the duplicate search (see the file header)
        if not lp_check(p, n, True, ctx.deep or rdbtype == RDB_TYPE_ZSET_LISTPACK):
            if rdbtype == RDB_TYPE_ZSET_LISTPACK:
                raise _Reported(2255, "Zset listpack integrity check failed.")
            raise _Reported(2301, "Hash listpack integrity check failed.")
        lp = <unsigned char*>malloc(n)
        if lp == NULL:
            raise MemoryError()
        memcpy(lp, p, n)
        if rdbtype == RDB_TYPE_ZSET_LISTPACK:
            return _listpack_zset(ctx, lp)
        return _listpack_hash(ctx, lp)
    raise _Reported(2319, "Unknown RDB encoding type %d" % rdbtype)


# A loaded listpack as a sorted set (taking it): empty is an empty key, more
# members than zset-max-listpack-entries become a skiplist.
cdef object _listpack_zset(_Ctx ctx, unsigned char* lp):
    cdef ZsetValue z = ZsetValue.__new__(ZsetValue)
    z.lp = lp
    if lp_length(lp) == 0:
        raise _EmptyKey()
    if <long long>(lp_length(lp) // 2) > ctx.eng.zset_max_listpack_entries:
        zs_to_skiplist(z)
    else:
        z.lp = lp_shrink_to_fit(lp)
    return z


cdef object _listpack_hash(_Ctx ctx, unsigned char* lp):
    cdef HashValue h = hash_create()
    lp_free(h.lp)
    h.lp = lp
    if lp_length(lp) == 0:
        raise _EmptyKey()
    if <long long>(lp_length(lp) // 2) > ctx.eng.hash_max_listpack_entries:
        _hash_to_table(ctx, h)
    else:
        h.lp = lp_shrink_to_fit(lp)
    return h


# A validated zipmap as a hash: a listpack, converted when it has too many
# pairs or a field or value too long for one.
cdef object _zipmap_hash(_Ctx ctx, const unsigned char* zm, size_t size):
    cdef HashValue h = hash_create()
    cdef kvdict* seen = dict_create()
    cdef const unsigned char* p = zm + 1
    cdef const unsigned char* fp
    cdef const unsigned char* vp
    cdef uint32_t flen, vlen, maxlen = 0
    cdef unsigned char* nlp
    try:
        while p[0] != 0xFF:
            flen = zm_len(p)
            fp = p + zm_lensize(p)
            p = fp + flen
            vlen = zm_len(p)
            vp = p + zm_lensize(p) + 1
            p = vp + vlen + (vp - 1)[0]
            if flen > maxlen:
                maxlen = flen
            if vlen > maxlen:
                maxlen = vlen
            if dict_find(seen, <const char*>fp, flen) != NULL or \
                    not lp_safe_to_add(h.lp, <size_t>flen + vlen):
                raise _Reported(2154, "Hash zipmap with dup elements, or big length (%u)" % flen)
            dict_add_new(seen, <const char*>fp, flen, 0)
            nlp = lp_append(h.lp, fp, flen)
            if nlp == NULL:
                raise MemoryError()
            h.lp = nlp
            nlp = lp_append(h.lp, vp, vlen)
            if nlp == NULL:
                raise MemoryError()
            h.lp = nlp
    finally:
        dict_release(seen)
    if <long long>(lp_length(h.lp) // 2) > ctx.eng.hash_max_listpack_entries or \
            maxlen > ctx.eng.hash_max_listpack_value:
        _hash_to_table(ctx, h)
    return h


# Every element of a validated ziplist pushed at the tail (integers as text).
cdef int _zl_push_all(ListValue lv, const unsigned char* zl, size_t size) except -1:
    cdef size_t off = ZL_HEADER
    cdef ZlEnt e
    cdef const unsigned char* s
    cdef uint32_t slen
    cdef long long v
    cdef char buf[24]
    while zl[off] != ZL_END:
        zl_entry(zl, size, off, &e)
        if not zl_get(zl, off, &e, &s, &slen, &v):
            slen = ll2string(buf, 24, v)
            s = <const unsigned char*>buf
        ql_push_tail(&lv.ql, s, slen)
        off += e.headersize + e.len
    return 0


# Redis's moduleTypeNameByID: the 9-character name a module type id carries.
cdef str module_type_name(uint64_t moduleid):
    cdef const char* cset = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    cdef char name[9]
    cdef int j
    moduleid >>= 10
    for j in range(9):
        name[8 - j] = cset[moduleid & 63]
        moduleid >>= 6
    return name[:9].decode("ascii")


# rdbLoadObject: the value of type rdbtype. A string is left in *sval (its
# bytes may point into the input) and None returned; any other type comes
# back as its value object. Raises _ReadError, _Reported or _EmptyKey.
cdef inline int64_t rd_ms_time(Rd* r) except? -1:
    cdef int64_t v
    rd_need(r, 8)
    v = <int64_t>le64(r.p + r.pos)
    r.pos += 8
    return v

cdef inline const unsigned char* rd_raw_id(Rd* r) except NULL:
    rd_need(r, 16)
    r.pos += 16
    return r.p + r.pos - 16

cdef inline bytes rd_bytes(Rd* r):
    cdef RStr s
    rs_init(&s)
    try:
        rd_str(r, &s)
        return PyBytes_FromStringAndSize(s.p, s.n)
    finally:
        rs_free(&s)

# The integer at p (an integer element, or a string holding one's text):
# 1 and *v, or 0.
cdef int lp_int_valid(unsigned char* p, int64_t* v) noexcept nogil:
    cdef unsigned int slen = 0
    cdef long long ll = 0
    cdef unsigned char* sp
    if p == NULL:
        return 0
    sp = lp_get_value(p, &slen, &ll)
    if sp != NULL and not string2ll(<const char*>sp, slen, &ll):
        return 0
    v[0] = ll
    return 1

# With sanitize-dump-payload, a stream node (a listpack lp_check has
# walked) must have the layout t_stream.pyx's header describes: the master
# entry ending in 0, then count + deleted entries, each with its flags, ID
# deltas, fields and values and an lp-count that matches them, and nothing
# after (what streamValidateListpackIntegrity accepts).
cdef bint stream_node_valid(unsigned char* lp) noexcept nogil:
    cdef unsigned char* p = lp_first(lp)
    cdef int64_t count, deleted, mf, nf, flags, v, k, lp_count
    if not lp_int_valid(p, &count):
        return False
    p = lp_next(lp, p)
    if not lp_int_valid(p, &deleted):
        return False
    p = lp_next(lp, p)
    if not lp_int_valid(p, &mf) or mf < 0 or count < 0 or deleted < 0:
        return False
    p = lp_next(lp, p)
    k = 0
    while k < mf:
        if p == NULL:
            return False
        p = lp_next(lp, p)
        k += 1
    if not lp_int_valid(p, &v) or v != 0:
        return False
    p = lp_next(lp, p)
    count += deleted
    while count > 0:
        count -= 1
        if not lp_int_valid(p, &flags):
            return False
        p = lp_next(lp, p)
        if not lp_int_valid(p, &v):
            return False
        p = lp_next(lp, p)
        if not lp_int_valid(p, &v):
            return False
        p = lp_next(lp, p)
        if flags & 2:
            nf = mf
            k = mf                          # values only
        else:
            if not lp_int_valid(p, &nf) or nf < 0:
                return False
            p = lp_next(lp, p)
            k = nf * 2                      # field, value pairs
        while k > 0:
            if p == NULL:
                return False
            p = lp_next(lp, p)
            k -= 1
        if not lp_int_valid(p, &lp_count):
            return False
        if lp_count != (nf + 3 if flags & 2 else nf * 2 + 4):
            return False
        p = lp_next(lp, p)
    return p == NULL

# A stream (RDB_TYPE_STREAM_LISTPACKS and _2): the layout rdb_save.pyx's
# put_stream writes; errors as rdb.c reports them.
cdef object load_stream(_Ctx ctx, Rd* r, int rdbtype):
    cdef StreamValue s = stream_create()
    cdef uint64_t n, k, pel
    cdef RStr nodekey, lps
    cdef unsigned char* lp
    cdef streamID cg_id
    cdef long long entries_read
    cdef StreamGroup g
    cdef StreamConsumer sc
    cdef const unsigned char* rawid
    cdef int64_t dtime
    cdef void* found
    cdef raxIterator ri
    cdef bint v2 = rdbtype == RDB_TYPE_STREAM_LISTPACKS_2
    cdef bint valid
    global g_sanitizations
    n = rd_plain_len(r)
    while n:
        n -= 1
        rs_init(&nodekey)
        rs_init(&lps)
        try:
            rd_str(r, &nodekey)
            if nodekey.n != 16:
                raise _Reported(2341, "Stream node key entry is not the size of a stream ID")
            rd_str(r, &lps)
            if ctx.deep:
                g_sanitizations += 1
            # Redis checks only the header unless sanitizing, and asserts
            # later when a command meets what is wrong; rkvd checks the
            # whole node always, and without sanitizing keeps a bad one
            # marked, so that touching the stream is that assertion
            if not lp_validate_integrity(<unsigned char*>lps.p, lps.n, 0):
                raise _Reported(2360, "Stream listpack integrity check failed.")
            valid = lp_check(<unsigned char*>lps.p, lps.n, False, False) and \
                stream_node_valid(<unsigned char*>lps.p)
            if not valid and ctx.deep:
                raise _Reported(2360, "Stream listpack integrity check failed.")
            if lps.n <= 7:      # the header and the end byte: no element
                raise _Reported(2372, "Empty listpack inside stream")
            if not valid:
                s.corrupt = True
            lp = rs_take(&lps)
            if lp == NULL:
                raise MemoryError()
            if rax_try_insert(s.rax, <const unsigned char*>nodekey.p, 16, lp, NULL) != 1:
                free(lp)
                raise _Reported(2384, "Listpack re-added with existing key")
        finally:
            rs_free(&nodekey)
            rs_free(&lps)
    s.length = rd_plain_len(r)
    s.last_id.ms = rd_plain_len(r)
    s.last_id.seq = rd_plain_len(r)
    if v2:
        s.first_id.ms = rd_plain_len(r)
        s.first_id.seq = rd_plain_len(r)
        s.max_deleted_entry_id.ms = rd_plain_len(r)
        s.max_deleted_entry_id.seq = rd_plain_len(r)
        s.entries_added = rd_plain_len(r)
    else:
        s.entries_added = s.length
        if not s.corrupt:
            stream_edge_id(s, True, True, &s.first_id)
    if s.length and not rax_size(s.rax):
        raise _Reported(2428, "Stream length inconsistent with rax entries")
    n = rd_plain_len(r)
    while n:
        n -= 1
        name = rd_bytes(r)
        cg_id.ms = rd_plain_len(r)
        cg_id.seq = rd_plain_len(r)
        if v2:
            entries_read = <long long>rd_plain_len(r)
        else:
            entries_read = stream_estimate_distance(s, &cg_id)
        g = stream_create_cg(s, name, &cg_id, entries_read)
        if g is None:
            raise _Reported(2478, "Duplicated consumer group name %s" % _key_text(name, len(name)))
        k = rd_plain_len(r)
        while k:
            k -= 1
            rawid = rd_raw_id(r)
            dtime = rd_ms_time(r)
            if stream_group_add_nack(g, None, rawid, dtime, rd_plain_len(r)) != 0:
                raise _Reported(2514, "Duplicated global PEL entry loading stream consumer group")
        k = rd_plain_len(r)
        while k:
            k -= 1
            cname = rd_bytes(r)
            sc = stream_group_add_consumer(g, cname, 0)
            if sc is None:
                raise _Reported(2542, "Duplicate stream consumer detected.")
            sc.seen_time = rd_ms_time(r)
            pel = rd_plain_len(r)
            while pel:
                pel -= 1
                rawid = rd_raw_id(r)
                if not rax_find(g.pel, rawid, 16, &found):
                    raise _Reported(2572, "Consumer entry not found in group global PEL")
                (<streamNACK*>found).consumer = <void*>sc
                if rax_try_insert(sc.pel, rawid, 16, found, NULL) != 1:
                    raise _Reported(2583, "Duplicated consumer PEL entry  loading a stream consumer group")
        if ctx.deep:
            rax_start(&ri, g.pel)
            rax_seek(&ri, b"^", NULL, 0)
            while rax_next(&ri):
                if (<streamNACK*>ri.data).consumer == NULL:
                    rax_stop(&ri)
                    raise _Reported(2602, "Stream CG PEL entry without consumer")
            rax_stop(&ri)
    return s


cdef object load_object(_Ctx ctx, Rd* r, int rdbtype, RStr* sval):
    cdef uint64_t moduleid
    if rdbtype == RDB_TYPE_STRING:
        rd_str(r, sval)
        return None
    if rdbtype == RDB_TYPE_LIST:
        return load_list_linked(ctx, r)
    if rdbtype == RDB_TYPE_SET:
        return load_set(ctx, r)
    if rdbtype == RDB_TYPE_ZSET or rdbtype == RDB_TYPE_ZSET_2:
        return load_zset(ctx, r, rdbtype)
    if rdbtype == RDB_TYPE_HASH:
        return load_hash(ctx, r)
    if rdbtype == RDB_TYPE_LIST_QUICKLIST or rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
        return load_quicklist(ctx, r, rdbtype)
    if rdbtype in (RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_SET_INTSET,
                   RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_HASH_ZIPLIST,
                   RDB_TYPE_HASH_LISTPACK):
        return load_blob(ctx, r, rdbtype)
    if rdbtype == RDB_TYPE_STREAM_LISTPACKS or rdbtype == RDB_TYPE_STREAM_LISTPACKS_2:
        return load_stream(ctx, r, rdbtype)
    if rdbtype == RDB_TYPE_MODULE or rdbtype == RDB_TYPE_MODULE_2:
        moduleid = rd_plain_len(r)
        raise _Reported(2636, "The RDB file contains module data I can't load: no matching module type '%s'"
                        % module_type_name(moduleid))
    raise _Reported(2681, "Unknown RDB encoding type %d" % rdbtype)


# ------------------------------------------------------------------ storing

cdef int _obj_type(object obj) except -1:
    if type(obj) is ListValue:
        return OBJ_LIST
    if type(obj) is SetValue:
        return OBJ_SET
    if type(obj) is ZsetValue:
        return OBJ_ZSET
    if type(obj) is HashValue:
        return OBJ_HASH
    if type(obj) is StreamValue:
        return OBJ_STREAM
    raise TypeError("not a value object: %r" % type(obj))


# Store a loaded value under a key db does not hold: obj, or the string left
# in *sval when obj is None (encoded like Redis's tryObjectEncoding).
cdef int store_value(Database db, const char* key, size_t klen, object obj, RStr* sval) except -1:
    if obj is None:
        db.set_string(key, klen, sval.p, sval.n, True, False)
    else:
        db.set_obj(key, klen, _obj_type(obj), obj, False)
    return 0


# Redis's objectSetLRUOrLFU: a FREQ under an LFU policy, or an IDLE time (in
# seconds, scaled by mult/1000) under any other, replaces the access clock
# a new key starts with. -1: not given.
cdef void set_lru_lfu(Engine eng, dictEntry* e, long long lfu_freq, long long lru_idle,
                      long long lru_clock, long long mult) noexcept:
    cdef long long idle, lru_abs
    cdef uint32_t bits
    if e == NULL:
        return
    if eng.lfu_mode:
        if lfu_freq < 0:
            return
        bits = ((<uint32_t>((eng.cached_ms // 60000) & 0xFFFF)) << 8) | <uint32_t>(lfu_freq & 0xFF)
    else:
        if lru_idle < 0:
            return
        # Redis's arithmetic, wrapping where a huge IDLETIME overflows
        idle = (<long long>(<uint64_t>lru_idle * <uint64_t>mult)) // LRU_CLOCK_RESOLUTION
        lru_abs = <long long>(<uint64_t>lru_clock - <uint64_t>idle)
        if lru_abs < 0:
            lru_abs += LRU_CLOCK_MAX
        bits = <uint32_t>(<uint64_t>lru_abs & META_LRU_MASK)
    e.meta = (e.meta & ~<uint32_t>META_LRU_MASK) | bits


# key-load-delay (a testing knob of Redis's suite, to make a load slow):
# microseconds of sleep after each key record; a negative -n sleeps 1 us
# once in n keys on average (Redis's debugDelay).
cdef int key_load_delay = 0


cdef void delay_key_load() noexcept nogil:
    cdef int us = key_load_delay
    if us < 0:
        us = 1 if rand() % (-us) == 0 else 0
    if us:
        usleep(us)


def rdb_set_key_load_delay(int usec):
    """key-load-delay: sleep after each key record a load reads (tests)."""
    global key_load_delay
    key_load_delay = usec


cdef long long mstime() noexcept:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000


# The line Redis logs where it reports a failure (rdbReportError).
cdef str internal_error_line(size_t offset, int line, str reason):
    return "Internal error in RDB reading offset %d, function at rdb.c:%d -> %s" % (offset, line, reason)


cdef str _key_text(const char* p, size_t n):
    # Redis prints keys with %s: up to the first NUL
    cdef bytes b = PyBytes_FromStringAndSize(p, n)
    return b.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


cdef int _c_atoi(const unsigned char* p, size_t n) noexcept:
    # atoi() over the 4 version bytes of the header
    cdef size_t i = 0
    cdef int sign = 1
    cdef long long v = 0
    while i < n and (p[i] == 32 or 9 <= p[i] <= 13):
        i += 1
    if i < n and (p[i] == 45 or p[i] == 43):        # '-' '+'
        if p[i] == 45:
            sign = -1
        i += 1
    while i < n and 48 <= p[i] <= 57:
        v = v * 10 + (p[i] - 48)
        i += 1
    return <int>(sign * v)


cdef long long _strtoll_prefix(bytes b):
    # strtoll(s, NULL, 10) on an AUX value: the leading integer, else 0
    cdef Py_ssize_t i = 0, n = len(b), start
    while i < n and b[i] in b" \t\n\v\f\r":
        i += 1
    start = i
    if i < n and b[i] in b"+-":
        i += 1
    while i < n and 48 <= b[i] <= 57:
        i += 1
    try:
        return int(b[start:i])
    except ValueError:
        return 0


# ------------------------------------------------------------------ files

@cython.final
cdef class RdbLoader:
    """Loads an RDB file into an engine's databases, resumably:

        loader = RdbLoader(eng, path, rdbflags)      # FileNotFoundError ...
        while loader.step(2 << 20):                  # RdbError on a bad file
            ...                                      # serve -LOADING meanwhile

    Keys go straight into eng's databases (the caller empties them first when
    it must). `aux` holds the AUX fields read so far; `keys_loaded`,
    `expired_skipped` (already expired, dropped as a master drops them) and
    `empty_keys_skipped` count keys; `bytes_read` / `total_bytes` tell the
    progress; `rdb_end` is where the file's RDB part ends (an AOF base file
    continues with commands there), -1 until done.

    RdbLoader.fed() makes one that takes the file as it arrives (a replica
    loading from its master's socket): feed() appends bytes, step() loads
    the records that are complete, and `wanted` says whether it needs more
    input to go on; end_input() says no more will come."""

    def __cinit__(self, *args, **kwargs):
        self.map = NULL
        self.owner = None
        self.failure = None
        self.aux = {}
        self.expired_feed = []
        self.rdb_end = -1
        self.expiretime = -1
        self.lru_idle = -1
        self.lfu_freq = -1

    def __init__(self, Engine eng, str path, int rdbflags=0):
        cdef void* m = NULL
        cdef size_t size
        fd = _os.open(path, _os.O_RDONLY | _os.O_CLOEXEC)
        try:
            size = _os.fstat(fd).st_size
            if size > 0:
                m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)
                if m == MAP_FAILED:
                    err = _os.strerror(_errno())
                    raise OSError(_errno(), err, path)
                madvise(m, size, MADV_SEQUENTIAL)
                self.map = m
                self.maplen = size
        finally:
            _os.close(fd)
        ld_setup(self, eng, <const unsigned char*>m, size, rdbflags)

    @classmethod
    def from_bytes(cls, Engine eng, bytes data, int rdbflags=0):
        """A loader over an in-memory copy of a file (tests, an AOF read
        whole)."""
        cdef RdbLoader ld = RdbLoader.__new__(RdbLoader)
        ld.owner = data
        ld_setup(ld, eng, <const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), rdbflags)
        return ld

    @classmethod
    def fed(cls, Engine eng, int rdbflags=0, Py_ssize_t total_bytes=0, list dbs=None, functions_ctx=None):
        """A loader fed the file in pieces. `total_bytes`: the size when
        known (INFO's loading_total_bytes), else 0. `dbs`: databases to load
        into instead of the engine's (the same count); `functions_ctx`:
        where libraries go instead of the current ones (both for a
        replica's swapdb load)."""
        cdef RdbLoader ld = RdbLoader.__new__(RdbLoader)
        ld.is_fed = True
        ld_setup(ld, eng, NULL, 0, rdbflags)
        ld.total_bytes = total_bytes
        if dbs is not None:
            if len(dbs) != len(eng.dbs):
                raise ValueError("dbs must match the engine's databases")
            ld.dbs = dbs
            ld.db = dbs[0]
        ld.functions_ctx = functions_ctx
        return ld

    def __dealloc__(self):
        if self.map != NULL:
            munmap(self.map, self.maplen)
            self.map = NULL
        if self.sbuf != NULL:
            free(self.sbuf)
            self.sbuf = NULL

    property bytes_read:
        def __get__(self):
            return self.base + self.pos

    property wanted:
        def __get__(self):
            """True when step cannot go on before more input arrives."""
            return self.is_fed and not self.input_ended and not self.done and self.failure is None \
                and self.len < self.want

    property unread:
        def __get__(self):
            """Bytes fed beyond what was loaded (past the trailer once done)."""
            return self.len - self.pos

    def feed(self, data):
        """Append the next bytes of the file (a fed loader)."""
        cdef const unsigned char[:] view = data
        cdef size_t n = view.shape[0]
        cdef size_t keep
        cdef unsigned char* nb
        if not self.is_fed or self.input_ended:
            raise ValueError("not a fed loader, or its input ended")
        if n == 0 or self.done or self.failure is not None:
            return
        if self.pos and self.len + n > self.cap:
            # what was loaded goes (its CRC is taken first)
            ld_crc_update(self)
            keep = self.len - self.pos
            memmove(self.sbuf, self.sbuf + self.pos, keep)
            self.base += self.pos
            self.len = keep
            self.want -= self.pos if self.want > self.pos else self.want
            self.crc_pos = 0
            self.pos = 0
        if self.len + n > self.cap:
            self.cap = max(self.len + n, self.cap * 2, <size_t>65536)
            nb = <unsigned char*>realloc(self.sbuf, self.cap)
            if nb == NULL:
                raise MemoryError()
            self.sbuf = nb
        memcpy(self.sbuf + self.len, &view[0], n)
        self.len += n
        self.buf = self.sbuf

    def end_input(self):
        """No more input: a record it still cuts short is a short read."""
        self.input_ended = True

    def step(self, Py_ssize_t max_bytes):
        """Load about max_bytes more (at least one record); True while more
        remains. Raises RdbError when the file cannot be loaded (and again on
        any later call)."""
        cdef size_t start = self.pos, rec_start = 0, crc_pos = 0
        cdef uint64_t crc = 0
        if self.failure is not None:
            raise self.failure
        if self.done:
            return False
        try:
            while True:
                if self.is_fed:
                    if self.len < self.want and not self.input_ended:
                        break
                    rec_start, crc, crc_pos = self.pos, self.crc, self.crc_pos
                try:
                    if not ld_record(self):
                        self.done = True
                        ld_release(self)
                        return False
                except _ShortRead:
                    if not self.is_fed or self.input_ended:
                        raise
                    # read the record again once the input has doubled past
                    # its start, so a big record costs linear time
                    self.pos, self.crc, self.crc_pos = rec_start, crc, crc_pos
                    self.want = self.len + max(self.len - rec_start, <size_t>16384)
                    break
                if max_bytes >= 0 and self.pos - start >= <size_t>max_bytes:
                    break
            ld_crc_update(self)
            return True
        except _ReadError:
            err = RdbError("Short read or OOM loading DB. Unrecoverable error, aborting now.",
                           ["Short read or OOM loading DB. Unrecoverable error, aborting now.",
                            internal_error_line(ld_report_offset(self), 3249, "Unexpected EOF reading RDB file")])
        except _Reported as exc:
            msg = internal_error_line(ld_report_offset(self), exc.line, exc.reason)
            err = RdbError(msg, [msg] + ld_check_report(self, exc, msg))
        except _Fatal as exc:
            err = RdbError(str(exc))
        except RdbError as exc:
            err = exc
        self.failure = err
        ld_release(self)
        raise err


cdef int ld_setup(RdbLoader self, Engine eng, const unsigned char* buf, size_t n, int rdbflags) except -1:
    self.eng = eng
    self.buf = buf
    self.len = n
    self.total_bytes = n
    self.rdbflags = rdbflags
    self.deep = eng.sanitize_dump_payload == SANITIZE_DUMP_YES
    # rdbchecksum no: the trailer is read but not checked (nor computed)
    self.checksum = eng.server is None or bool(eng.server.cfg["rdbchecksum"])
    self.dbs = eng.dbs
    self.db = eng.dbs[0]
    self.now_ms = mstime()
    self.lru_clock = eng.lruclock
    return 0


cdef int ld_release(RdbLoader self) except -1:
    # the source is not needed once the load ended, either way
    if self.map != NULL:
        munmap(self.map, self.maplen)
        self.map = NULL
    self.owner = None
    if self.sbuf != NULL:
        # a fed loader keeps what follows the trailer (the caller's `unread`)
        self.len -= self.pos
        if self.len:
            memmove(self.sbuf, self.sbuf + self.pos, self.len)
        self.base += self.pos
        self.pos = 0
        self.sbuf = <unsigned char*>realloc(self.sbuf, self.len + 1)
        self.buf = self.sbuf
        return 0
    self.buf = NULL
    self.len = 0
    return 0


# The report redis-check-rdb prints after Redis's own line for a corrupt
# value (the file is checked again from the start; rkvd reports where the
# load stopped).
cdef list ld_check_report(RdbLoader self, exc, str msg):
    cdef long long keys = self.keys_loaded + self.expired_skipped + self.empty_keys_skipped
    key = getattr(exc, "key", None)
    invalid = getattr(exc, "invalid_type", None)
    lines = ["--- RDB ERROR DETECTED ---"]
    if invalid is not None:
        lines += ["[offset %d] Invalid object type: %d" % (exc.pos, invalid),
                  "[additional info] While doing: read-type",
                  "[additional info] Reading type %d (%s)" % (self.last_type, _check_type_name(self.last_type))]
    elif key is not None:
        keys += 1
        lines += ["[offset %d] %s" % (exc.pos, msg), "[additional info] While doing: read-object-value",
                  "[additional info] Reading key '%s'" % key,
                  "[additional info] Reading type %d (%s)" % (exc.rdbtype, _check_type_name(exc.rdbtype))]
    else:
        lines += ["[offset %d] %s" % (self.base + self.pos, msg)]
    return lines + ["[info] %d keys read" % keys, "[info] %d expires" % self.expires_read,
                    "[info] %d already expired" % self.expired_skipped]


cdef str _check_type_name(int t):
    return _CHECK_TYPE_NAMES.get(t, "unknown")


# redis-check-rdb's names of the value types (7 and 8 have none)
_CHECK_TYPE_NAMES = dict(enumerate([
    "string", "list-linked", "set-hashtable", "zset-v1", "hash-hashtable", "zset-v2", "module-value", "", "",
    "hash-zipmap", "list-ziplist", "set-intset", "zset-ziplist", "hash-ziplist", "quicklist", "stream",
    "hash-listpack", "zset-listpack", "quicklist-v2"]))


cdef size_t ld_report_offset(RdbLoader self) noexcept:
    # Redis reports server.loading_loaded_bytes, which moves every 2 MB
    return ((self.base + self.pos) // LOADING_REPORT_INTERVAL) * LOADING_REPORT_INTERVAL


cdef int ld_crc_update(RdbLoader self) except -1:
    if self.checksum and self.pos > self.crc_pos:
        self.crc = crc64(self.crc, self.buf + self.crc_pos, self.pos - self.crc_pos)
    self.crc_pos = self.pos
    return 0


cdef int ld_record(RdbLoader self) except -1:
    cdef Rd r
    cdef int t
    cdef uint64_t a, b
    cdef RStr key, sval
    cdef Engine eng = self.eng
    cdef _Ctx ctx
    r.p = self.buf
    r.n = self.len
    r.pos = self.pos
    if not self.started:
        rd_need(&r, 9)
        if memcmp(r.p, b"REDIS", 5) != 0:
            raise _Fatal("Wrong signature trying to load DB from file")
        self.rdbver = _c_atoi(r.p + 5, 4)
        if self.rdbver < 1 or self.rdbver > RDB_VERSION:
            raise _Fatal("Can't handle RDB format version %d" % self.rdbver)
        self.pos = 9
        self.started = True
        return 1
    t = rd_byte(&r)
    if t == RDB_OPCODE_EXPIRETIME:
        rd_need(&r, 4)
        self.expiretime = <long long><int32_t>le32(r.p + r.pos) * 1000
        r.pos += 4
    elif t == RDB_OPCODE_EXPIRETIME_MS:
        rd_need(&r, 8)
        self.expiretime = <long long>le64(r.p + r.pos)
        r.pos += 8
    elif t == RDB_OPCODE_FREQ:
        self.lfu_freq = rd_byte(&r)
    elif t == RDB_OPCODE_IDLE:
        self.lru_idle = <long long>rd_plain_len(&r)
    elif t == RDB_OPCODE_EOF:
        self.pos = r.pos
        ld_finish(self)
        return 0
    elif t == RDB_OPCODE_SELECTDB:
        a = rd_plain_len(&r)
        if a >= <uint64_t>len(self.dbs):
            raise _Fatal("FATAL: Data file was created with a Redis server configured to handle "
                         "more than %d databases. Exiting" % len(self.dbs))
        self.db = self.dbs[a]
    elif t == RDB_OPCODE_RESIZEDB:
        a = rd_plain_len(&r)
        b = rd_plain_len(&r)
        dict_expand(self.db.keys, presize(&r, a))
        dict_expand(self.db.expires, presize(&r, b))
    elif t == RDB_OPCODE_AUX:
        ld_aux(self, &r)
    elif t == RDB_OPCODE_MODULE_AUX:
        a = rd_plain_len(&r)
        b = rd_plain_len(&r)
        rd_plain_len(&r)
        if b != RDB_MODULE_OPCODE_UINT:
            raise _Reported(3066, "bad when_opcode")
        raise _Fatal("The RDB file contains AUX module data I can't load: no matching module '%s'"
                     % module_type_name(a))
    elif t == RDB_OPCODE_FUNCTION or t == RDB_OPCODE_FUNCTION2:
        ld_function(self, &r, t)
    else:
        type_pos = r.pos
        rs_init(&key)
        rs_init(&sval)
        try:
            rd_str(&r, &key)
            ctx = _ctx(eng, self.deep)
            if self.expiretime != -1:
                self.expires_read += 1
            try:
                obj = load_object(ctx, &r, t, &sval)
            except _Reported as exc:
                # what redis-check-rdb reports along with the error: it
                # stops at a type byte that is no object type
                if rdb_is_object_type(t):
                    exc.key = _key_text(key.p, key.n)
                    exc.rdbtype = t
                    exc.pos = self.base + r.pos
                else:
                    exc.invalid_type = t
                    exc.pos = self.base + type_pos
                raise
            except _EmptyKey:
                self.empty_keys_skipped += 1
                if self.empty_keys_skipped <= 10:
                    eng.log_warning("rdbLoadObject skipping empty key: %s" % _key_text(key.p, key.n))
            else:
                ld_add(self, key.p, key.n, obj, &sval)
            self.last_type = t
        finally:
            rs_free(&key)
            rs_free(&sval)
        self.expiretime = -1
        self.lru_idle = -1
        self.lfu_freq = -1
        if key_load_delay:
            delay_key_load()
    self.pos = r.pos
    return 1


cdef int ld_add(RdbLoader self, const char* k, size_t kn, object obj, RStr* sval) except -1:
    cdef Database db = self.db
    cdef Engine eng = self.eng
    if not eng.is_replica and not (self.rdbflags & rdbfmt.RDBFLAGS_AOF_PREAMBLE) and \
            self.expiretime != -1 and self.expiretime < self.now_ms:
        self.expired_skipped += 1
        if self.rdbflags & rdbfmt.RDBFLAGS_FEED_REPL:
            self.expired_feed.append((db.id, PyBytes_FromStringAndSize(k, kn)))
        return 0
    self.keys_loaded += 1
    if db.peek(k, kn) != NULL:
        if not (self.rdbflags & rdbfmt.RDBFLAGS_ALLOW_DUP):
            raise _Fatal("RDB has duplicated key '%s' in DB %d" % (_key_text(k, kn), db.id))
        db.delete_key(k, kn, 0)
    store_value(db, k, kn, obj, sval)
    if self.expiretime != -1:
        db.set_expire(k, kn, self.expiretime)
    set_lru_lfu(eng, db.peek(k, kn), self.lfu_freq, self.lru_idle, self.lru_clock, 1000)
    return 0


cdef int ld_aux(RdbLoader self, Rd* r) except -1:
    cdef RStr k, v
    rs_init(&k)
    rs_init(&v)
    try:
        rd_str(r, &k)
        rd_str(r, &v)
        key = PyBytes_FromStringAndSize(k.p, k.n)
        val = PyBytes_FromStringAndSize(v.p, v.n)
    finally:
        rs_free(&k)
        rs_free(&v)
    self.aux[key] = val
    name = key.split(b"\0", 1)[0]
    text = name.decode("utf-8", "surrogateescape")
    lname = name.lower()
    srv = self.eng.server
    if srv is None:
        return 0
    # redis-ver, ctime and used-mem are logged by the daemon from `aux`
    if name[:1] == b"%":
        srv.log.notice("RDB '%s': %s" % (text, val.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")))
    elif lname == b"aof-preamble":
        if _strtoll_prefix(val):
            srv.log.notice("RDB has an AOF tail")
    elif lname == b"aof-base":
        if _strtoll_prefix(val):
            srv.log.notice("RDB is base AOF")
    elif lname not in (b"repl-stream-db", b"repl-id", b"repl-offset", b"lua", b"redis-ver",
                       b"ctime", b"used-mem", b"redis-bits"):
        srv.log.debug("Unrecognized RDB AUX field: '%s'" % text)
    return 0


# A library (rdbFunctionLoad): handed to the function engine, replacing one
# of its name when the load merges (RDBFLAGS_ALLOW_DUP). A library that
# cannot be read or created stops the load as a read error does, after
# Redis's "Failed loading library" line.
cdef int ld_function(RdbLoader self, Rd* r, int t) except -1:
    code = rd_function(r, t, self.is_fed and not self.input_ended)
    if isinstance(code, str):
        err = code
    elif g_function_loader is None:
        err = "no function engine to create the library"
    else:
        err = g_function_loader(self.eng, code, bool(self.rdbflags & rdbfmt.RDBFLAGS_ALLOW_DUP),
                                self.functions_ctx)
    if err is not None:
        self.eng.log_warning("Failed loading library, %s" % err)
        raise _ReadError()
    return 0


# The library code of a FUNCTION2 record (or of an old FUNCTION one, which
# 7.0's release candidates wrote: name, engine, optional description, body),
# or the error text. more_may_come: a short read is raised (a fed loader
# reads the record again), not reported.
cdef object rd_function(Rd* r, int t, bint more_may_come=False):
    cdef RStr name, engine, desc, blob
    cdef uint64_t has_desc
    rs_init(&name)
    rs_init(&engine)
    rs_init(&desc)
    rs_init(&blob)
    try:
        if t == RDB_OPCODE_FUNCTION2:
            try:
                rd_str(r, &blob)
            except (_ReadError, _Reported) as exc:
                if more_may_come and isinstance(exc, _ShortRead):
                    raise
                return "Failed loading library payload"
            return PyBytes_FromStringAndSize(blob.p, blob.n)
        step = "Failed loading library name"
        try:
            rd_str(r, &name)
            step = "Failed loading engine name"
            rd_str(r, &engine)
            step = "Failed loading library description indicator"
            has_desc = rd_plain_len(r)
            step = "Failed loading library description"
            if has_desc:
                rd_str(r, &desc)
            step = "Failed loading library blob"
            rd_str(r, &blob)
        except (_ReadError, _Reported) as exc:
            if more_may_come and isinstance(exc, _ShortRead):
                raise
            return step
        return (b"#!" + PyBytes_FromStringAndSize(engine.p, engine.n) + b" name="
                + PyBytes_FromStringAndSize(name.p, name.n) + b"\n"
                + PyBytes_FromStringAndSize(blob.p, blob.n))
    finally:
        rs_free(&name)
        rs_free(&engine)
        rs_free(&desc)
        rs_free(&blob)


# Creates a library read from a file: (engine, code, replace, ctx) -> None
# or the error text; ctx is where it goes (None: the current libraries).
# Set by the function engine (set_function_loader).
cdef object g_function_loader = None


def set_function_loader(loader):
    """Where the libraries an RDB file holds go: loader(engine, code,
    replace, ctx) returns None, or the error text that fails the load."""
    global g_function_loader
    g_function_loader = loader


def function_payload_codes(bytes payload):
    """The libraries of a FUNCTION DUMP payload (FUNCTION RESTORE): None when
    its version or checksum is wrong, else a list of codes, ending with
    ("err", text) where a record cannot be read."""
    cdef Rd r
    cdef int t
    cdef list out = []
    r.p = <const unsigned char*>PyBytes_AS_STRING(payload)
    r.n = PyBytes_GET_SIZE(payload)
    r.pos = 0
    if not verify_dump_payload(r.p, r.n):
        return None
    r.n -= 10
    while r.pos < r.n:
        t = r.p[r.pos]
        r.pos += 1
        if t != RDB_OPCODE_FUNCTION and t != RDB_OPCODE_FUNCTION2:
            out.append(("err", b"given type is not a function"))
            break
        code = rd_function(&r, t)
        if isinstance(code, str):
            out.append(("err", code.encode()))
            break
        out.append(code)
    return out


cdef int ld_finish(RdbLoader self) except -1:
    # after the EOF opcode: the CRC64 trailer (RDB 5 and later)
    cdef uint64_t cksum, expected
    cdef Rd r
    if self.rdbver >= 5:
        ld_crc_update(self)
        expected = self.crc
        r.p = self.buf
        r.n = self.len
        r.pos = self.pos
        rd_need(&r, 8)
        cksum = le64(r.p + r.pos)
        self.pos += 8
        if self.checksum and not g_skip_checksum_validation:
            if cksum == 0:
                self.eng.log_warning("RDB file was saved with checksum disabled: no check performed.")
            elif cksum != expected:
                msg = "Wrong RDB checksum expected: (%x) but got (%x). Aborting now." % (expected, cksum)
                raise RdbError(msg, [msg, internal_error_line(ld_report_offset(self), 3225, "RDB CRC error")])
    self.rdb_end = self.base + self.pos
    return 0


cdef extern from "<errno.h>":
    int errno

cdef int _errno() noexcept:
    return errno


def rdb_load_path(Engine eng, str path, int rdbflags=0):
    """Load a whole file at once (DEBUG RELOAD, tests). Returns the finished
    RdbLoader (its counters and `aux`); raises OSError or RdbError."""
    cdef RdbLoader ld = RdbLoader(eng, path, rdbflags)
    while ld.step(1 << 30):
        pass
    return ld


def rdb_load_bytes(Engine eng, bytes data, int rdbflags=0):
    """rdb_load_path over an in-memory file."""
    cdef RdbLoader ld = RdbLoader.from_bytes(eng, data, rdbflags)
    while ld.step(1 << 30):
        pass
    return ld


# ------------------------------------------------------------------ RESTORE

# verifyDumpPayload: [object][u16 RDB version][u64 CRC64], little-endian; the
# version must not be newer than ours and the CRC must match (unless DEBUG
# SET-SKIP-CHECKSUM-VALIDATION).
cdef bint verify_dump_payload(const unsigned char* p, size_t n) noexcept:
    cdef const unsigned char* footer
    cdef unsigned int ver
    if n < 10:
        return False
    footer = p + n - 10
    ver = footer[0] | (<unsigned int>footer[1] << 8)
    if ver > RDB_VERSION:
        return False
    if g_skip_checksum_validation:
        return True
    return crc64(0, p, n - 8) == le64(footer + 2)


def restore_command(Client c, list args):
    """RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
    [FREQ frequency], and RESTORE-ASKING (Redis's restoreCommand)."""
    _restore(c, args)


cdef int _restore(Client c, list args) except -1:
    cdef Engine eng = c.engine
    cdef Database db = c.db
    cdef long long ttl, now, lfu_freq = -1, lru_idle = -1, lru_clock = -1
    cdef int j = 4, additional, t, deep
    cdef bint replace = False, absttl = False, deleted = False
    cdef const char* key = c.argv[1].ptr
    cdef size_t klen = c.argv[1].len
    cdef Rd r
    cdef RStr sval
    while j < c.argc:
        additional = c.argc - j - 1
        if arg_cstr_is(c, j, b"replace"):
            replace = True
        elif arg_cstr_is(c, j, b"absttl"):
            absttl = True
        elif arg_cstr_is(c, j, b"idletime") and additional >= 1 and lfu_freq == -1:
            if not c.arg_ll(j + 1, &lru_idle):
                return 0
            if lru_idle < 0:
                return c.add_error_bytes(b"Invalid IDLETIME value, must be >= 0")
            lru_clock = eng.lruclock
            j += 1
        elif arg_cstr_is(c, j, b"freq") and additional >= 1 and lru_idle == -1:
            if not c.arg_ll(j + 1, &lfu_freq):
                return 0
            if lfu_freq < 0 or lfu_freq > 255:
                return c.add_error_bytes(b"Invalid FREQ value, must be >= 0 and <= 255")
            j += 1
        else:
            return c.add_syntax_error()
        j += 1
    if not replace and db.lookup_write(key, klen) != NULL:
        return c.add_error_bytes(b"-BUSYKEY Target key name already exists.")
    if not c.arg_ll(2, &ttl):
        return 0
    if ttl < 0:
        return c.add_error_bytes(b"Invalid TTL value, must be >= 0")
    r.p = <const unsigned char*>c.argv[3].ptr
    r.n = c.argv[3].len
    r.pos = 0
    if not verify_dump_payload(r.p, r.n):
        return c.add_error_bytes(b"DUMP payload version or checksum are wrong")
    # sanitize-dump-payload clients: deep for every client (no replication
    # master sends RESTOREs yet), except while loading (an AOF's commands)
    deep = eng.sanitize_dump_payload == SANITIZE_DUMP_YES or \
        (eng.sanitize_dump_payload == SANITIZE_DUMP_CLIENTS and not eng.loading)
    rs_init(&sval)
    try:
        try:
            t = rd_byte(&r)
            if not rdb_is_object_type(t):
                raise _ReadError()
            obj = load_object(_ctx(eng, deep), &r, t, &sval)
        except (_ReadError, _EmptyKey):
            return c.add_error_bytes(b"Bad data format")
        except _Reported as exc:
            eng.log_verbose(internal_error_line(0, exc.line, exc.reason))
            return c.add_error_bytes(b"Bad data format")
        if replace:
            deleted = db.delete_key(key, klen)
        kb = PyBytes_FromStringAndSize(key, klen)
        now = mstime()
        if ttl and not absttl:
            ttl = <long long>(<uint64_t>ttl + <uint64_t>now)
        if ttl and ttl <= mstime() and not eng.loading and not eng.is_replica:
            # already expired: nothing is stored, a replaced key is deleted
            if deleted:
                if eng.prop_on:
                    eng.prop_argv = [b"DEL", kb]
                eng.notify_keyspace_event(NOTIFY_GENERIC, b"del", kb, db.id)
                eng.dirty += 1
            return c.add_ok()
        store_value(db, key, klen, obj, &sval)
    finally:
        rs_free(&sval)
    if ttl:
        db.set_expire(key, klen, ttl)
        if not absttl and eng.prop_on:
            # replicas and the AOF get the absolute time
            argv = list(args)
            argv[2] = str(ttl).encode()
            argv.append(b"ABSTTL")
            eng.prop_argv = argv
    set_lru_lfu(eng, db.peek(key, klen), lfu_freq, lru_idle, lru_clock, 1000)
    eng.notify_keyspace_event(NOTIFY_GENERIC, b"restore", kb, db.id)
    c.add_ok()
    eng.dirty += 1
    return 0
