package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.spi.WrappedKey;
import dev.tally.core.spi.WrappedKeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Wrapped data keys in {@code <schema>.<prefix>data_keys}: one row per subject (primary key), the
 * wrapped key as BYTEA. A delete leaves the old row version in the table's pages until VACUUM reuses
 * them, and in WAL, base backups and replicas for their retention: the copy is wrapped, so it is
 * useless without the master key (see docs/privacy.md for what survives a forget).
 */
public final class PostgresWrappedKeyStore implements WrappedKeyStore {
    private final DataSource dataSource;
    private final String table;

    public PostgresWrappedKeyStore(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = tables.qualified("data_keys");
    }

    /** Creates the table when it is missing, then the store. */
    public static PostgresWrappedKeyStore createIfMissing(DataSource dataSource, PostgresTables tables) {
        PostgresWrappedKeyStore store = new PostgresWrappedKeyStore(dataSource, tables);
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + tables.schema());
            st.execute("CREATE TABLE IF NOT EXISTS " + store.table + " (subject TEXT PRIMARY KEY, key_id TEXT NOT NULL,"
                    + " master_key_id TEXT NOT NULL, wrapped BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the data key table " + store.table + ": " + e.getMessage(), e);
        }
        return store;
    }

    @Override
    public Optional<WrappedKey> get(String subject) {
        return query("SELECT subject, key_id, master_key_id, wrapped, created_at FROM " + table + " WHERE subject = ?",
                subject, 1).stream().findFirst();
    }

    @Override
    public boolean putIfAbsent(WrappedKey key) {
        return update("INSERT INTO " + table + " (subject, key_id, master_key_id, wrapped, created_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject) DO NOTHING", key.subject(), key.keyId(),
                key.masterKeyId(), key.wrapped(), Timestamp.from(key.created())) == 1;
    }

    @Override
    public boolean replace(WrappedKey expected, WrappedKey next) {
        return update("UPDATE " + table + " SET master_key_id = ?, wrapped = ? WHERE subject = ? AND key_id = ?"
                + " AND master_key_id = ?", next.masterKeyId(), next.wrapped(), expected.subject(), expected.keyId(),
                expected.masterKeyId()) == 1;
    }

    @Override
    public void delete(String subject) {
        update("DELETE FROM " + table + " WHERE subject = ?", subject);
    }

    @Override
    public Page<WrappedKey> list(PageRequest request) {
        List<WrappedKey> rows = query("SELECT subject, key_id, master_key_id, wrapped, created_at FROM " + table
                + " WHERE subject > ? ORDER BY subject LIMIT ?", request.cursor() == null ? "" : request.cursor(),
                request.size() + 1);
        if (rows.size() <= request.size()) {
            return new Page<>(rows, null);
        }
        List<WrappedKey> page = rows.subList(0, request.size());
        return new Page<>(page, page.get(page.size() - 1).subject());
    }

    @Override
    public String describe() {
        return "postgres:" + table;
    }

    private List<WrappedKey> query(String sql, String param, int limit) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            if (sql.contains("LIMIT ?")) {
                ps.setInt(2, limit);
            }
            List<WrappedKey> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new WrappedKey(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4),
                            rs.getTimestamp(5).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("reading " + table + " failed: " + e.getMessage(), e);
        }
    }

    private int update(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("writing " + table + " failed: " + e.getMessage(), e);
        }
    }
}
