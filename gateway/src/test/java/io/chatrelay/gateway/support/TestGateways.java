package io.chatrelay.gateway.support;

import io.chatrelay.gateway.Gateway;
import io.chatrelay.gateway.config.ConfigLoader;
import io.chatrelay.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Gateways started inside tests: their configuration, and what they show over HTTP. */
public final class TestGateways {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private TestGateways() {
    }

    /**
     * A configuration on port 0 (any free port) with the given overrides (env variable names);
     * the broker is the one it names (in memory unless {@code CHAT_REDIS_URI} is set).
     *
     * @param node      the node id
     * @param overrides environment variables
     * @return the configuration
     */
    public static GatewayConfig config(String node, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("CHAT_PORT", "0");
        env.put("CHAT_ADMIN_PORT", "0");
        env.put("CHAT_NODE_ID", node);
        env.putAll(overrides);
        return ConfigLoader.load(env);
    }

    /**
     * Starts a gateway through its composition root, {@link Gateway#start(GatewayConfig)}.
     *
     * @param node      the node id
     * @param overrides environment variables
     * @return the running gateway
     */
    public static Gateway start(String node, Map<String, String> overrides) {
        return Gateway.start(config(node, overrides));
    }

    /**
     * {@code GET} of a path of a gateway.
     *
     * @param port the gateway's port
     * @param path the path
     * @return the response
     */
    public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT)
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Whether {@code /observe/health/ready} answers 200.
     *
     * @param gateway the gateway
     * @return whether it is ready
     */
    public static boolean ready(Gateway gateway) throws IOException, InterruptedException {
        return get(gateway.adminPort(), "/observe/health/ready").statusCode() == 200;
    }

    /**
     * The lines of a gateway's Prometheus output ({@code /observe/metrics}) of one meter.
     *
     * @param port the gateway's port
     * @param name the meter, as Prometheus names it (e.g. {@code chat_errors_total})
     * @return the lines {@code name{...} value}
     */
    public static List<String> metricLines(int port, String name) throws IOException, InterruptedException {
        return get(port, "/observe/metrics").body().lines().filter(l -> l.startsWith(name + "{")).toList();
    }

    /**
     * The sum of one meter's values over the lines tagged with a node, from {@code /observe/metrics}.
     *
     * @param port the gateway's port
     * @param name the meter, as Prometheus names it
     * @param node the node tag
     * @return the sum (0 when there is no such line)
     */
    public static double metric(int port, String name, String node) throws IOException, InterruptedException {
        return metricLines(port, name).stream().filter(l -> l.contains("node=\"" + node + "\""))
                .mapToDouble(TestGateways::value).sum();
    }

    /**
     * The value of a Prometheus line.
     *
     * @param line {@code name{tags} value}
     * @return the value
     */
    public static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /**
     * A counter of a gateway's own meter registry, tagged with its node.
     *
     * @param gateway the gateway
     * @param name    the meter name (without Prometheus' {@code _total})
     * @return its count
     */
    public static long count(Gateway gateway, String name) {
        Counter counter = gateway.metrics().registry().find(name).counter();
        if (counter == null) {
            throw new AssertionError("no counter " + name + " in the registry of " + gateway.core().settings().nodeId());
        }
        return (long) counter.count();
    }
}
