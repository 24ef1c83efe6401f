package dev.tally.postgres;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.PipelineOptions;
import dev.tally.core.runtime.PipelineStores;
import dev.tally.core.internal.Settling;
import dev.tally.core.runtime.Target;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.core.spi.ArchiveStore;
import dev.tally.core.spi.CatchUpOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline on PostgreSQL, with no in-memory bus anywhere: the ledger, its snapshots, and
 * consumers that each read the ledger's global order from a checkpoint of their own.
 *
 * <ul>
 *   <li>{@link #project} runs a {@link PostgresProjectionRunner} per projection (each event's message
 *       built once for all), all read by one reader: a batch's view rows and checkpoints of every
 *       projection commit in one transaction ({@code RunnerGroup}).</li>
 *   <li>{@link #handle} runs any {@link JdbcHandler} the same way (SQL side effects, exactly once).</li>
 *   <li>{@link #subscribe} runs a catch-up subscription per target (a saga, a notifier) with its own
 *       checkpoint: at least once, its {@link FailurePolicy}, dead letters with source
 *       {@link DeadLetterSource.BusTarget BusTarget(name)}.</li>
 * </ul>
 * Dead letters of all of them are in {@code tally_dead_letters}; one LISTEN connection wakes every
 * consumer when an append commits. A restart resumes each consumer at its stored checkpoint.
 *
 * <pre>{@code
 * PostgresSchema.of(PostgresTables.DEFAULT).migrate(dataSource);
 * try (PostgresPipeline pipeline = PostgresPipeline.builder(dataSource).build()) {
 *     EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
 *     pipeline.project(BALANCE, balanceTable);            // a SqlTableProjectionWriter
 *     pipeline.start();
 *     accounts.execute("alice", new Credit(100));
 * }
 * }</pre>
 */
public final class PostgresPipeline implements Pipeline, Settling {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresPipeline.class);

    private final Builder config;
    private final PostgresLedger ledger;
    private final PostgresSnapshotStore snapshots;
    private final PostgresCheckpointStore checkpoints;
    private final PostgresDeadLetterStore deadLetterStore;
    private final LedgerListener listener;
    private final PipelineStores wiring;
    private List<EventStore<?>> stores = List.of();
    /** Every consumer's name: they share the checkpoint table and the dead letters. */
    private final Set<String> names = new TreeSet<>();
    private final List<ProjectionSpec<?, ?>> projections = new ArrayList<>();
    private final Map<String, JdbcHandler> handlers = new LinkedHashMap<>();
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final Map<String, PostgresProjectionRunner> runners = new LinkedHashMap<>();
    private final Map<String, PostgresTargetFeed> feeds = new LinkedHashMap<>();
    private final DeadLetters deadLetters;
    /** Each event's message, built once for all runners while they are within 2,000 events of each other. */
    private final SharedMessages sharedMessages = new SharedMessages(2_000);
    private RunnerGroup group;
    private boolean built;
    private boolean started;
    private boolean closed;

    private record ProjectionSpec<S, V>(Projection<S, V> projection, JdbcProjectionWriter<V> writer) {
    }

    private PostgresPipeline(Builder b) {
        this.config = b;
        this.ledger = PostgresLedger.builder(b.dataSource).tables(b.tables).build();
        this.snapshots = new PostgresSnapshotStore(b.dataSource, b.tables);
        this.wiring = new PipelineStores(b.archive == null ? ledger : new ArchiveReadingLedger(ledger, b.archive),
                snapshots, b); // the stores read archived history through the archive, when there is one
        this.checkpoints = new PostgresCheckpointStore(b.dataSource, b.tables);
        this.deadLetterStore = new PostgresDeadLetterStore(b.dataSource, b.tables, b.maxDeadLetterBodyBytes);
        this.deadLetters = new PostgresPipelineDeadLetters(deadLetterStore, this::build, runners, feeds, names);
        this.listener = new LedgerListener(ledger, "pipeline", Duration.ofMillis(50));
    }

    /** A pipeline on {@code dataSource}'s database; Tally's tables must be migrated ({@link PostgresSchema}). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** An event store on this pipeline's ledger and snapshots; call before {@link #start()}. */
    @Override
    public synchronized <S> EventStore<S> store(AggregateDefinition<S> definition) {
        requireNotBuilt("add event stores");
        EventStore<S> store = wiring.add(definition);
        stores = wiring.list();
        return store;
    }

    /**
     * Runs {@code projection} straight off the ledger with its view rows and checkpoint committed in
     * one transaction, so {@code writer} must be a {@link JdbcProjectionWriter} on this database.
     *
     * @throws IllegalArgumentException when the writer cannot write inside that transaction
     */
    @Override
    public synchronized <S, V> void project(Projection<S, V> projection, ProjectionWriter<V> writer) {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(writer, "writer");
        if (!(writer instanceof JdbcProjectionWriter<V> jdbc)) {
            throw new IllegalArgumentException("PostgresPipeline commits each view with its runner's checkpoint in one"
                    + " PostgreSQL transaction, so projection '" + projection.name() + "' needs a JdbcProjectionWriter"
                    + " that writes on that transaction's connection: a SqlTableProjectionWriter or a PostgresProjectionWriter"
                    + " on this database. Got " + writer.getClass().getName() + " (named '" + writer.name() + "'), which"
                    + " writes on a connection of its own or outside PostgreSQL. Use one of those writers, implement"
                    + " JdbcProjectionWriter, or run this projection on the in-memory or local pipeline");
        }
        requireNotBuilt("add projections");
        claim(projection.name(), "projection");
        projections.add(new ProjectionSpec<>(projection, jdbc));
    }

    /**
     * Runs {@code handler} on the events of every store of this pipeline, exactly once: its SQL
     * commits with its checkpoint (row {@code name} of {@code tally_checkpoints}).
     */
    public synchronized void handle(String name, JdbcHandler handler) {
        Objects.requireNonNull(handler, "handler");
        requireNotBuilt("add handlers");
        claim(name, "handler");
        handlers.put(name, handler);
    }

    /**
     * Adds a target that is not a projection: a catch-up subscription of its own over the ledger
     * (checkpoint row {@code target.name()}), at least once, with the target's failure policy.
     */
    @Override
    public synchronized void subscribe(Target target) {
        Objects.requireNonNull(target, "target");
        requireNotBuilt("subscribe targets");
        claim(target.name(), "target");
        targets.put(target.name(), target);
    }

    private void claim(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a " + what + " needs a name");
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("a projection, handler or target named '" + name + "' is already on"
                    + " this pipeline: names are unique, because each names a checkpoint row and dead letters");
        }
    }

    private void requireNotBuilt(String doing) {
        if (closed) {
            throw new IllegalStateException("this pipeline is closed");
        }
        if (built) {
            throw new IllegalStateException(doing + " before start() (or verify()): the runners are built then");
        }
    }

    /** Builds the runners and subscriptions (no thread yet); start() and verify() call it. */
    private synchronized void build() {
        if (built) {
            return;
        }
        Map<String, EventStore<?>> byName = new LinkedHashMap<>();
        stores.forEach(s -> byName.put(s.name(), s));
        for (ProjectionSpec<?, ?> spec : projections) {
            buildRunner(spec, byName);
        }
        if (!handlers.isEmpty() && stores.isEmpty()) {
            throw new IllegalStateException("handlers " + handlers.keySet() + " have no event store to read: call"
                    + " store(definition) first");
        }
        handlers.forEach((name, handler) -> runners.put(name, configure(
                PostgresProjectionRunner.builder(name, ledger, stores, handler)).build()));
        targets.forEach((name, target) -> feeds.put(name, new PostgresTargetFeed(target, stores, ledger, checkpoints,
                deadLetterStore, config.listen ? listener : null, config.catchUp.batchSize(), config.catchUp.idleWait(),
                config.settings().clock())));
        built = true;
    }

    private <S, V> void buildRunner(ProjectionSpec<S, V> spec, Map<String, EventStore<?>> byName) {
        Projection<S, V> projection = spec.projection();
        EventStore<?> store = byName.get(projection.store());
        if (store == null) {
            throw new IllegalStateException("projection '" + projection.name() + "' reads store '" + projection.store()
                    + "' but this pipeline has no event store of that name (it has " + byName.keySet()
                    + "): call pipeline.store(definition) for it before start()");
        }
        @SuppressWarnings("unchecked")
        EventStore<S> typed = (EventStore<S>) store;
        PostgresProjectionRunner runner = configure(PostgresProjectionRunner.builder(projection, spec.writer(), ledger,
                typed)).build();
        runners.put(projection.name(), runner);
        wiring.projected(new ConvergenceCheck.Bound<>(projection, spec.writer(), runner::apply));
    }

    private PostgresProjectionRunner.Builder configure(PostgresProjectionRunner.Builder b) {
        b.batchSize(config.catchUp.batchSize()).idleWait(config.catchUp.idleWait())
                .failurePolicy(config.catchUp.failurePolicy())
                .deadLetters(deadLetterStore).clock(config.settings().clock()).sharedMessages(sharedMessages);
        return config.listen ? b.listener(listener) : b.listen(false);
    }

    /** Starts every runner and subscription from its stored checkpoint. */
    @Override
    public synchronized PostgresPipeline start() {
        if (closed) {
            throw new IllegalStateException("this pipeline is closed: build a new one to start again");
        }
        if (started) {
            return this;
        }
        build();
        group = RunnerGroup.startAll(config.oneReader, ledger, checkpoints, runners.values(), config.catchUp,
                config.listen ? listener : null);
        feeds.values().forEach(f -> f.feed.start());
        if (config.listen) {
            listener.start();
        }
        started = true;
        return this;
    }

    @Override
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * Compares every projected view with its aggregate's head in the ledger (a page of aggregate ids
     * at a time) and, with {@code repair}, applies the current message of each stale aggregate
     * through that projection's runner only: a conditional write in a transaction of its own.
     */
    @Override
    public ConvergenceCheck.Report verify(boolean repair) {
        build();
        ConvergenceCheck.Report report = wiring.verify(repair, 500, LOG::debug);
        if (!report.converged()) {
            LOG.info("verify: {} stale view(s) of {} checked{}", report.staleCount(), report.views(),
                    repair ? ", " + report.repaired() + " repaired" : "");
        }
        return report;
    }

    /** True once every runner and subscription has passed the ledger's head as of this call. */
    @Override
    public boolean awaitQuiet(Duration timeout) {
        long head = ledger.headPosition();
        return Settling.until(() -> caughtUp(head), timeout, Duration.ofMillis(5));
    }

    private synchronized boolean caughtUp(long head) {
        if (!started) {
            return false;
        }
        for (PostgresProjectionRunner r : runners.values()) {
            if (r.position() < head) {
                return false;
            }
        }
        for (PostgresTargetFeed f : feeds.values()) {
            if (f.feed.position() < head) {
                return false;
            }
        }
        return true;
    }

    /** Stops every consumer after the batch it is on; each checkpoint stays stored for the next start. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        feeds.values().forEach(PostgresTargetFeed::close);
        RunnerGroup.closeAll(group, runners.values());
        listener.close();
    }

    public PostgresLedger ledger() {
        return ledger;
    }

    public PostgresSnapshotStore snapshots() {
        return snapshots;
    }

    public PostgresCheckpointStore checkpoints() {
        return checkpoints;
    }

    public PostgresDeadLetterStore deadLetterStore() {
        return deadLetterStore;
    }

    public PostgresTables tables() {
        return config.tables;
    }

    /** The runner of a projection or handler, by name (after start() or verify()). */
    public synchronized Optional<PostgresProjectionRunner> runner(String name) {
        return Optional.ofNullable(runners.get(name));
    }

    /** The subscription of a target, by name (after start()). */
    public synchronized Optional<PostgresChangeFeed> subscription(String targetName) {
        PostgresTargetFeed f = feeds.get(targetName);
        return f == null ? Optional.empty() : Optional.of(f.feed);
    }

    public static final class Builder extends PipelineOptions<Builder> {
        private final DataSource dataSource;
        private PostgresTables tables = PostgresTables.DEFAULT;
        /** Batch size, idle wait and the runners' failure policy (the defaults of a runner's). */
        private CatchUpOptions catchUp = CatchUpOptions.DEFAULT.withIdleWait(Duration.ofSeconds(10));
        private int maxDeadLetterBodyBytes = PostgresDeadLetterStore.DEFAULT_MAX_BODY_BYTES;
        private boolean listen = true;
        private boolean oneReader = true;
        private ArchiveStore archive;

        private Builder(DataSource dataSource) {
            super(SnapshotPolicy.everyNEvents(100));
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** Where Tally's tables are (default {@code public.tally_*}). */
        public Builder tables(PostgresTables tables) {
            this.tables = Objects.requireNonNull(tables, "tables");
            return this;
        }

        /** Attempts on a failing event before a projection runner dead-letters it (targets bring their own). */
        public Builder projectionFailurePolicy(FailurePolicy policy) {
            catchUp = catchUp.withFailurePolicy(Objects.requireNonNull(policy, "policy"));
            return this;
        }

        /** Events per batch (and per transaction of a runner); default 100. */
        public Builder batchSize(int size) {
            catchUp = catchUp.withBatchSize(size);
            return this;
        }

        /** How long an idle consumer waits for a notification before polling anyway (default 10 s). */
        public Builder idleWait(Duration wait) {
            catchUp = catchUp.withIdleWait(Objects.requireNonNull(wait, "wait"));
            return this;
        }

        /** Dead-letter bodies over this many bytes keep only their ledger reference (default 1 MiB). */
        public Builder maxDeadLetterBodyBytes(int bytes) {
            this.maxDeadLetterBodyBytes = bytes;
            return this;
        }

        /** Whether to LISTEN for appends (default true); without it consumers poll every idle wait. */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /** Whether the runners share one reader and one transaction per batch (default true; RunnerGroup). */
        public Builder oneReader(boolean shared) {
            this.oneReader = shared;
            return this;
        }

        /** Where archived history lives ({@code tally archive}): the stores read it transparently (docs/postgres.md). */
        public Builder archive(ArchiveStore archive) {
            this.archive = archive;
            return this;
        }

        public PostgresPipeline build() {
            return new PostgresPipeline(this);
        }
    }
}
