package io.chatrelay.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.HistoryPage;
import io.chatrelay.broker.Moderation;
import io.chatrelay.broker.PresenceEntry;
import io.chatrelay.broker.PresenceStore;
import io.chatrelay.broker.StreamId;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.Names;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.chat.protocol.ProtocolException;
import io.chatrelay.chat.protocol.TextRules;
import io.chatrelay.chat.room.Topics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * What the application's backend may do (the server API's operations, whatever carries them):
 * publish to a room or send a direct message as any sender it chooses, edit or delete any
 * message, disconnect a user or remove one from a room on every gateway, ban and mute (stored,
 * enforced on every gateway), read presence, history and stats. The same core the WebSocket door
 * calls: an API message is stored, ordered, recovered and deduplicated (by {@code cid}) exactly
 * like a client's.
 *
 * <p>Every input is checked as a client's would be (names, text in bytes, cid, metadata): a bad
 * one fails with {@link ChatException} and a documented code before anything is stored.
 */
public final class ChatApi {
    /** How many users a ban or mute list returns at most. */
    public static final int MAX_LIST = 1000;
    /** Longest reason of a moderation action, in characters. */
    public static final int MAX_REASON = 256;

    private final ChatCore core;
    private final Broker broker;
    private final PresenceStore presence;
    private final Moderation moderation;
    private final Posting posting;
    private final Control control;
    private final ChatSettings settings;
    private final LongSupplier clock;
    private final ObjectMapper mapper = new ObjectMapper();

    ChatApi(ChatCore core, Broker broker, PresenceStore presence, Moderation moderation, Posting posting, Control control,
            ChatSettings settings, LongSupplier clock) {
        this.core = core;
        this.broker = broker;
        this.presence = presence;
        this.moderation = moderation;
        this.posting = posting;
        this.control = control;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A message as the backend writes it.
     *
     * @param from    the sender's id (a user id, or one of the backend's own such as {@code system})
     * @param name    the sender's display name, or {@code null} for the id
     * @param text    the text
     * @param cid     the backend's id of the message (a retry with it never stores twice), or {@code null}
     * @param replyTo the id of the message it answers, or {@code null}
     * @param meta    a metadata object, or {@code null}
     */
    public record Message(String from, String name, String text, String cid, String replyTo, JsonNode meta) {
    }

    /**
     * Stores a message in a room and delivers it to every member.
     *
     * @param room    the room
     * @param message the message
     * @return its id (the first attempt's, for a retry with the same cid)
     */
    public CompletionStage<Appended> publish(String room, Message message) {
        return attempt(() -> {
            room(room);
            Sender from = sender(message.from(), message.name());
            Post post = post(message);
            return posting.toRoom(room, from, post, window(post));
        });
    }

    /**
     * Stores a direct message and delivers it to both users.
     *
     * @param to      the recipient (a user the system knows)
     * @param message the message
     * @return its id in the conversation
     */
    public CompletionStage<Appended> direct(String to, Message message) {
        return attempt(() -> {
            user(to, "to");
            Sender from = sender(message.from(), message.name());
            Post post = post(message);
            return posting.direct(to, from, post, window(post));
        });
    }

    /**
     * Edits any message of a room (a moderator's edit).
     *
     * @param room   the room
     * @param target the message's id
     * @param text   the new text
     * @param by     who edits (shown as the edit's author)
     * @return the edit's id
     */
    public CompletionStage<Appended> edit(String room, String target, String text, String by) {
        return attempt(() -> {
            room(room);
            id(target, "target");
            return posting.edit(room, sender(by, null), target, text(text), true);
        });
    }

    /**
     * Deletes any message of a room (a moderator's deletion).
     *
     * @param room   the room
     * @param target the message's id
     * @param by     who deletes
     * @return the deletion's id
     */
    public CompletionStage<Appended> delete(String room, String target, String by) {
        return attempt(() -> {
            room(room);
            id(target, "target");
            return posting.delete(room, sender(by, null), target, true);
        });
    }

    /**
     * Closes every connection of a user on every gateway ({@link CloseCode#KICKED}).
     *
     * @param user   the user
     * @param reason shown to the client, possibly empty
     * @return the command's id once every gateway can see it
     */
    public CompletionStage<String> disconnect(String user, String reason) {
        return attempt(() -> {
            user(user, "user");
            return control.disconnect(user, reason(reason));
        });
    }

