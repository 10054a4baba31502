"""A small service tested against rkvd: a cache-aside repository, a rate
limiter and a reliable job queue, each taking a redis.Redis."""
