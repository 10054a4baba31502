# List commands (Redis's t_list.c). A list value is a ListValue holding a
# quicklist (quicklist.pyx); Redis 7.0 has no other list encoding. An empty
# list never stays in the keyspace: the command that empties it deletes it.

from rkvd._core.lib.quicklist cimport (
    qlNode, qlIter, qlEntry, QL_HEAD, QL_TAIL, QL_START_HEAD, QL_START_TAIL,
    QL_NODE_LZF, ql_init, ql_clear, ql_dup, ql_push, ql_end_entry, ql_del_end,
    ql_iter_init_at_idx, ql_next, ql_iter_release, ql_index, ql_compare, ql_del_entry,
    ql_insert_before, ql_insert_after, ql_replace_at_index, ql_del_range, ql_uncompressed_size,
    ql_node_lzf,
)

cdef enum:
    LIST_HEAD = 0       # LEFT
    LIST_TAIL = 1       # RIGHT

# ------------------------------------------------------------------ list type API


@cython.final
cdef class ListValue:
    """A list value: a quicklist in the object itself (no Python fields, so
    the object is not tracked by the garbage collector)."""

    def __dealloc__(self):
        ql_clear(&self.ql)

    def encoding_name(self):
        return b"quicklist"

    def copy(self):
        cdef ListValue other = ListValue.__new__(ListValue)
        ql_dup(&other.ql, &self.ql)
        return other

    def __len__(self):
        return self.ql.count

    def __iter__(self):
        return iter(self.elements())

    def elements(self):
        """Every element as bytes, head to tail."""
        cdef qlIter it
        cdef qlEntry e
        out = []
        if not ql_iter_init_at_idx(&it, &self.ql, QL_START_HEAD, 0):
            return out
        while ql_next(&it, &e):
            out.append(_entry_bytes(&e))
        ql_iter_release(&it)
        return out

    def memory_usage(self, long long samples=5):
        """MEMORY USAGE's estimate, computed like objectComputeSize: the
        object and quicklist headers plus the average of the first `samples`
        nodes times the node count (allocation sizes in jemalloc classes, as
        redis-server reports them)."""
        cdef qlNode* n = self.ql.head
        cdef unsigned char* data
        cdef size_t elesize = 0, blk
        cdef long long seen = 0
        if samples <= 0:
            samples = 5
        while n != NULL:
            if n.encoding == QL_NODE_LZF:
                blk = 8 + ql_node_lzf(n, &data)
            else:
                blk = n.sz
            elesize += 40 + _jemalloc_size(blk)     # sizeof(quicklistNode) is 40
            seen += 1
            n = n.next
            if seen >= samples:
                break
        if seen == 0:
            return 16 + 40
        return <size_t>(<double>(16 + 40) + <double>elesize / seen * self.ql.len)

    def mem_usage(self):
        """Bytes malloc holds for the whole list (every node, exact)."""
        cdef qlNode* n = self.ql.head
        cdef size_t total = 0
        while n != NULL:
            total += malloc_usable_size(n) + malloc_usable_size(n.entry)
            n = n.next
        return total

    # DEBUG OBJECT's ql_* fields
    property ql_nodes:
        def __get__(self):
            return self.ql.len

    property ql_avg_node:
        def __get__(self):
            return <double>self.ql.count / self.ql.len if self.ql.len else 0.0

    property ql_listpack_max:
        def __get__(self):
            return self.ql.fill

    property ql_compressed:
        def __get__(self):
            return 1 if self.ql.compress != 0 else 0

    property ql_uncompressed_size:
        def __get__(self):
            return ql_uncompressed_size(&self.ql)


cdef extern from "<malloc.h>" nogil:
    size_t malloc_usable_size(void* p)

# The size class jemalloc serves a request of n bytes from (what zmalloc_size
# reports in redis-server): 8, 16, then multiples of 16 up to 128, then four
# classes per doubling.
cdef size_t _jemalloc_size(size_t n) noexcept:
    cdef size_t k, spacing
    if n <= 8:
        return 8
    if n <= 128:
        return (n + 15) & ~(<size_t>15)
    k = 0
    while (<size_t>1 << (k + 1)) < n:
        k += 1
    spacing = (<size_t>1) << (k - 2)
    return (n + spacing - 1) & ~(spacing - 1)

