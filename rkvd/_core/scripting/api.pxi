# The redis.* functions other than call/pcall, the pcall that hands back
# Redis's error tables, math.random on Redis's own generator, and the
# metamethods of the read-only tables (included by luaengine.pyx).
#
# Every function follows the trampoline contract of luaapi.h: it returns
# its number of results, or RK_LUA_RAISE with the error value on the top of
# the stack, and never lets a Python exception out.

# pcall: a Redis error table thrown inside comes back as its err string
# (Redis's luaRedisPcall), anything else as Lua's pcall gives it.
cdef int lua_pcall_impl(lua_State* L) noexcept:
    cdef int argc = lua_gettop(L)
    lua_pushboolean(L, 1)
    lua_insert(L, 1)
    if lua_pcall(L, argc - 1, LUA_MULTRET, 0):
        lua_remove(L, 1)
        if lua_type(L, -1) == LUA_TTABLE:
            lua_getfield(L, -1, "err")
            if lua_isstring(L, -1):
                lua_replace(L, -2)
            else:
                lua_pop(L, 1)
        lua_pushboolean(L, 0)
        lua_insert(L, 1)
    return lua_gettop(L)


cdef int sha1hex_impl(lua_State* L) noexcept:
    cdef size_t n = 0
    cdef const char* s
    if lua_gettop(L) != 1:
        push_error_str(L, "wrong number of arguments")
        return RK_LUA_RAISE
    s = lua_tolstring(L, 1, &n)
    try:
        d = _hashlib.sha1(s[:n] if s != NULL else b"").hexdigest().encode()
    except BaseException:
        return 0
    lua_pushlstring(L, PyBytes_AS_STRING(d), 40)
    return 1


cdef int error_reply_impl(lua_State* L) noexcept:
    cdef size_t n = 0
    cdef const char* s
    if lua_gettop(L) != 1 or lua_type(L, -1) != LUA_TSTRING:
        push_error_str(L, "wrong number or type of arguments")
        return 1
    s = lua_tolstring(L, -1, &n)
    n = strlen(s)
    if n > 0 and s[0] == b'-':
        push_error(L, s, n)
    else:
        b = b"-" + s[:n]
        push_error(L, b, len(b))
    return 1


cdef int status_reply_impl(lua_State* L) noexcept:
    if lua_gettop(L) != 1 or lua_type(L, -1) != LUA_TSTRING:
        push_error_str(L, "wrong number or type of arguments")
        return 1
    lua_createtable(L, 0, 1)
    lua_pushlstring(L, "ok", 2)
    lua_pushvalue(L, -3)
    lua_settable(L, -3)
    return 1


