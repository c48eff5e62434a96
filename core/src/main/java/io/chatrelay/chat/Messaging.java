package io.chatrelay.chat;

import io.chatrelay.broker.Appended;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.BrokerException;
import io.chatrelay.broker.FrameMeta;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.OutcomeUnknownException;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.ReadState;
import io.chatrelay.broker.StorageFullException;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.chat.protocol.ClientFrame;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.ServerFrames;
import io.chatrelay.chat.protocol.TextRules;
import io.chatrelay.chat.room.LocalRooms;
import io.chatrelay.chat.room.Membership;
import io.chatrelay.chat.room.Topics;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The WebSocket frames about messages: send, edit, delete, react, read, history, typing. Stores
 * through {@link Posting}; answers asynchronously with an {@code ack} or an error whose code
 * tells a client what to do: {@code broker_unavailable} (nothing was stored: send again later),
 * {@code outcome_unknown} (it may have been stored: send again with the same {@code cid}, which
 * never makes a double), {@code storage_full}, {@code unknown_user}, {@code forbidden},
 * {@code bad_id}.
 */
final class Messaging {
    private static final System.Logger LOG = System.getLogger(Messaging.class.getName());
    /** How long the gateway's own message ids (for sends without a cid) guard against replays. */
    static final Duration INTERNAL_DEDUP = Duration.ofSeconds(30);

    private final Broker broker;
    private final Posting posting;
    private final ReadState reads;
    private final PresenceStore presence;
    private final LocalRooms rooms;
    private final ChatSettings settings;
    private final ChatMetrics metrics;
    private final LongSupplier clock;
    private final AtomicLong internalIds = new AtomicLong();
    private final ChatHooks hooks;

    Messaging(Broker broker, Posting posting, ReadState reads, PresenceStore presence, LocalRooms rooms, ChatSettings settings,
              ChatMetrics metrics, LongSupplier clock, ChatHooks hooks) {
        this.hooks = hooks;
        this.broker = broker;
        this.posting = posting;
        this.reads = reads;
        this.presence = presence;
        this.rooms = rooms;
        this.settings = settings;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The post as stored: with the client's cid (remembered for the dedup window), or with one of
     * the gateway's own (remembered briefly: it only guards against the broker client's replays).
     */
    private Post withCid(Session session, Post post) {
        return post.cid() != null ? post
                : new Post(post.text(), TextRules.INTERNAL_CID + session.id() + "." + internalIds.incrementAndGet(), post.replyTo(), post.meta());
    }

    private Duration windowOf(Post post) {
        return post.cid() != null && post.cid().charAt(0) != TextRules.INTERNAL_CID ? settings.messages().dedupWindow() : INTERNAL_DEDUP;
    }

