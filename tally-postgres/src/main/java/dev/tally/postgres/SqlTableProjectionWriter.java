package dev.tally.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A read model in a SQL table of your own, with typed columns you can query, index and join:
 *
 * <pre>{@code
 * SqlTableProjectionWriter<BalanceView> balances = SqlTableProjectionWriter.<BalanceView>into("bank_balances")
 *     .key("account_id")
 *     .column(SqlColumn.bigint("balance", BalanceView::balance))
 *     .reader(row -> new BalanceView(row.getLong("balance")))
 *     .build(dataSource);
 * balances.createTableIfNotExists();   // or create it yourself: see createTableStatement()
 *
 * // SELECT account_id FROM bank_balances WHERE balance > 10000;
 * }</pre>
 *
 * <p>Each write is one statement that stores the row only when its version is newer than the stored
 * one, so state-carrying messages can arrive duplicated, late or reordered:
 * <pre>{@code
 * INSERT INTO bank_balances AS stored (account_id, version, balance) VALUES (?, ?, ?::bigint)
 * ON CONFLICT (account_id) DO UPDATE SET version = EXCLUDED.version, balance = EXCLUDED.balance
 * WHERE stored.version < EXCLUDED.version
 * }</pre>
 * One row inserted or updated means WRITTEN, none means STALE. The same write runs on a given
 * connection ({@link JdbcProjectionWriter}), so a {@link PostgresProjectionRunner} commits the row
 * with its checkpoint.
 *
 * <p>The table needs a text key column with a primary key or unique index, and a bigint version
 * column; other columns of the table that the mapping does not name are left alone.
 *
 * @param <V> the view type
 */
public final class SqlTableProjectionWriter<V> implements JdbcProjectionWriter<V> {
    private static final Pattern TABLE = Pattern.compile("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*");

    /** Builds a view from one row of the table (positioned; read the mapped columns by name). */
    @FunctionalInterface
    public interface RowReader<V> {
        V read(ResultSet row) throws SQLException;
    }

    private final DataSource dataSource;
    private final String table;
    private final String keyColumn;
    private final String versionColumn;
    private final List<SqlColumn<V>> columns;
    private final RowReader<V> reader;
    private final String write;
    private final String read;
    private final String delete;
    private final String list;
    private final String listFirst;

