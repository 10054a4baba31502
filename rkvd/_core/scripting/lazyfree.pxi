# SCRIPT FLUSH / FUNCTION FLUSH ASYNC (Redis's freeLuaScriptsAsync and
# freeFunctionsAsync; included by luaengine.pyx). A flushed script cache or
# set of libraries holding more than LAZYFREE_THRESHOLD scripts or
# functions is set aside and freed a slice per cron tick, not inside the
# command. Its Python objects and the functions' Lua references need the
# engine's thread, so not the lazy-free worker; INFO counts them as it
# counts the worker's (lazyfree_pending_objects, then lazyfreed_objects).
# Fewer are freed at once, as Redis does. The EVAL Lua state itself is
# closed inside SCRIPT FLUSH, as in Redis 7.0.

cdef enum:
    LAZYFREE_THRESHOLD = 64
    REAP_SLICE_US = 2000            # work per cron tick, at most (us)

cdef list g_reap = []               # set-aside script caches (dict) and LibCtx, oldest first
cdef bint g_reap_hooked = False


# Whether SCRIPT / FUNCTION FLUSH is asynchronous: its mode (argument 2),
# or lazyfree-lazy-user-flush without one.
cdef bint flush_async(Client c, Engine e) except -1:
    if c.argc == 3:
        return c.arg_is(2, b"async")
    return e.lazyfree_lazy_user_flush


# Whether count scripts or functions are worth setting aside.
cdef bint worth_later(Engine e, Py_ssize_t count) noexcept:
    return count > LAZYFREE_THRESHOLD and e.server is not None


# Set `what` (a script cache or a LibCtx, count scripts or functions) aside
# to be freed from the cron; the caller lets go of it.
cdef int free_later(Engine e, object what, Py_ssize_t count) except -1:
    global g_reap_hooked
    if not g_reap_hooked:
        e.server.cron_hooks.append(reap_cron)
        g_reap_hooked = True
    g_reap.append(what)
    bio_count_pending(count)
    return 0


def reap_cron():
    """A slice of what SCRIPT / FUNCTION FLUSH ASYNC set aside."""
    cdef double deadline = _monotonic() + REAP_SLICE_US / 1e6
    cdef int n = 0
    cdef LibCtx ctx
    cdef Library lib
    while g_reap:
        what = g_reap[0]
        if type(what) is dict:
            if what:
                (<dict>what).popitem()
                bio_count_freed(1)
            else:
                del g_reap[0]
        else:
            ctx = <LibCtx>what
            if ctx.libraries:
                lib = <Library>ctx.libraries.popitem()[1]
                free_library(lib)
                bio_count_freed(len(lib.functions))
            else:
                ctx.functions = {}
                del g_reap[0]
        n += 1
        if (n & 31) == 0 and _monotonic() >= deadline:
            break
