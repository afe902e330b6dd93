--[[
  acquire_lease: grants a shard's lease to an owner when it is free (or already that owner's), always
  with a new epoch one higher than any epoch granted before, so a holder that lost the lease is fenced.
  KEYS[1] lease hash {owner, epoch}, with a TTL
  KEYS[2] epoch counter (no TTL: epochs never go back)
  ARGV[1] owner (worker incarnation id)
  ARGV[2] lease TTL in ms
  Returns {1, epoch}: granted;  {0, epoch}: held by another owner at that epoch.
]]
local holder = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
if holder[1] and holder[1] ~= ARGV[1] then
  return {0, tonumber(holder[2])}
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', epoch)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, epoch}
