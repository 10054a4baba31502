# String commands (Redis's t_string.c). Values live in the keyspace entry:
# int encoding in v.ival, embstr (<= 44 bytes) inline after the key, raw as a
# bytearray object.

cdef extern from "<math.h>" nogil:
    bint isnan_ld "isnan"(long double)
    bint isinf_ld "isinf"(long double)

# ------------------------------------------------------------------ string type API

# Pointer to and length of the string value of e; int values are formatted
# into tmp (>= 24 bytes).
cdef inline const char* string_value(dictEntry* e, char* tmp, Py_ssize_t* n) noexcept:
    cdef int vk = entry_vk(e)
    if vk == VK_INLINE:
        n[0] = <Py_ssize_t>e.v.vlen
        return ENTRY_VAL(e)
    if vk == VK_INT:
        n[0] = ll2string(tmp, 24, e.v.ival)
        return tmp
    n[0] = PyByteArray_GET_SIZE(<object>e.v.obj)
    return PyByteArray_AS_STRING(<object>e.v.obj)

cdef inline int add_string_value(Client c, dictEntry* e) except -1:
    cdef int vk = entry_vk(e)
    if vk == VK_INLINE:
        return c.add_bulk(ENTRY_VAL(e), e.v.vlen)
    if vk == VK_INT:
        return c.add_bulk_ll(e.v.ival)
    return c.add_bulk(PyByteArray_AS_STRING(<object>e.v.obj), PyByteArray_GET_SIZE(<object>e.v.obj))

cdef inline Py_ssize_t string_len(dictEntry* e) noexcept:
    cdef char tmp[24]
    cdef Py_ssize_t n
    string_value(e, tmp, &n)
    return n

# The value as a raw (bytearray) string, converting in place: what Redis's
# dbUnshareStringValue gives before APPEND/SETRANGE/SETBIT mutate it.
cdef object string_make_raw(Database db, Client c, int ki, dictEntry* e):
    cdef char tmp[24]
    cdef Py_ssize_t n
    cdef const char* p
    if entry_vk(e) == VK_OBJ:
        return <object>e.v.obj
    p = string_value(e, tmp, &n)
    ba = PyByteArray_FromStringAndSize(p, n)
    db.set_obj(c.argv[ki].ptr, c.argv[ki].len, OBJ_STRING, ba, True)
    return ba

cdef inline int check_string_length(Client c, long long size, long long append) except -1:
    cdef long long total = <long long>(<uint64_t>size + <uint64_t>append)
    if total > c.engine.proto_max_bulk_len or total < size or total < append:
        c.add_error_bytes(b"string exceeds maximum allowed size (proto-max-bulk-len)")
        return 0
    return 1

cdef int add_expire_time_error(Client c) except -1:
    cdef Command cmd = c.cur_cmd
    return c.add_error_str(f"invalid expire time in '{cmd.name}' command")

# ------------------------------------------------------------------ SET family

cdef enum:
    OBJ_SET_NX = 1 << 0
    OBJ_SET_XX = 1 << 1
    OBJ_EX = 1 << 2
    OBJ_PX = 1 << 3
    OBJ_KEEPTTL = 1 << 4
    OBJ_SET_GET = 1 << 5
    OBJ_EXAT = 1 << 6
    OBJ_PXAT = 1 << 7
    OBJ_PERSIST = 1 << 8
    COMMAND_GET = 0
    COMMAND_SET = 1
    ANY_EXPIRE_FLAG = OBJ_EX | OBJ_PX | OBJ_EXAT | OBJ_PXAT

