#!/usr/bin/env python3
"""BGSAVE and start-up loading of a large dataset: rkvd vs redis-server.

Both servers get the same dataset: DEBUG POPULATE of --keys string keys
(values of --value-size bytes) plus collections of every type and encoding
(lists, hashes, sets and sorted sets, small ones in their compact encodings
and big ones in their hash table / skiplist forms). Then, for --rounds
rounds, interleaved (the order flips every round), each server runs a
BGSAVE; the figures are read from its own INFO persistence:

  MB/s      size of the file written / wall time from BGSAVE until INFO says
            the child is done (polled every 5 ms)
  fork      latest_fork_usec (how long the parent stood still to fork)
  cow       rdb_last_cow_size, with a writer overwriting random existing
            keys at a fixed rate (--write-rate SETs per second, pipelined in
            batches) for the whole save, as a loaded server sees it

Last, the loading: each server is restarted on the file redis-server wrote
(the same bytes for both) and the time from the process start to its first
PONG (clients get -LOADING meanwhile) and the "DB loaded from disk" figure
of its log are compared.

Ratios are rkvd / redis, medians of per-round ratios: MB/s > 1 is rkvd
faster; fork, cow and load times < 1 are rkvd smaller.

Examples:
  python perf/bench_bgsave.py                       # ~1 GB, 3 rounds
  python perf/bench_bgsave.py --keys 1000000 --rounds 2 --markdown
"""
import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import KINDS, ReplyError, Resp, Server, command_for, encode, free_port, parse_info


