"""ACL users and selectors: the rules of ACL SETUSER applied to a user, and
the user described back as ACL LIST / GETUSER / the ACL file show it.

Semantics follow Redis 7.0.15's acl.c: a selector holds a set of allowed
commands (by full name, over the whole command table, built or not, since
rules name commands regardless of rename-command), first arguments allowed
for otherwise blocked commands, key patterns with read/write permissions
and channel patterns. A user has flags, SHA-256 password hashes, a root
selector and further selectors. Every operation here is cold: the engine
checks a compiled form (rkvd._core.server.AclGuard, see compile_guard).
"""

import hashlib
import hmac

from rkvd.commandspec.dsl import ACL_CATEGORIES
from rkvd.commandspec.table import SPECS, lookup_name
from rkvd.config.text import split_args

READ, WRITE = 1, 2
ALL_PERM = READ | WRITE

# The failures of a rule, with Redis's texts (ACLSetUserStringError).
E_FORMAT = "Wrong format"
E_NOENT = "Unknown command or category name in ACL"
E_SYNTAX = "Syntax error"
E_KEYS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
                    "valid and does not have any effect. Try 'resetkeys' to start with an "
                    "empty list of patterns")
E_CHANNELS_AFTER_ALL = ("Adding a pattern after the * pattern (or the 'allchannels' flag) is "
                        "not valid and does not have any effect. Try 'resetchannels' to start "
                        "with an empty list of channels")
E_NO_PASSWORD = "The password you are trying to remove from the user does not exist"
E_BAD_HASH = ("The password hash must be exactly 64 characters and contain only lowercase "
              "hexadecimal characters")
E_DUPLICATE = "Duplicate user found. A user can only be defined once in config files"
E_FIRSTARG_OF_SUB = "Allowing first-arg of a subcommand is not supported"

USER_FLAGS = ("on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload")


class RuleError(Exception):
    """A rule that cannot be applied; str() is Redis's reason text.
    `missing` marks an unknown command or category (a config file's user
    line tolerates those until the users are loaded)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.missing = reason == E_NOENT


# ---------------------------------------------------------------- the table

class _Table:
    """The commands ACL rules name: every command and subcommand of the
    table with its categories, in table order (containers first)."""

    def __init__(self):
        self.order = []             # full names
        self.cats = {}              # full name -> frozenset of category names
        self.subs = {}              # container full name -> [sub full names]
        self.by_cat = {c: [] for c in ACL_CATEGORIES}
        for spec in SPECS.values():
            self._add(spec)
            subs = self.subs[spec.fullname] = []
            for sub in spec.subcommands.values():
                self._add(sub)
                subs.append(sub.fullname)

    def _add(self, spec):
        name = spec.fullname
        self.order.append(name)
        cats = frozenset(spec.acl_names)
        self.cats[name] = cats
        for c in cats:
            self.by_cat[c].append(name)

    def family(self, name):
        """A command and its subcommands (what +cmd / -cmd change)."""
        return [name] + self.subs.get(name, [])


_TABLE = None


def table():
    global _TABLE
    if _TABLE is None:
        _TABLE = _Table()
    return _TABLE


def _lc(b):
    return bytes(b).lower()


def _has_spaces(b):
    """Redis's ACLStringHasSpaces: isspace() or NUL anywhere."""
    return any(ch in b" \t\n\v\f\r\0" for ch in bytes(b))


def hash_password(pw):
    """The SHA-256 hex digest Redis stores for a password (bytes)."""
    return hashlib.sha256(bytes(pw)).hexdigest().encode()


def _valid_hash(h):
    return len(h) == 64 and all(ch in b"0123456789abcdef" for ch in h)


# ---------------------------------------------------------------- selectors