cdef bytes _entry_bytes(qlEntry* e):
    cdef char tmp[24]
    cdef int n
    if e.value != NULL:
        return PyBytes_FromStringAndSize(<char*>e.value, e.sz)
    n = ll2string(tmp, 24, e.longval)
    return PyBytes_FromStringAndSize(tmp, n)

# A new, empty list with the server's current settings.
cdef inline ListValue list_new(Engine eng):
    cdef ListValue lv = ListValue.__new__(ListValue)
    ql_init(&lv.ql, eng.list_max_listpack_size, eng.list_compress_depth)
    return lv

cdef inline int list_push(ListValue lv, const char* s, Py_ssize_t n, int where) except -1:
    ql_push(&lv.ql, <const unsigned char*>s, n, QL_HEAD if where == LIST_HEAD else QL_TAIL)
    return 0

cdef inline int add_entry_reply(Client c, qlEntry* e) except -1:
    if e.value != NULL:
        return c.add_bulk(<char*>e.value, e.sz)
    return c.add_bulk_ll(e.longval)

# Keyspace event for a key given by pointer (notify() in t_string.pyx takes
# an argv index).
cdef inline int list_notify(Client c, Database db, int typ, const char* event,
                            const char* key, Py_ssize_t klen) except -1:
    if c.engine.notify_flags & typ:
        c.engine.notify_keyspace_event(typ, event, PyBytes_FromStringAndSize(key, klen), db.id)
    return 0

cdef inline int add_arity_error(Client c) except -1:
    cdef Command cmd = c.cur_cmd
    return c.add_error_str(f"wrong number of arguments for '{cmd.name}' command")

# "left"/"right" -> LIST_HEAD/LIST_TAIL; replies a syntax error if neither.
cdef int arg_list_position(Client c, int i, int* where) except -1:
    if c.arg_is(i, b"right"):
        where[0] = LIST_TAIL
    elif c.arg_is(i, b"left"):
        where[0] = LIST_HEAD
    else:
        c.add_syntax_error()
        return 0
    return 1

# Reply with elements [start, end] (negative: from the end; clipped), as an
# array, tail to head when reverse.
cdef int add_list_range(Client c, ListValue lv, long long start, long long end, bint reverse) except -1:
    cdef long long llen = lv.ql.count
    cdef long long rangelen
    cdef qlIter it
    cdef qlEntry e
    if start < 0:
        start += llen
    if end < 0:
        end += llen
    if start < 0:
        start = 0
    if start > end or start >= llen:
        return c.add_canned(b"*0\r\n")
    if end >= llen:
        end = llen - 1
    rangelen = end - start + 1
    c.add_array_len(rangelen)
    if reverse:
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_TAIL, end)
    else:
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_HEAD, start)
    while rangelen > 0 and ql_next(&it, &e):
        add_entry_reply(c, &e)
        rangelen -= 1
    ql_iter_release(&it)
    return 0

# After elements were popped: events, delete the key if now empty, dirty.
cdef int list_elements_removed(Client c, Database db, const char* key, Py_ssize_t klen,
                               int where, ListValue lv, long long count) except -1:
    list_notify(c, db, NOTIFY_LIST, b"lpop" if where == LIST_HEAD else b"rpop", key, klen)
    if lv.ql.count == 0:
        db.delete_key(key, klen)
        list_notify(c, db, NOTIFY_GENERIC, b"del", key, klen)
    c.engine.dirty += count
    return 0

# Pop one element from where and reply it as a bulk string.
cdef int list_pop_reply(Client c, ListValue lv, int where) except -1:
    cdef qlEntry e
    cdef int qw = QL_HEAD if where == LIST_HEAD else QL_TAIL
    ql_end_entry(&lv.ql, qw, &e)
    add_entry_reply(c, &e)
    ql_del_end(&lv.ql, qw)
    return 0

