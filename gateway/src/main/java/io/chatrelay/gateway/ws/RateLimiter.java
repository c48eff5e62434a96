package io.chatrelay.gateway.ws;

/**
 * A token bucket per connection: {@code rate} frames per second sustained, {@code burst} at once.
 * A frame over the limit is refused ({@code rate_limited}); a connection that keeps sending
 * after {@code burst} refusals in a row is abusing it and is closed with 1008.
 */
final class RateLimiter {
    /** What to do with a frame. */
    enum Verdict {
        /** Serve it. */
        ALLOW,
        /** Refuse it with {@code rate_limited}. */
        REFUSE,
        /** Close the connection with 1008. */
        CLOSE
    }

    private final double ratePerNano;
    private final double burst;
    private double tokens;
    private long last;
    private int refusedInRow;

    RateLimiter(int ratePerSecond, int burst, long nowNanos) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.last = nowNanos;
    }

    /** Called by the connection's own thread for each frame. */
    Verdict onFrame(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - last) * ratePerNano);
        last = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            refusedInRow = 0;
            return Verdict.ALLOW;
        }
        refusedInRow++;
        return refusedInRow > burst ? Verdict.CLOSE : Verdict.REFUSE;
    }
}
