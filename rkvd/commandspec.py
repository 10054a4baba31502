"""The command table: one declarative row per Redis 7.0.15 command.

Each row gives what COMMAND INFO and COMMAND DOCS report (arity, flags, ACL
categories, key specs, tips, docs text, argument tree). The dispatcher copies
name, arity, flags and key positions into its C table at start-up; the
COMMAND replies and COMMAND GETKEYS are rendered here. Rows say nothing about
handlers: whether a command is implemented is the engine's business.

Row format, `_c(name, arity, flags, acl, since, summary, complexity, ...)`:
  flags   command flags, space separated; movablekeys is derived from the key specs;
          may_replicate goes to CommandSpec.may_replicate, not to the reported flags
  acl     ACL categories beyond those implied by the flags (write -> @write,
          readonly -> @read unless @scripting, admin -> @admin @dangerous,
          pubsub, fast, blocking, and @slow for every command that is not @fast)
  keys    key specs, "FLAGS|BEGIN|FIND[|notes]" where BEGIN is "index N",
          "keyword KW N" or "unknown" and FIND is "range LAST STEP LIMIT",
          "keynum IDX FIRST STEP" or "unknown"
  args    argument tree (see `_parse_args`), tips, hist (history pairs),
          doc (doc flags), dep / by (deprecated since, replaced by), subs
          (subcommand rows, which take the parent's group)

Reply values follow rkvd.replytypes. Errors raised by get_keys carry Redis's
text without the "ERR " prefix.
"""

from .replytypes import RespMap, RespSet
from .strutil import atoi, string2ll, stringmatch, to_int32

__all__ = [
    "SPECS", "CommandSpec", "KeySpec", "Arg", "all_specs", "lookup", "lookup_name",
    "command_info", "command_docs", "command_list", "get_keys",
    "get_keys_and_flags", "acl_categories", "has_keys",
    "COMMAND_FLAGS", "KEY_FLAGS", "ARG_FLAGS", "DOC_FLAGS", "GROUPS",
]

# Orders in which Redis lists each kind of flag.
COMMAND_FLAGS = (
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
    "blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
    "fast", "no_auth", "no_mandatory_keys", "no_async_loading", "no_multi",
    "movablekeys", "allow_busy",
)
KEY_FLAGS = (
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
    "incomplete", "variable_flags",
)
ARG_FLAGS = ("optional", "multiple", "multiple_token")
DOC_FLAGS = ("deprecated", "syscmd")
ACL_CATEGORIES = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
    "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting",
)
GROUPS = (
    "generic", "string", "list", "set", "sorted-set", "hash", "pubsub",
    "transactions", "connection", "server", "scripting", "hyperloglog",
    "cluster", "sentinel", "geo", "stream", "bitmap", "module",
)
ARG_TYPES = (
    "string", "integer", "double", "key", "pattern", "unix-time",
    "pure-token", "oneof", "block",
)


def _ordered(words, order, what):
    """Split a space separated flag string and sort it into Redis's order."""
    got = set(words.split()) if isinstance(words, str) else set(words)
    bad = got.difference(order)
    if bad:
        raise ValueError("unknown %s: %s" % (what, " ".join(sorted(bad))))
    return [f for f in order if f in got]


class KeySpec:
    """One key specification: where the search begins and how keys are found."""

    __slots__ = ("flags", "notes", "bs_type", "bs_index", "bs_keyword",
                 "bs_startfrom", "fk_type", "fk_lastkey", "fk_keystep",
                 "fk_limit", "fk_keynumidx", "fk_firstkey")

    def __init__(self, text):
        parts = text.split("|", 3)
        self.flags = _ordered(parts[0], KEY_FLAGS, "key flag")
        self.notes = parts[3] if len(parts) > 3 else None
        bs = parts[1].split()
        self.bs_type = bs[0]
        self.bs_index = self.bs_startfrom = 0
        self.bs_keyword = None
        if bs[0] == "index":
            self.bs_index = int(bs[1])
        elif bs[0] == "keyword":
            self.bs_keyword = bs[1]
            self.bs_startfrom = int(bs[2])
        elif bs != ["unknown"]:
            raise ValueError("bad begin_search: %r" % parts[1])
        fk = parts[2].split()
        self.fk_type = fk[0]
        self.fk_lastkey = self.fk_keystep = self.fk_limit = 0
        self.fk_keynumidx = self.fk_firstkey = 0
        if fk[0] == "range":
            self.fk_lastkey, self.fk_keystep, self.fk_limit = map(int, fk[1:])
        elif fk[0] == "keynum":
            self.fk_keynumidx, self.fk_firstkey, self.fk_keystep = map(int, fk[1:])
        elif fk != ["unknown"]:
            raise ValueError("bad find_keys: %r" % parts[2])

    def __repr__(self):
        return "KeySpec(%r, %s, %s)" % (" ".join(self.flags), self.bs_type, self.fk_type)

    def reply(self):
        if self.bs_type == "index":
            bspec = RespMap([(b"index", self.bs_index)])
        elif self.bs_type == "keyword":
            bspec = RespMap([(b"keyword", self.bs_keyword.encode()),
                             (b"startfrom", self.bs_startfrom)])
        else:
            bspec = RespMap()
        if self.fk_type == "range":
            fspec = RespMap([(b"lastkey", self.fk_lastkey), (b"keystep", self.fk_keystep),
                             (b"limit", self.fk_limit)])
        elif self.fk_type == "keynum":
            fspec = RespMap([(b"keynumidx", self.fk_keynumidx),
                             (b"firstkey", self.fk_firstkey), (b"keystep", self.fk_keystep)])
        else:
            fspec = RespMap()
        out = RespMap()
        if self.notes is not None:
            out.append((b"notes", self.notes.encode()))
        out.append((b"flags", RespSet(self.flags)))
        out.append((b"begin_search", RespMap([(b"type", self.bs_type.encode()),
                                              (b"spec", bspec)])))
        out.append((b"find_keys", RespMap([(b"type", self.fk_type.encode()),
                                           (b"spec", fspec)])))
        return out


class Arg:
    """One node of a command's argument tree (COMMAND DOCS)."""

    __slots__ = ("name", "type", "key_spec_index", "token", "since",
                 "deprecated_since", "flags", "arguments")

    def __init__(self, name, type, token=None):
        self.name = name
        self.type = type
        self.token = token
        self.key_spec_index = -1
        self.since = self.deprecated_since = None
        self.flags = []
        self.arguments = []

    def __repr__(self):
        return "Arg(%r, %r)" % (self.name, self.type)

    def reply(self):
        out = RespMap([(b"name", self.name.encode()), (b"type", self.type.encode())])
        if self.key_spec_index != -1:
            out.append((b"key_spec_index", self.key_spec_index))
        if self.token is not None:
            out.append((b"token", self.token.encode()))
        if self.since is not None:
            out.append((b"since", self.since.encode()))
        if self.deprecated_since is not None:
            out.append((b"deprecated_since", self.deprecated_since.encode()))
        if self.flags:
            out.append((b"flags", RespSet(self.flags)))
        if self.type in ("oneof", "block"):
            out.append((b"arguments", [a.reply() for a in self.arguments]))
        return out


def _parse_args(text):
    """Parse an argument tree written as space separated nodes:

        [flags][TOKEN=]name:type[#key_spec_index][@since][!deprecated_since][(children)]
        [flags]TOKEN[@since]...   a pure-token whose name is the token in lowercase

    flags are '?' optional, '*' multiple, '+' multiple_token. A token that is
    not [A-Z0-9_-]+ is quoted with single quotes ('$', '', ...).
    """
    pos = 0
    n = len(text)

    def node():
        nonlocal pos
        flags = []
        while text[pos] in "?*+":
            flags.append({"?": "optional", "*": "multiple", "+": "multiple_token"}[text[pos]])
            pos += 1
        token = None
        if text[pos] == "'":
            end = text.index("'", pos + 1)
            token = text[pos + 1:end]
            pos = end + 1
            if text[pos] == "=":
                pos += 1
        start = pos
        while pos < n and text[pos] not in " \n()#@!":
            pos += 1
        head = text[start:pos]
        if token is None and "=" in head:
            token, head = head.split("=", 1)
        if ":" in head:
            name, typ = head.rsplit(":", 1)
        elif token is None:
            token, name, typ = head, head.lower(), "pure-token"
        else:
            name, typ = head, "pure-token"
        if typ not in ARG_TYPES:
            raise ValueError("bad argument type %r in %r" % (typ, text))
        arg = Arg(name, typ, token)
        arg.flags = _ordered(flags, ARG_FLAGS, "argument flag")
        while pos < n and text[pos] in "#@!":
            mark = text[pos]
            start = pos = pos + 1
            while pos < n and text[pos] not in " \n()#@!":
                pos += 1
            value = text[start:pos]
            if mark == "#":
                arg.key_spec_index = int(value)
            elif mark == "@":
                arg.since = value
            else:
                arg.deprecated_since = value
        if pos < n and text[pos] == "(":
            pos += 1
            arg.arguments = nodes(")")
            pos += 1
        return arg

    def nodes(stop):
        nonlocal pos
        out = []
        while True:
            while pos < n and text[pos] in " \n":
                pos += 1
            if pos >= n or text[pos] == stop:
                return out
            out.append(node())

    result = nodes("")
    if pos != n:
        raise ValueError("trailing text in %r" % text)
    return result


class CommandSpec:
    """A command or subcommand. Lists returned by its methods are shared: do not mutate."""

    __slots__ = ("name", "fullname", "parent", "arity", "flags", "acl_categories",
                 "first_key", "last_key", "step", "tips", "key_specs", "subcommands",
                 "group", "since", "summary", "complexity", "doc_flags",
                 "deprecated_since", "replaced_by", "history", "arguments",
                 "getkeys_proc", "may_replicate", "_info", "_docs")

    def __repr__(self):
        return "CommandSpec(%r)" % self.fullname

    def has_flag(self, flag):
        return flag in self.flags

    @property
    def acl_names(self):
        """ACL categories without the '@' (as ACL CAT and FILTERBY ACLCAT use them)."""
        return [c[1:] for c in self.acl_categories]


def _legacy_range(specs):
    """First key, last key and step as COMMAND INFO reports them, plus whether
    the specs make the keys movable (Redis's populateCommandLegacyRangeSpec)."""
    if not specs:
        return 0, 0, 0, False
    if len(specs) == 1 and specs[0].bs_type == "index" and specs[0].fk_type == "range":
        s = specs[0]
        last = s.fk_lastkey + s.bs_index if s.fk_lastkey >= 0 else s.fk_lastkey
        return s.bs_index, last, s.fk_keystep, "incomplete" in s.flags
    movable = False
    first, last, prev_last = None, 0, 0
    for s in specs:
        if s.bs_type != "index" or s.fk_type != "range":
            movable = True
            continue
        if s.fk_keystep != 1 or (prev_last and prev_last != s.bs_index - 1):
            movable = True
            continue
        if "incomplete" in s.flags:
            movable = True
        first = s.bs_index if first is None else min(first, s.bs_index)
        abs_last = s.fk_lastkey + s.bs_index if s.fk_lastkey >= 0 else s.fk_lastkey
        # Redis compares as unsigned, so a negative (count from the end) wins.
        last = max(last, abs_last, key=lambda v: v & 0xFFFFFFFF)
        prev_last = last
    if first is None:
        return 0, 0, 0, True
    return first, last, 1, movable


_IMPLIED_ACL = (("write", "write"), ("admin", "admin"), ("admin", "dangerous"),
                ("pubsub", "pubsub"), ("fast", "fast"), ("blocking", "blocking"))


def _c(name, arity, flags, acl, since, summary, complexity=None, *, keys=(),
       args="", tips="", hist=(), doc="", dep=None, by=None, subs=(), group=None):
    s = CommandSpec()
    s.name = name
    s.fullname = name
    s.parent = None
    s.arity = arity
    s.key_specs = [KeySpec(k) for k in keys]
    first, last, step, movable = _legacy_range(s.key_specs)
    s.first_key, s.last_key, s.step = first, last, step
    fl = set(flags.split())
    if movable:
        fl.add("movablekeys")
    # may_replicate is internal in Redis 7.0 (COMMAND INFO does not list it):
    # it is kept apart from the reported flags.
    s.may_replicate = "may_replicate" in fl
    fl.discard("may_replicate")
    s.flags = _ordered(fl, COMMAND_FLAGS, "command flag")
    cats = {c.lstrip("@") for c in acl.split()}
    for flag, cat in _IMPLIED_ACL:
        if flag in fl:
            cats.add(cat)
    if "readonly" in fl and "scripting" not in cats:
        cats.add("read")
    if "fast" not in cats:
        cats.add("slow")
    s.acl_categories = ["@" + c for c in _ordered(cats, ACL_CATEGORIES, "ACL category")]
    s.tips = tips.split()
    s.group = group
    s.since = since
    s.summary = summary
    s.complexity = complexity
    s.doc_flags = _ordered(doc, DOC_FLAGS, "doc flag")
    s.deprecated_since = dep
    s.replaced_by = by
    s.history = list(hist)
    s.arguments = _parse_args(args)
    s.getkeys_proc = None
    s.subcommands = {}
    for sub in subs:
        sub.fullname = name + "|" + sub.name
        sub.parent = s
        s.subcommands[sub.name] = sub
    s._info = s._docs = None
    return s


# ---------------------------------------------------------------------------
# Replies

def command_info(spec):
    """The COMMAND INFO entry of one command (None for an unknown name)."""
    if spec is None:
        return None
    if spec._info is None:
        subs = ([command_info(s) for s in spec.subcommands.values()]
                if spec.subcommands else RespSet())
        spec._info = [
            spec.fullname.encode(), spec.arity, RespSet(spec.flags),
            spec.first_key, spec.last_key, spec.step, RespSet(spec.acl_categories),
            RespSet([t.encode() for t in spec.tips]),
            RespSet([k.reply() for k in spec.key_specs]), subs,
        ]
    return spec._info


