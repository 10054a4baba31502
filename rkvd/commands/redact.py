"""The arguments Redis replaces by "(redacted)" before MONITOR and the slow
log see a command (redactClientCommandArgument's callers)."""
from rkvd.commands.common import lower

REDACTED = b"(redacted)"


def redact(name, argv):
    """The arguments Redis replaces by "(redacted)" before the slow log (and
    MONITOR) see them: AUTH's credentials, HELLO's AUTH pair, MIGRATE's
    AUTH/AUTH2, ACL SETUSER's rules, CONFIG SET's sensitive values. argv is
    changed in place."""
    n = len(argv)
    if name == "auth":
        if n <= 3:
            for j in range(1, n):
                argv[j] = REDACTED
    elif name == "hello":
        # options are parsed (and redacted) only after a valid protocol version
        if n < 2 or argv[1] not in (b"2", b"3"):
            return
        j = 2
        while j < n:
            opt = lower(argv[j])
            if opt == "auth" and n - 1 - j >= 2:
                argv[j + 1] = argv[j + 2] = REDACTED
                j += 3
            elif opt == "setname" and n - 1 - j >= 1:
                j += 2
            else:
                break
    elif name == "migrate":
        j = 6
        while j < n:
            opt = lower(argv[j])
            if opt in ("copy", "replace"):
                j += 1
            elif opt == "auth" and n - 1 - j >= 1:
                argv[j + 1] = REDACTED
                j += 2
            elif opt == "auth2" and n - 1 - j >= 2:
                argv[j + 1] = argv[j + 2] = REDACTED
                j += 3
            else:
                break
    elif name == "acl|setuser":
        for j in range(2, n):
            argv[j] = REDACTED
    elif name == "config|set":
        from rkvd.config.kinds import SENSITIVE
        from rkvd.config.params import ENTRIES
        for j in range(2, n - 1, 2):
            p = ENTRIES.get(lower(argv[j]), (None,))[0]
            if p is not None and p.flags & SENSITIVE:
                argv[j + 1] = REDACTED


REDACTING = frozenset(("auth", "hello", "migrate", "acl|setuser", "config|set"))
