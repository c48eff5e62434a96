package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.gateway.Gateway;
import io.chatrelay.gateway.support.TestGateways;
import io.chatrelay.testkit.ChatClient;
import io.chatrelay.testkit.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hooks and webhooks through a real gateway (composition root, in-memory broker) and real
 * WebSocket clients, the application being an HTTP server in the test: a join hook refusal
 * reaches the client as {@code forbidden} with the app's reason, a rewrite is what members get,
 * the publish hook is asked only for the listed namespaces, the failure policy decides when the
 * app is slow, and every stored message becomes one signed webhook.
 */
class HooksIT {
    private static final String SECRET = "hooks-it-secret-0123456789abcdef-0123";
    private static final Receiver APP = new Receiver();
    private static Gateway closed;
    private static Gateway open;

    @BeforeAll
    static void start() {
        APP.answering(HooksIT::answer);
        closed = TestGateways.start("hooks-closed", env("closed"));
        open = TestGateways.start("hooks-open", env("open"));
    }

    private static Map<String, String> env(String failure) {
        Map<String, String> env = new HashMap<>();
        env.put("CHAT_NAMESPACES", "*=open,private=grant,support=hook");
        env.put("CHAT_HOOK_URL", APP.url("/hooks"));
        env.put("CHAT_HOOK_SECRET", SECRET);
        env.put("CHAT_HOOK_TIMEOUT", "PT0.5S");
        env.put("CHAT_HOOK_FAILURE", failure);
        env.put("CHAT_HOOK_PUBLISH", "support");
        env.put("CHAT_WEBHOOK_URL", APP.url("/webhooks"));
        env.put("CHAT_WEBHOOK_SECRET", SECRET);
        env.put("CHAT_WEBHOOK_EVENTS", "message.created");
        env.put("CHAT_WEBHOOK_TIMEOUT", "PT2S");
        env.put("CHAT_WEBHOOK_BACKOFF", "PT3S");
        return env;
    }

    @AfterAll
    static void stop() {
        closed.close();
        open.close();
        APP.close();
    }

    /** The application: agents only in support rooms, no spam, no "darn", and slow for support:slow. */
    private static Receiver.Answer answer(Receiver.Request r) {
        JsonNode body = r.json();
        return switch (r.path()) {
            case "/hooks/join" -> body.path("room").asText().equals("support:slow") ? Receiver.Answer.late(Duration.ofSeconds(3))
                    : body.path("name").asText().startsWith("agent") ? Receiver.Answer.ok("{\"allow\":true}")
                    : Receiver.Answer.ok("{\"allow\":false,\"reason\":\"agents only\"}");
            case "/hooks/publish" -> body.path("text").asText().contains("spam") ? Receiver.Answer.ok("{\"allow\":false,\"reason\":\"no spam here\"}")
                    : Receiver.Answer.ok("{\"allow\":true,\"text\":\"" + body.path("text").asText().replace("darn", "d**n") + "\"}");
            default -> Receiver.Answer.status(204);
        };
    }

    private static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void theJoinHooksRefusalReachesTheClientAsForbiddenWithItsReason() {
        String room = "support:" + unique();
        try (ChatClient agent = ChatClient.connect(closed.port(), "agent-" + unique());
             ChatClient mallory = ChatClient.connect(closed.port(), "mallory-" + unique())) {
            agent.send(Frames.join(room));
            agent.next(Frames.joined(room));
            mallory.send(Frames.join(room));

            JsonNode error = mallory.next(Frames.error("forbidden"));

            assertThat(error.path("message").asText()).isEqualTo("agents only");
            assertThat(APP.requests("/hooks/join")).extracting(r -> r.json().path("room").asText()).contains(room);
        }
    }

