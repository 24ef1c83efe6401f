package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Views of any shape as JSONB in the shared {@code <schema>.<prefix>views} table, one row per
 * (projection, key). A write is one statement that stores the view only when its version is newer:
 *
 * <pre>{@code
 * INSERT INTO tally_views AS stored (projection, key, version, view) VALUES (?, ?, ?, ?::jsonb)
 * ON CONFLICT (projection, key) DO UPDATE SET version = EXCLUDED.version, view = EXCLUDED.view, ...
 * WHERE stored.version < EXCLUDED.version
 * }</pre>
 *
 * so duplicates and late deliveries change nothing (one row updated: WRITTEN, none: STALE). It also
 * writes on a given connection ({@link JdbcProjectionWriter}), so a {@link PostgresProjectionRunner}
 * commits the view with its checkpoint. For a
 * read model with typed columns in a table of your own, use {@link SqlTableProjectionWriter}.
 *
 * @param <V> the view type, stored as JSON with Tally's mapper
 */
public final class PostgresProjectionWriter<V> implements JdbcProjectionWriter<V> {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String projection;
    private final Class<V> viewType;
    private final String write;
    private final String read;
    private final String delete;
    private final String list;
    private final String listFirst;
    private final String clear;

    public PostgresProjectionWriter(DataSource dataSource, String projection, Class<V> viewType) {
        this(dataSource, PostgresTables.DEFAULT, projection, viewType);
    }

    public PostgresProjectionWriter(DataSource dataSource, PostgresTables tables, String projection,
                                    Class<V> viewType) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        if (projection == null || projection.isBlank()) {
            throw new IllegalArgumentException("a projection needs a name (e.g. \"balance\"), got '" + projection + "'");
        }
        this.projection = projection;
        this.viewType = Objects.requireNonNull(viewType, "viewType");
        String t = tables.views();
        this.write = "INSERT INTO " + t + " AS stored (projection, key, version, view, updated_at)"
                + " VALUES (?, ?, ?, ?::jsonb, now())"
                + " ON CONFLICT (projection, key) DO UPDATE"
                + " SET version = EXCLUDED.version, view = EXCLUDED.view, updated_at = EXCLUDED.updated_at"
                + " WHERE stored.version < EXCLUDED.version";
        this.read = "SELECT key, version, view FROM " + t + " WHERE projection = ? AND key = ?";
        this.delete = "DELETE FROM " + t + " WHERE projection = ? AND key = ?";
        this.list = "SELECT key, version, view FROM " + t + " WHERE projection = ? AND key > ? ORDER BY key LIMIT ?";
        this.listFirst = "SELECT key, version, view FROM " + t + " WHERE projection = ? AND key >= ? ORDER BY key LIMIT ?";
        this.clear = "DELETE FROM " + t + " WHERE projection = ?";
    }

    @Override
    public WriteOutcome write(String key, long version, V view) {
        try (Connection c = dataSource.getConnection()) {
            return write(c, key, version, view);
        } catch (SQLException e) {
            throw writeFailure(key, version, e);
        }
    }

    /** The same conditional write on the caller's connection, in its transaction. */
    @Override
    public WriteOutcome write(Connection connection, String key, long version, V view) {
        Objects.requireNonNull(key, "key");
        String json = JsonbText.write(JsonCodec.toTree(Objects.requireNonNull(view, "view")));
        try (PreparedStatement ps = connection.prepareStatement(write)) {
            ps.setString(1, projection);
            ps.setString(2, key);
            ps.setLong(3, version);
            ps.setString(4, json);
            return ps.executeUpdate() == 1 ? WriteOutcome.WRITTEN : WriteOutcome.STALE;
        } catch (SQLException e) {
            throw writeFailure(key, version, e);
        }
    }

    /** The same conditional writes, in order, as one JDBC batch on the caller's connection (one round trip). */
    @Override
    public void writeAll(Connection connection, List<Projection.Row<V>> rows) {
        try (PreparedStatement ps = connection.prepareStatement(write)) {
            for (Projection.Row<V> row : rows) {
                ps.setString(1, projection);
                ps.setString(2, Objects.requireNonNull(row.key(), "key"));
                ps.setLong(3, row.version());
                ps.setString(4, JsonbText.write(JsonCodec.toTree(Objects.requireNonNull(row.view(), "view"))));
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            Projection.Row<V> first = rows.get(0);
            throw SqlErrors.failure("writing " + rows.size() + " views of projection '" + projection + "' (the first '"
                    + first.key() + "' v" + first.version() + ") to " + tables.views(), tables, e);
        }
    }

    private PostgresFailure writeFailure(String key, long version, SQLException e) {
        return SqlErrors.failure("writing view '" + key + "' v" + version + " of projection '" + projection
                + "' to " + tables.views(), tables, e);
    }

    @Override
    public Optional<Versioned<V>> read(String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(read)) {
            ps.setString(1, projection);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(versioned(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("reading view '" + key + "' of projection '" + projection + "' from "
                    + tables.views(), tables, e);
        }
    }

    @Override
    public boolean delete(String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, projection);
            ps.setString(2, key);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw SqlErrors.failure("deleting view '" + key + "' of projection '" + projection + "' from "
                    + tables.views(), tables, e);
        }
    }

    /** Removes every view of this projection (before a rebuild); returns how many. */
    public int deleteAll() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(clear)) {
            ps.setString(1, projection);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("deleting the views of projection '" + projection + "' from " + tables.views(),
                    tables, e);
        }
    }

    /** Views in ascending key order (code points, collation "C"); the cursor stands for the last key of the page. */
    @Override
    public Page<Versioned<V>> list(PageRequest request) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(request.cursor() == null ? listFirst : list)) {
            ps.setString(1, projection);
            ps.setString(2, KeysetPage.key(request.cursor()));
            ps.setInt(3, request.size() + 1);
            List<Versioned<V>> items = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    items.add(versioned(rs));
                }
            }
            return KeysetPage.of(items, request.size());
        } catch (SQLException e) {
            throw SqlErrors.failure("listing the views of projection '" + projection + "' in " + tables.views(),
                    tables, e);
        }
    }

    private Versioned<V> versioned(ResultSet rs) throws SQLException {
        return new Versioned<>(rs.getString(1), rs.getLong(2), JsonCodec.fromTree(JsonbText.read(rs.getString(3)),
                viewType));
    }

    @Override
    public String name() {
        return projection;
    }
}
