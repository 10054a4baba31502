# Redis 7.0 functions (functions.c, function_lua.c): libraries of named
# Lua functions loaded with FUNCTION LOAD and called with FCALL / FCALL_RO
# (included by luaengine.pyx).
#
# Every library lives in one Lua state of its own, built as the EVAL state
# is. While a library's code runs at load time the globals read through to
# a separate read-only table holding only the load API (redis.register_
# function, redis.log, LOG_*, the version); anything else is a missing
# global. Afterwards they read through to the ordinary sandbox again, so a
# function runs with the globals an EVAL script has, without KEYS and ARGV
# (it gets them as its two arguments). Registered callbacks live in the
# registry table rk_fn under an integer id, freed with their library.
#
# A LibCtx is Redis's functionsLibCtx: the libraries by name and the
# functions by name, without regard to case (a library's own functions
# are case-sensitive: two names differing in case both register, the first
# is the one FCALL finds). g_ctx is the current one; FUNCTION RESTORE loads a
# payload into a fresh one first and joins it (libraryJoin), so a bad
# payload changes nothing. Libraries and functions keep their load order
# (Redis lists them in its dict order, which no client may rely on).
#
# What persists them (the FUNCTION2 records of the RDB and of FUNCTION
# DUMP, the FUNCTION LOAD commands of an AOF rewrite) lives in persist/;
# this file hands out the libraries' codes and takes codes back.
#
# Order of the file: the state, registering, creating a library, the
# context operations, FCALL, FUNCTION, what persistence and INFO use.

from rkvd._core.lib.util cimport string2ll


cdef class Function:
    cdef readonly bytes name
    cdef readonly object desc           # bytes or None
    cdef readonly int flags             # SF_*
    cdef readonly int ref               # index in rk_fn
    cdef readonly Library lib


cdef class Library:
    cdef readonly bytes name
    cdef readonly bytes code            # as loaded, shebang included
    cdef readonly dict functions        # name -> Function, in registration order


cdef class LibCtx:
    cdef dict libraries                 # name -> Library
    cdef dict functions                 # lowercase function name -> Function

    def __cinit__(self):
        self.libraries = {}
        self.functions = {}


cdef lua_State* g_FL = NULL             # the functions' state
cdef LibCtx g_ctx = LibCtx()
cdef int g_fn_next_ref = 1
cdef Library g_loading = None           # the library whose code runs now
cdef long long g_load_start_us = 0
cdef long long g_load_timeout_ms = 500
cdef lua_CFunction F_REGISTER = NULL

# FUNCTION LOAD's time limit (Redis's LOAD_TIMEOUT_MS); none for what a
# master or the AOF sends, nor for RDB and RESTORE payloads.
cdef long long LOAD_TIMEOUT_MS = 500


# The functions' Lua state (Redis's luaEngineInitEngine), made on first use.
cdef int function_state() except -1:
    global g_FL, F_REGISTER
    cdef lua_State* L
    if g_FL != NULL:
        return 0
    eval_state()                        # the shared hook (busy_hook_impl)
    if F_REGISTER == NULL:
        F_REGISTER = lua_fn(register_function_impl)
    L = new_lua_state()
    # the load API, {redis = {register_function, log, LOG_*, version}}, both
    # tables failing on a missing key; it is made a global for the time the
    # globals are locked (so it gets read-only proxies too), then taken out
    lua_newtable(L)
    lua_pushstring(L, "redis")
    lua_newtable(L)
    _set_fn(L, "register_function", F_REGISTER)
    _set_fn(L, "log", F_LOG)
    _set_num(L, "LOG_DEBUG", 0)
    _set_num(L, "LOG_VERBOSE", 1)
    _set_num(L, "LOG_NOTICE", 2)
    _set_num(L, "LOG_WARNING", 3)
    _set_num(L, "REDIS_VERSION_NUM", REDIS_VERSION_NUM)
    lua_pushstring(L, "REDIS_VERSION")
    lua_pushlstring(L, REDIS_VERSION_STR, len(REDIS_VERSION_STR))
    lua_settable(L, -3)
    _missing_meta(L)
    lua_settable(L, -3)
    _missing_meta(L)
    lua_setglobal(L, "__LIBRARY_API__")
    lua_newtable(L)
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_fn")
    lock_globals(L)
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_globals")
    lua_getfield(L, -1, "__LIBRARY_API__")
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_loadlib")
    lua_pushstring(L, "__LIBRARY_API__")
    lua_pushnil(L)
    lua_rawset(L, -3)
    lua_pop(L, 1)
    # the globals proxy's metatable, whose __index is switched around loads
    lua_getmetatable(L, LUA_GLOBALSINDEX)
    lua_setfield(L, LUA_REGISTRYINDEX, "rk_gmeta")
    g_FL = L
    return 0


