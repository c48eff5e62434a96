package io.chatrelay.example;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.example.support.TestBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The app's webhook receiver: signatures checked, events deduplicated by id, kept (bounded) and shown to the admin. */
class WebhooksTest {
    private static final String SECRET = "webhook-secret-for-tests-0123456789ab";
    private final TestBackend app = TestBackend.start(Map.of("CHAT_WEBHOOK_SECRET", SECRET, "APP_EVENTS_KEPT", "3"));

    @AfterEach
    void stop() {
        app.close();
    }

    private static String event(String id) {
        return "{\"id\":\"" + id + "\",\"type\":\"message.created\",\"ts\":1,\"node\":\"gw-1\",\"room\":\"lobby\","
                + "\"message_id\":\"1-0\",\"message\":{\"type\":\"message\",\"id\":\"1-0\",\"text\":\"hi\"}}";
    }

    private HttpResponse<String> deliver(String id, String node, String attempt) {
        return app.signedPost("/chat/webhooks", event(id), SECRET, "Chat-Relay-Node", node, "Chat-Relay-Attempt", attempt);
    }

    private JsonNode events() {
        HttpResponse<String> r = app.adminGet("/chat/events");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestBackend.json(r);
    }

    @Test
    void takesASignedEventAndShowsItWithItsDelivery() {
        HttpResponse<String> r = deliver("e1", "gw-1", "1");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestBackend.json(r).path("new").asBoolean()).isTrue();
        JsonNode e = events().path("events").get(0);
        assertThat(e.path("id").asText()).isEqualTo("e1");
        assertThat(e.path("type").asText()).isEqualTo("message.created");
        assertThat(e.path("event").path("message").path("text").asText()).isEqualTo("hi");
        assertThat(e.path("deliveries").get(0).path("node").asText()).isEqualTo("gw-1");
        assertThat(e.path("deliveries").get(0).path("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void acknowledgesADuplicateButTakesItInOnce() {
        deliver("e1", "gw-1", "1");

        HttpResponse<String> again = deliver("e1", "gw-2", "2");

        assertThat(again.statusCode()).as("a duplicate is acknowledged, so that it stops coming").isEqualTo(200);
        assertThat(TestBackend.json(again).path("new").asBoolean(true)).isFalse();
        JsonNode all = events();
        assertThat(all.path("events")).hasSize(1);
        assertThat(all.path("events").get(0).path("deliveries")).hasSize(2);
        assertThat(all.path("duplicates").asInt()).isEqualTo(1);
    }

    @Test
    void refusesAForgedOrUnsignedEventAndCountsIt() {
        HttpResponse<String> forged = app.signedPost("/chat/webhooks", event("evil"), SECRET + "-guess");
        HttpResponse<String> unsigned = app.post("/chat/webhooks", event("evil"), null);
        String good = app.signedPost("/chat/webhooks", event("x"), SECRET).request().headers()
                .firstValue("Chat-Relay-Signature").orElseThrow();
        HttpResponse<String> otherBody = app.send(java.net.http.HttpRequest.newBuilder(app.uri("/chat/webhooks"))
                .header("Chat-Relay-Signature", good).POST(java.net.http.HttpRequest.BodyPublishers.ofString(event("evil"))).build());

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(otherBody.statusCode()).as("a signature of another body").isEqualTo(401);
        JsonNode all = events();
        assertThat(all.path("refused").asInt()).isEqualTo(3);
        assertThat(all.path("events")).extracting(e -> e.path("id").asText()).containsExactly("x");
    }

    @Test
    void keepsTheNewestEventsUpToItsBound() {
        for (String id : new String[] {"a", "b", "c", "d"}) {
            deliver(id, "gw-1", "1");
        }

        assertThat(events().path("events")).extracting(e -> e.path("id").asText()).containsExactly("b", "c", "d");
    }

    @Test
    void showsTheEventsOnlyWithTheAdminKey() {
        assertThat(app.get("/chat/events").statusCode()).isEqualTo(401);
    }

    @Test
    void answersAfterTheDelayTheAdminSetsAndShowsWhatIsUnanswered() throws Exception {
        assertThat(setDelay("{\"ms\":1500}", TestBackend.ADMIN_KEY).statusCode()).isEqualTo(200);

        long t0 = System.nanoTime();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> slow =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> deliver("slow", "gw-9", "1"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> events().path("events").size() == 1);
        JsonNode pending = events().path("events").get(0).path("deliveries").get(0);
        HttpResponse<String> answered = slow.get(10, java.util.concurrent.TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode done = events().path("events").get(0).path("deliveries").get(0);

        assertThat(pending.path("answered_at").isNull()).as("taken in, not answered yet").isTrue();
        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(tookMs).isGreaterThanOrEqualTo(1500);
        assertThat(done.path("answered_at").isNull()).isFalse();
    }

    @Test
    void letsOnlyTheAdminSetADelayWithinItsBound() {
        assertThat(setDelay("{\"ms\":10}", null).statusCode()).isEqualTo(401);
        assertThat(setDelay("{\"ms\":60001}", TestBackend.ADMIN_KEY).statusCode()).isEqualTo(400);
        assertThat(setDelay("{\"ms\":1.5}", TestBackend.ADMIN_KEY).statusCode()).isEqualTo(400);
        assertThat(setDelay("{\"ms\":-1}", TestBackend.ADMIN_KEY).statusCode()).isEqualTo(400);
    }

    private HttpResponse<String> setDelay(String body, String bearer) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(app.uri("/chat/webhooks/delay"))
                .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return app.send(b.build());
    }

    @Test
    void refusesASignedBodyThatIsNoEvent() {
        assertThat(app.signedPost("/chat/webhooks", "{\"type\":\"message.created\"}", SECRET).statusCode()).isEqualTo(400);
        assertThat(app.signedPost("/chat/webhooks", "[1]", SECRET).statusCode()).isEqualTo(400);
    }
}
