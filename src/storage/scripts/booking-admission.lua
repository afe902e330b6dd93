-- Admits one booking request of a driver, atomically: counts it against the driver's requests per
-- window and, when it may wait for a host's approval, reserves its place among the driver's pending
-- requests (at most the cap, so concurrent requests can never pass it together).
-- KEYS[1] the driver's requests in the current window (a counter that expires with the window)
-- KEYS[2] the driver's pending requests (sorted set: booking id -> until when it counts, epoch ms)
-- ARGV[1] now (epoch ms)            ARGV[2] window length (ms)     ARGV[3] requests per window
-- ARGV[4] pending cap               ARGV[5] booking id to reserve ("" = none: the request cannot wait)
-- ARGV[6] reservation until (ms)    ARGV[7] how long the pending set is kept after a write (ms)
-- Returns {0, 0} admitted; {1, ms} over the rate, ms until the window ends;
--         {2, ms} the cap is reached, ms until the earliest pending request stops counting.
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[3]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {1, ttl}
end
if ARGV[5] == '' then return {0, 0} end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
-- The same request again (a retry under its Idempotency-Key) holds the place it has.
if redis.call('ZSCORE', KEYS[2], ARGV[5]) then return {0, 0} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  return {2, math.max(1, tonumber(first[2]) - now)}
end
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return {0, 0}
