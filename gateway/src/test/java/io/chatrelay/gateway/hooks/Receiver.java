package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The application in a test: an HTTP server on 127.0.0.1 (JDK {@code com.sun.net.httpserver})
 * that keeps every request it gets and answers what the test tells it to, after an optional delay.
 */
final class Receiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A request received. */
    record Request(String path, String signature, String eventId, String attempt, String hook, String node, byte[] body,
                   long receivedAt) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** An answer: a status, a body, and how long to wait before it. */
    record Answer(int status, String body, Duration delay) {
        static Answer ok(String body) {
            return new Answer(200, body, Duration.ZERO);
        }

        static Answer status(int status) {
            return new Answer(status, "", Duration.ZERO);
        }

        static Answer late(Duration delay) {
            return new Answer(200, "{\"allow\":true}", delay);
        }
    }

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Answer> answers = r -> Answer.ok("{\"allow\":true}");

    Receiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var h = exchange.getRequestHeaders();
            Request request = new Request(exchange.getRequestURI().getPath(), h.getFirst(Signature.HEADER),
                    h.getFirst(WebhookDispatcher.EVENT_ID), h.getFirst(WebhookDispatcher.ATTEMPT), h.getFirst(HttpHooks.HOOK),
                    h.getFirst(SignedPoster.NODE_HEADER), exchange.getRequestBody().readAllBytes(), System.currentTimeMillis());
            requests.add(request);
            Answer answer = answers.apply(request);
            if (!answer.delay().isZero()) {
                try {
                    Thread.sleep(answer.delay()); // the application being slow: what the test is about
                } catch (InterruptedException e) {
                    return;
                }
            }
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
        } catch (IOException e) {
            // the gateway gave up on the request (its timeout): nothing to answer
        }
    }

    /** Answers with this from now on. */
    Receiver answering(Function<Request, Answer> answers) {
        this.answers = answers;
        return this;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
