"""SAVE, BGSAVE, LASTSAVE (Redis's rdb.c) and BGREWRITEAOF (aof.c): thin
handlers over rkvd.persistence and rkvd.aof, which own the state.
"""

from rkvd.commands.common import SYNTAX_ERROR, lower


class PersistenceCommands:
    def __init__(self, server):
        self.server = server

    def save(self, c, args):
        p = self.server.persistence
        if p.child is not None and p.child.kind == "rdb":
            c.reply_error("Background save already in progress")
            return
        p.rdb_saves += 1
        if p.save():
            c.reply_ok()
        else:
            c.reply_error(b"-ERR")

    def bgsave(self, c, args):
        p = self.server.persistence
        schedule = False
        if len(args) > 1:
            if len(args) == 2 and lower(args[1]) == "schedule":
                schedule = True
            else:
                c.reply_error(SYNTAX_ERROR)
                return
        if p.child is not None and p.child.kind == "rdb":
            c.reply_error("Background save already in progress")
        elif p.child is not None:
            # Another child (the AOF rewrite): Redis forks from the cron later.
            if schedule:
                p.bgsave_scheduled = True
                c.reply_value("Background saving scheduled")
            else:
                c.reply_error("Another child process is active (AOF?): can't BGSAVE right now. "
                              "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever "
                              "possible.")
        elif p.bgsave():
            c.reply_value("Background saving started")
        else:
            c.reply_error(b"-ERR")

    def bgrewriteaof(self, c, args):
        self.server.persistence.aof.bgrewriteaof(c)

    def lastsave(self, c, args):
        c.reply_value(int(self.server.persistence.lastsave))


def handlers(server):
    s = PersistenceCommands(server)
    return {"save": s.save, "bgsave": s.bgsave, "lastsave": s.lastsave,
            "bgrewriteaof": s.bgrewriteaof}
