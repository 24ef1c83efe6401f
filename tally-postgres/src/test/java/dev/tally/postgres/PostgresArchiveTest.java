package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ForwardingLedger;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.Archiver;
import dev.tally.core.archive.DirectoryArchiveStore;
import dev.tally.core.command.CommandResult;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.projection.Projector;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.Tallies.Added;
import dev.tally.postgres.Tallies.Tally;
import dev.tally.postgres.Tallies.TotalView;
import dev.tally.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive on PostgreSQL and a local directory: archived, listed, loaded, appended to with the
 * right next version, read back whole, refused where a deleted row would have refused, rebuilt.
 */
class PostgresArchiveTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    /** The PostgreSQL ledger, whose deleteThrough can be made to fail once (a crash before the prune). */
    static final class FlakyPrune extends ForwardingLedger implements PrunableLedger {
        final PostgresLedger inner;
        final AtomicBoolean failNext = new AtomicBoolean();

        FlakyPrune(PostgresLedger inner) {
            super(inner);
            this.inner = inner;
        }

        @Override
        public void deleteThrough(String store, String aggregateId, long version) {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("crash before the prune");
            }
            inner.deleteThrough(store, aggregateId, version);
        }
    }

    @Test
    void archivedListedLoadedAppendedToReadBackAndRebuilt() {
        PostgresTables tables = TestDatabase.freshTables("archive");
        PostgresLedger pg = new PostgresLedger(TestDatabase.dataSource(), tables);
        FlakyPrune raw = new FlakyPrune(pg);
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(dir));
        MutableClock clock = new MutableClock(T0);
        PostgresSnapshotStore snapshots = new PostgresSnapshotStore(TestDatabase.dataSource(), tables);
        EventStore<Tally> tallies = EventStore.builder(Tallies.DEFINITION, ledger)
                .snapshots(snapshots, SnapshotPolicy.never()).clock(clock).build();
        String store = tallies.name();
        for (int i = 0; i < 12; i++) {
            for (int k = 1; k <= 20; k++) {
                tallies.execute("t" + i, Tallies.add(k), EventMetadata.empty().withCommandId("c-" + i + "-" + k));
            }
        }
        clock.set(T0.plus(Duration.ofDays(9)));
        tallies.execute("t11", Tallies.add(1000)); // recent: not archived
        List<RecordedEvent> before = tallies.read("t3", ReadOptions.ALL);
        Aggregate<Tally> at7 = tallies.loadAt("t3", 7);
        long headBefore = pg.headPosition();

        clock.set(T0.plus(Duration.ofDays(10)));
        Archiver archiver = new Archiver(ledger, clock);
        for (int i = 0; i < 12; i++) {
            Archiver.Outcome o = archiver.archive(tallies, "t" + i, Duration.ofDays(7));
            assertThat(o.kind()).as("t" + i).isEqualTo(i == 11 ? Archiver.Kind.ACTIVE : Archiver.Kind.ARCHIVED);
        }

        // the table keeps only the markers; the streams stay listed; the archived_streams row says how far
        List<RecordedEvent> stored = pg.read(store, "t3", ReadOptions.ALL);
        assertThat(stored).extracting(RecordedEvent::type).containsExactly(StreamArchived.TYPE_NAME);
        assertThat(stored.get(0).version()).isEqualTo(21);
        assertThat(Tallies.count("SELECT count(*) FROM " + tables.events() + " WHERE store = '" + store + "'"))
                .isEqualTo(11 + 21);
        assertThat(Tallies.count("SELECT through_version FROM " + tables.archivedStreams()
                + " WHERE aggregate_id = 't3'")).isEqualTo(20);
        List<String> listed = new ArrayList<>();
        PageRequest page = PageRequest.first(5);
        while (true) { // pages of 5 across archived (t0..t10) and live (t11) streams
            Page<String> ids = pg.listAggregateIds(store, page);
            listed.addAll(ids.items());
            if (ids.isLast()) {
                break;
            }
            page = page.next(ids.nextCursor());
        }
        assertThat(listed).containsExactly("t0", "t1", "t10", "t11", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9");

        // read back whole through the archive
        List<RecordedEvent> after = tallies.read("t3", ReadOptions.ALL);
        assertThat(after.subList(0, 20)).isEqualTo(before);
        assertThat(tallies.read("t3", ReadOptions.range(5, 9))).isEqualTo(before.subList(4, 9));
        assertThat(tallies.read("t3", ReadOptions.latest(3))).extracting(RecordedEvent::version)
                .containsExactly(21L, 20L, 19L);
        assertThat(tallies.loadAt("t3", 7)).isEqualTo(at7);
        EventStore<Tally> cold = EventStore.builder(Tallies.DEFINITION, ledger).cache(0).build(); // no snapshots
        assertThat(cold.load("t3").state()).isEqualTo(new Tally(210, 20));
        assertThat(cold.load("t3").version()).isEqualTo(21);

        // appends go on after the marker (the first attempt decides on the cached v20 and conflicts)
        assertThat(tallies.execute("t3", Tallies.add(5)).attempts()).isEqualTo(2);
        assertThat(tallies.load("t3").version()).isEqualTo(22);
        assertThat(cold.load("t3").state()).isEqualTo(new Tally(215, 21));

        // a writer on an old state conflicts, through the archive reader and on the bare ledger alike
        assertThatThrownBy(() -> tallies.append("t4", 4, new Added(1))).isInstanceOf(VersionConflict.class);
        assertThatThrownBy(() -> tallies.append("t4", 0, new Added(1))).isInstanceOf(VersionConflict.class);
        PostgresLedger fresh = new PostgresLedger(TestDatabase.dataSource(), tables); // knows no versions
        assertThatThrownBy(() -> fresh.append(List.of(tallies.record("t4", 1, new Added(1), EventMetadata.empty()))))
                .isInstanceOf(VersionConflict.class).hasMessageContaining("archived");
        assertThatThrownBy(() -> fresh.append(List.of(tallies.record("t4", 1, new Added(1), EventMetadata.empty()),
                tallies.record("t4", 2, new Added(1), EventMetadata.empty())))).isInstanceOf(VersionConflict.class);
        assertThatThrownBy(() -> fresh.append(List.of(tallies.record("t4", 5, new Added(1), EventMetadata.empty()))))
                .isInstanceOf(VersionConflict.class).hasMessageContaining("version 4 is archived");
        assertThat(pg.read(store, "t4", ReadOptions.ALL)).hasSize(1);

        // command ids of archived events are still refused; the retry answers with the original events
        CommandResult<Tally> again = tallies.execute("t5", Tallies.add(7), EventMetadata.empty().withCommandId("c-5-7"));
        assertThat(again).isInstanceOf(CommandResult.Accepted.class);
        assertThat(((CommandResult.Accepted<Tally>) again).events()).extracting(RecordedEvent::version)
                .containsExactly(7L);
        assertThat(tallies.load("t5").version()).isEqualTo(21);
        assertThatThrownBy(() -> fresh.append(List.of(tallies.record("t5", 22, new Added(7),
                EventMetadata.empty().withCommandId("c-5-7"))))).isInstanceOf(DuplicateCommand.class);
        assertThat(pg.read(store, "t5", ReadOptions.ALL)).hasSize(1);

        // the global order: the deleted positions are gone, everything kept is in order, the markers last
        List<LoggedEvent> log = Tallies.log(pg);
        assertThat(log).extracting(l -> l.event().type()).filteredOn(StreamArchived.TYPE_NAME::equals).hasSize(11);
        assertThat(log).isSortedAccordingTo((a, b) -> Long.compare(a.position(), b.position()));
        assertThat(log.stream().filter(l -> l.event().type().equals(StreamArchived.TYPE_NAME))
                .allMatch(l -> l.position() > headBefore)).isTrue();

        // a rebuild folds archived history: one message per aggregate, into PostgreSQL views
        PostgresProjectionWriter<TotalView> views = new PostgresProjectionWriter<>(TestDatabase.dataSource(), tables,
                "totals", TotalView.class);
        Rebuild.Result r = Rebuild.builder(cold::listAggregateIds,
                new ProjectionResend(cold, new Projector<>(Tallies.TOTALS, views)::handle)).build().run();
        assertThat(r.messages()).isEqualTo(12);
        assertThat(views.read("t3").orElseThrow().view()).isEqualTo(new TotalView(215, 21));
        assertThat(views.read("t3").orElseThrow().version()).isEqualTo(22);
        assertThat(views.read("t0").orElseThrow().version()).isEqualTo(21);

        // archived again: the object holds everything, the older marker goes with the rest
        clock.set(T0.plus(Duration.ofDays(30)));
        assertThat(archiver.archive(tallies, "t3", Duration.ofDays(7)).archivedThrough()).isEqualTo(22);
        assertThat(pg.read(store, "t3", ReadOptions.ALL)).extracting(RecordedEvent::version).containsExactly(23L);
        assertThat(Tallies.count("SELECT through_version FROM " + tables.archivedStreams()
                + " WHERE aggregate_id = 't3'")).isEqualTo(22);
        assertThat(cold.load("t3").state()).isEqualTo(new Tally(215, 21));

        // a crash after the marker, before the prune: reads are whole, the next run finishes
        raw.failNext.set(true);
        assertThatThrownBy(() -> archiver.archive(tallies, "t11", Duration.ofDays(7)))
                .hasMessageContaining("crash before the prune");
        assertThat(pg.read(store, "t11", ReadOptions.ALL)).hasSize(22);
        assertThat(cold.load("t11").state().total()).isEqualTo(210 + 1000);
        assertThat(archiver.archive(tallies, "t11", Duration.ofDays(7)).kind()).isEqualTo(Archiver.Kind.FINISHED);
        assertThat(pg.read(store, "t11", ReadOptions.ALL)).hasSize(1);
        assertThat(cold.load("t11").state().total()).isEqualTo(1210);
    }

    @Test
    void deleteThroughRefusesWithoutTheMarkerAndDeletesNothing() {
        PostgresTables tables = TestDatabase.freshTables("prune");
        PostgresLedger pg = new PostgresLedger(TestDatabase.dataSource(), tables);
        EventStore<Tally> tallies = EventStore.builder(Tallies.DEFINITION, pg).build();
        for (int k = 1; k <= 4; k++) {
            tallies.execute("x", Tallies.add(k));
        }
        assertThatThrownBy(() -> pg.deleteThrough(tallies.name(), "x", 3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version 4 is not the archive marker").hasMessageContaining("nothing was deleted");
        assertThat(pg.read(tallies.name(), "x", ReadOptions.ALL)).hasSize(4);
        assertThat(Tallies.count("SELECT count(*) FROM " + tables.archivedStreams())).isZero();
        pg.deleteThrough(tallies.name(), "x", 0); // nothing to do
        assertThat(pg.read(tallies.name(), "x", ReadOptions.ALL)).hasSize(4);
    }
}
