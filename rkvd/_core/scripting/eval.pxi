# EVAL, EVALSHA, their _RO forms and SCRIPT (Redis's eval.c), the run of a
# script (luaCallFunction, scriptPrepareForRun) and the busy-script hook
# (included by luaengine.pyx).
#
# Scripts are compiled once into the registry as f_<sha> and kept with their
# body and shebang flags in g_scripts until SCRIPT FLUSH, which also starts
# a fresh Lua state, as Redis's scriptingReset does.

cdef class Script:
    cdef readonly bytes body
    cdef readonly int flags         # SF_*


cdef lua_State* g_L = NULL          # the EVAL state
cdef dict g_scripts = {}            # lowercase sha (bytes) -> Script
cdef long long g_scripts_mem = 0    # bytes of bodies and shas (used_memory_scripts_eval)
cdef long long g_gc_count = 0
cdef lua_Hook g_hook = NULL


cdef int eval_state() except -1:
    global g_L, g_hook
    if g_L == NULL:
        g_L = new_lua_state()
        ldb_register(g_L)
        lock_globals(g_L)
        if g_hook == NULL:
            g_hook = rk_lua_hook(busy_hook_impl)
    return 0


cdef int bind_engine(Engine e) except -1:
    global g_engine, g_sclient
    if g_engine is not e:
        g_engine = e
        g_cmd_cache.clear()
        g_sclient = Client()
        g_sclient.engine = e
        g_sclient.db = e.dbs[0]
        g_sclient.authenticated = True
        g_sclient.flags |= CF_DENY_BLOCKING | CF_SCRIPT
        g_sclient.addr = "lua"
        g_sclient.laddr = "lua"
    return 0


# ---------------------------------------------------------------- shebang

# (flags, length of the shebang line) of a body, or an error text (bytes).
cdef object parse_shebang(bytes body):
    cdef Py_ssize_t nl
    cdef int flags = 0
    if not body.startswith(b"#!"):
        return (SF_EVAL_COMPAT, 0)
    nl = body.find(b"\n")
    if nl < 0:
        return b"Invalid script shebang"
    parts = body[:nl].split()
    if not parts:
        return b"Invalid engine in script shebang"
    if parts[0] != b"#!lua":
        return b"Unexpected engine in script shebang: " + parts[0]
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            return b"Unknown lua shebang option: " + part
        for f in part[6:].split(b","):
            if not f and part[6:] == b"":
                continue
            for name, bit in SCRIPT_FLAG_NAMES:
                if f == name:
                    flags |= bit
                    break
            else:
                return b"Unexpected flag in script shebang: " + f
    return (flags, nl)


# ---------------------------------------------------------------- the script cache

# Compile body into the cache; its sha, or None after replying the error to
# c (Redis's luaCreateFunction).
cdef bytes create_script(Client c, bytes body):
    global g_scripts_mem
    cdef bytes sha = _hashlib.sha1(body).hexdigest().encode()
    cdef Script s
    cdef Py_ssize_t skip
    cdef size_t n
    cdef const char* msg
    if sha in g_scripts:
        return sha
    r = parse_shebang(body)
    if isinstance(r, bytes):
        c.add_error_bytes(r)
        return None
    flags, skip = r
    eval_state()
    if luaL_loadbuffer(g_L, PyBytes_AS_STRING(body) + skip, len(body) - skip, "@user_script"):
        msg = lua_tolstring(g_L, -1, &n)
        c.add_error_bytes(b"Error compiling script (new function): " + msg[:n])
        lua_pop(g_L, 1)
        return None
    lua_setfield(g_L, LUA_REGISTRYINDEX, b"f_" + sha)
    s = Script()
    s.body = body
    s.flags = flags
    g_scripts[sha] = s
    g_scripts_mem += len(body) + 40 + 16
    return sha


# SCRIPT FLUSH (Redis's scriptingReset): a fresh Lua state, and the old
# cache freed now or, when lazy and big, from the cron (lazyfree.pxi).
cdef int scripts_reset(Engine e, bint lazy) except -1:
    global g_L, g_scripts, g_scripts_mem
    cdef dict old = g_scripts
    if g_L != NULL:
        lua_close(g_L)
        g_L = NULL
    g_scripts = {}
    g_scripts_mem = 0
    if lazy and worth_later(e, len(old)):
        free_later(e, old, len(old))
    return 0


# ---------------------------------------------------------------- running

