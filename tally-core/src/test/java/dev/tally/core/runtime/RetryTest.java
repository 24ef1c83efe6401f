package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** FailurePolicy.retry: work that fails as a whole, retried while its failure is transient. */
class RetryTest {
    private final FailurePolicy threeAttempts = FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1),
            Duration.ofMillis(2)));
    private final List<Duration> pauses = new ArrayList<>();
    private final List<RuntimeException> previous = new ArrayList<>();

    static final class Transient extends RuntimeException {
        Transient(String m) {
            super(m);
        }
    }

    private <R> R retry(FailurePolicy policy, FailurePolicy.Attempt<R> attempt) {
        return policy.retry((n, last) -> {
            previous.add(last);
            return attempt.attempt(n, last);
        }, e -> e instanceof Transient, (last, attempts) -> {
            throw new IllegalStateException("gave up after " + attempts + ": " + last.getMessage(), last);
        }, d -> pauses.add(d), new Random(1));
    }

    @Test
    void aTransientFailureIsTriedAgainAndTheNextAttemptSeesIt() {
        String result = retry(threeAttempts, (n, last) -> {
            if (n < 3) {
                throw new Transient("try " + n);
            }
            return "done at " + n;
        });
        assertThat(result).isEqualTo("done at 3");
        assertThat(previous).extracting(e -> e == null ? null : e.getMessage()).containsExactly(null, "try 1", "try 2");
        assertThat(pauses).hasSize(2);
    }

    @Test
    void anyOtherFailureEndsTheRetriesAtOnce() {
        assertThatThrownBy(() -> retry(threeAttempts, (n, last) -> {
            throw new IllegalArgumentException("refused");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("refused");
        assertThat(previous).hasSize(1);
        assertThat(pauses).isEmpty();
    }

    @Test
    void afterTheLastAttemptTheCallerDecidesWithTheLastFailure() {
        assertThatThrownBy(() -> retry(threeAttempts, (n, last) -> {
            throw new Transient("try " + n);
        })).isInstanceOf(IllegalStateException.class).hasMessage("gave up after 3: try 3");
        assertThat(pauses).as("no pause after the last attempt").hasSize(2);
        String settled = threeAttempts.retry((n, last) -> {
            throw new Transient("try " + n);
        }, e -> true, (last, attempts) -> "settled after " + last.getMessage(), d -> true, new Random(1));
        assertThat(settled).isEqualTo("settled after try 3");
    }

    @Test
    void aZeroBackoffRetriesAtOnceAndAStoppingCallerEndsTheRetries() {
        FailurePolicy atOnce = FailurePolicy.of(new RetryPolicy(3, Duration.ZERO, Duration.ZERO));
        Integer doneAt = retry(atOnce, (n, last) -> {
            if (n == 1) {
                throw new Transient("first");
            }
            return n;
        });
        assertThat(doneAt).isEqualTo(2);
        assertThat(pauses).as("nothing to wait for").isEmpty();
        assertThatThrownBy(() -> threeAttempts.retry((n, last) -> {
            throw new Transient("again");
        }, e -> true, (last, attempts) -> null, d -> false, new Random(1))).isInstanceOf(FailurePolicy.Stopped.class);
    }
}
