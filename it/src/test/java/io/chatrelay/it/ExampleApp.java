package io.chatrelay.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The example app backend of {@code docker-compose.app.yml} as the tests reach it, on its
 * published port: logins (connection tokens), the webhook events it received
 * ({@code GET /chat/events}), its answer delay, and raw webhook POSTs.
 */
final class ExampleApp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** An event the app received, and its deliveries. */
    record Event(String id, String type, JsonNode body, List<Delivery> deliveries) {
    }

    /** One delivery: by which gateway, which try, whether the app answered it yet. */
    record Delivery(String node, int attempt, long at, boolean answered) {
    }

    private final URI base;
    private final String adminKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    ExampleApp(int port, String adminKey) {
        this.base = URI.create("http://127.0.0.1:" + port + "/");
        this.adminKey = adminKey;
    }

    /** A connection token of a demo user (its password is the README's). */
    String login(String user) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("login")).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"" + user + "\",\"password\":\"" + user + "-demo-password\"}")));
        if (r.statusCode() != 200) {
            throw new AssertionError("login of " + user + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** The events received, oldest first. */
    List<Event> events() throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("chat/events")).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminKey).GET());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /chat/events: " + r.statusCode() + " " + r.body());
        }
        List<Event> out = new ArrayList<>();
        for (JsonNode e : JSON.readTree(r.body()).path("events")) {
            List<Delivery> deliveries = new ArrayList<>();
            for (JsonNode d : e.path("deliveries")) {
                deliveries.add(new Delivery(d.path("node").asText(), d.path("attempt").asInt(), d.path("at").asLong(),
                        !d.path("answered_at").isNull()));
            }
            out.add(new Event(e.path("id").asText(), e.path("type").asText(), e.path("event"), deliveries));
        }
        return out;
    }

    /** The {@code message.created} events of a room. */
    List<Event> messagesOf(String room) throws IOException, InterruptedException {
        return events().stream().filter(e -> e.type().equals("message.created") && room.equals(e.body().path("room").asText()))
                .toList();
    }

    /** Makes the app answer each webhook this long after taking it in. */
    void delay(long ms) throws IOException, InterruptedException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("chat/webhooks/delay")).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"ms\":" + ms + "}")));
        if (r.statusCode() != 200) {
            throw new AssertionError("PUT /chat/webhooks/delay: " + r.statusCode() + " " + r.body());
        }
    }

    /**
     * POSTs to one of the app's admin endpoints ({@code /admin/announce}, {@code /admin/kick},
     * {@code /admin/ban}), which call chat-relay's server API.
     *
     * @return the app's answer
     */
    HttpResponse<String> admin(String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** POSTs a webhook body signed with a secret, as the gateway would; returns the status. */
    int postWebhook(String body, String secret) throws IOException, InterruptedException {
        long t = System.currentTimeMillis() / 1000;
        return send(HttpRequest.newBuilder(base.resolve("chat/webhooks")).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Chat-Relay-Signature", "t=" + t + ",v1=" + hmac(secret, t + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body))).statusCode();
    }

    private static String hmac(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
