#!/usr/bin/env python3
"""Server CPU time per request: rkvd vs redis-server.

Starts a fresh rkvd and a fresh redis-server (see servers.py) and runs
redis-benchmark against each, interleaved (rkvd, redis, rkvd, redis ...; the
order flips every round), one invocation per test. Around every run it reads
the server's user + system CPU time from /proc/<pid>/stat (all threads) and
its read/write syscall counts from /proc/<pid>/io, and reports per request:

    CPU us/req   (utime + stime) / requests, median over rounds
    ratio        median of the per-round ratios rkvd / redis CPU per request
                 (> 1: rkvd spends more CPU); pair min..max is their spread
    syscalls/req read + write syscalls per request (redis: about 2 at -P 1)

Unlike rps, CPU per request barely depends on how busy the machine is (time
spent descheduled is not counted), and it is not capped by the benchmark
client, which on 2 cores often saturates before a cheap server does. The
kernel counts CPU time in clock ticks (usually 10 ms): a run should use at
least ~0.5 s of server CPU, hence the large n at -P 16; rows below 50 ticks
are marked "few ticks".

Examples:
  python perf/srvcost.py
  python perf/srvcost.py -t get -P 1,16,64 --rounds 5 --markdown --json cost.json
  RKVD_PERF_CMD=redis-server python perf/srvcost.py    # redis vs redis: noise floor
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

TICK = os.sysconf("SC_CLK_TCK")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-t", "--tests", default="set,get,incr,mset",
                    help="redis-benchmark tests (default set,get,incr,mset)")
    ap.add_argument("-c", "--clients", type=int, default=50, help="parallel connections (default 50)")
    ap.add_argument("-P", "--pipelines", default="1,16", help="pipeline depths, comma list (default 1,16)")
    ap.add_argument("-n", "--requests", default="1:100000,16:1000000",
                    help="requests per run: N, or P:N pairs (default 1:100000,16:1000000)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("-r", "--keyspace", type=int, default=100_000)
    ap.add_argument("-d", "--datasize", type=int, default=16)
    ap.add_argument("--target-secs", type=float, default=10.0,
                    help="cap one run of a slow server at about this many seconds (0 = full n)")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("-q", "--quiet", action="store_true")
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
    tests = [t for t in rbench.csv_list(a.tests) if not t.startswith("lrange")]
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    c = a.clients
    t_start = time.time()
    try:
        pair = ServerPair(KINDS, required=KINDS).__enter__()
    except ServerError as e:
        sys.exit(f"could not start servers:\n{e}")
    runs = []
    unsupported = {}
    n_used = {}
    try:
        for kind in KINDS:
            log(a, "# " + pair[kind].describe())
        log(a, f"# {os.cpu_count()} CPUs, load {loadavg()}, rounds={a.rounds} tests={','.join(tests)} "
               f"c={c} P={pipelines} n={nmap}")
        for p in pipelines:  # probe + warm-up
            for kind in KINDS:
                srv = pair[kind]
                flush_error(srv)
                for t in tests:
                    if (kind, t) in unsupported:
                        continue
                    run = rbench.run_benchmark(srv.port, t, rbench.probe_n(nmap[p], c, p), c, p,
                                               a.keyspace, a.datasize, a.timeout)
                    if run.error:
                        unsupported[(kind, t)] = run.error
                        log(a, f"  probe {kind:<5} {t:<8} P={p}: n/a ({run.error})")
                        continue
                    n_used[(kind, p, t)] = rbench.adapt_n(nmap[p], run.rps, a.target_secs, c, p)
        for rnd in range(1, a.rounds + 1):
            order = KINDS if rnd % 2 else tuple(reversed(KINDS))
            for p in pipelines:
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
                        n = n_used[(kind, p, t)]
                        run = rbench.run_benchmark(srv.port, t, n, c, p, a.keyspace, a.datasize, a.timeout,
                                                   pid=srv.pid)
                        rec = dict(round=rnd, kind=kind, clients=c, pipeline=p, test=t, **run.as_dict())
                        runs.append(rec)
                        if run.error or run.srv_usr is None:  # do not retry a failing test
                            unsupported[(kind, t)] = f"round {rnd}: {run.error or 'no /proc sample'}"
                            log(a, f"  round {rnd} {kind:<5} {t:<8} P={p}: ERROR {run.error}")
                            continue
                        us = (run.srv_usr + run.srv_sys) * 1e6 / n
                        log(a, f"  round {rnd} {kind:<5} {t:<8} P={p}: {us:7.2f} us/req  {run.rps:>12,.0f} rps "
                               f"n={n:,} load={run.load}")
        meta = {
            "script": "srvcost.py", "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t_start)),
            "seconds": round(time.time() - t_start, 1), "cpus": os.cpu_count(), "platform": platform.platform(),
            "clk_tck": TICK, "rounds": a.rounds, "tests": tests, "clients": c, "pipelines": pipelines,
            "requests": {str(k): v for k, v in nmap.items()}, "keyspace": a.keyspace, "datasize": a.datasize,
            "servers": {k: {"cmd": pair[k].cmd, "redis_version": pair[k].info.get("redis_version")} for k in KINDS},
            "unsupported": {f"{k}:{t}": e for (k, t), e in unsupported.items()},
            "flushall_errors": dict(FLUSH_ERRORS),
        }
    finally:
        pair.__exit__(None, None, None)

    summary = summarize(runs, tests, pipelines, unsupported)
    print_table(summary, a.markdown)
    print(f"\nserver CPU (user + sys) per request, median of {a.rounds} interleaved rounds, c={c}; "
          f"ratio = median of per-round rkvd / redis ratios (> 1: rkvd spends more CPU per request); "
          f"{meta['seconds']:.0f}s.")
    for kind, err in FLUSH_ERRORS.items():
        print(f"WARNING: FLUSHALL failed on {kind} ({err}); its runs did not start from an empty keyspace.")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "summary": summary, "runs": runs}, f, indent=1)
    return 0


def summarize(runs, tests, pipelines, unsupported):
    out = []
    for p in pipelines:
        for t in tests:
            us, sysfrac, sc, rps, ticks, cli = {}, {}, {}, {}, {}, {}
            notes = []
            for kind in KINDS:
                rr = [r for r in runs if r["kind"] == kind and r["pipeline"] == p and r["test"] == t
                      and not r["error"] and r["srv_usr"] is not None]
                us[kind] = {r["round"]: (r["srv_usr"] + r["srv_sys"]) * 1e6 / r["n"] for r in rr}
                sysfrac[kind] = rbench.median([r["srv_sys"] / (r["srv_usr"] + r["srv_sys"])
                                               for r in rr if r["srv_usr"] + r["srv_sys"] > 0])
                sc[kind] = rbench.median([(r["srv_rd"] + r["srv_wr"]) / r["n"] for r in rr
                                          if r["srv_rd"] is not None])
                rps[kind] = rbench.median([r["rps"] for r in rr])
                ticks[kind] = min([(r["srv_usr"] + r["srv_sys"]) * TICK for r in rr], default=None)
                cli[kind] = rbench.median([r["client_cpu"] / r["wall"] for r in rr if r["wall"]])
                if (kind, t) in unsupported:
                    notes.append(f"{kind} n/a: {unsupported[(kind, t)]}")
            low = [v for v in ticks.values() if v is not None and v < 50]
            if low:
                notes.insert(0, f"few CPU ticks (min {min(low):.0f})")
            med = {k: rbench.median(us[k].values()) for k in KINDS}
            pr = rbench.pair_ratios(us["rkvd"], us["redis"])
            out.append({
                "test": t, "pipeline": p,
                "rkvd_us": med["rkvd"], "redis_us": med["redis"],
                "ratio": rbench.median(pr),
                "ratio_of_medians": med["rkvd"] / med["redis"] if med["rkvd"] and med["redis"] else None,
                "pair_min": min(pr) if pr else None, "pair_max": max(pr) if pr else None, "pairs": pr,
                "sys_fraction": sysfrac, "syscalls_per_req": sc, "rps": rps, "client_util": cli,
                "notes": notes,
            })
    return out


def print_table(summary, markdown):
    headers = ["test", "P", "rkvd CPU us/req", "redis CPU us/req", "ratio", "pair min..max",
               "rkvd sys%", "redis sys%", "rkvd syscalls/req", "redis syscalls/req", "notes"]
    rows = []
    for s in summary:
        rng = f"{s['pair_min']:.2f}..{s['pair_max']:.2f}" if s["pair_min"] is not None else "-"
        sf, sc = s["sys_fraction"], s["syscalls_per_req"]
        rows.append([s["test"], s["pipeline"], rbench.fmt(s["rkvd_us"], "{:.2f}"), rbench.fmt(s["redis_us"], "{:.2f}"),
                     rbench.fmt(s["ratio"], "{:.2f}"), rng,
                     rbench.fmt(sf["rkvd"] and sf["rkvd"] * 100, "{:.0f}"),
                     rbench.fmt(sf["redis"] and sf["redis"] * 100, "{:.0f}"),
                     rbench.fmt(sc["rkvd"], "{:.3f}"), rbench.fmt(sc["redis"], "{:.3f}"), "; ".join(s["notes"])])
    align = ["l"] + ["r"] * 9 + ["l"]
    print(rbench.table(headers, rows, markdown, align))


if __name__ == "__main__":
    sys.exit(main())
