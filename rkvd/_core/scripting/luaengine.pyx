# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, nonecheck=False
#
# Lua scripting (Redis's script_lua.c, eval.c, script.c): the Lua 5.1
# runtime, its sandbox, the redis.* API, the conversions between Lua values
# and RESP, and the run context a script executes in. EVAL and its kin and
# the function engine (functions.pyx, included below) build on it.
#
# The Lua is lupa's (see luaapi.h): this extension drives the C API itself,
# so redis.call goes from Lua straight into the engine's dispatch with no
# Python-level call in between.
#
# A script's commands run as the script client (Redis's lua client): a
# Client with no connection whose reply buffer the result is read back from
# and converted to Lua values. It runs through Engine.call, so the command
# table, arity, flags, statistics, keyspace notifications, WATCH and the
# propagation point treat it as any other command; the caller's EVAL
# propagates nothing itself (its effects go out wrapped in MULTI/EXEC).
#
# The sandbox, as Redis builds it: the base, table, string and math
# libraries, cjson, cmsgpack, struct and bit; no io, os, package, loadfile,
# dofile or print; debug gone once the error handler captured it. Stock
# Lua 5.1 has no read-only tables, so the globals and every library table
# are read-only proxies (an empty table whose metatable reads through to the
# real one and refuses writes with Redis's "Attempt to modify a readonly
# table"); reading a missing global fails with Redis's text.
#
# Order of the file: binding and state, errors, Lua -> RESP, RESP -> Lua,
# the redis.* functions, the sandbox, the run context, EVAL and SCRIPT.
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_FromStringAndSize
from libc.math cimport floor, isnan, isinf
from libc.stdint cimport int32_t, uint32_t, uint64_t
from libc.stdio cimport snprintf
from libc.string cimport memcpy, memchr, strlen, strstr

from rkvd._core.lib.mem cimport realloc
from rkvd._core.lib.bio cimport bio_count_pending, bio_count_freed
from rkvd._core.scripting.lua51 cimport *
from rkvd._core.server cimport (
    Client, Command, Engine, ReplyWriter, register_c, feed_monitors, cat_repr, reply_error_hook,
    perform_evictions, acl_check, ACL_OK, ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_DENIED_CHANNEL,
)

import hashlib as _hashlib
import os as _os

cdef extern from "<dlfcn.h>":
    void* dlopen(const char* filename, int flags)
    const char* dlerror()
    int RTLD_NOW, RTLD_NOLOAD, RTLD_GLOBAL

# Flags of engine/consts.pxi this file needs (the enum is private to the
# engine unit; the values are part of its interface).
cdef enum:
    CF_CLOSE_AFTER_REPLY = 1 << 0
    CF_CLOSED = 1 << 7
    CF_DENY_BLOCKING = 1 << 12
    CF_MULTI = 1 << 13
    CF_WRITE_PENDING = 1 << 16
    CF_SCRIPT = 1 << 26
    CF_MASTER = 1 << 28
    CMD_WRITE = 1 << 0
    CMD_READONLY = 1 << 1
    CMD_DENYOOM = 1 << 2
    CMD_NOSCRIPT = 1 << 6
    CMD_STALE = 1 << 10
    CMD_MAY_REPLICATE = 1 << 16
    PROP_PREVENT = 1

# Script flags (shebang `flags=`, function flags) and run flags.
cdef enum:
    SF_NO_WRITES = 1 << 0
    SF_ALLOW_OOM = 1 << 1
    SF_ALLOW_STALE = 1 << 2
    SF_NO_CLUSTER = 1 << 3
    SF_EVAL_COMPAT = 1 << 4
    SF_ALLOW_CROSS_SLOT = 1 << 5

cdef enum:
    RUN_READ_ONLY = 1 << 0
    RUN_WRITE_DIRTY = 1 << 1
    RUN_ALLOW_OOM = 1 << 2
    RUN_KILLED = 1 << 3
    RUN_TIMEDOUT = 1 << 4
    RUN_EVAL_MODE = 1 << 5

