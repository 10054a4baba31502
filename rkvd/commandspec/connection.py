"""Connection commands: authentication, client state and the CLIENT container (Redis group "connection").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "connection"

ROWS = [
    _c("auth", -2, "noscript loading stale fast no_auth allow_busy", "@connection", "1.0.0",
       "Authenticate to the server",
       "O(N) where N is the number of passwords defined for the user",
       hist=[
           ("6.0.0", "Added ACL style (username and password)."),
       ],
       args="?username:string@6.0.0 password:string"),
    _c("client", -2, "", "", "2.4.0",
       "A container for client connection commands", "Depends on subcommand.",
       subs=[
           _c("caching", 3, "noscript loading stale", "@connection", "6.0.0",
              "Instruct the server about tracking or not keys in the next request", "O(1)",
              args="mode:oneof(YES NO)"),
           _c("getname", 2, "noscript loading stale", "@connection", "2.6.9",
              "Get the current connection name", "O(1)"),
           _c("getredir", 2, "noscript loading stale", "@connection", "6.0.0",
              "Get tracking notifications redirection client ID if any", "O(1)"),
           _c("help", 2, "loading stale", "@connection", "5.0.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("id", 2, "noscript loading stale", "@connection", "5.0.0",
              "Returns the client ID for the current connection", "O(1)"),
           _c("info", 2, "noscript loading stale", "@connection", "6.2.0",
              "Returns information about the current client connection.", "O(1)",
              tips="nondeterministic_output"),
           _c("kill", -3, "admin noscript loading stale", "@connection", "2.4.0",
              "Kill the connection of a client",
              "O(N) where N is the number of client connections",
              hist=[
                  ("2.8.12", "Added new filter format."),
                  ("2.8.12", "`ID` option."),
                  ("3.2.0", "Added `master` type in for `TYPE` option."),
                  ("5.0.0",
                   "Replaced `slave` `TYPE` with `replica`. `slave` still supported for "
                   "backward compatibility."),
                  ("6.2.0", "`LADDR` option."),
              ],
              args="filter:oneof(ip:port:string!2.8.12 "
                   "*new-format:oneof(?ID=client-id:integer@2.8.12 "
                   "?TYPE=normal_master_slave_pubsub:oneof@2.8.12(NORMAL MASTER@3.2.0 SLAVE "
                   "REPLICA@5.0.0 PUBSUB) ?USER=username:string ?ADDR=ip:port:string "
                   "?LADDR=ip:port:string@6.2.0 ?SKIPME=yes/no:string))"),
           _c("list", -2, "admin noscript loading stale", "@connection", "2.4.0",
              "Get the list of client connections",
              "O(N) where N is the number of client connections",
              tips="nondeterministic_output",
              hist=[
                  ("2.8.12", "Added unique client `id` field."),
                  ("5.0.0", "Added optional `TYPE` filter."),
                  ("6.0.0", "Added `user` field."),
                  ("6.2.0",
                   "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional "
                   "`ID` filter."),
                  ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
                  ("7.0.3", "Added `ssub` field."),
              ],
              args="?TYPE=normal_master_replica_pubsub:oneof@5.0.0(NORMAL MASTER REPLICA "
                   "PUBSUB) ?ID=id:block@6.2.0(*client-id:integer)"),
           _c("no-evict", 3, "admin noscript loading stale", "@connection", "7.0.0",
              "Set client eviction mode for the current connection", "O(1)",
              args="enabled:oneof(ON OFF)"),
           _c("pause", -3, "admin noscript loading stale", "@connection", "2.9.50",
              "Stop processing commands from clients for some time", "O(1)",
              hist=[
                  ("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."),
              ],
              args="timeout:integer ?mode:oneof@6.2.0(WRITE ALL)"),
           _c("reply", 3, "noscript loading stale", "@connection", "3.2.0",
              "Instruct the server whether to reply to commands", "O(1)",
              args="on_off_skip:oneof(ON OFF SKIP)"),
           _c("setname", 3, "noscript loading stale", "@connection", "2.6.9",
              "Set the current connection name", "O(1)",
              args="connection-name:string"),
           _c("tracking", -3, "noscript loading stale", "@connection", "6.0.0",
              "Enable or disable server assisted client side caching support",
              "O(1). Some options may introduce additional complexity.",
              args="status:oneof(ON OFF) ?REDIRECT=client-id:integer ?*+PREFIX=prefix:string "
                   "?BCAST ?OPTIN ?OPTOUT ?NOLOOP"),
           _c("trackinginfo", 2, "noscript loading stale", "@connection", "6.2.0",
              "Return information about server assisted client side caching for the current "
              "connection",
              "O(1)"),
           _c("unblock", -3, "admin noscript loading stale", "@connection", "5.0.0",
              "Unblock a client blocked in a blocking command from a different connection",
              "O(log N) where N is the number of client connections",
              args="client-id:integer ?timeout_error:oneof(TIMEOUT ERROR)"),
           _c("unpause", 2, "admin noscript loading stale", "@connection", "6.2.0",
              "Resume processing of clients that were paused",
              "O(N) Where N is the number of paused clients"),
       ]),
    _c("echo", 2, "loading stale fast", "@connection", "1.0.0",
       "Echo the given string", "O(1)",
       args="message:string"),
    _c("hello", -1, "noscript loading stale fast no_auth allow_busy", "@connection", "6.0.0",
       "Handshake with Redis", "O(1)",
       hist=[
           ("6.2.0",
            "`protover` made optional; when called without arguments the command reports the "
            "current connection's context."),
       ],
       args="?arguments:block(protover:integer ?AUTH=username_password:block(username:string "
            "password:string) ?SETNAME=clientname:string)"),
    _c("ping", -1, "fast", "@connection", "1.0.0",
       "Ping the server", "O(1)",
       tips="request_policy:all_shards response_policy:all_succeeded",
       args="?message:string"),
    _c("quit", -1, "noscript loading stale fast no_auth allow_busy", "@connection", "1.0.0",
       "Close the connection", "O(1)"),
    _c("reset", 1, "noscript loading stale fast no_auth allow_busy", "@connection", "6.2.0",
       "Reset the connection", "O(1)"),
    _c("select", 2, "loading stale fast", "@connection", "1.0.0",
       "Change the selected database for the current connection", "O(1)",
       args="index:integer"),
]