# Parse SET/GETEX options from argv[first:]. Returns 1, or 0 after replying
# a syntax error. *expire_arg is the index of the time argument or -1.
cdef int parse_extended_string_args(Client c, int first, int cmdtype, int* flags, int* expire_arg) except -1:
    cdef int j = first
    cdef int f = 0
    cdef bint has_next
    expire_arg[0] = -1
    while j < c.argc:
        has_next = j < c.argc - 1
        if c.arg_is(j, b"nx") and not (f & OBJ_SET_XX) and cmdtype == COMMAND_SET:
            f |= OBJ_SET_NX
        elif c.arg_is(j, b"xx") and not (f & OBJ_SET_NX) and cmdtype == COMMAND_SET:
            f |= OBJ_SET_XX
        elif c.arg_is(j, b"get") and cmdtype == COMMAND_SET:
            f |= OBJ_SET_GET
        elif c.arg_is(j, b"keepttl") and not (f & (OBJ_PERSIST | ANY_EXPIRE_FLAG)) and cmdtype == COMMAND_SET:
            f |= OBJ_KEEPTTL
        elif c.arg_is(j, b"persist") and cmdtype == COMMAND_GET and not (f & (ANY_EXPIRE_FLAG | OBJ_KEEPTTL)):
            f |= OBJ_PERSIST
        elif c.arg_is(j, b"ex") and not (f & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EXAT | OBJ_PX | OBJ_PXAT)) and has_next:
            f |= OBJ_EX
            j += 1
            expire_arg[0] = j
        elif c.arg_is(j, b"px") and not (f & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PXAT)) and has_next:
            f |= OBJ_PX
            j += 1
            expire_arg[0] = j
        elif c.arg_is(j, b"exat") and not (f & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_PX | OBJ_PXAT)) and has_next:
            f |= OBJ_EXAT
            j += 1
            expire_arg[0] = j
        elif c.arg_is(j, b"pxat") and not (f & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PX)) and has_next:
            f |= OBJ_PXAT
            j += 1
            expire_arg[0] = j
        else:
            c.add_syntax_error()
            return 0
        j += 1
    flags[0] = f
    return 1

# Absolute unix-ms expire time from argv[ai]; replies the error and returns 0
# when invalid. `seconds`: the unit; `relative`: EX/PX (add now).
cdef int get_expire_ms(Client c, int ai, bint seconds, bint relative, long long* out) except -1:
    cdef long long ms
    if not c.arg_ll(ai, &ms):
        return 0
    if ms <= 0 or (seconds and ms > LLONG_MAX // 1000):
        add_expire_time_error(c)
        return 0
    if seconds:
        ms *= 1000
    if relative:
        if ms > LLONG_MAX - c.engine.cached_ms:
            add_expire_time_error(c)
            return 0
        ms += c.engine.cached_ms
    if ms <= 0:
        add_expire_time_error(c)
        return 0
    out[0] = ms
    return 1

# GET's reply for SET ... GET / GETSET / GETDEL: 1 ok (replied or null),
# -1 wrong type (replied).
cdef inline int get_generic(Client c) except -2:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        c.add_null()
        return 1
    if entry_type(e) != OBJ_STRING:
        c.add_wrongtype()
        return -1
    add_string_value(c, e)
    return 1

cdef int set_generic(Client c, int flags, int vi, int expire_arg, bint seconds,
                     const char* ok_reply, const char* abort_reply) except -1:
    cdef long long when = 0
    cdef bint found
    cdef Database db = c.db
    if expire_arg >= 0:
        if not get_expire_ms(c, expire_arg, seconds, (flags & (OBJ_EX | OBJ_PX)) != 0, &when):
            return 0
    if flags & OBJ_SET_GET:
        if get_generic(c) < 0:
            return 0
    if flags & (OBJ_SET_NX | OBJ_SET_XX):
        found = db.lookup_write(c.argv[1].ptr, c.argv[1].len) != NULL
        if (flags & OBJ_SET_NX and found) or (flags & OBJ_SET_XX and not found):
            if not (flags & OBJ_SET_GET):
                if abort_reply != NULL:
                    c.add_raw(abort_reply, strlen(abort_reply))
                else:
                    c.add_null()
            return 0
    db.set_string(c.argv[1].ptr, c.argv[1].len, c.argv[vi].ptr, c.argv[vi].len, True,
                  (flags & OBJ_KEEPTTL) != 0)
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"set", 1)
    if expire_arg >= 0:
        db.set_expire(c.argv[1].ptr, c.argv[1].len, when)
        notify(c, NOTIFY_GENERIC, b"expire", 1)
        # replayed later, a relative time would mean a later expiry; as
        # Redis, always this one form (PXAT given, NX/XX/GET dropped too)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"SET", c.arg_bytes(1), c.arg_bytes(vi), b"PXAT", b"%d" % when])
    if not (flags & OBJ_SET_GET):
        if ok_reply != NULL:
            c.add_raw(ok_reply, strlen(ok_reply))
        else:
            c.add_ok()
    return 0

