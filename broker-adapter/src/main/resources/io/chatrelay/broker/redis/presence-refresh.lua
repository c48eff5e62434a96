-- Renews a node's entries of one or more topics whose keys share one hash slot (on a single Redis:
-- any topics); recreates entries that were swept meanwhile. One call per batch of topics, not per
-- topic: every connection has its own inbox topic, so a refresh covers thousands of them.
-- KEYS, four per topic: entries, counts, names, index
-- ARGV[1] node, ARGV[2] ttl ms, then per topic in KEYS order: the number of its members n, then n
-- pairs member, display name
-- Returns {topic number (from 1), member, topic number, member, ...}: the members that were
-- present on no node before (their joins are announced again). Every member refreshed is (re)put
-- in its topic's index, which heals an index older than its entries.
--!include now
local back = {}
local expiry = now + tonumber(ARGV[2])
local a = 3
for t = 1, #KEYS / 4 do
  local k = (t - 1) * 4
  local n = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, n do
    local member, name = ARGV[a], ARGV[a + 1]
    a = a + 2
    if redis.call('ZADD', KEYS[k + 1], expiry, member .. '|' .. ARGV[1]) == 1 then
      redis.call('HSET', KEYS[k + 3], member, name)
      if redis.call('HINCRBY', KEYS[k + 2], member, 1) == 1 then
        table.insert(back, t)
        table.insert(back, member)
      end
    end
    redis.call('ZADD', KEYS[k + 4], 0, member)
  end
end
return back
