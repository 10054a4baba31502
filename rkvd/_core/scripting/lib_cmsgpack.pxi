# cmsgpack (lua-cmsgpack as Redis bundles it): MessagePack encoding of Lua
# values. Numbers that are whole and fit 64 bits use the smallest integer
# form, others float 32 when exact, else float 64; strings use fixstr,
# str 8/16/32; a table whose keys are exactly 1..n is an array, any other
# a map; tables nested deeper than 16 and values MessagePack cannot hold
# (functions, userdata) encode as nil. Included by lualibs.pxi.

cdef int MP_MAX_NESTING = 16


cdef inline void _mp_len(bytearray out, size_t n, int fix_base, int fix_max, int c8, int c16, int c32):
    if n <= <size_t>fix_max:
        out.append(fix_base | n)
    elif c8 and n <= 0xff:
        out.append(c8)
        out.append(n)
    elif n <= 0xffff:
        out.append(c16)
        out += (<int>n).to_bytes(2, "big")
    else:
        out.append(c32)
        out += (<long long>n).to_bytes(4, "big")


cdef void _mp_int(bytearray out, long long v):
    if v >= 0:
        if v < 128:
            out.append(v)
        elif v <= 0xff:
            out.append(0xcc)
            out.append(v)
        elif v <= 0xffff:
            out.append(0xcd)
            out += v.to_bytes(2, "big")
        elif v <= 0xffffffff:
            out.append(0xce)
            out += v.to_bytes(4, "big")
        else:
            out.append(0xcf)
            out += v.to_bytes(8, "big")
    else:
        if v >= -32:
            out.append(v & 0xff)
        elif v >= -128:
            out.append(0xd0)
            out += v.to_bytes(1, "big", signed=True)
        elif v >= -32768:
            out.append(0xd1)
            out += v.to_bytes(2, "big", signed=True)
        elif v >= -2147483648:
            out.append(0xd2)
            out += v.to_bytes(4, "big", signed=True)
        else:
            out.append(0xd3)
            out += v.to_bytes(8, "big", signed=True)


# Encode the value on the top of the stack (left there).
cdef int _mp_enc(lua_State* L, bytearray out, int depth) except -1:
    cdef int t = lua_type(L, -1)
    cdef size_t n
    cdef const char* s
    cdef double d
    cdef float f
    cdef long long count, maxk
    cdef bint is_array
    if t == LUA_TSTRING:
        s = lua_tolstring(L, -1, &n)
        _mp_len(out, n, 0xa0, 31, 0xd9, 0xda, 0xdb)
        out += s[:n]
    elif t == LUA_TBOOLEAN:
        out.append(0xc3 if lua_toboolean(L, -1) else 0xc2)
    elif t == LUA_TNUMBER:
        d = lua_tonumber(L, -1)
        if not isinf(d) and not isnan(d) and -9223372036854775808.0 <= d < 9223372036854775808.0 \
                and <double>(<long long>d) == d:
            _mp_int(out, <long long>d)
        else:
            f = <float>d
            if <double>f == d or isnan(d):
                out.append(0xca)
                out += _pystruct.pack(">f", d)
            else:
                out.append(0xcb)
                out += _pystruct.pack(">d", d)
    elif t == LUA_TTABLE and depth < MP_MAX_NESTING:
        if not lua_checkstack(L, 3):
            out.append(0xc0)
            return 0
        count = 0
        maxk = 0
        is_array = True
        lua_pushnil(L)
        while lua_next(L, -2):
            lua_pop(L, 1)
            count += 1
            if is_array:
                if lua_type(L, -1) == LUA_TNUMBER:
                    d = lua_tonumber(L, -1)
                    if d > 0 and d == floor(d):
                        if d > maxk:
                            maxk = <long long>d
                        continue
                is_array = False
        if is_array and maxk == count:
            _mp_len(out, count, 0x90, 15, 0, 0xdc, 0xdd)
            for k in range(1, count + 1):
                lua_rawgeti(L, -1, k)
                _mp_enc(L, out, depth + 1)
                lua_pop(L, 1)
        else:
            _mp_len(out, count, 0x80, 15, 0, 0xde, 0xdf)
            lua_pushnil(L)
            while lua_next(L, -2):
                lua_pushvalue(L, -2)
                _mp_enc(L, out, depth + 1)
                lua_pop(L, 1)
                _mp_enc(L, out, depth + 1)
                lua_pop(L, 1)
    else:
        out.append(0xc0)
    return 0


cdef int mp_pack(lua_State* L) noexcept:
    cdef int n = lua_gettop(L), i
    cdef bytearray out = bytearray()
    if n == 0:
        push_where_error(L, b"bad argument #0 to 'pack' (MessagePack pack needs input.)")
        return RK_LUA_RAISE
    try:
        for i in range(1, n + 1):
            lua_pushvalue(L, i)
            _mp_enc(L, out, 0)
            lua_pop(L, 1)
    except BaseException as exc:
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    lua_pushlstring(L, out, len(out))
    return 1


class MsgpackError(Exception):
    pass


