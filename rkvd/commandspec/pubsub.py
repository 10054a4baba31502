"""Publish/subscribe commands (Redis group "pubsub").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "pubsub"

ROWS = [
    _c("psubscribe", -2, "pubsub noscript loading stale", "", "2.0.0",
       "Listen for messages published to channels matching the given patterns",
       "O(N) where N is the number of patterns the client is already subscribed to.",
       args="*pattern:block(pattern:pattern)"),
    _c("publish", 3, "pubsub loading stale fast may_replicate", "", "2.0.0",
       "Post a message to a channel",
       "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
       "the total number of subscribed patterns (by any client).",
       args="channel:string message:string"),
    _c("pubsub", -2, "", "", "2.8.0",
       "A container for Pub/Sub commands", "Depends on subcommand.",
       subs=[
           _c("channels", -2, "pubsub loading stale", "", "2.8.0",
              "List active channels",
              "O(N) where N is the number of active channels, and assuming constant time "
              "pattern matching (relatively short channels and patterns)",
              args="?pattern:pattern"),
           _c("help", 2, "loading stale", "", "6.2.0",
              "Show helpful text about the different subcommands", "O(1)"),
           _c("numpat", 2, "pubsub loading stale", "", "2.8.0",
              "Get the count of unique patterns pattern subscriptions", "O(1)"),
           _c("numsub", -2, "pubsub loading stale", "", "2.8.0",
              "Get the count of subscribers for channels",
              "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
              args="?*channel:string"),
           _c("shardchannels", -2, "pubsub loading stale", "", "7.0.0",
              "List active shard channels",
              "O(N) where N is the number of active shard channels, and assuming constant time "
              "pattern matching (relatively short shard channels).",
              args="?pattern:pattern"),
           _c("shardnumsub", -2, "pubsub loading stale", "", "7.0.0",
              "Get the count of subscribers for shard channels",
              "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
              "channels",
              args="?*shardchannel:string"),
       ]),
    _c("punsubscribe", -1, "pubsub noscript loading stale", "", "2.0.0",
       "Stop listening for messages posted to channels matching the given patterns",
       "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
       "number of total patterns subscribed in the system (by any client).",
       args="?*pattern:pattern"),
    _c("spublish", 3, "pubsub loading stale fast may_replicate", "", "7.0.0",
       "Post a message to a shard channel",
       "O(N) where N is the number of clients subscribed to the receiving shard channel.",
       keys=["not_key|index 1|range 0 1 0"],
       args="shardchannel:string message:string"),
    _c("ssubscribe", -2, "pubsub noscript loading stale", "", "7.0.0",
       "Listen for messages published to the given shard channels",
       "O(N) where N is the number of shard channels to subscribe to.",
       keys=["not_key|index 1|range -1 1 0"],
       args="*shardchannel:string"),
    _c("subscribe", -2, "pubsub noscript loading stale", "", "2.0.0",
       "Listen for messages published to the given channels",
       "O(N) where N is the number of channels to subscribe to.",
       args="*channel:string"),
    _c("sunsubscribe", -1, "pubsub noscript loading stale", "", "7.0.0",
       "Stop listening for messages posted to the given shard channels",
       "O(N) where N is the number of clients already subscribed to a shard channel.",
       keys=["not_key|index 1|range -1 1 0"],
       args="?*shardchannel:string"),
    _c("unsubscribe", -1, "pubsub noscript loading stale", "", "2.0.0",
       "Stop listening for messages posted to the given channels",
       "O(N) where N is the number of clients already subscribed to a channel.",
       args="?*channel:string"),
]
