#!/usr/bin/env python3
"""Many clients and connection churn: rkvd vs redis-server, side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py, both with
maxclients 10100 so 10,000 benchmark clients fit) and measures on both:

  idle     --conns idle connections (each sent one PING): the growth of
           used_memory and of RSS per connection while they are open (and
           of used_memory after 3 s idle, when buffers have shrunk), and
           used_memory / RSS once they are closed, next to their values
           before the burst (memory must come back at once)
  churn    --rounds-churn rounds of redis-benchmark -c --conns (connect,
           run PING, disconnect): RSS after every round; the figure is the
           RSS after the last round, and mem_fragmentation_ratio as INFO
           reports it
  latency  redis-benchmark -c --conns -P 1 for GET and SET, interleaved
           rounds (the order flips every round): p99 and max latency in ms

Ratios are rkvd / redis (lower is better for all of them; the latency
ratios are medians over the rounds).

This process and redis-benchmark need more than --conns open files: run it
as a user allowed to raise RLIMIT_NOFILE (the script raises its own limit
and its children inherit it).

Examples:
  python perf/bench_many_clients.py
  python perf/bench_many_clients.py --conns 2000 --rounds-churn 3 --only idle,churn
"""
import argparse
import csv
import io
import os
import resource
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, Server, parse_info, rss_bytes

