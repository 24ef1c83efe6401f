package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.archive.ArchiveReadingLedger;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.runtime.PipelineOptions;
import dev.tally.core.runtime.PipelineStores;
import dev.tally.core.internal.Settling;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbCheckpoints;
import dev.tally.dynamodb.DynamoDbDeadLetterStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The serverless pipeline of seed 000 in one JVM, with the production pieces unchanged:
 *
 * <pre>
 * EventStore.execute ─► DynamoDB Local ledger table ─► its real stream ─► StreamPoller (as the event
 * source mapping) ─► StreamDispatcherHandler (the Lambda) ─► EventBridgeBus (real SDK, HTTP) ─►
 * LocalEventBridge (event-ruler rules; PutEvents answers once the deliveries are stored) ─►
 * targets (projectors) ─► DynamoDB view tables
 * </pre>
 *
 * Accepted deliveries with their retry state live in a journal in the data directory
 * ({@link JournalDeliveryStore}); dead letters (of targets and of the stream) and stream checkpoints
 * in DynamoDB tables next to the ledger. A persisted stack therefore loses nothing in a crash and
 * resumes every delivery on its next start (invariant 8). The stream checkpoint
 * moves only after PutEvents succeeded, and PutEvents succeeds only once its deliveries are stored.
 *
 * <pre>{@code
 * try (LocalDynamoDb db = LocalDynamoDb.inMemory();
 *      LocalPipeline pipeline = LocalPipeline.builder(db).chaos(Chaos.typical()).build()) {
 *     EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
 *     pipeline.project(BankProjections.BALANCE, balanceWriter);
 *     pipeline.start();
 *     accounts.execute("alice", new Credit(100));
 * }
 * }</pre>
 */
public final class LocalPipeline implements Pipeline, Settling {
    public static final String DISPATCHER_FUNCTION = "dispatcher";

    private final DynamoDbClient client;
    private final Builder config;
    private final DynamoDbLedger ledger;
    /** The ledger the stores use: {@link #ledger} itself, or it reading archived history from the archive. */
    private final dev.tally.core.spi.LedgerAdapter storeLedger;
    private final DynamoDbSnapshotStore snapshots;
    private final DynamoDbDeadLetterStore deadLetterStore;
    private final LocalBus bus;
    private final LocalEventBridge eventBridge;
    private final PipelineStores stores;
    private final LocalPipelineDeadLetters deadLetters;
    private volatile Dispatcher dispatcher;
    private final DispatcherEventSource source;
    private volatile boolean closed;
    private boolean recovered;

    private LocalPipeline(Builder b) {
        this.config = b;
        LocalDynamoDb dynamoDb = b.dynamoDb;
        this.client = dynamoDb.client();
        List.of(TableDefinitions.ledger(table("ledger")), TableDefinitions.snapshots(table("snapshots")),
                TableDefinitions.keyValue(table("dead-letters")), TableDefinitions.keyValue(table("checkpoints")))
                .forEach(t -> DynamoDbTables.createIfMissing(client, t));
        this.ledger = new DynamoDbLedger(client, table("ledger"));
        this.storeLedger = b.archive == null ? ledger : new ArchiveReadingLedger(ledger, b.archive);
        this.snapshots = new DynamoDbSnapshotStore(client, table("snapshots"));
        this.stores = new PipelineStores(storeLedger, snapshots, b);
        this.deadLetterStore = new DynamoDbDeadLetterStore(client, table("dead-letters"));
        var shards = new DynamoDbCheckpoints(client, table("checkpoints")).prefixed("stream:");
        this.bus = new LocalBus(b.busName, b.eventBridgePort, b.deliveryThreads, b.chaos, b.durableDeliveries
                ? dynamoDb.dataDir().resolve(b.tablePrefix + "-deliveries.journal") : null, b.fsync, deadLetterStore,
                (kind, store, id, version) -> requireStarted().resolve(kind, store, id, version));
        this.eventBridge = bus.eventBridge();
        this.source = new DispatcherEventSource(client, dynamoDb.streamsClient(), table("ledger"), DISPATCHER_FUNCTION,
                b.mapping, b.streamCheckpoints == null ? shards : b.streamCheckpoints.apply(shards),
                b.checkpointInterval, deadLetterStore);
        this.deadLetters = new LocalPipelineDeadLetters(deadLetterStore, eventBridge, source::poller,
                this::requireStarted);
    }

    public static Builder builder(LocalDynamoDb dynamoDb) {
        return new Builder(dynamoDb);
    }