def fill(server, args):
    """The same dataset in every server: strings, then collections."""
    with server.client(timeout=600) as c:
        c.call("DEBUG", "POPULATE", str(args.keys), "key", str(args.value_size))
        rnd = random.Random(7)
        batch = []

        def send(*cmd):
            batch.append(encode(*cmd))
            if len(batch) >= 1000:
                flush()

        def flush():
            errors, first = c.pipeline(batch)
            batch.clear()
            if errors:
                raise SystemExit(f"{server.kind}: fill failed: {first}")

        # (kind, number of keys, elements per key): small ones stay compact
        # (listpack / intset), big ones convert (hash table / skiplist /
        # several quicklist nodes).
        for name, keys, elems in (("small", args.collections, 20), ("big", args.collections // 20, 400)):
            for k in range(keys):
                lst, h, s, si, z = (f"{t}:{name}:{k}" for t in ("list", "hash", "set", "iset", "zset"))
                for j in range(0, elems, 50):
                    chunk = range(j, min(elems, j + 50))
                    send("RPUSH", lst, *(f"item-{k}-{i}" for i in chunk))
                    send("HSET", h, *(x for i in chunk for x in (f"field-{i}", f"value-{rnd.random():.6f}")))
                    send("SADD", s, *(f"member-{k}-{i}" for i in chunk))
                    send("SADD", si, *(str(k * 1000 + i) for i in chunk))
                    send("ZADD", z, *(x for i in chunk for x in (f"{rnd.random() * 1000:.4f}", f"m-{i}")))
                if k % 10 == 0:
                    send("PEXPIRE", lst, str(10_000_000 + k))
        if batch:
            flush()
        return int(c.call("DBSIZE"))


def persistence(c):
    return parse_info(c.call("INFO", "persistence"))


class Writer(threading.Thread):
    """SETs of random existing keys at a fixed rate until stopped."""

    def __init__(self, port, keys, rate, batch=100):
        super().__init__(daemon=True)
        self.port, self.keys, self.rate, self.batch = port, keys, rate, batch
        self.stop_event = threading.Event()
        self.sent = 0

    def run(self):
        rnd = random.Random()
        interval = self.batch / self.rate
        with Resp(self.port, timeout=120) as c:
            nxt = time.monotonic()
            while not self.stop_event.is_set():
                cmds = [encode("SET", f"key:{rnd.randrange(self.keys)}", "x" * 8) for _ in range(self.batch)]
                c.pipeline(cmds)
                self.sent += self.batch
                nxt += interval
                delay = nxt - time.monotonic()
                if delay > 0:
                    time.sleep(delay)


def bgsave(server, args):
    with server.client(timeout=600) as c:
        before = persistence(c)
        writer = Writer(server.port, args.keys, args.write_rate) if args.write_rate else None
        if writer:
            writer.start()
            time.sleep(0.2)
        start = time.monotonic()
        reply = c.call("BGSAVE")
        if b"started" not in reply:
            raise SystemExit(f"{server.kind}: BGSAVE replied {reply!r}")
        while True:
            time.sleep(0.005)
            info = persistence(c)
            if info.get("rdb_bgsave_in_progress") == "0" and info.get("rdb_saves") != before.get("rdb_saves"):
                break
            if info.get("rdb_bgsave_in_progress") == "0" and info.get("rdb_last_bgsave_status") == "err":
                raise SystemExit(f"{server.kind}: BGSAVE failed\n{server.log_tail()}")
        took = time.monotonic() - start
        fork_us = int(parse_info(c.call("INFO", "stats"))["latest_fork_usec"])
        if writer:
            writer.stop_event.set()
            writer.join()
        size = os.path.getsize(os.path.join(server.workdir, "dump.rdb"))
        return {"mbps": size / took / 1e6, "secs": took, "size": size,
                "fork_us": fork_us, "cow": int(info["rdb_last_cow_size"])}


_LOADED = re.compile(rb"DB loaded from disk: ([0-9.]+) seconds")


def load(kind, rdb_path):
    """Start a server on a copy of rdb_path; (seconds to the first PONG,
    seconds the log reports)."""
    workdir = tempfile.mkdtemp(prefix=f"perf-load-{kind}-")
    try:
        shutil.copy(rdb_path, os.path.join(workdir, "dump.rdb"))
        port = free_port()
        cmd = command_for(kind, port)
        cmd += ["--dir", workdir, "--dbfilename", "dump.rdb", "--logfile", "server.log"]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                if proc.poll() is not None:
                    with open(os.path.join(workdir, "server.log"), "rb") as f:
                        tail = f.read()[-2000:].decode(errors="replace")
                    raise SystemExit(f"{kind} exited while loading (status {proc.returncode})\n{tail}")
                try:
                    with Resp(port, timeout=5) as c:
                        r = c.sock.sendall(encode("PING")) or c.read()
                        if r == b"PONG":
                            break
                except (OSError, ConnectionError, ReplyError):
                    pass
                time.sleep(0.005)
            wall = time.monotonic() - start
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        with open(os.path.join(workdir, "server.log"), "rb") as f:
            m = _LOADED.search(f.read())
        return wall, float(m.group(1)) if m else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def ratio(a, b):
    return a / b if b else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=10_000_000, help="string keys (DEBUG POPULATE)")
    ap.add_argument("--value-size", type=int, default=40)
    ap.add_argument("--collections", type=int, default=20_000, help="small collections of each type")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write-rate", type=int, default=20_000, help="SETs/s during each BGSAVE (0: none)")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    servers = {k: Server(k, start_timeout=60, extra_flags=["--enable-debug-command", "local"]).start()
               for k in KINDS}
    try:
        for kind, s in servers.items():
            t = time.monotonic()
            n = fill(s, args)
            mem = parse_info(s.call("INFO", "memory"))["used_memory_human"]
            print(f"{kind}: {n} keys, used_memory {mem}, filled in {time.monotonic() - t:.1f}s", flush=True)
        rows = {k: [] for k in KINDS}
        for r in range(args.rounds):
            order = KINDS if r % 2 == 0 else KINDS[::-1]
            for kind in order:
                res = bgsave(servers[kind], args)
                rows[kind].append(res)
                print(f"round {r + 1} {kind}: {res['size'] / 1e6:.0f} MB in {res['secs']:.2f}s "
                      f"= {res['mbps']:.0f} MB/s, fork {res['fork_us']} us, cow {res['cow'] / 1e6:.1f} MB",
                      flush=True)
        rdb = os.path.join(tempfile.mkdtemp(prefix="perf-rdb-"), "dump.rdb")
        shutil.copy(os.path.join(servers["redis"].workdir, "dump.rdb"), rdb)
    finally:
        for s in servers.values():
            s.stop()
    loads = {k: [] for k in KINDS}
    try:
        for r in range(args.rounds):
            for kind in (KINDS if r % 2 == 0 else KINDS[::-1]):
                wall, logged = load(kind, rdb)
                loads[kind].append((wall, logged))
                print(f"load round {r + 1} {kind}: first PONG after {wall:.2f}s, log says {logged}s", flush=True)
    finally:
        shutil.rmtree(os.path.dirname(rdb), ignore_errors=True)

    def med(kind, key):
        return statistics.median(x[key] for x in rows[kind])

    def per_round(key):
        return statistics.median(ratio(a[key], b[key]) for a, b in zip(rows["rkvd"], rows["redis"]))

    table = [
        ("BGSAVE MB/s", f"{med('rkvd', 'mbps'):.0f}", f"{med('redis', 'mbps'):.0f}", per_round("mbps")),
        ("fork (latest_fork_usec)", str(med("rkvd", "fork_us")), str(med("redis", "fork_us")), per_round("fork_us")),
        ("copy-on-write MB", f"{med('rkvd', 'cow') / 1e6:.1f}", f"{med('redis', 'cow') / 1e6:.1f}",
         per_round("cow")),
        ("load: first PONG s", f"{statistics.median(w for w, _ in loads['rkvd']):.2f}",
         f"{statistics.median(w for w, _ in loads['redis']):.2f}",
         statistics.median(ratio(a[0], b[0]) for a, b in zip(loads["rkvd"], loads["redis"]))),
    ]
    if all(x[1] for k in KINDS for x in loads[k]):
        table.append(("load: logged s", f"{statistics.median(x[1] for x in loads['rkvd']):.2f}",
                      f"{statistics.median(x[1] for x in loads['redis']):.2f}",
                      statistics.median(ratio(a[1], b[1]) for a, b in zip(loads["rkvd"], loads["redis"]))))
    size = rows["redis"][0]["size"] / 1e6
    print(f"\n{args.keys} strings + collections, RDB {size:.0f} MB, {args.rounds} rounds, "
          f"{args.write_rate} SETs/s during each save")
    if args.markdown:
        print("| measure | rkvd | redis | ratio |\n|---|---|---|---|")
        for name, a, b, q in table:
            print(f"| {name} | {a} | {b} | {q:.2f} |")
    else:
        for name, a, b, q in table:
            print(f"{name:24} {a:>10} {b:>10} {q:6.2f}")


if __name__ == "__main__":
    main()
