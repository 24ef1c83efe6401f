package dev.tally.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.InvalidEventException;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.feed.GlobalLog;
import dev.tally.core.feed.LoggedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.ledger.GroupTooLarge;
import dev.tally.core.ledger.KnownVersions;
import dev.tally.core.ledger.LedgerAdapter;
import dev.tally.core.ledger.PrunableLedger;
import dev.tally.core.StreamArchived;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.ledger.VersionGap;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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

    private static final String COLUMNS = "position, store, aggregate_id, version, type, schema_version, recorded_at,"
            + " payload, metadata";
    private static final String EMPTY_METADATA = "{}";

    private final DataSource dataSource;
    private final PostgresTables tables;
    private final boolean notify;
    private final long maxEventBytes;
    private final int maxEventsPerAppend;

    /** Versions this process has seen stored: their successors skip the gap check. */
    private final KnownVersions known = new KnownVersions(100_000);
    private final String appendOne;
    private final String appendMany;
    private final String appendOneGuarded;
    private final String appendManyGuarded;
    private final String readForward;
    private final String commandStart;
    private final String readBackward;
    private final String listIds;
    private final String readLog;
    private final String existingKeys;
    private final String head;
    private final String headPosition;
    private final String ofType;
    private final String withCorrelation;
    private final String prune;
    private final String archivedCommand;

    /** SQLSTATEs of the V5 functions: a new v1 of an archived stream, an archived command id again. */
    static final String ARCHIVED_RESTART = "TLARC";
    static final String ARCHIVED_COMMAND = "TLCMD";

    private PostgresLedger(Builder b) {
        this.dataSource = b.dataSource;
        this.tables = b.tables;
        this.notify = b.notify;
        this.maxEventBytes = b.maxEventBytes;
        this.maxEventsPerAppend = b.maxEventsPerAppend;
        String events = tables.events();
        // One statement: insert, refuse a gap (the function raises TLGAP), and notify on commit. The
        // notification is a WHERE term rather than a CTE or trigger: both cost ~10% of a single append.
        String insert = "INSERT INTO " + events + " (" + COLUMNS + ")"
                + " SELECT (pg_current_xact_id()::text::bigint << " + INDEX_BITS + ") + e.idx, e.store, e.aggregate_id,"
                + " e.version, e.type, e.schema_version, e.recorded_at, e.payload::jsonb, e.metadata::jsonb"
                + " FROM %s"
                + " WHERE (NOT e.check_previous OR e.version = 1"
                + " OR EXISTS (SELECT 1 FROM " + events + " p"
                + " WHERE p.store = e.store AND p.aggregate_id = e.aggregate_id AND p.version = e.version - 1)"
                + " OR " + tables.refuseVersionGap() + "(e.store, e.aggregate_id, e.version))"
                + "%s"
                + (notify ? " AND pg_notify('" + tables.channel() + "', '') IS NOT NULL" : "");
        // archived streams (V5): their deleted rows neither free version 1 nor a command id. Only an
        // append with a version 1 or a command id runs this term (the guarded statements)
        String guard = " AND ((e.version <> 1 AND e.command_id IS NULL)"
                + " OR " + tables.archiveGuard() + "(e.store, e.aggregate_id, e.version, e.command_id))";
        // the guarded statements take one more parameter, the command id
        String one = "(VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?%s)) AS e(idx, store, aggregate_id, version, type,"
                + " schema_version, recorded_at, payload, metadata, check_previous%s)";
        String many = "(SELECT u.ordinality - 1 AS idx, u.* FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[],"
                + " ?::integer[], ?::timestamptz[], ?::text[], ?::text[], ?::boolean[]%s) WITH ORDINALITY"
                + " AS u(store, aggregate_id, version, type, schema_version, recorded_at, payload, metadata,"
                + " check_previous%s, ordinality)) AS e";
        this.appendOne = String.format(insert, String.format(one, "", ""), "");
        this.appendMany = String.format(insert, String.format(many, "", ""), "");
        this.appendOneGuarded = String.format(insert, String.format(one, ", ?::text", ", command_id"), guard);
        this.appendManyGuarded = String.format(insert, String.format(many, ", ?::text[]", ", command_id"), guard);
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
        this.archivedCommand = "SELECT first_version, event_count FROM " + tables.archivedCommands()
                + " WHERE store = ? AND aggregate_id = ? AND command_id = ?";
        this.readLog = "SELECT h.waiting, e.* FROM"
                + " (SELECT x.horizon, EXISTS (SELECT 1 FROM " + events + " w WHERE w.position >= x.horizon) AS waiting"
                + " FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint << " + INDEX_BITS
                + " AS horizon) x) h"
                + " LEFT JOIN LATERAL (" + select + " WHERE position > ? AND position < h.horizon"
                + " ORDER BY position LIMIT ?) e ON true ORDER BY e.position";
        this.existingKeys = select + " WHERE (store, aggregate_id, version) IN"
                + " (SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[]))";
        this.head = "SELECT coalesce(max(version), 0) FROM " + events + " WHERE store = ? AND aggregate_id = ?";
        this.headPosition = "SELECT coalesce(max(position), 0) FROM " + events;
        this.ofType = select + " WHERE store = ? AND type = ? AND position > ? ORDER BY position LIMIT ?";
        this.withCorrelation = select + " WHERE metadata ->> 'correlationId' = ? AND position > ?"
                + " ORDER BY position LIMIT ?";
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
        List<EncodedEvent> rows = encode(events);
        try (Connection c = dataSource.getConnection()) {
            if (c.getAutoCommit()) {
                insert(c, rows);
            } else {
                // a pool handing out connections without autocommit: the append is its own transaction
                try {
                    insert(c, rows);
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw refusal(e, rows);
        }
        for (RecordedEvent e : events) {
            known.noteExists(streamKey(e.store(), e.aggregateId()), e.version());
        }
    }

    private static String streamKey(String store, String aggregateId) {
        return store + "\u0000" + aggregateId;
    }

    /**
     * Runs the append statement on a connection the caller owns (its transaction, its commit).
     * Tests use it to hold an append's transaction open.
     */
    void insert(Connection c, List<EncodedEvent> rows) throws SQLException {
        boolean guarded = false;
        for (EncodedEvent r : rows) {
            guarded |= r.event().version() == 1 || r.event().metadata().commandId().isPresent();
        }
        if (rows.size() == 1) {
            EncodedEvent r = rows.get(0);
            try (PreparedStatement ps = c.prepareStatement(guarded ? appendOneGuarded : appendOne)) {
                RecordedEvent e = r.event();
                ps.setString(1, e.store());
                ps.setString(2, e.aggregateId());
                ps.setLong(3, e.version());
                ps.setString(4, e.type());
                ps.setInt(5, e.schemaVersion());
                ps.setObject(6, OffsetDateTime.ofInstant(e.timestamp(), ZoneOffset.UTC));
                ps.setString(7, r.payload());
                ps.setString(8, r.metadata());
                ps.setBoolean(9, r.checkPrevious());
                if (guarded) {
                    ps.setString(10, e.metadata().commandId().orElse(null));
                }
                expectInserted(ps.executeUpdate(), 1);
            }
            return;
        }
        int n = rows.size();
        String[] stores = new String[n];
        String[] ids = new String[n];
        Long[] versions = new Long[n];
        String[] types = new String[n];
        Integer[] schemaVersions = new Integer[n];
        String[] timestamps = new String[n];
        String[] payloads = new String[n];
        String[] metadata = new String[n];
        Boolean[] checks = new Boolean[n];
        String[] commandIds = new String[n];
        for (int i = 0; i < n; i++) {
            EncodedEvent r = rows.get(i);
            RecordedEvent e = r.event();
            stores[i] = e.store();
            ids[i] = e.aggregateId();
            versions[i] = e.version();
            types[i] = e.type();
            schemaVersions[i] = e.schemaVersion();
            timestamps[i] = e.timestamp().toString();
            payloads[i] = r.payload();
            metadata[i] = r.metadata();
            checks[i] = r.checkPrevious();
            commandIds[i] = e.metadata().commandId().orElse(null);
        }
        try (PreparedStatement ps = c.prepareStatement(guarded ? appendManyGuarded : appendMany)) {
            ps.setArray(1, c.createArrayOf("text", stores));
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("bigint", versions));
            ps.setArray(4, c.createArrayOf("text", types));
            ps.setArray(5, c.createArrayOf("integer", schemaVersions));
            ps.setArray(6, c.createArrayOf("text", timestamps));
            ps.setArray(7, c.createArrayOf("text", payloads));
            ps.setArray(8, c.createArrayOf("text", metadata));
            ps.setArray(9, c.createArrayOf("boolean", checks));
            if (guarded) {
                ps.setArray(10, c.createArrayOf("text", commandIds));
            }
            expectInserted(ps.executeUpdate(), n);
        }
    }

    /** A gap raises inside the statement, so every row is inserted or the statement fails. */
    private static void expectInserted(int inserted, int expected) {
        if (inserted != expected) {
            throw new IllegalStateException("the append statement inserted " + inserted + " of " + expected
                    + " events without failing; this is a bug in tally-postgres, please report it");
        }
    }

    /** An event with its JSON text, and whether the statement must check that its predecessor is stored. */
    record EncodedEvent(RecordedEvent event, String payload, String metadata, boolean checkPrevious) {
    }

    /** Serializes and size-checks every event before any I/O. */
    List<EncodedEvent> encode(List<RecordedEvent> events) {
        List<EncodedEvent> out = new ArrayList<>(events.size());
        Set<String> seen = events.size() == 1 ? Set.of() : new HashSet<>();
        for (RecordedEvent e : events) {
            String payload = JsonbText.write(e.payload());
            String metadata = e.metadata().isEmpty() ? EMPTY_METADATA
                    : JsonbText.write(JsonCodec.metadataToJson(e.metadata()));
            long chars = (long) payload.length() + metadata.length();
            if (chars * 3 > maxEventBytes) {
                long bytes = payload.getBytes(StandardCharsets.UTF_8).length
                        + (long) metadata.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > maxEventBytes) {
                    throw new EventTooLarge(e.store(), e.aggregateId(), e.version(), bytes, maxEventBytes);
                }
            }
            boolean first = events.size() == 1 || seen.add(e.store() + "\u0000" + e.aggregateId());
            // KnownVersions vouches only for a head seen within the hour, which archiving never deletes
            boolean check = first && e.version() > 1
                    && !known.exists(streamKey(e.store(), e.aggregateId()), e.version() - 1);
            out.add(new EncodedEvent(e, payload, metadata, check));
        }
        return out;
    }

    /** Turns a failed append into the typed refusal, or a failure a user can act on. */
    private RuntimeException refusal(SQLException e, List<EncodedEvent> rows) {
        String state = e.getSQLState();
        RecordedEvent first = rows.get(0).event();
        if (SqlErrors.UNIQUE_VIOLATION.equals(state) && tables.eventsPrimaryKey().equals(SqlErrors.constraint(e))) {
            return conflict(rows);
        }
        if (SqlErrors.UNIQUE_VIOLATION.equals(state) && tables.eventsCommandIndex().equals(SqlErrors.constraint(e))) {
            RecordedEvent carrying = rows.stream().map(EncodedEvent::event)
                    .filter(r -> r.metadata().commandId().isPresent()).findFirst().orElse(first);
            return new DuplicateCommand(carrying.store(), carrying.aggregateId(),
                    carrying.metadata().commandId().orElse("?"));
        }
        if (SqlErrors.VERSION_GAP.equals(state)) {
            return gap(e, first);
        }
        if (ARCHIVED_RESTART.equals(state)) {
            RecordedEvent v1 = rows.stream().map(EncodedEvent::event).filter(r -> r.version() == 1).findFirst()
                    .orElse(first);
            return new VersionConflict(v1.store(), v1.aggregateId(), 1, "the stream was archived (its marker"
                    + " tally.StreamArchived holds its head); load the aggregate again and append after it");
        }
        if (ARCHIVED_COMMAND.equals(state)) {
            RecordedEvent carrying = rows.stream().map(EncodedEvent::event)
                    .filter(r -> r.metadata().commandId().isPresent()).findFirst().orElse(first);
            return new DuplicateCommand(carrying.store(), carrying.aggregateId(),
                    carrying.metadata().commandId().orElse("?"));
        }
        if (SqlErrors.UNTRANSLATABLE_CHARACTER.equals(state) || SqlErrors.CHARACTER_NOT_IN_REPERTOIRE.equals(state)) {
            RecordedEvent culprit = rows.stream().filter(r -> r.payload().contains("\\u0000")
                    || r.metadata().contains("\\u0000")).map(EncodedEvent::event).findFirst().orElse(first);
            return new InvalidEventException("event " + culprit.coordinates() + " cannot be stored: PostgreSQL's jsonb"
                    + " cannot hold the NUL character (\\u0000) in a string (" + SqlErrors.firstLine(e.getMessage())
                    + "); nothing was written. Remove NUL characters from the payload and metadata, or encode such"
                    + " content (e.g. Base64)", e);
        }
        if (SqlErrors.INVALID_TEXT_REPRESENTATION.equals(state)) {
            return new InvalidEventException("an event of the append starting at " + first.coordinates()
                    + " cannot be stored: PostgreSQL refused its JSON (" + SqlErrors.firstLine(e.getMessage())
                    + "); nothing was written. Payloads must be plain JSON (no NaN or Infinity numbers)", e);
        }
        if (SqlErrors.isDatetimeError(state)) {
            return new InvalidEventException("an event of the append starting at " + first.coordinates()
                    + " has a timestamp PostgreSQL cannot store (" + SqlErrors.firstLine(e.getMessage())
                    + "); nothing was written. timestamptz holds years 4713 BC to 294276 AD", e);
        }
        if (state != null && state.startsWith(SqlErrors.DATA_EXCEPTION_CLASS)) {
            return new InvalidEventException("PostgreSQL refused a value of the append starting at "
                    + first.coordinates() + " (" + SqlErrors.firstLine(e.getMessage()) + ", SQLSTATE " + state
                    + "); nothing was written. Check the event's payload, metadata and timestamp", e);
        }
        return SqlErrors.failure("appending " + rows.size() + " event(s) starting with " + first.coordinates()
                + " to " + tables.events() + " (nothing was written)", tables, e);
    }

    private RuntimeException conflict(List<EncodedEvent> rows) {
        int n = rows.size();
        String[] stores = new String[n];
        String[] ids = new String[n];
        Long[] versions = new Long[n];
        for (int i = 0; i < n; i++) {
            RecordedEvent e = rows.get(i).event();
            stores[i] = e.store();
            ids[i] = e.aggregateId();
            versions[i] = e.version();
        }
        Map<String, RecordedEvent> existing = new HashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(existingKeys)) {
            ps.setArray(1, c.createArrayOf("text", stores));
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("bigint", versions));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RecordedEvent e = row(rs).event();
                    existing.put(e.coordinates(), e);
                }
            }
        } catch (SQLException lookup) {
            // the conflict stands; only the report of the winner is lost
        }
        for (EncodedEvent r : rows) {
            RecordedEvent stored = existing.get(r.event().coordinates());
            if (stored != null) {
                return new VersionConflict(r.event().store(), r.event().aggregateId(), r.event().version(), stored);
            }
        }
        RecordedEvent first = rows.get(0).event();
        return new VersionConflict(first.store(), first.aggregateId(), first.version(), (RecordedEvent) null);
    }

    private RuntimeException gap(SQLException e, RecordedEvent fallback) {
        String store = fallback.store();
        String id = fallback.aggregateId();
        long version = fallback.version();
        String detail = SqlErrors.detail(e);
        if (detail != null) {
            JsonNode d = JsonCodec.parse(detail);
            store = d.path("store").asText(store);
            id = d.path("aggregateId").asText(id);
            version = d.path("version").asLong(version);
        }
        long headVersion = -1;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(head)) {
            ps.setString(1, store);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                headVersion = rs.getLong(1);
            }
        } catch (SQLException lookup) {
            // the gap stands; only the head is unknown
        }
        if (headVersion >= version) {
            // N-1 is missing below a stored head: versions 1..H were archived (deleteThrough), and the
            // writer decided on a state older than the head
            return new VersionConflict(store, id, version, "version " + (version - 1) + " is archived and the stream"
                    + " is at version " + headVersion + "; load the aggregate again and append after its head");
        }
        return new VersionGap(store, id, version, headVersion);
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
                known.noteExists(streamKey(store, aggregateId), highest);
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
    public long headPosition() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(headPosition);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw SqlErrors.failure("reading the head position of " + tables.events(), tables, e);
        }
    }

    /** Events of one type in one store, in global order after {@code position} (index: store, type, position). */
    public List<LoggedEvent> eventsOfType(String store, String type, long position, int limit) {
        return query("reading " + type + " events of " + store, ofType, store, type, position, limit);
    }

    /** Events whose metadata has this correlation id, in global order after {@code position}. */
    public List<LoggedEvent> eventsWithCorrelationId(String correlationId, long position, int limit) {
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

    /** Reads the {@link #COLUMNS} starting after column {@code offset}. */
    private static LoggedEvent row(ResultSet rs, int offset) throws SQLException {
        long position = rs.getLong(offset + 1);
        EventMetadata metadata = JsonCodec.metadataFromJson(JsonbText.read(rs.getString(offset + 9)));
        RecordedEvent event = new RecordedEvent(rs.getString(offset + 2), rs.getString(offset + 3),
                rs.getLong(offset + 4), rs.getString(offset + 5), rs.getInt(offset + 6),
                rs.getObject(offset + 7, OffsetDateTime.class).toInstant(), JsonbText.read(rs.getString(offset + 8)),
                metadata);
        return new LoggedEvent(position, event);
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