cdef int cmd_set(Client c) except -1:
    cdef int flags = 0, expire_arg = -1
    cdef Database db
    if c.argc == 3:
        # fast path: plain SET
        db = c.db
        db.set_string(c.argv[1].ptr, c.argv[1].len, c.argv[2].ptr, c.argv[2].len, True, False)
        c.engine.dirty += 1
        notify(c, NOTIFY_STRING, b"set", 1)
        return c.add_ok()
    if not parse_extended_string_args(c, 3, COMMAND_SET, &flags, &expire_arg):
        return 0
    return set_generic(c, flags, 2, expire_arg, (flags & (OBJ_EX | OBJ_EXAT)) != 0, NULL, NULL)

cdef int cmd_setnx(Client c) except -1:
    return set_generic(c, OBJ_SET_NX, 2, -1, False, b":1\r\n", b":0\r\n")

cdef int cmd_setex(Client c) except -1:
    return set_generic(c, OBJ_EX, 3, 2, True, NULL, NULL)

cdef int cmd_psetex(Client c) except -1:
    return set_generic(c, OBJ_PX, 3, 2, False, NULL, NULL)

cdef int cmd_get(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_null()
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    return add_string_value(c, e)

cdef int cmd_getex(Client c) except -1:
    cdef int flags = 0, expire_arg = -1
    cdef long long when = 0
    cdef dictEntry* e
    cdef Database db = c.db
    if not parse_extended_string_args(c, 2, COMMAND_GET, &flags, &expire_arg):
        return 0
    e = db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_null()
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    if expire_arg >= 0:
        if not get_expire_ms(c, expire_arg, (flags & (OBJ_EX | OBJ_EXAT)) != 0,
                             (flags & (OBJ_EX | OBJ_PX)) != 0, &when):
            return 0
    add_string_value(c, e)
    if (flags & (OBJ_PXAT | OBJ_EXAT)) and when <= c.engine.cached_ms and not c.engine.loading:
        db.delete_key(c.argv[1].ptr, c.argv[1].len, c.engine.lazyfree_lazy_expire)
        c.engine.dirty += 1
        notify(c, NOTIFY_GENERIC, b"del", 1)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"UNLINK" if c.engine.lazyfree_lazy_expire else b"DEL", c.arg_bytes(1)])
    elif expire_arg >= 0:
        db.set_expire(c.argv[1].ptr, c.argv[1].len, when)
        c.engine.dirty += 1
        notify(c, NOTIFY_GENERIC, b"expire", 1)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"PEXPIREAT", c.arg_bytes(1), b"%d" % when])
    elif flags & OBJ_PERSIST:
        if db.remove_expire_entry(e):
            c.engine.dirty += 1
            notify(c, NOTIFY_GENERIC, b"persist", 1)
            if c.engine.prop_on:
                rewrite_propagated(c, [b"PERSIST", c.arg_bytes(1)])
    return 0

cdef int cmd_getdel(Client c) except -1:
    if get_generic(c) < 0:
        return 0
    if c.db.delete_key(c.argv[1].ptr, c.argv[1].len, c.engine.lazyfree_lazy_user_del):
        c.engine.dirty += 1
        notify(c, NOTIFY_GENERIC, b"del", 1)
        if c.engine.prop_on:
            rewrite_propagated(c, [b"UNLINK" if c.engine.lazyfree_lazy_user_del else b"DEL", c.arg_bytes(1)])
    return 0

cdef int cmd_getset(Client c) except -1:
    if get_generic(c) < 0:
        return 0
    c.db.set_string(c.argv[1].ptr, c.argv[1].len, c.argv[2].ptr, c.argv[2].len, True, False)
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"set", 1)
    if c.engine.prop_on:
        rewrite_propagated(c, [b"SET", c.arg_bytes(1), c.arg_bytes(2)])
    return 0

cdef int cmd_mget(Client c) except -1:
    cdef int j
    cdef dictEntry* e
    cdef Database db = c.db
    c.add_array_len(c.argc - 1)
    for j in range(1, c.argc):
        e = db.lookup_read(c.argv[j].ptr, c.argv[j].len)
        if e == NULL or entry_type(e) != OBJ_STRING:
            c.add_null()
        else:
            add_string_value(c, e)
    return 0

cdef int mset_generic(Client c, bint nx) except -1:
    cdef int j
    cdef Database db = c.db
    if c.argc % 2 == 0:
        return c.add_error_str(f"wrong number of arguments for '{(<Command>c.cur_cmd).name}' command")
    if nx:
        for j in range(1, c.argc, 2):
            if db.lookup_write(c.argv[j].ptr, c.argv[j].len) != NULL:
                return c.add_canned(b":0\r\n")
    for j in range(1, c.argc, 2):
        db.set_string(c.argv[j].ptr, c.argv[j].len, c.argv[j + 1].ptr, c.argv[j + 1].len, True, False)
        notify(c, NOTIFY_STRING, b"set", j)
    c.engine.dirty += (c.argc - 1) // 2
    if nx:
        return c.add_canned(b":1\r\n")
    return c.add_ok()

