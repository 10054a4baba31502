#!/usr/bin/env python3
"""The cost of the ACL check: GET as a restricted user, rkvd vs redis-server;
and what a failed AUTH (password guessing) costs each server.

Both servers get the same user (`on >pw -@all +get ~key:*`: one allowed
command, one key pattern, so every GET runs the command and key checks) and
redis-benchmark runs GET as that user (--user/-a) and as the default user
(allowed everything: rkvd pays one test for it), interleaved rounds, the
order flipping every round. Reported per side and mode: requests per second
and server CPU microseconds per request (/proc/<pid>/stat), with the ratios
rkvd / redis (median of the per-round ratios) and each server's restricted /
default CPU (what the check costs it).

    python perf/bench_acl.py
    python perf/bench_acl.py -P 1,16 --rounds 5 --markdown
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, Server, cpu_seconds, encode

RULES = ("on", ">pw", "-@all", "+get", "~key:*")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-P", "--pipelines", default="1,16")
    ap.add_argument("-n", "--requests", default="1:200000,16:2000000")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-r", "--keyspace", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def bench(srv, n, clients, pipeline, keyspace, user):
    """(rps, server CPU us per request) of one redis-benchmark GET run."""
    cmd = [rbench.BENCH, "-h", HOST, "-p", str(srv.port), "-c", str(clients), "-n", str(n),
           "-r", str(keyspace), "-P", str(pipeline), "-t", "get", "--csv"]
    if user:
        cmd += ["--user", "acluser", "-a", "pw"]
    c0 = cpu_seconds(srv.pid)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    c1 = cpu_seconds(srv.pid)
    rows = [line.split(",") for line in r.stdout.splitlines() if line.startswith('"GET')]
    if r.returncode != 0 or not rows:
        sys.exit(f"{srv.kind}: redis-benchmark failed: {r.stderr.strip() or r.stdout.strip()}")
    rps = float(rows[-1][1].strip('"'))
    return rps, (sum(c1) - sum(c0)) * 1e6 / n


def bench_auth_fail(srv, n, clients, pipeline):
    """(rps, server CPU us per request) of failed AUTHs (a wrong password,
    which also writes an ACL LOG entry): what guessing costs the server.
    redis-benchmark stops at an error reply, so one connection pipelines
    them itself (clients is not used)."""
    reply = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    batch = encode("AUTH", "acluser", "wrong") * pipeline
    s = socket.create_connection((HOST, srv.port))
    try:
        c0 = cpu_seconds(srv.pid)
        t0 = time.perf_counter()
        for _ in range(n // pipeline):
            s.sendall(batch)
            want, got = len(reply) * pipeline, 0
            while got < want:
                data = s.recv(1 << 16)
                if not data:
                    sys.exit(f"{srv.kind}: connection closed during failed AUTHs")
                got += len(data)
        wall = time.perf_counter() - t0
        c1 = cpu_seconds(srv.pid)
    finally:
        s.close()
    done = n // pipeline * pipeline
    return done / wall, (sum(c1) - sum(c0)) * 1e6 / done


def main(argv=None):
    a = parse_args(argv)
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    servers = {k: Server(k).start() for k in KINDS}
    rows = []
    try:
        for s in servers.values():
            s.call("ACL", "SETUSER", "acluser", *RULES)
            # most GETs find their key: fill the keyspace redis-benchmark draws from
            rbench.run_benchmark(s.port, "set", a.keyspace * 3, a.clients, 16, a.keyspace, 3)
        for p in pipelines:
            n = nmap[p]
            per = {(k, u): [] for k in KINDS for u in (False, True)}
            for rnd in range(a.rounds):
                order = KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))
                for user in (False, True):
                    for k in order:
                        rps, us = bench(servers[k], n, a.clients, p, a.keyspace, user)
                        per[(k, user)].append((rps, us))
                        print(f"  P={p} round {rnd + 1} {k:<5} {'acl ' if user else 'dflt'} "
                              f"{rps:>10,.0f} rps {us:6.2f} us/req", file=sys.stderr)
            for user in (False, True):
                rk, rd = per[("rkvd", user)], per[("redis", user)]
                rows.append((p, "restricted" if user else "default",
                             statistics.median(x[0] for x in rk), statistics.median(x[0] for x in rd),
                             statistics.median(x[0] / y[0] for x, y in zip(rk, rd)),
                             statistics.median(x[1] for x in rk), statistics.median(x[1] for x in rd),
                             statistics.median(x[1] / y[1] for x, y in zip(rk, rd))))
            over = {k: statistics.median(x[1] / y[1] for x, y in zip(per[(k, True)], per[(k, False)]))
                    for k in KINDS}
            print(f"  P={p}: restricted / default CPU per GET: rkvd {over['rkvd']:.2f}, "
                  f"redis {over['redis']:.2f}", file=sys.stderr)
            rows.append((p, "restricted / default CPU", None, None, None, over["rkvd"], over["redis"],
                         over["rkvd"] / over["redis"]))
            fails = {k: [] for k in KINDS}
            for rnd in range(a.rounds):
                for k in (KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))):
                    fails[k].append(bench_auth_fail(servers[k], n // 4, a.clients, p))
            rk, rd = fails["rkvd"], fails["redis"]
            rows.append((p, "failed AUTH", statistics.median(x[0] for x in rk),
                         statistics.median(x[0] for x in rd), statistics.median(x[0] / y[0] for x, y in zip(rk, rd)),
                         statistics.median(x[1] for x in rk), statistics.median(x[1] for x in rd),
                         statistics.median(x[1] / y[1] for x, y in zip(rk, rd))))
    finally:
        for s in servers.values():
            s.stop()
    head = ("P", "user", "rkvd rps", "redis rps", "rps ratio", "rkvd us/req", "redis us/req", "CPU ratio")
    specs = ("{:,.0f}", "{:,.0f}", "{:.2f}", "{:.2f}", "{:.2f}", "{:.2f}")
    table = [[str(r[0]), r[1]] + [rbench.fmt(v, spec, "") for v, spec in zip(r[2:], specs)] for r in rows]
    print(rbench.table(head, table, a.markdown, align=["r", "l"] + ["r"] * 6))
    print(f"\nGET (-r {a.keyspace}, c={a.clients}) as the default user and as a user with "
          f"'{' '.join(RULES)}', and AUTH with a wrong password (a quarter of the requests), "
          f"median of {a.rounds} interleaved rounds; ratios rkvd / redis "
          "(rps > 1 and CPU < 1: rkvd better).")


if __name__ == "__main__":
    main()
