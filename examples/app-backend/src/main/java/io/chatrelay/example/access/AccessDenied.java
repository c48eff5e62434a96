package io.chatrelay.example.access;

import java.util.Objects;

/** A request {@link ChatAccess} refuses: why, in a category every door maps to its own answer. */
public final class AccessDenied extends Exception {
    private static final long serialVersionUID = 1L;

    /** The categories of refusal. */
    public enum Reason {
        /** Malformed input (HTTP 400). */
        INVALID,
        /** Missing, wrong or expired credentials (HTTP 401). */
        UNAUTHENTICATED,
        /** Known user, not allowed (HTTP 403). */
        FORBIDDEN
    }

    private final Reason reason;

    /**
     * Creates the refusal.
     *
     * @param reason  the category
     * @param message why, safe to show
     */
    public AccessDenied(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * The category.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
