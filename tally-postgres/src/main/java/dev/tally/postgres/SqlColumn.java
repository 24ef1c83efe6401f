package dev.tally.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.function.Function;

/**
 * One typed column of a {@link SqlTableProjectionWriter}: its name, its SQL type and how to take
 * its value from a view. A null value writes SQL NULL.
 *
 * <pre>{@code
 * SqlColumn.bigint("balance", BalanceView::balance)
 * SqlColumn.text("owner", View::owner)
 * SqlColumn.jsonb("tags", View::tags)           // any value, as JSON
 * SqlColumn.timestamptz("last_at", View::lastAt)
 * }</pre>
 *
 * @param name    the column name: lower-case letters, digits and '_'
 * @param sqlType the SQL type, as written in CREATE TABLE and in the statement's cast
 * @param binder  sets the statement parameter from a view
 * @param <V>     the view type
 */
public record SqlColumn<V>(String name, String sqlType, Binder<V> binder) {

    /** Sets parameter {@code index} of {@code statement} from {@code view}. */
    @FunctionalInterface
    public interface Binder<V> {
        void bind(PreparedStatement statement, int index, V view) throws SQLException;
    }

    public SqlColumn {
        PostgresTables.requireIdentifier("column", name);
        Objects.requireNonNull(sqlType, "sqlType");
        if (!sqlType.matches("[a-z][a-z0-9_ ]*(\\([0-9, ]+\\))?(\\[\\])?")) {
            throw new IllegalArgumentException("SQL type '" + sqlType + "' of column " + name + " is not a plain type"
                    + " name (e.g. 'bigint', 'numeric(12, 2)', 'text[]')");
        }
        Objects.requireNonNull(binder, "binder");
    }

    public static <V> SqlColumn<V> text(String name, Function<V, String> value) {
        return new SqlColumn<>(name, "text", (ps, i, v) -> ps.setString(i, value.apply(v)));
    }

    public static <V> SqlColumn<V> bigint(String name, Function<V, Long> value) {
        return new SqlColumn<>(name, "bigint", (ps, i, v) -> {
            Long x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.BIGINT);
            } else {
                ps.setLong(i, x);
            }
        });
    }

    public static <V> SqlColumn<V> integer(String name, Function<V, Integer> value) {
        return new SqlColumn<>(name, "integer", (ps, i, v) -> {
            Integer x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.INTEGER);
            } else {
                ps.setInt(i, x);
            }
        });
    }

    public static <V> SqlColumn<V> bool(String name, Function<V, Boolean> value) {
        return new SqlColumn<>(name, "boolean", (ps, i, v) -> {
            Boolean x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.BOOLEAN);
            } else {
                ps.setBoolean(i, x);
            }
        });
    }

    /** Exact decimals (amounts with a scale); never floating point for money. */
    public static <V> SqlColumn<V> numeric(String name, Function<V, BigDecimal> value) {
        return new SqlColumn<>(name, "numeric", (ps, i, v) -> ps.setBigDecimal(i, value.apply(v)));
    }

    public static <V> SqlColumn<V> timestamptz(String name, Function<V, Instant> value) {
        return new SqlColumn<>(name, "timestamptz", (ps, i, v) -> {
            Instant x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                ps.setObject(i, OffsetDateTime.ofInstant(x, ZoneOffset.UTC));
            }
        });
    }

    public static <V> SqlColumn<V> date(String name, Function<V, LocalDate> value) {
        return new SqlColumn<>(name, "date", (ps, i, v) -> {
            LocalDate x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.DATE);
            } else {
                ps.setObject(i, x);
            }
        });
    }

    /** Any value (record, list, map) as JSONB, written with Tally's mapper. */
    public static <V> SqlColumn<V> jsonb(String name, Function<V, ?> value) {
        return new SqlColumn<>(name, "jsonb", (ps, i, v) -> {
            Object x = value.apply(v);
            if (x == null) {
                ps.setNull(i, Types.OTHER);
            } else {
                JsonNode tree = x instanceof JsonNode n ? n : JsonCodec.toTree(x);
                ps.setString(i, JsonbText.write(tree));
            }
        });
    }
}