    private SqlTableProjectionWriter(Builder<V> b, DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = b.table;
        this.keyColumn = Objects.requireNonNull(b.keyColumn, "key column: call .key(\"...\") on the builder");
        this.versionColumn = b.versionColumn;
        this.columns = List.copyOf(b.columns);
        this.reader = Objects.requireNonNull(b.reader, "reader: call .reader(row -> ...) on the builder");
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " maps no view column: add .column(SqlColumn...)");
        }
        List<String> names = new ArrayList<>(List.of(keyColumn, versionColumn));
        for (SqlColumn<V> c : columns) {
            if (names.contains(c.name())) {
                throw new IllegalArgumentException("column " + c.name() + " of table " + table + " is mapped twice"
                        + " (or is the key or version column)");
            }
            names.add(c.name());
        }
        StringJoiner insertColumns = new StringJoiner(", ");
        StringJoiner values = new StringJoiner(", ");
        StringJoiner updates = new StringJoiner(", ");
        insertColumns.add(keyColumn).add(versionColumn);
        values.add("?").add("?");
        updates.add(versionColumn + " = EXCLUDED." + versionColumn);
        for (SqlColumn<V> c : columns) {
            insertColumns.add(c.name());
            values.add("?::" + c.sqlType());
            updates.add(c.name() + " = EXCLUDED." + c.name());
        }
        this.write = "INSERT INTO " + table + " AS stored (" + insertColumns + ") VALUES (" + values + ")"
                + " ON CONFLICT (" + keyColumn + ") DO UPDATE SET " + updates
                + " WHERE stored." + versionColumn + " < EXCLUDED." + versionColumn;
        String select = "SELECT " + insertColumns + " FROM " + table;
        this.read = select + " WHERE " + keyColumn + " = ?";
        this.delete = "DELETE FROM " + table + " WHERE " + keyColumn + " = ?";
        this.list = select + " WHERE " + keyColumn + " COLLATE \"C\" > ? ORDER BY " + keyColumn + " COLLATE \"C\""
                + " LIMIT ?";
        this.listFirst = select + " WHERE " + keyColumn + " COLLATE \"C\" >= ? ORDER BY " + keyColumn
                + " COLLATE \"C\" LIMIT ?";
    }

    /** Starts a mapping into {@code table} ("bank_balances" or "reporting.bank_balances"). */
    public static <V> Builder<V> into(String table) {
        return new Builder<>(table);
    }

    @Override
    public WriteOutcome write(String key, long version, V view) {
        try (Connection c = dataSource.getConnection()) {
            return write(c, key, version, view);
        } catch (SQLException e) {
            throw failure("writing row '" + key + "' v" + version, e);
        }
    }

    /** The same conditional write on the caller's connection, in its transaction. */
    @Override
    public WriteOutcome write(Connection connection, String key, long version, V view) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(view, "view");
        try (PreparedStatement ps = connection.prepareStatement(write)) {
            ps.setString(1, key);
            ps.setLong(2, version);
            for (int i = 0; i < columns.size(); i++) {
                columns.get(i).binder().bind(ps, i + 3, view);
            }
            return ps.executeUpdate() == 1 ? WriteOutcome.WRITTEN : WriteOutcome.STALE;
        } catch (SQLException e) {
            throw failure("writing row '" + key + "' v" + version, e);
        }
    }

    /** The same conditional writes, in order, as one JDBC batch on the caller's connection (one round trip). */
    @Override
    public void writeAll(Connection connection, List<Projection.Row<V>> rows) {
        try (PreparedStatement ps = connection.prepareStatement(write)) {
            for (Projection.Row<V> row : rows) {
                ps.setString(1, Objects.requireNonNull(row.key(), "key"));
                ps.setLong(2, row.version());
                for (int i = 0; i < columns.size(); i++) {
                    columns.get(i).binder().bind(ps, i + 3, Objects.requireNonNull(row.view(), "view"));
                }
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw failure("writing " + rows.size() + " rows (the first '" + rows.get(0).key() + "' v"
                    + rows.get(0).version() + ")", e);
        }
    }

    @Override
    public Optional<Versioned<V>> read(String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(read)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(versioned(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("reading row '" + key + "'", e);
        }
    }

    @Override
    public boolean delete(String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, key);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("deleting row '" + key + "'", e);
        }
    }

    /** Removes every row (before a rebuild); returns how many. */
    public int deleteAll() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            return st.executeUpdate("DELETE FROM " + table);
        } catch (SQLException e) {
            throw failure("deleting every row", e);
        }
    }

    /** Rows in ascending key order (code points); the cursor stands for the last key of the page. */
    @Override
    public Page<Versioned<V>> list(PageRequest request) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(request.cursor() == null ? listFirst : list)) {
            ps.setString(1, KeysetPage.key(request.cursor()));
            ps.setInt(2, request.size() + 1);
            List<Versioned<V>> items = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(versioned(rs));
                }
            }
            return KeysetPage.of(items, request.size());
        } catch (SQLException e) {
            throw failure("listing rows", e);
        }
    }

    private Versioned<V> versioned(ResultSet rs) throws SQLException {
        return new Versioned<>(rs.getString(1), rs.getLong(2), reader.read(rs));
    }

    /** A CREATE TABLE for this mapping: key text primary key, version bigint, the mapped columns. */
    public String createTableStatement() {
        StringJoiner cols = new StringJoiner(",\n    ", "CREATE TABLE IF NOT EXISTS " + table + " (\n    ", "\n)");
        cols.add(keyColumn + " text COLLATE \"C\" PRIMARY KEY");
        cols.add(versionColumn + " bigint NOT NULL");
        for (SqlColumn<V> c : columns) {
            cols.add(c.name() + " " + c.sqlType());
        }
        return cols.toString();
    }

    /** Runs {@link #createTableStatement()}. */
    public SqlTableProjectionWriter<V> createTableIfNotExists() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(createTableStatement());
            return this;
        } catch (SQLException e) {
            throw failure("creating the table", e);
        }
    }

    public String table() {
        return table;
    }

    @Override
    public String name() {
        return table;
    }

    /** The JSON in a jsonb column of the current row (null for SQL NULL), numbers as they were written. */
    public static JsonNode jsonb(ResultSet row, String column) throws SQLException {
        String text = row.getString(column);
        return text == null ? null : JsonbText.read(text);
    }

    private PostgresFailure failure(String doing, SQLException e) {
        String state = e.getSQLState();
        String what = doing + " in table " + table + " failed: " + SqlErrors.firstLine(e.getMessage())
                + " (SQLSTATE " + state + "). ";
        String todo;
        if (SqlErrors.UNDEFINED_TABLE.equals(state)) {
            todo = "Create the table first: createTableIfNotExists(), or run createTableStatement() yourself:\n"
                    + createTableStatement();
        } else if (SqlErrors.UNDEFINED_COLUMN.equals(state)) {
            todo = "The table lacks a column of the mapping (" + keyColumn + ", " + versionColumn + ", "
                    + columns.stream().map(SqlColumn::name).toList() + "): add it, or fix the mapping";
        } else if (SqlErrors.NO_UNIQUE_CONSTRAINT_FOR_ON_CONFLICT.equals(state)) {
            todo = "The table needs a primary key or unique index on " + keyColumn + " so a write can be one"
                    + " conditional upsert: ALTER TABLE " + table + " ADD PRIMARY KEY (" + keyColumn + ")";
        } else {
            todo = "Check the mapping's SQL types against the table, and the server log";
        }
        return new PostgresFailure(what + todo, e);
    }

    public static final class Builder<V> {
        private final String table;
        private String keyColumn;
        private String versionColumn = "version";
        private final List<SqlColumn<V>> columns = new ArrayList<>();
        private RowReader<V> reader;

        private Builder(String table) {
            if (table == null || !TABLE.matcher(table).matches() || table.length() > 127) {
                throw new IllegalArgumentException("table name '" + table + "' is invalid: use lower-case letters,"
                        + " digits and '_', optionally after a schema and a dot (e.g. 'bank_balances' or"
                        + " 'reporting.bank_balances')");
            }
            this.table = table;
        }

        /** The text column that holds the view's key (primary key or unique). */
        public Builder<V> key(String column) {
            this.keyColumn = PostgresTables.requireIdentifier("key column", column);
            return this;
        }

        /** The bigint column that holds the aggregate version (default "version"). */
        public Builder<V> version(String column) {
            this.versionColumn = PostgresTables.requireIdentifier("version column", column);
            return this;
        }

        public Builder<V> column(SqlColumn<V> column) {
            columns.add(Objects.requireNonNull(column, "column"));
            return this;
        }

        /** How to build a view from a row (for read and list). */
        public Builder<V> reader(RowReader<V> reader) {
            this.reader = reader;
            return this;
        }

        public SqlTableProjectionWriter<V> build(DataSource dataSource) {
            return new SqlTableProjectionWriter<>(this, dataSource);
        }
    }
}
