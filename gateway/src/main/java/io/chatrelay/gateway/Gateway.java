package io.chatrelay.gateway;

import io.chatrelay.broker.BrokerState;
import io.chatrelay.chat.ChatBackend;
import io.chatrelay.chat.ChatCore;
import io.chatrelay.gateway.api.AdminPage;
import io.chatrelay.gateway.api.NodeDirectory;
import io.chatrelay.gateway.api.ServerApi;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.hooks.AppIntegration;
import io.chatrelay.gateway.ws.Handshake;
import io.chatrelay.gateway.ws.WebSocketDoor;
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
 * One running gateway, and the one place that wires it: the backend the configuration names,
 * the {@link ChatCore}, its doors (the WebSocket door at {@code /ws}), metrics on the gateway's
 * own registry, and the Helidon WebServer with the browser client, health and metrics.
 * {@link #drain} is the graceful shutdown.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    private static final String CLIENT = "chat-relay-client";

    private final GatewayConfig config;
    private final ChatCore core;
    private final WebSocketDoor ws;
    private final GatewayMetrics metrics;
    private final ScheduledExecutorService heartbeat =
            Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("ws-heartbeat").factory());
    private final Drain drain;
    private final AppIntegration integration;
    private final NodeDirectory nodes;
    private final Rebalancer rebalancer;
    private final ServerApi api;
    private final WebServer server;

    /** The name of the admin listener (server API, admin page, health, metrics). */
    public static final String ADMIN = "admin";
    /** The most bytes of an HTTP request body on the admin listener. */
    static final long MAX_ADMIN_BODY = 64 * 1024;

    private Gateway(GatewayConfig config, ChatBackend backend) {
        this.config = config;
        this.metrics = new GatewayMetrics(config.nodeId());
        this.integration = AppIntegration.of(config, backend.events(), metrics.registry());
        this.core = new ChatCore(config.chat(), backend, config.auth().security(), metrics, integration.hooks(),
                integration.events());
        this.ws = new WebSocketDoor(core, core.security().authenticator(), config, metrics);
        this.drain = new Drain(core, config.drainGrace());
        metrics.gauge("chat_sessions", "admitted sessions", () -> core.sessions().count());
        metrics.gauge("chat_connections", "open WebSocket connections", ws::connectionCount);
        metrics.gauge("chat_rooms", "rooms with local members", () -> core.rooms().roomCount());
        metrics.gauge("chat_arrivals_waiting", "sessions waiting for their turn to open or join (a reconnect storm)",
                () -> core.arrivals().waiting());
        this.nodes = new NodeDirectory(backend.presence(), config.nodeId(), this::snapshot);
        this.rebalancer = new Rebalancer(core, config.nodeId(), nodes::all, config.rebalance(), metrics.registry());
        this.api = new ServerApi(core.api(), config.admin().apiKeys(), nodes, backend.events());
        this.server = WebServer.builder()
                .port(config.port())
                // Helidon 4.5's NIO sockets hold two 8 KiB buffers per connection, the plain socket
                // one: 32.7 vs 24.8 KB live per idle connection (docs/operations.md, sizing memory)
                .useNio(false)
                // Nagle would hold the second of two quick frames to a client until its delayed ACK
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                .putSocket(ADMIN, admin -> admin.port(config.admin().port()).maxPayloadSize(MAX_ADMIN_BODY))
                .routing(ADMIN, routing -> adminRouting(routing, api))
                .addFeature(ObserveFeature.builder()
                        .sockets(java.util.List.of(ADMIN))
                        .addObserver(HealthObserver.builder()
                                .details(true)
                                .addCheck(this::readiness, HealthCheckType.READINESS, "broker")
                                .build())
                        .build())
                .addFeature(StaticContentFeature.builder().build())
                .addProtocol(WsConfig.builder().maxFrameLength(config.transport().maxFrame()).name("websocket").build())
                .routing(this::routing)
                .addRouting(WsRouting.builder().endpoint("/ws", ws::newEndpoint))
                .build();
    }

    /**
     * Builds and starts a gateway on the backend its configuration names.
     *
     * @param config settings
     * @return the running gateway
     */
    public static Gateway start(GatewayConfig config) {
        return start(config, Backend.from(config));
    }

    /**
     * Builds and starts a gateway on a given backend (closed with the gateway).
     *
     * @param config  settings
     * @param backend broker, presence store and user directory, not started yet
     * @return the running gateway
     */
    public static Gateway start(GatewayConfig config, ChatBackend backend) {
        Gateway gateway = new Gateway(config, backend);
        gateway.core.start();
        gateway.integration.start();
        gateway.server.start();
        gateway.nodes.start();
        gateway.rebalancer.start();
        long tick = gateway.ws.heartbeatTickMillis();
        gateway.heartbeat.scheduleWithFixedDelay(gateway.ws::heartbeatTick, tick, tick, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "event=gateway_started node={0} port={1} broker={2}", config.nodeId(), String.valueOf(gateway.port()),
                backend.broker().getClass().getSimpleName());
        return gateway;
    }

    private void adminRouting(HttpRouting.Builder routing, ServerApi api) {
        routing.get("/observe/metrics", (req, res) -> res.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .send(metrics.scrape()))
                .register(ServerApi.BASE, api)
                .any("/admin/*", AdminPage::headers)
                .get("/admin", (req, res) -> AdminPage.index(res))
                .register("/admin", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                        .location(AdminPage.LOCATION).welcome("index.html").build()))
                .register("/admin/lib", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                        .location(AdminPage.LIBRARIES).build()));
    }

    /** This gateway's numbers, for the node directory and the admin page. */
    private com.fasterxml.jackson.databind.node.ObjectNode snapshot() {
        return AdminPage.snapshot(config.nodeId(), core, ws.connectionCount(), metrics);
    }

    private void routing(HttpRouting.Builder routing) {
        byte[] index = resource(CLIENT + "/index.html");
        routing.any(PageHeaders::add)
                .get("/client", (req, res) -> res.header("Content-Type", MediaTypes.TEXT_HTML.text()).send(index))
                .get("/ws", this::notUpgraded)
                .register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                        .location(CLIENT).welcome("index.html").build()));
    }

    /** A GET /ws that did not become a WebSocket: say why (401, 403, 400) instead of 404. */
    private void notUpgraded(ServerRequest req, ServerResponse res) {
        Handshake.Result result = ws.handshake(req.prologue(), req.headers());
        if (result instanceof Handshake.Rejected rejected) {
            res.status(Status.create(rejected.status())).send(rejected.reason());
        } else {
            res.status(Status.UPGRADE_REQUIRED_426).header("Upgrade", "websocket").send("WebSocket upgrade required");
        }
    }

    private HealthCheckResponse readiness() {
        BrokerState state = core.brokerState();
        boolean up = state == BrokerState.UP && !drain.started();
        return HealthCheckResponse.builder().status(up).detail("broker", state.name())
                .detail("draining", drain.started()).detail("node", config.nodeId()).build();
    }

    /**
     * A classpath resource's bytes.
     *
     * @param path the resource
     * @return its bytes
     * @throws IllegalStateException when it is missing
     */
    public static byte[] resource(String path) {
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
     * The server API of this gateway.
     *
     * @return the API
     */
    public ServerApi api() {
        return api;
    }

    /**
     * The port of the admin listener (server API, admin page, health, metrics).
     *
     * @return the port
     */
    public int adminPort() {
        return server.port(ADMIN);
    }

    /**
     * The chat core of this gateway.
     *
     * @return the core
     */
    public ChatCore core() {
        return core;
    }

    /**
     * The metrics of this gateway.
     *
     * @return the metrics
     */
    public GatewayMetrics metrics() {
        return metrics;
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
        rebalancer.close();
        nodes.close();
        server.stop();
        integration.close();
        core.close();
        metrics.close();
        LOG.log(Level.INFO, "event=gateway_stopped node={0}", config.nodeId());
    }
}
