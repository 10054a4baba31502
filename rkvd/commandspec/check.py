"""The start-up check of the command table: every row has a handler or is
declared unbuilt, every handler has a row, and the unbuilt list is current.

A subcommand runs its own handler or, failing that, its container's, so a
container with a handler serves all its subcommands and the unbuilt list
names top-level commands only.
"""

from .unbuilt import UNBUILT


class CommandTableError(Exception):
    """The command rows, the handlers and the unbuilt list disagree."""


def _has_row(specs, name):
    base, bar, sub = name.partition("|")
    spec = specs.get(base)
    if spec is None:
        return False
    return not bar or sub in spec.subcommands


def check_handlers(specs, c_names, py_names, unbuilt=UNBUILT):
    """Check the rows (name -> CommandSpec) against the names with a C handler
    and the names with a Python handler ("cmd" or "container|sub").

    Raises CommandTableError naming every command at fault."""
    handled = set(c_names) | set(py_names)
    unbuilt = frozenset(unbuilt)
    problems = []
    for name in sorted(handled):
        if not _has_row(specs, name):
            problems.append("'%s' has a handler but no command row" % name)
    for name in sorted(unbuilt):
        if "|" in name:
            problems.append("'%s' is listed as unbuilt, but subcommands are built "
                            "with their container" % name)
        elif name not in specs:
            problems.append("'%s' is listed as unbuilt but has no command row" % name)
    for name, spec in specs.items():
        built = name in handled
        if built and name in unbuilt:
            problems.append("'%s' has a handler but is still listed as unbuilt" % name)
        elif not built and name not in unbuilt:
            problems.append("'%s' has no handler and is not listed as unbuilt" % name)
        if not built:
            for sub in spec.subcommands.values():
                if sub.fullname in handled:
                    problems.append("'%s' has a handler but its container '%s' has none"
                                    % (sub.fullname, name))
    if problems:
        raise CommandTableError("command table: " + "; ".join(problems))
