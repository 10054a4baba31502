# The Lua state a script runs in, built as Redis builds it (scriptingInit,
# luaRegisterRedisAPI): the libraries, the redis table, the error handler,
# then every table reachable from the globals made read-only (included by
# luaengine.pyx).
#
# Registry entries:
#   rk_globals   the real globals table (KEYS and ARGV are set there)
#   rk_errh      the error handler scripts run under
#   rk_readonly  set of the read-only proxies (weak keys): setmetatable and
#                rawset refuse them
#   rk_setmt, rk_rawset   the base library's originals

cdef lua_CFunction F_CALL, F_PCALL, F_LUA_PCALL, F_SHA1, F_ERR_REPLY, F_STATUS_REPLY
cdef lua_CFunction F_SET_REPL, F_REPLICATE, F_LOG, F_SETRESP, F_ACL_CHECK
cdef lua_CFunction F_RANDOM, F_RANDOMSEED, F_MISSING_GLOBAL, F_READONLY
cdef lua_CFunction F_SETMT, F_RAWSET


cdef int init_functions() except -1:
    global F_CALL, F_PCALL, F_LUA_PCALL, F_SHA1, F_ERR_REPLY, F_STATUS_REPLY
    global F_SET_REPL, F_REPLICATE, F_LOG, F_SETRESP, F_ACL_CHECK
    global F_RANDOM, F_RANDOMSEED, F_MISSING_GLOBAL, F_READONLY, F_SETMT, F_RAWSET
    if F_CALL != NULL:
        return 0
    F_CALL = lua_fn(redis_call_impl)
    F_PCALL = lua_fn(redis_pcall_impl)
    F_LUA_PCALL = lua_fn(lua_pcall_impl)
    F_SHA1 = lua_fn(sha1hex_impl)
    F_ERR_REPLY = lua_fn(error_reply_impl)
    F_STATUS_REPLY = lua_fn(status_reply_impl)
    F_SET_REPL = lua_fn(set_repl_impl)
    F_REPLICATE = lua_fn(replicate_commands_impl)
    F_LOG = lua_fn(log_impl)
    F_SETRESP = lua_fn(setresp_impl)
    F_ACL_CHECK = lua_fn(acl_check_cmd_impl)
    F_RANDOM = lua_fn(math_random_impl)
    F_RANDOMSEED = lua_fn(math_randomseed_impl)
    F_MISSING_GLOBAL = lua_fn(missing_global_impl)
    F_READONLY = lua_fn(readonly_impl)
    F_SETMT = lua_fn(setmetatable_impl)
    F_RAWSET = lua_fn(rawset_impl)
    init_lib_functions()
    return 0


# setmetatable and rawset refuse the read-only tables, with Redis's text.
cdef bint _is_readonly(lua_State* L, int idx) noexcept:
    cdef bint ro
    if lua_type(L, idx) != LUA_TTABLE:
        return False
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_readonly")
    lua_pushvalue(L, idx if idx > 0 else idx - 1)
    lua_rawget(L, -2)
    ro = lua_toboolean(L, -1)
    lua_pop(L, 2)
    return ro


cdef int setmetatable_impl(lua_State* L) noexcept:
    if _is_readonly(L, 1):
        push_where_error(L, b"Attempt to modify a readonly table")
        return RK_LUA_RAISE
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_setmt")
    lua_insert(L, 1)
    if lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0):
        return RK_LUA_RAISE
    return lua_gettop(L)


cdef int rawset_impl(lua_State* L) noexcept:
    if _is_readonly(L, 1):
        push_where_error(L, b"Attempt to modify a readonly table")
        return RK_LUA_RAISE
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_rawset")
    lua_insert(L, 1)
    if lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0):
        return RK_LUA_RAISE
    return lua_gettop(L)


cdef inline void _set_fn(lua_State* L, const char* name, lua_CFunction f) noexcept:
    lua_pushstring(L, name)
    lua_pushcfunction(L, f)
    lua_settable(L, -3)


cdef inline void _set_num(lua_State* L, const char* name, double v) noexcept:
    lua_pushstring(L, name)
    lua_pushnumber(L, v)
    lua_settable(L, -3)


