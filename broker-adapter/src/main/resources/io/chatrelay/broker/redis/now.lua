-- Included by presence scripts: the Redis server's time in epoch milliseconds (gateways' clocks do not matter).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
