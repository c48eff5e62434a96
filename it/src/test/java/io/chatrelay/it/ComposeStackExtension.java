package io.chatrelay.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * The one compose-stack fixture of the integration tests, a JUnit 5 extension:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ComposeStackExtension STACK = ComposeStackExtension.of();                          // docker-compose.yml
 * @RegisterExtension
 * static final ComposeStackExtension STACK = ComposeStackExtension.of("docker-compose.cluster.yml"); // + an override
 * }</pre>
 *
 * <p>Before the class's tests (and before its {@code @BeforeAll} methods) it checks the
 * preconditions, then starts one {@link ComposeStack} for the class and waits until it is fully
 * up. After each test it closes the clients the test {@link #track tracked}. After the class (after
 * its {@code @AfterAll} methods), always, even when the start failed: every container's log to
 * {@code it/target/compose-logs/}, {@code docker compose down -v}, and any container of the project
 * still there removed.
 */
final class ComposeStackExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final Logger LOG = Logger.getLogger(ComposeStackExtension.class.getName());

    private final List<String> files;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Runnable> preconditions = new ArrayList<>();
    private final List<AutoCloseable> tracked = new CopyOnWriteArrayList<>();
    private volatile ComposeStack stack;

    private ComposeStackExtension(List<String> files) {
        this.files = List.copyOf(files);
    }

    /**
     * The stack of {@code docker-compose.yml} plus override files.
     *
     * @param overrideFiles paths relative to the repository root, e.g. {@code docker-compose.cluster.yml}
     * @return the fixture
     */
    static ComposeStackExtension of(String... overrideFiles) {
        return new ComposeStackExtension(List.of(overrideFiles));
    }

    /**
     * Extra environment for compose's variable substitution.
     *
     * @param name  the variable
     * @param value its value
     * @return this
     */
    ComposeStackExtension withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /**
     * A check that must pass before the stack is started (it is not started when one fails).
     *
     * @param check throws when the class cannot run
     * @return this
     */
    ComposeStackExtension requiring(Runnable check) {
        preconditions.add(check);
        return this;
    }

    /**
     * The running stack.
     *
     * @return it
     * @throws IllegalStateException outside the class's lifecycle
     */
    ComposeStack stack() {
        ComposeStack s = stack;
        if (s == null) {
            throw new IllegalStateException("the compose stack is not running (used outside its test class?)");
        }
        return s;
    }

    /**
     * Closes a client (or anything) after the current test.
     *
     * @param closeable the client
     * @param <T>       its type
     * @return it
     */
    <T extends AutoCloseable> T track(T closeable) {
        tracked.add(closeable);
        return closeable;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        preconditions.forEach(Runnable::run);
        ComposeStack s = new ComposeStack(files, env);
        stack = s;
        try {
            s.start();
        } catch (RuntimeException | Error e) {
            // torn down here, whether or not JUnit calls afterAll after a failed beforeAll
            LOG.warning("the stack of " + context.getDisplayName() + " did not come up: " + e);
            stack = null;
            s.close();
            throw e;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failed = null;
        for (AutoCloseable c : tracked) {
            try {
                c.close();
            } catch (Exception e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        tracked.clear();
        if (failed != null) {
            throw failed;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ComposeStack s = stack;
        stack = null;
        if (s != null) {
            s.close();
        }
    }
}
