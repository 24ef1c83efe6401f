package dev.tally.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.internal.Chaos;
import dev.tally.core.snapshot.SnapshotPolicy;
import org.junit.jupiter.api.Test;

/** The order saga on the in-memory pipeline (nothing survives a restart there). */
class OrderSagaInMemoryTest extends OrderSagaScenarios {
    InMemoryPipeline last;

    @Override
    Shop newShop(Chaos chaos, Crashes crashes, Shop.MovableClock clock) {
        last = InMemoryPipeline.create(chaos);
        return new Shop(last, last.ledger(), new InMemoryTimerStore(), crashes, clock);
    }

    @Override
    Shop restart(Shop halted, Shop.MovableClock clock) {
        halted.close();
        return null;
    }

    @Test
    void aSagaInstanceIsAnAggregateThatSnapshotsAndReplaysToTheSameState() {
        Shop s = start();
        s.restock("apple", 10);
        s.credit("alice", 1_000);
        s.place("o9", "alice", 3600, line("apple", 1, 100));
        s.awaitOutcome("o9");

        Aggregate<OrderSaga.Progress> folded = s.sagas.load("o9");
        assertThat(s.sagas.takeSnapshot("o9")).isPresent();
        EventStore<OrderSaga.Progress> fromSnapshot = EventStore.builder(OrderSaga.SAGA.definition(), last.ledger())
                .snapshots(last.snapshots(), SnapshotPolicy.everyNEvents(1000)).build();
        assertThat(fromSnapshot.load("o9")).isEqualTo(folded);
        assertThat(fromSnapshot.events("o9")).extracting(e -> e.typeName()).startsWith("SagaStarted", "DeadlineSet",
                "StepRecorded");
    }
}
