package dev.tally.postgres;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.MessageKind;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.runtime.MessageRef;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters in {@code <schema>.<prefix>dead_letters} (created by migration V2), so they survive
 * a restart and can be listed, inspected with SQL and redriven.
 *
 * <ul>
 *   <li>The message is kept in Tally's wire format ({@link MessageCodec}) as text, exactly as
 *       written. A body longer than {@link #maxBodyBytes()} in UTF-8 (default 1 MiB) is not stored:
 *       the letter keeps only its {@link MessageRef}, and a redrive reads the message back from the
 *       ledger. Nothing is refused for its size. The body is read back with exact decimals, so every
 *       number comes back as it was written.</li>
 *   <li>Pages are in ({@code failed_at}, {@code id}) order, oldest first; the cursor is the last
 *       letter's position in that order, so removing letters while paging skips none of the
 *       others.</li>
 *   <li>{@link #count()} is one {@code count(*)}, no row is loaded.</li>
 *   <li>{@code failed_at} is {@code timestamptz}: an {@link Instant} reads back to the microsecond.</li>
 * </ul>
 *
 * <p>The {@code Connection} variants of {@link #add(Connection, DeadLetter) add} and
 * {@link #remove(Connection, String) remove} work inside the caller's transaction: a projection
 * runner gives up on an event by adding its dead letter and moving its checkpoint in one commit,
 * and a redrive writes the view and removes the letter in one commit.
 */
public final class PostgresDeadLetterStore implements DeadLetterStore {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresDeadLetterStore.class);

    /** Bodies above this many UTF-8 bytes are kept as references by default. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    /** An error text is cut to this many characters. */
    static final int MAX_ERROR_CHARS = 16_000;

    private static final String COLUMNS = "id, source_kind, source_name, ref_kind, ref_store, ref_aggregate_id,"
            + " ref_version, message, error, attempts, failed_at";

    private final DataSource dataSource;
    private final PostgresTables tables;
    private final int maxBodyBytes;
    private final String insert;
    private final String select;
    private final String pageFirst;
    private final String pageAfter;
    private final String delete;
    private final String count;

    public PostgresDeadLetterStore(DataSource dataSource) {
        this(dataSource, PostgresTables.DEFAULT);
    }

    public PostgresDeadLetterStore(DataSource dataSource, PostgresTables tables) {
        this(dataSource, tables, DEFAULT_MAX_BODY_BYTES);
    }

    /**
     * @param maxBodyBytes a message whose wire form is longer than this (UTF-8 bytes) keeps only its
     *                     reference to the ledger
     */
    public PostgresDeadLetterStore(DataSource dataSource, PostgresTables tables, int maxBodyBytes) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.tables = Objects.requireNonNull(tables, "tables");
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 0 (0 keeps only references), got "
                    + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
        String t = tables.deadLetters();
        this.insert = "INSERT INTO " + t + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO UPDATE SET source_kind = EXCLUDED.source_kind,"
                + " source_name = EXCLUDED.source_name, ref_kind = EXCLUDED.ref_kind, ref_store = EXCLUDED.ref_store,"
                + " ref_aggregate_id = EXCLUDED.ref_aggregate_id, ref_version = EXCLUDED.ref_version,"
                + " message = EXCLUDED.message, error = EXCLUDED.error, attempts = EXCLUDED.attempts,"
                + " failed_at = EXCLUDED.failed_at";
        this.select = "SELECT " + COLUMNS + " FROM " + t + " WHERE id = ?";
        this.pageFirst = "SELECT " + COLUMNS + " FROM " + t + " ORDER BY failed_at, id LIMIT ?";
        this.pageAfter = "SELECT " + COLUMNS + " FROM " + t + " WHERE (failed_at, id) > (?, ?)"
                + " ORDER BY failed_at, id LIMIT ?";
        this.delete = "DELETE FROM " + t + " WHERE id = ?";
        this.count = "SELECT count(*) FROM " + t;
    }

    /** Bodies longer than this (UTF-8 bytes of the wire form) are kept as references. */
    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    public PostgresTables tables() {
        return tables;
    }

    @Override
    public void add(DeadLetter letter) {
        try (Connection c = dataSource.getConnection()) {
            add(c, letter);
        } catch (SQLException e) {
            throw SqlErrors.failure("storing dead letter " + letter.id() + " (" + letter.ref() + ") in "
                    + tables.deadLetters(), tables, e);
        }
    }

    /** Adds (or replaces, by id) a letter on the caller's connection, inside its transaction if one is open. */
    public void add(Connection c, DeadLetter letter) throws SQLException {
        Objects.requireNonNull(letter, "letter");
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setString(1, letter.id());
            ps.setString(2, letter.source().kind());
            ps.setString(3, letter.source().name());
            ps.setString(4, letter.ref().kind().wireName());
            ps.setString(5, letter.ref().store());
            ps.setString(6, letter.ref().aggregateId());
            ps.setLong(7, letter.ref().version());
            ps.setString(8, body(letter));
            ps.setString(9, error(letter.error()));
            ps.setInt(10, letter.attempts());
            ps.setObject(11, OffsetDateTime.ofInstant(letter.failedAt(), ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }

    /** The wire form of the body, or null when there is none or it is over the limit. */
    private String body(DeadLetter letter) {
        if (!letter.hasBody()) {
            return null;
        }
        String json = MessageCodec.toJsonString(letter.message());
        // a UTF-8 byte is at least one char: only count bytes when the length leaves a doubt
        if (json.length() > maxBodyBytes
                || (json.length() * 3L > maxBodyBytes && json.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes)) {
            LOG.info("dead letter {} ({}): the message is over {} bytes, keeping only its reference to the ledger",
                    letter.id(), letter.ref(), maxBodyBytes);
            return null;
        }
        return json;
    }

    /** PostgreSQL text cannot hold NUL; a long error is cut. */
    private static String error(String error) {
        String e = error.indexOf('\0') >= 0 ? error.replace("\0", "\\u0000") : error;
        return e.length() > MAX_ERROR_CHARS ? e.substring(0, MAX_ERROR_CHARS) + "..." : e;
    }

    @Override
    public Page<DeadLetter> page(PageRequest request) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(request.cursor() == null ? pageFirst : pageAfter)) {
            int i = 1;
            if (request.cursor() != null) {
                Cursor cursor = Cursor.parse(request.cursor());
                ps.setObject(i++, OffsetDateTime.ofInstant(cursor.failedAt(), ZoneOffset.UTC));
                ps.setString(i++, cursor.id());
            }
            ps.setInt(i, request.size() + 1);
            List<DeadLetter> letters = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    letters.add(letter(rs));
                }
            }
            if (letters.size() > request.size()) {
                List<DeadLetter> page = letters.subList(0, request.size());
                DeadLetter last = page.get(page.size() - 1);
                return new Page<>(page, new Cursor(last.failedAt(), last.id()).format());
            }
            return new Page<>(letters, null);
        } catch (SQLException e) {
            throw SqlErrors.failure("listing the dead letters in " + tables.deadLetters(), tables, e);
        }
    }

    @Override
    public Optional<DeadLetter> get(String id) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(letter(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("reading dead letter " + id + " from " + tables.deadLetters(), tables, e);
        }
    }

    @Override
    public boolean remove(String id) {
        try (Connection c = dataSource.getConnection()) {
            return remove(c, id);
        } catch (SQLException e) {
            throw SqlErrors.failure("removing dead letter " + id + " from " + tables.deadLetters(), tables, e);
        }
    }

    /** Removes a letter on the caller's connection, inside its transaction if one is open; false when it was not there. */
    public boolean remove(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(delete)) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
        }
    }

    @Override
    public long count() {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(count);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw SqlErrors.failure("counting the dead letters in " + tables.deadLetters(), tables, e);
        }
    }

    private static DeadLetter letter(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        MessageRef ref = new MessageRef(MessageKind.fromWire(rs.getString(4)), rs.getString(5), rs.getString(6),
                rs.getLong(7));
        String body = rs.getString(8);
        Message message = null;
        if (body != null) {
            try {
                message = MessageCodec.fromJson(JsonbText.read(body));
            } catch (RuntimeException e) {
                // the reference still names the event: a redrive reads it back from the ledger
                LOG.warn("dead letter {} ({}): its stored message cannot be decoded ({}); treating it as a reference",
                        id, ref, e.toString());
            }
        }
        return new DeadLetter(id, DeadLetterSource.of(rs.getString(2), rs.getString(3)), ref, message,
                rs.getString(9), rs.getInt(10), rs.getObject(11, OffsetDateTime.class).toInstant());
    }

    /** A position in (failed_at, id) order: epoch microseconds, a colon, the id. */
    private record Cursor(Instant failedAt, String id) {
        String format() {
            return ChronoUnit.MICROS.between(Instant.EPOCH, failedAt) + ":" + id;
        }

        static Cursor parse(String cursor) {
            int colon = cursor.indexOf(':');
            try {
                if (colon > 0) {
                    long micros = Long.parseLong(cursor.substring(0, colon));
                    return new Cursor(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), cursor.substring(colon + 1));
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new IllegalArgumentException("'" + cursor + "' is not a cursor of PostgresDeadLetterStore: pass back"
                    + " the nextCursor of the previous page unchanged, or null for the first page");
        }
    }
}
