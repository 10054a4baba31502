# The command table: one Command per command and subcommand, built at start-up
# from the declarative specs in rkvd.commandspec plus the handlers registered
# below by each t_*.pyx module (C function pointers) or by Python modules.

@cython.final
@cython.no_gc_clear
cdef class Command:
    # fields and cdef method signatures: commands.pxd

    def __cinit__(self):
        self.fn = NULL
        self.latency_hist = NULL

    def __dealloc__(self):
        if self.latency_hist != NULL:
            hdr_free(self.latency_hist)

    property has_c_handler:
        def __get__(self):
            return self.fn != NULL

    cdef int record_latency(self, long long usec) except -1:
        if self.latency_hist == NULL:
            self.latency_hist = hdr_new()
            if self.latency_hist == NULL:
                raise MemoryError()
        hdr_record(self.latency_hist, usec * 1000)
        return 0

    def reset_latency(self):
        """Drop the latency histogram (CONFIG RESETSTAT)."""
        if self.latency_hist != NULL:
            hdr_free(self.latency_hist)
            self.latency_hist = NULL

    property has_latency:
        """True once a call was recorded since start or the last reset."""
        def __get__(self):
            return self.latency_hist != NULL

    def latency_percentiles(self, percentiles):
        """[ns at each percentile] (INFO latencystats), or None without data."""
        if self.latency_hist == NULL:
            return None
        return [hdr_value_at_percentile(self.latency_hist, p) for p in percentiles]

    def latency_cdf(self):
        """(calls, [usec, cumulative count, ...]) (LATENCY HISTOGRAM), or
        None without data."""
        if self.latency_hist == NULL:
            return None
        return self.latency_hist.total, hdr_cdf_usec(self.latency_hist)


# name -> C handler, filled by the t_*.pyx modules at import
cdef dict g_c_handlers = {}


@cython.final
cdef class _FnBox:
    cdef cmd_fn fn

cdef void register_c(str name, cmd_fn fn):
    cdef _FnBox b = _FnBox()
    b.fn = fn
    g_c_handlers[name] = b


def c_handler_names():
    """The names registered with a C handler (checked against the spec rows
    by rkvd.commandspec.check_handlers)."""
    return frozenset(g_c_handlers)


# Open-addressing table of top-level commands keyed by lowercase name, so the
# per-request lookup needs no Python object.
cdef enum:
    CMDTAB_SIZE = 1024
    CMDNAME_MAX = 32

ctypedef struct CmdSlot:
    char name[CMDNAME_MAX]
    int len
    PyObject* cmd    # borrowed: the Engine's commands dict owns it

cdef CmdSlot g_cmdtab[CMDTAB_SIZE]

cdef inline uint32_t _name_hash(const char* s, int n) noexcept:
    cdef uint32_t h = 2166136261u
    cdef int i
    for i in range(n):
        h = (h ^ <uint8_t>s[i]) * 16777619u
    return h

cdef void cmdtab_clear() noexcept:
    memset(g_cmdtab, 0, sizeof(g_cmdtab))

cdef int cmdtab_add(bytes lname, Command cmd) except -1:
    cdef int n = len(lname)
    cdef uint32_t i
    if n >= CMDNAME_MAX:
        raise ValueError("command name too long")
    i = _name_hash(lname, n) & (CMDTAB_SIZE - 1)
    while g_cmdtab[i].len:
        i = (i + 1) & (CMDTAB_SIZE - 1)
    memcpy(g_cmdtab[i].name, <char*>lname, n)
    g_cmdtab[i].len = n
    g_cmdtab[i].cmd = <PyObject*>cmd
    return 0


def cmdtab_rebuild(dict names):
    """Fill the dispatch table again from {lowercase name (bytes): Command}:
    what rename-command leaves (a renamed command under its new name, a
    disabled one absent). The lookup itself is unchanged. The caller keeps
    the Commands alive (Engine.commands)."""
    cmdtab_clear()
    for name, cmd in names.items():
        cmdtab_add(name, cmd)


cdef inline PyObject* cmdtab_lookup(const char* s, Py_ssize_t n) noexcept:
    cdef char low[CMDNAME_MAX]
    cdef int k
    cdef uint32_t i
    if n >= CMDNAME_MAX or n == 0:
        return NULL
    for k in range(n):
        low[k] = <char>tolower(<unsigned char>s[k])
    i = _name_hash(low, <int>n) & (CMDTAB_SIZE - 1)
    while g_cmdtab[i].len:
        if g_cmdtab[i].len == n and memcmp(g_cmdtab[i].name, low, n) == 0:
            return g_cmdtab[i].cmd
        i = (i + 1) & (CMDTAB_SIZE - 1)
    return NULL


cdef dict _FLAG_BITS = {
    "write": CMD_WRITE, "readonly": CMD_READONLY, "denyoom": CMD_DENYOOM,
    "admin": CMD_ADMIN, "pubsub": CMD_PUBSUB, "noscript": CMD_NOSCRIPT,
    "blocking": CMD_BLOCKING, "loading": CMD_LOADING, "stale": CMD_STALE,
    "skip_monitor": CMD_SKIP_MONITOR, "skip_slowlog": CMD_SKIP_SLOWLOG,
    "fast": CMD_FAST, "no_auth": CMD_NO_AUTH, "may_replicate": CMD_MAY_REPLICATE,
    "no_multi": CMD_NO_MULTI, "allow_busy": CMD_ALLOW_BUSY,
}

cdef uint64_t flags_from_names(object names):
    cdef uint64_t f = 0
    for n in names:
        f |= _FLAG_BITS.get(str(n).lower(), 0)
    return f


cdef Command make_command(str fullname, object spec, Command parent, dict py_handlers):
    """A Command for fullname with the handler registered for it (or for its
    container); None when neither C nor Python implements it."""
    cdef Command cmd = Command()
    cdef _FnBox box
    cmd.name = fullname
    cmd.upper_name = fullname.split('|')[0].upper().encode()
    cmd.spec = spec
    cmd.parent = parent
    cmd.arity = spec.arity
    cmd.flags = flags_from_names(spec.flags)
    box = g_c_handlers.get(fullname)
    if box is None and parent is not None:
        box = g_c_handlers.get(parent.name)
    if box is not None:
        cmd.fn = box.fn
    else:
        cmd.pyfn = py_handlers.get(fullname)
        if cmd.pyfn is None and parent is not None:
            cmd.pyfn = parent.pyfn
    if cmd.fn == NULL and cmd.pyfn is None:
        return None
    cmd.multi_control = fullname in ("exec", "discard", "multi", "watch", "quit", "reset")
    # Redis's hidden CMD_TOUCHES_ARBITRARY_KEYS
    cmd.touches_arbitrary_keys = fullname in ("scan", "randomkey")
    cmd.first_key = spec.first_key
    cmd.last_key = spec.last_key
    cmd.key_step = spec.step
    cmd.movablekeys = "movablekeys" in spec.flags
    return cmd