# Give the table on the top of the stack the missing-global metatable.
cdef void _missing_meta(lua_State* L) noexcept:
    lua_newtable(L)
    lua_pushcfunction(L, F_MISSING_GLOBAL)
    lua_setfield(L, -2, "__index")
    lua_setmetatable(L, -2)


# Point the functions' globals at the load API (loading) or the sandbox.
cdef void _globals_for_load(lua_State* L, bint loading) noexcept:
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_gmeta")
    lua_pushstring(L, "__index")
    if loading:
        lua_getfield(L, LUA_REGISTRYINDEX, "rk_loadlib")
    else:
        lua_getfield(L, LUA_REGISTRYINDEX, "rk_globals")
    lua_rawset(L, -3)
    lua_pop(L, 1)


# Redis's functionsVerifyName: [a-zA-Z0-9_]+.
cdef bint valid_name(bytes name) noexcept:
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(name)
    cdef Py_ssize_t i, n = PyBytes_GET_SIZE(name)
    cdef unsigned char ch
    if n == 0:
        return False
    for i in range(n):
        ch = p[i]
        if not (48 <= ch <= 57 or 65 <= ch <= 90 or 97 <= ch <= 122 or ch == 95):
            return False
    return True


cdef bytes NAME_ERROR = (b"Library names can only contain letters, numbers, or underscores(_) and must "
                         b"be at least one character long")


# ---------------------------------------------------------------- registering

# The load-time part of the shared count hook: a library's code may run
# LOAD_TIMEOUT_MS at most (none when the timeout is 0). Nonzero with the
# error pushed to stop it.
cdef int load_hook_impl(lua_State* L) noexcept:
    if g_load_timeout_ms > 0 and (now_us() - g_load_start_us) // 1000 > g_load_timeout_ms:
        # fire on every line from now on, so pcall cannot swallow it
        lua_sethook(L, g_hook, LUA_MASKLINE, 0)
        push_error_str(L, "FUNCTION LOAD timeout")
        return 1
    return 0


# redis.register_function(name, callback) or redis.register_function{
# function_name=, callback=, flags=, description=} (luaRegisterFunction).
cdef int register_function_impl(lua_State* L) noexcept:
    cdef int argc = lua_gettop(L)
    if g_loading is None:
        push_error_str(L, "redis.register_function can only be called on FUNCTION LOAD command")
        return RK_LUA_RAISE
    try:
        err = _register_function(L, argc)
    except BaseException as exc:
        err = f"internal error registering a function: {type(exc).__name__}: {exc}".encode()
    if err is not None:
        lua_settop(L, 0)
        push_error(L, err, len(err))
        return RK_LUA_RAISE
    return 0


# A string argument as luaGetStringSds takes it (numbers too), or None.
cdef bytes _lua_str(lua_State* L, int idx):
    cdef size_t n
    cdef const char* s
    if not lua_isstring(L, idx):
        return None
    s = lua_tolstring(L, idx, &n)
    return s[:n]