    /** The name of one of the stack's tables: "{prefix}-{role}". */
    public String table(String role) {
        return config.tablePrefix + "-" + role;
    }

    /** An event store on the stack's ledger and snapshot table; call before {@link #start()}. */
    @Override
    public synchronized <S> EventStore<S> store(AggregateDefinition<S> definition) {
        return stores.add(definition);
    }

    /** A rule whose event pattern comes from the target's filter; call before {@link #start()}. */
    @Override
    public synchronized void subscribe(Target target) {
        requireNotStarted("subscribe targets");
        eventBridge.subscribe(target);
    }

    private void requireNotStarted(String what) {
        if (dispatcher != null) {
            throw new IllegalStateException(what + " before start(): start() resumes the deliveries a previous run"
                    + " stored, and a target subscribed later would miss its own");
        }
    }

    /** A rule for the projection's state-carrying messages, targeting a {@link Projector} into {@code writer}. */
    @Override
    public synchronized <S, V> void project(Projection<S, V> projection, ProjectionWriter<V> writer) {
        requireNotStarted("add projections");
        eventBridge.subscribe(new Projector<>(projection, writer).target());
        stores.projected(new ConvergenceCheck.Bound<>(projection, writer,
                m -> eventBridge.sendTo(projection.name(), List.of(m))));
    }

    /**
     * Builds the dispatcher, resumes the deliveries a previous run left stored, and starts the
     * stream poller. Subscribe every target first: a stored delivery for a target that is not
     * subscribed stays stored.
     */
    @Override
    public synchronized LocalPipeline start() {
        dispatcher = source.deploy(stores.seal(), eventBridge.client(), config.busName); // once
        if (!recovered) {
            eventBridge.recover(); // if this fails, start() fails, and the next start() tries again
            recovered = true;
        }
        startPoller();
        return this;
    }

    /** Starts a new poller on the ledger's stream, resuming at the saved checkpoint. */
    public synchronized StreamPoller startPoller() {
        requireStarted();
        return source.enable();
    }

    /** Stops the poller, as if the event source mapping were disabled or its host killed. */
    public synchronized void stopPoller() {
        source.disable();
    }

    private Dispatcher requireStarted() {
        Dispatcher d = dispatcher;
        if (d == null) {
            throw new IllegalStateException("the pipeline is not started: call start()");
        }
        return d;
    }

    /**
     * Waits until every event stored before this call was read from the stream, dispatched,
     * published and delivered (retries included). False when the timeout passed first.
     */
    @Override
    public boolean awaitQuiet(Duration timeout) {
        long settled = System.currentTimeMillis() + 150; // a record is readable a few ms after its put
        return Settling.until(() -> source.readAllSince(settled) && eventBridge.inFlight() == 0, timeout,
                Duration.ofMillis(10));
    }

    @Override
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    @Override
    public ConvergenceCheck.Report verify(boolean repair) {
        return verify(repair, line -> { });
    }

    /** {@link #verify(boolean)} with progress lines. */
    public ConvergenceCheck.Report verify(boolean repair, Consumer<String> progress) {
        requireStarted();
        return stores.verify(repair, 200, progress);
    }

    /** What the pipeline has done: for dashboards and the pipeline API. */
    public record Stats(StreamPoller.Stats stream, long dispatched, long dispatchFailures, long published,
                        long publishRetries, long claimChecks, List<TargetStats> targets, long deadLetters,
                        long recoveredDeliveries, long orphanedDeliveries, long pendingDeliveries, String chaos) {
    }

    public Stats stats() {
        StreamPoller p = source.poller();
        Dispatcher d = dispatcher;
        EventBridgeBus publisher = source.publisher();
        return new Stats(p == null ? null : p.stats(), d == null ? 0 : d.dispatchedCount(),
                d == null ? 0 : d.failureCount(), publisher == null ? 0 : publisher.publishedCount(),
                publisher == null ? 0 : publisher.retriedEntryCount(), publisher == null ? 0 : publisher.claimCheckCount(),
                eventBridge.stats(), deadLetterStore.count(), eventBridge.engine().recoveredCount(),
                eventBridge.engine().orphanedCount(), eventBridge.inFlight(), String.valueOf(eventBridge.chaos()));
    }

    public void chaos(Chaos chaos) {
        eventBridge.chaos(chaos);
    }

    public DynamoDbClient dynamoDbClient() {
        return client;
    }

    /**
     * The ledger reading archived history, which the stores are built on, when the stack has an
     * archive ({@link Builder#archive}): the one {@link dev.tally.core.archive.Archiver} takes.
     */
    public Optional<ArchiveReadingLedger> archiveLedger() {
        return storeLedger instanceof ArchiveReadingLedger a ? Optional.of(a) : Optional.empty();
    }

