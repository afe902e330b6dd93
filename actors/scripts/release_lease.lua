--[[
  release_lease: gives the lease up so the next owner need not wait for it to expire.
  KEYS[1] lease hash
  ARGV[1] owner  ARGV[2] epoch
  Returns 1: released;  -1: stale epoch (nothing to release).
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
redis.call('DEL', KEYS[1])
return 1
