package io.chatrelay.example;

import com.nimbusds.jose.JWSAlgorithm;
import io.chatrelay.example.access.ChatAccess;
import io.chatrelay.example.chat.EventInbox;
import io.chatrelay.example.config.AppConfig;
import io.chatrelay.example.directory.DemoDirectory;
import io.chatrelay.example.directory.Directory;
import io.chatrelay.example.http.Routes;
import io.chatrelay.example.keys.KeyRing;
import io.chatrelay.example.keys.SharedSecret;
import io.chatrelay.example.keys.SigningKeys;
import io.chatrelay.example.tokens.TokenIssuer;
import io.helidon.webserver.WebServer;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The one composition root: the directory, the signing keys, the token issuer, the access
 * rules, the answers to the gateway's hooks, the webhook inbox and the Helidon WebServer that
 * serves them.
 */
public final class AppBackend implements AutoCloseable {
    private static final Logger LOG = System.getLogger(AppBackend.class.getName());
    /** Largest request body: logins and tokens are small. */
    static final long MAX_PAYLOAD = 16 * 1024;

    private final SigningKeys keys;
    private final WebServer server;

    private AppBackend(AppConfig config, Clock clock) {
        this.keys = keys(config.signing(), clock);
        Directory directory = directory(config.directory());
        ChatAccess access = new ChatAccess(directory, new TokenIssuer(keys, config.tokens(), clock));
        this.server = WebServer.builder()
                .port(config.port())
                .maxPayloadSize(MAX_PAYLOAD)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .routing(routing -> Routes.register(routing, access, keys, config, new EventInbox(config.chat().eventsKept()), clock))
                .build();
    }

    /**
     * Builds and starts the backend.
     *
     * @param config settings
     * @param clock  the time tokens and key grace periods are counted in
     * @return the running backend
     */
    public static AppBackend start(AppConfig config, Clock clock) {
        AppBackend backend = new AppBackend(config, clock);
        backend.server.start();
        LOG.log(Level.INFO, "event=app_backend_started port={0} algorithm={1}", String.valueOf(backend.port()),
                backend.keys.algorithm().getName());
        return backend;
    }

    /**
     * The port it listens on.
     *
     * @return the bound port
     */
    public int port() {
        return server.port();
    }

    /**
     * The signing keys (to rotate from code, or to read the JWKS without HTTP).
     *
     * @return the keys
     */
    public SigningKeys keys() {
        return keys;
    }

    /** Stops the server. */
    @Override
    public void close() {
        server.stop();
    }

    private static SigningKeys keys(AppConfig.Signing signing, Clock clock) {
        return switch (signing.algorithm()) {
            case HS256 -> new SharedSecret(signing.secret());
            case RS256, ES256 -> {
                JWSAlgorithm alg = JWSAlgorithm.parse(signing.algorithm().name());
                if (signing.keyFile().isEmpty()) {
                    LOG.log(Level.INFO, "event=signing_key_generated algorithm={0} (tokens do not survive a restart;"
                            + " use APP_JWT_KEY_FILE with more than one backend)", alg.getName());
                    yield KeyRing.generate(alg, signing.keyGrace(), clock);
                }
                yield KeyRing.load(alg, Path.of(signing.keyFile()), signing.keyGrace(), clock);
            }
        };
    }

    private static Directory directory(String file) {
        if (file.isEmpty()) {
            LOG.log(Level.WARNING, "event=demo_directory users=built-in (public demo passwords: an example, not a user store)");
            return DemoDirectory.builtIn();
        }
        return DemoDirectory.load(Path.of(file));
    }
}
