-- Renews a node's entries of one topic; recreates entries that were swept meanwhile.
-- KEYS[1] entries, KEYS[2] counts, KEYS[3] names, KEYS[4] index; ARGV[1] node, ARGV[2] ttl ms,
-- ARGV[3..] member, display name, member, display name...
-- Returns the members that were present on no node before (their joins are announced again).
-- Every member refreshed is (re)put in the index, which heals an index older than its entries.
--!include now
local back = {}
for i = 3, #ARGV, 2 do
  local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[i] .. '|' .. ARGV[1])
  if added == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
    if redis.call('HINCRBY', KEYS[2], ARGV[i], 1) == 1 then
      table.insert(back, ARGV[i])
    end
  end
  redis.call('ZADD', KEYS[4], 0, ARGV[i])
end
return back
