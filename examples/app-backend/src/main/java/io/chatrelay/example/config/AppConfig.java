package io.chatrelay.example.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The settings of the example app backend, validated. Defaults are written only in
 * {@code application.yaml}; {@link ConfigLoader} reads them and the environment.
 *
 * @param port        HTTP port (0: any free port, for tests)
 * @param signing     how tokens are signed
 * @param tokens      what tokens carry and how long they live
 * @param adminKey    the Bearer key of {@code POST /admin/rotate}; empty: rotation is off
 * @param directory   path of a directory file (users, room memberships); empty: the built-in demo users
 * @param corsOrigins browser origins that may call the backend ({@code *}: any); empty: none
 * @param chat        the gateway's hooks and webhooks, as this app answers them
 */
public record AppConfig(int port, Signing signing, Tokens tokens, String adminKey, String directory, List<String> corsOrigins,
                        Chat chat) {
    /** Least bytes of an admin key. */
    public static final int MIN_ADMIN_KEY = 16;

    /** Validates. */
    public AppConfig {
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(directory, "directory");
        corsOrigins = List.copyOf(corsOrigins);
        Objects.requireNonNull(chat, "chat");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0-65535, was: " + port);
        }
        if (!adminKey.isEmpty() && adminKey.getBytes(StandardCharsets.UTF_8).length < MIN_ADMIN_KEY) {
            throw new IllegalArgumentException("admin key must have at least " + MIN_ADMIN_KEY + " bytes");
        }
        Duration longest = tokens.ttl().compareTo(tokens.roomTtl()) >= 0 ? tokens.ttl() : tokens.roomTtl();
        if (signing.algorithm() != Algorithm.HS256 && signing.keyGrace().compareTo(longest) < 0) {
            throw new IllegalArgumentException("key grace (" + signing.keyGrace() + ") must be at least the longest token life ("
                    + longest + "): tokens signed just before a rotation must verify until they expire");
        }
    }

    /** The signature algorithms the gateway accepts. */
    public enum Algorithm {
        /** HMAC with the secret the gateway has too ({@code CHAT_AUTH_JWT_SECRET}). */
        HS256,
        /** RSA 2048 key pair; the public key is published as a JWKS ({@code CHAT_AUTH_JWKS}). */
        RS256,
        /** EC P-256 key pair; the public key is published as a JWKS ({@code CHAT_AUTH_JWKS}). */
        ES256
    }

    /**
     * How tokens are signed.
     *
     * @param algorithm the algorithm
     * @param secret    HS256 secret (at least 32 bytes); ignored with a key pair
     * @param keyFile   RS256/ES256: a private key file (JWK, JWK set or PEM); empty: a key generated at start
     * @param keyGrace  how long a key rotated out stays published (and accepted here)
     */
    public record Signing(Algorithm algorithm, String secret, String keyFile, Duration keyGrace) {
        /** Validates. */
        public Signing {
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(keyFile, "keyFile");
            positive(keyGrace, "key grace");
            if (algorithm == Algorithm.HS256 && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("HS256 needs CHAT_AUTH_JWT_SECRET of at least 32 bytes");
            }
            if (algorithm == Algorithm.HS256 && !keyFile.isEmpty()) {
                throw new IllegalArgumentException("a key file is for RS256 or ES256, not HS256");
            }
        }
    }

    /**
     * What tokens carry and how long they live.
     *
     * @param ttl      life of a connection token
     * @param roomTtl  life of a room token
     * @param issuer   {@code iss} of every token, or empty for none
     * @param audience {@code aud} of every token, or empty for none
     */
    public record Tokens(Duration ttl, Duration roomTtl, String issuer, String audience) {
        /** Validates. */
        public Tokens {
            positive(ttl, "token ttl");
            positive(roomTtl, "room token ttl");
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            if (ttl.toSeconds() < 10 || roomTtl.toSeconds() < 10) {
                throw new IllegalArgumentException("token lives must be at least 10 seconds (exp has second precision)");
            }
        }
    }

    /**
     * How the app answers the gateway's hooks and receives its webhooks.
     *
     * @param hookSecret         the gateway's {@code CHAT_HOOK_SECRET} (at least 32 bytes); empty: the hook endpoints are off
     * @param webhookSecret      the gateway's {@code CHAT_WEBHOOK_SECRET} (at least 32 bytes); empty: the webhook endpoint is off
     * @param signatureTolerance how far a signature's timestamp may be from this clock (older: a replay, refused)
     * @param blockedWords       words that make the publish hook refuse a message (whole words, any case)
     * @param maskedWords        words the publish hook masks ({@code darn} becomes {@code d**n})
     * @param eventsKept         webhook events kept for {@code GET /chat/events}, and remembered to drop duplicates
     */
    public record Chat(String hookSecret, String webhookSecret, Duration signatureTolerance, List<String> blockedWords,
                       List<String> maskedWords, int eventsKept, String apiUrl, String apiKey, String supportGreeting) {
        /** Least bytes of a secret (the gateway's rule). */
        public static final int MIN_SECRET = 32;

        /**
         * Whether the app calls the gateways' server API.
         *
         * @return {@code true} when its URL is set
         */
        public boolean callsApi() {
            return !apiUrl.isEmpty();
        }

        /** Validates. */
        public Chat {
            Objects.requireNonNull(hookSecret, "hookSecret");
            Objects.requireNonNull(webhookSecret, "webhookSecret");
            positive(signatureTolerance, "signature tolerance");
            blockedWords = List.copyOf(blockedWords);
            maskedWords = List.copyOf(maskedWords);
            for (String secret : List.of(hookSecret, webhookSecret)) {
                if (!secret.isEmpty() && secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET) {
                    throw new IllegalArgumentException("hook and webhook secrets must have at least " + MIN_SECRET + " bytes");
                }
            }
            for (String word : java.util.stream.Stream.concat(blockedWords.stream(), maskedWords.stream()).toList()) {
                if (!word.matches("[\\p{L}\\p{N}'-]{3,40}")) {
                    throw new IllegalArgumentException("blocked and masked words must be 3-40 letters, digits, ' or -, was: " + word);
                }
            }
            if (eventsKept < 1 || eventsKept > 100_000) {
                throw new IllegalArgumentException("events kept must be 1-100000, was: " + eventsKept);
            }
            Objects.requireNonNull(apiUrl, "apiUrl");
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(supportGreeting, "supportGreeting");
            if (!apiUrl.isEmpty() && !apiUrl.matches("https?://.+")) {
                throw new IllegalArgumentException("the server API URL must be http(s)://..., was: " + apiUrl);
            }
            if (!apiUrl.isEmpty() && apiKey.length() < 24) {
                throw new IllegalArgumentException("calling the server API needs CHAT_API_KEY (at least 24 characters)");
            }
            if (supportGreeting.length() > 500) {
                throw new IllegalArgumentException("the support greeting must be at most 500 characters");
            }
        }
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was: " + d);
        }
    }
}