cdef void _open_lib(lua_State* L, lua_CFunction f, const char* name) noexcept:
    lua_pushcfunction(L, f)
    lua_pushstring(L, name)
    lua_call(L, 1, 0)


# The error handler scripts run under (Redis's __redis__err__handler, same
# behaviour in our words): the position of the Lua code that failed (its
# caller's when a C function raised) added to Redis's error table.
cdef const char* ERRH_SRC = (
    b"local getinfo = debug.getinfo\n"
    b"return function(e)\n"
    b"  local at = getinfo(2, 'nSl')\n"
    b"  if at and at.what == 'C' then at = getinfo(3, 'nSl') end\n"
    b"  if type(e) ~= 'table' then e = {err = 'ERR ' .. tostring(e)} end\n"
    b"  if at then e['source'] = at.source; e['line'] = at.currentline end\n"
    b"  return e\n"
    b"end\n")


# loadstring and load as Redis's Lua has them: its parser takes no
# precompiled chunk, so a binary one (string.dump's) fails as text does,
# with the error the text parser gives for its first byte.
cdef const char* TEXT_ONLY_SRC = (
    b"local loadstring, type, byte, concat = loadstring, type, string.byte, table.concat\n"
    b"local function text_only(s, name)\n"
    b"  if type(s) == 'string' and byte(s, 1) == 27 then return loadstring(' \\27', name or s) end\n"
    b"  return loadstring(s, name)\n"
    b"end\n"
    b"_G.loadstring = text_only\n"
    b"_G.load = function(f, name)\n"
    b"  local parts = {}\n"
    b"  while true do\n"
    b"    local p = f()\n"
    b"    if p == nil or p == '' then break end\n"
    b"    parts[#parts + 1] = p\n"
    b"  end\n"
    b"  return text_only(concat(parts), name or '=(load)')\n"
    b"end\n")


# A new Lua state with Redis's libraries and API, globals not yet locked.
# functions: the function engine's state (no redis.call at load time is
# enforced by the caller, not here).
cdef lua_State* new_lua_state() except NULL:
    cdef lua_State* L
    bind_lua()
    init_functions()
    L = luaL_newstate()
    if L == NULL:
        raise MemoryError("cannot create a Lua state")
    _open_lib(L, luaopen_base, b"")
    _open_lib(L, luaopen_table, b"table")
    _open_lib(L, luaopen_string, b"string")
    _open_lib(L, luaopen_math, b"math")
    _open_lib(L, luaopen_debug, b"debug")
    open_redis_libs(L)
    # what the sandbox leaves out of the base library
    for name in (b"dofile", b"loadfile", b"print"):
        lua_pushnil(L)
        lua_setglobal(L, name)
    # Redis's Lua parses every chunk as text: binary chunks fail to load
    if luaL_loadbuffer(L, TEXT_ONLY_SRC, strlen(TEXT_ONLY_SRC), "@text_only") or lua_pcall(L, 0, 0, 0):
        lua_close(L)
        raise RuntimeError("cannot install the text-only loaders")
    lua_getglobal(L, "setmetatable")
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_setmt")
    lua_getglobal(L, "rawset")
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_rawset")
    lua_pushcfunction(L, F_SETMT)
    lua_setglobal(L, "setmetatable")
    lua_pushcfunction(L, F_RAWSET)
    lua_setglobal(L, "rawset")
    lua_pushcfunction(L, F_LUA_PCALL)
    lua_setglobal(L, "pcall")
    # the redis table
    lua_newtable(L)
    _set_fn(L, "call", F_CALL)
    _set_fn(L, "pcall", F_PCALL)
    _set_fn(L, "log", F_LOG)
    _set_num(L, "LOG_DEBUG", 0)
    _set_num(L, "LOG_VERBOSE", 1)
    _set_num(L, "LOG_NOTICE", 2)
    _set_num(L, "LOG_WARNING", 3)
    _set_num(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM)
    lua_pushstring(L, "REDIS_VERSION")
    lua_pushlstring(L, REDIS_VERSION_STR, len(REDIS_VERSION_STR))
    lua_settable(L, -3)
    _set_fn(L, "setresp", F_SETRESP)
    _set_fn(L, "sha1hex", F_SHA1)
    _set_fn(L, "error_reply", F_ERR_REPLY)
    _set_fn(L, "status_reply", F_STATUS_REPLY)
    _set_fn(L, "set_repl", F_SET_REPL)
    _set_num(L, "REPL_NONE", 0)
    _set_num(L, "REPL_AOF", 1)
    _set_num(L, "REPL_SLAVE", 2)
    _set_num(L, "REPL_REPLICA", 2)
    _set_num(L, "REPL_ALL", 3)
    _set_fn(L, "acl_check_cmd", F_ACL_CHECK)
    _set_fn(L, "replicate_commands", F_REPLICATE)
    lua_setglobal(L, "redis")
    # math.random on Redis's generator
    lua_getglobal(L, "math")
    _set_fn(L, "random", F_RANDOM)
    _set_fn(L, "randomseed", F_RANDOMSEED)
    lua_pop(L, 1)
    # the error handler keeps debug.getinfo; scripts get no debug library
    if luaL_loadbuffer(L, ERRH_SRC, strlen(ERRH_SRC), "@err_handler_def") or lua_pcall(L, 0, 1, 0):
        lua_close(L)
        raise RuntimeError("cannot define the script error handler")
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_errh")
    lua_pushnil(L)
    lua_setglobal(L, "debug")
    return L


