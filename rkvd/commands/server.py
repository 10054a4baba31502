"""Server commands with no subsystem of their own: TIME, LASTSAVE and
SHUTDOWN (Redis's server.c, rdb.c, db.c).
"""

import time

from rkvd.commands.common import SYNTAX_ERROR, lower


class ServerCommands:
    def __init__(self, server):
        self.server = server

    def time(self, c, args):
        now = time.time_ns() // 1000
        c.reply_value([str(now // 1000000).encode(), str(now % 1000000).encode()])

    def lastsave(self, c, args):
        c.reply_value(int(self.server.lastsave))

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
        # The flags are checked as Redis checks them and change nothing:
        # without persistence there is nothing to save or skip, and without
        # replicas nothing to wait for (NOW) or to fail on (FORCE).
        self.server.request_shutdown()


def handlers(server):
    s = ServerCommands(server)
    return {
        "time": s.time,
        "lastsave": s.lastsave,
        "shutdown": s.shutdown,
    }
