"""Stream commands (Redis group "stream").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "stream"

ROWS = [
    _c("xack", -4, "write fast", "@stream", "5.0.0",
       "Marks a pending message as correctly processed, effectively removing it from the "
       "pending entries list of the consumer group. Return value of the command is the number "
       "of messages successfully acknowledged, that is, the IDs we were actually able to "
       "resolve in the PEL.",
       "O(1) for each message ID processed.",
       keys=["RW update|index 1|range 0 1 0"],
       args="key:key#0 group:string *id:string"),
    _c("xadd", -5, "write denyoom fast", "@stream", "5.0.0",
       "Appends a new entry to a stream",
       "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
       "evicted.",
       keys=[
           "RW update|index 1|range 0 1 0|UPDATE instead of INSERT because of the optional "
           "trimming feature",
       ],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0",
            "Added the `NOMKSTREAM` option, `MINID` trimming strategy and the `LIMIT` option."),
           ("7.0.0", "Added support for the `<ms>-*` explicit ID form."),
       ],
       args="key:key#0 ?NOMKSTREAM@6.2.0 ?trim:block(strategy:oneof(MAXLEN MINID@6.2.0) "
            "?operator:oneof('='=equal:pure-token '~'=approximately:pure-token) "
            "threshold:string ?LIMIT=count:integer@6.2.0) "
            "id_or_auto:oneof('*'=auto_id:pure-token id:string) *field_value:block(field:string "
            "value:string)"),
    _c("xautoclaim", -6, "write fast", "@stream", "6.2.0",
       "Changes (or acquires) ownership of messages in a consumer group, as if the messages "
       "were delivered to the specified consumer.",
       "O(1) if COUNT is small.",
       keys=["RW delete|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("7.0.0",
            "Added an element to the reply array, containing deleted entries the command "
            "cleared from the PEL"),
       ],
       args="key:key#0 group:string consumer:string min-idle-time:string start:string "
            "?COUNT=count:integer ?JUSTID"),
    _c("xclaim", -6, "write fast", "@stream", "5.0.0",
       "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
       "delivered to the specified consumer.",
       "O(log N) with N being the number of messages in the PEL of the consumer group.",
       keys=["RW update|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       args="key:key#0 group:string consumer:string min-idle-time:string *id:string "
            "?IDLE=ms:integer ?TIME=unix-time-milliseconds:unix-time ?RETRYCOUNT=count:integer "
            "?FORCE ?JUSTID ?LASTID=id:string"),
    _c("xdel", -3, "write fast", "@stream", "5.0.0",
       "Removes the specified entries from the stream. Returns the number of items actually "
       "deleted, that may be different from the number of IDs passed in case certain IDs do not "
       "exist.",
       "O(1) for each single item to delete in the stream, regardless of the stream size.",
       keys=["RW delete|index 1|range 0 1 0"],
       args="key:key#0 *id:string"),
    _c("xgroup", -2, "", "", "5.0.0",
       "A container for consumer groups commands", "Depends on subcommand.",
       subs=[
           _c("create", -5, "write denyoom", "@stream", "5.0.0",
              "Create a consumer group.", "O(1)",
              keys=["RW insert|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the `entries_read` named argument."),
              ],
              args="key:key#0 groupname:string id:oneof(id:string '$'=new_id:pure-token) "
                   "?MKSTREAM ?ENTRIESREAD=entries_read:integer"),
           _c("createconsumer", 5, "write denyoom", "@stream", "6.2.0",
              "Create a consumer in a consumer group.", "O(1)",
              keys=["RW insert|index 2|range 0 1 0"],
              args="key:key#0 groupname:string consumername:string"),
           _c("delconsumer", 5, "write", "@stream", "5.0.0",
              "Delete a consumer from a consumer group.", "O(1)",
              keys=["RW delete|index 2|range 0 1 0"],
              args="key:key#0 groupname:string consumername:string"),
           _c("destroy", 4, "write", "@stream", "5.0.0",
              "Destroy a consumer group.",
              "O(N) where N is the number of entries in the group's pending entries list (PEL).",
              keys=["RW delete|index 2|range 0 1 0"],
              args="key:key#0 groupname:string"),
           _c("help", 2, "loading stale", "@stream", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("setid", -5, "write", "@stream", "5.0.0",
              "Set a consumer group to an arbitrary last delivered ID value.", "O(1)",
              keys=["RW update|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the optional `entries_read` argument."),
              ],
              args="key:key#0 groupname:string id:oneof(id:string '$'=new_id:pure-token) "
                   "?ENTRIESREAD=entries_read:integer"),
       ]),
    _c("xinfo", -2, "", "", "5.0.0",
       "A container for stream introspection commands", "Depends on subcommand.",
       subs=[
           _c("consumers", 4, "readonly", "@stream", "5.0.0",
              "List the consumers in a consumer group", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              tips="nondeterministic_output",
              args="key:key#0 groupname:string"),
           _c("groups", 3, "readonly", "@stream", "5.0.0",
              "List the consumer groups of a stream", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              hist=[
                  ("7.0.0", "Added the `entries-read` and `lag` fields"),
              ],
              args="key:key#0"),
           _c("help", 2, "loading stale", "@stream", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("stream", -3, "readonly", "@stream", "5.0.0",
              "Get information about a stream", "O(1)",
              keys=["RO access|index 2|range 0 1 0"],
              hist=[
                  ("6.0.0", "Added the `FULL` modifier."),
                  ("7.0.0",
                   "Added the `max-deleted-entry-id`, `entries-added`, "
                   "`recorded-first-entry-id`, `entries-read` and `lag` fields"),
              ],
              args="key:key#0 ?FULL=full:block(?COUNT=count:integer)"),
       ]),
    _c("xlen", 2, "readonly fast", "@stream", "5.0.0",
       "Return the number of entries in a stream", "O(1)",
       keys=["RO|index 1|range 0 1 0"],
       args="key:key#0"),
    _c("xpending", -3, "readonly", "@stream", "5.0.0",
       "Return information and entries from a stream consumer group pending entries list, that "
       "are messages fetched but never acknowledged.",
       "O(N) with N being the number of elements returned, so asking for a small fixed number "
       "of entries per call is O(1). O(M), where M is the total number of entries scanned when "
       "used with the IDLE filter. When the command returns just the summary and the list of "
       "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
       "iterating every consumer.",
       keys=["RO access|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0", "Added the `IDLE` option and exclusive range intervals."),
       ],
       args="key:key#0 group:string ?filters:block(?IDLE=min-idle-time:integer@6.2.0 "
            "start:string end:string count:integer ?consumer:string)"),
    _c("xrange", -4, "readonly", "@stream", "5.0.0",
       "Return a range of elements in a stream, with IDs matching the specified IDs interval",
       "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
       "asking for the first 10 elements with COUNT), you can consider it O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added exclusive ranges."),
       ],
       args="key:key#0 start:string end:string ?COUNT=count:integer"),
    _c("xread", -4, "readonly blocking", "@stream", "5.0.0",
       "Return never seen elements in multiple streams, with IDs greater than the ones reported "
       "by the caller for each stream. Can block.",
       "For each stream mentioned: O(N) with N being the number of elements being returned, it "
       "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is "
       "used, XADD will pay O(M) time in order to serve the M clients blocked on the stream "
       "getting new data.",
       keys=["RO access|keyword STREAMS 1|range -1 1 2"],
       args="?COUNT=count:integer ?BLOCK=milliseconds:integer STREAMS=streams:block(*key:key#0 "
            "*id:string)"),
    _c("xreadgroup", -7, "write blocking", "@stream", "5.0.0",
       "Return new entries from a stream using a consumer group, or access the history of the "
       "pending entries for a given consumer. Can block.",
       "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
       "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
       "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
       "serve the N clients blocked on the stream getting new data.",
       keys=["RO access|keyword STREAMS 4|range -1 1 2"],
       args="GROUP=group_consumer:block(group:string consumer:string) ?COUNT=count:integer "
            "?BLOCK=milliseconds:integer ?NOACK STREAMS=streams:block(*key:key#0 *id:string)"),
    _c("xrevrange", -4, "readonly", "@stream", "5.0.0",
       "Return a range of elements in a stream, with IDs matching the specified IDs interval, "
       "in reverse order (from greater to smaller IDs) compared to XRANGE",
       "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
       "for the first 10 elements with COUNT), you can consider it O(1).",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added exclusive ranges."),
       ],
       args="key:key#0 end:string start:string ?COUNT=count:integer"),
    _c("xsetid", -3, "write denyoom fast", "@stream", "5.0.0",
       "An internal command for replicating stream values", "O(1)",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added the `entries_added` and `max_deleted_entry_id` arguments."),
       ],
       args="key:key#0 last-id:string ?ENTRIESADDED=entries_added:integer@7.0.0 "
            "?MAXDELETEDID=max_deleted_entry_id:string@7.0.0"),
    _c("xtrim", -4, "write", "@stream", "5.0.0",
       "Trims the stream to (approximately if '~' is passed) a certain size",
       "O(N), with N being the number of evicted entries. Constant times are very small "
       "however, since entries are organized in macro nodes containing multiple entries that "
       "can be released with a single deallocation.",
       keys=["RW delete|index 1|range 0 1 0"],
       tips="nondeterministic_output",
       hist=[
           ("6.2.0", "Added the `MINID` trimming strategy and the `LIMIT` option."),
       ],
       args="key:key#0 trim:block(strategy:oneof(MAXLEN MINID@6.2.0) "
            "?operator:oneof('='=equal:pure-token '~'=approximately:pure-token) "
            "threshold:string ?LIMIT=count:integer@6.2.0)"),
]
