#!/usr/bin/env python3
"""Durability of the AOF under SIGKILL.

A writer sends SET k<i> <i> one at a time and records every acknowledged
write with the time its reply arrived; the server is killed with SIGKILL at
a random moment, restarted on the same directory, and every key is checked.
With appendfsync always no acknowledged write may be missing; with everysec
only writes acknowledged in the last two seconds before the kill may be.

    python scripts/aof_durability.py                      # 100 rounds, always
    python scripts/aof_durability.py --fsync everysec --rounds 20
    RKVD_CMD="redis-server" python scripts/aof_durability.py --rounds 5
"""
import argparse
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port, directory, fsync):
    argv = cmd + ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                  "--appendfsync", fsync, "--dir", directory, "--logfile",
                  os.path.join(directory, "log")]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=directory)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}; see {directory}/log")
        try:
            r = redis.Redis(port=port, socket_timeout=30)
            if r.ping():
                # wait for the AOF to finish loading
                while r.info("persistence").get("loading") == 1:
                    time.sleep(0.05)
                return proc, r
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.05)
    sys.exit("server did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--fsync", choices=("always", "everysec"), default="always")
    ap.add_argument("--max-run", type=float, default=1.0, help="longest write period before a kill (s)")
    a = ap.parse_args()
    cmd = shlex.split(os.environ.get("RKVD_CMD", f"{sys.executable} -m rkvd"))
    directory = tempfile.mkdtemp(prefix="aof-durability-")
    port = free_port()
    acked = {}                  # key -> monotonic time of its reply
    next_i = 0
    worst = 0.0
    proc, r = start(cmd, port, directory, a.fsync)
    for rnd in range(a.rounds):
        stop = threading.Event()

        def writer(r=r, stop=stop):
            nonlocal next_i
            while not stop.is_set():
                i = next_i
                next_i += 1
                try:
                    r.set(f"k{i}", i)
                except (redis.ConnectionError, redis.TimeoutError):
                    return
                acked[f"k{i}"] = time.monotonic()

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(random.uniform(0.02, a.max_run))
        killed_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        t.join()
        proc, r = start(cmd, port, directory, a.fsync)
        keys = list(acked)
        values = r.mget(keys) if keys else []
        missing = [k for k, v in zip(keys, values) if v is None]
        for k in missing:
            age = killed_at - acked[k]
            worst = max(worst, age)
            if a.fsync == "always" or age > 2.0:
                sys.exit(f"round {rnd}: acknowledged write {k} lost ({age:.3f} s before the kill); "
                         f"files kept in {directory}")
            del acked[k]
        print(f"round {rnd + 1}/{a.rounds}: {len(acked)} acknowledged writes all present"
              + (f", {len(missing)} unsynced lost" if missing else ""), flush=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    print(f"ok: {a.rounds} kills, appendfsync {a.fsync}"
          + (f", oldest lost write {worst:.3f} s before its kill" if worst else ""))
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
