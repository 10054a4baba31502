#!/usr/bin/env python3
"""Memory per key: rkvd vs redis-server.

For every phase, each server is started fresh (allocators keep freed pages,
so a reused process would under-report RSS growth), then:

    sample INFO memory used_memory and the process RSS
    load the phase's keys with pipelined writes (--batch commands per write)
    wait --settle seconds, sample again, check DBSIZE
    report (after - before) / keys

Phases (key counts scaled by --scale):

    strings  1,000,000 x SET key:NNNNNNN <10-byte value>
    hashes     100,000 x HSET hash:NNNNNN with 5 small field/value pairs
    lists      100,000 x RPUSH list:NNNNNN with 10 small items
    sets       100,000 x SADD set:NNNNNN with 10 short string members
    intsets    100,000 x SADD iset:NNNNNN with 10 small integers (intset encoding)
    zsets      100,000 x ZADD zset:NNNNNN with 10 members, integer scores
    bigzset      1,000 x ZADD bigzset with 1,000 members each: one sorted set of
               1,000,000 members (its "per key" figures are per 1,000 members)

A phase whose command a server rejects (e.g. a type rkvd does not implement
yet) is reported as n/a for that server; used_memory is n/a when INFO memory
has no used_memory. Ratios are rkvd / redis (> 1: rkvd uses more memory).

Examples:
  python perf/memprobe.py
  python perf/memprobe.py --phases strings --scale 0.1 --markdown --json mem.json
"""
import argparse
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import KINDS, ReplyError, Server, ServerError, encode, parse_info, rss_bytes


def _hset(i):
    return (b"HSET", b"hash:%06d" % i, b"f1", b"v1-%d" % (i % 100), b"f2", b"v2", b"f3", b"v3333",
            b"f4", b"%d" % i, b"f5", b"value5")


def _rpush(i):
    return (b"RPUSH", b"list:%06d" % i) + tuple(b"item-%d" % j for j in range(10))


def _sadd(i):
    return (b"SADD", b"set:%06d" % i) + tuple(b"member-%d" % j for j in range(10))


def _sadd_ints(i):
    return (b"SADD", b"iset:%06d" % i) + tuple(b"%d" % (i % 1000 + j) for j in range(10))


def _zadd(i):
    return (b"ZADD", b"zset:%06d" % i) + tuple(x for j in range(10) for x in (b"%d" % (j + 1), b"m%d" % j))


def _zadd_big(i):
    # scores spread like a leaderboard's: integers, many of them repeated
    return (b"ZADD", b"bigzset") + tuple(x for j in range(1000) for x in
                                        (b"%d" % ((i * 1000 + j) * 7919 % 100_003), b"member:%07d" % (i * 1000 + j)))


# name: (commands, elements per command, command generator[, DBSIZE when
# that is not one key per command])
PHASES = {
    "strings": (1_000_000, 1, lambda i: (b"SET", b"key:%07d" % i, b"v%09d" % i)),
    "hashes": (100_000, 5, _hset),
    "lists": (100_000, 10, _rpush),
    "sets": (100_000, 10, _sadd),
    "intsets": (100_000, 10, _sadd_ints),
    "zsets": (100_000, 10, _zadd),
    "bigzset": (1_000, 1_000, _zadd_big, 1),
}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--phases", default=",".join(PHASES), help=f"comma list (default {','.join(PHASES)})")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply key counts (e.g. 0.1 for a quick look)")
    ap.add_argument("--batch", type=int, default=5000, help="commands per pipelined write (default 5000)")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to wait before each sample")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("-q", "--quiet", action="store_true")
    return ap.parse_args(argv)


def used_memory(conn):
    try:
        v = parse_info(conn.call("INFO", "memory")).get("used_memory")
        return int(v) if v is not None else None
    except (ReplyError, ValueError):
        return None


