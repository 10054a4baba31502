#!/usr/bin/env python3
"""How well the approximated LRU and LFU keep the hot keys: redis-cli's
--lru-test against rkvd and redis-server with the same maxmemory and policy.

`redis-cli --lru-test N` reads keys 0..N-1 drawn from a power-law
distribution and SETs every key it misses, printing the hit ratio of each
second. Both servers run it at the same time (one redis-cli each, so both
see the same load on this machine) for --seconds; the figure per server is
the hit ratio over the last half of the run (the first half warms the
cache), and the overshoot is the most used_memory seen above maxmemory,
sampled every 0.2 s. The maxmemory is what each server may hold for keys:
the empty server's used_memory plus --room, so both get the same room.

  python perf/bench_lru_test.py
  python perf/bench_lru_test.py --policies allkeys-lru --seconds 30 --markdown
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import KINDS, Server, parse_info

LINE = re.compile(rb"Hits: (\d+) \(([\d.]+)%\) \| Misses: (\d+)")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu")
    ap.add_argument("--keys", type=int, default=1_000_000, help="--lru-test keyspace (default 1000000)")
    ap.add_argument("--room", default="20mb", help="maxmemory above the empty server's used_memory")
    ap.add_argument("--rkvd-room", help="rkvd's room when it should differ (to compare the policies at "
                    "the same number of keys held: rkvd stores a small key in fewer bytes)")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def used(srv):
    return int(parse_info(srv.call("INFO", "memory"))["used_memory"])


def run_lru_test(srv, keys, seconds, out):
    """Run redis-cli --lru-test for `seconds`; out gets (hits, misses) per second."""
    # stdbuf: redis-cli writes its per-second lines through stdio, which
    # holds them in a full buffer when stdout is a pipe
    p = subprocess.Popen(["stdbuf", "-oL", "redis-cli", "-p", str(srv.port), "--lru-test", str(keys)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t = threading.Timer(seconds, p.terminate)
    t.start()
    try:
        for line in p.stdout:
            m = LINE.search(line)
            if m:
                out.append((int(m.group(1)), int(m.group(3))))
    finally:
        t.cancel()
        p.wait()


def main(argv=None):
    a = parse_args(argv)
    room = _size(a.room)
    servers = {k: Server(k).start() for k in KINDS}
    rows = []
    try:
        for policy in rbench.csv_list(a.policies):
            limits = {}
            for k, s in servers.items():
                s.call("CONFIG", "SET", "maxmemory", "0")
                s.call("FLUSHALL")
                s.call("CONFIG", "RESETSTAT")
                limits[k] = used(s) + (_size(a.rkvd_room) if k == "rkvd" and a.rkvd_room else room)
                s.call("CONFIG", "SET", "maxmemory-policy", policy)
                s.call("CONFIG", "SET", "maxmemory", str(limits[k]))
            samples = {k: [] for k in KINDS}
            over = {k: 0 for k in KINDS}
            threads = [threading.Thread(target=run_lru_test, args=(servers[k], a.keys, a.seconds, samples[k]))
                       for k in KINDS]
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                for k, s in servers.items():
                    over[k] = max(over[k], used(s) - limits[k])
                time.sleep(0.2)
            ratio = {}
            held = {k: int(s.call("DBSIZE")) for k, s in servers.items()}
            for k in KINDS:
                tail = samples[k][len(samples[k]) // 2:]
                hits, misses = sum(x[0] for x in tail), sum(x[1] for x in tail)
                ratio[k] = hits / (hits + misses) if hits + misses else 0.0
                per_sec = [x[0] / (x[0] + x[1]) for x in tail if x[0] + x[1]]
                spread = f"{min(per_sec):.3f}..{max(per_sec):.3f}" if per_sec else "-"
                print(f"  {policy} {k:<5} hit ratio {ratio[k]:.4f} (per second {spread}), "
                      f"{len(samples[k])} s, most over maxmemory {over[k]} B, {held[k]:,} keys held at the end",
                      file=sys.stderr)
            rows.append((policy, ratio["rkvd"], ratio["redis"],
                         ratio["rkvd"] / ratio["redis"] if ratio["redis"] else 0.0,
                         over["rkvd"], over["redis"], held["rkvd"], held["redis"]))
    finally:
        for s in servers.values():
            s.stop()
    head = ("policy", "rkvd hit ratio", "redis hit ratio", "ratio", "rkvd most over (B)", "redis most over (B)",
            "rkvd keys held", "redis keys held")
    table = [[r[0], f"{r[1]:.4f}", f"{r[2]:.4f}", f"{r[3]:.3f}", f"{r[4]:,}", f"{r[5]:,}", f"{r[6]:,}",
              f"{r[7]:,}"] for r in rows]
    print(rbench.table(head, table, a.markdown, align=["l"] + ["r"] * 7))
    print(f"\nredis-cli --lru-test {a.keys} on both servers at once for {a.seconds} s, maxmemory = empty "
          f"used_memory + {a.room}; hit ratio over the second half; 'most over': the highest used_memory "
          "above maxmemory sampled every 0.2 s (negative: never over).")


def _size(text):
    text = text.strip().lower()
    for suffix, mult in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("b", 1)):
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * mult)
    return int(text)


if __name__ == "__main__":
    main()
