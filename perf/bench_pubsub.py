#!/usr/bin/env python3
"""Pub/sub fan-out: rkvd vs redis-server, side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py) and runs each
workload against both, interleaved (the order flips every round):

  fanout100    1 channel, 100 subscribers, one publisher pipelining
               PUBLISHes of 100-byte messages; the figure is server CPU
               microseconds per delivered message (lower is better)
  channels10k  10,000 channels with one subscriber each (100 connections
               subscribed to 100 channels each), PUBLISH round-robin over
               them; PUBLISH/s
  patterns50   50 pattern subscribers (50 connections, patterns
               "news.<i>.*"), PUBLISH to channels one of them matches;
               PUBLISH/s

and, once per server, the memory per subscription: the growth of the
server's RSS while one connection subscribes to --mem-channels channels.

Every run waits until the subscribers have received every message, so the
delivery is inside the measurement. Ratios are rkvd / redis medians over the
rounds (throughput: > 1 means rkvd faster; CPU per message: < 1 means rkvd
cheaper).

Examples:
  python perf/bench_pubsub.py
  python perf/bench_pubsub.py --rounds 5 --only fanout100 --markdown
"""
import argparse
import os
import selectors
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import HOST, KINDS, ServerPair, cpu_seconds, encode, interleaved_rounds, loadavg, rss_bytes