def probe_phase(kind, phase, count, a):
    """Fresh server, load one phase, return a result dict."""
    _, elems, gen = PHASES[phase][:3]
    want_dbsize = PHASES[phase][3] if len(PHASES[phase]) > 3 else count
    res = {"kind": kind, "phase": phase, "keys": count, "elems_per_key": elems, "error": None}
    try:
        srv = Server(kind).start()
    except ServerError as e:
        res["error"] = f"server did not start: {str(e).splitlines()[0]}"
        return res
    try:
        with srv.client(timeout=600) as c:
            time.sleep(a.settle)
            um0, rss0 = used_memory(c), rss_bytes(srv.pid)
            t0 = time.perf_counter()
            c.sock.sendall(encode(*gen(0)))
            r = c.read()
            if isinstance(r, ReplyError):
                res["error"] = rbench.short_error(str(r), 70)
                return res
            for base in range(1, count, a.batch):
                errors, first = c.pipeline([encode(*gen(i)) for i in range(base, min(count, base + a.batch))])
                if errors:
                    res["error"] = f"{errors} errors, first: {rbench.short_error(str(first), 60)}"
                    return res
            load_s = time.perf_counter() - t0
            time.sleep(a.settle)
            um1, rss1 = used_memory(c), rss_bytes(srv.pid)
            try:
                dbsize = c.call("DBSIZE")
            except ReplyError:
                dbsize = None
        res.update({
            "used_memory_before": um0, "used_memory_after": um1, "rss_before": rss0, "rss_after": rss1,
            "used_per_key": (um1 - um0) / count if um0 is not None and um1 is not None else None,
            "rss_per_key": (rss1 - rss0) / count, "load_s": load_s, "load_cmds_per_s": count / load_s,
            "dbsize": dbsize,
        })
        if isinstance(dbsize, int) and dbsize != want_dbsize:
            res["error"] = f"DBSIZE {dbsize} != {want_dbsize} keys expected"
    except (OSError, ConnectionError) as e:
        res["error"] = f"connection failed: {e}" + ("" if srv.alive() else " (server exited)")
    finally:
        srv.stop()
    return res


def main(argv=None):
    a = parse_args(argv)
    phases = rbench.csv_list(a.phases)
    for ph in phases:
        if ph not in PHASES:
            sys.exit(f"unknown phase {ph!r}; known: {', '.join(PHASES)}")
    t_start = time.time()
    results = []
    for ph in phases:
        count = max(1, int(PHASES[ph][0] * a.scale))
        for kind in KINDS:
            r = probe_phase(kind, ph, count, a)
            results.append(r)
            if not a.quiet:
                if r["error"] and r.get("rss_per_key") is None:
                    print(f"  {ph:<8} {kind:<5} n/a: {r['error']}", file=sys.stderr, flush=True)
                else:
                    print(f"  {ph:<8} {kind:<5} {count:,} keys in {r['load_s']:.1f}s: "
                          f"used {rbench.fmt(r['used_per_key'], '{:.1f}')} B/key, "
                          f"RSS {r['rss_per_key']:.1f} B/key", file=sys.stderr, flush=True)
    summary = summarize(results, phases)
    print_table(summary, a.markdown)
    base = {k: next((r["rss_before"] for r in results if r["kind"] == k and r.get("rss_before")), None)
            for k in KINDS}
    print(f"\nbytes per key = (after - before) / keys on a fresh server per phase and kind; "
          f"ratio = rkvd / redis (> 1: rkvd uses more). RSS of an empty server: "
          f"rkvd {rbench.fmt(base['rkvd'] and base['rkvd'] / 2**20, '{:.1f}')} MiB, "
          f"redis {rbench.fmt(base['redis'] and base['redis'] / 2**20, '{:.1f}')} MiB; "
          f"{time.time() - t_start:.0f}s.")
    if a.json:
        meta = {"script": "memprobe.py", "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t_start)),
                "platform": platform.platform(), "scale": a.scale, "batch": a.batch, "settle": a.settle}
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "summary": summary, "results": results}, f, indent=1)
    return 0


def summarize(results, phases):
    out = []
    for ph in phases:
        by = {r["kind"]: r for r in results if r["phase"] == ph}
        row = {"phase": ph, "keys": by["redis"]["keys"], "elems_per_key": by["redis"]["elems_per_key"], "notes": []}
        for k in KINDS:
            ok = by[k].get("rss_per_key") is not None and not by[k]["error"]
            row[f"{k}_used"] = by[k].get("used_per_key") if ok else None
            row[f"{k}_rss"] = by[k].get("rss_per_key") if ok else None
            if by[k]["error"]:
                row["notes"].append(f"{k} n/a: {by[k]['error']}")
        for m in ("used", "rss"):
            x, y = row[f"rkvd_{m}"], row[f"redis_{m}"]
            row[f"{m}_ratio"] = x / y if x is not None and y else None
        out.append(row)
    return out


def print_table(summary, markdown):
    headers = ["phase", "keys", "el/key", "rkvd used B/key", "redis used B/key", "ratio",
               "rkvd RSS B/key", "redis RSS B/key", "ratio", "notes"]
    f1, f2 = "{:.1f}", "{:.2f}"
    rows = [[s["phase"], f"{s['keys']:,}", s["elems_per_key"], rbench.fmt(s["rkvd_used"], f1),
             rbench.fmt(s["redis_used"], f1), rbench.fmt(s["used_ratio"], f2), rbench.fmt(s["rkvd_rss"], f1),
             rbench.fmt(s["redis_rss"], f1), rbench.fmt(s["rss_ratio"], f2), "; ".join(s["notes"])]
            for s in summary]
    print(rbench.table(headers, rows, markdown, ["l"] + ["r"] * 8 + ["l"]))


if __name__ == "__main__":
    sys.exit(main())
