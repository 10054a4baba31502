# ACL checks for dispatch (Redis's ACLCheckAllUserCommandPerm): a command
# runs when one selector of the user allows the command, every key it
# names (read or write as the key specs say) and every channel it
# publishes or subscribes to. Rule parsing, descriptions, the ACL log and
# the ACL command live in Python (rkvd.acl); this fragment only reads the
# compiled AclGuard. Order: the classes, the key plans, the check.

@cython.final
cdef class AclSelector:
    # fields: engine/acl.pxd

    def __cinit__(self):
        self.allowed = frozenset()
        self.first_args = None
        self.key_patterns = []
        self.channel_patterns = []


@cython.final
cdef class AclGuard:

    def __cinit__(self, list selectors, user):
        self.selectors = selectors
        self.user = user


# Command -> its key plan: a tuple of (first, lastkey, step, perm) ranges
# for commands whose key specs are plain index ranges, () for commands
# without keys, or None when the Python key finder must be asked (keyword
# searches, key counts, getkeys procedures). Filled on first use.
cdef dict _acl_key_plans = {}
cdef object _acl_py_keys = None         # rkvd.acl.keys.command_keys
cdef object _acl_py_plan = None         # rkvd.acl.keys.key_plan


cdef object _acl_plan(Command cmd):
    global _acl_py_keys, _acl_py_plan
    plan = _acl_key_plans.get(cmd, False)
    if plan is False:
        if _acl_py_plan is None:
            from rkvd.acl.keys import command_keys, key_plan
            _acl_py_keys = command_keys
            _acl_py_plan = key_plan
        plan = _acl_py_plan(cmd.spec)
        _acl_key_plans[cmd] = plan
    return plan


cdef list _acl_keys(Client c, Command cmd, list argv):
    # [(argument index, perm)] of the keys of a command without a plain
    # plan, from the Python key finder (Redis's getKeysFromCommandWithSpecs).
    return _acl_py_keys(cmd.spec, argv if argv is not None else c.args_list())


cdef inline bint _acl_key_allowed(AclSelector s, const char* key, Py_ssize_t n, int perm):
    cdef bytes pat
    cdef int pflags
    for pat, pflags in s.key_patterns:
        if (pflags & perm) != perm:
            continue
        if stringmatchlen(PyBytes_AS_STRING(pat), <int>PyBytes_GET_SIZE(pat), key, <int>n, 0):
            return True
    return False


cdef int _acl_plan_keys(AclSelector s, Client c, tuple plan, list argv, int* idx) except -1:
    # The keys of a plain-range plan checked in place (no list, no copies of
    # the arguments): ACL_OK or ACL_DENIED_KEY with its index in *idx.
    cdef int argc = c.argc if argv is None else len(argv)
    cdef int first, last, step, i, perm
    cdef bint ok
    cdef bytes b
    for first, lastkey, _step, _perm in plan:
        last = first + lastkey if lastkey >= 0 else argc + lastkey
        if last >= argc or last < first or first >= argc:
            return ACL_OK           # a bad range: no keys, as Redis's spec walk
    for first, lastkey, step, perm in plan:
        last = first + lastkey if lastkey >= 0 else argc + lastkey
        i = first
        while i <= last:
            if argv is None:
                ok = _acl_key_allowed(s, c.argv[i].ptr, c.argv[i].len, perm)
            else:
                b = <bytes>argv[i]
                ok = _acl_key_allowed(s, PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b), perm)
            if not ok:
                idx[0] = i
                return ACL_DENIED_KEY
            i += step
    return ACL_OK


cdef bint _acl_channel_in(list patterns, bytes channel, bint is_pattern):
    cdef bytes pat
    for pat in patterns:
        if is_pattern:
            if pat == channel:
                return True
        elif stringmatchlen(PyBytes_AS_STRING(pat), <int>PyBytes_GET_SIZE(pat),
                            PyBytes_AS_STRING(channel), <int>PyBytes_GET_SIZE(channel), 0):
            return True
    return False


cdef inline bytes _acl_arg(Client c, list argv, int i):
    return c.arg_bytes(i) if argv is None else <bytes>argv[i]


# The channels a command names, as Redis 7.0's table of commands with
# channels: (first argument, whether only that one, pattern form); only
# publishing and subscribing are checked.
cdef dict _ACL_CHANNEL_CMDS = {
    "subscribe": (False, False), "ssubscribe": (False, False),
    "psubscribe": (False, True), "publish": (True, False), "spublish": (True, False),
}


