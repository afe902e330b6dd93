--[[
  commit_batch: the one write of the batches of commands that actors of one shard decided, fenced and
  atomic: per actor (a part), its new state, its reminder changes, and per command the stored reply
  (for replays), the mailbox ack and the reply to its caller. A worker whose lease expired or moved on
  writes nothing. The parts are applied in order, each as its own commit would be: a part with a
  command decided before (a stored reply exists, or an earlier part of this call stored it) writes
  nothing and is answered -2; the other parts are committed.
  KEYS[1] lease hash  KEYS[2] mailbox stream  KEYS[3] reminders sorted set
  then per part: its actor state key, then the stored-reply key of each of its n commands
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] g parts
  then per part: state op ('keep' | 'set' | 'delete'), new state (for 'set'), r reminder ops,
  n commands, then r × (op 'set'|'cancel', member, due ms), then n × (entry id to ack ('' none),
  ms to keep the reply (0: do not store), reply ('' none), reply channel ('' none), the request's
  fingerprint ('' none), stored before the reply and a newline, as replay_done reads it)
  The committed parts' entries are acked by one XACK; their replies bound for one channel go out as
  one message, a JSON array of the replies in part then batch order (a shard's actors usually answer
  one gateway).
  Returns a list of g codes, per part 1: committed, -2: duplicate (nothing of that part written;
  replay it first);  or -1: stale epoch (nothing written at all).
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
local parts = tonumber(ARGV[4])
local codes, acks, channels, outgoing = {}, {}, {}, {}
local a, k = 5, 4
for p = 1, parts do
  local stateOp, reminderOps, commands = ARGV[a], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local stateKey, firstReminder = KEYS[k], a + 4
  local firstCommand = firstReminder + reminderOps * 3
  local duplicate = false
  for i = 0, commands - 1 do
    if tonumber(ARGV[firstCommand + i * 5 + 1]) > 0 and redis.call('EXISTS', KEYS[k + 1 + i]) == 1 then
      duplicate = true
      break
    end
  end
  if duplicate then
    codes[p] = -2
  else
    codes[p] = 1
    if stateOp == 'set' then
      redis.call('SET', stateKey, ARGV[a + 1])
    elseif stateOp == 'delete' then
      redis.call('DEL', stateKey)
    end
    for i = 0, reminderOps - 1 do
      local at = firstReminder + i * 3
      if ARGV[at] == 'set' then
        redis.call('ZADD', KEYS[3], ARGV[at + 2], ARGV[at + 1])
      else
        redis.call('ZREM', KEYS[3], ARGV[at + 1])
      end
    end
    for i = 0, commands - 1 do
      local at = firstCommand + i * 5
      local entryId, ttl, reply, channel = ARGV[at], tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3]
      if ttl > 0 and reply ~= '' then
        redis.call('SET', KEYS[k + 1 + i], ARGV[at + 4] .. '\n' .. reply, 'PX', ttl)
      end
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
  end
  a = firstCommand + commands * 5
  k = k + 1 + commands
end
if #acks > 0 then redis.call('XACK', KEYS[2], ARGV[3], unpack(acks)) end
for _, channel in ipairs(channels) do
  redis.call('PUBLISH', channel, '[' .. table.concat(outgoing[channel], ',') .. ']')
end
return codes
