package io.chatrelay.example;

import com.nimbusds.jose.JWSAlgorithm;
import io.chatrelay.example.config.ConfigLoader;
import io.chatrelay.example.keys.KeyFiles;
import io.helidon.logging.common.LogConfig;

import java.time.Clock;

/**
 * Starts the backend from the environment, or, with {@code generate-key [RS256|ES256]}, prints a
 * new private key (a JWK) for {@code APP_JWT_KEY_FILE} and exits.
 */
public final class Main {
    private Main() {
    }

    /**
     * Entry point.
     *
     * @param args none to run the server; {@code generate-key [RS256|ES256]} to print a key
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("generate-key")) {
            JWSAlgorithm alg = JWSAlgorithm.parse(args.length > 1 ? args[1] : "RS256");
            System.out.println(KeyFiles.Kind.of(alg).generate().toJSONString());
            return;
        }
        LogConfig.configureRuntime();
        AppBackend backend = AppBackend.start(ConfigLoader.load(System.getenv()), Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(backend::close, "shutdown"));
    }
}