SCRIPT_FLAG_NAMES = (
    (b"no-writes", SF_NO_WRITES), (b"allow-oom", SF_ALLOW_OOM), (b"allow-stale", SF_ALLOW_STALE),
    (b"no-cluster", SF_NO_CLUSTER), (b"allow-cross-slot-keys", SF_ALLOW_CROSS_SLOT),
)

cdef bytes REDIS_VERSION_STR = b"7.0.15"
cdef int REDIS_VERSION_NUM = 0x0007000f


# ---------------------------------------------------------------- binding

cdef bint g_bound = False

cdef int bind_lua() except -1:
    """Resolve the Lua API in lupa's Lua 5.1 extension (once)."""
    global g_bound
    cdef void* h
    cdef const char* missing
    if g_bound:
        return 0
    import lupa.lua51 as _lua51     # loads the shared object
    path = _os.fsencode(_lua51.__file__)
    h = dlopen(path, RTLD_NOW | RTLD_NOLOAD)
    if h == NULL:
        raise ImportError(f"cannot reach the Lua 5.1 runtime of lupa: {dlerror().decode()}")
    missing = rk_lua_bind(h)
    if missing != NULL:
        raise ImportError(f"lupa's Lua 5.1 lacks {missing.decode()}")
    g_bound = True
    return 0


# Lua-callable functions are Cython functions behind C trampolines (luaapi.h),
# one slot each.
cdef int g_next_slot = 0

cdef lua_CFunction lua_fn(rk_lua_impl impl) except NULL:
    global g_next_slot
    if g_next_slot >= 64:
        raise RuntimeError("out of Lua trampoline slots")
    g_next_slot += 1
    return rk_lua_wrap(g_next_slot - 1, impl)


# ---------------------------------------------------------------- the run context

# The script running now (Redis's curr_run_ctx); one at a time.
cdef class RunCtx:
    cdef Client caller              # the client that called EVAL/FCALL
    cdef Client sc                  # the script client
    cdef int flags                  # RUN_*
    cdef long long start_us
    cdef bytes funcname             # the sha for EVAL, the function name for FCALL
    cdef bint pre_oom               # over maxmemory when the script started
    cdef int repl_flags             # REPL_* as set by redis.set_repl


cdef RunCtx g_run = None
cdef Engine g_engine = None
# The script client: made once, reused by every script (Redis's lua_client).
cdef Client g_sclient = None
# Number formatting room for redis.call's numeric arguments.
cdef char* g_numbuf = NULL
cdef int g_numbuf_cap = 0
# The "busy" state: set while a script runs past busy-reply-threshold.
cdef long long g_busy_threshold_ms = 5000


cdef inline long long now_us() noexcept:
    cdef double t = _monotonic()
    return <long long>(t * 1000000.0)

from time import monotonic as _monotonic


# ---------------------------------------------------------------- errors

# Push Redis's error table {err="CODE message"} built from text: "-CODE
# message" keeps its code, anything else gets ERR; trailing CR/LF trimmed
# (Redis's luaPushErrorBuff).
cdef void push_error(lua_State* L, const char* p, Py_ssize_t n) noexcept:
    cdef Py_ssize_t sp
    cdef bytes msg, code
    if g_ldb_active and g_ldb_step:
        try:
            g_ldb_logs.append(b"<error> " + p[:n])
        except BaseException:
            pass
    if n > 0 and p[0] == b'-':
        sp = 1
        while sp < n and p[sp] != b' ':
            sp += 1
        if sp >= n:
            code = b"ERR"
            msg = p[1:n]
        else:
            code = p[1:sp]
            msg = p[sp + 1:n]
    else:
        code = b"ERR"
        msg = p[:n]
    msg = msg.strip(b"\r\n")
    msg = code + b" " + msg
    lua_createtable(L, 0, 1)
    lua_pushlstring(L, "err", 3)
    lua_pushlstring(L, PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))
    lua_settable(L, -3)


cdef void push_error_str(lua_State* L, const char* s) noexcept:
    push_error(L, s, strlen(s))


# A plain error string with the position of the Lua code that called the
# running C function (what luaL_error raises); the caller raises it.
cdef void push_where_error(lua_State* L, bytes msg) noexcept:
    luaL_where(L, 1)
    lua_pushlstring(L, PyBytes_AS_STRING(msg), PyBytes_GET_SIZE(msg))
    lua_concat(L, 2)


