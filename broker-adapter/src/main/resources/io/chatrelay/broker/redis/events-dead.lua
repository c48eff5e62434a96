-- Gives up on an event: copies it to the dead letters (bounded) and acknowledges it, atomically.
-- KEYS[1] the event stream, KEYS[2] the dead letters (same slot)
-- ARGV[1] group, ARGV[2] id, ARGV[3] body, ARGV[4] reason, ARGV[5] the dead letters' bound
-- Returns 1 if the event was pending, 0 if someone had acknowledged it already.
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'b', ARGV[3], 'r', ARGV[4], 'id', ARGV[2])
end
return acked
