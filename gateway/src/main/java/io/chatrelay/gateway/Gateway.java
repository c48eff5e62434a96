package io.chatrelay.gateway;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerListener;
import io.chatrelay.broker.BrokerState;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.room.PresenceService;
import io.chatrelay.gateway.room.RoomRegistry;
import io.chatrelay.gateway.ws.Connections;
import io.chatrelay.gateway.ws.Handshake;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One running gateway: the Helidon WebServer with {@code /ws}, the browser client, health and
 * metrics, wired to a {@link Broker}. {@link #drain} is the graceful shutdown.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private static final String CLIENT = "chat-relay-client";

    private final GatewayConfig config;
    private final Broker broker;
    private final RoomRegistry registry;
    private final PresenceService presence;
    private final Connections connections;
    private final ScheduledExecutorService heartbeat =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("ws-heartbeat").factory());
    private final Drain drain;
    private final WebServer server;

    private Gateway(GatewayConfig config, Broker broker) {
        this.config = config;
        this.broker = broker;
        GatewayMetrics metrics = new GatewayMetrics(config.nodeId());
        this.registry = new RoomRegistry(broker, config.redis().timeout());
        this.presence = new PresenceService(broker, config.nodeId(), config.presence(), config.redis().timeout());
        this.connections = new Connections(config, broker, registry, presence, metrics);
        this.drain = new Drain(connections, config.drainGrace());
        metrics.gauge("chat_rooms", "topics with local members", config.nodeId(), () -> registry.topics().size());
        metrics.gauge("chat_deliveries", "frames offered to local members", config.nodeId(), registry::deliveries);
        broker.start(new BrokerListener() {
            private boolean wasDown;

            @Override
            public void onFrame(StoredFrame frame) {
                registry.fanOut(frame);
                if (!frame.ephemeral()) {
                    metrics.delivered(frame.frame(), System.currentTimeMillis());
                }
            }

            @Override
            public void onStateChange(BrokerState state) {
                LOG.log(Level.INFO, "event=broker_state node={0} state={1}", config.nodeId(), state);
                if (state == BrokerState.DOWN) {
                    wasDown = true;
                } else if (state == BrokerState.UP && wasDown) {
                    wasDown = false;
                    metrics.brokerReconnected();
                }
            }
        });
        this.server = WebServer.builder()
                .port(config.port())
                // Nagle would hold the second of two quick frames to a client until its delayed ACK
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.just(HealthObserver.builder()
                        .details(true)
                        .addCheck(this::readiness, HealthCheckType.READINESS, "broker")
                        .build(), MetricsObserver.create()))
                .addFeature(StaticContentFeature.builder().build())
                .addProtocol(WsConfig.builder().maxFrameLength(config.limits().maxFrame()).name("websocket").build())
                .routing(this::routing)
                .addRouting(WsRouting.builder().endpoint("/ws", connections::newEndpoint))
                .build();
    }

    /**
     * Starts a gateway.
     *
     * @param config settings
     * @param broker the broker (not yet started); closed with the gateway
     * @return the running gateway
     */
    public static Gateway start(GatewayConfig config, Broker broker) {
        Gateway gateway = new Gateway(config, broker);
        gateway.server.start();
        gateway.presence.start();
        long interval = config.heartbeat().interval().toMillis();
        gateway.heartbeat.scheduleWithFixedDelay(gateway.connections::heartbeat, interval, interval, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "event=gateway_started node={0} port={1} broker={2}", config.nodeId(), String.valueOf(gateway.port()),
                broker.getClass().getSimpleName());
        return gateway;
    }

    private void routing(HttpRouting.Builder routing) {
        byte[] index = resource(CLIENT + "/index.html");
        routing.get("/client", (req, res) -> res.header("Content-Type", MediaTypes.TEXT_HTML.text()).send(index))
                .get("/ws", this::notUpgraded)
                .register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                        .location(CLIENT).welcome("index.html").build()));
    }

    /** A GET /ws that did not become a WebSocket: say why (401, 403, 400) instead of 404. */
    private void notUpgraded(ServerRequest req, ServerResponse res) {
        Handshake.Result result = connections.handshake(req.prologue(), req.headers());
        if (result instanceof Handshake.Rejected rejected) {
            res.status(Status.create(rejected.status())).send(rejected.reason());
        } else {
            res.status(Status.UPGRADE_REQUIRED_426).header("Upgrade", "websocket").send("WebSocket upgrade required");
        }
    }

    private HealthCheckResponse readiness() {
        boolean up = broker.state() == BrokerState.UP && !drain.started();
        return HealthCheckResponse.builder().status(up).detail("broker", broker.state().name())
                .detail("draining", drain.started()).detail("node", config.nodeId()).build();
    }

    private static byte[] resource(String path) {
        try (InputStream in = Gateway.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The port the server listens on.
     *
     * @return the port
     */
    public int port() {
        return server.port();
    }

    /**
     * The connections of this gateway.
     *
     * @return the connection manager
     */
    public Connections connections() {
        return connections;
    }

    /**
     * Graceful shutdown: readiness DOWN, no new sessions, sessions closed with 1012 in jittered
     * batches, queues flushed, then the server and the broker stop, all within the grace period.
     */
    public void drain() {
        drain.run();
        close();
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        presence.close();
        server.stop();
        broker.close();
        LOG.log(Level.INFO, "event=gateway_stopped node={0}", config.nodeId());
    }
}
