#!/usr/bin/env python3
"""Lua scripting: rkvd vs redis-server, the two targets of the scripting issue.

* evalsha-get: EVALSHA of a script doing one GET (`return
  redis.call('GET', KEYS[1])`), run by redis-benchmark with 50 clients at
  each pipeline depth; reported as server CPU (user + sys, from
  /proc/<pid>/stat) per call. Target: at most 1.5x Redis at -P 1 and -P 16.
* incr-loop: one EVAL whose script runs redis.call('INCR', KEYS[1]) a
  million times; reported as the wall time of that call. Target: at most
  2x Redis.
* fcall-get: the same GET through FCALL of a library function (no target;
  shows the function path costs what EVALSHA does).

Both servers start fresh (servers.py) and the runs interleave (rkvd, redis,
then the other order), --rounds times; ratios are medians of the per-round
rkvd / redis ratios.

Examples:
  python perf/bench_scripting.py
  python perf/bench_scripting.py --rounds 5 -P 1,16 --markdown
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, ServerError, ServerPair, cpu_seconds, loadavg

GET_SCRIPT = "return redis.call('GET', KEYS[1])"
INCR_SCRIPT = "for i = 1, tonumber(ARGV[1]) do redis.call('INCR', KEYS[1]) end return redis.call('GET', KEYS[1])"
LIBRARY = ("#!lua name=benchlib\n"
           "redis.register_function('benchget', function(keys) return redis.call('GET', keys[1]) end)")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-P", "--pipelines", default="1,16")
    ap.add_argument("-n", "--requests", default="1:100000,16:400000", help="calls per run: N or P:N pairs")
    ap.add_argument("--incr", type=int, default=1_000_000, help="INCR calls of the loop script")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-r", "--keyspace", type=int, default=100_000)
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def bench_command(port, pid, n, clients, pipeline, keyspace, *command):
    """redis-benchmark running one command form; (server CPU us per call, rps)."""
    cmd = [rbench.BENCH, "-h", HOST, "-p", str(port), "-c", str(clients), "-n", str(n),
           "-r", str(keyspace), "-P", str(pipeline), "--csv", *command]
    s0 = cpu_seconds(pid)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - t0
    s1 = cpu_seconds(pid)
    if r.returncode != 0:
        raise RuntimeError(f"redis-benchmark failed: {r.stderr.strip() or r.stdout.strip()}")
    return ((s1[0] - s0[0]) + (s1[1] - s0[1])) * 1e6 / n, n / wall


def main(argv=None):
    a = parse_args(argv)
    if not rbench.have_benchmark():
        sys.exit(f"{rbench.BENCH} not found on PATH")
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    try:
        pair = ServerPair(KINDS, required=KINDS).__enter__()
    except ServerError as e:
        sys.exit(f"could not start servers:\n{e}")
    cost = {}           # (test, P) -> {kind: {round: us}}
    incr = {}           # kind -> {round: seconds}
    try:
        sha = {}
        for kind in KINDS:
            srv = pair[kind]
            print("# " + srv.describe(), file=sys.stderr)
            srv.call("FLUSHALL")
            srv.call("FUNCTION", "FLUSH")
            sha[kind] = srv.call("SCRIPT", "LOAD", GET_SCRIPT)
            srv.call("FUNCTION", "LOAD", LIBRARY)
            for i in range(0, a.keyspace, 1000):
                args = []
                for j in range(i, min(i + 1000, a.keyspace)):
                    args += [f"key:{j:012d}", "v" * 16]
                srv.call("MSET", *args)
        print(f"# {os.cpu_count()} CPUs, load {loadavg()}", file=sys.stderr)
        for rnd in range(1, a.rounds + 1):
            order = KINDS if rnd % 2 else tuple(reversed(KINDS))
            for p in pipelines:
                for kind in order:
                    srv = pair[kind]
                    forms = {"evalsha-get": ("EVALSHA", sha[kind], "1", "key:__rand_int__"),
                             "fcall-get": ("FCALL", "benchget", "1", "key:__rand_int__")}
                    for test, command in forms.items():
                        us, rps = bench_command(srv.port, srv.pid, nmap[p], a.clients, p, a.keyspace, *command)
                        cost.setdefault((test, p), {}).setdefault(kind, {})[rnd] = us
                        print(f"  round {rnd} {kind:<5} {test:<11} P={p:<3} {us:7.2f} us/call "
                              f"{rps:>10,.0f} calls/s", file=sys.stderr)
            for kind in order:
                srv = pair[kind]
                srv.call("DEL", "counter")
                t0 = time.perf_counter()
                got = srv.call("EVAL", INCR_SCRIPT, "1", "counter", str(a.incr))
                secs = time.perf_counter() - t0
                assert int(got) == a.incr, got
                incr.setdefault(kind, {})[rnd] = secs
                print(f"  round {rnd} {kind:<5} incr-loop   {secs:7.3f} s", file=sys.stderr)
    finally:
        pair.__exit__(None, None, None)

    rows = []
    for (test, p), by_kind in sorted(cost.items(), key=lambda kv: (kv[0][0] != "evalsha-get", kv[0])):
        pr = rbench.pair_ratios(by_kind["rkvd"], by_kind["redis"])
        rows.append([test, f"P={p}", f"{rbench.median(by_kind['rkvd'].values()):.2f} us",
                     f"{rbench.median(by_kind['redis'].values()):.2f} us", f"{rbench.median(pr):.2f}",
                     rbench.fmt_range(pr), "1.5" if test == "evalsha-get" else "-"])
    pr = rbench.pair_ratios(incr["rkvd"], incr["redis"])
    rows.append(["incr-loop", f"{a.incr:,} INCR", f"{rbench.median(incr['rkvd'].values()):.3f} s",
                 f"{rbench.median(incr['redis'].values()):.3f} s", f"{rbench.median(pr):.2f}",
                 rbench.fmt_range(pr), "2.0"])
    print(rbench.table(["test", "form", "rkvd", "redis", "ratio", "pairs", "target"], rows, a.markdown))
    print(f"\nserver CPU per call (EVALSHA / FCALL, c={a.clients}) and wall time of one EVAL (incr-loop), "
          f"median of {a.rounds} interleaved rounds; ratio = median of per-round rkvd / redis.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
