package dev.tally.postgres;

import dev.tally.core.StreamArchived;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Deletes the archived versions of a stream from a {@link PostgresLedger} ({@code tally archive}):
 * one statement that deletes only below the archive marker, keeps the stream listed and its
 * command ids refused, all or nothing.
 */
final class PostgresPruning {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String prune;

    PostgresPruning(DataSource dataSource, PostgresTables tables) {
        this.dataSource = dataSource;
        this.tables = tables;
        String events = tables.events();
        // one statement: delete 1..H only when the marker stands at H+1, keeping the stream listed and
        // its command ids refused; all or nothing
        this.prune = "WITH marker AS (SELECT 1 FROM " + events + " WHERE store = ? AND aggregate_id = ? AND version = ?"
                + " AND type = '" + StreamArchived.TYPE_NAME + "'),"
                + " gone AS (DELETE FROM " + events + " WHERE store = ? AND aggregate_id = ? AND version <= ?"
                + " AND EXISTS (SELECT 1 FROM marker) RETURNING version, metadata),"
                + " commands AS (INSERT INTO " + tables.archivedCommands()
                + " (store, aggregate_id, command_id, first_version, event_count)"
                + " SELECT ?, ?, g.metadata -> 'attributes' ->> 'tally.commandId', g.version,"
                + " coalesce((g.metadata -> 'attributes' ->> 'tally.commandEvents')::integer, 1) FROM gone g"
                + " WHERE (g.metadata -> 'attributes' ->> 'tally.commandId') IS NOT NULL ON CONFLICT DO NOTHING),"
                + " listed AS (INSERT INTO " + tables.archivedStreams() + " (store, aggregate_id, through_version)"
                + " SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM marker) ON CONFLICT (store, aggregate_id) DO UPDATE"
                + " SET through_version = greatest(" + tables.archivedStreams() + ".through_version,"
                + " excluded.through_version), archived_at = now())"
                + " SELECT (SELECT count(*) FROM marker), (SELECT count(*) FROM gone)";
    }

    void deleteThrough(String store, String aggregateId, long version) {
        if (version < 1) {
            return;
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(prune)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            ps.setLong(3, version + 1);
            ps.setString(4, store);
            ps.setString(5, aggregateId);
            ps.setLong(6, version);
            ps.setString(7, store);
            ps.setString(8, aggregateId);
            ps.setString(9, store);
            ps.setString(10, aggregateId);
            ps.setLong(11, version);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    throw new IllegalStateException("refusing to delete versions 1.." + version + " of " + store + "/"
                            + aggregateId + " from " + tables.events() + ": version " + (version + 1) + " is not the"
                            + " archive marker " + StreamArchived.TYPE_NAME + "; nothing was deleted");
                }
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("deleting archived versions 1.." + version + " of " + store + "/" + aggregateId
                    + " from " + tables.events() + " (nothing was deleted)", tables, e);
        }
    }
}
