--[[
  tidy_mailbox: trims entries that every consumer has acknowledged (never a pending or undelivered
  one, unlike XADD MAXLEN) and forgets consumers of past worker incarnations with nothing pending.
  KEYS[1] lease hash  KEYS[2] mailbox stream
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] idle ms after which an empty consumer goes
  ARGV[5] the calling consumer (kept)
  Returns the number of entries trimmed (>= 0);  -1: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local function field(flat, name)
  for i = 1, #flat, 2 do
    if flat[i] == name then return flat[i + 1] end
  end
  return nil
end
local summary = redis.call('XPENDING', KEYS[2], ARGV[3])
local keepFrom
if tonumber(summary[1]) > 0 then
  keepFrom = summary[2]
else
  for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[2])) do
    if field(group, 'name') == ARGV[3] then keepFrom = field(group, 'last-delivered-id') end
  end
end
local trimmed = 0
if keepFrom and keepFrom ~= '0-0' then
  trimmed = redis.call('XTRIM', KEYS[2], 'MINID', keepFrom)
end
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[2], ARGV[3])) do
  local name = field(consumer, 'name')
  if name ~= ARGV[5] and tonumber(field(consumer, 'pending')) == 0
      and tonumber(field(consumer, 'idle')) > tonumber(ARGV[4]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[3], name)
  end
end
return trimmed
