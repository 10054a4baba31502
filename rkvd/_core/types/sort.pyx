# SORT and SORT_RO (Redis's sort.c): sort the elements of a list, set or
# sorted set numerically or lexicographically, by the element itself or by
# an external key ("BY weight_*", "BY h_*->field"), with LIMIT, GET patterns
# and STORE into a list. Not a hot path: elements are handled as bytes.

cdef extern from "<stdlib.h>" nogil:
    double strtod(const char* s, char** end)

# Redis's lookupKeyByPattern: "#" is the element itself; the first '*' is
# replaced by the element; "->field" after it reads a hash field. Returns
# bytes or None.
cdef object lookup_key_by_pattern(Database db, bytes pattern, bytes subst):
    cdef Py_ssize_t star, arrow
    cdef bytes key, field = None
    cdef dictEntry* e
    cdef char tmp[24]
    cdef Py_ssize_t n
    cdef const char* p
    if pattern == b"#":
        return subst
    # Redis works on C strings: a NUL ends the pattern
    nul = pattern.find(b"\0")
    if nul >= 0:
        pattern = pattern[:nul]
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    if arrow >= 0 and arrow + 2 < len(pattern):
        field = pattern[arrow + 2:]
        key = pattern[:star] + subst + pattern[star + 1:arrow]
    else:
        key = pattern[:star] + subst + pattern[star + 1:]
    e = db.lookup_read(key, len(key))
    if e == NULL:
        return None
    if field is not None:
        if entry_type(e) != OBJ_HASH:
            return None
        return (<object>e.v.obj).get(field)
    if entry_type(e) != OBJ_STRING:
        return None
    p = string_value(e, tmp, &n)
    return PyBytes_FromStringAndSize(p, n)

# strtod with Redis's checks: the whole string, no ERANGE, no NaN.
cdef bint parse_sort_score(bytes s, double* out):
    cdef char* end
    cdef bytes z = s + b"\0"
    global errno
    errno = 0
    out[0] = strtod(z, &end)
    return end[0] == 0 and end == <char*>z + len(s) and errno != ERANGE and not isnan(out[0])

# Elements of a list (head to tail) or sorted set (by rank).
cdef list sort_source_in_order(object obj, int typ):
    if typ == OBJ_LIST:
        return (<ListValue>obj).elements()
    return [m for m, _ in (<ZsetValue>obj).items()]

cdef ListValue list_value_from_items(Engine eng, list items):
    cdef ListValue lv = list_new(eng)
    cdef bytes it
    for it in items:
        list_push(lv, it, len(it), LIST_TAIL)
    return lv