# Register the function the arguments describe in g_loading; the callback
# ends up at stack index 2. None, or the error text.
cdef bytes _register_function(lua_State* L, int argc):
    cdef int flags = 0
    cdef bytes key, name = None, desc = None
    if argc < 1 or argc > 2:
        return b"wrong number of arguments to redis.register_function"
    if argc == 2:
        name = _lua_str(L, 1)
        if name is None:
            return b"first argument to redis.register_function must be a string"
        if lua_type(L, 2) != LUA_TFUNCTION:
            return b"second argument to redis.register_function must be a function"
        return _create_function(L, name, None, 0)
    if lua_type(L, 1) != LUA_TTABLE:
        return (b"calling redis.register_function with a single argument is only applicable to "
                b"Lua table (representing named arguments).")
    lua_pushnil(L)                  # the callback's slot (index 2)
    lua_pushnil(L)
    while lua_next(L, 1):
        if not lua_isstring(L, -2):
            return b"named argument key given to redis.register_function is not a string"
        key = _lua_str(L, -2)       # (a number key is converted: the loop ends below)
        key = key.split(b"\0", 1)[0].lower()
        if key == b"function_name":
            name = _lua_str(L, -1)
            if name is None:
                return b"function_name argument given to redis.register_function must be a string"
        elif key == b"description":
            desc = _lua_str(L, -1)
            if desc is None:
                return b"description argument given to redis.register_function must be a string"
        elif key == b"callback":
            if lua_type(L, -1) != LUA_TFUNCTION:
                return b"callback argument given to redis.register_function must be a function"
            lua_pushvalue(L, -1)
            lua_replace(L, 2)
        elif key == b"flags":
            if lua_type(L, -1) != LUA_TTABLE:
                return (b"flags argument to redis.register_function must be a table representing "
                        b"function flags")
            flags = _read_flags(L)
            if flags < 0:
                return b"unknown flag given"
        else:
            return b"unknown argument given to redis.register_function"
        lua_pop(L, 1)
    if name is None:
        return b"redis.register_function must get a function name argument"
    if lua_type(L, 2) != LUA_TFUNCTION:
        return b"redis.register_function must get a callback argument"
    return _create_function(L, name, desc, flags)


# The flags table on the top of the stack as SF_* bits, or -1 for an
# unknown flag (luaRegisterFunctionReadFlags).
cdef int _read_flags(lua_State* L) except -2:
    cdef int flags = 0, j = 1
    cdef bytes fl
    while True:
        lua_rawgeti(L, -1, j)
        j += 1
        if lua_type(L, -1) == LUA_TNIL:
            lua_pop(L, 1)
            return flags
        fl = _lua_str(L, -1)
        lua_pop(L, 1)
        if fl is None:
            return -1
        fl = fl.split(b"\0", 1)[0].lower()
        for fname, bit in SCRIPT_FLAG_NAMES:
            if fl == fname:
                flags |= bit
                break
        else:
            return -1


# Add the function whose callback is at stack index 2 to g_loading
# (functionLibCreateFunction): None, or the error text.
cdef bytes _create_function(lua_State* L, bytes name, object desc, int flags):
    global g_fn_next_ref
    cdef Function f
    if not valid_name(name):
        return NAME_ERROR
    if name in g_loading.functions:
        return b"Function already exists in the library"
    f = Function()
    f.name = name
    f.desc = desc
    f.flags = flags
    f.ref = g_fn_next_ref
    f.lib = g_loading
    g_fn_next_ref += 1
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_fn")
    lua_pushvalue(L, 2)
    lua_rawseti(L, -2, f.ref)
    lua_pop(L, 1)
    g_loading.functions[name] = f
    return None


# ---------------------------------------------------------------- creating a library

