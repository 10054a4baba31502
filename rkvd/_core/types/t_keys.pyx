# Type-agnostic key commands (Redis's db.c, expire.c and OBJECT from object.c).

cdef const char* g_type_names[7]
g_type_names[0] = b"string"
g_type_names[1] = b"list"
g_type_names[2] = b"set"
g_type_names[3] = b"zset"
g_type_names[4] = b"hash"
g_type_names[5] = b"module"
g_type_names[6] = b"stream"

cdef inline const char* type_name(dictEntry* e) noexcept:
    if e == NULL:
        return b"none"
    return g_type_names[entry_type(e)]

# type_name for other extensions (an inline function cannot be exported):
# the type's name, a static string, for an entry or NULL ("none").
cdef const char* entry_type_name(dictEntry* e) noexcept:
    return type_name(e)

# The OBJECT ENCODING name of an entry's value ("int", "embstr", "raw", or
# the value object's encoding_name()); a new reference.
cdef bytes encoding_name(dictEntry* e):
    cdef int vk = entry_vk(e)
    if vk == VK_INT:
        return b"int"
    if vk == VK_INLINE:
        return b"embstr"
    obj = <object>e.v.obj
    if type(obj) is bytearray:
        return b"raw"
    return obj.encoding_name()

# Redis's getIntFromObjectOrReply: a long long that fits in an int.
cdef int arg_int(Client c, int i, int* out, const char* msg) except -1:
    cdef long long v
    if not c.arg_range(i, INT_MIN, INT_MAX, &v, msg):
        return 0
    out[0] = <int>v
    return 1

cdef extern from "<limits.h>":
    int INT_MIN

cdef inline bint same_arg(Client c, int i, int j) noexcept:
    return c.argv[i].len == c.argv[j].len and memcmp(c.argv[i].ptr, c.argv[j].ptr, c.argv[i].len) == 0

# The value of e as a Python object that can be stored under another key
# without copying collections (RENAME, MOVE).
cdef object take_value(dictEntry* e):
    cdef int vk = entry_vk(e)
    if vk == VK_INLINE:
        return PyBytes_FromStringAndSize(ENTRY_VAL(e), e.v.vlen)
    if vk == VK_INT:
        return e.v.ival
    return <object>e.v.obj

cdef inline dictEntry* lookup_notouch(Database db, const char* key, size_t klen) except? NULL:
    cdef dictEntry* e = dict_find(db.keys, key, klen)
    cdef Engine eng = db.engine
    if e != NULL and (e.meta & META_HAS_EXPIRE) and db.expire_if_needed(e):
        e = NULL
    if e == NULL:
        eng.stat_keyspace_misses += 1
    else:
        eng.stat_keyspace_hits += 1
    return e

# ------------------------------------------------------------------ DEL / EXISTS / TYPE

cdef int del_generic(Client c, bint lazy) except -1:
    cdef int j
    cdef long long n = 0
    cdef Database db = c.db
    cdef dictEntry* e
    for j in range(1, c.argc):
        e = db.peek(c.argv[j].ptr, c.argv[j].len)
        if e == NULL:
            continue
        # a writable replica deletes (and counts) a key only logically
        # expired, as Redis's DEL ignores what expireIfNeeded answered there
        if (e.meta & META_HAS_EXPIRE) and db.expire_if_needed(e) and not c.engine.is_replica:
            continue
        if db.delete_key(c.argv[j].ptr, c.argv[j].len, lazy):
            c.engine.dirty += 1
            notify(c, NOTIFY_GENERIC, b"del", j)
            n += 1
    return c.add_int(n)

cdef int cmd_del(Client c) except -1:
    return del_generic(c, c.engine.lazyfree_lazy_user_del)

cdef int cmd_unlink(Client c) except -1:
    return del_generic(c, True)

cdef int cmd_exists(Client c) except -1:
    cdef int j
    cdef long long n = 0
    for j in range(1, c.argc):
        if lookup_notouch(c.db, c.argv[j].ptr, c.argv[j].len) != NULL:
            n += 1
    return c.add_int(n)

