"""PUBSUB introspection (Redis's pubsub.c) over the engine's subscription
tables; the subscribe and publish commands themselves are the engine's
(engine/pubsub.pyx). RESET drops a client's subscriptions and MONITOR mode.
"""

from rkvd.commands.common import lower, reply_help, reply_subcommand_syntax_error

_HELP = [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
]


class PubsubCommands:
    def __init__(self, server):
        self.engine = server.engine

    def pubsub(self, c, args):
        argc = len(args)
        sub = lower(args[1])
        e = self.engine
        if argc == 2 and sub == "help":
            reply_help(c, args[0], _HELP)
        elif sub in ("channels", "shardchannels") and argc in (2, 3):
            c.reply_value(e.pubsub_channels(args[2] if argc == 3 else None, sub == "shardchannels"))
        elif sub in ("numsub", "shardnumsub"):
            out = []
            for ch in args[2:]:
                out += [bytes(ch), e.pubsub_numsub(bytes(ch), sub == "shardnumsub")]
            c.reply_value(out)
        elif sub == "numpat" and argc == 2:
            c.reply_value(e.pubsub_numpat)
        else:
            reply_subcommand_syntax_error(c, args)


def _reset(server, c):
    c.pubsub_reset()


def handlers(server):
    from rkvd.commands.conn import register_reset_hook
    register_reset_hook(_reset)
    s = PubsubCommands(server)
    return {"pubsub": s.pubsub}
