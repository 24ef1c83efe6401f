package dev.tally.server;

import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.SqlTable;
import dev.tally.postgres.PostgresFailure;
import dev.tally.postgres.SqlColumn;
import dev.tally.postgres.SqlTableProjectionWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The SQL table an app declares for a projection ({@link SqlTable}) as a {@link SqlTableProjectionWriter}:
 * the key, {@code version}, the declared typed columns and {@code view}, the whole view as jsonb, from
 * which reads build the view. Created when missing; an existing table is read once at start, so a
 * table that lacks a column fails then, with what to add, not at the first write.
 */
final class PostgresSqlTables {
    private PostgresSqlTables() {
    }

    static <V> SqlTableProjectionWriter<V> writer(DataSource dataSource, String app, Class<V> viewType,
                                                  SqlTable<V> table) {
        SqlTableProjectionWriter.Builder<V> b = SqlTableProjectionWriter.<V>into(table.table()).key(table.keyColumn())
                .version("version");
        for (SqlTable.Column<V> c : table.columns()) {
            b.column(column(c));
        }
        b.column(SqlColumn.jsonb("view", v -> v))
                .reader(row -> JsonCodec.fromTree(SqlTableProjectionWriter.jsonb(row, "view"), viewType));
        SqlTableProjectionWriter<V> writer = b.build(dataSource);
        try {
            writer.createTableIfNotExists();
            writer.list(PageRequest.first(1));
        } catch (PostgresFailure e) {
            throw new IllegalArgumentException("app " + app + ": the SQL table of projection '" + table.projection()
                    + "' cannot be used: " + e.getMessage(), e);
        }
        return writer;
    }

    private static <V> SqlColumn<V> column(SqlTable.Column<V> c) {
        Function<V, ?> f = c.value();
        String n = c.name();
        return switch (c.type()) {
            case TEXT -> SqlColumn.text(n, v -> {
                Object x = f.apply(v);
                return x == null ? null : x.toString();
            });
            case BIGINT -> SqlColumn.bigint(n, v -> f.apply(v) instanceof Number x ? x.longValue() : null);
            case INTEGER -> SqlColumn.integer(n, v -> f.apply(v) instanceof Number x ? x.intValue() : null);
            case BOOLEAN -> SqlColumn.bool(n, v -> (Boolean) f.apply(v));
            case NUMERIC -> SqlColumn.numeric(n, v -> {
                Object x = f.apply(v);
                return x == null || x instanceof BigDecimal ? (BigDecimal) x : new BigDecimal(x.toString());
            });
            case TIMESTAMPTZ -> SqlColumn.timestamptz(n, v -> (Instant) f.apply(v));
            case DATE -> SqlColumn.date(n, v -> (LocalDate) f.apply(v));
            case JSONB -> SqlColumn.jsonb(n, f);
        };
    }
}
