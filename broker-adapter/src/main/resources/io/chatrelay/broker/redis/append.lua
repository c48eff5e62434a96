-- Stores a frame in a topic's stream and publishes it, atomically (one script on the topic's shard),
-- at most once per dedup key within its window.
-- KEYS[1] stream, KEYS[2] shard channel, KEYS[3] dedup key (all in the topic's hash slot)
-- ARGV[1] head, ARGV[2] tail (the frame is head .. id .. tail; just head when ARGV[9] is '1'),
-- ARGV[3] retention (see retain.lua: approximate max length, or max length, min age and hard cap), ARGV[4] kind, ARGV[5] sender, ARGV[6] ts (epoch ms),
-- ARGV[7] idle ttl ms (0: none), ARGV[8] dedup window ms (0: no deduplication), ARGV[9] fixed ('1'/'0')
-- Publishes "id\nkind\nsender\nts\nframe". Returns {id, 0}, or {earlier id, 1} for a duplicate.
--!include retain
local window = tonumber(ARGV[8])
if window > 0 then
  local earlier = redis.call('GET', KEYS[3])
  if earlier then
    -- a write, so that a WAIT after this call also covers the first attempt's append (WAIT counts
    -- the writes of its own connection; the first attempt may have come over another one)
    redis.call('SET', KEYS[3], earlier, 'KEEPTTL')
    return {earlier, 1}
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', retain_cap, '*',
  'h', ARGV[1], 't', ARGV[2], 'k', ARGV[4], 's', ARGV[5], 'm', ARGV[6], 'f', ARGV[9])
retain_trim(KEYS[1])
if tonumber(ARGV[7]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
if window > 0 then
  redis.call('SET', KEYS[3], id, 'PX', window)
end
local frame
if ARGV[9] == '1' then frame = ARGV[1] else frame = ARGV[1] .. id .. ARGV[2] end
redis.call('SPUBLISH', KEYS[2], id .. '\n' .. ARGV[4] .. '\n' .. ARGV[5] .. '\n' .. ARGV[6] .. '\n' .. frame)
return {id, 0}