cdef int cmd_type(Client c) except -1:
    cdef dictEntry* e = lookup_notouch(c.db, c.argv[1].ptr, c.argv[1].len)
    cdef const char* t = type_name(e)
    return c.add_status(t, strlen(t))

cdef int cmd_touch(Client c) except -1:
    cdef int j
    cdef long long n = 0
    for j in range(1, c.argc):
        if c.db.lookup_read(c.argv[j].ptr, c.argv[j].len) != NULL:
            n += 1
    return c.add_int(n)

# ------------------------------------------------------------------ expire

cdef enum:
    EXPIRE_NX = 1
    EXPIRE_XX = 2
    EXPIRE_GT = 4
    EXPIRE_LT = 8

cdef int expire_generic(Client c, long long basetime, bint seconds) except -1:
    cdef int j = 3, flag = 0
    cdef long long when, cur
    cdef dictEntry* e
    cdef Database db = c.db
    while j < c.argc:
        if c.arg_is(j, b"nx"):
            flag |= EXPIRE_NX
        elif c.arg_is(j, b"xx"):
            flag |= EXPIRE_XX
        elif c.arg_is(j, b"gt"):
            flag |= EXPIRE_GT
        elif c.arg_is(j, b"lt"):
            flag |= EXPIRE_LT
        else:
            return c.add_error_bytes(b"Unsupported option " + c.arg_bytes(j))
        j += 1
    if (flag & EXPIRE_NX) and (flag & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)):
        return c.add_error_bytes(b"NX and XX, GT or LT options at the same time are not compatible")
    if (flag & EXPIRE_GT) and (flag & EXPIRE_LT):
        return c.add_error_bytes(b"GT and LT options at the same time are not compatible")
    if not c.arg_ll(2, &when):
        return 0
    if seconds:
        if when > LLONG_MAX // 1000 or when < LLONG_MIN // 1000:
            return add_expire_time_error(c)
        when *= 1000
    if when > LLONG_MAX - basetime:
        return add_expire_time_error(c)
    when += basetime
    e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if flag:
        cur = db.get_expire(e)
        if (flag & EXPIRE_NX) and cur != -1:
            return c.add_canned(b":0\r\n")
        if (flag & EXPIRE_XX) and cur == -1:
            return c.add_canned(b":0\r\n")
        if (flag & EXPIRE_GT) and (when <= cur or cur == -1):
            return c.add_canned(b":0\r\n")
        if (flag & EXPIRE_LT) and cur != -1 and when >= cur:
            return c.add_canned(b":0\r\n")
    if when <= mstime() and not c.engine.loading and not c.engine.is_replica:
        db.delete_key(c.argv[1].ptr, c.argv[1].len, c.engine.lazyfree_lazy_expire)
        c.engine.dirty += 1
        notify(c, NOTIFY_GENERIC, b"del", 1)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"UNLINK" if c.engine.lazyfree_lazy_expire else b"DEL", c.arg_bytes(1)])
        return c.add_canned(b":1\r\n")
    db.set_expire(c.argv[1].ptr, c.argv[1].len, when)
    c.engine.dirty += 1
    notify(c, NOTIFY_GENERIC, b"expire", 1)
    # an absolute time in ms, so that a replay expires the key at the same moment
    if c.engine.prop_on and not (basetime == 0 and not seconds):
        argv = c.args_list()
        argv[0] = b"PEXPIREAT"
        argv[2] = b"%d" % when
        rewrite_propagated(c, argv)
    return c.add_canned(b":1\r\n")

cdef int cmd_expire(Client c) except -1:
    return expire_generic(c, mstime(), True)

cdef int cmd_expireat(Client c) except -1:
    return expire_generic(c, 0, True)

cdef int cmd_pexpire(Client c) except -1:
    return expire_generic(c, mstime(), False)

