package dev.tally.postgres;

import dev.tally.core.saga.Timer;
import dev.tally.core.spi.TimerStore;
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
 * Saga timers in {@code <schema>.<prefix>saga_timers} (migration V4), polled by the runtime: a row
 * per timer until it fired or was cancelled; due rows are read earliest first through an index.
 * PostgreSQL keeps microseconds: a due time is stored truncated to them.
 */
public final class PostgresTimerStore implements TimerStore {
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final String insert;
    private final String delete;
    private final String due;

    public PostgresTimerStore(DataSource dataSource, PostgresTables tables) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        String t = tables.sagaTimers();
        this.insert = "INSERT INTO " + t + " (id, saga, saga_id, name, due_at, payload) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO NOTHING";
        this.delete = "DELETE FROM " + t + " WHERE id = ?";
        this.due = "SELECT id, saga, saga_id, name, due_at, payload FROM " + t
                + " WHERE due_at <= ? ORDER BY due_at, id LIMIT ?";
    }

    @Override
    public void schedule(Timer timer) {
        Objects.requireNonNull(timer, "timer");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, timer.id());
            ps.setString(2, timer.sagaName());
            ps.setString(3, timer.sagaId());
            ps.setString(4, timer.name());
            ps.setObject(5, timer.dueAt().atOffset(ZoneOffset.UTC));
            ps.setString(6, timer.payload());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure("scheduling timer " + timer.id() + " in " + tables.sagaTimers(), tables, e);
        }
    }

    @Override
    public void cancel(String timerId) {
        remove(timerId, "cancelling");
    }

    @Override
    public List<Timer> due(Instant now, int limit) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(due)) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setInt(2, limit);
            List<Timer> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Timer(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getString(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw SqlErrors.failure("reading due timers from " + tables.sagaTimers(), tables, e);
        }
    }

    @Override
    public void fired(String timerId) {
        remove(timerId, "removing the fired");
    }

    private void remove(String timerId, String doing) {
        Objects.requireNonNull(timerId, "timerId");
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, timerId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw SqlErrors.failure(doing + " timer " + timerId + " in " + tables.sagaTimers(), tables, e);
        }
    }
}