cdef int cmd_mset(Client c) except -1:
    return mset_generic(c, False)

cdef int cmd_msetnx(Client c) except -1:
    return mset_generic(c, True)

# ------------------------------------------------------------------ counters

cdef int incr_decr(Client c, long long incr) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef long long value = 0
    cdef char tmp[24]
    cdef Py_ssize_t n
    cdef const char* p
    if e != NULL:
        if entry_type(e) != OBJ_STRING:
            return c.add_wrongtype()
        if entry_vk(e) == VK_INT:
            value = e.v.ival
        else:
            p = string_value(e, tmp, &n)
            if not string2ll(p, n, &value):
                return c.add_not_integer()
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or \
            (incr > 0 and value > 0 and incr > LLONG_MAX - value):
        return c.add_error_bytes(b"increment or decrement would overflow")
    value += incr
    if e != NULL and entry_vk(e) == VK_INT:
        e.v.ival = value
    else:
        db.set_int(c.argv[1].ptr, c.argv[1].len, value, True)
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"incrby", 1)
    return c.add_int(value)

cdef int cmd_incr(Client c) except -1:
    return incr_decr(c, 1)

cdef int cmd_decr(Client c) except -1:
    return incr_decr(c, -1)

cdef int cmd_incrby(Client c) except -1:
    cdef long long incr
    if not c.arg_ll(2, &incr):
        return 0
    return incr_decr(c, incr)

cdef int cmd_decrby(Client c) except -1:
    cdef long long incr
    if not c.arg_ll(2, &incr):
        return 0
    if incr == LLONG_MIN:
        return c.add_error_bytes(b"decrement would overflow")
    return incr_decr(c, -incr)

cdef int cmd_incrbyfloat(Client c) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef long double value = 0, incr
    cdef char tmp[24]
    cdef char out[MAX_LONG_DOUBLE_CHARS]
    cdef Py_ssize_t n
    cdef int l
    cdef const char* p
    if e != NULL:
        if entry_type(e) != OBJ_STRING:
            return c.add_wrongtype()
        if entry_vk(e) == VK_INT:
            value = <long double>e.v.ival
        else:
            p = string_value(e, tmp, &n)
            if not string2ld(p, n, &value):
                return c.add_error_bytes(b"value is not a valid float")
    if not string2ld(c.argv[2].ptr, c.argv[2].len, &incr):
        return c.add_error_bytes(b"value is not a valid float")
    value += incr
    if isnan_ld(value) or isinf_ld(value):
        return c.add_error_bytes(b"increment would produce NaN or Infinity")
    l = ld2string(out, MAX_LONG_DOUBLE_CHARS, value, LD_STR_HUMAN)
    db.set_string(c.argv[1].ptr, c.argv[1].len, out, l, False, True)
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"incrbyfloat", 1)
    # the printed result, not the increment: float sums differ between machines
    if c.engine.prop_on:
        rewrite_propagated(c, [b"SET", c.arg_bytes(1), out[:l], b"KEEPTTL"])
    return c.add_bulk(out, l)

# ------------------------------------------------------------------ ranges

cdef int cmd_append(Client c) except -1:
    cdef Database db = c.db
    cdef dictEntry* e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    cdef Py_ssize_t total, old
    if e == NULL:
        db.set_string(c.argv[1].ptr, c.argv[1].len, c.argv[2].ptr, c.argv[2].len, True, False)
        total = c.argv[2].len
    else:
        if entry_type(e) != OBJ_STRING:
            return c.add_wrongtype()
        old = string_len(e)
        if not check_string_length(c, old, c.argv[2].len):
            return 0
        ba = string_make_raw(db, c, 1, e)
        PyByteArray_Resize(ba, old + c.argv[2].len)
        memcpy(PyByteArray_AS_STRING(ba) + old, c.argv[2].ptr, c.argv[2].len)
        total = old + c.argv[2].len
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"append", 1)
    return c.add_int(total)

cdef int cmd_strlen(Client c) except -1:
    cdef dictEntry* e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b":0\r\n")
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    return c.add_int(string_len(e))

