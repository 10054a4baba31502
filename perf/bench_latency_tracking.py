#!/usr/bin/env python3
"""What latency-tracking costs: server CPU per request of rkvd with
`latency-tracking yes` (the default) against the same rkvd with `no`.

srvcost.py's measurement (redis-benchmark against both servers, interleaved,
user + system CPU from /proc per request), with rkvd on both sides: the
"rkvd" column is `latency-tracking yes`, the "redis" column the reference
`latency-tracking no`. A ratio of 1.03 means tracking costs 3% more CPU per
request. The target is at most 1.03 (Redis records into its histogram on
every call too). Cheap commands at -P 16 show it best: there the request's
own cost is smallest.

  python perf/bench_latency_tracking.py                  # set,get at -P 1 and 16, 5 rounds
  python perf/bench_latency_tracking.py -t get -P 16 --rounds 9 --markdown

Options are srvcost.py's.
"""
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import srvcost


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    rkvd = shlex.join([sys.executable, "-m", "rkvd"])
    os.environ["RKVD_PERF_CMD"] = rkvd + " --latency-tracking yes"
    os.environ["REDIS_PERF_CMD"] = rkvd + " --latency-tracking no"
    defaults = [("-t", "set,get"), ("--rounds", "5")]
    for flag, value in defaults:
        if not any(a == flag or a.startswith(flag + "=") or
                   (flag == "-t" and a == "--tests") for a in argv):
            argv = [flag, value] + argv
    print("# rkvd column: latency-tracking yes; redis column: rkvd with latency-tracking no",
          file=sys.stderr)
    return srvcost.main(argv)


if __name__ == "__main__":
    sys.exit(main())
