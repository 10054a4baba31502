"""Server commands with no subsystem of their own: TIME and SHUTDOWN
(Redis's server.c, db.c). SHUTDOWN itself is the server's
prepare_for_shutdown (rkvd/server.py).
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
            # a signal the cron has not acted on yet, or a shutdown
            # waiting for the replicas
            if self.server.abort_shutdown():
                c.reply_ok()
            else:
                c.reply_error("No shutdown in progress.")
            return
        # (NO_MULTI and NOSCRIPT: never from a client that cannot block)
        if self.server.prepare_for_shutdown(flags, waiter=c) is False:
            c.reply_error("Errors trying to SHUTDOWN. Check logs.")

def handlers(server):
    s = ServerCommands(server)
    return {
        "time": s.time,
        "shutdown": s.shutdown,
    }
