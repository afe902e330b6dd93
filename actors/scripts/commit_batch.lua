--[[
  commit_batch: the one write of a batch of commands an actor decided, all or nothing and fenced: the
  actor's new state, its reminder changes, and per command the stored reply (for replays), the
  mailbox ack and the reply to its caller. A worker whose lease expired or moved on writes nothing.
  KEYS[1] lease hash  KEYS[2] actor state  KEYS[3] mailbox stream  KEYS[4] reminders sorted set
  KEYS[4+i] stored reply of command i (i = 1..n)
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group
  ARGV[4] state op: 'keep' | 'set' | 'delete'  ARGV[5] new state (for 'set')
  ARGV[6] r reminder ops  ARGV[7] n commands
  then r × (op 'set'|'cancel', member, due ms)
  then n × (entry id to ack ('' none), ms to keep the reply (0: do not store), reply ('' none),
            reply channel ('' none))
  Entries are acked by one XACK; replies bound for one channel go out as one message, a JSON array
  of the replies in batch order (a hot actor's batch usually answers one gateway).
  Returns 1: committed;  -2: duplicate (a command already had a stored reply before this batch:
  nothing written; replay it first);  -1: stale epoch.
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local reminderOps, commands = tonumber(ARGV[6]), tonumber(ARGV[7])
local base = 8 + reminderOps * 3
for i = 1, commands do
  if tonumber(ARGV[base + (i - 1) * 4 + 1]) > 0 and redis.call('EXISTS', KEYS[4 + i]) == 1 then return -2 end
end
if ARGV[4] == 'set' then
  redis.call('SET', KEYS[2], ARGV[5])
elseif ARGV[4] == 'delete' then
  redis.call('DEL', KEYS[2])
end
for i = 0, reminderOps - 1 do
  local op, member, due = ARGV[8 + i * 3], ARGV[9 + i * 3], ARGV[10 + i * 3]
  if op == 'set' then
    redis.call('ZADD', KEYS[4], due, member)
  else
    redis.call('ZREM', KEYS[4], member)
  end
end
local acks, channels, outgoing = {}, {}, {}
for i = 1, commands do
  local at = base + (i - 1) * 4
  local entryId, ttl, reply, channel = ARGV[at], tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3]
  if ttl > 0 and reply ~= '' then redis.call('SET', KEYS[4 + i], reply, 'PX', ttl) end
  if entryId ~= '' then acks[#acks + 1] = entryId end
  if channel ~= '' and reply ~= '' then
    local list = outgoing[channel]
    if list == nil then
      list = {}
      outgoing[channel] = list
      channels[#channels + 1] = channel
    end
    list[#list + 1] = reply
  end
end
if #acks > 0 then redis.call('XACK', KEYS[3], ARGV[3], unpack(acks)) end
for _, channel in ipairs(channels) do
  redis.call('PUBLISH', channel, '[' .. table.concat(outgoing[channel], ',') .. ']')
end
return 1
