#!/usr/bin/env python3
"""Protocol fuzzing at scale: random and mutated RESP frames over many
concurrent connections, rkvd and redis-server side by side.

Starts a fresh rkvd and a fresh redis-server (servers.py). A session is a
few dozen frames: commands drawn from a corpus of deterministic commands on
the session's own keys, written as multibulk or inline requests, then
mutated as bytes (bit flips, protocol tokens spliced in, spans deleted or
repeated, length headers replaced by edge values, truncation), sent in
randomly split writes and followed by a sentinel ECHO. Every session runs
on a new connection to each server; what each sends back and whether it
closes the connection must be identical. --conns worker threads keep that
many sessions in flight against each server.

Afterwards rkvd must still answer, and its memory must come back: with the
fuzzed keys deleted, used_memory within 1 MB of its value before the run
and RSS within 32 MB after a few cron ticks. Everything is drawn from one
seeded generator per session, so a reported session replays exactly with
--seed and --only-session.

Exit status 0 when every session matched and the checks held, 1 otherwise.

Examples:
  python perf/fuzz_protocol.py                      # 1,000,000 frames
  python perf/fuzz_protocol.py --frames 30000 --conns 16 --seed 7
  python perf/fuzz_protocol.py --seed 7 --only-session 1234 --show
"""
import argparse
import concurrent.futures
import os
import random
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from servers import HOST, Resp, ServerPair, encode, parse_info, rss_bytes

MB = 1024 * 1024

# Pieces spliced into the byte stream: protocol punctuation, edge lengths,
# fragments of valid frames.
TOKENS = [b"*", b"$", b"0", b"1", b"-1", b"+", b":", b"\r\n", b"\n", b"\r", b" ", b"\t", b'"', b"'",
          b"\\", b"\\x4", b"\x00", b"\xff", b"*1\r\n", b"*2\r\n", b"*-1\r\n", b"$0\r\n\r\n", b"$-1\r\n",
          b"$4\r\nPING\r\n", b"*3000000000\r\n", b"$2147483648\r\n", b"*1048577\r\n", b"$40000\r\n",
          b"12345678901234567890", b"PING", b"ECHO", b"MULTI\r\n", b"EXEC\r\n", b'"\\x', b"{", b"}"]

# Values a length header or numeric argument is replaced with. Bulk lengths
# between 32 KB and proto-max-bulk-len make a server wait for the payload
# (and Redis preallocate it), so only two such values are drawn.
NUMBERS = [b"0", b"1", b"2", b"-1", b"-2", b"3", b"10", b"40000", b"1048577", b"2147483648", b"9" * 20,
           b"-9223372036854775808", b"9223372036854775807", b"1.5", b"", b"+1", b" 1", b"0x10"]