class Selector:
    __slots__ = ("root", "allkeys", "allchannels", "allcommands", "future",
                 "allowed", "first_args", "keys", "channels")

    def __init__(self, root=False, pubsub_all=False):
        self.root = root
        self.allkeys = False
        self.allchannels = pubsub_all
        self.allcommands = False
        self.future = False             # +@all's reserved bit: future commands allowed
        self.allowed = set()            # full names
        self.first_args = {}            # full name -> [lowercase first args], in order
        self.keys = []                  # [[pattern bytes, perm]]
        self.channels = []              # [pattern bytes]

    def copy(self):
        s = Selector(self.root)
        s.allkeys, s.allchannels = self.allkeys, self.allchannels
        s.allcommands, s.future = self.allcommands, self.future
        s.allowed = set(self.allowed)
        s.first_args = {k: list(v) for k, v in self.first_args.items()}
        s.keys = [list(k) for k in self.keys]
        s.channels = list(self.channels)
        return s

    def unrestricted(self):
        return self.allcommands and self.allkeys and self.allchannels

    # -- command bits

    def _set_bit(self, name, allow):
        if allow:
            self.allowed.add(name)
        else:
            self.allowed.discard(name)
            self.allcommands = False

    def change_perm(self, name, allow):
        """ACLChangeSelectorPerm: a command and its subcommands; first
        arguments of the command are forgotten."""
        self._set_bit(name, allow)
        self.first_args.pop(name, None)
        for sub in table().subs.get(name, ()):
            self._set_bit(sub, allow)

    def set_category(self, cat, allow):
        for name in table().by_cat[cat]:
            self.change_perm(name, allow)

    def all_commands(self, allow):
        t = table()
        if allow:
            self.allowed = set(t.order)
            self.allcommands = True
            self.future = True
        else:
            self.allowed = set()
            self.allcommands = False
            self.future = False
        self.first_args = {}

    # -- one rule

    def apply(self, op):
        """Apply one selector rule (bytes); raises RuleError."""
        lop = _lc(op)
        if lop in (b"allkeys", b"~*"):
            self.allkeys = True
            self.keys = []
        elif lop == b"resetkeys":
            self.allkeys = False
            self.keys = []
        elif lop in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
        elif lop == b"resetchannels":
            self.allchannels = False
            self.channels = []
        elif lop in (b"allcommands", b"+@all"):
            self.all_commands(True)
        elif lop in (b"nocommands", b"-@all"):
            self.all_commands(False)
        elif op[:1] in (b"~", b"%"):
            self._add_key_pattern(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise RuleError(E_CHANNELS_AFTER_ALL)
            pat = bytes(op[1:])
            if _has_spaces(pat):
                raise RuleError(E_SYNTAX)
            if pat not in self.channels:
                self.channels.append(pat)
            self.allchannels = False
        elif op[:1] == b"+" and op[1:2] != b"@":
            self._allow_command(op[1:])
        elif op[:1] == b"-" and op[1:2] != b"@":
            spec = lookup_name(op[1:])
            if spec is None:
                raise RuleError(E_NOENT)
            self.change_perm(spec.fullname, False)
        elif op[:1] in (b"+", b"-") and op[1:2] == b"@":
            cat = lop[2:].split(b"\0", 1)[0].decode("latin-1")
            if cat not in table().by_cat:
                raise RuleError(E_NOENT)
            self.set_category(cat, op[:1] == b"+")
        else:
            raise RuleError(E_SYNTAX)

    def _add_key_pattern(self, op):
        if self.allkeys:
            raise RuleError(E_KEYS_AFTER_ALL)
        perm = 0
        offset = 1
        if op[:1] == b"%":
            while offset < len(op):
                ch = op[offset:offset + 1].upper()
                if ch == b"R" and not perm & READ:
                    perm |= READ
                elif ch == b"W" and not perm & WRITE:
                    perm |= WRITE
                elif ch == b"~":
                    offset += 1
                    break
                else:
                    raise RuleError(E_SYNTAX)
                offset += 1
        else:
            perm = ALL_PERM
        pat = bytes(op[offset:])
        if _has_spaces(pat):
            raise RuleError(E_SYNTAX)
        for entry in self.keys:
            if entry[0] == pat:
                entry[1] |= perm
                break
        else:
            self.keys.append([pat, perm])
        self.allkeys = False

    def _allow_command(self, name):
        if b"|" not in name:
            spec = lookup_name(name)
            if spec is None:
                raise RuleError(E_NOENT)
            self.change_perm(spec.fullname, True)
            return
        base, _, sub = name.rpartition(b"|")
        spec = lookup_name(base)
        if spec is None:
            raise RuleError(E_NOENT)
        if spec.parent is not None:
            raise RuleError(E_FIRSTARG_OF_SUB)
        if not sub:
            raise RuleError(E_SYNTAX)
        if spec.subcommands:
            subspec = lookup_name(name)
            if subspec is None:
                raise RuleError(E_NOENT)
            self.change_perm(subspec.fullname, True)
        else:
            args = self.first_args.setdefault(spec.fullname, [])
            word = bytes(sub).split(b"\0", 1)[0]
            if word.lower() not in (a.lower() for a in args):
                args.append(word)

    # -- description

    def describe_commands(self):
        """The command rules that rebuild this selector's command set, as
        Redis's ACLDescribeSelectorCommandRules: +@all or -@all, the
        categories that fit best, then single commands and first args."""
        t = table()
        additive = not self.future
        rules = [b"-@all" if additive else b"+@all"]
        fake = Selector()
        fake.all_commands(not additive)
        temp = set(self.allowed)
        applied = set()
        while True:
            best = None
            mindiff, maxsame = None, 0
            for cat in ACL_CATEGORIES:
                if cat in applied:
                    continue
                names = t.by_cat[cat]
                on = sum(1 for n in names if n in temp)
                off = len(names) - on
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (mindiff is None or diff < mindiff
                                    or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            fake.set_category(best, additive)
            # the inverse on the scratch copy (Redis's temp selector)
            for name in t.by_cat[best]:
                for n in t.family(name):
                    if additive:
                        temp.discard(n)
                    else:
                        temp.add(n)
            rules.append((b"+@" if additive else b"-@") + best.encode())
            applied.add(best)
        for spec in SPECS.values():
            self._describe_single(spec.fullname, fake, rules)
            for sub in spec.subcommands.values():
                self._describe_single(sub.fullname, fake, rules)
        return b" ".join(rules)

    def _describe_single(self, name, fake, rules):
        userbit = name in self.allowed
        if userbit != (name in fake.allowed):
            rules.append((b"+" if userbit else b"-") + name.encode())
            fake.change_perm(name, userbit)
        if not userbit:
            for arg in self.first_args.get(name, ()):
                rules.append(b"+" + name.encode() + b"|" + arg)

    def describe_keys(self):
        if self.allkeys:
            return [b"~*"]
        return [_pattern_text(p, perm) for p, perm in self.keys]

    def describe_channels(self):
        if self.allchannels:
            return [b"&*"]
        return [b"&" + p for p in self.channels]

    def describe(self):
        """The selector as rules (ACLDescribeSelector)."""
        parts = self.describe_keys()
        if not self.allchannels:
            parts.append(b"resetchannels")
        parts += self.describe_channels()
        parts.append(self.describe_commands())
        return b" ".join(parts)


def _pattern_text(pat, perm):
    if perm == ALL_PERM:
        return b"~" + pat
    if perm == READ:
        return b"%R~" + pat
    if perm == WRITE:
        return b"%W~" + pat
    return b"%~" + pat


# ---------------------------------------------------------------- users

class User:
    __slots__ = ("name", "enabled", "nopass", "sanitize", "passwords", "selectors", "guard")

    def __init__(self, name, pubsub_all=False):
        self.name = bytes(name)
        self.enabled = False
        self.nopass = False
        self.sanitize = None            # None, "sanitize-payload", "skip-sanitize-payload"
        self.passwords = []             # SHA-256 hex digests (bytes)
        self.selectors = [Selector(root=True, pubsub_all=pubsub_all)]
        self.guard = None               # the engine's AclGuard, None when unrestricted

    @property
    def root(self):
        return self.selectors[0]

    def copy_rules_from(self, other):
        self.enabled, self.nopass, self.sanitize = other.enabled, other.nopass, other.sanitize
        self.passwords = list(other.passwords)
        self.selectors = [s.copy() for s in other.selectors]

    def clone(self):
        u = User(self.name)
        u.copy_rules_from(self)
        return u

    def flags(self):
        out = [b"on" if self.enabled else b"off"]
        if self.nopass:
            out.append(b"nopass")
        if self.sanitize:
            out.append(self.sanitize.encode())
        return out

    def apply(self, op, pubsub_all=False):
        """Apply one ACL SETUSER rule (bytes); raises RuleError."""
        op = bytes(op)
        if not op:
            return
        lop = op.lower()
        if lop == b"on":
            self.enabled = True
        elif lop == b"off":
            self.enabled = False
        elif lop == b"skip-sanitize-payload":
            self.sanitize = "skip-sanitize-payload"
        elif lop == b"sanitize-payload":
            self.sanitize = "sanitize-payload"
        elif lop == b"nopass":
            self.nopass = True
            self.passwords = []
        elif lop == b"resetpass":
            self.nopass = False
            self.passwords = []
        elif op[:1] in (b">", b"#"):
            if op[:1] == b">":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise RuleError(E_BAD_HASH)
            if h not in self.passwords:
                self.passwords.append(h)
            self.nopass = False
        elif op[:1] in (b"<", b"!"):
            if op[:1] == b"<":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise RuleError(E_BAD_HASH)
            if h not in self.passwords:
                raise RuleError(E_NO_PASSWORD)
            self.passwords.remove(h)
        elif op[:1] == b"(" and op[-1:] == b")":
            sel = Selector(pubsub_all=pubsub_all)
            for sub in split_args(op[1:-1]) or []:
                sel.apply(sub)
            self.selectors.append(sel)
        elif lop == b"clearselectors":
            del self.selectors[1:]
        elif lop == b"reset":
            self.nopass = False
            self.passwords = []
            root = self.root
            root.allkeys, root.keys = False, []
            root.allchannels, root.channels = pubsub_all, []
            self.enabled = False
            self.sanitize = "sanitize-payload"
            del self.selectors[1:]
            root.all_commands(False)
        else:
            self.root.apply(op)

    def check_password(self, password):
        """Whether password opens this user: constant-time compare of the
        SHA-256 digests, every stored hash tried."""
        if self.nopass:
            return True
        h = hash_password(password)
        ok = False
        for stored in self.passwords:
            ok |= hmac.compare_digest(h, stored)
        return ok

    def describe(self):
        """The user as ACL LIST and the ACL file show it (after the name)."""
        parts = self.flags() + [b"#" + p for p in self.passwords]
        parts.append(self.root.describe())
        out = b" ".join(parts)
        for sel in self.selectors[1:]:
            out += b" (" + sel.describe() + b")"
        return out

    def unrestricted(self):
        return any(s.unrestricted() for s in self.selectors)


def merge_selector_args(args):
    """Rules with selectors spread over several arguments joined back
    ("(~a" "+get)" -> "(~a +get)"), as Redis's ACLMergeSelectorArguments.
    Returns (rules, None) or (None, index of the unmatched opening)."""
    out = []
    cur = None
    start = -1
    for j, op in enumerate(args):
        op = bytes(op)
        if op[:1] == b"(" and op[-1:] != b")":
            cur = op            # a new opening restarts the selector, as in Redis
            start = j
            continue
        if cur is not None:
            cur += b" " + op.split(b"\0", 1)[0]
            if op[-1:] == b")":
                out.append(cur)
                cur = None
            continue
        out.append(op)
    if cur is not None:
        return None, start
    return out, None


def set_user_rules(user, args, pubsub_all=False):
    """Apply ACL SETUSER's rules to a copy of user (a new one when user is
    a name); returns (new user, None) or (None, Redis's error text)."""
    if isinstance(user, User):
        temp = user.clone()
    else:
        temp = User(user, pubsub_all=pubsub_all)
    merged, bad = merge_selector_args(args)
    if merged is None:
        return None, ("Unmatched parenthesis in acl selector starting at '%s'."
                      % bytes(args[bad]).split(b"\0", 1)[0].decode("utf-8", "surrogateescape"))
    for op in merged:
        try:
            temp.apply(op, pubsub_all)
        except RuleError as exc:
            return None, ("Error in ACL SETUSER modifier '%s': %s"
                          % (op.split(b"\0", 1)[0].decode("utf-8", "surrogateescape"), exc))
    return temp, None
