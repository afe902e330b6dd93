-- Shared by every fenced script: true when the shard's lease is held by `owner` at exactly `epoch`.
-- A missing lease (expired) or a different owner/epoch (granted to someone else since) fails the check.
local function holdsLease(leaseKey, owner, epoch)
  local lease = redis.call('HMGET', leaseKey, 'owner', 'epoch')
  return lease[1] == owner and lease[2] == epoch
end
