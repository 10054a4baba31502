"""List commands (Redis group "list").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "list"

ROWS = [
    _c("blmove", 6, "write denyoom noscript blocking", "@list", "6.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 wherefrom:oneof(LEFT RIGHT) whereto:oneof(LEFT "
            "RIGHT) timeout:double"),
    _c("blmpop", -5, "write blocking", "@list", "7.0.0",
       "Pop elements from a list, or block until one is available",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
       keys=["RW access delete|index 2|keynum 0 1 1"],
       args="timeout:double numkeys:integer *key:key#0 where:oneof(LEFT RIGHT) "
            "?COUNT=count:integer"),
    _c("blpop", -3, "write noscript blocking", "@list", "2.0.0",
       "Remove and get the first element in a list, or block until one is available",
       "O(N) where N is the number of provided keys.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("brpop", -3, "write noscript blocking", "@list", "2.0.0",
       "Remove and get the last element in a list, or block until one is available",
       "O(N) where N is the number of provided keys.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("brpoplpush", 4, "write denyoom noscript blocking", "@list", "2.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`BLMOVE` with the `RIGHT` and `LEFT` arguments",
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="source:key#0 destination:key#1 timeout:double"),
    _c("lindex", 3, "readonly", "@list", "1.0.0",
       "Get an element from a list by its index",
       "O(N) where N is the number of elements to traverse to get to the element at index. This "
       "makes asking for the first or the last element of the list O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 index:integer"),
    _c("linsert", 5, "write denyoom", "@list", "2.2.0",
       "Insert an element before or after another element in a list",
       "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
       "means that inserting somewhere on the left end on the list (head) can be considered "
       "O(1) and inserting somewhere on the right end (tail) is O(N).",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 where:oneof(BEFORE AFTER) pivot:string element:string"),
    _c("llen", 2, "readonly fast", "@list", "1.0.0",
       "Get the length of a list", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("lmove", 5, "write denyoom", "@list", "6.2.0",
       "Pop an element from a list, push it to another list and return it", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 wherefrom:oneof(LEFT RIGHT) whereto:oneof(LEFT "
            "RIGHT)"),
    _c("lmpop", -4, "write", "@list", "7.0.0",
       "Pop elements from a list",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
       keys=["RW access delete|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 where:oneof(LEFT RIGHT) ?COUNT=count:integer"),
    _c("lpop", -2, "write fast", "@list", "1.0.0",
       "Remove and get the first elements in a list",
       "O(N) where N is the number of elements returned",
       keys=["RW access delete|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `count` argument."),
       ],
       args="key:key#0 ?count:integer@6.2.0"),
    _c("lpos", -3, "readonly", "@list", "6.0.6",
       "Return the index of matching elements on a list",
       "O(N) where N is the number of elements in the list, for the average case. When "
       "searching for elements near the head or the tail of the list, or when the MAXLEN option "
       "is provided, the command may run in constant time.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 element:string ?RANK=rank:integer ?COUNT=num-matches:integer "
            "?MAXLEN=len:integer"),
    _c("lpush", -3, "write denyoom fast", "@list", "1.0.0",
       "Prepend one or multiple elements to a list",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("lpushx", -3, "write denyoom fast", "@list", "2.2.0",
       "Prepend an element to a list, only if the list exists",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("4.0.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("lrange", 4, "readonly", "@list", "1.0.0",
       "Get a range of elements from a list",
       "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
       "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
       "range.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("lrem", 4, "write", "@list", "1.0.0",
       "Remove elements from a list",
       "O(N+M) where N is the length of the list and M is the number of elements removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 count:integer element:string"),
    _c("lset", 4, "write denyoom", "@list", "1.0.0",
       "Set the value of an element in a list by its index",
       "O(N) where N is the length of the list. Setting either the first or the last element of "
       "the list is O(1).",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 index:integer element:string"),
    _c("ltrim", 4, "write", "@list", "1.0.0",
       "Trim a list to the specified range",
       "O(N) where N is the number of elements to be removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("rpop", -2, "write fast", "@list", "1.0.0",
       "Remove and get the last elements in a list",
       "O(N) where N is the number of elements returned",
       keys=["RW access delete|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `count` argument."),
       ],
       args="key:key#0 ?count:integer@6.2.0"),
    _c("rpoplpush", 3, "write denyoom", "@list", "1.2.0",
       "Remove the last element in a list, prepend it to another list and return it", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "RW insert|index 2|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`LMOVE` with the `RIGHT` and `LEFT` arguments",
       args="source:key#0 destination:key#1"),
    _c("rpush", -3, "write denyoom fast", "@list", "1.0.0",
       "Append one or multiple elements to a list",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
    _c("rpushx", -3, "write denyoom fast", "@list", "2.2.0",
       "Append an element to a list, only if the list exists",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments.",
       keys=["RW insert|index 1|range 0 1 0"],
       hist=[
           ("4.0.0", "Accepts multiple `element` arguments."),
       ],
       args="key:key#0 *element:string"),
]
