# cython: language_level=3, cdivision=True
# Quicklist (format, settings and ownership rules in quicklist.pxd).
#
# Plain C on qlNode/quicklist structs, with no Python objects (the tests'
# Python wrapper is tests/native/quicklist.pyx). The node policies (when a
# listpack may grow, when two nodes merge, where a full node splits, which
# nodes are compressed) are Redis 7.0's, so the same commands give the same
# node layout.
#
# Compression bookkeeping: a node taken out of LZF form to be read or changed
# in place is marked `recompress`; whoever did that compresses it again when
# done (_recompress_only / _compress). Nodes entering or leaving the list
# re-run the depth rule from both ends (_compress_depth), which keeps the
# `compress` nodes at each end raw and compresses the first interior ones.
from libc.stdint cimport uint32_t, UINT32_MAX
from libc.stdlib cimport abort
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)
from libc.string cimport memcpy, memcmp
from libc.stdio cimport fprintf, stderr, snprintf

from rkvd._core.lib.listpack cimport (
    LP_BEFORE, LP_AFTER, lp_new, lp_bytes, lp_length, lp_first, lp_last, lp_next, lp_prev,
    lp_seek, lp_get_value, lp_compare, lp_insert_string, lp_append, lp_prepend, lp_replace,
    lp_delete, lp_delete_range, lp_merge, lp_validate_integrity,
)
from rkvd._core.lib.lzf cimport lzf_compress, lzf_decompress

cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)

cdef enum:
    # a packed node never grows past this when its limit is an element count
    SIZE_SAFETY_LIMIT = 8192
    # what one more element adds to a listpack, at most (header + backlen)
    SIZE_ESTIMATE_OVERHEAD = 8
    # smaller listpacks are not worth compressing
    MIN_COMPRESS_BYTES = 48
    # keep the compressed form only if it saves at least this much
    MIN_COMPRESS_IMPROVE = 8
    # a compressed block starts with its length (a size_t)
    LZF_HDR = 8

# listpack byte limits for fill -1 .. -5
cdef size_t _size_levels[5]
_size_levels[:] = [4096, 8192, 16384, 32768, 65536]

cdef size_t _packed_threshold = 1 << 30


# ------------------------------------------------------------- internals --

cdef void _oom(size_t n) noexcept nogil:
    fprintf(stderr, b"quicklist: out of memory allocating %zu bytes\n", n)
    abort()

cdef inline void* _xmalloc(size_t n) noexcept nogil:
    cdef void* p = malloc(n if n else 1)
    if p == NULL:
        _oom(n)
    return p

cdef inline unsigned char* _lp_ok(unsigned char* lp) noexcept nogil:
    # listpack calls return NULL only when out of memory (sizes here stay
    # far below the listpack limit)
    if lp == NULL:
        _oom(0)
    return lp

cdef inline bint _is_plain(qlNode* n) noexcept nogil:
    return n.container == QL_NODE_PLAIN

cdef inline bint _is_large(size_t sz) noexcept nogil:
    return sz >= _packed_threshold

cdef inline void _update_sz(qlNode* n) noexcept nogil:
    n.sz = lp_bytes(n.entry)

cdef qlNode* _node_new() noexcept nogil:
    cdef qlNode* n = <qlNode*>_xmalloc(sizeof(qlNode))
    n.prev = NULL
    n.next = NULL
    n.entry = NULL
    n.sz = 0
    n.count = 0
    n.encoding = QL_NODE_RAW
    n.container = QL_NODE_PACKED
    n.recompress = 0
    n.bits = 0
    return n

cdef qlNode* _packed_node_with(const unsigned char* s, size_t sz) noexcept nogil:
    cdef qlNode* n = _node_new()
    n.entry = _lp_ok(lp_prepend(_lp_ok(lp_new(0)), s, <uint32_t>sz))
    n.count = 1
    _update_sz(n)
    return n

cdef qlNode* _plain_node_with(const unsigned char* s, size_t sz) noexcept nogil:
    cdef qlNode* n = _node_new()
    n.entry = <unsigned char*>_xmalloc(sz)
    memcpy(n.entry, s, sz)
    n.container = QL_NODE_PLAIN
    n.sz = sz
    n.count = 1
    return n


# ------------------------------------------------------------ compression --

