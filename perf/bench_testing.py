#!/usr/bin/env python3
"""rkvd as a test server (rkvd.testing): start-up and per-test isolation,
beside redis-server.

  in-process cold   a fresh interpreter: import rkvd.testing, start the
                    in-process engine, first PONG (the interpreter's own
                    start is not counted; imports are), and the same with
                    redis-py imported beforehand, as the code under test
                    has (redis-py 8 alone imports in ~40 ms)
  in-process warm   close() and start again in the same process (what a
                    second server costs once rkvd is imported)
  fake cold         a fresh interpreter: FakeRedis().ping(), imports included
  subprocess        RkvdProcess(): spawn until the first PONG, as the
                    rkvd_server fixture starts it; redis-server the same way
                    (RkvdProcess(server_cmd="redis-server")) as the reference
  isolation         what the fixture does before each test: check() (is the
                    server alive and answering) + reset() (FLUSHALL, kill
                    the test's other clients, SCRIPT/FUNCTION FLUSH, INFO
                    commandstats, CONFIG RESETSTAT), after a test that wrote
                    --keys keys, on rkvd and on redis-server

Bytecode caches are allowed (PYTHONDONTWRITEBYTECODE is dropped for the
child interpreters; the first, uncounted round writes them), as in a
pip-installed package. Medians of --rounds; the subprocess and isolation
rows alternate rkvd and redis-server.

  python perf/bench_testing.py [--rounds 15] [--keys 100]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_COLD_INPROCESS = """
import time
import sys
if sys.argv[1:] == ["redis-imported"]:
    import redis.asyncio
t = time.perf_counter()
from rkvd.testing import InProcessServer
s = InProcessServer()
c = s.client()
c.ping()
cold = time.perf_counter() - t
s.close()
t = time.perf_counter()
s = InProcessServer()
s.client().ping()
warm = time.perf_counter() - t
s.close()
print(cold, warm)
"""

_COLD_FAKE = """
import time
t = time.perf_counter()
from rkvd.testing import FakeRedis
FakeRedis().ping()
print(time.perf_counter() - t)
"""


def child_env():
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if os.path.isdir(os.path.join(ROOT, "rkvd")):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH", ""), ROOT) if p)
    return env


def run_child(code, *argv):
    out = subprocess.run([sys.executable, "-c", code, *argv], env=child_env(), capture_output=True,
                         text=True, check=True, cwd="/")
    return [float(x) for x in out.stdout.split()]


def median_ms(values):
    return statistics.median(values) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--keys", type=int, default=100, help="keys the simulated test writes before a reset")
    ap.add_argument("--redis-server", default="redis-server")
    args = ap.parse_args()
    sys.path.append(ROOT)
    from rkvd.testing.process import RkvdProcess

    run_child(_COLD_INPROCESS)          # writes the bytecode caches
    run_child(_COLD_FAKE)
    cold, cold_own, warm, fake = [], [], [], []
    for _ in range(args.rounds):
        c, w = run_child(_COLD_INPROCESS)
        cold.append(c)
        warm.append(w)
        cold_own.append(run_child(_COLD_INPROCESS, "redis-imported")[0])
        fake.extend(run_child(_COLD_FAKE))

    starts = {"rkvd": [], "redis": []}
    iso = {"rkvd": [], "redis": []}
    cmds = {"rkvd": None, "redis": args.redis_server}
    for r in range(args.rounds):
        order = ("rkvd", "redis") if r % 2 == 0 else ("redis", "rkvd")
        for kind in order:
            t = time.perf_counter()
            server = RkvdProcess(server_cmd=cmds[kind], name=kind)
            starts[kind].append(time.perf_counter() - t - _baseline_cost(server))
            try:
                client = server.client()
                for _ in range(20):
                    pipe = client.pipeline(transaction=False)
                    for i in range(args.keys):
                        pipe.set(f"key:{i}", "x" * 32)
                    pipe.execute()
                    t = time.perf_counter()
                    server.check()
                    server.reset()
                    iso[kind].append(time.perf_counter() - t)
                client.close()
            finally:
                server.close()

    rows = [
        ("in-process start to first reply, cold (all imports)", median_ms(cold), None, 50),
        ("  the same, redis-py already imported (by the code tested)", median_ms(cold_own), None, 50),
        ("in-process start to first reply, warm (second engine)", median_ms(warm), None, 50),
        ("FakeRedis().ping(), cold (imports included)", median_ms(fake), None, 50),
        ("subprocess start to first reply", median_ms(starts["rkvd"]), median_ms(starts["redis"]), 300),
        (f"per-test isolation (check + reset after {args.keys} keys)", median_ms(iso["rkvd"]),
         median_ms(iso["redis"]), 1),
    ]
    print(f"{'':62} {'rkvd ms':>9} {'redis ms':>9} {'ratio':>6} {'target':>7}")
    for name, ms, ref, target in rows:
        ratio = f"{ms / ref:6.2f}" if ref else "     -"
        refs = f"{ref:9.2f}" if ref else "        -"
        print(f"{name:62} {ms:9.2f} {refs} {ratio} {'<=' + str(target):>7}")


def _baseline_cost(server):
    # RkvdProcess.start() also reads CONFIG GET * (reset()'s baseline); that
    # is the fixture's cost, not the server's start-up: timed and taken off
    t = time.perf_counter()
    server._baseline = None
    server.baseline_config()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
