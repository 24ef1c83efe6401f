package dev.tally.bench.postgres;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresSchema;
import dev.tally.postgres.PostgresTables;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Append throughput of Tally's PostgreSQL ledger against a bare JDBC INSERT loop, on the same
 * embedded PostgreSQL 17, in the same run, on tables of the same shape (same columns, same
 * indexes), with the same event JSON:
 *
 * <ul>
 *   <li>single events: {@code PostgresLedger.append(List.of(event))} (pooled connection, gap check,
 *       pg_notify) against {@code INSERT ... VALUES} + autocommit on one connection with one
 *       prepared statement;</li>
 *   <li>single events, bare JDBC with the same predecessor check as Tally
 *       ({@code INSERT ... SELECT ... WHERE version = 1 OR EXISTS (predecessor)}): what refusing gaps
 *       costs by itself;</li>
 *   <li>batches of 100: {@code PostgresLedger.append(100 events)} (one statement) against
 *       {@code addBatch} x 100 + {@code executeBatch} + commit.</li>
 * </ul>
 *
 * Both sides serialize the payload and metadata to JSON per event (a hand-written append has to as
 * well). The two sides run in alternating blocks (250 single events, 5 batches), so background
 * load and table growth weigh on both alike; the figures are totals over all rounds.
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.postgres.AppendBenchmark
 *     [--events 20000] [--batches 200] [--rounds 5] [--synchronous-commit off|on] [--notify on|off]
 *     [--command-ids N]   (instead: execute with and without a command id, N commands per side per round)
 * </pre>
 */
public final class AppendBenchmark {
    private static final int STREAMS = 1000;
    private static final int BATCH = 100;
    private static final int SINGLE_BLOCK = 250;
    private static final int BATCH_BLOCK = 5;

    private final PostgresLedger ledger;
    private final Connection bare;
    private final PreparedStatement bareInsert;
    private final PreparedStatement checkedInsert;
    private final ObjectNode payloadTemplate;
    private final EventMetadata metadata = EventMetadata.of("request-7f3a", null, "bench").withAttribute("tenant", "t1");
    private long tallySequence;
    private long bareSequence;
    private long checkedSequence;
    private long tallyBatchSequence;
    private long bareBatchSequence;

    private AppendBenchmark(PostgresLedger ledger, Connection bare) throws SQLException {
        this.ledger = ledger;
        this.bare = bare;
        this.bareInsert = bare.prepareStatement("INSERT INTO bench_bare.events (store, aggregate_id, version, type,"
                + " schema_version, recorded_at, payload, metadata) VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)");
        this.checkedInsert = bare.prepareStatement("INSERT INTO bench_checked.events (store, aggregate_id, version, type,"
                + " schema_version, recorded_at, payload, metadata)"
                + " SELECT ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb WHERE ? = 1 OR EXISTS (SELECT 1 FROM bench_checked.events p"
                + " WHERE p.store = ? AND p.aggregate_id = ? AND p.version = ? - 1)");
        this.payloadTemplate = JsonCodec.object();
        payloadTemplate.put("amount", 12_345);
        payloadTemplate.put("currency", "EUR");
        payloadTemplate.put("reference", "invoice-2026-000123");
        payloadTemplate.put("note", "monthly subscription, paid by card ending 4242");
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int events = intArg(args, "--events", 20_000);
        int batches = intArg(args, "--batches", 200);
        int rounds = intArg(args, "--rounds", 5);
        String syncCommit = stringArg(args, "--synchronous-commit", "off");
        boolean notify = !"off".equals(stringArg(args, "--notify", "on"));
        Path dir = Path.of(AppendBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getParent().resolve("embedded-pg");
        say("starting embedded PostgreSQL 17 in " + dir + " (synchronous_commit=" + syncCommit + "; Tally appends "
                + (notify ? "notify" : "do not notify") + ")");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setOverrideWorkingDirectory(dir.toFile())
                .setDataDirectory(new File(dir.toFile(), "data")).setCleanDataDirectory(true)
                .setServerConfig("synchronous_commit", syncCommit).start()) {
            String url = pg.getJdbcUrl("postgres", "postgres");
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setUsername("postgres");
            config.setMaximumPoolSize(4);
            try (HikariDataSource pool = new HikariDataSource(config);
                 Connection bare = DriverManager.getConnection(url, "postgres", "")) {
                PostgresTables tables = PostgresTables.inSchema("bench_tally");
                PostgresSchema.of(tables).migrate(pool);
                createBareTable(bare, "bench_bare", tables);
                createBareTable(bare, "bench_checked", tables);
                AppendBenchmark bench = new AppendBenchmark(
                        PostgresLedger.builder(pool).tables(tables).notifyOnAppend(notify).build(), bare);
                int commandIds = intArg(args, "--command-ids", 0);
                if (commandIds > 0) {
                    bench.commandIdCost(rounds, commandIds);
                } else {
                    bench.run(events, batches, rounds);
                }
            }
        }
        System.exit(0);
    }

