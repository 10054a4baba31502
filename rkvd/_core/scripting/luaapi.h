/* The Lua 5.1 C API, reached through the Lua that the lupa package embeds.
 *
 * lupa's lua51 extension links Lua 5.1 statically and exports its API
 * symbols. Rather than vendoring a second Lua, the scripting extension
 * looks each function up in that shared object once (rk_lua_bind, given a
 * dlopen handle) and calls it through the table below; the macros let the
 * Cython code use the API's usual names. The constants and lua_Debug are
 * Lua 5.1's (lua.h, luaconf.h defaults: double numbers, LUA_IDSIZE 60).
 *
 * Lua raises errors with longjmp. The Cython functions Lua calls never call
 * lua_error themselves: they return RK_LUA_RAISE with the error value on the
 * stack and the C trampolines below raise it once no Cython frame (and no
 * Python reference it holds) is left on the C stack.
 */
#ifndef RK_LUAAPI_H
#define RK_LUAAPI_H

#include <stddef.h>
#include <dlfcn.h>
#include <string.h>

typedef struct lua_State lua_State;
typedef int (*lua_CFunction)(lua_State *L);
typedef double lua_Number;
typedef ptrdiff_t lua_Integer;

#define LUA_IDSIZE 60
typedef struct lua_Debug {
    int event;
    const char *name;
    const char *namewhat;
    const char *what;
    const char *source;
    int currentline;
    int nups;
    int linedefined;
    int lastlinedefined;
    char short_src[LUA_IDSIZE];
    int i_ci;
} lua_Debug;
typedef void (*lua_Hook)(lua_State *L, lua_Debug *ar);

#define LUA_REGISTRYINDEX (-10000)
#define LUA_ENVIRONINDEX (-10001)
#define LUA_GLOBALSINDEX (-10002)
#define LUA_MULTRET (-1)
#define LUA_TNONE (-1)
#define LUA_TNIL 0
#define LUA_TBOOLEAN 1
#define LUA_TLIGHTUSERDATA 2
#define LUA_TNUMBER 3
#define LUA_TSTRING 4
#define LUA_TTABLE 5
#define LUA_TFUNCTION 6
#define LUA_TUSERDATA 7
#define LUA_TTHREAD 8
#define LUA_ERRRUN 2
#define LUA_ERRSYNTAX 3
#define LUA_ERRMEM 4
#define LUA_ERRERR 5
#define LUA_MASKCALL 1
#define LUA_MASKRET 2
#define LUA_MASKLINE 4
#define LUA_MASKCOUNT 8
#define LUA_HOOKCOUNT 3
#define LUA_GCSTOP 0
#define LUA_GCRESTART 1
#define LUA_GCCOLLECT 2
#define LUA_GCCOUNT 3
#define LUA_GCCOUNTB 4
#define LUA_GCSTEP 5

#define RK_LUA_RAISE (-1)

