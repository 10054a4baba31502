"""LATENCY (rkvd/commands/latency.py) against redis-server: the same slow
commands must leave the same events, samples, graph and doctor report, with
times masked."""

import re
import time

from rkvd.commands.latency import Series, graph_text


def _sleepy(server):
    c = server.client()
    assert c.config_set("latency-monitor-threshold", 100)
    c.execute_command("LATENCY", "RESET")
    c.execute_command("DEBUG", "SLEEP", "0.15")
    time.sleep(1.05)
    c.execute_command("DEBUG", "SLEEP", "0.3")
    c.set("fast", 1)
    return c


def _verbatim(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def test_latency_latest_history_match_redis(server_pair):
    out = []
    for s in server_pair():
        c = _sleepy(s)
        latest = c.execute_command("LATENCY", "LATEST")
        assert len(latest) == 1 and latest[0][0] == b"command"
        assert abs(latest[0][1] - time.time()) < 5
        assert 300 <= latest[0][2] < 800 and latest[0][3] == latest[0][2]
        hist = c.execute_command("LATENCY", "HISTORY", "command")
        assert len(hist) == 2 and hist[0][0] < hist[1][0]
        assert 150 <= hist[0][1] < 300
        assert c.execute_command("LATENCY", "HISTORY", "nosuch") == []
        with s.raw() as r:
            nodata = r.command("LATENCY", "GRAPH", "nosuch")
            arity = r.command("LATENCY", "HISTORY")
            bad = r.command("LATENCY", "NOPE")
            help_ = r.command("LATENCY", "HELP")
            hist_reply = r.command("LATENCY", "HISTOGRAM", "nosuchcommand")
        out.append((nodata, arity, bad, help_, hist_reply))
        assert c.execute_command("LATENCY", "RESET", "COMMAND", "nosuch") == 1
        assert c.execute_command("LATENCY", "LATEST") == []
        assert c.execute_command("LATENCY", "RESET") == 0
    assert out[0] == out[1]


def _masked_graph(text):
    return re.sub(r"\d+s\n?", "", text)


def test_latency_graph_and_doctor_match_redis(server_pair):
    graphs, doctors = [], []
    for s in server_pair():
        c = _sleepy(s)
        graph = _verbatim(c.execute_command("LATENCY", "GRAPH", "command"))
        doctor = _verbatim(c.execute_command("LATENCY", "DOCTOR"))
        lines = graph.split("\n")
        assert re.fullmatch(r"command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)", lines[0])
        assert lines[1] == "-" * 80
        assert lines[2:6] == [" #", " |", " |", "_|"]
        graphs.append(lines[2:7])
        doctors.append(re.sub(r"\d+", "N", doctor))
    assert graphs[0] == graphs[1]
    assert doctors[0] == doctors[1]


def test_latency_doctor_disabled_and_quiet(server_pair):
    for s in server_pair():
        c = s.client()
        c.execute_command("LATENCY", "RESET")
        c.config_set("latency-monitor-threshold", 0)
        assert _verbatim(c.execute_command("LATENCY", "DOCTOR")).startswith("I'm sorry, Dave")
        c.config_set("latency-monitor-threshold", 1000)
        assert _verbatim(c.execute_command("LATENCY", "DOCTOR")).startswith(
            "Dave, no latency spike was observed")
        c.execute_command("DEBUG", "SLEEP", "0.05")
        assert c.execute_command("LATENCY", "LATEST") == []


def test_latency_fork_event(rkvd_factory):
    s = rkvd_factory("--latency-monitor-threshold", "1", "--save", "")
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", "200000")
    c.bgsave()
    fork_ms = c.info("stats")["latest_fork_usec"] // 1000
    events = {e[0]: e for e in c.execute_command("LATENCY", "LATEST")}
    if fork_ms >= 1:
        assert events[b"fork"][2] == fork_ms
    else:
        assert b"fork" not in events


def test_graph_rendering_columns_and_labels():
    ts = Series()
    now = 1000000
    ts.samples = [[now - 90, 10], [now - 30, 40], [now - 5, 25]]
    ts.max = 50
    text = graph_text("ev", ts, now)
    assert text == ("ev - high 40 ms, low 10 ms (all time high 50 ms)\n" + "-" * 80 + "\n"
                    " # \n"
                    " |_\n"
                    " ||\n"
                    "_||\n"
                    "   \n"
                    "135\n"
                    "m0s\n"
                    " s \n")


def test_latency_expire_and_eviction_events(server_pair):
    for s in server_pair("--latency-monitor-threshold", "1"):
        c = s.client()
        c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.execute_command("DEBUG", "POPULATE", "200000")
        p = c.pipeline(transaction=False)
        for i in range(200000):
            p.pexpire("key:%d" % i, 1)
        p.execute()
        time.sleep(0.1)
        c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
        deadline = time.time() + 10
        while c.dbsize() and time.time() < deadline:
            time.sleep(0.1)
        events = {e[0] for e in c.execute_command("LATENCY", "LATEST")}
        assert b"expire-cycle" in events, (s, events)
        base = c.info("memory")["used_memory"]
        c.execute_command("DEBUG", "POPULATE", "200000")
        used = c.info("memory")["used_memory"]
        c.config_set("maxmemory-policy", "allkeys-random")
        # no time limit per cycle: evicting 100,000 keys at once takes well
        # over the 1 ms threshold (with the default tenacity a cycle stops
        # at about 0.5 ms, and only a loaded machine goes over)
        c.config_set("maxmemory-eviction-tenacity", 100)
        c.config_set("maxmemory", base + (used - base) // 2)   # half the keys must go
        c.set("x", "y")
        time.sleep(0.5)
        events = {e[0] for e in c.execute_command("LATENCY", "LATEST")}
        assert b"eviction-cycle" in events, (s, events)
        c.config_set("maxmemory", 0)
