package dev.tally.core.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.Fixtures;
import dev.tally.core.Fixtures.Add;
import dev.tally.core.Fixtures.Total;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.core.snapshot.SnapshotPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive on the in-memory ledger and a local directory: archived, loaded, appended to, rebuilt. */
class ArchiveRoundTripTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    static final class MovingClock extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** The in-memory ledger, whose deleteThrough can be made to fail once (a crash before the prune). */
    static final class FlakyPrune implements PrunableLedger {
        final InMemoryLedger inner = new InMemoryLedger();
        final AtomicBoolean failNext = new AtomicBoolean();
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void deleteThrough(String store, String aggregateId, long version) {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("crash before the prune");
            }
            inner.deleteThrough(store, aggregateId, version);
        }

        @Override
        public void append(List<RecordedEvent> events) {
            inner.append(events);
        }

        @Override
        public List<RecordedEvent> read(String store, String aggregateId, ReadOptions options) {
            reads.incrementAndGet();
            return inner.read(store, aggregateId, options);
        }

        @Override
        public Page<String> listAggregateIds(String store, PageRequest request) {
            return inner.listAggregateIds(store, request);
        }
    }

    /**
     * An archived stream is loaded from the snapshot at its marker: a load that misses the cache reads
     * the ledger's newest events first, and must not have the archive fill that short tail in down to
     * v1 (the whole archive object read on every cold load, and a load that fails when the archive is
     * out of reach though the snapshot makes it needless).
     */
    @Test
    void aColdLoadOfAnArchivedStreamReadsTheSnapshotNotTheArchive() {
        MovingClock clock = new MovingClock();
        InMemoryLedger raw = new InMemoryLedger();
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        ArchiveReadingLedger archiving = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(dir.resolve("archive")));
        EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, archiving)
                .snapshots(snapshots, SnapshotPolicy.everyNEvents(100)).clock(clock).build();
        for (int k = 1; k <= 20; k++) {
            totals.execute("t", new Add(k));
        }
        clock.now = T0.plus(Duration.ofDays(10));
        assertThat(new Archiver(archiving, clock).archive(totals, "t", Duration.ofDays(7))
                .kind()).isEqualTo(Archiver.Kind.ARCHIVED);

        // the same ledger and snapshots, the archive out of reach (an empty directory)
        EventStore<Total> cold = EventStore.builder(Fixtures.TOTAL, new ArchiveReadingLedger(raw,
                new DirectoryArchiveStore(dir.resolve("elsewhere")))).snapshots(snapshots,
                SnapshotPolicy.everyNEvents(100)).clock(clock).build();
        assertThat(cold.load("t").state()).isEqualTo(new Total(210, 20));
        cold.execute("t", new Add(1));
        assertThat(cold.load("t").state()).isEqualTo(new Total(211, 21));
    }

    @Test
    void archivedLoadedAppendedToAndRebuilt() {
        MovingClock clock = new MovingClock();
        FlakyPrune raw = new FlakyPrune();
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(dir));
        InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
        EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, ledger).snapshots(snapshots,
                SnapshotPolicy.never()).clock(clock).build();
        for (int i = 0; i < 30; i++) {
            for (int k = 1; k <= 20; k++) {
                totals.execute("t" + i, new Add(k));
            }
        }
        clock.now = T0.plus(Duration.ofDays(9));
        totals.execute("t29", new Add(1000)); // recent: not archived
        List<RecordedEvent> before = totals.read("t3", ReadOptions.ALL);
        Aggregate<Total> at7 = totals.loadAt("t3", 7);

        clock.now = T0.plus(Duration.ofDays(10));
        Archiver archiver = new Archiver(ledger, clock);
        int archived = 0;
        for (int i = 0; i < 30; i++) {
            Archiver.Outcome o = archiver.archive(totals, "t" + i, Duration.ofDays(7));
            if (o.kind() == Archiver.Kind.ARCHIVED) {
                archived++;
                assertThat(o.archivedThrough()).isEqualTo(20);
            } else {
                assertThat(o.kind()).isEqualTo(Archiver.Kind.ACTIVE);
                assertThat(o.aggregateId()).isEqualTo("t29");
            }
        }
        assertThat(archived).isEqualTo(29);

        // the ledger keeps only the marker; every read is as before, the marker after
        List<RecordedEvent> stored = raw.read("tally-total", "t3", ReadOptions.ALL);
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).type()).isEqualTo(StreamArchived.TYPE_NAME);
        assertThat(stored.get(0).version()).isEqualTo(21);
        List<RecordedEvent> after = totals.read("t3", ReadOptions.ALL);
        assertThat(after.subList(0, 20)).isEqualTo(before);
        assertThat(totals.read("t3", ReadOptions.range(5, 9))).isEqualTo(before.subList(4, 9));
        assertThat(totals.read("t3", ReadOptions.latest(3)).stream().map(RecordedEvent::version))
                .containsExactly(21L, 20L, 19L);
        assertThat(totals.loadAt("t3", 7)).isEqualTo(at7);
        EventStore<Total> coldReader = EventStore.builder(Fixtures.TOTAL, ledger).cache(0).build(); // no snapshot
        assertThat(coldReader.load("t3").state()).isEqualTo(new Total(210, 20));
        assertThat(coldReader.load("t3").version()).isEqualTo(21);

        // appends continue after the marker; a writer on an old state conflicts, at v1 as at v5
        totals.execute("t3", new Add(5));
        assertThat(totals.load("t3").version()).isEqualTo(22);
        assertThat(totals.load("t3").state()).isEqualTo(new Total(215, 21));
        assertThatThrownBy(() -> totals.append("t4", 4, new Fixtures.Added(1))).isInstanceOf(VersionConflict.class);
        assertThatThrownBy(() -> totals.append("t4", 0, new Fixtures.Added(1))).isInstanceOf(VersionConflict.class);
        assertThatThrownBy(() -> raw.append(List.of(totals.record("t4", 3, new Fixtures.Added(1),
                EventMetadata.empty())))).isInstanceOf(VersionConflict.class);

        // a rebuild folds archived history: one message per aggregate, views as the fold says
        Projection<Total, Long> sums = Projection.of("sums", Fixtures.TOTAL, Long.class, a -> a.state().sum());
        InMemoryProjectionWriter<Long> views = new InMemoryProjectionWriter<>("sums");
        Rebuild.Result r = Rebuild.builder(coldReader::listAggregateIds,
                new ProjectionResend(coldReader, new Projector<>(sums, views)::handle)).build().run();
        assertThat(r.messages()).isEqualTo(30);
        assertThat(views.read("t3").orElseThrow().view()).isEqualTo(215L);
        assertThat(views.read("t3").orElseThrow().version()).isEqualTo(22);
        assertThat(views.read("t0").orElseThrow().version()).isEqualTo(21);

        // archived again later: the new object holds everything, the marker moves on
        clock.now = T0.plus(Duration.ofDays(30));
        assertThat(archiver.archive(totals, "t3", Duration.ofDays(7)).archivedThrough()).isEqualTo(22);
        assertThat(raw.read("tally-total", "t3", ReadOptions.ALL)).hasSize(1);
        assertThat(coldReader.load("t3").state()).isEqualTo(new Total(215, 21));
        assertThat(ledger.archive().get("tally-total", "t3")).hasSize(22);
        assertThat(archiver.archive(totals, "t3", Duration.ofDays(7)).kind())
                .isEqualTo(Archiver.Kind.ALREADY_ARCHIVED);

        // a crash after the marker, before the prune: reads are whole, the next run finishes
        raw.failNext.set(true);
        assertThatThrownBy(() -> archiver.archive(totals, "t29", Duration.ofDays(7)))
                .hasMessageContaining("crash before the prune");
        assertThat(coldReader.load("t29").state().sum()).isEqualTo(210 + 1000);
        assertThat(raw.read("tally-total", "t29", ReadOptions.ALL)).hasSize(22);
        Archiver.Outcome finished = archiver.archive(totals, "t29", Duration.ofDays(7));
        assertThat(finished.kind()).isEqualTo(Archiver.Kind.FINISHED);
        assertThat(raw.read("tally-total", "t29", ReadOptions.ALL)).hasSize(1);
        assertThat(coldReader.load("t29").state().sum()).isEqualTo(1210);

        // a new stream's first append: the directory holds nothing of it, so no ledger read guards it
        int readsBefore = raw.reads.get();
        ledger.append(List.of(totals.record("new-one", 1, new Fixtures.Added(1), EventMetadata.empty())));
        assertThat(raw.reads.get()).isEqualTo(readsBefore);
        // an archived one's costs the read that refuses it
        assertThatThrownBy(() -> ledger.append(List.of(totals.record("t5", 1, new Fixtures.Added(1),
                EventMetadata.empty())))).isInstanceOf(VersionConflict.class);
        assertThat(raw.reads.get()).isEqualTo(readsBefore + 1);

        // a command id the stream does not hold: the ledger's own lookup (one read here), no second
        // search of the whole stream when nothing of it is archived
        int lookups = raw.reads.get();
        assertThat(ledger.commandEvents("tally-total", "new-one", "no-such-command")).isEmpty();
        assertThat(raw.reads.get()).isEqualTo(lookups + 1);
    }

    @Test
    void aMissingArchiveObjectIsAClearErrorNotAShortHistory() {
        InMemoryLedger raw = new InMemoryLedger();
        Path elsewhere = dir.resolve("elsewhere");
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(dir.resolve("a")));
        MovingClock clock = new MovingClock();
        EventStore<Total> totals = EventStore.builder(Fixtures.TOTAL, ledger).clock(clock).cache(0).build();
        for (int k = 1; k <= 5; k++) {
            totals.execute("x", new Add(k));
        }
        clock.now = T0.plus(Duration.ofDays(2));
        new Archiver(ledger, clock).archive(totals, "x", Duration.ofDays(1));
        LedgerAdapter wrongPlace = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(elsewhere));
        EventStore<Total> lost = EventStore.builder(Fixtures.TOTAL, wrongPlace).cache(0).build();
        assertThatThrownBy(() -> lost.load("x")).hasMessageContaining("versions 1..5 are not in the ledger")
                .hasMessageContaining("Check the archive location");
    }
}
