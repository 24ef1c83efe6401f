package dev.tally.postgres;

import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.json.JsonCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The global-order reads of a {@link PostgresLedger}: what the change feeds and projection runners
 * read after their checkpoint (never past an event an older running transaction may still commit
 * before it), the head position, and the event queries by type and by correlation id.
 */
final class PostgresGlobalOrder {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String readLog;
    private final String headPosition;
    private final String ofType;
    private final String withCorrelation;

    PostgresGlobalOrder(DataSource dataSource, PostgresTables tables) {
        this.dataSource = dataSource;
        this.tables = tables;
        String events = tables.events();
        String select = "SELECT " + PostgresLedger.COLUMNS + " FROM " + events;
        this.readLog = "SELECT h.waiting, e.* FROM"
                + " (SELECT x.horizon, EXISTS (SELECT 1 FROM " + events + " w WHERE w.position >= x.horizon) AS waiting"
                + " FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << " + PostgresLedger.INDEX_BITS
                + " AS horizon) x) h"
                + " LEFT JOIN LATERAL (" + select + " WHERE position > ? AND position < h.horizon"
                + " ORDER BY position LIMIT ?) e ON true ORDER BY e.position";
        this.headPosition = "SELECT coalesce(max(position), 0) FROM " + events;
        this.ofType = select + " WHERE store = ? AND type = ? AND position > ? ORDER BY position LIMIT ?";
        this.withCorrelation = select + " WHERE metadata ->> 'correlationId' = ? AND position > ?"
                + " ORDER BY position LIMIT ?";
    }

    /** {@link PostgresLedger#readAfter}, and whether committed events are held back behind a running transaction. */
    LogRead readLog(long position, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(readLog)) {
            ps.setLong(1, position);
            ps.setInt(2, limit);
            List<LoggedEvent> out = new ArrayList<>();
            boolean waiting = false;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    waiting = rs.getBoolean(1);
                    rs.getLong(2);
                    if (!rs.wasNull()) {
                        out.add(row(rs, 1));
                    }
                }
            }
            return new LogRead(out, waiting);
        } catch (SQLException e) {
            throw SqlErrors.failure("reading the global order of " + tables.events() + " after position " + position,
                    tables, e);
        }
    }

    /**
     * The highest position of an event committed so far (0 for an empty ledger): a consumer whose
     * checkpoint is at or past it has seen everything appended before this call.
     */
    long headPosition() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(headPosition);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw SqlErrors.failure("reading the head position of " + tables.events(), tables, e);
        }
    }

    /** Events of one type in one store, in global order after {@code position} (index: store, type, position). */
    List<LoggedEvent> eventsOfType(String store, String type, long position, int limit) {
        return query("reading " + type + " events of " + store, ofType, store, type, position, limit);
    }

    /** Events whose metadata has this correlation id, in global order after {@code position}. */
    List<LoggedEvent> eventsWithCorrelationId(String correlationId, long position, int limit) {
        return query("reading events with correlation id " + correlationId, withCorrelation, correlationId, position,
                limit);
    }

    private List<LoggedEvent> query(String doing, String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<LoggedEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqlErrors.failure(doing + " from " + tables.events(), tables, e);
        }
    }

    private static LoggedEvent row(ResultSet rs) throws SQLException {
        return row(rs, 0);
    }

    /** Reads the {@link PostgresLedger#COLUMNS} starting after column {@code offset}. */
    static LoggedEvent row(ResultSet rs, int offset) throws SQLException {
        long position = rs.getLong(offset + 1);
        EventMetadata metadata = JsonCodec.metadataFromJson(JsonbText.read(rs.getString(offset + 9)));
        RecordedEvent event = new RecordedEvent(rs.getString(offset + 2), rs.getString(offset + 3),
                rs.getLong(offset + 4), rs.getString(offset + 5), rs.getInt(offset + 6),
                rs.getObject(offset + 7, OffsetDateTime.class).toInstant(), JsonbText.read(rs.getString(offset + 8)),
                metadata);
        return new LoggedEvent(position, event);
    }
}
