"""Cache-aside: read through Redis, load from the source of truth on a miss,
invalidate on write."""
import json


class CachedRepository:
    def __init__(self, redis, load, ttl=60, prefix="user:"):
        self.redis = redis
        self.load = load            # load(id) -> dict or None (the database)
        self.ttl = ttl
        self.prefix = prefix
        self.misses = 0

    def get(self, item_id):
        key = self.prefix + str(item_id)
        cached = self.redis.get(key)
        if cached is not None:
            return json.loads(cached)
        self.misses += 1
        value = self.load(item_id)
        if value is None:
            # remember the absence briefly, so a missing id cannot hammer the source
            self.redis.set(key, "null", ex=max(1, self.ttl // 10))
        else:
            self.redis.set(key, json.dumps(value), ex=self.ttl)
        return value

    def invalidate(self, item_id):
        self.redis.delete(self.prefix + str(item_id))
