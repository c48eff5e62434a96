package io.chatrelay.broker;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class StreamIdTest {

    @Test
    void parsesMillisAndSequence() {
        StreamId id = StreamId.parse("1732291234567-3");

        assertThat(id.millis()).isEqualTo(1732291234567L);
        assertThat(id.sequence()).isEqualTo(3L);
    }

    @Test
    void parsesTheSmallestAndTheLargestIds() {
        assertThat(StreamId.parse("0-0")).isEqualTo(new StreamId(0, 0));
        assertThat(StreamId.parse(Long.MAX_VALUE + "-" + Long.MAX_VALUE))
                .isEqualTo(new StreamId(Long.MAX_VALUE, Long.MAX_VALUE));
    }

    @Test
    void printsInStreamFormAndParsesItsOwnOutput() {
        StreamId id = new StreamId(1732291234567L, 12);

        assertThat(id).hasToString("1732291234567-12");
        assertThat(StreamId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void acceptsLeadingZerosAsTheSameNumber() {
        assertThat(StreamId.parse("0001-002")).isEqualTo(new StreamId(1, 2));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "-", "1", "1-", "-1", "-1-0", "1--1", "1-2-3", "a-0", "1-b", "1.5-0", "1-0 ", " 1-0", "+1-0", "1-+0",
            "1_0", "0x10-0", "1e3-0", "\u0661-0", "１-0", "1-0\n", "abc", "1732291234567",
            // overflow: one past Long.MAX_VALUE, twenty digits, and a value too long for the length cap
            "9223372036854775808-0", "0-9223372036854775808", "9999999999999999999-0", "99999999999999999999-0",
            "0-99999999999999999999"
    })
    void rejectsTextThatIsNotAnId(String text) {
        assertThat(StreamId.isValid(text)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> StreamId.parse(text));
    }

    @Test
    void rejectsVeryLongTextWithoutParsingIt() {
        assertThat(StreamId.isValid("1".repeat(10_000) + "-0")).isFalse();
        assertThat(StreamId.isValid("1-" + "0".repeat(10_000))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0-0", "1-0", "1732291234567-0", "1732291234567-99", "9223372036854775807-9223372036854775807"})
    void acceptsValidIds(String text) {
        assertThat(StreamId.isValid(text)).isTrue();
    }

    @Test
    void refusesNegativeParts() {
        assertThatIllegalArgumentException().isThrownBy(() -> new StreamId(-1, 0));
        assertThatIllegalArgumentException().isThrownBy(() -> new StreamId(0, -1));
        assertThatIllegalArgumentException().isThrownBy(() -> new StreamId(Long.MIN_VALUE, Long.MIN_VALUE));
    }

    @Test
    void ordersByMillisThenBySequence() {
        assertThat(StreamId.compare("1-5", "2-0")).isNegative();
        assertThat(StreamId.compare("2-0", "1-5")).isPositive();
        assertThat(StreamId.compare("2-1", "2-0")).isPositive();
        assertThat(StreamId.compare("2-0", "2-1")).isNegative();
        assertThat(StreamId.compare("2-7", "2-7")).isZero();
    }

    @Test
    void comparesNumericallyNotAsText() {
        // as strings "10-0" < "9-0" and "1-10" < "1-9"; as ids it is the other way round
        assertThat(StreamId.compare("10-0", "9-0")).isPositive();
        assertThat(StreamId.compare("1-10", "1-9")).isPositive();
        assertThat(StreamId.compare("1732291234567-0", "999999999999-5")).isPositive();
    }

    @Test
    void treatsLeadingZerosAsEqual() {
        assertThat(StreamId.compare("01-02", "1-2")).isZero();
    }

    @Test
    void sortsIdsInStreamOrder() {
        List<StreamId> expected = List.of(new StreamId(0, 0), new StreamId(1, 0), new StreamId(1, 1),
                new StreamId(1, 10), new StreamId(2, 0), new StreamId(10, 0), new StreamId(Long.MAX_VALUE, 0));
        List<StreamId> shuffled = new ArrayList<>(expected);
        Collections.reverse(shuffled);
        Collections.swap(shuffled, 1, 4);

        Collections.sort(shuffled);

        assertThat(shuffled).containsExactlyElementsOf(expected);
    }

    @Test
    void compareRejectsInvalidIds() {
        assertThatIllegalArgumentException().isThrownBy(() -> StreamId.compare("1-0", "x"));
        assertThatIllegalArgumentException().isThrownBy(() -> StreamId.compare(null, "1-0"));
    }

    @Test
    void compareToIsConsistentWithEquals() {
        StreamId a = new StreamId(5, 5);
        StreamId b = StreamId.parse("5-5");

        assertThat(a.compareTo(b)).isZero();
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    }
}
