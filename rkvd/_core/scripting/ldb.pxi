# The Lua debugger (Redis's LDB). SCRIPT DEBUG YES|SYNC|NO marks a client;
# its next EVAL runs under a line hook that stops the script and talks with
# the client over its socket directly, as Redis does (the event loop is
# stuck in the script's call). YES forks: the child runs the session and
# exits, so the dataset is left as it was; SYNC runs it in the server, which
# serves no one meanwhile and keeps what the script wrote. The debugger's
# output is a RESP array of status lines; the session ends with
# <endsession>, the EVAL reply, and the connection closed.
#
# Included by luaengine.pyx.

import re as _re
import select as _ldb_select
import signal as _signal

cdef enum:
    LDB_BREAKPOINTS_MAX = 64
    LDB_MAX_LEN_DEFAULT = 256
    LDB_MAX_VALUES_DEPTH = 10       # Redis's LUA_MINSTACK / 2

cdef dict g_ldb_clients = {}        # client id -> True for SYNC, False for a forked session
cdef list g_ldb_children = []       # pids of forked sessions
cdef bint g_ldb_active = False
cdef bint g_ldb_forked = False
cdef bint g_ldb_step = False
cdef bint g_ldb_luabp = False
cdef int g_ldb_fd = -1
cdef list g_ldb_logs = []
cdef list g_ldb_src = []
cdef list g_ldb_bp = []
cdef int g_ldb_currentline = -1
cdef long g_ldb_maxlen = LDB_MAX_LEN_DEFAULT
cdef bint g_ldb_hint_sent = False
cdef bytearray g_ldb_cbuf = bytearray()
cdef lua_Hook g_ldb_hook = NULL

cdef list LDB_HELP = [
    b"Redis Lua debugger help:",
    b"[h]elp               Show this help.",
    b"[s]tep               Run current line and stop again.",
    b"[n]ext               Alias for step.",
    b"[c]ontinue           Run till next breakpoint.",
    b"[l]ist               List source code around current line.",
    b"[l]ist [line]        List source code around [line].",
    b"                     line = 0 means: current position.",
    b"[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    b"                     to show before/after [line].",
    b"[w]hole              List all source code. Alias for 'list 1 1000000'.",
    b"[p]rint              Show all the local variables.",
    b"[p]rint <var>        Show the value of the specified variable.",
    b"                     Can also show global vars KEYS and ARGV.",
    b"[b]reak              Show all breakpoints.",
    b"[b]reak <line>       Add a breakpoint to the specified line.",
    b"[b]reak -<line>      Remove breakpoint from the specified line.",
    b"[b]reak 0            Remove all breakpoints.",
    b"[t]race              Show a backtrace.",
    b"[e]val <code>        Execute some Lua code (in a different callframe).",
    b"[r]edis <cmd>        Execute a Redis command.",
    b"[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    b"                     Specifying zero as <len> means unlimited.",
    b"[a]bort              Stop the execution of the script. In sync",
    b"                     mode dataset changes will be retained.",
    b"",
    b"Debugger functions you can call from Lua scripts:",
    b"redis.debug()        Produce logs in the debugger console.",
    b"redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    b"                     next line of code.",
]


# ---------------------------------------------------------------- SCRIPT DEBUG

# SCRIPT DEBUG YES|SYNC|NO for c (Redis's ldbEnable / ldbDisable).
cdef int ldb_script_debug(Client c) except -1:
    global g_ldb_step, g_ldb_luabp, g_ldb_maxlen, g_ldb_hint_sent
    if c.reply.len:
        return c.add_error_bytes(b"SCRIPT DEBUG must be called outside a pipeline")
    if c.arg_is(2, b"no"):
        g_ldb_clients.pop(c.id, None)
        return c.add_ok()
    if not (c.arg_is(2, b"yes") or c.arg_is(2, b"sync")):
        return c.add_error_bytes(b"Use SCRIPT DEBUG YES/SYNC/NO")
    g_ldb_clients[c.id] = c.arg_is(2, b"sync")
    g_ldb_logs.clear()
    g_ldb_bp.clear()
    g_ldb_cbuf.clear()
    g_ldb_step = True
    g_ldb_luabp = False
    g_ldb_maxlen = LDB_MAX_LEN_DEFAULT
    g_ldb_hint_sent = False
    return c.add_ok()


cdef inline bint ldb_debugging(Client c) noexcept:
    return bool(g_ldb_clients) and c.id in g_ldb_clients


