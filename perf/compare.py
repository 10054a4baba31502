#!/usr/bin/env python3
"""Throughput of rkvd vs redis-server, measured side by side with redis-benchmark.

Starts a fresh rkvd and a fresh redis-server (see servers.py), then for every
round, every (clients, pipeline) regime and every test runs one
redis-benchmark invocation against each server, interleaved: rkvd, redis,
rkvd, redis ... (the order flips every round, so drift in machine load and
"who goes first" hit both sides alike). Both servers are FLUSHALLed at the
start of each regime in each round; tests run in the order given, so GET
reads what SET wrote.

Before round 1 a short probe of every test on each side warms the servers up,
detects commands a side does not support (reported as n/a) and, for a server
much slower than the default request count allows, lowers its n so that one
run takes about --target-secs (rps is a rate, so differing n per side is
legitimate; such rows are marked "n differs").

Printed per test and regime: median rps of each side, "ratio" = the median of
the per-round pairwise ratios rkvd / redis (> 1 means rkvd is faster; more
robust on a noisy machine than the ratio of the two medians, which the JSON
also holds) and the min..max of those pairwise ratios. On a 2-core machine the benchmark client competes
with the server for CPU: "client-bound" marks rows where redis-benchmark used
more than 90% of a core against redis, so the rps ratio understates the
server difference there (srvcost.py measures server CPU per request instead).

Examples:
  python perf/compare.py
  python perf/compare.py -t set,get -P 1,16,64 -c 50 --rounds 3 -n 1:50000,16:500000
  python perf/compare.py --markdown --json out.json
  RKVD_PERF_CMD=redis-server python perf/compare.py     # redis vs redis: noise floor
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import KINDS, ServerError, ServerPair, loadavg

DEFAULT_TESTS = "set,get,incr,mset"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-t", "--tests", default=DEFAULT_TESTS, help=f"redis-benchmark tests (default {DEFAULT_TESTS})")
    ap.add_argument("-c", "--clients", default="50", help="parallel connections, comma list (default 50)")
    ap.add_argument("-P", "--pipelines", default="1,16", help="pipeline depths, comma list (default 1,16)")
    ap.add_argument("-n", "--requests", default="1:100000,16:1000000",
                    help="requests per run: N, or P:N pairs (default 1:100000,16:1000000; "
                         "an unlisted P gets N(1) * min(P, 10))")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("-r", "--keyspace", type=int, default=100_000, help="redis-benchmark -r (default 100000)")
    ap.add_argument("-d", "--datasize", type=int, default=16, help="redis-benchmark -d (default 16)")
    ap.add_argument("--target-secs", type=float, default=10.0,
                    help="cap one run of a slow server at about this many seconds by lowering its n "
                         "(0 = always use the full n; default 10)")
    ap.add_argument("--timeout", type=float, default=300.0, help="kill one redis-benchmark run after this (s)")
    ap.add_argument("--markdown", action="store_true", help="print the table as GitHub Markdown")
    ap.add_argument("--json", metavar="PATH", help="write all runs and the summary as JSON")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return ap.parse_args(argv)


FLUSH_ERRORS = {}


def flush_error(srv):
    """FLUSHALL, remembering (not raising) a failure: the run goes on with
    the data left in place, and the output says so."""
    err = srv.flushall()
    if err is not None:
        FLUSH_ERRORS.setdefault(srv.kind, str(err))


def log(a, msg):
    if not a.quiet:
        print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    a = parse_args(argv)
    if not rbench.have_benchmark():
        sys.exit(f"{rbench.BENCH} not found on PATH")
    tests = rbench.csv_list(a.tests)
    clients = rbench.int_list(a.clients)
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    regimes = [(c, p) for c in clients for p in pipelines]
    t_start = time.time()

    try:
        pair = ServerPair(KINDS, required=KINDS).__enter__()
    except ServerError as e:
        sys.exit(f"could not start servers:\n{e}")
    try:
        for kind in KINDS:
            log(a, "# " + pair[kind].describe())
        log(a, f"# {os.cpu_count()} CPUs, load {loadavg()}, rounds={a.rounds} tests={','.join(tests)} "
               f"regimes={regimes} n={nmap}")

        # --- probe / warm-up: supported tests and per-side request counts ---
        n_used = {}      # (kind, c, p, test) -> n
        unsupported = {}  # (kind, test) -> error
        for c, p in regimes:
            for kind in KINDS:
                srv = pair[kind]
                flush_error(srv)
                for t in tests:
                    if (kind, t) in unsupported:
                        continue
                    pn = rbench.probe_n(nmap[p], c, p)
                    run = rbench.run_benchmark(srv.port, t, pn, c, p, a.keyspace, a.datasize, a.timeout)
                    if run.error:
                        unsupported[(kind, t)] = run.error
                        log(a, f"  probe {kind:<5} {t:<8} c={c} P={p}: n/a ({run.error})")
                        continue
                    n_used[(kind, c, p, t)] = rbench.adapt_n(nmap[p], run.rps, a.target_secs, c, p)
                    log(a, f"  probe {kind:<5} {t:<8} c={c} P={p}: {run.rps:,.0f} rps -> n={n_used[(kind, c, p, t)]:,}")

        # --- interleaved rounds ---
        runs = []  # dicts
        for rnd in range(1, a.rounds + 1):
            order = KINDS if rnd % 2 else tuple(reversed(KINDS))
            for c, p in regimes:
                for kind in KINDS:
                    if pair[kind].alive():
                        flush_error(pair[kind])
                for t in tests:
                    for kind in order:
                        srv = pair[kind]
                        if (kind, t) in unsupported:
                            continue
                        if not srv.alive():
                            unsupported[(kind, t)] = "server exited"
                            continue
                        n = n_used[(kind, c, p, t)]
                        run = rbench.run_benchmark(srv.port, t, n, c, p, a.keyspace, a.datasize, a.timeout)
                        rec = dict(round=rnd, kind=kind, clients=c, pipeline=p, test=t, **run.as_dict())
                        runs.append(rec)
                        if run.error:  # do not retry a failing (or hanging) test
                            unsupported[(kind, t)] = f"round {rnd}: {run.error}"
                            log(a, f"  round {rnd} {kind:<5} {t:<8} c={c} P={p}: ERROR {run.error}")
                        else:
                            log(a, f"  round {rnd} {kind:<5} {t:<8} c={c} P={p}: {run.rps:>12,.0f} rps "
                                   f"n={n:,} load={run.load}")
        meta = {
            "script": "compare.py", "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t_start)),
            "seconds": round(time.time() - t_start, 1), "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": sys.version.split()[0], "rounds": a.rounds, "tests": tests, "clients": clients,
            "pipelines": pipelines, "requests": {str(k): v for k, v in nmap.items()}, "keyspace": a.keyspace,
            "datasize": a.datasize, "target_secs": a.target_secs,
            "servers": {k: {"cmd": pair[k].cmd, "redis_version": pair[k].info.get("redis_version")} for k in KINDS},
            "unsupported": {f"{k}:{t}": e for (k, t), e in unsupported.items()},
            "flushall_errors": dict(FLUSH_ERRORS),
        }
    finally:
        pair.__exit__(None, None, None)

    summary = summarize(runs, tests, regimes, unsupported, n_used)
    print_table(summary, a.markdown, multi_clients=len(clients) > 1)
    print(f"\nratio = median over {a.rounds} interleaved rounds of the per-round rkvd / redis rps ratio "
          f"(> 1: rkvd faster); pair min..max = their spread; {meta['seconds']:.0f}s.")
    for kind, err in FLUSH_ERRORS.items():
        print(f"WARNING: FLUSHALL failed on {kind} ({err}); its runs did not start from an empty keyspace.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "summary": summary, "runs": runs}, f, indent=1)
    return 0


def summarize(runs, tests, regimes, unsupported, n_used):
    out = []
    for c, p in regimes:
        for t in tests:
            side = {}
            cli = {}
            errs = []
            for kind in KINDS:
                rr = [r for r in runs if r["kind"] == kind and r["clients"] == c and r["pipeline"] == p
                      and r["test"] == t]
                side[kind] = {r["round"]: r["rps"] for r in rr if r["rps"] is not None}
                cli[kind] = rbench.median([r["client_cpu"] / r["wall"] for r in rr if r["wall"] and r["rps"]])
                if (kind, t) in unsupported:
                    errs.append(f"{kind} n/a: {unsupported[(kind, t)]}")
            med = {k: rbench.median(side[k].values()) for k in KINDS}
            pr = rbench.pair_ratios(side["rkvd"], side["redis"])
            notes = []
            n_r, n_s = n_used.get(("rkvd", c, p, t)), n_used.get(("redis", c, p, t))
            if n_r and n_s and n_r != n_s:
                notes.append(f"n differs ({n_r:,} vs {n_s:,})")
            if cli["redis"] and cli["redis"] > 0.9:
                notes.append("client-bound")
            notes += errs
            out.append({
                "test": t, "clients": c, "pipeline": p,
                "rkvd_rps": med["rkvd"], "redis_rps": med["redis"],
                "ratio": rbench.median(pr),
                "ratio_of_medians": med["rkvd"] / med["redis"] if med["rkvd"] and med["redis"] else None,
                "pair_min": min(pr) if pr else None, "pair_max": max(pr) if pr else None, "pairs": pr,
                "client_util": cli, "n": {"rkvd": n_r, "redis": n_s}, "notes": notes,
            })
    return out


def print_table(summary, markdown, multi_clients=False):
    headers = ["test"] + (["c"] if multi_clients else []) + \
        ["P", "rkvd rps (median)", "redis rps (median)", "ratio", "pair min..max", "notes"]
    rows = []
    for s in summary:
        rng = f"{s['pair_min']:.2f}..{s['pair_max']:.2f}" if s["pair_min"] is not None else "-"
        rows.append([s["test"]] + ([s["clients"]] if multi_clients else []) +
                    [s["pipeline"], rbench.fmt(s["rkvd_rps"]), rbench.fmt(s["redis_rps"]),
                     rbench.fmt(s["ratio"], "{:.2f}"), rng, "; ".join(s["notes"])])
    align = ["l"] + (["r"] if multi_clients else []) + ["r"] * 5 + ["l"]
    print(rbench.table(headers, rows, markdown, align))


if __name__ == "__main__":
    sys.exit(main())
