package io.chatrelay.chat;

import io.chatrelay.broker.AppendOptions;
import io.chatrelay.broker.Appended;
import io.chatrelay.broker.Broker;
import io.chatrelay.broker.Counted;
import io.chatrelay.broker.CountedSet;
import io.chatrelay.broker.FrameTemplate;
import io.chatrelay.broker.StoredFrame;
import io.chatrelay.broker.UserDirectory;
import io.chatrelay.chat.protocol.ErrorCode;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.chat.protocol.ServerFrames;
import io.chatrelay.chat.room.Topics;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * Where a message is written once and stored, for every door (the WebSocket, the server API):
 * room messages, direct messages, edits, deletions, reactions. Each is one broker append.
 *
 * <p>Exactly once: a post with a {@code cid} is deduplicated by the store, atomically with the
 * append, per room (or conversation) and sender, within the dedup window: a retry answers the
 * first attempt's id and delivers nothing new. A direct message is stored in the conversation
 * and copied into both users' inboxes (streams too, so a gateway that lost its Pub/Sub catches up
 * on them); the copies are deduplicated by the message's id, so a retry completes what a failed
 * attempt left undone, without doubles.
 */
public final class Posting {
    /** The most distinct reactions (emoji) one message can carry, so that they take bounded storage. */
    public static final int MAX_REACTIONS = 20;

    private final Broker broker;
    private final UserDirectory users;
    private final ChatSettings settings;
    private final LongSupplier clock;
    private final ChatEvents events;

    Posting(Broker broker, UserDirectory users, ChatSettings settings, LongSupplier clock, ChatEvents events) {
        this.broker = broker;
        this.events = events;
        this.users = users;
        this.settings = settings;
        this.clock = clock;
    }

    private AppendOptions roomOptions() {
        return retained(new AppendOptions(settings.history().roomTtl()));
    }

    /** Retention in time besides the count: {@code CHAT_HISTORY_MIN_AGE} up to {@code CHAT_HISTORY_MAX_LEN_HARD}. */
    private AppendOptions retained(AppendOptions options) {
        ChatSettings.History h = settings.history();
        return h.minAge().isZero() ? options : options.retain(h.minAge(), h.maxLenHard());
    }

    private AppendOptions once(AppendOptions options, String sender, String cid, Duration window) {
        return cid == null ? options : options.dedup(sender + ":" + cid, window);
    }

    /**
     * Stores and publishes a message in a room.
     *
     * @param room   the room
     * @param from   the sender
     * @param post   the text and its parts ({@code cid} makes it idempotent)
     * @param window how long the {@code cid} is remembered
     * @return the id (the first attempt's, for a retry)
     */
    public CompletionStage<Appended> toRoom(String room, Sender from, Post post, Duration window) {
        long ts = clock.getAsLong();
        FrameTemplate template = ServerFrames.roomMessage(room, from.id(), from.name(), post, ts);
        return broker.append(Topics.room(room), template, once(roomOptions(), from.id(), post.cid(), window))
                .thenApply(stored -> created(stored, template, ts, "room", room, from));
    }

    /** A stored message (not a deduplicated retry) is an event. */
    private Appended created(Appended stored, FrameTemplate template, long ts, String where, String value, Sender from) {
        if (!stored.duplicate()) {
            events.emit(new ChatEvent(ChatEvent.MESSAGE_CREATED, ts, java.util.Map.of(where, value, "id", stored.id(),
                    "from", from.id(), "name", from.name()), template.render(stored.id())));
        }
        return stored;
    }

