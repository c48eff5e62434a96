package io.chatrelay.example.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WordFilterTest {
    private final WordFilter filter = new WordFilter(List.of("spam", "scam"), List.of("darn", "heck"));

    @Test
    void refusesAMessageWithABlockedWordInAnyCase() {
        assertThat(filter.decide("no SCAM here")).isEqualTo(new WordFilter.Decision.Refuse("messages with \"scam\" are not allowed here"));
    }

    @Test
    void masksWholeWordsOnlyKeepingTheirCase() {
        assertThat(filter.decide("Darn! heck, darned checks")).isEqualTo(new WordFilter.Decision.Rewrite("D**n! h**k, darned checks"));
    }

    @Test
    void refusesBeforeItMasks() {
        assertThat(filter.decide("darn spam")).isInstanceOf(WordFilter.Decision.Refuse.class);
    }

    @Test
    void keepsAnythingElse() {
        assertThat(filter.decide("spammer scamp hello")).isEqualTo(new WordFilter.Decision.Keep());
        assertThat(new WordFilter(List.of(), List.of()).decide("spam darn")).isEqualTo(new WordFilter.Decision.Keep());
    }

    @Test
    void treatsRegexCharactersInWordsAsLetters() {
        assertThat(new WordFilter(List.of("a.b"), List.of()).decide("axb")).isEqualTo(new WordFilter.Decision.Keep());
    }
}
