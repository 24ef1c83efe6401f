package dev.tally.core.memory;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.spi.BatchHandler;
import dev.tally.core.spi.CatchUpSubscription;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.PipelineOptions;
import dev.tally.core.runtime.PipelineStores;
import dev.tally.core.runtime.Pipeline;
import dev.tally.core.internal.Settling;
import dev.tally.core.runtime.Target;
import dev.tally.core.snapshot.SnapshotPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole pipeline in memory: ledger, snapshot store, change feed (a catch-up subscription
 * woken on every append), dispatcher and bus. The fastest way to run an application, and what its
 * tests use before they move to DynamoDB Local. Nothing survives the JVM: that is the user's
 * choice when they pick this pipeline (invariant 8 holds for the chain as a whole).
 *
 * <pre>{@code
 * try (InMemoryPipeline pipeline = InMemoryPipeline.create(Chaos.NONE)) {
 *     EventStore<Account> accounts = pipeline.store(ACCOUNT);
 *     pipeline.project(BankProjections.BALANCE, new InMemoryProjectionWriter<>("balance"));
 *     pipeline.start();
 *     accounts.execute("alice", new Credit(100));
 *     pipeline.awaitQuiet(Duration.ofSeconds(5));
 * }
 * }</pre>
 */
public final class InMemoryPipeline implements Pipeline, Settling {
    private final InMemoryLedger ledger = new InMemoryLedger();
    private final InMemorySnapshotStore snapshots = new InMemorySnapshotStore();
    private final InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();
    private final InMemoryBus bus;
    private final Options options = new Options();
    private final PipelineStores stores = new PipelineStores(ledger, snapshots, options);
    private Dispatcher dispatcher;
    private CatchUpSubscription feed;

    private InMemoryPipeline(InMemoryBus bus) {
        this.bus = bus;
    }

    /** A pipeline whose bus delivers on background threads with the given chaos. */
    public static InMemoryPipeline create(Chaos chaos) {
        return new InMemoryPipeline(InMemoryBus.async(chaos));
    }

    /** The in-memory pipeline's options are set on it directly, before its stores are made. */
    private static final class Options extends PipelineOptions<Options> {
        Options() {
            super(SnapshotPolicy.everyNEvents(100));
        }
    }

    public InMemoryPipeline snapshotPolicy(SnapshotPolicy policy) {
        options.snapshotPolicy(policy);
        return this;
    }

    public InMemoryPipeline commandRetry(RetryPolicy policy) {
        options.commandRetry(policy);
        return this;
    }

    public InMemoryPipeline clock(Clock clock) {
        options.clock(clock);
        return this;
    }

    /** The keys that seal personal fields in the stores made after this call. */
    public InMemoryPipeline personalData(dev.tally.core.privacy.PersonalData personalData) {
        options.personalData(personalData);
        return this;
    }

    /** Creates an event store on this pipeline's ledger; call before {@link #start()}. */
    @Override
    public synchronized <S> EventStore<S> store(AggregateDefinition<S> definition) {
        return stores.add(definition);
    }

    @Override
    public void subscribe(Target target) {
        bus.subscribe(target);
    }

    /** Subscribes a {@link Projector} of the projection to the bus. */
    @Override
    public synchronized <S, V> void project(Projection<S, V> projection, ProjectionWriter<V> writer) {
        bus.subscribe(new Projector<>(projection, writer).target());
        stores.projected(new ConvergenceCheck.Bound<>(projection, writer,
                m -> bus.sendTo(projection.name(), java.util.List.of(m))));
    }

    @Override
    public DeadLetters deadLetters() {
        return bus.deadLetters();
    }

    @Override
    public ConvergenceCheck.Report verify(boolean repair) {
        return stores.verify(repair, 500, line -> { });
    }

    /** Starts the change feed: every append is dispatched to the bus from now on. */
    @Override
    public synchronized InMemoryPipeline start() {
        if (dispatcher == null) {
            dispatcher = new Dispatcher(stores.seal(), bus);
            feed = CatchUpSubscription.builder("in-memory-dispatcher", ledger, checkpoints,
                    BatchHandler.of(dispatcher)).idleWait(Duration.ofMillis(200)).build();
            ledger.onAppend(feed::wake);
            feed.start();
        }
        return this;
    }

    /** Waits until the feed has dispatched every stored event and the bus is idle. */
    @Override
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
    public synchronized void close() {
        if (feed != null) {
            feed.close();
        }
        bus.close();
    }
}