# Redis's scriptPrepareForRun checks for a script with a shebang: the error
# reply, or None.
cdef bytes prepare_checks(Client c, Engine e, int sflags, bint ro, bint pre_oom):
    cdef bint stale = e.is_replica and not e.master_link_up and not e.replica_serve_stale_data
    if sflags & SF_EVAL_COMPAT:
        if stale:
            return b"-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
        return None
    if stale and not (sflags & SF_ALLOW_STALE):
        return (b"-MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' "
                b"and 'allow-stale' flag is not set on the script.")
    if not (sflags & SF_NO_WRITES):
        if e.is_replica and e.replica_read_only and not (c.flags & CF_MASTER):
            return b"-READONLY Can not run script with write flag on readonly replica"
        if e.disk_error is not None:
            return (b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable "
                    b"to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for "
                    b"read only scripts.")
        if ro:
            return b"Can not execute a script with write flag using *_ro command."
        if e.noreplicas_error is not None:
            return e.noreplicas_error
    if pre_oom and e.maxmemory and not (sflags & (SF_ALLOW_OOM | SF_NO_WRITES)):
        return (b"-OOM allow-oom flag is not set on the script, can not run it when used memory > "
                b"'maxmemory'")
    return None


cdef extern from *:
    """
    static int rk_evict_fail(int r) { return r == 2; }
    """
    int rk_evict_fail(int r)


# Run the function on the top of L's stack (above the error handler) with
# nargs arguments pushed after it, replying to c (Redis's luaCallFunction
# with the run context around it). Pops the function, arguments and handler.
cdef int run_function(Client c, lua_State* L, int nargs, bytes funcname, int sflags,
                      bint ro, bint eval_mode) except -1:
    global g_run, g_gc_count
    cdef Engine e = c.engine
    cdef RunCtx run
    cdef Client sc = g_sclient
    cdef bint pre_oom = False
    cdef int err
    cdef bytes msg, source, line, final
    cdef bint nostats
    if e.maxmemory:
        pre_oom = rk_evict_fail(perform_evictions(e))
    final = prepare_checks(c, e, sflags, ro, pre_oom)
    if final is not None:
        lua_pop(L, nargs + 2)
        return c.add_error_bytes(final)
    run = RunCtx()
    run.caller = c
    run.sc = sc
    run.funcname = funcname
    run.pre_oom = pre_oom
    run.repl_flags = 3
    run.start_us = now_us()
    if ro or (not (sflags & SF_EVAL_COMPAT) and sflags & SF_NO_WRITES):
        run.flags |= RUN_READ_ONLY
    if not (sflags & SF_EVAL_COMPAT) and sflags & SF_ALLOW_OOM:
        run.flags |= RUN_ALLOW_OOM
    if eval_mode:
        run.flags |= RUN_EVAL_MODE
    sc.db = c.db
    sc.user = c.user                   # the caller's permissions, as Redis's script client
    sc.acl = c.acl
    sc.set_resp(2)
    g_run = run
    e.script_caller = c
    try:
        if g_ldb_active:
            lua_sethook(L, g_ldb_hook, LUA_MASKLINE | LUA_MASKCOUNT, 100000)
        elif g_busy_threshold_ms > 0:
            lua_sethook(L, g_hook, LUA_MASKCOUNT, 100000)
        err = lua_pcall(L, nargs, 1, -(nargs + 2))
        if g_busy_threshold_ms > 0 or run.flags & RUN_KILLED or g_ldb_active:
            lua_sethook(L, NULL, 0, 0)
        g_gc_count += 1
        if g_gc_count >= 50:
            lua_gc(L, LUA_GCSTEP, 50)
            g_gc_count = 0
        if err:
            if lua_type(L, -1) != LUA_TTABLE:
                m = lua_tolstring(L, -1, NULL) if lua_isstring(L, -1) else b"execution failure"
                final = b"Error running script %s, %.100s\n" % (funcname, m[:100])
                c.add_error_bytes(final)
            else:
                msg, source, line, nostats = error_info(L)
                final = b"-" + msg
                if source is not None and line is not None:
                    final += b" script: " + funcname + b", on " + source + b":" + line + b"."
                reply_error_nostats(c.reply, final, nostats)
            lua_pop(L, 1)
        else:
            lua_to_reply(L, c.reply, sc.resp, 0)
    finally:
        g_run = None
        e.script_caller = None
        lua_settop(L, 0)
        if run.flags & RUN_TIMEDOUT:
            busy_end(e)
        e.prop_flags |= PROP_PREVENT       # the effects propagate, not the script
    return 0


