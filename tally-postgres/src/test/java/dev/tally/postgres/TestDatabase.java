package dev.tally.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * One real PostgreSQL 17 per test JVM (embedded, started on first use, stopped at exit), shared by
 * every test class of tally-postgres and of the modules that use its test-jar. Each test class
 * takes its own schema, so classes never see each other's rows.
 */
public final class TestDatabase {
    private static EmbeddedPostgres server;
    private static HikariDataSource pool;

    private TestDatabase() {
    }

    /** A pooled DataSource on the shared server's "postgres" database. */
    public static synchronized DataSource dataSource() {
        if (pool == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setOverrideWorkingDirectory(new File("target/embedded-pg"))
                        .setCleanDataDirectory(true)
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(server.getJdbcUrl("postgres", "postgres"));
            config.setUsername("postgres");
            config.setMaximumPoolSize(24);
            config.setPoolName("tally-test");
            pool = new HikariDataSource(config);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                pool.close();
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }, "tally-test-pg-stop"));
        }
        return pool;
    }

    /** The JDBC URL of the shared server (for a test that needs connections of its own). */
    public static String jdbcUrl() {
        dataSource();
        return server.getJdbcUrl("postgres", "postgres");
    }

    /** A fresh schema with Tally's tables migrated into it. */
    public static PostgresTables freshTables(String hint) {
        PostgresTables tables = emptySchema(hint);
        PostgresSchema.of(tables).migrate(dataSource());
        return tables;
    }

    /** A fresh schema name, not created yet. */
    public static PostgresTables emptySchema(String hint) {
        String schema = (hint + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase()
                .replaceAll("[^a-z0-9_]", "_");
        return PostgresTables.inSchema(schema);
    }

    /** Runs SQL on a connection of the pool. */
    public static void execute(String sql) {
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
