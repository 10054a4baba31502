#!/usr/bin/env python3
"""Bitmaps and HyperLogLog: rkvd vs redis-server, side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py) and runs each
workload against both, interleaved (rkvd, redis, redis, rkvd, ... the order
flips every round), on the same data:

  pfadd        1,000,000 distinct elements added with PFADD in pipelined
               batches (--pfadd-batch elements per PFADD, --pfadd-depth PFADDs
               per pipeline write), into a fresh key each round; elements/s
  pfcount10    PFCOUNT over 10 dense HyperLogLogs (the union of 10 keys),
               pipelined --pfcount-depth deep; calls/s
  bitcount64m  BITCOUNT over a 64 MB string (whole string, and a BIT range);
               calls/s
  bitop64m     BITOP AND / XOR / NOT over 64 MB strings into a third key;
               calls/s
  setbit       --setbit-n SETBITs at random offsets below --setbit-range
               bits into one key, streamed with `redis-cli --pipe`; requests/s

Columns: median throughput of each side, ratio = median of the per-round
ratios rkvd / redis (> 1: rkvd faster) with their min..max, and the server
CPU microseconds per operation of each side (from /proc/<pid>/stat), which
depends less on the load of a shared machine than wall-clock throughput.

Examples:
  python perf/bench_bitops.py
  python perf/bench_bitops.py --rounds 5 --only pfadd,pfcount10 --markdown
  RKVD_PERF_CMD=redis-server python perf/bench_bitops.py     # noise floor
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, ServerPair, cpu_seconds, encode, loadavg

WORKLOADS = ("pfadd", "pfcount10", "bitcount64m", "bitop64m", "setbit")
MB64 = 64 * 1024 * 1024
REDIS_CLI = os.environ.get("REDIS_CLI", "redis-cli")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--only", default=",".join(WORKLOADS),
                    help=f"workloads, comma list (default all: {','.join(WORKLOADS)})")
    ap.add_argument("--pfadd-elements", type=int, default=1_000_000)
    ap.add_argument("--pfadd-batch", type=int, default=100, help="elements per PFADD (default 100)")
    ap.add_argument("--pfadd-depth", type=int, default=100, help="PFADDs per pipeline write (default 100)")
    ap.add_argument("--pfcount-calls", type=int, default=5000)
    ap.add_argument("--pfcount-depth", type=int, default=50)
    ap.add_argument("--big-calls", type=int, default=20, help="BITCOUNT / BITOP calls per measurement (default 20)")
    ap.add_argument("--setbit-n", type=int, default=1_000_000, help="SETBIT requests per run (default 1e6)")
    ap.add_argument("--setbit-range", type=int, default=100_000_000, help="offsets below this bit (default 1e8)")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", help="write raw results here")
    return ap.parse_args(argv)


# ---------------------------------------------------------------------------
# measurement
# ---------------------------------------------------------------------------

def timed(server, fn):
    """Run fn(); (seconds, server CPU seconds)."""
    u0, s0 = cpu_seconds(server.pid)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    u1, s1 = cpu_seconds(server.pid)
    return wall, (u1 - u0) + (s1 - s0)


def pipelined(client, payloads, depth):
    for i in range(0, len(payloads), depth):
        errors, first = client.pipeline(payloads[i:i + depth])
        if errors:
            raise RuntimeError(f"error reply: {first}")


def load_big(client, key, data, chunk=4 * 1024 * 1024):
    """SET a big value with SETRANGE chunks (keeps each request small)."""
    client.call("DEL", key)
    for off in range(0, len(data), chunk):
        client.call("SETRANGE", key, off, data[off:off + chunk])


# ---------------------------------------------------------------------------
# workloads: prepare(server) once per server, then run(server) -> (ops, wall, cpu)
# ---------------------------------------------------------------------------

class PfAdd:
    name = "pfadd"
    unit = "elements/s"

    def __init__(self, args):
        n, b = args.pfadd_elements, args.pfadd_batch
        self.ops = n
        self.depth = args.pfadd_depth
        self.payloads = [encode("PFADD", "bench:pf", *[b"e:%d" % j for j in range(i, min(i + b, n))])
                         for i in range(0, n, b)]

    def prepare(self, server):
        pass

    def run(self, server):
        with server.client() as c:
            c.call("DEL", "bench:pf")
            wall, cpu = timed(server, lambda: pipelined(c, self.payloads, self.depth))
            card = c.call("PFCOUNT", "bench:pf")
        return [(self.name, self.ops, wall, cpu, card)]


class PfCount10:
    name = "pfcount10"
    unit = "calls/s"

    def __init__(self, args):
        self.keys = [f"bench:hll{i}" for i in range(10)]
        self.calls = args.pfcount_calls
        self.depth = args.pfcount_depth
        self.payloads = [encode("PFCOUNT", *self.keys)] * self.calls
        rng = random.Random(3)
        self.fill = {k: [encode("PFADD", k, *[b"%d" % rng.getrandbits(48) for _ in range(1000)])
                         for _ in range(50)] for k in self.keys}

    def prepare(self, server):
        with server.client() as c:
            for k in self.keys:
                c.call("DEL", k)
                pipelined(c, self.fill[k], 50)

    def run(self, server):
        with server.client() as c:
            wall, cpu = timed(server, lambda: pipelined(c, self.payloads, self.depth))
            card = c.call("PFCOUNT", *self.keys)
        return [(self.name, self.calls, wall, cpu, card)]


class BitCount64:
    name = "bitcount64m"
    unit = "calls/s"

    def __init__(self, args):
        self.calls = args.big_calls
        self.data = random.Random(5).randbytes(MB64)

    def prepare(self, server):
        with server.client() as c:
            load_big(c, "bench:bits", self.data)

    def run(self, server):
        out = []
        with server.client() as c:
            for label, cmd in (("bitcount64m", ("BITCOUNT", "bench:bits")),
                               ("bitcount64m-bitrange", ("BITCOUNT", "bench:bits", 3, MB64 * 8 - 5, "BIT"))):
                payload = [encode(*cmd)]
                wall, cpu = timed(server, lambda payload=payload: [pipelined(c, payload, 1) for _ in range(self.calls)])
                out.append((label, self.calls, wall, cpu, c.call(*cmd)))
        return out


class BitOp64:
    name = "bitop64m"
    unit = "calls/s"

    def __init__(self, args):
        self.calls = args.big_calls
        rng = random.Random(6)
        self.a = rng.randbytes(MB64)
        self.b = rng.randbytes(MB64)

    def prepare(self, server):
        with server.client() as c:
            load_big(c, "bench:a", self.a)
            load_big(c, "bench:b", self.b)

    def run(self, server):
        out = []
        with server.client() as c:
            for op, srcs in (("AND", ("bench:a", "bench:b")), ("XOR", ("bench:a", "bench:b")),
                             ("NOT", ("bench:a",))):
                payload = [encode("BITOP", op, "bench:dest", *srcs)]
                wall, cpu = timed(server, lambda payload=payload: [pipelined(c, payload, 1) for _ in range(self.calls)])
                out.append((f"bitop64m-{op.lower()}", self.calls, wall, cpu, c.call("STRLEN", "bench:dest")))
            c.call("DEL", "bench:dest")
        return out


class SetBit:
    """SETBIT at random offsets, sent with `redis-cli --pipe` (a C client
    streaming the whole file, so the server is the bottleneck).
    redis-benchmark cannot do this one: its __rand_int__ is zero-padded to 12
    digits, which both servers reject as an offset."""
    name = "setbit"
    unit = "requests/s"

    def __init__(self, args):
        self.n = args.setbit_n
        self.range = args.setbit_range
        rng = random.Random(8)
        fd, self.path = tempfile.mkstemp(prefix="bench-setbit-", suffix=".resp")
        with os.fdopen(fd, "wb") as f:
            for i in range(0, self.n, 10000):
                f.write(b"".join(encode("SETBIT", "bench:setbit", rng.randrange(self.range), rng.getrandbits(1))
                                 for _ in range(min(10000, self.n - i))))

    def __del__(self):
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def prepare(self, server):
        with server.client() as c:
            c.call("DEL", "bench:setbit")
            c.call("SETBIT", "bench:setbit", self.range, 0)   # full size from the start

    def run(self, server):
        with open(self.path, "rb") as f:
            u0, s0 = cpu_seconds(server.pid)
            t0 = time.perf_counter()
            r = subprocess.run([REDIS_CLI, "-h", HOST, "-p", str(server.port), "--pipe"], stdin=f,
                               capture_output=True, text=True, timeout=900)
            wall = time.perf_counter() - t0
            u1, s1 = cpu_seconds(server.pid)
        if r.returncode != 0 or "errors: 0," not in r.stdout:
            raise RuntimeError(f"redis-cli --pipe failed: {(r.stdout + r.stderr).strip()[-300:]}")
        with server.client() as c:
            count = c.call("BITCOUNT", "bench:setbit")
        return [("setbit-random", self.n, wall, (u1 - u0) + (s1 - s0), count)]


CLASSES = {c.name: c for c in (PfAdd, PfCount10, BitCount64, BitOp64, SetBit)}


# ---------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    names = [w for w in rbench.csv_list(args.only)]
    for w in names:
        if w not in CLASSES:
            sys.exit(f"unknown workload {w!r}; choose from {', '.join(WORKLOADS)}")
    if "setbit" in names and shutil.which(REDIS_CLI) is None:
        sys.exit("redis-cli not found (needed for the setbit workload)")
    results = {}   # label -> kind -> round -> (ops/s, cpu per 1000 ops, check value)
    units = {}
    with ServerPair(KINDS, required=KINDS) as pair:
        for kind in KINDS:
            print(pair.servers[kind].describe(), file=sys.stderr)
        for name in names:
            w = CLASSES[name](args)
            for kind in KINDS:
                w.prepare(pair.servers[kind])
                w.run(pair.servers[kind])       # warm-up
            for rnd in range(args.rounds):
                order = KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))
                for kind in order:
                    for label, ops, wall, cpu, check in w.run(pair.servers[kind]):
                        units[label] = w.unit
                        results.setdefault(label, {}).setdefault(kind, {})[rnd] = \
                            (ops / wall, cpu * 1e6 / ops, check)
                print(f"{name}: round {rnd + 1}/{args.rounds} done (load {loadavg():.1f})", file=sys.stderr)
    rows = []
    for label, per in results.items():
        rk = {r: v[0] for r, v in per.get("rkvd", {}).items()}
        rd = {r: v[0] for r, v in per.get("redis", {}).items()}
        ratios = rbench.pair_ratios(rk, rd)
        cpu_rk = rbench.median([v[1] for v in per.get("rkvd", {}).values()])
        cpu_rd = rbench.median([v[1] for v in per.get("redis", {}).values()])
        checks = {per[k][0][2] for k in per if 0 in per[k]}
        rows.append([label, units[label], rbench.fmt(rbench.median(rk.values())),
                     rbench.fmt(rbench.median(rd.values())),
                     rbench.fmt(rbench.median(ratios), "{:.2f}"), rbench.fmt_range(ratios),
                     rbench.fmt(cpu_rk, "{:.2f}"), rbench.fmt(cpu_rd, "{:.2f}"),
                     "same" if len(checks) == 1 else f"DIFFERENT {sorted(map(str, checks))}"])
    print(rbench.table(["workload", "unit", "rkvd", "redis", "ratio", "min..max",
                        "rkvd cpu us/op", "redis cpu us/op", "result"], rows, markdown=args.markdown))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({label: {k: {str(r): v[:2] for r, v in per[k].items()} for k in per}
                       for label, per in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
