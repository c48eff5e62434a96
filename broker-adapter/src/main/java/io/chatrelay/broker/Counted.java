package io.chatrelay.broker;

/**
 * The outcome of {@link Broker#appendCounted}.
 *
 * @param id    the stored frame's id, or {@code null} when nothing was stored or published (the
 *              set did not change, or the group is full)
 * @param count the set's size afterwards
 * @param full  {@code true} when the member would have started a new set in a group that holds
 *              its cap of sets already: refused, nothing changed
 */
public record Counted(String id, long count, boolean full) {
    /**
     * A change (or no change) within the cap.
     *
     * @param id    the id, or {@code null}
     * @param count the set's size
     */
    public Counted(String id, long count) {
        this(id, count, false);
    }

    /**
     * A refusal: the group holds its cap of sets.
     *
     * @return the outcome
     */
    public static Counted groupFull() {
        return new Counted(null, 0, true);
    }
}
