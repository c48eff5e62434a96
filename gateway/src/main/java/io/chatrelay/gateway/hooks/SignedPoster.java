package io.chatrelay.gateway.hooks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Signed JSON POSTs to the application with the JDK {@link HttpClient}: HTTP/1.1 connections kept
 * alive and reused (the client's pool), no redirects followed, every exchange bounded in time
 * (connect, answer and body together) and its answer in bytes. One per concern (hooks, webhooks),
 * so that a slow webhook receiver never holds up a join.
 */
final class SignedPoster implements AutoCloseable {
    /** Header naming the gateway that sends. */
    static final String NODE_HEADER = "Chat-Relay-Node";

    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("app-http-", 0).factory());
    private final HttpClient client;
    private final Signature signature;
    private final Duration timeout;
    private final int maxResponse;
    private final String node;
    private final LongSupplier clock;

    /**
     * Creates a poster.
     *
     * @param secret      the signing secret
     * @param timeout     the bound of one exchange
     * @param maxResponse the most bytes of an answer read
     * @param node        this gateway's node id (a header)
     * @param clock       epoch milliseconds (the signature's timestamp)
     */
    SignedPoster(String secret, Duration timeout, int maxResponse, String node, LongSupplier clock) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
        this.signature = new Signature(secret);
        this.timeout = timeout;
        this.maxResponse = maxResponse;
        this.node = node;
        this.clock = clock;
    }

    /**
     * POSTs a JSON body, signed.
     *
     * @param uri     where
     * @param body    the body (the exact bytes signed)
     * @param headers more headers
     * @return the answer; fails with a {@link java.util.concurrent.TimeoutException} after the
     *         timeout (the exchange is then cancelled), with {@link BoundedBody.TooLarge} for an
     *         answer over the bound, or with the I/O error
     */
    CompletableFuture<HttpResponse<byte[]>> post(URI uri, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header(Signature.HEADER, signature.sign(clock.getAsLong() / 1000, body))
                .header(NODE_HEADER, node)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = client.sendAsync(request.build(), BoundedBody.atMost(maxResponse));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        // the request timeout bounds the wait for the headers; this one bounds the body too
        CompletableFuture<HttpResponse<byte[]>> bounded = exchange.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        bounded.whenComplete((response, error) -> {
            if (error != null) {
                exchange.cancel(true);
            }
        });
        return bounded;
    }

    @Override
    public void close() {
        client.shutdownNow();
        executor.shutdownNow();
    }
}
