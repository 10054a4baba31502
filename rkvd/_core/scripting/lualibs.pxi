# The libraries Redis bundles with its Lua, written for this engine against
# the same behaviour (included by luaengine.pyx):
#
#   bit       LuaBitOp: 32-bit operations on numbers (tobit, tohex, bnot,
#             band, bor, bxor, lshift, rshift, arshift, rol, ror, bswap)
#   cjson     JSON encode/decode with Redis's settings: 14 significant
#             digits, '/' escaped, sparse arrays refused past ratio 2 and
#             index 10, nesting limited to 1000, null as cjson.null
#   struct    Roberto Ierusalimschy's struct library (pack, unpack, size)
#   cmsgpack  MessagePack (pack of any number of values, unpack,
#             unpack_one, unpack_limit)
#
# Each function keeps the trampoline contract of luaapi.h; error texts are
# the libraries' own, with the caller's position as luaL_error adds it.

cdef lua_CFunction F_BIT[12]
cdef lua_CFunction F_CJSON_ENCODE, F_CJSON_DECODE, F_CJSON_CFG
cdef lua_CFunction F_CJSON_ENC_DEPTH, F_CJSON_DEC_DEPTH, F_CJSON_ENC_INVALID
cdef lua_CFunction F_STRUCT_PACK, F_STRUCT_UNPACK, F_STRUCT_SIZE
cdef lua_CFunction F_MP_PACK, F_MP_UNPACK, F_MP_UNPACK_ONE, F_MP_UNPACK_LIMIT

cdef const char* BIT_NAMES[12]
BIT_NAMES[:] = [b"tobit", b"tohex", b"bnot", b"band", b"bor", b"bxor", b"lshift", b"rshift",
                b"arshift", b"rol", b"ror", b"bswap"]


cdef int init_lib_functions() except -1:
    global F_CJSON_ENCODE, F_CJSON_DECODE, F_CJSON_CFG
    global F_CJSON_ENC_DEPTH, F_CJSON_DEC_DEPTH, F_CJSON_ENC_INVALID
    global F_STRUCT_PACK, F_STRUCT_UNPACK, F_STRUCT_SIZE
    global F_MP_PACK, F_MP_UNPACK, F_MP_UNPACK_ONE, F_MP_UNPACK_LIMIT
    F_BIT[0] = lua_fn(bit_tobit)
    F_BIT[1] = lua_fn(bit_tohex)
    F_BIT[2] = lua_fn(bit_bnot)
    F_BIT[3] = lua_fn(bit_band)
    F_BIT[4] = lua_fn(bit_bor)
    F_BIT[5] = lua_fn(bit_bxor)
    F_BIT[6] = lua_fn(bit_lshift)
    F_BIT[7] = lua_fn(bit_rshift)
    F_BIT[8] = lua_fn(bit_arshift)
    F_BIT[9] = lua_fn(bit_rol)
    F_BIT[10] = lua_fn(bit_ror)
    F_BIT[11] = lua_fn(bit_bswap)
    F_CJSON_ENCODE = lua_fn(cjson_encode)
    F_CJSON_DECODE = lua_fn(cjson_decode)
    F_CJSON_CFG = lua_fn(cjson_config)
    F_CJSON_ENC_DEPTH = lua_fn(cjson_encode_max_depth)
    F_CJSON_DEC_DEPTH = lua_fn(cjson_decode_max_depth)
    F_CJSON_ENC_INVALID = lua_fn(cjson_encode_invalid_numbers)
    F_STRUCT_PACK = lua_fn(struct_pack)
    F_STRUCT_UNPACK = lua_fn(struct_unpack)
    F_STRUCT_SIZE = lua_fn(struct_size)
    F_MP_PACK = lua_fn(mp_pack)
    F_MP_UNPACK = lua_fn(mp_unpack)
    F_MP_UNPACK_ONE = lua_fn(mp_unpack_one)
    F_MP_UNPACK_LIMIT = lua_fn(mp_unpack_limit)
    return 0


