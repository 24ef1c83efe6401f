package dev.tally.core.memory;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.feed.BatchHandler;
import dev.tally.core.feed.CatchUpSubscription;
import dev.tally.core.message.Chaos;
import dev.tally.core.message.Dispatcher;
import dev.tally.core.message.Target;
import dev.tally.core.snapshot.SnapshotPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole pipeline in memory: ledger, snapshot store, change feed (a catch-up subscription
 * woken on every append), dispatcher and bus. The fastest way to run an application, and what its
 * tests use before they move to DynamoDB Local.
 *
 * <pre>{@code
 * try (InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.NONE)) {
 *     EventStore<Account> accounts = pipeline.store(ACCOUNT);
 *     pipeline.subscribe(balanceProjector.target());
 *     pipeline.start();
 *     accounts.execute("alice", credit(100));
 *     pipeline.awaitQuiet(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class InMemoryPipeline implements AutoCloseable {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    private final InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();
    private final InMemoryBus bus;
    private final List<EventStore<?>> stores = new ArrayList<>();
    private SnapshotPolicy snapshotPolicy = SnapshotPolicy.everyNEvents(100);
    private RetryPolicy commandRetry = RetryPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private Dispatcher dispatcher;
    private CatchUpSubscription feed;

    private InMemoryPipeline(InMemoryBus bus) {
        this.bus = bus;
    }

    /** A pipeline whose bus delivers on background threads with the given chaos. */
    public static InMemoryPipeline create(Chaos chaos) {
        return new InMemoryPipeline(InMemoryBus.async(chaos));
    }

    public InMemoryPipeline snapshotPolicy(SnapshotPolicy policy) {
        this.snapshotPolicy = policy;
        return this;
    }

    public InMemoryPipeline commandRetry(RetryPolicy policy) {
        this.commandRetry = policy;
        return this;
    }

    public InMemoryPipeline clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Creates an event store on this pipeline's ledger; call before {@link #start()}. */
    public synchronized <S> EventStore<S> store(AggregateDefinition<S> definition) {
        if (dispatcher != null) {
            throw new IllegalStateException("add event stores before start(): the dispatcher is built then");
        }
        EventStore<S> store = EventStore.builder(definition, ledger).snapshots(snapshots, snapshotPolicy)
                .retryPolicy(commandRetry).clock(clock).build();
        stores.add(store);
        return store;
    }

    public void subscribe(Target target) {
        bus.subscribe(target);
    }

    /** Starts the change feed: every append is dispatched to the bus from now on. */
    public synchronized InMemoryPipeline start() {
        if (dispatcher == null) {
            dispatcher = new Dispatcher(stores, bus);
            feed = CatchUpSubscription.builder("in-memory-dispatcher", ledger, checkpoints,
                    BatchHandler.of(dispatcher)).idleWait(Duration.ofMillis(200)).build();
            ledger.onAppend(feed::wake);
            feed.start();
        }
        return this;
    }

    /** Waits until the feed has dispatched every stored event and the bus is idle. */
    public boolean awaitQuiet(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (feed.position() >= ledger.size()
                    && bus.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                    && feed.position() >= ledger.size()) {
                return true;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    public InMemoryLedger ledger() {
        return ledger;
    }

    public InMemorySnapshotStore snapshots() {
        return snapshots;
    }

    public InMemoryBus bus() {
        return bus;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.close();
        }
        bus.close();
    }
}
