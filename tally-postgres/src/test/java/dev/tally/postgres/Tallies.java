package dev.tally.postgres;

import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.Decider;
import dev.tally.core.command.Command;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.command.Decision;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small aggregate for the runner and pipeline tests: a tally of amounts, its view as a SQL table
 * ({@code total < 1000} is a CHECK constraint, so a view write can be made to fail for real).
 */
final class Tallies {
    sealed interface TallyEvent permits Added {
    }

    record Added(long amount) implements TallyEvent {
    }

    sealed interface TallyCommand extends Command<Tally> permits Add {
    }

    record Add(long amount) implements TallyCommand {
    }

    record Tally(long total, int count) {
    }

    record TotalView(long total, int count) {
    }

    static final AggregateDefinition<Tally> DEFINITION = AggregateDefinition.of("tally", Tally.class,
            TallyCommand.class, TallyEvent.class, Decider.of(new Tally(0, 0),
                    (TallyCommand c, Tally t) -> Decision.emit(new Added(((Add) c).amount())),
                    (t, e) -> new Tally(t.total() + ((Added) e.payload()).amount(), t.count() + 1)));
    static final Projection<Tally, TotalView> TOTALS = Projection.of("totals", DEFINITION, TotalView.class,
            a -> new TotalView(a.state().total(), a.state().count()));

    private Tallies() {
    }

    /** The totals as a SQL table whose CHECK refuses a total of 1000 or more. */
    static SqlTableProjectionWriter<TotalView> table(String table) {
        SqlTableProjectionWriter<TotalView> writer = SqlTableProjectionWriter.<TotalView>into(table)
                .key("tally_id")
                .column(SqlColumn.bigint("total", TotalView::total))
                .column(SqlColumn.integer("count", TotalView::count))
                .reader(row -> new TotalView(row.getLong("total"), row.getInt("count")))
                .build(TestDatabase.dataSource());
        TestDatabase.execute("CREATE TABLE " + table + " (tally_id text COLLATE \"C\" PRIMARY KEY, version bigint NOT NULL,"
                + " total bigint CONSTRAINT total_below_1000 CHECK (total < 1000), count integer)");
        return writer;
    }

    static Add add(long amount) {
        return new Add(amount);
    }

    /** Every aggregate folded to its head: id to (version, view). */
    static Map<String, Versioned<TotalView>> folded(EventStore<Tally> store) {
        Map<String, Versioned<TotalView>> out = new TreeMap<>();
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<String> ids = store.listAggregateIds(request);
            for (String id : ids.items()) {
                Aggregate<Tally> a = store.load(id);
                out.put(id, new Versioned<>(id, a.version(), new TotalView(a.state().total(), a.state().count())));
            }
            if (ids.isLast()) {
                return out;
            }
            request = request.next(ids.nextCursor());
        }
    }

    /** Every row of a writer: key to (version, view). */
    static Map<String, Versioned<TotalView>> rows(SqlTableProjectionWriter<TotalView> writer) {
        Map<String, Versioned<TotalView>> out = new TreeMap<>();
        PageRequest request = PageRequest.first(100);
        while (true) {
            Page<Versioned<TotalView>> page = writer.list(request);
            page.items().forEach(v -> out.put(v.key(), v));
            if (page.isLast()) {
                return out;
            }
            request = request.next(page.nextCursor());
        }
    }

    /** Every event of the ledger in global order. */
    static List<LoggedEvent> log(PostgresLedger ledger) {
        List<LoggedEvent> out = new ArrayList<>();
        long position = 0;
        while (true) {
            List<LoggedEvent> batch = ledger.readAfter(position, 500);
            if (batch.isEmpty()) {
                return out;
            }
            out.addAll(batch);
            position = batch.get(batch.size() - 1).position();
        }
    }

    static long count(String sql) {
        try (Connection c = TestDatabase.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