cdef void open_redis_libs(lua_State* L) noexcept:
    cdef int i
    lua_newtable(L)
    for i in range(12):
        _set_fn(L, BIT_NAMES[i], F_BIT[i])
    lua_setglobal(L, "bit")
    lua_newtable(L)
    _set_fn(L, "encode", F_CJSON_ENCODE)
    _set_fn(L, "decode", F_CJSON_DECODE)
    for name in (b"encode_keep_buffer", b"encode_number_precision", b"decode_invalid_numbers",
                 b"encode_sparse_array"):
        _set_fn(L, name, F_CJSON_CFG)
    _set_fn(L, "encode_max_depth", F_CJSON_ENC_DEPTH)
    _set_fn(L, "decode_max_depth", F_CJSON_DEC_DEPTH)
    _set_fn(L, "encode_invalid_numbers", F_CJSON_ENC_INVALID)
    lua_pushstring(L, "null")
    lua_pushlightuserdata(L, NULL)
    lua_settable(L, -3)
    lua_pushstring(L, "_NAME")
    lua_pushstring(L, "cjson")
    lua_settable(L, -3)
    lua_pushstring(L, "_VERSION")
    lua_pushstring(L, "2.1.0")
    lua_settable(L, -3)
    lua_setglobal(L, "cjson")
    lua_newtable(L)
    _set_fn(L, "pack", F_STRUCT_PACK)
    _set_fn(L, "unpack", F_STRUCT_UNPACK)
    _set_fn(L, "size", F_STRUCT_SIZE)
    lua_setglobal(L, "struct")
    lua_newtable(L)
    _set_fn(L, "pack", F_MP_PACK)
    _set_fn(L, "unpack", F_MP_UNPACK)
    _set_fn(L, "unpack_one", F_MP_UNPACK_ONE)
    _set_fn(L, "unpack_limit", F_MP_UNPACK_LIMIT)
    lua_pushstring(L, "_NAME")
    lua_pushstring(L, "cmsgpack")
    lua_settable(L, -3)
    lua_pushstring(L, "_VERSION")
    lua_pushstring(L, "lua-cmsgpack 0.4.0")
    lua_settable(L, -3)
    lua_setglobal(L, "cmsgpack")


# luaL_check* failures, as Lua words them ("bad argument #1 to 'band'
# (number expected, got nil)"); the caller raises.
cdef int arg_error(lua_State* L, int idx, const char* fname, const char* extramsg) noexcept:
    cdef bytes b = b"bad argument #%d to '%s' (%s)" % (idx, <bytes>fname, <bytes>extramsg)
    push_where_error(L, b)
    return RK_LUA_RAISE


cdef int type_error(lua_State* L, int idx, const char* fname, const char* expected) noexcept:
    cdef bytes got = b"no value" if lua_type(L, idx) == LUA_TNONE else <bytes>lua_typename(L, lua_type(L, idx))
    cdef bytes b = b"%s expected, got %s" % (<bytes>expected, got)
    return arg_error(L, idx, fname, b)


# ---------------------------------------------------------------- bit

# LuaBitOp's conversion: the number rounded to an integer and taken modulo
# 2^32 (through the 2^52 + 2^51 trick, so doubles out of range wrap).
cdef inline bint bit_arg(lua_State* L, int idx, const char* fname, uint32_t* out) noexcept:
    cdef double d
    cdef double b
    cdef union_bits u
    if not lua_isnumber(L, idx):
        type_error(L, idx, fname, b"number")
        return False
    d = lua_tonumber(L, idx)
    b = d + 6755399441055744.0
    memcpy(&u, &b, 8)
    out[0] = <uint32_t>u.lo
    return True

ctypedef struct union_bits:
    uint32_t lo
    uint32_t hi


cdef inline int bit_ret(lua_State* L, uint32_t v) noexcept:
    lua_pushnumber(L, <double>(<int32_t>v))
    return 1


cdef int bit_tobit(lua_State* L) noexcept:
    cdef uint32_t a
    if not bit_arg(L, 1, "tobit", &a):
        return RK_LUA_RAISE
    return bit_ret(L, a)


cdef int bit_bnot(lua_State* L) noexcept:
    cdef uint32_t a
    if not bit_arg(L, 1, "bnot", &a):
        return RK_LUA_RAISE
    return bit_ret(L, ~a)


cdef int bit_bswap(lua_State* L) noexcept:
    cdef uint32_t a
    if not bit_arg(L, 1, "bswap", &a):
        return RK_LUA_RAISE
    return bit_ret(L, (a >> 24) | ((a >> 8) & 0xff00) | ((a & 0xff00) << 8) | (a << 24))


cdef int _bit_fold(lua_State* L, const char* fname, int op) noexcept:
    cdef uint32_t acc, b
    cdef int i, n = lua_gettop(L)
    if not bit_arg(L, 1, fname, &acc):
        return RK_LUA_RAISE
    for i in range(2, n + 1):
        if not bit_arg(L, i, fname, &b):
            return RK_LUA_RAISE
        if op == 0:
            acc &= b
        elif op == 1:
            acc |= b
        else:
            acc ^= b
    return bit_ret(L, acc)


