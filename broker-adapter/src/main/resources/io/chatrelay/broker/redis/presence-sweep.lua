-- Removes up to ARGV[1] expired entries of one topic.
-- KEYS[1] entries, KEYS[2] counts, KEYS[3] names, KEYS[4] index
-- Returns {entries left, expired entries still left (0 or 1), members present after, member, name,
-- member, name...} for the members now present on no node.
--!include now
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local result = {0, 0, 0}
for _, e in ipairs(expired) do
  redis.call('ZREM', KEYS[1], e)
  local member = string.match(e, '^(.*)|[^|]*$')
  if member and redis.call('HINCRBY', KEYS[2], member, -1) <= 0 then
    redis.call('HDEL', KEYS[2], member)
    local name = redis.call('HGET', KEYS[3], member)
    redis.call('HDEL', KEYS[3], member)
    redis.call('ZREM', KEYS[4], member)
    table.insert(result, member)
    table.insert(result, name or member)
  end
end
result[1] = redis.call('ZCARD', KEYS[1])
result[3] = redis.call('ZCARD', KEYS[4])
if #expired == tonumber(ARGV[1]) then result[2] = 1 end
if result[1] == 0 then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4]) end
return result
