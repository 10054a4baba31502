# cython: language_level=3, cdivision=True, boundscheck=False, wraparound=False
# Radix tree (see rax.pxd for the model and the contracts). Plain C over the
# counted allocator, so used_memory sees the nodes. The tests' Python wrapper
# is tests/native/rax.pyx.
from libc.stdint cimport uint32_t
from libc.string cimport memcmp, memcpy
from rkvd._core.lib.mem cimport malloc, realloc, free     # counted (used_memory)


# ------------------------------------------------------------------ nodes --

cdef inline raxNode* _node_new(const unsigned char* label, size_t plen) noexcept nogil:
    cdef raxNode* n = <raxNode*>malloc(sizeof(raxNode) + plen)
    if n == NULL:
        return NULL
    n.data = NULL
    n.ch = NULL
    n.plen = <uint32_t>plen
    n.nch = 0
    n.iskey = 0
    n._pad = 0
    if plen:
        memcpy(n.label, label, plen)
    return n

# Index of the child whose label starts with byte b, or -(insertion point)-1.
cdef inline int _child_index(raxNode* n, unsigned char b) noexcept nogil:
    cdef int lo = 0, hi = n.nch - 1, mid
    cdef unsigned char x
    while lo <= hi:
        mid = (lo + hi) >> 1
        x = n.ch[mid].label[0]
        if x == b:
            return mid
        if x < b:
            lo = mid + 1
        else:
            hi = mid - 1
    return -lo - 1

# Insert child c at index pos of n's children; -1 on OOM.
cdef int _child_insert(raxNode* n, int pos, raxNode* c) noexcept nogil:
    cdef raxNode** grown = <raxNode**>realloc(n.ch, (n.nch + 1) * sizeof(raxNode*))
    cdef int i
    if grown == NULL:
        return -1
    n.ch = grown
    i = n.nch
    while i > pos:
        n.ch[i] = n.ch[i - 1]
        i -= 1
    n.ch[pos] = c
    n.nch += 1
    return 0

cdef void _child_delete(raxNode* n, int pos) noexcept nogil:
    cdef int i
    for i in range(pos, n.nch - 1):
        n.ch[i] = n.ch[i + 1]
    n.nch -= 1
    if n.nch == 0:
        free(n.ch)
        n.ch = NULL

cdef void _free_subtree(rax* r, raxNode* n, rax_free_fn cb) noexcept nogil:
    cdef int i
    for i in range(n.nch):
        _free_subtree(r, n.ch[i], cb)
    if n.iskey and cb != NULL:
        cb(n.data)
    free(n.ch)
    free(n)


# ------------------------------------------------------------------- tree --

cdef rax* rax_new() noexcept nogil:
    cdef rax* r = <rax*>malloc(sizeof(rax))
    if r == NULL:
        return NULL
    r.head = _node_new(NULL, 0)
    if r.head == NULL:
        free(r)
        return NULL
    r.numele = 0
    r.numnodes = 1
    return r

cdef void rax_free(rax* r, rax_free_fn free_cb) noexcept nogil:
    if r == NULL:
        return
    _free_subtree(r, r.head, free_cb)
    free(r)

