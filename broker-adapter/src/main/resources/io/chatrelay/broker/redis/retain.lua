-- Included by the scripts that append to a topic's stream. ARGV[3] is its retention: "<max len>"
-- (XADD MAXLEN ~), or "<max len>:<min age ms>:<hard cap>": frames younger than the min age stay
-- past the max len, up to the hard cap (both approximate, like MAXLEN ~). Sets retain_cap, the
-- MAXLEN of the XADD, and retain_trim(key), called after it, which trims by age what is over the
-- max len (XTRIM MINID ~, evicting at most the excess), in Redis server time.
local retain_len, retain_age, retain_cap = string.match(ARGV[3], '^(%d+):(%d+):(%d+)$')
if retain_len == nil then
  retain_len, retain_age, retain_cap = ARGV[3], '0', ARGV[3]
end
local function retain_trim(key)
  if tonumber(retain_age) == 0 then
    return
  end
  local excess = redis.call('XLEN', key) - tonumber(retain_len)
  if excess <= 0 then
    return
  end
  local t = redis.call('TIME')
  local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(retain_age)
  redis.call('XTRIM', key, 'MINID', '~', string.format('%.0f', cutoff), 'LIMIT', excess)
end
