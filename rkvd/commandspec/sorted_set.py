"""Sorted-set commands (Redis group "sorted-set").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "sorted-set"

ROWS = [
    _c("bzmpop", -5, "write blocking", "@sortedset", "7.0.0",
       "Remove and return members with scores in a sorted set or block until one is available",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped.",
       keys=["RW access delete|index 2|keynum 0 1 1"],
       args="timeout:double numkeys:integer *key:key#0 where:oneof(MIN MAX) "
            "?COUNT=count:integer"),
    _c("bzpopmax", -3, "write noscript blocking fast", "@sortedset", "5.0.0",
       "Remove and return the member with the highest score from one or more sorted sets, or "
       "block until one is available",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("bzpopmin", -3, "write noscript blocking fast", "@sortedset", "5.0.0",
       "Remove and return the member with the lowest score from one or more sorted sets, or "
       "block until one is available",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RW access delete|index 1|range -2 1 0"],
       hist=[
           ("6.0.0", "`timeout` is interpreted as a double instead of an integer."),
       ],
       args="*key:key#0 timeout:double"),
    _c("zadd", -4, "write denyoom fast", "@sortedset", "1.2.0",
       "Add one or more members to a sorted set, or update its score if it already exists",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple elements."),
           ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
           ("6.2.0", "Added the `GT` and `LT` options."),
       ],
       args="key:key#0 ?condition:oneof@3.0.2(NX XX) ?comparison:oneof@6.2.0(GT LT) "
            "?CH=change:pure-token@3.0.2 ?INCR=increment:pure-token@3.0.2 "
            "*score_member:block(score:double member:string)"),
    _c("zcard", 2, "readonly fast", "@sortedset", "1.2.0",
       "Get the number of members in a sorted set", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("zcount", 4, "readonly fast", "@sortedset", "2.0.0",
       "Count the members in a sorted set with scores within the given values",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 min:double max:double"),
    _c("zdiff", -3, "readonly", "@sortedset", "6.2.0",
       "Subtract multiple sorted sets",
       "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
       "N is the size of the first set, and K is the size of the result set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?WITHSCORES"),
    _c("zdiffstore", -4, "write denyoom", "@sortedset", "6.2.0",
       "Subtract multiple sorted sets and store the resulting sorted set in a new key",
       "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
       "N is the size of the first set, and K is the size of the result set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1"),
    _c("zincrby", 4, "write denyoom fast", "@sortedset", "1.2.0",
       "Increment the score of a member in a sorted set",
       "O(log(N)) where N is the number of elements in the sorted set.",
       keys=["RW access update|index 1|range 0 1 0"],
       args="key:key#0 increment:integer member:string"),
    _c("zinter", -3, "readonly", "@sortedset", "6.2.0",
       "Intersect multiple sorted sets",
       "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
       "number of input sorted sets and M being the number of elements in the resulting sorted "
       "set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate:oneof(SUM "
            "MIN MAX) ?WITHSCORES"),
    _c("zintercard", -3, "readonly", "@sortedset", "7.0.0",
       "Intersect multiple sorted sets and return the cardinality of the result",
       "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
       "input sorted sets.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?LIMIT=limit:integer"),
    _c("zinterstore", -4, "write denyoom", "@sortedset", "2.0.0",
       "Intersect multiple sorted sets and store the resulting sorted set in a new key",
       "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
       "number of input sorted sets and M being the number of elements in the resulting sorted "
       "set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1 ?*WEIGHTS=weight:integer "
            "?AGGREGATE=aggregate:oneof(SUM MIN MAX)"),
    _c("zlexcount", 4, "readonly fast", "@sortedset", "2.8.9",
       "Count the number of members in a sorted set between a given lexicographical range",
       "O(log(N)) with N being the number of elements in the sorted set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 min:string max:string"),
    _c("zmpop", -4, "write", "@sortedset", "7.0.0",
       "Remove and return members with scores in a sorted set",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped.",
       keys=["RW access delete|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 where:oneof(MIN MAX) ?COUNT=count:integer"),
    _c("zmscore", -3, "readonly fast", "@sortedset", "6.2.0",
       "Get the score associated with the given members in a sorted set",
       "O(N) where N is the number of members being requested.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("zpopmax", -2, "write fast", "@sortedset", "5.0.0",
       "Remove and return members with the highest scores in a sorted set",
       "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
       "number of elements popped.",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0 ?count:integer"),
    _c("zpopmin", -2, "write fast", "@sortedset", "5.0.0",
       "Remove and return members with the lowest scores in a sorted set",
       "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
       "number of elements popped.",
       keys=["RW access delete|index 1|range 0 1 0"],
       args="key:key#0 ?count:integer"),
    _c("zrandmember", -2, "readonly", "@sortedset", "6.2.0",
       "Get one or multiple random elements from a sorted set",
       "O(N) where N is the number of elements returned",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 ?options:block(count:integer ?WITHSCORES)"),
    _c("zrange", -4, "readonly", "@sortedset", "1.2.0",
       "Return a range of members in a sorted set",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements returned.",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."),
       ],
       args="key:key#0 start:string stop:string ?sortby:oneof@6.2.0(BYSCORE BYLEX) ?REV@6.2.0 "
            "?LIMIT=offset_count:block@6.2.0(offset:integer count:integer) ?WITHSCORES"),
    _c("zrangebylex", -4, "readonly", "@sortedset", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `BYLEX` argument",
       args="key:key#0 min:string max:string ?LIMIT=offset_count:block(offset:integer "
            "count:integer)"),
    _c("zrangebyscore", -4, "readonly", "@sortedset", "1.0.5",
       "Return a range of members in a sorted set, by score",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `BYSCORE` argument",
       hist=[
           ("2.0.0", "Added the `WITHSCORES` modifier."),
       ],
       args="key:key#0 min:double max:double ?WITHSCORES@2.0.0 "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrangestore", -5, "write denyoom", "@sortedset", "6.2.0",
       "Store a range of members from sorted set into another key",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements stored into the destination key.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range 0 1 0"],
       args="dst:key#0 src:key#1 min:string max:string ?sortby:oneof(BYSCORE BYLEX) ?REV "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrank", 3, "readonly fast", "@sortedset", "2.0.0",
       "Determine the index of a member in a sorted set", "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zrem", -3, "write fast", "@sortedset", "1.2.0",
       "Remove one or more members from a sorted set",
       "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
       "elements to be removed.",
       keys=["RW delete|index 1|range 0 1 0"],
       hist=[
           ("2.4.0", "Accepts multiple elements."),
       ],
       args="key:key#0 *member:string"),
    _c("zremrangebylex", 4, "write", "@sortedset", "2.8.9",
       "Remove all members in a sorted set between the given lexicographical range",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 min:string max:string"),
    _c("zremrangebyrank", 4, "write", "@sortedset", "2.0.0",
       "Remove all members in a sorted set within the given indexes",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 start:integer stop:integer"),
    _c("zremrangebyscore", 4, "write", "@sortedset", "1.2.0",
       "Remove all members in a sorted set within the given scores",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements removed by the operation.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 min:double max:double"),
    _c("zrevrange", -4, "readonly", "@sortedset", "1.2.0",
       "Return a range of members in a sorted set, by index, with scores ordered from high to "
       "low",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements returned.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` argument",
       args="key:key#0 start:integer stop:integer ?WITHSCORES"),
    _c("zrevrangebylex", -4, "readonly", "@sortedset", "2.8.9",
       "Return a range of members in a sorted set, by lexicographical range, ordered from "
       "higher to lower strings.",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` and `BYLEX` arguments",
       args="key:key#0 max:string min:string ?LIMIT=offset_count:block(offset:integer "
            "count:integer)"),
    _c("zrevrangebyscore", -4, "readonly", "@sortedset", "2.2.0",
       "Return a range of members in a sorted set, by score, with scores ordered from high to "
       "low",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
       "with LIMIT), you can consider it O(log(N)).",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`ZRANGE` with the `REV` and `BYSCORE` arguments",
       hist=[
           ("2.1.6", "`min` and `max` can be exclusive."),
       ],
       args="key:key#0 max:double min:double ?WITHSCORES "
            "?LIMIT=offset_count:block(offset:integer count:integer)"),
    _c("zrevrank", 3, "readonly fast", "@sortedset", "2.0.0",
       "Determine the index of a member in a sorted set, with scores ordered from high to low",
       "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zscan", -3, "readonly", "@sortedset", "2.8.0",
       "Incrementally iterate sorted sets elements and associated scores",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection..",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 cursor:integer ?MATCH=pattern:pattern ?COUNT=count:integer"),
    _c("zscore", 3, "readonly fast", "@sortedset", "1.2.0",
       "Get the score associated with the given member in a sorted set", "O(1)",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member:string"),
    _c("zunion", -3, "readonly", "@sortedset", "6.2.0",
       "Add multiple sorted sets",
       "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M "
       "being the number of elements in the resulting sorted set.",
       keys=["RO access|index 1|keynum 0 1 1"],
       args="numkeys:integer *key:key#0 ?*WEIGHTS=weight:integer ?AGGREGATE=aggregate:oneof(SUM "
            "MIN MAX) ?WITHSCORES"),
    _c("zunionstore", -4, "write denyoom", "@sortedset", "2.0.0",
       "Add multiple sorted sets and store the resulting sorted set in a new key",
       "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M "
       "being the number of elements in the resulting sorted set.",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|keynum 0 1 1"],
       args="destination:key#0 numkeys:integer *key:key#1 ?*WEIGHTS=weight:integer "
            "?AGGREGATE=aggregate:oneof(SUM MIN MAX)"),
]
