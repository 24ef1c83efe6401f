package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.cli.OpsTestApp.Add;
import dev.tally.cli.OpsTestApp.Count;
import dev.tally.cli.OpsTestApp.Total;
import dev.tally.core.EventStore;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresSnapshotStore;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.TestDatabase;
import java.nio.file.Path;
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
            "--idle-days", "5", "--archive-dir", dir.resolve("a").toString()}, conn));
        assertThat(archive.code()).isNotZero();
        assertThat(archive.err()).contains("archiving is not there for PostgreSQL yet");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
