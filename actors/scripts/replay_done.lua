--[[
  replay_done: before a batch of commands runs, finds those whose command id already has a stored
  reply (re-delivered or re-sent commands): their stored reply is published again, marked replayed,
  and their entry acked, so each command has exactly one effect. A stored reply is the request's
  fingerprint ('' for none), a newline, the reply JSON; a candidate whose fingerprint differs from a
  stored one (both non-empty) is another request under a used command id: nothing is done for it.
  KEYS[1] lease hash  KEYS[2] mailbox stream  KEYS[2+i] stored reply of command i (i = 1..n)
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group
  then n × (entry id, reply channel ('' when nobody waits), fingerprint ('' none))
  Returns {1, flag_1 … flag_n} with flag 1 = replayed and acked, 0 = run it, 2 = fingerprint
  mismatch (answer it as a reused key);  {-1}: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return {-1} end
local flags = {1}
for i = 1, #KEYS - 2 do
  local stored = redis.call('GET', KEYS[2 + i])
  if stored then
    local at = 4 + (i - 1) * 3
    local entryId, channel, sent = ARGV[at], ARGV[at + 1], ARGV[at + 2]
    local cut = string.find(stored, '\n', 1, true)
    if not cut then
      stored = '\n' .. stored
      cut = 1
    end
    local kept = string.sub(stored, 1, cut - 1)
    if kept ~= '' and sent ~= '' and kept ~= sent then
      flags[#flags + 1] = 2
    else
      redis.call('XACK', KEYS[2], ARGV[3], entryId)
      if channel ~= '' then
        redis.call('PUBLISH', channel, '{"replayed":true,' .. string.sub(stored, cut + 2))
      end
      flags[#flags + 1] = 1
    end
  else
    flags[#flags + 1] = 0
  end
end
return flags
