#!/usr/bin/env python3
"""GET over TLS: rkvd vs redis-server, both with the same tls-* options.

Certificates (a CA, a server and a client certificate) are made with the
openssl command in a temporary directory; both servers get tls-port with
them and tls-auth-clients yes, and redis-benchmark --tls runs GET with the
client certificate, interleaved rounds, the order flipping every round. The
plain port is measured in the same rounds, so each server's TLS / plain CPU
says what the encryption costs it. Reported per side: requests per second
and server CPU microseconds per request (/proc/<pid>/stat), with the ratios
rkvd / redis (median of the per-round ratios).

    python perf/bench_tls.py
    python perf/bench_tls.py -P 16 --rounds 5 --markdown
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rbench
from servers import HOST, KINDS, Server, cpu_seconds, free_port


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-P", "--pipelines", default="16")
    ap.add_argument("-n", "--requests", default="1:200000,16:2000000")
    ap.add_argument("-c", "--clients", type=int, default=50)
    ap.add_argument("-r", "--keyspace", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    return ap.parse_args(argv)


def make_certs(d):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)
    openssl("req", "-x509", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "2", "-subj", "/CN=bench CA")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        openssl("req", "-new", "-nodes", "-newkey", "rsa:2048", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", "ext.cnf")
    return {n: os.path.join(d, n) for n in ("ca.crt", "server.crt", "server.key",
                                             "client.crt", "client.key")}


def bench(srv, port, n, clients, pipeline, keyspace, tls_args):
    """(rps, server CPU us per request) of one redis-benchmark GET run."""
    cmd = [rbench.BENCH, "-h", HOST, "-p", str(port), "-c", str(clients), "-n", str(n),
           "-r", str(keyspace), "-P", str(pipeline), "-t", "get", "--csv", *tls_args]
    c0 = cpu_seconds(srv.pid)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    c1 = cpu_seconds(srv.pid)
    rows = [line.split(",") for line in r.stdout.splitlines() if line.startswith('"GET')]
    if r.returncode != 0 or not rows:
        sys.exit(f"{srv.kind}: redis-benchmark failed: {r.stderr.strip() or r.stdout.strip()}")
    rps = float(rows[-1][1].strip('"'))
    return rps, (sum(c1) - sum(c0)) * 1e6 / n


def main(argv=None):
    a = parse_args(argv)
    pipelines = rbench.int_list(a.pipelines)
    nmap = rbench.parse_requests(a.requests, pipelines)
    certdir = tempfile.mkdtemp(prefix="perf-tls-")
    certs = make_certs(certdir)
    client_tls = ["--tls", "--cacert", certs["ca.crt"], "--cert", certs["client.crt"],
                  "--key", certs["client.key"]]
    tls_ports = {k: free_port() for k in KINDS}
    servers = {k: Server(k, extra_flags=[
        "--tls-port", str(tls_ports[k]), "--tls-cert-file", certs["server.crt"],
        "--tls-key-file", certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"],
        "--tls-auth-clients", "yes"]).start(exclude_ports=tuple(tls_ports.values())) for k in KINDS}
    rows = []
    try:
        for s in servers.values():
            # most GETs find their key: fill the keyspace redis-benchmark draws from
            rbench.run_benchmark(s.port, "set", a.keyspace * 3, a.clients, 16, a.keyspace, 3)
        for p in pipelines:
            n = nmap[p]
            per = {(k, tls): [] for k in KINDS for tls in (False, True)}
            for rnd in range(a.rounds):
                order = KINDS if rnd % 2 == 0 else tuple(reversed(KINDS))
                for tls in (False, True):
                    for k in order:
                        srv = servers[k]
                        rps, us = bench(srv, tls_ports[k] if tls else srv.port, n, a.clients, p,
                                        a.keyspace, client_tls if tls else [])
                        per[(k, tls)].append((rps, us))
                        print(f"  P={p} round {rnd + 1} {k:<5} {'tls  ' if tls else 'plain'} "
                              f"{rps:>10,.0f} rps {us:6.2f} us/req", file=sys.stderr)
            for tls in (False, True):
                rk, rd = per[("rkvd", tls)], per[("redis", tls)]
                rows.append((p, "TLS" if tls else "plain",
                             statistics.median(x[0] for x in rk), statistics.median(x[0] for x in rd),
                             statistics.median(x[0] / y[0] for x, y in zip(rk, rd)),
                             statistics.median(x[1] for x in rk), statistics.median(x[1] for x in rd),
                             statistics.median(x[1] / y[1] for x, y in zip(rk, rd))))
            over = {k: statistics.median(x[1] / y[1] for x, y in zip(per[(k, True)], per[(k, False)]))
                    for k in KINDS}
            rows.append((p, "TLS / plain CPU", None, None, None, over["rkvd"], over["redis"],
                         over["rkvd"] / over["redis"]))
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(certdir, ignore_errors=True)
    head = ("P", "port", "rkvd rps", "redis rps", "rps ratio", "rkvd us/req", "redis us/req", "CPU ratio")
    specs = ("{:,.0f}", "{:,.0f}", "{:.2f}", "{:.2f}", "{:.2f}", "{:.2f}")
    table = [[str(r[0]), r[1]] + [rbench.fmt(v, spec, "") for v, spec in zip(r[2:], specs)] for r in rows]
    print(rbench.table(head, table, a.markdown, align=["r", "l"] + ["r"] * 6))
    print(f"\nGET (-r {a.keyspace}, c={a.clients}) on the plain port and over TLS (client "
          f"certificate, tls-auth-clients yes), median of {a.rounds} interleaved rounds; ratios "
          "rkvd / redis (rps > 1 and CPU < 1: rkvd better).")


if __name__ == "__main__":
    main()