# LZF-compress the node's entry in place. 1 if it is now compressed; 0 if
# it must stay raw for now, is too small, or does not shrink enough.
cdef int _compress_node(qlNode* n) noexcept nogil:
    cdef unsigned char* blk
    cdef unsigned char* nb
    cdef unsigned int clen
    n.bits |= QL_ATTEMPTED
    if n.bits & QL_DONT_COMPRESS:
        return 0
    n.recompress = 0
    if n.sz < MIN_COMPRESS_BYTES or n.sz > UINT32_MAX:
        return 0
    blk = <unsigned char*>_xmalloc(LZF_HDR + n.sz)
    clen = lzf_compress(n.entry, <unsigned int>n.sz, blk + LZF_HDR, <unsigned int>n.sz)
    if clen == 0 or clen + MIN_COMPRESS_IMPROVE >= n.sz:
        free(blk)
        return 0
    nb = <unsigned char*>realloc(blk, LZF_HDR + clen)
    if nb != NULL:
        blk = nb
    (<size_t*>blk)[0] = clen
    free(n.entry)
    n.entry = blk
    n.encoding = QL_NODE_LZF
    return 1

cdef int _decompress_node(qlNode* n) noexcept nogil:
    cdef unsigned char* buf
    cdef unsigned char* blk = n.entry
    n.bits &= ~QL_ATTEMPTED
    n.recompress = 0
    buf = <unsigned char*>_xmalloc(n.sz)
    if lzf_decompress(blk + LZF_HDR, <unsigned int>(<size_t*>blk)[0], buf,
                      <unsigned int>n.sz) != n.sz:
        # our own compressed data: cannot happen unless memory is corrupt
        free(buf)
        fprintf(stderr, b"quicklist: corrupt compressed node\n")
        abort()
    free(blk)
    n.entry = buf
    n.encoding = QL_NODE_RAW
    return 1

cdef inline void _compress_if_raw(qlNode* n) noexcept nogil:
    if n != NULL and n.encoding == QL_NODE_RAW:
        _compress_node(n)

cdef inline void _decompress_if_lzf(qlNode* n) noexcept nogil:
    if n != NULL and n.encoding == QL_NODE_LZF:
        _decompress_node(n)

# Decompress to read or change the node in place; the caller compresses it
# again when done.
cdef inline void _decompress_for_use(qlNode* n) noexcept nogil:
    if n != NULL and n.encoding == QL_NODE_LZF:
        _decompress_node(n)
        n.recompress = 1

# The depth rule: the `compress` nodes at each end must be raw; the first
# node past them on each side, and `node` if it is interior, get compressed.
# Nodes further in are already compressed from earlier calls.
cdef void _compress_depth(quicklist* ql, qlNode* node) noexcept nogil:
    cdef qlNode* forward
    cdef qlNode* reverse
    cdef unsigned int depth = 0
    cdef bint in_depth = False
    if ql.len == 0:
        return
    if ql.compress == 0 or ql.len < <unsigned long>ql.compress * 2:
        return
    forward = ql.head
    reverse = ql.tail
    while depth < ql.compress:
        depth += 1
        _decompress_if_lzf(forward)
        _decompress_if_lzf(reverse)
        if forward == node or reverse == node:
            in_depth = True
        # the two walks met: every node is within the depth
        if forward == reverse or forward.next == reverse:
            return
        forward = forward.next
        reverse = reverse.prev
    if not in_depth and node != NULL:
        _compress_if_raw(node)
    _compress_if_raw(forward)
    _compress_if_raw(reverse)

cdef inline void _compress(quicklist* ql, qlNode* n) noexcept nogil:
    if n.recompress:
        _compress_if_raw(n)
    else:
        _compress_depth(ql, n)

cdef inline void _recompress_only(qlNode* n) noexcept nogil:
    if n.recompress:
        _compress_if_raw(n)


# ----------------------------------------------------------------- nodes --

# Link new_node after (or before) old_node; old_node NULL only for the first
# node. new_node is raw, so it may become head or tail as is.
cdef void _insert_node(quicklist* ql, qlNode* old_node, qlNode* new_node, bint after) noexcept nogil:
    if after:
        new_node.prev = old_node
        if old_node != NULL:
            new_node.next = old_node.next
            if old_node.next != NULL:
                old_node.next.prev = new_node
            old_node.next = new_node
        if ql.tail == old_node:
            ql.tail = new_node
    else:
        new_node.next = old_node
        if old_node != NULL:
            new_node.prev = old_node.prev
            if old_node.prev != NULL:
                old_node.prev.next = new_node
            old_node.prev = new_node
        if ql.head == old_node:
            ql.head = new_node
    if ql.len == 0:
        ql.head = ql.tail = new_node
    # len first: the depth rule needs the new length
    ql.len += 1
    if old_node != NULL:
        _compress(ql, old_node)
    _compress(ql, new_node)

cdef inline bint _size_within_level(size_t sz, int fill) noexcept nogil:
    # a negative fill is a byte limit for the node's listpack
    cdef int level
    if fill >= 0:
        return False
    level = -fill - 1
    if level < 5:
        return sz <= _size_levels[level]
    return False