/* X(return type, name, parameters) for every function used. */
#define RK_LUA_FUNCS(X) \
    X(lua_State *, luaL_newstate, (void)) \
    X(void, lua_close, (lua_State *L)) \
    X(lua_CFunction, lua_atpanic, (lua_State *L, lua_CFunction f)) \
    X(int, lua_gettop, (lua_State *L)) \
    X(void, lua_settop, (lua_State *L, int idx)) \
    X(void, lua_pushvalue, (lua_State *L, int idx)) \
    X(void, lua_remove, (lua_State *L, int idx)) \
    X(void, lua_insert, (lua_State *L, int idx)) \
    X(void, lua_replace, (lua_State *L, int idx)) \
    X(int, lua_checkstack, (lua_State *L, int sz)) \
    X(int, lua_isnumber, (lua_State *L, int idx)) \
    X(int, lua_isstring, (lua_State *L, int idx)) \
    X(int, lua_type, (lua_State *L, int idx)) \
    X(const char *, lua_typename, (lua_State *L, int tp)) \
    X(lua_Number, lua_tonumber, (lua_State *L, int idx)) \
    X(lua_Integer, lua_tointeger, (lua_State *L, int idx)) \
    X(int, lua_toboolean, (lua_State *L, int idx)) \
    X(const char *, lua_tolstring, (lua_State *L, int idx, size_t *len)) \
    X(size_t, lua_objlen, (lua_State *L, int idx)) \
    X(void *, lua_touserdata, (lua_State *L, int idx)) \
    X(const void *, lua_topointer, (lua_State *L, int idx)) \
    X(void, lua_pushnil, (lua_State *L)) \
    X(void, lua_pushnumber, (lua_State *L, lua_Number n)) \
    X(void, lua_pushinteger, (lua_State *L, lua_Integer n)) \
    X(void, lua_pushlstring, (lua_State *L, const char *s, size_t l)) \
    X(void, lua_pushstring, (lua_State *L, const char *s)) \
    X(void, lua_pushcclosure, (lua_State *L, lua_CFunction fn, int n)) \
    X(void, lua_pushboolean, (lua_State *L, int b)) \
    X(void, lua_pushlightuserdata, (lua_State *L, void *p)) \
    X(void, lua_gettable, (lua_State *L, int idx)) \
    X(void, lua_getfield, (lua_State *L, int idx, const char *k)) \
    X(void, lua_rawget, (lua_State *L, int idx)) \
    X(void, lua_rawgeti, (lua_State *L, int idx, int n)) \
    X(void, lua_createtable, (lua_State *L, int narr, int nrec)) \
    X(void *, lua_newuserdata, (lua_State *L, size_t sz)) \
    X(int, lua_getmetatable, (lua_State *L, int objindex)) \
    X(void, lua_settable, (lua_State *L, int idx)) \
    X(void, lua_setfield, (lua_State *L, int idx, const char *k)) \
    X(void, lua_rawset, (lua_State *L, int idx)) \
    X(void, lua_rawseti, (lua_State *L, int idx, int n)) \
    X(int, lua_setmetatable, (lua_State *L, int objindex)) \
    X(void, lua_call, (lua_State *L, int nargs, int nresults)) \
    X(int, lua_pcall, (lua_State *L, int nargs, int nresults, int errfunc)) \
    X(int, lua_gc, (lua_State *L, int what, int data)) \
    X(int, lua_error, (lua_State *L)) \
    X(int, lua_next, (lua_State *L, int idx)) \
    X(void, lua_concat, (lua_State *L, int n)) \
    X(int, lua_sethook, (lua_State *L, lua_Hook func, int mask, int count)) \
    X(int, lua_getstack, (lua_State *L, int level, lua_Debug *ar)) \
    X(int, lua_getinfo, (lua_State *L, const char *what, lua_Debug *ar)) \
    X(const char *, lua_getlocal, (lua_State *L, const lua_Debug *ar, int n)) \
    X(int, luaL_loadbuffer, (lua_State *L, const char *buff, size_t sz, const char *name)) \
    X(void, luaL_openlibs, (lua_State *L)) \
    X(int, luaL_error, (lua_State *L, const char *fmt, ...)) \
    X(void, luaL_where, (lua_State *L, int lvl)) \
    X(int, luaopen_base, (lua_State *L)) \
    X(int, luaopen_table, (lua_State *L)) \
    X(int, luaopen_string, (lua_State *L)) \
    X(int, luaopen_math, (lua_State *L)) \
    X(int, luaopen_debug, (lua_State *L))

#define RK_LUA_FIELD(ret, name, params) ret (*name) params;
typedef struct { RK_LUA_FUNCS(RK_LUA_FIELD) } rk_lua_api_t;
static rk_lua_api_t rk_lua;

/* Fill rk_lua from the shared object behind handle; returns NULL, or the
 * name of the first symbol missing. */
