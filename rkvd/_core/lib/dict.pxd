# The keyspace hash table: Redis's dict.c model (chained buckets, two tables
# with incremental rehash, reverse-binary SCAN cursor, random sampling), with
# the key bytes stored inline in the entry so a lookup needs no Python object.
#
# Entry layout: a single malloc'd block
#     [next][v (union)][meta][klen][key bytes ...][inline value bytes ...]
# `v` holds, by the entry's value kind (meta bits, see below):
#     VK_INLINE: v.vlen = length of the value bytes stored right after the key
#     VK_INT:    v.ival = a 64-bit integer (string "int" encoding, expire time)
#     VK_OBJ:    v.obj  = an owned PyObject* reference (decref'd on free)
# Entries move when resized (dict_resize_entry), so never keep a dictEntry*
# across a call that may write to the same table.
from libc.stdint cimport uint32_t, uint64_t, int64_t
from cpython.object cimport PyObject

cdef extern from *:
    """
    typedef struct rkvdEntry {
        struct rkvdEntry *next;
        union { PyObject *obj; int64_t ival; uint64_t vlen; } v;
        uint32_t meta;
        uint32_t klen;
        char data[];
    } rkvdEntry;
    #define RKVD_ENTRY_KEY(e) ((e)->data)
    #define RKVD_ENTRY_VAL(e) ((e)->data + (e)->klen)
    """
    ctypedef union dictVal:
        PyObject* obj
        int64_t ival
        uint64_t vlen
    ctypedef struct dictEntry "rkvdEntry":
        dictEntry* next
        dictVal v
        uint32_t meta
        uint32_t klen
        char data[1]
    char* ENTRY_KEY "RKVD_ENTRY_KEY"(dictEntry* e) nogil
    char* ENTRY_VAL "RKVD_ENTRY_VAL"(dictEntry* e) nogil

# meta: bits 0-23 LRU clock (or LFU: 16-bit minutes + 8-bit counter),
# bits 24-25 value kind, bits 26-29 type (Redis OBJ_* numbering),
# bit 30 has-expire (the key is also in the db's expires table).
cdef enum:
    META_LRU_MASK = 0x00FFFFFF
    META_VK_SHIFT = 24
    META_VK_MASK = 0x03000000
    VK_INLINE = 0
    VK_INT = 1
    VK_OBJ = 2
    META_TYPE_SHIFT = 26
    META_TYPE_MASK = 0x3C000000
    META_HAS_EXPIRE = 0x40000000

cdef inline int entry_vk(dictEntry* e) noexcept nogil:
    return (e.meta & META_VK_MASK) >> META_VK_SHIFT

cdef inline int entry_type(dictEntry* e) noexcept nogil:
    return (e.meta & META_TYPE_MASK) >> META_TYPE_SHIFT

cdef inline void entry_set_kind(dictEntry* e, int typ, int vk) noexcept nogil:
    e.meta = (e.meta & ~<uint32_t>(META_VK_MASK | META_TYPE_MASK)) | \
        (<uint32_t>vk << META_VK_SHIFT) | (<uint32_t>typ << META_TYPE_SHIFT)

ctypedef struct dictht:
    dictEntry** table
    uint64_t size         # power of two, or 0
    uint64_t sizemask
    uint64_t used

# May the table grow by more_mem bytes of buckets, at this load (used /
# size)? Redis's dictType.expandAllowed: the keyspace says no when the
# buckets would take memory over maxmemory.
ctypedef int (*dict_expand_allowed_fn)(size_t more_mem, double used_ratio) noexcept nogil

ctypedef struct dict:
    dictht ht[2]
    long rehashidx        # -1 when not rehashing
    int pauserehash       # > 0: safe iterators or scans running
    int resize_allowed    # 0 while a fork child runs (copy-on-write)
    dict_expand_allowed_fn expand_allowed   # NULL: always

# scan callback: called with each entry in the visited buckets
ctypedef void (*dict_scan_fn)(void* privdata, dictEntry* e) noexcept

cdef uint64_t dict_hash(const char* key, size_t klen) noexcept nogil

# Create/destroy. dict_release decrefs VK_OBJ values and frees everything.
cdef dict* dict_create() except NULL
cdef void dict_release(dict* d) noexcept
# Free a table from another thread (lazy free): dict_prepare_free first, on
# the engine's thread (the table leaves the fork-time bookkeeping), then
# dict_free_plain anywhere, no GIL needed. Only for tables whose entries
# hold no VK_OBJ value (members, fields and scores: sets, hashes, zsets).
cdef void dict_prepare_free(dict* d) noexcept
cdef void dict_free_plain(dict* d) noexcept nogil
# dict_free_plain for a table that may hold VK_OBJ values (a flushed
# keyspace): every other entry, the buckets and d itself are freed; entries
# with an object are kept and returned linked through `next` (NULL when
# none), *tail getting the last, for the engine's thread to release with
# dict_free_entry under the GIL. Never dereferences a value object.
cdef dictEntry* dict_free_keep_objects(dict* d, dictEntry** tail) noexcept nogil
# Remove all entries (callback-free); returns number removed.
cdef uint64_t dict_empty(dict* d) noexcept

