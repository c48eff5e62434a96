package io.chatrelay.chat.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies the JWTs that applications issue (connection tokens and room tokens), with nimbus:
 * HS256 with a shared secret, and RS256/ES256 with public keys from a JWKS document (an
 * {@code https://} or {@code http://} URL, or a {@code file:} path) that is cached and fetched
 * again when it expires or when a token names a key it does not know, so keys rotate without a
 * restart. {@code exp} and {@code sub} are required; {@code iss} and {@code aud} are checked when
 * configured. No clock skew is allowed.
 */
public final class TokenVerifier {
    /** Algorithms accepted with the shared secret. */
    static final Set<JWSAlgorithm> SECRET_ALGORITHMS = Set.of(JWSAlgorithm.HS256);
    /** Algorithms accepted with JWKS keys. */
    static final Set<JWSAlgorithm> KEY_ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);

    /**
     * What tokens are checked against.
     *
     * @param secret   HS256 secret (at least 32 bytes), or empty for none
     * @param jwks     JWKS location ({@code https://...} or {@code file:/...}), or empty for none
     * @param issuer   required {@code iss}, or empty for any
     * @param audience required {@code aud} (one of the token's), or empty for any
     * @param jwksTtl  how long a fetched JWKS is used before it is fetched again
     */
    public record Settings(String secret, String jwks, String issuer, String audience, Duration jwksTtl) {
        /** Validates. */
        public Settings {
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(jwks, "jwks");
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(audience, "audience");
            Objects.requireNonNull(jwksTtl, "jwksTtl");
            if (!secret.isEmpty() && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("jwt secret must have at least 32 bytes");
            }
            if (!jwks.isEmpty() && !(jwks.startsWith("https://") || jwks.startsWith("http://") || jwks.startsWith("file:"))) {
                throw new IllegalArgumentException("jwks must be an http(s):// URL or a file: path");
            }
        }

        /**
         * Whether any key is configured.
         *
         * @return {@code true} with a secret or a JWKS
         */
        public boolean enabled() {
            return !secret.isEmpty() || !jwks.isEmpty();
        }
    }

    /** A token that was refused, with a reason safe to show. */
    public static final class BadTokenException extends Exception {
        private static final long serialVersionUID = 1L;

        public BadTokenException(String message) {
            super(message, null, false, false);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> withSecret;
    private final DefaultJWTProcessor<SecurityContext> withKeys;

    /**
     * Creates a verifier.
     *
     * @param settings keys and required claims
     */
    public TokenVerifier(Settings settings) {
        this.withSecret = settings.secret().isEmpty() ? null
                : processor(new JWSVerificationKeySelector<>(SECRET_ALGORITHMS,
                        new ImmutableSecret<>(settings.secret().getBytes(StandardCharsets.UTF_8))), settings);
        this.withKeys = settings.jwks().isEmpty() ? null
                : processor(new JWSVerificationKeySelector<>(KEY_ALGORITHMS, jwkSource(settings)), settings);
    }

    private static JWKSource<SecurityContext> jwkSource(Settings settings) {
        try {
            URL url = URI.create(settings.jwks()).toURL();
            ResourceRetriever retriever = url.getProtocol().equals("file") ? new FileRetriever()
                    : new DefaultResourceRetriever(2000, 2000, 256 * 1024);
            long ttl = settings.jwksTtl().toMillis();
            return JWKSourceBuilder.<SecurityContext>create(url, retriever)
                    .cache(ttl, Math.min(ttl, 5000))
                    // an unknown key id fetches again, at most once per this interval
                    .rateLimited(Math.max(1, Math.min(ttl / 2, 10_000)))
                    .refreshAheadCache(false)
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid jwks location: " + settings.jwks(), e);
        }
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSKeySelector<SecurityContext> keys, Settings settings) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(keys);
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (!settings.issuer().isEmpty()) {
            exact.issuer(settings.issuer());
        }
        Set<String> audience = settings.audience().isEmpty() ? null : Set.of(settings.audience());
        DefaultJWTClaimsVerifier<SecurityContext> claims =
                new DefaultJWTClaimsVerifier<>(audience, exact.build(), new HashSet<>(Set.of("sub", "exp")), null);
        claims.setMaxClockSkew(0);
        p.setJWTClaimsSetVerifier(claims);
        return p;
    }

    /**
     * Whether tokens can be verified at all.
     *
     * @return {@code true} when a secret or a JWKS is configured
     */
    public boolean enabled() {
        return withSecret != null || withKeys != null;
    }

    /**
     * Verifies a token: signature, algorithm, {@code exp} (in the future), {@code sub}, and
     * {@code iss}/{@code aud} when configured.
     *
     * @param token the compact JWT
     * @return its claims
     * @throws BadTokenException when it is refused
     */
    public JWTClaimsSet verify(String token) throws BadTokenException {
        JWSAlgorithm alg;
        try {
            alg = SignedJWT.parse(token).getHeader().getAlgorithm();
        } catch (ParseException e) {
            throw new BadTokenException("not a signed JWT");
        }
        DefaultJWTProcessor<SecurityContext> processor = SECRET_ALGORITHMS.contains(alg) ? withSecret
                : KEY_ALGORITHMS.contains(alg) ? withKeys : null;
        if (processor == null) {
            throw new BadTokenException(enabled() ? "token algorithm not accepted" : "tokens are not configured on this gateway");
        }
        try {
            return processor.process(token, null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            throw new BadTokenException("invalid or expired token");
        }
    }

    /** Reads a JWKS file each time the cache asks (the cache decides how often). */
    private static final class FileRetriever implements ResourceRetriever {
        @Override
        public Resource retrieveResource(URL url) throws IOException {
            try {
                Path path = Path.of(url.toURI());
                if (Files.size(path) > 256 * 1024) {
                    throw new IOException("jwks file larger than 256 KiB");
                }
                return new Resource(Files.readString(path), "application/json");
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
        }
    }
}
