package dev.tally.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.CRC32;
import javax.sql.DataSource;

/**
 * Tally's tables, created and upgraded by numbered migrations
 * ({@code dev/tally/postgres/migrations/V1__ledger.sql}, ...), recorded in a
 * {@code <prefix>schema_version} table.
 *
 * <p>Either let Tally run them at start-up:
 * <pre>{@code
 * PostgresSchema.of(PostgresTables.DEFAULT).migrate(dataSource);
 * }</pre>
 * or print the SQL and run it yourself (psql, Flyway, Liquibase), bookkeeping included, so a later
 * {@link #migrate} knows it is done:
 * <pre>{@code
 * java -cp tally-postgres.jar:... dev.tally.postgres.PostgresSchema --schema public --prefix tally_ > tally.sql
 * }</pre>
 *
 * <p>{@link #migrate} is idempotent and safe to run from many processes at once: it holds a
 * transaction-scoped advisory lock, applies the missing migrations in one transaction, and checks
 * that the migrations already applied are the ones this version of Tally ships (by checksum).
 */
public final class PostgresSchema {
    /** The migrations this version ships, in order. */
    static final List<Migration> MIGRATIONS = List.of(
            Migration.load(1, "ledger", "V1__ledger.sql"),
            Migration.load(2, "dead letters", "V2__dead_letters.sql"),
            Migration.load(3, "command ids", "V3__command_ids.sql"),
            Migration.load(4, "saga timers", "V4__saga_timers.sql"),
            Migration.load(5, "archived streams", "V5__archived_streams.sql"),
            Migration.load(6, "event queries", "V6__event_queries.sql"),
            Migration.load(7, "idempotency keys", "V7__idempotency_keys.sql"));

    /** First key of the advisory lock that serializes migrations ("TALY" in ASCII). */
    private static final int LOCK_NAMESPACE = 0x54414c59;

    private final PostgresTables tables;

    private PostgresSchema(PostgresTables tables) {
        this.tables = Objects.requireNonNull(tables, "tables");
    }

    public static PostgresSchema of(PostgresTables tables) {
        return new PostgresSchema(tables);
    }

    /** One numbered migration script, with ${schema} and ${prefix} placeholders. */
    record Migration(int version, String description, String template, String checksum) {
        static Migration load(int version, String description, String resource) {
            String path = "migrations/" + resource;
            try (InputStream in = PostgresSchema.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("migration " + path + " is missing from the tally-postgres jar");
                }
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                CRC32 crc = new CRC32();
                crc.update(text.getBytes(StandardCharsets.UTF_8));
                return new Migration(version, description, text, Long.toHexString(crc.getValue()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read migration " + path, e);
            }
        }

        String render(PostgresTables tables) {
            return template.replace("${schema}", tables.schema()).replace("${prefix}", tables.prefix());
        }
    }

    /** What {@link #migrate} did. */
    public record MigrationReport(int versionBefore, int versionAfter, List<Integer> applied) {
        public boolean changedAnything() {
            return !applied.isEmpty();
        }
    }

    /** The newest schema version this version of Tally knows. */
    public static int latestVersion() {
        return MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    }

    /**
     * Applies every migration the database lacks, in one transaction, holding an advisory lock so
     * concurrent callers wait for each other; returns what it did.
     *
     * @throws PostgresFailure when the database refuses, or when a migration applied earlier
     *                         differs from the one shipped (an edited script)
     */
    public MigrationReport migrate(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                MigrationReport report = migrate(c);
                c.commit();
                return report;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("migrating Tally's schema " + tables.schema() + "." + tables.prefix() + "*",
                    tables, e);
        }
    }

