package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatrelay.broker.AppendOptions;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.room.Joins;
import io.chatrelay.chat.room.LocalRooms;
import io.chatrelay.chat.room.Membership;
import io.chatrelay.chat.room.Topics;
import io.chatrelay.chat.protocol.ServerFrames;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The server API's commands that act on every gateway (disconnect a user, remove a user from a
 * room, mute or unmute): one stored topic, {@link Topics#CONTROL}, that every gateway subscribes
 * to. A command is appended once; each gateway applies it to its own sessions. Stored, so a
 * gateway that lost its Pub/Sub connection catches up on the commands it missed, like on a room.
 *
 * <p>A command's stage completes once it is stored and this gateway has applied it (so a muted
 * user's next send on this gateway is refused when the API answers), or after
 * {@link #LOCAL_WAIT} when this gateway's subscription is down (the command stays stored and is
 * applied when it is back). Other gateways apply it as their subscription delivers it.
 */
final class Control {
    private static final System.Logger LOG = System.getLogger(Control.class.getName());
    static final String KIND = "control";
    /** Commands are kept this long (a gateway that was cut off longer has lost its sessions anyway). */
    private static final Duration KEEP = Duration.ofHours(1);
    /** How long a command's caller waits for this gateway to apply it, at most. */
    static final Duration LOCAL_WAIT = Duration.ofSeconds(2);

    private final Broker broker;
    private final Sessions sessions;
    private final LocalRooms rooms;
    private final Joins joins;
    private final ObjectMapper mapper = new ObjectMapper();
    private final java.util.concurrent.atomic.AtomicBoolean subscribed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Commands this gateway sent and has not applied yet, by token (one per API call in flight). */
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("control").factory());

    Control(Broker broker, Sessions sessions, LocalRooms rooms, Joins joins) {
        this.broker = broker;
        this.sessions = sessions;
        this.rooms = rooms;
        this.joins = joins;
    }

    /**
     * Subscribes to the control topic, unless subscribed already; when the broker is not up yet,
     * the next call (on the broker's {@code UP}) tries again.
     */
    void subscribe() {
        if (subscribed.get()) {
            return;
        }
        broker.subscribe(Topics.CONTROL).whenComplete((v, error) -> {
            if (error == null) {
                subscribed.set(true);
            } else {
                LOG.log(Level.DEBUG, "event=control_subscribe_failed error={0}", error.toString());
            }
        });
    }

    /**
     * Closes every connection of a user, on every gateway, with {@link CloseCode#KICKED}.
     *
     * @param user   the user
     * @param reason shown to the client
     * @return the command's id once stored and applied on this gateway (see the class comment)
     */
    CompletionStage<String> disconnect(String user, String reason) {
        return send(mapper.createObjectNode().put("op", "disconnect").put("user", user).put("reason", reason));
    }

    /**
     * Takes a user out of a room on every gateway ({@code left} with {@code removed}).
     *
     * @param room   the room
     * @param user   the user
     * @param reason shown to the client
     * @return the command's id once stored and applied on this gateway (see the class comment)
     */
    CompletionStage<String> remove(String room, String user, String reason) {
        return send(mapper.createObjectNode().put("op", "remove").put("room", room).put("user", user).put("reason", reason));
    }

    /**
     * Mutes or unmutes a user's memberships of a room on every gateway.
     *
     * @param room   the room
     * @param user   the user
     * @param muted  mute or unmute
     * @param reason shown to the client
     * @return the command's id once stored and applied on this gateway (see the class comment)
     */
    CompletionStage<String> mute(String room, String user, boolean muted, String reason) {
        return send(mapper.createObjectNode().put("op", "mute").put("room", room).put("user", user).put("muted", muted)
                .put("reason", reason));
    }

    private CompletionStage<String> send(ObjectNode command) {
        String token = UUID.randomUUID().toString();
        CompletableFuture<Void> applied = new CompletableFuture<>();
        pending.put(token, applied);
        String json = command.put("token", token).toString();
        return broker.append(Topics.CONTROL, FrameTemplate.fixed(new FrameMeta(KIND, "api", System.currentTimeMillis()), json),
                        new AppendOptions(KEEP))
                .thenCompose(a -> applied.completeOnTimeout(null, LOCAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                        .thenApply(v -> a.id()))
                .whenComplete((id, error) -> pending.remove(token));
    }

    /**
     * A command arrived (broker dispatcher thread): applied on the control thread, in order.
     *
     * @param frame the stored command
     */
    void onFrame(StoredFrame frame) {
        worker.execute(() -> {
            try {
                JsonNode command = mapper.readTree(frame.frame());
                try {
                    apply(command);
                } finally {
                    CompletableFuture<Void> waiting = pending.remove(command.path("token").asText());
                    if (waiting != null) {
                        waiting.complete(null);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "event=control_failed id={0} error={1}", frame.id(), e.toString());
            }
        });
    }

    private void apply(JsonNode command) {
        String user = command.path("user").asText();
        String reason = command.path("reason").asText("");
        switch (command.path("op").asText()) {
            case "disconnect" -> {
                for (Session s : sessions.ofUser(user)) {
                    s.out().close(CloseCode.KICKED, reason.isEmpty() ? "disconnected by the application" : reason, false);
                }
            }
            case "remove" -> {
                String room = command.path("room").asText();
                for (Session s : sessions.ofUser(user)) {
                    if (rooms.membership(s, Topics.room(room)) != null) {
                        joins.remove(s, room, reason);
                    }
                }
            }
            case "mute" -> {
                String room = command.path("room").asText();
                boolean muted = command.path("muted").asBoolean();
                for (Session s : sessions.ofUser(user)) {
                    Membership m = rooms.membership(s, Topics.room(room));
                    if (m != null && m.muted() != muted) {
                        m.muted(muted);
                        if (s.protocol() >= ServerFrames.PROTOCOL_2) {
                            s.out().reply(ServerFrames.muted(room, muted, reason));
                        }
                    }
                }
            }
            default -> LOG.log(Level.WARNING, "event=control_unknown op={0}", command.path("op").asText());
        }
    }

    void close() {
        worker.shutdownNow();
    }
}
