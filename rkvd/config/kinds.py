"""Parameter kinds: how each sort of value is parsed, checked, stored, printed
for CONFIG GET and written by CONFIG REWRITE, byte for byte as redis-server
7.0.15 does (bounds, units, error texts).

Values are Python objects: bool, int, str (None for the string parameters that
Redis keeps as NULL when empty), an enum's canonical name, or a richer object
for the special parameters (the ``Special`` subclasses).
"""

import errno
import os

from rkvd.strutil import memtoull, string2d, string2ll, strtoll, to_int32

from .errors import Invalid
from .text import _fmt_percentile, _lower, _s, format_memory, notify_flags_from_string, notify_flags_to_string, quote

# Parameter flags (what the Redis table calls *_CONFIG).
IMMUTABLE = 1 << 0      # CONFIG SET refuses it
SENSITIVE = 1 << 1      # the value must be redacted from logs/slowlog/monitor
DEBUG = 1 << 2          # listed in the crash report's config dump
MULTI_ARG = 1 << 3      # takes several arguments
HIDDEN = 1 << 4         # CONFIG GET with a pattern skips it
PROTECTED = 1 << 5      # settable only as enable-protected-configs allows
DENY_LOADING = 1 << 6   # CONFIG SET refuses it while loading the dataset
VOLATILE = 1 << 9       # a set always counts as a change (files re-read on apply)

# Numeric flags.
MEMORY = 1 << 0         # accepts 1gb/100mb/...; printed as a byte count
PERCENT = 1 << 1        # accepts N%, stored as -N
OCTAL = 1 << 2          # parsed and printed in base 8

# Limits of the C types behind the numeric parameters.
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1
UINT_MAX = (1 << 32) - 1
LLONG_MIN, LLONG_MAX = -(1 << 63), (1 << 63) - 1
LONG_MAX = SSIZE_MAX = LLONG_MAX
ULLONG_MAX = (1 << 64) - 1


def _to_signed64(v):
    v &= ULLONG_MAX
    return v - (1 << 64) if v > LLONG_MAX else v


BINDADDR_MAX = 16
DEFAULT_BIND = ("*", "-::*")
CLIENT_CLASSES = ("normal", "slave", "pubsub")
_COB_DEFAULTS = {
    "normal": (0, 0, 0),
    "slave": (256 * 1024 * 1024, 64 * 1024 * 1024, 60),
    "pubsub": (32 * 1024 * 1024, 8 * 1024 * 1024, 60),
}
_OOM_DEFAULTS = (0, 200, 800)


# ---------------------------------------------------------------------------
# Directives whose feature rkvd does not have yet
# ---------------------------------------------------------------------------

class NotBuilt:
    """What a directive waits for, and what setting it would mean meanwhile.

    `feature` names the missing piece of rkvd, `consequence` says what a value
    that needs it would (not) do.  A refusing declaration rejects such a value
    as invalid (a fatal config error at start-up, a CONFIG SET failure): it
    would promise durability, a bound or a listener that does not hold.  A
    warning one stores the value and has it logged at start-up and on CONFIG
    SET.  `active(value)` tells the values that need the feature (default: any
    value but the parameter's default).
    """

    def __init__(self, feature, consequence, refuse, active=None):
        self.feature = feature
        self.consequence = consequence
        self.refuse = refuse
        self.active = active

    def reason(self):
        return "%s is not built in rkvd yet: %s" % (self.feature, self.consequence)

    def warning(self, directive):
        return "WARNING: '%s' has no effect. %s." % (directive, self.reason())


def refuse(feature, consequence, active=None):
    return NotBuilt(feature, consequence, True, active)


def warn(feature, consequence, active=None):
    return NotBuilt(feature, consequence, False, active)


# ---------------------------------------------------------------------------
# What the shell reads from a parameter
# ---------------------------------------------------------------------------

class EngineField:
    """The engine attribute(s) a parameter's value is pushed to.

    `convert(value)` turns the typed value into what the field holds; with
    several fields it returns one value per field, in order.
    """

    def __init__(self, *fields, convert=None):
        if not fields or (len(fields) > 1 and convert is None):
            raise ValueError("EngineField needs a field, and a convert for several")
        self.fields = fields
        self.convert = convert

    def values(self, value):
        """[(field, engine value)] for a typed parameter value."""
        v = self.convert(value) if self.convert is not None else value
        if len(self.fields) == 1:
            return [(self.fields[0], v)]
        v = tuple(v)
        if len(v) != len(self.fields):
            raise ValueError("%d values for engine fields %s" % (len(v), self.fields))
        return list(zip(self.fields, v))

    def __repr__(self):
        return "<EngineField %s>" % ", ".join(self.fields)


