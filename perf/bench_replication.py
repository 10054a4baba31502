#!/usr/bin/env python3
"""Replication: rkvd -> rkvd against redis-server -> redis-server.

Two measures, each with master and replicas of the same kind, interleaved
(the order flips every round), ratios rkvd / redis as medians of per-round
ratios:

  full sync   a master holding DEBUG POPULATE --keys string keys (values of
              --value-size bytes); a freshly started replica is sent
              REPLICAOF, and the time until its INFO says
              master_link_status:up and its DBSIZE equals the master's is
              taken. Once with `repl-diskless-sync no` (the master forks a
              BGSAVE to disk, then sends the file) and once with `yes` (the
              fork child streams the RDB through a pipe to the socket); the
              modes on-empty-db and swapdb stream it the same way into a
              replica that parses it as it arrives (`repl-diskless-load`).
              Ratio < 1: rkvd faster.
  SET + 2     SET throughput (redis-benchmark -t set -c 50, at -P 1 and
  replicas    -P 16) on a master with two replicas attached, beside the
              same run against a master with none (the replication
              overhead). While the -P 16 run goes flat out, the master's
              replication lag (master_repl_offset minus the slowest
              replica's acked offset) is sampled; afterwards both replicas
              must still be connected and sync_full unchanged (no replica
              fell behind into a full resync). Ratio > 1: rkvd faster.

Examples:
  python perf/bench_replication.py                        # ~1 GB, 2 rounds
  python perf/bench_replication.py --keys 2000000 --markdown
  python perf/bench_replication.py --only set -n 200000
"""
import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rbench import have_benchmark, run_benchmark
from servers import KINDS, Server, parse_info

DEBUG = ["--enable-debug-command", "local"]


def repl_info(server):
    return parse_info(server.call("INFO", "replication"))


def stats(server):
    return parse_info(server.call("INFO", "stats"))


def replica_offsets(info):
    """The acked offsets of the replicas in a master's INFO replication."""
    out = []
    for k, v in info.items():
        if k.startswith("slave") and k[5:].isdigit():
            fields = dict(x.split("=", 1) for x in v.split(",") if "=" in x)
            out.append(int(fields.get("offset", 0)))
    return out


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.005)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


# ---------------------------------------------------------------------------
# full sync
# ---------------------------------------------------------------------------
def full_sync(master, mode, args):
    """Seconds from REPLICAOF to the replica up and holding every key."""
    master.call("CONFIG", "SET", "repl-diskless-sync", "no" if mode == "disk" else "yes")
    want = int(master.call("DBSIZE"))
    load = ["--repl-diskless-load", mode] if mode in ("on-empty-db", "swapdb") else []
    replica = Server(master.kind, start_timeout=60, extra_flags=DEBUG + load).start(exclude_ports={master.port})
    try:
        with replica.client(timeout=600) as c:
            start = time.monotonic()
            c.call("REPLICAOF", "127.0.0.1", str(master.port))

            def done():
                info = parse_info(c.call("INFO", "replication"))
                return info.get("master_link_status") == "up" and int(c.call("DBSIZE")) == want

            wait_for(done, args.timeout, f"{master.kind} replica to sync ({mode})")
            return time.monotonic() - start
    finally:
        replica.stop()
        # the master's fork child for this sync, if any, is done before the next
        wait_for(lambda: parse_info(master.call("INFO", "persistence")).get("rdb_bgsave_in_progress") == "0",
                 120, "the master's save to end")


def bench_full_sync(args):
    masters = {}
    try:
        for kind in KINDS:
            m = Server(kind, start_timeout=60,
                       extra_flags=DEBUG + ["--repl-diskless-sync-delay", "0"]).start(
                exclude_ports={x.port for x in masters.values()})
            masters[kind] = m
            t = time.monotonic()
            with m.client(timeout=900) as c:
                c.call("DEBUG", "POPULATE", str(args.keys), "key", str(args.value_size))
            mem = parse_info(m.call("INFO", "memory"))["used_memory_human"]
            print(f"{kind}: master holds {args.keys} keys, used_memory {mem} "
                  f"(filled in {time.monotonic() - t:.1f}s)", flush=True)
        res = {(mode, k): [] for mode in args.modes for k in KINDS}
        for r in range(args.rounds):
            order = KINDS if r % 2 == 0 else KINDS[::-1]
            for mode in args.modes:
                for kind in order:
                    secs = full_sync(masters[kind], mode, args)
                    res[(mode, kind)].append(secs)
                    print(f"round {r + 1} {mode:8} {kind:5}: full sync in {secs:.2f}s", flush=True)
    finally:
        for m in masters.values():
            m.stop()
    rows = []
    for mode in args.modes:
        a, b = res[(mode, "rkvd")], res[(mode, "redis")]
        rows.append((f"full sync, {mode} ({args.keys:,} keys)", f"{statistics.median(a):.2f} s",
                     f"{statistics.median(b):.2f} s", statistics.median(x / y for x, y in zip(a, b))))
    return rows