cdef int cmd_pexpireat(Client c) except -1:
    return expire_generic(c, 0, False)

cdef int ttl_generic(Client c, bint output_ms, bint output_abs) except -1:
    cdef dictEntry* e = lookup_notouch(c.db, c.argv[1].ptr, c.argv[1].len)
    cdef long long expire, ttl = -1
    if e == NULL:
        return c.add_int(-2)
    expire = c.db.get_expire(e)
    if expire != -1:
        ttl = expire if output_abs else expire - mstime()
        if ttl < 0:
            ttl = 0
    if ttl == -1:
        return c.add_int(-1)
    return c.add_int(ttl if output_ms else (ttl + 500) // 1000)

cdef int cmd_ttl(Client c) except -1:
    return ttl_generic(c, False, False)

cdef int cmd_pttl(Client c) except -1:
    return ttl_generic(c, True, False)

cdef int cmd_expiretime(Client c) except -1:
    return ttl_generic(c, False, True)

cdef int cmd_pexpiretime(Client c) except -1:
    return ttl_generic(c, True, True)

cdef int cmd_persist(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e != NULL and c.db.remove_expire_entry(e):
        notify(c, NOTIFY_GENERIC, b"persist", 1)
        c.engine.dirty += 1
        return c.add_canned(b":1\r\n")
    return c.add_canned(b":0\r\n")

# ------------------------------------------------------------------ KEYS / SCAN / RANDOMKEY

cdef int cmd_keys(Client c) except -1:
    cdef dictIter it
    cdef dictEntry* e
    cdef Database db = c.db
    cdef Py_ssize_t pos = c.add_deferred()
    cdef long long n = 0
    cdef bint allkeys = c.argv[1].len == 1 and c.argv[1].ptr[0] == b'*'
    cdef long long now = c.engine.cached_ms
    cdef dictEntry* x
    dict_iter_init(&it, db.keys, 1)
    try:
        while True:
            e = dict_iter_next(&it)
            if e == NULL:
                break
            if allkeys or stringmatchlen(c.argv[1].ptr, <int>c.argv[1].len, ENTRY_KEY(e), e.klen, 0):
                if e.meta & META_HAS_EXPIRE:
                    x = dict_find(db.expires, ENTRY_KEY(e), e.klen)
                    if x != NULL and x.v.ival < now:
                        continue
                c.add_bulk(ENTRY_KEY(e), e.klen)
                n += 1
    finally:
        dict_iter_release(&it)
    return c.set_deferred_array(pos, n)

ctypedef struct _KeyCollect:
    PyObject* lst

cdef void _collect_key(void* priv, dictEntry* e) noexcept:
    cdef _KeyCollect* kc = <_KeyCollect*>priv
    (<list>kc.lst).append(PyBytes_FromStringAndSize(ENTRY_KEY(e), e.klen))

cdef extern from "<stdlib.h>" nogil:
    unsigned long strtoul(const char* s, char** end, int base)
cdef extern from "<errno.h>":
    int errno
    int ERANGE

# Redis's parseScanCursorOrReply (strtoul semantics). 1 on success.
cdef int parse_scan_cursor(Client c, int i, uint64_t* out) except -1:
    cdef bytes s = c.arg_bytes(i)
    cdef char* p = s
    cdef char* end
    global errno
    errno = 0
    cdef unsigned long v = strtoul(p, &end, 10)
    if (len(s) and isspace(p[0])) or end[0] != 0 or end != p + len(s) or errno == ERANGE:
        c.add_error_bytes(b"invalid cursor")
        return 0
    out[0] = v
    return 1

# Redis's scanGenericCommand options: COUNT n (n >= 1), MATCH pattern, and
# TYPE name for the keyspace SCAN only. Returns 1, or 0 after replying the
# error. *match_arg / *type_arg: the argument index, or -1 when absent (and
# MATCH "*", which matches everything, counts as absent).
cdef int parse_scan_options(Client c, int i, bint allow_type, long long* count,
                            int* match_arg, int* type_arg) except -1:
    count[0] = 10
    match_arg[0] = -1
    type_arg[0] = -1
    while i < c.argc:
        if c.arg_is(i, b"count") and c.argc - i >= 2:
            if not c.arg_ll(i + 1, count):
                return 0
            if count[0] < 1:
                c.add_syntax_error()
                return 0
            i += 2
        elif c.arg_is(i, b"match") and c.argc - i >= 2:
            if c.argv[i + 1].len == 1 and c.argv[i + 1].ptr[0] == 42:
                match_arg[0] = -1
            else:
                match_arg[0] = i + 1
            i += 2
        elif allow_type and c.arg_is(i, b"type") and c.argc - i >= 2:
            type_arg[0] = i + 1
            i += 2
        else:
            c.add_syntax_error()
            return 0
    return 1

cdef int cmd_scan(Client c) except -1:
    cdef uint64_t cursor
    cdef long long count
    cdef int match_arg, type_arg
    cdef bytes pat = None
    cdef bytes typename = None
    cdef bint use_pattern
    cdef _KeyCollect kc
    cdef list keys = []
    cdef long maxiter
    cdef Database db = c.db
    cdef dictEntry* e
    if not parse_scan_cursor(c, 1, &cursor):
        return 0
    if not parse_scan_options(c, 2, True, &count, &match_arg, &type_arg):
        return 0
    use_pattern = match_arg >= 0
    if use_pattern:
        pat = c.arg_bytes(match_arg)
    if type_arg >= 0:
        typename = c.arg_bytes(type_arg)
    kc.lst = <PyObject*>keys
    maxiter = count * 10
    while True:
        cursor = dict_scan(db.keys, cursor, _collect_key, &kc)
        if not (cursor and maxiter and len(keys) < count):
            break
        maxiter -= 1
    out = []
    for k in keys:
        if use_pattern and not stringmatchlen(pat, len(pat), k, len(k), 0):
            continue
        e = dict_find(db.keys, k, len(k))
        if e == NULL:
            continue
        if typename is not None:
            if typename.lower() != <bytes>type_name(e):
                continue
        if (e.meta & META_HAS_EXPIRE) and db.expire_if_needed(e):
            continue
        out.append(k)
    c.add_array_len(2)
    c.add_bulk_ll(<long long>cursor) if cursor < <uint64_t>LLONG_MAX else c.add_value(str(cursor).encode())
    c.add_array_len(len(out))
    for k in out:
        c.add_bulk(k, len(k))
    return 0

cdef int cmd_randomkey(Client c) except -1:
    cdef Database db = c.db
    cdef dictEntry* e
    cdef int tries = 0
    while dict_size(db.keys):
        e = dict_random_entry(db.keys)
        if e == NULL:
            break
        if e.meta & META_HAS_EXPIRE:
            if c.engine.is_replica and tries > 100:
                return c.add_bulk(ENTRY_KEY(e), e.klen)
            tries += 1
            if db.expire_if_needed(e):
                continue
        return c.add_bulk(ENTRY_KEY(e), e.klen)
    return c.add_null()

cdef int cmd_dbsize(Client c) except -1:
    return c.add_int(dict_size(c.db.keys))

# ------------------------------------------------------------------ RENAME / MOVE / COPY

cdef int rename_generic(Client c, bint nx) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef long long expire
    cdef int typ
    if e == NULL:
        return c.add_error_bytes(b"no such key")
    if same_arg(c, 1, 2):
        return c.add_canned(b":0\r\n") if nx else c.add_ok()
    expire = db.get_expire(e)
    typ = entry_type(e)
    v = take_value(e)
    if db.lookup_write(c.argv[2].ptr, c.argv[2].len) != NULL:
        if nx:
            return c.add_canned(b":0\r\n")
        db.delete_key(c.argv[2].ptr, c.argv[2].len)
    db.store_dup(c.argv[2].ptr, c.argv[2].len, typ, v)
    if expire != -1:
        db.set_expire(c.argv[2].ptr, c.argv[2].len, expire)
    db.delete_key(c.argv[1].ptr, c.argv[1].len)
    notify(c, NOTIFY_GENERIC, b"rename_from", 1)
    notify(c, NOTIFY_GENERIC, b"rename_to", 2)
    c.engine.dirty += 1
    return c.add_canned(b":1\r\n") if nx else c.add_ok()

cdef int cmd_rename(Client c) except -1:
    return rename_generic(c, False)

cdef int cmd_renamenx(Client c) except -1:
    return rename_generic(c, True)

cdef int cmd_move(Client c) except -1:
    cdef int dbid
    cdef Database src = c.db, dst
    cdef dictEntry* e
    cdef long long expire
    cdef int typ
    if not arg_int(c, 2, &dbid, NULL):
        return 0
    if dbid < 0 or dbid >= len(c.engine.dbs):
        return c.add_error_bytes(b"DB index is out of range")
    dst = c.engine.dbs[dbid]
    if src is dst:
        return c.add_error_bytes(b"source and destination objects are the same")
    e = src.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    expire = src.get_expire(e)
    if dst.lookup_write(c.argv[1].ptr, c.argv[1].len) != NULL:
        return c.add_canned(b":0\r\n")
    typ = entry_type(e)
    v = take_value(e)
    dst.store_dup(c.argv[1].ptr, c.argv[1].len, typ, v)
    if expire != -1:
        dst.set_expire(c.argv[1].ptr, c.argv[1].len, expire)
    src.delete_key(c.argv[1].ptr, c.argv[1].len)
    if c.engine.notify_flags & NOTIFY_GENERIC:
        c.engine.notify_keyspace_event(NOTIFY_GENERIC, b"move_from", c.arg_bytes(1), src.id)
        c.engine.notify_keyspace_event(NOTIFY_GENERIC, b"move_to", c.arg_bytes(1), dst.id)
    c.engine.dirty += 1
    return c.add_canned(b":1\r\n")

cdef int cmd_copy(Client c) except -1:
    cdef Database src = c.db, dst = c.db
    cdef int j = 3, dbid
    cdef bint replace = False, delete = False
    cdef dictEntry* e
    cdef long long expire
    cdef int typ
    while j < c.argc:
        if c.arg_is(j, b"replace"):
            replace = True
        elif c.arg_is(j, b"db") and c.argc - j - 1 >= 1:
            if not arg_int(c, j + 1, &dbid, NULL):
                return 0
            if dbid < 0 or dbid >= len(c.engine.dbs):
                return c.add_error_bytes(b"DB index is out of range")
            dst = c.engine.dbs[dbid]
            j += 1
        else:
            return c.add_syntax_error()
        j += 1
    if src is dst and same_arg(c, 1, 2):
        return c.add_error_bytes(b"source and destination objects are the same")
    e = src.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    expire = src.get_expire(e)
    typ = entry_type(e)
    v = src.dup_value(e)
    if dst.lookup_write(c.argv[2].ptr, c.argv[2].len) != NULL:
        if replace:
            delete = True
        else:
            return c.add_canned(b":0\r\n")
    if delete:
        dst.delete_key(c.argv[2].ptr, c.argv[2].len)
    dst.store_dup(c.argv[2].ptr, c.argv[2].len, typ, v)
    if expire != -1:
        dst.set_expire(c.argv[2].ptr, c.argv[2].len, expire)
    if c.engine.notify_flags & NOTIFY_GENERIC:
        c.engine.notify_keyspace_event(NOTIFY_GENERIC, b"copy_to", c.arg_bytes(2), dst.id)
    c.engine.dirty += 1
    return c.add_canned(b":1\r\n")

# ------------------------------------------------------------------ databases

cdef int cmd_select(Client c) except -1:
    cdef int id
    if not arg_int(c, 1, &id, NULL):
        return 0
    if id < 0 or id >= len(c.engine.dbs):
        return c.add_error_bytes(b"DB index is out of range")
    c.db = c.engine.dbs[id]
    return c.add_ok()

cdef int cmd_swapdb(Client c) except -1:
    cdef int a, b
    if not arg_int(c, 1, &a, b"invalid first DB index"):
        return 0
    if not arg_int(c, 2, &b, b"invalid second DB index"):
        return 0
    if a < 0 or a >= len(c.engine.dbs) or b < 0 or b >= len(c.engine.dbs):
        return c.add_error_bytes(b"DB index is out of range")
    if a != b:
        if c.engine.nwatched:
            touch_all_watched_keys_in_db(c.engine.dbs[a], c.engine.dbs[b])
            touch_all_watched_keys_in_db(c.engine.dbs[b], c.engine.dbs[a])
        scan_database_for_deleted_streams(c.engine.dbs[a], c.engine.dbs[b])
        scan_database_for_deleted_streams(c.engine.dbs[b], c.engine.dbs[a])
        c.engine.swapdb(a, b)
        # clients blocked in either db may now find their keys
        scan_database_for_ready_keys(c.engine.dbs[a])
        scan_database_for_ready_keys(c.engine.dbs[b])
    c.engine.dirty += 1
    return c.add_ok()


def swap_main_dbs(Engine e, list temp):
    """A replica's swapdb load succeeded: each of temp's databases (loaded
    aside) trades contents with the engine's one of the same number, as
    SWAPDB does (WATCHers fail, blocked clients look again, tracking
    clients are told everything changed). temp is left with the old data
    for the caller to free."""
    cdef Database cur, new
    cdef int i
    for i in range(len(e.dbs)):
        cur = e.dbs[i]
        new = temp[i]
        if e.nwatched:
            touch_all_watched_keys_in_db(cur, new)
        scan_database_for_deleted_streams(cur, new)
        cur.swap_contents(new)
        scan_database_for_ready_keys(cur)
    tracking_on_flush(e)
    e.replica_expires.clear()


# Redis's getFlushCommandFlags: 1 for ASYNC, 0 for SYNC, without a mode
# what lazyfree-lazy-user-flush says; -1 after a syntax error reply.
cdef int flush_flags(Client c) except -2:
    if c.argc == 2 and c.arg_is(1, b"sync"):
        return 0
    if c.argc == 2 and c.arg_is(1, b"async"):
        return 1
    if c.argc == 1:
        return c.engine.lazyfree_lazy_user_flush
    c.add_syntax_error()
    return -1

cdef int cmd_flushdb(Client c) except -1:
    cdef int lazy = flush_flags(c)
    if lazy < 0:
        return 0
    if c.engine.nwatched:
        touch_all_watched_keys_in_db(c.db, None)
    scan_database_for_deleted_streams(c.db, None)
    c.engine.dirty += c.db.flush(lazy)
    tracking_on_flush(c.engine)
    force_propagation(c)
    return c.add_ok()

cdef int cmd_flushall(Client c) except -1:
    cdef int lazy = flush_flags(c)
    if lazy < 0:
        return 0
    if c.engine.nwatched:
        for db in c.engine.dbs:
            touch_all_watched_keys_in_db(db, None)
    for db in c.engine.dbs:
        scan_database_for_deleted_streams(db, None)
    c.engine.dirty += c.engine.flushall(lazy)
    tracking_on_flush(c.engine)
    force_propagation(c)
    if c.engine.server is not None:
        c.engine.server.after_flushall()
    return c.add_ok()

# ------------------------------------------------------------------ OBJECT

cdef int cmd_object(Client c) except -1:
    cdef dictEntry* e
    cdef bytes enc
    cdef Engine eng = c.engine
    if c.argc == 2 and c.arg_is(1, b"help"):
        return add_help(c, OBJECT_HELP)
    if c.argc != 3:
        return add_subcommand_syntax_error(c)
    if not (c.arg_is(1, b"refcount") or c.arg_is(1, b"encoding") or
            c.arg_is(1, b"idletime") or c.arg_is(1, b"freq")):
        return add_subcommand_syntax_error(c)
    e = dict_find(c.db.keys, c.argv[2].ptr, c.argv[2].len)
    if e != NULL and (e.meta & META_HAS_EXPIRE) and c.db.expire_if_needed(e):
        e = NULL
    if e == NULL:
        eng.stat_keyspace_misses += 1
        return c.add_null()
    eng.stat_keyspace_hits += 1
    if c.arg_is(1, b"refcount"):
        if entry_vk(e) == VK_INT and 0 <= e.v.ival < 10000 and not eng.server.lru_or_lfu_policy():
            return c.add_int(2147483647)
        return c.add_int(1)
    if c.arg_is(1, b"encoding"):
        enc = encoding_name(e)
        return c.add_bulk(enc, len(enc))
    if c.arg_is(1, b"idletime"):
        if eng.lfu_mode:
            return c.add_error_str("An LFU maxmemory policy is selected, idle time not tracked. Please note that "
                                   "when switching between policies at runtime LRU and LFU data will take some "
                                   "time to adjust.")
        return c.add_int(estimate_idle_ms(eng, e) // 1000)
    if not eng.lfu_mode:
        return c.add_error_str("An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                               "that when switching between policies at runtime LRU and LFU data will take some "
                               "time to adjust.")
    return c.add_int(lfu_decr_and_return(eng, e.meta))

cdef long long estimate_idle_ms(Engine eng, dictEntry* e) noexcept:
    cdef uint32_t now = eng.lruclock
    cdef uint32_t lru = e.meta & META_LRU_MASK
    if now >= lru:
        return <long long>(now - lru) * LRU_CLOCK_RESOLUTION
    return <long long>(now + (LRU_CLOCK_MAX - lru)) * LRU_CLOCK_RESOLUTION

OBJECT_HELP = [
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
]

# Redis's addReplyHelp: a header line, the given lines, then HELP itself.
cdef int add_help(Client c, list lines) except -1:
    cdef bytes b
    cmd = c.arg_bytes(0).decode('utf-8', 'replace').upper()
    c.add_array_len(len(lines) + 3)
    b = f"{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".encode()
    c.add_status(b, len(b))
    for line in lines:
        b = line.encode()
        c.add_status(b, len(b))
    c.add_canned(b"+HELP\r\n")
    return c.add_canned(b"+    Prints this help.\r\n")

cdef int add_subcommand_syntax_error(Client c) except -1:
    return c.add_error_bytes(b"unknown subcommand or wrong number of arguments for '" +
                             c.arg_cstr(1)[:128] + b"'. Try " + c.arg_cstr(0).upper() + b" HELP.")


register_c("del", cmd_del)
register_c("unlink", cmd_unlink)
register_c("exists", cmd_exists)
register_c("type", cmd_type)
register_c("touch", cmd_touch)
register_c("expire", cmd_expire)
register_c("expireat", cmd_expireat)
register_c("pexpire", cmd_pexpire)
register_c("pexpireat", cmd_pexpireat)
register_c("ttl", cmd_ttl)
register_c("pttl", cmd_pttl)
register_c("expiretime", cmd_expiretime)
register_c("pexpiretime", cmd_pexpiretime)
register_c("persist", cmd_persist)
register_c("keys", cmd_keys)
register_c("scan", cmd_scan)
register_c("randomkey", cmd_randomkey)
register_c("dbsize", cmd_dbsize)
register_c("rename", cmd_rename)
register_c("renamenx", cmd_renamenx)
register_c("move", cmd_move)
register_c("copy", cmd_copy)
register_c("select", cmd_select)
register_c("swapdb", cmd_swapdb)
register_c("flushdb", cmd_flushdb)
register_c("flushall", cmd_flushall)
register_c("object", cmd_object)
