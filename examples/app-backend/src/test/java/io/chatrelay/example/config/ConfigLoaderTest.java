package io.chatrelay.example.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class ConfigLoaderTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";

    /** For every variable: a valid value unlike the default, the setting it must change, and its expected value. */
    private static final List<Override> TABLE = List.of(
            new Override("APP_PORT", "9191", AppConfig::port, 9191),
            new Override("APP_JWT_ALGORITHM", "ES256", c -> c.signing().algorithm(), AppConfig.Algorithm.ES256),
            new Override("CHAT_AUTH_JWT_SECRET", SECRET, c -> c.signing().secret(), SECRET),
            new Override("APP_JWT_KEY_FILE", "/etc/app/key.json", c -> c.signing().keyFile(), "/etc/app/key.json"),
            new Override("APP_JWT_KEY_GRACE", "1h", c -> c.signing().keyGrace(), Duration.ofHours(1)),
            new Override("APP_TOKEN_TTL", "PT10M", c -> c.tokens().ttl(), Duration.ofMinutes(10)),
            new Override("APP_ROOM_TOKEN_TTL", "2m", c -> c.tokens().roomTtl(), Duration.ofMinutes(2)),
            new Override("CHAT_AUTH_ISSUER", "https://app.example", c -> c.tokens().issuer(), "https://app.example"),
            new Override("CHAT_AUTH_AUDIENCE", "chat", c -> c.tokens().audience(), "chat"),
            new Override("APP_ADMIN_KEY", "an-admin-key-of-some-length", AppConfig::adminKey, "an-admin-key-of-some-length"),
            new Override("APP_DIRECTORY", "/etc/app/users.json", AppConfig::directory, "/etc/app/users.json"),
            new Override("APP_CORS_ORIGINS", "http://localhost:8080, https://chat.example", AppConfig::corsOrigins,
                    List.of("http://localhost:8080", "https://chat.example")),
            new Override("CHAT_HOOK_SECRET", SECRET + "-hooks", c -> c.chat().hookSecret(), SECRET + "-hooks"),
            new Override("CHAT_WEBHOOK_SECRET", SECRET + "-webhooks", c -> c.chat().webhookSecret(), SECRET + "-webhooks"),
            new Override("APP_SIGNATURE_TOLERANCE", "1m", c -> c.chat().signatureTolerance(), Duration.ofMinutes(1)),
            new Override("APP_BLOCKED_WORDS", "spam, scam", c -> c.chat().blockedWords(), List.of("spam", "scam")),
            new Override("APP_MASKED_WORDS", "", c -> c.chat().maskedWords(), List.of()),
            new Override("APP_EVENTS_KEPT", "50", c -> c.chat().eventsKept(), 50),
            new Override("CHAT_API_URL", "http://gateway:9090/api/v1", c -> c.chat().apiUrl(), "http://gateway:9090/api/v1"),
            new Override("CHAT_API_KEY", "an-api-key-of-24-characters", c -> c.chat().apiKey(), "an-api-key-of-24-characters"),
            new Override("APP_SUPPORT_GREETING", "Hello {name}", c -> c.chat().supportGreeting(), "Hello {name}"));

    @Test
    void loadsTheDefaultsOfApplicationYaml() {
        AppConfig c = ConfigLoader.load(Map.of());

        assertThat(c).isEqualTo(new AppConfig(8090,
                new AppConfig.Signing(AppConfig.Algorithm.RS256, "", "", Duration.ofMinutes(30)),
                new AppConfig.Tokens(Duration.ofMinutes(15), Duration.ofMinutes(5), "", ""),
                "", "", List.of(),
                new AppConfig.Chat("", "", Duration.ofMinutes(5), List.of("spam"), List.of("darn", "heck"), 1000, "", "",
                        "Hi {name}, an agent will be with you shortly.")));
    }

    @Test
    void coversEveryVariableOfTheMapping() {
        assertThat(TABLE).extracting(Override::variable).containsExactlyInAnyOrderElementsOf(EnvMapping.VARIABLES.keySet());
        assertThat(EnvMapping.VARIABLES.values()).allSatisfy(key -> assertThat(key).startsWith("app.")).doesNotHaveDuplicates();
    }

    /** Variables that cannot be valid alone, and what they need. */
    private static final Map<String, Map<String, String>> COMPANIONS =
            Map.of("CHAT_API_URL", Map.of("CHAT_API_KEY", "an-api-key-of-24-characters"));

    static Stream<Arguments> overrides() {
        return TABLE.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("overrides")
    void overridesExactlyItsOwnSetting(Override override) {
        AppConfig defaults = ConfigLoader.load(Map.of());
        assertThat(override.reader().apply(defaults)).isNotEqualTo(override.expected());

        Map<String, String> env = new HashMap<>(COMPANIONS.getOrDefault(override.variable(), Map.of()));
        env.put(override.variable(), override.value());
        AppConfig c = ConfigLoader.load(env);

        assertThat(override.reader().apply(c)).isEqualTo(override.expected());
        for (Override other : TABLE) {
            if (other != override && !env.containsKey(other.variable())) {
                assertThat(other.reader().apply(c)).as("%s changed %s", override.variable(), other.variable())
                        .isEqualTo(other.reader().apply(defaults));
            }
        }
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("HS256 without secret", Map.of("APP_JWT_ALGORITHM", "HS256")),
                arguments("HS256 with a secret of 31 bytes", Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", "s".repeat(31))),
                arguments("HS256 with a key file", Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                        "APP_JWT_KEY_FILE", "/k.json")),
                arguments("unknown algorithm", Map.of("APP_JWT_ALGORITHM", "none")),
                arguments("grace shorter than the token life", Map.of("APP_JWT_KEY_GRACE", "PT14M")),
                arguments("grace shorter than the room token life", Map.of("APP_ROOM_TOKEN_TTL", "PT1H")),
                arguments("token life of 5 s", Map.of("APP_TOKEN_TTL", "5s")),
                arguments("zero room token life", Map.of("APP_ROOM_TOKEN_TTL", "0s")),
                arguments("admin key of 15 bytes", Map.of("APP_ADMIN_KEY", "k".repeat(15))),
                arguments("port out of range", Map.of("APP_PORT", "65536")),
                arguments("port not a number", Map.of("APP_PORT", "http")),
                arguments("duration not a duration", Map.of("APP_TOKEN_TTL", "soon")),
                arguments("hook secret of 31 bytes", Map.of("CHAT_HOOK_SECRET", "h".repeat(31))),
                arguments("webhook secret of 31 bytes", Map.of("CHAT_WEBHOOK_SECRET", "w".repeat(31))),
                arguments("a blocked word with a space", Map.of("APP_BLOCKED_WORDS", "bad word")),
                arguments("a masked word of two letters", Map.of("APP_MASKED_WORDS", "no")),
                arguments("no event kept", Map.of("APP_EVENTS_KEPT", "0")),
                arguments("zero tolerance", Map.of("APP_SIGNATURE_TOLERANCE", "0s")),
                arguments("an API URL that is not http", Map.of("CHAT_API_URL", "ftp://gateway/api", "CHAT_API_KEY", "k".repeat(24))),
                arguments("an API URL without a key", Map.of("CHAT_API_URL", "http://gateway:9090/api/v1")),
                arguments("a variable and its file", Map.of("CHAT_API_KEY", "k".repeat(24), "CHAT_API_KEY_FILE", "/nonexistent")),
                arguments("a file that does not exist", Map.of("CHAT_API_KEY_FILE", "/nonexistent/key")));
    }

    @Test
    void readsAValueFromTheFileNamedByTheFileVariable(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path key = dir.resolve("api-key");
        Files.writeString(key, "k".repeat(30) + "\n");

        AppConfig config = ConfigLoader.load(Map.of("CHAT_API_URL", "http://gateway:9090/api/v1", "CHAT_API_KEY_FILE", key.toString()));

        assertThat(config.chat().apiKey()).isEqualTo("k".repeat(30));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void refusesInvalidSettings(String description, Map<String, String> env) {
        assertThatIllegalArgumentException().as(description).isThrownBy(() -> ConfigLoader.load(env));
    }

    @Test
    void acceptsHs256WithASecretOfExactly32BytesAndIgnoresTheGraceThere() {
        Map<String, String> env = new HashMap<>(Map.of("APP_JWT_ALGORITHM", "hs256", "CHAT_AUTH_JWT_SECRET", "s".repeat(32),
                "APP_JWT_KEY_GRACE", "1m"));

        assertThat(ConfigLoader.load(env).signing().algorithm()).isEqualTo(AppConfig.Algorithm.HS256);
    }

    /** The README's configuration table lists every variable with the default of application.yaml. */
    @Test
    void theReadmeTableListsEveryVariableWithTheDefaultOfApplicationYaml() throws IOException {
        Map<String, String> documented = readmeDefaults();
        io.helidon.config.Config yaml = ConfigLoader.tree(Map.of());

        assertThat(documented.keySet()).containsExactlyInAnyOrderElementsOf(EnvMapping.VARIABLES.keySet());
        EnvMapping.VARIABLES.forEach((variable, key) -> assertThat(documented.get(variable))
                .as("README default of %s (application.yaml %s)", variable, key)
                .isEqualTo(yaml.get(key).asString().orElseThrow()));
    }

    /** Variable to default from the rows of the README's "Configuration" section ("empty" for an empty default). */
    private static Map<String, String> readmeDefaults() throws IOException {
        String readme = Files.readString(Path.of(System.getProperty("user.dir"), "README.md"));
        int start = readme.indexOf("\n## Configuration");
        int end = readme.indexOf("\n## ", start + 1);
        assertThat(start).as("README has a Configuration section").isPositive();
        Pattern row = Pattern.compile("^\\|\\s*`([A-Z_]+)`\\s*\\|\\s*([^|]*?)\\s*\\|.*$");
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            Matcher m = row.matcher(line);
            if (m.matches()) {
                String cell = m.group(2);
                defaults.put(m.group(1), cell.startsWith("`") && cell.endsWith("`") ? cell.substring(1, cell.length() - 1) : "");
            }
        }
        return defaults;
    }

    record Override(String variable, String value, Function<AppConfig, Object> reader, Object expected) {
        @java.lang.Override
        public String toString() {
            return variable;
        }
    }
}