cdef int _insert(rax* r, const unsigned char* s, size_t n, void* data, void** old,
                 bint overwrite) noexcept nogil:
    cdef raxNode* node = r.head
    cdef raxNode* c
    cdef raxNode* mid
    cdef raxNode* rest
    cdef raxNode* leaf
    cdef size_t pos = 0, m, lim
    cdef int i
    while True:
        if pos == n:
            if node.iskey:
                if old != NULL:
                    old[0] = node.data
                if overwrite:
                    node.data = data
                return 0
            node.iskey = 1
            node.data = data
            r.numele += 1
            return 1
        i = _child_index(node, s[pos])
        if i < 0:
            leaf = _node_new(s + pos, n - pos)
            if leaf == NULL:
                return -1
            if _child_insert(node, -i - 1, leaf) < 0:
                free(leaf)
                return -1
            leaf.iskey = 1
            leaf.data = data
            r.numele += 1
            r.numnodes += 1
            return 1
        c = node.ch[i]
        lim = c.plen if c.plen < n - pos else n - pos
        m = 1
        while m < lim and c.label[m] == s[pos + m]:
            m += 1
        if m == c.plen:
            node = c
            pos += m
            continue
        # split c's label after m bytes: mid takes the shared part
        mid = _node_new(c.label, m)
        if mid == NULL:
            return -1
        rest = _node_new(c.label + m, c.plen - m)
        if rest == NULL:
            free(mid)
            return -1
        leaf = NULL
        if pos + m < n:
            leaf = _node_new(s + pos + m, n - pos - m)
            if leaf == NULL:
                free(mid)
                free(rest)
                return -1
            mid.ch = <raxNode**>malloc(2 * sizeof(raxNode*))
            if mid.ch == NULL:
                free(mid)
                free(rest)
                free(leaf)
                return -1
            mid.nch = 2
            if leaf.label[0] < rest.label[0]:
                mid.ch[0] = leaf
                mid.ch[1] = rest
            else:
                mid.ch[0] = rest
                mid.ch[1] = leaf
            leaf.iskey = 1
            leaf.data = data
            r.numnodes += 2
        else:
            mid.ch = <raxNode**>malloc(sizeof(raxNode*))
            if mid.ch == NULL:
                free(mid)
                free(rest)
                return -1
            mid.nch = 1
            mid.ch[0] = rest
            mid.iskey = 1
            mid.data = data
            r.numnodes += 1
        rest.ch = c.ch
        rest.nch = c.nch
        rest.iskey = c.iskey
        rest.data = c.data
        free(c)
        node.ch[i] = mid
        r.numele += 1
        return 1

cdef int rax_insert(rax* r, const unsigned char* s, size_t n, void* data, void** old) noexcept nogil:
    return _insert(r, s, n, data, old, True)

cdef int rax_try_insert(rax* r, const unsigned char* s, size_t n, void* data, void** old) noexcept nogil:
    return _insert(r, s, n, data, old, False)

# The node whose path is exactly s, or NULL; *parent and *idx locate it.
cdef raxNode* _lookup(rax* r, const unsigned char* s, size_t n, raxNode** parent, int* idx,
                      raxNode** grandparent, int* pidx) noexcept nogil:
    cdef raxNode* node = r.head
    cdef raxNode* c
    cdef size_t pos = 0
    cdef int i
    parent[0] = NULL
    grandparent[0] = NULL
    idx[0] = -1
    pidx[0] = -1
    while pos < n:
        i = _child_index(node, s[pos])
        if i < 0:
            return NULL
        c = node.ch[i]
        if c.plen > n - pos or memcmp(c.label, s + pos, c.plen) != 0:
            return NULL
        grandparent[0] = parent[0]
        pidx[0] = idx[0]
        parent[0] = node
        idx[0] = i
        node = c
        pos += c.plen
    return node

cdef int rax_find(rax* r, const unsigned char* s, size_t n, void** data) noexcept nogil:
    cdef raxNode* p
    cdef raxNode* g
    cdef int i, j
    cdef raxNode* node = _lookup(r, s, n, &p, &i, &g, &j)
    if node == NULL or not node.iskey:
        return 0
    if data != NULL:
        data[0] = node.data
    return 1

# Merge node p (not the root, not a key, one child) with its child; parent
# holds p at index idx. On OOM the tree stays valid, only less compact.
cdef void _merge_down(rax* r, raxNode* parent, int idx) noexcept nogil:
    cdef raxNode* p = parent.ch[idx]
    cdef raxNode* c = p.ch[0]
    cdef raxNode* m = <raxNode*>malloc(sizeof(raxNode) + p.plen + c.plen)
    if m == NULL:
        return
    memcpy(m.label, p.label, p.plen)
    memcpy(m.label + p.plen, c.label, c.plen)
    m.plen = p.plen + c.plen
    m.ch = c.ch
    m.nch = c.nch
    m.iskey = c.iskey
    m.data = c.data
    m._pad = 0
    free(p.ch)
    free(p)
    free(c)
    parent.ch[idx] = m
    r.numnodes -= 1

