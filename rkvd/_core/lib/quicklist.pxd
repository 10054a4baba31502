# Quicklist: Redis 7.0's list encoding, a doubly linked list of nodes that
# each hold a listpack of elements ("packed" nodes) or, for an element at or
# above the packed threshold (1 GB unless DEBUG QUICKLIST-PACKED-THRESHOLD
# changed it), that single element's raw bytes ("plain" nodes).
#
# fill (list-max-listpack-size) limits a packed node: -1..-5 cap its listpack
# at 4/8/16/32/64 KB, a positive value caps its element count (and then the
# listpack also stays under 8 KB, unless it holds a single element).
# compress (list-compress-depth) keeps that many nodes at each end raw and
# LZF-compresses the nodes in between (0: no compression). The choices of
# when to open a new node, split, merge and (re)compress follow quicklist.c,
# so node counts and sizes are the ones redis-server gets for the same
# commands (DEBUG OBJECT's ql_* fields).
#
# Server-agnostic: bytes in, bytes out, memory from libc malloc; running out
# of memory aborts, as zmalloc does.
#
# Entries: an iterator or an index lookup fills a qlEntry whose `value`
# points at the element's bytes (inside the node: valid until the list
# changes), or is NULL with the integer in `longval`.
from libc.stdint cimport uint32_t

cdef enum:
    # ends, for push/pop
    QL_HEAD = 0
    QL_TAIL = -1
    # iteration directions
    QL_START_HEAD = 0       # head to tail
    QL_START_TAIL = 1       # tail to head
    # node encodings and containers (Redis's numbers: RDB stores the container)
    QL_NODE_RAW = 1
    QL_NODE_LZF = 2
    QL_NODE_PLAIN = 1
    QL_NODE_PACKED = 2
    # qlNode.bits
    QL_DONT_COMPRESS = 1    # keep raw for now: about to be used again
    QL_ATTEMPTED = 2        # compression was tried (for ql_verify)
    # bounds of the settings
    QL_FILL_MAX = (1 << 15) - 1
    QL_COMPRESS_MAX = (1 << 16) - 1

cdef struct qlNode:
    qlNode* prev
    qlNode* next
    # listpack (packed), element bytes (plain), or a compressed block:
    # [size_t compressed length][LZF bytes]
    unsigned char* entry
    size_t sz               # bytes of the uncompressed listpack / element
    uint32_t count          # elements in the node
    unsigned char encoding  # QL_NODE_RAW / QL_NODE_LZF
    unsigned char container # QL_NODE_PLAIN / QL_NODE_PACKED
    unsigned char recompress    # decompressed for use: compress again after
    unsigned char bits

ctypedef struct quicklist:
    qlNode* head
    qlNode* tail
    unsigned long count     # elements
    unsigned long len       # nodes
    int fill
    unsigned int compress

ctypedef struct qlIter:
    quicklist* ql
    qlNode* current
    unsigned char* zi       # current listpack entry (NULL: seek `offset`)
    long offset             # in the current node; negative counts from its end
    int direction

ctypedef struct qlEntry:
    quicklist* ql
    qlNode* node
    unsigned char* zi
    unsigned char* value    # element bytes, or NULL for an integer
    long long longval
    size_t sz
    long offset


# ------------------------------------------------------------- lifecycle --

# Set up an empty list in caller-owned memory / release its nodes (the list
# is empty and usable afterwards).
cdef void ql_init(quicklist* ql, int fill, int compress) noexcept nogil
cdef void ql_clear(quicklist* ql) noexcept nogil
# Heap-allocated variants.
cdef quicklist* quicklist_new(int fill, int compress) noexcept nogil
cdef void quicklist_release(quicklist* ql) noexcept nogil
# Clamp and store the settings (fill to -5..QL_FILL_MAX, depth to
# 0..QL_COMPRESS_MAX). Existing nodes are left as they are.
cdef void ql_set_options(quicklist* ql, int fill, int compress) noexcept nogil
# Deep copy of src into dst (dst's old contents are not freed).
cdef void ql_dup(quicklist* dst, quicklist* src) noexcept nogil

