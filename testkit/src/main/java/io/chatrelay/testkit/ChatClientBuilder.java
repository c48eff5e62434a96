package io.chatrelay.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How a {@link ChatClient} connects ({@link ChatClient#to}): extra headers, protocol 2 with its
 * {@code hello}, a frame observer, the bound of its waits.
 */
public final class ChatClientBuilder {
    final URI uri;
    final Map<String, String> headers = new LinkedHashMap<>();
    final List<String> subprotocols = new ArrayList<>();
    ObjectNode hello;
    boolean awaitWelcome = true;
    Duration wait = ChatClient.WAIT;
    Consumer<JsonNode> observer = f -> {
    };

    ChatClientBuilder(URI uri) {
        this.uri = uri;
    }

    /**
     * Sends an {@code Origin} header.
     *
     * @param origin the origin
     * @return this
     */
    public ChatClientBuilder origin(String origin) {
        return header("Origin", origin);
    }

    /**
     * Sends a request header at the handshake.
     *
     * @param name  the header
     * @param value its value
     * @return this
     */
    public ChatClientBuilder header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /**
     * Offers a sub-protocol ({@code Sec-WebSocket-Protocol}) without sending anything after
     * the handshake (for tests of what the server does then).
     *
     * @param subprotocol the sub-protocol
     * @return this
     */
    public ChatClientBuilder subprotocol(String subprotocol) {
        subprotocols.add(subprotocol);
        return this;
    }

    /**
     * Protocol 2: offers {@code chatrelay.v2} and sends this {@code hello} as the first frame.
     *
     * @param name  guest name, or {@code null}
     * @param token token, or {@code null}
     * @param rooms room to the last id the client has ({@code null} for none), in order
     * @return this
     */
    public ChatClientBuilder hello(String name, String token, Map<String, String> rooms) {
        return hello(Frames.hello(name, token, rooms));
    }

    /**
     * Protocol 2: offers {@code chatrelay.v2} and sends this frame (a {@code hello}, or
     * anything else for tests of bad ones) as the first frame.
     *
     * @param first the first frame
     * @return this
     */
    public ChatClientBuilder hello(ObjectNode first) {
        if (!subprotocols.contains(ChatClient.SUBPROTOCOL_V2)) {
            subprotocols.add(ChatClient.SUBPROTOCOL_V2);
        }
        this.hello = first;
        return this;
    }

    /**
     * Whether {@link #connect} waits for the {@code welcome} (it must be the first frame) and
     * fails without it; default true. Without, {@link ChatClient#welcome()} is {@code null}.
     *
     * @param await whether to wait
     * @return this
     */
    public ChatClientBuilder awaitWelcome(boolean await) {
        this.awaitWelcome = await;
        return this;
    }

    /**
     * The bound of connecting and of each wait of the client; default {@link ChatClient#WAIT}.
     *
     * @param wait the bound
     * @return this
     */
    public ChatClientBuilder timeout(Duration wait) {
        this.wait = wait;
        return this;
    }

    /**
     * Sees every frame, before it is queued, on the WebSocket's thread (must not block).
     *
     * @param observer the observer
     * @return this
     */
    public ChatClientBuilder onFrame(Consumer<JsonNode> observer) {
        this.observer = observer;
        return this;
    }

    /**
     * Connects; sends the {@code hello} (protocol 2); reads the {@code welcome} unless told not
     * to. Fails with an {@link IllegalStateException} (the HTTP status of a refused handshake
     * in its message) or an {@link AssertionError} (no welcome: what came instead).
     *
     * @return the connected client
     */
    public ChatClient connect() {
        ChatClient client = new ChatClient(this);
        client.open(this);
        return client;
    }
}
