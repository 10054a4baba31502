"""A sliding-window rate limiter on a sorted set, atomic through MULTI/EXEC."""
import time
import uuid


class SlidingWindowLimiter:
    def __init__(self, redis, limit, window_seconds, clock=time.time):
        self.redis = redis
        self.limit = limit
        self.window = window_seconds
        self.clock = clock

    def allow(self, subject):
        key = f"rate:{subject}"
        now = self.clock()
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now - self.window)
        attempt = uuid.uuid4().hex
        pipe.zadd(key, {attempt: now})
        pipe.zcard(key)
        pipe.expire(key, int(self.window) + 1)
        _, _, count, _ = pipe.execute()
        if count > self.limit:
            # over the limit: this attempt does not count
            self.redis.zrem(key, attempt)
            return False
        return True
