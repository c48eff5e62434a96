package io.chatrelay.gateway.config;

import io.chatrelay.broker.redis.RedisSettings;
import io.chatrelay.chat.ChatSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ConfigLoaderTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";

    /**
     * For every environment variable: a valid value distinct from the default, the field it must
     * set, and that field's expected value. Together the entries read every field of the config.
     */
    private static final Map<String, Override> TABLE = table(
            new Override("CHAT_PORT", "9091", GatewayConfig::port, 9091),
            new Override("CHAT_NODE_ID", "gw-test-7", GatewayConfig::nodeId, "gw-test-7"),
            new Override("CHAT_REDIS_URI", "redis://cache:6380", c -> c.redis().uri(), "redis://cache:6380"),
            new Override("CHAT_REDIS_PREFIX", "relay-test", c -> c.redis().prefix(), "relay-test"),
            new Override("CHAT_REDIS_TIMEOUT", "PT7S", c -> c.redis().timeout(), Duration.ofSeconds(7)),
            new Override("CHAT_REDIS_CLUSTER", "true", c -> c.redis().cluster(), true),
            new Override("CHAT_REDIS_DURABILITY", "Replica", c -> c.redis().durability(), RedisSettings.Durability.REPLICA),
            new Override("CHAT_REDIS_WAIT_TIMEOUT", "PT0.25S", c -> c.redis().waitTimeout(), Duration.ofMillis(250)),
            new Override("CHAT_DEFAULT_ROOM", "general", c -> c.chat().defaultRoom(), "general"),
            new Override("CHAT_MAX_TEXT", "1001", c -> c.chat().limits().maxText(), 1001),
            new Override("CHAT_MAX_ROOMS", "7", c -> c.chat().limits().maxRooms(), 7),
            new Override("CHAT_MAX_FRAME", "2048", c -> c.transport().maxFrame(), 2048),
            new Override("CHAT_MAX_CONNECTIONS", "1234", c -> c.chat().limits().maxConnections(), 1234),
            new Override("CHAT_MAX_CONNECTIONS_PER_USER", "3", c -> c.chat().limits().maxPerUser(), 3),
            new Override("CHAT_MAX_CONNECTIONS_PER_ADDRESS", "77", c -> c.transport().maxPerAddress(), 77),
            new Override("CHAT_ARRIVALS", "5", c -> c.chat().limits().arrivals(), 5),
            new Override("CHAT_ARRIVAL_WAIT", "PT3S", c -> c.chat().limits().arrivalWait(), Duration.ofSeconds(3)),
            new Override("CHAT_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2", c -> c.transport().trustedProxies(), List.of("10.0.0.1", "10.0.0.2")),
            new Override("CHAT_RATE_PER_SECOND", "11", c -> c.transport().ratePerSecond(), 11),
            new Override("CHAT_RATE_BURST", "33", c -> c.transport().rateBurst(), 33),
            new Override("CHAT_OUTBOUND_FRAMES", "77", c -> c.transport().outboundFrames(), 77),
            new Override("CHAT_OUTBOUND_BYTES", "4097", c -> c.transport().outboundBytes(), 4097),
            new Override("CHAT_HISTORY_MAX_LEN", "501", c -> c.chat().history().maxLen(), 501),
            new Override("CHAT_HISTORY_JOIN_LIMIT", "25", c -> c.chat().history().joinLimit(), 25),
            new Override("CHAT_HISTORY_PAGE_BYTES", "65536", c -> c.chat().history().pageBytes(), 65536),
            new Override("CHAT_HISTORY_ROOM_TTL", "P2D", c -> c.chat().history().roomTtl(), Duration.ofDays(2)),
            new Override("CHAT_HISTORY_DIRECT_TTL", "P3D", c -> c.chat().history().directTtl(), Duration.ofDays(3)),
            new Override("CHAT_HISTORY_MIN_AGE", "PT2M", c -> c.chat().history().minAge(), Duration.ofMinutes(2)),
            new Override("CHAT_HISTORY_MAX_LEN_HARD", "20000", c -> c.chat().history().maxLenHard(), 20000),
            new Override("CHAT_PRESENCE_TTL", "PT41S", c -> c.chat().presence().ttl(), Duration.ofSeconds(41)),
            new Override("CHAT_PRESENCE_REFRESH", "PT3S", c -> c.chat().presence().refresh(), Duration.ofSeconds(3)),
            new Override("CHAT_PRESENCE_SWEEP", "PT9S", c -> c.chat().presence().sweep(), Duration.ofSeconds(9)),
            new Override("CHAT_PRESENCE_LINGER", "PT2S", c -> c.chat().presence().linger(), Duration.ofSeconds(2)),
            new Override("CHAT_DEDUP_WINDOW", "PT30M", c -> c.chat().messages().dedupWindow(), Duration.ofMinutes(30)),
            new Override("CHAT_RECEIPTS_MAX_MEMBERS", "5", c -> c.chat().messages().receiptsMaxMembers(), 5),
            new Override("CHAT_HEARTBEAT_INTERVAL", "PT44S", c -> c.heartbeat().interval(), Duration.ofSeconds(44)),
            new Override("CHAT_HEARTBEAT_TIMEOUT", "PT91S", c -> c.heartbeat().timeout(), Duration.ofSeconds(91)),
            new Override("CHAT_AUTH_GUESTS", "false", c -> c.auth().guests(), false),
            new Override("CHAT_AUTH_JWT_SECRET", SECRET, c -> c.auth().jwtSecret(), SECRET),
            new Override("CHAT_AUTH_GUEST_SECRET", SECRET + "-guests", c -> c.auth().guestSecret(), SECRET + "-guests"),
            new Override("CHAT_AUTH_JWKS", "file:/etc/chat/jwks.json", c -> c.auth().jwks(), "file:/etc/chat/jwks.json"),
            new Override("CHAT_AUTH_ISSUER", "https://app.example", c -> c.auth().issuer(), "https://app.example"),
            new Override("CHAT_AUTH_AUDIENCE", "chat", c -> c.auth().audience(), "chat"),
            new Override("CHAT_NAMESPACES", "*=authenticated,vip=grant", c -> c.auth().namespaces(), "*=authenticated,vip=grant"),
            new Override("CHAT_ORIGINS", "https://a.example, https://b.example:8443",
                    GatewayConfig::origins, List.of("https://a.example", "https://b.example:8443")),
            new Override("CHAT_WEBHOOK_URL", "http://app:8090/webhooks", c -> c.webhooks().url(), "http://app:8090/webhooks"),
            new Override("CHAT_WEBHOOK_SECRET", SECRET + "-webhooks", c -> c.webhooks().secret(), SECRET + "-webhooks"),
            new Override("CHAT_WEBHOOK_EVENTS", "message.created, member.joined", c -> c.webhooks().events(),
                    List.of("message.created", "member.joined")),
            new Override("CHAT_WEBHOOK_MAX_ATTEMPTS", "3", c -> c.webhooks().maxAttempts(), 3),
            new Override("CHAT_WEBHOOK_BACKOFF", "PT30S", c -> c.webhooks().backoff(), Duration.ofSeconds(30)),
            new Override("CHAT_WEBHOOK_MAX_BACKOFF", "PT1H", c -> c.webhooks().maxBackoff(), Duration.ofHours(1)),
            new Override("CHAT_WEBHOOK_TIMEOUT", "PT3S", c -> c.webhooks().timeout(), Duration.ofSeconds(3)),
            new Override("CHAT_WEBHOOK_CONCURRENCY", "2", c -> c.webhooks().concurrency(), 2),
            new Override("CHAT_HOOK_URL", "https://app.example/hooks", c -> c.hooks().url(), "https://app.example/hooks"),
            new Override("CHAT_HOOK_SECRET", SECRET + "-hooks", c -> c.hooks().secret(), SECRET + "-hooks"),
            new Override("CHAT_HOOK_TIMEOUT", "PT0.5S", c -> c.hooks().timeout(), Duration.ofMillis(500)),
            new Override("CHAT_HOOK_FAILURE", "open", c -> c.hooks().failOpen(), true),
            new Override("CHAT_HOOK_PUBLISH", "support, *", c -> c.hooks().publishNamespaces(), List.of("support", "*")),
            new Override("CHAT_DRAIN_GRACE", "PT3S", GatewayConfig::drainGrace, Duration.ofSeconds(3)),
            new Override("CHAT_REBALANCE_TOLERANCE", "0.35", c -> c.rebalance().tolerance(), 0.35),
            new Override("CHAT_REBALANCE_RATE", "7", c -> c.rebalance().rate(), 7),
            new Override("CHAT_ADMIN_PORT", "9191", c -> c.admin().port(), 9191),
            new Override("CHAT_API_KEYS", SECRET + "-a, " + SECRET + "-b", c -> c.admin().apiKeys(), List.of(SECRET + "-a", SECRET + "-b")));

    /** Variables that cannot be valid alone, and what they need. */
    private static final Map<String, Map<String, String>> COMPANIONS =
            Map.of("CHAT_AUTH_GUESTS", Map.of("CHAT_AUTH_JWT_SECRET", SECRET),
                    "CHAT_WEBHOOK_URL", Map.of("CHAT_WEBHOOK_SECRET", SECRET),
                    "CHAT_HOOK_URL", Map.of("CHAT_HOOK_SECRET", SECRET),
                    "CHAT_HOOK_PUBLISH", Map.of("CHAT_HOOK_URL", "http://app:8090/hooks", "CHAT_HOOK_SECRET", SECRET));

    // ---- defaults --------------------------------------------------------------------------

    @Test
    void loadsTheDefaultsOfApplicationYaml() throws Exception {
        GatewayConfig c = ConfigLoader.load(Map.of());

        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.nodeId()).isEqualTo(InetAddress.getLocalHost().getHostName());
        assertThat(c.redis().uri()).isEmpty();
        assertThat(c.redis().enabled()).isFalse();
        assertThat(c.redis().prefix()).isEqualTo("chat");
        assertThat(c.redis().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.chat().defaultRoom()).isEqualTo("lobby");
        assertThat(c.chat().limits()).isEqualTo(new ChatSettings.Limits(4096, 32, 15000, 20, 16, Duration.ofSeconds(10)));
        assertThat(c.transport()).isEqualTo(new GatewayConfig.Transport(65536, 20, 40, 1024, 1048576, 200, List.of()));
        assertThat(c.chat().history()).isEqualTo(new ChatSettings.History(1000, 50, 262144, Duration.ofDays(7), Duration.ofDays(30),
                Duration.ofMinutes(5), 50000));
        assertThat(c.chat().presence()).isEqualTo(new ChatSettings.Presence(
                Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)));
        assertThat(c.chat().brokerTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.heartbeat()).isEqualTo(new GatewayConfig.Heartbeat(Duration.ofSeconds(30), Duration.ofSeconds(75)));
        assertThat(c.auth()).isEqualTo(new GatewayConfig.Auth(true, "", "", "", "", "", "*=open,private=grant,user=owner"));
        assertThat(c.origins()).isEmpty();
        assertThat(c.drainGrace()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.redis().durability()).isEqualTo(RedisSettings.Durability.ASYNC);
        assertThat(c.redis().waitTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.rebalance()).isEqualTo(new GatewayConfig.Rebalance(0.1, 50));
        assertThat(c.rebalance().enabled()).isTrue();
    }

    @Test
    void ignoresVariablesThatAreNotInTheMapping() {
        Map<String, String> env = Map.of("PORT", "1", "chat.port", "2", "CHAT_PORT_X", "3", "chat_port", "4",
                "CHAT_LIMITS_MAX_TEXT", "5", "CHAT_CHAT_PORT", "6");

        GatewayConfig c = ConfigLoader.load(env);

        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.chat().limits().maxText()).isEqualTo(4096);
    }

    // ---- the mapping -----------------------------------------------------------------------

    @Test
    void coversEveryVariableOfTheMapping() {
        assertThat(TABLE.keySet()).containsExactlyInAnyOrderElementsOf(EnvMapping.VARIABLES.keySet());
    }

    @Test
    void mapsEveryVariableToAKeyUnderChat() {
        assertThat(EnvMapping.VARIABLES.values()).allSatisfy(key -> assertThat(key).startsWith("chat."));
        assertThat(EnvMapping.VARIABLES.values()).doesNotHaveDuplicates();
        assertThat(EnvMapping.VARIABLES.keySet()).allSatisfy(name -> assertThat(name).matches("CHAT_[A-Z_]+"));
    }

    static Stream<Arguments> variables() {
        return EnvMapping.VARIABLES.keySet().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variables")
    void overridesExactlyItsOwnSetting(String variable) {
        Override override = TABLE.get(variable);
        assertThat(override).as("a test value for %s", variable).isNotNull();
        GatewayConfig defaults = ConfigLoader.load(Map.of());
        assertThat(override.read(defaults)).as("test value of %s differs from the default", variable)
                .isNotEqualTo(override.expected());
        Map<String, String> env = new HashMap<>(COMPANIONS.getOrDefault(variable, Map.of()));
        env.put(variable, override.value());

        GatewayConfig c = ConfigLoader.load(env);

        assertThat(override.read(c)).as(variable).isEqualTo(override.expected());
        for (Override other : TABLE.values()) {
            if (!other.variable().equals(variable) && !env.containsKey(other.variable())) {
                assertThat(other.read(c)).as("%s must not change the setting of %s", variable, other.variable())
                        .isEqualTo(other.read(defaults));
            }
        }
    }

    @Test
    void appliesAllVariablesTogether() {
        Map<String, String> env = new HashMap<>();
        TABLE.values().forEach(o -> env.put(o.variable(), o.value()));

        GatewayConfig c = ConfigLoader.load(env);

        assertThat(TABLE.values()).allSatisfy(o -> assertThat(o.read(c)).as(o.variable()).isEqualTo(o.expected()));
    }

    @Test
    void overridesAreExposedUnderTheirConfigurationKeys() {
        Map<String, String> env = new HashMap<>();
        TABLE.values().forEach(o -> env.put(o.variable(), o.value()));
        env.put("UNRELATED", "x");

        Map<String, String> overrides = EnvMapping.overrides(env);

        assertThat(overrides).hasSize(EnvMapping.VARIABLES.size());
        EnvMapping.VARIABLES.forEach((variable, key) -> assertThat(overrides).containsEntry(key, env.get(variable)));
    }

    @Test
    void disablesTheDefaultRoomWithAnEmptyValue() {
        assertThat(ConfigLoader.load(Map.of("CHAT_DEFAULT_ROOM", "")).chat().defaultRoom()).isEmpty();
    }

    @Test
    void fallsBackToTheHostNameForABlankNodeId() throws Exception {
        assertThat(ConfigLoader.load(Map.of("CHAT_NODE_ID", "  ")).nodeId())
                .isEqualTo(InetAddress.getLocalHost().getHostName());
    }

    @Test
    void splitsOriginsOnCommasAndDropsBlanks() {
        GatewayConfig c = ConfigLoader.load(Map.of("CHAT_ORIGINS", " https://a.example ,, ,https://b.example,"));

        assertThat(c.origins()).containsExactly("https://a.example", "https://b.example");
    }

    @Test
    void enablesRedisWhenAUriIsSet() {
        assertThat(ConfigLoader.load(Map.of("CHAT_REDIS_URI", "redis://localhost:6379")).redis().enabled()).isTrue();
    }

    // ---- durations -------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"PT5S, 5", "5s, 5", "5S, 5", "pt5s, 5", "90s, 90", "2m, 120", "PT1M30S, 90", "1m30s, 90", "P1D, 86400", "1h, 3600"})
    void acceptsIsoAndShortDurations(String text, long seconds) {
        GatewayConfig c = ConfigLoader.load(Map.of("CHAT_DRAIN_GRACE", text));

        assertThat(c.drainGrace()).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void readsAValueFromTheFileNamedByTheFileVariable(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path secret = dir.resolve("jwt");
        java.nio.file.Files.writeString(secret, SECRET + "\n");

        GatewayConfig config = ConfigLoader.load(Map.of("CHAT_AUTH_JWT_SECRET_FILE", secret.toString()));

        assertThat(config.auth().jwtSecret()).isEqualTo(SECRET);
    }

    @Test
    void acceptsFractionalSeconds() {
        assertThat(ConfigLoader.load(Map.of("CHAT_REDIS_TIMEOUT", "0.5s")).redis().timeout()).isEqualTo(Duration.ofMillis(500));
    }

    // ---- invalid values --------------------------------------------------------------------

    static Stream<Arguments> invalidValues() {
        return Stream.of(
                arguments("refresh equal to ttl", Map.of("CHAT_PRESENCE_REFRESH", "PT15S")),
                arguments("refresh longer than ttl", Map.of("CHAT_PRESENCE_TTL", "4s", "CHAT_PRESENCE_REFRESH", "5s")),
                arguments("secret of 31 bytes", Map.of("CHAT_AUTH_JWT_SECRET", "x".repeat(31))),
                arguments("secret of 15 two-byte characters (30 bytes)", Map.of("CHAT_AUTH_JWT_SECRET", "é".repeat(15))),
                arguments("guests off without secret", Map.of("CHAT_AUTH_GUESTS", "false")),
                arguments("guests off with blank secret", Map.of("CHAT_AUTH_GUESTS", "false", "CHAT_AUTH_JWT_SECRET", "   ")),
                arguments("jwks neither http nor file", Map.of("CHAT_AUTH_JWKS", "ftp://keys.example/jwks.json")),
                arguments("guest secret of 31 bytes", Map.of("CHAT_AUTH_GUEST_SECRET", "g".repeat(31))),
                arguments("unknown namespace policy", Map.of("CHAT_NAMESPACES", "*=open,vip=secret")),
                arguments("namespace without policy", Map.of("CHAT_NAMESPACES", "vip")),
                arguments("heartbeat timeout not longer than interval", Map.of("CHAT_HEARTBEAT_TIMEOUT", "PT30S")),
                arguments("zero duration", Map.of("CHAT_DRAIN_GRACE", "0s")),
                arguments("negative duration", Map.of("CHAT_REDIS_TIMEOUT", "-5s")),
                arguments("port out of range", Map.of("CHAT_PORT", "65536")),
                arguments("negative port", Map.of("CHAT_PORT", "-1")),
                arguments("node id with separator", Map.of("CHAT_NODE_ID", "gw|1")),
                arguments("max frame below 1024", Map.of("CHAT_MAX_FRAME", "1023")),
                arguments("zero max text", Map.of("CHAT_MAX_TEXT", "0")),
                arguments("zero rooms", Map.of("CHAT_MAX_ROOMS", "0")),
                arguments("zero rate", Map.of("CHAT_RATE_PER_SECOND", "0")),
                arguments("zero history", Map.of("CHAT_HISTORY_MAX_LEN", "0")),
                arguments("zero join limit", Map.of("CHAT_HISTORY_JOIN_LIMIT", "0")),
                arguments("hard max len below max len", Map.of("CHAT_HISTORY_MAX_LEN_HARD", "999")),
                arguments("page bytes below 1024", Map.of("CHAT_HISTORY_PAGE_BYTES", "1000")),
                arguments("zero linger", Map.of("CHAT_PRESENCE_LINGER", "0s")),
                arguments("api key shorter than 24 characters", Map.of("CHAT_API_KEYS", "short-key")),
                arguments("admin port out of range", Map.of("CHAT_ADMIN_PORT", "70000")),
                arguments("unknown durability", Map.of("CHAT_REDIS_DURABILITY", "sometimes")),
                arguments("replica mode with a wait timeout not shorter than the redis timeout",
                        Map.of("CHAT_REDIS_DURABILITY", "replica", "CHAT_REDIS_WAIT_TIMEOUT", "PT5S")),
                arguments("zero wait timeout", Map.of("CHAT_REDIS_WAIT_TIMEOUT", "0s")),
                arguments("negative rebalance tolerance", Map.of("CHAT_REBALANCE_TOLERANCE", "-0.1")),
                arguments("negative rebalance rate", Map.of("CHAT_REBALANCE_RATE", "-1")),
                arguments("a variable and its file", Map.of("CHAT_NODE_ID", "a", "CHAT_NODE_ID_FILE", "/nonexistent")),
                arguments("a file that does not exist", Map.of("CHAT_AUTH_JWT_SECRET_FILE", "/nonexistent/secret")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidValues")
    void refusesInvalidSettings(String description, Map<String, String> env) {
        assertThatIllegalArgumentException().as(description).isThrownBy(() -> ConfigLoader.load(env));
    }

    @Test
    void acceptsASecretOfExactly32Bytes() {
        Map<String, String> env = Map.of("CHAT_AUTH_GUESTS", "false", "CHAT_AUTH_JWT_SECRET", "s".repeat(32));

        GatewayConfig c = ConfigLoader.load(env);

        assertThat(c.auth().guests()).isFalse();
        assertThat(c.auth().jwtSecret()).hasSize(32);
    }

    @Test
    void countsSecretLengthInUtf8Bytes() {
        // 16 characters, 32 bytes
        GatewayConfig c = ConfigLoader.load(Map.of("CHAT_AUTH_JWT_SECRET", "é".repeat(16)));

        assertThat(c.auth().jwtSecret()).isEqualTo("é".repeat(16));
    }

    @ParameterizedTest
    @CsvSource({"CHAT_PORT, eighty", "CHAT_MAX_TEXT, 4k", "CHAT_DRAIN_GRACE, soon", "CHAT_PRESENCE_TTL, 500ms"})
    void refusesUnparseableValues(String variable, String value) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(variable, value))).isInstanceOf(RuntimeException.class);
    }

    // ---- the README -------------------------------------------------------------------------

    /**
     * The README's configuration table names every variable of the mapping, with the default that
     * application.yaml (the one place defaults are written) gives its key.
     */
    @Test
    void theReadmeTableListsEveryVariableWithTheDefaultOfApplicationYaml() throws Exception {
        Map<String, String> documented = readmeDefaults();
        io.helidon.config.Config yaml = ConfigLoader.defaults(Map.of());

        assertThat(documented.keySet()).containsExactlyInAnyOrderElementsOf(EnvMapping.VARIABLES.keySet());
        EnvMapping.VARIABLES.forEach((variable, key) -> {
            String value = yaml.get(key).asString().orElseThrow();
            String shown = documented.get(variable);
            assertThat(shown).as("README default of %s (application.yaml %s: '%s')", variable, key, value)
                    .isEqualTo(value.isEmpty() ? "" : value);
        });
    }

    /** Variable to default from rows like "| `CHAT_PORT` | `8080` | ... |" (an empty default: "empty"). */
    private static Map<String, String> readmeDefaults() throws java.io.IOException {
        java.nio.file.Path readme = java.nio.file.Path.of(System.getProperty("user.dir")).resolveSibling("README.md");
        Map<String, String> defaults = new LinkedHashMap<>();
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("^\\|\\s*`(CHAT_[A-Z_]+)`\\s*\\|\\s*([^|]*?)\\s*\\|.*$");
        for (String line : java.nio.file.Files.readAllLines(readme)) {
            java.util.regex.Matcher m = row.matcher(line);
            if (m.matches()) {
                String cell = m.group(2);
                defaults.put(m.group(1), cell.startsWith("`") && cell.endsWith("`") ? cell.substring(1, cell.length() - 1) : "");
            }
        }
        return defaults;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private record Override(String variable, String value, Function<GatewayConfig, Object> reader, Object expected) {
        Object read(GatewayConfig c) {
            return reader.apply(c);
        }
    }

    private static Map<String, Override> table(Override... overrides) {
        Map<String, Override> map = new LinkedHashMap<>();
        for (Override o : overrides) {
            map.put(o.variable(), o);
        }
        return map;
    }
}