# ---------------------------------------------------------------- Lua -> RESP

# Reply to w with the value on the top of L's stack, consuming it (Redis's
# luaReplyToRedisReply). script_resp: the protocol the script set with
# redis.setresp (booleans answer by it). Uses only raw table access, so no
# Lua error can be raised from here.
cdef int lua_to_reply(lua_State* L, ReplyWriter w, int script_resp, int depth) except -1:
    cdef int t = lua_type(L, -1)
    cdef size_t n = 0
    cdef const char* s
    cdef Py_ssize_t pos
    cdef long long cnt
    cdef int j
    cdef bytes b
    if not lua_checkstack(L, 4) or depth > 1000:
        w.add_error_bytes(b"reached lua stack limit")
        lua_pop(L, 1)
        return 0
    if t == LUA_TSTRING:
        s = lua_tolstring(L, -1, &n)
        w.add_bulk(s, n)
    elif t == LUA_TBOOLEAN:
        if script_resp == 2:
            if lua_toboolean(L, -1):
                w.add_canned(b":1\r\n")
            else:
                w.add_null()
        else:
            w.add_bool(lua_toboolean(L, -1))
    elif t == LUA_TNUMBER:
        w.add_int(num_to_ll(lua_tonumber(L, -1)))
    elif t == LUA_TTABLE:
        # {err=...}
        lua_pushlstring(L, "err", 3)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TSTRING:
            lua_pop(L, 1)
            reply_error_table(L, w)
            lua_pop(L, 1)
            return 0
        lua_pop(L, 1)
        # {ok=...}
        lua_pushlstring(L, "ok", 2)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TSTRING:
            s = lua_tolstring(L, -1, &n)
            b = s[:strlen(s)].replace(b"\r", b" ").replace(b"\n", b" ")
            w.add_status(b, len(b))
            lua_pop(L, 2)
            return 0
        lua_pop(L, 1)
        # {double=...}
        lua_pushlstring(L, "double", 6)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TNUMBER:
            w.add_double(lua_tonumber(L, -1))
            lua_pop(L, 2)
            return 0
        lua_pop(L, 1)
        # {big_number=...}
        lua_pushlstring(L, "big_number", 10)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TSTRING:
            s = lua_tolstring(L, -1, &n)
            b = s[:n].replace(b"\r", b" ").replace(b"\n", b" ")
            if w.resp == 3:
                b = b"(" + b + b"\r\n"
                w.add_raw(b, len(b))
            else:
                w.add_bulk(b, len(b))
            lua_pop(L, 2)
            return 0
        lua_pop(L, 1)
        # {verbatim_string={format=, string=}}
        lua_pushlstring(L, "verbatim_string", 15)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TTABLE:
            lua_pushlstring(L, "format", 6)
            lua_rawget(L, -2)
            if lua_type(L, -1) == LUA_TSTRING:
                lua_pushlstring(L, "string", 6)
                lua_rawget(L, -3)
                if lua_type(L, -1) == LUA_TSTRING:
                    s = lua_tolstring(L, -1, &n)
                    w.add_verbatim(s, n, lua_tolstring(L, -2, NULL))
                    lua_pop(L, 4)
                    return 0
                lua_pop(L, 1)
            lua_pop(L, 1)
        lua_pop(L, 1)
        # {map={...}}
        lua_pushlstring(L, "map", 3)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TTABLE:
            pos = w.add_deferred()
            cnt = 0
            lua_pushnil(L)
            while lua_next(L, -2):
                lua_pushvalue(L, -2)
                lua_to_reply(L, w, script_resp, depth + 1)
                lua_to_reply(L, w, script_resp, depth + 1)
                cnt += 1
            w.set_deferred_map(pos, cnt)
            lua_pop(L, 2)
            return 0
        lua_pop(L, 1)
        # {set={...}}
        lua_pushlstring(L, "set", 3)
        lua_rawget(L, -2)
        if lua_type(L, -1) == LUA_TTABLE:
            pos = w.add_deferred()
            cnt = 0
            lua_pushnil(L)
            while lua_next(L, -2):
                lua_pop(L, 1)
                lua_pushvalue(L, -1)
                lua_to_reply(L, w, script_resp, depth + 1)
                cnt += 1
            w.set_deferred_set(pos, cnt)
            lua_pop(L, 2)
            return 0
        lua_pop(L, 1)
        # an array, up to the first nil
        pos = w.add_deferred()
        j = 1
        cnt = 0
        while True:
            lua_rawgeti(L, -1, j)
            j += 1
            if lua_type(L, -1) == LUA_TNIL:
                lua_pop(L, 1)
                break
            lua_to_reply(L, w, script_resp, depth + 1)
            cnt += 1
        w.set_deferred_array(pos, cnt)
    else:
        w.add_null()
    lua_pop(L, 1)
    return 0


