package dev.tally.postgres;

import dev.tally.core.EventMetadata;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.query.EventFilter;
import dev.tally.core.query.EventPosition;
import dev.tally.core.query.EventQueries;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * {@link EventQueries} on the PostgreSQL ledger's table: one statement per page, keyset-paged on
 * (recorded_at, store, aggregate_id, version), answered from the indexes of migration V6
 * ({@code events_type_time}, {@code events_correlation_time}, {@code events_time}). Archived rows are
 * deleted from the table, so they are not found.
 */
public final class PostgresEventQueries implements EventQueries {
    private static final String COLUMNS = "store, aggregate_id, version, type, schema_version, recorded_at, payload,"
            + " metadata";

    private final DataSource dataSource;
    private final PostgresTables tables;

    public PostgresEventQueries(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
    }

    /** Queries on the ledger's own tables. */
    public static PostgresEventQueries of(PostgresLedger ledger) {
        return new PostgresEventQueries(ledger.dataSource(), ledger.tables());
    }

    @Override
    public Page<RecordedEvent> find(EventFilter filter, PageRequest request) {
        EventPosition after = request.cursor() == null ? null : EventPosition.fromCursor(request.cursor());
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM ").append(tables.events())
                .append(" WHERE true");
        List<Object> params = new ArrayList<>();
        if (filter.type() != null) {
            sql.append(" AND type = ?");
            params.add(filter.type());
        }
        if (filter.correlationId() != null) {
            sql.append(" AND (metadata ->> 'correlationId') = ?");
            params.add(filter.correlationId());
        }
        if (filter.since() != null) {
            sql.append(" AND recorded_at >= ?");
            params.add(time(filter.since()));
        }
        if (filter.until() != null) {
            sql.append(" AND recorded_at < ?");
            params.add(time(filter.until()));
        }
        if (after != null) {
            sql.append(" AND (recorded_at, store, aggregate_id, version) > (?, ?, ?, ?)");
            params.add(time(after.timestamp()));
            params.add(after.store());
            params.add(after.aggregateId());
            params.add(after.version());
        }
        sql.append(" ORDER BY recorded_at, store, aggregate_id, version LIMIT ?");
        params.add(request.size() + 1);
        List<RecordedEvent> found = query(sql.toString(), params);
        if (found.size() <= request.size()) {
            return new Page<>(found, null);
        }
        List<RecordedEvent> page = found.subList(0, request.size());
        return new Page<>(page, EventPosition.of(page.get(page.size() - 1)).cursor());
    }

    private List<RecordedEvent> query(String sql, List<Object> params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            List<RecordedEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    EventMetadata metadata = JsonCodec.metadataFromJson(JsonbText.read(rs.getString(8)));
                    out.add(new RecordedEvent(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                            rs.getInt(5), rs.getObject(6, OffsetDateTime.class).toInstant(),
                            JsonbText.read(rs.getString(7)), metadata));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqlErrors.failure("finding events", tables, e);
        }
    }

    private static OffsetDateTime time(Instant t) {
        return OffsetDateTime.ofInstant(t, ZoneOffset.UTC);
    }
}