# EVAL for a client in debug mode (Redis's evalGenericCommandWithDebugging).
cdef int ldb_eval(Client c, bint ro) except -1:
    if _ldb_start(c):
        try:
            eval_generic(c, False, ro)
        finally:
            _ldb_end(c)
    else:
        g_ldb_clients.pop(c.id, None)
    return 0


cdef bint _ldb_start(Client c) except -1:
    global g_ldb_active, g_ldb_forked, g_ldb_fd, g_ldb_src, g_ldb_hook
    cdef Engine e = c.engine
    cdef bytes body
    g_ldb_forked = not g_ldb_clients[c.id]
    if g_ldb_forked:
        try:
            pid = _os.fork()
        except OSError as exc:
            c.add_error_str(f"Fork() failed: can't run EVAL in debugging mode: {exc.strerror}")
            return False
        if pid == 0:
            _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
            _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
            e.server.log.warning("Redis forked for debugging eval")
        else:
            g_ldb_children.append(pid)
            if len(g_ldb_children) == 1:
                e.server.cron_hooks.append(_reap_children)
            c.close()               # the child has the connection now
            return False
    else:
        e.server.log.warning("Redis synchronous debugging eval session started")
    if g_ldb_hook == NULL:
        g_ldb_hook = rk_lua_debug_hook(ldb_hook_impl)
    g_ldb_fd = c.fd
    g_ldb_active = True
    if c.reply.len:
        _write_all(c.reply.take())   # what came before the session goes first
    body = c.arg_bytes(1).rstrip(b"\r\n")
    g_ldb_src = body.split(b"\n")
    return True


cdef int _ldb_end(Client c) except -1:
    global g_ldb_active, g_ldb_src
    ldb_log(b"<endsession>")
    ldb_send_logs()
    if g_ldb_forked:
        if c.reply.len:
            _write_all(c.reply.take())
        c.engine.server.log.warning("Lua debugging session child exiting")
        _os._exit(0)
    c.engine.server.log.warning("Redis synchronous debugging eval session ended")
    # the final EVAL reply ends the session: the connection closes after it
    c.flags |= CF_CLOSE_AFTER_REPLY
    g_ldb_clients.pop(c.id, None)
    g_ldb_src = []
    g_ldb_active = False
    return 0


