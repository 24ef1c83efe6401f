package dev.tally.postgres;

import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.spi.SnapshotStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Snapshots in {@code <schema>.<prefix>snapshots}, keyed by (store, aggregate_id, reducer_version,
 * version), the state as JSONB. Saving the same key again replaces it; a new reducer version never
 * sees the old reducer's snapshots.
 */
public final class PostgresSnapshotStore implements SnapshotStore {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String save;
    private final String latest;
    private final String deleteAll;

    public PostgresSnapshotStore(DataSource dataSource) {
        this(dataSource, PostgresTables.DEFAULT);
    }

    public PostgresSnapshotStore(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        String t = tables.snapshots();
        this.save = "INSERT INTO " + t + " (store, aggregate_id, reducer_version, version, state, taken_at)"
                + " VALUES (?, ?, ?, ?, ?::jsonb, ?)"
                + " ON CONFLICT (store, aggregate_id, reducer_version, version)"
                + " DO UPDATE SET state = EXCLUDED.state, taken_at = EXCLUDED.taken_at";
        this.latest = "SELECT version, state, taken_at FROM " + t
                + " WHERE store = ? AND aggregate_id = ? AND reducer_version = ? AND version <= ?"
                + " ORDER BY version DESC LIMIT 1";
        this.deleteAll = "DELETE FROM " + t + " WHERE store = ? AND aggregate_id = ?";
    }

    @Override
    public void save(Snapshot s) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(save)) {
            ps.setString(1, s.store());
            ps.setString(2, s.aggregateId());
            ps.setInt(3, s.reducerVersion());
            ps.setLong(4, s.version());
            ps.setString(5, JsonbText.write(s.state()));
            ps.setObject(6, OffsetDateTime.ofInstant(s.takenAt(), ZoneOffset.UTC));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("saving the snapshot of " + s.store() + "/" + s.aggregateId() + " at v"
                    + s.version() + " to " + tables.snapshots(), tables, e);
        }
    }

    @Override
    public Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion, long atOrBeforeVersion) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(latest)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            ps.setInt(3, reducerVersion);
            ps.setLong(4, atOrBeforeVersion);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Snapshot(store, aggregateId, rs.getLong(1), reducerVersion,
                        JsonbText.read(rs.getString(2)), rs.getObject(3, OffsetDateTime.class).toInstant()));
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("reading the latest snapshot of " + store + "/" + aggregateId + " from "
                    + tables.snapshots(), tables, e);
        }
    }

    @Override
    public int deleteAll(String store, String aggregateId) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(deleteAll)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("deleting the snapshots of " + store + "/" + aggregateId + " from "
                    + tables.snapshots(), tables, e);
        }
    }
}
