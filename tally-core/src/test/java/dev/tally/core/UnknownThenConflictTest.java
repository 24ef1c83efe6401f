package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.memory.InMemoryLedger;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Invariant 9: attempt 1's append is ambiguous and still in flight (the look-up by command id finds
 * nothing yet); it lands while attempt 2 appends, so attempt 2 loses the race to the command's own
 * write. If attempt 2 was the last, the command is reported as RetriesExhausted ("every attempt lost
 * the race, nothing written") although it applied. It must be OutcomeUnknown (or the original acceptance).
 */
class UnknownThenConflictTest {
    private final InMemoryLedger ledger = new InMemoryLedger();

    @Test
    void anUnknownOutcomeFollowedByALostRaceOnTheLastAttemptIsNotReportedAsNotApplied() {
        InFlightLedger inFlight = new InFlightLedger(ledger, true);
        EventStore<Total> store = EventStore.builder(TOTAL, inFlight).cache(0)
                .retryPolicy(new RetryPolicy(2, Duration.ZERO, Duration.ZERO)).build();
        Throwable thrown = catchThrowable(() -> store.execute("a", new Add(5),
                EventMetadata.empty().withCommandId("pay-1")));
        assertThat(ledger.commandEvents(TOTAL.name(), "a", "pay-1")).as("the command applied").hasSize(1);
        assertThat(thrown).as("an applied command reported as not applied")
                .isNotInstanceOf(RetriesExhausted.class);
    }
}