cdef int bit_band(lua_State* L) noexcept:
    return _bit_fold(L, "band", 0)


cdef int bit_bor(lua_State* L) noexcept:
    return _bit_fold(L, "bor", 1)


cdef int bit_bxor(lua_State* L) noexcept:
    return _bit_fold(L, "bxor", 2)


cdef int _bit_shift(lua_State* L, const char* fname, int op) noexcept:
    cdef uint32_t a, n
    if not bit_arg(L, 1, fname, &a) or not bit_arg(L, 2, fname, &n):
        return RK_LUA_RAISE
    n &= 31
    if op == 0:
        a = a << n
    elif op == 1:
        a = a >> n
    elif op == 2:
        a = <uint32_t>(<int32_t>a >> n)
    elif op == 3:
        a = (a << n) | (a >> ((32 - n) & 31)) if n else a
    else:
        a = (a >> n) | (a << ((32 - n) & 31)) if n else a
    return bit_ret(L, a)


cdef int bit_lshift(lua_State* L) noexcept:
    return _bit_shift(L, "lshift", 0)


cdef int bit_rshift(lua_State* L) noexcept:
    return _bit_shift(L, "rshift", 1)


cdef int bit_arshift(lua_State* L) noexcept:
    return _bit_shift(L, "arshift", 2)


cdef int bit_rol(lua_State* L) noexcept:
    return _bit_shift(L, "rol", 3)


cdef int bit_ror(lua_State* L) noexcept:
    return _bit_shift(L, "ror", 4)


cdef int bit_tohex(lua_State* L) noexcept:
    cdef uint32_t a, nn
    cdef int32_t n = 8
    cdef char buf[8]
    cdef const char* digits = b"0123456789abcdef"
    cdef int i
    if not bit_arg(L, 1, "tohex", &a):
        return RK_LUA_RAISE
    if lua_type(L, 2) > LUA_TNIL:
        if not bit_arg(L, 2, "tohex", &nn):
            return RK_LUA_RAISE
        n = <int32_t>nn
    if n < 0:
        n = -n
        digits = b"0123456789ABCDEF"
    if n > 8:
        n = 8
    i = n - 1
    while i >= 0:
        buf[i] = digits[a & 15]
        a >>= 4
        i -= 1
    lua_pushlstring(L, buf, n)
    return 1


# ---------------------------------------------------------------- cjson

# The settings scripts may change (lua-cjson's defaults), shared by the
# EVAL and the functions' states.
cdef int g_enc_max_depth = 1000
cdef int g_dec_max_depth = 1000
cdef int g_enc_invalid = 0              # 0 refuse, 1 nan/inf, 2 null


# The other cjson.encode_* / decode_* settings: accepted, no effect.
cdef int cjson_config(lua_State* L) noexcept:
    return 0


# An integer setting (json_integer_option): set it from argument 1 when
# given, and return its value.
cdef int _depth_option(lua_State* L, int* value) noexcept:
    cdef double d
    if lua_gettop(L) > 1:
        push_where_error(L, b"bad argument #2 to '?' (found too many arguments)")
        return RK_LUA_RAISE
    if lua_gettop(L) == 1 and lua_type(L, 1) != LUA_TNIL:
        d = lua_tonumber(L, 1)
        if lua_type(L, 1) != LUA_TNUMBER or d != floor(d) or d < 1 or d > 2147483647:
            push_where_error(L, b"bad argument #1 to '?' (expected integer between 1 and 2147483647)")
            return RK_LUA_RAISE
        value[0] = <int>d
    lua_pushnumber(L, value[0])
    return 1


cdef int cjson_encode_max_depth(lua_State* L) noexcept:
    return _depth_option(L, &g_enc_max_depth)


cdef int cjson_decode_max_depth(lua_State* L) noexcept:
    return _depth_option(L, &g_dec_max_depth)