# The (engine, name) of a library's shebang line and the offset of its
# newline, or the error text (functionExtractLibMetaData).
cdef object parse_metadata(bytes code):
    cdef Py_ssize_t nl
    cdef bytes name = None
    if not code.startswith(b"#!"):
        return b"Missing library metadata"
    nl = code.find(b"\n")
    if nl < 0:
        return b"Invalid library metadata"
    from rkvd.config.text import split_args
    parts = split_args(code[:nl])
    if not parts:
        return b"Invalid library metadata"
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                return b"Invalid metadata value, name argument was given multiple times"
            name = part[5:]
            continue
        return b"Invalid metadata value given: " + part.split(b"\0", 1)[0]
    if name is None:
        return b"Library name was not given"
    return (parts[0][2:], name, nl)


# Run a library's code so it registers its functions (luaEngineCreate):
# None, or the error text; the functions are in lib.functions.
cdef bytes run_library_code(Library lib, bytes body, long long timeout_ms):
    global g_loading, g_load_start_us, g_load_timeout_ms
    cdef lua_State* L = g_FL
    cdef size_t n
    cdef const char* s
    _globals_for_load(L, True)
    try:
        if luaL_loadbuffer(L, PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body), "@user_function"):
            s = lua_tolstring(L, -1, &n)
            return b"Error compiling function: " + s[:n]
        g_loading = lib
        g_load_start_us = now_us()
        g_load_timeout_ms = timeout_ms
        lua_sethook(L, g_hook, LUA_MASKCOUNT, 100000)
        if lua_pcall(L, 0, 0, 0):
            if lua_type(L, -1) == LUA_TTABLE:
                msg = error_info(L)[0]
            else:
                s = lua_tolstring(L, -1, &n)
                msg = b"ERR " + (s[:n] if s != NULL else b"")
            return b"Error registering functions: " + msg
        return None
    finally:
        lua_settop(L, 0)
        lua_sethook(L, NULL, 0, 0)
        g_loading = None
        _globals_for_load(L, False)


# Create the library of code in ctx, replacing the one of its name when
# replace (functionsCreateWithLibraryCtx): its name, or the error text
# (tuple ("err", text)). On error ctx is left as it was.
cdef object create_library(LibCtx ctx, bytes code, bint replace, long long timeout_ms):
    cdef Library lib, old = None
    cdef Function f
    md = parse_metadata(code)
    if isinstance(md, bytes):
        return ("err", md)
    engine, name, nl = md
    if not valid_name(name):
        return ("err", NAME_ERROR)
    if engine.lower() != b"lua":
        return ("err", b"Engine '" + engine + b"' not found")
    old = ctx.libraries.get(name)
    if old is not None and not replace:
        return ("err", b"Library '" + name + b"' already exists")
    function_state()
    if old is not None:
        _unlink(ctx, old)
    lib = Library()
    lib.name = name
    lib.code = code
    lib.functions = {}
    err = run_library_code(lib, code[nl:], timeout_ms)
    if err is None and not lib.functions:
        err = b"No functions registered"
    if err is None:
        for f in lib.functions.values():
            if f.name.lower() in ctx.functions:
                err = b"Function " + f.name + b" already exists"
                break
    if err is not None:
        free_library(lib)
        if old is not None:
            _link(ctx, old)
        return ("err", err)
    _link(ctx, lib)
    if old is not None:
        free_library(old)
    return name


# ---------------------------------------------------------------- contexts

cdef int _link(LibCtx ctx, Library lib) except -1:
    ctx.libraries[lib.name] = lib
    for fname, f in lib.functions.items():
        ctx.functions.setdefault(fname.lower(), f)
    return 0


cdef int _unlink(LibCtx ctx, Library lib) except -1:
    del ctx.libraries[lib.name]
    for fname in lib.functions:
        ctx.functions.pop(fname.lower(), None)
    return 0


# Drop the Lua references of lib's callbacks (engineLibraryFree).
cdef int free_library(Library lib) except -1:
    cdef Function f
    if g_FL == NULL:
        return 0
    lua_getfield(g_FL, LUA_REGISTRYINDEX, "rk_fn")
    for f in lib.functions.values():
        lua_pushnil(g_FL)
        lua_rawseti(g_FL, -2, f.ref)
    lua_pop(g_FL, 1)
    return 0


