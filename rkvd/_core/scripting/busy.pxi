# Serving other clients while a script runs past busy-reply-threshold
# (Redis's processEventsWhileBlocked). The event loop is stuck inside the
# script's call, so the hook reads the clients' sockets itself: each client
# with input (the script's caller excepted: its connection is left alone, as
# Redis protects it) has the bytes fed to its reader and its commands run;
# the engine answers -BUSY to anything but the commands flagged allow_busy
# (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN NOSAVE, ...), and
# the replies are written at once. New connections wait for the script's
# end in the listen backlog.
#
# Included by eval.pxi.

import select as _select

cdef bytes BUSY_EVAL = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                        b"or SHUTDOWN NOSAVE.")
cdef bytes BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL "
                            b"or SHUTDOWN NOSAVE.")

cdef object g_poller = None


cdef int busy_begin(Engine e, RunCtx run) except -1:
    e.busy_reply = BUSY_EVAL if run.flags & RUN_EVAL_MODE else BUSY_FUNCTION
    return 0


cdef int busy_end(Engine e) except -1:
    e.busy_reply = None
    return 0


cdef int busy_serve(Engine e) except -1:
    cdef Client cl
    cdef RunCtx run = g_run
    cdef dict by_fd = {}
    if run is None:
        return 0
    for cl in list(e.clients.values()):
        if cl is run.caller or cl.fd < 0 or cl.flags & (1 << 7):      # CF_CLOSED
            continue
        by_fd[cl.fd] = cl
    if not by_fd:
        return 0
    try:
        ready, _, _ = _select.select(list(by_fd), [], [], 0)
    except (OSError, ValueError):
        return 0
    for fd in ready:
        cl = by_fd[fd]
        buf = cl.get_buffer(-1)
        try:
            n = _os.readv(fd, [buf])
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            n = 0
        if n == 0:
            cl.close()
            continue
        cl.buffer_updated(n)
        if cl.reply.len and not (cl.flags & (1 << 7)):
            cl.flush()
        if e.server is not None and getattr(e.server, "shutdown_requested", None) is not None:
            # SHUTDOWN NOSAVE: the server is stopping; end the script too
            run.flags |= RUN_KILLED
            return 0
    return 0
