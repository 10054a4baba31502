#!/usr/bin/env python3
"""SET of new keys at maxmemory, every write evicting: rkvd vs redis-server.

Both servers get the same maxmemory (default 100mb) and policy, are filled
with SETs of new keys until they evict, then run redis-benchmark SET on a
keyspace far larger than what fits (`-r 1000000000`), so nearly every write
adds a key and evicts one. Interleaved rounds (the order flips every round)
per policy and pipeline depth; reported per side: requests per second,
server CPU microseconds per request (/proc/<pid>/stat) and keys evicted per
request, and the rkvd / redis ratios (median of the per-round ratios).

rkvd's interpreter takes about 15 MB of used_memory before any key, Redis
about 1 MB: at the same maxmemory rkvd holds fewer keys. Pass --same-room to
give rkvd maxmemory + the difference of their startup figures instead.

    python perf/bench_eviction.py
    python perf/bench_eviction.py --policies allkeys-lru -P 16 --rounds 5 --markdown
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import KINDS, Server, parse_info


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--maxmemory", default="100mb")
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu")
    ap.add_argument("-P", "--pipelines", default="1,16")
    ap.add_argument("-n", "--requests", default="1:200000,16:1000000")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-d", "--datasize", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--same-room", action="store_true",
                    help="give rkvd maxmemory + (its startup used_memory - redis's)")
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


_UNITS = {"k": 1000, "kb": 1024, "m": 1000 ** 2, "mb": 1024 ** 2, "g": 1000 ** 3, "gb": 1024 ** 3}


def memory_bytes(text):
    """Redis's memory notation: 100mb, 1g, 4096."""
    text = text.lower()
    for suffix in ("kb", "mb", "gb", "k", "m", "g"):
        if text.endswith(suffix):
            return int(text[:-len(suffix)]) * _UNITS[suffix]
    return int(text)


def info(srv, section):
    return parse_info(srv.call("INFO", section))


def fill(srv, a):
    """SET new keys until the server evicts."""
    while int(info(srv, "stats")["evicted_keys"]) == 0:
        rbench.run_benchmark(srv.port, "set", 200000, a.clients, 16, 1_000_000_000, a.datasize)


def main(argv=None):
    a = parse_args(argv)
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    limit = memory_bytes(a.maxmemory)
    servers = {k: Server(k).start() for k in KINDS}
    rows = []
    try:
        startup = {k: int(info(s, "memory")["used_memory"]) for k, s in servers.items()}
        limits = {k: limit for k in KINDS}
        if a.same_room:
            limits["rkvd"] = limit + startup["rkvd"] - startup["redis"]
        print(f"# startup used_memory: {startup}; maxmemory: {limits}", file=sys.stderr)
        for policy in rbench.csv_list(a.policies):
            for k, s in servers.items():
                s.call("FLUSHALL")
                s.call("CONFIG", "RESETSTAT")
                s.call("CONFIG", "SET", "maxmemory-policy", policy)
                s.call("CONFIG", "SET", "maxmemory", str(limits[k]))
                fill(s, a)
            for p in pipelines:
                n = nmap[p]
                per = {k: [] for k in KINDS}
                for rnd in range(a.rounds):
                    order = KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))
                    for k in order:
                        s = servers[k]
                        ev0 = int(info(s, "stats")["evicted_keys"])
                        run = rbench.run_benchmark(s.port, "set", n, a.clients, p, 1_000_000_000, a.datasize,
                                                   pid=s.pid)
                        if run.error:
                            sys.exit(f"{k}: {run.error}")
                        ev = int(info(s, "stats")["evicted_keys"]) - ev0
                        mem = info(s, "memory")
                        us = (run.srv_usr + run.srv_sys) * 1e6 / n
                        per[k].append((run.rps, us, ev / n, int(mem["used_memory"]) - limits[k]))
                        print(f"  {policy} P={p} round {rnd + 1} {k:<5} {run.rps:>10,.0f} rps "
                              f"{us:6.2f} us/req evicted/req {ev / n:.2f}", file=sys.stderr)
                rps_ratio = statistics.median(x[0] / y[0] for x, y in zip(per["rkvd"], per["redis"]))
                cpu_ratio = statistics.median(x[1] / y[1] for x, y in zip(per["rkvd"], per["redis"]))
                rows.append((policy, p,
                             statistics.median(x[0] for x in per["rkvd"]),
                             statistics.median(x[0] for x in per["redis"]), rps_ratio,
                             statistics.median(x[1] for x in per["rkvd"]),
                             statistics.median(x[1] for x in per["redis"]), cpu_ratio,
                             statistics.median(x[2] for x in per["rkvd"]),
                             statistics.median(x[2] for x in per["redis"]),
                             max(x[3] for x in per["rkvd"]), max(x[3] for x in per["redis"])))
    finally:
        for s in servers.values():
            s.stop()
    head = ("policy", "P", "rkvd rps", "redis rps", "rps ratio", "rkvd us/req", "redis us/req",
            "CPU ratio", "rkvd evicted/req", "redis evicted/req", "rkvd over", "redis over")
    fmt = [str, str, "{:,.0f}".format, "{:,.0f}".format, "{:.2f}".format, "{:.2f}".format, "{:.2f}".format,
           "{:.2f}".format, "{:.2f}".format, "{:.2f}".format, str, str]
    table = [[f(v) for f, v in zip(fmt, r)] for r in rows]
    print(rbench.table(head, table, a.markdown, align=["l"] + ["r"] * 11))
    print(f"\nSET of new keys (-r 1e9, -d {a.datasize}, c={a.clients}) at maxmemory {a.maxmemory}, "
          f"median of {a.rounds} interleaved rounds; ratios rkvd / redis (rps > 1 and CPU < 1: rkvd "
          "better); 'over': the most used_memory above maxmemory seen after a run (bytes).")


if __name__ == "__main__":
    main()
