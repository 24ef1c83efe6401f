package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FailurePolicy.retryRemaining: what is left is tried again, up to the policy's attempts. */
class RetryRemainingTest {
    private final FailurePolicy threeAttempts = FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1),
            Duration.ofMillis(2)));
    private final List<Duration> pauses = new ArrayList<>();

    @Test
    void whatIsLeftIsTriedAgainUntilNothingIs() {
        List<List<String>> tried = new ArrayList<>();
        List<String> left = threeAttempts.retryRemaining(List.of("a", "b", "c"), (items, attempt) -> {
            tried.add(items);
            return attempt == 1 ? List.of("c") : List.of();
        }, d -> pauses.add(d), new Random(1));
        assertThat(left).isEmpty();
        assertThat(tried).containsExactly(List.of("a", "b", "c"), List.of("c"));
        assertThat(pauses).hasSize(1);
    }

    @Test
    void afterTheLastAttemptWhatIsStillLeftIsHandedBack() {
        List<String> left = threeAttempts.retryRemaining(List.of("a", "b"), (items, attempt) -> List.of("b"),
                d -> pauses.add(d), new Random(1));
        assertThat(left).containsExactly("b");
        assertThat(pauses).as("no pause after the last attempt").hasSize(2);
    }

    @Test
    void aCallerThatStopsEndsTheRetries() {
        assertThatThrownBy(() -> threeAttempts.retryRemaining(List.of("a"), (items, attempt) -> items, d -> false,
                new Random(1))).isInstanceOf(FailurePolicy.Stopped.class);
    }
}
