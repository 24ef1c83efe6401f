package dev.tally.core;

import static dev.tally.core.Fixtures.TOTAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Decide;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.ledger.OutcomeUnknown;
import dev.tally.core.memory.InMemoryLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CommandIdTest {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final EventStore<Total> store = EventStore.builder(TOTAL, ledger).build();

    @Test
    void aCommandIdThatAppliedReturnsTheOriginalAcceptanceAndAppendsNothing() {
        EventMetadata once = EventMetadata.empty().withCommandId("c-1");
        CommandResult<Total> first = store.execute("a", new Add(5), once);
        store.execute("a", new Add(1));
        CommandResult<Total> again = store.execute("a", new Add(5), once);

        assertThat(again).isInstanceOf(CommandResult.Accepted.class);
        assertThat(((CommandResult.Accepted<Total>) again).events())
                .isEqualTo(((CommandResult.Accepted<Total>) first).events());
        assertThat(again.aggregate()).isEqualTo(first.aggregate());
        assertThat(ledger.size()).isEqualTo(2);
        assertThat(store.load("a").state()).isEqualTo(new Total(6, 2));
    }

    @Test
    void aRetryThatWouldNowBeRejectedStillAnswersWithTheOriginalAcceptance() {
        EventMetadata once = EventMetadata.empty().withCommandId("c-1");
        // accepted only while the sum is below 10
        Decide upToTen = new Decide(t -> t.sum() < 10 ? Decision.emit(new Added(10)) : Decision.reject("full", "full"));
        CommandResult<Total> first = store.execute("a", upToTen, once);
        CommandResult<Total> again = store.execute("a", upToTen, once);
        assertThat(first.isAccepted()).isTrue();
        assertThat(again.isAccepted()).isTrue();
        assertThat(ledger.size()).isEqualTo(1);
        assertThat(store.execute("a", upToTen, EventMetadata.empty().withCommandId("c-2")).isAccepted()).isFalse();
    }

    @Test
    void onlyTheFirstEventOfACommandCarriesItsIdWithTheCountOfItsEvents() {
        store.execute("a", new Decide(t -> Decision.emit(new Added(1), new Added(2), new Added(3))),
                EventMetadata.empty().withCommandId("three").withActor("bob"));
        List<RecordedEvent> events = ledger.read(TOTAL.name(), "a", ReadOptions.ALL);
        assertThat(events.get(0).metadata().commandId()).contains("three");
        assertThat(events.get(0).metadata().attributes()).containsEntry(EventMetadata.COMMAND_EVENTS, "3");
        assertThat(events.get(1).metadata().commandId()).isEmpty();
        assertThat(events.get(2).metadata().actor()).isEqualTo("bob");
        assertThat(ledger.commandEvents(TOTAL.name(), "a", "three")).isEqualTo(events);
    }

    @Test
    void concurrentExecutionsWithOneIdApplyItOnceWithoutTheLocalLock() throws Exception {
        EventStore<Total> racing = EventStore.builder(TOTAL, ledger).localCommandLock(false).cache(0).build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<CommandResult<Total>>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> racing.execute("a", new Add(7), EventMetadata.empty().withCommandId("x"))));
        }
        for (Future<CommandResult<Total>> f : results) {
            assertThat(f.get(30, TimeUnit.SECONDS).isAccepted()).isTrue();
        }
        pool.shutdown();
        assertThat(racing.load("a").state()).isEqualTo(new Total(7, 1));
    }

    @Test
    void anUnknownOutcomeWithoutACommandIdIsReportedAndNotDecidedAgain() {
        LosingLedger losing = new LosingLedger(ledger);
        EventStore<Total> s = EventStore.builder(TOTAL, losing).build();
        losing.loseNext = true;
        assertThatThrownBy(() -> s.execute("a", new Add(5))).isInstanceOf(OutcomeUnknown.class);
        assertThat(ledger.size()).isEqualTo(1); // written once, answered as unknown, not appended again
    }

    @Test
    void anUnknownOutcomeWithACommandIdIsResolvedByLookingTheIdUp() {
        LosingLedger losing = new LosingLedger(ledger);
        EventStore<Total> s = EventStore.builder(TOTAL, losing).build();
        losing.loseNext = true;
        CommandResult<Total> result = s.execute("a", new Add(5), EventMetadata.empty().withCommandId("k"));
        assertThat(result.isAccepted()).isTrue();
        assertThat(((CommandResult.Accepted<Total>) result).events()).hasSize(1);
        assertThat(ledger.size()).isEqualTo(1);
    }

    @Test
    void anUnknownOutcomeThatWasNotWrittenIsWrittenOnceOnTheNextAttempt() {
        LosingLedger losing = new LosingLedger(ledger);
        EventStore<Total> s = EventStore.builder(TOTAL, losing).build();
        losing.failBeforeWriting = true;
        CommandResult<Total> result = s.execute("a", new Add(5), EventMetadata.empty().withCommandId("k"));
        assertThat(result.isAccepted()).isTrue();
        assertThat(ledger.size()).isEqualTo(1);
    }

    /** Writes and then loses the answer (or fails before writing), once. */
    private static final class LosingLedger extends ForwardingLedger {
        volatile boolean loseNext;
        volatile boolean failBeforeWriting;

        LosingLedger(LedgerAdapter inner) {
            super(inner);
        }

        @Override
        public void append(List<RecordedEvent> events) {
            RecordedEvent e = events.get(0);
            if (failBeforeWriting) {
                failBeforeWriting = false;
                throw new OutcomeUnknown(e.store(), e.aggregateId(), "an append", null);
            }
            super.append(events);
            if (loseNext) {
                loseNext = false;
                throw new OutcomeUnknown(e.store(), e.aggregateId(), "an append", null);
            }
        }
    }
}
