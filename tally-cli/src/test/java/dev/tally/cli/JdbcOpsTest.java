package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.StreamArchived;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.DirectoryArchiveStore;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresSnapshotStore;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.TestDatabase;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operations commands directly on PostgreSQL (embedded PostgreSQL 17) with --jdbc-url. */
class JdbcOpsTest {
    @TempDir
    Path dir;

    @Test
    void rebuildReplayAndVerifySnapshotsOnPostgres() {
        DataSource data = TestDatabase.dataSource();
        PostgresTables tables = TestDatabase.freshTables("ops");
        EventStore<Count> counters = EventStore.builder(OpsTestApp.COUNTER, new PostgresLedger(data, tables))
                .snapshots(new PostgresSnapshotStore(data, tables), SnapshotPolicy.everyNEvents(3)).build();
        for (int i = 0; i < 40; i++) {
            for (int k = 1; k <= 1 + i % 6; k++) {
                counters.execute("p" + i, new Add(k));
            }
        }
        String[] conn = {"--jdbc-url", TestDatabase.jdbcUrl(), "--schema", tables.schema(), "--app",
            OpsTestApp.jar(dir).toString()};

        OpsCommandsTest.Run rebuild = OpsThroughServerTest.tally(concat(new String[] {"rebuild", "ops-total",
            "--page-size", "15", "--progress", "lines", "--every", "0", "--checkpoint",
            dir.resolve("p.json").toString()}, conn));
        assertThat(rebuild.code()).as(rebuild.all()).isZero();
        assertThat(rebuild.out()).contains("rebuild ops-total: 15/40 aggregates")
                .contains("rebuilt ops-total: 40 aggregates; this run sent 40 messages");
        PostgresProjectionWriter<Total> totals = new PostgresProjectionWriter<>(data, tables, "ops-total", Total.class);
        assertThat(totals.read("p5").orElseThrow().view()).isEqualTo(new Total(21));
        assertThat(totals.read("p5").orElseThrow().version()).isEqualTo(6);
        assertThat(new PostgresProjectionWriter<>(data, tables, "ops-other", Total.class).read("p5")).isEmpty();

        OpsCommandsTest.Run replay = OpsThroughServerTest.tally(concat(new String[] {"replay", "ops-counter", "--all",
            "--progress", "none"}, conn));
        assertThat(replay.out()).as(replay.all()).contains("replayed 40 aggregates of ops-counter: 40 replay events");
        assertThat(counters.load("p5").version()).isEqualTo(7);

        OpsCommandsTest.Run snapshots = OpsThroughServerTest.tally(concat(new String[] {"verify-snapshots",
            "ops-counter"}, conn));
        assertThat(snapshots.code()).as(snapshots.all()).isZero();
        assertThat(snapshots.out()).containsPattern("checked [1-9]\\d* snapshots").contains("0 mismatches");

        OpsCommandsTest.Run archive = OpsThroughServerTest.tally(concat(new String[] {"archive", "ops-counter",
            "--idle-days", "5"}, conn));
        assertThat(archive.code()).isNotZero();
        assertThat(archive.err()).contains("needs an archive: --archive-dir");
    }

    @Test
    void archiveRoundTripOnPostgres() {
        DataSource data = TestDatabase.dataSource();
        PostgresTables tables = TestDatabase.freshTables("archive");
        PostgresLedger raw = new PostgresLedger(data, tables);
        EventStore<Count> old = EventStore.builder(OpsTestApp.COUNTER, raw).clock(Clock.fixed(Instant.now()
                .minus(Duration.ofDays(40)), ZoneOffset.UTC)).build();
        for (int i = 0; i < 25; i++) {
            for (int k = 1; k <= 8; k++) {
                old.execute("a" + i, new Add(k));
            }
        }
        EventStore.builder(OpsTestApp.COUNTER, raw).build().execute("a24", new Add(100)); // recent: stays
        List<RecordedEvent> before = old.read("a3", ReadOptions.ALL);
        Path archive = dir.resolve("archive");
        String[] conn = {"--jdbc-url", TestDatabase.jdbcUrl(), "--schema", tables.schema(), "--app",
            OpsTestApp.jar(dir).toString(), "--archive-dir", archive.toString()};

        OpsCommandsTest.Run run = OpsThroughServerTest.tally(concat(new String[] {"archive", "ops-counter",
            "--idle-days", "30", "--page-size", "10", "--progress", "lines", "--every", "0"}, conn));
        assertThat(run.code()).as(run.all()).isZero();
        assertThat(run.out()).contains("25 aggregates looked at, 24 archived (192 events moved)")
                .contains("active=1").contains("archived=24");
        assertThat(archive.resolve("ops-counter/a3.jsonl.gz")).exists();
        assertThat(raw.read("ops-counter", "a3", ReadOptions.ALL)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(StreamArchived.TYPE_NAME))
                .satisfies(e -> assertThat(e.version()).isEqualTo(9));
        assertThat(raw.listAggregateIds("ops-counter", PageRequest.first(100)).items()).hasSize(25);
        // the snapshot at the marker: a load reads neither the archive nor the deleted rows
        assertThat(new PostgresSnapshotStore(data, tables).latest("ops-counter", "a3", OpsTestApp.COUNTER
                .reducerVersion())).hasValueSatisfying(s -> assertThat(s.version()).isEqualTo(9));

        // loaded, read whole and appended to through the archive; old writers refused
        ArchiveReadingLedger ledger = new ArchiveReadingLedger(raw, new DirectoryArchiveStore(archive));
        EventStore<Count> reader = EventStore.builder(OpsTestApp.COUNTER, ledger).cache(0).build();
        assertThat(reader.read("a3", ReadOptions.range(1, 8))).isEqualTo(before);
        assertThat(reader.loadAt("a3", 4).state()).isEqualTo(new Count(10));
        assertThatThrownBy(() -> reader.append("a5", 0, new OpsTestApp.Counted(1))).isInstanceOf(VersionConflict.class);
        assertThatThrownBy(() -> reader.append("a5", 4, new OpsTestApp.Counted(1))).isInstanceOf(VersionConflict.class);
        reader.execute("a3", new Add(1000));
        assertThat(reader.load("a3").version()).isEqualTo(10);
        assertThat(reader.load("a3").state()).isEqualTo(new Count(1036));

        // rebuilt through the archive into PostgreSQL views
        OpsCommandsTest.Run rebuild = OpsThroughServerTest.tally(concat(new String[] {"rebuild", "ops-total",
            "--checkpoint", dir.resolve("archive-rebuild.json").toString()}, conn));
        assertThat(rebuild.code()).as(rebuild.all()).isZero();
        PostgresProjectionWriter<Total> totals = new PostgresProjectionWriter<>(data, tables, "ops-total", Total.class);
        assertThat(totals.read("a3").orElseThrow().view()).isEqualTo(new Total(1036));
        assertThat(totals.read("a7").orElseThrow().view()).isEqualTo(new Total(36));

        // verify-snapshots folds the archived history up to the snapshot at the marker
        OpsCommandsTest.Run verify = OpsThroughServerTest.tally(concat(new String[] {"verify-snapshots",
            "ops-counter"}, conn));
        assertThat(verify.code()).as(verify.all()).isZero();
        assertThat(verify.out()).contains("0 mismatches");

        // a second run leaves archived streams and the recent one alone
        OpsCommandsTest.Run again = OpsThroughServerTest.tally(concat(new String[] {"archive", "ops-counter",
            "--idle-days", "30", "--progress", "none"}, conn));
        assertThat(again.out()).as(again.all()).contains("0 archived").contains("already_archived=23");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
