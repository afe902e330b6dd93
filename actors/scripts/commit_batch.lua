--[[
  commit_batch: the one write of the batches of commands that actors of one shard decided, fenced and
  atomic: per actor (a part), its state's changed entries, its reminder changes, and per command the
  stored reply (for replays), the mailbox ack and the reply to its caller. A worker whose lease expired
  or moved on writes nothing. The parts are applied in order, each as its own commit would be: a part
  with a command decided before (a stored reply exists, or an earlier part of this call stored it)
  writes nothing and is answered -2; a part patching a state that is not stored (evicted or lost
  since its actor was activated) writes nothing and is answered -3; the other parts are committed.
  An actor's state is a hash: one field per entry (the actor's own key), its value JSON text.
  KEYS[1] lease hash  KEYS[2] mailbox stream  KEYS[3] reminders sorted set
  then per part: its actor state hash, then the stored-reply key of each of its n commands
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] g parts
  then per part: state op ('keep' | 'replace': DEL then set the entries | 'patch': set the entries,
  remove the removed ones | 'delete': DEL), s entries to set, d entries to remove, r reminder ops,
  n commands, then s × (entry key, value), d × entry key, r × (op 'set'|'cancel', member, due ms),
  then n × (entry id to ack ('' none), ms to keep the reply (0: do not store), reply ('' none),
  reply channel ('' none), the request's fingerprint ('' none), stored before the reply and a
  newline, as replay_done reads it)
  The committed parts' entries are acked by one XACK; their replies bound for one channel go out as
  one message, a JSON array of the replies in part then batch order (a shard's actors usually answer
  one gateway).
  Returns a list of g codes, per part 1: committed, -2: duplicate (nothing of that part written;
  replay it first), -3: state missing (nothing of that part written; activate the actor again);
  or -1: stale epoch (nothing written at all).
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
-- Runs `command key ARGV[first..last]` in slices of at most `size` arguments: unpack takes a bounded
-- number of values, and a whole state can hold thousands of entries.
local function inSlices(command, key, first, last, size)
  for from = first, last, size do
    redis.call(command, key, unpack(ARGV, from, math.min(from + size - 1, last)))
  end
end
local parts = tonumber(ARGV[4])
local codes, acks, channels, outgoing = {}, {}, {}, {}
local a, k = 5, 4
for p = 1, parts do
  local stateOp, sets, removes = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local reminderOps, commands = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local stateKey, firstSet = KEYS[k], a + 5
  local firstRemove = firstSet + sets * 2
  local firstReminder = firstRemove + removes
  local firstCommand = firstReminder + reminderOps * 3
  local code = 1
  for i = 0, commands - 1 do
    if tonumber(ARGV[firstCommand + i * 5 + 1]) > 0 and redis.call('EXISTS', KEYS[k + 1 + i]) == 1 then
      code = -2
      break
    end
  end
  if code == 1 and stateOp == 'patch' and redis.call('EXISTS', stateKey) == 0 then code = -3 end
  codes[p] = code
  if code == 1 then
    if stateOp == 'replace' or stateOp == 'delete' then redis.call('DEL', stateKey) end
    if sets > 0 then inSlices('HSET', stateKey, firstSet, firstRemove - 1, 1000) end
    if removes > 0 then inSlices('HDEL', stateKey, firstRemove, firstReminder - 1, 1000) end
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