    private void run(int events, int batches, int rounds) throws SQLException {
        say("warming up: 5000 single events and 50 batches of " + BATCH + " on each side");
        tallySingles(5_000);
        bareSingles(5_000);
        checkedSingles(5_000);
        tallyBatches(50);
        bareBatches(50);

        // Both sides run in alternating blocks (who goes first alternates too), so load from anything
        // else on the machine and the tables' growth weigh on both alike.
        long[] singleNanos = new long[3];
        long[] batchNanos = new long[2];
        for (int r = 0; r < rounds; r++) {
            long[] roundSingle = new long[3];
            long[] roundBatch = new long[2];
            for (int done = 0, block = 0; done < events; done += SINGLE_BLOCK, block++) {
                int n = Math.min(SINGLE_BLOCK, events - done);
                for (int k = 0; k < 3; k++) {
                    int side = (block + k) % 3; // 0 bare, 1 Tally, 2 bare with the gap check
                    long t0 = System.nanoTime();
                    switch (side) {
                        case 0 -> bareSingles(n);
                        case 1 -> tallySingles(n);
                        default -> checkedSingles(n);
                    }
                    roundSingle[side] += System.nanoTime() - t0;
                }
            }
            for (int done = 0, block = 0; done < batches; done += BATCH_BLOCK, block++) {
                int n = Math.min(BATCH_BLOCK, batches - done);
                for (int k = 0; k < 2; k++) {
                    boolean tally = (block + k) % 2 == 0;
                    long t0 = System.nanoTime();
                    if (tally) {
                        tallyBatches(n);
                    } else {
                        bareBatches(n);
                    }
                    roundBatch[tally ? 1 : 0] += System.nanoTime() - t0;
                }
            }
            say(String.format("round %d/%d: single events bare %s/s, Tally %s/s, ratio %.3f | batches of %d bare %s"
                            + " events/s, Tally %s events/s, ratio %.3f", r + 1, rounds,
                    format(rate(events, roundSingle[0])), format(rate(events, roundSingle[1])),
                    (double) roundSingle[0] / roundSingle[1], BATCH,
                    format(rate((long) batches * BATCH, roundBatch[0])),
                    format(rate((long) batches * BATCH, roundBatch[1])), (double) roundBatch[0] / roundBatch[1]));
            for (int k = 0; k < 3; k++) {
                singleNanos[k] += roundSingle[k];
            }
            for (int k = 0; k < 2; k++) {
                batchNanos[k] += roundBatch[k];
            }
        }
        long singles = (long) events * rounds;
        long batched = (long) batches * BATCH * rounds;
        double bs = rate(singles, singleNanos[0]);
        double ts = rate(singles, singleNanos[1]);
        double cs = rate(singles, singleNanos[2]);
        double bb = rate(batched, batchNanos[0]);
        double tb = rate(batched, batchNanos[1]);
        say("");
        say("result: " + rounds + " rounds of " + events + " single events and " + batches + " batches of " + BATCH
                + " per side, in alternating blocks");
        say(String.format("  single events   bare JDBC INSERT loop  %10s events/s", format(bs)));
        say(String.format("  single events   Tally append           %10s events/s   ratio %.3f", format(ts), ts / bs));
        say(String.format("  single events   bare JDBC + gap check  %10s events/s   ratio %.3f   (Tally / this: %.3f)",
                format(cs), cs / bs, ts / cs));
        say(String.format("  batches of %d  bare JDBC executeBatch %10s events/s", BATCH, format(bb)));
        say(String.format("  batches of %d  Tally append(batch)    %10s events/s   ratio %.3f   (%.1fx Tally single)",
                BATCH, format(tb), tb / bb, tb / ts));
    }