# Reply up to count elements popped from where (an array) and remove them.
# Returns how many.
cdef long long list_pop_range_reply(Client c, ListValue lv, int where, long long count) except -1:
    cdef long long llen = lv.ql.count
    cdef long long rangelen = llen if count > llen else count
    if where == LIST_HEAD:
        add_list_range(c, lv, 0, rangelen - 1, False)
        ql_del_range(&lv.ql, 0, rangelen)
    else:
        add_list_range(c, lv, -rangelen, -1, True)
        ql_del_range(&lv.ql, -rangelen, rangelen)
    return rangelen

# LMPOP/BLMPOP's reply for one key: [key, [elements]].
cdef int list_pop_range_with_key(Client c, Database db, const char* key, Py_ssize_t klen,
                                 ListValue lv, int where, long long count) except -1:
    cdef long long n
    c.add_array_len(2)
    c.add_bulk(key, klen)
    n = list_pop_range_reply(c, lv, where, count)
    return list_elements_removed(c, db, key, klen, where, lv, n)

# The list at key for a command that writes it: NULL if missing; replies
# WRONGTYPE and sets *wrong for another type.
cdef inline ListValue lookup_list_write(Client c, const char* key, Py_ssize_t klen, bint* wrong):
    cdef dictEntry* e = c.db.lookup_write(key, klen)
    wrong[0] = False
    if e == NULL:
        return None
    if entry_type(e) != OBJ_LIST:
        c.add_wrongtype()
        wrong[0] = True
        return None
    return <ListValue>e.v.obj

cdef inline ListValue lookup_list_read(Client c, const char* key, Py_ssize_t klen, bint* wrong):
    cdef dictEntry* e = c.db.lookup_read(key, klen)
    wrong[0] = False
    if e == NULL:
        return None
    if entry_type(e) != OBJ_LIST:
        c.add_wrongtype()
        wrong[0] = True
        return None
    return <ListValue>e.v.obj

# ------------------------------------------------------------------ push

# LPUSH/RPUSH/LPUSHX/RPUSHX. xx: only if the key exists.
cdef int push_generic(Client c, int where, bint xx) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef ListValue lv
    cdef int j
    cdef int qw = QL_HEAD if where == LIST_HEAD else QL_TAIL
    if e != NULL:
        if entry_type(e) != OBJ_LIST:
            return c.add_wrongtype()
        lv = <ListValue>e.v.obj
    else:
        if xx:
            return c.add_canned(b":0\r\n")
        lv = list_new(c.engine)
        # a new list key wakes clients blocked on it (set_obj signals)
        db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_LIST, lv, False)
    for j in range(2, c.argc):
        ql_push(&lv.ql, <const unsigned char*>c.argv[j].ptr, c.argv[j].len, qw)
    c.engine.dirty += c.argc - 2
    c.add_int(lv.ql.count)
    notify(c, NOTIFY_LIST, b"lpush" if where == LIST_HEAD else b"rpush", 1)
    return 0

cdef int cmd_lpush(Client c) except -1:
    return push_generic(c, LIST_HEAD, False)

cdef int cmd_rpush(Client c) except -1:
    return push_generic(c, LIST_TAIL, False)

cdef int cmd_lpushx(Client c) except -1:
    return push_generic(c, LIST_HEAD, True)

cdef int cmd_rpushx(Client c) except -1:
    return push_generic(c, LIST_TAIL, True)

# LINSERT key BEFORE|AFTER pivot element
cdef int cmd_linsert(Client c) except -1:
    cdef bint after, wrong, inserted = False
    cdef ListValue lv
    cdef qlIter it
    cdef qlEntry e
    if c.arg_is(2, b"after"):
        after = True
    elif c.arg_is(2, b"before"):
        after = False
    else:
        return c.add_syntax_error()
    lv = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_canned(b":0\r\n")
    ql_iter_init_at_idx(&it, &lv.ql, QL_START_HEAD, 0)
    while ql_next(&it, &e):
        if ql_compare(&e, <const unsigned char*>c.argv[3].ptr, c.argv[3].len):
            if after:
                ql_insert_after(&it, &e, <const unsigned char*>c.argv[4].ptr, c.argv[4].len)
            else:
                ql_insert_before(&it, &e, <const unsigned char*>c.argv[4].ptr, c.argv[4].len)
            inserted = True
            break
    ql_iter_release(&it)
    if not inserted:
        return c.add_int(-1)
    notify(c, NOTIFY_LIST, b"linsert", 1)
    c.engine.dirty += 1
    return c.add_int(lv.ql.count)

