package dev.tally.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one failure policy of every consumer, on batches. */
class FailurePolicyTest {
    private final List<String> done = new ArrayList<>();
    private final List<String> dead = new ArrayList<>();

    private void run(FailurePolicy policy, List<String> batch, FailurePolicy.BatchAttempt<String> attempt) {
        policy.run(batch, attempt, done::addAll, (items, error, attempts) -> dead.addAll(items), d -> true,
                new Random(1));
    }

    private static FailurePolicy attempts(int n, boolean bisect) {
        return new FailurePolicy(new RetryPolicy(n, Duration.ZERO, Duration.ZERO), bisect);
    }

    @Test
    void withoutBisectOnlyTheFailingItemIsDeadLetteredAndTheRestIsTriedAgain() {
        run(attempts(3, false), List.of("poison", "b", "c"), batch -> {
            int i = 0;
            while (i < batch.size() && !batch.get(i).equals("poison")) {
                i++;
            }
            return i;
        });
        assertThat(dead).containsExactly("poison");
        assertThat(done).containsExactly("poison", "b", "c");
    }

    @Test
    void anErrorFromTheHandlerIsAFailedAttemptNotTheEndOfTheConsumer() {
        run(attempts(2, true), List.of("a", "bad", "c"), batch -> {
            if (batch.contains("bad")) {
                throw new StackOverflowError("a reducer recursed forever");
            }
            return batch.size();
        });
        assertThat(dead).containsExactly("bad");
        assertThat(done).containsExactlyInAnyOrder("a", "bad", "c");
    }

    @Test
    void progressResetsTheAttemptsSoAnItemIsNeverDeadLetteredUntried() {
        // each attempt handles one item and stops at the next: the failure point moves on every time,
        // so no item fails twice and none may be dead-lettered
        run(attempts(2, false), List.of("1", "2", "3", "4", "5", "6"), batch -> Math.min(1, batch.size()));
        assertThat(dead).isEmpty();
        assertThat(done).containsExactly("1", "2", "3", "4", "5", "6");
    }
}
