package dev.tally.bench.ops;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.rate;
import static dev.tally.bench.Measurements.say;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.archive.Archiver;
import dev.tally.core.archive.DirectoryArchiveStore;
import dev.tally.core.spi.LedgerAdapter;
import dev.tally.core.spi.PrunableLedger;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.projection.Projector;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BalanceView;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.BankProjections;
import dev.tally.examples.bank.Credited;
import dev.tally.local.LocalDynamoDb;
import dev.tally.postgres.PostgresLedger;
import dev.tally.postgres.PostgresSchema;
import dev.tally.postgres.PostgresTables;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tally rebuild}'s engine on each ledger: walks N bank accounts of M events each and sends
 * one state-carrying message per aggregate (the balance projection, written in memory so the
 * figure is the walk: listing ids, reading and folding each stream, no snapshots). Then, where the
 * ledger can drop archived events (all three: in memory, DynamoDB, PostgreSQL), the archive of
 * every account to a local directory and the restore (reading every archived stream back through
 * the archive).
 *
 * <pre>
 * java -cp bench/target/tally-bench.jar dev.tally.bench.ops.RebuildBenchmark --ledger memory|postgres|dynamodb
 *     [--aggregates 10000] [--events 100] [--page 100]
 * </pre>
 */
public final class RebuildBenchmark {
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        String ledger = arg(args, "--ledger", "memory");
        int aggregates = Integer.parseInt(arg(args, "--aggregates", "10000"));
        int events = Integer.parseInt(arg(args, "--events", "100"));
        int page = Integer.parseInt(arg(args, "--page", "100"));
        Path work = Files.createTempDirectory("tally-rebuild-bench");
        switch (ledger) {
            case "memory" -> run("memory", new InMemoryLedger(), aggregates, events, page, work);
            case "dynamodb" -> {
                try (LocalDynamoDb db = LocalDynamoDb.inMemory()) {
                    DynamoDbTables.createIfMissing(db.client(), TableDefinitions.ledger("bench-ledger"));
                    run("DynamoDB Local", new DynamoDbLedger(db.client(), "bench-ledger"), aggregates, events, page,
                            work);
                }
            }
            case "postgres" -> {
                Path dir = work.resolve("embedded-pg");
                try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setOverrideWorkingDirectory(dir.toFile())
                        .setDataDirectory(new File(dir.toFile(), "data")).setCleanDataDirectory(true)
                        .setServerConfig("synchronous_commit", "off").start()) {
                    HikariConfig config = new HikariConfig();
                    config.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
                    config.setUsername("postgres");
                    config.setMaximumPoolSize(4);
                    try (HikariDataSource pool = new HikariDataSource(config)) {
                        PostgresTables tables = PostgresTables.inSchema("bench_rebuild");
                        PostgresSchema.of(tables).migrate(pool);
                        run("PostgreSQL 17", PostgresLedger.builder(pool).tables(tables).notifyOnAppend(false).build(),
                                aggregates, events, page, work);
                    }
                }
            }
            default -> throw new IllegalArgumentException("--ledger is memory, postgres or dynamodb");
        }
        System.exit(0);
    }

    private static void run(String name, LedgerAdapter ledger, int aggregates, int events, int page, Path work) {
        Instant old = Instant.now().minus(Duration.ofDays(30));
        EventStore<Account> seeder = EventStore.builder(BankAccount.DEFINITION, ledger)
                .clock(Clock.fixed(old, ZoneOffset.UTC)).cache(0).build();
        say(name + ": writing " + aggregates + " accounts x " + events + " events");
        long t0 = System.nanoTime();
        int group = Math.min(events, ledger instanceof DynamoDbLedger ? 100 : 1000);
        for (int a = 0; a < aggregates; a++) {
            String id = String.format("acct-%06d", a);
            List<RecordedEvent> batch = new ArrayList<>(group);
            for (int v = 1; v <= events; v++) {
                batch.add(seeder.record(id, v, new Credited(v), EventMetadata.empty()));
                if (batch.size() == group || v == events) {
                    ledger.append(batch);
                    batch = new ArrayList<>(group);
                }
            }
            if ((a + 1) % 2000 == 0) {
                say("  " + (a + 1) + " accounts written");
            }
        }
        say(name + ": seeded in " + format((System.nanoTime() - t0) / 1e9) + " s");

        EventStore<Account> store = EventStore.builder(BankAccount.DEFINITION, ledger).cache(0).build();
        InMemoryProjectionWriter<BalanceView> views = new InMemoryProjectionWriter<>("balance");
        Projector<Account, BalanceView> projector = new Projector<>(BankProjections.BALANCE_VIEW, views);
        long r0 = System.nanoTime();
        Rebuild.Result r = Rebuild.builder(store::listAggregateIds, new ProjectionResend(store, projector::handle))
                .pageSize(page).build().run();
        long took = System.nanoTime() - r0;
        say(String.format("%s rebuild: %d aggregates, %d messages sent, %d events read in %s s: %s aggregates/s, %s"
                        + " events/s", name, r.aggregates(), r.messages(), r.events(), format(took / 1e9),
                format(rate(r.aggregates(), took)), format(rate(r.events(), took))));
        if (r.messages() != aggregates || projector.writtenCount() != aggregates) {
            throw new IllegalStateException("expected " + aggregates + " messages, sent " + r.messages());
        }

        if (!(ledger instanceof PrunableLedger)) {
            say(name + ": no archive (this ledger cannot drop archived events)");
            return;
        }
        ArchiveReadingLedger archived = new ArchiveReadingLedger(ledger, new DirectoryArchiveStore(work.resolve("archive")));
        EventStore<Account> archiving = EventStore.builder(BankAccount.DEFINITION, archived).cache(0).build();
        Archiver archiver = new Archiver(archived, Clock.systemUTC());
        long a0 = System.nanoTime();
        long moved = 0;
        for (int a = 0; a < aggregates; a++) {
            moved += archiver.archive(archiving, String.format("acct-%06d", a), Duration.ofDays(7)).archivedThrough();
        }
        long archiveTook = System.nanoTime() - a0;
        say(String.format("%s archive: %d events of %d streams moved in %s s: %s events/s, %s streams/s", name, moved,
                aggregates, format(archiveTook / 1e9), format(rate(moved, archiveTook)),
                format(rate(aggregates, archiveTook))));
        long b0 = System.nanoTime();
        long restored = 0;
        for (int a = 0; a < aggregates; a++) {
            restored += archiving.read(String.format("acct-%06d", a), ReadOptions.range(1, events)).size();
        }
        long restoreTook = System.nanoTime() - b0;
        say(String.format("%s restore (read archived history back): %d events in %s s: %s events/s", name, restored,
                format(restoreTook / 1e9), format(rate(restored, restoreTook))));
        if (restored != (long) aggregates * events) {
            throw new IllegalStateException("restored " + restored + " events, expected " + (long) aggregates * events);
        }
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
