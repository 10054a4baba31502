# struct (Roberto Ierusalimschy's library as Redis bundles it): pack,
# unpack and size over a format of options:
#   > < !n      big / little endian, maximum alignment n (default 8)
#   b B h H l L T i[n] I[n]   integers of 1, 2, 8, size_t and n (4) bytes
#   f d         float, double      s   zero-terminated string
#   c[n]        fixed-size string (c0: size from the string / previous number)
#   x           a padding byte     ' ' ignored
# Included by lualibs.pxi.

import struct as _pystruct

cdef int STRUCT_MAXINTSIZE = 32


class StructError(Exception):
    pass


# The options of fmt: [(option char, size)], endianness and alignment as
# they change along the way: [(opt, size, little, align)].
cdef list struct_options(bytes fmt):
    cdef list out = []
    cdef Py_ssize_t i = 0, n = len(fmt)
    cdef bint little = True
    cdef int align = 1
    cdef int size
    cdef str opt
    while i < n:
        opt = chr(fmt[i])
        i += 1
        j = i
        while j < n and 48 <= fmt[j] <= 57:
            j += 1
        num = int(fmt[i:j]) if j > i else None
        i = j
        if opt == ' ':
            continue
        if opt == '>':
            little = False
            continue
        if opt == '<':
            little = True
            continue
        if opt == '!':
            align = num if num is not None else 8
            continue
        if opt in 'bB':
            size = 1
        elif opt in 'hH':
            size = 2
        elif opt in 'lLT':
            size = 8
        elif opt in 'iI':
            size = num if num is not None else 4
            if size > STRUCT_MAXINTSIZE:
                raise StructError(b"integral size %d is larger than limit of %d" % (size, STRUCT_MAXINTSIZE))
        elif opt == 'f':
            size = 4
        elif opt == 'd':
            size = 8
        elif opt == 'x':
            size = 1
        elif opt == 's':
            size = 0
        elif opt == 'c':
            size = num if num is not None else 1
        else:
            raise StructError(b"invalid format option '%s'" % opt.encode())
        out.append((opt, size, little, align))
    return out


cdef int struct_toalign(Py_ssize_t pos, str opt, int size, int align) except -1:
    cdef int a
    if size <= 1 or opt == 'c':
        return 0
    a = size if size < align else align
    if a & (a - 1):
        raise StructError(b"alignment %d is not a power of 2" % a)
    return (a - (pos & (a - 1))) & (a - 1)