cdef int _acl_selector_check(AclSelector s, Client c, Command cmd, list argv,
                             int* idx, object plan, list box) except -1:
    # plan: the command's key plan (_acl_plan); box: [keys or None], the keys
    # the Python finder found, once for every selector (plan None only)
    cdef bytes key
    cdef int argc = c.argc if argv is None else len(argv)
    cdef int i, perm, stop
    cdef bint is_pattern
    if not s.allcommands and not (cmd.flags & CMD_NO_AUTH):
        if cmd.name not in s.allowed:
            if argc < 2 or s.first_args is None:
                return ACL_DENIED_CMD
            allowed_args = s.first_args.get(cmd.name)
            if allowed_args is None:
                return ACL_DENIED_CMD
            i = 2 if cmd.parent is not None else 1
            if i >= argc or _acl_arg(c, argv, i).lower() not in allowed_args:
                return ACL_DENIED_CMD
    if not s.allkeys:
        if plan is not None:
            if <tuple>plan and _acl_plan_keys(s, c, <tuple>plan, argv, idx) != ACL_OK:
                return ACL_DENIED_KEY
        else:
            if box[0] is None:
                box[0] = _acl_keys(c, cmd, argv)
            for i, perm in <list>box[0]:
                key = _acl_arg(c, argv, i)
                if not _acl_key_allowed(s, PyBytes_AS_STRING(key), PyBytes_GET_SIZE(key), perm):
                    idx[0] = i
                    return ACL_DENIED_KEY
    if not s.allchannels:
        chan = _ACL_CHANNEL_CMDS.get(cmd.name)
        if chan is not None:
            stop = 2 if chan[0] else argc
            if stop > argc:
                stop = argc
            is_pattern = chan[1]
            for i in range(1, stop):
                if not _acl_channel_in(s.channel_patterns, _acl_arg(c, argv, i), is_pattern):
                    idx[0] = i
                    return ACL_DENIED_CHANNEL
    return ACL_OK


cdef int acl_check(AclGuard g, Client c, Command cmd, list argv, int* idx) except -1:
    cdef int relevant = ACL_DENIED_CMD, r, pos, last = 0
    cdef AclSelector s
    cdef list box = None
    plan = _acl_plan(cmd)
    if plan is None:
        box = [None]
    for s in g.selectors:
        pos = 0
        r = _acl_selector_check(s, c, cmd, argv, &pos, plan, box)
        if r == ACL_OK:
            return ACL_OK
        if r > relevant or (r == relevant and pos > last):
            relevant = r
            last = pos
    idx[0] = last
    return relevant


cdef bint acl_unrestricted_read(Client c, Command cmd) except -1:
    cdef AclSelector s
    cdef list box = [None]
    cdef int pos = 0
    cdef bytes pat
    cdef int perm
    if c.acl is None:
        return True
    plan = _acl_plan(cmd)
    for s in c.acl.selectors:
        if _acl_selector_check(s, c, cmd, None, &pos, plan, box) != ACL_OK:
            continue
        if s.allkeys:
            return True
        for pat, perm in s.key_patterns:
            if perm & ACL_PERM_READ and pat == b"*":
                return True
    return False


cdef bint acl_channel_allowed(AclGuard g, bytes channel, bint is_pattern) except -1:
    cdef AclSelector s
    for s in g.selectors:
        if s.allchannels or _acl_channel_in(s.channel_patterns, channel, is_pattern):
            return True
    return False


def acl_dryrun(AclGuard g, Command cmd, list argv):
    """(ACL_* result, argument index) of ACL DRYRUN: the check without a
    client, argv as a list of bytes (argv[0] the command name)."""
    cdef int idx = 0
    cdef int r = acl_check(g, None, cmd, argv, &idx)
    return r, idx


def client_subscriptions(Client c):
    """(channels, patterns, shard channels) c is subscribed to: what a
    change of its user's channel rules is checked against."""
    return (list(c.sub_channels) if c.sub_channels is not None else [],
            list(c.sub_patterns) if c.sub_patterns is not None else [],
            list(c.sub_shard) if c.sub_shard is not None else [])


def acl_channel_ok(AclGuard g, bytes channel, bint is_pattern):
    """Whether g allows channel (a pattern compared literally when is_pattern)."""
    return acl_channel_allowed(g, channel, is_pattern)


def client_in_transaction(Client c):
    """Whether c is inside MULTI or EXEC runs its queued commands now (Redis
    keeps CLIENT_MULTI until EXEC ends): the ACL log's "multi" context."""
    return bool(c.flags & CF_MULTI) or c.engine.call_depth > 1
