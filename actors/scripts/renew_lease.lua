--[[
  renew_lease: extends the lease while it is still held by this owner at this epoch.
  KEYS[1] lease hash
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] lease TTL in ms
  Returns 1: renewed;  -1: stale epoch (lease expired or granted to someone else).
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
