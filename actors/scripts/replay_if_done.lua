--[[
  replay_if_done: before a command runs, checks whether its command id already has a stored reply
  (a re-delivered or re-sent command). If so the stored reply is published again and the entry acked,
  so the command has exactly one effect.
  KEYS[1] lease hash  KEYS[2] stored reply of the command id  KEYS[3] mailbox stream
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] entry id
  ARGV[5] reply channel ('' when nobody waits)
  Returns 1: replayed and acked;  0: no stored reply, run the command;  -1: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local stored = redis.call('GET', KEYS[2])
if not stored then return 0 end
redis.call('XACK', KEYS[3], ARGV[3], ARGV[4])
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[5], stored) end
return 1
