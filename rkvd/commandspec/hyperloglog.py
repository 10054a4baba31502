"""HyperLogLog commands (Redis group "hyperloglog").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "hyperloglog"

ROWS = [
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
