package dev.tally.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A version seen is trusted for an hour since the stream was last seen, then checked again. */
class KnownVersionsTest {
    @Test
    void trustedForMaxAgeThenForgotten() {
        long[] now = {0};
        KnownVersions known = new KnownVersions(10, Duration.ofHours(1), () -> now[0]);
        known.noteExists("s", 5);
        assertThat(known.exists("s", 5)).isTrue();
        assertThat(known.exists("s", 6)).isFalse();
        assertThat(known.exists("s", 4)).as("below the head: may be archived, so checked").isFalse();
        now[0] += Duration.ofMinutes(59).toNanos();
        known.noteExists("s", 3); // seen again: the age starts over, the highest stays
        now[0] += Duration.ofMinutes(59).toNanos();
        assertThat(known.exists("s", 5)).isTrue();
        now[0] += Duration.ofMinutes(2).toNanos();
        assertThat(known.exists("s", 5)).as("older than an hour: check again").isFalse();
        known.noteExists("s", 2); // an expired entry does not lend its old version to a new sighting
        assertThat(known.exists("s", 5)).isFalse();
        assertThat(known.exists("s", 2)).isTrue();
    }

    @Test
    void boundedLikeAnLru() {
        KnownVersions known = new KnownVersions(2, Duration.ofHours(1), () -> 0);
        known.noteExists("a", 1);
        known.noteExists("b", 1);
        known.exists("a", 1);
        known.noteExists("c", 1);
        assertThat(known.exists("b", 1)).isFalse();
        assertThat(known.exists("a", 1)).isTrue();
    }
}