    /**
     * Takes a user out of a room on every gateway (the user may join again unless banned).
     *
     * @param room   the room
     * @param user   the user
     * @param reason shown to the client
     * @return the command's id
     */
    public CompletionStage<String> remove(String room, String user, String reason) {
        return attempt(() -> {
            room(room);
            user(user, "user");
            return control.remove(room, user, reason(reason));
        });
    }

    /**
     * Bans a user from a room: stored (every gateway refuses the user's joins) and the user is
     * removed from it everywhere.
     *
     * @param room     the room
     * @param user     the user
     * @param duration how long, or {@code null} for good
     * @param reason   shown to the user
     * @return the restriction stored
     */
    public CompletionStage<Moderation.Restriction> ban(String room, String user, Duration duration, String reason) {
        return restrict(Moderation.Kind.BAN, room, user, duration, reason)
                .thenCompose(r -> control.remove(room, user, r.reason()).thenApply(id -> r));
    }

    /**
     * Mutes a user in a room: stored (the user may read, not send) and applied to the user's
     * connections everywhere.
     *
     * @param room     the room
     * @param user     the user
     * @param duration how long, or {@code null} for good
     * @param reason   shown to the user
     * @return the restriction stored
     */
    public CompletionStage<Moderation.Restriction> mute(String room, String user, Duration duration, String reason) {
        return restrict(Moderation.Kind.MUTE, room, user, duration, reason)
                .thenCompose(r -> control.mute(room, user, true, r.reason()).thenApply(id -> r));
    }

    private CompletionStage<Moderation.Restriction> restrict(Moderation.Kind kind, String room, String user, Duration duration,
                                                            String reason) {
        return attempt(() -> {
            room(room);
            user(user, "user");
            if (duration != null && (duration.isNegative() || duration.isZero())) {
                throw new ChatException(ErrorCode.BAD_FRAME, "duration must be positive");
            }
            long now = clock.getAsLong();
            Moderation.Restriction r = new Moderation.Restriction(kind, Topics.room(room), user, now,
                    duration == null ? 0 : now + duration.toMillis(), reason(reason));
            return moderation.put(r).thenApply(v -> r);
        });
    }

    /**
     * Lifts a ban or a mute (an unmuted user's connections may send again at once).
     *
     * @param kind ban or mute
     * @param room the room
     * @param user the user
     * @return whether there was one in force
     */
    public CompletionStage<Boolean> lift(Moderation.Kind kind, String room, String user) {
        return attempt(() -> {
            room(room);
            user(user, "user");
            CompletionStage<Boolean> lifted = moderation.lift(kind, Topics.room(room), user);
            return kind == Moderation.Kind.MUTE
                    ? lifted.thenCompose(was -> control.mute(room, user, false, "").thenApply(id -> was))
                    : lifted;
        });
    }

    /**
     * The bans or mutes in force in a room, by user id (at most {@link #MAX_LIST}).
     *
     * @param kind ban or mute
     * @param room the room
     * @return the restrictions
     */
    public CompletionStage<List<Moderation.Restriction>> restrictions(Moderation.Kind kind, String room) {
        return attempt(() -> {
            room(room);
            return moderation.list(kind, Topics.room(room), MAX_LIST);
        });
    }

    /**
     * The users present in a room on any gateway.
     *
     * @param room the room
     * @return the members with their display names, by user id
     */
    public CompletionStage<List<PresenceEntry>> presence(String room) {
        return attempt(() -> {
            room(room);
            return presence.members(Topics.room(room));
        });
    }

    /**
     * A page of a room's history, newest last, as clients receive it (edits, deletions and
     * reactions included).
     *
     * @param room   the room
     * @param before only frames older than this id, or {@code null} for the newest
     * @param limit  at most this many (1-100)
     * @return the page
     */
    public CompletionStage<HistoryPage> history(String room, String before, int limit) {
        return attempt(() -> {
            room(room);
            if (before != null) {
                id(before, "before");
            }
            if (limit < 1 || limit > 100) {
                throw new ChatException(ErrorCode.BAD_FRAME, "limit must be 1-100");
            }
            return broker.readBefore(Topics.room(room), before, limit);
        });
    }

