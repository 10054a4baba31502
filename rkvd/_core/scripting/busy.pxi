# Serving other clients while a script runs past busy-reply-threshold
# (Redis's processEventsWhileBlocked). The event loop is stuck inside the
# script's call, so the hook reads the clients' sockets itself: each client
# with input (the script's caller excepted: its connection is left alone, as
# Redis protects it) has the bytes fed to its reader and its commands run;
# the engine answers -BUSY to anything but the commands flagged allow_busy
# (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN NOSAVE, ...), and
# the replies are written at once. Replies that were waiting for the end of
# the loop iteration when the script started go out first. New connections on
# the plain TCP and unix listeners are accepted too, so `redis-cli SCRIPT KILL`
# works from a fresh connection; the loop adopts those sockets when the
# script ends. TLS connections, new or not, wait for the script's end: their
# records need the loop's SSL layer. A connection
# the loop itself accepted in the turn the script started in waits too: its
# protocol is not attached before the loop runs again.
#
# Included by eval.pxi.

import select as _select
import socket as _socket

cdef bytes BUSY_EVAL = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL "
                        b"or SHUTDOWN NOSAVE.")
cdef bytes BUSY_FUNCTION = (b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL "
                            b"or SHUTDOWN NOSAVE.")

cdef list g_busy_listeners = []     # duplicates of the listening sockets, while busy
cdef list g_busy_adopted = []       # (client, socket) accepted while busy


class _BusyTransport:
    """The transport of a connection accepted while the loop is stuck in a
    script: writes go straight to the socket; what the socket does not take
    waits in `pending` until the loop's own transport takes over."""

    def __init__(self, sock):
        self.sock = sock
        self.pending = bytearray()
        self.closed = False

    def write(self, data):
        if self.closed:
            return
        if not self.pending:
            try:
                data = memoryview(data)[self.sock.send(data):]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.close()
                return
        self.pending += data

    def get_extra_info(self, name, default=None):
        if name == "socket":
            return self.sock
        if name == "peername":
            try:
                return self.sock.getpeername()
            except OSError:
                return default
        if name == "sockname":
            return self.sock.getsockname()
        return default

    def get_write_buffer_size(self):
        return len(self.pending)

    def set_write_buffer_limits(self, high=None, low=None):
        pass

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def is_closing(self):
        return self.closed

    def close(self):
        if not self.closed:
            self.closed = True
            self.sock.close()


cdef int busy_begin(Engine e, RunCtx run) except -1:
    e.busy_reply = BUSY_EVAL if run.flags & RUN_EVAL_MODE else BUSY_FUNCTION
    g_busy_listeners.clear()
    g_busy_adopted.clear()
    if e.server is None:
        return 0
    for kind, srv in e.server.listeners:
        if kind not in ("tcp", "unix"):
            continue
        for ts in srv.sockets:
            try:
                ls = _socket.fromfd(ts.fileno(), ts.family, ts.type)
                ls.setblocking(False)
            except OSError:
                continue
            g_busy_listeners.append(ls)
    return 0


cdef int busy_end(Engine e) except -1:
    cdef Client cl
    e.busy_reply = None
    for ls in g_busy_listeners:
        ls.close()
    g_busy_listeners.clear()
    for cl, sock in g_busy_adopted:
        if not (cl.flags & CF_CLOSED):
            e.loop.create_task(_adopt(e.loop, cl, sock))
    g_busy_adopted.clear()
    return 0


async def _adopt(loop, Client cl, sock):
    # the client keeps its state; connection_made sees it is registered
    try:
        await loop.connect_accepted_socket(lambda: cl, sock=sock)
    except OSError:
        cl.close()


# Accept what waits on the listeners and set each connection up as a client
# whose transport writes to its socket directly.
cdef int _busy_accept(Engine e, object ls) except -1:
    cdef Client cl
    while True:
        try:
            sock, _addr = ls.accept()
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            return 0
        sock.setblocking(False)
        cl = e.new_client()
        cl.connection_made(_BusyTransport(sock))
        if cl.flags & CF_CLOSED:                # refused (maxclients, ...)
            continue
        g_busy_adopted.append((cl, sock))


# Write the replies the loop had queued for the end of its iteration, but
# the script caller's: its reply is not complete.
cdef int _flush_queued(Engine e, Client caller) except -1:
    cdef Client cl
    cdef list batch = e.pending_flush
    if not batch:
        return 0
    e.pending_flush = [caller] if caller in batch else []
    for cl in batch:
        if cl is caller:
            continue
        cl.flags &= ~CF_WRITE_PENDING
        if cl.reply.len:
            cl.flush()
    return 0


cdef int busy_serve(Engine e) except -1:
    cdef Client cl
    cdef RunCtx run = g_run
    cdef dict by_fd = {}
    if run is None:
        return 0
    _flush_queued(e, run.caller)
    for ls in g_busy_listeners:
        _busy_accept(e, ls)
    for cl in list(e.clients.values()):
        if cl is run.caller or cl.fd < 0 or cl.flags & CF_CLOSED:
            continue
        if cl.transport is not None and cl.transport.get_extra_info("ssl_object") is not None:
            continue        # its socket carries TLS records only the loop's SSL layer reads
        by_fd[cl.fd] = cl
    if not by_fd:
        return 0
    poller = _select.poll()
    for fd in by_fd:
        poller.register(fd, _select.POLLIN)
    try:
        ready = poller.poll(0)
    except OSError:
        return 0
    for fd, _ev in ready:
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
        if cl.reply.len and not (cl.flags & CF_CLOSED):
            cl.flush()
        if e.server is not None and getattr(e.server, "shutdown_requested", None) is not None:
            # SHUTDOWN NOSAVE: the server is stopping; end the script too
            run.flags |= RUN_KILLED
            return 0
    return 0
