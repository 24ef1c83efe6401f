package dev.tally.postgres;

import dev.tally.core.EventStore;
import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.feed.LoggedEvent;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.projection.Projection;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.MessageRef;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *       version</em> ({@link Dispatcher#messageFor});</li>
 *   <li>opens a transaction; moves its checkpoint row from where it was to the batch's last
 *       position, only if it is still where this runner left it (a second runner of the same name
 *       waits on the row lock, then finds it moved and resumes from there);</li>
 *   <li>hands the messages to its {@link JdbcHandler} on that connection (for a projection: the
 *       row of each message, with the writer's "only when newer" conditional upsert);</li>
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
    private static final Logger LOG = LoggerFactory.getLogger(PostgresProjectionRunner.class);

    /** The default policy: 10 attempts, 50 ms doubling up to 5 s (a catch-up subscription's). */
    public static final FailurePolicy DEFAULT_POLICY = FailurePolicy.of(new RetryPolicy(10, Duration.ofMillis(50),
            Duration.ofSeconds(5)));

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
    private final PostgresLedger ledger;
    private final DataSource dataSource;
    private final PostgresCheckpointStore checkpoints;
    private final PostgresDeadLetterStore deadLetters;
    private final Dispatcher dispatcher;
    private final Set<String> stores;
    private final JdbcHandler handler;
    private final int batchSize;
    private final Duration idleWait;
    private final FailurePolicy policy;
    private final Clock clock;
    private final StepHook hook;
    private final LedgerListener listener;
    private final boolean ownsListener;
    private final DeadLetterSource source;
    private final LedgerListener.Consumer consumer;
    private final Object signal = new Object();
    private final Random random = new Random();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile boolean woken;
    private volatile boolean running;
    private volatile boolean waiting;
    private volatile boolean loaded;
    private volatile long position;
    private volatile Thread thread;
    /** Failed attempts on the event right after the checkpoint; above 0 the runner handles it alone. */
    private volatile int failedAttempts;
    /** Failed reads of the log in a row (only paces the retries). */
    private int failedReads;

    private PostgresProjectionRunner(Builder b) {
        this.name = b.name;
        this.ledger = b.ledger;
        this.dataSource = b.ledger.dataSource();
        this.checkpoints = new PostgresCheckpointStore(dataSource, b.ledger.tables());
        this.deadLetters = b.deadLetters != null ? b.deadLetters
                : new PostgresDeadLetterStore(dataSource, b.ledger.tables());
        this.dispatcher = new Dispatcher(b.stores, messages -> {
            throw new UnsupportedOperationException("a projection runner builds messages, it never publishes them");
        });
        this.stores = new TreeSet<>();
        b.stores.forEach(s -> stores.add(s.name()));
        this.handler = b.handler;
        this.batchSize = b.batchSize;
        this.idleWait = b.idleWait;
        this.policy = b.policy;
        this.clock = b.clock;
        this.hook = b.hook;
        this.ownsListener = b.listen && b.sharedListener == null;
        this.listener = !b.listen ? null
                : b.sharedListener != null ? b.sharedListener
                : new LedgerListener(b.ledger, "runner-" + b.name, b.waitingRepoll);
        this.source = new DeadLetterSource.Feed(b.name);
        this.consumer = new LedgerListener.Consumer() {
            @Override
            public void wake() {
                PostgresProjectionRunner.this.wake();
            }

            @Override
            public boolean isWaiting() {
                return waiting;
            }
        };
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
    public synchronized int pollOnce() {
        if (!loaded) {
            position = checkpoints.load(name);
            loaded = true;
        }
        int limit = failedAttempts > 0 ? 1 : batchSize;
        LogRead read = ledger.readLog(position, limit);
        waiting = read.waiting() && read.events().size() < limit;
        List<LoggedEvent> events = read.events();
        if (events.isEmpty()) {
            return 0;
        }
        try {
            if (failedAttempts > 0 || events.size() == 1) {
                return attemptAlone(events.get(0));
            }
            try {
                commit(events);
                return events.size();
            } catch (CheckpointMoved moved) {
                throw moved;
            } catch (Exception batchFailure) {
                LOG.debug("runner {}: a batch of {} failed ({}); trying its events one by one", name, events.size(),
                        batchFailure.toString());
                int done = 0;
                for (LoggedEvent e : events) {
                    int n = attemptAlone(e);
                    if (n == 0) {
                        return done;
                    }
                    done += n;
                }
                return done;
            }
        } catch (CheckpointMoved moved) {
            long stored = checkpoints.load(name);
            LOG.warn("runner {}: its checkpoint is at {}, not at {} where this runner left it: another runner of"
                    + " the same name moved it. Continuing from there; run one runner per name", name, stored,
                    position);
            position = stored;
            failedAttempts = 0;
            return 0;
        }
    }

    /** One event in its own transaction; on failure, counts the attempt and dead-letters it when the policy gives up. */
    private int attemptAlone(LoggedEvent e) {
        try {
            commit(List.of(e));
            failedAttempts = 0;
            return 1;
        } catch (CheckpointMoved moved) {
            throw moved;
        } catch (Exception failure) {
            int attempts = failedAttempts + 1;
            failedAttempts = attempts;
            boolean giveUp = policy.afterFailure(attempts, random) instanceof FailurePolicy.GiveUp;
            LOG.warn("runner {}: {} failed (attempt {} of {}){}: {}", name, e.event().coordinates(), attempts,
                    policy.maxAttempts(), giveUp ? ", dead-lettering it" : "", failure.toString());
            if (!giveUp) {
                return 0;
            }
            deadLetter(e, failure, attempts);
            failedAttempts = 0;
            return 1;
        }
    }

    /** Builds the messages, then one transaction: checkpoint, handler, commit; then the position moves. */
    private void commit(List<LoggedEvent> events) throws Exception {
        List<StateCarryingMessage> messages = new ArrayList<>(events.size());
        for (LoggedEvent l : events) {
            if (stores.contains(l.event().store())) {
                messages.add(dispatcher.messageFor(l.event()));
            }
        }
        long from = position;
        long to = events.get(events.size() - 1).position();
        inTransaction("moving " + name + " past position " + to, c -> {
            if (!checkpoints.move(c, name, from, to)) {
                throw new CheckpointMoved();
            }
            if (!messages.isEmpty()) {
                handler.handle(c, messages);
            }
            hook.reached(Step.WRITTEN, to);
        });
        hook.reached(Step.COMMITTED, to);
        position = to;
        handled.addAndGet(events.size());
        // append-to-view lag, as the bus's projectors report it (serve's /metrics histogram)
        dev.tally.core.observe.Telemetry telemetry = dev.tally.core.observe.Observability.telemetry();
        for (StateCarryingMessage m : messages) {
            telemetry.viewWritten(name, m.event().timestamp());
        }
    }

    /** The dead letter and the checkpoint past it, in one transaction that writes nothing else. */
    private void deadLetter(LoggedEvent e, Exception failure, int attempts) {
        RecordedEvent event = e.event();
        DeadLetter letter;
        try {
            letter = DeadLetter.of(source, dispatcher.messageFor(event), String.valueOf(failure), attempts,
                    clock.instant());
        } catch (RuntimeException unbuildable) {
            letter = DeadLetter.reference(source, new MessageRef(MessageKind.STATE_CARRYING, event.store(),
                    event.aggregateId(), event.version()), failure + " (and its message cannot be built: "
                    + unbuildable + ")", attempts, clock.instant());
        }
        DeadLetter stored = letter;
        long from = position;
        long to = e.position();
        try {
            inTransaction("dead-lettering " + event.coordinates(), c -> {
                if (!checkpoints.move(c, name, from, to)) {
                    throw new CheckpointMoved();
                }
                deadLetters.add(c, stored);
            });
        } catch (CheckpointMoved | PostgresFailure f) {
            throw f;
        } catch (Exception other) {
            throw new IllegalStateException("runner " + name + " could not dead-letter " + event.coordinates()
                    + ": " + other, other);
        }
        position = to;
        handled.incrementAndGet();
        deadLettered.incrementAndGet();
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection c) throws Exception;
    }

    /** Runs {@code work} in one transaction: commits when it returns, rolls back when anything is thrown. */
    private void inTransaction(String doing, Work work) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            boolean committed = false;
            try {
                work.run(c);
                c.commit();
                committed = true;
            } catch (SQLException e) {
                throw SqlErrors.failure("runner " + name + ": " + doing, ledger.tables(), e);
            } finally {
                if (!committed) {
                    rollbackQuietly(c);
                }
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection: the pool discards it
                }
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is broken: the server rolls the transaction back when it drops
        }
    }

    /** Another runner of the same name moved the checkpoint; not a failure of any event. */
    private static final class CheckpointMoved extends RuntimeException {
        CheckpointMoved() {
            super("the checkpoint moved under this runner", null, false, false);
        }
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
            inTransaction("applying " + MessageRef.of(message), c -> handler.handle(c, List.of(message)));
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
        boolean[] removed = new boolean[1];
        try {
            inTransaction("redriving dead letter " + letter.id(), c -> {
                removed[0] = deadLetters.remove(c, letter.id());
                if (removed[0]) {
                    handler.handle(c, List.of(message));
                }
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("redrive of " + letter.id() + " to runner " + name + " failed: " + e, e);
        }
        return removed[0];
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
        if (running) {
            return this;
        }
        running = true;
        Thread t = new Thread(this::run, "tally-pg-runner-" + name);
        t.setDaemon(true);
        thread = t;
        t.start();
        if (listener != null) {
            listener.register(consumer);
            if (ownsListener) {
                listener.start();
            }
        }
        return this;
    }

    private void run() {
        while (running) {
            int n;
            try {
                n = pollOnce();
                failedReads = 0;
            } catch (RuntimeException e) {
                LOG.warn("runner {}: {}", name, e.toString());
                n = 0;
                failedReads++;
            } catch (Error e) {
                // the open transaction (if any) was rolled back; the stored checkpoint is where a restart resumes
                LOG.error("runner {} stopped at position {}: {}", name, position, e.toString());
                throw e;
            }
            if (n == 0 && running) {
                int failures = Math.max(failedAttempts, failedReads);
                if (failures > 0) {
                    pause(Math.max(1, policy.retry().backoff(failures, random).toMillis()), true);
                } else {
                    boolean deaf = listener == null || !listener.isListening();
                    pause(waiting && deaf ? Math.min(idleWait.toMillis(), 50) : idleWait.toMillis(), false);
                }
            }
        }
    }

    /** Waits {@code ms}, or less when woken (unless {@code backoff}: a retry waits its whole backoff), or closed. */
    private void pause(long ms, boolean backoff) {
        long deadline = System.nanoTime() + ms * 1_000_000;
        synchronized (signal) {
            try {
                while (running && (backoff || !woken)) {
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        break;
                    }
                    signal.wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
            woken = false;
        }
    }

    /** Something was appended: poll now instead of after the idle wait. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /** Stops after the transaction in progress (which commits or rolls back whole); the checkpoint stays stored. */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        synchronized (signal) {
            signal.notifyAll();
        }
        if (listener != null) {
            listener.unregister(consumer);
            if (ownsListener) {
                listener.close();
            }
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // --- what it reports ---------------------------------------------------------------------------------

    public String name() {
        return name;
    }

    /** The position this runner has committed up to (its checkpoint, as this process knows it). */
    public long position() {
        return position;
    }

    /** Events the checkpoint moved past since start (handled or dead-lettered). */
    public long handledCount() {
        return handled.get();
    }

    public long deadLetteredCount() {
        return deadLettered.get();
    }

    /** Failed attempts on the event at the checkpoint (0 when nothing is failing). */
    public int failedAttempts() {
        return failedAttempts;
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
        Thread t = thread;
        return t != null && t.isAlive();
    }

    public static final class Builder {
        private final String name;
        private final PostgresLedger ledger;
        private final List<? extends EventStore<?>> stores;
        private final JdbcHandler handler;
        private int batchSize = 100;
        private Duration idleWait = Duration.ofSeconds(10);
        private Duration waitingRepoll = Duration.ofMillis(50);
        private FailurePolicy policy = DEFAULT_POLICY;
        private PostgresDeadLetterStore deadLetters;
        private Clock clock = Clock.systemUTC();
        private boolean listen = true;
        private LedgerListener sharedListener;
        private StepHook hook = StepHook.NONE;

        private Builder(String name, PostgresLedger ledger, List<? extends EventStore<?>> stores, JdbcHandler handler) {
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

        /** Events per transaction (default 100). */
        public Builder batchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + size);
            }
            this.batchSize = size;
            return this;
        }

        /** How long an idle runner waits for a notification before polling anyway (default 10 s). */
        public Builder idleWait(Duration wait) {
            this.idleWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /** How soon to poll again while events are held back behind a running transaction (default 50 ms). */
        public Builder waitingRepoll(Duration wait) {
            this.waitingRepoll = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /**
         * Attempts and backoff on a failing event before it is dead-lettered (default {@link #DEFAULT_POLICY}).
         * The policy's bisect flag changes nothing here: a failing batch is always narrowed down to its
         * failing event, one event per transaction.
         */
        public Builder failurePolicy(FailurePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
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

        public PostgresProjectionRunner build() {
            return new PostgresProjectionRunner(this);
        }

        /** {@code build().start()}. */
        public PostgresProjectionRunner start() {
            return build().start();
        }
    }
}