# (long long) of a Lua number as C casts it on x86-64 (out of range and NaN
# give LLONG_MIN).
cdef inline long long num_to_ll(double d) noexcept:
    if isnan(d) or d >= 9223372036854775808.0 or d < -9223372036854775808.0:
        return -9223372036854775807 - 1
    return <long long>d


# Reply the error table on the top of the stack (not consumed): its err
# text, and when the error handler added them, the script and position.
# An error a command already counted (ignore_error_stats_update) is not
# counted again.
cdef int reply_error_table(lua_State* L, ReplyWriter w) except -1:
    cdef bytes msg
    cdef bint nostats
    msg, _, _, nostats = error_info(L)
    return reply_error_nostats(w, b"-" + msg, nostats)


cdef int reply_error_nostats(ReplyWriter w, bytes msg, bint nostats) except -1:
    cdef reply_error_hook hook = w.on_error
    if nostats:
        w.on_error = NULL
    try:
        w.add_error(msg, len(msg))
    finally:
        w.on_error = hook
    if nostats and g_run is not None and g_run.caller.cur_cmd is not None:
        # not in the error count, but the script's command failed (Redis's
        # afterErrorReply with ERR_REPLY_FLAG_NO_STATS_UPDATE), whether the
        # script raised the error or returned it
        (<Command>g_run.caller.cur_cmd).failed_calls += 1
    return 0


# The fields of the error table on the top of the stack: (err, source,
# line, ignore_error_stats_update) (Redis's luaExtractErrorInformation).
cdef tuple error_info(lua_State* L):
    cdef size_t n
    cdef const char* s
    msg = source = line = None
    nostats = False
    lua_getfield(L, -1, "err")
    if lua_isstring(L, -1):
        s = lua_tolstring(L, -1, &n)
        msg = s[:n]
    lua_pop(L, 1)
    lua_getfield(L, -1, "source")
    if lua_isstring(L, -1):
        s = lua_tolstring(L, -1, &n)
        source = s[:n]
    lua_pop(L, 1)
    lua_getfield(L, -1, "line")
    if lua_isstring(L, -1):
        s = lua_tolstring(L, -1, &n)
        line = s[:n]
    lua_pop(L, 1)
    lua_getfield(L, -1, "ignore_error_stats_update")
    if lua_type(L, -1) == LUA_TBOOLEAN:
        nostats = lua_toboolean(L, -1) != 0
    lua_pop(L, 1)
    return (msg if msg is not None else b"", source, line, nostats)


# ---------------------------------------------------------------- RESP -> Lua