# encode_invalid_numbers([true|false|"on"|"off"|"null"]): the setting, as a
# boolean or "null".
cdef int cjson_encode_invalid_numbers(lua_State* L) noexcept:
    global g_enc_invalid
    cdef size_t n
    cdef const char* s
    if lua_gettop(L) >= 1 and lua_type(L, 1) != LUA_TNIL:
        if lua_type(L, 1) == LUA_TBOOLEAN:
            g_enc_invalid = 1 if lua_toboolean(L, 1) else 0
        else:
            s = lua_tolstring(L, 1, &n)
            opt = s[:n] if s != NULL else b""
            if opt == b"off":
                g_enc_invalid = 0
            elif opt == b"on":
                g_enc_invalid = 1
            elif opt == b"null":
                g_enc_invalid = 2
            else:
                push_where_error(L, b"bad argument #1 to '?' (invalid option '%s')" % opt)
                return RK_LUA_RAISE
    if g_enc_invalid == 2:
        lua_pushstring(L, "null")
    else:
        lua_pushboolean(L, g_enc_invalid)
    return 1


cdef int cjson_encode(lua_State* L) noexcept:
    cdef bytearray out = bytearray()
    cdef int r
    if lua_gettop(L) != 1:
        push_where_error(L, b"bad argument #1 to '?' (expected 1 argument)")
        return RK_LUA_RAISE
    try:
        r = _json_enc(L, out, 0)
    except BaseException as exc:
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    if r < 0:
        return RK_LUA_RAISE
    lua_pushlstring(L, out, len(out))
    return 1


cdef bytes _json_escape(const char* s, size_t n):
    cdef bytearray out = bytearray(b'"')
    cdef size_t i
    cdef unsigned char ch
    for i in range(n):
        ch = <unsigned char>s[i]
        if ch == b'"':
            out += b'\\"'
        elif ch == b'\\':
            out += b'\\\\'
        elif ch == b'/':
            out += b'\\/'
        elif ch == b'\n':
            out += b'\\n'
        elif ch == b'\r':
            out += b'\\r'
        elif ch == b'\t':
            out += b'\\t'
        elif ch == 8:
            out += b'\\b'
        elif ch == 12:
            out += b'\\f'
        elif ch < 32 or ch == 127:
            out += b'\\u%04x' % ch
        else:
            out.append(ch)
    out.append(34)
    return bytes(out)


cdef bytes _json_num(double d):
    cdef char buf[32]
    cdef int n = snprintf(buf, 32, "%.14g", d)
    return buf[:n]


# Encode the value on the top of the stack into out (left on the stack);
# -1 with an error pushed.
cdef int _json_enc(lua_State* L, bytearray out, int depth) except -2:
    cdef int t = lua_type(L, -1)
    cdef size_t n
    cdef const char* s
    cdef double d
    cdef long long maxk, items, k
    cdef bint is_array
    cdef bint first
    if t == LUA_TSTRING:
        s = lua_tolstring(L, -1, &n)
        out += _json_escape(s, n)
    elif t == LUA_TNUMBER:
        d = lua_tonumber(L, -1)
        if isnan(d) or isinf(d):
            if g_enc_invalid == 0:
                push_where_error(L, b"Cannot serialise number: must not be NaN or Inf")
                return -1
            out += b"null" if g_enc_invalid == 2 else b"nan" if isnan(d) else _json_num(d)
        else:
            out += _json_num(d)
    elif t == LUA_TBOOLEAN:
        out += b"true" if lua_toboolean(L, -1) else b"false"
    elif t == LUA_TNIL:
        out += b"null"
    elif t == LUA_TLIGHTUSERDATA and lua_touserdata(L, -1) == NULL:
        out += b"null"
    elif t == LUA_TTABLE:
        depth += 1
        if depth > g_enc_max_depth:
            push_where_error(L, b"Cannot serialise, excessive nesting (%d)" % depth)
            return -1
        if not lua_checkstack(L, 3):
            push_where_error(L, b"Cannot serialise, excessive nesting (%d)" % depth)
            return -1
        # an array when every key is a positive integer
        maxk = 0
        items = 0
        is_array = True
        lua_pushnil(L)
        while lua_next(L, -2):
            if lua_type(L, -2) == LUA_TNUMBER:
                d = lua_tonumber(L, -2)
                if d == floor(d) and d >= 1:
                    if d > maxk:
                        maxk = <long long>d
                    items += 1
                    lua_pop(L, 1)
                    continue
            is_array = False
            lua_pop(L, 2)
            break
        if is_array and maxk > 0:
            if maxk > items * 2 and maxk > 10:
                push_where_error(L, b"Cannot serialise table: excessively sparse array")
                return -1
            out.append(91)
            for k in range(1, maxk + 1):
                if k > 1:
                    out.append(44)
                lua_rawgeti(L, -1, <int>k)
                if _json_enc(L, out, depth) < 0:
                    return -1
                lua_pop(L, 1)
            out.append(93)
        else:
            out.append(123)
            first = True
            lua_pushnil(L)
            while lua_next(L, -2):
                if not first:
                    out.append(44)
                first = False
                t = lua_type(L, -2)
                if t == LUA_TSTRING:
                    s = lua_tolstring(L, -2, &n)
                    out += _json_escape(s, n)
                elif t == LUA_TNUMBER:
                    out += b'"' + _json_num(lua_tonumber(L, -2)) + b'"'
                else:
                    push_where_error(L, b"Cannot serialise %s: table key must be a number or string"
                                     % <bytes>lua_typename(L, t))
                    return -1
                out.append(58)
                if _json_enc(L, out, depth) < 0:
                    return -1
                lua_pop(L, 1)
            out.append(125)
    else:
        push_where_error(L, b"Cannot serialise %s: type not supported" % <bytes>lua_typename(L, t))
        return -1
    return 0


