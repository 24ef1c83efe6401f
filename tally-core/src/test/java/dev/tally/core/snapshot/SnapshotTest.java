package dev.tally.core.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Added;
import dev.tally.core.Fixtures.Decide;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Decision;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemorySnapshotStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SnapshotTest {
    // what the ledger was asked since the last resetCounts(): read calls, events they returned, appends
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong eventsRead = new AtomicLong();
    private final AtomicLong appends = new AtomicLong();
    private final LedgerAdapter ledger = new LedgerAdapter() {
        private final InMemoryLedger inner = new InMemoryLedger();

        @Override
        public void append(List<RecordedEvent> events) {
            inner.append(events);
            appends.incrementAndGet();
        }

        @Override
        public List<RecordedEvent> read(String s, String id, ReadOptions options) {
            List<RecordedEvent> got = inner.read(s, id, options);
            reads.incrementAndGet();
            eventsRead.addAndGet(got.size());
            return got;
        }

        @Override
        public Page<String> listAggregateIds(String s, PageRequest request) {
            return inner.listAggregateIds(s, request);
        }
    };
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    private final EventStore<Total> store = EventStore.builder(Fixtures.TOTAL, ledger)
            .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();

    private void resetCounts() {
        reads.set(0);
        eventsRead.set(0);
        appends.set(0);
    }

    @Test
    void loadingTenThousandEventsReadsAtMostOneHundredAfterTheSnapshot() {
        // 10,000 events through commands (snapshots taken as they go), the last 37 appended raw
        for (int i = 1; i <= 9_963; i++) {
            store.execute("big", new Add(1));
        }
        List<Added> tail = new ArrayList<>();
        for (int i = 0; i < 37; i++) {
            tail.add(new Added(1));
        }
        store.append("big", 9_963, tail, EventMetadata.empty());

        // a fresh process: no aggregate cache, only the snapshot store
        EventStore<Total> fresh = EventStore.builder(Fixtures.TOTAL, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();
        resetCounts();
        var aggregate = fresh.load("big");
        assertThat(aggregate.version()).isEqualTo(10_000);
        assertThat(aggregate.state()).isEqualTo(new Total(10_000, 10_000));
        assertThat(eventsRead.get()).isLessThanOrEqualTo(100);
        assertThat(reads.get()).isEqualTo(1);

        // without snapshots the same load reads all 10,000
        resetCounts();
        EventStore<Total> plain = EventStore.builder(Fixtures.TOTAL, ledger).build();
        assertThat(plain.load("big")).isEqualTo(aggregate);
        assertThat(eventsRead.get()).isEqualTo(10_000);
    }

    @Test
    void aWarmCacheReadsOnlyTheEventsAfterTheCachedVersionEvenWhenAnotherWriterAppended() {
        EventStore<Total> other = EventStore.builder(Fixtures.TOTAL, ledger).build(); // another process
        for (int i = 0; i < 5; i++) {
            store.execute("c", new Add(1));
        }
        other.execute("c", new Add(10));
        other.execute("c", new Add(10));
        resetCounts();
        assertThat(store.load("c").state()).isEqualTo(new Total(25, 7));
        assertThat(eventsRead.get()).isEqualTo(2);
        assertThat(reads.get()).isEqualTo(1);

        EventStore<Total> uncached = EventStore.builder(Fixtures.TOTAL, ledger).cache(0).build();
        resetCounts();
        assertThat(uncached.load("c").state()).isEqualTo(new Total(25, 7));
        assertThat(eventsRead.get()).isEqualTo(7);
    }

    @Test
    void aCommandOnAWarmCacheWritesWithoutReadingAndAStaleCacheOnlyCostsARetry() {
        store.execute("w", new Add(1));
        resetCounts();
        var warm = store.execute("w", new Add(1));
        assertThat(reads.get()).isZero();
        assertThat(appends.get()).isEqualTo(1);
        assertThat(warm.attempts()).isEqualTo(1);

        EventStore<Total> other = EventStore.builder(Fixtures.TOTAL, ledger).build();

        // stale cache, accepting decision: the conditional write refuses it, the retry reads
        other.execute("w", new Add(100));
        var staleAccept = store.execute("w", new Add(1));
        assertThat(staleAccept.attempts()).isEqualTo(2);
        assertThat(staleAccept.aggregate().state()).isEqualTo(new Total(103, 4));

        // stale cache, refusing decision: never returned unverified; decided again on a fresh read
        other.execute("w", new Add(1000));
        var staleReject = store.execute("w", new Decide(total -> total.sum() > 1000
                ? Decision.emit(new Added(1))
                : Decision.reject("too_small", "the decision must see the other writer's event")));
        assertThat(staleReject.isAccepted()).as("decided again on fresh state").isTrue();
        assertThat(store.load("w").state()).isEqualTo(new Total(1104, 6));
    }

    @Test
    void aChangedReducerVersionIgnoresOldSnapshots() {
        for (int i = 0; i < 250; i++) {
            store.execute("a", new Add(2));
        }
        assertThat(snapshots.latest("tally-total", "a", 1)).isPresent();

        // reducer v2 counts differently: old snapshots must not leak into its state
        AggregateDefinition<Total> v2 = Fixtures.builder((t, e) -> e.payload() instanceof Added added
                ? new Total(t.sum() + 10 * added.n(), t.count() + 1) : t).reducerVersion(2).build();
        resetCounts();
        EventStore<Total> newStore = EventStore.builder(v2, ledger)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).build();
        assertThat(newStore.load("a").state()).isEqualTo(new Total(5_000, 250));
        assertThat(eventsRead.get()).isEqualTo(250);
        assertThat(snapshots.latest("tally-total", "a", 2)).isPresent();
    }

    @Test
    void aSnapshotThatNoLongerReadsIsIgnoredNotFatal() {
        store.append("a", 0, new Added(3));
        snapshots.save(new Snapshot("tally-total", "a", 1, 1, JsonCodec.parse("{\"sum\":\"not a number\"}"),
                Instant.now()));
        assertThat(store.load("a").state()).isEqualTo(new Total(3, 1));
    }

    @Test
    void theVerifierFindsASnapshotThatDisagreesWithTheFold() {
        for (int i = 0; i < 120; i++) {
            store.execute("good", new Add(1));
            store.execute("bad", new Add(1));
        }
        Snapshot honest = snapshots.latest("tally-total", "bad", 1).orElseThrow();
        snapshots.save(new Snapshot("tally-total", "bad", honest.version(), 1,
                JsonCodec.toTree(new Total(999, 999)), Instant.now()));

        SnapshotVerifier verifier = new SnapshotVerifier();
        assertThat(verifier.verify(store, "good").ok()).isTrue();
        SnapshotVerifier.Result bad = verifier.verify(store, "bad");
        assertThat(bad.ok()).isFalse();
        assertThat(bad.message()).contains("bad").contains("v" + honest.version());
        assertThat(verifier.verifyAll(store, p -> { }).mismatches()).hasSize(1);
    }
}