cdef int set_repl_impl(lua_State* L) noexcept:
    cdef int flags
    if g_run is None:
        push_error_str(L, "redis.set_repl can only be called inside a script invocation")
        return RK_LUA_RAISE
    if lua_gettop(L) != 1:
        push_error_str(L, "redis.set_repl() requires two arguments.")
        return RK_LUA_RAISE
    flags = <int>lua_tonumber(L, -1)
    if flags & ~3:
        push_error_str(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
        return RK_LUA_RAISE
    g_run.repl_flags = flags
    return 0


cdef int replicate_commands_impl(lua_State* L) noexcept:
    lua_pushboolean(L, 1)       # always on since Redis 7.0
    return 1


cdef int log_impl(lua_State* L) noexcept:
    cdef int argc = lua_gettop(L), level, j
    cdef size_t n
    cdef const char* s
    if argc < 2:
        push_error_str(L, "redis.log() requires two arguments or more.")
        return RK_LUA_RAISE
    if not lua_isnumber(L, -argc):
        push_error_str(L, "First argument must be a number (log level).")
        return RK_LUA_RAISE
    level = <int>lua_tonumber(L, -argc)
    if level < 0 or level > 3:
        push_error_str(L, "Invalid debug level.")
        return RK_LUA_RAISE
    parts = []
    for j in range(1, argc):
        s = lua_tolstring(L, -argc + j, &n)
        if s != NULL:
            parts.append(s[:n])
    try:
        g_engine.server.log.log(level, b" ".join(parts))
    except BaseException:
        pass
    return 0


cdef int setresp_impl(lua_State* L) noexcept:
    cdef int resp
    if g_run is None:
        push_error_str(L, "redis.setresp can only be called inside a script invocation")
        return RK_LUA_RAISE
    if lua_gettop(L) != 1:
        push_error_str(L, "redis.setresp() requires one argument.")
        return RK_LUA_RAISE
    resp = <int>lua_tonumber(L, -1)
    if resp != 2 and resp != 3:
        push_error_str(L, "RESP version must be 2 or 3.")
        return RK_LUA_RAISE
    g_sclient.set_resp(resp)
    return 0


# redis.acl_check_cmd: there are no ACL users beyond the default one, who
# may run every command; an unknown command is an error as in Redis.
cdef int acl_check_cmd_impl(lua_State* L) noexcept:
    cdef size_t n
    cdef int j
    cdef const char* s
    if g_run is None:
        push_error_str(L, "redis.acl_check_cmd can only be called inside a script invocation")
        return RK_LUA_RAISE
    if lua_gettop(L) == 0:
        push_error_str(L, "Please specify at least one argument for this redis lib call")
        return RK_LUA_RAISE
    if lua_type(L, 1) not in (LUA_TSTRING, LUA_TNUMBER):
        push_error_str(L, "Lua redis lib command arguments must be strings or integers")
        return RK_LUA_RAISE
    try:
        argv = []
        for j in range(1, lua_gettop(L) + 1):
            if lua_type(L, j) not in (LUA_TSTRING, LUA_TNUMBER):
                push_error_str(L, "Lua redis lib command arguments must be strings or integers")
                return RK_LUA_RAISE
            s = lua_tolstring(L, j, &n)
            argv.append(s[:n])
        cmd = g_engine.lookup_command(argv[0].lower())
        if cmd is not None and (<Command>cmd).subcommands is not None and len(argv) > 1:
            cmd = (<Command>cmd).subcommands.get(argv[1].lower())
        if cmd is None:
            push_error_str(L, "Invalid command passed to redis.acl_check_cmd()")
            return RK_LUA_RAISE
        allowed = g_run.caller.acl is None or \
            acl_refusal(g_run.caller, g_sclient, <Command>cmd, argv) is None
    except BaseException:
        push_error_str(L, "Invalid command passed to redis.acl_check_cmd()")
        return RK_LUA_RAISE
    lua_pushboolean(L, allowed)
    return 1


# ---------------------------------------------------------------- math.random

# The 48-bit linear congruential generator of POSIX lrand48 with its
# default state, so a script sees the same sequence on every platform, as
# Redis's redisLrand48 gives; math.randomseed restarts it.
cdef uint64_t g_rand_x = 0x1234ABCD330E

cdef inline int32_t rand48() noexcept:
    global g_rand_x
    g_rand_x = (0x5DEECE66D * g_rand_x + 0xB) & 0xFFFFFFFFFFFF
    return <int32_t>(g_rand_x >> 17)


cdef int math_random_impl(lua_State* L) noexcept:
    cdef double r
    cdef long long lo, hi
    if g_run is None:
        push_where_error(L, b"math.random can only be called inside a script invocation")
        return RK_LUA_RAISE
    r = <double>(rand48() % 2147483647) / <double>2147483647
    argc = lua_gettop(L)
    if argc == 0:
        lua_pushnumber(L, r)
    elif argc == 1:
        if not _check_int(L, 1, &hi):
            return RK_LUA_RAISE
        if hi < 1:
            push_where_error(L, b"bad argument #1 to 'random' (interval is empty)")
            return RK_LUA_RAISE
        lua_pushnumber(L, floor(r * hi) + 1)
    elif argc == 2:
        if not _check_int(L, 1, &lo) or not _check_int(L, 2, &hi):
            return RK_LUA_RAISE
        if lo > hi:
            push_where_error(L, b"bad argument #2 to 'random' (interval is empty)")
            return RK_LUA_RAISE
        lua_pushnumber(L, floor(r * (hi - lo + 1)) + lo)
    else:
        push_where_error(L, b"wrong number of arguments")
        return RK_LUA_RAISE
    return 1


cdef int math_randomseed_impl(lua_State* L) noexcept:
    global g_rand_x
    cdef long long seed
    if g_run is None:
        push_where_error(L, b"math.randomseed can only be called inside a script invocation")
        return RK_LUA_RAISE
    if not _check_int(L, 1, &seed):
        return RK_LUA_RAISE
    g_rand_x = ((<uint64_t>(<uint32_t>(<int32_t>seed))) << 16) | 0x330E
    return 0


# luaL_checkint: a number (or a numeric string) as an int, else Lua's
# "bad argument" error pushed (returns 0).
cdef bint _check_int(lua_State* L, int idx, long long* out) noexcept:
    if not lua_isnumber(L, idx):
        tn = lua_typename(L, lua_type(L, idx))
        fname = b"random" if idx <= 2 and lua_gettop(L) <= 2 else b"?"
        push_where_error(L, b"bad argument #%d to '%s' (number expected, got %s)" % (
            idx, fname, b"no value" if lua_type(L, idx) == LUA_TNONE else <bytes>tn))
        return False
    out[0] = <int>lua_tointeger(L, idx)
    return True


# ---------------------------------------------------------------- read-only tables

# __index of the real globals table: reading a global nobody set.
cdef int missing_global_impl(lua_State* L) noexcept:
    cdef size_t n = 0
    cdef const char* s
    if lua_gettop(L) != 2:
        push_where_error(L, b"Wrong number of arguments to luaProtectedTableError")
        return RK_LUA_RAISE
    if not lua_isstring(L, -1):
        push_where_error(L, b"Second argument to luaProtectedTableError must be a string or number")
        return RK_LUA_RAISE
    s = lua_tolstring(L, -1, &n)
    push_where_error(L, b"Script attempted to access nonexistent global variable '" + s[:strlen(s)] + b"'")
    return RK_LUA_RAISE


# __newindex of every read-only proxy.
cdef int readonly_impl(lua_State* L) noexcept:
    push_where_error(L, b"Attempt to modify a readonly table")
    return RK_LUA_RAISE