# ---------------------------------------------------------------------------
# Parameter types
# ---------------------------------------------------------------------------

class Param:
    """One row of the registry.  Subclasses know how to set, print and rewrite.

    Every row may declare, besides its name, `alias` and `flags`:
    `check(cfg, value)`: a validator raising Invalid.  `apply(cfg)`: a hook
    CONFIG SET runs after changing the value (it may raise ConfigError to
    roll the change back).  `not_built`: a NotBuilt declaration when the
    feature behind the parameter is missing.  `engine`: the engine field(s)
    that hold the value (a field name or an EngineField); the server pushes
    the value there at start-up and after every CONFIG SET that changes it.
    `shell`: the name of a server hook to run after CONFIG SET changes the
    value (the server supplies one function per name when it attaches).
    """

    def __init__(self, name, *, alias=None, flags=0, check=None, apply=None, not_built=None,
                 engine=None, shell=None):
        self.name = name
        self.alias = alias
        self.flags = flags
        self.check = check          # check(cfg, value) -> None or raises Invalid
        self.apply = apply          # built-in apply hook, fn(cfg)
        self.not_built = not_built  # NotBuilt, or None when the feature exists
        self.engine = EngineField(engine) if isinstance(engine, str) else engine
        self.shell = shell

    def default(self):
        raise NotImplementedError

    def set(self, cfg, args):
        """Set from argument strings; returns True if the value changed."""
        raise NotImplementedError

    def get(self, cfg):
        raise NotImplementedError

    def rewrite(self, cfg, state):
        raise NotImplementedError

    def needs_missing_feature(self, value):
        """True if `value` needs the feature this parameter's NotBuilt names."""
        nb = self.not_built
        if nb is None:
            return False
        return nb.active(value) if nb.active else value != self.default()

    def _admit(self, cfg, value):
        """Reject a value that needs a missing feature whose declaration refuses."""
        if (self.not_built is not None and self.not_built.refuse and not cfg.accept_unbuilt
                and self.needs_missing_feature(value)):
            raise Invalid(self.not_built.reason())

    def _store(self, cfg, value):
        self._admit(cfg, value)
        changed = cfg._values[self.name] != value
        cfg._values[self.name] = value
        return changed or bool(self.flags & VOLATILE)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)


class Bool(Param):
    def __init__(self, name, default, **row):
        super().__init__(name, **row)
        self.default_value = bool(default)

    def default(self):
        return self.default_value

    def set(self, cfg, args):
        v = _lower(args[0])
        if v not in ("yes", "no"):
            raise Invalid("argument must be 'yes' or 'no'")
        v = v == "yes"
        if self.check:
            self.check(cfg, v)
        return self._store(cfg, v)

    def get(self, cfg):
        return "yes" if cfg._values[self.name] else "no"

    def rewrite(self, cfg, state):
        v = cfg._values[self.name]
        state.rewrite_line(self.name, "%s %s" % (self.name, "yes" if v else "no"),
                           v != self.default_value)


class String(Param):
    """A string; with empty_is_null an empty value is stored (and rewritten) as None."""

    def __init__(self, name, default, empty_is_null=False, **row):
        super().__init__(name, **row)
        self.default_value = default
        self.empty_is_null = empty_is_null

    def default(self):
        return self.default_value

    def set(self, cfg, args):
        v = args[0]
        if self.check:
            self.check(cfg, v)
        if self.empty_is_null and v == "":
            v = None
        return self._store(cfg, v)

    def get(self, cfg):
        return cfg._values[self.name] or ""

    def rewrite(self, cfg, state):
        v = cfg._values[self.name]
        if v is None:
            state.mark(self.name)
            return
        force = not (self.default_value is not None and v == self.default_value)
        state.rewrite_line(self.name, self.name + " " + _s(quote(v)), force)


