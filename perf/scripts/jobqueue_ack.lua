-- Visibility-timeout job queue: a worker finished a job.
-- KEYS[1]: the in-flight sorted set; ARGV[1]: the job. Returns 1 when the
-- job was still in flight (0: its deadline passed and it went back).
return redis.call('ZREM', KEYS[1], ARGV[1])
