package dev.tally.postgres;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.InvalidEventException;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.DuplicateCommand;
import dev.tally.core.ledger.EventTooLarge;
import dev.tally.core.spi.KnownVersions;
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
import java.util.Set;
import javax.sql.DataSource;

/**
 * The appending half of a {@link PostgresLedger}: encoding and size checks before any I/O, the one
 * INSERT statement per append (gap refusal, archive guard and NOTIFY inside it), and the typed
 * refusal of a failed append (version conflict with its winner, duplicate command, gap, invalid
 * value). It remembers the stream heads it saw, so an append after a known head skips the
 * predecessor check.
 */
final class PostgresAppends {
    private static final String EMPTY_METADATA = "{}";

    private final DataSource dataSource;
    private final PostgresTables tables;
    private final long maxEventBytes;
    /** Stream heads seen within the hour: an append right after one skips the predecessor check. */
    private final KnownVersions known = new KnownVersions(100_000);
    private final String appendOne;
    private final String appendMany;
    private final String appendOneGuarded;
    private final String appendManyGuarded;
    private final String existingKeys;
    private final String head;

    PostgresAppends(DataSource dataSource, PostgresTables tables, boolean notify, long maxEventBytes) {
        this.dataSource = dataSource;
        this.tables = tables;
        this.maxEventBytes = maxEventBytes;
        String events = tables.events();
        // One statement: insert, refuse a gap (the function raises TLGAP), and notify on commit. The
        // notification is a WHERE term rather than a CTE or trigger: both cost ~10% of a single append.
        String insert = "INSERT INTO " + events + " (" + PostgresLedger.COLUMNS + ")"
                + " SELECT (pg_current_xact_id()::text::bigint << " + PostgresLedger.INDEX_BITS + ") + e.idx, e.store, e.aggregate_id,"
                + " e.version, e.type, e.schema_version, e.recorded_at, e.payload::jsonb, e.metadata::jsonb"
                + " FROM %s"
                + " WHERE (NOT e.check_previous OR e.version = 1"
                + " OR EXISTS (SELECT 1 FROM " + events + " p"
                + " WHERE p.store = e.store AND p.aggregate_id = e.aggregate_id AND p.version = e.version - 1)"
                + " OR " + tables.refuseVersionGap() + "(e.store, e.aggregate_id, e.version))"
                + "%s"
                + (notify ? " AND pg_notify('" + tables.channel() + "', '') IS NOT NULL" : "")
                + "%s";
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
        // a group's rows are inserted in key order, whatever the caller's order (their positions keep it,
        // idx): two groups over the same streams then wait on each other's rows in one order and never
        // deadlock. A transfer a-to-b racing one b-to-a did, costing the deadlock timeout (1 s) and a failure
        String keyOrder = " ORDER BY e.store COLLATE \"C\", e.aggregate_id COLLATE \"C\", e.version";
        this.appendOne = String.format(insert, String.format(one, "", ""), "", "");
        this.appendMany = String.format(insert, String.format(many, "", ""), "", keyOrder);
        this.appendOneGuarded = String.format(insert, String.format(one, ", ?::text", ", command_id"), guard, "");
        this.appendManyGuarded = String.format(insert, String.format(many, ", ?::text[]", ", command_id"), guard,
                keyOrder);
        this.existingKeys = "SELECT " + PostgresLedger.COLUMNS + " FROM " + events + " WHERE (store, aggregate_id, version) IN"
                + " (SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[]))";
        this.head = "SELECT coalesce(max(version), 0) FROM " + events + " WHERE store = ? AND aggregate_id = ?";
    }

    /** Appends the events in one statement (and one transaction); a refusal is typed. */
    void append(List<RecordedEvent> events) {
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


    void noteExists(String store, String aggregateId, long version) {
        known.noteExists(streamKey(store, aggregateId), version);
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
            return conflict(rows, null);
        }
        if (SqlErrors.UNIQUE_VIOLATION.equals(state) && tables.eventsCommandIndex().equals(SqlErrors.constraint(e))) {
            RecordedEvent carrying = rows.stream().map(EncodedEvent::event)
                    .filter(r -> r.metadata().commandId().isPresent()).findFirst().orElse(first);
            return new DuplicateCommand(carrying.store(), carrying.aggregateId(),
                    carrying.metadata().commandId().orElse("?"));
        }
        if (SqlErrors.DEADLOCK_DETECTED.equals(state) || SqlErrors.SERIALIZATION_FAILURE.equals(state)) {
            // the server rolled this append back to let a racing transaction on the same rows go on
            // (appends insert in key order and do not deadlock each other; another writer's lock can):
            // nothing was written, and deciding again on a fresh load is the answer, as for a conflict
            return conflict(rows, "PostgreSQL rolled the append back to let a concurrent transaction on the same"
                    + " rows go on (SQLSTATE " + state + ")");
        }
        if (SqlErrors.VERSION_GAP.equals(state)) {
            return gap(e, first);
        }
        if (PostgresLedger.ARCHIVED_RESTART.equals(state)) {
            RecordedEvent v1 = rows.stream().map(EncodedEvent::event).filter(r -> r.version() == 1).findFirst()
                    .orElse(first);
            return new VersionConflict(v1.store(), v1.aggregateId(), 1, "the stream was archived (its marker"
                    + " tally.StreamArchived holds its head); load the aggregate again and append after it");
        }
        if (PostgresLedger.ARCHIVED_COMMAND.equals(state)) {
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

    /**
     * The conflict, with the stored event that won when there is one; without one, {@code noWinner}
     * says why (null: "already stored", the primary key's refusal whose winner could not be read).
     */
    private RuntimeException conflict(List<EncodedEvent> rows, String noWinner) {
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
                    RecordedEvent e = PostgresLedger.row(rs).event();
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
        return noWinner == null
                ? new VersionConflict(first.store(), first.aggregateId(), first.version(), (RecordedEvent) null)
                : new VersionConflict(first.store(), first.aggregateId(), first.version(), noWinner);
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
}