# Push the reply at p[0:end] as a Lua value (Redis's redisProtocolToLuaType);
# returns the position after it. push false: parse and skip (attributes).
cdef Py_ssize_t resp_to_lua(lua_State* L, const char* p, Py_ssize_t pos, Py_ssize_t end,
                            bint push) except -1:
    cdef char t = p[pos]
    cdef const char* nl = <const char*>memchr(p + pos, b'\n', end - pos)
    cdef Py_ssize_t line_end = (nl - p) - 1       # at the '\r'
    cdef Py_ssize_t after = line_end + 2
    cdef long long n, j
    cdef bytes b
    if push and not lua_checkstack(L, 5):
        raise MemoryError("lua stack limit reached when parsing redis.call reply")
    if t == b'$' or t == b'=':
        n = _parse_ll(p + pos + 1, line_end - pos - 1)
        if n < 0:
            if push:
                lua_pushboolean(L, 0)
            return after
        if push:
            if t == b'$':
                lua_pushlstring(L, p + after, n)
            else:
                lua_createtable(L, 0, 1)
                lua_pushlstring(L, "verbatim_string", 15)
                lua_createtable(L, 0, 2)
                lua_pushlstring(L, "string", 6)
                lua_pushlstring(L, p + after + 4, n - 4)
                lua_settable(L, -3)
                lua_pushlstring(L, "format", 6)
                lua_pushlstring(L, p + after, 3)
                lua_settable(L, -3)
                lua_settable(L, -3)
        return after + n + 2
    if t == b':':
        if push:
            lua_pushnumber(L, <double>_parse_ll(p + pos + 1, line_end - pos - 1))
        return after
    if t == b'+':
        if push:
            lua_createtable(L, 0, 1)
            lua_pushlstring(L, "ok", 2)
            lua_pushlstring(L, p + pos + 1, line_end - pos - 1)
            lua_settable(L, -3)
        return after
    if t == b'-':
        if push:
            push_error(L, p + pos, line_end - pos)
            lua_pushlstring(L, "ignore_error_stats_update", 25)
            lua_pushboolean(L, 1)
            lua_settable(L, -3)
        return after
    if t == b'*' or t == b'~' or t == b'%' or t == b'|' or t == b'>':
        n = _parse_ll(p + pos + 1, line_end - pos - 1)
        pos = after
        if n < 0:
            if push:
                lua_pushboolean(L, 0)
            return pos
        if t == b'|':
            j = 0
            while j < n * 2:
                pos = resp_to_lua(L, p, pos, end, False)
                j += 1
            return resp_to_lua(L, p, pos, end, push)
        if t == b'*' or t == b'>':
            if push:
                lua_createtable(L, <int>n if n < 1 << 20 else 0, 0)
            for j in range(n):
                pos = resp_to_lua(L, p, pos, end, push)
                if push:
                    lua_rawseti(L, -2, <int>(j + 1))
            return pos
        if push:
            lua_createtable(L, 0, 1)
            lua_pushlstring(L, "map" if t == b'%' else "set", 3)
            lua_createtable(L, 0, <int>n if n < 1 << 20 else 0)
        j = 0
        while j < n:
            pos = resp_to_lua(L, p, pos, end, push)
            if t == b'%':
                pos = resp_to_lua(L, p, pos, end, push)
            elif push:
                lua_pushboolean(L, 1)
            if push:
                lua_settable(L, -3)
            j += 1
        if push:
            lua_settable(L, -3)
        return pos
    if t == b'_':
        if push:
            lua_pushnil(L)
        return after
    if t == b'#':
        if push:
            lua_pushboolean(L, p[pos + 1] == b't')
        return after
    if t == b',':
        if push:
            b = p[pos + 1:line_end]
            lua_createtable(L, 0, 1)
            lua_pushlstring(L, "double", 6)
            lua_pushnumber(L, float(b))
            lua_settable(L, -3)
        return after
    if t == b'(':
        if push:
            lua_createtable(L, 0, 1)
            lua_pushlstring(L, "big_number", 10)
            lua_pushlstring(L, p + pos + 1, line_end - pos - 1)
            lua_settable(L, -3)
        return after
    raise ValueError(f"unexpected reply type {chr(t)!r} from a command run by a script")


cdef inline long long _parse_ll(const char* s, Py_ssize_t n) noexcept:
    cdef long long v = 0
    cdef Py_ssize_t i = 0
    cdef bint neg = False
    if n > 0 and s[0] == b'-':
        neg = True
        i = 1
    while i < n:
        v = v * 10 + (s[i] - 48)
        i += 1
    return -v if neg else v


# ---------------------------------------------------------------- redis.call

# Nesting guard (a debug hook calling redis.call from inside redis.call).
cdef bint g_in_call = False


cdef int redis_call_impl(lua_State* L) noexcept:
    return redis_generic(L, True)


cdef int redis_pcall_impl(lua_State* L) noexcept:
    return redis_generic(L, False)


