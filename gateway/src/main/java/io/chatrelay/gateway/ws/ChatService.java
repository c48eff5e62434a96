package io.chatrelay.gateway.ws;

import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.gateway.GatewayMetrics;
import io.chatrelay.gateway.config.GatewayConfig;
import io.chatrelay.gateway.protocol.ClientFrame;
import io.chatrelay.gateway.protocol.ErrorCode;
import io.chatrelay.gateway.protocol.ProtocolException;
import io.chatrelay.gateway.protocol.ServerFrames;
import io.chatrelay.gateway.room.RoomRegistry;
import io.chatrelay.gateway.room.Topics;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Serves decoded client frames for a session: one pattern-matching switch over
 * {@link ClientFrame}. Sends are asynchronous (the ack or error follows when the broker answers);
 * joins block the connection's virtual thread until {@code joined} is queued.
 */
public final class ChatService {
    private static final System.Logger LOG = System.getLogger(ChatService.class.getName());

    private final Broker broker;
    private final Rooms rooms;
    private final RoomRegistry registry;
    private final SessionRegistry sessions;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;

    ChatService(Broker broker, Rooms rooms, RoomRegistry registry, SessionRegistry sessions, GatewayConfig config,
                GatewayMetrics metrics) {
        this.broker = broker;
        this.rooms = rooms;
        this.registry = registry;
        this.sessions = sessions;
        this.config = config;
        this.metrics = metrics;
    }

    void handle(ChatSession session, ClientFrame frame) throws ProtocolException {
        switch (frame) {
            case ClientFrame.Join j -> rooms.join(session, j.room(), j.since(), j.ref());
            case ClientFrame.Leave l -> rooms.leave(session, l.room());
            case ClientFrame.SendRoom s -> sendToRoom(session, s);
            case ClientFrame.SendDirect d -> sendDirect(session, d);
            case ClientFrame.RoomHistory h -> roomHistory(session, h);
            case ClientFrame.DirectHistory h -> directHistory(session, h);
            case ClientFrame.Typing t -> typing(session, t);
            case ClientFrame.Ping p -> session.reply(ServerFrames.PONG);
            case ClientFrame.Status s -> session.reply(ServerFrames.status(config.nodeId(), sessions.count(),
                    (int) registry.topics().stream().filter(t -> Topics.roomOf(t) != null).count(), broker.state().name()));
        }
    }

    void error(ChatSession session, ProtocolException e) {
        metrics.error(e.code());
        session.reply(ServerFrames.error(e.code(), e.getMessage(), e.ref()));
    }

    private void sendToRoom(ChatSession session, ClientFrame.SendRoom s) throws ProtocolException {
        requireMember(session, s.room(), s.ref());
        FrameTemplate template = ServerFrames.roomMessage(s.room(), session.user(), s.text(), System.currentTimeMillis());
        answer(session, s.ref(), broker.append(Topics.room(s.room()), template));
    }

    private void sendDirect(ChatSession session, ClientFrame.SendDirect d) {
        String from = session.user();
        FrameTemplate template = ServerFrames.directMessage(d.to(), from, d.text(), System.currentTimeMillis());
        CompletionStage<String> sent = broker.append(Topics.direct(from, d.to()), template).thenCompose(id -> {
            String frame = template.render(id);
            CompletionStage<Void> toRecipient = broker.publish(Topics.inbox(d.to()), frame);
            CompletionStage<Void> toSender = from.equals(d.to()) ? toRecipient : broker.publish(Topics.inbox(from), frame);
            return toRecipient.thenCombine(toSender, (a, b) -> id);
        });
        answer(session, d.ref(), sent);
    }

    private void answer(ChatSession session, String ref, CompletionStage<String> sent) {
        sent.whenComplete((id, error) -> {
            if (error == null) {
                metrics.published();
                session.reply(ServerFrames.ack(ref, id));
            } else {
                LOG.log(Level.WARNING, "event=send_failed session={0} error={1}", session.id(), cause(error).toString());
                error(session, new ProtocolException(ErrorCode.BROKER_UNAVAILABLE,
                        "the message was not sent: broker unavailable, try again", ref));
            }
        });
    }

    private void roomHistory(ChatSession session, ClientFrame.RoomHistory h) throws ProtocolException {
        requireMember(session, h.room(), h.ref());
        CompletionStage<HistoryPage> page = broker.readBefore(Topics.room(h.room()), h.before(), h.limit());
        history(session, "room", h.room(), h.ref(), page);
    }

    private void directHistory(ChatSession session, ClientFrame.DirectHistory h) {
        String topic = Topics.direct(session.user(), h.with());
        CompletionStage<HistoryPage> page = h.after() != null
                ? broker.readAfter(topic, h.after(), h.limit())
                : broker.readBefore(topic, h.before(), h.limit());
        history(session, "with", h.with(), h.ref(), page);
    }

    private void history(ChatSession session, String key, String value, String ref, CompletionStage<HistoryPage> page) {
        page.whenComplete((p, error) -> {
            if (error == null) {
                List<String> frames = p.frames().stream().map(StoredFrame::frame).toList();
                session.reply(ServerFrames.history(key, value, frames, p.more(), ref));
            } else {
                error(session, new ProtocolException(ErrorCode.BROKER_UNAVAILABLE, "history unavailable, try again", ref));
            }
        });
    }

    private void typing(ChatSession session, ClientFrame.Typing t) throws ProtocolException {
        requireMember(session, t.room(), t.ref());
        if (session.typingAllowed(t.room(), System.currentTimeMillis())) {
            broker.publish(Topics.room(t.room()), ServerFrames.typing(t.room(), session.user()));
        }
    }

    private static void requireMember(ChatSession session, String room, String ref) throws ProtocolException {
        if (!session.rooms().containsKey(room)) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join the room first", ref);
        }
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    static boolean isBrokerFailure(Throwable t) {
        return cause(t) instanceof BrokerException;
    }
}
