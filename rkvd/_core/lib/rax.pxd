# Rax: a radix tree over byte-string keys in Redis's rax model, the ordered
# map under streams (entry IDs as 16-byte big-endian keys -> listpacks) and
# consumer groups (pending-entries lists, consumers). Server-agnostic.
#
# Shape: every node stands for the path from the root to it; the edge into a
# node carries a compressed label of one or more bytes (label), so a chain of
# single-child nodes never exists except at the root: a node that is neither
# a key nor a branch point is merged into its child on removal. Children are
# kept sorted by their label's first byte (distinct by construction), so an
# in-order walk visits keys in memcmp order with shorter prefixes first.
#
# Values are opaque void* the caller owns (rax_free may call a callback on
# each). Every function returns -1 / NULL on allocation failure and leaves
# the tree unchanged then.
#
# Iterators keep the current key (not node pointers), so the tree may be
# changed while an iterator is open: the next step seeks from the key it was
# at. rax_seek positions the iterator; the first rax_next or rax_prev after it
# returns the element sought itself (Redis's "just seeked" rule).
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

ctypedef struct raxNode:
    void* data
    raxNode** ch           # nch children, sorted by label[0]
    uint32_t plen          # bytes in label (0 only for the root)
    uint16_t nch
    uint8_t iskey
    uint8_t _pad
    unsigned char label[1]  # plen bytes (allocated past the struct)

ctypedef struct rax:
    raxNode* head
    uint64_t numele
    uint64_t numnodes

cdef enum:
    RAX_ITER_JUST_SEEKED = 1
    RAX_ITER_EOF = 2
    RAX_ITER_INLINE = 64

ctypedef struct raxIterator:
    rax* rt
    unsigned char* key     # the current key: key_len bytes
    size_t key_len
    size_t key_cap
    void* data             # the current key's value
    int flags
    unsigned char inline_buf[RAX_ITER_INLINE]

ctypedef void (*rax_free_fn)(void* data) noexcept nogil

# A new empty tree, or NULL on OOM.
cdef rax* rax_new() noexcept nogil
# Free the tree; free_cb (may be NULL) is called on every key's value.
cdef void rax_free(rax* r, rax_free_fn free_cb) noexcept nogil

cdef inline uint64_t rax_size(rax* r) noexcept nogil:
    return r.numele

# Set key s to data. 1 if the key was added, 0 if it existed (its value is
# replaced and the old one stored in *old if old != NULL), -1 on OOM.
cdef int rax_insert(rax* r, const unsigned char* s, size_t n, void* data, void** old) noexcept nogil
# Like rax_insert, but an existing key keeps its value (0, *old = that value).
cdef int rax_try_insert(rax* r, const unsigned char* s, size_t n, void* data, void** old) noexcept nogil
# Remove key s: 1 (and its value in *old if old != NULL) or 0 if absent.
cdef int rax_remove(rax* r, const unsigned char* s, size_t n, void** old) noexcept nogil
# 1 and the value in *data (if data != NULL) when s is a key, else 0.
cdef int rax_find(rax* r, const unsigned char* s, size_t n, void** data) noexcept nogil

# Iterators: rax_start, then rax_seek, then rax_next/rax_prev until 0, then
# rax_stop (frees a key buffer that outgrew the inline one).
cdef void rax_start(raxIterator* it, rax* r) noexcept nogil
# op: ">=", ">", "<=", "<", "=", "^" (first key) or "$" (last key); s is
# ignored for "^" and "$". 1 if positioned (the iterator may be at EOF when
# nothing qualifies), 0 for an unknown op, -1 on OOM.
cdef int rax_seek(raxIterator* it, const char* op, const unsigned char* s, size_t n) noexcept nogil
# Step to the next greater / smaller key: 1 with it.key/it.data set, 0 at
# the end (or on OOM, which also ends the walk).
cdef int rax_next(raxIterator* it) noexcept nogil
cdef int rax_prev(raxIterator* it) noexcept nogil
cdef void rax_stop(raxIterator* it) noexcept nogil
# 1 when the iterator is past its last element (after rax_seek: nothing sought).
cdef inline int rax_eof(raxIterator* it) noexcept nogil:
    return (it.flags & RAX_ITER_EOF) != 0

# How many nodes Redis's rax.c would have for the same keys (XINFO STREAM's
# radix-tree-nodes): its nodes carry the bytes of the edges below them, so
# an edge of more than one byte out of a branching node is a node of its own
# there. O(nodes).
cdef uint64_t rax_redis_numnodes(rax* r) noexcept nogil
