package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.aws.StreamDispatcherHandler;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeliveryEngine;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.snapshot.SnapshotPolicy;
import dev.tally.dynamodb.DynamoDbCheckpoints;
import dev.tally.dynamodb.DynamoDbDeadLetterStore;
import dev.tally.dynamodb.DynamoDbLedger;
import dev.tally.dynamodb.DynamoDbSnapshotStore;
import dev.tally.dynamodb.DynamoDbTables;
import dev.tally.dynamodb.TableDefinitions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The serverless pipeline of seed 000 in one JVM, with the production pieces unchanged:
 *
 * <pre>
 * EventStore.execute ─► DynamoDB Local ledger table ─► its real stream ─► StreamPoller (as the event
 * source mapping) ─► StreamDispatcherHandler (the Lambda) ─► EventBridgeBus (real SDK, HTTP) ─►
 * LocalEventBridge (event-ruler rules) ─► targets (projectors) ─► DynamoDB view tables
 * </pre>
 *
 * Dead letters (of targets and of the stream) and stream checkpoints live in DynamoDB tables next
 * to the ledger, so a persisted stack keeps them across restarts.
 *
 * <pre>{@code
 * try (LocalDynamoDb db = LocalDynamoDb.inMemory();
 *      LocalPipeline pipeline = LocalPipeline.builder(db).chaos(Chaos.typical()).build()) {
 *     EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
 *     pipeline.subscribe(balanceProjector.target());
 *     pipeline.start();
 *     accounts.execute("alice", BankAccount.credit(100));
 *     pipeline.awaitQuiet(Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String DISPATCHER_FUNCTION = "dispatcher";

    private final LocalDynamoDb dynamoDb;
    private final DynamoDbClient client;
    private final Builder config;
    private final DynamoDbLedger ledger;
    private final DynamoDbSnapshotStore snapshots;
    private final DynamoDbDeadLetterStore deadLetters;
    private final DynamoDbCheckpoints checkpoints;
    private final LocalEventBridge eventBridge;
    private final List<EventStore<?>> stores = new ArrayList<>();
    private volatile Dispatcher dispatcher;
    private EventBridgeBus publisher;
    private StreamDispatcherHandler handler;
    private volatile StreamPoller poller;

    private LocalPipeline(Builder b) {
        this.config = b;
        this.dynamoDb = b.dynamoDb;
        this.client = dynamoDb.client();
        DynamoDbTables.createIfMissing(client, TableDefinitions.ledger(table("ledger")));
        DynamoDbTables.createIfMissing(client, TableDefinitions.snapshots(table("snapshots")));
        DynamoDbTables.createIfMissing(client, TableDefinitions.keyValue(table("dead-letters")));
        DynamoDbTables.createIfMissing(client, TableDefinitions.keyValue(table("checkpoints")));
        this.ledger = new DynamoDbLedger(client, table("ledger"));
        this.snapshots = new DynamoDbSnapshotStore(client, table("snapshots"));
        this.deadLetters = new DynamoDbDeadLetterStore(client, table("dead-letters"));
        this.checkpoints = new DynamoDbCheckpoints(client, table("checkpoints"));
        this.eventBridge = LocalEventBridge.start(b.busName, b.eventBridgePort,
                DeliveryEngine.async(b.deliveryThreads, b.chaos, deadLetters),
                (kind, store, id, version) -> requireStarted().resolve(kind, store, id, version));
    }

    public static Builder builder(LocalDynamoDb dynamoDb) {
        return new Builder(dynamoDb);
    }

    /** The name of one of the stack's tables: "{prefix}-{role}". */
    public String table(String role) {
        return config.tablePrefix + "-" + role;
    }

    /** An event store on the stack's ledger and snapshot table; call before {@link #start()}. */
    public synchronized <S> EventStore<S> store(AggregateDefinition<S> definition) {
        if (dispatcher != null) {
            throw new IllegalStateException("add event stores before start(): the dispatcher is built then");
        }
        EventStore<S> s = EventStore.builder(definition, ledger).snapshots(snapshots, config.snapshotPolicy)
                .retryPolicy(config.commandRetry).clock(config.clock).build();
        stores.add(s);
        return s;
    }

    /** A rule whose event pattern comes from the target's filter. */
    public void subscribe(Target target) {
        eventBridge.subscribe(target);
    }

    /** Builds the dispatcher and starts the stream poller. */
    public synchronized LocalPipeline start() {
        if (dispatcher == null) {
            publisher = new EventBridgeBus(eventBridge.client(), config.busName);
            dispatcher = new Dispatcher(stores, publisher);
            handler = new StreamDispatcherHandler(dispatcher);
        }
        startPoller();
        return this;
    }

    /** Starts a new poller on the ledger's stream, resuming at the saved checkpoint. */
    public synchronized StreamPoller startPoller() {
        requireStarted();
        if (poller == null || !poller.isRunning()) {
            poller = StreamPoller.forTable(client, dynamoDb.streamsClient(), table("ledger"), handler,
                    DISPATCHER_FUNCTION, config.mapping, ShardCheckpoints.in(checkpoints, "stream:"), deadLetters);
            poller.start();
        }
        return poller;
    }

    /** Stops the poller, as if the event source mapping were disabled or its host killed. */
    public synchronized void stopPoller() {
        if (poller != null) {
            poller.close();
        }
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
    public boolean awaitQuiet(Duration timeout) {
        long t0 = System.currentTimeMillis();
        long deadline = t0 + timeout.toMillis();
        // a stream record becomes readable a few ms after its put: require an empty poll that
        // started comfortably after this call
        long settled = t0 + 150;
        while (System.currentTimeMillis() < deadline) {
            StreamPoller p = poller;
            if (p != null && p.lastEmptyPollStartedAt() > settled && eventBridge.inFlight() == 0) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    // --- dead letters and health -------------------------------------------------------------

    /** Every dead letter: of targets, and of the stream (target "stream:dispatcher"). */
    public List<DeadLetter> deadLetters() {
        return deadLetters.list();
    }

    /** Redrives one dead letter, to its target or to the dispatcher function. */
    public boolean redrive(String deadLetterId) {
        DeadLetter d = deadLetters.get(deadLetterId).orElse(null);
        if (d == null) {
            return false;
        }
        if (d.target().startsWith("stream:")) {
            return poller != null && poller.redrive(deadLetterId);
        }
        return eventBridge.redrive(deadLetterId);
    }

    public int redriveAll() {
        int ok = 0;
        for (DeadLetter d : deadLetters.list()) {
            ok += redrive(d.id()) ? 1 : 0;
        }
        return ok;
    }

    /** What the pipeline has done: for dashboards and the pipeline API. */
    public record Stats(StreamPoller.Stats stream, long dispatched, long dispatchFailures, long published,
                        long publishRetries, long claimChecks, List<TargetStats> targets, int deadLetters,
                        String chaos) {
    }

    public Stats stats() {
        StreamPoller p = poller;
        Dispatcher d = dispatcher;
        return new Stats(p == null ? null : p.stats(), d == null ? 0 : d.dispatchedCount(),
                d == null ? 0 : d.failureCount(), publisher == null ? 0 : publisher.publishedCount(),
                publisher == null ? 0 : publisher.retriedEntryCount(), publisher == null ? 0 : publisher.claimCheckCount(),
                eventBridge.stats(), deadLetters.size(), String.valueOf(eventBridge.chaos()));
    }

    public void chaos(Chaos chaos) {
        eventBridge.chaos(chaos);
    }

    public DynamoDbClient dynamoDbClient() {
        return client;
    }

    public DynamoDbLedger ledger() {
        return ledger;
    }

    public DynamoDbSnapshotStore snapshots() {
        return snapshots;
    }

    public LocalEventBridge eventBridge() {
        return eventBridge;
    }

    public Dispatcher dispatcher() {
        return requireStarted();
    }

    public StreamPoller poller() {
        return poller;
    }

    public List<EventStore<?>> stores() {
        return List.copyOf(stores);
    }

    @Override
    public void close() {
        stopPoller();
        eventBridge.close();
    }

    public static final class Builder {
        private final LocalDynamoDb dynamoDb;
        private String tablePrefix = "tally";
        private String busName = "tally-bus";
        private Chaos chaos = Chaos.NONE;
        private EventSourceMapping mapping = EventSourceMapping.defaults();
        private SnapshotPolicy snapshotPolicy = SnapshotPolicy.everyNEvents(100);
        private RetryPolicy commandRetry = RetryPolicy.DEFAULT;
        private int eventBridgePort;
        private int deliveryThreads = 4;
        private Clock clock = Clock.systemUTC();

        private Builder(LocalDynamoDb dynamoDb) {
            this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
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

        public Builder snapshotPolicy(SnapshotPolicy p) {
            this.snapshotPolicy = p;
            return this;
        }

        public Builder commandRetry(RetryPolicy p) {
            this.commandRetry = p;
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

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** Creates the tables (if missing) and starts the local EventBridge endpoint. */
        public LocalPipeline build() {
            return new LocalPipeline(this);
        }
    }
}