cdef bytes struct_int_bytes(object v, int size, bint little):
    cdef bytes b = (int(v) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return b if little else b[::-1]


cdef int struct_pack(lua_State* L) noexcept:
    cdef size_t n
    cdef const char* s
    cdef int arg = 2
    cdef bytearray out = bytearray()
    cdef double d
    try:
        if lua_type(L, 1) != LUA_TSTRING and lua_type(L, 1) != LUA_TNUMBER:
            return type_error(L, 1, "pack", "string")
        s = lua_tolstring(L, 1, &n)
        for opt, size, little, align in struct_options(s[:n]):
            out += b"\0" * struct_toalign(len(out), opt, size, align)
            if opt == 'x':
                out.append(0)
            elif opt in 'bBhHlLTiI':
                if not lua_isnumber(L, arg):
                    return type_error(L, arg, "pack", "number")
                d = lua_tonumber(L, arg)
                arg += 1
                out += struct_int_bytes(num_to_ll(d) if -9.2e18 < d < 9.2e18 else int(d), size, little)
            elif opt in 'fd':
                if not lua_isnumber(L, arg):
                    return type_error(L, arg, "pack", "number")
                out += _pystruct.pack(("<" if little else ">") + opt, lua_tonumber(L, arg))
                arg += 1
            elif opt in 'cs':
                if lua_type(L, arg) != LUA_TSTRING and lua_type(L, arg) != LUA_TNUMBER:
                    return type_error(L, arg, "pack", "string")
                s = lua_tolstring(L, arg, &n)
                if opt == 's':
                    out += s[:n] + b"\0"
                else:
                    if size == 0:
                        size = n
                    if <int>n < size:
                        return arg_error(L, arg, "pack", "string too short")
                    out += s[:size]
                arg += 1
    except StructError as exc:
        push_where_error(L, exc.args[0])
        return RK_LUA_RAISE
    except BaseException as exc:
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    lua_pushlstring(L, out, len(out))
    return 1


cdef int struct_unpack(lua_State* L) noexcept:
    cdef size_t n, ld
    cdef const char* f
    cdef const char* data
    cdef Py_ssize_t pos
    cdef int pushed = 0
    cdef bytes b
    try:
        if lua_type(L, 1) != LUA_TSTRING and lua_type(L, 1) != LUA_TNUMBER:
            return type_error(L, 1, "unpack", "string")
        if lua_type(L, 2) != LUA_TSTRING and lua_type(L, 2) != LUA_TNUMBER:
            return type_error(L, 2, "unpack", "string")
        f = lua_tolstring(L, 1, &n)
        fmt = f[:n]
        data = lua_tolstring(L, 2, &ld)
        pos = (lua_tointeger(L, 3) if lua_type(L, 3) > LUA_TNIL else 1) - 1
        if pos < 0 or pos > <Py_ssize_t>ld:
            return arg_error(L, 3, "unpack", "offset must be 1 or greater")
        lua_settop(L, 2)
        for opt, size, little, align in struct_options(fmt):
            pos += struct_toalign(pos, opt, size, align)
            if opt == 's':
                b = data[pos:ld]
                k = b.find(b"\0")
                if k < 0:
                    push_where_error(L, b"unfinished string in data")
                    return RK_LUA_RAISE
                lua_pushlstring(L, data + pos, k)
                pos += k + 1
                pushed += 1
                continue
            if opt == 'c' and size == 0:
                if pushed == 0 or not lua_isnumber(L, -1):
                    push_where_error(L, b"format `c0' needs a previous size")
                    return RK_LUA_RAISE
                size = <int>lua_tonumber(L, -1)
                lua_pop(L, 1)
                pushed -= 1
            if pos + size > <Py_ssize_t>ld:
                return arg_error(L, 2, "unpack", "data string too short")
            if not lua_checkstack(L, 2):
                push_where_error(L, b"too many results")
                return RK_LUA_RAISE
            if opt == 'x':
                pass
            elif opt in 'bBhHlLTiI':
                b = data[pos:pos + size]
                v = int.from_bytes(b, "little" if little else "big", signed=opt in 'bhli')
                lua_pushnumber(L, <double>v)
                pushed += 1
            elif opt in 'fd':
                lua_pushnumber(L, _pystruct.unpack(("<" if little else ">") + opt, data[pos:pos + size])[0])
                pushed += 1
            elif opt == 'c':
                lua_pushlstring(L, data + pos, size)
                pushed += 1
            pos += size
    except StructError as exc:
        push_where_error(L, exc.args[0])
        return RK_LUA_RAISE
    except BaseException as exc:
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    lua_pushnumber(L, <double>(pos + 1))
    return pushed + 1


cdef int struct_size(lua_State* L) noexcept:
    cdef size_t n
    cdef const char* f
    cdef Py_ssize_t pos = 0
    try:
        if lua_type(L, 1) != LUA_TSTRING and lua_type(L, 1) != LUA_TNUMBER:
            return type_error(L, 1, "size", "string")
        f = lua_tolstring(L, 1, &n)
        for opt, size, little, align in struct_options(f[:n]):
            if opt == 's':
                return arg_error(L, 1, "size", "options 'c0' - 's' have undefined sizes")
            if opt == 'c' and size == 0:
                return arg_error(L, 1, "size", "options 'c0' - 's' have undefined sizes")
            pos += struct_toalign(pos, opt, size, align) + size
    except StructError as exc:
        push_where_error(L, exc.args[0])
        return RK_LUA_RAISE
    lua_pushnumber(L, <double>pos)
    return 1
