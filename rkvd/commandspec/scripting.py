"""Scripting commands: EVAL, functions and their containers (Redis group "scripting").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "scripting"

ROWS = [
    _c("eval", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "2.6.0",
       "Execute a Lua script server side", "Depends on the script that is executed.",
       keys=[
           "RW access update|index 2|keynum 0 1 1|We cannot tell how the keys will be used so "
           "we assume the worst, RW and UPDATE",
       ],
       args="script:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Execute a read-only Lua script server side", "Depends on the script that is executed.",
       keys=[
           "RO access|index 2|keynum 0 1 1|We cannot tell how the keys will be used so we "
           "assume the worst, RO and ACCESS",
       ],
       args="script:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("evalsha", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "2.6.0",
       "Execute a Lua script server side", "Depends on the script that is executed.",
       keys=["RW access update|index 2|keynum 0 1 1"],
       args="sha1:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Execute a read-only Lua script server side", "Depends on the script that is executed.",
       keys=["RO access|index 2|keynum 0 1 1"],
       args="sha1:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("fcall", -3, "noscript stale skip_monitor no_mandatory_keys may_replicate",
       "@scripting", "7.0.0",
       "Invoke a function", "Depends on the function that is executed.",
       keys=[
           "RW access update|index 2|keynum 0 1 1|We cannot tell how the keys will be used so "
           "we assume the worst, RW and UPDATE",
       ],
       args="function:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
       "@scripting", "7.0.0",
       "Invoke a read-only function", "Depends on the function that is executed.",
       keys=[
           "RO access|index 2|keynum 0 1 1|We cannot tell how the keys will be used so we "
           "assume the worst, RO and ACCESS",
       ],
       args="function:string numkeys:integer ?*key:key#0 ?*arg:string"),
    _c("function", -2, "", "", "7.0.0",
       "A container for function commands", "Depends on subcommand.",
       subs=[
           _c("delete", 3, "write noscript", "@scripting", "7.0.0",
              "Delete a function by name", "O(1)",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="library-name:string"),
           _c("dump", 2, "noscript", "@scripting", "7.0.0",
              "Dump all functions into a serialized binary payload",
              "O(N) where N is the number of functions"),
           _c("flush", -2, "write noscript", "@scripting", "7.0.0",
              "Deleting all functions", "O(N) where N is the number of functions deleted",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="?async:oneof(ASYNC SYNC)"),
           _c("help", 2, "loading stale", "@scripting", "7.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("kill", 2, "noscript allow_busy", "@scripting", "7.0.0",
              "Kill the function currently in execution.", "O(1)",
              tips="request_policy:all_shards response_policy:one_succeeded"),
           _c("list", -2, "noscript", "@scripting", "7.0.0",
              "List information about all the functions",
              "O(N) where N is the number of functions",
              tips="nondeterministic_output_order",
              args="?LIBRARYNAME=library-name-pattern:string ?WITHCODE"),
           _c("load", -3, "write denyoom noscript", "@scripting", "7.0.0",
              "Create a function with the given arguments (name, code, description)",
              "O(1) (considering compilation time is redundant)",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="?REPLACE function-code:string"),
           _c("restore", -3, "write denyoom noscript", "@scripting", "7.0.0",
              "Restore all the functions on the given payload",
              "O(N) where N is the number of functions on the payload",
              tips="request_policy:all_shards response_policy:all_succeeded",
              args="serialized-value:string ?policy:oneof(FLUSH APPEND REPLACE)"),
           _c("stats", 2, "noscript allow_busy", "@scripting", "7.0.0",
              "Return information about the function currently running (name, description, "
              "duration)",
              "O(1)",
              tips="nondeterministic_output request_policy:all_shards response_policy:special"),
       ]),
    _c("script", -2, "", "", "2.6.0",
       "A container for Lua scripts management commands", "Depends on subcommand.",
       subs=[
           _c("debug", 3, "noscript", "@scripting", "3.2.0",
              "Set the debug mode for executed scripts.", "O(1)",
              args="mode:oneof(YES SYNC NO)"),
           _c("exists", -3, "noscript", "@scripting", "2.6.0",
              "Check existence of scripts in the script cache.",
              "O(N) with N being the number of scripts to check (so checking a single script is "
              "an O(1) operation).",
              tips="request_policy:all_shards response_policy:agg_logical_and",
              args="*sha1:string"),
           _c("flush", -2, "noscript", "@scripting", "2.6.0",
              "Remove all the scripts from the script cache.",
              "O(N) with N being the number of scripts in cache",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              hist=[
                  ("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers."),
              ],
              args="?async:oneof@6.2.0(ASYNC SYNC)"),
           _c("help", 2, "loading stale", "@scripting", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("kill", 2, "noscript allow_busy", "@scripting", "2.6.0",
              "Kill the script currently in execution.", "O(1)",
              tips="request_policy:all_shards response_policy:one_succeeded"),
           _c("load", 3, "noscript stale", "@scripting", "2.6.0",
              "Load the specified Lua script into the script cache.",
              "O(N) with N being the length in bytes of the script body.",
              tips="request_policy:all_nodes response_policy:all_succeeded",
              args="script:string"),
       ]),
]
