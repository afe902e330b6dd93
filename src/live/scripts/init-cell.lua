--[[
  Installs a cell's state rebuilt from PostgreSQL under a new epoch, unless someone else built it
  first or a change was missed since the rebuild started reading (then the caller reads again).
  Adds the cell's counts to its aggregate parent and publishes `cell_reset` so gateways re-snapshot.

  KEYS[1] cell meta hash
  KEYS[2] cell spaces hash
  KEYS[3] cell history stream
  KEYS[4] cell miss counter
  KEYS[5] aggregate counts hash

  ARGV[1] map cell
  ARGV[2] miss counter value read before PostgreSQL was read ("" when absent)
  ARGV[3] new epoch
  ARGV[4] cell channel
  ARGV[5] aggregate channel
  ARGV[6] aggregate cell
  ARGV[7] number of free spaces
  ARGV[8] number of spaces
  ARGV[9..] space id, canonical JSON, space id, canonical JSON, ...

  Returns { code, epoch, offset }:
    1  installed (offset 0)
    0  already built by someone else (its epoch and offset)
   -1  a change was missed meanwhile: read PostgreSQL again
]]
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if epoch then
  return { 0, epoch, tonumber(redis.call('HGET', KEYS[1], 'offset')) }
end
local missed = redis.call('GET', KEYS[4]) or ''
if missed ~= ARGV[2] then
  return { -1, '', 0 }
end

redis.call('DEL', KEYS[2], KEYS[3])
local batch = {}
for i = 9, #ARGV, 2 do
  batch[#batch + 1] = ARGV[i]
  batch[#batch + 1] = ARGV[i + 1]
  if #batch >= 1000 then
    redis.call('HSET', KEYS[2], unpack(batch))
    batch = {}
  end
end
if #batch > 0 then redis.call('HSET', KEYS[2], unpack(batch)) end
redis.call('HSET', KEYS[1], 'epoch', ARGV[3], 'offset', 0)

local total = tonumber(ARGV[8])
if total > 0 then
  local free = redis.call('HINCRBY', KEYS[5], 'free', tonumber(ARGV[7]))
  local all = redis.call('HINCRBY', KEYS[5], 'total', total)
  local version = redis.call('HINCRBY', KEYS[5], 'version', 1)
  redis.call('SPUBLISH', ARGV[5], '{"type":"aggregate","cell":"' .. ARGV[6] .. '","free":' .. free
    .. ',"total":' .. all .. ',"version":' .. version .. '}')
end
redis.call('SPUBLISH', ARGV[4], '{"type":"cell_reset","cell":"' .. ARGV[1] .. '","epoch":"' .. ARGV[3] .. '"}')
return { 1, ARGV[3], 0 }