    void sendToRoom(Session session, ClientFrame.SendRoom s) throws ProtocolException {
        Membership m = requireMember(session, s.room(), s.ref());
        if (m.muted()) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "you are muted in this room", s.ref());
        }
        Post post = withCid(session, s.post());
        Sender from = Sender.of(session.identity());
        Duration window = windowOf(s.post());
        if (!hooks.publishes(s.room())) {
            answer(session, s.ref(), s.post().cid(), posting.toRoom(s.room(), from, post, window));
            return;
        }
        answer(session, s.ref(), s.post().cid(), hooks.beforePublish(session.identity(), s.room(), s.post()).thenCompose(verdict -> {
            if (!verdict.allowed()) {
                throw new ChatException(ErrorCode.FORBIDDEN, verdict.reason() == null ? "refused by the application" : verdict.reason());
            }
            return posting.toRoom(s.room(), from, verdict.text() == null ? post : rewritten(post, verdict.text()), window);
        }));
    }

    /** The application's new text for a post, held to the client's rules. */
    private Post rewritten(Post post, String text) {
        try {
            return new Post(TextRules.text(text, settings.limits().maxText(), null), post.cid(), post.replyTo(), post.meta());
        } catch (ProtocolException e) {
            throw new ChatException(ErrorCode.INTERNAL, "the application's publish hook rewrote the text to an invalid one: nothing was sent");
        }
    }

    void sendDirect(Session session, ClientFrame.SendDirect d) {
        Post post = withCid(session, d.post());
        answer(session, d.ref(), d.post().cid(), posting.direct(d.to(), Sender.of(session.identity()), post, windowOf(d.post())));
    }

    void edit(Session session, ClientFrame.Edit e) throws ProtocolException {
        requireMember(session, e.room(), e.ref());
        answer(session, e.ref(), null, posting.edit(e.room(), Sender.of(session.identity()), e.target(), e.text(), false));
    }

    void delete(Session session, ClientFrame.Delete d) throws ProtocolException {
        requireMember(session, d.room(), d.ref());
        answer(session, d.ref(), null, posting.delete(d.room(), Sender.of(session.identity()), d.target(), false));
    }

    void react(Session session, ClientFrame.React r) throws ProtocolException {
        requireMember(session, r.room(), r.ref());
        posting.react(r.room(), Sender.of(session.identity()), r.target(), r.emoji(), r.add()).whenComplete((counted, error) -> {
            if (error != null) {
                error(session, failure(error, r.ref()));
            } else if (counted.full()) {
                error(session, new ProtocolException(ErrorCode.TOO_MANY_REACTIONS,
                        "this message has " + Posting.MAX_REACTIONS + " different reactions: add one of those", r.ref()));
            } else {
                session.out().reply(ServerFrames.ack(r.ref(), counted.id(), null, counted.id() == null));
            }
        });
    }

    /**
     * The user read a room up to a message: the cursor moves (never back), the user's other
     * connections hear of it, and in a small room the members get a receipt.
     */
    void read(Session session, ClientFrame.Read r) throws ProtocolException {
        requireMember(session, r.room(), r.ref());
        String user = session.user();
        String topic = Topics.room(r.room());
        reads.markRead(user, topic, r.id()).thenCompose(moved -> {
            if (!moved) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            long now = clock.getAsLong();
            broker.publish(Topics.inbox(user), new FrameMeta(ServerFrames.KIND_READ, user, now), ServerFrames.read(r.room(), r.id()));
            return presence.count(topic).thenCompose(members -> members > settings.messages().receiptsMaxMembers()
                    ? java.util.concurrent.CompletableFuture.completedFuture(null)
                    : reads.receipt(topic, user, r.id()).thenCompose(v -> broker.publish(topic,
                            new FrameMeta(ServerFrames.KIND_RECEIPT, user, now),
                            ServerFrames.receipt(r.room(), user, session.identity().name(), r.id()))));
        }).whenComplete((v, error) -> {
            if (error != null) {
                error(session, failure(error, r.ref()));
            }
        });
    }

    private void answer(Session session, String ref, String cid, CompletionStage<Appended> stored) {
        stored.whenComplete((appended, error) -> {
            if (error == null) {
                if (!appended.duplicate()) {
                    metrics.published();
                }
                session.out().reply(ServerFrames.ack(ref, appended.id(), cid, appended.duplicate()));
            } else {
                error(session, failure(error, ref));
            }
        });
    }

    /** What a failed store means for the client. */
    static ProtocolException failure(Throwable error, String ref) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ChatException e) {
            return new ProtocolException(e.code(), e.getMessage(), ref);
        }
        if (cause instanceof StorageFullException) {
            return new ProtocolException(ErrorCode.STORAGE_FULL, "the server is out of storage: nothing was sent", ref);
        }
        if (cause instanceof OutcomeUnknownException) {
            return new ProtocolException(ErrorCode.OUTCOME_UNKNOWN,
                    "no answer in time: it may have been stored; send it again with the same cid", ref);
        }
        if (cause instanceof BrokerException) {
            LOG.log(Level.DEBUG, "event=store_failed error={0}", cause.toString());
            return new ProtocolException(ErrorCode.BROKER_UNAVAILABLE, "nothing was sent: broker unavailable, try again", ref);
        }
        LOG.log(Level.ERROR, "event=store_failed_unexpectedly", cause);
        return new ProtocolException(ErrorCode.INTERNAL, "internal error, nothing was sent", ref);
    }

    void roomHistory(Session session, ClientFrame.RoomHistory h) throws ProtocolException {
        requireMember(session, h.room(), h.ref());
        history(session, "room", h.room(), h.ref(), broker.readBefore(Topics.room(h.room()), h.before(), h.limit()), false);
    }

    void directHistory(Session session, ClientFrame.DirectHistory h) {
        String topic = Topics.direct(session.user(), h.with());
        boolean forward = h.after() != null;
        CompletionStage<HistoryPage> page = forward
                ? broker.readAfter(topic, h.after(), h.limit())
                : broker.readBefore(topic, h.before(), h.limit());
        history(session, "with", h.with(), h.ref(), page, forward);
    }

    /** Answers with a page bounded in bytes (and what protocol 1 can read); a trimmed page says {@code more}. */
    private void history(Session session, String key, String value, String ref, CompletionStage<HistoryPage> page,
                         boolean oldestFirst) {
        page.whenComplete((p, error) -> {
            if (error != null) {
                error(session, new ProtocolException(ErrorCode.BROKER_UNAVAILABLE, "history unavailable, try again", ref));
                return;
            }
            List<String> frames = new ArrayList<>();
            long used = 0;
            int n = p.frames().size();
            boolean trimmed = false;
            for (int i = 0; i < n; i++) {
                StoredFrame f = p.frames().get(oldestFirst ? i : n - 1 - i);
                if (session.protocol() == ServerFrames.PROTOCOL_1 && !ServerFrames.v1Visible(f.meta().kind())) {
                    continue;
                }
                int size = ServerFrames.utf8Length(f.frame()) + 1;
                if (!frames.isEmpty() && used + size > settings.history().pageBytes()) {
                    trimmed = true;
                    break;
                }
                used += size;
                frames.add(f.frame());
            }
            if (!oldestFirst) {
                Collections.reverse(frames);
            }
            session.out().reply(ServerFrames.history(key, value, frames, p.more() || trimmed, ref));
        });
    }

    void typing(Session session, ClientFrame.Typing t) throws ProtocolException {
        Membership m = requireMember(session, t.room(), t.ref());
        long now = clock.getAsLong();
        if (m.typingAllowed(now)) {
            broker.publish(Topics.room(t.room()), new FrameMeta(ServerFrames.KIND_TYPING, session.user(), now),
                    ServerFrames.typing(t.room(), session.user(), session.identity().name()));
        }
    }

    private Membership requireMember(Session session, String room, String ref) throws ProtocolException {
        Membership m = rooms.membership(session, Topics.room(room));
        if (m == null) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join the room first", ref);
        }
        return m;
    }

    void error(Session session, ProtocolException e) {
        metrics.error(e.code());
        session.out().reply(ServerFrames.error(e.code(), e.getMessage(), e.ref()));
    }
}
