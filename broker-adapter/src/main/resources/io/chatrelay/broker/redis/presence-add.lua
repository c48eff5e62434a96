-- Creates or renews a node's presence entry of a member.
-- KEYS[1] entries (sorted set "member|node" scored by expiry), KEYS[2] counts (hash member -> entries),
-- KEYS[3] names (hash member -> display name), KEYS[4] index (sorted set of the members present, by id)
-- ARGV[1] member, ARGV[2] node, ARGV[3] ttl ms, ARGV[4] display name
-- Returns {1 if the member was present on no node before, members present after}. Cost
-- independent of the topic's size.
--!include now
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1] .. '|' .. ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
if added == 1 and redis.call('HINCRBY', KEYS[2], ARGV[1], 1) == 1 then
  redis.call('ZADD', KEYS[4], 0, ARGV[1])
  return {1, redis.call('ZCARD', KEYS[4])}
end
return {0, redis.call('ZCARD', KEYS[4])}
