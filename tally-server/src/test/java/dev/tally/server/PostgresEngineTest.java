package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.postgres.PostgresSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL of {@code serve --engine postgres}, on real embedded PostgreSQL 17 servers. */
class PostgresEngineTest {
    @TempDir
    Path dir;

    private final List<String> progress = new ArrayList<>();

    @Test
    void embeddedKeepsItsDataInTheDataDirectoryAcrossRestarts() throws Exception {
        try (PostgresEngine engine = PostgresEngine.embedded(dir, progress::add)) {
            assertThat(PostgresSchema.of(engine.tables()).currentVersion(engine.dataSource()))
                    .isEqualTo(PostgresSchema.latestVersion());
            // acknowledged only once on disk: the embedded binaries' default (off) would lose answered
            // commits to a crash of PostgreSQL or of the machine
            assertThat(query(engine.dataSource(), "SHOW synchronous_commit")).isEqualTo("on");
            assertThat(query(engine.dataSource(), "SHOW fsync")).isEqualTo("on");
            sql(engine.dataSource(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
            assertThat(engine.describe()).contains(dir.resolve("postgres").toString());
        }
        assertThat(dir.resolve("postgres/data/PG_VERSION")).exists();
        try (PostgresEngine again = PostgresEngine.embedded(dir, progress::add)) {
            assertThat(query(again.dataSource(), "SELECT v FROM kept")).isEqualTo("still here");
        }
    }

    @Test
    void aServerLeftRunningByAKilledServeIsStoppedAndItsDataKept() throws Exception {
        try (PostgresEngine engine = PostgresEngine.embedded(dir, progress::add)) {
            sql(engine.dataSource(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before the kill')");
        }
        // what a kill -9 of serve leaves: a postmaster on the data directory that no JVM owns
        Path data = dir.resolve("postgres/data");
        Path pgCtl = pgCtl();
        List<String> command = new ArrayList<>();
        if (System.getProperty("user.name").equals("root")) {
            command.addAll(List.of("unshare", "-U")); // as the embedded server does: PostgreSQL refuses root
        }
        command.addAll(List.of(pgCtl.toString(), "-D", data.toString(), "-o", "-p " + freePort()
                + " -c listen_addresses=127.0.0.1", "-l", dir.resolve("orphan.log").toString(), "-w", "start"));
        Process start = new ProcessBuilder(command).inheritIO().start();
        assertThat(start.waitFor()).isZero();
        long orphan = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).contains(true);

        try (PostgresEngine again = PostgresEngine.embedded(dir, progress::add)) {
            assertThat(query(again.dataSource(), "SELECT v FROM kept")).isEqualTo("before the kill");
        }
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(progress).anyMatch(line -> line.contains("left running") && line.contains("" + orphan));
    }

    @Test
    void inMemoryIsThrowawayAndRemovesItsFilesOnClose() throws Exception {
        Path scratch;
        try (PostgresEngine engine = PostgresEngine.embedded(null, progress::add)) {
            sql(engine.dataSource(), "CREATE TABLE t (v int)");
            assertThat(query(engine.dataSource(), "SHOW fsync")).isEqualTo("off");
            scratch = Path.of(query(engine.dataSource(), "SHOW data_directory"));
            assertThat(scratch).exists();
        }
        assertThat(scratch).doesNotExist();
    }

    @Test
    void anExistingServerByJdbcUrlWithTheUserFromPgUserIsMigratedAndANewerSchemaRefused() throws Exception {
        try (PostgresEngine embedded = PostgresEngine.embedded(null, progress::add)) {
            String url = embedded.embeddedJdbcUrl().orElseThrow().replace("user=postgres", "");
            sql(embedded.dataSource(), "CREATE SCHEMA other");
            try (PostgresEngine external = PostgresEngine.external(url, "other", Map.of("PGUSER", "postgres"))) {
                assertThat(external.describe()).startsWith("PostgreSQL at jdbc:postgresql:");
                assertThat(PostgresSchema.of(external.tables()).currentVersion(external.dataSource()))
                        .isEqualTo(PostgresSchema.latestVersion());
            }
            sql(embedded.dataSource(), "INSERT INTO other.tally_schema_version (version, description, checksum)"
                    + " VALUES (" + (PostgresSchema.latestVersion() + 1) + ", 'from the future', 'x')");
            assertThatThrownBy(() -> PostgresEngine.external(url, "other", Map.of("PGUSER", "postgres")))
                    .hasMessageContaining("is at version " + (PostgresSchema.latestVersion() + 1))
                    .hasMessageContaining("a newer Tally migrated it");
        }
    }

    @Test
    void aUrlThatIsNotPostgresOrAServerThatIsNotThereIsExplained() {
        assertThatThrownBy(() -> PostgresEngine.external("jdbc:mysql://x/y", null, Map.of()))
                .hasMessageContaining("--jdbc-url must be a PostgreSQL JDBC URL");
        assertThatThrownBy(() -> PostgresEngine.external("jdbc:postgresql://127.0.0.1:1/none?password=secret&"
                + "connectTimeout=2", null, Map.of("PGUSER", "nobody")))
                .hasMessageContaining("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/none")
                .hasMessageContaining("password=***")
                .hasMessageNotContaining("secret");
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path pgCtl() throws IOException {
        try (Stream<Path> walk = Files.walk(PostgresEngine.binaries())) {
            Optional<Path> found = walk.filter(p -> p.endsWith(Path.of("bin", "pg_ctl"))).findFirst();
            return found.orElseThrow(() -> new AssertionError("no pg_ctl under " + PostgresEngine.binaries()));
        }
    }

    private static void sql(DataSource data, String sql) throws SQLException {
        try (Connection c = data.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String query(DataSource data, String sql) throws SQLException {
        try (Connection c = data.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
