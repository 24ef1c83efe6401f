package dev.tally.postgres;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Change-feed checkpoints in {@code <schema>.<prefix>checkpoints}: one row per subscription name,
 * its global-log position a {@code bigint}, so a restarted subscription resumes where the last one
 * stopped. A position that is no global-log position (a stream sequence number longer than a
 * {@code long}) is refused before anything is written.
 */
public final class PostgresCheckpointStore implements CheckpointStore {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String load;
    private final String save;
    private final String delete;
    private final String moveFromZero;
    private final String move;
    private final String moveAll;

    public PostgresCheckpointStore(DataSource dataSource) {
        this(dataSource, PostgresTables.DEFAULT);
    }

    public PostgresCheckpointStore(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        String t = tables.checkpoints();
        this.load = "SELECT position FROM " + t + " WHERE subscription = ?";
        this.save = "INSERT INTO " + t + " (subscription, position, updated_at) VALUES (?, ?, now())"
                + " ON CONFLICT (subscription) DO UPDATE SET position = EXCLUDED.position, updated_at = now()";
        this.delete = "DELETE FROM " + t + " WHERE subscription = ?";
        this.moveFromZero = "INSERT INTO " + t + " AS cp (subscription, position, updated_at) VALUES (?, ?, now())"
                + " ON CONFLICT (subscription) DO UPDATE SET position = EXCLUDED.position, updated_at = now()"
                + " WHERE cp.position = 0";
        this.move = "UPDATE " + t + " SET position = ?, updated_at = now() WHERE subscription = ? AND position = ?";
        this.moveAll = "UPDATE " + t + " AS cp SET position = u.to_position, updated_at = now()"
                + " FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS u(subscription, from_position, to_position)"
                + " WHERE cp.subscription = u.subscription AND cp.position = u.from_position";
    }

    @Override
    public Checkpoint load(String subscription) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(load)) {
            ps.setString(1, subscription);
            try (ResultSet rs = ps.executeQuery()) {
                return Checkpoint.at(subscription, rs.next() ? rs.getLong(1) : 0L);
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("loading the checkpoint of subscription '" + subscription + "' from "
                    + tables.checkpoints(), tables, e);
        }
    }

    @Override
    public void save(Checkpoint checkpoint) {
        String subscription = checkpoint.id();
        long position = checkpoint.position().asLong(); // refused before anything is written
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(save)) {
            ps.setString(1, subscription);
            ps.setLong(2, position);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("saving the checkpoint of subscription '" + subscription + "' to "
                    + tables.checkpoints(), tables, e);
        }
    }

    /** Forgets a subscription's checkpoint: it starts from the beginning of the ledger next time. */
    public boolean reset(String subscription) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, subscription);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw SqlErrors.failure("resetting the checkpoint of subscription '" + subscription + "' in "
                    + tables.checkpoints(), tables, e);
        }
    }

    /**
     * Moves a checkpoint from {@code from} to {@code to} on the caller's connection, inside its
     * transaction, only if it is still at {@code from}; false when another writer moved it. The row
     * stays locked until the transaction ends, so a second runner of the same name waits, then finds
     * the checkpoint moved.
     */
    boolean move(Connection c, String subscription, long from, long to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(from == 0 ? moveFromZero : move)) {
            if (from == 0) {
                ps.setString(1, subscription);
                ps.setLong(2, to);
            } else {
                ps.setLong(1, to);
                ps.setString(2, subscription);
                ps.setLong(3, from);
            }
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * {@link #move} of several checkpoints in one statement (none of them at 0, whose row may not
     * exist yet): false, and the caller must roll back, when any of them was no longer at its
     * {@code from}.
     */
    boolean moveAll(Connection c, List<String> subscriptions, List<Long> from, long to) throws SQLException {
        Long[] tos = new Long[subscriptions.size()];
        java.util.Arrays.fill(tos, to);
        try (PreparedStatement ps = c.prepareStatement(moveAll)) {
            ps.setArray(1, c.createArrayOf("text", subscriptions.toArray()));
            ps.setArray(2, c.createArrayOf("bigint", from.toArray()));
            ps.setArray(3, c.createArrayOf("bigint", tos));
            return ps.executeUpdate() == subscriptions.size();
        }
    }
}
