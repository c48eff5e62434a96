package io.chatrelay.broker.redis;

/** The Lua scripts of the Redis broker. Each runs atomically on the topic's shard. */
final class RedisScripts {
    /**
     * KEYS: stream, channel (same hash slot). ARGV: head, tail, maxlen. Stores, publishes
     * {@code id\nframe} on the shard channel, returns id.
     */
    static final String APPEND = """
            local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'h', ARGV[1], 't', ARGV[2])
            redis.call('SPUBLISH', KEYS[2], id .. '\\n' .. ARGV[1] .. id .. ARGV[2])
            return id
            """;

    private static final String NOW = """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function alive(key, member, except)
              local prefix = member .. '|'
              for _, e in ipairs(redis.call('ZRANGEBYSCORE', key, '(' .. now, '+inf')) do
                if e ~= except and string.sub(e, 1, #prefix) == prefix then return true end
              end
              return false
            end
            """;

    /** KEYS: presence. ARGV: member, node, ttl. Returns 1 if newly present anywhere. */
    static final String PRESENCE_ADD = NOW + """
            local entry = ARGV[1] .. '|' .. ARGV[2]
            local was = alive(KEYS[1], ARGV[1], entry)
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), entry)
            if was then return 0 else return 1 end
            """;

    /** KEYS: presence. ARGV: member, node. Returns 1 if now absent everywhere. */
    static final String PRESENCE_REMOVE = NOW + """
            redis.call('ZREM', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
            if alive(KEYS[1], ARGV[1], '') then return 0 else return 1 end
            """;

    /** KEYS: presence. ARGV: node, ttl, members... Extends this node's entries. */
    static final String PRESENCE_REFRESH = NOW + """
            for i = 3, #ARGV do
              redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[i] .. '|' .. ARGV[1])
            end
            return #ARGV - 2
            """;

    /**
     * KEYS: presence. Removes expired entries; returns the number of entries left, then the
     * members now absent everywhere.
     */
    static final String PRESENCE_SWEEP = NOW + """
            local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
            local gone = {0}
            if #expired > 0 then
              redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
              local seen = {}
              for _, e in ipairs(expired) do
                local member = string.match(e, '^(.*)|[^|]*$')
                if member and not seen[member] then
                  seen[member] = true
                  if not alive(KEYS[1], member, '') then table.insert(gone, member) end
                end
              end
            end
            gone[1] = redis.call('ZCARD', KEYS[1])
            return gone
            """;

    private RedisScripts() {
    }
}
