--[[
  dead_letter: sets aside a command whose processing kept failing, in one fenced step, so its actor
  goes on with the next one: the entry goes to the shard's dead-letter stream (capped, oldest dropped
  first), its mailbox entry is acked and its caller gets a failure reply. The failure is not stored
  as the command's reply, so a resend of the same command id runs again.
  KEYS[1] lease hash  KEYS[2] mailbox stream  KEYS[3] dead-letter stream
  ARGV[1] owner  ARGV[2] epoch  ARGV[3] consumer group  ARGV[4] most entries kept (MAXLEN ~)
  ARGV[5] mailbox entry id  ARGV[6] envelope as it was in the mailbox  ARGV[7] error message
  ARGV[8] attempts made  ARGV[9] when it was set aside (ms)  ARGV[10] consumer that set it aside
  ARGV[11] reply channel ('' when nobody waits)  ARGV[12] reply
  Returns 1: set aside;  -1: stale epoch (nothing written).
]]
-- @include "includes/fence.lua"
if not holdsLease(KEYS[1], ARGV[1], ARGV[2]) then return -1 end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*',
  'entry', ARGV[5], 'e', ARGV[6], 'error', ARGV[7], 'attempts', ARGV[8], 'at', ARGV[9], 'consumer', ARGV[10])
redis.call('XACK', KEYS[2], ARGV[3], ARGV[5])
if ARGV[11] ~= '' then redis.call('PUBLISH', ARGV[11], ARGV[12]) end
return 1