    @Test
    void aRewriteIsWhatTheMembersGetAndARefusalStoresNothing() {
        String room = "support:" + unique();
        try (ChatClient a = ChatClient.connect(closed.port(), "agent-a-" + unique());
             ChatClient b = ChatClient.connect(closed.port(), "agent-b-" + unique())) {
            a.send(Frames.join(room));
            a.next(Frames.joined(room));
            b.send(Frames.join(room));
            b.next(Frames.joined(room));

            a.send(Frames.send(room, "buy spam now", "s1"));
            JsonNode refused = a.next(Frames.error("forbidden"));
            a.send(Frames.send(room, "oh darn", "s2"));
            JsonNode got = b.next(Frames.message(room));

            assertThat(refused.path("message").asText()).isEqualTo("no spam here");
            assertThat(refused.path("ref").asText()).isEqualTo("s1");
            assertThat(got.path("text").asText()).as("the first message stored is the rewritten one").isEqualTo("oh d**n");
            a.next(Frames.ack("s2"));
        }
    }

    @Test
    void thePublishHookIsNotAskedForNamespacesNotListed() {
        String room = "open-" + unique();
        try (ChatClient a = ChatClient.connect(closed.port(), "agent-" + unique())) {
            a.send(Frames.join(room));
            a.next(Frames.joined(room));
            a.send(Frames.send(room, "oh darn", "p1"));
            a.next(Frames.ack("p1"));
            JsonNode echoed = a.next(Frames.message(room));

            assertThat(echoed.path("text").asText()).isEqualTo("oh darn");
            assertThat(APP.requests("/hooks/publish")).noneMatch(r -> r.json().path("room").asText().equals(room));
        }
    }

    @Test
    void aSlowApplicationIsARefusalWhenClosedAndAnAdmissionWhenOpen() {
        try (ChatClient c = ChatClient.connect(closed.port(), "agent-" + unique());
             ChatClient o = ChatClient.connect(open.port(), "agent-" + unique())) {
            long t0 = System.nanoTime();
            c.send(Frames.join("support:slow"));
            JsonNode refused = c.next(Frames.error("forbidden"));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            o.send(Frames.join("support:slow"));
            o.next(Frames.joined("support:slow"));

            assertThat(refused.path("message").asText()).isEqualTo(HttpHooks.UNAVAILABLE);
            assertThat(tookMs).as("the join waited the hook timeout, not the app").isLessThan(2500);
        }
    }

    @Test
    void everyStoredMessageBecomesOneSignedWebhookWithTheMessageAsStored() {
        String room = "wh-" + unique();
        try (ChatClient a = ChatClient.connect(closed.port(), "writer-" + unique())) {
            a.send(Frames.join(room));
            a.next(Frames.joined(room));
            for (int i = 0; i < 5; i++) {
                a.send(Frames.send(room, "hello " + i, "w" + i));
            }
            List<JsonNode> stored = a.next(Frames.message(room), 5);

            await().atMost(Duration.ofSeconds(10)).until(() -> webhooksOf(room).size() >= 5);
            List<Receiver.Request> hooks = webhooksOf(room);
            assertThat(hooks).hasSize(5);
            assertThat(hooks).extracting(Receiver.Request::eventId).doesNotHaveDuplicates();
            assertThat(hooks).extracting(r -> r.json().path("message_id").asText())
                    .containsExactlyInAnyOrderElementsOf(stored.stream().map(m -> m.path("id").asText()).toList());
            for (Receiver.Request r : hooks) {
                JsonNode event = r.json();
                JsonNode message = stored.stream().filter(m -> m.path("id").asText().equals(event.path("message_id").asText()))
                        .findFirst().orElseThrow();
                assertThat(event.path("type").asText()).isEqualTo("message.created");
                assertThat(event.path("node").asText()).isEqualTo("hooks-closed");
                assertThat(event.path("message")).isEqualTo(message);
                assertThat(r.eventId()).isEqualTo(event.path("id").asText());
                assertThat(new Signature(SECRET).verify(r.signature(), r.body(), System.currentTimeMillis() / 1000,
                        Duration.ofMinutes(5))).isTrue();
            }
        }
    }

    private static List<Receiver.Request> webhooksOf(String room) {
        return APP.requests("/webhooks").stream().filter(r -> r.json().path("room").asText().equals(room)).toList();
    }
}