class Enum(Param):
    """A choice among names.  With MULTI_ARG the names are bit flags that combine."""

    def __init__(self, name, choices, default, **row):
        super().__init__(name, **row)
        self.choices = choices      # [(name, code)], in Redis's order
        self.default_code = default if isinstance(default, int) else dict(choices)[default]

    @property
    def multi(self):
        return bool(self.flags & MULTI_ARG)

    def names(self, code):
        """The canonical text for a code (first exact match, else the flags)."""
        for nm, c in self.choices:
            if c == code:
                return nm
        if not self.multi:
            return "unknown"
        out, left = [], code
        for nm, c in self.choices:
            if c and c == left & c:
                out.append(nm)
                left &= ~c
        return " ".join(out) if out and not left else "unknown"

    def typed(self, code):
        if self.multi:
            return frozenset(nm for nm, c in self.choices if c and code & c == c)
        return self.names(code)

    def code_of(self, value):
        if isinstance(value, int):
            return value
        if self.multi:
            code = 0
            for nm, c in self.choices:
                if nm in value:
                    code |= c
            return code
        return dict(self.choices)[value]

    def default(self):
        return self.typed(self.default_code)

    def set(self, cfg, args):
        if not args or (not self.multi and len(args) != 1):
            self._fail()
        code = 0
        table = self.choices
        for a in args:
            a = _lower(a)
            hits = [c for nm, c in table if nm == a]
            if not hits:
                self._fail()
            for c in hits:
                code |= c
        if self.check:
            self.check(cfg, code)
        return self._store(cfg, self.typed(code))

    def _fail(self):
        msg = "argument(s) must be one of the following: " + ", ".join(n for n, _ in self.choices)
        raise Invalid(msg[:255])

    def get(self, cfg):
        return self.names(self.code_of(cfg._values[self.name]))

    def rewrite(self, cfg, state):
        code = self.code_of(cfg._values[self.name])
        state.rewrite_line(self.name, "%s %s" % (self.name, self.names(code)),
                           code != self.default_code)


