package io.chatrelay.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Reads one meter of a gateway's Prometheus output. */
final class SingleGatewayMetrics {
    private SingleGatewayMetrics() {
    }

    static double value(int port, String name, String node) throws Exception {
        HttpResponse<String> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/observe/metrics")).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString());
        return res.body().lines().filter(l -> l.startsWith(name + "{") && l.contains("node=\"" + node + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
