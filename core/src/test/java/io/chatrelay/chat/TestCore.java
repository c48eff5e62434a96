package io.chatrelay.chat;

import io.chatrelay.broker.memory.InMemoryBroker;
import io.chatrelay.chat.protocol.ServerFrames;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A chat core on the in-memory broker, with short presence timings, and clients attached to it
 * without any server: what the core's unit tests run against.
 */
public final class TestCore implements AutoCloseable {
    private static final AtomicLong IDS = new AtomicLong();
    /** The HS256 secret of {@link ChatSecurity#defaults} in these tests. */
    public static final String SECRET = "test-secret-of-at-least-thirty-two-bytes";

    private final InMemoryBroker broker;
    private final ChatCore core;

    /**
     * Settings for tests: 200 characters of text, 4 rooms, 100 connections, 16 arrivals at once (5 s wait), history of 1000 with
     * pages of {@code pageBytes}, presence ttl 2 s / refresh 500 ms / sweep 200 ms / linger 300 ms.
     *
     * @param maxConnections connection cap
     * @param pageBytes      page size in bytes
     * @return the settings
     */
    public static ChatSettings settings(int maxConnections, int pageBytes) {
        return new ChatSettings("node-a", "lobby", new ChatSettings.Limits(200, 4, maxConnections, 3, 16, Duration.ofSeconds(5)),
                new ChatSettings.History(1000, 50, pageBytes, Duration.ofDays(7), Duration.ofDays(30)),
                new ChatSettings.Presence(Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofMillis(200),
                        Duration.ofMillis(300)),
                new ChatSettings.Messages(Duration.ofMinutes(10), 20),
                Duration.ofSeconds(5));
    }

    /** A started core with default test settings. */
    public TestCore() {
        this(settings(100, 262_144));
    }

    /**
     * A started core.
     *
     * @param settings settings
     */
    public TestCore(ChatSettings settings) {
        this(settings, ChatSecurity.defaults(SECRET));
    }

    /**
     * A started core with given security.
     *
     * @param settings settings
     * @param security who may connect and join what
     */
    public TestCore(ChatSettings settings, ChatSecurity security) {
        this(settings, security, ChatHooks.NONE, ChatEvents.NONE);
    }

    /**
     * A started core with the application's hooks and an event sink.
     *
     * @param settings settings
     * @param security who may connect and join what
     * @param hooks    the application's hooks
     * @param events   where events go
     */
    public TestCore(ChatSettings settings, ChatSecurity security, ChatHooks hooks, ChatEvents events) {
        broker = new InMemoryBroker(settings.history().maxLen());
        core = new ChatCore(settings, new ChatBackend(broker, broker.presenceStore(settings.nodeId(), settings.presence().ttl(),
                settings.presence().sweep()), broker.userDirectory(settings.history().directTtl()), broker.readState(),
                broker.moderation(), broker.eventLog(1000)), security, ChatMetrics.NONE, hooks, events);
        core.start();
    }

    /**
     * The broker under the core.
     *
     * @return the broker
     */
    public InMemoryBroker broker() {
        return broker;
    }

    /**
     * The core.
     *
     * @return the core
     */
    public ChatCore core() {
        return core;
    }

    /**
     * Opens a protocol-1 session (welcome, inbox, lobby).
     *
     * @param user the user id
     * @return the client
     */
    public Client connect(String user) {
        return connect(user, ServerFrames.PROTOCOL_1, Map.of());
    }

    /**
     * Opens a session.
     *
     * @param user     the user id
     * @param protocol 1 or 2
     * @param resume   rooms to resume
     * @return the client
     */
    public Client connect(String user, int protocol, Map<String, String> resume) {
        return connect(new Identity(user, false), protocol, resume);
    }

    /**
     * Opens a session for an identity.
     *
     * @param identity who
     * @param protocol 1 or 2
     * @param resume   rooms to resume
     * @return the client
     */
    public Client connect(Identity identity, int protocol, Map<String, String> resume) {
        RecordingRecipient out = new RecordingRecipient();
        Session session = new Session("s" + IDS.incrementAndGet(), identity, out, protocol);
        boolean admitted = core.open(session, resume);
        return new Client(session, out, admitted);
    }

    /**
     * A session with its recorded frames.
     *
     * @param session  the session
     * @param out      what it received
     * @param admitted whether the core admitted it
     */
    public record Client(Session session, RecordingRecipient out, boolean admitted) {
        /**
         * Sends a text frame as the client would.
         *
         * @param core the core
         * @param text the frame
         */
        public void send(ChatCore core, String text) {
            core.onText(session, text);
        }
    }

    @Override
    public void close() {
        core.close();
    }
}
