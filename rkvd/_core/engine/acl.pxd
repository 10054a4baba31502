# ACL permission checks on the request path (engine/acl.pyx). The rules are
# parsed and described in Python (rkvd.acl); what the check needs is
# compiled into an AclGuard per user, which every client authenticated as a
# restricted user points to (Client.acl). A user allowed everything has no
# guard: dispatch pays one `is not None` test for it.

cdef enum:
    ACL_OK = 0
    ACL_DENIED_CMD = 1
    ACL_DENIED_KEY = 2
    ACL_DENIED_AUTH = 3
    ACL_DENIED_CHANNEL = 4
    ACL_PERM_READ = 1
    ACL_PERM_WRITE = 2


@cython.final
cdef class AclSelector:
    # One selector of a user, as the check reads it. allowed holds the full
    # names of the allowed commands ('get', 'config|get') and is ignored
    # under allcommands; first_args maps a command's full name to the
    # lowercase first arguments allowed for it (+select|0), or is None.
    cdef public bint allcommands, allkeys, allchannels
    cdef public object allowed                  # set of str
    cdef public dict first_args
    cdef public list key_patterns               # [(bytes pattern, int ACL_PERM_* bits)]
    cdef public list channel_patterns           # [bytes]


@cython.final
cdef class AclGuard:
    # The compiled form of a restricted user: its selectors, root first,
    # and the Python user (rkvd.acl.User) it stands for.
    cdef public list selectors
    cdef public object user


# Whether the user of guard g may run cmd with argv (c.argv[0:c.argc] when
# argv is None, else a list of bytes, as ACL DRYRUN and EXEC pass them):
# ACL_OK, or the most relevant ACL_DENIED_* (Redis's order: channel over
# key over command; the later argument on a tie) with its argument index in
# *idx.
cdef int acl_check(AclGuard g, Client c, Command cmd, list argv, int* idx) except -1

# Whether c's user may run cmd (c's running command) through a selector that
# also reads every key (allkeys, or a ~* pattern with read access): SORT's
# BY and GET patterns read keys no key spec names. True without a guard.
cdef bint acl_unrestricted_read(Client c, Command cmd) except -1

# Whether the user of guard g may subscribe to / publish on channel; the
# pattern form compares ACL patterns literally (PSUBSCRIBE).
cdef bint acl_channel_allowed(AclGuard g, bytes channel, bint is_pattern) except -1