# ---------------------------------------------------------------------------
# SET throughput with replicas attached
# ---------------------------------------------------------------------------
class LagSampler(threading.Thread):
    """Polls a master's INFO replication: the largest lag seen, in bytes."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master = master
        self.stop_event = threading.Event()
        self.max_lag = 0

    def run(self):
        with self.master.client(timeout=60) as c:
            while not self.stop_event.is_set():
                info = parse_info(c.call("INFO", "replication"))
                offs = replica_offsets(info)
                if offs:
                    self.max_lag = max(self.max_lag, int(info["master_repl_offset"]) - min(offs))
                time.sleep(0.05)


class Group:
    """A master of one kind and its replicas."""

    def __init__(self, kind, nreplicas):
        self.kind = kind
        self.master = Server(kind, start_timeout=60, extra_flags=DEBUG).start()
        self.replicas = []
        try:
            for _ in range(nreplicas):
                s = Server(kind, start_timeout=60, extra_flags=DEBUG).start(exclude_ports={self.master.port})
                self.replicas.append(s)
                s.call("REPLICAOF", "127.0.0.1", str(self.master.port))
            self.wait_caught_up(60)
        except BaseException:
            self.stop()
            raise

    def caught_up(self):
        info = repl_info(self.master)
        offs = replica_offsets(info)
        return (len(offs) == len(self.replicas)
                and all(o == int(info["master_repl_offset"]) for o in offs)
                and all(repl_info(r).get("master_link_status") == "up" for r in self.replicas))

    def wait_caught_up(self, timeout):
        wait_for(self.caught_up, timeout, f"{self.kind} replicas to catch up")

    def stop(self):
        for s in [self.master] + self.replicas:
            s.stop()


def bench_set(args):
    groups = {}
    try:
        for kind in KINDS:
            groups[(kind, 2)] = Group(kind, 2)
            groups[(kind, 0)] = Group(kind, 0)
        res = {}
        health = {kind: {"max_lag": 0, "full_before": int(stats(groups[(kind, 2)].master)["sync_full"]),
                         "catchup": []} for kind in KINDS}
        for r in range(args.rounds):
            order = KINDS if r % 2 == 0 else KINDS[::-1]
            for p in args.pipelines:
                for nrep in (2, 0):
                    for kind in order:
                        g = groups[(kind, nrep)]
                        g.master.call("FLUSHALL")
                        if nrep:
                            g.wait_caught_up(60)
                        sampler = LagSampler(g.master) if nrep else None
                        if sampler:
                            sampler.start()
                        run = run_benchmark(g.master.port, "set", args.requests, 50, p, 100_000, 3)
                        if sampler:
                            sampler.stop_event.set()
                            sampler.join()
                            t = time.monotonic()
                            g.wait_caught_up(120)
                            health[kind]["catchup"].append(time.monotonic() - t)
                            health[kind]["max_lag"] = max(health[kind]["max_lag"], sampler.max_lag)
                        if run.error:
                            raise SystemExit(f"{kind}: redis-benchmark failed: {run.error}")
                        res.setdefault((p, nrep, kind), []).append(run.rps)
                        lag = f", max lag {sampler.max_lag:,} bytes" if sampler else ""
                        print(f"round {r + 1} -P {p:<2} {nrep} replicas {kind:5}: {run.rps:,.0f} SET/s{lag}",
                              flush=True)
        for kind in KINDS:
            g = groups[(kind, 2)]
            h = health[kind]
            h["full_after"] = int(stats(g.master)["sync_full"])
            h["connected"] = int(repl_info(g.master)["connected_slaves"])
    finally:
        for g in groups.values():
            g.stop()
    rows = []
    for p in args.pipelines:
        for nrep in (2, 0):
            a, b = res[(p, nrep, "rkvd")], res[(p, nrep, "redis")]
            rows.append((f"SET/s -P {p}, {nrep} replicas", f"{statistics.median(a):,.0f}",
                         f"{statistics.median(b):,.0f}", statistics.median(x / y for x, y in zip(a, b))))
    notes = []
    for kind in KINDS:
        h = health[kind]
        ok = h["connected"] == 2 and h["full_after"] == h["full_before"]
        notes.append(f"{kind}: replicas connected {h['connected']}/2, sync_full {h['full_before']} -> "
                     f"{h['full_after']} ({'ok' if ok else 'A REPLICA RESYNCED OR DROPPED'}), "
                     f"max lag {h['max_lag']:,} bytes, caught up {max(h['catchup']):.2f}s after the run")
    return rows, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=10_000_000, help="string keys for the full sync")
    ap.add_argument("--value-size", type=int, default=40)
    ap.add_argument("--modes", default="disk,diskless", help="full sync modes: disk,diskless,on-empty-db,swapdb")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("-n", "--requests", type=int, default=1_000_000, help="SETs per redis-benchmark run")
    ap.add_argument("-P", "--pipelines", default="1,16")
    ap.add_argument("--only", choices=("sync", "set"))
    ap.add_argument("--timeout", type=float, default=900, help="seconds a full sync may take")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    args.pipelines = [int(x) for x in args.pipelines.split(",") if x]
    if args.only != "sync" and not have_benchmark():
        raise SystemExit("redis-benchmark not found")

    rows, notes = [], []
    if args.only != "set":
        rows += bench_full_sync(args)
    if args.only != "sync":
        r, n = bench_set(args)
        rows += r
        notes += n
    print(f"\n{args.rounds} rounds; ratio = rkvd / redis (full sync: < 1 is rkvd faster; SET/s: > 1 is)")
    if args.markdown:
        print("| measure | rkvd | redis | ratio |\n|---|---:|---:|---:|")
        for name, a, b, q in rows:
            print(f"| {name} | {a} | {b} | {q:.2f} |")
    else:
        for name, a, b, q in rows:
            print(f"{name:40} {a:>12} {b:>12} {q:6.2f}")
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