# Elements at or above this size get a plain node. 0 restores 1 GB; returns
# 0 (nothing changed) above 4 GB - 1 MB. Process-wide, like Redis's.
cdef int ql_set_packed_threshold(size_t sz) noexcept nogil
cdef size_t ql_get_packed_threshold() noexcept nogil


# ---------------------------------------------------------------- ends --

# Add at the head/tail. Returns 1 when a new node was created.
cdef int ql_push_head(quicklist* ql, const unsigned char* s, size_t sz) noexcept nogil
cdef int ql_push_tail(quicklist* ql, const unsigned char* s, size_t sz) noexcept nogil
cdef int ql_push(quicklist* ql, const unsigned char* s, size_t sz, int where) noexcept nogil
# The element at the head/tail without removing it (end nodes are never
# compressed, so this never changes the list). 0 if empty.
cdef int ql_end_entry(quicklist* ql, int where, qlEntry* entry) noexcept nogil
# Remove the element at the head/tail. 0 if empty.
cdef int ql_del_end(quicklist* ql, int where) noexcept nogil
# Remove the head/tail element; a string comes back as a malloc'd copy in
# *data (caller frees) with *sz, an integer as *data = NULL and *sval.
cdef int ql_pop(quicklist* ql, int where, unsigned char** data, size_t* sz,
                long long* sval) noexcept nogil
# Whole nodes built elsewhere (RDB loading): the list takes ownership.
cdef void ql_append_listpack(quicklist* ql, unsigned char* lp) noexcept nogil
cdef void ql_append_plain_node(quicklist* ql, unsigned char* data, size_t sz) noexcept nogil


# ----------------------------------------------------------- iteration --

# Iterate from one end. Nothing to free, but call ql_iter_release when done
# so the node in use is compressed again.
cdef void ql_iter_init(qlIter* it, quicklist* ql, int direction) noexcept nogil
# Iterate from element idx (negative from the tail). 0 if out of range
# (then `it` needs no release).
cdef int ql_iter_init_at_idx(qlIter* it, quicklist* ql, int direction, long long idx) noexcept nogil
# Fill entry with the next element; 0 at the end.
cdef int ql_next(qlIter* it, qlEntry* entry) noexcept nogil
cdef void ql_iter_release(qlIter* it) noexcept nogil
cdef void ql_iter_set_direction(qlIter* it, int direction) noexcept nogil
# The element at idx, with an iterator positioned on it (release it). 0 if
# out of range.
cdef int ql_index(quicklist* ql, long long idx, qlIter* it, qlEntry* entry) noexcept nogil
# 1 if the entry equals s (integers compare by value, like lp_compare).
cdef int ql_compare(qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil


# ------------------------------------------------------------- changes --
# The entry comes from ql_next/ql_index on `it`. After an insert or replace
# the iterator must not be advanced any more (release it); after a delete it
# can go on.

cdef void ql_del_entry(qlIter* it, qlEntry* entry) noexcept nogil
cdef void ql_replace_entry(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil
cdef void ql_insert_before(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil
cdef void ql_insert_after(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil
# Replace the element at idx; 0 if out of range.
cdef int ql_replace_at_index(quicklist* ql, long long idx, const unsigned char* s, size_t sz) noexcept nogil
# Delete `count` elements from `start` (negative from the tail), clipped at
# the end of the list. 1 if anything was deleted.
cdef int ql_del_range(quicklist* ql, long start, long count) noexcept nogil


# ---------------------------------------------------------- inspection --

# Sum of the uncompressed node sizes (DEBUG OBJECT ql_uncompressed_size).
cdef size_t ql_uncompressed_size(quicklist* ql) noexcept nogil
# The compressed bytes of an LZF node and their length.
cdef size_t ql_node_lzf(qlNode* node, unsigned char** data) noexcept nogil
# Bytes malloc holds for the node and its entry (MEMORY USAGE).
cdef size_t ql_node_alloc_size(qlNode* node) noexcept nogil
# Check every invariant (links, counts, sizes, listpacks, the compression
# depth); 1 if all hold, else 0 with a message in errbuf.
cdef int ql_verify(quicklist* ql, char* errbuf, size_t errlen) noexcept nogil