# Every table reachable from the globals (and the string metatable) gets a
# read-only proxy in its place: an empty table whose metatable reads through
# to the real one, refuses writes, and answers getmetatable with a
# read-only proxy of itself. The globals' proxy becomes the globals table.
cdef const char* LOCK_SRC = (
    b"local refuse, rawset, setmetatable, getmetatable, next, type = ...\n"
    b"local ro = setmetatable({}, {__mode = 'k'})\n"
    b"local done = {}\n"
    b"local function lock(t)\n"
    b"  if done[t] then return done[t] end\n"
    b"  local p = {}\n"
    b"  done[t] = p\n"
    b"  for k, v in next, t do\n"
    b"    if type(v) == 'table' then rawset(t, k, lock(v)) end\n"
    b"  end\n"
    b"  local m = {__index = t, __newindex = refuse}\n"
    b"  local mp = setmetatable({}, {__index = m, __newindex = refuse, __metatable = false})\n"
    b"  m.__metatable = mp\n"
    b"  ro[p] = true; ro[mp] = true\n"
    b"  return setmetatable(p, m)\n"
    b"end\n"
    b"local smt = getmetatable('')\n"
    b"local g = lock(_G)\n"
    b"rawset(smt, '__metatable', lock(smt))\n"
    b"return g, ro\n")


# Lock the globals of L (Redis's luaSetTableProtectionRecursively): the
# registry keeps the real globals (rk_globals) and the proxies (rk_readonly).
cdef int lock_globals(lua_State* L) except -1:
    lua_pushvalue(L, LUA_GLOBALSINDEX)
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_globals")
    # a missing global is an error
    lua_pushvalue(L, LUA_GLOBALSINDEX)
    lua_newtable(L)
    lua_pushcfunction(L, F_MISSING_GLOBAL)
    lua_setfield(L, -2, "__index")
    lua_setmetatable(L, -2)
    lua_pop(L, 1)
    if luaL_loadbuffer(L, LOCK_SRC, strlen(LOCK_SRC), "@lock_globals"):
        raise RuntimeError("cannot compile the globals lock")
    lua_pushcfunction(L, F_READONLY)
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_rawset")
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_setmt")
    lua_getglobal(L, "getmetatable")
    lua_getglobal(L, "next")
    lua_getglobal(L, "type")
    if lua_pcall(L, 6, 2, 0):
        msg = lua_tolstring(L, -1, NULL)
        raise RuntimeError(f"cannot lock the Lua globals: {msg}")
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_readonly")
    lua_replace(L, LUA_GLOBALSINDEX)
    return 0
