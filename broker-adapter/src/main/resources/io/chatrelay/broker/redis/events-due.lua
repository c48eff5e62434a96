-- Hands the events whose retry wait is over to a consumer: an event handed out n times is due
-- once it has been idle backoff * 2^(n-1) ms (at most max backoff), whoever holds it (a consumer
-- that died, or this one after a failed delivery). Claiming increments its delivery count.
-- KEYS[1] the event stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] backoff ms, ARGV[4] max backoff ms, ARGV[5] the most to hand out
-- Returns {{id, body, deliveries}, ...}
local backoff = tonumber(ARGV[3])
local maxBackoff = tonumber(ARGV[4])
local want = tonumber(ARGV[5])
local out = {}
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', backoff, '-', '+', 200)
for _, p in ipairs(pending) do
  if #out >= want then
    break
  end
  local id, idle, n = p[1], tonumber(p[3]), tonumber(p[4])
  local wait = math.min(maxBackoff, backoff * 2 ^ math.min(n - 1, 20))
  if idle >= wait then
    local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
    local entry = claimed[1]
    if entry and entry ~= false and entry[2] then
      local body = ''
      for i = 1, #entry[2], 2 do
        if entry[2][i] == 'b' then
          body = entry[2][i + 1]
        end
      end
      table.insert(out, {id, body, n + 1})
    end
  end
end
return out
