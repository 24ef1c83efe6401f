package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.spi.LedgerAdapter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Invariant 9 on the command group: an append whose answer was lost (it was written) followed by a
 * ledger that cannot be read must be reported as unknown, as a single command is, never as
 * LedgerUnavailable ("nothing was written").
 */
class CommandGroupUnknownOutcomeTest {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final LosingThenDownLedger losing = new LosingThenDownLedger(ledger);
    private final EventStore<Total> store = EventStore.builder(TOTAL, losing).cache(0).build();

    @Test
    void aSingleCommandReportsTheUnknownOutcome() {
        assertThatThrownBy(() -> store.execute("a", new Add(5), EventMetadata.empty().withCommandId("k")))
                .isInstanceOf(OutcomeUnknown.class);
        assertThat(ledger.size()).isEqualTo(1);
    }

    @Test
    void aCommandGroupReportsTheUnknownOutcomeToo() {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> CommandGroup.of()
                .add(store, "a", new Add(5)).add(store, "b", new Add(7))
                .execute(EventMetadata.empty().withCommandId("k")));
        assertThat(ledger.size()).as("the group was written").isEqualTo(2);
        assertThat(thrown).as("a written group must not be reported as 'nothing was written'")
                .isNotInstanceOf(LedgerUnavailable.class).isInstanceOf(OutcomeUnknown.class);
    }

    /** Writes, loses the answer, and then cannot be read (the ledger is down for a while). */
    private static final class LosingThenDownLedger extends ForwardingLedger {
        volatile boolean down;

        LosingThenDownLedger(LedgerAdapter inner) {
            super(inner);
        }

        @Override
        public void append(List<RecordedEvent> events) {
            super.append(events);
            down = true;
            RecordedEvent e = events.get(0);
            throw new OutcomeUnknown(e.store(), e.aggregateId(), "an append", null);
        }

        @Override
        public List<RecordedEvent> read(String store, String aggregateId, ReadOptions options) {
            failIfDown(store, aggregateId);
            return super.read(store, aggregateId, options);
        }

        @Override
        public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
            failIfDown(store, aggregateId);
            return super.commandEvents(store, aggregateId, commandId);
        }

        private void failIfDown(String store, String aggregateId) {
            if (down) {
                throw new LedgerUnavailable(store, aggregateId, "the events", new RuntimeException("timed out"));
            }
        }
    }
}
