-- Removes a node's presence entry of a member (ARGV[3] = 0), or lets it expire after a grace
-- (ARGV[3] > 0 ms; the sweep removes it later).
-- KEYS[1] entries, KEYS[2] counts, KEYS[3] names, KEYS[4] index; ARGV[1] member, ARGV[2] node, ARGV[3] grace ms
-- Returns {1 if the member is now present on no node, members present after} ({0, 0} with a grace).
local entry = ARGV[1] .. '|' .. ARGV[2]
if tonumber(ARGV[3]) > 0 then
--!include now
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[3]), entry)
  return {0, 0}
end
if redis.call('ZREM', KEYS[1], entry) == 1 then
  if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
    redis.call('ZREM', KEYS[4], ARGV[1])
    return {1, redis.call('ZCARD', KEYS[4])}
  end
end
return {0, redis.call('ZCARD', KEYS[4])}