# May one more element of sz bytes go into node?
cdef bint _allow_insert(qlNode* node, int fill, size_t sz) noexcept nogil:
    cdef size_t new_sz
    if node == NULL:
        return False
    if _is_plain(node) or _is_large(sz):
        return False
    # both sizes are below the packed threshold (< 4 GB): no overflow
    new_sz = node.sz + sz + SIZE_ESTIMATE_OVERHEAD
    if _size_within_level(new_sz, fill):
        return True
    if new_sz > SIZE_SAFETY_LIMIT:
        return False
    return <int>node.count < fill

cdef bint _allow_merge(qlNode* a, qlNode* b, int fill) noexcept nogil:
    cdef unsigned int merge_sz
    if a == NULL or b == NULL:
        return False
    if _is_plain(a) or _is_plain(b):
        return False
    # one listpack header and terminator (11 bytes) go away
    merge_sz = <unsigned int>(a.sz + b.sz - 11)
    if _size_within_level(merge_sz, fill):
        return True
    if merge_sz > SIZE_SAFETY_LIMIT:
        return False
    return <int>(a.count + b.count) <= fill

# Unlink and free node; its elements leave the count.
cdef void _del_node(quicklist* ql, qlNode* node) noexcept nogil:
    if node.next != NULL:
        node.next.prev = node.prev
    if node.prev != NULL:
        node.prev.next = node.next
    if node == ql.tail:
        ql.tail = node.prev
    if node == ql.head:
        ql.head = node.next
    ql.len -= 1
    ql.count -= node.count
    # nodes that moved into the depth must be raw again
    _compress_depth(ql, NULL)
    free(node.entry)
    free(node)

# Delete the element at *p of a raw node (for a plain node: the node).
# Returns 1 if the node went away; else *p is the element that followed.
cdef int _del_index(quicklist* ql, qlNode* node, unsigned char** p) noexcept nogil:
    cdef int gone = 0
    if _is_plain(node):
        _del_node(ql, node)
        return 1
    node.entry = lp_delete(node.entry, p[0], p)
    node.count -= 1
    if node.count == 0:
        gone = 1
        _del_node(ql, node)
    else:
        _update_sz(node)
    ql.count -= 1
    return gone

# Merge b's listpack into a's (a is left of b). Returns the surviving node,
# or NULL (nothing changed) if the listpacks cannot be merged.
cdef qlNode* _merge_pair(quicklist* ql, qlNode* a, qlNode* b) noexcept nogil:
    cdef qlNode* keep
    cdef qlNode* nokeep
    _decompress_if_lzf(a)
    _decompress_if_lzf(b)
    if lp_merge(&a.entry, &b.entry) == NULL:
        return NULL
    if a.entry == NULL:
        nokeep = a
        keep = b
    else:
        nokeep = b
        keep = a
    keep.count = lp_length(keep.entry)
    _update_sz(keep)
    nokeep.count = 0
    _del_node(ql, nokeep)
    _compress(ql, keep)
    return keep

# After a split, try merging the neighbourhood of center: (prev_prev, prev),
# (next, next_next), (prev, center), then (center, next).
cdef void _merge_around(quicklist* ql, qlNode* center) noexcept nogil:
    cdef int fill = ql.fill
    cdef qlNode* prev = NULL
    cdef qlNode* prev_prev = NULL
    cdef qlNode* nxt = NULL
    cdef qlNode* next_next = NULL
    cdef qlNode* target
    if center.prev != NULL:
        prev = center.prev
        prev_prev = center.prev.prev
    if center.next != NULL:
        nxt = center.next
        next_next = center.next.next
    if _allow_merge(prev, prev_prev, fill):
        _merge_pair(ql, prev_prev, prev)
    if _allow_merge(nxt, next_next, fill):
        _merge_pair(ql, nxt, next_next)
    if _allow_merge(center, center.prev, fill):
        target = _merge_pair(ql, center.prev, center)
    else:
        target = center
    if target != NULL and _allow_merge(target, target.next, fill):
        _merge_pair(ql, target, target.next)

# Split node at offset. after=1: the new node takes the elements after
# offset, node keeps [0, offset]. after=0: the new node takes [0, offset),
# node keeps the rest. The new node is not linked in yet.
cdef qlNode* _split_node(qlNode* node, long offset, bint after) noexcept nogil:
    cdef qlNode* nn = _node_new()
    cdef long orig_start, new_start
    cdef unsigned long orig_extent, new_extent
    nn.entry = <unsigned char*>_xmalloc(node.sz)
    memcpy(nn.entry, node.entry, node.sz)
    if offset < 0:
        offset = <long>node.count + offset
    # (unsigned long)-1 deletes to the end
    orig_start = offset + 1 if after else 0
    orig_extent = <unsigned long>-1 if after else <unsigned long>offset
    new_start = 0 if after else offset
    new_extent = <unsigned long>(offset + 1) if after else <unsigned long>-1
    node.entry = lp_delete_range(node.entry, orig_start, orig_extent)
    node.count = lp_length(node.entry)
    _update_sz(node)
    nn.entry = lp_delete_range(nn.entry, new_start, new_extent)
    nn.count = lp_length(nn.entry)
    _update_sz(nn)
    return nn

