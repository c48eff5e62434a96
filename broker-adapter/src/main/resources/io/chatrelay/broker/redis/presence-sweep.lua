-- Removes expired entries of one or more topics whose keys share one hash slot (on a single Redis:
-- any topics), at most ARGV[1] entries in all per call, so that no sweep blocks Redis long.
-- KEYS, four per topic: entries, counts, names, index
-- Returns, per topic in KEYS order: {entries left, expired entries may be left (0 or 1), members
-- present after, n, then n pairs member, name} for the members now present on no node. A topic
-- the budget did not reach reports {1, 1, -1, 0}: not swept, to be swept again.
--!include now
local budget = tonumber(ARGV[1])
local result = {}
for t = 1, #KEYS / 4 do
  local k = (t - 1) * 4
  if budget <= 0 then
    table.insert(result, 1)
    table.insert(result, 1)
    table.insert(result, -1)
    table.insert(result, 0)
  else
    local expired = redis.call('ZRANGEBYSCORE', KEYS[k + 1], '-inf', now, 'LIMIT', 0, budget)
    local gone = {}
    for _, e in ipairs(expired) do
      redis.call('ZREM', KEYS[k + 1], e)
      local member = string.match(e, '^(.*)|[^|]*$')
      if member and redis.call('HINCRBY', KEYS[k + 2], member, -1) <= 0 then
        redis.call('HDEL', KEYS[k + 2], member)
        local name = redis.call('HGET', KEYS[k + 3], member)
        redis.call('HDEL', KEYS[k + 3], member)
        redis.call('ZREM', KEYS[k + 4], member)
        table.insert(gone, member)
        table.insert(gone, name or member)
      end
    end
    local left = redis.call('ZCARD', KEYS[k + 1])
    local more = 0
    if #expired == budget then
      more = 1
    end
    budget = budget - #expired
    if left == 0 then
      redis.call('DEL', KEYS[k + 2], KEYS[k + 3], KEYS[k + 4])
    end
    table.insert(result, left)
    table.insert(result, more)
    table.insert(result, redis.call('ZCARD', KEYS[k + 4]))
    table.insert(result, #gone / 2)
    for _, v in ipairs(gone) do
      table.insert(result, v)
    end
  end
end
return result
