package dev.tally.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Versioned;
import dev.tally.testing.TestEvents;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * A projection runner's batch goes to the database as one JDBC batch holding only the newest row
 * of each key ({@link JdbcHandler#projecting}, {@link JdbcProjectionWriter#writeAll}). Whatever
 * the order, the duplicates, the keys and what was stored before, each key ends at its newest
 * version, exactly as the writes one by one would leave it: for both SQL writers, on a real
 * PostgreSQL.
 */
class BatchedViewWritesPropertyTest {
    private static final PostgresTables TABLES = TestDatabase.freshTables("batched_views");
    private static final SqlTableProjectionWriter<Tallies.TotalView> TABLE = Tallies.table(TABLES.schema() + ".totals");
    private static final PostgresProjectionWriter<Tallies.TotalView> VIEWS = new PostgresProjectionWriter<>(
            TestDatabase.dataSource(), TABLES, "totals", Tallies.TotalView.class);

    @Property(tries = 40)
    void theSqlTableEndsAtEachKeysNewestVersion(
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 9) Integer> storedBefore,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 39) Integer> deliveries) throws Exception {
        check(TABLE, storedBefore, deliveries);
    }

    @Property(tries = 40)
    void theJsonbViewsEndAtEachKeysNewestVersion(
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 9) Integer> storedBefore,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 39) Integer> deliveries) throws Exception {
        check(VIEWS, storedBefore, deliveries);
    }

    /**
     * {@code deliveries}: each number is a message of key {@code n % 4} at version {@code n / 4 + 1}
     * (a total of 10 per version, which the CHECK of the table allows); {@code storedBefore}: versions
     * of key 0 written one by one before the batch.
     */
    private static void check(JdbcProjectionWriter<Tallies.TotalView> writer, List<Integer> storedBefore,
                              List<Integer> deliveries) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> newest = new TreeMap<>();
        for (int v : storedBefore) {
            writer.write(run + "-0", v, view(v));
            newest.merge(run + "-0", (long) v, Math::max);
        }
        List<StateCarryingMessage> messages = new ArrayList<>();
        for (int n : deliveries) {
            String key = run + "-" + (n % 4);
            long version = n / 4 + 1;
            messages.add(new StateCarryingMessage(TestEvents.event("tally", key, version),
                    JsonCodec.toTree(new Tallies.Tally(version * 10, (int) version))));
            newest.merge(key, version, Math::max);
        }
        JdbcHandler handler = JdbcHandler.projecting(Tallies.TOTALS, writer);
        try (Connection c = TestDatabase.dataSource().getConnection()) {
            c.setAutoCommit(false);
            handler.handle(c, messages);
            c.commit();
            c.setAutoCommit(true);
        }
        newest.forEach((key, version) -> assertThat(writer.read(key)).as(key)
                .contains(new Versioned<>(key, version, view(version))));
    }

    private static Tallies.TotalView view(long version) {
        return new Tallies.TotalView(version * 10, (int) version);
    }
}
