"""The live configuration: the current value of every parameter and
file-only directive, CONFIG GET/SET, and the connection to the server (the
engine fields and server hooks the table names).
"""

import os

from rkvd.strutil import stringmatch

from .errors import ConfigError, Invalid
from .kinds import DENY_LOADING, HIDDEN, IMMUTABLE, MULTI_ARG, PROTECTED, SENSITIVE, Dir
from .params import ENTRIES, PARAMS, lookup
from .reader import load_text, read_config_file
from .rewrite import rewrite
from .text import _b, _lower, _s


class Config:
    """Current values of every parameter, plus the file-only directives.

    Attributes set by parsing: ``loaded_from`` (absolute config path or None),
    ``args`` (command line arguments after the program name, None if not
    parsed from a command line), ``renamed_commands`` [(old, new)], ``users``
    [[name, rule, ...]], ``loadmodules`` [(path, [args])], ``module_configs``
    {name: value}.  ``logger`` (anything with .warning(msg)) receives the
    warnings Redis logs while configuring.  ``command_names`` (a set of
    lowercase names) and ``validate_user`` (fn(rules) -> None or (index,
    reason)) let the server check rename-command and user lines at parse time;
    `index` counts from the first rule, and like Redis the message echoes the
    token of the whole line at that index.

    ``attach(engine, shell_hooks)`` connects the server: the engine then
    holds the values of the parameters whose rows name an engine field, and
    CONFIG SET runs the server hooks the rows name.

    A value that needs a feature rkvd lacks and whose NotBuilt declaration
    refuses it is rejected as invalid; ``accept_unbuilt=True`` stores it
    instead, making the registry a plain model of redis-server's (for tests
    that compare parsing with Redis).
    """

    def __init__(self, accept_unbuilt=False):
        self.accept_unbuilt = accept_unbuilt
        # The working directory is the process's own, not a stored value.
        self._values = {p.name: p.default() for p in PARAMS if not isinstance(p, Dir)}
        self._hooks = {}
        self._engine = None
        self._engine_push = {}      # parameter name -> fn(cfg) pushing it to the engine
        self._shell = {}            # hook name a row declares -> the server's fn(cfg)
        self._reading_file = False
        self._save_loaded = False
        self.loaded_from = None
        self.args = None
        self.start_dir = None       # the cwd when the command line was parsed
        self.reloaded_dir = None    # cmdline.reread: where "dir" points
        self.renamed_commands = []
        self.users = []
        self.loadmodules = []
        self.module_configs = {}
        self.logger = None
        self.command_names = None
        self.validate_user = None

    # -- typed access ------------------------------------------------------

    def __getitem__(self, name):
        try:
            return self._values[name]
        except KeyError:
            pass
        p = lookup(name)
        if p is None:
            raise KeyError(name)
        if isinstance(p, Dir):
            return p.get(self)
        return self._values[p.name]

    def __contains__(self, name):
        return lookup(name) is not None

    def get_str(self, name):
        """The text CONFIG GET prints for a parameter (name or alias)."""
        p = lookup(name)
        if p is None:
            raise KeyError(name)
        return p.get(self)

    def set_value(self, name, value):
        """Store a typed value as is (for the server's own state changes,
        e.g. REPLICAOF or the default pidfile when daemonized)."""
        p = lookup(name)
        if p is None:
            raise KeyError(name)
        if isinstance(p, Dir):
            os.chdir(value)
        else:
            self._values[p.name] = value
            self._push(p)

    def set(self, name, *args):
        """Set from argument strings, as a config file line would (no apply
        hooks, no mutability checks; an attached engine still gets the value).
        Raises ConfigError(reason)."""
        p = lookup(name)
        if p is None:
            raise ConfigError("Bad directive or wrong number of arguments")
        try:
            p.set(self, [_s(a) for a in args])
        except Invalid as e:
            raise ConfigError(str(e)) from None
        self._push(p)

    def names(self):
        """Every registered name, aliases included (hidden ones too)."""
        return list(ENTRIES)

    def add_apply_hook(self, name, fn):
        """Run fn(cfg) after CONFIG SET changes `name`; fn raises ConfigError(reason)
        to reject the change, which is then rolled back.  A function registered
        for several names runs once per CONFIG SET."""
        p = lookup(name)
        if p is None:
            raise KeyError(name)
        self._hooks.setdefault(p.name, []).append(fn)

    def _push(self, p):
        push = self._engine_push.get(p.name)
        if push is not None:
            push(self)

    def _apply_fns(self, p):
        fns = [p.apply] if p.apply else []
        push = self._engine_push.get(p.name)
        if push is not None:
            fns.append(push)
        if p.shell is not None and self._engine is not None:
            fns.append(self._shell[p.shell])
        return fns + self._hooks.get(p.name, [])

    # -- the server's side -------------------------------------------------

    def attach(self, engine, shell_hooks):
        """Connect the server: push every value the table maps to an engine
        field into `engine` now, and after each CONFIG SET that changes it;
        run ``shell_hooks[name](cfg)`` after CONFIG SET changes a parameter
        whose row names hook `name`.

        Fails loudly (AttributeError, ValueError) when a row names a field
        the engine does not have, when a hook a row names is not supplied or
        a supplied one is named by no row, or when the engine refuses a value.
        """
        if self._engine is not None:
            raise ValueError("this configuration is already attached")
        declared = {p.shell for p in PARAMS if p.shell is not None}
        given = set(shell_hooks)
        if declared != given:
            raise ValueError("shell hooks: rows name %s, the server supplies %s"
                             % (sorted(declared), sorted(given)))
        pushes = {}
        for p in PARAMS:
            if p.engine is None:
                continue
            for field in p.engine.fields:
                try:
                    getattr(engine, field)
                except AttributeError:
                    raise AttributeError("config parameter %r names engine field %r, which %s "
                                         "does not have" % (p.name, field,
                                                            type(engine).__name__)) from None
            pushes[p.name] = _engine_pusher(engine, p)
        for push in pushes.values():
            push(self)
        self._engine = engine
        self._engine_push = pushes
        self._shell = dict(shell_hooks)

    def _warn(self, msg):
        if self.logger is not None:
            self.logger.warning(msg)

    def not_built_warnings(self):
        """One warning per parameter whose value needs a feature rkvd lacks
        (what start-up logs once the configuration is loaded)."""
        return [self._not_built_warning(p) for p in PARAMS
                if p.not_built is not None and p.needs_missing_feature(self._values[p.name])]

    def _not_built_warning(self, p, given=None):
        return p.not_built.warning("%s %s" % (given or p.name, p.get(self)))

    # -- config file syntax --------------------------------------------------

    def load_file(self, path):
        """Load a redis.conf file (relative paths resolve against the cwd)."""
        load_text(self, read_config_file(path))

    def load_string(self, text):
        """Load configuration text (str or bytes) in redis.conf syntax."""
        load_text(self, _b(text))

    # -- CONFIG GET / SET ----------------------------------------------------

    def config_get(self, patterns):
        """CONFIG GET: [(name, value)] for every argument (exact names or globs).

        An exact name is echoed as given; glob patterns (case-insensitive) list
        registered names, aliases included, hidden ones excluded. Like Redis,
        a pattern is read as a C string: it ends at its first NUL byte.
        """
        found = {}
        out = []
        for pat in patterns:
            pat = _s(pat)
            glob = pat.split("\0", 1)[0]
            if not any(ch in glob for ch in "[*?"):
                key = _lower(pat)
                if key in found:
                    continue
                entry = ENTRIES.get(key)
                if entry:
                    found[key] = True
                    out.append((pat, entry[0].get(self)))
                continue
            for key, (p, regname) in ENTRIES.items():
                if p.flags & HIDDEN or key in found:
                    continue
                if stringmatch(glob, regname, nocase=True):
                    found[key] = True
                    out.append((regname, p.get(self)))
        return out

    def config_set(self, pairs, *, local=False, loading=False, trusted=False):
        """CONFIG SET name value [name value ...], all or nothing.

        `local`: the client is on loopback or a unix socket (for
        enable-protected-configs local).  `loading`: the dataset is loading.
        `trusted`: the values come from the config file (a reload), so
        protected parameters are settable.
        Raises ConfigError whose text is Redis's error reply.
        """
        pairs = [(_s(n), _s(v)) for n, v in pairs]
        unknown = err_name = reason = None
        deny_loading = False
        invalid = False
        chosen = []
        for given, value in pairs:
            entry = ENTRIES.get(_lower(given))
            if entry is None:
                if not invalid:
                    unknown = given
                    invalid = True
                continue
            if invalid:
                continue
            p, regname = entry
            if p.flags & IMMUTABLE or (p.flags & PROTECTED and not trusted and not self._protected_ok(local)):
                reason = ("can't set immutable config" if p.flags & IMMUTABLE
                          else "can't set protected config")
                err_name, invalid = given, True
                continue
            if loading and p.flags & DENY_LOADING:
                deny_loading = invalid = True
                continue
            if any(prev is entry for prev, _ in chosen):
                reason, err_name, invalid = "duplicate parameter", given, True
            chosen.append((entry, value))
        if invalid:
            if deny_loading:
                raise ConfigError("LOADING Redis is loading the dataset in memory")
            if unknown is not None:
                raise ConfigError("ERR Unknown option or number of arguments for CONFIG SET "
                                  "- '%s'" % _oneline(unknown))
            raise _set_failed(err_name, reason)

        olds = [p.get(self) for (p, _), _ in chosen]
        applies = []            # [(fn, registered name of the first config using it)]
        for i, ((p, regname), value) in enumerate(chosen):
            try:
                changed = p.set(self, _cfgset_args(p, value))
            except Invalid as e:
                self._restore(chosen[:i + 1], olds, ())
                raise _set_failed(regname, str(e)) from None
            if changed:
                for fn in self._apply_fns(p):
                    if not any(fn is f for f, _ in applies):
                        applies.append((fn, regname))
        for fn, regname in applies:
            try:
                fn(self)
            except Exception as e:
                # A hook that breaks unexpectedly still must not leave half a change.
                reason = str(e) if isinstance(e, ConfigError) else "%s: %s" % (
                    type(e).__name__, e)
                self._warn("Failed applying new configuration. Possibly related to new %s "
                           "setting. Restoring previous settings." % regname)
                self._restore(chosen, olds, applies)
                raise _set_failed(regname, reason) from None
        for (p, regname), _ in chosen:
            if p.not_built is not None and p.needs_missing_feature(self._values[p.name]):
                self._warn(self._not_built_warning(p, regname))

    def _protected_ok(self, local):
        mode = self._values["enable-protected-configs"]
        return mode == "yes" or (mode == "local" and local)

    def _restore(self, chosen, olds, applies):
        for ((p, _), _), old in zip(chosen, olds):
            try:
                p.set(self, _cfgset_args(p, old))
            except Invalid as e:
                self._warn("Failed restoring failed CONFIG SET command. Error setting %s to "
                           "'%s': %s" % (p.name, old, e))
        for fn, _ in applies:
            try:
                fn(self)
            except Exception as e:
                self._warn("Failed applying restored failed CONFIG SET command: %s" % e)

    # -- reload (SIGHUP) -----------------------------------------------------

    def reload_changes(self, fresh):
        """Compare with `fresh`, the same files and options read again.
        Returns (mutable, restart): [(name, old, new)] for the parameters
        whose value differs, split by whether CONFIG SET may change them;
        the file-only directives (rename-command, user, loadmodule) that
        differ count as needing a restart, with None values. `fresh` holds
        the directory the file names as its value for "dir" (see
        cmdline.reread)."""
        mutable, restart = [], []
        for p in PARAMS:
            if isinstance(p, Dir):
                old, new = p.get(self), fresh.reloaded_dir
            else:
                old, new = p.get(self), p.get(fresh)
            if old == new:
                continue
            (restart if p.flags & IMMUTABLE else mutable).append((p.name, old, new))
        for attr, name in (("renamed_commands", "rename-command"), ("users", "user"),
                           ("loadmodules", "loadmodule")):
            if getattr(self, attr) != getattr(fresh, attr):
                restart.append((name, None, None))
        return mutable, restart

    @staticmethod
    def shown(name, value):
        """A value as a reload logs it: sensitive ones redacted."""
        entry = ENTRIES.get(_lower(name))
        if value is None or (entry and entry[0].flags & SENSITIVE):
            return "(redacted)" if value is not None else ""
        return "'%s'" % _oneline(_s(value))

    # -- CONFIG REWRITE ------------------------------------------------------

    def rewrite(self, path=None, *, force_all=False, users=None, modules=None):
        """CONFIG REWRITE (see rkvd.config.rewrite.rewrite)."""
        rewrite(self, path, force_all=force_all, users=users, modules=modules)


def _oneline(s):
    return s.replace("\r", " ").replace("\n", " ")


def _set_failed(name, reason):
    if reason:
        return ConfigError("ERR CONFIG SET failed (possibly related to argument '%s') - %s"
                           % (_oneline(name), _oneline(reason)))
    return ConfigError("ERR CONFIG SET failed (possibly related to argument '%s')"
                       % _oneline(name))


def _cfgset_args(p, value):
    # CONFIG SET splits multi-argument values on single spaces, no quoting.
    if p.flags & MULTI_ARG:
        return value.split(" ") if value else []
    return [value]


def _engine_pusher(engine, p):
    """fn(cfg) setting the engine field(s) of parameter `p` from cfg."""
    def push(cfg):
        for field, value in p.engine.values(cfg._values[p.name]):
            setattr(engine, field, value)
    push.__qualname__ = "push %s" % p.name
    return push
