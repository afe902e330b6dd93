--[[
  Applies one space's new live state to its map cell, atomically: replaces the space in the cell's
  state hash, bumps the cell's offset, appends the delta to the capped history, publishes it on the
  cell's shard channel, and keeps the aggregate parent's free/total counts (publishing them when
  they change). An identical state is a no-op. A cell that has no state (never built, or Redis lost
  it) is not touched: the miss counter is bumped (so a concurrent rebuild retries) and a
  `cell_reset` notice is published so gateways re-snapshot (which rebuilds from PostgreSQL). When
  it is left unbuilt under an aggregate nobody built, `aggregate_reset` is published on the
  aggregate's channel, so watchers of its (empty) counts read them again.

  KEYS[1] cell meta hash (epoch, offset)
  KEYS[2] cell spaces hash (space id -> canonical JSON)
  KEYS[3] cell history stream (entry id = "<offset>-0", field m = the delta message)
  KEYS[4] cell miss counter
  KEYS[5] aggregate counts hash (free, total, version)
  KEYS[6] optional: the aggregate's built flag, given when a cell nobody built may stay unbuilt

  ARGV[1] map cell
  ARGV[2] space id
  ARGV[3] new state (available | held | occupied | closed), or "" when the space leaves the cell
  ARGV[4] new canonical JSON of the space, or "" when it leaves the cell
  ARGV[5] history length cap
  ARGV[6] cell channel
  ARGV[7] aggregate channel
  ARGV[8] aggregate cell
  ARGV[9] optional: the JSON the caller last saw for the space; when given and the cell holds
          something else now (a newer change came first), nothing changes (returns 0)

  Returns { code, epoch, offset }:
    1  published (offset is the new one)
    0  unchanged, or not what the caller last saw (offset is the current one)
   -1  the cell has no state (epoch "", offset 0): rebuild it
   -2  the cell has no state and, KEYS[6] given, its aggregate is not built: it may stay unbuilt
]]
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  redis.call('INCR', KEYS[4])
  redis.call('SPUBLISH', ARGV[6], '{"type":"cell_reset","cell":"' .. ARGV[1] .. '"}')
  if KEYS[6] and redis.call('EXISTS', KEYS[6]) == 0 then
    redis.call('SPUBLISH', ARGV[7], '{"type":"aggregate_reset","cell":"' .. ARGV[8] .. '"}')
    return { -2, '', 0 }
  end
  return { -1, '', 0 }
end

local old = redis.call('HGET', KEYS[2], ARGV[2])
local newJson = ARGV[4]
if ARGV[9] and ARGV[9] ~= '' and old ~= ARGV[9] then
  return { 0, epoch, tonumber(redis.call('HGET', KEYS[1], 'offset')) }
end
if (not old and newJson == '') or old == newJson then
  return { 0, epoch, tonumber(redis.call('HGET', KEYS[1], 'offset')) }
end

local oldFree, oldCount, newFree, newCount = 0, 0, 0, 0
if old then
  oldCount = 1
  if cjson.decode(old).state == 'available' then oldFree = 1 end
end

local body
if newJson ~= '' then
  newCount = 1
  if ARGV[3] == 'available' then newFree = 1 end
  redis.call('HSET', KEYS[2], ARGV[2], newJson)
  body = '"space":' .. newJson
else
  redis.call('HDEL', KEYS[2], ARGV[2])
  body = '"removed":"' .. ARGV[2] .. '"'
end

local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local message = '{"type":"delta","cell":"' .. ARGV[1] .. '","epoch":"' .. epoch .. '","offset":' .. offset
  .. ',' .. body .. '}'
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[5], offset .. '-0', 'm', message)
redis.call('SPUBLISH', ARGV[6], message)

if oldFree ~= newFree or oldCount ~= newCount then
  local free = redis.call('HINCRBY', KEYS[5], 'free', newFree - oldFree)
  local total = redis.call('HINCRBY', KEYS[5], 'total', newCount - oldCount)
  local version = redis.call('HINCRBY', KEYS[5], 'version', 1)
  redis.call('SPUBLISH', ARGV[7], '{"type":"aggregate","cell":"' .. ARGV[8] .. '","free":' .. free
    .. ',"total":' .. total .. ',"version":' .. version .. '}')
end
return { 1, epoch, offset }