cdef inline void _reset_iter(qlIter* it) noexcept nogil:
    it.current = NULL
    it.zi = NULL

# Insert s before/after the entry (the heart of LINSERT and of replacing
# with an element of the other container kind).
cdef void _insert(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz, bint after) noexcept nogil:
    cdef quicklist* ql = it.ql
    cdef bint full = False, at_tail = False, at_head = False
    cdef bint avail_next = False, avail_prev = False
    cdef int fill = ql.fill
    cdef qlNode* node = entry.node
    cdef qlNode* new_node
    cdef qlNode* elem_node
    if node == NULL:
        # no reference node: the list is empty
        if _is_large(sz):
            _insert_node(ql, ql.tail, _plain_node_with(s, sz), after)
        else:
            _insert_node(ql, NULL, _packed_node_with(s, sz), after)
        ql.count += 1
        return
    if not _allow_insert(node, fill, sz):
        full = True
    if after and (entry.offset == <long>node.count - 1 or entry.offset == -1):
        at_tail = True
        if _allow_insert(node.next, fill, sz):
            avail_next = True
    if not after and (entry.offset == 0 or entry.offset == -<long>node.count):
        at_head = True
        if _allow_insert(node.prev, fill, sz):
            avail_prev = True

    if _is_large(sz):
        if _is_plain(node) or (at_tail and after) or (at_head and not after):
            _insert_node(ql, node, _plain_node_with(s, sz), after)
        else:
            # the large element goes between the two halves of node
            _decompress_for_use(node)
            new_node = _split_node(node, entry.offset, after)
            elem_node = _plain_node_with(s, sz)
            _insert_node(ql, node, elem_node, after)
            _insert_node(ql, elem_node, new_node, after)
        ql.count += 1
        return

    if not full:
        _decompress_for_use(node)
        node.entry = _lp_ok(lp_insert_string(node.entry, s, <uint32_t>sz, entry.zi,
                                             LP_AFTER if after else LP_BEFORE, NULL))
        node.count += 1
        _update_sz(node)
        _recompress_only(node)
    elif at_tail and avail_next and after:
        # full, but the next node has room at its head
        new_node = node.next
        _decompress_for_use(new_node)
        new_node.entry = _lp_ok(lp_prepend(new_node.entry, s, <uint32_t>sz))
        new_node.count += 1
        _update_sz(new_node)
        _recompress_only(new_node)
        _recompress_only(node)
    elif at_head and avail_prev and not after:
        # full, but the previous node has room at its tail
        new_node = node.prev
        _decompress_for_use(new_node)
        new_node.entry = _lp_ok(lp_append(new_node.entry, s, <uint32_t>sz))
        new_node.count += 1
        _update_sz(new_node)
        _recompress_only(new_node)
        _recompress_only(node)
    elif (at_tail and after) or (at_head and not after):
        # full at an edge with no room next door: a node of its own
        new_node = _packed_node_with(s, sz)
        _insert_node(ql, node, new_node, after)
    else:
        # full in the middle: split, put it on the split side, merge around
        _decompress_for_use(node)
        new_node = _split_node(node, entry.offset, after)
        if after:
            new_node.entry = _lp_ok(lp_prepend(new_node.entry, s, <uint32_t>sz))
        else:
            new_node.entry = _lp_ok(lp_append(new_node.entry, s, <uint32_t>sz))
        new_node.count += 1
        _update_sz(new_node)
        _insert_node(ql, node, new_node, after)
        _merge_around(ql, node)
    ql.count += 1
    _reset_iter(it)


# -------------------------------------------------------------- lifecycle --

cdef void ql_set_options(quicklist* ql, int fill, int compress) noexcept nogil:
    if fill > QL_FILL_MAX:
        fill = QL_FILL_MAX
    elif fill < -5:
        fill = -5
    if compress > QL_COMPRESS_MAX:
        compress = QL_COMPRESS_MAX
    elif compress < 0:
        compress = 0
    ql.fill = fill
    ql.compress = <unsigned int>compress

cdef void ql_init(quicklist* ql, int fill, int compress) noexcept nogil:
    ql.head = NULL
    ql.tail = NULL
    ql.count = 0
    ql.len = 0
    ql_set_options(ql, fill, compress)

cdef void ql_clear(quicklist* ql) noexcept nogil:
    cdef qlNode* n = ql.head
    cdef qlNode* nxt
    while n != NULL:
        nxt = n.next
        free(n.entry)
        free(n)
        n = nxt
    ql.head = NULL
    ql.tail = NULL
    ql.count = 0
    ql.len = 0