def corpus(rng, p):
    """One command (a list of bytes) on the session's keys (prefix p): only
    commands whose replies are the same on both servers for the same state.
    Mutations may still make a stream command of a hash one (HLEN -> XLEN):
    every command must match, not only these."""
    k = p + rng.choice([b"s", b"l", b"h", b"z", b"t", b"n"])
    v = rng.choice([b"v", b"1", b"-3", b"hello world", b"x" * rng.randint(0, 64), b"3.5", b""])
    n = str(rng.randint(-3, 5)).encode()
    return rng.choice([
        lambda: [b"PING"], lambda: [b"PING", v], lambda: [b"ECHO", v],
        lambda: [b"SET", k, v], lambda: [b"GET", k], lambda: [b"APPEND", k, v], lambda: [b"STRLEN", k],
        lambda: [b"INCR", k], lambda: [b"INCRBY", k, n], lambda: [b"DECR", k], lambda: [b"GETRANGE", k, n, n],
        lambda: [b"MSET", k, v, p + b"t", v], lambda: [b"MGET", k, p + b"t", p + b"none"],
        lambda: [b"DEL", k], lambda: [b"EXISTS", k, p + b"s"], lambda: [b"TYPE", k],
        lambda: [b"OBJECT", b"ENCODING", k], lambda: [b"EXPIRE", k, b"100"], lambda: [b"TTL", k],
        lambda: [b"PERSIST", k], lambda: [b"RENAME", k, p + b"r"],
        lambda: [b"LPUSH", k, v, v], lambda: [b"RPUSH", k, v], lambda: [b"LRANGE", k, b"0", n],
        lambda: [b"LPOP", k], lambda: [b"LLEN", k], lambda: [b"LINDEX", k, n],
        lambda: [b"HSET", k, v, v], lambda: [b"HGET", k, v], lambda: [b"HGETALL", k], lambda: [b"HLEN", k],
        lambda: [b"SADD", k, v], lambda: [b"SCARD", k], lambda: [b"SISMEMBER", k, v],
        lambda: [b"ZADD", k, n, v], lambda: [b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"],
        lambda: [b"ZSCORE", k, v], lambda: [b"ZINCRBY", k, n, v],
        lambda: [b"MULTI"], lambda: [b"EXEC"], lambda: [b"DISCARD"], lambda: [b"WATCH", k],
        lambda: [b"SELECT", rng.choice([b"0", b"1", b"15", b"16", b"-1", b"x"])],
        lambda: [b"NOSUCHCMD", v], lambda: [b"GET"], lambda: [b"SET", k],
    ])()


def render(rng, args):
    if rng.random() < 0.2 and all(a and not any(ch in a for ch in b" \r\n\"'\\") for a in args):
        return b" ".join(args) + rng.choice([b"\r\n", b"\n"])
    return encode(*args)


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 6])):
        if not data:
            break
        op = rng.randrange(7)
        i = rng.randrange(len(data))
        if op == 0:
            data[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            data[i:i] = rng.choice(TOKENS)
        elif op == 2:
            del data[i:i + rng.randint(1, 16)]
        elif op == 3:
            span = bytes(data[i:i + rng.randint(1, 32)])
            data[i:i] = span * rng.randint(1, 3)
        elif op == 4:
            # a length header's number replaced
            j = data.find(b"\r\n", i)
            h = max(data.rfind(b"$", 0, i), data.rfind(b"*", 0, i))
            if h >= 0 and j > h:
                data[h + 1:j] = rng.choice(NUMBERS)
        elif op == 5:
            del data[i:]
        else:
            data[i] = rng.randrange(256)
    return bytes(data)


def session(seed, sid):
    """(chunks to write, sentinel reply) of session sid."""
    rng = random.Random(seed * 1_000_003 + sid)
    # keys no single mutation turns into another session's (a run of
    # random letters, not the session number)
    p = b"fz:%s:" % bytes(rng.choices(b"abcdefghijklmnopqrstuvwxyz", k=10))
    frames = [render(rng, corpus(rng, p)) for _ in range(rng.randint(1, 40))]
    data = mutate(rng, b"".join(frames))
    token = b"sentinel%08d" % sid
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.choice([0, 0, 1, 3])))) if data else []
    points = [0] + cuts + [len(data)]
    chunks = [data[a:b] for a, b in zip(points, points[1:])]
    chunks.append(encode(b"ECHO", token))
    return chunks, b"$%d\r\n%s\r\n" % (len(token), token), len(frames)