    public DynamoDbLedger ledger() {
        return ledger;
    }

    public DynamoDbSnapshotStore snapshots() {
        return snapshots;
    }

    public DynamoDbDeadLetterStore deadLetterStore() {
        return deadLetterStore;
    }

    public LocalEventBridge eventBridge() {
        return eventBridge;
    }

    public Dispatcher dispatcher() {
        return requireStarted();
    }

    public StreamPoller poller() {
        return source.poller();
    }

    public List<EventStore<?>> stores() {
        return stores.list();
    }

    /**
     * Stops: the poller first (nothing new is published), then deliveries drain for up to the
     * builder's drain deadline; what is left stays stored and resumes on the next start.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopPoller();
        bus.shutdown(config.drain);
    }

    /**
     * Stops everything at once, as kill -9 would: no drain, no flush, nothing more written (for
     * crash tests; the DynamoDB Local behind it keeps running, as the data directory would).
     */
    public synchronized void halt() {
        closed = true;
        source.abandon();
        bus.halt();
    }

    public static final class Builder extends PipelineOptions<Builder> {
        private final LocalDynamoDb dynamoDb;
        private String tablePrefix = "tally";
        private String busName = "tally-bus";
        private Chaos chaos = Chaos.NONE;
        private EventSourceMapping mapping = EventSourceMapping.defaults();
        private int eventBridgePort;
        private int deliveryThreads = 4;
        private boolean durableDeliveries = true;
        private boolean fsync;
        private Duration drain = Duration.ofSeconds(5);
        private java.util.function.UnaryOperator<dev.tally.core.spi.CheckpointStore> streamCheckpoints;
        private Duration checkpointInterval = Duration.ofSeconds(1);
        private dev.tally.core.spi.ArchiveStore archive;

        private Builder(LocalDynamoDb dynamoDb) {
            super(SnapshotPolicy.everyNEvents(100));
            this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        }

        /**
         * Where archived history lives ({@code tally archive}): the stores read it transparently
         * through an {@link dev.tally.core.archive.ArchiveReadingLedger} (see docs/operations.md).
         */
        public Builder archive(dev.tally.core.spi.ArchiveStore archive) {
            this.archive = archive;
            return this;
        }

        public Builder tablePrefix(String prefix) {
            this.tablePrefix = prefix;
            return this;
        }

        public Builder busName(String name) {
            this.busName = name;
            return this;
        }

        public Builder chaos(Chaos c) {
            this.chaos = c;
            return this;
        }

        public Builder mapping(EventSourceMapping m) {
            this.mapping = m;
            return this;
        }

        public Builder eventBridgePort(int port) {
            this.eventBridgePort = port;
            return this;
        }

        public Builder deliveryThreads(int threads) {
            this.deliveryThreads = threads;
            return this;
        }

        /**
         * Whether the local EventBridge journals accepted deliveries in the data directory before
         * answering (default, and what AWS promises) or holds them only in memory (a crash loses
         * what was in flight: for benchmarks that measure what durability costs).
         */
        public Builder durableDeliveries(boolean on) {
            this.durableDeliveries = on;
            return this;
        }

        /**
         * Forces every accepted delivery to the disk before PutEvents answers (default off: the
         * journal then survives a crash of the process, kill -9 included, but not of the machine).
         */
        public Builder fsync(boolean on) {
            this.fsync = on;
            return this;
        }

        /** How long {@link LocalPipeline#close()} lets pending deliveries finish (default 5 s). */
        public Builder drain(Duration d) {
            this.drain = Objects.requireNonNull(d, "drain");
            return this;
        }

        /**
         * How often the stream poller's checkpoint is written per shard (default 1 s): the newest
         * position waits in memory until then, so a crash redelivers at most that much (at least
         * once, as always). {@link Duration#ZERO} writes it after every batch.
         */
        public Builder checkpointInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("checkpointInterval must be >= 0, got " + interval);
            }
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * Wraps where the stream poller keeps its shard checkpoints (by default the checkpoints
         * table): how a crash test stops the world between a dispatch and its checkpoint.
         */
        public Builder streamCheckpoints(java.util.function.UnaryOperator<dev.tally.core.spi.CheckpointStore> wrap) {
            this.streamCheckpoints = wrap;
            return this;
        }

        /** Creates the tables (if missing) and starts the local EventBridge endpoint. */
        public LocalPipeline build() {
            return new LocalPipeline(this);
        }
    }
}
