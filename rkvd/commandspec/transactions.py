"""Transaction commands (MULTI/EXEC/WATCH) (Redis group "transactions").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "transactions"

ROWS = [
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