cdef int rax_remove(rax* r, const unsigned char* s, size_t n, void** old) noexcept nogil:
    cdef raxNode* parent
    cdef raxNode* gp
    cdef int idx, pidx
    cdef raxNode* node = _lookup(r, s, n, &parent, &idx, &gp, &pidx)
    if node == NULL or not node.iskey:
        return 0
    if old != NULL:
        old[0] = node.data
    node.iskey = 0
    node.data = NULL
    r.numele -= 1
    if parent == NULL:
        return 1       # the root stays whatever its children
    if node.nch == 0:
        _child_delete(parent, idx)
        free(node)
        r.numnodes -= 1
        if gp != NULL and not parent.iskey and parent.nch == 1:
            _merge_down(r, gp, pidx)
    elif node.nch == 1:
        _merge_down(r, parent, idx)
    return 1


# -------------------------------------------------------------- iterators --

cdef void rax_start(raxIterator* it, rax* r) noexcept nogil:
    it.rt = r
    it.key = it.inline_buf
    it.key_len = 0
    it.key_cap = RAX_ITER_INLINE
    it.data = NULL
    it.flags = RAX_ITER_EOF

cdef void rax_stop(raxIterator* it) noexcept nogil:
    if it.key != it.inline_buf:
        free(it.key)
    it.key = it.inline_buf
    it.key_cap = RAX_ITER_INLINE

cdef int _push(raxIterator* it, const unsigned char* s, size_t n) noexcept nogil:
    cdef size_t cap
    cdef unsigned char* grown
    if it.key_len + n > it.key_cap:
        cap = it.key_cap * 2
        while cap < it.key_len + n:
            cap *= 2
        if it.key == it.inline_buf:
            grown = <unsigned char*>malloc(cap)
            if grown != NULL:
                memcpy(grown, it.key, it.key_len)
        else:
            grown = <unsigned char*>realloc(it.key, cap)
        if grown == NULL:
            return -1
        it.key = grown
        it.key_cap = cap
    memcpy(it.key + it.key_len, s, n)
    it.key_len += n
    return 0

# Descent helpers: the node's path is already in it.key. NULL on OOM.
cdef raxNode* _min_from(raxIterator* it, raxNode* n) noexcept nogil:
    while not n.iskey:
        if n.nch == 0:
            return NULL
        n = n.ch[0]
        if _push(it, n.label, n.plen) < 0:
            return NULL
    return n

cdef raxNode* _max_from(raxIterator* it, raxNode* n) noexcept nogil:
    while n.nch:
        n = n.ch[n.nch - 1]
        if _push(it, n.label, n.plen) < 0:
            return NULL
    return n if n.iskey else NULL

# Smallest key >= s (> s when strict) below node, whose path is s[:pos].
cdef raxNode* _lower(raxIterator* it, raxNode* node, const unsigned char* s, size_t n,
                     size_t pos, bint strict) noexcept nogil:
    cdef int i
    cdef raxNode* c
    cdef raxNode* found
    cdef size_t saved, m
    cdef int cmp
    if pos == n:
        if node.iskey and not strict:
            return node
        if node.nch == 0:
            return NULL
        if _push(it, node.ch[0].label, node.ch[0].plen) < 0:
            return NULL
        return _min_from(it, node.ch[0])
    i = _child_index(node, s[pos])
    if i < 0:
        i = -i - 1
    while i < node.nch:
        c = node.ch[i]
        saved = it.key_len
        if _push(it, c.label, c.plen) < 0:
            return NULL
        if c.label[0] != s[pos]:
            return _min_from(it, c)
        m = c.plen if c.plen < n - pos else n - pos
        cmp = memcmp(c.label, s + pos, m)
        if cmp > 0:
            return _min_from(it, c)
        if cmp == 0:
            if c.plen <= n - pos:
                found = _lower(it, c, s, n, pos + c.plen, strict)
                if found != NULL:
                    return found
            else:
                return _min_from(it, c)    # s ends inside c's label
        it.key_len = saved
        i += 1
    return NULL