cdef int cmd_setrange(Client c) except -1:
    cdef Database db = c.db
    cdef long long offset
    cdef dictEntry* e
    cdef Py_ssize_t vlen = c.argv[3].len, olen
    cdef char* p
    if not c.arg_ll(2, &offset):
        return 0
    if offset < 0:
        return c.add_error_bytes(b"offset is out of range")
    e = db.lookup_write(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        if vlen == 0:
            return c.add_canned(b":0\r\n")
        if not check_string_length(c, offset, vlen):
            return 0
        ba = PyByteArray_FromStringAndSize(NULL, offset + vlen)
        memset(PyByteArray_AS_STRING(ba), 0, offset)
        db.set_obj(c.argv[1].ptr, c.argv[1].len, OBJ_STRING, ba, False)
    else:
        if entry_type(e) != OBJ_STRING:
            return c.add_wrongtype()
        olen = string_len(e)
        if vlen == 0:
            return c.add_int(olen)
        if not check_string_length(c, offset, vlen):
            return 0
        ba = string_make_raw(db, c, 1, e)
        if offset + vlen > olen:
            PyByteArray_Resize(ba, offset + vlen)
            if offset > olen:
                memset(PyByteArray_AS_STRING(ba) + olen, 0, offset - olen)
    p = PyByteArray_AS_STRING(ba)
    memcpy(p + offset, c.argv[3].ptr, vlen)
    c.engine.dirty += 1
    notify(c, NOTIFY_STRING, b"setrange", 1)
    return c.add_int(PyByteArray_GET_SIZE(ba))

cdef int cmd_getrange(Client c) except -1:
    cdef long long start, end
    cdef dictEntry* e
    cdef char tmp[24]
    cdef Py_ssize_t slen
    cdef const char* s
    if not c.arg_ll(2, &start) or not c.arg_ll(3, &end):
        return 0
    e = c.db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    if e == NULL:
        return c.add_canned(b"$0\r\n\r\n")
    if entry_type(e) != OBJ_STRING:
        return c.add_wrongtype()
    s = string_value(e, tmp, &slen)
    if start < 0 and end < 0 and start > end:
        return c.add_canned(b"$0\r\n\r\n")
    if start < 0:
        start = slen + start
    if end < 0:
        end = slen + end
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if <unsigned long long>end >= <unsigned long long>slen:
        end = slen - 1
    if start > end or slen == 0:
        return c.add_canned(b"$0\r\n\r\n")
    return c.add_bulk(s + start, end - start + 1)

# ------------------------------------------------------------------ LCS

cdef int cmd_lcs(Client c) except -1:
    cdef Database db = c.db
    cdef dictEntry* ea = db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    cdef dictEntry* eb = db.lookup_read(c.argv[2].ptr, c.argv[2].len)
    cdef long long minmatchlen = 0
    cdef bint getlen = False, getidx = False, withmatchlen = False
    cdef int j
    cdef char ta[24]
    cdef char tb[24]
    cdef const char* a = b""
    cdef const char* b = b""
    cdef Py_ssize_t alen = 0, blen = 0
    cdef uint32_t* lcs
    cdef uint32_t i, jj, idx, l1, l2, arange_start, arange_end, brange_start, brange_end, match_len
    cdef unsigned long long lcssize
    cdef char* result = NULL
    cdef Py_ssize_t deferred = -1
    cdef long long arraylen = 0
    cdef bint emit, computelcs
    if (ea != NULL and entry_type(ea) != OBJ_STRING) or (eb != NULL and entry_type(eb) != OBJ_STRING):
        return c.add_error_bytes(b"The specified keys must contain string values")
    # keep raw values alive while we read them
    if ea != NULL:
        a = string_value(ea, ta, &alen)
    if eb != NULL:
        b = string_value(eb, tb, &blen)
    j = 3
    while j < c.argc:
        if c.arg_is(j, b"idx"):
            getidx = True
        elif c.arg_is(j, b"len"):
            getlen = True
        elif c.arg_is(j, b"withmatchlen"):
            withmatchlen = True
        elif c.arg_is(j, b"minmatchlen") and j < c.argc - 1:
            if not c.arg_ll(j + 1, &minmatchlen):
                return 0
            if minmatchlen < 0:
                minmatchlen = 0
            j += 1
        else:
            return c.add_syntax_error()
        j += 1
    if getlen and getidx:
        return c.add_error_bytes(b"If you want both the length and indexes, please just use IDX.")
    if alen >= 0xFFFFFFFE or blen >= 0xFFFFFFFE:
        return c.add_error_bytes(b"String too long for LCS")
    lcssize = <unsigned long long>(alen + 1) * (blen + 1)
    if lcssize * sizeof(uint32_t) > <unsigned long long>c.engine.proto_max_bulk_len:
        return c.add_error_bytes(b"Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
    lcs = <uint32_t*>malloc(lcssize * sizeof(uint32_t))
    if lcs == NULL:
        return c.add_error_bytes(b"Insufficient memory, failed allocating transient memory for LCS")
    try:
        for i in range(alen + 1):
            for jj in range(blen + 1):
                if i == 0 or jj == 0:
                    lcs[jj + i * (blen + 1)] = 0
                elif a[i - 1] == b[jj - 1]:
                    lcs[jj + i * (blen + 1)] = lcs[(jj - 1) + (i - 1) * (blen + 1)] + 1
                else:
                    l1 = lcs[jj + (i - 1) * (blen + 1)]
                    l2 = lcs[(jj - 1) + i * (blen + 1)]
                    lcs[jj + i * (blen + 1)] = l1 if l1 > l2 else l2
        idx = lcs[blen + alen * (blen + 1)]
        computelcs = getidx or not getlen
        if computelcs:
            result = <char*>malloc(idx + 1)
        arange_start = <uint32_t>alen
        arange_end = brange_start = brange_end = 0
        if getidx:
            c.add_map_len(2)
            c.add_bulk_obj(b"matches")
            deferred = c.add_deferred()
        i = <uint32_t>alen
        jj = <uint32_t>blen
        while computelcs and i > 0 and jj > 0:
            emit = False
            if a[i - 1] == b[jj - 1]:
                result[idx - 1] = a[i - 1]
                if arange_start == alen:
                    arange_start = i - 1
                    arange_end = i - 1
                    brange_start = jj - 1
                    brange_end = jj - 1
                else:
                    if arange_start == i and brange_start == jj:
                        arange_start -= 1
                        brange_start -= 1
                    else:
                        emit = True
                if arange_start == 0 or brange_start == 0:
                    emit = True
                idx -= 1
                i -= 1
                jj -= 1
            else:
                l1 = lcs[jj + (i - 1) * (blen + 1)]
                l2 = lcs[(jj - 1) + i * (blen + 1)]
                if l1 > l2:
                    i -= 1
                else:
                    jj -= 1
                if arange_start != alen:
                    emit = True
            match_len = arange_end - arange_start + 1
            if emit:
                if minmatchlen == 0 or match_len >= minmatchlen:
                    if deferred >= 0:
                        c.add_array_len(2 + withmatchlen)
                        c.add_array_len(2)
                        c.add_int(arange_start)
                        c.add_int(arange_end)
                        c.add_array_len(2)
                        c.add_int(brange_start)
                        c.add_int(brange_end)
                        if withmatchlen:
                            c.add_int(match_len)
                        arraylen += 1
                arange_start = <uint32_t>alen
        if deferred >= 0:
            c.add_bulk_obj(b"len")
            c.add_int(lcs[blen + alen * (blen + 1)])
            c.set_deferred_array(deferred, arraylen)
        elif getlen:
            c.add_int(lcs[blen + alen * (blen + 1)])
        else:
            c.add_bulk(result, lcs[blen + alen * (blen + 1)])
    finally:
        free(lcs)
        free(result)
    return 0


register_c("get", cmd_get)
register_c("set", cmd_set)
register_c("setnx", cmd_setnx)
register_c("setex", cmd_setex)
register_c("psetex", cmd_psetex)
register_c("getex", cmd_getex)
register_c("getdel", cmd_getdel)
register_c("getset", cmd_getset)
register_c("mget", cmd_mget)
register_c("mset", cmd_mset)
register_c("msetnx", cmd_msetnx)
register_c("incr", cmd_incr)
register_c("decr", cmd_decr)
register_c("incrby", cmd_incrby)
register_c("decrby", cmd_decrby)
register_c("incrbyfloat", cmd_incrbyfloat)
register_c("append", cmd_append)
register_c("strlen", cmd_strlen)
register_c("setrange", cmd_setrange)
register_c("getrange", cmd_getrange)
register_c("substr", cmd_getrange)
register_c("lcs", cmd_lcs)