# Exchange the libraries and functions of a and b.
cdef int _swap_ctx(LibCtx a, LibCtx b) except -1:
    a.libraries, b.libraries = b.libraries, a.libraries
    a.functions, b.functions = b.functions, a.functions
    return 0


cdef int free_ctx(LibCtx ctx) except -1:
    for lib in ctx.libraries.values():
        free_library(<Library>lib)
    ctx.libraries = {}
    ctx.functions = {}
    return 0


# Move every library of src into dst (libraryJoin): None, or the error
# text with both left as they were.
cdef bytes join_ctx(LibCtx dst, LibCtx src, bint replace):
    cdef Library lib, old
    cdef list replaced = []
    cdef bytes err = None
    for lib in src.libraries.values():
        old = dst.libraries.get(lib.name)
        if old is not None:
            if not replace:
                err = b"Library " + lib.name + b" already exists"
                break
            _unlink(dst, old)
            replaced.append(old)
    if err is None:
        for fname, f in src.functions.items():
            if fname in dst.functions:
                err = b"Function " + (<Function>f).name + b" already exists"
                break
    if err is not None:
        for old in replaced:
            _link(dst, old)
        return err
    for lib in src.libraries.values():
        _link(dst, lib)
    src.libraries = {}
    src.functions = {}
    for old in replaced:
        free_library(old)
    return None


# ---------------------------------------------------------------- FCALL

cdef int fcall_generic(Client c, bint ro) except -1:
    cdef Engine e = c.engine
    cdef Function f
    cdef long long numkeys
    cdef lua_State* L
    bind_engine(e)
    if e.monitors:
        feed_monitors(e, c, <Command>c.cur_cmd, c.args_list())
    f = g_ctx.functions.get(c.arg_bytes(1).lower())
    if f is None:
        return c.add_error_bytes(b"Function not found")
    if not string2ll(c.argv[2].ptr, c.argv[2].len, &numkeys):
        return c.add_error_bytes(b"Bad number of keys provided")
    if numkeys > c.argc - 3:
        return c.add_error_bytes(b"Number of keys can't be greater than number of args")
    if numkeys < 0:
        return c.add_error_bytes(b"Number of keys can't be negative")
    L = g_FL
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_errh")
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_fn")
    lua_rawgeti(L, -1, f.ref)
    lua_remove(L, -2)
    push_array(L, c, 3, <int>numkeys)
    push_array(L, c, 3 + <int>numkeys, c.argc - 3 - <int>numkeys)
    return run_function(c, L, 2, f.name, f.flags, ro, False)


cdef int cmd_fcall(Client c) except -1:
    return fcall_generic(c, False)


cdef int cmd_fcall_ro(Client c) except -1:
    return fcall_generic(c, True)


# ---------------------------------------------------------------- FUNCTION

FUNCTION_HELP = [
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using "
    "FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore "
    "policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace "
    "the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of "
    "failure",
    "      in case of functions name collision with another library).",
]


# FUNCTION <sub> ...: the engine resolved the subcommand and checked its
# arity already.
cdef int cmd_function(Client c) except -1:
    cdef Engine e = c.engine
    cdef Library lib
    bind_engine(e)
    if c.arg_is(1, b"help"):
        from rkvd.commands.common import reply_help
        reply_help(c, b"FUNCTION", FUNCTION_HELP)
    elif c.arg_is(1, b"load"):
        _function_load(c, e)
    elif c.arg_is(1, b"delete"):
        lib = g_ctx.libraries.get(c.arg_bytes(2))
        if lib is None:
            return c.add_error_bytes(b"Library not found")
        _unlink(g_ctx, lib)
        free_library(lib)
        e.dirty += 1
        c.add_ok()
    elif c.arg_is(1, b"flush"):
        if c.argc > 3:
            return _syntax_error(c)
        if not (c.argc == 2 or c.arg_is(2, b"sync") or c.arg_is(2, b"async")):
            return c.add_error_bytes(b"FUNCTION FLUSH only supports SYNC|ASYNC option")
        n = len(g_ctx.functions)
        if flush_async(c, e) and worth_later(e, n):
            old = LibCtx()
            _swap_ctx(old, g_ctx)
            free_later(e, old, n)
        else:
            free_ctx(g_ctx)
        e.dirty += 1
        c.add_ok()
    elif c.arg_is(1, b"kill"):
        script_kill(c, False)
    elif c.arg_is(1, b"stats"):
        _function_stats(c)
    elif c.arg_is(1, b"list"):
        _function_list(c)
    elif c.arg_is(1, b"dump"):
        _function_dump(c, e)
    elif c.arg_is(1, b"restore"):
        _function_restore(c, e)
    else:
        _syntax_error(c)
    return 0