cdef quicklist* quicklist_new(int fill, int compress) noexcept nogil:
    cdef quicklist* ql = <quicklist*>_xmalloc(sizeof(quicklist))
    ql_init(ql, fill, compress)
    return ql

cdef void quicklist_release(quicklist* ql) noexcept nogil:
    if ql != NULL:
        ql_clear(ql)
        free(ql)

cdef void ql_dup(quicklist* dst, quicklist* src) noexcept nogil:
    cdef qlNode* cur = src.head
    cdef qlNode* n
    cdef size_t nbytes
    dst.head = NULL
    dst.tail = NULL
    dst.count = 0
    dst.len = 0
    dst.fill = src.fill
    dst.compress = src.compress
    while cur != NULL:
        n = _node_new()
        if cur.encoding == QL_NODE_LZF:
            nbytes = LZF_HDR + (<size_t*>cur.entry)[0]
        else:
            nbytes = cur.sz
        n.entry = <unsigned char*>_xmalloc(nbytes)
        memcpy(n.entry, cur.entry, nbytes)
        n.count = cur.count
        n.sz = cur.sz
        n.encoding = cur.encoding
        n.container = cur.container
        dst.count += n.count
        _insert_node(dst, dst.tail, n, True)
        cur = cur.next

cdef int ql_set_packed_threshold(size_t sz) noexcept nogil:
    global _packed_threshold
    if sz > (<size_t>1 << 32) - (1 << 20):
        return 0
    if sz == 0:
        sz = 1 << 30
    _packed_threshold = sz
    return 1

cdef size_t ql_get_packed_threshold() noexcept nogil:
    return _packed_threshold


# ------------------------------------------------------------------- ends --

cdef int ql_push_head(quicklist* ql, const unsigned char* s, size_t sz) noexcept nogil:
    cdef qlNode* orig = ql.head
    cdef qlNode* head = ql.head
    if _is_large(sz):
        _insert_node(ql, head, _plain_node_with(s, sz), False)
        ql.count += 1
        return 1
    if _allow_insert(head, ql.fill, sz):
        head.entry = _lp_ok(lp_prepend(head.entry, s, <uint32_t>sz))
        head.count += 1
        _update_sz(head)
    else:
        _insert_node(ql, head, _packed_node_with(s, sz), False)
    ql.count += 1
    return orig != ql.head

cdef int ql_push_tail(quicklist* ql, const unsigned char* s, size_t sz) noexcept nogil:
    cdef qlNode* orig = ql.tail
    cdef qlNode* tail = ql.tail
    if _is_large(sz):
        _insert_node(ql, tail, _plain_node_with(s, sz), True)
        ql.count += 1
        return 1
    if _allow_insert(tail, ql.fill, sz):
        tail.entry = _lp_ok(lp_append(tail.entry, s, <uint32_t>sz))
        tail.count += 1
        _update_sz(tail)
    else:
        _insert_node(ql, tail, _packed_node_with(s, sz), True)
    ql.count += 1
    return orig != ql.tail

cdef int ql_push(quicklist* ql, const unsigned char* s, size_t sz, int where) noexcept nogil:
    if where == QL_HEAD:
        return ql_push_head(ql, s, sz)
    return ql_push_tail(ql, s, sz)

cdef void ql_append_listpack(quicklist* ql, unsigned char* lp) noexcept nogil:
    cdef qlNode* n = _node_new()
    n.entry = lp
    n.count = lp_length(lp)
    n.sz = lp_bytes(lp)
    _insert_node(ql, ql.tail, n, True)
    ql.count += n.count

cdef void ql_append_plain_node(quicklist* ql, unsigned char* data, size_t sz) noexcept nogil:
    cdef qlNode* n = _node_new()
    n.entry = data
    n.count = 1
    n.sz = sz
    n.container = QL_NODE_PLAIN
    _insert_node(ql, ql.tail, n, True)
    ql.count += 1

cdef inline void _entry_reset(qlEntry* e) noexcept nogil:
    e.ql = NULL
    e.node = NULL
    e.zi = NULL
    e.value = NULL
    e.longval = -123456789
    e.sz = 0
    e.offset = 123456789

cdef int ql_end_entry(quicklist* ql, int where, qlEntry* entry) noexcept nogil:
    cdef qlNode* node = ql.head if where == QL_HEAD else ql.tail
    cdef unsigned int slen = 0
    _entry_reset(entry)
    if node == NULL:
        return 0
    entry.ql = ql
    entry.node = node
    if _is_plain(node):
        entry.zi = node.entry
        entry.value = node.entry
        entry.sz = node.sz
        entry.offset = 0
        return 1
    if where == QL_HEAD:
        entry.zi = lp_first(node.entry)
        entry.offset = 0
    else:
        entry.zi = lp_last(node.entry)
        entry.offset = -1
    entry.value = lp_get_value(entry.zi, &slen, &entry.longval)
    entry.sz = slen
    return 1

