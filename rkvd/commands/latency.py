"""LATENCY (Redis's latency.c and sparkline.c): the latency monitor.

Each event (command, fast-command, fork, aof-fsync-always ...) keeps the
last 160 seconds in which it took at least latency-monitor-threshold
milliseconds: one sample per second, the worst of that second, plus its
all-time maximum. The threshold 0 turns sampling off.
"""

import time

from rkvd.commands.common import cstr, reply_help, reply_subcommand_syntax_error
from rkvd.replytypes import RespMap

TS_LEN = 160            # Redis's LATENCY_TS_LEN
GRAPH_COLS = 80         # Redis's LATENCY_GRAPH_COLS
GRAPH_ROWS = 4
_FILL = "_o#"           # sparkline characters, lowest first


class Series:
    __slots__ = ("samples", "max")

    def __init__(self):
        self.samples = []       # [time, latency_ms], oldest first, at most TS_LEN
        self.max = 0


class LatencyMonitor:
    def __init__(self, server):
        self.server = server
        self.cfg = server.cfg
        self.events = {}        # name -> Series, in creation order

    def sample(self, event, latency_ms):
        """Redis's latencyAddSampleIfNeeded: record when monitoring is on and
        latency_ms reaches the threshold."""
        threshold = self.cfg["latency-monitor-threshold"]
        if threshold and latency_ms >= threshold:
            self.add(event, latency_ms)

    def add(self, event, latency_ms):
        ts = self.events.get(event)
        if ts is None:
            ts = self.events[event] = Series()
        ts.max = max(ts.max, latency_ms)
        now = int(time.time())
        if ts.samples and ts.samples[-1][0] == now:
            # one sample per second: the worst
            ts.samples[-1][1] = max(ts.samples[-1][1], latency_ms)
            return
        ts.samples.append([now, latency_ms])
        if len(ts.samples) > TS_LEN:
            del ts.samples[0]

    def command_done(self, cmd, duration_us):
        if cmd.spec is not None and "fast" in cmd.spec.flags:
            self.sample("fast-command", duration_us // 1000)
        else:
            self.sample("command", duration_us // 1000)

    # -- LATENCY -------------------------------------------------------------

    def latest(self, c, args):
        c.reply_value([[name.encode(), ts.samples[-1][0], ts.samples[-1][1], ts.max]
                       for name, ts in self.events.items()])

    def history(self, c, args):
        ts = self.events.get(cstr(args[2]).decode("latin-1"))
        c.reply_value([] if ts is None else [list(s) for s in ts.samples])

    def reset(self, c, args):
        if len(args) == 2:
            n = len(self.events)
            self.events.clear()
        else:
            n = 0
            for a in args[2:]:
                want = cstr(a).decode("latin-1").lower()
                for name in [e for e in self.events if e.lower() == want]:
                    del self.events[name]
                    n += 1
        c.reply_value(n)

    def graph(self, c, args):
        name = cstr(args[2]).decode("latin-1")
        ts = self.events.get(name)
        if ts is None:
            return c.reply_error(b"No samples available for event '" + cstr(args[2]) + b"'")
        c.reply_verbatim(graph_text(name, ts, int(time.time())))

    def doctor(self, c, args):
        c.reply_verbatim(self.report())

    def histogram(self, c, args):
        """LATENCY HISTOGRAM [command ...]: each command's (or, for a
        container, each of its subcommands') latency distribution, leaving
        out unknown names and commands without recorded calls."""
        engine = self.server.engine
        if len(args) == 2:
            cmds = []
            for name, cmd in list(engine.commands.items()):
                if "|" not in name:
                    cmds.append(cmd)
                    if cmd.subcommands:
                        cmds.extend(cmd.subcommands.values())
        else:
            cmds = []
            for a in args[2:]:
                cmd = engine.commands.get(bytes(a).decode("latin-1").lower())
                if cmd is None:
                    continue
                cmds.append(cmd)
                if cmd.subcommands:
                    cmds.extend(cmd.subcommands.values())
        out = RespMap()
        for cmd in cmds:
            cdf = cmd.latency_cdf()
            if cdf is not None:
                calls, buckets = cdf
                out.append((cmd.name.encode(), RespMap([
                    (b"calls", calls),
                    (b"histogram_usec", RespMap(zip(buckets[::2], buckets[1::2])))])))
        c.reply_value(out)

    def help(self, c, args):
        reply_help(c, b"latency", [
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram "
            "for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ])

    def report(self):
        """LATENCY DOCTOR: Redis's per-event statistics and the Slow Log
        advice it derives from command events. Advice that needs analyses
        rkvd does not make (fork rate, disk, THP, ...) is left out."""
        threshold = self.cfg["latency-monitor-threshold"]
        if not self.events and threshold == 0:
            return ("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this "
                    "Redis instance. You may use \"CONFIG SET latency-monitor-threshold "
                    "<milliseconds>.\" in order to enable it. If we weren't in a deep space "
                    "mission I'd suggest to take a look at "
                    "https://redis.io/topics/latency-monitor.\n")
        out = []
        advice = []
        large = False
        now = int(time.time())
        for num, (name, ts) in enumerate(self.events.items(), 1):
            if num == 1:
                out.append("Dave, I have observed latency spikes in this Redis instance. "
                           "You don't mind talking about it, do you Dave?\n\n")
            lat = [s[1] for s in ts.samples]
            n = len(lat)
            avg = sum(lat) // n if n else 0
            mad = sum(abs(avg - v) for v in lat) // n if n else 0
            period = max(1, now - min(s[0] for s in ts.samples)) if n else 0
            out.append("%d. %s: %d latency spikes (average %dms, mean deviation %dms, "
                       "period %.2f sec). Worst all time event %dms.\n"
                       % (num, name, n, avg, mad, period / n if n else float("nan"), ts.max))
            if name == "command":
                slower = self.cfg["slowlog-log-slower-than"]
                if slower < 0:
                    advice.append(
                        "- There are latency issues with potentially slow commands you are "
                        "using. Try to enable the Slow Log Redis feature using the command "
                        "'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled "
                        "Redis is not able to log slow commands execution for you.\n"
                        % (threshold * 1000))
                elif slower // 1000 > threshold:
                    advice.append(
                        "- Your current Slow Log configuration only logs events that are slower "
                        "than your configured latency monitor threshold. Please use "
                        "'CONFIG SET slowlog-log-slower-than %d'.\n" % (threshold * 1000))
                advice.append(
                    "- Check your Slow Log to understand what are the commands you are running "
                    "which are too slow to execute. Please check "
                    "https://redis.io/commands/slowlog for more information.\n")
                large = True
        if not self.events:
            out.append("Dave, no latency spike was observed during the lifetime of this Redis "
                       "instance, not in the slightest bit. I honestly think you ought to sit "
                       "down calmly, take a stress pill, and think things over.\n")
        elif not advice:
            out.append("\nWhile there are latency events logged, I'm not able to suggest any "
                       "easy fix. Please use the Redis community to get some help, providing "
                       "this report in your help request.\n")
        else:
            out.append("\nI have a few advices for you:\n\n")
            out.extend(dict.fromkeys(advice))
            if large:
                out.append("- Deleting, expiring or evicting (because of maxmemory policy) large "
                           "objects is a blocking operation. If you have very large objects that "
                           "are often deleted, expired, or evicted, try to fragment those objects "
                           "into multiple smaller objects.\n")
        return "".join(out)


def _label(elapsed):
    if elapsed < 60:
        return "%ds" % elapsed
    if elapsed < 3600:
        return "%dm" % (elapsed // 60)
    if elapsed < 86400:
        return "%dh" % (elapsed // 3600)
    return "%dd" % (elapsed // 86400)


def graph_text(name, ts, now):
    """Redis's LATENCY GRAPH: a header, a rule, then the samples as a filled
    sparkline 4 rows high, each column labelled (vertically) with how long
    ago it was taken."""
    values = [s[1] for s in ts.samples]
    labels = [_label(now - s[0]) for s in ts.samples]
    lo = min(values) if values else 0
    hi = max(values) if values else 0
    out = ["%s - high %d ms, low %d ms (all time high %d ms)\n" % (name, hi, lo, ts.max),
           "-" * GRAPH_COLS + "\n"]
    for j in range(0, len(values), GRAPH_COLS):
        if j:
            out.append("\n")
        out.append(_sparkline(values[j:j + GRAPH_COLS], labels[j:j + GRAPH_COLS], lo, hi))
    return "".join(out)


def _sparkline(values, labels, lo, hi):
    # Redis's sparklineRenderRange with SPARKLINE_FILL: each value maps to
    # one of rows*3 steps; a column is '|' below its top row, then a blank
    # row, then its label one character a row.
    steps = len(_FILL) * GRAPH_ROWS
    rel = float(hi - lo) or 1.0
    cols = []
    for v in values:
        step = int((v - lo) * steps / rel)
        cols.append(min(max(step, 0), steps - 1))
    lines = []
    for row in range(GRAPH_ROWS):
        chars = []
        for step in cols:
            idx = step - (GRAPH_ROWS - row - 1) * len(_FILL)
            if 0 <= idx < len(_FILL):
                chars.append(_FILL[idx])
            elif idx >= len(_FILL):
                chars.append("|")
            else:
                chars.append(" ")
        lines.append("".join(chars))
    lines.append(" " * len(values))      # the margin above the labels
    for k in range(max((len(lb) for lb in labels), default=0)):
        lines.append("".join(lb[k] if k < len(lb) else " " for lb in labels))
    return "".join(line + "\n" for line in lines)


def handlers(server):
    m = server.latency = LatencyMonitor(server)
    return {"latency": reply_subcommand_syntax_error, "latency|latest": m.latest,
            "latency|history": m.history, "latency|reset": m.reset, "latency|graph": m.graph,
            "latency|doctor": m.doctor, "latency|histogram": m.histogram, "latency|help": m.help}
