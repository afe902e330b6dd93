--[[
  claim_pending: the shard's owner takes over mailbox entries delivered to some consumer but never
  acked (a worker that died or lost the lease mid-command), so they are processed, not lost.
  KEYS[1] lease hash  KEYS[2] mailbox stream
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] claiming consumer
  ARGV[5] min idle ms  ARGV[6] max entries  ARGV[7] cursor (start with '0-0')
  Returns {1, next cursor ('0-0' when done), entries, ids of entries deleted meanwhile};  {-1}: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return {-1} end
local claimed = redis.call('XAUTOCLAIM', KEYS[2], ARGV[3], ARGV[4], ARGV[5], ARGV[7], 'COUNT', ARGV[6])
return {1, claimed[1], claimed[2], claimed[3] or {}}
