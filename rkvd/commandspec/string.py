"""String commands (Redis group "string").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "string"

ROWS = [
    _c("append", 3, "write denyoom fast", "@string", "2.0.0",
       "Append a value to a key",
       "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
       "the already present value is of any size, since the dynamic string library used by "
       "Redis will double the free space available on every reallocation.",
       keys=["RW insert|index 1|range 0 1 0"],
       args="key:key#0 value:string"),
    _c("decr", 2, "write denyoom fast", "@string", "1.0.0",
       "Decrement the integer value of a key by one", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("decrby", 3, "write denyoom fast", "@string", "1.0.0",
       "Decrement the integer value of a key by the given number", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 decrement:integer"),
    _c("get", 2, "readonly fast", "@string", "1.0.0",
       "Get the value of a key", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("getdel", 2, "write fast", "@string", "6.2.0",
       "Get the value of a key and delete the key", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("getex", -2, "write fast", "@string", "6.2.0",
       "Get the value of a key and optionally set its expiration", "O(1)",
       keys=["RW access update|index 1|range 0 1 0|RW and UPDATE because it changes the TTL"],
       args="key:key#0 ?expiration:oneof(EX=seconds:integer PX=milliseconds:integer "
            "EXAT=unix-time-seconds:unix-time PXAT=unix-time-milliseconds:unix-time PERSIST)"),
    _c("getrange", 4, "readonly", "@string", "2.4.0",
       "Get a substring of the string stored at a key",
       "O(N) where N is the length of the returned string. The complexity is ultimately "
       "determined by the returned length, but because creating a substring from an existing "
       "string is very cheap, it can be considered O(1) for small strings.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 start:integer end:integer"),
    _c("getset", 3, "write denyoom fast", "@string", "1.0.0",
       "Set the string value of a key and return its old value", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`SET` with the `!GET` argument",
       args="key:key#0 value:string"),
    _c("incr", 2, "write denyoom fast", "@string", "1.0.0",
       "Increment the integer value of a key by one", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("incrby", 3, "write denyoom fast", "@string", "1.0.0",
       "Increment the integer value of a key by the given amount", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:integer"),
    _c("incrbyfloat", 3, "write denyoom fast", "@string", "2.6.0",
       "Increment the float value of a key by the given amount", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:double"),
    _c("lcs", -3, "readonly", "@string", "7.0.0",
       "Find longest common substring",
       "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       keys=["RO access|index 1|range 1 1 0"],
       args="key1:key#0 key2:key#0 ?LEN ?IDX ?MINMATCHLEN=len:integer ?WITHMATCHLEN"),
    _c("mget", -2, "readonly fast", "@string", "1.0.0",
       "Get the values of all the given keys",
       "O(N) where N is the number of keys to retrieve.",
       keys=["RO access|index 1|range -1 1 0"],
       tips="request_policy:multi_shard",
       args="*key:key#0"),
    _c("mset", -3, "write denyoom", "@string", "1.0.1",
       "Set multiple keys to multiple values", "O(N) where N is the number of keys to set.",
       keys=["OW update|index 1|range -1 2 0"],
       tips="request_policy:multi_shard response_policy:all_succeeded",
       args="*key_value:block(key:key#0 value:string)"),
    _c("msetnx", -3, "write denyoom", "@string", "1.0.1",
       "Set multiple keys to multiple values, only if none of the keys exist",
       "O(N) where N is the number of keys to set.",
       keys=["OW insert|index 1|range -1 2 0"],
       tips="request_policy:multi_shard response_policy:agg_min",
       args="*key_value:block(key:key#0 value:string)"),
    _c("psetex", 4, "write denyoom", "@string", "2.6.0",
       "Set the value and expiration in milliseconds of a key", "O(1)",
       keys=["OW update|index 1|range 0 1 0"],
       args="key:key#0 milliseconds:integer value:string"),
    _c("set", -3, "write denyoom", "@string", "1.0.0",
       "Set the string value of a key", "O(1)",
       keys=[
           "RW access update variable_flags|index 1|range 0 1 0|RW and ACCESS due to the "
           "optional `GET` argument",
       ],
       hist=[
           ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
           ("6.0.0", "Added the `KEEPTTL` option."),
           ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
           ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
       ],
       args="key:key#0 value:string ?condition:oneof@2.6.12(NX XX) ?GET@6.2.0 "
            "?expiration:oneof(EX=seconds:integer@2.6.12 PX=milliseconds:integer@2.6.12 "
            "EXAT=unix-time-seconds:unix-time@6.2.0 PXAT=unix-time-milliseconds:unix-time@6.2.0 "
            "KEEPTTL@6.0.0)"),
    _c("setex", 4, "write denyoom", "@string", "2.0.0",
       "Set the value and expiration of a key", "O(1)",
       keys=["OW update|index 1|range 0 1 0"],
       args="key:key#0 seconds:integer value:string"),
    _c("setnx", 3, "write denyoom fast", "@string", "1.0.0",
       "Set the value of a key, only if the key does not exist", "O(1)",
       keys=["OW insert|index 1|range 0 1 0"],
       args="key:key#0 value:string"),
    _c("setrange", 4, "write denyoom", "@string", "2.2.0",
       "Overwrite part of a string at key starting at the specified offset",
       "O(1), not counting the time taken to copy the new string in place. Usually, this string "
       "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
       "being the length of the value argument.",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 offset:integer value:string"),
    _c("strlen", 2, "readonly fast", "@string", "2.2.0",
       "Get the length of the value stored in a key", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("substr", 4, "readonly", "@string", "1.0.0",
       "Get a substring of the string stored at a key",
       "O(N) where N is the length of the returned string. The complexity is ultimately "
       "determined by the returned length, but because creating a substring from an existing "
       "string is very cheap, it can be considered O(1) for small strings.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="2.0.0", by="`GETRANGE`",
       args="key:key#0 start:integer end:integer"),
]
