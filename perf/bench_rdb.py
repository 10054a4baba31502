#!/usr/bin/env python3
"""The RDB writer: rkvd's rdb_save_path vs redis-server's SAVE, same data.

A redis-server is filled (DEBUG POPULATE strings, or a mix of every type
built with pipelined commands), its SAVE file is loaded into an in-process
rkvd engine with rkvd's own loader, so both hold the same dataset, and then
both write it out, interleaved (the order flips every round), as SAVE does:
temp file, fsync, rename, with rdbcompression, rdbchecksum and
rdb-save-incremental-fsync on. Both files land in the same directory
(--dir; /dev/shm by default, so the disk does not dominate).

Columns: MB/s of each side (file bytes / wall time of the save), ratio =
median of per-round ratios rkvd / redis (> 1: rkvd faster), min..max.
The engine runs in this process with nothing else to do, redis-server's
SAVE includes a round trip: both negligible next to seconds of writing.

This measures the writer, not BGSAVE (fork, copy-on-write, the child's
report): the daemon's BGSAVE is compared by its own benchmark.

Examples:
  python perf/bench_rdb.py
  python perf/bench_rdb.py --keys 3000000 --rounds 5 --dataset strings
  python perf/bench_rdb.py --dataset mixed --keys 500000 --dir /tmp
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from rkvd._core.persist.rdb_load import rdb_load_path  # noqa: E402
from rkvd._core.persist.rdb_save import (  # noqa: E402
    RDB_SAVE_CHECKSUM,
    RDB_SAVE_COMPRESS,
    RDB_SAVE_INCREMENTAL_FSYNC,
    rdb_aux_blob,
    rdb_save_path,
)
from rkvd._core.server import Engine  # noqa: E402

FLAGS = RDB_SAVE_COMPRESS | RDB_SAVE_CHECKSUM | RDB_SAVE_INCREMENTAL_FSYNC


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, directory):
        import redis
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--enable-debug-command", "yes", "--dir", directory,
             "--logfile", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.c = redis.Redis(port=self.port, socket_timeout=600)
        for _ in range(200):
            try:
                self.c.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def fill_mixed(c, n):
    """n keys, a fifth each: strings, hashes (listpack), lists, sets
    (intset), sorted sets (listpack); a few large collections of each."""
    pipe = c.pipeline(transaction=False)
    for i in range(n):
        kind = i % 5
        if kind == 0:
            pipe.set(f"s:{i}", f"value {i} " * (i % 8 + 1))
        elif kind == 1:
            pipe.hset(f"h:{i}", mapping={"name": f"user{i}", "age": i % 90, "city": "somewhere"})
        elif kind == 2:
            pipe.rpush(f"l:{i}", *[f"item{j}" for j in range(i % 10 + 1)])
        elif kind == 3:
            pipe.sadd(f"i:{i}", *range(i % 12 + 1))
        else:
            pipe.zadd(f"z:{i}", {f"m{j}": j * 1.5 for j in range(i % 10 + 1)})
        if i % 5000 == 4999:
            pipe.execute()
    for j in range(5):
        pipe.hset(f"bighash:{j}", mapping={f"f{k}": f"v{k}" for k in range(20000)})
        pipe.rpush(f"biglist:{j}", *[f"e{k}" for k in range(20000)])
        pipe.sadd(f"bigset:{j}", *[f"m{k}" for k in range(20000)])
        pipe.zadd(f"bigzset:{j}", {f"m{k}": k for k in range(20000)})
    pipe.execute()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keys", type=int, default=2000000)
    ap.add_argument("--dataset", choices=("strings", "mixed"), default="strings")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="bench-rdb-", dir=args.dir)
    r = Redis(work)
    try:
        if args.dataset == "strings":
            r.c.execute_command("DEBUG", "POPULATE", args.keys)
        else:
            fill_mixed(r.c, args.keys)
        r.c.execute_command("SAVE")
        engine = Engine(None, 16)
        rdb_load_path(engine, os.path.join(work, "dump.rdb"))
        aux = rdb_aux_blob([(b"redis-ver", b"7.0.15"), (b"redis-bits", 64), (b"ctime", int(time.time())),
                            (b"used-mem", 0), (b"aof-base", 0)])
        mine = os.path.join(work, "rkvd.rdb")
        rates = {"rkvd": [], "redis": []}
        ratios = []
        for rnd in range(args.rounds):
            got = {}
            for side in (("rkvd", "redis") if rnd % 2 == 0 else ("redis", "rkvd")):
                t = time.perf_counter()
                if side == "rkvd":
                    size = rdb_save_path(engine, mine, FLAGS, aux)["bytes"]
                else:
                    r.c.execute_command("SAVE")
                    size = os.path.getsize(os.path.join(work, "dump.rdb"))
                got[side] = size / (time.perf_counter() - t) / 1e6
                rates[side].append(got[side])
            ratios.append(got["rkvd"] / got["redis"])
        print(f"dataset {args.dataset}, {r.c.dbsize()} keys, file {size / 1e6:.1f} MB, dir {work}")
        print(f"rkvd  {statistics.median(rates['rkvd']):8.1f} MB/s")
        print(f"redis {statistics.median(rates['redis']):8.1f} MB/s")
        print(f"ratio {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
    finally:
        r.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