cdef int sort_generic(Client c, bint readonly) except -1:
    cdef Database db = c.db
    cdef int j = 2, left
    cdef bint desc = False, alpha = False, dontsort = False, conversion_error = False
    cdef long long limit_start = 0, limit_count = -1, start, end, vectorlen
    cdef bytes sortby = None, storekey = None
    cdef list gets = []
    cdef dictEntry* e
    cdef int typ
    cdef double score
    while j < c.argc:
        left = c.argc - j - 1
        if c.arg_is(j, b"asc"):
            desc = False
        elif c.arg_is(j, b"desc"):
            desc = True
        elif c.arg_is(j, b"alpha"):
            alpha = True
        elif c.arg_is(j, b"limit") and left >= 2:
            if not c.arg_ll(j + 1, &limit_start) or not c.arg_ll(j + 2, &limit_count):
                return 0
            j += 2
        elif not readonly and c.arg_is(j, b"store") and left >= 1:
            storekey = c.arg_bytes(j + 1)
            j += 1
        elif c.arg_is(j, b"by") and left >= 1:
            sortby = c.arg_bytes(j + 1)
            if b"*" not in sortby.split(b"\0", 1)[0]:
                dontsort = True
            elif c.acl is not None and not acl_unrestricted_read(c, <Command>c.cur_cmd):
                return c.add_error_bytes(b"BY option of SORT denied due to insufficient ACL permissions.")
            j += 1
        elif c.arg_is(j, b"get") and left >= 1:
            if c.acl is not None and not acl_unrestricted_read(c, <Command>c.cur_cmd):
                return c.add_error_bytes(b"GET option of SORT denied due to insufficient ACL permissions.")
            gets.append(c.arg_bytes(j + 1))
            j += 1
        else:
            return c.add_syntax_error()
        j += 1

    e = db.lookup_read(c.argv[1].ptr, c.argv[1].len)
    typ = OBJ_LIST if e == NULL else entry_type(e)
    if typ != OBJ_SET and typ != OBJ_LIST and typ != OBJ_ZSET:
        return c.add_wrongtype()
    obj = None if e == NULL else <object>e.v.obj
    # BY nosort on a set gives hash-table order, which must not reach a
    # stored key or a script: sort it lexicographically instead
    if dontsort and typ == OBJ_SET and (storekey is not None or c.flags & CF_SCRIPT):
        dontsort = False
        alpha = True
        sortby = None

    vectorlen = 0 if obj is None else len(obj)
    start = min(max(limit_start, 0), vectorlen)
    limit_count = min(max(limit_count, -1), vectorlen)
    end = vectorlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vectorlen:
        start = vectorlen - 1
        end = vectorlen - 2
    if end >= vectorlen:
        end = vectorlen - 1

    if obj is None:
        elements = []
    elif typ == OBJ_SET:
        elements = obj.set_members()
    else:
        elements = sort_source_in_order(obj, typ)
        if dontsort:
            # the container's own order (tail first with DESC), LIMIT window only
            if desc:
                elements.reverse()
            elements = elements[start:end + 1] if end >= start else []
            end -= start
            start = 0

    if not dontsort:
        if alpha:
            if sortby is not None:
                keyed = []
                for ele in elements:
                    byval = lookup_key_by_pattern(db, sortby, ele)
                    keyed.append(((0, b"") if byval is None else (1, byval), ele))
                keyed.sort(key=lambda kv: kv[0], reverse=desc)
            else:
                keyed = [(ele, ele) for ele in elements]
                keyed.sort(key=lambda kv: kv[0], reverse=desc)
        else:
            keyed = []
            for ele in elements:
                byval = lookup_key_by_pattern(db, sortby, ele) if sortby is not None else ele
                score = 0
                if byval is not None and not parse_sort_score(byval, &score):
                    conversion_error = True
                keyed.append(((score, ele), ele))
            keyed.sort(key=lambda kv: kv[0], reverse=desc)
        elements = [kv[1] for kv in keyed]

    if conversion_error:
        return c.add_error_bytes(b"One or more scores can't be converted into double")
    window = elements[start:end + 1] if end >= start else []
    outputlen = len(gets) * len(window) if gets else len(window)
    if storekey is None:
        c.add_array_len(outputlen)
        for ele in window:
            if not gets:
                c.add_bulk(ele, len(ele))
            for pat in gets:
                val = lookup_key_by_pattern(db, pat, ele)
                if val is None:
                    c.add_null()
                else:
                    c.add_bulk(val, len(val))
        return 0
    out = []
    for ele in window:
        if not gets:
            out.append(ele)
        for pat in gets:
            val = lookup_key_by_pattern(db, pat, ele)
            out.append(b"" if val is None else val)
    if outputlen:
        db.set_obj(storekey, len(storekey), OBJ_LIST, list_value_from_items(c.engine, out), False)
        signal_key_as_ready(db, storekey, len(storekey))
        if c.engine.notify_flags & NOTIFY_LIST:
            c.engine.notify_keyspace_event(NOTIFY_LIST, b"sortstore", storekey, db.id)
        c.engine.dirty += outputlen
    elif db.delete_key(storekey, len(storekey)):
        if c.engine.notify_flags & NOTIFY_GENERIC:
            c.engine.notify_keyspace_event(NOTIFY_GENERIC, b"del", storekey, db.id)
        c.engine.dirty += 1
    return c.add_int(outputlen)

cdef int cmd_sort(Client c) except -1:
    return sort_generic(c, False)

cdef int cmd_sort_ro(Client c) except -1:
    return sort_generic(c, True)

register_c("sort", cmd_sort)
register_c("sort_ro", cmd_sort_ro)
