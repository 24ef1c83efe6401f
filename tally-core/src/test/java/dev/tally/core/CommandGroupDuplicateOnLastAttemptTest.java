package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.spi.LedgerAdapter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Invariant 9 on the command group's last attempt: a group that applied must not be reported as
 * RetriesExhausted ("every attempt lost the race, nothing written").
 */
class CommandGroupDuplicateOnLastAttemptTest {
    private static final RetryPolicy ONE_ATTEMPT = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    private static final RetryPolicy TWO_ATTEMPTS = new RetryPolicy(2, Duration.ZERO, Duration.ZERO);

    private final InMemoryLedger ledger = new InMemoryLedger();
    private final EventStore<Total> direct = EventStore.builder(TOTAL, ledger).cache(0).build();

    private CommandGroup group(EventStore<Total> store) {
        return CommandGroup.of().add(store, "a", new Add(5)).add(store, "b", new Add(7));
    }

    @Test
    void aDuplicateCommandOnTheLastAttemptAnswersWithTheFirstExecution() {
        // another execution of the same command id lands right after this one looked the id up
        LedgerAdapter racing = new ForwardingLedger(ledger) {
            private final AtomicInteger lookUps = new AtomicInteger();

            @Override
            public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
                List<RecordedEvent> found = super.commandEvents(store, aggregateId, commandId);
                if (lookUps.incrementAndGet() == 2) { // after the look-up of the whole group
                    group(direct).execute(EventMetadata.empty().withCommandId(commandId));
                }
                return found;
            }
        };
        EventStore<Total> store = EventStore.builder(TOTAL, racing).cache(0).build();

        CommandGroup.GroupResult result = group(store).retryPolicy(ONE_ATTEMPT)
                .execute(EventMetadata.empty().withCommandId("pay-1"));

        assertThat(ledger.size()).as("the group applied once").isEqualTo(2);
        assertThat(result).isInstanceOf(CommandGroup.Accepted.class);
        CommandGroup.Accepted accepted = (CommandGroup.Accepted) result;
        assertThat(accepted.events()).extracting(RecordedEvent::version).containsExactly(1L, 1L);
        assertThat(accepted.aggregates()).extracting(a -> ((Total) a.state()).sum()).containsExactly(5L, 7L);
    }

    @Test
    void anUnknownOutcomeFollowedByALostRaceOnTheLastAttemptIsReportedUnknown() {
        // attempt 1's append does not answer and lands only when attempt 2 appends: attempt 2 loses
        // the race to the group's own write
        LedgerAdapter inFlight = new ForwardingLedger(ledger) {
            private List<RecordedEvent> pending;
            private boolean first = true;

            @Override
            public synchronized void append(List<RecordedEvent> events) {
                if (first) {
                    first = false;
                    pending = events;
                    throw new OutcomeUnknown(events.get(0).store(), events.get(0).aggregateId(), "an append", null);
                }
                if (pending != null) {
                    super.append(pending);
                    pending = null;
                }
                super.append(events);
            }
        };
        EventStore<Total> store = EventStore.builder(TOTAL, inFlight).cache(0).build();

        Throwable thrown = catchThrowable(() -> group(store).retryPolicy(TWO_ATTEMPTS)
                .execute(EventMetadata.empty().withCommandId("pay-2")));

        assertThat(ledger.commandEvents(TOTAL.name(), "a", "pay-2")).as("the group applied").hasSize(1);
        assertThat(thrown).as("an applied group reported as not applied")
                .isNotInstanceOf(RetriesExhausted.class).isInstanceOf(OutcomeUnknown.class);
    }
}