# Largest key <= s (< s when strict) below node, whose path is s[:pos].
cdef raxNode* _upper(raxIterator* it, raxNode* node, const unsigned char* s, size_t n,
                     size_t pos, bint strict) noexcept nogil:
    cdef int i
    cdef raxNode* c
    cdef raxNode* found
    cdef size_t saved, m
    cdef int cmp
    if pos == n:
        return node if node.iskey and not strict else NULL
    i = _child_index(node, s[pos])
    if i < 0:
        i = -i - 2
    while i >= 0:
        c = node.ch[i]
        saved = it.key_len
        if _push(it, c.label, c.plen) < 0:
            return NULL
        if c.label[0] != s[pos]:
            return _max_from(it, c)
        m = c.plen if c.plen < n - pos else n - pos
        cmp = memcmp(c.label, s + pos, m)
        if cmp < 0:
            return _max_from(it, c)
        if cmp == 0 and c.plen <= n - pos:
            found = _upper(it, c, s, n, pos + c.plen, strict)
            if found != NULL:
                return found
        it.key_len = saved
        i -= 1
    # node's path is a proper prefix of s, so it sorts before s
    return node if node.iskey else NULL

cdef inline void _land(raxIterator* it, raxNode* found) noexcept nogil:
    if found == NULL:
        it.flags = RAX_ITER_EOF
        it.key_len = 0
        it.data = NULL
    else:
        it.flags = 0
        it.data = found.data

# Position the iterator by op on the key s; the key may alias it.key.
cdef int _seek(raxIterator* it, int op, const unsigned char* s, size_t n) noexcept nogil:
    cdef unsigned char tmp[RAX_ITER_INLINE]
    cdef unsigned char* copy = tmp
    cdef raxNode* found = NULL
    cdef raxNode* head = it.rt.head
    tmp[0] = 0
    if op >= 2 and n:            # ops that read s: copy it out of it.key
        if n > RAX_ITER_INLINE:
            copy = <unsigned char*>malloc(n)
            if copy == NULL:
                return -1
        memcpy(copy, s, n)
    it.key_len = 0
    if op == 0:                  # first
        found = _min_from(it, head)
    elif op == 1:                # last
        found = _max_from(it, head)
    elif op == 2:
        found = _lower(it, head, copy, n, 0, False)
    elif op == 3:
        found = _lower(it, head, copy, n, 0, True)
    elif op == 4:
        found = _upper(it, head, copy, n, 0, False)
    elif op == 5:
        found = _upper(it, head, copy, n, 0, True)
    elif op == 6:
        found = _lower(it, head, copy, n, 0, False)
        if found != NULL and (it.key_len != n or memcmp(it.key, copy, n) != 0):
            found = NULL
    if copy != tmp:
        free(copy)
    _land(it, found)
    return 1

cdef int rax_seek(raxIterator* it, const char* op, const unsigned char* s, size_t n) noexcept nogil:
    cdef int code
    if op[0] == b'^' and op[1] == 0:
        code = 0
    elif op[0] == b'$' and op[1] == 0:
        code = 1
    elif op[0] == b'>':
        code = 2 if op[1] == b'=' else 3
    elif op[0] == b'<':
        code = 4 if op[1] == b'=' else 5
    elif op[0] == b'=' and op[1] == 0:
        code = 6
    else:
        return 0
    if (code == 3 or code == 5) and op[1] != 0:
        return 0
    if (code == 2 or code == 4) and op[2] != 0:
        return 0
    if _seek(it, code, s, n) < 0:
        it.flags = RAX_ITER_EOF
        return -1
    it.flags |= RAX_ITER_JUST_SEEKED
    return 1

cdef inline int _step(raxIterator* it, int op) noexcept nogil:
    if it.flags & RAX_ITER_EOF:
        return 0
    if it.flags & RAX_ITER_JUST_SEEKED:
        it.flags &= ~RAX_ITER_JUST_SEEKED
        return 1
    if _seek(it, op, it.key, it.key_len) < 0:
        it.flags = RAX_ITER_EOF
        return 0
    return 0 if it.flags & RAX_ITER_EOF else 1

cdef int rax_next(raxIterator* it) noexcept nogil:
    return _step(it, 3)

cdef int rax_prev(raxIterator* it) noexcept nogil:
    return _step(it, 5)


# ------------------------------------------------------------ redis model --

cdef uint64_t _redis_nodes(raxNode* n) noexcept nogil:
    cdef uint64_t count = 1
    cdef int i
    for i in range(n.nch):
        if n.nch > 1 and n.ch[i].plen > 1:
            count += 1
        count += _redis_nodes(n.ch[i])
    return count

cdef uint64_t rax_redis_numnodes(rax* r) noexcept nogil:
    return _redis_nodes(r.head)