class Num(Param):
    """An integer with bounds; `unsigned` mirrors Redis's unsigned C storage types
    (their bound check compares as unsigned 64-bit)."""

    def __init__(self, name, lo, hi, default, kind=0, unsigned=False, **row):
        super().__init__(name, **row)
        self.lo, self.hi, self.default_value = lo, hi, default
        self.kind = kind
        self.unsigned = unsigned

    def default(self):
        return self.default_value

    def parse(self, text):
        kind = self.kind
        if kind & MEMORY:
            v = memtoull(text)
            if v is not None:
                return _to_signed64(v)
        if kind & PERCENT and len(text) > 1 and text.endswith("%"):
            v = string2ll(text[:-1])
            if v is not None and v >= 0:
                return -v
        if kind & OCTAL:
            v, rest, overflow = strtoll(text, 8)
            if rest == "" and not overflow:
                return v
        if not kind:
            v = string2ll(text)
            if v is not None:
                return v
        if kind & MEMORY and kind & PERCENT:
            raise Invalid("argument must be a memory or percent value")
        if kind & MEMORY:
            raise Invalid("argument must be a memory value")
        if kind & OCTAL:
            raise Invalid("argument couldn't be parsed as an octal number")
        raise Invalid("argument couldn't be parsed into an integer")

    def bound_check(self, v):
        if self.unsigned:
            u = v & ULLONG_MAX
            if not (self.lo <= u <= self.hi):
                if self.kind & OCTAL:
                    raise Invalid("argument must be between %o and %o inclusive"
                                   % (self.lo, self.hi))
                raise Invalid("argument must be between %d and %d inclusive"
                               % (self.lo, self.hi))
            return u
        if self.kind & PERCENT and v < 0:
            if v < self.lo:
                raise Invalid("percentage argument must be less or equal to %d" % -self.lo)
            return v
        if not (self.lo <= v <= self.hi):
            raise Invalid("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        return v

    def set(self, cfg, args):
        v = self.bound_check(self.parse(args[0]))
        if self.check:
            self.check(cfg, v)
        return self._store(cfg, v)

    def text(self, v):
        if self.kind & PERCENT and v < 0:
            return "%d%%" % -v
        if self.kind & OCTAL:
            return "%o" % v
        return "%d" % v

    def get(self, cfg):
        return self.text(cfg._values[self.name])

    def rewrite(self, cfg, state):
        v = cfg._values[self.name]
        if self.kind & PERCENT and v < 0:
            line = "%s %d%%" % (self.name, -v)
        elif self.kind & MEMORY:
            line = "%s %s" % (self.name, format_memory(_to_signed64(v)))
        elif self.kind & OCTAL:
            line = "%s %o" % (self.name, v)
        else:
            line = "%s %d" % (self.name, v)
        state.rewrite_line(self.name, line, v != self.default_value)


class Special(Param):
    """Parameters with their own syntax; subclasses implement everything
    (their own validation too: they take no `check`)."""

    def __init__(self, name, **row):
        if "check" in row:
            raise TypeError("%s validates its own values" % type(self).__name__)
        super().__init__(name, **row)


class Dir(Special):
    """The working directory: setting it chdirs, reading it returns the cwd."""

    def default(self):
        return None

    def set(self, cfg, args):
        if len(args) != 1:
            raise Invalid("wrong number of arguments")
        try:
            os.chdir(args[0])
        except OSError as e:
            raise Invalid(os.strerror(e.errno or errno.ENOENT)) from None
        return True

    def get(self, cfg):
        try:
            return os.getcwd()
        except OSError:
            return ""

    def rewrite(self, cfg, state):
        try:
            cwd = os.getcwd()
        except OSError:
            state.mark(self.name)
            return
        state.rewrite_line(self.name, self.name + " " + _s(quote(cwd)), True)


class Save(Special):
    """Snapshot points: a list of (seconds, changes)."""

    def default(self):
        return [(3600, 1), (300, 100), (60, 10000)]

    def set(self, cfg, args):
        if len(args) == 1 and args[0] == "":
            cfg._values[self.name] = []
            args = []
        if len(args) % 2:
            raise Invalid("Invalid save parameters")
        for j, a in enumerate(args):
            v, rest, _ = strtoll(a)
            if rest or (j % 2 == 0 and v < 1) or (j % 2 == 1 and v < 0):
                raise Invalid("Invalid save parameters")
        # While reading a config file the first save line replaces the
        # defaults and later ones add to it; CONFIG SET always replaces.
        if not cfg._reading_file or not cfg._save_loaded:
            cfg._save_loaded = cfg._save_loaded or cfg._reading_file
            cfg._values[self.name] = []
        points = list(cfg._values[self.name])
        for j in range(0, len(args), 2):
            points.append((strtoll(args[j])[0], to_int32(strtoll(args[j + 1])[0])))
        self._admit(cfg, points)
        cfg._values[self.name] = points
        return True

    def get(self, cfg):
        return " ".join("%d %d" % p for p in cfg._values[self.name])

    def rewrite(self, cfg, state):
        points = cfg._values[self.name]
        if not points:
            state.rewrite_line(self.name, 'save ""', True)
        for s, c in points:
            state.rewrite_line(self.name, "save %d %d" % (s, c), True)
        state.mark(self.name)


class ClientOutputBufferLimit(Special):
    """Per client class: {'normal'|'slave'|'pubsub': (hard, soft, soft_seconds)}."""

    def default(self):
        return dict(_COB_DEFAULTS)

    def set(self, cfg, args):
        if len(args) % 4:
            raise Invalid("Wrong number of arguments in buffer limit configuration.")
        new = {}
        for j in range(0, len(args), 4):
            cls = _lower(args[j])
            if cls == "replica":
                cls = "slave"
            if cls not in CLIENT_CLASSES:
                raise Invalid("Invalid client class specified in buffer limit configuration.")
            hard, soft = memtoull(args[j + 1]), memtoull(args[j + 2])
            secs, rest, _ = strtoll(args[j + 3])
            secs = to_int32(secs)
            if hard is None or soft is None or secs < 0 or rest:
                raise Invalid("Error in hard, soft or soft_seconds setting in "
                               "buffer limit configuration.")
            new[cls] = (hard, soft, secs)
        limits = dict(cfg._values[self.name])
        limits.update(new)
        cfg._values[self.name] = limits
        return True

    def get(self, cfg):
        limits = cfg._values[self.name]
        return " ".join("%s %d %d %d" % ((c,) + limits[c]) for c in CLIENT_CLASSES)

    def rewrite(self, cfg, state):
        limits = cfg._values[self.name]
        for c in CLIENT_CLASSES:
            hard, soft, secs = limits[c]
            line = "%s %s %s %s %d" % (self.name, "replica" if c == "slave" else c,
                                       format_memory(hard), format_memory(soft), secs)
            state.rewrite_line(self.name, line, limits[c] != _COB_DEFAULTS[c])


class OOMScoreAdjValues(Special):
    """[master, replica, bgchild] oom_score_adj values."""

    def default(self):
        return list(_OOM_DEFAULTS)

    def set(self, cfg, args):
        if len(args) != 3:
            raise Invalid("wrong number of arguments")
        values = []
        for a in args:
            v, rest, _ = strtoll(a)
            if rest or v < -2000 or v > 2000:
                raise Invalid("Invalid oom-score-adj-values, elements must be between "
                               "-2000 and 2000.")
            values.append(v)
        if values[1] < values[0] or values[2] < values[1]:
            cfg._warn("The oom-score-adj-values configuration may not work for "
                      "non-privileged processes! Please consult the documentation.")
        changed = values != cfg._values[self.name]
        cfg._values[self.name] = values
        return changed

    def get(self, cfg):
        return " ".join("%d" % v for v in cfg._values[self.name])

    def rewrite(self, cfg, state):
        v = cfg._values[self.name]
        state.rewrite_line(self.name, "%s %s" % (self.name, self.get(cfg)),
                           tuple(v) != _OOM_DEFAULTS)


class NotifyKeyspaceEvents(Special):
    """Stored as NOTIFY_* flags (an int)."""

    def default(self):
        return 0

    def set(self, cfg, args):
        if len(args) != 1:
            raise Invalid("wrong number of arguments")
        flags = notify_flags_from_string(args[0])
        if flags is None:
            raise Invalid("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        self._admit(cfg, flags)
        cfg._values[self.name] = flags
        return True

    def get(self, cfg):
        return notify_flags_to_string(cfg._values[self.name])

    def rewrite(self, cfg, state):
        flags = cfg._values[self.name]
        state.rewrite_line(self.name, self.name + " " + _s(quote(self.get(cfg))), flags != 0)


class Bind(Special):
    """A list of addresses ('-' prefix: optional, '*' / '-::*': any)."""

    def default(self):
        return list(DEFAULT_BIND)

    def set(self, cfg, args):
        if len(args) > BINDADDR_MAX:
            raise Invalid("Too many bind addresses specified.")
        if len(args) == 1 and args[0] == "":
            args = []
        cfg._values[self.name] = list(args)
        return True

    def get(self, cfg):
        return " ".join(cfg._values[self.name])

    def rewrite(self, cfg, state):
        addrs = cfg._values[self.name]
        if tuple(addrs) == DEFAULT_BIND:
            state.mark(self.name)
            return
        state.rewrite_line(self.name, "%s %s" % (self.name, " ".join(addrs) if addrs else '""'),
                           True)


class ReplicaOf(Special):
    """None, or (host, port) of the master."""

    def default(self):
        return None

    def set(self, cfg, args):
        if len(args) != 2:
            raise Invalid("wrong number of arguments")
        cfg._values[self.name] = None
        if _lower(args[0]) == "no" and _lower(args[1]) == "one":
            return True
        port, rest, _ = strtoll(args[1])
        if port < 0 or port > 65535 or rest:
            raise Invalid("Invalid master port")
        self._admit(cfg, (args[0], port))
        cfg._values[self.name] = (args[0], port)
        return True

    def get(self, cfg):
        v = cfg._values[self.name]
        return "%s %d" % v if v else ""

    def rewrite(self, cfg, state):
        v = cfg._values[self.name]
        if v is None or cfg["cluster-enabled"]:
            state.mark(self.name)
            return
        state.rewrite_line(self.name, "%s %s %d" % (self.name, v[0], v[1]), True)


class LatencyPercentiles(Special):
    """A list of floats in [0, 100]."""

    def default(self):
        return [50.0, 99.0, 99.9]

    def set(self, cfg, args):
        if len(args) == 1 and args[0] == "":
            args = []
        values = []
        for a in args:
            v = string2d(a)
            if v is None:
                cfg._values[self.name] = []
                raise Invalid("Invalid latency-tracking-info-percentiles parameters")
            if v > 100.0 or v < 0.0:
                cfg._values[self.name] = []
                raise Invalid("latency-tracking-info-percentiles parameters should sit "
                               "between [0.0,100.0]")
            values.append(v)
        cfg._values[self.name] = values
        return True

    def get(self, cfg):
        return " ".join(_fmt_percentile(v) for v in cfg._values[self.name])

    def rewrite(self, cfg, state):
        values = cfg._values[self.name]
        if values:
            line = self.name + "".join(" " + _fmt_percentile(v) for v in values)
        else:
            line = self.name + ' ""'
        state.rewrite_line(self.name, line, True)

