--[[
  heartbeat_member: marks a worker alive until now + TTL (Redis clock, so workers' clocks may differ),
  forgets workers whose heartbeat lapsed, and returns the live ones.
  KEYS[1] members sorted set (score: when the heartbeat lapses, ms)
  ARGV[1] worker id  ARGV[2] TTL in ms
  Returns the live worker ids.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
