"""Bitmap commands (Redis group "bitmap").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "bitmap"

ROWS = [
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
