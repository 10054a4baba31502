-- Visibility-timeout job queue: hand the next job to a worker.
-- KEYS[1]: the ready list; KEYS[2]: the in-flight sorted set (job -> deadline, ms)
-- ARGV[1]: visibility timeout in ms.
-- Jobs whose deadline passed go back to the ready list first (a worker took
-- them and vanished); then the next ready job becomes in flight until
-- now + timeout. Returns the job, or nil when none is ready.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 10)
for _, job in ipairs(expired) do
  redis.call('ZREM', KEYS[2], job)
  redis.call('RPUSH', KEYS[1], job)
end
local job = redis.call('LPOP', KEYS[1])
if not job then
  return nil
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), job)
return job
