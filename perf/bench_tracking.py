#!/usr/bin/env python3
"""Client-side caching: GET/SET with and without tracking clients, rkvd vs
redis-server side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py) and runs each
workload against both, interleaved (the order flips every round). One
client pipelines a 50/50 mix of GET and SET over --keys keys (every key
exists, values of 4 bytes), in batches of --depth:

  notrack   no tracking client anywhere: the cost of the hooks when unused
  track     the client has CLIENT TRACKING ON with its invalidations
            redirected to a RESP2 subscriber of __redis__:invalidate: each
            GET records its key, each SET of a recorded key sends a message
  bcast     a second connection is in BCAST mode (empty prefix, redirected
            the same way): every SET is gathered and broadcast once per loop
            iteration

The figures are commands/s and server CPU microseconds per command; ratios
are rkvd / redis medians over the rounds (throughput: > 1 means rkvd
faster; CPU: < 1 means rkvd cheaper).

Examples:
  python perf/bench_tracking.py
  python perf/bench_tracking.py --rounds 5 --only notrack,track --markdown
"""
import argparse
import os
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import HOST, KINDS, ServerPair, cpu_seconds, encode, interleaved_rounds, loadavg

WORKLOADS = ("notrack", "track", "bcast")
VALUE = b"vvvv"
GET_REPLY = b"$4\r\nvvvv\r\n"
SET_REPLY = b"+OK\r\n"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--commands", type=int, default=100000, help="commands per run (default 100000)")
    ap.add_argument("--keys", type=int, default=10000, help="key space (default 10000)")
    ap.add_argument("--depth", type=int, default=50, help="commands per pipeline write (default 50)")
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def _connect(port):
    s = socket.create_connection((HOST, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _command(sock, *args):
    sock.sendall(encode(*args))
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += sock.recv(1 << 16)
    return buf


def _read_bytes(sock, n):
    got = 0
    while got < n:
        data = sock.recv(1 << 18)
        if not data:
            raise ConnectionError("server closed the connection")
        got += len(data)


class Drainer(threading.Thread):
    """Reads a subscriber socket until told to stop (invalidation messages)."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.got = 0

    def run(self):
        while not self.stop.is_set():
            try:
                data = self.sock.recv(1 << 18)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            self.got += len(data)


def _subscriber(port):
    s = _connect(port)
    sid = int(_command(s, "CLIENT", "ID")[1:-2])
    s.sendall(encode("SUBSCRIBE", "__redis__:invalidate"))
    buf = b""
    while buf.count(b"\r\n") < 6:
        buf += s.recv(1 << 16)
    return s, sid


def run_workload(name, server, args):
    port = server.port
    conns = []
    drainer = None
    c = _connect(port)
    conns.append(c)
    _command(c, "FLUSHALL")
    keys = [b"k:%06d" % i for i in range(args.keys)]
    for i in range(0, len(keys), 1000):
        mset = []
        for k in keys[i:i + 1000]:
            mset += [k, VALUE]
        _command(c, "MSET", *mset)
    if name != "notrack":
        sub, sid = _subscriber(port)
        conns.append(sub)
        drainer = Drainer(sub)
        drainer.start()
        if name == "track":
            _command(c, "CLIENT", "TRACKING", "on", "REDIRECT", str(sid))
        else:
            b = _connect(port)
            conns.append(b)
            _command(b, "CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", str(sid))
    batches = []
    for i in range(0, args.commands, args.depth):
        cmds, size = [], 0
        for j in range(i, min(i + args.depth, args.commands)):
            # a GET and then a SET of the same key: with an even key count a
            # stride over j alone would give GETs and SETs disjoint keys
            k = keys[((j // 2) * 7919) % args.keys]
            if j % 2:
                cmds.append(encode("SET", k, VALUE))
                size += len(SET_REPLY)
            else:
                cmds.append(encode("GET", k))
                size += len(GET_REPLY)
        batches.append((b"".join(cmds), size))
    u0, s0 = cpu_seconds(server.pid)
    t0 = time.perf_counter()
    for payload, size in batches:
        c.sendall(payload)
        _read_bytes(c, size)
    wall = time.perf_counter() - t0
    u1, s1 = cpu_seconds(server.pid)
    if drainer is not None:
        time.sleep(0.3)
        drainer.stop.set()
        drainer.join()
        assert drainer.got > 0, (name, "no invalidation arrived")
    for s in conns:
        s.close()
    cpu = (u1 - u0) + (s1 - s0)
    return {"ops": args.commands / wall, "cpu_us": cpu * 1e6 / args.commands}


def main(argv=None):
    args = parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    with ServerPair(KINDS, required=KINDS) as pair:
        for kind in KINDS:
            print(pair.servers[kind].describe(), file=sys.stderr)
        results = interleaved_rounds(pair, names, args.rounds,
                                     lambda name, server: run_workload(name, server, args))
    print(f"load average {loadavg()}", file=sys.stderr)
    rows = []
    for name in names:
        a, b = results[name]["rkvd"], results[name]["redis"]
        ra = statistics.median(x["ops"] for x in a)
        rb = statistics.median(x["ops"] for x in b)
        ca = statistics.median(x["cpu_us"] for x in a)
        cb = statistics.median(x["cpu_us"] for x in b)
        rows.append((name, ra, rb, ra / rb, ca, cb, ca / cb))
    if args.markdown:
        print("| workload | rkvd cmd/s | redis cmd/s | ratio | rkvd CPU us/cmd | redis CPU us/cmd | CPU ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]:,.0f} | {r[2]:,.0f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f} |")
    else:
        for r in rows:
            print(f"{r[0]:8} rkvd {r[1]:10,.0f}/s redis {r[2]:10,.0f}/s ratio {r[3]:.2f}   "
                  f"CPU us/cmd rkvd {r[4]:.2f} redis {r[5]:.2f} ratio {r[6]:.2f}")


if __name__ == "__main__":
    main()
