--[[
  replay_done: before a batch of commands runs, finds those whose command id already has a stored
  reply (re-delivered or re-sent commands): their stored reply is published again and their entry
  acked, so each command has exactly one effect.
  KEYS[1] lease hash  KEYS[2] mailbox stream  KEYS[2+i] stored reply of command i (i = 1..n)
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group
  then n × (entry id, reply channel ('' when nobody waits))
  Returns {1, flag_1 … flag_n} with flag 1 = replayed and acked, 0 = run it;  {-1}: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return {-1} end
local flags = {1}
for i = 1, #KEYS - 2 do
  local stored = redis.call('GET', KEYS[2 + i])
  if stored then
    local entryId, channel = ARGV[4 + (i - 1) * 2], ARGV[5 + (i - 1) * 2]
    redis.call('XACK', KEYS[2], ARGV[3], entryId)
    if channel ~= '' then redis.call('PUBLISH', channel, stored) end
    flags[#flags + 1] = 1
  else
    flags[#flags + 1] = 0
  end
end
return flags
