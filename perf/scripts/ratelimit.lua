-- Sliding-window rate limiter: may this subject make one more request now?
-- KEYS[1]: the subject's window (a sorted set of request times, in us)
-- ARGV[1]: window length in ms; ARGV[2]: requests allowed per window;
-- ARGV[3]: a request id (the member). Returns 1 (allowed) or 0.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window_us = tonumber(ARGV[1]) * 1000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_us)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
