package dev.tally.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tally.postgres.PostgresFailure;
import dev.tally.postgres.PostgresSchema;
import dev.tally.postgres.PostgresTables;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL that {@code serve --engine postgres} runs on: an embedded server kept in the data
 * directory ({@code DIR/postgres}, started and stopped with the server; the data-directory lock
 * covers it), a throwaway embedded one ({@code --in-memory}: a scratch directory removed on close),
 * or an existing server ({@code --jdbc-url}). Tally's tables are migrated on start; a schema newer
 * than this Tally knows is refused before anything is written.
 *
 * <p>The embedded server listens on the loopback interface only, on a free port, with PostgreSQL
 * 17 binaries unpacked on the first start (a few seconds) into {@code ~/.cache/tally/postgres}
 * ({@code TALLY_POSTGRES_BINARIES} to choose another folder), shared by every data directory.
 * A server left running by a killed {@code serve} (its postmaster outlives the JVM) is stopped
 * before the new one starts: the data-directory lock proves no live Tally still uses it.
 */
public final class PostgresEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresEngine.class);
    /** The folder of the data directory that PostgreSQL's files live in. */
    public static final String FOLDER = "postgres";
    private static final Duration ORPHAN_STOP = Duration.ofSeconds(60);

    private final EmbeddedPostgres server;
    private final Path scratch;
    private final HikariDataSource pool;
    private final PostgresTables tables;
    private final String where;

    private PostgresEngine(EmbeddedPostgres server, Path scratch, HikariDataSource pool, PostgresTables tables,
                           String where) {
        this.server = server;
        this.scratch = scratch;
        this.pool = pool;
        this.tables = tables;
        this.where = where;
    }

    /**
     * Starts an embedded PostgreSQL with its files in {@code dataDir/postgres}, or, when {@code dataDir}
     * is null, a throwaway one (no fsync: nothing is kept) in a scratch directory removed on close.
     */
    public static PostgresEngine embedded(Path dataDir, Consumer<String> progress) {
        Path root;
        Path scratch = null;
        try {
            if (dataDir == null) {
                scratch = Files.createTempDirectory("tally-postgres-");
                root = scratch;
            } else {
                root = dataDir.resolve(FOLDER).toAbsolutePath();
                Files.createDirectories(root);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for PostgreSQL: " + e.getMessage(), e);
        }
        Path data = root.resolve("data");
        stopOrphan(data, progress);
        progress.accept(dataDir == null ? "starting an embedded PostgreSQL that keeps nothing..."
                : "starting the embedded PostgreSQL with data in " + data + "...");
        EmbeddedPostgres server;
        try {
            try {
                server = builder(data, dataDir == null).start();
            } catch (IOException | RuntimeException first) {
                // the free port it was given can be taken before PostgreSQL binds it (any process's
                // outgoing connection may draw it): stop what may be left and try once on another port
                progress.accept("the embedded PostgreSQL did not start (" + first.getMessage()
                        + "); trying once more on another port...");
                stopOrphan(data, progress);
                server = builder(data, dataDir == null).start();
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(scratch);
            throw new IllegalStateException("the embedded PostgreSQL did not start (files in " + data + "): "
                    + e.getMessage() + ". Its log is in " + data.resolve("log") + " when it got that far", e);
        }
        String url = server.getJdbcUrl("postgres", "postgres");
        try {
            HikariDataSource pool = pool(url, "postgres", null);
            return migrated(server, scratch, pool, PostgresTables.DEFAULT,
                    (dataDir == null ? "embedded PostgreSQL (throwaway)" : "embedded PostgreSQL in " + data)
                            + " on port " + server.getPort());
        } catch (RuntimeException e) {
            closeQuietly(server);
            deleteQuietly(scratch);
            throw e;
        }
    }

    /**
     * Connects to an existing PostgreSQL: the user and password from the URL, else from
     * {@code PGUSER}/{@code PGPASSWORD} in {@code env}; Tally's tables in {@code schema} (null: public).
     */
    public static PostgresEngine external(String jdbcUrl, String schema, Map<String, String> env) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--jdbc-url must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://127.0.0.1:5432/app?user=app (the password from PGPASSWORD), got '"
                    + jdbcUrl + "'");
        }
        String user = jdbcUrl.contains("user=") ? null : env.get("PGUSER");
        String password = jdbcUrl.contains("password=") ? null : env.get("PGPASSWORD");
        PostgresTables tables = schema == null ? PostgresTables.DEFAULT : PostgresTables.inSchema(schema);
        HikariDataSource pool = pool(jdbcUrl, user, password);
        return migrated(null, null, pool, tables, "PostgreSQL at " + redacted(jdbcUrl));
    }

    private static PostgresEngine migrated(EmbeddedPostgres server, Path scratch, HikariDataSource pool,
                                           PostgresTables tables, String where) {
        try {
            PostgresSchema.MigrationReport report = PostgresSchema.of(tables).migrate(pool);
            if (report.changedAnything()) {
                LOG.info("migrated Tally's tables in {} from version {} to {}", where, report.versionBefore(),
                        report.versionAfter());
            }
        } catch (PostgresFailure e) {
            pool.close();
            throw new IllegalStateException("cannot use " + where + ": " + e.getMessage(), e);
        }
        return new PostgresEngine(server, scratch, pool, tables, where);
    }

    private static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
        }
        if (password != null) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(32);
        config.setPoolName("tally-serve");
        config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot connect to PostgreSQL at " + redacted(url) + ": "
                    + cause.getMessage() + ". Check that the server runs and accepts connections there, and the"
                    + " user and password (in the URL, or PGUSER and PGPASSWORD)", e);
        }
    }

    /** Pooled connections to Tally's database. */
    public DataSource dataSource() {
        return pool;
    }

    /** Where Tally's tables are. */
    public PostgresTables tables() {
        return tables;
    }

    /** For people: which PostgreSQL this is (no password). */
    public String describe() {
        return where;
    }

    /** The JDBC URL of the embedded server (user postgres, no password), when this engine started one. */
    public Optional<String> embeddedJdbcUrl() {
        return server == null ? Optional.empty() : Optional.of(server.getJdbcUrl("postgres", "postgres"));
    }

    /** Closes the pool, then stops the embedded server (a fast shutdown) and removes a throwaway one's files. */
    @Override
    public void close() {
        pool.close();
        if (server != null) {
            closeQuietly(server);
        }
        deleteQuietly(scratch);
    }

    private static EmbeddedPostgres.Builder builder(Path data, boolean throwaway) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setOverrideWorkingDirectory(binaries().toFile())
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "100");
        if (throwaway) {
            return builder.setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
        // The embedded library starts PostgreSQL with fsync off (-F) and synchronous_commit=off, which
        // acknowledge a commit before its WAL is on disk: a crash of PostgreSQL or of the machine could
        // then lose commands already answered 200, or corrupt the data directory. A data directory
        // keeps what it acknowledged.
        return builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
    }

    /**
     * Stops a postmaster still running on {@code data} (its serve was killed): the data-directory
     * lock is held by this process, so no live Tally uses it. PostgreSQL recovers from its log.
     */
    static void stopOrphan(Path data, Consumer<String> progress) {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try (Stream<String> lines = Files.lines(pidFile)) {
            pid = Long.parseLong(lines.findFirst().orElse("").trim());
        } catch (IOException | NumberFormatException e) {
            return; // unreadable or half written: PostgreSQL itself judges it at start
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (process.isEmpty()) {
            return;
        }
        progress.accept("stopping the PostgreSQL (pid " + pid + ") that a stopped or killed serve left running...");
        ProcessHandle p = process.get();
        p.destroy(); // SIGTERM: PostgreSQL's smart shutdown; its clients died with the old serve
        try {
            p.onExit().get(ORPHAN_STOP.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("PostgreSQL pid {} did not stop within {}; killing it (it recovers from its log)", pid,
                    ORPHAN_STOP);
            p.destroyForcibly();
            p.onExit().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping PostgreSQL pid " + pid, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot wait for PostgreSQL pid " + pid + " to stop", e);
        }
    }

    /** Where the PostgreSQL binaries are unpacked once for every data directory. */
    static Path binaries() {
        String chosen = System.getenv("TALLY_POSTGRES_BINARIES");
        if (chosen != null && !chosen.isBlank()) {
            return Path.of(chosen);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("tally").resolve("postgres");
    }

    static String redacted(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    private static void closeQuietly(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("stopping the embedded PostgreSQL: {}", e.toString());
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot remove the scratch directory {}: {}", dir, e.toString());
        }
    }
}
