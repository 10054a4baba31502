#!/usr/bin/env python3
"""Streams: rkvd vs redis-server, side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py) and runs each
workload against both, interleaved (the order flips every round):

  xadd        redis-benchmark "XADD bench:s * f1 v1 f2 v2" (-c 50) at each
              pipeline depth; requests/s and server CPU us per request
  xrange      redis-benchmark "XRANGE bench:r - + COUNT 10" on a stream of
              10,000 entries, the same measures
  jobqueue    the job queue on consumer groups (tests/types/test_stream_jobqueue.py):
              --jobs tasks XADDed by a producer, --workers worker connections
              each looping XREADGROUP COUNT 10 BLOCK + XACK; tasks/s and
              server CPU us per task
  memory      --entries entries of 2 small fields (f <i> g <i>) XADDed with
              automatic IDs into one stream; used_memory growth of each side
              (bytes per entry) and the ratio (RSS is no measure here: later
              rounds reuse the pages the first round's DEL freed)

Columns: median of each side, ratio = median of the per-round ratios
rkvd / redis (> 1: rkvd faster, or for CPU and memory: rkvd spends more)
with their min..max.

Examples:
  python perf/bench_streams.py
  python perf/bench_streams.py --rounds 5 --only xadd,xrange --markdown
  RKVD_PERF_CMD=redis-server python perf/bench_streams.py     # noise floor
"""
import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, ServerPair, cpu_seconds, encode, loadavg, parse_info

WORKLOADS = ("xadd", "xrange", "jobqueue", "memory")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--only", default=",".join(WORKLOADS), help=f"comma list (default {','.join(WORKLOADS)})")
    ap.add_argument("-P", "--pipelines", default="1,16", help="pipeline depths (default 1,16)")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", default="1:100000,16:1000000",
                    help="requests per run: N, or P:N pairs (default 1:100000,16:1000000)")
    ap.add_argument("--jobs", type=int, default=50_000, help="job-queue tasks (default 50,000)")
    ap.add_argument("--workers", type=int, default=50, help="job-queue workers (default 50)")
    ap.add_argument("--entries", type=int, default=1_000_000, help="memory: entries (default 1e6)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", help="write raw results here")
    return ap.parse_args(argv)


# ---------------------------------------------------------------------------
# redis-benchmark with an arbitrary command
# ---------------------------------------------------------------------------

def benchmark(server, argv, n, clients, pipeline):
    """(requests/s, server CPU seconds) of one redis-benchmark run of argv."""
    cmd = [rbench.BENCH, "-h", HOST, "-p", str(server.port), "-c", str(clients), "-n", str(n),
           "-P", str(pipeline), "--csv", *argv]
    u0, s0 = cpu_seconds(server.pid)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    u1, s1 = cpu_seconds(server.pid)
    rows = [row for row in csv.reader(io.StringIO(r.stdout)) if row and row[0] != "test"]
    if r.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark failed: {r.stderr.strip()[-200:]}")
    return float(rows[-1][1]), (u1 - u0) + (s1 - s0)