cdef int redis_generic(lua_State* L, bint raise_error) noexcept:
    global g_in_call
    cdef int r
    if g_run is None:
        push_error_str(L, "redis.call/pcall can only be called inside a script invocation")
        return RK_LUA_RAISE
    if g_in_call:
        push_error_str(L, "luaRedisGenericCommand() recursive call detected. "
                          "Are you doing funny stuff with Lua debug hooks?")
        return 1
    g_in_call = True
    try:
        r = _redis_generic(L, raise_error)
    except BaseException as exc:
        lua_settop(L, 0)
        msg = f"internal error running a script's command: {type(exc).__name__}: {exc}".encode()
        push_error(L, msg, len(msg))
        r = RK_LUA_RAISE if raise_error else 1
    g_in_call = False
    return r


cdef int _redis_generic(lua_State* L, bint raise_error) except? -2:
    global g_numbuf, g_numbuf_cap
    cdef int argc = lua_gettop(L)
    cdef int j, t
    cdef size_t n
    cdef const char* s
    cdef Client c = g_sclient
    cdef RunCtx run = g_run
    cdef Engine e = g_engine
    cdef ReplyWriter w
    cdef Py_ssize_t end
    cdef bytes err = None
    cdef Command cmd
    if argc == 0:
        push_error_str(L, "Please specify at least one argument for this redis lib call")
        return RK_LUA_RAISE if raise_error else 1
    if argc * 32 > g_numbuf_cap:
        g_numbuf = <char*>realloc(g_numbuf, argc * 32)
        if g_numbuf == NULL:
            g_numbuf_cap = 0
            raise MemoryError()
        g_numbuf_cap = argc * 32
    c._grow_argv(argc)
    for j in range(argc):
        t = lua_type(L, j + 1)
        if t == LUA_TNUMBER:
            # Lua's own number formatting loses precision: Redis uses %.17g
            s = g_numbuf + j * 32
            n = snprintf(g_numbuf + j * 32, 32, "%.17g", lua_tonumber(L, j + 1))
        elif t == LUA_TSTRING:
            s = lua_tolstring(L, j + 1, &n)
        else:
            c.argc = 0
            lua_settop(L, 0)
            push_error_str(L, "Lua redis lib command arguments must be strings or integers")
            return RK_LUA_RAISE if raise_error else 1
        c.argv[j].ptr = s
        c.argv[j].len = n
    c.argc = argc
    if ldb_logging():
        ldb_log_command(c)
    cmd = _lookup(c)
    err = _verify(run, e, c, cmd)
    w = c.reply
    if err is not None:
        lua_settop(L, 0)
        c.argc = 0
        e.count_error(err, len(err)) if err.startswith(b"-") else e.count_error(b"ERR", 3)
        if cmd is not None:
            cmd.rejected_calls += 1
        # the rejection is this command's error, not the script's: the
        # script's call counts only errors after it (Redis's
        # incrCommandStatsOnError moving its mark)
        e._err_mark = e.stat_total_error_replies
        push_error(L, err, len(err))
        lua_pushlstring(L, "ignore_error_stats_update", 25)
        lua_pushboolean(L, 1)
        lua_settable(L, -3)
        return RK_LUA_RAISE if raise_error else 1
    if cmd.flags & CMD_WRITE:
        run.flags |= RUN_WRITE_DIRTY
    w.len = 0
    # redis.set_repl: where this call's effects may propagate
    e.prop_targets = run.repl_flags
    try:
        e.call(c, cmd)
    finally:
        e.prop_targets = 3
    c.argc = 0
    lua_settop(L, 0)
    end = w.len
    try:
        if end == 0:
            raise ValueError(f"no reply from '{cmd.name}' run by a script")
        resp_to_lua(L, w.buf, 0, end, True)
        if ldb_logging():
            ldb_log_reply(w.buf[:end])
    finally:
        w.len = 0
    if raise_error and end and w.buf[0] == b'-':
        return RK_LUA_RAISE
    return 1


