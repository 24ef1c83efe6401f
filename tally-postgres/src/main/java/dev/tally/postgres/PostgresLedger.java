package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.GlobalLog;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.StreamArchived;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The ledger on PostgreSQL: one row per event in {@code <schema>.<prefix>events}, keyed by
 * (store, aggregate_id, version), payload and metadata as JSONB.
 *
 * <p>Every append is <em>one</em> SQL statement in its own transaction, whatever its size: it
 * inserts the events (one row, or many through {@code unnest} of arrays), refuses a gap in the same
 * statement (the first event of each stream in the append needs version 1 or its predecessor
 * stored), and notifies the change feed with {@code pg_notify} (delivered on commit). A duplicate version fails
 * on the primary key and is reported as a {@link VersionConflict}; a gap makes the statement fail
 * with SQLSTATE {@code TLGAP} and is reported as a {@link VersionGap}. Either way nothing of the
 * append is written.
 *
 * <p>It is also the {@link GlobalLog} of the change feed: {@code position} is the writing
 * transaction's id times 2^20 plus the event's index in its append, and {@link #readAfter} only
 * hands out positions below the oldest running transaction's, so an event committed late by a
 * slow transaction is never skipped (docs/postgres.md explains why).
 *
 * <p>It needs a pooled {@link DataSource} (HikariCP, your application server's pool): it borrows a
 * connection per call and returns it at once.
 */
public final class PostgresLedger implements PrunableLedger, GlobalLog {
    /** An append holds at most this many events: the position keeps 20 bits for the index. */
    public static final int MAX_EVENTS_PER_APPEND = 1 << 20;
    /** Default size limit of one event's payload and metadata JSON. */
    public static final long DEFAULT_MAX_EVENT_BYTES = 16L * 1024 * 1024;
    static final int INDEX_BITS = 20;

    static final String COLUMNS = "position, store, aggregate_id, version, type, schema_version, recorded_at,"
            + " payload, metadata";

    private final DataSource dataSource;
    private final PostgresTables tables;
    private final boolean notify;
    private final int maxEventsPerAppend;
    /** Encoding, the INSERT statement and the typed refusals. */
    private final PostgresAppends appends;
    /** Reads of the global order (the change feeds' and the event queries'). */
    private final PostgresGlobalOrder globalOrder;
    /** Deleting archived versions. */
    private final PostgresPruning pruning;
    private final String readForward;
    private final String commandStart;
    private final String readBackward;
    private final String listIds;
    private final String archivedCommand;

    /** SQLSTATEs of the V5 functions: a new v1 of an archived stream, an archived command id again. */
    static final String ARCHIVED_RESTART = "TLARC";
    static final String ARCHIVED_COMMAND = "TLCMD";

    private PostgresLedger(Builder b) {
        this.dataSource = b.dataSource;
        this.tables = b.tables;
        this.notify = b.notify;
        this.maxEventsPerAppend = b.maxEventsPerAppend;
        this.appends = new PostgresAppends(dataSource, tables, notify, b.maxEventBytes);
        this.globalOrder = new PostgresGlobalOrder(dataSource, tables);
        this.pruning = new PostgresPruning(dataSource, tables);
        String events = tables.events();
        String select = "SELECT " + COLUMNS + " FROM " + events;
        this.readForward = select + " WHERE store = ? AND aggregate_id = ? AND version BETWEEN ? AND ?"
                + " ORDER BY version LIMIT ?";
        this.commandStart = "SELECT version, metadata -> 'attributes' ->> 'tally.commandEvents' FROM " + events
                + " WHERE store = ? AND aggregate_id = ? AND (metadata -> 'attributes' ->> 'tally.commandId') = ?";
        this.readBackward = select + " WHERE store = ? AND aggregate_id = ? AND version BETWEEN ? AND ?"
                + " ORDER BY version DESC LIMIT ?";
        // every stream has a version-1 row until it is archived, then a row in archived_streams (V5)
        this.listIds = "SELECT aggregate_id FROM ((SELECT aggregate_id FROM " + events
                + " WHERE store = ? AND version = 1 AND aggregate_id > ? ORDER BY aggregate_id LIMIT ?)"
                + " UNION (SELECT aggregate_id FROM " + tables.archivedStreams()
                + " WHERE store = ? AND aggregate_id > ? ORDER BY aggregate_id LIMIT ?)) ids"
                + " ORDER BY aggregate_id LIMIT ?";
        this.archivedCommand = "SELECT first_version, event_count FROM " + tables.archivedCommands()
                + " WHERE store = ? AND aggregate_id = ? AND command_id = ?";
    }

    /** A ledger on the default tables ({@code public.tally_events}). */
    public PostgresLedger(DataSource dataSource) {
        this(builder(dataSource));
    }

    public PostgresLedger(DataSource dataSource, PostgresTables tables) {
        this(builder(dataSource).tables(tables));
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    // --- appending -----------------------------------------------------------------------------

    @Override
    public void append(List<RecordedEvent> events) {
        LedgerAdapter.checkAppendShape(events);
        if (events.size() > maxEventsPerAppend) {
            throw new GroupTooLarge(events.size(), maxEventsPerAppend, describe());
        }
        appends.append(events);
    }

    /**
     * Runs the append statement on a connection the caller owns (its transaction, its commit).
     * Tests use it to hold an append's transaction open.
     */
    void insert(Connection c, List<PostgresAppends.EncodedEvent> rows) throws SQLException {
        appends.insert(c, rows);
    }

    /** Serializes and size-checks every event before any I/O. */
    List<PostgresAppends.EncodedEvent> encode(List<RecordedEvent> events) {
        return appends.encode(events);
    }

    // --- reading -------------------------------------------------------------------------------

    @Override
    public List<RecordedEvent> read(String store, String aggregateId, ReadOptions options) {
        if (options.isEmptyRange()) {
            return List.of();
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(options.reverse() ? readBackward : readForward)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            ps.setLong(3, options.fromVersion());
            ps.setLong(4, options.toVersion());
            ps.setLong(5, options.limit());
            List<RecordedEvent> out = new ArrayList<>();
            long highest = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RecordedEvent e = row(rs).event();
                    out.add(e);
                    highest = Math.max(highest, e.version());
                }
            }
            if (highest > 0) {
                appends.noteExists(store, aggregateId, highest);
            }
            return out;
        } catch (SQLException e) {
            throw SqlErrors.failure("reading " + store + "/" + aggregateId + " from " + tables.events(), tables, e);
        }
    }

    /** Finds the command's first event through the {@code events_command} index, then reads its range. */
    @Override
    public List<RecordedEvent> commandEvents(String store, String aggregateId, String commandId) {
        long from;
        int count;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(commandStart)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            ps.setString(3, commandId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return archivedCommandEvents(c, store, aggregateId, commandId);
                }
                from = rs.getLong(1);
                String n = rs.getString(2);
                count = n == null ? 1 : Integer.parseInt(n);
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("looking up command " + commandId + " of " + store + "/" + aggregateId + " in "
                    + tables.events(), tables, e);
        }
        return read(store, aggregateId, new ReadOptions(from, from + count - 1, false, count));
    }

    /**
     * A command whose events were archived: the versions they had, read from this ledger, which holds
     * none of them (an {@link dev.tally.core.archive.ArchiveReadingLedger} completes them from the archive).
     */
    private List<RecordedEvent> archivedCommandEvents(Connection c, String store, String aggregateId, String commandId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(archivedCommand)) {
            ps.setString(1, store);
            ps.setString(2, aggregateId);
            ps.setString(3, commandId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return List.of();
                }
                long from = rs.getLong(1);
                int count = rs.getInt(2);
                return read(store, aggregateId, new ReadOptions(from, from + count - 1, false, count));
            }
        }
    }

    /**
     * Deletes archived versions 1..{@code version} of a stream in one statement, only when the archive
     * marker ({@link StreamArchived}) stands at {@code version + 1}; the same statement lists the
     * stream in {@link PostgresTables#archivedStreams()} (so it stays listed and refuses a new version
     * 1) and keeps the command ids of the deleted rows in {@link PostgresTables#archivedCommands()}.
     *
     * @throws IllegalStateException when version {@code version + 1} is not an archive marker (nothing is deleted)
     */
    @Override
    public void deleteThrough(String store, String aggregateId, long version) {
        pruning.deleteThrough(store, aggregateId, version);
    }

    /** Ids in ascending code-point order (collation "C"); the cursor is the last id of the page. */
    @Override
    public Page<String> listAggregateIds(String store, PageRequest request) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(listIds)) {
            String after = request.cursor() == null ? "" : request.cursor();
            ps.setString(1, store);
            ps.setString(2, after);
            ps.setInt(3, request.size() + 1);
            ps.setString(4, store);
            ps.setString(5, after);
            ps.setInt(6, request.size() + 1);
            ps.setInt(7, request.size() + 1);
            List<String> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
            if (ids.size() > request.size()) {
                List<String> page = ids.subList(0, request.size());
                return new Page<>(page, page.get(page.size() - 1));
            }
            return new Page<>(ids, null);
        } catch (SQLException e) {
            throw SqlErrors.failure("listing the aggregate ids of " + store + " in " + tables.events(), tables, e);
        }
    }

    /**
     * Events after {@code position} in the global order, never past an event that an older,
     * still running transaction may yet commit before it.
     */
    @Override
    public List<LoggedEvent> readAfter(long position, int limit) {
        return readLog(position, limit).events();
    }

    /** {@link #readAfter}, and whether committed events are held back behind a running transaction. */
    public LogRead readLog(long position, int limit) {
        return globalOrder.readLog(position, limit);
    }

    /**
     * The highest position of an event committed so far (0 for an empty ledger): a consumer whose
     * checkpoint is at or past it has seen everything appended before this call.
     */
    public long headPosition() {
        return globalOrder.headPosition();
    }

    /** Events of one type in one store, in global order after {@code position} (index: store, type, position). */
    public List<LoggedEvent> eventsOfType(String store, String type, long position, int limit) {
        return globalOrder.eventsOfType(store, type, position, limit);
    }

    /** Events whose metadata has this correlation id, in global order after {@code position}. */
    public List<LoggedEvent> eventsWithCorrelationId(String correlationId, long position, int limit) {
        return globalOrder.eventsWithCorrelationId(correlationId, position, limit);
    }

    static LoggedEvent row(ResultSet rs) throws SQLException {
        return PostgresGlobalOrder.row(rs, 0);
    }

    // --- the rest ------------------------------------------------------------------------------

    public PostgresTables tables() {
        return tables;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Whether appends {@code pg_notify} the change feed's channel ({@link PostgresTables#channel()}). */
    public boolean notifiesOnAppend() {
        return notify;
    }

    /** The id of the transaction that wrote the event at {@code position}. */
    public static long transactionOf(long position) {
        return position >>> INDEX_BITS;
    }

    @Override
    public String describe() {
        return "postgres:" + tables.events();
    }

    public static final class Builder {
        private final DataSource dataSource;
        private PostgresTables tables = PostgresTables.DEFAULT;
        private boolean notify = true;
        private long maxEventBytes = DEFAULT_MAX_EVENT_BYTES;
        private int maxEventsPerAppend = MAX_EVENTS_PER_APPEND;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        public Builder tables(PostgresTables tables) {
            this.tables = Objects.requireNonNull(tables, "tables");
            return this;
        }

        /**
         * Whether each append notifies the change feed (default true). Without it a
         * {@link PostgresChangeFeed} only finds new events when its idle wait ends.
         */
        public Builder notifyOnAppend(boolean notify) {
            this.notify = notify;
            return this;
        }

        /** Refuse events whose payload and metadata JSON together exceed this (default 16 MiB). */
        public Builder maxEventBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxEventBytes must be >= 1, got " + bytes);
            }
            this.maxEventBytes = bytes;
            return this;
        }

        /** Refuse appends of more events than this (default and maximum 2^20). */
        public Builder maxEventsPerAppend(int events) {
            if (events < 1 || events > MAX_EVENTS_PER_APPEND) {
                throw new IllegalArgumentException("maxEventsPerAppend must be 1.." + MAX_EVENTS_PER_APPEND + ", got "
                        + events);
            }
            this.maxEventsPerAppend = events;
            return this;
        }

        public PostgresLedger build() {
            return new PostgresLedger(this);
        }
    }
}
