# The command table (engine/commands.pyx): one Command per command and
# subcommand, built from the declarative specs (rkvd.commandspec) when a C
# handler (register_c) or a Python one implements it. The name lookup used
# by dispatch (cmdtab_lookup) is inline and stays private to the unit.


@cython.final
cdef class Command:
    cdef readonly str name          # full name, lowercase: 'get', 'client|id'
    cdef readonly bytes upper_name  # 'CLIENT' (for "Try CLIENT HELP.")
    cdef public int arity
    cdef public uint64_t flags
    cdef cmd_fn fn
    cdef public object pyfn
    cdef public object spec
    cdef public dict subcommands    # lowercase bytes -> Command, or None
    cdef public long long calls, usec, rejected_calls, failed_calls
    # latency-tracking: the durations of its calls, allocated at the first
    # one recorded (Redis's latency_histogram); NULL until then and after
    # CONFIG RESETSTAT
    cdef hdr_hist* latency_hist
    cdef public Command parent
    cdef public bint multi_control  # runs at once inside MULTI (EXEC, DISCARD, ...)
    # SCAN, RANDOMKEY: the expired keys it meets propagate as independent
    # DELs, never MULTI
    cdef public bint touches_arbitrary_keys
    cdef public int first_key, last_key, key_step
    cdef public bint movablekeys

    # Record one call of usec microseconds in latency_hist (allocating it at
    # the first); raises MemoryError when it cannot be allocated.
    cdef int record_latency(self, long long usec) except -1


# Register fn as the C handler of command `name` (full name: 'get',
# 'client|id'); each type fragment calls it at import, before the table is
# built.
cdef void register_c(str name, cmd_fn fn)

# The name -> Command table dispatch looks commands up in (open addressing
# over lowercase names; cmdtab_lookup, inline, is private to the unit).
# cmdtab_add keeps a borrowed pointer to cmd: the caller keeps it alive
# (Engine.commands) until the next cmdtab_clear.
cdef void cmdtab_clear() noexcept

cdef int cmdtab_add(bytes lname, Command cmd) except -1

# The CMD_* bits of a spec's flag names (unknown names are ignored).
cdef uint64_t flags_from_names(object names)

# A Command for fullname with the handler registered for it (or for its
# container); None when neither C nor Python implements it.
cdef Command make_command(str fullname, object spec, Command parent, dict py_handlers)
