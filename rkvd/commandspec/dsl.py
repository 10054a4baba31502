"""The row language of the command table (one `_c` row per Redis 7.0.15 command).

Each row gives what COMMAND INFO and COMMAND DOCS report (arity, flags, ACL
categories, key specs, tips, docs text, argument tree). The rows themselves
live in one module per command group (generic.py, string.py, ...).

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
"""

from ..replytypes import RespMap, RespSet

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
