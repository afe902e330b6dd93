--[[
  commit_command: the one write of a processed command, all or nothing and fenced: the actor's new
  state, its reminder changes, the stored reply (for replays), the mailbox ack and the reply to the
  caller. A worker whose lease expired or moved on writes nothing.
  KEYS[1] lease hash  KEYS[2] actor state  KEYS[3] stored reply of the command id
  KEYS[4] mailbox stream  KEYS[5] reminders sorted set
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] entry id to ack ('' none)
  ARGV[5] state op: 'keep' | 'set' | 'delete'  ARGV[6] new state (for 'set')
  ARGV[7] ms to keep the stored reply (0: do not store)  ARGV[8] reply ('' none)
  ARGV[9] reply channel ('' none)  ARGV[10] n reminder ops, then n × (op 'set'|'cancel', member, due ms)
  Returns 1: committed;  -2: duplicate (a reply was already stored: nothing written, entry acked,
  stored reply published again);  -1: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local ttl = tonumber(ARGV[7])
if ttl > 0 then
  local stored = redis.call('GET', KEYS[3])
  if stored then
    if ARGV[4] ~= '' then redis.call('XACK', KEYS[4], ARGV[3], ARGV[4]) end
    if ARGV[9] ~= '' then redis.call('PUBLISH', ARGV[9], stored) end
    return -2
  end
end
if ARGV[5] == 'set' then
  redis.call('SET', KEYS[2], ARGV[6])
elseif ARGV[5] == 'delete' then
  redis.call('DEL', KEYS[2])
end
local ops = tonumber(ARGV[10])
for i = 0, ops - 1 do
  local op, member, due = ARGV[11 + i * 3], ARGV[12 + i * 3], ARGV[13 + i * 3]
  if op == 'set' then
    redis.call('ZADD', KEYS[5], due, member)
  else
    redis.call('ZREM', KEYS[5], member)
  end
end
if ttl > 0 and ARGV[8] ~= '' then redis.call('SET', KEYS[3], ARGV[8], 'PX', ttl) end
if ARGV[4] ~= '' then redis.call('XACK', KEYS[4], ARGV[3], ARGV[4]) end
if ARGV[9] ~= '' and ARGV[8] ~= '' then redis.call('PUBLISH', ARGV[9], ARGV[8]) end
return 1
