-- Sets a user's restriction (ban or mute) in a room, within the room's bound: when the room is at
-- its bound, expired restrictions are removed first; if it is still full, nothing is stored.
-- KEYS[1] the room's hash of restrictions of one kind (user -> "since|until|reason")
-- ARGV[1] user, ARGV[2] value, ARGV[3] now (epoch ms), ARGV[4] the bound
-- Returns 1 when stored, 0 when the room is full.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  local all = redis.call('HGETALL', KEYS[1])
  local now = tonumber(ARGV[3])
  for i = 1, #all, 2 do
    local untilMs = tonumber(string.match(all[i + 1], '^%d+|(%d+)|'))
    if untilMs ~= nil and untilMs ~= 0 and untilMs <= now then
      redis.call('HDEL', KEYS[1], all[i])
    end
  end
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