# The number of keys argument: 1 and *out, or 0 after replying the error.
cdef int parse_numkeys(Client c, long long* out) except -1:
    if not c.arg_ll(2, out):
        return 0
    if out[0] > c.argc - 3:
        c.add_error_bytes(b"Number of keys can't be greater than number of args")
        return 0
    if out[0] < 0:
        c.add_error_bytes(b"Number of keys can't be negative")
        return 0
    return 1


# Build KEYS or ARGV (argv[first:first+n]) as a Lua array on the stack.
cdef void push_array(lua_State* L, Client c, int first, int n) noexcept:
    cdef int j
    lua_createtable(L, n, 0)
    for j in range(n):
        lua_pushlstring(L, c.argv[first + j].ptr, c.argv[first + j].len)
        lua_rawseti(L, -2, j + 1)


cdef int eval_generic(Client c, bint evalsha, bint ro) except -1:
    cdef Engine e = c.engine
    cdef long long numkeys
    cdef bytes sha
    cdef Script s
    cdef lua_State* L
    bind_engine(e)
    if e.monitors:
        feed_monitors(e, c, <Command>c.cur_cmd, c.args_list())
    if evalsha and c.argv[1].len != 40:
        return c.add_error_bytes(b"-NOSCRIPT No matching script. Please use EVAL.")
    if not parse_numkeys(c, &numkeys):
        return 0
    if evalsha:
        sha = c.arg_bytes(1).lower()
        s = g_scripts.get(sha)
        if s is None:
            return c.add_error_bytes(b"-NOSCRIPT No matching script. Please use EVAL.")
    else:
        sha = create_script(c, c.arg_bytes(1))
        if sha is None:
            return 0
        s = g_scripts[sha]
    eval_state()
    L = g_L
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_errh")
    lua_getfield(L, LUA_REGISTRYINDEX, b"f_" + sha)
    # KEYS and ARGV are globals of the real table
    lua_getfield(L, LUA_REGISTRYINDEX, "rk_globals")
    lua_pushstring(L, "KEYS")
    push_array(L, c, 3, <int>numkeys)
    lua_rawset(L, -3)
    lua_pushstring(L, "ARGV")
    push_array(L, c, 3 + <int>numkeys, c.argc - 3 - <int>numkeys)
    lua_rawset(L, -3)
    lua_pop(L, 1)
    return run_function(c, L, 0, sha, s.flags, ro, True)


cdef int cmd_eval(Client c) except -1:
    if ldb_debugging(c):
        return ldb_eval(c, False)
    return eval_generic(c, False, False)


cdef int cmd_evalsha(Client c) except -1:
    if ldb_debugging(c):
        return c.add_error_bytes(b"Please use EVAL instead of EVALSHA for debugging")
    return eval_generic(c, True, False)


cdef int cmd_eval_ro(Client c) except -1:
    if ldb_debugging(c):
        return ldb_eval(c, True)
    return eval_generic(c, False, True)


cdef int cmd_evalsha_ro(Client c) except -1:
    if ldb_debugging(c):
        return c.add_error_bytes(b"Please use EVAL instead of EVALSHA for debugging")
    return eval_generic(c, True, True)


SCRIPT_HELP = [
    "DEBUG (YES|SYNC|NO)",
    "    Set the debug mode for the scripts run after it.",
    "EXISTS <sha1> [<sha1> ...]",
    "    Tell, for each sha1, whether the script cache holds that script.",
    "FLUSH [ASYNC|SYNC]",
    "    Empty the script cache. Without a mode, lazyfree-lazy-user-flush decides:",
    "    * ASYNC: empty the cache in the background.",
    "    * SYNC: empty the cache now.",
    "KILL",
    "    Stop the running script, if it has not written yet.",
    "LOAD <script>",
    "    Put a script in the cache without running it.",
]


cdef int cmd_script(Client c) except -1:
    cdef Engine e = c.engine
    cdef bytes sha
    cdef int j
    bind_engine(e)
    if c.argc == 2 and c.arg_is(1, b"help"):
        from rkvd.commands.common import reply_help
        reply_help(c, b"SCRIPT", SCRIPT_HELP)
    elif c.argc >= 2 and c.arg_is(1, b"flush"):
        if not (c.argc == 2 or (c.argc == 3 and (c.arg_is(2, b"sync") or c.arg_is(2, b"async")))):
            return c.add_error_bytes(b"SCRIPT FLUSH only support SYNC|ASYNC option")
        scripts_reset(e, flush_async(c, e))
        c.add_ok()
    elif c.argc >= 2 and c.arg_is(1, b"exists"):
        c.add_array_len(c.argc - 2)
        for j in range(2, c.argc):
            c.add_int(1 if c.arg_bytes(j).lower() in g_scripts else 0)
    elif c.argc == 3 and c.arg_is(1, b"load"):
        sha = create_script(c, c.arg_bytes(2))
        if sha is not None:
            c.add_bulk(sha, 40)
    elif c.argc == 2 and c.arg_is(1, b"kill"):
        script_kill(c, True)
    elif c.argc == 3 and c.arg_is(1, b"debug"):
        ldb_script_debug(c)
    else:
        from rkvd.commands.common import reply_subcommand_syntax_error
        reply_subcommand_syntax_error(c, c.args_list())
    return 0