    /**
     * Stores a direct message in the conversation and copies it into both users' inboxes.
     *
     * @param to     the recipient (a known user)
     * @param from   the sender
     * @param post   the text and its parts
     * @param window how long the {@code cid} is remembered
     * @return the conversation's id of the message; fails with {@link ChatException} unknown_user
     */
    public CompletionStage<Appended> direct(String to, Sender from, Post post, Duration window) {
        FrameTemplate template = ServerFrames.directMessage(to, from.id(), from.name(), post, clock.getAsLong());
        AppendOptions dm = retained(new AppendOptions(settings.history().directTtl()));
        return users.known(to).thenCompose(known -> {
            if (!known) {
                throw new ChatException(ErrorCode.UNKNOWN_USER, "no such user: direct messages go to users who connected recently");
            }
            return broker.append(Topics.direct(from.id(), to), template, once(dm, from.id(), post.cid(), window));
        }).thenCompose(stored -> {
            FrameTemplate copy = FrameTemplate.fixed(template.meta(), template.render(stored.id()));
            AppendOptions inbox = dm.dedup("dm:" + Topics.direct(from.id(), to) + ":" + stored.id(), window);
            CompletionStage<Appended> toRecipient = broker.append(Topics.inbox(to), copy, inbox);
            CompletionStage<Appended> toSender = from.id().equals(to) ? toRecipient : broker.append(Topics.inbox(from.id()), copy, inbox);
            return toRecipient.thenCombine(toSender, (a, b) -> stored);
        }).thenApply(stored -> created(stored, template, template.meta().ts(), "to", to, from));
    }

    /**
     * Stores an edit of a message.
     *
     * @param room      the room
     * @param by        who edits
     * @param target    the message's id
     * @param text      the new text
     * @param moderator {@code true} when a moderator (the server API) edits someone else's message
     * @return the edit's id; fails with {@link ChatException} (bad_id: no such message; forbidden:
     *         not the author)
     */
    public CompletionStage<Appended> edit(String room, Sender by, String target, String text, boolean moderator) {
        return checkTarget(room, target, by, moderator).thenCompose(m -> broker.append(Topics.room(room),
                ServerFrames.edit(room, target, by.id(), by.name(), text, clock.getAsLong()), roomOptions()));
    }

    /**
     * Stores the deletion of a message.
     *
     * @param room      the room
     * @param by        who deletes
     * @param target    the message's id
     * @param moderator {@code true} when a moderator deletes someone else's message
     * @return the deletion's id
     */
    public CompletionStage<Appended> delete(String room, Sender by, String target, boolean moderator) {
        return checkTarget(room, target, by, moderator).thenCompose(m -> broker.append(Topics.room(room),
                ServerFrames.delete(room, target, by.id(), by.name(), clock.getAsLong()), roomOptions()));
    }

    /**
     * Adds or removes a user's reaction to a message; stored (with the reaction's new count) only
     * when it changed something.
     *
     * @param room   the room
     * @param by     who reacts
     * @param target the message's id
     * @param emoji  the reaction
     * @param add    add or remove
     * @return the id (or {@code null}: no change, or {@link Counted#full()}: the message has
     *         {@value #MAX_REACTIONS} distinct reactions already) and the count
     */
    public CompletionStage<Counted> react(String room, Sender by, String target, String emoji, boolean add) {
        return checkTarget(room, target, by, true).thenCompose(m -> broker.appendCounted(Topics.room(room),
                new CountedSet(target, emoji, MAX_REACTIONS), by.id(), add, ServerFrames.reaction(room, target, by.id(), by.name(), emoji, add, clock.getAsLong()), roomOptions()));
    }

    /** The target must be a message of the room, and the actor its author unless allowed anyway. */
    private CompletionStage<StoredFrame> checkTarget(String room, String target, Sender by, boolean anyAuthor) {
        return broker.read(Topics.room(room), target).thenCompose(frame -> {
            if (frame == null || !ServerFrames.KIND_MESSAGE.equals(frame.meta().kind())) {
                return CompletableFuture.failedFuture(new ChatException(ErrorCode.BAD_ID, "no such message in this room"));
            }
            if (!anyAuthor && !frame.meta().sender().equals(by.id())) {
                return CompletableFuture.failedFuture(new ChatException(ErrorCode.FORBIDDEN, "only its author can change a message"));
            }
            return CompletableFuture.completedFuture(frame);
        });
    }
}
