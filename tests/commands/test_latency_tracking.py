"""latency-tracking: per-command latency histograms, read through INFO
latencystats and LATENCY HISTOGRAM, against redis-server.

Durations differ between two servers, so the differential tests compare
what does not depend on them: which commands have histograms, their call
counts, the reply's RESP shape, and the format of every value; the values
themselves must be ones Redis's HdrHistogram can report."""
import re

from rkvd._core.lib.hdrhist import Histogram


def _histogram(c, *names):
    """{command: (calls, [(usec, cumulative), ...])} from LATENCY HISTOGRAM."""
    flat = c.execute_command("LATENCY", "HISTOGRAM", *names)
    out = {}
    for name, body in zip(flat[::2], flat[1::2]):
        assert body[0] == b"calls" and body[2] == b"histogram_usec", body
        buckets = list(zip(body[3][::2], body[3][1::2]))
        out[name] = (body[1], buckets)
    return out


def _check_buckets(calls, buckets):
    usecs = [u for u, _ in buckets]
    counts = [n for _, n in buckets]
    assert usecs == sorted(set(usecs)) and counts == sorted(set(counts))
    assert counts[-1] == calls
    # every bucket bound is a highest equivalent value of the layout (us)
    h = Histogram()
    for u in usecs:
        h.reset()
        h.record(max(u, 1) * 1000)
        assert h.cdf_usec()[0] >= u


def _shape(hist):
    return {name: calls for name, (calls, _) in hist.items()}


def test_histogram_commands_and_calls_match_redis(server_pair):
    seen = []
    for s in server_pair():
        c = s.client()
        c.config_resetstat()
        c.set("a", "b")
        c.set("c", "d")
        c.get("a")
        c.hset("f", "k", "v")
        c.execute_command("CLIENT", "ID")
        c.execute_command("CLIENT", "INFO")
        c.execute_command("CONFIG", "GET", "maxmemory")
        everything = _histogram(c)
        for calls, buckets in everything.values():
            _check_buckets(calls, buckets)
        seen.append((_shape(everything), _shape(_histogram(c, "set", "hset", "nosuch")),
                     _shape(_histogram(c, "CLIENT")), _shape(_histogram(c, "client|id")),
                     _shape(_histogram(c, "client|id|x", "zadd")),
                     _shape(_histogram(c, "get", "get"))))
        # after a reset only the CONFIG RESETSTAT itself is there
        c.config_resetstat()
        seen.append(_shape(_histogram(c)))
    assert seen[0] == seen[2] and seen[1] == seen[3]
    assert seen[0][0][b"set"] == 2 and seen[1] == {b"config|resetstat": 1}


def test_histogram_resp3_shape_matches_redis(server_pair):
    replies = []
    for s in server_pair():
        c = s.client()
        c.config_resetstat()
        c.set("a", "b")
        with s.raw() as r:
            r.command("HELLO", "3")
            reply = r.command("LATENCY", "HISTOGRAM", "set")
        # mask the one duration-dependent number, the bucket bound
        replies.append(re.sub(rb"%1\r\n:\d+\r\n:1\r\n", b"%1\r\n:N\r\n:1\r\n", reply))
    assert replies[0] == replies[1]
    assert replies[0] == (b"%1\r\n$3\r\nset\r\n%2\r\n$5\r\ncalls\r\n:1\r\n"
                          b"$14\r\nhistogram_usec\r\n%1\r\n:N\r\n:1\r\n")


def test_blocked_commands_are_recorded_when_served(server_pair):
    seen = []
    for s in server_pair():
        c = s.client()
        other = s.client()
        c.config_resetstat()
        assert c.blpop("nolist", 0.05) is None          # timed out: not recorded
        assert _histogram(c, "blpop") == {}
        with s.raw() as r:
            r.send_command("BLPOP", "list", "0")
            for _ in range(100):
                if other.info("clients")["blocked_clients"]:
                    break
            other.lpush("list", "x")
            assert r.read_reply() == b"*2\r\n$4\r\nlist\r\n$1\r\nx\r\n"
        seen.append(_shape(_histogram(c, "blpop")))
    assert seen[0] == seen[1] == {b"blpop": 1}


_LINE = re.compile(r"p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}")


def _latencystats(c):
    # the reply parsed here: redis-py's INFO parser splits values on ','
    c.set_response_callback("INFO", lambda reply, **kw: reply)
    text = c.execute_command("INFO", "latencystats").decode()
    return dict(line.split(":", 1) for line in text.split("\r\n")[1:] if line)


def test_info_latencystats_match_redis(server_pair):
    seen = []
    for s in server_pair():
        c = s.client()
        c.config_resetstat()
        c.set("a", "b")
        c.execute_command("CLIENT", "ID")
        stats = _latencystats(c)
        assert all(_LINE.fullmatch(v) for v in stats.values()), stats
        names = set(stats)
        c.config_set("latency-tracking-info-percentiles", "0 50 100 99.99999 12.5")
        stats = _latencystats(c)
        assert all(re.fullmatch(r"p0=[\d.]+,p50=[\d.]+,p100=[\d.]+,p99\.99999=[\d.]+,p12\.5=[\d.]+", v)
                   for v in stats.values()), stats
        c.config_set("latency-tracking-info-percentiles", "")
        empty = _latencystats(c)
        c.config_set("latency-tracking", "no")
        c.set("x", "y")
        off = _latencystats(c)
        off_hist = _shape(_histogram(c, "set"))
        c.config_set("latency-tracking", "yes")
        c.config_resetstat()
        seen.append((names, empty, off, off_hist, set(_latencystats(c))))
    assert seen[0] == seen[1]
    assert seen[0][0] == {"latency_percentiles_usec_set", "latency_percentiles_usec_client|id",
                          "latency_percentiles_usec_config|resetstat"}
    # no percentiles: the line with nothing after the colon
    assert set(seen[0][1].values()) == {""}
    assert seen[0][2] == {} and seen[0][3] == {b"set": 1}
    assert seen[0][4] == {"latency_percentiles_usec_config|resetstat"}


def test_percentiles_are_hdr_values(rkvd_factory):
    s = rkvd_factory()
    c = s.client()
    c.config_set("latency-tracking-info-percentiles", "50")
    c.execute_command("DEBUG", "SLEEP", "0.05")
    p50 = float(_latencystats(c)["latency_percentiles_usec_debug"].split("=")[1])
    assert p50 >= 50000
    calls, buckets = _histogram(c, "debug")[b"debug"]
    assert calls == 1 and len(buckets) == 1
    # the same sample gives the same numbers from the layout
    h = Histogram()
    h.record(int(p50 * 1000))
    assert h.value_at_percentile(50) == int(round(p50 * 1000))
    assert h.cdf_usec() == [buckets[0][0], 1]


def test_tracking_off_by_config_file(rkvd_factory):
    c = rkvd_factory("--latency-tracking", "no").client()
    c.set("a", "b")
    assert _histogram(c) == {} and _histogram(c, "set", "get") == {}
    assert _latencystats(c) == {}
    c.config_set("latency-tracking", "yes")
    c.set("a", "b")
    assert _shape(_histogram(c, "set")) == {b"set": 1}
