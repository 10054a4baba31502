"""Keyspace behaviour of a running server: expiry (lazy and active), SCAN
across table growth, databases, and that growth never stalls the loop."""
import time

import pytest

pytestmark = pytest.mark.timeout(120)


def test_expired_key_is_never_returned(rkvd):
    r = rkvd.client()
    r.set("k", "v", px=50)
    assert r.get("k") == b"v"
    time.sleep(0.08)
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert r.ttl("k") == -2
    assert r.keys("*") == []


def test_active_expire_removes_untouched_keys(rkvd):
    r = rkvd.client()
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"vol:{i}", "x", px=100)
    for i in range(100):
        pipe.set(f"keep:{i}", "x")
    pipe.execute()
    assert r.dbsize() == 2100
    deadline = time.time() + 10
    while time.time() < deadline and r.dbsize() > 100:
        time.sleep(0.1)
    # DBSIZE touches no key: only the active cycle can have removed them.
    assert r.dbsize() == 100
    info = r.info("stats")
    assert info["expired_keys"] >= 2000


def test_keyspace_info_counts_expires(rkvd):
    r = rkvd.client()
    r.set("a", 1)
    r.set("b", 2, ex=1000)
    db0 = r.info("keyspace")["db0"]
    assert db0["keys"] == 2 and db0["expires"] == 1


def test_scan_returns_every_key_across_growth(rkvd):
    r = rkvd.client()
    base = {f"base:{i}".encode() for i in range(5000)}
    pipe = r.pipeline(transaction=False)
    for k in base:
        pipe.set(k, "v")
    pipe.execute()
    seen = set()
    cursor = 0
    extra = 0
    while True:
        cursor, keys = r.scan(cursor, count=50)
        seen.update(keys)
        # grow the table while the scan is running
        pipe = r.pipeline(transaction=False)
        for _ in range(200):
            pipe.set(f"extra:{extra}", "v")
            extra += 1
        pipe.execute()
        if cursor == 0:
            break
    assert base <= seen


def test_scan_match_type_and_count(rkvd):
    r = rkvd.client()
    for i in range(100):
        r.set(f"user:{i}", i)
        r.set(f"other:{i}", i)
    got = set()
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, match="user:*", count=1000, _type="string")
        got.update(keys)
        if cursor == 0:
            break
    assert got == {f"user:{i}".encode() for i in range(100)}
    cursor, keys = r.scan(0, _type="list")
    assert keys == []


def test_growth_to_a_million_keys_never_stalls(rkvd):
    """Incremental rehash: while the table doubles repeatedly, no single
    request waits for a whole-table rehash."""
    r = rkvd.client()
    worst = 0.0
    n = 0
    batch = 20000
    while n < 1_000_000:
        pipe = r.pipeline(transaction=False)
        for i in range(n, n + batch):
            pipe.set(f"key:{i:07d}", "0123456789")
        pipe.execute()
        n += batch
        t = time.perf_counter()
        r.ping()
        worst = max(worst, time.perf_counter() - t)
    assert r.dbsize() == 1_000_000
    assert worst < 0.25, f"a PING waited {worst * 1000:.0f} ms during growth"


def test_select_swapdb_move(rkvd):
    r = rkvd.client()
    r.set("k", "db0")
    assert r.move("k", 3)
    r3 = rkvd.client(db=3)
    assert r3.get("k") == b"db0"
    r.swapdb(0, 3)
    assert r.get("k") == b"db0"
    assert r3.get("k") is None
