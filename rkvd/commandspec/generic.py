"""Keyspace commands: keys of any type, expiry, scanning, moving and dumping (Redis group "generic").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "generic"

ROWS = [
    _c("copy", -3, "write denyoom", "@keyspace", "6.2.0",
       "Copy a key",
       "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
       "values.",
       keys=["RO access|index 1|range 0 1 0", "OW update|index 2|range 0 1 0"],
       args="source:key#0 destination:key#1 ?DB=destination-db:integer ?REPLACE"),
    _c("del", -2, "write", "@keyspace", "1.0.0",
       "Delete a key",
       "O(N) where N is the number of keys that will be removed. When a key to remove holds a "
       "value other than a string, the individual complexity for this key is O(M) where M is "
       "the number of elements in the list, set, sorted set or hash. Removing a single key that "
       "holds a string value is O(1).",
       keys=["RM delete|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("dump", 2, "readonly", "@keyspace", "2.6.0",
       "Return a serialized version of the value stored at the specified key.",
       "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of "
       "Redis objects composing the value and M their average size. For small string values the "
       "time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0"),
    _c("exists", -2, "readonly fast", "@keyspace", "1.0.0",
       "Determine if a key exists", "O(N) where N is the number of keys to check.",
       keys=["RO|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       hist=[
           ("3.0.3", "Accepts multiple `key` arguments."),
       ],
       args="*key:key#0"),
    _c("expire", -3, "write fast", "@keyspace", "1.0.0",
       "Set a key's time to live in seconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 seconds:integer ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("expireat", -3, "write fast", "@keyspace", "1.2.0",
       "Set the expiration for a key as a UNIX timestamp", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 unix-time-seconds:unix-time ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("expiretime", 2, "readonly fast", "@keyspace", "7.0.0",
       "Get the expiration Unix timestamp for a key", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("keys", 2, "readonly", "@keyspace @dangerous", "1.0.0",
       "Find all keys matching the given pattern",
       "O(N) with N being the number of keys in the database, under the assumption that the key "
       "names in the database and the given pattern have limited length.",
       tips="request_policy:all_shards nondeterministic_output_order",
       args="pattern:pattern"),
    _c("migrate", -6, "write", "@keyspace @dangerous", "2.6.0",
       "Atomically transfer a key from a Redis instance to another one.",
       "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
       "target instance. See the pages of these commands for time complexity. Also an O(N) data "
       "transfer between the two instances is performed.",
       keys=[
           "RW access delete|index 3|range 0 1 0",
           "RW access delete incomplete|keyword KEYS -2|range -1 1 0",
       ],
       tips="nondeterministic_output",
       hist=[
           ("3.0.0", "Added the `COPY` and `REPLACE` options."),
           ("3.0.6", "Added the `KEYS` option."),
           ("4.0.7", "Added the `AUTH` option."),
           ("6.0.0", "Added the `AUTH2` option."),
       ],
       args="host:string port:integer key_or_empty_string:oneof(key:key#0 "
            "''=empty_string:pure-token) destination-db:integer timeout:integer ?COPY@3.0.0 "
            "?REPLACE@3.0.0 ?authentication:oneof(?AUTH=password:string@4.0.7 "
            "?AUTH2=username_password:block@6.0.0(username:string password:string)) "
            "?*KEYS=key:key#1@3.0.6"),
    _c("move", 3, "write fast", "@keyspace", "1.0.0",
       "Move a key to another database", "O(1)",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 db:integer"),
    _c("object", -2, "", "", "2.2.3",
       "A container for object introspection commands", "Depends on subcommand.",
       subs=[
           _c("encoding", 3, "readonly", "@keyspace", "2.2.3",
              "Inspect the internal encoding of a Redis object", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("freq", 3, "readonly", "@keyspace", "4.0.0",
              "Get the logarithmic access frequency counter of a Redis object", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("help", 2, "loading stale", "@keyspace", "6.2.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("idletime", 3, "readonly", "@keyspace", "2.2.3",
              "Get the time since a Redis object was last accessed", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
           _c("refcount", 3, "readonly", "@keyspace", "2.2.3",
              "Get the number of references to the value of the key", "O(1)",
              keys=["RO|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0"),
       ]),
    _c("persist", 2, "write fast", "@keyspace", "2.2.0",
       "Remove the expiration from a key", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("pexpire", -3, "write fast", "@keyspace", "2.6.0",
       "Set a key's time to live in milliseconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 milliseconds:integer ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("pexpireat", -3, "write fast", "@keyspace", "2.6.0",
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."),
       ],
       args="key:key#0 unix-time-milliseconds:unix-time ?condition:oneof@7.0.0(NX XX GT LT)"),
    _c("pexpiretime", 2, "readonly fast", "@keyspace", "7.0.0",
       "Get the expiration Unix timestamp for a key in milliseconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("pttl", 2, "readonly fast", "@keyspace", "2.6.0",
       "Get the time to live for a key in milliseconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("2.8.0", "Added the -2 reply."),
       ],
       args="key:key#0"),
    _c("randomkey", 1, "readonly", "@keyspace", "1.0.0",
       "Return a random key from the keyspace", "O(1)",
       tips="request_policy:all_shards nondeterministic_output"),
    _c("rename", 3, "write", "@keyspace", "1.0.0",
       "Rename a key", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "OW update|index 2|range 0 1 0"],
       args="key:key#0 newkey:key#1"),
    _c("renamenx", 3, "write fast", "@keyspace", "1.0.0",
       "Rename a key, only if the new key does not exist", "O(1)",
       keys=["RW access delete|index 1|range 0 1 0", "OW insert|index 2|range 0 1 0"],
       hist=[
           ("3.2.0",
            "The command no longer returns an error when source and destination names are the "
            "same."),
       ],
       args="key:key#0 newkey:key#1"),
    _c("restore", -4, "write denyoom", "@keyspace @dangerous", "2.6.0",
       "Create a key using the provided serialized value, previously obtained using DUMP.",
       "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
       "where N is the number of Redis objects composing the value and M their average size. "
       "For small string values the time complexity is thus O(1)+O(1*M) where M is small, so "
       "simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because "
       "inserting values into sorted sets is O(log(N)).",
       keys=["OW update|index 1|range 0 1 0"],
       hist=[
           ("3.0.0", "Added the `REPLACE` modifier."),
           ("5.0.0", "Added the `ABSTTL` modifier."),
           ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
       ],
       args="key:key#0 ttl:integer serialized-value:string ?REPLACE@3.0.0 ?ABSTTL@5.0.0 "
            "?IDLETIME=seconds:integer@5.0.0 ?FREQ=frequency:integer@5.0.0"),
    _c("scan", -2, "readonly", "@keyspace", "2.8.0",
       "Incrementally iterate the keys space",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.",
       tips="nondeterministic_output request_policy:special",
       hist=[
           ("6.0.0", "Added the `TYPE` subcommand."),
       ],
       args="cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer ?TYPE=type:string@6.0.0"),
    _c("sort", -2, "write denyoom", "@set @sortedset @list @dangerous", "1.0.0",
       "Sort the elements in a list, set or sorted set",
       "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
       "number of returned elements. When the elements are not sorted, complexity is O(N).",
       keys=[
           "RO access|index 1|range 0 1 0",
           "RO access|unknown|unknown|For the optional BY/GET keyword. It is marked 'unknown' "
           "because the key names derive from the content of the key we sort",
           "OW update|unknown|unknown|For the optional STORE keyword. It is marked 'unknown' "
           "because the keyword can appear anywhere in the argument array",
       ],
       args="key:key#0 ?BY=pattern:pattern#1 ?LIMIT=offset_count:block(offset:integer "
            "count:integer) ?*+GET=pattern:pattern#1 ?order:oneof(ASC DESC) "
            "?ALPHA=sorting:pure-token ?STORE=destination:key#2"),
    _c("sort_ro", -2, "readonly", "@set @sortedset @list @dangerous", "7.0.0",
       "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
       "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
       "number of returned elements. When the elements are not sorted, complexity is O(N).",
       keys=[
           "RO access|index 1|range 0 1 0",
           "RO access|unknown|unknown|For the optional BY/GET keyword. It is marked 'unknown' "
           "because the key names derive from the content of the key we sort",
       ],
       args="key:key#0 ?BY=pattern:pattern#1 ?LIMIT=offset_count:block(offset:integer "
            "count:integer) ?*+GET=pattern:pattern#1 ?order:oneof(ASC DESC) "
            "?ALPHA=sorting:pure-token"),
    _c("touch", -2, "readonly fast", "@keyspace", "3.2.1",
       "Alters the last access time of a key(s). Returns the number of existing keys specified.",
       "O(N) where N is the number of keys that will be touched.",
       keys=["RO|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("ttl", 2, "readonly fast", "@keyspace", "1.0.0",
       "Get the time to live for a key in seconds", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("2.8.0", "Added the -2 reply."),
       ],
       args="key:key#0"),
    _c("type", 2, "readonly fast", "@keyspace", "1.0.0",
       "Determine the type stored at key", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("unlink", -2, "write fast", "@keyspace", "4.0.0",
       "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
       "blocking.",
       "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
       "different thread in order to reclaim memory, where N is the number of allocations the "
       "deleted objects where composed of.",
       keys=["RM delete|index 1|range -1 1 0"],
       tips="request_policy:multi_shard response_policy:agg_sum",
       args="*key:key#0"),
    _c("wait", 3, "noscript", "@connection", "3.0.0",
       "Wait for the synchronous replication of all the write commands sent in the context of "
       "the current connection",
       "O(1)",
       tips="request_policy:all_shards response_policy:agg_min",
       args="numreplicas:integer timeout:integer"),
]
