import asyncio
import json
import threading

from sample_app.jobqueue import JobQueue


def test_put_take_ack(rkvd_client):
    q = JobQueue(rkvd_client)
    q.put({"n": 1})
    q.put({"n": 2})
    job = q.take("w1")
    assert json.loads(job)["payload"] == {"n": 1}
    assert q.ack("w1", job)
    assert not q.ack("w1", job)
    assert q.depth() == 1


def test_abandoned_jobs_come_back(rkvd_client):
    q = JobQueue(rkvd_client)
    for n in range(3):
        q.put(n)
    q.take("crashed")
    q.take("crashed")
    assert q.requeue_abandoned("crashed") == 2
    assert q.depth() == 3
    # the oldest job is handed out first again
    assert json.loads(q.take("w2"))["payload"] == 0


def test_blocking_take_wakes_on_put(rkvd_server):
    worker = JobQueue(rkvd_server.client())
    got = []
    t = threading.Thread(target=lambda: got.append(worker.take("w", timeout=5)))
    t.start()
    JobQueue(rkvd_server.client()).put("late")
    t.join(10)
    assert json.loads(got[0])["payload"] == "late"


def test_async_producer(rkvd_async_client, rkvd_client):
    async def produce():
        async with rkvd_async_client as r:
            for n in range(10):
                await r.lpush("jobs:queue", json.dumps({"payload": n}))

    asyncio.run(produce())
    assert JobQueue(rkvd_client).depth() == 10
