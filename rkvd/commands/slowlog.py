"""SLOWLOG (Redis's slowlog.c): the commands that ran for at least
slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len.

The engine times every command for INFO commandstats and calls
``server.after_command`` only when that time reaches the lower of the slow
log's and the latency monitor's thresholds (``engine.slow_hook_us``), so a
fast command costs one comparison. A command that blocks is logged when it
leaves the wait (served or timed out), with the time its first run took, as
Redis's updateStatsOnUnblock does.
"""

import collections
import time

from rkvd.commands.common import lower, reply_help, reply_subcommand_syntax_error
from rkvd.commands.conn import CF_BLOCKED, format_addr
from rkvd.commands.redact import REDACTING, redact
from rkvd.strutil import string2ll

MAX_ARGC = 32           # Redis's SLOWLOG_ENTRY_MAX_ARGC
MAX_STRING = 128        # Redis's SLOWLOG_ENTRY_MAX_STRING


def _trimmed(argv):
    # Redis's slowlogCreateEntry: at most 32 arguments, the last saying how
    # many were left out; strings over 128 bytes cut with a note.
    argc = len(argv)
    keep = min(argc, MAX_ARGC)
    out = []
    for j in range(keep):
        if keep != argc and j == keep - 1:
            out.append(b"... (%d more arguments)" % (argc - keep + 1))
        elif len(argv[j]) > MAX_STRING:
            out.append(argv[j][:MAX_STRING] + b"... (%d more bytes)" % (len(argv[j]) - MAX_STRING))
        else:
            out.append(bytes(argv[j]))
    return out


class SlowLog:
    def __init__(self, server):
        self.server = server
        self.cfg = server.cfg
        self.entries = collections.deque()      # newest first
        self.next_id = 0
        self.blocked = {}                       # client id -> (argv, duration) until unblocked

    def command_done(self, c, cmd, duration_us):
        """After call(): log c's command if it was slow enough."""
        if cmd.spec is not None and "skip_slowlog" in cmd.spec.flags:
            return
        if c.flags & CF_BLOCKED:
            self.blocked[c.id] = (c.request_args(), duration_us)
            self.server.engine.unblock_hooks = True
            return
        self.push(c, cmd.name, c.request_args(), duration_us)

    def unblocked(self, c, logged):
        """A client left a blocking wait; logged: served or timed out (not
        dropped)."""
        pending = self.blocked.pop(c.id, None)
        if not self.blocked:
            self.server.engine.unblock_hooks = False
        if pending is not None and logged:
            argv, duration_us = pending
            name = lower(argv[0]) if argv else ""
            self.push(c, name, argv, duration_us)

    def push(self, c, name, argv, duration_us):
        slower_than = self.cfg["slowlog-log-slower-than"]
        if slower_than < 0:
            return
        if duration_us >= slower_than:
            if name in REDACTING:
                argv = list(argv)
                redact(name, argv)
            cname = c.name
            self.entries.appendleft((self.next_id, int(time.time()), duration_us, _trimmed(argv),
                                     format_addr(c.addr).encode(),
                                     bytes(cname) if cname else b""))
            self.next_id += 1
        maxlen = self.cfg["slowlog-max-len"]
        while len(self.entries) > maxlen:
            self.entries.pop()

    # -- SLOWLOG -------------------------------------------------------------

    def get(self, c, args):
        count = 10
        if len(args) > 3:
            return reply_subcommand_syntax_error(c, args)
        if len(args) == 3:
            count = string2ll(args[2])
            if count is None or count < -1:
                return c.reply_error(b"count should be greater than or equal to -1")
            if count == -1:
                count = len(self.entries)
        c.reply_value([[e[0], e[1], e[2], e[3], e[4], e[5]]
                       for _, e in zip(range(count), self.entries)])

    def len(self, c, args):
        c.reply_value(len(self.entries))

    def reset(self, c, args):
        self.entries.clear()
        c.reply_ok()

    def help(self, c, args):
        reply_help(c, b"slowlog", [
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ])


def handlers(server):
    s = server.slowlog = SlowLog(server)
    return {"slowlog": reply_subcommand_syntax_error, "slowlog|get": s.get, "slowlog|len": s.len,
            "slowlog|reset": s.reset, "slowlog|help": s.help}