cdef inline uint64_t dict_size(dict* d) noexcept nogil:
    return d.ht[0].used + d.ht[1].used

# Lookup. Performs one incremental rehash step when rehashing (like Redis).
cdef dictEntry* dict_find(dict* d, const char* key, size_t klen) noexcept
# Address of the link (bucket slot or previous entry's `next`) that points at
# the entry for key, or NULL: lets the caller replace or unlink in place.
cdef dictEntry** dict_find_link(dict* d, const char* key, size_t klen) noexcept

# Insert a new entry for a key known to be absent, with `extra` bytes of room
# after the key for an inline value. meta is set to 0 (kind VK_INLINE, type 0),
# v.vlen = 0. Returns the entry (owned by the table) or NULL on out of memory.
cdef dictEntry* dict_add_new(dict* d, const char* key, size_t klen, size_t extra) noexcept

# Give the entry behind `link` room for `extra` bytes of inline value (realloc);
# the entry may move: returns its new address (already stored in *link), or
# NULL on out of memory (the old entry is untouched).
cdef dictEntry* dict_resize_entry(dictEntry** link, size_t extra) noexcept

# While a fork child shares the parent's pages: move the entry behind `link`
# (in table d) to a new block with room for `extra` bytes of inline value
# (header and key copied, the value the caller's to set) and keep the old
# block until dict_release_deferred. Writing or freeing the old block would
# copy its page (free writes malloc's list links into it), and an entry is
# several times the size of Redis's dictEntry; the new block comes from
# memory the child does not share. Returns the new entry (stored in *link)
# or NULL on out of memory (nothing changed).
cdef dictEntry* dict_renew_entry(dict* d, dictEntry** link, size_t extra) noexcept

# Once no fork child is left: put each renewed key back in its old block
# when it fits (freeing the newer one, so the heap does not keep holes where
# the next save's renewals would land) and free the rest.
cdef void dict_release_deferred() noexcept

# Unlink and free the entry for key (decref its VK_OBJ value). 1 if deleted.
cdef int dict_delete(dict* d, const char* key, size_t klen) noexcept
# Unlink the entry behind `link` from the table without freeing it (the caller
# then frees it with dict_free_entry, maybe later: lazy free). `d` is needed to
# keep `used` right.
cdef dictEntry* dict_unlink_at(dict* d, dictEntry** link) noexcept
cdef void dict_free_entry(dictEntry* e) noexcept

# Replace the value object of an entry: decref the old VK_OBJ value if any,
# store `obj` (a new reference is taken) and set the kind to VK_OBJ.
cdef void entry_set_obj(dictEntry* e, object obj) noexcept

# Random sampling (Redis dictGetRandomKey / dictGetSomeKeys / dictGetFairRandomKey)
cdef dictEntry* dict_random_entry(dict* d) noexcept
cdef dictEntry* dict_fair_random_entry(dict* d) noexcept
cdef unsigned long dict_some_entries(dict* d, dictEntry** des, unsigned long count) noexcept

# Redis's reverse-binary cursor scan: calls fn for every entry in the bucket(s)
# at cursor and returns the next cursor (0 when done). Every entry present from
# start to end of a full scan is returned at least once, even across resizes.
cdef uint64_t dict_scan(dict* d, uint64_t cursor, dict_scan_fn fn, void* privdata) noexcept

# Incremental rehash: do up to n bucket moves; 1 if more remain.
cdef int dict_rehash(dict* d, int n) noexcept
# Rehash for about `ms` milliseconds (cron's activerehashing); steps done.
cdef int dict_rehash_ms(dict* d, int ms) noexcept
# Shrink when fill < 10% (cron, Redis's htNeedsResize + dictResize).
cdef int dict_try_shrink(dict* d) noexcept
# Grow the table to hold at least `size` entries (used by loaders).
cdef int dict_expand(dict* d, uint64_t size) noexcept

# Allocator-level bytes held by the table's bucket arrays (for MEMORY USAGE)
cdef uint64_t dict_buckets_bytes(dict* d) noexcept nogil

# Plain iteration over both tables (no rehash step; callers must not modify
# the table while iterating unless they pause rehashing and only delete the
# current entry).
ctypedef struct dictIter:
    dict* d
    int table
    long index
    dictEntry* entry
    dictEntry* next_entry
    int safe

cdef void dict_iter_init(dictIter* it, dict* d, int safe) noexcept
cdef dictEntry* dict_iter_next(dictIter* it) noexcept
cdef void dict_iter_release(dictIter* it) noexcept
