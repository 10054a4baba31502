"""CONFIG: GET, SET, RESETSTAT, REWRITE and HELP (Redis's config.c).

The parameters themselves live in the rkvd.config registry; this module is
the command front end over it.
"""

from rkvd._core.lib import bio
from rkvd.commands.common import SYNTAX_ERROR, enc, is_local_client, reply_help, reply_subcommand_syntax_error, text
from rkvd.config import ConfigError
from rkvd.replytypes import RespMap


def reset_stats(server):
    """CONFIG RESETSTAT: engine counters, command and error statistics, rates."""
    server.engine.reset_stats()
    server.info_state.reset_metrics()
    bio.reset_lazyfree_stats()
    server.replica.stat_repl_input_bytes = 0
    r = server.replication
    r.stat_sync_full = r.stat_sync_partial_ok = r.stat_sync_partial_err = 0
    r.stat_repl_output_bytes = 0


class ConfigCommands:
    def __init__(self, server):
        self.server = server
        self.engine = server.engine

    def config_container(self, c, args):
        reply_subcommand_syntax_error(c, args)

    def config_get(self, c, args):
        out = RespMap()
        for name, value in self.server.cfg.config_get([text(a) for a in args[2:]]):
            out.append((enc(name), enc(value)))
        c.reply_value(out)

    def config_set(self, c, args):
        if len(args) % 2:
            c.reply_error(SYNTAX_ERROR)
            return
        pairs = [(text(args[i]), text(args[i + 1])) for i in range(2, len(args), 2)]
        try:
            self.server.cfg.config_set(pairs, local=is_local_client(c),
                                       loading=bool(self.engine.loading or self.server.persistence.async_loading))
        except ConfigError as exc:
            msg = str(exc)
            c.reply_error(msg if msg.startswith("-") else "-" + msg)
            return
        c.reply_ok()

    def config_resetstat(self, c, args):
        reset_stats(self.server)
        c.reply_ok()

    def config_rewrite(self, c, args):
        cfg = self.server.cfg
        if not cfg.loaded_from:
            c.reply_error("The server is running without a config file")
            return
        # ACL users and modules are not built: the file's user and loadmodule
        # lines are kept as they are (the registry's rewrite without users=,
        # modules=).
        try:
            cfg.rewrite(cfg.loaded_from)
        except ConfigError as exc:
            c.reply_error(str(exc))
            return
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.server.log.warning(f"CONFIG REWRITE failed: {reason}")
            c.reply_error(f"Rewriting config file: {reason}")
            return
        self.server.log.warning("CONFIG REWRITE executed with success.")
        c.reply_ok()

    def config_help(self, c, args):
        reply_help(c, args[0], [
            "GET <pattern>",
            "    Return the parameters whose names match the glob <pattern>, with their values.",
            "SET <directive> <value> [<directive> <value> ...]",
            "    Change configuration parameters at run time.",
            "RESETSTAT",
            "    Reset the statistics INFO reports.",
            "REWRITE",
            "    Rewrite the configuration file with the current configuration.",
        ])


def handlers(server):
    s = ConfigCommands(server)
    return {
        "config": s.config_container,
        "config|get": s.config_get,
        "config|set": s.config_set,
        "config|resetstat": s.config_resetstat,
        "config|rewrite": s.config_rewrite,
        "config|help": s.config_help,
    }