# ------------------------------------------------------------------ read

cdef int cmd_llen(Client c) except -1:
    cdef bint wrong
    cdef ListValue lv = lookup_list_read(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_canned(b":0\r\n")
    return c.add_int(lv.ql.count)

cdef int cmd_lindex(Client c) except -1:
    cdef bint wrong
    cdef long long index
    cdef qlIter it
    cdef qlEntry e
    cdef ListValue lv = lookup_list_read(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_null()
    if not c.arg_ll(2, &index):
        return 0
    if ql_index(&lv.ql, index, &it, &e):
        add_entry_reply(c, &e)
        ql_iter_release(&it)
        return 0
    return c.add_null()

cdef int cmd_lrange(Client c) except -1:
    cdef long long start = 0, end = 0
    cdef bint wrong
    cdef ListValue lv
    if not c.arg_ll(2, &start) or not c.arg_ll(3, &end):
        return 0
    lv = lookup_list_read(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_canned(b"*0\r\n")
    return add_list_range(c, lv, start, end, False)

# LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
cdef int cmd_lpos(Client c) except -1:
    cdef long long rank = 1, count = -1, maxlen = 0
    cdef int j, direction = LIST_TAIL
    cdef bint moreargs, wrong
    cdef ListValue lv
    cdef qlIter it
    cdef qlEntry e
    cdef Py_ssize_t lenpos = -1
    cdef long long llen, index = 0, matches = 0, matchindex = -1, arraylen = 0
    j = 3
    while j < c.argc:
        moreargs = (c.argc - 1 - j) > 0
        if c.arg_is(j, b"rank") and moreargs:
            j += 1
            if not c.arg_ll(j, &rank):
                return 0
            if rank == 0:
                return c.add_error_bytes(b"RANK can't be zero: use 1 to start from the first match, "
                                         b"2 from the second ... or use negative to start from the "
                                         b"end of the list")
        elif c.arg_is(j, b"count") and moreargs:
            j += 1
            if not c.arg_range(j, 0, LLONG_MAX, &count, b"COUNT can't be negative"):
                return 0
        elif c.arg_is(j, b"maxlen") and moreargs:
            j += 1
            if not c.arg_range(j, 0, LLONG_MAX, &maxlen, b"MAXLEN can't be negative"):
                return 0
        else:
            return c.add_syntax_error()
        j += 1
    if rank < 0:
        # negating LLONG_MIN wraps to itself in Redis; keep that result
        if rank != LLONG_MIN:
            rank = -rank
        direction = LIST_HEAD
    lv = lookup_list_read(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        if count != -1:
            return c.add_canned(b"*0\r\n")
        return c.add_null()
    if count != -1:
        lenpos = c.add_deferred()
    llen = lv.ql.count
    if direction == LIST_HEAD:
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_TAIL, -1)
    else:
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_HEAD, 0)
    while ql_next(&it, &e) and (maxlen == 0 or index < maxlen):
        if ql_compare(&e, <const unsigned char*>c.argv[2].ptr, c.argv[2].len):
            matches += 1
            matchindex = index if direction == LIST_TAIL else llen - index - 1
            if matches >= rank:
                if lenpos >= 0:
                    arraylen += 1
                    c.add_int(matchindex)
                    if count and matches - rank + 1 >= count:
                        break
                else:
                    break
        index += 1
        matchindex = -1
    ql_iter_release(&it)
    if lenpos >= 0:
        return c.set_deferred_array(lenpos, arraylen)
    if matchindex != -1:
        return c.add_int(matchindex)
    return c.add_null()

# ------------------------------------------------------------------ write in place

cdef int cmd_lset(Client c) except -1:
    cdef bint wrong
    cdef long long index
    cdef ListValue lv = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_error_bytes(b"no such key")
    if not c.arg_ll(2, &index):
        return 0
    if not ql_replace_at_index(&lv.ql, index, <const unsigned char*>c.argv[3].ptr, c.argv[3].len):
        return c.add_error_bytes(b"index out of range")
    c.add_ok()
    notify(c, NOTIFY_LIST, b"lset", 1)
    c.engine.dirty += 1
    return 0

cdef int cmd_ltrim(Client c) except -1:
    cdef long long start = 0, end = 0, llen, ltrim, rtrim
    cdef bint wrong
    cdef ListValue lv
    if not c.arg_ll(2, &start) or not c.arg_ll(3, &end):
        return 0
    lv = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_ok()
    llen = lv.ql.count
    if start < 0:
        start += llen
    if end < 0:
        end += llen
    if start < 0:
        start = 0
    if start > end or start >= llen:
        ltrim = llen
        rtrim = 0
    else:
        if end >= llen:
            end = llen - 1
        ltrim = start
        rtrim = llen - end - 1
    ql_del_range(&lv.ql, 0, ltrim)
    ql_del_range(&lv.ql, -rtrim, rtrim)
    notify(c, NOTIFY_LIST, b"ltrim", 1)
    if lv.ql.count == 0:
        c.db.delete_key(c.argv[1].ptr, c.argv[1].len)
        notify(c, NOTIFY_GENERIC, b"del", 1)
    c.engine.dirty += ltrim + rtrim
    return c.add_ok()

cdef int cmd_lrem(Client c) except -1:
    cdef long long toremove, removed = 0
    cdef bint wrong
    cdef ListValue lv
    cdef qlIter it
    cdef qlEntry e
    if not c.arg_ll(2, &toremove):
        return 0
    lv = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_canned(b":0\r\n")
    if toremove < 0:
        toremove = -toremove
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_TAIL, -1)
    else:
        ql_iter_init_at_idx(&it, &lv.ql, QL_START_HEAD, 0)
    while ql_next(&it, &e):
        if ql_compare(&e, <const unsigned char*>c.argv[3].ptr, c.argv[3].len):
            ql_del_entry(&it, &e)
            c.engine.dirty += 1
            removed += 1
            if toremove and removed == toremove:
                break
    ql_iter_release(&it)
    if removed:
        notify(c, NOTIFY_LIST, b"lrem", 1)
    if lv.ql.count == 0:
        c.db.delete_key(c.argv[1].ptr, c.argv[1].len)
        notify(c, NOTIFY_GENERIC, b"del", 1)
    return c.add_int(removed)

# ------------------------------------------------------------------ pop

# LPOP/RPOP key [count]
cdef int pop_generic(Client c, int where) except -1:
    cdef bint hascount = c.argc == 3, wrong
    cdef long long count = 0, n
    cdef ListValue lv
    if c.argc > 3:
        return add_arity_error(c)
    if hascount and not c.arg_range(2, 0, LLONG_MAX, &count,
                                    b"value is out of range, must be positive"):
        return 0
    lv = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if lv is None:
        return c.add_null_array() if hascount else c.add_null()
    if hascount and count == 0:
        return c.add_canned(b"*0\r\n")
    if not hascount:
        list_pop_reply(c, lv, where)
        return list_elements_removed(c, c.db, c.argv[1].ptr, c.argv[1].len, where, lv, 1)
    n = list_pop_range_reply(c, lv, where, count)
    return list_elements_removed(c, c.db, c.argv[1].ptr, c.argv[1].len, where, lv, n)

cdef int cmd_lpop(Client c) except -1:
    return pop_generic(c, LIST_HEAD)

cdef int cmd_rpop(Client c) except -1:
    return pop_generic(c, LIST_TAIL)

# LMPOP/BLMPOP argument parsing: numkeys at argv[numkeys_idx], the keys,
# LEFT|RIGHT, [COUNT n]. Returns 1 with the results, 0 after an error reply.
cdef int parse_mpop_args(Client c, int numkeys_idx, int* numkeys, int* where,
                         long long* count) except -1:
    cdef long long nk
    cdef long long where_idx
    cdef int j
    if not c.arg_range(numkeys_idx, 1, LLONG_MAX, &nk, b"numkeys should be greater than 0"):
        return 0
    # (compared first: numkeys may be near LLONG_MAX)
    if nk >= c.argc or numkeys_idx + nk + 1 >= c.argc:
        c.add_syntax_error()
        return 0
    where_idx = numkeys_idx + nk + 1
    if where_idx >= c.argc:
        c.add_syntax_error()
        return 0
    if not arg_list_position(c, <int>where_idx, where):
        return 0
    count[0] = -1
    j = <int>where_idx + 1
    while j < c.argc:
        if count[0] == -1 and c.arg_is(j, b"count") and j < c.argc - 1:
            j += 1
            if not c.arg_range(j, 1, LLONG_MAX, count, b"count should be greater than 0"):
                return 0
        else:
            c.add_syntax_error()
            return 0
        j += 1
    if count[0] == -1:
        count[0] = 1
    numkeys[0] = <int>nk
    return 1

# LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
cdef int cmd_lmpop(Client c) except -1:
    cdef int numkeys, where, j
    cdef long long count
    cdef ListValue lv
    cdef bint wrong
    if not parse_mpop_args(c, 1, &numkeys, &where, &count):
        return 0
    for j in range(2, 2 + numkeys):
        lv = lookup_list_write(c, c.argv[j].ptr, c.argv[j].len, &wrong)
        if wrong:
            return 0
        if lv is None or lv.ql.count == 0:
            continue
        if c.engine.prop_on:
            list_pop_propagate(c, c.argv[j].ptr, c.argv[j].len, where, count, lv.ql.count)
        return list_pop_range_with_key(c, c.db, c.argv[j].ptr, c.argv[j].len, lv, where, count)
    return c.add_null_array()

# ------------------------------------------------------------------ move

# Push value onto the destination list (created if missing) and reply it.
cdef int lmove_handle_push(Client c, Database db, const char* dkey, Py_ssize_t dklen,
                           ListValue dst, const char* v, Py_ssize_t vlen, int where) except -1:
    if dst is None:
        dst = list_new(c.engine)
        db.set_obj(dkey, dklen, OBJ_LIST, dst, False)
    list_push(dst, v, vlen, where)
    list_notify(c, db, NOTIFY_LIST, b"lpush" if where == LIST_HEAD else b"rpush", dkey, dklen)
    return c.add_bulk(v, vlen)

# Move one element from source (argv[1]) to destination (argv[2]). The
# source must exist and be a list (checked by the callers).
cdef int lmove_pop_push(Client c, ListValue src, int wherefrom, int whereto) except -1:
    cdef Database db = c.db
    cdef ListValue dst
    cdef bint wrong
    cdef qlEntry e
    cdef char tmp[24]
    cdef const char* v
    cdef Py_ssize_t vlen
    cdef bytes keep = None
    dst = lookup_list_write(c, c.argv[2].ptr, c.argv[2].len, &wrong)
    if wrong:
        return 0
    ql_end_entry(&src.ql, QL_HEAD if wherefrom == LIST_HEAD else QL_TAIL, &e)
    if e.value != NULL:
        # copy: the source node may change (or be the destination)
        keep = PyBytes_FromStringAndSize(<char*>e.value, e.sz)
        v = PyBytes_AS_STRING(keep)
        vlen = PyBytes_GET_SIZE(keep)
    else:
        vlen = ll2string(tmp, 24, e.longval)
        v = tmp
    ql_del_end(&src.ql, QL_HEAD if wherefrom == LIST_HEAD else QL_TAIL)
    lmove_handle_push(c, db, c.argv[2].ptr, c.argv[2].len, dst, v, vlen, whereto)
    list_notify(c, db, NOTIFY_LIST, b"lpop" if wherefrom == LIST_HEAD else b"rpop",
                c.argv[1].ptr, c.argv[1].len)
    if src.ql.count == 0:
        db.delete_key(c.argv[1].ptr, c.argv[1].len)
        notify(c, NOTIFY_GENERIC, b"del", 1)
    c.engine.dirty += 1
    return 0

cdef int lmove_generic(Client c, int wherefrom, int whereto) except -1:
    cdef bint wrong
    cdef ListValue src = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if src is None or src.ql.count == 0:
        return c.add_null()
    return lmove_pop_push(c, src, wherefrom, whereto)

# LMOVE source destination LEFT|RIGHT LEFT|RIGHT
cdef int cmd_lmove(Client c) except -1:
    cdef int wherefrom = 0, whereto = 0
    if not arg_list_position(c, 3, &wherefrom) or not arg_list_position(c, 4, &whereto):
        return 0
    return lmove_generic(c, wherefrom, whereto)

cdef int cmd_rpoplpush(Client c) except -1:
    return lmove_generic(c, LIST_TAIL, LIST_HEAD)

# ------------------------------------------------------------------ blocking

# The list at the key being served to a re-run blocked command (see
# g_serving_key in blocked.pyx), or None: then the client keeps waiting,
# whatever the key now holds (another type, nothing, expired).
cdef ListValue served_list(Client c):
    cdef bytes key = <bytes>g_serving_key
    cdef dictEntry* e = c.db.lookup_write(PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key))
    if e == NULL or entry_type(e) != OBJ_LIST:
        return None
    if (<ListValue>e.v.obj).ql.count == 0:
        return None
    return <ListValue>e.v.obj

