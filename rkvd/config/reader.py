"""The redis.conf reader: config text (files, includes, stdin, the command
line's options) line by line into a Config, with redis-server's errors.
"""

import errno
import glob as _glob
import os

from .errors import ConfigFileError, ConfigOpenError, Invalid
from .kinds import MULTI_ARG
from .params import DEPRECATED, ENTRIES, FILE_ONLY_NOT_BUILT, MODULE_CONFIG, _apply_hz
from .text import _b, _lower, _s, split_args


def load_text(cfg, text):
    """Load configuration text (bytes) in redis.conf syntax into `cfg`."""
    cfg._reading_file = True
    try:
        _load_lines(cfg, text)
    finally:
        # An include ends "reading" for the rest of the outer file too;
        # Redis behaves the same, which matters only for repeated save lines.
        cfg._reading_file = False


def _load_lines(cfg, text):
    lines = text.split(b"\n")
    for i, raw in enumerate(lines):
        line = raw.strip(b" \t\r\n")
        if not line or line.startswith(b"#"):
            continue
        argv = split_args(line)
        if argv is None:
            raise ConfigFileError("Unbalanced quotes in configuration line", i + 1, line)
        if not argv:
            continue
        try:
            _directive(cfg, [_s(a) for a in argv])
        except Invalid as e:
            raise ConfigFileError(str(e), i + 1, line) from None
    logfile = cfg._values["logfile"]
    if logfile:
        try:
            os.close(os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666))
        except OSError as e:
            raise ConfigFileError("Can't open the log file: " + os.strerror(e.errno)) from None
    if cfg._values["cluster-enabled"] and cfg._values["replicaof"]:
        raise ConfigFileError("replicaof directive not allowed in cluster mode")
    _apply_hz(cfg)


def _directive(cfg, argv):
    name = _lower(argv[0])
    argc = len(argv)
    entry = ENTRIES.get(name)
    if entry:
        p = entry[0]
        if p.flags & MULTI_ARG:
            if argc == 2 and argv[1]:
                # One argument holding several ("--save '100 10'").
                parts = split_args(_b(argv[1]))
                p.set(cfg, [_s(a) for a in parts] if parts else [])
            else:
                p.set(cfg, argv[1:])
        elif argc != 2:
            raise Invalid("wrong number of arguments")
        else:
            p.set(cfg, argv[1:])
        return
    if DEPRECATED.get(name) == argc:
        return
    if name == "include" and argc == 2:
        load_text(cfg, read_config_file(argv[1]))
    elif name == "rename-command" and argc == 3:
        _rename_command(cfg, argv[1], argv[2])
    elif name == "user" and argc >= 2:
        _add_user(cfg, argv)
    elif name == "loadmodule" and argc >= 2:
        _admit_directive(cfg, "loadmodule")
        cfg.loadmodules.append((argv[1], argv[2:]))
    elif "." in argv[0]:
        if argc < 2:
            raise Invalid("Module config specified without value")
        _admit_directive(cfg, MODULE_CONFIG)
        cfg.module_configs[argv[0]] = " ".join(argv[1:])
    elif name == "sentinel":
        if argc != 1:
            raise Invalid("sentinel directive while not in sentinel mode")
    else:
        raise Invalid("Bad directive or wrong number of arguments")


def _rename_command(cfg, old, new):
    names = cfg.command_names
    if names is not None:
        if _lower(old) not in names:
            raise Invalid("No such command in rename-command")
        names.discard(_lower(old))
        if new:
            if _lower(new) in names:
                raise Invalid("Target command name already exists")
            names.add(_lower(new))
    _admit_directive(cfg, "rename-command")
    cfg.renamed_commands.append((old, new))


def _add_user(cfg, argv):
    name, rules = argv[1], argv[2:]
    if any(u[0] == name for u in cfg.users):
        raise Invalid("Error in user declaration '%s': Duplicate user found. A user "
                       "can only be defined once in config files" % name)
    if cfg.validate_user is not None:
        err = cfg.validate_user(rules)
        if err is not None:
            index, reason = err
            raise Invalid("Error in user declaration '%s': %s" % (argv[index], reason))
    _admit_directive(cfg, "user")
    cfg.users.append([name] + rules)


def _admit_directive(cfg, key):
    nb = FILE_ONLY_NOT_BUILT.get(key)
    if nb is not None and nb.refuse and not cfg.accept_unbuilt:
        raise Invalid(nb.reason())


def read_config_file(path):
    """File bytes; a wildcard pattern reads every match (none is fine)."""
    path = _s(path)
    if any(ch in path for ch in "*?["):
        data = b""
        for match in sorted(_glob.glob(path)):
            data += _read_one(match)
        return data
    return _read_one(path)


def _read_one(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        return b""
    except OSError as e:
        raise ConfigOpenError("Fatal error, can't open config file '%s': %s"
                              % (path, os.strerror(e.errno or errno.EIO))) from None