    // --- what a command id costs ------------------------------------------------------------------

    /**
     * {@code EventStore.execute} of a bank Credit on one aggregate, without and with a command id
     * (the id is in the event row's metadata, under a partial unique expression index, written by the
     * same INSERT),
     * in alternating rounds; the figure is the median of the paired round ratios.
     */
    private void commandIdCost(int rounds, int count) {
        say("## execute without / with a command id, one aggregate per side (" + rounds + " rounds x " + count
                + " commands each side)");
        dev.tally.core.EventStore<dev.tally.examples.bank.Account> store =
                dev.tally.core.EventStore.builder(dev.tally.examples.bank.BankAccount.DEFINITION, ledger).build();
        int[] n = {0};
        Runnable plain = () -> store.execute("plain", new dev.tally.examples.bank.Credit(1));
        Runnable withId = () -> store.execute("ids", new dev.tally.examples.bank.Credit(1),
                EventMetadata.empty().withCommandId("c-" + (++n[0])));
        say("warm-up...");
        for (int w = 0; w < 2; w++) {
            timed(plain, count);
            timed(withId, count);
        }
        double[] without = new double[rounds];
        double[] with = new double[rounds];
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                without[r] = timed(plain, count);
                with[r] = timed(withId, count);
            } else {
                with[r] = timed(withId, count);
                without[r] = timed(plain, count);
            }
            ratios[r] = with[r] / without[r];
            say(String.format("round %d/%d: without %s/s, with command id %s/s, with/without %.2f", r + 1, rounds,
                    format(without[r]), format(with[r]), ratios[r]));
        }
        say(String.format("RESULT command id on PostgreSQL: without median %s/s, with median %s/s; median of paired"
                + " round ratios %.2f", format(median(without)), format(median(with)), median(ratios)));
    }

    private static double timed(Runnable op, int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            op.run();
        }
        return rate(count, System.nanoTime() - start);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    // --- Tally ---------------------------------------------------------------------------------

    private double tallySingles(int count) {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long n = tallySequence++;
            ledger.append(List.of(event(n)));
        }
        return rate(count, System.nanoTime() - start);
    }

    private double tallyBatches(int count) {
        long start = System.nanoTime();
        for (int b = 0; b < count; b++) {
            List<RecordedEvent> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                batch.add(batchEvent(tallyBatchSequence, i, "tally"));
            }
            tallyBatchSequence++;
            ledger.append(batch);
        }
        return rate((long) count * BATCH, System.nanoTime() - start);
    }

    /** Event n: stream n % 1000, version n / 1000 + 1 (so most appends check a stored predecessor). */
    private RecordedEvent event(long n) {
        ObjectNode payload = payloadTemplate.deepCopy().put("sequence", n);
        return new RecordedEvent("bench-account", "acc-" + (n % STREAMS), n / STREAMS + 1, "Charged", 1,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), payload, metadata);
    }

    /** Batch b, event i: 10 events each of 10 new streams. */
    private RecordedEvent batchEvent(long b, int i, String side) {
        ObjectNode payload = payloadTemplate.deepCopy().put("sequence", b * BATCH + i);
        return new RecordedEvent("bench-import", side + "-" + b + "-" + (i / 10), i % 10 + 1, "Charged", 1,
                Instant.now().truncatedTo(ChronoUnit.MILLIS), payload, metadata);
    }

    // --- bare JDBC -----------------------------------------------------------------------------

    private double bareSingles(int count) throws SQLException {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long n = bareSequence++;
            bind(bareInsert, event(n));
            bareInsert.executeUpdate();
        }
        return rate(count, System.nanoTime() - start);
    }

    /** The bare loop plus the same predecessor check Tally makes: the price of refusing gaps. */
    private double checkedSingles(int count) throws SQLException {
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            RecordedEvent e = event(checkedSequence++);
            bind(checkedInsert, e);
            checkedInsert.setLong(9, e.version());
            checkedInsert.setString(10, e.store());
            checkedInsert.setString(11, e.aggregateId());
            checkedInsert.setLong(12, e.version());
            if (checkedInsert.executeUpdate() != 1) {
                throw new IllegalStateException("gap at " + e.coordinates());
            }
        }
        return rate(count, System.nanoTime() - start);
    }

    private double bareBatches(int count) throws SQLException {
        long start = System.nanoTime();
        bare.setAutoCommit(false);
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < BATCH; i++) {
                bind(bareInsert, batchEvent(bareBatchSequence, i, "bare"));
                bareInsert.addBatch();
            }
            bareBatchSequence++;
            bareInsert.executeBatch();
            bare.commit();
        }
        bare.setAutoCommit(true);
        return rate((long) count * BATCH, System.nanoTime() - start);
    }

    private static void bind(PreparedStatement ps, RecordedEvent e) throws SQLException {
        ps.setString(1, e.store());
        ps.setString(2, e.aggregateId());
        ps.setLong(3, e.version());
        ps.setString(4, e.type());
        ps.setInt(5, e.schemaVersion());
        ps.setObject(6, OffsetDateTime.ofInstant(e.timestamp(), ZoneOffset.UTC));
        ps.setString(7, JsonCodec.write(e.payload()));
        ps.setString(8, JsonCodec.write(JsonCodec.metadataToJson(e.metadata())));
    }

    /** The ledger table's shape and indexes, with an identity column instead of Tally's position. */
    /**
     * The bare side's table: the ledger's columns with an identity position, and every secondary
     * index the ledger's table has (copied from it, so a migration that adds one, as V6 did for the
     * event queries, weighs on both sides; until it was copied the bare table lagged three indexes).
     */
    private static void createBareTable(Connection c, String schema, PostgresTables ledger) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            st.execute("CREATE TABLE " + schema + ".events ("
                    + " position bigint GENERATED ALWAYS AS IDENTITY,"
                    + " store text COLLATE \"C\" NOT NULL, aggregate_id text COLLATE \"C\" NOT NULL,"
                    + " version bigint NOT NULL CHECK (version >= 1), type text NOT NULL,"
                    + " schema_version integer NOT NULL CHECK (schema_version >= 1), recorded_at timestamptz NOT NULL,"
                    + " payload jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}',"
                    + " PRIMARY KEY (store, aggregate_id, version))");
            List<String> definitions = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                    + " WHERE indrelid = ?::regclass AND NOT indisprimary")) {
                ps.setString(1, ledger.events());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        definitions.add(rs.getString(1));
                    }
                }
            }
            if (definitions.isEmpty()) {
                throw new IllegalStateException("no indexes found on " + ledger.events() + " to copy");
            }
            say(schema + ".events: the primary key and " + definitions.size() + " indexes copied from " + ledger.events());
            for (String definition : definitions) {
                // "CREATE [UNIQUE] INDEX name ON schema.table USING ...": the same index on the bare table
                String on = " ON " + ledger.events() + " ";
                if (!definition.contains(on)) {
                    throw new IllegalStateException("unexpected index definition: " + definition);
                }
                String rest = definition.substring(definition.indexOf(on) + on.length());
                String head = definition.startsWith("CREATE UNIQUE INDEX") ? "CREATE UNIQUE INDEX" : "CREATE INDEX";
                st.execute(head + " ON " + schema + ".events " + rest);
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private static int intArg(String[] args, String name, int fallback) {
        String v = stringArg(args, name, null);
        return v == null ? fallback : Integer.parseInt(v);
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