cdef int cjson_decode(lua_State* L) noexcept:
    cdef size_t n = 0
    cdef const char* s
    cdef JsonParser p
    if lua_gettop(L) != 1:
        push_where_error(L, b"bad argument #1 to '?' (expected 1 argument)")
        return RK_LUA_RAISE
    if lua_type(L, 1) != LUA_TSTRING and lua_type(L, 1) != LUA_TNUMBER:
        return type_error(L, 1, "decode", "string")
    s = lua_tolstring(L, 1, &n)
    p = JsonParser()
    p.s = s
    p.n = n
    p.i = 0
    try:
        if n >= 2 and (s[0] == 0 or s[1] == 0):
            raise JsonError(b"JSON parser does not support UTF-16 or UTF-32")
        p.value(L, 0)
        p.ws()
        if p.i < p.n:
            p.fail(b"the end")
    except JsonError as exc:
        lua_settop(L, 1)
        push_where_error(L, exc.args[0])
        return RK_LUA_RAISE
    except BaseException as exc:
        lua_settop(L, 1)
        push_where_error(L, str(exc).encode())
        return RK_LUA_RAISE
    return 1


class JsonError(Exception):
    pass


cdef class JsonParser:
    cdef const char* s
    cdef size_t n, i

    cdef void ws(self) noexcept:
        while self.i < self.n and self.s[self.i] in b" \t\r\n":
            self.i += 1

    cdef fail(self, bytes expected):
        cdef size_t at = self.i
        cdef bytes found
        if at >= self.n:
            found = b"T_END"
        else:
            found = self._token_name()
        raise JsonError(b"Expected %s but found %s at character %d" % (expected, found, at + 1))

    cdef bytes _token_name(self):
        cdef char c = self.s[self.i]
        if c == b'{':
            return b"T_OBJ_BEGIN"
        if c == b'}':
            return b"T_OBJ_END"
        if c == b'[':
            return b"T_ARR_BEGIN"
        if c == b']':
            return b"T_ARR_END"
        if c == b',':
            return b"T_COMMA"
        if c == b':':
            return b"T_COLON"
        if c == b'"':
            return b"T_STRING"
        if c == b'-' or b'0' <= c <= b'9':
            return b"T_NUMBER"
        if self.s[self.i:self.i + 4] == b"true" or self.s[self.i:self.i + 5] == b"false":
            return b"T_BOOLEAN"
        if self.s[self.i:self.i + 4] == b"null":
            return b"T_NULL"
        return b"invalid token"

    cdef int value(self, lua_State* L, int depth) except -1:
        cdef char c
        cdef long long k
        cdef char* endp
        cdef double d
        self.ws()
        if self.i >= self.n:
            self.fail(b"value")
        if not lua_checkstack(L, 4):
            raise JsonError(b"Found too many nested data structures (%d) at character %d" % (depth, self.i + 1))
        c = self.s[self.i]
        if c == b'{':
            depth += 1
            if depth > g_dec_max_depth:
                raise JsonError(b"Found too many nested data structures (%d) at character %d"
                                % (depth, self.i + 1))
            self.i += 1
            lua_newtable(L)
            self.ws()
            if self.i < self.n and self.s[self.i] == b'}':
                self.i += 1
                return 0
            while True:
                self.ws()
                if self.i >= self.n or self.s[self.i] != b'"':
                    self.fail(b"object key string")
                self.string(L)
                self.ws()
                if self.i >= self.n or self.s[self.i] != b':':
                    self.fail(b"colon")
                self.i += 1
                self.value(L, depth)
                lua_rawset(L, -3)
                self.ws()
                if self.i < self.n and self.s[self.i] == b',':
                    self.i += 1
                    continue
                if self.i < self.n and self.s[self.i] == b'}':
                    self.i += 1
                    return 0
                self.fail(b"comma or object end")
        if c == b'[':
            depth += 1
            if depth > g_dec_max_depth:
                raise JsonError(b"Found too many nested data structures (%d) at character %d"
                                % (depth, self.i + 1))
            self.i += 1
            lua_newtable(L)
            self.ws()
            if self.i < self.n and self.s[self.i] == b']':
                self.i += 1
                return 0
            k = 1
            while True:
                self.value(L, depth)
                lua_rawseti(L, -2, <int>k)
                k += 1
                self.ws()
                if self.i < self.n and self.s[self.i] == b',':
                    self.i += 1
                    continue
                if self.i < self.n and self.s[self.i] == b']':
                    self.i += 1
                    return 0
                self.fail(b"comma or array end")
        if c == b'"':
            self.string(L)
            return 0
        if c == b'-' or b'0' <= c <= b'9':
            if self.n - self.i > 1 and (self.s[self.i + 1] == b'x' or self.s[self.i + 1] == b'X'):
                self.fail(b"value")
            d = strtod_n(self.s + self.i, self.n - self.i, &k)
            if k == 0:
                self.fail(b"value")
            self.i += k
            lua_pushnumber(L, d)
            return 0
        if self.s[self.i:self.i + 4] == b"true":
            self.i += 4
            lua_pushboolean(L, 1)
            return 0
        if self.s[self.i:self.i + 5] == b"false":
            self.i += 5
            lua_pushboolean(L, 0)
            return 0
        if self.s[self.i:self.i + 4] == b"null":
            self.i += 4
            lua_pushlightuserdata(L, NULL)
            return 0
        self.fail(b"value")
        return 0

    cdef int string(self, lua_State* L) except -1:
        cdef bytearray out = bytearray()
        cdef size_t start = self.i
        cdef char c
        cdef unsigned int cp, lo
        self.i += 1
        while True:
            if self.i >= self.n:
                self.i = start
                raise JsonError(b"Expected value but found invalid token at character %d" % (start + 1))
            c = self.s[self.i]
            if c == b'"':
                self.i += 1
                break
            if c == b'\\':
                if self.i + 1 >= self.n:
                    raise JsonError(b"Expected value but found invalid token at character %d" % (start + 1))
                c = self.s[self.i + 1]
                self.i += 2
                if c == b'n':
                    out.append(10)
                elif c == b't':
                    out.append(9)
                elif c == b'r':
                    out.append(13)
                elif c == b'b':
                    out.append(8)
                elif c == b'f':
                    out.append(12)
                elif c == b'"' or c == b'\\' or c == b'/':
                    out.append(c)
                elif c == b'u':
                    try:
                        cp = int(self.s[self.i:self.i + 4].decode(), 16)
                    except ValueError:
                        raise JsonError(b"Expected value but found invalid token at character %d" % (start + 1))
                    self.i += 4
                    if 0xD800 <= cp < 0xDC00 and self.s[self.i:self.i + 2] == b"\\u":
                        lo = int(self.s[self.i + 2:self.i + 6].decode(), 16)
                        self.i += 6
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    out += chr(cp).encode("utf-8", "surrogatepass")
                else:
                    raise JsonError(b"Expected value but found invalid token at character %d" % (start + 1))
                continue
            out.append(<unsigned char>c)
            self.i += 1
        lua_pushlstring(L, out, len(out))
        return 0


cdef extern from "<stdlib.h>":
    double strtod(const char* s, char** endp)


# strtod over a buffer that is not NUL-terminated: the number's length in
# *used (0: no number).
cdef double strtod_n(const char* s, size_t n, long long* used) noexcept:
    cdef char buf[64]
    cdef size_t m = 0
    cdef char* endp
    cdef double d
    while m < n and m < 63 and (s[m] in b"0123456789+-.eE"):
        buf[m] = s[m]
        m += 1
    buf[m] = 0
    d = strtod(buf, &endp)
    used[0] = endp - buf
    return d


# ---------------------------------------------------------------- struct

include "lib_struct.pxi"

# ---------------------------------------------------------------- cmsgpack

include "lib_cmsgpack.pxi"