# Decode one object at s[pos:n] onto the stack; returns the position after.
cdef Py_ssize_t _mp_dec(lua_State* L, const unsigned char* s, Py_ssize_t pos, Py_ssize_t n) except -1:
    cdef unsigned char c
    cdef Py_ssize_t ln, k
    cdef int kind
    if pos >= n:
        raise MsgpackError(b"Missing bytes in input.")
    if not lua_checkstack(L, 3):
        raise MsgpackError(b"too many nested structures")
    c = s[pos]
    pos += 1
    if c < 0x80:
        lua_pushnumber(L, c)
        return pos
    if c >= 0xe0:
        lua_pushnumber(L, <int>c - 256)
        return pos
    if 0xa0 <= c <= 0xbf:
        return _mp_str(L, s, pos, n, c & 31)
    if 0x90 <= c <= 0x9f:
        return _mp_arr(L, s, pos, n, c & 15)
    if 0x80 <= c <= 0x8f:
        return _mp_map(L, s, pos, n, c & 15)
    if c == 0xc0:
        lua_pushnil(L)
        return pos
    if c == 0xc2 or c == 0xc3:
        lua_pushboolean(L, c == 0xc3)
        return pos
    if c in (0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3):
        ln = 1 << ((c - 0xcc) & 3)
        if pos + ln > n:
            raise MsgpackError(b"Missing bytes in input.")
        lua_pushnumber(L, <double>int.from_bytes(s[pos:pos + ln], "big", signed=c >= 0xd0))
        return pos + ln
    if c == 0xca or c == 0xcb:
        ln = 4 if c == 0xca else 8
        if pos + ln > n:
            raise MsgpackError(b"Missing bytes in input.")
        lua_pushnumber(L, _pystruct.unpack(">f" if c == 0xca else ">d", s[pos:pos + ln])[0])
        return pos + ln
    if c in (0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6, 0xdc, 0xdd, 0xde, 0xdf):
        if c in (0xd9, 0xc4):
            k = 1
        elif c in (0xda, 0xc5, 0xdc, 0xde):
            k = 2
        else:
            k = 4
        if pos + k > n:
            raise MsgpackError(b"Missing bytes in input.")
        ln = int.from_bytes(s[pos:pos + k], "big")
        pos += k
        if c in (0xdc, 0xdd):
            return _mp_arr(L, s, pos, n, ln)
        if c in (0xde, 0xdf):
            return _mp_map(L, s, pos, n, ln)
        return _mp_str(L, s, pos, n, ln)
    raise MsgpackError(b"Bad data format in input.")


cdef Py_ssize_t _mp_str(lua_State* L, const unsigned char* s, Py_ssize_t pos, Py_ssize_t n,
                        Py_ssize_t ln) except -1:
    if pos + ln > n:
        raise MsgpackError(b"Missing bytes in input.")
    lua_pushlstring(L, <const char*>s + pos, ln)
    return pos + ln


cdef Py_ssize_t _mp_arr(lua_State* L, const unsigned char* s, Py_ssize_t pos, Py_ssize_t n,
                        Py_ssize_t ln) except -1:
    cdef Py_ssize_t j
    lua_createtable(L, <int>ln if ln < 1 << 20 else 0, 0)
    for j in range(ln):
        pos = _mp_dec(L, s, pos, n)
        lua_rawseti(L, -2, <int>(j + 1))
    return pos


cdef Py_ssize_t _mp_map(lua_State* L, const unsigned char* s, Py_ssize_t pos, Py_ssize_t n,
                        Py_ssize_t ln) except -1:
    cdef Py_ssize_t j
    lua_createtable(L, 0, <int>ln if ln < 1 << 20 else 0)
    for j in range(ln):
        pos = _mp_dec(L, s, pos, n)
        pos = _mp_dec(L, s, pos, n)
        if lua_type(L, -2) == LUA_TNIL:
            lua_pop(L, 2)
        else:
            lua_rawset(L, -3)
    return pos


# unpack / unpack_one / unpack_limit: decode up to limit objects (0: all)
# from offset; with_offset: the next offset (or -1 at the end) first.
cdef int _mp_unpack(lua_State* L, long long limit, long long offset, bint with_offset) noexcept:
    cdef size_t n
    cdef const char* s
    cdef Py_ssize_t pos = offset
    cdef int count = 0
    if lua_type(L, 1) != LUA_TSTRING and lua_type(L, 1) != LUA_TNUMBER:
        return type_error(L, 1, "unpack", "string")
    s = lua_tolstring(L, 1, &n)
    if offset < 0 or offset > <long long>n:
        push_where_error(L, b"Start offset %lld greater than input length %lld." % (offset, <long long>n))
        return RK_LUA_RAISE
    if with_offset:
        lua_pushnil(L)          # the offset's slot
    try:
        while pos < <Py_ssize_t>n and (limit == 0 or count < limit):
            pos = _mp_dec(L, <const unsigned char*>s, pos, n)
            count += 1
    except MsgpackError as exc:
        push_where_error(L, exc.args[0])
        return RK_LUA_RAISE
    except BaseException as exc:
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    if with_offset:
        lua_pushnumber(L, <double>(pos if pos < <Py_ssize_t>n else -1))
        lua_replace(L, -count - 2)
        return count + 1
    return count


cdef int mp_unpack(lua_State* L) noexcept:
    return _mp_unpack(L, 0, 0, False)


cdef int mp_unpack_one(lua_State* L) noexcept:
    cdef long long off = lua_tointeger(L, 2) if lua_type(L, 2) > LUA_TNIL else 0
    return _mp_unpack(L, 1, off, True)


cdef int mp_unpack_limit(lua_State* L) noexcept:
    cdef long long lim = lua_tointeger(L, 2) if lua_type(L, 2) > LUA_TNIL else 0
    cdef long long off = lua_tointeger(L, 3) if lua_type(L, 3) > LUA_TNIL else 0
    return _mp_unpack(L, lim, off, True)
