package io.chatrelay.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The webhook and hook settings ({@link WebhookSettings}, {@link HookSettings}) as the environment gives them. */
class IntegrationSettingsTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";

    @Test
    void loadsTheDefaultsOfApplicationYaml() {
        GatewayConfig c = ConfigLoader.load(Map.of());

        assertThat(c.webhooks()).isEqualTo(new WebhookSettings("", "", List.of(), 10, Duration.ofSeconds(10), Duration.ofMinutes(10),
                Duration.ofSeconds(5), 8));
        assertThat(c.webhooks().enabled()).isFalse();
        assertThat(c.webhooks().delivers("member.left")).isTrue();
        assertThat(c.hooks()).isEqualTo(new HookSettings("", "", Duration.ofSeconds(2), false, List.of()));
        assertThat(c.hooks().enabled()).isFalse();
    }

    @Test
    void deliversOnlyTheListedEventTypes() {
        WebhookSettings w = ConfigLoader.load(Map.of("CHAT_WEBHOOK_EVENTS", "message.created,room.vacated")).webhooks();

        assertThat(w.delivers("message.created")).isTrue();
        assertThat(w.delivers("room.vacated")).isTrue();
        assertThat(w.delivers("member.joined")).isFalse();
    }

    @Test
    void turnsOnWithAUrlAndASecret() {
        GatewayConfig c = ConfigLoader.load(Map.of("CHAT_WEBHOOK_URL", "https://app.example/webhooks", "CHAT_WEBHOOK_SECRET", SECRET,
                "CHAT_HOOK_URL", "http://app:8090/hooks", "CHAT_HOOK_SECRET", SECRET, "CHAT_NAMESPACES", "*=open,support=hook"));

        assertThat(c.webhooks().enabled()).isTrue();
        assertThat(c.hooks().enabled()).isTrue();
    }

    @Test
    void readsTheSecretsFromFilesToo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path webhook = dir.resolve("webhook-secret");
        java.nio.file.Path hook = dir.resolve("hook-secret");
        java.nio.file.Files.writeString(webhook, SECRET + "-w\n");
        java.nio.file.Files.writeString(hook, SECRET + "-h\n");

        GatewayConfig c = ConfigLoader.load(Map.of("CHAT_WEBHOOK_URL", "http://app:8090/webhooks", "CHAT_WEBHOOK_SECRET_FILE",
                webhook.toString(), "CHAT_HOOK_URL", "http://app:8090/hooks", "CHAT_HOOK_SECRET_FILE", hook.toString()));

        assertThat(c.webhooks().secret()).isEqualTo(SECRET + "-w");
        assertThat(c.hooks().secret()).isEqualTo(SECRET + "-h");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("webhook url without secret", Map.of("CHAT_WEBHOOK_URL", "http://app/webhooks")),
                arguments("webhook secret of 31 bytes", Map.of("CHAT_WEBHOOK_URL", "http://app/webhooks", "CHAT_WEBHOOK_SECRET", "s".repeat(31))),
                arguments("webhook url not http", Map.of("CHAT_WEBHOOK_URL", "ftp://app/webhooks", "CHAT_WEBHOOK_SECRET", SECRET)),
                arguments("webhook url without host", Map.of("CHAT_WEBHOOK_URL", "http:/webhooks", "CHAT_WEBHOOK_SECRET", SECRET)),
                arguments("unknown event type", Map.of("CHAT_WEBHOOK_EVENTS", "message.created,message.deleted")),
                arguments("zero attempts", Map.of("CHAT_WEBHOOK_MAX_ATTEMPTS", "0")),
                arguments("zero concurrency", Map.of("CHAT_WEBHOOK_CONCURRENCY", "0")),
                arguments("backoff not longer than the timeout", Map.of("CHAT_WEBHOOK_BACKOFF", "5s")),
                arguments("max backoff below backoff", Map.of("CHAT_WEBHOOK_MAX_BACKOFF", "9s")),
                arguments("zero webhook timeout", Map.of("CHAT_WEBHOOK_TIMEOUT", "0s")),
                arguments("hook url without secret", Map.of("CHAT_HOOK_URL", "http://app/hooks")),
                arguments("hook failure neither open nor closed", Map.of("CHAT_HOOK_FAILURE", "maybe")),
                arguments("publish namespaces without hook url", Map.of("CHAT_HOOK_PUBLISH", "support")),
                arguments("bad publish namespace", Map.of("CHAT_HOOK_URL", "http://app/hooks", "CHAT_HOOK_SECRET", SECRET,
                        "CHAT_HOOK_PUBLISH", "sup port")),
                arguments("hook namespace without hook url", Map.of("CHAT_NAMESPACES", "*=open,support=hook")),
                arguments("hook as the default policy without hook url", Map.of("CHAT_NAMESPACES", "* = HOOK")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesInvalidSettings(String description, Map<String, String> env) {
        assertThatIllegalArgumentException().as(description).isThrownBy(() -> ConfigLoader.load(new HashMap<>(env)));
    }
}
