"""SPECS, the command table: every row of the group modules keyed by
lowercase name, in Redis's group order, and look-ups into it."""

import importlib

from .keys import GETKEYS_PROCS

# The group modules (each has GROUP and ROWS), in the order the table lists
# them: COMMAND and COMMAND LIST report commands in this order.
GROUP_MODULES = (
    "generic", "string", "list", "set", "sorted_set", "hash", "pubsub",
    "transactions", "connection", "server", "scripting", "hyperloglog",
    "cluster", "geo", "stream", "bitmap",
)


def _build():
    specs = {}
    for modname in GROUP_MODULES:
        mod = importlib.import_module("." + modname, __package__)
        for spec in mod.ROWS:
            spec.group = mod.GROUP
            spec.getkeys_proc = GETKEYS_PROCS.get(spec.name)
            for sub in spec.subcommands.values():
                sub.group = mod.GROUP
            if spec.name in specs:
                raise ValueError("command %r has two rows" % spec.name)
            specs[spec.name] = spec
    return specs


SPECS = _build()


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