#define RK_LUA_BIND(ret, name, params) \
    *(void **)(&rk_lua.name) = dlsym(handle, #name); \
    if (rk_lua.name == NULL) return #name;
static const char *rk_lua_bind(void *handle) {
    RK_LUA_FUNCS(RK_LUA_BIND)
    return NULL;
}

#define luaL_newstate rk_lua.luaL_newstate
#define lua_close rk_lua.lua_close
#define lua_atpanic rk_lua.lua_atpanic
#define lua_gettop rk_lua.lua_gettop
#define lua_settop rk_lua.lua_settop
#define lua_pushvalue rk_lua.lua_pushvalue
#define lua_remove rk_lua.lua_remove
#define lua_insert rk_lua.lua_insert
#define lua_replace rk_lua.lua_replace
#define lua_checkstack rk_lua.lua_checkstack
#define lua_isnumber rk_lua.lua_isnumber
#define lua_isstring rk_lua.lua_isstring
#define lua_type rk_lua.lua_type
#define lua_typename rk_lua.lua_typename
#define lua_tonumber rk_lua.lua_tonumber
#define lua_tointeger rk_lua.lua_tointeger
#define lua_toboolean rk_lua.lua_toboolean
#define lua_tolstring rk_lua.lua_tolstring
#define lua_objlen rk_lua.lua_objlen
#define lua_touserdata rk_lua.lua_touserdata
#define lua_topointer rk_lua.lua_topointer
#define lua_pushnil rk_lua.lua_pushnil
#define lua_pushnumber rk_lua.lua_pushnumber
#define lua_pushinteger rk_lua.lua_pushinteger
#define lua_pushlstring rk_lua.lua_pushlstring
#define lua_pushstring rk_lua.lua_pushstring
#define lua_pushcclosure rk_lua.lua_pushcclosure
#define lua_pushboolean rk_lua.lua_pushboolean
#define lua_pushlightuserdata rk_lua.lua_pushlightuserdata
#define lua_gettable rk_lua.lua_gettable
#define lua_getfield rk_lua.lua_getfield
#define lua_rawget rk_lua.lua_rawget
#define lua_rawgeti rk_lua.lua_rawgeti
#define lua_createtable rk_lua.lua_createtable
#define lua_newuserdata rk_lua.lua_newuserdata
#define lua_getmetatable rk_lua.lua_getmetatable
#define lua_settable rk_lua.lua_settable
#define lua_setfield rk_lua.lua_setfield
#define lua_rawset rk_lua.lua_rawset
#define lua_rawseti rk_lua.lua_rawseti
#define lua_setmetatable rk_lua.lua_setmetatable
#define lua_call rk_lua.lua_call
#define lua_pcall rk_lua.lua_pcall
#define lua_gc rk_lua.lua_gc
#define lua_error rk_lua.lua_error
#define lua_next rk_lua.lua_next
#define lua_concat rk_lua.lua_concat
#define lua_sethook rk_lua.lua_sethook
#define lua_getstack rk_lua.lua_getstack
#define lua_getinfo rk_lua.lua_getinfo
#define lua_getlocal rk_lua.lua_getlocal
#define luaL_loadbuffer rk_lua.luaL_loadbuffer
#define luaL_openlibs rk_lua.luaL_openlibs
#define luaL_error rk_lua.luaL_error
#define luaL_where rk_lua.luaL_where
#define luaopen_base rk_lua.luaopen_base
#define luaopen_table rk_lua.luaopen_table
#define luaopen_string rk_lua.luaopen_string
#define luaopen_math rk_lua.luaopen_math
#define luaopen_debug rk_lua.luaopen_debug

#define lua_pop(L, n) lua_settop(L, -(n) - 1)
#define lua_newtable(L) lua_createtable(L, 0, 0)
#define lua_pushcfunction(L, f) lua_pushcclosure(L, (f), 0)
#define lua_setglobal(L, s) lua_setfield(L, LUA_GLOBALSINDEX, (s))
#define lua_getglobal(L, s) lua_getfield(L, LUA_GLOBALSINDEX, (s))
#define lua_tostring(L, i) lua_tolstring(L, (i), NULL)

/* A Lua-callable function implemented in Cython: returns its number of
 * results, or RK_LUA_RAISE to raise the value on the top of the stack. */
typedef int (*rk_lua_impl)(lua_State *L);

/* Up to 64 implementations, each behind its own trampoline. */
static rk_lua_impl rk_impls[64];
#define RK_TRAMP(n) static int rk_tramp_##n(lua_State *L) { \
    int r = rk_impls[n](L); return r == RK_LUA_RAISE ? lua_error(L) : r; }
