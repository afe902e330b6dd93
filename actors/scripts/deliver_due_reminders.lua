--[[
  deliver_due_reminders: moves reminders that are due into the shard's mailbox as commands, so they
  are processed like any command: one at a time per actor, durable, claimed after a failover, and
  deduplicated by a command id made of the reminder and its due time.
  KEYS[1] lease hash  KEYS[2] reminders sorted set  KEYS[3] mailbox stream
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] now (ms)  ARGV[4] max reminders to move
  Returns the number moved (>= 0);  -1: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[3], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[4]))
local moved = 0
for i = 1, #due, 2 do
  local member, dueAt = due[i], due[i + 1]
  local parts = cjson.decode(member)
  local envelope = cjson.encode({
    kind = 'reminder',
    commandId = 'reminder:' .. parts[1] .. ':' .. parts[2] .. ':' .. parts[3] .. ':' .. dueAt,
    actorType = parts[1],
    actorId = parts[2],
    name = parts[3],
    dueAt = tonumber(dueAt),
  })
  redis.call('XADD', KEYS[3], '*', 'e', envelope)
  redis.call('ZREM', KEYS[2], member)
  moved = moved + 1
end
return moved
