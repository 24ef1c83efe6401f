package dev.tally.core.projection;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * An app's wish to have a projection's views as rows of a SQL table with typed columns, to query,
 * index and join with SQL ({@code TallyApp.sqlTables()}). A description only, with no database in
 * it: {@code tally serve --engine postgres} creates the table when it is missing and writes each
 * view there, committed with the projection's checkpoint; engines without SQL keep the views as
 * they keep any other (the HTTP routes answer the same either way).
 *
 * <pre>{@code
 * SqlTable<BalanceView> BALANCES = SqlTable.of(BALANCE_VIEW, "bank_balances").key("account_id")
 *         .bigint("balance", BalanceView::balance).build();
 * // SELECT account_id FROM bank_balances WHERE balance > 10000;
 * }</pre>
 *
 * The table has the key column (text, primary key), {@code version} (bigint: the aggregate
 * version the row reflects; a row is replaced only by a newer one), the declared columns, and
 * {@code view} (jsonb: the whole view, from which the routes answer).
 *
 * @param projection the projection's name
 * @param table      "bank_balances" or "reporting.bank_balances"
 * @param keyColumn  the text column of the view's key
 * @param columns    the typed columns, in order
 * @param <V>        the view type
 */
public record SqlTable<V>(String projection, String table, String keyColumn, List<Column<V>> columns) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern TABLE = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,62}");
    /** The columns every table has beside the key; a declared column may not take their names. */
    public static final List<String> RESERVED = List.of("version", "view");

    /** The SQL types a column may have, each with the Java type its value function returns. */
    public enum Type {
        TEXT, BIGINT, INTEGER, BOOLEAN, NUMERIC, TIMESTAMPTZ, DATE, JSONB;

        /** As written in SQL. */
        public String sql() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One typed column: its name, its SQL type and its value in a view (null writes SQL NULL). */
    public record Column<V>(String name, Type type, Function<V, ?> value) {
        public Column {
            requireIdentifier("column", name);
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(value, "value");
        }
    }

    public SqlTable {
        Objects.requireNonNull(projection, "projection");
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("SQL table name '" + table + "' of projection '" + projection
                    + "' is invalid: lower-case letters, digits and '_', optionally after a schema and a dot"
                    + " (e.g. 'bank_balances' or 'reporting.bank_balances')");
        }
        requireIdentifier("key column", keyColumn);
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("SQL table " + table + " declares no column: add one, e.g."
                    + " .bigint(\"balance\", BalanceView::balance)");
        }
        List<String> names = new ArrayList<>(RESERVED);
        names.add(keyColumn);
        for (Column<V> c : columns) {
            if (names.contains(c.name())) {
                throw new IllegalArgumentException("column " + c.name() + " of SQL table " + table + " is declared"
                        + " twice, or takes the name of the key column or of one Tally adds " + RESERVED);
            }
            names.add(c.name());
        }
    }

    /** Starts the table of {@code projection}'s views. */
    public static <V> Builder<V> of(Projection<?, V> projection, String table) {
        return new Builder<>(projection.name(), table);
    }

    private static void requireIdentifier(String what, String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' is invalid: 1-63 lower-case letters,"
                    + " digits and '_', starting with a letter or '_' (e.g. 'account_id')");
        }
    }

    /** Declares the key column (default "id") and the typed columns. */
    public static final class Builder<V> {
        private final String projection;
        private final String table;
        private String keyColumn = "id";
        private final List<Column<V>> columns = new ArrayList<>();

        private Builder(String projection, String table) {
            this.projection = projection;
            this.table = table;
        }

        /** The text column that holds the view's key (the primary key). */
        public Builder<V> key(String column) {
            this.keyColumn = column;
            return this;
        }

        public Builder<V> text(String name, Function<V, String> value) {
            return column(name, Type.TEXT, value);
        }

        public Builder<V> bigint(String name, Function<V, Long> value) {
            return column(name, Type.BIGINT, value);
        }

        public Builder<V> integer(String name, Function<V, Integer> value) {
            return column(name, Type.INTEGER, value);
        }

        public Builder<V> bool(String name, Function<V, Boolean> value) {
            return column(name, Type.BOOLEAN, value);
        }

        public Builder<V> numeric(String name, Function<V, BigDecimal> value) {
            return column(name, Type.NUMERIC, value);
        }

        public Builder<V> timestamptz(String name, Function<V, Instant> value) {
            return column(name, Type.TIMESTAMPTZ, value);
        }

        public Builder<V> date(String name, Function<V, LocalDate> value) {
            return column(name, Type.DATE, value);
        }

        /** Any value, stored as JSON. */
        public Builder<V> jsonb(String name, Function<V, ?> value) {
            return column(name, Type.JSONB, value);
        }

        private Builder<V> column(String name, Type type, Function<V, ?> value) {
            columns.add(new Column<>(name, type, value));
            return this;
        }

        public SqlTable<V> build() {
            return new SqlTable<>(projection, table, keyColumn, columns);
        }
    }
}