# [LB]MPOP and B[LR]POP replay as the plain pop of what they took:
# [LR]POP key, or [LR]POP key n for the MPOP forms.
cdef int list_pop_propagate(Client c, const char* key, Py_ssize_t klen, int where,
                            long long count, long long llen) except -1:
    cdef list argv = [b"LPOP" if where == LIST_HEAD else b"RPOP",
                      PyBytes_FromStringAndSize(key, klen)]
    if count != -1:
        argv.append(b"%d" % (llen if count > llen else count))
    return rewrite_propagated(c, argv)

# Serve a BLPOP/BRPOP (count -1) or BLMPOP (count > 0) from a non-empty list.
cdef int serve_pop(Client c, const char* key, Py_ssize_t klen, ListValue lv,
                   int where, long long count) except -1:
    if c.engine.prop_on:
        list_pop_propagate(c, key, klen, where, count, lv.ql.count)
    if count != -1:
        return list_pop_range_with_key(c, c.db, key, klen, lv, where, count)
    c.add_array_len(2)
    c.add_bulk(key, klen)
    list_pop_reply(c, lv, where)
    return list_elements_removed(c, c.db, key, klen, where, lv, 1)

# BLPOP/BRPOP/BLMPOP: keys argv[first, first+numkeys), timeout at argv[timeout_idx].
cdef int blocking_pop_generic(Client c, int first, int numkeys, int where, int timeout_idx,
                              long long count) except -1:
    cdef long long timeout
    cdef int j
    cdef ListValue lv
    cdef bint wrong
    cdef bytes key
    if not get_timeout(c, timeout_idx, &timeout, True):
        return 0
    if (c.flags & CF_BLOCKED) and g_serving_key is not None:
        lv = served_list(c)
        if lv is not None:
            key = <bytes>g_serving_key
            serve_pop(c, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), lv, where, count)
        return 0
    for j in range(first, first + numkeys):
        lv = lookup_list_write(c, c.argv[j].ptr, c.argv[j].len, &wrong)
        if wrong:
            return 0
        if lv is None or lv.ql.count == 0:
            continue
        return serve_pop(c, c.argv[j].ptr, c.argv[j].len, lv, where, count)
    if c.flags & CF_DENY_BLOCKING:
        return c.add_null_array()
    return block_for_keys(c, first, first + numkeys - 1, 1, timeout)

