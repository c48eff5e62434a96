package io.chatrelay.example.chat;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The app's rule for what may be said (its answer to the gateway's publish hook): a message with
 * a blocked word is refused; masked words are kept but masked ({@code darn} becomes {@code d**n}).
 * Whole words, any case. Thread-safe.
 */
public final class WordFilter {
    /** What to do with a message. */
    public sealed interface Decision {
        /** Store it as it is. */
        record Keep() implements Decision {
        }

        /**
         * Refuse it.
         *
         * @param reason shown to the sender
         */
        record Refuse(String reason) implements Decision {
        }

        /**
         * Store this text instead.
         *
         * @param text the masked text
         */
        record Rewrite(String text) implements Decision {
        }
    }

    private final Optional<Pattern> blocked;
    private final Optional<Pattern> masked;

    /**
     * Creates the filter.
     *
     * @param blocked words that refuse a message
     * @param masked  words that are masked
     */
    public WordFilter(List<String> blocked, List<String> masked) {
        this.blocked = pattern(blocked);
        this.masked = pattern(masked);
    }

    private static Optional<Pattern> pattern(List<String> words) {
        if (words.isEmpty()) {
            return Optional.empty();
        }
        String alternatives = String.join("|", words.stream().map(Pattern::quote).toList());
        return Optional.of(Pattern.compile("(?<![\\p{L}\\p{N}])(" + alternatives + ")(?![\\p{L}\\p{N}])",
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    /**
     * Decides about a message.
     *
     * @param text the message's text
     * @return keep, refuse or rewrite
     */
    public Decision decide(String text) {
        if (blocked.isPresent()) {
            Matcher m = blocked.get().matcher(text);
            if (m.find()) {
                return new Decision.Refuse("messages with \"" + m.group(1).toLowerCase(Locale.ROOT) + "\" are not allowed here");
            }
        }
        if (masked.isEmpty()) {
            return new Decision.Keep();
        }
        Matcher m = masked.get().matcher(text);
        if (!m.find()) {
            return new Decision.Keep();
        }
        return new Decision.Rewrite(m.replaceAll(r -> Matcher.quoteReplacement(mask(r.group(1)))));
    }

    private static String mask(String word) {
        int[] cps = word.codePoints().toArray();
        StringBuilder out = new StringBuilder().appendCodePoint(cps[0]);
        out.append("*".repeat(cps.length - 2));
        return out.appendCodePoint(cps[cps.length - 1]).toString();
    }
}
