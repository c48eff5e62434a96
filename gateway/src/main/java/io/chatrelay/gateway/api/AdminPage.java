package io.chatrelay.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.chat.ChatCore;
import io.chatrelay.gateway.GatewayMetrics;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * The live admin page ({@code /admin/} on the admin listener): static files that call the
 * server API with the key the operator types in (kept in the tab's session storage), and the
 * snapshot of a gateway that the page charts.
 */
public final class AdminPage {
    /** Classpath location of the page. */
    public static final String LOCATION = "admin";
    /** Classpath location of the chart library (uPlot). */
    public static final String LIBRARIES = "META-INF/resources/webjars/uplot/1.6.30/dist";
    /** Rooms listed per gateway in its snapshot. */
    static final int TOP_ROOMS = 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminPage() {
    }

    /**
     * {@code /admin} without its slash: to the page.
     *
     * @param res the response
     */
    public static void index(ServerResponse res) {
        res.status(Status.MOVED_PERMANENTLY_301).header(HeaderNames.LOCATION, "/admin/").send();
    }

    /**
     * The page's security headers: its own scripts and styles only, never in a frame, no
     * referrer; then the file.
     *
     * @param req the request
     * @param res the response
     */
    public static void headers(io.helidon.webserver.http.ServerRequest req, ServerResponse res) {
        res.header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
                .header("X-Frame-Options", "DENY")
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .header("Cache-Control", "no-store");
        res.next();
    }

    /**
     * A gateway's numbers now.
     *
     * @param node        its node id
     * @param core        its core
     * @param connections open WebSocket connections
     * @param metrics     its metrics
     * @return the snapshot
     */
    public static ObjectNode snapshot(String node, ChatCore core, int connections, GatewayMetrics metrics) {
        ObjectNode n = MAPPER.createObjectNode()
                .put("node", node)
                .put("ts", System.currentTimeMillis())
                .put("sessions", core.sessions().count())
                .put("connections", connections)
                .put("rooms", core.rooms().roomCount())
                .put("broker", core.brokerState().name())
                .put("draining", core.sessions().draining())
                .put("published", metrics.publishedTotal())
                .put("deliveries", metrics.deliveriesTotal())
                .put("latency_p50_ms", metrics.latencyMillis(0.5))
                .put("latency_p99_ms", metrics.latencyMillis(0.99));
        ObjectNode rooms = n.putObject("top_rooms");
        core.rooms().largest(TOP_ROOMS).forEach(rooms::put);
        return n;
    }
}