PHASES = ("idle", "churn", "latency")
MB = 1024 * 1024


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conns", type=int, default=10000, help="connections (default 10000)")
    ap.add_argument("--rounds-churn", type=int, default=10, help="churn rounds (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="latency rounds (default 3)")
    ap.add_argument("--requests", type=int, default=200000, help="requests per latency run")
    ap.add_argument("--only", default=",".join(PHASES))
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return
        except (OSError, ValueError):
            sys.exit(f"need {needed} open files, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def memory(server):
    info = parse_info(server.call("INFO", "memory"))
    return int(info["used_memory"]), rss_bytes(server.pid), info.get("mem_fragmentation_ratio", "?")


def connected(server):
    return int(parse_info(server.call("INFO", "clients"))["connected_clients"])


def wait_clients(server, n, timeout=30.0):
    deadline = time.monotonic() + timeout
    while connected(server) > n + 1 and time.monotonic() < deadline:   # + the asking one
        time.sleep(0.02)


def idle_phase(server, conns):
    for i in range(4):
        server.call("SET", f"k{i}", "v")
    used0, rss0, _ = memory(server)
    socks = []
    try:
        for _ in range(conns):
            s = socket.create_connection((HOST, server.port))
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            socks.append(s)
        for s in socks:
            s.settimeout(30)
            s.recv(16)
        used1, rss1, _ = memory(server)
        time.sleep(3)                       # idle: buffers shrink (both servers)
        used_idle, _, _ = memory(server)
    finally:
        for s in socks:
            s.close()
    wait_clients(server, 0)
    time.sleep(0.1)                         # one cron tick
    used2, rss2, _ = memory(server)
    return {"used_per_client": (used1 - used0) / conns, "rss_per_client": (rss1 - rss0) / conns,
            "idle_per_client": (used_idle - used0) / conns,
            "used_before": used0, "used_after": used2, "rss_before": rss0, "rss_after": rss2}


def churn_phase(server, conns, rounds):
    rss = []
    for _ in range(rounds):
        subprocess.run([rbench.BENCH, "-h", HOST, "-p", str(server.port), "-c", str(conns),
                        "-n", str(conns * 5), "-t", "ping", "-q"], capture_output=True, timeout=600)
        wait_clients(server, 0)
        time.sleep(1.5)                     # after the rounds: rkvd's cron trims once a second
        rss.append(rss_bytes(server.pid))
    used, last, frag = memory(server)
    return {"rss": rss, "used": used, "frag": frag}


def latency_run(server, test, conns, n):
    r = subprocess.run([rbench.BENCH, "-h", HOST, "-p", str(server.port), "-c", str(conns),
                        "-n", str(n), "-r", "100000", "-t", test, "-P", "1", "--csv"],
                       capture_output=True, text=True, timeout=900)
    rows = [row for row in csv.reader(io.StringIO(r.stdout)) if row and row[0] != "test"]
    if r.returncode != 0 or not rows:
        raise RuntimeError(f"redis-benchmark {test}: {(r.stderr or r.stdout).strip()[-200:]}")
    row = rows[-1]        # test, rps, avg, min, p50, p95, p99, max
    return {"rps": float(row[1]), "p99": float(row[6]), "max": float(row[7])}


def start(kind):
    return Server(kind, extra_flags=["--maxclients", "10100"]).start()


def main(argv=None):
    a = parse_args(argv)
    phases = [p for p in a.only.split(",") if p]
    raise_fd_limit(a.conns + 1024)
    out = []

    def say(line=""):
        print(line, flush=True)
        out.append(line)

    if "idle" in phases or "churn" in phases:
        # a fresh pair for the memory figures: nothing else has run on them
        servers = {k: start(k) for k in KINDS}
        try:
            if "idle" in phases:
                res = {k: idle_phase(servers[k], a.conns) for k in KINDS}
                say(f"idle: {a.conns} connections")
                rows = []
                for name, key, scale, spec in (
                        ("used_memory per client (B)", "used_per_client", 1, "{:,.0f}"),
                        ("used_memory per client, 3 s idle (B)", "idle_per_client", 1, "{:,.0f}"),
                        ("RSS per client (B)", "rss_per_client", 1, "{:,.0f}"),
                        ("used_memory before (MB)", "used_before", MB, "{:.2f}"),
                        ("used_memory after close (MB)", "used_after", MB, "{:.2f}"),
                        ("RSS before (MB)", "rss_before", MB, "{:.1f}"),
                        ("RSS after close (MB)", "rss_after", MB, "{:.1f}")):
                    v = {k: res[k][key] / scale for k in KINDS}
                    rows.append([name, spec.format(v["rkvd"]), spec.format(v["redis"]),
                                 f"{v['rkvd'] / v['redis']:.2f}" if v["redis"] else "n/a"])
                say(rbench.table(["", "rkvd", "redis", "ratio"], rows, a.markdown))
                say()
            if "churn" in phases:
                res = {k: churn_phase(servers[k], a.conns, a.rounds_churn) for k in KINDS}
                say(f"churn: {a.rounds_churn} rounds of redis-benchmark -c {a.conns}")
                rows = [[f"RSS after round {i + 1} (MB)", f"{res['rkvd']['rss'][i] / MB:.1f}",
                         f"{res['redis']['rss'][i] / MB:.1f}",
                         f"{res['rkvd']['rss'][i] / res['redis']['rss'][i]:.2f}"]
                        for i in range(a.rounds_churn)]
                rows.append(["used_memory at the end (MB)", f"{res['rkvd']['used'] / MB:.2f}",
                             f"{res['redis']['used'] / MB:.2f}",
                             f"{res['rkvd']['used'] / res['redis']['used']:.2f}"])
                rows.append(["mem_fragmentation_ratio", res["rkvd"]["frag"], res["redis"]["frag"], ""])
                say(rbench.table(["", "rkvd", "redis", "ratio"], rows, a.markdown))
                say()
        finally:
            for s in servers.values():
                s.stop()

    if "latency" in phases:
        servers = {k: start(k) for k in KINDS}
        try:
            runs = {(k, t): [] for k in KINDS for t in ("get", "set")}
            for r in range(a.rounds):
                order = KINDS if r % 2 == 0 else KINDS[::-1]
                for test in ("set", "get"):
                    for k in order:
                        runs[(k, test)].append(latency_run(servers[k], test, a.conns, a.requests))
            say(f"latency: redis-benchmark -c {a.conns} -P 1 -n {a.requests}, {a.rounds} rounds")
            rows = []
            for test in ("get", "set"):
                for field in ("p99", "max", "rps"):
                    rk = [x[field] for x in runs[("rkvd", test)]]
                    rd = [x[field] for x in runs[("redis", test)]]
                    ratio = statistics.median(x / y for x, y in zip(rk, rd))
                    spec = "{:,.0f}" if field == "rps" else "{:.2f}"
                    rows.append([f"{test.upper()} {field}{'' if field == 'rps' else ' (ms)'}",
                                 spec.format(statistics.median(rk)), spec.format(statistics.median(rd)),
                                 f"{ratio:.2f}"])
            say(rbench.table(["", "rkvd", "redis", "ratio"], rows, a.markdown))
        finally:
            for s in servers.values():
                s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
