package io.chatrelay.example.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWKSet;
import io.chatrelay.example.AppBackend;
import io.chatrelay.example.config.ConfigLoader;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend in the test JVM, on a free port, configured through the same environment mapping
 * as in production, on a {@link MutableClock}; and a JDK HttpClient to call it.
 */
public final class TestBackend implements AutoCloseable {
    /** An HS256 secret for tests. */
    public static final String SECRET = "test-secret-0123456789abcdef-0123456789";
    /** The admin key of {@link #start}. */
    public static final String ADMIN_KEY = "admin-key-for-tests-0123";
    /** The built-in demo password of alice. */
    public static final String ALICE_PASSWORD = "alice-demo-password";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final MutableClock clock;
    private final AppBackend backend;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private TestBackend(Map<String, String> env) {
        // whole seconds, as in exp: expected expiries are then exact
        this.clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Map<String, String> all = new HashMap<>(Map.of("APP_PORT", "0", "APP_ADMIN_KEY", ADMIN_KEY));
        all.putAll(env);
        this.backend = AppBackend.start(ConfigLoader.load(all), clock);
    }

    /**
     * Starts a backend.
     *
     * @param env environment variables over {@code APP_PORT=0} and {@link #ADMIN_KEY}
     * @return the running backend
     */
    public static TestBackend start(Map<String, String> env) {
        return new TestBackend(env);
    }

    /**
     * Starts an HS256 backend with {@link #SECRET}.
     *
     * @return the running backend
     */
    public static TestBackend withSecret() {
        return start(Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET));
    }

    /**
     * Its clock.
     *
     * @return the clock
     */
    public MutableClock clock() {
        return clock;
    }

    /**
     * A URI on the backend.
     *
     * @param path the path
     * @return the URI
     */
    public URI uri(String path) {
        return URI.create("http://localhost:" + backend.port() + path);
    }

    /**
     * A POST.
     *
     * @param path   the path
     * @param body   JSON, or {@code null} for none
     * @param bearer the Authorization Bearer token, or {@code null}
     * @return the response
     */
    public HttpResponse<String> post(String path, String body, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT)
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return send(b.build());
    }

    /**
     * A POST signed as the gateway signs its hooks and webhooks, now.
     *
     * @param path    the path
     * @param body    the JSON body
     * @param secret  the secret to sign with
     * @param headers more headers, name and value alternating
     * @return the response
     */
    public HttpResponse<String> signedPost(String path, String body, String secret, String... headers) {
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String signature = new io.chatrelay.example.chat.SignatureCheck(secret, Duration.ofMinutes(5), clock)
                .sign(clock.instant().getEpochSecond(), bytes);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).header("Content-Type", "application/json")
                .header(io.chatrelay.example.chat.SignatureCheck.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    /**
     * A GET.
     *
     * @param path the path
     * @return the response
     */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).GET().build());
    }

    /**
     * A GET with the admin key.
     *
     * @param path the path
     * @return the response
     */
    public HttpResponse<String> adminGet(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).header("Authorization", "Bearer " + ADMIN_KEY).GET().build());
    }

    /**
     * Sends a request.
     *
     * @param request the request
     * @return the response
     */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Logs a user in and returns the reply, asserting 200.
     *
     * @param user     the user id
     * @param password the password
     * @return {@code {"token","expires"}}
     */
    public JsonNode login(String user, String password) {
        HttpResponse<String> r = post("/login", "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    /**
     * The connection token of alice.
     *
     * @return a token
     */
    public String aliceToken() {
        return login("alice", ALICE_PASSWORD).get("token").asText();
    }

    /**
     * Rotates the key with the admin key, asserting 200.
     *
     * @return the reply
     */
    public JsonNode rotate() {
        HttpResponse<String> r = post("/admin/rotate", null, ADMIN_KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    /**
     * The published JWKS.
     *
     * @return the key set
     */
    public JWKSet jwks() {
        HttpResponse<String> r = get("/.well-known/jwks.json");
        assertThat(r.statusCode()).isEqualTo(200);
        try {
            return JWKSet.parse(r.body());
        } catch (ParseException e) {
            throw new AssertionError("JWKS does not parse: " + r.body(), e);
        }
    }

    /**
     * A response body as JSON.
     *
     * @param r the response
     * @return the tree
     */
    public static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
