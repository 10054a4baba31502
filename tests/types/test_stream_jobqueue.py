"""A task queue with a visibility timeout on consumer groups, the reliable
job queue streams are for: producers XADD tasks, workers XREADGROUP and
XACK them, a reaper XAUTOCLAIMs tasks idle past the visibility timeout and
hands them to a live worker.

The same scenario runs against rkvd and redis-server; on each, every task
is processed, a crashed worker's tasks are redelivered, and no task is
acknowledged twice or lost.
"""
import threading
import time

import pytest

pytestmark = [pytest.mark.timeout(120), pytest.mark.needs_redis]

STREAM, GROUP = b"jobs", b"workers"
VISIBILITY_MS = 300


def _read(conn, consumer, count, block_ms):
    """Entries XREADGROUP delivers to consumer: [(id, fields)]."""
    reply = conn.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms)
    return [(eid, fields) for _, entries in (reply or []) for eid, fields in entries]


@pytest.fixture(params=["rkvd", "redis_ref"])
def server(request):
    s = request.getfixturevalue(request.param)
    c = s.client(db=9)
    c.flushdb()
    c.close()
    return s


def test_crashed_worker_tasks_are_redelivered(server):
    r = server.client(db=9)
    r.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
    tasks = {r.xadd(STREAM, {"task": str(i)}): str(i) for i in range(20)}

    # a worker takes 5 tasks, acknowledges 2 and crashes
    crashed = _read(r, "crashed", 5, None)
    assert len(crashed) == 5
    r.xack(STREAM, GROUP, crashed[0][0], crashed[1][0])
    lost = {eid for eid, _ in crashed[2:]}

    # before the visibility timeout the reaper claims nothing
    reply = r.execute_command("XAUTOCLAIM", STREAM, GROUP, "reaper", VISIBILITY_MS, "0-0", "COUNT", 100)
    assert reply[1] == []
    time.sleep(VISIBILITY_MS / 1000 + 0.1)
    reply = r.execute_command("XAUTOCLAIM", STREAM, GROUP, "reaper", VISIBILITY_MS, "0-0", "COUNT", 100)
    assert reply[0] == b"0-0"
    assert {eid for eid, _ in reply[1]} == lost
    assert reply[2] == []
    # the redelivered tasks count a second delivery
    pending = r.xpending_range(STREAM, GROUP, "-", "+", 100)
    assert {p["message_id"]: p["times_delivered"] for p in pending} == {eid: 2 for eid in lost}
    assert {p["consumer"] for p in pending} == {b"reaper"}
    r.xack(STREAM, GROUP, *lost)

    # the rest go to a healthy worker; nothing is left pending
    rest = _read(r, "healthy", 100, None)
    r.xack(STREAM, GROUP, *[eid for eid, _ in rest])
    processed = [eid for eid, _ in crashed[:2]] + sorted(lost) + [eid for eid, _ in rest]
    assert sorted(processed) == sorted(tasks)
    assert r.xpending(STREAM, GROUP)["pending"] == 0
    # an acknowledged task is never delivered again
    assert r.execute_command("XAUTOCLAIM", STREAM, GROUP, "reaper", 0, "0-0")[1] == []
    assert _read(r, "late", 100, None) == []
    r.close()


def test_concurrent_workers_and_reaper(server):
    """8 workers (one of them crashing after each delivery), a producer and a
    reaper running at once: every task acknowledged exactly once."""
    total = 400
    r = server.client(db=9)
    r.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def ack(c, ids):
        # XACK counts only entries still pending: when the reaper reclaimed
        # a task its worker also finished, exactly one of them counts it
        for eid in ids:
            if c.xack(STREAM, GROUP, eid) == 1:
                with lock:
                    acked.append(eid)

    def worker(name, crash):
        c = server.client(db=9)
        try:
            while not stop.is_set():
                entries = _read(c, name, 5, 50)
                if not entries or crash:
                    continue            # a crashing worker never acknowledges
                ack(c, [eid for eid, _ in entries])
        finally:
            c.close()

    def reaper():
        c = server.client(db=9)
        try:
            while not stop.is_set():
                reply = c.execute_command("XAUTOCLAIM", STREAM, GROUP, "reaper", VISIBILITY_MS, "0-0",
                                          "COUNT", 50)
                ack(c, [eid for eid, _ in reply[1]])
                time.sleep(0.05)
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}", i == 0)) for i in range(8)]
    threads.append(threading.Thread(target=reaper))
    for t in threads:
        t.start()
    produced = []
    p = server.client(db=9)
    for i in range(total):
        produced.append(p.xadd(STREAM, {"task": str(i)}))
    deadline = time.time() + 30
    while time.time() < deadline:
        with lock:
            if len(acked) >= total:
                break
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(10)
    p.close()
    assert sorted(acked) == sorted(produced)
    assert r.xpending(STREAM, GROUP)["pending"] == 0
    r.close()