    private MigrationReport migrate(Connection c) throws SQLException {
        // the schema first (two prefixes migrated into one new schema at once must not both create it),
        // then the prefix: every migrator takes them in this order
        for (String name : List.of(tables.schema(), tables.schema() + "." + tables.prefix())) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
                lock.setInt(1, LOCK_NAMESPACE);
                lock.setString(2, name);
                lock.execute();
            }
        }
        boolean schemaExists;
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, tables.schema());
            try (ResultSet rs = ps.executeQuery()) {
                schemaExists = rs.next();
            }
        }
        try (Statement st = c.createStatement()) {
            if (!schemaExists) {
                st.execute("CREATE SCHEMA " + tables.schema());
            }
            st.execute(versionTableDdl());
        }
        Map<Integer, String> applied = new TreeMap<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, checksum FROM " + tables.schemaVersion())) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getString(2));
            }
        }
        int before = applied.isEmpty() ? 0 : ((TreeMap<Integer, String>) applied).lastKey();
        if (before > latestVersion()) {
            throw new PostgresFailure("Tally's schema " + tables.schema() + "." + tables.prefix() + "* is at version "
                    + before + " but this tally-postgres knows versions up to " + latestVersion()
                    + ": a newer Tally migrated it. Upgrade tally-postgres here too");
        }
        List<Integer> done = new ArrayList<>();
        for (Migration m : MIGRATIONS) {
            String checksum = applied.get(m.version());
            if (checksum != null) {
                if (!checksum.equals(m.checksum())) {
                    throw new PostgresFailure("migration V" + m.version() + " (" + m.description() + ") was applied to "
                            + tables.schema() + "." + tables.prefix() + "* with checksum " + checksum
                            + " but the script shipped now has checksum " + m.checksum()
                            + ": a shipped migration must never change. Restore the original script, or add a new"
                            + " migration for the change");
                }
                continue;
            }
            try (Statement st = c.createStatement()) {
                st.execute(m.render(tables));
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tables.schemaVersion()
                    + " (version, description, checksum) VALUES (?, ?, ?)")) {
                ps.setInt(1, m.version());
                ps.setString(2, m.description());
                ps.setString(3, m.checksum());
                ps.executeUpdate();
            }
            done.add(m.version());
        }
        return new MigrationReport(before, latestVersion(), List.copyOf(done));
    }

    /** The schema version the database is at, 0 when Tally's tables were never created. */
    public int currentVersion(DataSource dataSource) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, tables.schemaVersion());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return 0;
                }
            }
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + tables.schemaVersion())) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw SqlErrors.failure("reading the schema version of " + tables.schema() + "." + tables.prefix() + "*",
                    tables, e);
        }
    }

    /**
     * Every migration as one SQL script to run by hand (in one transaction), including the
     * bookkeeping rows, so that {@link #migrate} afterwards finds nothing to do.
     */
    public String script() {
        StringBuilder sql = new StringBuilder();
        sql.append("-- Tally schema ").append(tables.schema()).append('.').append(tables.prefix())
                .append("*, migrations 1..").append(latestVersion()).append(", generated by PostgresSchema.script()\n");
        sql.append("BEGIN;\n");
        sql.append("CREATE SCHEMA IF NOT EXISTS ").append(tables.schema()).append(";\n");
        sql.append(versionTableDdl()).append(";\n\n");
        for (Migration m : MIGRATIONS) {
            sql.append("-- V").append(m.version()).append(' ').append(m.description()).append('\n');
            sql.append(m.render(tables)).append('\n');
            sql.append("INSERT INTO ").append(tables.schemaVersion()).append(" (version, description, checksum) VALUES (")
                    .append(m.version()).append(", '").append(m.description()).append("', '").append(m.checksum())
                    .append("');\n\n");
        }
        sql.append("COMMIT;\n");
        return sql.toString();
    }

    private String versionTableDdl() {
        return "CREATE TABLE IF NOT EXISTS " + tables.schemaVersion() + " ("
                + "version integer PRIMARY KEY, "
                + "description text NOT NULL, "
                + "checksum text NOT NULL, "
                + "applied_at timestamptz NOT NULL DEFAULT now())";
    }

    /** Prints {@link #script()}: {@code [--schema NAME] [--prefix PREFIX]}. */
    public static void main(String[] args) {
        String schema = PostgresTables.DEFAULT.schema();
        String prefix = PostgresTables.DEFAULT.prefix();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--schema" -> schema = value(args, ++i, "--schema");
                case "--prefix" -> prefix = value(args, ++i, "--prefix");
                default -> {
                    System.err.println("unknown argument '" + args[i] + "'; usage: PostgresSchema [--schema NAME]"
                            + " [--prefix PREFIX]");
                    System.exit(2);
                }
            }
        }
        System.out.print(of(new PostgresTables(schema, prefix)).script());
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            System.err.println(flag + " needs a value");
            System.exit(2);
        }
        return args[i];
    }
}