RK_TRAMP(0) RK_TRAMP(1) RK_TRAMP(2) RK_TRAMP(3) RK_TRAMP(4) RK_TRAMP(5) RK_TRAMP(6) RK_TRAMP(7)
RK_TRAMP(8) RK_TRAMP(9) RK_TRAMP(10) RK_TRAMP(11) RK_TRAMP(12) RK_TRAMP(13) RK_TRAMP(14) RK_TRAMP(15)
RK_TRAMP(16) RK_TRAMP(17) RK_TRAMP(18) RK_TRAMP(19) RK_TRAMP(20) RK_TRAMP(21) RK_TRAMP(22) RK_TRAMP(23)
RK_TRAMP(24) RK_TRAMP(25) RK_TRAMP(26) RK_TRAMP(27) RK_TRAMP(28) RK_TRAMP(29) RK_TRAMP(30) RK_TRAMP(31)
RK_TRAMP(32) RK_TRAMP(33) RK_TRAMP(34) RK_TRAMP(35) RK_TRAMP(36) RK_TRAMP(37) RK_TRAMP(38) RK_TRAMP(39)
RK_TRAMP(40) RK_TRAMP(41) RK_TRAMP(42) RK_TRAMP(43) RK_TRAMP(44) RK_TRAMP(45) RK_TRAMP(46) RK_TRAMP(47)
RK_TRAMP(48) RK_TRAMP(49) RK_TRAMP(50) RK_TRAMP(51) RK_TRAMP(52) RK_TRAMP(53) RK_TRAMP(54) RK_TRAMP(55)
RK_TRAMP(56) RK_TRAMP(57) RK_TRAMP(58) RK_TRAMP(59) RK_TRAMP(60) RK_TRAMP(61) RK_TRAMP(62) RK_TRAMP(63)
static lua_CFunction rk_tramps[64] = {
    rk_tramp_0, rk_tramp_1, rk_tramp_2, rk_tramp_3, rk_tramp_4, rk_tramp_5, rk_tramp_6, rk_tramp_7,
    rk_tramp_8, rk_tramp_9, rk_tramp_10, rk_tramp_11, rk_tramp_12, rk_tramp_13, rk_tramp_14, rk_tramp_15,
    rk_tramp_16, rk_tramp_17, rk_tramp_18, rk_tramp_19, rk_tramp_20, rk_tramp_21, rk_tramp_22, rk_tramp_23,
    rk_tramp_24, rk_tramp_25, rk_tramp_26, rk_tramp_27, rk_tramp_28, rk_tramp_29, rk_tramp_30, rk_tramp_31,
    rk_tramp_32, rk_tramp_33, rk_tramp_34, rk_tramp_35, rk_tramp_36, rk_tramp_37, rk_tramp_38, rk_tramp_39,
    rk_tramp_40, rk_tramp_41, rk_tramp_42, rk_tramp_43, rk_tramp_44, rk_tramp_45, rk_tramp_46, rk_tramp_47,
    rk_tramp_48, rk_tramp_49, rk_tramp_50, rk_tramp_51, rk_tramp_52, rk_tramp_53, rk_tramp_54, rk_tramp_55,
    rk_tramp_56, rk_tramp_57, rk_tramp_58, rk_tramp_59, rk_tramp_60, rk_tramp_61, rk_tramp_62, rk_tramp_63,
};

/* The lua_CFunction for implementation slot n, after storing fn there. */
static lua_CFunction rk_lua_wrap(int n, rk_lua_impl fn) {
    rk_impls[n] = fn;
    return rk_tramps[n];
}

/* The hook that stops a script: the Cython side decides (returns nonzero
 * with an error value pushed) and the error is raised from here. */
typedef int (*rk_hook_impl)(lua_State *L);
static rk_hook_impl rk_hook_fn;
static void rk_hook_tramp(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (rk_hook_fn(L)) lua_error(L);
}
static lua_Hook rk_lua_hook(rk_hook_impl fn) {
    rk_hook_fn = fn;
    return rk_hook_tramp;
}

/* The Lua debugger's line hook: the same contract, with the hook's record. */
typedef int (*rk_debug_hook_impl)(lua_State *L, lua_Debug *ar);
static rk_debug_hook_impl rk_debug_hook_fn;
static void rk_debug_hook_tramp(lua_State *L, lua_Debug *ar) {
    if (rk_debug_hook_fn(L, ar)) lua_error(L);
}
static lua_Hook rk_lua_debug_hook(rk_debug_hook_impl fn) {
    rk_debug_hook_fn = fn;
    return rk_debug_hook_tramp;
}

#endif
