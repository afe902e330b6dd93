--[[
  Reads what a watcher needs, atomically: either the deltas after a known position, or a snapshot
  (the whole cell) when that position cannot be continued (other epoch, history no longer reaching
  back, offset from the future) or when no position is given.

  KEYS[1] cell meta hash
  KEYS[2] cell spaces hash
  KEYS[3] cell history stream

  ARGV[1] known epoch ("" for a snapshot)
  ARGV[2] known offset

  Returns one of:
    { "missing" }                                   the cell has no state: rebuild it
    { "snapshot", epoch, offset, json, json, ... }  every space of the cell
    { "deltas", epoch, offset, message, ... }       the delta messages after the known offset, in order
]]
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return { 'missing' } end
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset'))

local function snapshot()
  local reply = { 'snapshot', epoch, offset }
  local values = redis.call('HVALS', KEYS[2])
  for i = 1, #values do reply[#reply + 1] = values[i] end
  return reply
end

if ARGV[1] ~= epoch then return snapshot() end
local known = tonumber(ARGV[2])
if known == nil or known > offset or known < 0 then return snapshot() end
if known == offset then return { 'deltas', epoch, offset } end

local entries = redis.call('XRANGE', KEYS[3], (known + 1) .. '-0', '+')
if #entries == 0 or entries[1][1] ~= (known + 1) .. '-0' then return snapshot() end
local reply = { 'deltas', epoch, offset }
for i = 1, #entries do reply[#reply + 1] = entries[i][2][2] end
return reply