cdef int ql_del_end(quicklist* ql, int where) noexcept nogil:
    cdef qlNode* node = ql.head if where == QL_HEAD else ql.tail
    cdef unsigned char* p
    if node == NULL:
        return 0
    if _is_plain(node):
        _del_node(ql, node)
        return 1
    p = lp_first(node.entry) if where == QL_HEAD else lp_last(node.entry)
    _del_index(ql, node, &p)
    return 1

cdef int ql_pop(quicklist* ql, int where, unsigned char** data, size_t* sz,
                long long* sval) noexcept nogil:
    cdef qlEntry e
    if not ql_end_entry(ql, where, &e):
        return 0
    if e.value != NULL:
        data[0] = <unsigned char*>_xmalloc(e.sz)
        memcpy(data[0], e.value, e.sz)
        sz[0] = e.sz
    else:
        data[0] = NULL
        sz[0] = 0
        sval[0] = e.longval
    ql_del_end(ql, where)
    return 1


# -------------------------------------------------------------- iteration --

cdef void ql_iter_init(qlIter* it, quicklist* ql, int direction) noexcept nogil:
    it.ql = ql
    it.direction = direction
    it.zi = NULL
    if direction == QL_START_HEAD:
        it.current = ql.head
        it.offset = 0
    else:
        it.current = ql.tail
        it.offset = -1

cdef int ql_iter_init_at_idx(qlIter* it, quicklist* ql, int direction, long long idx) noexcept nogil:
    cdef qlNode* n
    cdef unsigned long long accum = 0
    cdef unsigned long long index, seek_index
    cdef bint forward = idx >= 0
    cdef bint seek_forward
    index = <unsigned long long>idx if forward else <unsigned long long>(-(idx + 1))
    if index >= ql.count:
        return 0
    # walk from whichever end is nearer
    seek_forward = forward
    seek_index = index
    if index > (ql.count - 1) // 2:
        seek_forward = not forward
        seek_index = ql.count - 1 - index
    n = ql.head if seek_forward else ql.tail
    while n != NULL:
        if accum + n.count > seek_index:
            break
        accum += n.count
        n = n.next if seek_forward else n.prev
    if n == NULL:
        return 0
    # accum as if counted from the end idx refers to
    if seek_forward != forward:
        accum = ql.count - n.count - accum
    ql_iter_init(it, ql, direction)
    it.current = n
    if forward:
        it.offset = <long>(index - accum)
    else:
        it.offset = -<long>(index - accum) - 1
    return 1

cdef int ql_next(qlIter* it, qlEntry* entry) noexcept nogil:
    cdef bint plain
    cdef unsigned int slen
    while True:
        _entry_reset(entry)
        entry.ql = it.ql
        entry.node = it.current
        if it.current == NULL:
            return 0
        plain = _is_plain(it.current)
        if it.zi == NULL:
            _decompress_for_use(it.current)
            if plain:
                it.zi = it.current.entry
            else:
                it.zi = lp_seek(it.current.entry, it.offset)
        elif plain:
            it.zi = NULL
        elif it.direction == QL_START_HEAD:
            it.zi = lp_next(it.current.entry, it.zi)
            it.offset += 1
        else:
            it.zi = lp_prev(it.current.entry, it.zi)
            it.offset -= 1
        entry.zi = it.zi
        entry.offset = it.offset
        if it.zi != NULL:
            if plain:
                entry.value = it.current.entry
                entry.sz = it.current.sz
            else:
                slen = 0
                entry.value = lp_get_value(it.zi, &slen, &entry.longval)
                entry.sz = slen
            return 1
        # this node is done: on to the next one
        _compress(it.ql, it.current)
        if it.direction == QL_START_HEAD:
            it.current = it.current.next
            it.offset = 0
        else:
            it.current = it.current.prev
            it.offset = -1
        it.zi = NULL

cdef void ql_iter_release(qlIter* it) noexcept nogil:
    if it.current != NULL:
        _compress(it.ql, it.current)
    it.current = NULL
    it.zi = NULL

cdef void ql_iter_set_direction(qlIter* it, int direction) noexcept nogil:
    it.direction = direction

cdef int ql_index(quicklist* ql, long long idx, qlIter* it, qlEntry* entry) noexcept nogil:
    if not ql_iter_init_at_idx(it, ql, QL_START_TAIL, idx):
        return 0
    if not ql_next(it, entry):
        ql_iter_release(it)
        return 0
    return 1