def _reap_children():
    for pid in list(g_ldb_children):
        try:
            done, _status = _os.waitpid(pid, _os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            g_ldb_children.remove(pid)


def kill_forked_sessions(log):
    """At shutdown: end the forked debugging sessions (they ignore SIGTERM)."""
    for pid in g_ldb_children:
        log.warning(f"Killing debugging session {pid}")
        try:
            _os.kill(pid, _signal.SIGKILL)
        except OSError:
            pass
    g_ldb_children.clear()


# ---------------------------------------------------------------- the log

cdef inline bint ldb_logging() noexcept:
    return g_ldb_active and g_ldb_step


cdef int ldb_log(bytes entry) except -1:
    g_ldb_logs.append(entry)
    return 0


cdef int ldb_log_maxlen(bytes entry) except -1:
    global g_ldb_hint_sent
    cdef bint trimmed = False
    if g_ldb_maxlen and len(entry) > g_ldb_maxlen:
        entry = entry[:g_ldb_maxlen] + b" ..."
        trimmed = True
    ldb_log(entry)
    if trimmed and not g_ldb_hint_sent:
        g_ldb_hint_sent = True
        ldb_log(b"<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.")
    return 0


# Send the log as an array of status lines and empty it.
cdef int ldb_send_logs() except -1:
    cdef list out = [b"*%d\r\n" % len(g_ldb_logs)]
    for entry in g_ldb_logs:
        out.append(b"+" + (<bytes>entry).replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n")
    g_ldb_logs.clear()
    _write_all(b"".join(out))
    return 0


# Blocking write to the debugging client, giving up after 5 s without
# progress (Redis's send timeout); a failed write shows at the next read.
cdef int _write_all(bytes data) except -1:
    cdef Py_ssize_t off = 0
    view = memoryview(data)
    while off < len(data):
        try:
            off += _os.write(g_ldb_fd, view[off:])
        except (BlockingIOError, InterruptedError):
            p = _ldb_select.poll()
            p.register(g_ldb_fd, _ldb_select.POLLOUT)
            if not p.poll(5000):
                return 0
        except OSError:
            return 0
    return 0


# Up to 1024 bytes from the debugging client, waiting for them; b"" when it
# closed the connection.
cdef bytes _read_some():
    p = _ldb_select.poll()
    p.register(g_ldb_fd, _ldb_select.POLLIN)
    while True:
        try:
            return _os.read(g_ldb_fd, 1024)
        except (BlockingIOError, InterruptedError):
            p.poll()
        except OSError:
            return b""


# ---------------------------------------------------------------- rendering

cdef bytes _repr(bytes s):
    cdef bytearray out = bytearray()
    cat_repr(out, s)
    return bytes(out)


# A Lua value as the debugger shows it (Redis's ldbCatStackValueRec).
cdef bytes _value(lua_State* L, int idx, int level):
    cdef int t = lua_type(L, idx)
    cdef size_t n
    cdef const char* s
    cdef int expected = 1
    cdef bint is_array = True
    cdef list arr, full
    if level == LDB_MAX_VALUES_DEPTH:
        return b"<max recursion level reached! Nested table?>"
    level += 1
    if t == LUA_TSTRING:
        s = lua_tolstring(L, idx, &n)
        return _repr(s[:n])
    if t == LUA_TBOOLEAN:
        return b"true" if lua_toboolean(L, idx) else b"false"
    if t == LUA_TNUMBER:
        return fmt_g(lua_tonumber(L, idx))
    if t == LUA_TNIL:
        return b"nil"
    if t == LUA_TTABLE:
        arr = []
        full = []
        lua_pushnil(L)
        while lua_next(L, idx - 1 if idx < 0 else idx):
            if is_array and (lua_type(L, -2) != LUA_TNUMBER or lua_tonumber(L, -2) != expected):
                is_array = False
            arr.append(_value(L, -1, level))
            full.append(b"[" + _value(L, -2, level) + b"]=" + _value(L, -1, level))
            lua_pop(L, 1)
            expected += 1
        return b"{" + b"; ".join(arr if is_array else full) + b"}"
    if t == LUA_TFUNCTION or t == LUA_TUSERDATA or t == LUA_TTHREAD or t == LUA_TLIGHTUSERDATA:
        name = {LUA_TFUNCTION: b"function", LUA_TUSERDATA: b"userdata",
                LUA_TTHREAD: b"thread"}.get(t, b"light-userdata")
        return b'"%s@0x%x"' % (name, <size_t>lua_topointer(L, idx))
    return b'"<unknown-lua-type>"'


cdef bytes fmt_g(double d):
    cdef char buf[64]
    cdef int n = snprintf(buf, 64, "%g", d)
    return buf[:n]


cdef int _log_value(lua_State* L, bytes prefix) except -1:
    return ldb_log_maxlen(prefix + _value(L, -1, 0))


# A RESP reply in the debugger's human form (Redis's
# ldbRedisProtocolToHuman): (text, position after the reply).
cdef tuple _human(bytes r, Py_ssize_t p):
    cdef Py_ssize_t eol = r.find(b"\r", p + 1)
    cdef char t
    cdef long long n, j
    cdef list parts
    if p >= len(r) or eol < 0:
        return b"", len(r)
    t = r[p]
    head = r[p + 1:eol]
    if t == b':':
        return head, eol + 2
    if t == b'$':
        n = int(head)
        if n == -1:
            return b"NULL", eol + 2
        return _repr(r[eol + 2:eol + 2 + n]), eol + 2 + n + 2
    if t == b'+' or t == b'-':
        return _repr(r[p:eol]), eol + 2
    if t == b'*' or t == b'~' or t == b'%':
        n = int(head)
        p = eol + 2
        if t == b'*' and n == -1:
            return b"NULL", p
        parts = []
        for j in range(n):
            text, p = _human(r, p)
            if t == b'%':
                val, p = _human(r, p)
                text = text + b" => " + val
            parts.append(text)
        if t == b'*':
            return b"[" + b",".join(parts) + b"]", p
        if t == b'~':
            return b"~(" + b",".join(parts) + b")", p
        return b"{" + b",".join(parts) + b"}", p
    if t == b'_':
        return b"(null)", eol + 2
    if t == b'#':
        return (b"#true" if head == b"t" else b"#false"), eol + 2
    if t == b',':
        return b"(double) " + head, eol + 2
    return b"", len(r)


# Log a command's reply as redis.call saw it.
cdef int ldb_log_reply(bytes reply) except -1:
    return ldb_log_maxlen(b"<reply> " + _human(reply, 0)[0])


# Log the command redis.call is about to run (at most ten arguments).
cdef int ldb_log_command(Client sc) except -1:
    cdef int j
    cdef list out = [b"<redis>"]
    for j in range(sc.argc):
        if j == 10:
            out.append(b" ... (%d more)" % (sc.argc - j - 1))
            break
        out.append(b" " + sc.argv[j].ptr[:sc.argv[j].len])
    return ldb_log(b"".join(out))


# ---------------------------------------------------------------- source and breakpoints

cdef bytes _source_line(int line):
    if line < 1 or line > len(g_ldb_src):
        return b"<out of range source code line>"
    return g_ldb_src[line - 1]


cdef int _log_source_line(int lnum) except -1:
    cdef bint bp = lnum in g_ldb_bp
    cdef bint current = g_ldb_currentline == lnum
    prefix = b"->#" if current and bp else b"-> " if current else b"  #" if bp else b"   "
    return ldb_log(b"%s%-3d %s" % (prefix, lnum, _source_line(lnum)))


cdef int _list(int around, int context) except -1:
    cdef int j
    for j in range(1, len(g_ldb_src) + 1):
        if around != 0 and abs(around - j) > context:
            continue
        _log_source_line(j)
    return 0


cdef long _atoi(bytes s):
    m = _re.match(rb"\s*([+-]?\d+)", s)
    if m is None:
        return 0
    v = int(m.group(1))
    return max(-2147483648, min(2147483647, v))


cdef int _break(list argv) except -1:
    cdef long line
    if len(argv) == 1:
        if not g_ldb_bp:
            return ldb_log(b"No breakpoints set. Use 'b <line>' to add one.")
        ldb_log(b"%d breakpoints set:" % len(g_ldb_bp))
        for line in g_ldb_bp:
            _log_source_line(line)
        return 0
    for arg in argv[1:]:
        if _re.fullmatch(rb"-?(0|[1-9][0-9]{0,18})", arg) is None:
            ldb_log(b"Invalid argument:'" + arg + b"'")
            continue
        line = int(arg)
        if line == 0:
            g_ldb_bp.clear()
            ldb_log(b"All breakpoints removed.")
        elif line > 0:
            if len(g_ldb_bp) == LDB_BREAKPOINTS_MAX:
                ldb_log(b"Too many breakpoints set.")
            elif line <= len(g_ldb_src) and line not in g_ldb_bp:
                g_ldb_bp.append(line)
                _list(line, 1)
            else:
                ldb_log(b"Wrong line number.")
        elif -line in g_ldb_bp:
            g_ldb_bp.remove(-line)
            ldb_log(b"Breakpoint removed.")
        else:
            ldb_log(b"No breakpoint in the specified line.")
    return 0


# ---------------------------------------------------------------- the REPL

# The debugger's forgiving RESP parser (Redis's ldbReplParseCommand):
# (argv, error); argv None and no error means more input is needed.
cdef tuple _parse_command():
    cdef bytes buf = bytes(g_ldb_cbuf)
    cdef Py_ssize_t p, eol
    cdef long argc, slen
    cdef list argv = []
    if not buf:
        return None, None
    p = buf.find(b"*")
    if p < 0:
        return None, b"protocol error"
    eol = buf.find(b"\r\n", p)
    if eol < 0:
        return None, None
    argc = _atoi(buf[p + 1:eol])
    if argc <= 0 or argc > 1024:
        return None, b"protocol error"
    p = eol + 2
    while len(argv) < argc:
        if p >= len(buf):
            return None, None
        if buf[p] != 36:                # '$'
            return None, b"protocol error"
        eol = buf.find(b"\r\n", p)
        if eol < 0:
            return None, None
        slen = _atoi(buf[p + 1:eol])
        if slen <= 0 or slen > 1024:
            return None, b"protocol error"
        p = eol + 2
        if p + slen + 2 > len(buf):
            return None, None
        argv.append(buf[p:p + slen])
        p += slen
        if buf[p:p + 2] != b"\r\n":
            return None, b"protocol error"
        p += 2
    return argv, None


# Read and run debugger commands until one resumes the script: 0, -1 when
# the client went away, 1 with an error pushed to raise in the script.
cdef int _repl(lua_State* L) except -2:
    global g_ldb_step
    cdef list argv
    while True:
        argv, err = _parse_command()
        while argv is None:
            if err is not None:
                push_error(L, err, len(err))
                return 1
            data = _read_some()
            if not data:
                g_ldb_step = False
                g_ldb_bp.clear()
                return -1
            g_ldb_cbuf.extend(data)
            if len(g_ldb_cbuf) > 1 << 20:
                g_ldb_cbuf.clear()
                push_error_str(L, "max client buffer reached")
                return 1
            argv, err = _parse_command()
        g_ldb_cbuf.clear()
        name = (<bytes>argv[0]).split(b"\0", 1)[0].lower()
        argc = len(argv)
        if name in (b"h", b"help"):
            for line in LDB_HELP:
                ldb_log(line)
        elif name in (b"s", b"step", b"n", b"next"):
            g_ldb_step = True
            return 0
        elif name in (b"c", b"continue"):
            return 0
        elif name in (b"t", b"trace"):
            _trace(L)
        elif name in (b"m", b"maxlen"):
            _maxlen(argv)
        elif name in (b"b", b"break"):
            _break(argv)
        elif name in (b"e", b"eval"):
            _eval(L, argv)
        elif name in (b"a", b"abort"):
            push_error_str(L, "script aborted for user request")
            return 1
        elif argc > 1 and name in (b"r", b"redis"):
            _redis(L, argv)
        elif name in (b"p", b"print"):
            if argc == 2:
                _print(L, argv[1])
            else:
                _print_all(L)
        elif name in (b"l", b"list"):
            around = g_ldb_currentline
            ctx = 5
            if argc > 1 and _atoi(argv[1]) > 0:
                around = _atoi(argv[1])
            if argc > 2:
                ctx = _atoi(argv[2])
            _list(around, ctx)
        elif name in (b"w", b"whole"):
            _list(1, 1000000)
        else:
            ldb_log(b"<error> Unknown Redis Lua debugger command or wrong number of arguments.")
        ldb_send_logs()


cdef int _maxlen(list argv) except -1:
    global g_ldb_maxlen, g_ldb_hint_sent
    cdef long v
    if len(argv) == 2:
        v = _atoi(argv[1])
        g_ldb_hint_sent = True
        if v != 0 and v <= 60:
            v = 60
        g_ldb_maxlen = v
    if g_ldb_maxlen:
        return ldb_log(b"<value> replies are truncated at %d bytes." % g_ldb_maxlen)
    return ldb_log(b"<value> replies are unlimited.")


cdef int _trace(lua_State* L) except -1:
    cdef lua_Debug ar
    cdef int level = 0
    while lua_getstack(L, level, &ar):
        lua_getinfo(L, "Snl", &ar)
        if strstr(ar.short_src, "user_script") != NULL:
            ldb_log(b"%s %s:" % (b"In" if level == 0 else b"From",
                                 <bytes>ar.name if ar.name != NULL else b"top level"))
            _log_source_line(ar.currentline)
        level += 1
    if level == 0:
        ldb_log(b"<error> Can't retrieve Lua stack.")
    return 0


cdef int _eval(lua_State* L, list argv) except -1:
    cdef bytes code = b" ".join(argv[1:])
    cdef bytes expr = b"return " + code
    cdef size_t n
    cdef const char* s
    if luaL_loadbuffer(L, expr, len(expr), "@ldb_eval"):
        lua_pop(L, 1)
        if luaL_loadbuffer(L, code, len(code), "@ldb_eval"):
            s = lua_tolstring(L, -1, &n)
            ldb_log(b"<error> " + (s[:n] if s != NULL else b"(null)"))
            lua_pop(L, 1)
            return 0
    if lua_pcall(L, 0, 1, 0):
        s = lua_tolstring(L, -1, &n)
        ldb_log(b"<error> " + (s[:n] if s != NULL else b"(null)"))
        lua_pop(L, 1)
        return 0
    _log_value(L, b"<retval> ")
    lua_pop(L, 1)
    return 0


# "redis <cmd>": redis.call with the log on, so the command and its reply
# show as they do when stepping.
cdef int _redis(lua_State* L, list argv) except -1:
    global g_ldb_step
    cdef int argc = len(argv)
    if not lua_checkstack(L, argc + 1):
        return ldb_log_reply(b"max lua stack reached")
    lua_getglobal(L, "redis")
    lua_pushstring(L, "call")
    lua_gettable(L, -2)
    for a in argv[1:]:
        lua_pushlstring(L, a, len(a))
    g_ldb_step = True
    lua_pcall(L, argc - 1, 1, 0)
    g_ldb_step = False
    lua_pop(L, 2)
    return 0


cdef int _print(lua_State* L, bytes name) except -1:
    cdef lua_Debug ar
    cdef int level = 0, i
    cdef const char* local
    while lua_getstack(L, level, &ar):
        level += 1
        i = 1
        while True:
            local = lua_getlocal(L, &ar, i)
            if local == NULL:
                break
            i += 1
            if <bytes>local == name:
                _log_value(L, b"<value> ")
                lua_pop(L, 1)
                return 0
            lua_pop(L, 1)
    if name == b"ARGV" or name == b"KEYS":
        lua_getglobal(L, name)
        _log_value(L, b"<value> ")
        lua_pop(L, 1)
    else:
        ldb_log(b"No such variable.")
    return 0


cdef int _print_all(lua_State* L) except -1:
    cdef lua_Debug ar
    cdef int i = 1, shown = 0
    cdef const char* local
    if lua_getstack(L, 0, &ar):
        while True:
            local = lua_getlocal(L, &ar, i)
            if local == NULL:
                break
            i += 1
            if strstr(local, "(*temporary)") == NULL:
                _log_value(L, b"<value> " + <bytes>local + b" = ")
                shown += 1
            lua_pop(L, 1)
    if shown == 0:
        ldb_log(b"No local variables in the current context.")
    return 0


# ---------------------------------------------------------------- the hook

# Called before each line of the script (and every 100000 instructions):
# stop on a step, a breakpoint or a script running past the time limit.
cdef int ldb_hook_impl(lua_State* L, lua_Debug* ar) noexcept:
    try:
        return _hook(L, ar)
    except BaseException as exc:
        msg = f"internal error in the Lua debugger: {exc!r}".encode()
        push_error(L, msg, len(msg))
        return 1


cdef int _hook(lua_State* L, lua_Debug* ar) except -2:
    global g_ldb_currentline, g_ldb_step, g_ldb_luabp
    cdef RunCtx run = g_run
    cdef bint bp, timeout = False
    cdef long long limit
    cdef int r
    lua_getstack(L, 0, ar)
    lua_getinfo(L, "Sl", ar)
    g_ldb_currentline = ar.currentline
    bp = g_ldb_luabp or g_ldb_currentline in g_ldb_bp
    if strstr(ar.short_src, "user_script") == NULL:
        return 0
    if ar.event == LUA_HOOKCOUNT and not g_ldb_step and not bp:
        limit = g_busy_threshold_ms if g_busy_threshold_ms else 5000
        if run is None or (now_us() - run.start_us) // 1000 < limit:
            return 0
        timeout = True
        g_ldb_step = True
    if not (g_ldb_step or bp):
        return 0
    reason = (b"redis.breakpoint() called" if g_ldb_luabp else b"break point") if bp else \
        b"timeout reached, infinite loop?" if timeout else b"step over"
    g_ldb_step = False
    g_ldb_luabp = False
    ldb_log(b"* Stopped at %d, stop reason = %s" % (g_ldb_currentline, reason))
    _log_source_line(g_ldb_currentline)
    ldb_send_logs()
    r = _repl(L)
    if r == 1:
        return 1
    if r == -1 and timeout:
        push_error_str(L, "timeout during Lua debugging with client closing connection")
        return 1
    if run is not None:
        run.start_us = now_us()
    return 0


# ---------------------------------------------------------------- redis.debug / redis.breakpoint

cdef lua_CFunction F_BREAKPOINT = NULL, F_DEBUG = NULL


# Add redis.breakpoint and redis.debug to the EVAL state's redis table
# (functions have neither, as in Redis).
cdef int ldb_register(lua_State* L) except -1:
    global F_BREAKPOINT, F_DEBUG
    if F_BREAKPOINT == NULL:
        F_BREAKPOINT = lua_fn(breakpoint_impl)
        F_DEBUG = lua_fn(debug_impl)
    lua_getglobal(L, "redis")
    lua_pushcfunction(L, F_BREAKPOINT)
    lua_setfield(L, -2, "breakpoint")
    lua_pushcfunction(L, F_DEBUG)
    lua_setfield(L, -2, "debug")
    lua_pop(L, 1)
    return 0


cdef int breakpoint_impl(lua_State* L) noexcept:
    global g_ldb_luabp
    if g_ldb_active:
        g_ldb_luabp = True
    lua_pushboolean(L, g_ldb_active)
    return 1


cdef int debug_impl(lua_State* L) noexcept:
    cdef int argc = lua_gettop(L), j
    if not g_ldb_active:
        return 0
    try:
        parts = [_value(L, j, 0) for j in range(1, argc + 1)]
        ldb_log(b"<debug> line %d: " % g_ldb_currentline + b", ".join(parts))
    except BaseException:
        pass
    return 0
