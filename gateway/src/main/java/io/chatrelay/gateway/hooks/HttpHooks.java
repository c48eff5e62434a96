package io.chatrelay.gateway.hooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatrelay.chat.ChatHooks;
import io.chatrelay.chat.Identity;
import io.chatrelay.chat.auth.RoomPolicies;
import io.chatrelay.chat.protocol.Post;
import io.chatrelay.gateway.config.HookSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The application's hooks over HTTP: {@code POST <url>/join} and {@code POST <url>/publish}, JSON,
 * signed like the webhooks ({@link Signature}). The answer, {@code {"allow":true|false,
 * "reason":"...","text":"..."}}: {@code allow} false refuses with the {@code reason} (shown to the
 * client, cut to {@value #MAX_REASON} characters); {@code text} (a publish only) replaces the
 * text. Anything else (another status than 2xx, no answer within the timeout, an answer over
 * {@value #MAX_RESPONSE} bytes or without a boolean {@code allow}, more than {@value #MAX_IN_FLIGHT}
 * requests in flight) is a failure, decided by the configured policy: allow (open) or refuse (closed).
 */
public final class HttpHooks implements ChatHooks {
    private static final System.Logger LOG = System.getLogger(HttpHooks.class.getName());
    /** Header: which hook ({@code join} or {@code publish}). */
    public static final String HOOK = "Chat-Relay-Hook";
    /** Most characters of a refusal's reason shown to the client. */
    static final int MAX_REASON = 200;
    /** Most bytes of an answer read. */
    static final int MAX_RESPONSE = 64 * 1024;
    /** Most hook requests in flight at once per gateway (and so, connections to the application). */
    static final int MAX_IN_FLIGHT = 256;
    /** What a refused client reads when the application could not be asked and the policy is closed. */
    static final String UNAVAILABLE = "the application could not decide: try again later";
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HookSettings settings;
    private final URI join;
    private final URI publish;
    private final boolean publishAll;
    private final Set<String> publishNamespaces;
    private final SignedPoster poster;
    private final HookMetrics metrics;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    /**
     * Creates the hooks.
     *
     * @param settings the hook settings (a URL set)
     * @param node     this gateway's node id (a header)
     * @param metrics  where it reports
     * @param clock    epoch milliseconds (the signature's timestamp)
     */
    public HttpHooks(HookSettings settings, String node, HookMetrics metrics, LongSupplier clock) {
        this.settings = settings;
        String base = settings.url().endsWith("/") ? settings.url() : settings.url() + "/";
        this.join = URI.create(base + "join");
        this.publish = URI.create(base + "publish");
        this.publishAll = settings.publishNamespaces().contains("*");
        this.publishNamespaces = Set.copyOf(settings.publishNamespaces());
        this.poster = new SignedPoster(settings.secret(), settings.timeout(), MAX_RESPONSE, node, clock);
        this.metrics = metrics;
    }

    @Override
    public boolean publishes(String room) {
        return publishAll || publishNamespaces.contains(RoomPolicies.namespaceOf(room));
    }

    @Override
    public Verdict beforeJoin(Identity who, String room) {
        try {
            return ask("join", join, body(who, room, null)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed("join", "error");
        } catch (ExecutionException e) {
            return failed("join", "error"); // ask never fails: it answers with the policy
        }
    }

    @Override
    public CompletionStage<Verdict> beforePublish(Identity who, String room, Post post) {
        return ask("publish", publish, body(who, room, post));
    }

    private CompletableFuture<Verdict> ask(String hook, URI uri, byte[] body) {
        if (!inFlight.tryAcquire()) {
            return CompletableFuture.completedFuture(failed(hook, "busy"));
        }
        long started = System.nanoTime();
        return poster.post(uri, body, Map.of(HOOK, hook)).handle((response, error) -> {
            inFlight.release();
            metrics.answered(hook, System.nanoTime() - started);
            return verdict(hook, response, error);
        });
    }

    private Verdict verdict(String hook, HttpResponse<byte[]> response, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            boolean timeout = cause instanceof TimeoutException || cause instanceof HttpTimeoutException;
            LOG.log(Level.DEBUG, "event=hook_failed hook={0} error={1}", hook, String.valueOf(cause));
            return failed(hook, timeout ? "timeout" : cause instanceof BoundedBody.TooLarge ? "invalid" : "error");
        }
        if (response.statusCode() / 100 != 2) {
            LOG.log(Level.DEBUG, "event=hook_failed hook={0} status={1}", hook, String.valueOf(response.statusCode()));
            return failed(hook, "status");
        }
        JsonNode answer;
        try {
            answer = MAPPER.readTree(response.body());
        } catch (IOException e) {
            return failed(hook, "invalid");
        }
        if (answer == null || !answer.path("allow").isBoolean()) {
            return failed(hook, "invalid");
        }
        if (!answer.get("allow").booleanValue()) {
            metrics.denied(hook);
            return Verdict.deny(reason(answer.path("reason")));
        }
        JsonNode text = answer.path("text");
        if (hook.equals("publish") && text.isTextual()) {
            metrics.rewritten();
            return new Verdict(true, null, text.textValue());
        }
        return Verdict.ALLOW;
    }

    private Verdict failed(String hook, String reason) {
        metrics.failed(hook, reason);
        return settings.failOpen() ? Verdict.ALLOW : Verdict.deny(UNAVAILABLE);
    }

    /** The reason shown to the client: printable, at most {@value #MAX_REASON} characters; a default when none. */
    static String reason(JsonNode node) {
        if (!node.isTextual()) {
            return "refused by the application";
        }
        StringBuilder out = new StringBuilder();
        node.textValue().codePoints()
                .filter(cp -> cp == ' ' || !(Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
                        || Character.isWhitespace(cp)))
                .limit(MAX_REASON)
                .forEach(out::appendCodePoint);
        String reason = out.toString().strip();
        return reason.isEmpty() ? "refused by the application" : reason;
    }

    /** The request: who, where, and for a publish the message. */
    static byte[] body(Identity who, String room, Post post) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("user", who.user());
            g.writeStringField("name", who.name());
            g.writeBooleanField("guest", who.guest());
            g.writeStringField("room", room);
            if (post != null) {
                g.writeStringField("text", post.text());
                if (post.cid() != null) {
                    g.writeStringField("cid", post.cid());
                }
                if (post.replyTo() != null) {
                    g.writeStringField("reply_to", post.replyTo());
                }
                if (post.meta() != null) {
                    g.writeFieldName("meta");
                    g.writeRawValue(post.meta());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Closes the HTTP client. */
    public void close() {
        poster.close();
    }
}