    /**
     * A room's numbers.
     *
     * @param room        the room
     * @param members     users present on any gateway
     * @param connections this gateway's connections in it
     * @param lastId      the newest stored frame's id, or {@code null}
     */
    public record RoomStats(String room, long members, int connections, String lastId) {
    }

    /**
     * A room's numbers.
     *
     * @param room the room
     * @return members, local connections, last id
     */
    public CompletionStage<RoomStats> roomStats(String room) {
        return attempt(() -> {
            room(room);
            String topic = Topics.room(room);
            return presence.count(topic).thenCombine(broker.readBefore(topic, null, 1), (members, last) -> new RoomStats(room, members,
                    core.rooms().connections(topic), last.frames().isEmpty() ? null : last.frames().getLast().id()));
        });
    }

    /**
     * This gateway's numbers.
     *
     * @param node        the node id
     * @param sessions    admitted sessions
     * @param rooms       rooms with local members
     * @param broker      the broker's state
     * @param draining    whether it is draining
     * @param deliveries  frames offered to local members since start
     */
    public record NodeStats(String node, int sessions, int rooms, String broker, boolean draining, long deliveries) {
    }

    /**
     * This gateway's numbers.
     *
     * @return the numbers
     */
    public NodeStats nodeStats() {
        return new NodeStats(settings.nodeId(), core.sessions().count(), core.rooms().roomCount(), core.brokerState().name(),
                core.sessions().draining(), core.rooms().deliveries());
    }

    // ---- checks ------------------------------------------------------------------------------

    private interface Operation<T> {
        CompletionStage<T> run() throws ProtocolException;
    }

    /** Runs an operation; a refused input or a failed store becomes a failed stage with a {@link ChatException}. */
    private static <T> CompletionStage<T> attempt(Operation<T> operation) {
        try {
            return operation.run().exceptionallyCompose(e -> CompletableFuture.failedFuture(asChat(e)));
        } catch (ProtocolException e) {
            return CompletableFuture.failedFuture(new ChatException(e.code(), e.getMessage()));
        } catch (ChatException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static ChatException asChat(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof Moderation.LimitException limit) {
            return new ChatException(ErrorCode.FORBIDDEN, limit.getMessage());
        }
        ProtocolException p = Messaging.failure(e, null);
        return new ChatException(p.code(), p.getMessage());
    }

    private static void room(String room) {
        if (room == null || !Names.validRoom(room)) {
            throw new ChatException(ErrorCode.BAD_ROOM, "room must match " + Names.ROOM.pattern());
        }
    }

    private static void user(String user, String field) {
        if (user == null || !Names.validUser(user)) {
            throw new ChatException(ErrorCode.BAD_USER, field + " must match " + Names.USER.pattern());
        }
    }

    private static void id(String id, String field) {
        if (id == null || !StreamId.isValid(id)) {
            throw new ChatException(ErrorCode.BAD_ID, field + " must be a message id like 1732291234567-0");
        }
    }

    private static Sender sender(String id, String name) {
        if (id == null || !Names.validSubject(id)) {
            throw new ChatException(ErrorCode.BAD_USER, "from must match " + Names.SUBJECT.pattern());
        }
        return new Sender(id, Names.displayName(name, id));
    }

    private String text(String text) throws ProtocolException {
        return TextRules.text(text, settings.limits().maxText(), null);
    }

    private Post post(Message m) throws ProtocolException {
        String replyTo = m.replyTo();
        if (replyTo != null) {
            id(replyTo, "reply_to");
        }
        return new Post(text(m.text()), TextRules.cid(m.cid(), null), replyTo, TextRules.meta(m.meta(), mapper, null));
    }

    private Duration window(Post post) {
        return post.cid() != null ? settings.messages().dedupWindow() : Messaging.INTERNAL_DEDUP;
    }

    private static String reason(String reason) {
        String r = reason == null ? "" : reason;
        if (r.length() > MAX_REASON || r.chars().anyMatch(c -> Character.isISOControl(c))) {
            throw new ChatException(ErrorCode.BAD_TEXT, "reason must be at most " + MAX_REASON + " characters, no control characters");
        }
        return r;
    }
}
