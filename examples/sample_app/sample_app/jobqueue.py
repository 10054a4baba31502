"""A reliable job queue: LMOVE hands a job to a worker's processing list, ack
removes it, and jobs of workers that vanished go back to the queue."""
import json
import time


class JobQueue:
    def __init__(self, redis, name="jobs"):
        self.redis = redis
        self.queue = f"{name}:queue"
        self.name = name

    def _processing(self, worker):
        return f"{self.name}:processing:{worker}"

    def put(self, payload):
        job = json.dumps({"payload": payload, "enqueued": time.time()})
        self.redis.lpush(self.queue, job)
        return job

    def take(self, worker, timeout=0):
        """The next job for `worker` (blocking up to `timeout` s, 0 = don't), or None."""
        self.redis.sadd(f"{self.name}:workers", worker)
        if timeout:
            raw = self.redis.blmove(self.queue, self._processing(worker), timeout, "RIGHT", "LEFT")
        else:
            raw = self.redis.lmove(self.queue, self._processing(worker), "RIGHT", "LEFT")
        return raw

    def ack(self, worker, job):
        return self.redis.lrem(self._processing(worker), 1, job) == 1

    def requeue_abandoned(self, worker):
        """Put back every job `worker` took and never acknowledged, at the
        head of the queue in their first order."""
        moved = 0
        while self.redis.lmove(self._processing(worker), self.queue, "LEFT", "RIGHT") is not None:
            moved += 1
        self.redis.srem(f"{self.name}:workers", worker)
        return moved

    def depth(self):
        return self.redis.llen(self.queue)