cdef int ql_compare(qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil:
    if _is_plain(entry.node):
        return entry.sz == sz and memcmp(entry.value, s, sz) == 0
    if sz > UINT32_MAX:
        return 0
    return lp_compare(entry.zi, s, <uint32_t>sz)


# ---------------------------------------------------------------- changes --

cdef void ql_del_entry(qlIter* it, qlEntry* entry) noexcept nogil:
    cdef qlNode* prev = entry.node.prev
    cdef qlNode* nxt = entry.node.next
    cdef int deleted = _del_index(entry.ql, entry.node, &entry.zi)
    # the next ql_next seeks it.offset again: after a delete inside the node
    # the following element has moved into that position
    it.zi = NULL
    if deleted:
        if it.direction == QL_START_HEAD:
            it.current = nxt
            it.offset = 0
        else:
            it.current = prev
            it.offset = -1

cdef void ql_insert_before(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil:
    _insert(it, entry, s, sz, False)

cdef void ql_insert_after(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil:
    _insert(it, entry, s, sz, True)

cdef void ql_replace_entry(qlIter* it, qlEntry* entry, const unsigned char* s, size_t sz) noexcept nogil:
    cdef quicklist* ql = it.ql
    cdef qlNode* node = entry.node
    cdef unsigned char* p
    if not _is_plain(node) and not _is_large(sz):
        node.entry = _lp_ok(lp_replace(node.entry, &entry.zi, s, <uint32_t>sz))
        _update_sz(node)
        _compress(ql, node)
    elif _is_plain(node):
        if _is_large(sz):
            free(node.entry)
            node.entry = <unsigned char*>_xmalloc(sz)
            memcpy(node.entry, s, sz)
            node.sz = sz
            _compress(ql, node)
        else:
            # a small value replaces a plain node: insert it packed, drop the node
            ql_insert_after(it, entry, s, sz)
            _del_node(ql, node)
    else:
        # a large value inside a packed node: insert it (splitting the node
        # after the entry), then delete the entry, now node's last element
        node.bits |= QL_DONT_COMPRESS
        ql_insert_after(it, entry, s, sz)
        if node.count == 1:
            _del_node(ql, node)
        else:
            p = lp_seek(node.entry, -1)
            _del_index(ql, node, &p)
            node.bits &= ~QL_DONT_COMPRESS
            _compress(ql, node)
            if node.next != NULL:
                _compress(ql, node.next)
    _reset_iter(it)

cdef int ql_replace_at_index(quicklist* ql, long long idx, const unsigned char* s, size_t sz) noexcept nogil:
    cdef qlIter it
    cdef qlEntry e
    if not ql_index(ql, idx, &it, &e):
        return 0
    ql_replace_entry(&it, &e, s, sz)
    ql_iter_release(&it)
    return 1

cdef int ql_del_range(quicklist* ql, long start, long count) noexcept nogil:
    cdef unsigned long extent, dele
    cdef qlIter it
    cdef qlNode* node
    cdef qlNode* nxt
    cdef long offset
    cdef bint whole
    if count <= 0:
        return 0
    extent = <unsigned long>count
    if start >= 0 and extent > ql.count - <unsigned long>start:
        extent = ql.count - <unsigned long>start
    elif start < 0 and extent > <unsigned long>(-start):
        extent = <unsigned long>(-start)
    if not ql_iter_init_at_idx(&it, ql, QL_START_TAIL, start):
        return 0
    node = it.current
    offset = it.offset
    ql_iter_release(&it)
    while extent:
        nxt = node.next
        whole = False
        if offset == 0 and extent >= node.count:
            whole = True
            dele = node.count
        elif offset >= 0 and extent + <unsigned long>offset >= node.count:
            dele = node.count - <unsigned long>offset
        elif offset < 0:
            # first node, range runs to the end of it
            dele = <unsigned long>(-offset)
            if dele > extent:
                dele = extent
        else:
            dele = extent
        if whole or _is_plain(node):
            _del_node(ql, node)
        else:
            _decompress_for_use(node)
            node.entry = lp_delete_range(node.entry, offset, dele)
            _update_sz(node)
            node.count -= <uint32_t>dele
            ql.count -= dele
            if node.count == 0:
                _del_node(ql, node)
            else:
                _recompress_only(node)
        extent -= dele
        node = nxt
        offset = 0
    return 1


# ------------------------------------------------------------- inspection --

cdef size_t ql_uncompressed_size(quicklist* ql) noexcept nogil:
    cdef size_t total = 0
    cdef qlNode* n = ql.head
    while n != NULL:
        total += n.sz
        n = n.next
    return total

cdef size_t ql_node_lzf(qlNode* node, unsigned char** data) noexcept nogil:
    data[0] = node.entry + LZF_HDR
    return (<size_t*>node.entry)[0]

cdef size_t ql_node_alloc_size(qlNode* node) noexcept nogil:
    return malloc_usable_size(node) + malloc_usable_size(node.entry)

cdef int _fail(char* errbuf, size_t errlen, const char* msg, long a, long b) noexcept nogil:
    if errbuf != NULL and errlen:
        snprintf(errbuf, errlen, msg, a, b)
    return 0

cdef int ql_verify(quicklist* ql, char* errbuf, size_t errlen) noexcept nogil:
    cdef qlNode* n = ql.head
    cdef qlNode* prev = NULL
    cdef unsigned long nodes = 0, elems = 0, at
    cdef unsigned long low_raw, high_raw
    cdef unsigned char* raw
    cdef unsigned char* blk
    cdef size_t clen
    cdef bint ok
    if ql.fill < -5 or ql.fill > QL_FILL_MAX:
        return _fail(errbuf, errlen, b"fill %ld out of range%.0ld", ql.fill, 0)
    if (ql.head == NULL) != (ql.tail == NULL) or (ql.head != NULL and ql.head.prev != NULL):
        return _fail(errbuf, errlen, b"bad head/tail links%.0ld%.0ld", 0, 0)
    while n != NULL:
        if n.prev != prev:
            return _fail(errbuf, errlen, b"node %ld: prev link broken%.0ld", nodes, 0)
        if n.count == 0:
            return _fail(errbuf, errlen, b"node %ld is empty%.0ld", nodes, 0)
        if n.container == QL_NODE_PLAIN:
            if n.count != 1:
                return _fail(errbuf, errlen, b"plain node %ld holds %ld elements", nodes, n.count)
        elif n.container != QL_NODE_PACKED:
            return _fail(errbuf, errlen, b"node %ld: container %ld", nodes, n.container)
        if n.encoding == QL_NODE_LZF:
            if n == ql.head or n == ql.tail:
                return _fail(errbuf, errlen, b"end node %ld is compressed%.0ld", nodes, 0)
            blk = n.entry
            clen = (<size_t*>blk)[0]
            if clen + MIN_COMPRESS_IMPROVE >= n.sz:
                return _fail(errbuf, errlen, b"node %ld: compressed size %ld too big", nodes, clen)
            raw = <unsigned char*>_xmalloc(n.sz)
            ok = lzf_decompress(blk + LZF_HDR, <unsigned int>clen, raw, <unsigned int>n.sz) == n.sz
            if ok and n.container == QL_NODE_PACKED:
                ok = lp_validate_integrity(raw, n.sz, 1) and lp_length(raw) == n.count
            free(raw)
            if not ok:
                return _fail(errbuf, errlen, b"node %ld: bad compressed listpack%.0ld", nodes, 0)
        elif n.encoding == QL_NODE_RAW:
            if n.container == QL_NODE_PACKED:
                if lp_bytes(n.entry) != n.sz:
                    return _fail(errbuf, errlen, b"node %ld: sz %ld != listpack bytes", nodes, n.sz)
                if not lp_validate_integrity(n.entry, n.sz, 1):
                    return _fail(errbuf, errlen, b"node %ld: corrupt listpack%.0ld", nodes, 0)
                if lp_length(n.entry) != n.count:
                    return _fail(errbuf, errlen, b"node %ld: count %ld != listpack length", nodes, n.count)
        else:
            return _fail(errbuf, errlen, b"node %ld: encoding %ld", nodes, n.encoding)
        elems += n.count
        nodes += 1
        prev = n
        n = n.next
    if prev != ql.tail:
        return _fail(errbuf, errlen, b"tail is not the last node%.0ld%.0ld", 0, 0)
    if nodes != ql.len:
        return _fail(errbuf, errlen, b"len %ld but %ld nodes", ql.len, nodes)
    if elems != ql.count:
        return _fail(errbuf, errlen, b"count %ld but %ld elements", ql.count, elems)
    if ql.head != NULL and (ql.head.recompress or ql.tail.recompress):
        return _fail(errbuf, errlen, b"end node marked for recompression%.0ld%.0ld", 0, 0)
    if ql.compress:
        # within the depth: raw; beyond: compressed, or tried and refused
        low_raw = ql.compress
        high_raw = ql.len - ql.compress if ql.len > ql.compress else 0
        n = ql.head
        at = 0
        while n != NULL:
            if at < low_raw or at >= high_raw:
                if n.encoding != QL_NODE_RAW:
                    return _fail(errbuf, errlen, b"node %ld compressed within depth %ld", at, ql.compress)
            elif n.encoding != QL_NODE_LZF and not (n.bits & QL_ATTEMPTED):
                return _fail(errbuf, errlen, b"node %ld left uncompressed at depth %ld", at, ql.compress)
            at += 1
            n = n.next
    return 1


# ------------------------------------------------------------- Python side --
# The packed threshold, for DEBUG QUICKLIST-PACKED-THRESHOLD (cmd_server.py).
# The tests' Python wrapper of the list itself is tests/native/quicklist.pyx.

def py_set_packed_threshold(size_t sz):
    return ql_set_packed_threshold(sz) == 1


def py_get_packed_threshold():
    return ql_get_packed_threshold()
