package dev.tally.postgres;

import dev.tally.core.EventStore;
import dev.tally.core.message.Message;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.spi.CatchUpBuilder;
import dev.tally.core.spi.CatchUpOptions;
import dev.tally.core.spi.PollingWorker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Runs a projection straight off the ledger's global order and commits each batch's view rows and
 * its checkpoint in <em>one</em> JDBC transaction: exactly-once for SQL read models (the model of
 * Akka Projections' {@code JdbcProjection.exactlyOnce}). Nothing sits in memory between the
 * checkpoint and the view: no bus, no queue.
 *
 * <pre>{@code
 * PostgresProjectionRunner balance = PostgresProjectionRunner.builder(BALANCE, balanceTable, ledger, accounts)
 *         .start();
 * }</pre>
 *
 * <p>For each batch read after its checkpoint (woken by LISTEN/NOTIFY, like {@link PostgresChangeFeed}):
 * <ol>
 *   <li>it builds the state-carrying message of each event of its stores <em>at that event's own
 *       version</em> ({@link Dispatcher#messageFor}; a pipeline's runners build each one once);</li>
 *   <li>opens a transaction; moves its checkpoint row from where it was to the batch's last
 *       position, only if it is still where this runner left it (a second runner of the same name
 *       waits on the row lock, then finds it moved and resumes from there);</li>
 *   <li>hands the messages to its {@link JdbcHandler} on that connection (for a projection: the
 *       newest row of each key, "only when newer" conditional upserts in one JDBC batch);</li>
 *   <li>commits, and only then moves its position in memory.</li>
 * </ol>
 * A crash before the commit leaves neither the rows nor the checkpoint; a crash after it leaves
 * both; a restarted runner resumes at the stored checkpoint, so each event's effect is committed
 * exactly once.
 *
 * <p><b>Failures</b> follow the {@link FailurePolicy}. A failing batch is rolled back whole and its
 * events are retried one per transaction until the one that fails is found; that event is retried
 * alone with the policy's backoff (the checkpoint stays before it, its row unchanged). After the
 * last attempt it becomes a dead letter (source {@link DeadLetterSource.Feed Feed(name)}) in
 * {@code tally_dead_letters}, and the checkpoint moves past it in the same transaction, which
 * writes nothing else. A redrive ({@link #redrive}) writes the view and removes the dead letter in
 * one transaction. An event whose message cannot be built at all (an unreadable ledger record) is
 * dead-lettered as a reference to the ledger.
 */
public final class PostgresProjectionRunner implements AutoCloseable {
    /** The default policy: 10 attempts, 50 ms doubling up to 5 s (a catch-up subscription's). */
    public static final FailurePolicy DEFAULT_POLICY = CatchUpOptions.DEFAULT_POLICY;

    /** Step boundaries of a batch's transaction, for crash tests. */
    enum Step {
        /** The handler wrote and the checkpoint row moved, nothing is committed yet. */
        WRITTEN,
        /** The transaction committed; the position in memory has not moved yet. */
        COMMITTED
    }

    /** A test seam called at each {@link Step}; a crash test throws an Error from it. */
    @FunctionalInterface
    interface StepHook {
        StepHook NONE = (step, to) -> { };

        void reached(Step step, long position);
    }

    private final String name;
    private final PostgresDeadLetterStore deadLetters;
    private final Dispatcher dispatcher;
    private final Set<String> stores;
    private final JdbcHandler handler;
    private final LedgerListener listener;
    private final boolean ownsListener;
    private final DeadLetterSource source;
    private final LedgerListener.Consumer consumer;
    private final RunnerTransactions transactions;
    private final RunnerBatches batches;
    private final PollingWorker worker;
    /** The pipeline's one reader that polls this runner with the others, instead of a thread of its own. */
    private volatile RunnerGroup group;

    private PostgresProjectionRunner(Builder b) {
        this.name = b.name;
        CatchUpOptions o = b.options();
        DataSource dataSource = b.ledger.dataSource();
        PostgresCheckpointStore checkpoints = new PostgresCheckpointStore(dataSource, b.ledger.tables());
        this.deadLetters = b.deadLetters != null ? b.deadLetters : new PostgresDeadLetterStore(dataSource, b.ledger.tables());
        this.dispatcher = new Dispatcher(b.stores, messages -> {
            throw new UnsupportedOperationException("a projection runner builds messages, it never publishes them");
        });
        this.stores = new TreeSet<>(b.stores.stream().map(EventStore::name).toList());
        this.handler = b.handler;
        this.ownsListener = b.listen && b.sharedListener == null;
        this.listener = !b.listen ? null
                : b.sharedListener != null ? b.sharedListener
                : new LedgerListener(b.ledger, "runner-" + b.name, o.waitingRepoll());
        this.source = new DeadLetterSource.Feed(b.name);
        this.transactions = new RunnerTransactions(name, dataSource, b.ledger.tables(), checkpoints, deadLetters,
                handler, b.hook);
        this.batches = new RunnerBatches(name, b.ledger, checkpoints, dispatcher, stores, o.batchSize(),
                o.failurePolicy(), b.clock, source, transactions, b.sharedMessages);
        this.consumer = new LedgerListener.Consumer() {
            @Override
            public void wake() {
                PostgresProjectionRunner.this.wake();
            }

            @Override
            public boolean isWaiting() {
                return batches.waiting();
            }
        };
        // held back behind a running transaction with nobody listening: look again soon
        this.worker = PollingWorker.builder("tally-pg-runner-" + name, this::pollOnce)
                .idle(PollingWorker.Idle.fixed(o.idleWait())).failurePolicy(o.failurePolicy()).heldFailures(batches::failedAttempts)
                .pollSoonerWhen(() -> batches.waiting() && (listener == null || !listener.isListening()),
                        Duration.ofMillis(Math.min(o.idleWait().toMillis(), 50)))
                .build();
    }

    /** A runner of {@code projection} into {@code writer}, reading the aggregates of {@code store}. */
    public static <S, V> Builder builder(Projection<S, V> projection, JdbcProjectionWriter<V> writer,
                                         PostgresLedger ledger, EventStore<S> store) {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(store, "store");
        if (!store.name().equals(projection.store())) {
            throw new IllegalArgumentException("projection " + projection.name() + " reads store '"
                    + projection.store() + "' but the runner was given the event store '" + store.name()
                    + "': pass the EventStore of " + projection.store());
        }
        return new Builder(projection.name(), ledger, List.of(store), JdbcHandler.projecting(projection, writer));
    }

    /**
     * A runner of any {@link JdbcHandler} over the events of {@code stores} (events of other stores
     * are passed over). {@code name} names its checkpoint row and its dead letters: unique among the
     * consumers of the ledger.
     */
    public static Builder builder(String name, PostgresLedger ledger, List<? extends EventStore<?>> stores,
                                  JdbcHandler handler) {
        return new Builder(name, ledger, stores, handler);
    }

    // --- the loop ------------------------------------------------------------------------------------

    /**
     * Reads one batch after the checkpoint and commits it with the checkpoint (or, after a failure,
     * the event at the checkpoint alone), on the caller's thread.
     *
     * @return how many events the checkpoint moved past (handled or dead-lettered); 0 when there
     *         was nothing new or the event at the checkpoint failed and waits for its next attempt
     */
    public int pollOnce() {
        return batches.pollOnce();
    }

    // --- repair and redrive --------------------------------------------------------------------------

    /**
     * Hands one message to the handler in a transaction of its own, leaving the checkpoint alone:
     * how a convergence check repairs a view (a projection's conditional write makes it harmless
     * when the view is already as new).
     */
    public void apply(StateCarryingMessage message) {
        Objects.requireNonNull(message, "message");
        requireMine(message);
        try {
            transactions.apply(message);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("runner " + name + " could not apply " + MessageRef.of(message) + ": " + e,
                    e);
        }
    }

    /**
     * Hands a dead letter of this runner to the handler again and removes it from the store, in one
     * transaction: a redrive applies once, or not at all. The message is read back from the ledger
     * when the letter kept only its reference.
     *
     * @return false when the letter was no longer stored (someone else redrove or removed it)
     * @throws RuntimeException when the handler fails again (the letter stays)
     */
    public boolean redrive(DeadLetter letter) {
        if (!source.equals(letter.source())) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " came from " + letter.source()
                    + ", not from this runner (" + source + ")");
        }
        Message m = letter.resolve(dispatcher);
        if (!(m instanceof StateCarryingMessage message)) {
            throw new IllegalArgumentException("dead letter " + letter.id() + " holds a " + m.kind().wireName()
                    + " message; runner " + name + " handles state-carrying messages only");
        }
        requireMine(message);
        try {
            return transactions.redrive(letter.id(), message);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("redrive of " + letter.id() + " to runner " + name + " failed: " + e, e);
        }
    }

    private void requireMine(StateCarryingMessage message) {
        if (!stores.contains(message.store())) {
            throw new IllegalArgumentException("runner " + name + " handles the stores " + stores + ", not "
                    + MessageRef.of(message));
        }
    }

    // --- the thread ------------------------------------------------------------------------------------

    /** Polls on a background thread until closed, woken by LISTEN/NOTIFY. */
    public synchronized PostgresProjectionRunner start() {
        if (worker.isRunning() || group != null) {
            return this;
        }
        worker.start();
        if (listener != null) {
            listener.register(consumer);
            if (ownsListener) {
                listener.start();
            }
        }
        return this;
    }

    /** Something was appended: poll now instead of after the idle wait. */
    public void wake() {
        RunnerGroup g = group;
        if (g != null) {
            g.wake();
        } else {
            worker.wake();
        }
    }

    /** Polled from now on by {@code g} with the pipeline's other runners (before {@link #start()}). */
    synchronized RunnerBatches joinedTo(RunnerGroup g) {
        if (worker.isRunning()) {
            throw new IllegalStateException("runner " + name + " already polls on its own thread");
        }
        this.group = g;
        return batches;
    }

    /** Stops after the transaction in progress (which commits or rolls back whole); the checkpoint stays stored. */
    @Override
    public void close() {
        if (listener != null) {
            listener.unregister(consumer);
            if (ownsListener) {
                listener.close();
            }
        }
        worker.close();
    }

    // --- what it reports ---------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    /** The position this runner has committed up to (its checkpoint, as this process knows it). */
    public long position() {
        return batches.position();
    }

    /** Events the checkpoint moved past since start (handled or dead-lettered). */
    public long handledCount() {
        return batches.handled();
    }

    public long deadLetteredCount() {
        return batches.deadLettered();
    }

    /** Failed attempts on the event at the checkpoint (0 when nothing is failing). */
    public int failedAttempts() {
        return batches.failedAttempts();
    }

    /** The dead-letter source of this runner's letters: {@code Feed(name)}. */
    public DeadLetterSource source() {
        return source;
    }

    public PostgresDeadLetterStore deadLetterStore() {
        return deadLetters;
    }

    /** Whether the thread is running (false before start, after close, or after it died). */
    public boolean isAlive() {
        RunnerGroup g = group;
        return g != null ? g.isAlive() : worker.isAlive();
    }

    /**
     * Defaults: 100 events per transaction, 10 s idle wait, 50 ms waiting repoll, {@link #DEFAULT_POLICY}. The
     * policy's bisect flag changes nothing here: a failing batch is always narrowed down to its failing event,
     * one event per transaction, which is dead-lettered after the policy's attempts.
     */
    public static final class Builder extends CatchUpBuilder<Builder> {
        private final String name;
        private final PostgresLedger ledger;
        private final List<? extends EventStore<?>> stores;
        private final JdbcHandler handler;
        private PostgresDeadLetterStore deadLetters;
        private Clock clock = Clock.systemUTC();
        private boolean listen = true;
        private LedgerListener sharedListener;
        private StepHook hook = StepHook.NONE;
        private SharedMessages sharedMessages;

        private Builder(String name, PostgresLedger ledger, List<? extends EventStore<?>> stores, JdbcHandler handler) {
            super(CatchUpOptions.DEFAULT.withIdleWait(Duration.ofSeconds(10)));
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a runner needs a name (it names its checkpoint row and its dead"
                        + " letters), got '" + name + "'");
            }
            this.name = name;
            this.ledger = Objects.requireNonNull(ledger, "ledger");
            this.stores = List.copyOf(Objects.requireNonNull(stores, "stores"));
            if (this.stores.isEmpty()) {
                throw new IllegalArgumentException("runner " + name + " was given no event store: pass the stores"
                        + " whose events it handles (their messages are built from them)");
            }
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        @Override
        public Builder waitingRepoll(Duration wait) {
            return super.waitingRepoll(wait);
        }

        /** Where dead letters go (default: {@code tally_dead_letters} of the ledger's tables); must be the same database. */
        public Builder deadLetters(PostgresDeadLetterStore store) {
            this.deadLetters = Objects.requireNonNull(store, "store");
            return this;
        }

        /** The clock of dead letters' failure time. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Whether to LISTEN for appends (default true); without it the runner polls every idle wait. */
        public Builder listen(boolean listen) {
            this.listen = listen;
            return this;
        }

        /** Listens through a listener shared with other consumers of the ledger (a pipeline's). */
        Builder listener(LedgerListener shared) {
            this.sharedListener = Objects.requireNonNull(shared, "shared");
            return this;
        }

        /** Crash tests: a hook at each step boundary of a batch's transaction. */
        Builder stepHook(StepHook hook) {
            this.hook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Messages built once for all the runners of a pipeline. */
        Builder sharedMessages(SharedMessages shared) {
            this.sharedMessages = Objects.requireNonNull(shared, "shared");
            return this;
        }

        public PostgresProjectionRunner build() {
            return new PostgresProjectionRunner(this);
        }

        /** {@code build().start()}. */
        public PostgresProjectionRunner start() {
            return build().start();
        }
    }
}
