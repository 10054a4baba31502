# The Lua 5.1 C API as luaapi.h reaches it (the Lua inside lupa's lua51
# extension, bound once by rk_lua_bind). Declarations only: nothing here
# is a Python module.

cdef extern from "scripting/luaapi.h":
    ctypedef struct lua_State:
        pass
    ctypedef int (*lua_CFunction)(lua_State* L) noexcept
    ctypedef double lua_Number
    ctypedef Py_ssize_t lua_Integer
    ctypedef struct lua_Debug:
        int event
        const char* name
        const char* namewhat
        const char* what
        const char* source
        int currentline
        int linedefined
        char* short_src
    ctypedef void (*lua_Hook)(lua_State* L, lua_Debug* ar) noexcept
    ctypedef int (*rk_lua_impl)(lua_State* L) noexcept
    ctypedef int (*rk_hook_impl)(lua_State* L) noexcept
    ctypedef int (*rk_debug_hook_impl)(lua_State* L, lua_Debug* ar) noexcept

    enum:
        LUA_REGISTRYINDEX, LUA_GLOBALSINDEX, LUA_MULTRET
        LUA_TNONE, LUA_TNIL, LUA_TBOOLEAN, LUA_TLIGHTUSERDATA, LUA_TNUMBER, LUA_TSTRING
        LUA_TTABLE, LUA_TFUNCTION, LUA_TUSERDATA, LUA_TTHREAD
        LUA_ERRRUN, LUA_ERRSYNTAX, LUA_ERRMEM, LUA_ERRERR
        LUA_MASKLINE, LUA_MASKCOUNT, LUA_HOOKCOUNT
        LUA_GCCOLLECT, LUA_GCCOUNT, LUA_GCCOUNTB, LUA_GCSTEP
        RK_LUA_RAISE

    const char* rk_lua_bind(void* handle)
    lua_CFunction rk_lua_wrap(int n, rk_lua_impl fn)
    lua_Hook rk_lua_hook(rk_hook_impl fn)
    lua_Hook rk_lua_debug_hook(rk_debug_hook_impl fn)

    lua_State* luaL_newstate()
    void lua_close(lua_State* L)
    int lua_gettop(lua_State* L)
    void lua_settop(lua_State* L, int idx)
    void lua_pushvalue(lua_State* L, int idx)
    void lua_remove(lua_State* L, int idx)
    void lua_insert(lua_State* L, int idx)
    void lua_replace(lua_State* L, int idx)
    int lua_checkstack(lua_State* L, int sz)
    int lua_isnumber(lua_State* L, int idx)
    int lua_isstring(lua_State* L, int idx)
    int lua_type(lua_State* L, int idx)
    const char* lua_typename(lua_State* L, int tp)
    lua_Number lua_tonumber(lua_State* L, int idx)
    lua_Integer lua_tointeger(lua_State* L, int idx)
    int lua_toboolean(lua_State* L, int idx)
    const char* lua_tolstring(lua_State* L, int idx, size_t* len)
    const char* lua_tostring(lua_State* L, int idx)
    size_t lua_objlen(lua_State* L, int idx)
    void* lua_touserdata(lua_State* L, int idx)
    const void* lua_topointer(lua_State* L, int idx)
    void lua_pushnil(lua_State* L)
    void lua_pushnumber(lua_State* L, lua_Number n)
    void lua_pushinteger(lua_State* L, lua_Integer n)
    void lua_pushlstring(lua_State* L, const char* s, size_t l)
    void lua_pushstring(lua_State* L, const char* s)
    void lua_pushcclosure(lua_State* L, lua_CFunction fn, int n)
    void lua_pushcfunction(lua_State* L, lua_CFunction fn)
    void lua_pushboolean(lua_State* L, int b)
    void lua_pushlightuserdata(lua_State* L, void* p)
    void lua_gettable(lua_State* L, int idx)
    void lua_getfield(lua_State* L, int idx, const char* k)
    void lua_rawget(lua_State* L, int idx)
    void lua_rawgeti(lua_State* L, int idx, int n)
    void lua_createtable(lua_State* L, int narr, int nrec)
    void lua_newtable(lua_State* L)
    void* lua_newuserdata(lua_State* L, size_t sz)
    int lua_getmetatable(lua_State* L, int objindex)
    void lua_settable(lua_State* L, int idx)
    void lua_setfield(lua_State* L, int idx, const char* k)
    void lua_rawset(lua_State* L, int idx)
    void lua_rawseti(lua_State* L, int idx, int n)
    int lua_setmetatable(lua_State* L, int objindex)
    void lua_call(lua_State* L, int nargs, int nresults)
    int lua_pcall(lua_State* L, int nargs, int nresults, int errfunc)
    int lua_gc(lua_State* L, int what, int data)
    int lua_next(lua_State* L, int idx)
    void lua_concat(lua_State* L, int n)
    int lua_sethook(lua_State* L, lua_Hook func, int mask, int count)
    int lua_getstack(lua_State* L, int level, lua_Debug* ar)
    int lua_getinfo(lua_State* L, const char* what, lua_Debug* ar)
    const char* lua_getlocal(lua_State* L, const lua_Debug* ar, int n)
    int luaL_loadbuffer(lua_State* L, const char* buff, size_t sz, const char* name)
    void luaL_where(lua_State* L, int lvl)
    void lua_pop(lua_State* L, int n)
    void lua_setglobal(lua_State* L, const char* s)
    void lua_getglobal(lua_State* L, const char* s)
    int luaopen_base(lua_State* L)
    int luaopen_table(lua_State* L)
    int luaopen_string(lua_State* L)
    int luaopen_math(lua_State* L)
    int luaopen_debug(lua_State* L)
