"""Code shared by compare.py and srvcost.py: running redis-benchmark,
picking request counts, median / pairwise-ratio statistics and tables."""
import csv
import io
import os
import resource
import shutil
import statistics
import subprocess
import time

from servers import HOST, cpu_seconds, loadavg, syscalls

BENCH = os.environ.get("REDIS_BENCHMARK", "redis-benchmark")

# Tests whose redis-benchmark invocation starts with a prefill (LPUSH for
# lrange_*) would count the prefill too; everything else is one command kind.
PREFILL_ROWS = ("LPUSH (needed to benchmark LRANGE)",)


def have_benchmark():
    return shutil.which(BENCH) is not None


def parse_requests(spec, pipelines):
    """'100000' (same n at every pipeline depth) or '1:100000,16:1000000'
    -> {pipeline: n}. With the pair form, a depth missing from the spec gets
    n(P=1) * min(P, 10)."""
    spec = str(spec).strip()
    if ":" not in spec:
        n = int(float(spec))
        return {p: n for p in pipelines}
    table = {}
    for part in csv_list(spec):
        p, n = part.split(":", 1)
        table[int(p)] = int(float(n))
    base = table.get(1, 100_000)
    return {p: table.get(p, base * min(p, 10)) for p in pipelines}


def csv_list(s):
    return [x.strip() for x in str(s).split(",") if x.strip()]


def int_list(s):
    return [int(x) for x in csv_list(s)]


class Run:
    """One redis-benchmark invocation for one test against one server."""

    __slots__ = ("rps", "p50_ms", "wall", "client_cpu", "n", "error", "srv_usr", "srv_sys",
                 "srv_rd", "srv_wr", "load")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}


def _sample(fn, pid):
    try:
        return fn(pid) if pid else None
    except (OSError, ValueError, IndexError):  # the server exited
        return None


def run_benchmark(port, test, n, clients, pipeline, keyspace, datasize, timeout=900, pid=None):
    """Run one test; returns a Run (error set on failure).

    With pid, the server's CPU (user/sys seconds) and read/write syscalls over
    the run are sampled from /proc."""
    cmd = [BENCH, "-h", HOST, "-p", str(port), "-c", str(clients), "-n", str(n), "-r", str(keyspace),
           "-d", str(datasize), "-P", str(pipeline), "-t", test, "--csv"]
    load = loadavg()
    s0, io0 = _sample(cpu_seconds, pid), _sample(syscalls, pid)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Run(n=n, error=f"redis-benchmark timed out after {timeout}s", load=load)
    wall = time.perf_counter() - t0
    s1, io1 = _sample(cpu_seconds, pid), _sample(syscalls, pid)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ccpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    rows = [row for row in csv.reader(io.StringIO(r.stdout)) if row and row[0] != "test"
            and row[0] not in PREFILL_ROWS]
    err = None
    if r.returncode != 0 or not rows:
        msg = (r.stderr or r.stdout or "").strip().splitlines()
        err = short_error(msg[-1] if msg else f"exit status {r.returncode}")
    run = Run(n=n, wall=wall, client_cpu=ccpu, error=err, load=load)
    if rows and not err:
        run.rps = float(rows[-1][1])
        try:
            run.p50_ms = float(rows[-1][4])
        except (IndexError, ValueError):
            pass
    if pid and s0 and s1:
        run.srv_usr, run.srv_sys = s1[0] - s0[0], s1[1] - s0[1]
        if io0 and io1 and io0[0] is not None and io1[0] is not None:
            run.srv_rd, run.srv_wr = io1[0] - io0[0], io1[1] - io0[1]
    return run


def short_error(msg, limit=90):
    msg = msg.split(", with args beginning with")[0].replace("Error from server: ", "").strip()
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def adapt_n(default_n, probe_rps, target_secs, clients, pipeline):
    """Requests per run so that one run takes about target_secs at probe_rps,
    never more than default_n, never fewer than enough for a stable rate."""
    if not target_secs or not probe_rps:
        return default_n
    floor = max(5_000, 100 * clients * pipeline)
    n = int(probe_rps * target_secs)
    if n >= default_n:
        return default_n
    n = max(floor, n)
    # round to 2 significant digits for readable output
    mag = 10 ** max(0, len(str(n)) - 2)
    return min(default_n, max(floor, n // mag * mag))


def probe_n(default_n, clients, pipeline):
    return min(default_n, max(5_000, 20 * clients * pipeline))


# ---------------------------------------------------------------------------
# statistics and output
# ---------------------------------------------------------------------------
def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def pair_ratios(a, b):
    """Per-round ratios a[r] / b[r] for rounds present on both sides."""
    return [a[r] / b[r] for r in sorted(a) if r in b and a[r] is not None and b[r]]


def fmt(v, spec="{:,.0f}", na="n/a"):
    return na if v is None else spec.format(v)


def fmt_range(xs):
    return f"{min(xs):.2f}..{max(xs):.2f}" if xs else "-"


def table(headers, rows, markdown=False, align=None):
    """Plain (aligned) or GitHub Markdown table. align: 'l'/'r' per column."""
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    rows = [[str(c) for c in row] for row in rows]
    if markdown:
        out = ["| " + " | ".join(headers) + " |",
               "|" + "|".join(("---:" if a == "r" else ":---") for a in align) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)
