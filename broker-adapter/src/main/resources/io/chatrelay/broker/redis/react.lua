-- Adds a member to (or removes it from) a counted set of a topic and, when that changed the set,
-- stores and publishes a frame carrying the set's new size, atomically (one script on the topic's shard).
-- The set belongs to a group (the reactions of one message) that may hold at most a cap of
-- non-empty sets: a member that would start a new set in a full group is refused.
-- KEYS[1] stream, KEYS[2] shard channel, KEYS[3] the set, KEYS[4] the group (all in the topic's hash slot)
-- ARGV[1] head, ARGV[2] tail (the frame is head .. id .. '","count":' .. size .. tail),
-- ARGV[3] retention (see retain.lua), ARGV[4] kind, ARGV[5] sender, ARGV[6] ts (epoch ms),
-- ARGV[7] idle ttl ms (0: none), ARGV[8] member, ARGV[9] '1' to add, '0' to remove,
-- ARGV[10] the set's name in the group, ARGV[11] the group's cap of sets
-- Returns {id, size}; {'', size} when the set did not change (nothing stored or published);
-- {'', -1} when the group is full.
--!include retain
local changed
if ARGV[9] == '1' then
  if redis.call('SCARD', KEYS[3]) == 0 and redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[11]) then
    return {'', -1}
  end
  changed = redis.call('SADD', KEYS[3], ARGV[8])
else
  changed = redis.call('SREM', KEYS[3], ARGV[8])
end
local size = redis.call('SCARD', KEYS[3])
if changed == 0 then
  return {'', size}
end
if size == 0 then
  redis.call('SREM', KEYS[4], ARGV[10])
else
  redis.call('SADD', KEYS[4], ARGV[10])
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', retain_cap, '*',
  'h', ARGV[1], 't', ARGV[2], 'k', ARGV[4], 's', ARGV[5], 'm', ARGV[6], 'f', 'c', 'c', tostring(size))
retain_trim(KEYS[1])
if tonumber(ARGV[7]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
  redis.call('PEXPIRE', KEYS[4], ARGV[7])
end
local frame = ARGV[1] .. id .. '","count":' .. size .. ARGV[2]
redis.call('SPUBLISH', KEYS[2], id .. '\n' .. ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. ARGV[6] .. '\n' .. frame)
return {id, size}
