# MONITOR (Redis's monitorCommand and replicationFeedMonitors): every command
# call() runs, except admin and skip-monitor ones, goes to the MONITOR
# clients as one status line "+<sec>.<usec> [<db> <addr>] "arg" ...".

# Redis's sdscatrepr: the argument quoted, with \\ \" \n \r \t \a \b escaped
# and other unprintable bytes as \xHH.
cdef int cat_repr(bytearray out, bytes s) except -1:
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(s)
    cdef Py_ssize_t i, n = len(s)
    cdef unsigned char ch
    out.append(34)
    for i in range(n):
        ch = p[i]
        if ch == 92 or ch == 34:
            out.append(92)
            out.append(ch)
        elif ch == 10:
            out += b"\\n"
        elif ch == 13:
            out += b"\\r"
        elif ch == 9:
            out += b"\\t"
        elif ch == 7:
            out += b"\\a"
        elif ch == 8:
            out += b"\\b"
        elif 32 <= ch < 127:
            out.append(ch)
        else:
            out += b"\\x%02x" % ch
    out.append(34)
    return 0


# Send c's command (argv, taken before it ran) to every MONITOR client.
cdef int feed_monitors(Engine e, Client c, Command cmd, list argv) except -1:
    cdef bytearray out = bytearray()
    cdef long long us
    cdef Py_ssize_t j
    cdef Client m
    cdef bytes line
    if e.loading:
        return 0
    us = ustime()
    from rkvd.commands.redact import REDACTING, redact
    if cmd.name in REDACTING:
        redact(cmd.name, argv)
    if c.is_unix:
        addr = "unix:" + str(c.laddr).rpartition(":")[0]
    else:
        from rkvd.commands.conn import format_addr
        addr = format_addr(c.addr)
    out += f"+{us // 1000000}.{us % 1000000:06d} [{c.db.id} {addr}] ".encode()
    for j in range(len(argv)):
        if j:
            out.append(32)
        cat_repr(out, argv[j])
    out += b"\r\n"
    line = bytes(out)
    for m in list(e.monitors):
        if not (m.flags & CF_CLOSED):
            m.reply.add_raw(PyBytes_AS_STRING(line), len(line))
            schedule_write(e, m)
    return 0


cdef int cmd_monitor(Client c) except -1:
    if c.flags & CF_DENY_BLOCKING:
        return c.add_error_str("MONITOR isn't allowed for DENY BLOCKING client")
    if c.flags & CF_MONITOR:
        return 0        # already monitoring: Redis answers nothing
    c.flags |= CF_MONITOR
    c.engine.monitors.append(c)
    return c.add_ok()


# A MONITOR client leaves the monitors (RESET, disconnect).
cdef int monitor_forget(Client c) except -1:
    if c.flags & CF_MONITOR:
        c.flags &= ~CF_MONITOR
        try:
            c.engine.monitors.remove(c)
        except ValueError:
            pass
    return 0


register_c("monitor", cmd_monitor)
