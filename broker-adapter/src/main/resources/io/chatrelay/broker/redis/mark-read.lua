-- Moves a user's read cursor in a room forward, never back.
-- KEYS[1] the room's cursors (hash user -> id, in the room's slot); ARGV[1] user, ARGV[2] id (<ms>-<seq>),
-- ARGV[3] ttl ms: the cursor is forgotten this long after the user's last read in the room
-- (a field expiry: Redis 7.4+)
-- Returns 1 if the cursor moved.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cm, cs = string.match(current, '^(%d+)-(%d+)$')
  local nm, ns = string.match(ARGV[2], '^(%d+)-(%d+)$')
  -- compare as numbers of equal-length strings (ids fit 19 digits: compare lengths, then text)
  local function less(a, b)
    if #a ~= #b then return #a < #b end
    return a < b
  end
  if cm and (less(nm, cm) or (nm == cm and not less(cs, ns))) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HPEXPIRE', KEYS[1], ARGV[3], 'FIELDS', 1, ARGV[1])
return 1
