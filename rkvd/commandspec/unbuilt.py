"""Commands that have a row in the table but no handler yet.

The command table is checked against this list at start-up (see check.py):
a row with no handler must be named here, and a name here must not have a
handler. Building a command therefore means removing its name from this
list, and a test suite that uses it (support.Differ.require) stops
expecting it to fail. Names are lowercase top-level commands: a container
listed here takes its subcommands with it, and a built container serves
all of its subcommands.
"""

UNBUILT = frozenset({
    # Cluster.
    "cluster", "asking", "readonly", "readwrite",
    # Diagnostics: LOLWUT.
    "lolwut",
})