class Conn:
    """A blocking RESP2 connection with pipelining (enough for set-up)."""

    def __init__(self, port):
        self.sock = socket.create_connection((HOST, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest
        n = int(rest)
        if n < 0:
            return None
        if kind == b"$":
            return self._exact(n)
        return [self.read() for _ in range(n)]

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read()

    def pipeline(self, payloads):
        self.sock.sendall(b"".join(payloads))
        return [self.read() for _ in payloads]


def used_memory(port):
    c = Conn(port)
    try:
        return int(parse_info(c.call("INFO", "memory"))["used_memory"])
    finally:
        c.close()


# ---------------------------------------------------------------------------
# workloads: run(server, args) -> [(label, ops, value, cpu_us_per_op)]
# ---------------------------------------------------------------------------

def run_xadd(server, a, nmap):
    out = []
    for p in rbench.int_list(a.pipelines):
        c = Conn(server.port)
        c.call("DEL", "bench:s")
        c.close()
        rps, cpu = benchmark(server, ["XADD", "bench:s", "*", "f1", "v1", "f2", "v2"], nmap[p], a.clients, p)
        out.append((f"xadd P={p}", nmap[p], rps, cpu / nmap[p] * 1e6))
    return out


def run_xrange(server, a, nmap):
    c = Conn(server.port)
    c.call("DEL", "bench:r")
    for base in range(0, 10_000, 1000):
        c.pipeline([encode("XADD", "bench:r", "*", "f1", b"v%d" % i, "f2", b"w%d" % i)
                    for i in range(base, base + 1000)])
    c.close()
    out = []
    for p in rbench.int_list(a.pipelines):
        rps, cpu = benchmark(server, ["XRANGE", "bench:r", "-", "+", "COUNT", "10"], nmap[p], a.clients, p)
        out.append((f"xrange P={p}", nmap[p], rps, cpu / nmap[p] * 1e6))
    return out


def run_jobqueue(server, a, nmap):
    """Producer XADDs a.jobs tasks; a.workers workers XREADGROUP + XACK until
    every task is acknowledged. Measures tasks/s from the first XADD."""
    c = Conn(server.port)
    c.call("DEL", "bench:q")
    c.call("XGROUP", "CREATE", "bench:q", "workers", "$", "MKSTREAM")
    c.close()
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def worker(i):
        w = Conn(server.port)
        name = b"w%d" % i
        try:
            while not stop.is_set():
                r = w.call("XREADGROUP", "GROUP", "workers", name, "COUNT", 10, "BLOCK", 100,
                           "STREAMS", "bench:q", ">")
                if not r:
                    continue
                ids = [e[0] for e in r[0][1]]
                w.call("XACK", "bench:q", "workers", *ids)
                with lock:
                    done[0] += len(ids)
                    if done[0] >= a.jobs:
                        stop.set()
        finally:
            w.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(a.workers)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    u0, s0 = cpu_seconds(server.pid)
    t0 = time.perf_counter()
    p = Conn(server.port)
    for base in range(0, a.jobs, 100):
        p.pipeline([encode("XADD", "bench:q", "*", "task", b"%d" % i) for i in range(base, min(a.jobs, base + 100))])
    p.close()
    stop.wait(600)
    wall = time.perf_counter() - t0
    u1, s1 = cpu_seconds(server.pid)
    for t in threads:
        t.join(5)
    c = Conn(server.port)
    pending = c.call("XPENDING", "bench:q", "workers")[0]
    c.close()
    if pending:
        raise RuntimeError(f"{pending} tasks left pending")
    return [("jobqueue", a.jobs, a.jobs / wall, ((u1 - u0) + (s1 - s0)) / a.jobs * 1e6)]


def run_memory(server, a, nmap):
    c = Conn(server.port)
    c.call("DEL", "bench:m")
    time.sleep(0.2)
    before = used_memory(server.port)
    for base in range(0, a.entries, 1000):
        c.pipeline([encode("XADD", "bench:m", "*", "f", b"%d" % i, "g", b"%d" % (i * 7))
                    for i in range(base, min(a.entries, base + 1000))])
    assert c.call("XLEN", "bench:m") == a.entries
    c.close()
    time.sleep(0.2)
    after = used_memory(server.port)
    c = Conn(server.port)
    c.call("DEL", "bench:m")
    c.close()
    return [("memory B/entry", a.entries, (after - before) / a.entries, None)]


RUNNERS = {"xadd": run_xadd, "xrange": run_xrange, "jobqueue": run_jobqueue, "memory": run_memory}


def main(argv=None):
    a = parse_args(argv)
    only = rbench.csv_list(a.only)
    nmap = rbench.parse_requests(a.requests, rbench.int_list(a.pipelines))
    results = {}
    with ServerPair(KINDS, required=KINDS) as pair:
        print(f"# {os.cpu_count()} CPUs, load {loadavg()}, rounds={a.rounds}", file=sys.stderr)
        for rnd in range(a.rounds):
            order = KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))
            for w in only:
                for kind in order:
                    for label, _ops, value, cpu in RUNNERS[w](pair[kind], a, nmap):
                        results.setdefault(label, {k: [] for k in KINDS})[kind].append((value, cpu))
                        print(f"  round {rnd + 1} {kind:<5} {label:<16} {value:,.1f}"
                              + (f"  cpu {cpu:.2f} us/op" if cpu is not None else ""), file=sys.stderr)
    rows = []
    for label, sides in results.items():
        vals = {k: dict(enumerate(v for v, _ in sides[k])) for k in KINDS}
        cpus = {k: {i: c for i, (_, c) in enumerate(sides[k]) if c is not None} for k in KINDS}
        ratios = rbench.pair_ratios(vals["rkvd"], vals["redis"])
        row = [label, rbench.fmt(rbench.median(list(vals["rkvd"].values())), "{:,.1f}"),
               rbench.fmt(rbench.median(list(vals["redis"].values())), "{:,.1f}"),
               f"{rbench.median(ratios):.2f} ({rbench.fmt_range(ratios)})"]
        if cpus["rkvd"] and cpus["redis"]:
            cr = rbench.pair_ratios(cpus["rkvd"], cpus["redis"])
            row += [f"{rbench.median(list(cpus['rkvd'].values())):.2f}",
                    f"{rbench.median(list(cpus['redis'].values())):.2f}", f"{rbench.median(cr):.2f}"]
        else:
            row += ["", "", ""]
        rows.append(row)
    print(rbench.table(["workload", "rkvd", "redis", "ratio", "rkvd CPU us/op", "redis CPU us/op",
                        "CPU ratio"], rows, markdown=a.markdown))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
