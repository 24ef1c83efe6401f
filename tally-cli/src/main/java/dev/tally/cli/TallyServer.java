package dev.tally.cli;

import dev.tally.core.EventStore;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BalanceView;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.BankProjections;
import dev.tally.examples.bank.LastMonthBalanceView;
import dev.tally.examples.bank.LastTransaction;
import dev.tally.examples.counter.Counter;
import dev.tally.local.LocalDynamoDb;
import dev.tally.local.LocalPipeline;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The main job: the bank (seed 000) and counter (seed 001) applications on the one-JVM serverless
 * stack (DynamoDB Local ledger, its stream polled like a Lambda event source mapping, the
 * dispatcher Lambda, the local EventBridge, projectors writing DynamoDB view tables), behind the
 * HTTP API and the dashboard.
 */
public final class TallyServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";

    /** How to run it. {@code dataDir} null means in memory; {@code port} 0 means any free port. */
    public record Settings(Path dataDir, String host, int port, String token, Chaos chaos) {
    }

    private final Settings settings;
    private final LocalDynamoDb dynamoDb;
    private final LocalPipeline pipeline;
    private final EventStore<Account> accounts;
    private final EventStore<Counter.State> counters;
    private final BankProjections bank;
    private final ProjectionWriter<Counter.CountView> counts;
    private final HttpApi api;
    private final Thread startupCheck;
    private volatile ConvergenceCheck.Report lastCheck;
    private volatile String checkState = "not run";

    private TallyServer(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        progress.accept(settings.dataDir() == null ? "starting DynamoDB Local in memory (nothing is kept)..."
                : "starting DynamoDB Local with data in " + settings.dataDir().toAbsolutePath() + "...");
        this.dynamoDb = settings.dataDir() == null ? LocalDynamoDb.inMemory()
                : LocalDynamoDb.persistent(settings.dataDir(), 0);
        try {
            progress.accept("creating tables, the local EventBridge and the stream poller...");
            this.pipeline = LocalPipeline.builder(dynamoDb).chaos(settings.chaos()).build();
            this.accounts = pipeline.store(BankAccount.DEFINITION);
            this.counters = pipeline.store(Counter.DEFINITION);
            this.bank = new BankProjections(view(BankProjections.BALANCE, BalanceView.class),
                    view(BankProjections.LAST_TRANSACTION, LastTransaction.class),
                    view(BankProjections.LAST_MONTH_BALANCE, LastMonthBalanceView.class));
            bank.projectOn(pipeline);
            this.counts = countView();
            pipeline.project(Counter.COUNT, counts);
            pipeline.start();
            this.api = HttpApi.start(this, settings.host(), settings.port(), settings.token());
            startupCheck = new Thread(this::checkAtStartup, "tally-startup-verify");
            startupCheck.setDaemon(true);
            startupCheck.start();
        } catch (RuntimeException e) {
            dynamoDb.close();
            throw e;
        }
    }

    public static TallyServer start(Settings settings, Consumer<String> progress) {
        return new TallyServer(settings, progress);
    }

    private <V> ProjectionWriter<V> view(String projection, Class<V> type) {
        String table = "bank-" + projection;
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views(table));
        return new DynamoDbProjectionWriter<>(pipeline.dynamoDbClient(), table, type);
    }

    private ProjectionWriter<Counter.CountView> countView() {
        DynamoDbTables.createIfMissing(pipeline.dynamoDbClient(), TableDefinitions.views("counter-count"));
        return new DynamoDbProjectionWriter<>(pipeline.dynamoDbClient(), "counter-count", Counter.CountView.class);
    }

    /**
     * The safety net after a crash: compares every view with its ledger head and re-sends the
     * state of each aggregate a view is behind on, to that projection only. Runs once in the
     * background at start-up; its report is on /api/pipeline.
     */
    private void checkAtStartup() {
        checkState = "running";
        try {
            ConvergenceCheck.Report r = pipeline.verify(true);
            lastCheck = r;
            checkState = "done";
            if (r.staleCount() > 0) {
                org.slf4j.LoggerFactory.getLogger(TallyServer.class).info("start-up check: {} stale views of {}"
                        + " aggregates; {} repair messages sent", r.staleCount(), r.aggregates(), r.repaired());
            }
        } catch (RuntimeException e) {
            checkState = "failed: " + e.getMessage();
            org.slf4j.LoggerFactory.getLogger(TallyServer.class).warn("start-up convergence check failed", e);
        }
    }

    /** Compares views with the ledger; with {@code repair}, re-sends the state of stale aggregates. */
    public ConvergenceCheck.Report verify(boolean repair) {
        ConvergenceCheck.Report r = pipeline.verify(repair);
        lastCheck = r;
        return r;
    }

    ConvergenceCheck.Report lastCheck() {
        return lastCheck;
    }

    String checkState() {
        return checkState;
    }

    public URI url() {
        return api.url();
    }

    public Settings settings() {
        return settings;
    }

    LocalPipeline pipeline() {
        return pipeline;
    }

    EventStore<Account> accounts() {
        return accounts;
    }

    EventStore<Counter.State> counters() {
        return counters;
    }

    BankProjections bank() {
        return bank;
    }

    ProjectionWriter<Counter.CountView> counts() {
        return counts;
    }

    /** Waits until what was written has reached the read models (for tests and scripts). */
    public boolean awaitQuiet(Duration timeout) {
        return pipeline.awaitQuiet(timeout);
    }

    @Override
    public void close() {
        startupCheck.interrupt();
        try {
            api.close();
        } finally {
            try {
                pipeline.close();
            } finally {
                dynamoDb.close();
            }
        }
    }
}
