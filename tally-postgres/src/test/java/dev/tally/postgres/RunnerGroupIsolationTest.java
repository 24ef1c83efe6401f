package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One reader commits every runner's rows together ({@link RunnerGroup}); a runner whose handler
 * throws an {@code Error} (a reducer's {@code StackOverflowError}, an {@code AssertionError} from an
 * "unreachable" branch) must still be one runner failing: it dead-letters after its policy's
 * attempts and the healthy runner beside it reaches the head. Before, the Error left the shared
 * round uncounted, so every round hit it again and no runner's checkpoint moved.
 */
class RunnerGroupIsolationTest {
    private static final FailurePolicy THREE_QUICK_ATTEMPTS = FailurePolicy.of(new RetryPolicy(3,
            Duration.ofMillis(1), Duration.ofMillis(2)));

    @ParameterizedTest
    @ValueSource(strings = {"StackOverflowError", "AssertionError"})
    void anErrorInOneRunnerIsThatRunnersFailureOnly(String kind) throws Exception {
        PostgresTables tables = TestDatabase.freshTables("isolation");
        PostgresLedger ledger = new PostgresLedger(TestDatabase.dataSource(), tables);
        EventStore<Tallies.Tally> tallies = EventStore.builder(Tallies.DEFINITION, ledger).build();
        PostgresCheckpointStore checkpoints = new PostgresCheckpointStore(TestDatabase.dataSource(), tables);
        for (int i = 0; i < 5; i++) {
            tallies.execute("t" + i, Tallies.add(1));
        }
        long head = ledger.headPosition();
        PostgresDeadLetterStore letters = new PostgresDeadLetterStore(TestDatabase.dataSource(), tables);
        JdbcHandler broken = (c, messages) -> {
            throw kind.equals("AssertionError") ? new AssertionError("unreachable")
                    : new StackOverflowError("a reducer too deep");
        };
        JdbcHandler fine = (c, messages) -> { };
        List<PostgresProjectionRunner> runners = List.of(
                PostgresProjectionRunner.builder("broken", ledger, List.of(tallies), broken)
                        .failurePolicy(THREE_QUICK_ATTEMPTS).listen(false).deadLetters(letters).build(),
                PostgresProjectionRunner.builder("fine", ledger, List.of(tallies), fine)
                        .failurePolicy(THREE_QUICK_ATTEMPTS).listen(false).deadLetters(letters).build());
        RunnerGroup group = new RunnerGroup(ledger, checkpoints, runners, 100, Duration.ofMillis(200), null);

        for (int round = 0; round < 200 && checkpoints.load("broken").position().asLong() < head; round++) {
            if (group.pollOnce() == 0) {
                Thread.sleep(2);
            }
        }

        assertThat(checkpoints.load("fine").position().asLong()).as("the healthy runner").isEqualTo(head);
        assertThat(checkpoints.load("broken").position().asLong()).as("the failing runner, past its letters")
                .isEqualTo(head);
        assertThat(Tallies.count("SELECT count(*) FROM " + tables.deadLetters() + " WHERE source_name = 'broken'"))
                .as("one dead letter per event of the failing runner").isEqualTo(5);
        assertThat(Tallies.count("SELECT count(*) FROM " + tables.deadLetters() + " WHERE source_name = 'fine'"))
                .isZero();
    }
}