def command_docs(spec):
    """The COMMAND DOCS map of one command: the value paired with its fullname."""
    if spec._docs is None:
        out = RespMap()
        if spec.summary is not None:
            out.append((b"summary", spec.summary.encode()))
        if spec.since is not None:
            out.append((b"since", spec.since.encode()))
        out.append((b"group", spec.group.encode()))
        if spec.complexity is not None:
            out.append((b"complexity", spec.complexity.encode()))
        if spec.doc_flags:
            out.append((b"doc_flags", RespSet(spec.doc_flags)))
        if spec.deprecated_since is not None:
            out.append((b"deprecated_since", spec.deprecated_since.encode()))
        if spec.replaced_by is not None:
            out.append((b"replaced_by", spec.replaced_by.encode()))
        if spec.history:
            out.append((b"history", RespSet([[v.encode(), t.encode()]
                                             for v, t in spec.history])))
        if spec.arguments:
            out.append((b"arguments", [a.reply() for a in spec.arguments]))
        if spec.subcommands:
            out.append((b"subcommands", RespMap([(s.fullname.encode(), command_docs(s))
                                                 for s in spec.subcommands.values()])))
        spec._docs = out
    return spec._docs


def acl_categories():
    """All ACL category names, without '@', in Redis's order (ACL CAT)."""
    return list(ACL_CATEGORIES)


def command_list(filter_type=None, arg=None):
    """Fullnames for COMMAND LIST [FILTERBY MODULE|ACLCAT|PATTERN arg], as bytes.

    filter_type is "module", "aclcat" or "pattern" (any case); arg is str or bytes."""
    ftype = _lower(filter_type) if filter_type else None
    out = []
    for spec in SPECS.values():
        for s in [spec, *spec.subcommands.values()]:
            if ftype is None:
                ok = True
            elif ftype == "module":
                ok = False
            elif ftype == "aclcat":
                ok = ("@" + _lower(arg)) in s.acl_categories
            elif ftype == "pattern":
                ok = stringmatch(arg, s.fullname, nocase=True)
            else:
                raise ValueError("syntax error")
            if ok:
                out.append(s.fullname.encode())
    return out


def all_specs():
    """Every command and subcommand, each container before its subcommands."""
    for spec in SPECS.values():
        yield spec
        yield from spec.subcommands.values()


def lookup(argv):
    """Find the command an argv runs: a subcommand when the command has them
    and argv has a second word (None when that subcommand is unknown)."""
    base = SPECS.get(_lower(argv[0]))
    if base is None or len(argv) == 1 or not base.subcommands:
        return base
    return base.subcommands.get(_lower(argv[1]))


def lookup_name(name):
    """Find a command by "name" or "container|sub" (COMMAND INFO / DOCS)."""
    parts = _lower(name).split("|")
    if len(parts) > 2:
        return None
    base = SPECS.get(parts[0])
    if len(parts) == 1 or base is None:
        return base
    return base.subcommands.get(parts[1]) if base.subcommands else None


def _lower(v):
    """ASCII-only lowercase, as strcasecmp compares (bytes or str in, str out)."""
    if isinstance(v, str):
        v = v.encode("utf-8", "surrogateescape")
    return bytes(v).lower().decode("latin-1")


# ---------------------------------------------------------------------------
# Key extraction (COMMAND GETKEYS, and later cluster slots, ACL key patterns)

def _word(b):
    """An argument as strcasecmp sees it: cut at the first NUL, ASCII lowercase."""
    return bytes(b).split(b"\0", 1)[0].lower()


