package io.chatrelay.example;

import io.chatrelay.example.support.TestBackend;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static io.chatrelay.example.support.TestBackend.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

class HttpDoorTest {
    private static final String PAGE = "http://localhost:8080";

    @Test
    void answersThePreflightOfAnAllowedOrigin() {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                "APP_CORS_ORIGINS", PAGE + ", https://chat.example"))) {
            HttpResponse<String> r = app.send(HttpRequest.newBuilder(app.uri("/login"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", PAGE).header("Access-Control-Request-Method", "POST")
                    .header("Access-Control-Request-Headers", "content-type").build());

            assertThat(r.statusCode()).isEqualTo(204);
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
            assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(h ->
                    assertThat(h).contains("Authorization", "Content-Type"));
        }
    }

    @Test
    void allowsAnAllowedOriginOnTheRealRequestOnly() {
        try (TestBackend app = TestBackend.start(Map.of("APP_JWT_ALGORITHM", "HS256", "CHAT_AUTH_JWT_SECRET", SECRET,
                "APP_CORS_ORIGINS", PAGE))) {
            HttpResponse<String> allowed = app.send(HttpRequest.newBuilder(app.uri("/health")).header("Origin", PAGE).build());
            HttpResponse<String> other = app.send(HttpRequest.newBuilder(app.uri("/health"))
                    .header("Origin", "https://evil.example").build());

            assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
            assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void sendsNoCorsHeadersByDefault() {
        try (TestBackend app = TestBackend.withSecret()) {
            HttpResponse<String> r = app.send(HttpRequest.newBuilder(app.uri("/health")).header("Origin", PAGE).build());

            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void refusesABodyLargerThanTheLimit() {
        try (TestBackend app = TestBackend.withSecret()) {
            String big = "{\"user\":\"alice\",\"password\":\"" + "x".repeat(20_000) + "\"}";

            // with Expect: 100-continue, as clients send large bodies: the backend answers 413 on
            // the headers; without it, the answer can be lost to the reset of a connection that
            // the backend closes while the client is still sending the body
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(app.uri("/login"))
                    .timeout(java.time.Duration.ofSeconds(10)).expectContinue(true).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(big)).build();

            assertThat(app.send(request).statusCode()).isEqualTo(413);
        }
    }
}
