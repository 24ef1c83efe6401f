package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.ProjectionWriter.WriteOutcome;
import dev.tally.core.projection.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Any order of deliveries, with duplicates and stale versions, ends at the newest view, and each
 * write reports WRITTEN exactly when its version is newer than everything before it: for both SQL
 * writers, on a real PostgreSQL.
 */
class ProjectionWriterOrderPropertyTest {
    record Balance(long cents) {
    }

    private static final PostgresTables TABLES = TestDatabase.freshTables("order_property");
    private static final SqlTableProjectionWriter<Balance> TABLE = SqlTableProjectionWriter
            .<Balance>into(TABLES.schema() + ".balances")
            .key("account_id")
            .column(SqlColumn.bigint("cents", Balance::cents))
            .reader(row -> new Balance(row.getLong("cents")))
            .build(TestDatabase.dataSource())
            .createTableIfNotExists();
    private static final PostgresProjectionWriter<Balance> VIEWS = new PostgresProjectionWriter<>(
            TestDatabase.dataSource(), TABLES, "balance", Balance.class);

    @Property(tries = 60)
    void theSqlTableEndsAtTheNewestVersionWhateverTheOrder(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 12) Integer> versions) {
        check(TABLE, versions);
    }

    @Property(tries = 60)
    void theJsonbViewsEndAtTheNewestVersionWhateverTheOrder(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 1, max = 12) Integer> versions) {
        check(VIEWS, versions);
    }

    private static void check(ProjectionWriter<Balance> writer, List<Integer> versions) {
        String key = "acc-" + UUID.randomUUID();
        long newest = 0;
        List<WriteOutcome> expected = new ArrayList<>();
        List<WriteOutcome> actual = new ArrayList<>();
        for (int v : versions) {
            expected.add(v > newest ? WriteOutcome.WRITTEN : WriteOutcome.STALE);
            newest = Math.max(newest, v);
            // the view a state-carrying message of version v carries
            actual.add(writer.write(key, v, new Balance(v * 100L)));
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(writer.read(key)).contains(new Versioned<>(key, newest, new Balance(newest * 100)));
    }
}
