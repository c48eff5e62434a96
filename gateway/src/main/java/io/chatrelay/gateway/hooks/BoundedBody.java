package io.chatrelay.gateway.hooks;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a bound: a larger one fails the request (with
 * {@link TooLarge}) and the rest is not read. What the application answers is not trusted to be
 * small.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** A body over the bound. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(int max) {
            super("response body larger than " + max + " bytes");
        }
    }

    private final int max;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private byte[] data = new byte[0];
    private int size;
    private Flow.Subscription subscription;

    private BoundedBody(int max) {
        this.max = max;
    }

    /**
     * A body handler whose bodies are at most {@code max} bytes.
     *
     * @param max the bound
     * @return the handler
     */
    static HttpResponse.BodyHandler<byte[]> atMost(int max) {
        return info -> new BoundedBody(max);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : buffers) {
            int n = b.remaining();
            if (size + n > max) {
                subscription.cancel();
                result.completeExceptionally(new TooLarge(max));
                return;
            }
            if (size + n > data.length) {
                data = java.util.Arrays.copyOf(data, Math.min(max, Math.max(size + n, data.length * 2 + 256)));
            }
            b.get(data, size, n);
            size += n;
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(java.util.Arrays.copyOf(data, size));
    }
}