# The command argv names (subcommand resolved), or None (Redis's
# lookupCommand: an unknown subcommand is an unknown command).
cdef Command _lookup(Client c):
    cdef bytes name = PyBytes_FromStringAndSize(c.argv[0].ptr, c.argv[0].len)
    cdef Command cmd = g_cmd_cache.get(name)
    cdef object sub
    if cmd is None:
        cmd = g_engine.lookup_command(name.lower())
        if cmd is None:
            return None
        if len(g_cmd_cache) < 4096:
            g_cmd_cache[name] = cmd
    if cmd.subcommands is not None:
        if c.argc < 2:
            return cmd
        sub = cmd.subcommands.get(PyBytes_FromStringAndSize(c.argv[1].ptr, c.argv[1].len).lower())
        return sub
    return cmd


# Redis's getAclErrorMessage for an acl_check result.
cdef bytes _acl_error_text(int r):
    if r == ACL_DENIED_CMD:
        return b"can't run this command or subcommand"
    if r == ACL_DENIED_KEY:
        return b"can't access at least one of the keys mentioned in the command arguments"
    if r == ACL_DENIED_CHANNEL:
        return b"can't publish to the channel mentioned in the command"
    return b"lacking the permissions for the command"


# Whether the caller's user may run cmd with argv (c's arguments when None):
# None, or Redis's getAclErrorMessage text.
cdef bytes acl_refusal(Client caller, Client c, Command cmd, list argv):
    cdef int idx = 0
    cdef int r = acl_check(caller.acl, c, cmd, argv, &idx)
    return None if r == ACL_OK else _acl_error_text(r)


# name as written -> Command; emptied when the table is rebuilt
cdef dict g_cmd_cache = {}

# DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may run noscript commands (tests).
cdef bint g_disable_deny_scripts = False


def set_disable_deny_scripts(bint disable):
    global g_disable_deny_scripts
    g_disable_deny_scripts = disable


# Redis's scriptVerifyACL: the caller's user checked against the command
# the script calls, logged with context "lua" and the caller's client info.
cdef bytes _verify_acl(RunCtx run, Engine e, Client c, Command cmd):
    cdef int idx = 0
    cdef int r = acl_check(run.caller.acl, c, cmd, None, &idx)
    if r == ACL_OK:
        return None
    if e.server is not None:
        e.server.acl.log_denied(run.caller, r, False, cmd.name, c.arg_bytes(idx) if idx else None,
                                context=b"lua")
    return b"The user executing the script " + _acl_error_text(r)


# Redis's scriptCall checks: the error text, or None to run the command.
cdef bytes _verify(RunCtx run, Engine e, Client c, Command cmd):
    if cmd is None or (cmd.arity > 0 and cmd.arity != c.argc) or c.argc < -cmd.arity:
        if cmd is not None:
            return b"Wrong number of args calling Redis command from script"
        return b"Unknown Redis command called from script"
    if cmd.flags & CMD_NOSCRIPT and not g_disable_deny_scripts:
        return b"This Redis command is not allowed from script"
    if (e.is_replica and not e.master_link_up and not e.replica_serve_stale_data
            and not (cmd.flags & CMD_STALE)):
        return b"Can not execute the command on a stale replica"
    if run.caller.acl is not None:
        err = _verify_acl(run, e, c, cmd)
        if err is not None:
            return err
    if run.flags & RUN_READ_ONLY and cmd.flags & (CMD_WRITE | CMD_MAY_REPLICATE):
        return b"Write commands are not allowed from read-only scripts."
    if cmd.flags & CMD_WRITE and not (run.flags & RUN_WRITE_DIRTY):
        if e.is_replica and e.replica_read_only and not (run.caller.flags & CF_MASTER):
            return b"-READONLY You can't write against a read only replica."
        if e.disk_error is not None:
            return e.disk_error
        if e.noreplicas_error is not None:
            return e.noreplicas_error
    if (not (run.flags & RUN_ALLOW_OOM) and e.maxmemory and not (run.flags & RUN_WRITE_DIRTY)
            and run.pre_oom and cmd.flags & CMD_DENYOOM):
        return b"-OOM command not allowed when used memory > 'maxmemory'."
    return None


include "api.pxi"
include "sandbox.pxi"
include "lualibs.pxi"
include "eval.pxi"
include "ldb.pxi"
include "functions.pxi"
include "lazyfree.pxi"