class Transcript:
    """One session on one server: what it sends back, whether it closed the
    connection, whether it hung (still sending past the hard limit)."""

    def __init__(self, port, chunks):
        self.out = bytearray()
        self.closed = self.hung = False
        self.sock = socket.create_connection((HOST, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for c in chunks:
            try:
                self.sock.sendall(c)
            except (BrokenPipeError, ConnectionResetError):
                break

    def read(self, sentinel, idle, limit):
        """Read until the sentinel's reply, a close, or idle seconds of silence."""
        if self.closed or self.hung:
            return self
        deadline = time.monotonic() + limit
        self.sock.settimeout(idle)
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                break
            except ConnectionResetError:
                self.closed = True
                break
            if not data:
                self.closed = True
                break
            self.out += data
            if self.out.endswith(sentinel):
                break
            if time.monotonic() > deadline:
                self.hung = True
                break
        if not self.closed and b"-ERR Protocol error" in self.out:
            # the close follows the error reply; a loaded machine may be late
            self.sock.settimeout(2.0)
            try:
                self.closed = not self.sock.recv(1 << 16)
            except (TimeoutError, ConnectionResetError):
                self.closed = True
        return self

    def result(self):
        return bytes(self.out), self.closed

    def close(self):
        self.sock.close()


def play(port, chunks, sentinel, idle, limit):
    t = Transcript(port, chunks).read(sentinel, idle, limit)
    t.close()
    return t.result()


def normalized(result):
    """A transcript with what legitimately differs between the servers
    masked: the client id in a HELLO reply (a mutation can make one)."""
    return re.sub(rb"\$2\r\nid\r\n:\d+\r\n", b"$2\r\nid\r\n:<id>\r\n", result[0]), result[1]


def memory(server):
    with Resp(server.port) as c:
        info = parse_info(c.call("INFO", "memory"))
    return int(info["used_memory"]), rss_bytes(server.pid)


def delete_fuzz_keys(server):
    with Resp(server.port) as c:
        for db in range(16):
            c.call("SELECT", db)
            cursor = b"0"
            while True:
                cursor, keys = c.call("SCAN", cursor, "MATCH", "fz:*", "COUNT", 1000)
                if keys:
                    c.call("DEL", *keys)
                if cursor == b"0":
                    break


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1_000_000, help="frames to send (default 1,000,000)")
    ap.add_argument("--conns", type=int, default=64, help="sessions in flight per server (default 64)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle", type=float, default=0.3, help="seconds of silence that end a session's read")
    ap.add_argument("--only-session", type=int, help="replay one session and print both transcripts")
    ap.add_argument("--show", action="store_true", help="with --only-session: print the bytes sent")
    ap.add_argument("--max-report", type=int, default=5, help="mismatches printed in full")
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    with ServerPair() as pair:
        rk, rd = pair["rkvd"], pair["redis"]
        if a.only_session is not None:
            chunks, sentinel, _ = session(a.seed, a.only_session)
            if a.show:
                print("sent:", b"".join(chunks))
            for srv in (rk, rd):
                print(f"{srv.kind}:", play(srv.port, chunks, sentinel, a.idle, 10))
            return 0
        used0, rss0 = memory(rk)
        lock = threading.Lock()
        state = {"frames": 0, "sessions": 0, "mismatches": [], "hangs": []}
        t0 = time.monotonic()

        def work(sid):
            chunks, sentinel, nframes = session(a.seed, sid)
            ta, tb = Transcript(rk.port, chunks), Transcript(rd.port, chunks)
            try:
                for t in (ta, tb):
                    t.read(sentinel, a.idle, 10)
                if normalized(ta.result()) != normalized(tb.result()):
                    # a session left waiting (mid-bulk, in MULTI) ends on
                    # silence: give a server the machine delayed more time
                    for t in (ta, tb):
                        t.read(sentinel, 2.0, 10)
                ra, rb = ta.result(), tb.result()
            finally:
                ta.close()
                tb.close()
            with lock:
                state["frames"] += nframes
                state["sessions"] += 1
                if ta.hung:
                    state["hangs"].append(sid)
                if normalized(ra) != normalized(rb):
                    state["mismatches"].append((sid, ra, rb))

        sid = 0
        with concurrent.futures.ThreadPoolExecutor(a.conns) as pool:
            pending = set()
            while state["frames"] < a.frames or pending:
                while len(pending) < 2 * a.conns and state["frames"] + 20 * len(pending) < a.frames:
                    pending.add(pool.submit(work, sid))
                    sid += 1
                if not pending:
                    break
                done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for f in done:
                    f.result()
                if not rk.alive():
                    break
        wall = time.monotonic() - t0
        alive = rk.alive()
        print(f"seed {a.seed}: {state['sessions']:,} sessions, {state['frames']:,} frames in {wall:.0f} s "
              f"({state['frames'] / wall:,.0f} frames/s per server), {a.conns} in flight per server")
        ok = alive
        if not alive:
            print(f"rkvd died:\n{rk.log_tail()}")
        if state["mismatches"]:
            ok = False
            print(f"{len(state['mismatches'])} sessions differ; replay one with --seed {a.seed} --only-session N")
            for sid, ra, rb in sorted(state["mismatches"])[:a.max_report]:
                print(f"  session {sid}:\n    rkvd:  {ra[0][:300]!r} closed={ra[1]}\n"
                      f"    redis: {rb[0][:300]!r} closed={rb[1]}")
        if state["hangs"]:
            ok = False
            print(f"rkvd kept sending past the limit in sessions {state['hangs'][:10]}")
        if alive:
            delete_fuzz_keys(rk)
            # each command run keeps its latency histogram (a few KB)
            # until CONFIG RESETSTAT: statistics, not a leak
            with Resp(rk.port) as c:
                c.call("CONFIG", "RESETSTAT")
            time.sleep(2.5)             # a few cron ticks: the heap trim runs once a second
            used1, rss1 = memory(rk)
            print(f"rkvd used_memory {used0 / MB:.2f} MB before, {used1 / MB:.2f} MB after; "
                  f"RSS {rss0 / MB:.1f} MB before, {rss1 / MB:.1f} MB after")
            if used1 - used0 > MB:
                ok = False
                print("used_memory did not come back (more than 1 MB above its start)")
            if rss1 - rss0 > 32 * MB:
                ok = False
                print("RSS did not come back (more than 32 MB above its start)")
        print("OK" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