WORKLOADS = ("fanout100", "channels10k", "patterns50")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--messages", type=int, default=20000, help="PUBLISHes per run (default 20000)")
    ap.add_argument("--depth", type=int, default=50, help="PUBLISHes per pipeline write (default 50)")
    ap.add_argument("--mem-channels", type=int, default=200000,
                    help="channels subscribed for the memory figure (default 200000)")
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def _connect(port):
    s = socket.create_connection((HOST, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _read_exact_replies(sock, marker_count):
    # subscribe confirmations: read until marker_count ":<n>\r\n" lines
    buf = b""
    while buf.count(b"\r\n:") < marker_count:
        buf += sock.recv(1 << 16)


class Drainer(threading.Thread):
    """Reads every subscriber socket until `expected` bytes came in total."""

    def __init__(self, socks, expected):
        super().__init__(daemon=True)
        self.socks = socks
        self.expected = expected
        self.got = 0
        self.done = threading.Event()

    def run(self):
        sel = selectors.DefaultSelector()
        for s in self.socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while self.got < self.expected:
            for key, _ in sel.select(5):
                try:
                    data = key.fileobj.recv(1 << 18)
                except BlockingIOError:
                    continue
                self.got += len(data)
        sel.close()
        for s in self.socks:
            s.setblocking(True)
        self.done.set()


def _frame(kind, parts):
    out = b"*%d\r\n" % (len(parts) + 1) + b"$%d\r\n%s\r\n" % (len(kind), kind)
    for p in parts:
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


def _publish_all(port, commands, depth):
    pub = _connect(port)
    pending = 0
    buf = b""
    for i in range(0, len(commands), depth):
        pub.sendall(b"".join(commands[i:i + depth]))
        pending += len(commands[i:i + depth])
        while pending:
            buf += pub.recv(1 << 16)
            n = buf.count(b"\r\n")
            pending_left = pending - n
            if pending_left <= 0:
                buf = b""
                pending = 0
            else:
                # keep reading until every reply of this batch arrived
                continue
    pub.close()


def run_workload(name, server, args):
    port = server.port
    msg = b"x" * 100
    subs = []
    if name == "fanout100":
        ch = b"bench.fanout"
        for _ in range(100):
            s = _connect(port)
            s.sendall(encode("SUBSCRIBE", ch))
            _read_exact_replies(s, 1)
            subs.append(s)
        cmds = [encode("PUBLISH", ch, msg)] * args.messages
        expected = len(_frame(b"message", [ch, msg])) * args.messages * 100
        delivered = args.messages * 100
    elif name == "channels10k":
        chans = [b"bench.ch.%05d" % i for i in range(10000)]
        for i in range(100):
            s = _connect(port)
            s.sendall(encode("SUBSCRIBE", *chans[i * 100:(i + 1) * 100]))
            _read_exact_replies(s, 100)
            subs.append(s)
        cmds = [encode("PUBLISH", chans[i % 10000], msg) for i in range(args.messages)]
        expected = sum(len(_frame(b"message", [chans[i % 10000], msg])) for i in range(args.messages))
        delivered = args.messages
    else:
        for i in range(50):
            s = _connect(port)
            s.sendall(encode("PSUBSCRIBE", b"news.%d.*" % i))
            _read_exact_replies(s, 1)
            subs.append(s)
        chans = [b"news.%d.item" % (i % 50) for i in range(args.messages)]
        cmds = [encode("PUBLISH", c, msg) for c in chans]
        expected = sum(len(_frame(b"pmessage", [b"news.%d.*" % (i % 50), chans[i], msg]))
                       for i in range(args.messages))
        delivered = args.messages
    drainer = Drainer(subs, expected)
    drainer.start()
    u0, s0 = cpu_seconds(server.pid)
    t0 = time.perf_counter()
    _publish_all(port, cmds, args.depth)
    drainer.done.wait(120)
    wall = time.perf_counter() - t0
    u1, s1 = cpu_seconds(server.pid)
    for s in subs:
        s.close()
    assert drainer.got >= expected, (name, drainer.got, expected)
    cpu = (u1 - u0) + (s1 - s0)
    return {"publish_per_s": args.messages / wall, "cpu_us_per_msg": cpu * 1e6 / delivered}


def memory_per_subscription(server, n):
    s = _connect(server.port)
    before = rss_bytes(server.pid)
    batch = 1000
    for i in range(0, n, batch):
        s.sendall(encode("SUBSCRIBE", *[b"mem.channel.%08d" % j for j in range(i, i + batch)]))
        _read_exact_replies(s, batch)
    time.sleep(0.2)
    per = (rss_bytes(server.pid) - before) / n
    s.close()
    return per


def main(argv=None):
    args = parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    with ServerPair(KINDS, required=KINDS) as pair:
        for kind in KINDS:
            print(pair.servers[kind].describe(), file=sys.stderr)
        results = interleaved_rounds(pair, names, args.rounds,
                                     lambda name, server: run_workload(name, server, args))
        mem = {kind: memory_per_subscription(pair.servers[kind], args.mem_channels) for kind in KINDS}
    print(f"load average {loadavg()}", file=sys.stderr)
    rows = []
    for name in names:
        a, b = results[name]["rkvd"], results[name]["redis"]
        ra = statistics.median(x["publish_per_s"] for x in a)
        rb = statistics.median(x["publish_per_s"] for x in b)
        ca = statistics.median(x["cpu_us_per_msg"] for x in a)
        cb = statistics.median(x["cpu_us_per_msg"] for x in b)
        rows.append((name, ra, rb, ra / rb, ca, cb, ca / cb))
    if args.markdown:
        print("| workload | rkvd PUBLISH/s | redis PUBLISH/s | ratio | rkvd CPU us/msg "
              "| redis CPU us/msg | CPU ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]:,.0f} | {r[2]:,.0f} | {r[3]:.2f} | {r[4]:.3f} | {r[5]:.3f} | {r[6]:.2f} |")
    else:
        for r in rows:
            print(f"{r[0]:12} rkvd {r[1]:10,.0f}/s redis {r[2]:10,.0f}/s ratio {r[3]:.2f}   "
                  f"CPU us/msg rkvd {r[4]:.3f} redis {r[5]:.3f} ratio {r[6]:.2f}")
    print(f"memory per subscription (RSS growth over {args.mem_channels} channels): "
          f"rkvd {mem['rkvd']:.0f} B, redis {mem['redis']:.0f} B, ratio {mem['rkvd'] / mem['redis']:.2f}")


if __name__ == "__main__":
    main()
