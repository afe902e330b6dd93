--[[
  Replaces a built cell's state with the one rebuilt from PostgreSQL, under a new epoch, when the
  cell is still at the position the caller read before it compared (a change published since then
  is newer than that comparison: nothing changes, the caller looks again later). Keeps the
  aggregate parent's counts (publishing them when they change) and publishes `cell_reset` so
  gateways re-snapshot. A cell the ledger holds no space in loses its state (Redis keeps nothing
  for an empty cell); its watchers re-read it as empty.

  KEYS[1] cell meta hash (epoch, offset)
  KEYS[2] cell spaces hash
  KEYS[3] cell history stream
  KEYS[4] aggregate counts hash

  ARGV[1] map cell
  ARGV[2] epoch the caller read
  ARGV[3] offset the caller read
  ARGV[4] new epoch
  ARGV[5] cell channel
  ARGV[6] aggregate channel
  ARGV[7] aggregate cell
  ARGV[8] number of free spaces
  ARGV[9] number of spaces
  ARGV[10..] space id, canonical JSON, space id, canonical JSON, ...

  Returns { code, epoch, offset }:
    1  rebuilt (new epoch, offset 0)
    2  cleared: the ledger holds no space there (epoch "", offset 0)
    0  not built, or moved on since the caller read it (its epoch and offset): nothing changed
]]
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then return { 0, '', 0 } end
local offset = redis.call('HGET', KEYS[1], 'offset')
if epoch ~= ARGV[2] or tonumber(offset) ~= tonumber(ARGV[3]) then
  return { 0, epoch, tonumber(offset) }
end

local oldFree, oldTotal = 0, 0
local values = redis.call('HVALS', KEYS[2])
for i = 1, #values do
  oldTotal = oldTotal + 1
  local ok, space = pcall(cjson.decode, values[i])
  if ok and type(space) == 'table' and space.state == 'available' then oldFree = oldFree + 1 end
end

redis.call('DEL', KEYS[2], KEYS[3])
local free, total = tonumber(ARGV[8]), tonumber(ARGV[9])
local code, newEpoch = 1, ARGV[4]
if total == 0 then
  redis.call('DEL', KEYS[1])
  code, newEpoch = 2, ''
else
  local batch = {}
  for i = 10, #ARGV, 2 do
    batch[#batch + 1] = ARGV[i]
    batch[#batch + 1] = ARGV[i + 1]
    if #batch >= 1000 then
      redis.call('HSET', KEYS[2], unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then redis.call('HSET', KEYS[2], unpack(batch)) end
  redis.call('HSET', KEYS[1], 'epoch', newEpoch, 'offset', 0)
end

if oldFree ~= free or oldTotal ~= total then
  local f = redis.call('HINCRBY', KEYS[4], 'free', free - oldFree)
  local all = redis.call('HINCRBY', KEYS[4], 'total', total - oldTotal)
  local version = redis.call('HINCRBY', KEYS[4], 'version', 1)
  redis.call('SPUBLISH', ARGV[6], '{"type":"aggregate","cell":"' .. ARGV[7] .. '","free":' .. f
    .. ',"total":' .. all .. ',"version":' .. version .. '}')
end
if code == 1 then
  redis.call('SPUBLISH', ARGV[5], '{"type":"cell_reset","cell":"' .. ARGV[1] .. '","epoch":"' .. newEpoch .. '"}')
else
  redis.call('SPUBLISH', ARGV[5], '{"type":"cell_reset","cell":"' .. ARGV[1] .. '"}')
end
return { code, newEpoch, 0 }
