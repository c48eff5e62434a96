package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatrelay.chat.ChatHooks.Verdict;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.gateway.config.HookSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HttpHooksTest {
    private static final String SECRET = "hook-secret-0123456789abcdef-012345";
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Identity ALICE = new Identity("alice", "Alice A.", false, List.of(), null);

    private final Receiver app = new Receiver();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private HttpHooks hooks;

    private HttpHooks hooks(boolean failOpen, String... publish) {
        hooks = new HttpHooks(new HookSettings(app.url("/hooks"), SECRET, TIMEOUT, failOpen, List.of(publish)), "gw-1",
                new HookMetrics(registry), System::currentTimeMillis);
        return hooks;
    }

    @AfterEach
    void stop() {
        if (hooks != null) {
            hooks.close();
        }
        app.close();
    }

    private double failures(String hook, String reason) {
        return registry.get("chat_hook_failures").tag("hook", hook).tag("reason", reason).counter().count();
    }

    @Test
    void asksTheJoinHookWithWhoAndWhereSigned() {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":true}"));

        Verdict verdict = hooks(false).beforeJoin(ALICE, "support:red");

        assertThat(verdict).isEqualTo(Verdict.ALLOW);
        Receiver.Request r = app.requests().getFirst();
        assertThat(r.path()).isEqualTo("/hooks/join");
        assertThat(r.hook()).isEqualTo("join");
        assertThat(r.node()).isEqualTo("gw-1");
        JsonNode body = r.json();
        assertThat(body.path("user").asText()).isEqualTo("alice");
        assertThat(body.path("name").asText()).isEqualTo("Alice A.");
        assertThat(body.path("guest").asBoolean(true)).isFalse();
        assertThat(body.path("room").asText()).isEqualTo("support:red");
        assertThat(new Signature(SECRET).verify(r.signature(), r.body(), System.currentTimeMillis() / 1000, Duration.ofMinutes(5)))
                .isTrue();
        assertThat(new Signature(SECRET + "-other").verify(r.signature(), r.body(), System.currentTimeMillis() / 1000,
                Duration.ofMinutes(5))).isFalse();
        assertThat(registry.get("chat_hook_latency").tag("hook", "join").timer().count()).isEqualTo(1);
    }

    @Test
    void aRefusalCarriesTheApplicationsReasonBoundedAndPrintable() {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":false,\"reason\":\"agents\\u0000 only\\n" + "x".repeat(500) + "\"}"));

        Verdict verdict = hooks(true).beforeJoin(ALICE, "support:red");

        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.reason()).startsWith("agents only").hasSize(HttpHooks.MAX_REASON).doesNotContain("\n", "\u0000");
        assertThat(registry.get("chat_hook_denied").tag("hook", "join").counter().count()).isEqualTo(1);
    }

    @Test
    void aRefusalWithoutAReasonGetsADefaultOne() {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":false}"));

        assertThat(hooks(false).beforeJoin(ALICE, "support:red").reason()).isEqualTo("refused by the application");
    }

    @Test
    void thePublishHookSeesTheMessageAndMayRewriteIt() throws Exception {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":true,\"text\":\"" + r.json().path("text").asText().replace("darn", "d**n") + "\"}"));

        Verdict verdict = hooks(false, "*").beforePublish(ALICE, "lobby", new Post("oh darn", "c-1", "1-0", "{\"k\":1}"))
                .toCompletableFuture().get();

        assertThat(verdict).isEqualTo(new Verdict(true, null, "oh d**n"));
        JsonNode body = app.requests("/hooks/publish").getFirst().json();
        assertThat(body.path("text").asText()).isEqualTo("oh darn");
        assertThat(body.path("cid").asText()).isEqualTo("c-1");
        assertThat(body.path("reply_to").asText()).isEqualTo("1-0");
        assertThat(body.path("meta").path("k").asInt()).isEqualTo(1);
        assertThat(registry.get("chat_hook_rewritten").counter().count()).isEqualTo(1);
    }

    @Test
    void aJoinAnswerIgnoresText() {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":true,\"text\":\"ignored\"}"));

        assertThat(hooks(false).beforeJoin(ALICE, "support:red")).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void asksThePublishHookOnlyForTheListedNamespaces() {
        HttpHooks some = hooks(false, "support", "shop");

        assertThat(some.publishes("support:red")).isTrue();
        assertThat(some.publishes("shop:42")).isTrue();
        assertThat(some.publishes("private:team-red.x")).isFalse();
        assertThat(some.publishes("lobby")).as("a room without a namespace: only *").isFalse();
        some.close();
        assertThat(hooks(false, "*").publishes("lobby")).isTrue();
        hooks.close();
        assertThat(hooks(false).publishes("support:red")).isFalse();
    }

    @Test
    void failsClosedOnATimeoutWithinTheTimeout() {
        app.answering(r -> Receiver.Answer.late(Duration.ofSeconds(3)));
        HttpHooks closed = hooks(false);

        long t0 = System.nanoTime();
        Verdict verdict = closed.beforeJoin(ALICE, "support:red");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.reason()).isEqualTo(HttpHooks.UNAVAILABLE);
        assertThat(tookMs).isGreaterThanOrEqualTo(TIMEOUT.toMillis()).isLessThan(TIMEOUT.toMillis() + 1500);
        assertThat(failures("join", "timeout")).isEqualTo(1);
    }

    @Test
    void failsOpenOnATimeoutWhenConfiguredSo() throws Exception {
        app.answering(r -> Receiver.Answer.late(Duration.ofSeconds(3)));

        Verdict verdict = hooks(true, "*").beforePublish(ALICE, "lobby", Post.of("hi")).toCompletableFuture().get();

        assertThat(verdict).isEqualTo(Verdict.ALLOW);
        assertThat(failures("publish", "timeout")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void appliesThePolicyToAnErrorStatus(boolean failOpen) {
        app.answering(r -> Receiver.Answer.status(500));

        assertThat(hooks(failOpen).beforeJoin(ALICE, "support:red").allowed()).isEqualTo(failOpen);
        assertThat(failures("join", "status")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[]", "{}", "{\"allow\":\"yes\"}", "{\"allow\":null}"})
    void treatsAnAnswerWithoutABooleanAllowAsAFailure(String answer) {
        app.answering(r -> Receiver.Answer.ok(answer));

        assertThat(hooks(false).beforeJoin(ALICE, "support:red").reason()).isEqualTo(HttpHooks.UNAVAILABLE);
        assertThat(failures("join", "invalid")).isEqualTo(1);
    }

    @Test
    void readsNoAnswerLargerThanTheBound() {
        app.answering(r -> Receiver.Answer.ok("{\"allow\":true,\"reason\":\"" + "x".repeat(HttpHooks.MAX_RESPONSE) + "\"}"));

        assertThat(hooks(false).beforeJoin(ALICE, "support:red").allowed()).isFalse();
        assertThat(failures("join", "invalid")).isEqualTo(1);
    }

    @Test
    void appliesThePolicyWhenTheApplicationIsUnreachable() {
        app.close(); // nothing listens any more

        assertThat(hooks(false).beforeJoin(ALICE, "support:red").allowed()).isFalse();
        hooks.close();
        assertThat(hooks(true).beforeJoin(ALICE, "support:red").allowed()).isTrue();
        assertThat(failures("join", "error")).isEqualTo(2);
    }

    @Test
    void writesAGuestAndAPlainPost() {
        byte[] body = HttpHooks.body(new Identity("guest:abcdefgh2345", true), "lobby", Post.of("a \"quoted\" text"));

        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(
                "{\"user\":\"guest:abcdefgh2345\",\"name\":\"guest:abcdefgh2345\",\"guest\":true,\"room\":\"lobby\","
                        + "\"text\":\"a \\\"quoted\\\" text\"}");
    }
}
