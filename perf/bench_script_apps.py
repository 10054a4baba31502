#!/usr/bin/env python3
"""Applications written as Lua scripts: rkvd vs redis-server at 50 clients.

The scripts live in perf/scripts/ and are run by redis-benchmark through
EVALSHA, --clients connections, pipeline 1:

* ratelimit: a sliding-window rate limiter (ratelimit.lua: TIME,
  ZREMRANGEBYSCORE, ZCARD, ZADD, PEXPIRE) over --subjects random subjects.
* jobqueue-take: a visibility-timeout job queue handing out jobs
  (jobqueue_take.lua: TIME, ZRANGEBYSCORE of expired jobs, LPOP, ZADD into
  the in-flight set), from a ready list filled with enough jobs for the run.
* jobqueue-ack: workers acknowledging random jobs (jobqueue_ack.lua).

Reported per workload: throughput (calls/s, target at least 0.8x Redis's)
and server CPU (user + sys) per call. Both servers start fresh; the runs
interleave (rkvd, redis, then the other order) for --rounds rounds and the
ratios are medians of the per-round rkvd / redis ratios.

Examples:
  python perf/bench_script_apps.py
  python perf/bench_script_apps.py --rounds 5 --markdown
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from bench_scripting import bench_command
from servers import KINDS, ServerError, ServerPair, loadavg

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scripts")
VISIBILITY_MS = 600_000         # nothing expires during a run: every take hands out a new job


def script(name):
    with open(os.path.join(SCRIPTS, name), encoding="utf-8") as f:
        return f.read()


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-n", "--requests", type=int, default=100_000, help="calls per run")
    ap.add_argument("--subjects", type=int, default=10_000, help="rate limiter subjects")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def fill_queue(srv, jobs):
    """A ready list of `jobs` jobs named as redis-benchmark's __rand_int__
    renders them, so acks of random ids hit in-flight jobs."""
    srv.call("DEL", "jobs:ready", "jobs:inflight")
    for i in range(0, jobs, 1000):
        srv.call("RPUSH", "jobs:ready", *(f"job:{j:012d}" for j in range(i, min(i + 1000, jobs))))


def main(argv=None):
    a = parse_args(argv)
    if not rbench.have_benchmark():
        sys.exit(f"{rbench.BENCH} not found on PATH")
    try:
        pair = ServerPair(KINDS, required=KINDS).__enter__()
    except ServerError as e:
        sys.exit(f"could not start servers:\n{e}")
    rps, cpu = {}, {}           # test -> {kind: {round: value}}
    try:
        sha = {}
        for kind in KINDS:
            srv = pair[kind]
            print("# " + srv.describe(), file=sys.stderr)
            srv.call("FLUSHALL")
            sha[kind] = {name: srv.call("SCRIPT", "LOAD", script(f"{name}.lua"))
                         for name in ("ratelimit", "jobqueue_take", "jobqueue_ack")}
        print(f"# {os.cpu_count()} CPUs, load {loadavg()}", file=sys.stderr)
        for rnd in range(1, a.rounds + 1):
            order = KINDS if rnd % 2 else tuple(reversed(KINDS))
            for kind in order:
                srv = pair[kind]
                s = sha[kind]
                fill_queue(srv, a.requests)
                runs = [
                    ("ratelimit", a.subjects, ("EVALSHA", s["ratelimit"], "1", "rate:__rand_int__",
                                               "1000", "100", "req:__rand_int__")),
                    ("jobqueue-take", 1, ("EVALSHA", s["jobqueue_take"], "2", "jobs:ready", "jobs:inflight",
                                          str(VISIBILITY_MS))),
                    ("jobqueue-ack", a.requests, ("EVALSHA", s["jobqueue_ack"], "1", "jobs:inflight",
                                                  "job:__rand_int__")),
                ]
                for test, keyspace, command in runs:
                    us, r = bench_command(srv.port, srv.pid, a.requests, a.clients, 1, keyspace, *command)
                    rps.setdefault(test, {}).setdefault(kind, {})[rnd] = r
                    cpu.setdefault(test, {}).setdefault(kind, {})[rnd] = us
                    print(f"  round {rnd} {kind:<5} {test:<13} {r:>10,.0f} calls/s {us:7.2f} us/call",
                          file=sys.stderr)
                assert int(srv.call("LLEN", "jobs:ready")) == 0, "the queue ran dry too early"
    finally:
        pair.__exit__(None, None, None)

    rows = []
    for test in rps:
        pr = rbench.pair_ratios(rps[test]["rkvd"], rps[test]["redis"])
        pc = rbench.pair_ratios(cpu[test]["rkvd"], cpu[test]["redis"])
        rows.append([test, f"{rbench.median(rps[test]['rkvd'].values()):,.0f}",
                     f"{rbench.median(rps[test]['redis'].values()):,.0f}", f"{rbench.median(pr):.2f}",
                     rbench.fmt_range(pr), f"{rbench.median(pc):.2f}", ">= 0.8"])
    print(rbench.table(["workload", "rkvd calls/s", "redis calls/s", "ratio calls/s", "pairs",
                        "ratio CPU/call", "target"], rows, a.markdown))
    print(f"\nEVALSHA through redis-benchmark, c={a.clients}, P=1, {a.requests:,} calls per run, "
          f"median of {a.rounds} interleaved rounds; ratio = median of per-round rkvd / redis.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
