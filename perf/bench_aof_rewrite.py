#!/usr/bin/env python3
"""The AOF rewrite in command form: rkvd's fork child vs redis-server's
BGREWRITEAOF with aof-use-rdb-preamble no, same data.

A redis-server is filled (DEBUG POPULATE strings, or bench_rdb.py's mix of
every type), its SAVE file is loaded into an in-process rkvd engine with
rkvd's loader, so both hold the same dataset. Then, interleaved (the order
flips every round), each side rewrites it as BGREWRITEAOF does: a fork
child writes temp-rewriteaof-<pid>.aof with aof-rewrite-incremental-fsync
on, fsyncs and renames it. rkvd's side is fork_aof_rewrite_child, timed to
the child's exit; redis-server's is BGREWRITEAOF, timed until INFO says the
rewrite is over (polled every 2 ms, with hz 500 so that its parent reaps
the child within 2 ms; it also moves the file into appendonlydir and
writes the manifest, which is tiny). Both write to the
same directory (--dir; /dev/shm by default, so the disk does not dominate).

Columns: MB/s of each side (base file bytes / wall time), ratio = median of
per-round ratios rkvd / redis (> 1: rkvd faster), min..max.

Examples:
  python perf/bench_aof_rewrite.py
  python perf/bench_aof_rewrite.py --dataset mixed --keys 500000 --rounds 5
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from bench_rdb import Redis, fill_mixed  # noqa: E402

from rkvd._core.persist.aof_rewrite import AOF_REWRITE_INCREMENTAL_FSYNC  # noqa: E402
from rkvd._core.persist.fork import fork_aof_rewrite_child, read_child_report  # noqa: E402
from rkvd._core.persist.rdb_load import rdb_load_path  # noqa: E402
from rkvd._core.server import Engine  # noqa: E402


def rewrite_idle(c):
    info = c.info("persistence")
    return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0


def redis_rewrite(r, work):
    """One BGREWRITEAOF: (seconds, base file bytes)."""
    while not rewrite_idle(r.c):
        time.sleep(0.01)
    t = time.perf_counter()
    r.c.execute_command("BGREWRITEAOF")
    while not rewrite_idle(r.c):
        time.sleep(0.002)
    elapsed = time.perf_counter() - t
    d = os.path.join(work, "appendonlydir")
    with open(os.path.join(d, "appendonly.aof.manifest")) as f:
        base = re.search(r"^file (\S+) seq \d+ type b$", f.read(), re.M).group(1)
    return elapsed, os.path.getsize(os.path.join(d, base))


def rkvd_rewrite(engine, work):
    """One fork_aof_rewrite_child: (seconds, file bytes)."""
    t = time.perf_counter()
    pid, fd, _ = fork_aof_rewrite_child(engine, os.path.join(work.replace("%", "%%"), "rkvd-temp-%d.aof"),
                                        None, AOF_REWRITE_INCREMENTAL_FSYNC, [])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - t
    report = read_child_report(fd)
    if status != 0 or not report or report["status"] != 0:
        raise RuntimeError(f"rkvd's rewrite child failed: {report}")
    os.unlink(os.path.join(work, f"rkvd-temp-{pid}.aof"))
    return elapsed, report["bytes"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, default=2000000)
    ap.add_argument("--dataset", choices=("strings", "mixed"), default="strings")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="bench-aofrw-", dir=args.dir)
    r = Redis(work)
    try:
        if args.dataset == "strings":
            r.c.execute_command("DEBUG", "POPULATE", args.keys)
        else:
            fill_mixed(r.c, args.keys)
        r.c.execute_command("SAVE")
        engine = Engine(None, 16)
        rdb_load_path(engine, os.path.join(work, "dump.rdb"))
        # the parent notices its child's exit in serverCron: at hz 500 within
        # 2 ms, rather than up to 100 ms late at the default hz 10
        r.c.config_set("hz", "500")
        r.c.config_set("aof-use-rdb-preamble", "no")
        r.c.config_set("aof-rewrite-incremental-fsync", "yes")
        r.c.config_set("appendonly", "yes")     # starts a first rewrite: waited for
        rates = {"rkvd": [], "redis": []}
        ratios = []
        sizes = {}
        for rnd in range(args.rounds):
            got = {}
            for side in (("rkvd", "redis") if rnd % 2 == 0 else ("redis", "rkvd")):
                if side == "rkvd":
                    elapsed, sizes[side] = rkvd_rewrite(engine, work)
                else:
                    elapsed, sizes[side] = redis_rewrite(r, work)
                got[side] = sizes[side] / elapsed / 1e6
                rates[side].append(got[side])
            ratios.append(got["rkvd"] / got["redis"])
        print(f"dataset {args.dataset}, {r.c.dbsize()} keys, file {sizes['redis'] / 1e6:.1f} MB "
              f"(rkvd's {sizes['rkvd'] / 1e6:.1f} MB), dir {work}")
        print(f"rkvd  {statistics.median(rates['rkvd']):8.1f} MB/s")
        print(f"redis {statistics.median(rates['redis']):8.1f} MB/s")
        print(f"ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
    finally:
        r.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
