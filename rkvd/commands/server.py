"""Server commands with no subsystem of their own: TIME and SHUTDOWN
(Redis's server.c, db.c).
"""

import time

from rkvd.commands.common import SYNTAX_ERROR, lower


class ServerCommands:
    def __init__(self, server):
        self.server = server

    def time(self, c, args):
        now = time.time_ns() // 1000
        c.reply_value([str(now // 1000000).encode(), str(now % 1000000).encode()])

    def shutdown(self, c, args):
        flags = set()
        abort = False
        for a in args[1:]:
            opt = lower(a)
            if opt in ("nosave", "save", "now", "force"):
                flags.add(opt)
            elif opt == "abort":
                abort = True
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        if (abort and flags) or ("nosave" in flags and "save" in flags):
            c.reply_error(SYNTAX_ERROR)
            return
        if abort:
            # Shutdown happens at once (no replicas to wait for), so there is
            # never one in progress to abort.
            c.reply_error("No shutdown in progress.")
            return
        # Saved here, so that a failure answers the client; there are no
        # replicas to wait for (NOW).
        self.server.log.warning("User requested shutdown...")
        if not self.server.persistence.shutdown_save(flags):
            c.reply_error("Errors trying to SHUTDOWN. Check logs.")
            return
        self.server.request_shutdown(flags | {"nosave"})


def handlers(server):
    s = ServerCommands(server)
    return {
        "time": s.time,
        "shutdown": s.shutdown,
    }