# ---------------------------------------------------------------- busy scripts

# SCRIPT KILL / FUNCTION KILL (Redis's scriptKill).
cdef int script_kill(Client c, bint is_eval) except -1:
    cdef RunCtx run = g_run
    if run is None:
        return c.add_error_bytes(b"-NOTBUSY No scripts in execution right now.")
    if run.flags & RUN_WRITE_DIRTY:
        return c.add_error_bytes(
            b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
            b"You can either wait the script termination or kill the server in a hard way using "
            b"the SHUTDOWN NOSAVE command.")
    if is_eval and not (run.flags & RUN_EVAL_MODE):
        return c.add_error_bytes(b"-BUSY Redis is busy running a script. You can only call "
                                 b"FUNCTION KILL or SHUTDOWN NOSAVE.")
    if not is_eval and run.flags & RUN_EVAL_MODE:
        return c.add_error_bytes(b"-BUSY Redis is busy running a script. You can only call "
                                 b"SCRIPT KILL or SHUTDOWN NOSAVE.")
    run.flags |= RUN_KILLED
    return c.add_ok()


# The count hook: past busy-reply-threshold the script is "timed out", other
# clients are served (they get -BUSY for anything but the allowed commands)
# between every 100000 Lua instructions, and SCRIPT KILL stops it here.
# One hook serves both states (luaapi.h keeps a single hook function): a
# library's code running at FUNCTION LOAD has its own time limit.
cdef int busy_hook_impl(lua_State* L) noexcept:
    cdef RunCtx run = g_run
    cdef long long elapsed
    if g_loading is not None:
        return load_hook_impl(L)
    if run is None:
        return 0
    try:
        if not (run.flags & RUN_TIMEDOUT):
            elapsed = (now_us() - run.start_us) // 1000
            if elapsed < g_busy_threshold_ms:
                return 0
            g_engine.server.log.warning(
                "Slow script detected: still in execution after %d milliseconds. "
                "You can try killing the script using the %s command. Script name is: %s." % (
                    elapsed, "SCRIPT KILL" if run.flags & RUN_EVAL_MODE else "FUNCTION KILL",
                    run.funcname.decode("utf-8", "replace")))
            run.flags |= RUN_TIMEDOUT
            busy_begin(g_engine, run)
        busy_serve(g_engine)
    except BaseException as exc:
        try:
            g_engine.server.log.warning(f"error serving clients during a busy script: {exc!r}")
        except BaseException:
            pass
    if run.flags & RUN_KILLED:
        try:
            g_engine.server.log.warning("Lua script killed by user with SCRIPT KILL.")
        except BaseException:
            pass
        # fire on every line from now on, so pcall cannot swallow the kill
        lua_sethook(L, g_hook, LUA_MASKLINE, 0)
        push_error_str(L, "Script killed by user with SCRIPT KILL...")
        return 1
    return 0


include "busy.pxi"


def configure(long long busy_reply_threshold_ms):
    """busy-reply-threshold (lua-time-limit), in milliseconds; 0 disables."""
    global g_busy_threshold_ms
    g_busy_threshold_ms = busy_reply_threshold_ms


def memory_info():
    """(used_memory_lua, used_memory_scripts_eval, number_of_cached_scripts)
    for INFO memory."""
    cdef long long lua_mem
    eval_state()            # Redis's VM exists from the start: INFO shows its size
    lua_mem = lua_gc(g_L, LUA_GCCOUNT, 0) * 1024 + lua_gc(g_L, LUA_GCCOUNTB, 0)
    return (lua_mem, g_scripts_mem, len(g_scripts))


def script_running():
    """True while a script runs (the shell's SHUTDOWN and INFO ask)."""
    return g_run is not None


register_c("eval", cmd_eval)
register_c("evalsha", cmd_evalsha)
register_c("eval_ro", cmd_eval_ro)
register_c("evalsha_ro", cmd_evalsha_ro)
register_c("script", cmd_script)
