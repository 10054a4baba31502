#!/usr/bin/env python3
"""A leaderboard: one sorted set of 1,000,000 members, rkvd vs redis-server.

Both servers are loaded with the same sorted set `lb` (members
member:NNNNNNNNNNNN, the zero-padded form of redis-benchmark's __rand_int__,
integer scores with many ties), then every workload below runs as a
redis-benchmark custom command line against each server, interleaved
(rkvd, redis, redis, rkvd ...), at each pipeline depth:

    zadd      ZADD lb __rand_int__ member:__rand_int__       (score updates)
    zincrby   ZINCRBY lb 1 member:__rand_int__
    top10     ZRANGE lb 0 9 WITHSCORES                        (rank path from the head)
    top10rev  ZREVRANGE lb 0 9 WITHSCORES                     (rank path from the tail)
    zrevrank  ZREVRANK lb member:__rand_int__                 (O(log N) rank by spans)
    zscore    ZSCORE lb member:__rand_int__

Printed per workload and depth: median rps of each side and "ratio" = the
median of the per-round rkvd / redis ratios (> 1: rkvd faster).

Examples:
  python perf/leaderboard.py
  python perf/leaderboard.py --members 100000 -P 1,16 --rounds 3 --markdown
"""
import argparse
import csv
import io
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, ServerError, ServerPair, encode, loadavg

WORKLOADS = {
    "zadd": ["ZADD", "lb", "__rand_int__", "member:__rand_int__"],
    "zincrby": ["ZINCRBY", "lb", "1", "member:__rand_int__"],
    "top10": ["ZRANGE", "lb", "0", "9", "WITHSCORES"],
    "top10rev": ["ZREVRANGE", "lb", "0", "9", "WITHSCORES"],
    "zrevrank": ["ZREVRANK", "lb", "member:__rand_int__"],
    "zscore": ["ZSCORE", "lb", "member:__rand_int__"],
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=1_000_000, help="sorted set size (default 1,000,000)")
    ap.add_argument("-w", "--workloads", default=",".join(WORKLOADS), help="comma list")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-P", "--pipelines", default="1,16")
    ap.add_argument("-n", "--requests", default="1:100000,16:1000000", help="as in compare.py")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true")
    return ap.parse_args(argv)


def log(a, msg):
    if not a.quiet:
        print(msg, file=sys.stderr, flush=True)


def fill(srv, members, seed=1):
    """ZADD the same members and scores to a server, 1,000 per command."""
    rnd = random.Random(seed)
    with srv.client(timeout=600) as c:
        batch = []
        for base in range(0, members, 1000):
            args = [b"ZADD", b"lb"]
            for i in range(base, min(members, base + 1000)):
                args += [b"%d" % rnd.randrange(members // 4), b"member:%012d" % i]
            batch.append(encode(*args))
            if len(batch) == 50:
                c.pipeline(batch)
                batch = []
        if batch:
            c.pipeline(batch)
        return c.call("ZCARD", "lb")


def run_custom(port, argv, n, clients, pipeline, keyspace, timeout):
    cmd = [rbench.BENCH, "-h", HOST, "-p", str(port), "-c", str(clients), "-n", str(n), "-r", str(keyspace),
           "-P", str(pipeline), "--csv"] + argv
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout}s"
    rows = [row for row in csv.reader(io.StringIO(r.stdout)) if row and row[0] != "test"]
    if r.returncode != 0 or not rows:
        msg = (r.stderr or r.stdout or "").strip().splitlines()
        return None, rbench.short_error(msg[-1] if msg else f"exit status {r.returncode}")
    return float(rows[-1][1]), None


def main(argv=None):
    a = parse_args(argv)
    if not rbench.have_benchmark():
        sys.exit(f"{rbench.BENCH} not found on PATH")
    workloads = rbench.csv_list(a.workloads)
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    t_start = time.time()
    try:
        pair = ServerPair(KINDS, required=KINDS).__enter__()
    except ServerError as e:
        sys.exit(f"could not start servers:\n{e}")
    results = {}   # (workload, P, kind) -> {round: rps}
    errors = {}
    try:
        for kind in KINDS:
            log(a, "# " + pair[kind].describe())
            t0 = time.perf_counter()
            card = fill(pair[kind], a.members)
            log(a, f"# {kind}: loaded {card:,} members in {time.perf_counter() - t0:.1f}s")
        for rnd in range(1, a.rounds + 1):
            order = KINDS if rnd % 2 else tuple(reversed(KINDS))
            for p in pipelines:
                for w in workloads:
                    for kind in order:
                        if (w, kind) in errors:
                            continue
                        rps, err = run_custom(pair[kind].port, WORKLOADS[w], nmap[p], a.clients, p,
                                              a.members, a.timeout)
                        if err:
                            errors[(w, kind)] = err
                            log(a, f"  round {rnd} {kind:<5} {w:<9} P={p}: ERROR {err}")
                            continue
                        results.setdefault((w, p, kind), {})[rnd] = rps
                        log(a, f"  round {rnd} {kind:<5} {w:<9} P={p}: {rps:>12,.0f} rps load={loadavg()}")
        sizes = {k: pair[k].call("ZCARD", "lb") for k in KINDS}
    finally:
        pair.__exit__(None, None, None)
    rows = []
    for p in pipelines:
        for w in workloads:
            side = {k: results.get((w, p, k), {}) for k in KINDS}
            pr = rbench.pair_ratios(side["rkvd"], side["redis"])
            notes = [f"{k} n/a: {errors[(w, k)]}" for k in KINDS if (w, k) in errors]
            rows.append([w, p, rbench.fmt(rbench.median(side["rkvd"].values())),
                         rbench.fmt(rbench.median(side["redis"].values())),
                         rbench.fmt(rbench.median(pr), "{:.2f}"), rbench.fmt_range(pr), "; ".join(notes)])
    print(rbench.table(["workload", "P", "rkvd rps (median)", "redis rps (median)", "ratio", "pair min..max",
                        "notes"], rows, a.markdown, ["l", "r", "r", "r", "r", "r", "l"]))
    print(f"\nsorted set of {a.members:,} members (final ZCARD rkvd {sizes['rkvd']:,}, redis {sizes['redis']:,}), "
          f"c={a.clients}; ratio = median over {a.rounds} interleaved rounds of rkvd / redis rps; "
          f"{time.time() - t_start:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