cdef int _syntax_error(Client c) except -1:
    from rkvd.commands.common import reply_subcommand_syntax_error
    reply_subcommand_syntax_error(c, c.args_list())
    return 0


cdef int _function_load(Client c, Engine e) except -1:
    cdef bint replace = False
    cdef int pos = 2
    while pos < c.argc - 1:
        if c.arg_is(pos, b"replace"):
            replace = True
            pos += 1
            continue
        return c.add_error_bytes(b"Unknown option given: " + c.arg_bytes(pos).split(b"\0", 1)[0])
    if pos >= c.argc:
        return c.add_error_bytes(b"Function code is missing")
    # what the AOF replays obeys no time limit
    r = create_library(g_ctx, c.arg_bytes(pos), replace,
                       0 if (e.loading and c.fd < 0) else LOAD_TIMEOUT_MS)
    if isinstance(r, tuple):
        return c.add_error_bytes(r[1])
    e.dirty += 1
    return c.add_bulk_obj(r)


cdef int _function_stats(Client c) except -1:
    cdef RunCtx run = g_run
    if run is not None and run.flags & RUN_EVAL_MODE:
        return c.add_error_bytes(BUSY_EVAL)
    c.add_map_len(2)
    c.add_bulk(b"running_script", 14)
    if run is None:
        c.add_null()
    else:
        c.add_map_len(3)
        c.add_bulk(b"name", 4)
        c.add_bulk_obj(run.funcname)
        c.add_bulk(b"command", 7)
        argv = run.caller.args_list()
        c.add_array_len(len(argv))
        for a in argv:
            c.add_bulk_obj(a)
        c.add_bulk(b"duration_ms", 11)
        c.add_int((now_us() - run.start_us) // 1000)
    c.add_bulk(b"engines", 7)
    c.add_map_len(1)
    c.add_bulk(b"LUA", 3)
    c.add_map_len(2)
    c.add_bulk(b"libraries_count", 15)
    c.add_int(len(g_ctx.libraries))
    c.add_bulk(b"functions_count", 15)
    c.add_int(sum([len((<Library>lib).functions) for lib in g_ctx.libraries.values()]))
    return 0


cdef int _function_list(Client c) except -1:
    cdef bint with_code = False
    cdef object pattern = None
    cdef int i = 2
    cdef Library lib
    cdef Function f
    while i < c.argc:
        if not with_code and c.arg_is(i, b"withcode"):
            with_code = True
            i += 1
            continue
        if pattern is None and c.arg_is(i, b"libraryname"):
            if i >= c.argc - 1:
                return c.add_error_bytes(b"library name argument was not given")
            pattern = c.arg_bytes(i + 1)
            i += 2
            continue
        return c.add_error_bytes(b"Unknown argument " + c.arg_bytes(i).split(b"\0", 1)[0])
    libs = list(g_ctx.libraries.values())
    if pattern is not None:
        from rkvd.strutil import stringmatch
        libs = [lib for lib in libs if stringmatch(pattern, lib.name, True)]
    c.add_array_len(len(libs))
    for lib in libs:
        c.add_map_len(4 if with_code else 3)
        c.add_bulk(b"library_name", 12)
        c.add_bulk_obj(lib.name)
        c.add_bulk(b"engine", 6)
        c.add_bulk(b"LUA", 3)
        c.add_bulk(b"functions", 9)
        c.add_array_len(len(lib.functions))
        for f in lib.functions.values():
            c.add_map_len(3)
            c.add_bulk(b"name", 4)
            c.add_bulk_obj(f.name)
            c.add_bulk(b"description", 11)
            if f.desc is None:
                c.add_null()
            else:
                c.add_bulk_obj(f.desc)
            c.add_bulk(b"flags", 5)
            names = [fname for fname, bit in SCRIPT_FLAG_NAMES if f.flags & bit]
            c.add_set_len(len(names))
            for fname in names:
                c.add_status(fname, len(fname))
        if with_code:
            c.add_bulk(b"library_code", 12)
            c.add_bulk_obj(lib.code)
    return 0


cdef int _function_dump(Client c, Engine e) except -1:
    from rkvd._core.persist.rdb_save import RDB_SAVE_COMPRESS, function_dump_payload
    cfg = e.server.cfg if e.server is not None else None
    flags = RDB_SAVE_COMPRESS if cfg is None or cfg["rdbcompression"] else 0
    return c.add_bulk_obj(function_dump_payload(function_codes(), flags))


cdef int _function_restore(Client c, Engine e) except -1:
    cdef int policy = 0             # 0 append, 1 replace, 2 flush
    cdef LibCtx tmp
    cdef bytes err = None
    if c.argc > 4:
        return _syntax_error(c)
    if c.argc == 4:
        if c.arg_is(3, b"append"):
            policy = 0
        elif c.arg_is(3, b"replace"):
            policy = 1
        elif c.arg_is(3, b"flush"):
            policy = 2
        else:
            return c.add_error_bytes(b"Wrong restore policy given, value should be either FLUSH, "
                                     b"APPEND or REPLACE.")
    from rkvd._core.persist.rdb_load import function_payload_codes
    codes = function_payload_codes(c.arg_bytes(2))
    if codes is None:
        return c.add_error_bytes(b"DUMP payload version or checksum are wrong")
    tmp = LibCtx()
    for code in codes:
        if isinstance(code, tuple):         # the payload's own error
            err = code[1]
            break
        r = create_library(tmp, code, False, 0)
        if isinstance(r, tuple):
            err = r[1]
            break
    if err is None:
        if policy == 2:
            free_ctx(g_ctx)
            err = join_ctx(g_ctx, tmp, False)
        else:
            err = join_ctx(g_ctx, tmp, policy == 1)
    free_ctx(tmp)
    if err is not None:
        return c.add_error_bytes(err)
    e.dirty += 1
    return c.add_ok()


# ---------------------------------------------------------------- persistence and INFO

def function_codes():
    """The code of every library, in load order: what the RDB's FUNCTION2
    records, FUNCTION DUMP and the AOF rewrite's FUNCTION LOADs hold."""
    return [(<Library>lib).code for lib in g_ctx.libraries.values()]


def functions_load_code(Engine eng, bytes code, bint replace, LibCtx ctx=None):
    """A library read from an RDB file (its FUNCTION2 record), into ctx (a
    functions_new_ctx) or the current libraries: None, or the error text
    (rdbFunctionLoad; no time limit)."""
    bind_engine(eng)
    r = create_library(g_ctx if ctx is None else ctx, code, replace, 0)
    if isinstance(r, tuple):
        return r[1].decode("utf-8", "replace")
    return None


def functions_new_ctx():
    """An empty set of libraries, for a load that must not touch the
    current ones until it succeeds (a replica's swapdb load)."""
    return LibCtx()


def functions_swap_in(LibCtx ctx):
    """ctx's libraries become the current ones; the old ones are freed."""
    _swap_ctx(g_ctx, ctx)
    free_ctx(ctx)


def functions_free_ctx(LibCtx ctx):
    """Drop a functions_new_ctx's libraries (the load failed)."""
    free_ctx(ctx)


def functions_flush():
    """Drop every library (emptyData before an RDB replaces the dataset)."""
    free_ctx(g_ctx)


def functions_memory_info():
    """(used_memory_vm_functions, used_memory_functions, number_of_functions,
    number_of_libraries) for INFO memory."""
    cdef Library lib
    cdef Function f
    cdef long long vm, mem = FUNCTIONS_BASE_OVERHEAD
    function_state()
    vm = lua_gc(g_FL, LUA_GCCOUNT, 0) * 1024 + lua_gc(g_FL, LUA_GCCOUNTB, 0)
    for lib in g_ctx.libraries.values():
        mem += 32 + _sds_size(len(lib.name)) + _sds_size(len(lib.code))
        for f in lib.functions.values():
            mem += 48 + _sds_size(len(f.name)) + 8
            if f.desc is not None:
                mem += _sds_size(len(f.desc))
    mem += _dict_overhead(len(g_ctx.functions))
    return (vm, mem, len(g_ctx.functions), len(g_ctx.libraries))


# Redis's functionsMemoryOverhead with its allocator's sizes: the engine
# and the context (200 bytes with no library), the functions dict, and each
# library's and function's allocations (libraryMallocSize, functionMallocSize).
cdef long long FUNCTIONS_BASE_OVERHEAD = 200


# zmalloc_size of an sds string of n bytes: its header (sdshdr5 below 32
# bytes, then 8/16/32) and NUL rounded up to jemalloc's size classes.
cdef long long _sds_size(long long n) noexcept:
    cdef long long need = n + 1 + (1 if n < 32 else 3 if n < 256 else 5 if n < 65536 else 9)
    cdef long long group = 128
    if need <= 8:
        return 8
    if need <= 128:
        return (need + 15) // 16 * 16
    while group * 2 < need:
        group <<= 1
    return (need + group // 4 - 1) // (group // 4) * (group // 4)


# The entries and bucket array of a dict of n entries.
cdef long long _dict_overhead(long long n) noexcept:
    cdef long long slots = 0
    if n > 0:
        slots = 4
        while slots < n:
            slots <<= 1
    return n * 24 + slots * 8


register_c("fcall", cmd_fcall)
register_c("fcall_ro", cmd_fcall_ro)
register_c("function", cmd_function)


def script_command_flags(str name, list argv, int flags):
    """The flags an EVAL* or FCALL* command runs with (Redis's
    evalGetCommandFlags / fcallGetCommandFlags), argv as sent: a script
    that declares flags (a shebang, every function) replaces the command's
    write, deny-oom and stale flags with what it declares; anything else
    (no such script or function, no shebang) keeps the command's own."""
    cdef int sflags
    cdef Script s
    cdef bytes body
    if len(argv) < 2:
        return flags
    body = bytes(argv[1])
    if name.startswith("fcall"):
        f = g_ctx.functions.get(body.lower()) if g_ctx is not None else None
        if f is None:
            return flags
        sflags = (<Function>f).flags
    elif name.startswith("evalsha"):
        s = g_scripts.get(body.lower()) if len(body) == 40 else None
        if s is None:
            return flags
        sflags = s.flags
    else:
        s = g_scripts.get(_hashlib.sha1(body).hexdigest().encode())
        if s is not None:
            sflags = s.flags
        else:
            parsed = parse_shebang(body)
            if type(parsed) is not tuple:
                return flags
            sflags = parsed[0]
    if sflags & SF_EVAL_COMPAT:
        return flags
    flags &= ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE | CMD_MAY_REPLICATE)
    if not (sflags & (SF_ALLOW_OOM | SF_NO_WRITES)):
        flags |= CMD_DENYOOM
    if not (sflags & SF_NO_WRITES):
        flags |= CMD_WRITE
    if sflags & SF_ALLOW_STALE:
        flags |= CMD_STALE
    return flags
