package dev.tally.postgres;

import java.util.regex.Pattern;

/**
 * Where Tally's tables live: a schema and a table-name prefix. With the defaults
 * ({@code public}, {@code tally_}) the tables are {@code public.tally_events},
 * {@code public.tally_snapshots}, {@code public.tally_checkpoints}, {@code public.tally_views},
 * {@code public.tally_dead_letters} and {@code public.tally_schema_version}. Two Tally ledgers can share a database with different
 * schemas or prefixes.
 *
 * <p>Names are plain lower-case SQL identifiers, so they never need quoting and a user can type
 * them in psql as they are.
 *
 * @param schema the PostgreSQL schema, e.g. "public"
 * @param prefix prepended to every table name, e.g. "tally_" (may be empty)
 */
public record PostgresTables(String schema, String prefix) {
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final int MAX_IDENTIFIER = 63;
    private static final String LONGEST_TABLE = "schema_version";

    /** {@code public.tally_*}. */
    public static final PostgresTables DEFAULT = new PostgresTables("public", "tally_");

    public PostgresTables {
        requireIdentifier("schema", schema);
        if (prefix == null || (!prefix.isEmpty() && !IDENTIFIER.matcher(prefix).matches())) {
            throw new IllegalArgumentException("table prefix '" + prefix + "' is invalid: use lower-case letters,"
                    + " digits and '_', starting with a letter or '_' (e.g. 'tally_'), or an empty prefix");
        }
        if (prefix.length() + LONGEST_TABLE.length() + "_position".length() > MAX_IDENTIFIER) {
            throw new IllegalArgumentException("table prefix '" + prefix + "' is too long: PostgreSQL identifiers"
                    + " hold " + MAX_IDENTIFIER + " characters, and Tally adds up to "
                    + (LONGEST_TABLE.length() + "_position".length()) + " to it; use a prefix of at most "
                    + (MAX_IDENTIFIER - LONGEST_TABLE.length() - "_position".length()) + " characters");
        }
    }

    /** The default prefix in another schema. */
    public static PostgresTables inSchema(String schema) {
        return new PostgresTables(schema, DEFAULT.prefix());
    }

    /** {@code schema.prefix + name}, e.g. "public.tally_events". */
    public String qualified(String table) {
        return schema + "." + prefix + table;
    }

    /** The ledger table. */
    public String events() {
        return qualified("events");
    }

    public String snapshots() {
        return qualified("snapshots");
    }

    public String checkpoints() {
        return qualified("checkpoints");
    }

    /** The generic JSONB views table of {@link PostgresProjectionWriter}. */
    public String views() {
        return qualified("views");
    }

    /** The dead letters of {@link PostgresDeadLetterStore}. */
    public String deadLetters() {
        return qualified("dead_letters");
    }

    /** The saga timers of {@link PostgresTimerStore}. */
    public String sagaTimers() {
        return qualified("saga_timers");
    }

    /** Streams whose versions 1..H were archived and deleted ({@link PostgresLedger#deleteThrough}). */
    public String archivedStreams() {
        return qualified("archived_streams");
    }

    /** The command ids of deleted (archived) events, still refused a second time. */
    public String archivedCommands() {
        return qualified("archived_commands");
    }

    /** The function that refuses a version 1 or a command id an archive deleted (SQLSTATE TLARC, TLCMD). */
    String archiveGuard() {
        return qualified("archive_guard");
    }

    /** The HTTP API's idempotency keys ({@link PostgresIdempotencyKeys}). */
    public String idempotencyKeys() {
        return qualified("idempotency_keys");
    }

    public String schemaVersion() {
        return qualified("schema_version");
    }

    /** The name (without schema) of the ledger's primary key, to tell a version conflict apart. */
    String eventsCommandIndex() {
        return prefix + "events_command";
    }

    String eventsPrimaryKey() {
        return prefix + "events_pkey";
    }

    /** The function that refuses an append with a gap (raises SQLSTATE {@code TLGAP}). */
    String refuseVersionGap() {
        return qualified("refuse_version_gap");
    }

    /** The LISTEN/NOTIFY channel that appends notify, e.g. "public.tally_events". */
    public String channel() {
        return events();
    }

    static String requireIdentifier(String what, String name) {
        if (name == null || name.length() > MAX_IDENTIFIER || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name '" + name + "' is invalid: use 1-" + MAX_IDENTIFIER
                    + " lower-case letters, digits and '_', starting with a letter or '_' (e.g. 'public')");
        }
        return name;
    }
}