def _cdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _keys_from_specs(spec, argv):
    """Keys found by the key specs: a list of (pos, flags), or None when a
    spec cannot be applied (the caller then falls back to the getkeys proc)."""
    argc = len(argv)
    out = []
    for ks in spec.key_specs:
        if "not_key" in ks.flags:
            continue
        if ks.bs_type == "index":
            first = ks.bs_index
        elif ks.bs_type == "keyword":
            start = ks.bs_startfrom if ks.bs_startfrom > 0 else argc + ks.bs_startfrom
            end = argc - 1 if ks.bs_startfrom > 0 else 1
            first = 0
            kw = ks.bs_keyword.lower().encode()
            i = start
            while i != end:
                if i >= argc or i < 1:
                    break
                if _word(argv[i]) == kw:
                    first = i + 1
                    break
                i = i + 1 if start <= end else i - 1
            if not first:
                continue
        else:
            return None
        if ks.fk_type == "range":
            step = ks.fk_keystep
            if ks.fk_lastkey >= 0:
                last = first + ks.fk_lastkey
            elif not ks.fk_limit:
                last = argc + ks.fk_lastkey
            else:
                last = first + (_cdiv(argc - first, ks.fk_limit) + ks.fk_lastkey)
        elif ks.fk_type == "keynum":
            step = ks.fk_keystep
            if ks.fk_keynumidx >= argc or first + ks.fk_keynumidx >= argc:
                return None
            numkeys = string2ll(argv[first + ks.fk_keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += ks.fk_firstkey
            last = first + to_int32(numkeys) - 1
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        for i in range(first, last + 1, step):
            out.append((i, ks.flags))
        if "incomplete" in ks.flags:
            return None
    return out


def _generic(store, count, first, step=1):
    def proc(argv):
        argc = len(argv)
        num = atoi(argv[count])
        if num < 1 or num > _cdiv(argc - first, step):
            return []
        keys = [(first + i * step, []) for i in range(num)]
        if store:
            keys.append((store, []))
        return keys
    return proc


def _sort_ro_keys(argv):
    return [(1, ["RO", "access"])]


def _sort_keys(argv):
    keys = [(1, ["RO", "access"])]
    store = None
    i = 2
    argc = len(argv)
    while i < argc:
        # The last STORE wins, and its argument is not skipped (as in Redis).
        word = _word(argv[i])
        if word == b"limit":
            i += 2
        elif word == b"store" and i + 1 < argc:
            store = i + 1
        elif word in (b"get", b"by"):
            i += 1
        i += 1
    if store is not None:
        keys.append((store, ["OW", "update"]))
    return keys


def _migrate_keys(argv):
    argc = len(argv)
    first, num = 3, 1
    skip = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}
    if argc > 6:
        i = 6
        while i < argc:
            word = _word(argv[i])
            if word == b"keys":
                if len(argv[3]) > 0:
                    num = 0
                else:
                    first = i + 1
                    num = argc - first
                break
            i += skip.get(word, 0) + 1
    return [(first + i, ["RW", "access", "delete"]) for i in range(num)]


def _georadius_keys(argv):
    argc = len(argv)
    stored = -1
    i = 5
    while i < argc:
        if _word(argv[i]) in (b"store", b"storedist") and i + 1 < argc:
            stored = i + 1
            i += 1
        i += 1
    keys = [(1, [])]
    if stored != -1:
        keys.append((stored, []))
    return keys


def _xread_keys(argv):
    argc = len(argv)
    streams = -1
    i = 1
    while i < argc:
        word = _word(argv[i])
        if word in (b"block", b"count"):
            i += 1
        elif word == b"group":
            i += 2
        elif word == b"noack":
            pass
        elif word == b"streams":
            streams = i
            break
        else:
            break
        i += 1
    num = argc - streams - 1 if streams != -1 else 0
    if streams == -1 or num == 0 or num % 2:
        return []
    num //= 2
    return [(i, []) for i in range(streams + 1, argc - num)]


def _set_keys(argv):
    for a in argv[3:]:
        if _word(a) == b"get":
            return [(1, ["RW", "access", "update"])]
    return [(1, ["OW", "update"])]


def _bitfield_keys(argv):
    argc = len(argv)
    readonly = True
    i = 2
    while i < argc:
        rem = argc - i - 1
        word = _word(argv[i])
        if word == b"get" and rem >= 2:
            i += 2
        elif word in (b"set", b"incrby") and rem >= 3:
            readonly = False
            break
        elif word == b"overflow" and rem >= 1:
            i += 1
        else:
            readonly = False
            break
        i += 1
    return [(1, ["RO", "access"] if readonly else ["RW", "access", "update"])]


# Commands whose key specs need help; the engine may map these names to C code.
GETKEYS_PROCS = {
    "bitfield": _bitfield_keys, "migrate": _migrate_keys, "sort": _sort_keys,
    "sort_ro": _sort_ro_keys, "georadius": _georadius_keys,
    "georadiusbymember": _georadius_keys, "set": _set_keys,
    "xread": _xread_keys, "xreadgroup": _xread_keys,
    "blmpop": _generic(0, 2, 3), "bzmpop": _generic(0, 2, 3),
    "lmpop": _generic(0, 1, 2), "zmpop": _generic(0, 1, 2),
    "sintercard": _generic(0, 1, 2), "zintercard": _generic(0, 1, 2),
    "zdiff": _generic(0, 1, 2), "zinter": _generic(0, 1, 2), "zunion": _generic(0, 1, 2),
    "zdiffstore": _generic(1, 2, 3), "zinterstore": _generic(1, 2, 3),
    "zunionstore": _generic(1, 2, 3),
    "eval": _generic(0, 2, 3), "evalsha": _generic(0, 2, 3),
    "eval_ro": _generic(0, 2, 3), "evalsha_ro": _generic(0, 2, 3),
    "fcall": _generic(0, 2, 3), "fcall_ro": _generic(0, 2, 3),
}


def has_keys(spec):
    """Whether the command may take keys (Redis's doesCommandHaveKeys)."""
    return spec.getkeys_proc is not None or any(
        "not_key" not in k.flags for k in spec.key_specs)


def get_keys_and_flags(spec, argv):
    """Key positions in argv (argv[0] is the command name) with their key
    flags, as COMMAND GETKEYSANDFLAGS finds them. Raises ValueError with
    Redis's error text for the cases COMMAND GETKEYS rejects."""
    if spec is None:
        raise ValueError("Invalid command specified")
    if not has_keys(spec):
        raise ValueError("The command has no key arguments")
    argc = len(argv)
    if (spec.arity > 0 and spec.arity != argc) or argc < -spec.arity:
        raise ValueError("Invalid number of arguments specified for command")
    keys = None
    has_spec = any("not_key" not in k.flags for k in spec.key_specs)
    varflags = any("variable_flags" in k.flags for k in spec.key_specs)
    if has_spec and not varflags:
        keys = _keys_from_specs(spec, argv)
    if keys is None:
        keys = spec.getkeys_proc(argv) if spec.getkeys_proc else []
    if not keys:
        if "no_mandatory_keys" in spec.flags:
            return []
        raise ValueError("Invalid arguments specified for command")
    return keys


def get_keys(spec, argv):
    """Positions of the keys in argv, as COMMAND GETKEYS reports them."""
    return [pos for pos, _ in get_keys_and_flags(spec, argv)]


# ---------------------------------------------------------------------------
# The table, one section per group.

_TABLE = {}

_TABLE["generic"] = [
    _c("copy", -3, "write denyoom", "@keyspace", "6.2.0",
       "Copy a key",
       "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
       "values.",
       keys=["RO access|index 1|range 0 1 0", "OW update|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 ?DB=destination-db:integer ?REPLACE"),
    _c("del", -2, "write", "@keyspace", "1.0.0",
       "Delete a key",
       "O(N) where N is the number of keys that will be removed. When a key to remove holds a "
       "value other than a string, the individual complexity for this key is O(M) where M is "
       "the number of elements in the list, set, sorted set or hash. Removing a single key that "
       "holds a string value is O(1).",
       keys=["RM delete|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("dump", 2, "readonly", "@keyspace", "2.6.0",
       "Return a serialized version of the value stored at the specified key.",
       "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of "
       "Redis objects composing the value and M their average size. For small string values the "
       "time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0"),
    _c("exists", -2, "readonly fast", "@keyspace", "1.0.0",
       "Determine if a key exists", "O(N) where N is the number of keys to check.",
       keys=["RO|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       hist=[
           ("3.0.3", "Accepts multiple `key` arguments."),
       ],
       args="*key:key#0"),
    _c("expire", -3, "write fast", "@keyspace", "1.0.0",
       "Set a key's time to live in seconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 seconds:integer ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("expireat", -3, "write fast", "@keyspace", "1.2.0",
       "Set the expiration for a key as a UNIX timestamp", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 unix-time-seconds:unix-time ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("expiretime", 2, "readonly fast", "@keyspace", "7.0.0",
       "Get the expiration Unix timestamp for a key", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("keys", 2, "readonly", "@keyspace @dangerous", "1.0.0",
       "Find all keys matching the given pattern",
       "O(N) with N being the number of keys in the database, under the assumption that the key "
       "names in the database and the given pattern have limited length.",
       tips="request_policy:all_shards nondeterministic_output_order",
       args="pattern:pattern"),
    _c("migrate", -6, "write", "@keyspace @dangerous", "2.6.0",
       "Atomically transfer a key from a Redis instance to another one.",
       "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
       "target instance. See the pages of these commands for time complexity. Also an O(N) data "
       "transfer between the two instances is performed.",
       keys=[
           "RW access delete|index 3|range 0 1 0",
           "RW access delete incomplete|keyword KEYS -2|range -1 1 0",
       ],
       tips="nondeterministic_output",
       hist=[
           ("3.0.0", "Added the `COPY` and `REPLACE` options."),
           ("3.0.6", "Added the `KEYS` option."),
           ("4.0.7", "Added the `AUTH` option."),
           ("6.0.0", "Added the `AUTH2` option."),
       ],
       args="host:string port:integer key_or_empty_string:oneof(key:key#0 "
            "''=empty_string:pure-token) destination-db:integer timeout:integer ?COPY@3.0.0 "
            "?REPLACE@3.0.0 ?authentication:oneof(?AUTH=password:string@4.0.7 "
            "?AUTH2=username_password:block@6.0.0(username:string password:string)) "
            "?*KEYS=key:key#1@3.0.6"),
    _c("move", 3, "write fast", "@keyspace", "1.0.0",
       "Move a key to another database", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 db:integer"),
    _c("object", -2, "", "", "2.2.3",
       "A container for object introspection commands", "Depends on subcommand.",
       subs=[
           _c("encoding", 3, "readonly", "@keyspace", "2.2.3",
              "Inspect the internal encoding of a Redis object", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("freq", 3, "readonly", "@keyspace", "4.0.0",
              "Get the logarithmic access frequency counter of a Redis object", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("help", 2, "loading stale", "@keyspace", "6.2.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("idletime", 3, "readonly", "@keyspace", "2.2.3",
              "Get the time since a Redis object was last accessed", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("refcount", 3, "readonly", "@keyspace", "2.2.3",
              "Get the number of references to the value of the key", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
       ]),
    _c("persist", 2, "write fast", "@keyspace", "2.2.0",
       "Remove the expiration from a key", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("pexpire", -3, "write fast", "@keyspace", "2.6.0",
       "Set a key's time to live in milliseconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 milliseconds:integer ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("pexpireat", -3, "write fast", "@keyspace", "2.6.0",
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 unix-time-milliseconds:unix-time ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("pexpiretime", 2, "readonly fast", "@keyspace", "7.0.0",
       "Get the expiration Unix timestamp for a key in milliseconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("pttl", 2, "readonly fast", "@keyspace", "2.6.0",
       "Get the time to live for a key in milliseconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("2.8.0", "Added the -2 reply."),
       ],
       args="key:key#0"),
    _c("randomkey", 1, "readonly", "@keyspace", "1.0.0",
       "Return a random key from the keyspace", "O(1)",
       tips="request_policy:all_shards nondeterministic_output"),
    _c("rename", 3, "write", "@keyspace", "1.0.0",
       "Rename a key", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "OW update|index 2|range 0 1 0"],
       args="key:key#0 newkey:key#1"),
    _c("renamenx", 3, "write fast", "@keyspace", "1.0.0",
       "Rename a key, only if the new key does not exist", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "OW insert|index 2|range 0 1 0"],
       hist=[
           ("3.2.0",
            "The command no longer returns an error when source and destination names are the "
            "same."),
       ],
       args="key:key#0 newkey:key#1"),
    _c("restore", -4, "write denyoom", "@keyspace @dangerous", "2.6.0",
       "Create a key using the provided serialized value, previously obtained using DUMP.",
       "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
       "where N is the number of Redis objects composing the value and M their average size. "
       "For small string values the time complexity is thus O(1)+O(1*M) where M is small, so "
       "simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because "
       "inserting values into sorted sets is O(log(N)).",
       keys=["OW update|index 1|range 0 1 0"],
       hist=[
           ("3.0.0", "Added the `REPLACE` modifier."),
           ("5.0.0", "Added the `ABSTTL` modifier."),
           ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
       ],
       args="key:key#0 ttl:integer serialized-value:string ?REPLACE@3.0.0 ?ABSTTL@5.0.0 "
            "?IDLETIME=seconds:integer@5.0.0 ?FREQ=frequency:integer@5.0.0"),
    _c("scan", -2, "readonly", "@keyspace", "2.8.0",
       "Incrementally iterate the keys space",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.",
       tips="nondeterministic_output request_policy:special",
       hist=[
           ("6.0.0", "Added the `TYPE` subcommand."),
       ],
       args="cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer ?TYPE=type:string@6.0.0"),
    _c("sort", -2, "write denyoom", "@set @sortedset @list @dangerous", "1.0.0",
       "Sort the elements in a list, set or sorted set",
       "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
       "number of returned elements. When the elements are not sorted, complexity is O(N).",
       keys=[
           "RO access|index 1|range 0 1 0",
           "RO access|unknown|unknown|For the optional BY/GET keyword. It is marked 'unknown' "
           "because the key names derive from the content of the key we sort",
           "OW update|unknown|unknown|For the optional STORE keyword. It is marked 'unknown' "
           "because the keyword can appear anywhere in the argument array",
       ],
       args="key:key#0 ?BY=pattern:pattern#1 ?LIMIT=offset_count:block(offset:integer "
            "count:integer) ?*+GET=pattern:pattern#1 ?order:oneof(ASC DESC) "
            "?ALPHA=sorting:pure-token ?STORE=destination:key#2"),
    _c("sort_ro", -2, "readonly", "@set @sortedset @list @dangerous", "7.0.0",
       "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
       "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
       "number of returned elements. When the elements are not sorted, complexity is O(N).",
       keys=[
           "RO access|index 1|range 0 1 0",
           "RO access|unknown|unknown|For the optional BY/GET keyword. It is marked 'unknown' "
           "because the key names derive from the content of the key we sort",
       ],
       args="key:key#0 ?BY=pattern:pattern#1 ?LIMIT=offset_count:block(offset:integer "
            "count:integer) ?*+GET=pattern:pattern#1 ?order:oneof(ASC DESC) "
            "?ALPHA=sorting:pure-token"),
    _c("touch", -2, "readonly fast", "@keyspace", "3.2.1",
       "Alters the last access time of a key(s). Returns the number of existing keys specified.",
       "O(N) where N is the number of keys that will be touched.",
       keys=["RO|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("ttl", 2, "readonly fast", "@keyspace", "1.0.0",
       "Get the time to live for a key in seconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("2.8.0", "Added the -2 reply."),
       ],
       args="key:key#0"),
    _c("type", 2, "readonly fast", "@keyspace", "1.0.0",
       "Determine the type stored at key", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("unlink", -2, "write fast", "@keyspace", "4.0.0",
       "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
       "blocking.",
       "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
       "different thread in order to reclaim memory, where N is the number of allocations the "
       "deleted objects where composed of.",
       keys=["RM delete|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("wait", 3, "noscript", "@connection", "3.0.0",
       "Wait for the synchronous replication of all the write commands sent in the context of "
       "the current connection",
       "O(1)",
       tips="request_policy:all_shards response_policy:agg_min",
       args="numreplicas:integer timeout:integer"),
]

_TABLE["string"] = [
    _c("append", 3, "write denyoom fast", "@string", "2.0.0",
       "Append a value to a key",
       "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
       "the already present value is of any size, since the dynamic string library used by "
       "Redis will double the free space available on every reallocation.",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 value:string"),
    _c("decr", 2, "write denyoom fast", "@string", "1.0.0",
       "Decrement the integer value of a key by one", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("decrby", 3, "write denyoom fast", "@string", "1.0.0",
       "Decrement the integer value of a key by the given number", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 decrement:integer"),
    _c("get", 2, "readonly fast", "@string", "1.0.0",
       "Get the value of a key", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("getdel", 2, "write fast", "@string", "6.2.0",
       "Get the value of a key and delete the key", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("getex", -2, "write fast", "@string", "6.2.0",
       "Get the value of a key and optionally set its expiration", "O(1)",
       keys=["RW access update|index 1|range 0 1 0|RW and UPDATE because it changes the TTL"],
       args="key:key#0 ?expiration:oneof(EX=seconds:integer PX=milliseconds:integer "
            "EXAT=unix-time-seconds:unix-time PXAT=unix-time-milliseconds:unix-time PERSIST)"),
    _c("getrange", 4, "readonly", "@string", "2.4.0",
       "Get a substring of the string stored at a key",
       "O(N) where N is the length of the returned string. The complexity is ultimately "
       "determined by the returned length, but because creating a substring from an existing "
       "string is very cheap, it can be considered O(1) for small strings.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 start:integer end:integer"),
    _c("getset", 3, "write denyoom fast", "@string", "1.0.0",
       "Set the string value of a key and return its old value", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`SET` with the `!GET` argument",
       args="key:key#0 value:string"),
    _c("incr", 2, "write denyoom fast", "@string", "1.0.0",
       "Increment the integer value of a key by one", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("incrby", 3, "write denyoom fast", "@string", "1.0.0",
       "Increment the integer value of a key by the given amount", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:integer"),
    _c("incrbyfloat", 3, "write denyoom fast", "@string", "2.6.0",
       "Increment the float value of a key by the given amount", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:double"),
    _c("lcs", -3, "readonly", "@string", "7.0.0",
       "Find longest common substring",
       "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       keys=["RO access|index 1|range 1 1 0"],
       args="key1:key#0 key2:key#0 ?LEN ?IDX ?MINMATCHLEN=len:integer ?WITHMATCHLEN"),
    _c("mget", -2, "readonly fast", "@string", "1.0.0",
       "Get the values of all the given keys",
       "O(N) where N is the number of keys to retrieve.",
       keys=["RO access|index 1|range -1 1 0"],
       tips="request_policy:multi_shard",
       args="*key:key#0"),
    _c("mset", -3, "write denyoom", "@string", "1.0.1",
       "Set multiple keys to multiple values", "O(N) where N is the number of keys to set.",
       keys=["OW update|index 1|range -1 2 0"],
       tips="request_policy:multi_shard response_policy:all_succeeded",
       args="*key_value:block(key:key#0 value:string)"),
    _c("msetnx", -3, "write denyoom", "@string", "1.0.1",
       "Set multiple keys to multiple values, only if none of the keys exist",
       "O(N) where N is the number of keys to set.",
       keys=["OW insert|index 1|range -1 2 0"],
       tips="request_policy:multi_shard response_policy:agg_min",
       args="*key_value:block(key:key#0 value:string)"),
    _c("psetex", 4, "write denyoom", "@string", "2.6.0",
       "Set the value and expiration in milliseconds of a key", "O(1)",
       keys=["OW update|index 1|range 0 1 0"],
       args="key:key#0 milliseconds:integer value:string"),
    _c("set", -3, "write denyoom", "@string", "1.0.0",
       "Set the string value of a key", "O(1)",
       keys=[
           "RW access update variable_flags|index 1|range 0 1 0|RW and ACCESS due to the "
           "optional `GET` argument",
       ],
       hist=[
           ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
           ("6.0.0", "Added the `KEEPTTL` option."),
           ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
           ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
       ],
       args="key:key#0 value:string ?condition:oneof@2.6.12(NX XX) ?GET@6.2.0 "
            "?expiration:oneof(EX=seconds:integer@2.6.12 PX=milliseconds:integer@2.6.12 "
            "EXAT=unix-time-seconds:unix-time@6.2.0 PXAT=unix-time-milliseconds:unix-time@6.2.0 "
            "KEEPTTL@6.0.0)"),
    _c("setex", 4, "write denyoom", "@string", "2.0.0",
       "Set the value and expiration of a key", "O(1)",
       keys=["OW update|index 1|range 0 1 0"],
       args="key:key#0 seconds:integer value:string"),
    _c("setnx", 3, "write denyoom fast", "@string", "1.0.0",
       "Set the value of a key, only if the key does not exist", "O(1)",
       keys=["OW insert|index 1|range 0 1 0"],
       args="key:key#0 value:string"),
    _c("setrange", 4, "write denyoom", "@string", "2.2.0",
       "Overwrite part of a string at key starting at the specified offset",
       "O(1), not counting the time taken to copy the new string in place. Usually, this string "
       "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
       "being the length of the value argument.",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 offset:integer value:string"),
    _c("strlen", 2, "readonly fast", "@string", "2.2.0",
       "Get the length of the value stored in a key", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("substr", 4, "readonly", "@string", "1.0.0",
       "Get a substring of the string stored at a key",
       "O(N) where N is the length of the returned string. The complexity is ultimately "
       "determined by the returned length, but because creating a substring from an existing "
       "string is very cheap, it can be considered O(1) for small strings.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="2.0.0", by="`GETRANGE`",
       args="key:key#0 start:integer end:integer"),
]

_TABLE["list"] = [
    _c("blmove", 6, "write denyoom noscript blocking", "@list", "6.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 wherefrom:oneof(LEFT RIGHT) whereto:oneof(LEFT "
            "RIGHT) timeout:double"),
    _c("blmpop", -5, "write blocking", "@list", "7.0.0",
       "Pop elements from a list, or block until one is available",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
       keys=["RW access delete|index 2|keynum 0 1 1"],
       args="timeout:double numkeys:integer *key:key#0 where:oneof(LEFT RIGHT) "
            "?COUNT=count:integer"),
    _c("blpop", -3, "write noscript blocking", "@list", "2.0.0",
       "Remove and get the first element in a list, or block until one is available",
       "O(N) where N is the number of provided keys.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("brpop", -3, "write noscript blocking", "@list", "2.0.0",
       "Remove and get the last element in a list, or block until one is available",
       "O(N) where N is the number of provided keys.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("brpoplpush", 4, "write denyoom noscript blocking", "@list", "2.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`BLMOVE` with the `RIGHT` and `LEFT` arguments",
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="source:key#0 destination:key#1 timeout:double"),
    _c("lindex", 3, "readonly", "@list", "1.0.0",
       "Get an element from a list by its index",
       "O(N) where N is the number of elements to traverse to get to the element at index. This "
       "makes asking for the first or the last element of the list O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 index:integer"),
    _c("linsert", 5, "write denyoom", "@list", "2.2.0",
       "Insert an element before or after another element in a list",
       "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
       "means that inserting somewhere on the left end on the list (head) can be considered "
       "O(1) and inserting somewhere on the right end (tail) is O(N).",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 where:oneof(BEFORE AFTER) pivot:string element:string"),
    _c("llen", 2, "readonly fast", "@list", "1.0.0",
       "Get the length of a list", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("lmove", 5, "write denyoom", "@list", "6.2.0",
       "Pop an element from a list, push it to another list and return it", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 wherefrom:oneof(LEFT RIGHT) whereto:oneof(LEFT "
            "RIGHT)"),
    _c("lmpop", -4, "write", "@list", "7.0.0",
       "Pop elements from a list",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
       keys=["RW access delete|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 where:oneof(LEFT RIGHT) ?COUNT=count:integer"),
    _c("lpop", -2, "write fast", "@list", "1.0.0",
       "Remove and get the first elements in a list",
       "O(N) where N is the number of elements returned",
       keys=["RW access delete|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `count` argument."),
       ],
       args="key:key#0 ?count:integer@6.2.0"),
    _c("lpos", -3, "readonly", "@list", "6.0.6",
       "Return the index of matching elements on a list",
       "O(N) where N is the number of elements in the list, for the average case. When "
       "searching for elements near the head or the tail of the list, or when the MAXLEN option "
       "is provided, the command may run in constant time.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 element:string ?RANK=rank:integer ?COUNT=num-matches:integer "
            "?MAXLEN=len:integer"),
    _c("lpush", -3, "write denyoom fast", "@list", "1.0.0",
       "Prepend one or multiple elements to a list",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("lpushx", -3, "write denyoom fast", "@list", "2.2.0",
       "Prepend an element to a list, only if the list exists",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("4.0.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("lrange", 4, "readonly", "@list", "1.0.0",
       "Get a range of elements from a list",
       "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
       "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
       "range.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("lrem", 4, "write", "@list", "1.0.0",
       "Remove elements from a list",
       "O(N+M) where N is the length of the list and M is the number of elements removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 count:integer element:string"),
    _c("lset", 4, "write denyoom", "@list", "1.0.0",
       "Set the value of an element in a list by its index",
       "O(N) where N is the length of the list. Setting either the first or the last element of "
       "the list is O(1).",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 index:integer element:string"),
    _c("ltrim", 4, "write", "@list", "1.0.0",
       "Trim a list to the specified range",
       "O(N) where N is the number of elements to be removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("rpop", -2, "write fast", "@list", "1.0.0",
       "Remove and get the last elements in a list",
       "O(N) where N is the number of elements returned",
       keys=["RW access delete|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `count` argument."),
       ],
       args="key:key#0 ?count:integer@6.2.0"),
    _c("rpoplpush", 3, "write denyoom", "@list", "1.2.0",
       "Remove the last element in a list, prepend it to another list and return it", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`LMOVE` with the `RIGHT` and `LEFT` arguments",
       args="source:key#0 destination:key#1"),
    _c("rpush", -3, "write denyoom fast", "@list", "1.0.0",
       "Append one or multiple elements to a list",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("rpushx", -3, "write denyoom fast", "@list", "2.2.0",
       "Append an element to a list, only if the list exists",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("4.0.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
]

_TABLE["set"] = [
    _c("sadd", -3, "write denyoom fast", "@set", "1.0.0",
       "Add one or more members to a set",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `member` arguments."),
       ],
       args="key:key#0 *member:string"),
    _c("scard", 2, "readonly fast", "@set", "1.0.0",
       "Get the number of members in a set", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("sdiff", -2, "readonly", "@set", "1.0.0",
       "Subtract multiple sets",
       "O(N) where N is the total number of elements in all given sets.",
       keys=["RO access|index 1|range -1 1 0"],
       tips="nondeterministic_output_order",
       args="*key:key#0"),
    _c("sdiffstore", -3, "write denyoom", "@set", "1.0.0",
       "Subtract multiple sets and store the resulting set in a key",
       "O(N) where N is the total number of elements in all given sets.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range -1 1 0"],
       args="destination:key#0 *key:key#1"),
    _c("sinter", -2, "readonly", "@set", "1.0.0",
       "Intersect multiple sets",
       "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
       "sets.",
       keys=["RO access|index 1|range -1 1 0"],
       tips="nondeterministic_output_order",
       args="*key:key#0"),
    _c("sintercard", -3, "readonly", "@set", "7.0.0",
       "Intersect multiple sets and return the cardinality of the result",
       "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
       "sets.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?LIMIT=limit:integer"),
    _c("sinterstore", -3, "write denyoom", "@set", "1.0.0",
       "Intersect multiple sets and store the resulting set in a key",
       "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
       "sets.",
       keys=["RW update|index 1|range 0 1 0", "RO access|index 2|range -1 1 0"],
       args="destination:key#0 *key:key#1"),
    _c("sismember", 3, "readonly fast", "@set", "1.0.0",
       "Determine if a given value is a member of a set", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("smembers", 2, "readonly", "@set", "1.0.0",
       "Get all the members in a set", "O(N) where N is the set cardinality.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output_order",
       args="key:key#0"),
    _c("smismember", -3, "readonly fast", "@set", "6.2.0",
       "Returns the membership associated with the given elements for a set",
       "O(N) where N is the number of elements being checked for membership",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("smove", 4, "write fast", "@set", "1.0.0",
       "Move a member from one set to another", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 member:string"),
    _c("spop", -2, "write fast", "@set", "1.0.0",
       "Remove and return one or multiple random members from a set",
       "Without the count argument O(1), otherwise O(N) where N is the value of the passed "
       "count.",
       keys=["RW access delete|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("3.2.0", "Added the `count` argument."),
       ],
       args="key:key#0 ?count:integer@3.2.0"),
    _c("srandmember", -2, "readonly", "@set", "1.0.0",
       "Get one or multiple random members from a set",
       "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
       "passed count.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("2.6.0", "Added the optional `count` argument."),
       ],
       args="key:key#0 ?count:integer@2.6.0"),
    _c("srem", -3, "write fast", "@set", "1.0.0",
       "Remove one or more members from a set",
       "O(N) where N is the number of members to be removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `member` arguments."),
       ],
       args="key:key#0 *member:string"),
    _c("sscan", -3, "readonly", "@set", "2.8.0",
       "Incrementally iterate Set elements",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    _c("sunion", -2, "readonly", "@set", "1.0.0",
       "Add multiple sets", "O(N) where N is the total number of elements in all given sets.",
       keys=["RO access|index 1|range -1 1 0"],
       tips="nondeterministic_output_order",
       args="*key:key#0"),
    _c("sunionstore", -3, "write denyoom", "@set", "1.0.0",
       "Add multiple sets and store the resulting set in a key",
       "O(N) where N is the total number of elements in all given sets.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range -1 1 0"],
       args="destination:key#0 *key:key#1"),
]

_TABLE["sorted-set"] = [
    _c("bzmpop", -5, "write blocking", "@sortedset", "7.0.0",
       "Remove and return members with scores in a sorted set or block until one is available",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped.",
       keys=["RW access delete|index 2|keynum 0 1 1"],
       args="timeout:double numkeys:integer *key:key#0 where:oneof(MIN MAX) "
            "?COUNT=count:integer"),
    _c("bzpopmax", -3, "write noscript blocking fast", "@sortedset", "5.0.0",
       "Remove and return the member with the highest score from one or more sorted sets, or "
       "block until one is available",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("bzpopmin", -3, "write noscript blocking fast", "@sortedset", "5.0.0",
       "Remove and return the member with the lowest score from one or more sorted sets, or "
       "block until one is available",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("zadd", -4, "write denyoom fast", "@sortedset", "1.2.0",
       "Add one or more members to a sorted set, or update its score if it already exists",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple elements."),
           ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
           ("6.2.0", "Added the `GT` and `LT` options."),
       ],
       args="key:key#0 ?condition:oneof@3.0.2(NX XX) ?comparison:oneof@6.2.0(GT LT) "
            "?CH=change:pure-token@3.0.2 ?INCR=increment:pure-token@3.0.2 "
            "*score_member:block(score:double member:string)"),
    _c("zcard", 2, "readonly fast", "@sortedset", "1.2.0",
       "Get the number of members in a sorted set", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("zcount", 4, "readonly fast", "@sortedset", "2.0.0",
       "Count the members in a sorted set with scores within the given values",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 min:double max:double"),
    _c("zdiff", -3, "readonly", "@sortedset", "6.2.0",
       "Subtract multiple sorted sets",
       "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
       "N is the size of the first set, and K is the size of the result set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?WITHSCORES"),
    _c("zdiffstore", -4, "write denyoom", "@sortedset", "6.2.0",
       "Subtract multiple sorted sets and store the resulting sorted set in a new key",
       "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
       "N is the size of the first set, and K is the size of the result set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1"),
    _c("zincrby", 4, "write denyoom fast", "@sortedset", "1.2.0",
       "Increment the score of a member in a sorted set",
       "O(log(N)) where N is the number of elements in the sorted set.",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:integer member:string"),
    _c("zinter", -3, "readonly", "@sortedset", "6.2.0",
       "Intersect multiple sorted sets",
       "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
       "number of input sorted sets and M being the number of elements in the resulting sorted "
       "set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate:oneof(SUM "
            "MIN MAX) ?WITHSCORES"),
    _c("zintercard", -3, "readonly", "@sortedset", "7.0.0",
       "Intersect multiple sorted sets and return the cardinality of the result",
       "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
       "input sorted sets.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?LIMIT=limit:integer"),
    _c("zinterstore", -4, "write denyoom", "@sortedset", "2.0.0",
       "Intersect multiple sorted sets and store the resulting sorted set in a new key",
       "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
       "number of input sorted sets and M being the number of elements in the resulting sorted "
       "set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1 ?*WEIGHTS=weight:integer "
            "?AGGREGATE=aggregate:oneof(SUM MIN MAX)"),
    _c("zlexcount", 4, "readonly fast", "@sortedset", "2.8.9",
       "Count the number of members in a sorted set between a given lexicographical range",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 min:string max:string"),
    _c("zmpop", -4, "write", "@sortedset", "7.0.0",
       "Remove and return members with scores in a sorted set",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped.",
       keys=["RW access delete|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 where:oneof(MIN MAX) ?COUNT=count:integer"),
    _c("zmscore", -3, "readonly fast", "@sortedset", "6.2.0",
       "Get the score associated with the given members in a sorted set",
       "O(N) where N is the number of members being requested.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("zpopmax", -2, "write fast", "@sortedset", "5.0.0",
       "Remove and return members with the highest scores in a sorted set",
       "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
       "number of elements popped.",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0 ?count:integer"),
    _c("zpopmin", -2, "write fast", "@sortedset", "5.0.0",
       "Remove and return members with the lowest scores in a sorted set",
       "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
       "number of elements popped.",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0 ?count:integer"),
    _c("zrandmember", -2, "readonly", "@sortedset", "6.2.0",
       "Get one or multiple random elements from a sorted set",
       "O(N) where N is the number of elements returned",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 ?options:block(count:integer ?WITHSCORES)"),
    _c("zrange", -4, "readonly", "@sortedset", "1.2.0",
       "Return a range of members in a sorted set",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements returned.",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."),
       ],
       args="key:key#0 start:string stop:string ?sortby:oneof@6.2.0(BYSCORE BYLEX) ?REV@6.2.0 "
            "?LIMIT=offset_count:block@6.2.0(offset:integer count:integer) ?WITHSCORES"),
    _c("zrangebylex", -4, "readonly", "@sortedset", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `BYLEX` argument",
       args="key:key#0 min:string max:string ?LIMIT=offset_count:block(offset:integer "
            "count:integer)"),
    _c("zrangebyscore", -4, "readonly", "@sortedset", "1.0.5",
       "Return a range of members in a sorted set, by score",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `BYSCORE` argument",
       hist=[
           ("2.0.0", "Added the `WITHSCORES` modifier."),
       ],
       args="key:key#0 min:double max:double ?WITHSCORES@2.0.0 "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrangestore", -5, "write denyoom", "@sortedset", "6.2.0",
       "Store a range of members from sorted set into another key",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements stored into the destination key.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range 0 1 0"],
       args="dst:key#0 src:key#1 min:string max:string ?sortby:oneof(BYSCORE BYLEX) ?REV "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrank", 3, "readonly fast", "@sortedset", "2.0.0",
       "Determine the index of a member in a sorted set", "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zrem", -3, "write fast", "@sortedset", "1.2.0",
       "Remove one or more members from a sorted set",
       "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
       "elements to be removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple elements."),
       ],
       args="key:key#0 *member:string"),
    _c("zremrangebylex", 4, "write", "@sortedset", "2.8.9",
       "Remove all members in a sorted set between the given lexicographical range",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 min:string max:string"),
    _c("zremrangebyrank", 4, "write", "@sortedset", "2.0.0",
       "Remove all members in a sorted set within the given indexes",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("zremrangebyscore", 4, "write", "@sortedset", "1.2.0",
       "Remove all members in a sorted set within the given scores",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 min:double max:double"),
    _c("zrevrange", -4, "readonly", "@sortedset", "1.2.0",
       "Return a range of members in a sorted set, by index, with scores ordered from high to "
       "low",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements returned.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` argument",
       args="key:key#0 start:integer stop:integer ?WITHSCORES"),
    _c("zrevrangebylex", -4, "readonly", "@sortedset", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range, ordered from "
       "higher to lower strings.",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` and `BYLEX` arguments",
       args="key:key#0 max:string min:string ?LIMIT=offset_count:block(offset:integer "
            "count:integer)"),
    _c("zrevrangebyscore", -4, "readonly", "@sortedset", "2.2.0",
       "Return a range of members in a sorted set, by score, with scores ordered from high to "
       "low",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` and `BYSCORE` arguments",
       hist=[
           ("2.1.6", "`min` and `max` can be exclusive."),
       ],
       args="key:key#0 max:double min:double ?WITHSCORES "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrevrank", 3, "readonly fast", "@sortedset", "2.0.0",
       "Determine the index of a member in a sorted set, with scores ordered from high to low",
       "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zscan", -3, "readonly", "@sortedset", "2.8.0",
       "Incrementally iterate sorted sets elements and associated scores",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    _c("zscore", 3, "readonly fast", "@sortedset", "1.2.0",
       "Get the score associated with the given member in a sorted set", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zunion", -3, "readonly", "@sortedset", "6.2.0",
       "Add multiple sorted sets",
       "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M "
       "being the number of elements in the resulting sorted set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate:oneof(SUM "
            "MIN MAX) ?WITHSCORES"),
    _c("zunionstore", -4, "write denyoom", "@sortedset", "2.0.0",
       "Add multiple sorted sets and store the resulting sorted set in a new key",
       "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M "
       "being the number of elements in the resulting sorted set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1 ?*WEIGHTS=weight:integer "
            "?AGGREGATE=aggregate:oneof(SUM MIN MAX)"),
]

_TABLE["hash"] = [
    _c("hdel", -3, "write fast", "@hash", "2.0.0",
       "Delete one or more hash fields", "O(N) where N is the number of fields to be removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `field` arguments."),
       ],
       args="key:key#0 *field:string"),
    _c("hexists", 3, "readonly fast", "@hash", "2.0.0",
       "Determine if a hash field exists", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0 field:string"),
    _c("hget", 3, "readonly fast", "@hash", "2.0.0",
       "Get the value of a hash field", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 field:string"),
    _c("hgetall", 2, "readonly", "@hash", "2.0.0",
       "Get all the fields and values in a hash", "O(N) where N is the size of the hash.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output_order",
       args="key:key#0"),
    _c("hincrby", 4, "write denyoom fast", "@hash", "2.0.0",
       "Increment the integer value of a hash field by the given number", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 field:string increment:integer"),
    _c("hincrbyfloat", 4, "write denyoom fast", "@hash", "2.6.0",
       "Increment the float value of a hash field by the given amount", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 field:string increment:double"),
    _c("hkeys", 2, "readonly", "@hash", "2.0.0",
       "Get all the fields in a hash", "O(N) where N is the size of the hash.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output_order",
       args="key:key#0"),
    _c("hlen", 2, "readonly fast", "@hash", "2.0.0",
       "Get the number of fields in a hash", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("hmget", -3, "readonly fast", "@hash", "2.0.0",
       "Get the values of all the given hash fields",
       "O(N) where N is the number of fields being requested.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *field:string"),
    _c("hmset", -4, "write denyoom fast", "@hash", "2.0.0",
       "Set multiple hash fields to multiple values",
       "O(N) where N is the number of fields being set.",
       keys=["RW update|index 1|range 0 1 0"],
       doc="deprecated",
       dep="4.0.0", by="`HSET` with multiple field-value pairs",
       args="key:key#0 *field_value:block(field:string value:string)"),
    _c("hrandfield", -2, "readonly", "@hash", "6.2.0",
       "Get one or multiple random fields from a hash",
       "O(N) where N is the number of fields returned",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 ?options:block(count:integer ?WITHVALUES)"),
    _c("hscan", -3, "readonly", "@hash", "2.8.0",
       "Incrementally iterate hash fields and associated values",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    _c("hset", -4, "write denyoom fast", "@hash", "2.0.0",
       "Set the string value of a hash field",
       "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the "
       "command is called with multiple field/value pairs.",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("4.0.0", "Accepts multiple `field` and `value` arguments."),
       ],
       args="key:key#0 *field_value:block(field:string value:string)"),
    _c("hsetnx", 4, "write denyoom fast", "@hash", "2.0.0",
       "Set the value of a hash field, only if the field does not exist", "O(1)",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 field:string value:string"),
    _c("hstrlen", 3, "readonly fast", "@hash", "3.2.0",
       "Get the length of the value of a hash field", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0 field:string"),
    _c("hvals", 2, "readonly", "@hash", "2.0.0",
       "Get all the values in a hash", "O(N) where N is the size of the hash.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output_order",
       args="key:key#0"),
]

_TABLE["pubsub"] = [
    _c("psubscribe", -2, "pubsub noscript loading stale", "", "2.0.0",
       "Listen for messages published to channels matching the given patterns",
       "O(N) where N is the number of patterns the client is already subscribed to.",
       args="*pattern:block(pattern:pattern)"),
    _c("publish", 3, "pubsub loading stale fast may_replicate", "", "2.0.0",
       "Post a message to a channel",
       "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
       "the total number of subscribed patterns (by any client).",
       args="channel:string message:string"),
    _c("pubsub", -2, "", "", "2.8.0",
       "A container for Pub/Sub commands", "Depends on subcommand.",
       subs=[
           _c("channels", -2, "pubsub loading stale", "", "2.8.0",
              "List active channels",
              "O(N) where N is the number of active channels, and assuming constant time "
              "pattern matching (relatively short channels and patterns)",
              args="?pattern:pattern"),
           _c("help", 2, "loading stale", "", "6.2.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("numpat", 2, "pubsub loading stale", "", "2.8.0",
              "Get the count of unique patterns pattern subscriptions", "O(1)"),
           _c("numsub", -2, "pubsub loading stale", "", "2.8.0",
              "Get the count of subscribers for channels",
              "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
              args="?*channel:string"),
           _c("shardchannels", -2, "pubsub loading stale", "", "7.0.0",
              "List active shard channels",
              "O(N) where N is the number of active shard channels, and assuming constant time "
              "pattern matching (relatively short shard channels).",
              args="?pattern:pattern"),
           _c("shardnumsub", -2, "pubsub loading stale", "", "7.0.0",
              "Get the count of subscribers for shard channels",
              "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
              "channels",
              args="?*shardchannel:string"),
       ]),
    _c("punsubscribe", -1, "pubsub noscript loading stale", "", "2.0.0",
       "Stop listening for messages posted to channels matching the given patterns",
       "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
       "number of total patterns subscribed in the system (by any client).",
       args="?*pattern:pattern"),
    _c("spublish", 3, "pubsub loading stale fast may_replicate", "", "7.0.0",
       "Post a message to a shard channel",
       "O(N) where N is the number of clients subscribed to the receiving shard channel.",
       keys=["not_key|index 1|range 0 1 0"],
       args="shardchannel:string message:string"),
    _c("ssubscribe", -2, "pubsub noscript loading stale", "", "7.0.0",
       "Listen for messages published to the given shard channels",
       "O(N) where N is the number of shard channels to subscribe to.",
       keys=["not_key|index 1|range -1 1 0"],
       args="*shardchannel:string"),
    _c("subscribe", -2, "pubsub noscript loading stale", "", "2.0.0",
       "Listen for messages published to the given channels",
       "O(N) where N is the number of channels to subscribe to.",
       args="*channel:string"),
    _c("sunsubscribe", -1, "pubsub noscript loading stale", "", "7.0.0",
       "Stop listening for messages posted to the given shard channels",
       "O(N) where N is the number of clients already subscribed to a shard channel.",
       keys=["not_key|index 1|range -1 1 0"],
       args="?*shardchannel:string"),
    _c("unsubscribe", -1, "pubsub noscript loading stale", "", "2.0.0",
       "Stop listening for messages posted to the given channels",
       "O(N) where N is the number of clients already subscribed to a channel.",
       args="?*channel:string"),
]

_TABLE["transactions"] = [
    _c("discard", 1, "noscript loading stale fast allow_busy", "@transaction", "2.0.0",
       "Discard all commands issued after MULTI",
       "O(N), when N is the number of queued commands"),
    _c("exec", 1, "noscript loading stale skip_slowlog", "@transaction", "1.2.0",
       "Execute all commands issued after MULTI", "Depends on commands in the transaction"),
    _c("multi", 1, "noscript loading stale fast allow_busy", "@transaction", "1.2.0",
       "Mark the start of a transaction block", "O(1)"),
    _c("unwatch", 1, "noscript loading stale fast allow_busy", "@transaction", "2.2.0",
       "Forget about all watched keys", "O(1)"),
    _c("watch", -2, "noscript loading stale fast allow_busy", "@transaction", "2.2.0",
       "Watch the given keys to determine execution of the MULTI/EXEC block",
       "O(1) for every key.",
       keys=["RO|index 1|range -1 1 0"],
       args="*key:key#0"),
]

_TABLE["connection"] = [
    _c("auth", -2, "noscript loading stale fast no_auth allow_busy", "@connection", "1.0.0",
       "Authenticate to the server",
       "O(N) where N is the number of passwords defined for the user",
       hist=[
           ("6.0.0", "Added ACL style (username and password)."),
       ],
       args="?username:string@6.0.0 password:string"),
    _c("client", -2, "", "", "2.4.0",
       "A container for client connection commands", "Depends on subcommand.",
       subs=[
           _c("caching", 3, "noscript loading stale", "@connection", "6.0.0",
              "Instruct the server about tracking or not keys in the next request", "O(1)",
              args="mode:oneof(YES NO)"),
           _c("getname", 2, "noscript loading stale", "@connection", "2.6.9",
              "Get the current connection name", "O(1)"),
           _c("getredir", 2, "noscript loading stale", "@connection", "6.0.0",
              "Get tracking notifications redirection client ID if any", "O(1)"),
           _c("help", 2, "loading stale", "@connection", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("id", 2, "noscript loading stale", "@connection", "5.0.0",
              "Returns the client ID for the current connection", "O(1)"),
           _c("info", 2, "noscript loading stale", "@connection", "6.2.0",
              "Returns information about the current client connection.", "O(1)",
              tips="nondeterministic_output"),
           _c("kill", -3, "admin noscript loading stale", "@connection", "2.4.0",
              "Kill the connection of a client",
              "O(N) where N is the number of client connections",
              hist=[
                  ("2.8.12", "Added new filter format."),
                  ("2.8.12", "`ID` option."),
                  ("3.2.0", "Added `master` type in for `TYPE` option."),
                  ("5.0.0",
                   "Replaced `slave` `TYPE` with `replica`. `slave` still supported for "
                   "backward compatibility."),
                  ("6.2.0", "`LADDR` option."),
              ],
              args="filter:oneof(ip:port:string!2.8.12 "
                   "*new-format:oneof(?ID=client-id:integer@2.8.12 "
                   "?TYPE=normal_master_slave_pubsub:oneof@2.8.12(NORMAL MASTER@3.2.0 SLAVE "
                   "REPLICA@5.0.0 PUBSUB) ?USER=username:string ?ADDR=ip:port:string "
                   "?LADDR=ip:port:string@6.2.0 ?SKIPME=yes/no:string))"),
           _c("list", -2, "admin noscript loading stale", "@connection", "2.4.0",
              "Get the list of client connections",
              "O(N) where N is the number of client connections",
              tips="nondeterministic_output",
              hist=[
                  ("2.8.12", "Added unique client `id` field."),
                  ("5.0.0", "Added optional `TYPE` filter."),
                  ("6.0.0", "Added `user` field."),
                  ("6.2.0",
                   "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional "
                   "`ID` filter."),
                  ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
                  ("7.0.3", "Added `ssub` field."),
              ],
              args="?TYPE=normal_master_replica_pubsub:oneof@5.0.0(NORMAL MASTER REPLICA "
                   "PUBSUB) ?ID=id:block@6.2.0(*client-id:integer)"),
           _c("no-evict", 3, "admin noscript loading stale", "@connection", "7.0.0",
              "Set client eviction mode for the current connection", "O(1)",
              args="enabled:oneof(ON OFF)"),
           _c("pause", -3, "admin noscript loading stale", "@connection", "2.9.50",
              "Stop processing commands from clients for some time", "O(1)",
              hist=[
                  ("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."),
              ],
              args="timeout:integer ?mode:oneof@6.2.0(WRITE ALL)"),
           _c("reply", 3, "noscript loading stale", "@connection", "3.2.0",
              "Instruct the server whether to reply to commands", "O(1)",
              args="on_off_skip:oneof(ON OFF SKIP)"),
           _c("setname", 3, "noscript loading stale", "@connection", "2.6.9",
              "Set the current connection name", "O(1)",
              args="connection-name:string"),
           _c("tracking", -3, "noscript loading stale", "@connection", "6.0.0",
              "Enable or disable server assisted client side caching support",
              "O(1). Some options may introduce additional complexity.",
              args="status:oneof(ON OFF) ?REDIRECT=client-id:integer ?*+PREFIX=prefix:string "
                   "?BCAST ?OPTIN ?OPTOUT ?NOLOOP"),
           _c("trackinginfo", 2, "noscript loading stale", "@connection", "6.2.0",
              "Return information about server assisted client side caching for the current "
              "connection",
              "O(1)"),
           _c("unblock", -3, "admin noscript loading stale", "@connection", "5.0.0",
              "Unblock a client blocked in a blocking command from a different connection",
              "O(log N) where N is the number of client connections",
              args="client-id:integer ?timeout_error:oneof(TIMEOUT ERROR)"),
           _c("unpause", 2, "admin noscript loading stale", "@connection", "6.2.0",
              "Resume processing of clients that were paused",
              "O(N) Where N is the number of paused clients"),
       ]),
    _c("echo", 2, "loading stale fast", "@connection", "1.0.0",
       "Echo the given string", "O(1)",
       args="message:string"),
    _c("hello", -1, "noscript loading stale fast no_auth allow_busy", "@connection", "6.0.0",
       "Handshake with Redis", "O(1)",
       hist=[
           ("6.2.0",
            "`protover` made optional; when called without arguments the command reports the "
            "current connection's context."),
       ],
       args="?arguments:block(protover:integer ?AUTH=username_password:block(username:string "
            "password:string) ?SETNAME=clientname:string)"),
    _c("ping", -1, "fast", "@connection", "1.0.0",
       "Ping the server", "O(1)",
       tips="request_policy:all_shards response_policy:all_succeeded",
       args="?message:string"),
    _c("quit", -1, "noscript loading stale fast no_auth allow_busy", "@connection", "1.0.0",
       "Close the connection", "O(1)"),
    _c("reset", 1, "noscript loading stale fast no_auth allow_busy", "@connection", "6.2.0",
       "Reset the connection", "O(1)"),
    _c("select", 2, "loading stale fast", "@connection", "1.0.0",
       "Change the selected database for the current connection", "O(1)",
       args="index:integer"),
]

_TABLE["server"] = [
    _c("acl", -2, "", "", "6.0.0",
       "A container for Access List Control commands ", "Depends on subcommand.",
       subs=[
           _c("cat", -2, "noscript loading stale", "", "6.0.0",
              "List the ACL categories or the commands inside a category",
              "O(1) since the categories and commands are a fixed set.",
              args="?categoryname:string"),
           _c("deluser", -3, "admin noscript loading stale", "", "6.0.0",
              "Remove the specified ACL users and the associated rules",
              "O(1) amortized time considering the typical user.",
              args="*username:string"),
           _c("dryrun", -4, "admin noscript loading stale", "", "7.0.0",
              "Returns whether the user can execute the given command without executing the "
              "command.",
              "O(1).",
              args="username:string command:string ?*arg:string"),
           _c("genpass", -2, "noscript loading stale", "", "6.0.0",
              "Generate a pseudorandom secure password to use for ACL users", "O(1)",
              args="?bits:integer"),
           _c("getuser", 3, "admin noscript loading stale", "", "6.0.0",
              "Get the rules for a specific ACL user",
              "O(N). Where N is the number of password, command and pattern rules that the user "
              "has.",
              hist=[
                  ("6.2.0", "Added Pub/Sub channel patterns."),
                  ("7.0.0",
                   "Added selectors and changed the format of key and channel patterns from a "
                   "list to their rule representation."),
              ],
              args="username:string"),
           _c("help", 2, "loading stale", "", "6.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("list", 2, "admin noscript loading stale", "", "6.0.0",
              "List the current ACL rules in ACL config file format",
              "O(N). Where N is the number of configured users."),
           _c("load", 2, "admin noscript loading stale", "", "6.0.0",
              "Reload the ACLs from the configured ACL file",
              "O(N). Where N is the number of configured users."),
           _c("log", -2, "admin noscript loading stale", "", "6.0.0",
              "List latest events denied because of ACLs in place",
              "O(N) with N being the number of entries shown.",
              args="?operation:oneof(count:integer RESET)"),
           _c("save", 2, "admin noscript loading stale", "", "6.0.0",
              "Save the current ACL rules in the configured ACL file",
              "O(N). Where N is the number of configured users."),
           _c("setuser", -3, "admin noscript loading stale", "", "6.0.0",
              "Modify or create the rules for a specific ACL user",
              "O(N). Where N is the number of rules provided.",
              hist=[
                  ("6.2.0", "Added Pub/Sub channel patterns."),
                  ("7.0.0", "Added selectors and key based permissions."),
              ],
              args="username:string ?*rule:string"),
           _c("users", 2, "admin noscript loading stale", "", "6.0.0",
              "List the username of all the configured ACL rules",
              "O(N). Where N is the number of configured users."),
           _c("whoami", 2, "noscript loading stale", "", "6.0.0",
              "Return the name of the user associated to the current connection", "O(1)"),
       ]),
    _c("bgrewriteaof", 1, "admin noscript no_async_loading", "", "1.0.0",
       "Asynchronously rewrite the append-only file", "O(1)"),
    _c("bgsave", -1, "admin noscript no_async_loading", "", "1.0.0",
       "Asynchronously save the dataset to disk", "O(1)",
       hist=[
           ("3.2.2", "Added the `SCHEDULE` option."),
       ],
       args="?SCHEDULE@3.2.2"),
    _c("command", -1, "loading stale", "@connection", "2.8.13",
       "Get array of Redis command details",
       "O(N) where N is the total number of Redis commands",
       tips="nondeterministic_output_order",
       subs=[
           _c("count", 2, "loading stale", "@connection", "2.8.13",
              "Get total number of Redis commands", "O(1)"),
           _c("docs", -2, "loading stale", "@connection", "7.0.0",
              "Get array of specific Redis command documentation",
              "O(N) where N is the number of commands to look up",
              tips="nondeterministic_output_order",
              args="?*command-name:string"),
           _c("getkeys", -4, "loading stale", "@connection", "2.8.13",
              "Extract keys given a full Redis command",
              "O(N) where N is the number of arguments to the command"),
           _c("getkeysandflags", -4, "loading stale", "@connection", "7.0.0",
              "Extract keys and access flags given a full Redis command",
              "O(N) where N is the number of arguments to the command"),
           _c("help", 2, "loading stale", "@connection", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("info", -2, "loading stale", "@connection", "2.8.13",
              "Get array of specific Redis command details, or all when no argument is given.",
              "O(N) where N is the number of commands to look up",
              tips="nondeterministic_output_order",
              hist=[
                  ("7.0.0", "Allowed to be called with no argument to get info on all commands."),
              ],
              args="?*command-name:string"),
           _c("list", -2, "loading stale", "@connection", "7.0.0",
              "Get an array of Redis command names",
              "O(N) where N is the total number of Redis commands",
              tips="nondeterministic_output_order",
              args="?FILTERBY=filterby:oneof(MODULE=module-name:string ACLCAT=category:string "
                   "PATTERN=pattern:pattern)"),
       ]),
    _c("config", -2, "", "", "2.0.0",
       "A container for server configuration commands", "Depends on subcommand.",
       subs=[
           _c("get", -3, "admin noscript loading stale", "", "2.0.0",
              "Get the values of configuration parameters",
              "O(N) when N is the number of configuration parameters provided",
              hist=[
                  ("7.0.0", "Added the ability to pass multiple pattern parameters in one call"),
              ],
              args="*parameter:block(parameter:string)"),
           _c("help", 2, "loading stale", "", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("resetstat", 2, "admin noscript loading stale", "", "2.0.0",
              "Reset the stats returned by INFO", "O(1)"),
           _c("rewrite", 2, "admin noscript loading stale", "", "2.8.0",
              "Rewrite the configuration file with the in memory configuration", "O(1)"),
           _c("set", -4, "admin noscript loading stale", "", "2.0.0",
              "Set configuration parameters to the given values",
              "O(N) when N is the number of configuration parameters provided",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              hist=[
                  ("7.0.0", "Added the ability to set multiple parameters in one call."),
              ],
              args="*parameter_value:block(parameter:string value:string)"),
       ]),
    _c("dbsize", 1, "readonly fast", "@keyspace", "1.0.0",
       "Return the number of keys in the selected database", "O(1)",
       tips="request_policy:all_shards response_policy:agg_sum"),
    _c("debug", -2, "admin noscript loading stale", "", "1.0.0",
       "A container for debugging commands", "Depends on subcommand.",
       doc="syscmd"),
    _c("failover", -1, "admin noscript stale", "", "6.2.0",
       "Start a coordinated failover between this server and one of its replicas.", "O(1)",
       args="?TO=target:block(host:string port:integer ?FORCE) ?ABORT "
            "?TIMEOUT=milliseconds:integer"),
    _c("flushall", -1, "write", "@keyspace @dangerous", "1.0.0",
       "Remove all keys from all databases",
       "O(N) where N is the total number of keys in all databases",
       tips="request_policy:all_shards response_policy:all_succeeded",
       hist=[
           ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
           ("6.2.0", "Added the `SYNC` flushing mode modifier."),
       ],
       args="?async:oneof(ASYNC@4.0.0 SYNC@6.2.0)"),
    _c("flushdb", -1, "write", "@keyspace @dangerous", "1.0.0",
       "Remove all keys from the current database",
       "O(N) where N is the number of keys in the selected database",
       tips="request_policy:all_shards response_policy:all_succeeded",
       hist=[
           ("4.0.0", "Added the `ASYNC` flushing mode modifier."),
           ("6.2.0", "Added the `SYNC` flushing mode modifier."),
       ],
       args="?async:oneof(ASYNC@4.0.0 SYNC@6.2.0)"),
    _c("info", -1, "loading stale", "@dangerous", "1.0.0",
       "Get information and statistics about the server", "O(1)",
       tips="nondeterministic_output request_policy:all_shards response_policy:special",
       hist=[
           ("7.0.0", "Added support for taking multiple section arguments."),
       ],
       args="?*section:string"),
    _c("lastsave", 1, "loading stale fast", "@admin @dangerous", "1.0.0",
       "Get the UNIX time stamp of the last successful save to disk", "O(1)",
       tips="nondeterministic_output"),
    _c("latency", -2, "", "", "2.8.13",
       "A container for latency diagnostics commands", "Depends on subcommand.",
       subs=[
           _c("doctor", 2, "admin noscript loading stale", "", "2.8.13",
              "Return a human readable latency analysis report.", "O(1)",
              tips="nondeterministic_output request_policy:all_nodes response_policy:special"),
           _c("graph", 3, "admin noscript loading stale", "", "2.8.13",
              "Return a latency graph for the event.", "O(1)",
              tips="nondeterministic_output request_policy:all_nodes response_policy:special",
              args="event:string"),
           _c("help", 2, "loading stale", "", "2.8.13",
              "Show helpful text about the different subcommands.", "O(1)"),
           _c("histogram", -2, "admin noscript loading stale", "", "7.0.0",
              "Return the cumulative distribution of latencies of a subset of commands or all.",
              "O(N) where N is the number of commands with latency information being retrieved.",
              tips="nondeterministic_output request_policy:all_nodes response_policy:special",
              args="?*command:string"),
           _c("history", 3, "admin noscript loading stale", "", "2.8.13",
              "Return timestamp-latency samples for the event.", "O(1)",
              tips="nondeterministic_output request_policy:all_nodes response_policy:special",
              args="event:string"),
           _c("latest", 2, "admin noscript loading stale", "", "2.8.13",
              "Return the latest latency samples for all events.", "O(1)",
              tips="nondeterministic_output request_policy:all_nodes response_policy:special"),
           _c("reset", -2, "admin noscript loading stale", "", "2.8.13",
              "Reset latency data for one or more events.", "O(1)",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              args="?*event:string"),
       ]),
    _c("lolwut", -1, "readonly fast", "", "5.0.0",
       "Display some computer art and the Redis version",
       args="?VERSION=version:integer"),
    _c("memory", -2, "", "", "4.0.0",
       "A container for memory diagnostics commands", "Depends on subcommand.",
       subs=[
           _c("doctor", 2, "", "", "4.0.0",
              "Outputs memory problems report", "O(1)",
              tips="nondeterministic_output request_policy:all_shards response_policy:special"),
           _c("help", 2, "loading stale", "", "4.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("malloc-stats", 2, "", "", "4.0.0",
              "Show allocator internal stats",
              "Depends on how much memory is allocated, could be slow",
              tips="nondeterministic_output request_policy:all_shards response_policy:special"),
           _c("purge", 2, "", "", "4.0.0",
              "Ask the allocator to release memory",
              "Depends on how much memory is allocated, could be slow",
              tips="request_policy:all_shards response_policy:all_succeeded"),
           _c("stats", 2, "", "", "4.0.0",
              "Show memory usage details", "O(1)",
              tips="nondeterministic_output request_policy:all_shards response_policy:special"),
           _c("usage", -3, "readonly", "", "4.0.0",
              "Estimate the memory usage of a key", "O(N) where N is the number of samples.",
              keys=["RO|index 2|range 0 1 0"],
              args="key:key#0 ?SAMPLES=count:integer"),
       ]),
    _c("module", -2, "", "", "4.0.0",
       "A container for module commands", "Depends on subcommand.",
       subs=[
           _c("help", 2, "loading stale", "", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("list", 2, "admin noscript", "", "4.0.0",
              "List all modules loaded by the server",
              "O(N) where N is the number of loaded modules.",
              tips="nondeterministic_output_order"),
           _c("load", -3, "admin noscript no_async_loading", "", "4.0.0",
              "Load a module", "O(1)",
              args="path:string ?*arg:string"),
           _c("loadex", -3, "admin noscript no_async_loading", "", "7.0.0",
              "Load a module with extended parameters", "O(1)",
              args="path:string ?*+CONFIG=configs:block(name:string value:string) "
                   "?*ARGS=args:block(arg:string)"),
           _c("unload", 3, "admin noscript no_async_loading", "", "4.0.0",
              "Unload a module", "O(1)",
              args="name:string"),
       ]),
    _c("monitor", 1, "admin noscript loading stale", "", "1.0.0",
       "Listen for all requests received by the server in real time"),
    _c("psync", -3, "admin noscript no_async_loading no_multi", "", "2.8.0",
       "Internal command used for replication",
       args="replicationid:string offset:integer"),
    _c("replconf", -1, "admin noscript loading stale allow_busy", "", "3.0.0",
       "An internal command for configuring the replication stream", "O(1)",
       doc="syscmd"),
    _c("replicaof", 3, "admin noscript stale no_async_loading", "", "5.0.0",
       "Make the server a replica of another instance, or promote it as master.", "O(1)",
       args="args:oneof(host-port:block(host:string port:integer) no-one:block(NO ONE))"),
    _c("restore-asking", -4, "write denyoom asking", "@keyspace @dangerous", "3.0.0",
       "An internal command for migrating keys in a cluster",
       "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
       "where N is the number of Redis objects composing the value and M their average size. "
       "For small string values the time complexity is thus O(1)+O(1*M) where M is small, so "
       "simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because "
       "inserting values into sorted sets is O(log(N)).",
       keys=["OW update|index 1|range 0 1 0"],
       doc="syscmd",
       hist=[
           ("3.0.0", "Added the `REPLACE` modifier."),
           ("5.0.0", "Added the `ABSTTL` modifier."),
           ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
       ],
       args="key:key#0 ttl:integer serialized-value:string ?REPLACE@3.0.0 ?ABSTTL@5.0.0 "
            "?IDLETIME=seconds:integer@5.0.0 ?FREQ=frequency:integer@5.0.0"),
    _c("role", 1, "noscript loading stale fast", "@admin @dangerous", "2.8.12",
       "Return the role of the instance in the context of replication", "O(1)"),
    _c("save", 1, "admin noscript no_async_loading no_multi", "", "1.0.0",
       "Synchronously save the dataset to disk",
       "O(N) where N is the total number of keys in all databases"),
    _c("shutdown", -1, "admin noscript loading stale no_multi allow_busy", "", "1.0.0",
       "Synchronously save the dataset to disk and then shut down the server",
       "O(N) when saving, where N is the total number of keys in all databases when saving "
       "data, otherwise O(1)",
       hist=[
           ("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."),
       ],
       args="?nosave_save:oneof(NOSAVE SAVE) ?NOW@7.0.0 ?FORCE@7.0.0 ?ABORT@7.0.0"),
    _c("slaveof", 3, "admin noscript stale no_async_loading", "", "1.0.0",
       "Make the server a replica of another instance, or promote it as master.", "O(1)",
       doc="deprecated",
       dep="5.0.0", by="`REPLICAOF`",
       args="args:oneof(host-port:block(host:string port:integer) no-one:block(NO ONE))"),
    _c("slowlog", -2, "", "", "2.2.12",
       "A container for slow log commands", "Depends on subcommand.",
       subs=[
           _c("get", -2, "admin loading stale", "", "2.2.12",
              "Get the slow log's entries", "O(N) where N is the number of entries returned",
              tips="request_policy:all_nodes nondeterministic_output",
              hist=[
                  ("4.0.0", "Added client IP address, port and name to the reply."),
              ],
              args="?count:integer"),
           _c("help", 2, "loading stale", "", "6.2.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("len", 2, "admin loading stale", "", "2.2.12",
              "Get the slow log's length", "O(1)",
              tips="request_policy:all_nodes response_policy:agg_sum nondeterministic_output"),
           _c("reset", 2, "admin loading stale", "", "2.2.12",
              "Clear all entries from the slow log",
              "O(N) where N is the number of entries in the slowlog",
              tips="request_policy:all_nodes response_policy:all_succeeded"),
       ]),
    _c("swapdb", 3, "write fast", "@keyspace @dangerous", "4.0.0",
       "Swaps two Redis databases",
       "O(N) where N is the count of clients watching or blocking on keys from both databases.",
       args="index1:integer index2:integer"),
    _c("sync", 1, "admin noscript no_async_loading no_multi", "", "1.0.0",
       "Internal command used for replication"),
    _c("time", 1, "loading stale fast", "", "2.6.0",
       "Return the current server time", "O(1)",
       tips="nondeterministic_output"),
]

_TABLE["scripting"] = [
    _c("eval", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "2.6.0",
       "Execute a Lua script server side", "Depends on the script that is executed.",
       keys=[
           "RW access update|index 2|keynum 0 1 1|We cannot tell how the keys will be used so "
           "we assume the worst, RW and UPDATE",
       ],
       args="script:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Execute a read-only Lua script server side", "Depends on the script that is executed.",
       keys=[
           "RO access|index 2|keynum 0 1 1|We cannot tell how the keys will be used so we "
           "assume the worst, RO and ACCESS",
       ],
       args="script:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("evalsha", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "2.6.0",
       "Execute a Lua script server side", "Depends on the script that is executed.",
       keys=["RW access update|index 2|keynum 0 1 1"],
       args="sha1:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Execute a read-only Lua script server side", "Depends on the script that is executed.",
       keys=["RO access|index 2|keynum 0 1 1"],
       args="sha1:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("fcall", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "7.0.0",
       "Invoke a function", "Depends on the function that is executed.",
       keys=[
           "RW access update|index 2|keynum 0 1 1|We cannot tell how the keys will be used so "
           "we assume the worst, RW and UPDATE",
       ],
       args="function:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Invoke a read-only function", "Depends on the function that is executed.",
       keys=[
           "RO access|index 2|keynum 0 1 1|We cannot tell how the keys will be used so we "
           "assume the worst, RO and ACCESS",
       ],
       args="function:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("function", -2, "", "", "7.0.0",
       "A container for function commands", "Depends on subcommand.",
       subs=[
           _c("delete", 3, "write noscript", "@scripting", "7.0.0",
              "Delete a function by name", "O(1)",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="library-name:string"),
           _c("dump", 2, "noscript", "@scripting", "7.0.0",
              "Dump all functions into a serialized binary payload",
              "O(N) where N is the number of functions"),
           _c("flush", -2, "write noscript", "@scripting", "7.0.0",
              "Deleting all functions", "O(N) where N is the number of functions deleted",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="?async:oneof(ASYNC SYNC)"),
           _c("help", 2, "loading stale", "@scripting", "7.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("kill", 2, "noscript allow_busy", "@scripting", "7.0.0",
              "Kill the function currently in execution.", "O(1)",
              tips="request_policy:all_shards response_policy:one_succeeded"),
           _c("list", -2, "noscript", "@scripting", "7.0.0",
              "List information about all the functions",
              "O(N) where N is the number of functions",
              tips="nondeterministic_output_order",
              args="?LIBRARYNAME=library-name-pattern:string ?WITHCODE"),
           _c("load", -3, "write denyoom noscript", "@scripting", "7.0.0",
              "Create a function with the given arguments (name, code, description)",
              "O(1) (considering compilation time is redundant)",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="?REPLACE function-code:string"),
           _c("restore", -3, "write denyoom noscript", "@scripting", "7.0.0",
              "Restore all the functions on the given payload",
              "O(N) where N is the number of functions on the payload",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="serialized-value:string ?policy:oneof(FLUSH APPEND REPLACE)"),
           _c("stats", 2, "noscript allow_busy", "@scripting", "7.0.0",
              "Return information about the function currently running (name, description, "
              "duration)",
              "O(1)",
              tips="nondeterministic_output request_policy:all_shards response_policy:special"),
       ]),
    _c("script", -2, "", "", "2.6.0",
       "A container for Lua scripts management commands", "Depends on subcommand.",
       subs=[
           _c("debug", 3, "noscript", "@scripting", "3.2.0",
              "Set the debug mode for executed scripts.", "O(1)",
              args="mode:oneof(YES SYNC NO)"),
           _c("exists", -3, "noscript", "@scripting", "2.6.0",
              "Check existence of scripts in the script cache.",
              "O(N) with N being the number of scripts to check (so checking a single script is "
              "an O(1) operation).",
              tips="request_policy:all_shards response_policy:agg_logical_and",
              args="*sha1:string"),
           _c("flush", -2, "noscript", "@scripting", "2.6.0",
              "Remove all the scripts from the script cache.",
              "O(N) with N being the number of scripts in cache",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              hist=[
                  ("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."),
              ],
              args="?async:oneof@6.2.0(ASYNC SYNC)"),
           _c("help", 2, "loading stale", "@scripting", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("kill", 2, "noscript allow_busy", "@scripting", "2.6.0",
              "Kill the script currently in execution.", "O(1)",
              tips="request_policy:all_shards response_policy:one_succeeded"),
           _c("load", 3, "noscript stale", "@scripting", "2.6.0",
              "Load the specified Lua script into the script cache.",
              "O(N) with N being the length in bytes of the script body.",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              args="script:string"),
       ]),
]

_TABLE["hyperloglog"] = [
    _c("pfadd", -2, "write denyoom fast", "@hyperloglog", "2.8.9",
       "Adds the specified elements to the specified HyperLogLog.",
       "O(1) to add every element.",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 ?*element:string"),
    _c("pfcount", -2, "readonly may_replicate", "@hyperloglog", "2.8.9",
       "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
       "key(s).",
       "O(1) with a very small average constant time when called with a single key. O(N) with N "
       "being the number of keys, and much bigger constant times, when called with multiple "
       "keys.",
       keys=[
           "RW access|index 1|range -1 1 0|RW because it may change the internal representation "
           "of the key, and propagate to replicas",
       ],
       args="*key:key#0"),
    _c("pfdebug", 3, "write denyoom admin", "@hyperloglog", "2.8.9",
       "Internal commands for debugging HyperLogLog values", "N/A",
       keys=["RW access|index 2|range 0 1 0"],
       doc="syscmd",
       args="subcommand:string key:key#0"),
    _c("pfmerge", -2, "write denyoom", "@hyperloglog", "2.8.9",
       "Merge N different HyperLogLogs into a single one.",
       "O(N) to merge N HyperLogLogs, but with high constant times.",
       keys=["RW access insert|index 1|range 0 1 0", "RO access|index 2|range -1 1 0"],
       args="destkey:key#0 *sourcekey:key#1"),
    _c("pfselftest", 1, "admin", "@hyperloglog", "2.8.9",
       "An internal command for testing HyperLogLog values", "N/A",
       doc="syscmd"),
]

_TABLE["cluster"] = [
    _c("asking", 1, "fast", "@connection", "3.0.0",
       "Sent by cluster clients after an -ASK redirect", "O(1)"),
    _c("cluster", -2, "", "", "3.0.0",
       "A container for cluster commands", "Depends on subcommand.",
       subs=[
           _c("addslots", -3, "admin stale no_async_loading", "", "3.0.0",
              "Assign new hash slots to receiving node",
              "O(N) where N is the total number of hash slot arguments",
              args="*slot:integer"),
           _c("addslotsrange", -4, "admin stale no_async_loading", "", "7.0.0",
              "Assign new hash slots to receiving node",
              "O(N) where N is the total number of the slots between the start slot and end "
              "slot arguments.",
              args="*start-slot_end-slot:block(start-slot:integer end-slot:integer)"),
           _c("bumpepoch", 2, "admin stale no_async_loading", "", "3.0.0",
              "Advance the cluster config epoch", "O(1)",
              tips="nondeterministic_output"),
           _c("count-failure-reports", 3, "admin stale", "", "3.0.0",
              "Return the number of failure reports active for a given node",
              "O(N) where N is the number of failure reports",
              tips="nondeterministic_output",
              args="node-id:string"),
           _c("countkeysinslot", 3, "stale", "", "3.0.0",
              "Return the number of local keys in the specified hash slot", "O(1)",
              args="slot:integer"),
           _c("delslots", -3, "admin stale no_async_loading", "", "3.0.0",
              "Set hash slots as unbound in receiving node",
              "O(N) where N is the total number of hash slot arguments",
              args="*slot:integer"),
           _c("delslotsrange", -4, "admin stale no_async_loading", "", "7.0.0",
              "Set hash slots as unbound in receiving node",
              "O(N) where N is the total number of the slots between the start slot and end "
              "slot arguments.",
              args="*start-slot_end-slot:block(start-slot:integer end-slot:integer)"),
           _c("failover", -2, "admin stale no_async_loading", "", "3.0.0",
              "Forces a replica to perform a manual failover of its master.", "O(1)",
              args="?options:oneof(FORCE TAKEOVER)"),
           _c("flushslots", 2, "admin stale no_async_loading", "", "3.0.0",
              "Delete a node's own slots information", "O(1)"),
           _c("forget", 3, "admin stale no_async_loading", "", "3.0.0",
              "Remove a node from the nodes table", "O(1)",
              args="node-id:string"),
           _c("getkeysinslot", 4, "stale", "", "3.0.0",
              "Return local key names in the specified hash slot",
              "O(log(N)) where N is the number of requested keys",
              tips="nondeterministic_output",
              args="slot:integer count:integer"),
           _c("help", 2, "loading stale", "", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("info", 2, "stale", "", "3.0.0",
              "Provides info about Redis Cluster node state", "O(1)",
              tips="nondeterministic_output"),
           _c("keyslot", 3, "stale", "", "3.0.0",
              "Returns the hash slot of the specified key",
              "O(N) where N is the number of bytes in the key",
              args="key:string"),
           _c("links", 2, "stale", "", "7.0.0",
              "Returns a list of all TCP links to and from peer nodes in cluster",
              "O(N) where N is the total number of Cluster nodes",
              tips="nondeterministic_output"),
           _c("meet", -4, "admin stale no_async_loading", "", "3.0.0",
              "Force a node cluster to handshake with another node", "O(1)",
              hist=[
                  ("4.0.0", "Added the optional `cluster_bus_port` argument."),
              ],
              args="ip:string port:integer ?cluster_bus_port:integer@4.0.0"),
           _c("myid", 2, "stale", "", "3.0.0",
              "Return the node id", "O(1)"),
           _c("nodes", 2, "stale", "", "3.0.0",
              "Get Cluster config for the node",
              "O(N) where N is the total number of Cluster nodes",
              tips="nondeterministic_output"),
           _c("replicas", 3, "admin stale", "", "5.0.0",
              "List replica nodes of the specified master node", "O(1)",
              tips="nondeterministic_output",
              args="node-id:string"),
           _c("replicate", 3, "admin stale no_async_loading", "", "3.0.0",
              "Reconfigure a node as a replica of the specified master node", "O(1)",
              args="node-id:string"),
           _c("reset", -2, "admin noscript stale", "", "3.0.0",
              "Reset a Redis Cluster node",
              "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as "
              "a side effect.",
              args="?hard_soft:oneof(HARD SOFT)"),
           _c("saveconfig", 2, "admin stale no_async_loading", "", "3.0.0",
              "Forces the node to save cluster state on disk", "O(1)"),
           _c("set-config-epoch", 3, "admin stale no_async_loading", "", "3.0.0",
              "Set the configuration epoch in a new node", "O(1)",
              args="config-epoch:integer"),
           _c("setslot", -4, "admin stale no_async_loading", "", "3.0.0",
              "Bind a hash slot to a specific node", "O(1)",
              args="slot:integer subcommand:oneof(IMPORTING=node-id:string "
                   "MIGRATING=node-id:string NODE=node-id:string STABLE)"),
           _c("shards", 2, "stale", "", "7.0.0",
              "Get array of cluster slots to node mappings",
              "O(N) where N is the total number of cluster nodes",
              tips="nondeterministic_output"),
           _c("slaves", 3, "admin stale", "", "3.0.0",
              "List replica nodes of the specified master node", "O(1)",
              tips="nondeterministic_output",
              doc="deprecated",
              dep="5.0.0", by="`CLUSTER REPLICAS`",
              args="node-id:string"),
           _c("slots", 2, "stale", "", "3.0.0",
              "Get array of Cluster slot to node mappings",
              "O(N) where N is the total number of Cluster nodes",
              tips="nondeterministic_output",
              doc="deprecated",
              dep="7.0.0", by="`CLUSTER SHARDS`",
              hist=[
                  ("4.0.0", "Added node IDs."),
                  ("7.0.0", "Added additional networking metadata field."),
              ]),
       ]),
    _c("readonly", 1, "loading stale fast", "@connection", "3.0.0",
       "Enables read queries for a connection to a cluster replica node", "O(1)"),
    _c("readwrite", 1, "loading stale fast", "@connection", "3.0.0",
       "Disables read queries for a connection to a cluster replica node", "O(1)"),
]

_TABLE["geo"] = [
    _c("geoadd", -5, "write denyoom", "@geo", "3.2.0",
       "Add one or more geospatial items in the geospatial index represented using a sorted set",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `CH`, `NX` and `XX` options."),
       ],
       args="key:key#0 ?condition:oneof@6.2.0(NX XX) ?CH=change:pure-token@6.2.0 "
            "*longitude_latitude_member:block(longitude:double latitude:double member:string)"),
    _c("geodist", -4, "readonly", "@geo", "3.2.0",
       "Returns the distance between two members of a geospatial index", "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member1:string member2:string ?unit:oneof(M KM FT MI)"),
    _c("geohash", -2, "readonly", "@geo", "3.2.0",
       "Returns members of a geospatial index as standard geohash strings",
       "O(log(N)) for each member requested, where N is the number of elements in the sorted "
       "set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("geopos", -2, "readonly", "@geo", "3.2.0",
       "Returns longitude and latitude of members of a geospatial index",
       "O(N) where N is the number of members requested.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("georadius", -6, "write denyoom", "@geo", "3.2.0",
       "Query a sorted set representing a geospatial index to fetch members matching a given "
       "maximum distance from a point",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=[
           "RO access|index 1|range 0 1 0",
           "OW update|keyword STORE 6|range 0 1 0",
           "OW update|keyword STOREDIST 6|range 0 1 0",
       ],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
       hist=[
           ("6.2.0", "Added the `ANY` option for `COUNT`."),
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 longitude:double latitude:double radius:double unit:oneof(M KM FT MI) "
            "?WITHCOORD ?WITHDIST ?WITHHASH ?count:block(COUNT=count:integer ?ANY@6.2.0) "
            "?order:oneof(ASC DESC) ?STORE=key:key#1 ?STOREDIST=key:key#2"),
    _c("georadius_ro", -6, "readonly", "@geo", "3.2.10",
       "A read-only variant for GEORADIUS",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` with the `BYRADIUS` argument",
       hist=[
           ("6.2.0", "Added the `ANY` option for `COUNT`."),
       ],
       args="key:key#0 longitude:double latitude:double radius:double unit:oneof(M KM FT MI) "
            "?WITHCOORD ?WITHDIST ?WITHHASH ?count:block(COUNT=count:integer ?ANY@6.2.0) "
            "?order:oneof(ASC DESC)"),
    _c("georadiusbymember", -5, "write denyoom", "@geo", "3.2.0",
       "Query a sorted set representing a geospatial index to fetch members matching a given "
       "maximum distance from a member",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=[
           "RO access|index 1|range 0 1 0",
           "OW update|keyword STORE 5|range 0 1 0",
           "OW update|keyword STOREDIST 5|range 0 1 0",
       ],
       doc="deprecated",
       dep="6.2.0",
       by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 member:string radius:double unit:oneof(M KM FT MI) ?WITHCOORD ?WITHDIST "
            "?WITHHASH ?count:block(COUNT=count:integer ?ANY) ?order:oneof(ASC DESC) "
            "?STORE=key:key#1 ?STOREDIST=key:key#2"),
    _c("georadiusbymember_ro", -5, "readonly", "@geo", "3.2.10",
       "A read-only variant for GEORADIUSBYMEMBER",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
       args="key:key#0 member:string radius:double unit:oneof(M KM FT MI) ?WITHCOORD ?WITHDIST "
            "?WITHHASH ?count:block(COUNT=count:integer ?ANY) ?order:oneof(ASC DESC)"),
    _c("geosearch", -7, "readonly", "@geo", "6.2.0",
       "Query a sorted set representing a geospatial index to fetch members inside an area of a "
       "box or a circle.",
       "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
       "around the shape provided as the filter and M is the number of items inside the shape",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 from:oneof(FROMMEMBER=member:string "
            "FROMLONLAT=longitude_latitude:block(longitude:double latitude:double)) "
            "by:oneof(circle:block(BYRADIUS=radius:double unit:oneof(M KM FT MI)) "
            "box:block(BYBOX=width:double height:double unit:oneof(M KM FT MI))) "
            "?order:oneof(ASC DESC) ?count:block(COUNT=count:integer ?ANY) ?WITHCOORD ?WITHDIST "
            "?WITHHASH"),
    _c("geosearchstore", -8, "write denyoom", "@geo", "6.2.0",
       "Query a sorted set representing a geospatial index to fetch members inside an area of a "
       "box or a circle, and store the result in another key.",
       "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
       "around the shape provided as the filter and M is the number of items inside the shape",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range 0 1 0"],
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="destination:key#0 source:key#1 from:oneof(FROMMEMBER=member:string "
            "FROMLONLAT=longitude_latitude:block(longitude:double latitude:double)) "
            "by:oneof(circle:block(BYRADIUS=radius:double unit:oneof(M KM FT MI)) "
            "box:block(BYBOX=width:double height:double unit:oneof(M KM FT MI))) "
            "?order:oneof(ASC DESC) ?count:block(COUNT=count:integer ?ANY) ?STOREDIST"),
]

_TABLE["stream"] = [
    _c("xack", -4, "write fast", "@stream", "5.0.0",
       "Marks a pending message as correctly processed, effectively removing it from the "
       "pending entries list of the consumer group. Return value of the command is the number "
       "of messages successfully acknowledged, that is, the IDs we were actually able to "
       "resolve in the PEL.",
       "O(1) for each message ID processed.",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 group:string *id:string"),
    _c("xadd", -5, "write denyoom fast", "@stream", "5.0.0",
       "Appends a new entry to a stream",
       "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
       "evicted.",
       keys=[
           "RW update|index 1|range 0 1 0|UPDATE instead of INSERT because of the optional "
           "trimming feature",
       ],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0",
            "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
           ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
       ],
       args="key:key#0 ?NOMKSTREAM@6.2.0 ?trim:block(strategy:oneof(MAXLEN MINID@6.2.0) "
            "?operator:oneof('='=equal:pure-token '~'=approximately:pure-token) "
            "threshold:string ?LIMIT=count:integer@6.2.0) "
            "id_or_auto:oneof('*'=auto_id:pure-token id:string) *field_value:block(field:string "
            "value:string)"),
    _c("xautoclaim", -6, "write fast", "@stream", "6.2.0",
       "Changes (or acquires) ownership of messages in a consumer group, as if the messages "
       "were delivered to the specified consumer.",
       "O(1) if COUNT is small.",
       keys=["RW delete|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("7.0.0",
            "Added an element to the reply array, containing deleted entries the command "
            "cleared from the PEL"),
       ],
       args="key:key#0 group:string consumer:string min-idle-time:string start:string "
            "?COUNT=count:integer ?JUSTID"),
    _c("xclaim", -6, "write fast", "@stream", "5.0.0",
       "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
       "delivered to the specified consumer.",
       "O(log N) with N being the number of messages in the PEL of the consumer group.",
       keys=["RW update|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 group:string consumer:string min-idle-time:string *id:string "
            "?IDLE=ms:integer ?TIME=unix-time-milliseconds:unix-time ?RETRYCOUNT=count:integer "
            "?FORCE ?JUSTID ?LASTID=id:string"),
    _c("xdel", -3, "write fast", "@stream", "5.0.0",
       "Removes the specified entries from the stream. Returns the number of items actually "
       "deleted, that may be different from the number of IDs passed in case certain IDs do not "
       "exist.",
       "O(1) for each single item to delete in the stream, regardless of the stream size.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 *id:string"),
    _c("xgroup", -2, "", "", "5.0.0",
       "A container for consumer groups commands", "Depends on subcommand.",
       subs=[
           _c("create", -5, "write denyoom", "@stream", "5.0.0",
              "Create a consumer group.", "O(1)",
              keys=["RW insert|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the `entries_read` named argument."),
              ],
              args="key:key#0 groupname:string id:oneof(id:string '$'=new_id:pure-token) "
                   "?MKSTREAM ?ENTRIESREAD=entries_read:integer"),
           _c("createconsumer", 5, "write denyoom", "@stream", "6.2.0",
              "Create a consumer in a consumer group.", "O(1)",
              keys=["RW insert|index 2|range 0 1 0"],
              args="key:key#0 groupname:string consumername:string"),
           _c("delconsumer", 5, "write", "@stream", "5.0.0",
              "Delete a consumer from a consumer group.", "O(1)",
              keys=["RW delete|index 2|range 0 1 0"],
              args="key:key#0 groupname:string consumername:string"),
           _c("destroy", 4, "write", "@stream", "5.0.0",
              "Destroy a consumer group.",
              "O(N) where N is the number of entries in the group's pending entries list (PEL).",
              keys=["RW delete|index 2|range 0 1 0"],
              args="key:key#0 groupname:string"),
           _c("help", 2, "loading stale", "@stream", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("setid", -5, "write", "@stream", "5.0.0",
              "Set a consumer group to an arbitrary last delivered ID value.", "O(1)",
              keys=["RW update|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the optional `entries_read` argument."),
              ],
              args="key:key#0 groupname:string id:oneof(id:string '$'=new_id:pure-token) "
                   "?ENTRIESREAD=entries_read:integer"),
       ]),
    _c("xinfo", -2, "", "", "5.0.0",
       "A container for stream introspection commands", "Depends on subcommand.",
       subs=[
           _c("consumers", 4, "readonly", "@stream", "5.0.0",
              "List the consumers in a consumer group", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0 groupname:string"),
           _c("groups", 3, "readonly", "@stream", "5.0.0",
              "List the consumer groups of a stream", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the `entries-read` and `lag` fields"),
              ],
              args="key:key#0"),
           _c("help", 2, "loading stale", "@stream", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("stream", -3, "readonly", "@stream", "5.0.0",
              "Get information about a stream", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              hist=[
                  ("6.0.0", "Added the `FULL` modifier."),
                  ("7.0.0",
                   "Added the `max-deleted-entry-id`, `entries-added`, "
                   "`recorded-first-entry-id`, `entries-read` and `lag` fields"),
              ],
              args="key:key#0 ?FULL=full:block(?COUNT=count:integer)"),
       ]),
    _c("xlen", 2, "readonly fast", "@stream", "5.0.0",
       "Return the number of entries in a stream", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("xpending", -3, "readonly", "@stream", "5.0.0",
       "Return information and entries from a stream consumer group pending entries list, that "
       "are messages fetched but never acknowledged.",
       "O(N) with N being the number of elements returned, so asking for a small fixed number "
       "of entries per call is O(1). O(M), where M is the total number of entries scanned when "
       "used with the IDLE filter. When the command returns just the summary and the list of "
       "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
       "iterating every consumer.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0", "Added the `IDLE` option and exclusive range intervals."),
       ],
       args="key:key#0 group:string ?filters:block(?IDLE=min-idle-time:integer@6.2.0 "
            "start:string end:string count:integer ?consumer:string)"),
    _c("xrange", -4, "readonly", "@stream", "5.0.0",
       "Return a range of elements in a stream, with IDs matching the specified IDs interval",
       "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
       "asking for the first 10 elements with COUNT), you can consider it O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added exclusive ranges."),
       ],
       args="key:key#0 start:string end:string ?COUNT=count:integer"),
    _c("xread", -4, "readonly blocking", "@stream", "5.0.0",
       "Return never seen elements in multiple streams, with IDs greater than the ones reported "
       "by the caller for each stream. Can block.",
       "For each stream mentioned: O(N) with N being the number of elements being returned, it "
       "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is "
       "used, XADD will pay O(M) time in order to serve the M clients blocked on the stream "
       "getting new data.",
       keys=["RO access|keyword STREAMS 1|range -1 1 2"],
       args="?COUNT=count:integer ?BLOCK=milliseconds:integer STREAMS=streams:block(*key:key#0 "
            "*id:string)"),
    _c("xreadgroup", -7, "write blocking", "@stream", "5.0.0",
       "Return new entries from a stream using a consumer group, or access the history of the "
       "pending entries for a given consumer. Can block.",
       "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
       "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
       "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
       "serve the N clients blocked on the stream getting new data.",
       keys=["RO access|keyword STREAMS 4|range -1 1 2"],
       args="GROUP=group_consumer:block(group:string consumer:string) ?COUNT=count:integer "
            "?BLOCK=milliseconds:integer ?NOACK STREAMS=streams:block(*key:key#0 *id:string)"),
    _c("xrevrange", -4, "readonly", "@stream", "5.0.0",
       "Return a range of elements in a stream, with IDs matching the specified IDs interval, "
       "in reverse order (from greater to smaller IDs) compared to XRANGE",
       "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
       "for the first 10 elements with COUNT), you can consider it O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added exclusive ranges."),
       ],
       args="key:key#0 end:string start:string ?COUNT=count:integer"),
    _c("xsetid", -3, "write denyoom fast", "@stream", "5.0.0",
       "An internal command for replicating stream values", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."),
       ],
       args="key:key#0 last-id:string ?ENTRIESADDED=entries_added:integer@7.0.0 "
            "?MAXDELETEDID=max_deleted_entry_id:string@7.0.0"),
    _c("xtrim", -4, "write", "@stream", "5.0.0",
       "Trims the stream to (approximately if '~' is passed) a certain size",
       "O(N), with N being the number of evicted entries. Constant times are very small "
       "however, since entries are organized in macro nodes containing multiple entries that "
       "can be released with a single deallocation.",
       keys=["RW delete|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."),
       ],
       args="key:key#0 trim:block(strategy:oneof(MAXLEN MINID@6.2.0) "
            "?operator:oneof('='=equal:pure-token '~'=approximately:pure-token) "
            "threshold:string ?LIMIT=count:integer@6.2.0)"),
]

_TABLE["bitmap"] = [
    _c("bitcount", -2, "readonly", "@bitmap", "2.6.0",
       "Count set bits in a string", "O(N)",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added the `BYTE|BIT` option."),
       ],
       args="key:key#0 ?index:block(start:integer end:integer ?index_unit:oneof@7.0.0(BYTE "
            "BIT))"),
    _c("bitfield", -2, "write denyoom", "@bitmap", "3.2.0",
       "Perform arbitrary bitfield integer operations on strings",
       "O(1) for each subcommand specified",
       keys=[
           "RW access update variable_flags|index 1|range 0 1 0|This command allows both access "
           "and modification of the key",
       ],
       args="key:key#0 ?*operation:oneof(GET=encoding_offset:block(encoding:string "
            "offset:integer) write:block(?OVERFLOW=wrap_sat_fail:oneof(WRAP SAT FAIL) "
            "write_operation:oneof(SET=encoding_offset_value:block(encoding:string "
            "offset:integer value:integer) "
            "INCRBY=encoding_offset_increment:block(encoding:string offset:integer "
            "increment:integer))))"),
    _c("bitfield_ro", -2, "readonly fast", "@bitmap", "6.0.0",
       "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
       "O(1) for each subcommand specified",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 ?*+GET=encoding_offset:block(encoding:string offset:integer)"),
    _c("bitop", -4, "write denyoom", "@bitmap", "2.6.0",
       "Perform bitwise operations between strings", "O(N)",
       keys=["OW update|index 2|range 0 1 0", "RO access|index 3|range -1 1 0"],
       args="operation:string destkey:key#0 *key:key#1"),
    _c("bitpos", -3, "readonly", "@bitmap", "2.8.7",
       "Find first bit set or clear in a string", "O(N)",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added the `BYTE|BIT` option."),
       ],
       args="key:key#0 bit:integer ?index:block(start:integer ?end_index:block(end:integer "
            "?index_unit:oneof@7.0.0(BYTE BIT)))"),
    _c("getbit", 3, "readonly fast", "@bitmap", "2.2.0",
       "Returns the bit value at offset in the string value stored at key", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 offset:integer"),
    _c("setbit", 4, "write denyoom", "@bitmap", "2.2.0",
       "Sets or clears the bit at offset in the string value stored at key", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 offset:integer value:integer"),
]


def _build():
    specs = {}
    for group, rows in _TABLE.items():
        for spec in rows:
            spec.group = group
            spec.getkeys_proc = GETKEYS_PROCS.get(spec.name)
            for sub in spec.subcommands.values():
                sub.group = group
            specs[spec.name] = spec
    return specs


SPECS = _build()
del _TABLE