cdef int cmd_blpop(Client c) except -1:
    return blocking_pop_generic(c, 1, c.argc - 2, LIST_HEAD, c.argc - 1, -1)

cdef int cmd_brpop(Client c) except -1:
    return blocking_pop_generic(c, 1, c.argc - 2, LIST_TAIL, c.argc - 1, -1)

# BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
cdef int cmd_blmpop(Client c) except -1:
    cdef int numkeys, where
    cdef long long count
    if not parse_mpop_args(c, 2, &numkeys, &where, &count):
        return 0
    return blocking_pop_generic(c, 3, numkeys, where, 1, count)

# BLMOVE replays as LMOVE (with its directions as sent, or in lower case
# when a push served the waiting client, as Redis does), BRPOPLPUSH as
# RPOPLPUSH.
cdef int blmove_propagate(Client c, int wherefrom, int whereto, bint brpoplpush,
                          bint served) except -1:
    if brpoplpush:
        return rewrite_propagated(c, [b"RPOPLPUSH", c.arg_bytes(1), c.arg_bytes(2)])
    if served:
        return rewrite_propagated(c, [b"LMOVE", c.arg_bytes(1), c.arg_bytes(2),
                                      b"left" if wherefrom == LIST_HEAD else b"right",
                                      b"left" if whereto == LIST_HEAD else b"right"])
    return rewrite_propagated(c, [b"LMOVE", c.arg_bytes(1), c.arg_bytes(2),
                                  c.arg_bytes(3), c.arg_bytes(4)])

