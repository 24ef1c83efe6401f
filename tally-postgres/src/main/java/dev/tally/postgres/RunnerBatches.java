package dev.tally.postgres;

import dev.tally.core.RecordedEvent;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch loop of one {@link PostgresProjectionRunner}: read after the checkpoint, build each
 * event's message at its own version, commit the batch with the checkpoint; after a failure, the
 * events one per transaction until the failing one is found, retried alone with the policy's
 * backoff and dead-lettered after its last attempt. It keeps the position this process committed.
 */
final class RunnerBatches {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresProjectionRunner.class);

    private final String name;
    private final PostgresLedger ledger;
    private final PostgresCheckpointStore checkpoints;
    private final Dispatcher dispatcher;
    private final Set<String> stores;
    private final int batchSize;
    private final FailurePolicy policy;
    private final Clock clock;
    private final DeadLetterSource source;
    private final RunnerTransactions transactions;
    private final SharedMessages shared;
    private final Random random = new Random();
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile boolean waiting;
    private volatile boolean loaded;
    private volatile long position;
    /** Failed attempts on the event right after the checkpoint; above 0 the runner handles it alone. */
    private volatile int failedAttempts;

    RunnerBatches(String name, PostgresLedger ledger, PostgresCheckpointStore checkpoints, Dispatcher dispatcher,
                  Set<String> stores, int batchSize, FailurePolicy policy, Clock clock, DeadLetterSource source,
                  RunnerTransactions transactions, SharedMessages shared) {
        this.name = name;
        this.ledger = ledger;
        this.checkpoints = checkpoints;
        this.dispatcher = dispatcher;
        this.stores = stores;
        this.batchSize = batchSize;
        this.policy = policy;
        this.clock = clock;
        this.source = source;
        this.transactions = transactions;
        this.shared = shared;
    }

    /**
     * Reads one batch after the checkpoint and commits it with the checkpoint (or, after a failure,
     * the event at the checkpoint alone), on the caller's thread.
     *
     * @return how many events the checkpoint moved past (handled or dead-lettered); 0 when there
     *         was nothing new or the event at the checkpoint failed and waits for its next attempt
     */
    synchronized int pollOnce() {
        loadedPosition();
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
            } catch (RunnerTransactions.CheckpointMoved moved) {
                throw moved;
            } catch (Exception | StackOverflowError | AssertionError | LinkageError batchFailure) {
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
        } catch (RunnerTransactions.CheckpointMoved moved) {
            long stored = checkpoints.load(name).position().asLong();
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
        } catch (RunnerTransactions.CheckpointMoved moved) {
            throw moved;
        } catch (Exception | StackOverflowError | AssertionError | LinkageError failure) {
            // an Error a handler or a reducer throws (a deep fold's StackOverflowError) is a failed attempt
            // too, as in CatchUpSubscription; any other Error (out of memory, a simulated crash) ends the poll
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
        List<StateCarryingMessage> messages = messagesOf(events);
        long to = events.get(events.size() - 1).position();
        transactions.commit(position, to, messages);
        advanced(to, events.size(), messages);
    }

    /** The position stored for this runner, read from its checkpoint row the first time. */
    synchronized long loadedPosition() {
        if (!loaded) {
            position = checkpoints.load(name).position().asLong();
            loaded = true;
        }
        return position;
    }

    /** The state-carrying message of each event of this runner's stores, at the event's own version. */
    List<StateCarryingMessage> messagesOf(List<LoggedEvent> events) {
        List<StateCarryingMessage> messages = new ArrayList<>(events.size());
        for (LoggedEvent l : events) {
            if (stores.contains(l.event().store())) {
                messages.add(shared != null ? shared.messageFor(l, dispatcher) : dispatcher.messageFor(l.event()));
            }
        }
        return messages;
    }

    /** After a commit that moved the checkpoint to {@code to} past {@code events} events: the position moves. */
    synchronized void advanced(long to, int events, List<StateCarryingMessage> messages) {
        position = to;
        handled.addAndGet(events);
        // append-to-view lag, as the bus's projectors report it (serve's /metrics histogram)
        Telemetry telemetry = Observability.telemetry();
        for (StateCarryingMessage m : messages) {
            telemetry.viewWritten(name, m.event().timestamp());
        }
    }

    /** The dead letter and the checkpoint past it, in one transaction that writes nothing else. */
    private void deadLetter(LoggedEvent e, Throwable failure, int attempts) {
        RecordedEvent event = e.event();
        DeadLetter stored = DeadLetter.ofStateOf(source, event, dispatcher::messageFor, String.valueOf(failure),
                attempts, clock.instant());
        long from = position;
        long to = e.position();
        try {
            transactions.deadLetter(from, to, stored);
        } catch (RunnerTransactions.CheckpointMoved | PostgresFailure f) {
            throw f;
        } catch (Exception other) {
            throw new IllegalStateException("runner " + name + " could not dead-letter " + event.coordinates()
                    + ": " + other, other);
        }
        position = to;
        handled.incrementAndGet();
        deadLettered.incrementAndGet();
    }

    long position() {
        return position;
    }

    String name() {
        return name;
    }

    RunnerTransactions transactions() {
        return transactions;
    }

    FailurePolicy policy() {
        return policy;
    }

    /** Whether the last read found committed events held back behind an older running transaction. */
    boolean waiting() {
        return waiting;
    }

    int failedAttempts() {
        return failedAttempts;
    }

    long handled() {
        return handled.get();
    }

    long deadLettered() {
        return deadLettered.get();
    }
}