cdef int blmove_generic(Client c, int wherefrom, int whereto, int timeout_idx) except -1:
    cdef long long timeout
    cdef ListValue src
    cdef bint wrong
    if not get_timeout(c, timeout_idx, &timeout, True):
        return 0
    if (c.flags & CF_BLOCKED) and g_serving_key is not None:
        src = served_list(c)
        if src is not None:
            lmove_pop_push(c, src, wherefrom, whereto)
            if c.engine.prop_on:
                blmove_propagate(c, wherefrom, whereto, timeout_idx == 3, True)
        return 0
    src = lookup_list_write(c, c.argv[1].ptr, c.argv[1].len, &wrong)
    if wrong:
        return 0
    if src is not None and src.ql.count > 0:
        lmove_pop_push(c, src, wherefrom, whereto)
        if c.engine.prop_on:
            blmove_propagate(c, wherefrom, whereto, timeout_idx == 3, False)
        return 0
    if c.flags & CF_DENY_BLOCKING:
        return c.add_null()
    return block_for_keys(c, 1, 1, 1, timeout)

# BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
cdef int cmd_blmove(Client c) except -1:
    cdef int wherefrom = 0, whereto = 0
    if not arg_list_position(c, 3, &wherefrom) or not arg_list_position(c, 4, &whereto):
        return 0
    return blmove_generic(c, wherefrom, whereto, 5)

cdef int cmd_brpoplpush(Client c) except -1:
    return blmove_generic(c, LIST_TAIL, LIST_HEAD, 3)


register_c("lpush", cmd_lpush)
register_c("rpush", cmd_rpush)
register_c("lpushx", cmd_lpushx)
register_c("rpushx", cmd_rpushx)
register_c("linsert", cmd_linsert)
register_c("llen", cmd_llen)
register_c("lindex", cmd_lindex)
register_c("lrange", cmd_lrange)
register_c("lpos", cmd_lpos)
register_c("lset", cmd_lset)
register_c("ltrim", cmd_ltrim)
register_c("lrem", cmd_lrem)
register_c("lpop", cmd_lpop)
register_c("rpop", cmd_rpop)
register_c("lmpop", cmd_lmpop)
register_c("lmove", cmd_lmove)
register_c("rpoplpush", cmd_rpoplpush)
register_c("blpop", cmd_blpop)
register_c("brpop", cmd_brpop)
register_c("blmpop", cmd_blmpop)
register_c("blmove", cmd_blmove)
register_c("brpoplpush", cmd_brpoplpush)
