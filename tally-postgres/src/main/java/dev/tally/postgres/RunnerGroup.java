package dev.tally.postgres;

import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.spi.CatchUpOptions;
import dev.tally.core.spi.LoggedEvent;
import dev.tally.core.spi.PollingWorker;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reader for all the projection runners of a pipeline: it reads the ledger's global order once
 * for all of them and commits every runner's view rows and checkpoint in <em>one</em> transaction,
 * instead of each runner reading the same events and committing (and waiting for the commit's
 * flush) on its own. Each runner keeps its own checkpoint row, position, handler and failure
 * policy; only the reading and the transaction are shared.
 *
 * <p>A round: the runners that are not failing read from the lowest of their positions; those
 * behind the batch's last position write the events after their own position, and all their
 * checkpoints move to that last position in the same transaction (each only if it is still where
 * the runner left it). Runners already past the batch are served by another read in the same
 * round, so a runner catching up from far behind does not hold the others back.
 *
 * <p>When the shared transaction fails (a handler threw, an event cannot be read, a checkpoint was
 * moved by someone else) it is rolled back whole and each of its runners polls alone, exactly as a
 * runner on its own thread does: the failing event is found, retried with its runner's policy and
 * dead-lettered after the last attempt, while the other runners commit their batches. A runner with
 * a failing event polls alone, after its policy's backoff, until the event is handled or
 * dead-lettered, then joins the shared reads again.
 */
final class RunnerGroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunnerGroup.class);

    private final PostgresLedger ledger;
    private final DataSource dataSource;
    private final PostgresCheckpointStore checkpoints;
    private final int batchSize;
    private final List<RunnerBatches> members;
    private final LedgerListener listener;
    private final LedgerListener.Consumer consumer;
    private final PollingWorker worker;
    private final Map<RunnerBatches, Long> retryAt = new HashMap<>();
    private final Random random = new Random();
    private volatile boolean waiting;

    /** The one reader of {@code runners}, none of them started on its own thread; null listener: poll only. */
    RunnerGroup(PostgresLedger ledger, PostgresCheckpointStore checkpoints, List<PostgresProjectionRunner> runners,
                int batchSize, Duration idleWait, LedgerListener listener) {
        this.ledger = ledger;
        this.dataSource = ledger.dataSource();
        this.checkpoints = checkpoints;
        List<RunnerBatches> joined = new ArrayList<>();
        for (PostgresProjectionRunner r : runners) {
            joined.add(r.joinedTo(this));
        }
        this.members = List.copyOf(joined);
        this.batchSize = batchSize;
        this.listener = listener;
        this.consumer = new LedgerListener.Consumer() {
            @Override
            public void wake() {
                worker.wake();
            }

            @Override
            public boolean isWaiting() {
                return waiting;
            }
        };
        // a failing runner is retried alone after its backoff; held back with nobody listening: look again soon
        this.worker = PollingWorker.builder("tally-pg-runners", this::pollOnce)
                .idle(PollingWorker.Idle.fixed(idleWait))
                .pollSoonerWhen(() -> !retryAt.isEmpty() || waiting && (listener == null || !listener.isListening()),
                        Duration.ofMillis(Math.min(idleWait.toMillis(), 50)))
                .build();
    }

    /** One round on the caller's thread; how many events the checkpoints moved past (the most of any runner). */
    synchronized int pollOnce() {
        List<RunnerBatches> ready = new ArrayList<>();
        int moved = 0;
        for (RunnerBatches m : members) {
            if (m.failedAttempts() == 0) {
                ready.add(m);
            } else if (!retryAt.containsKey(m) || System.nanoTime() - retryAt.get(m) >= 0) {
                moved = Math.max(moved, alone(m));
            }
        }
        boolean held = false;
        while (!ready.isEmpty()) {
            long from = Long.MAX_VALUE;
            for (RunnerBatches m : ready) {
                from = Math.min(from, m.loadedPosition());
            }
            LogRead read = ledger.readLog(from, batchSize);
            held |= read.waiting() && read.events().size() < batchSize;
            if (read.events().isEmpty()) {
                break;
            }
            long to = read.events().get(read.events().size() - 1).position();
            List<RunnerBatches> behind = ready.stream().filter(m -> m.position() < to).toList();
            moved = Math.max(moved, commitTogether(behind, read.events(), to));
            ready.removeAll(behind);
        }
        waiting = held;
        return moved;
    }

    /** The runners' writes and checkpoints in one transaction; after a failure, each of them alone. */
    private int commitTogether(List<RunnerBatches> behind, List<LoggedEvent> events, long to) {
        List<List<LoggedEvent>> mine = new ArrayList<>(behind.size());
        List<List<StateCarryingMessage>> messages = new ArrayList<>(behind.size());
        List<String> names = new ArrayList<>();
        List<Long> froms = new ArrayList<>();
        try {
            for (RunnerBatches m : behind) {
                long from = m.position();
                List<LoggedEvent> after = events.stream().filter(e -> e.position() > from).toList();
                mine.add(after);
                messages.add(m.messagesOf(after));
                names.add(m.name());
                froms.add(from);
            }
            RunnerTransactions.inTransaction(dataSource, ledger.tables(), "runners " + names,
                    "moving past position " + to, c -> {
                        moveCheckpoints(c, behind, names, froms, to);
                        for (int i = 0; i < behind.size(); i++) {
                            behind.get(i).transactions().write(c, to, messages.get(i));
                        }
                    });
        } catch (Exception | StackOverflowError | AssertionError | LinkageError failure) {
            // one runner's failure, an Error from its handler or fold included, must not stop the others
            LOG.debug("runners {}: a shared batch up to position {} failed ({}); each runner goes on alone", names,
                    to, failure.toString());
            int moved = 0;
            for (RunnerBatches m : behind) {
                moved = Math.max(moved, alone(m));
            }
            return moved;
        }
        int moved = 0;
        for (int i = 0; i < behind.size(); i++) {
            RunnerBatches m = behind.get(i);
            m.transactions().reached(PostgresProjectionRunner.Step.COMMITTED, to);
            m.advanced(to, mine.get(i).size(), messages.get(i));
            moved = Math.max(moved, mine.get(i).size());
        }
        return moved;
    }

    /** Every checkpoint from where its runner left it to {@code to}, or none (the transaction rolls back). */
    private void moveCheckpoints(Connection c, List<RunnerBatches> behind, List<String> names,
                                 List<Long> froms, long to) throws SQLException {
        List<String> moving = new ArrayList<>();
        List<Long> movingFrom = new ArrayList<>();
        for (int i = 0; i < behind.size(); i++) {
            if (froms.get(i) == 0) { // its row may not exist yet
                if (!checkpoints.move(c, names.get(i), 0, to)) {
                    throw new RunnerTransactions.CheckpointMoved();
                }
            } else {
                moving.add(names.get(i));
                movingFrom.add(froms.get(i));
            }
        }
        if (!moving.isEmpty() && !checkpoints.moveAll(c, moving, movingFrom, to)) {
            throw new RunnerTransactions.CheckpointMoved();
        }
    }

    /** One poll of a runner alone (its own read, transaction and failure handling); schedules its retry. */
    private int alone(RunnerBatches m) {
        int moved = m.pollOnce();
        int attempts = m.failedAttempts();
        if (attempts > 0) {
            retryAt.put(m, System.nanoTime() + m.policy().retry().backoff(attempts, random).toNanos());
        } else {
            retryAt.remove(m);
        }
        return moved;
    }

    /**
     * Starts {@code runners}: under one reader when {@code shared} and there are several, else each on
     * its own thread (then it answers null).
     */
    static RunnerGroup startAll(boolean shared, PostgresLedger ledger, PostgresCheckpointStore checkpoints,
                                Collection<PostgresProjectionRunner> runners, CatchUpOptions options,
                                LedgerListener listener) {
        if (!shared || runners.size() < 2) {
            runners.forEach(PostgresProjectionRunner::start);
            return null;
        }
        return new RunnerGroup(ledger, checkpoints, List.copyOf(runners), options.batchSize(), options.idleWait(),
                listener).start();
    }

    /** Stops the group (when there is one), then every runner. */
    static void closeAll(RunnerGroup group, Collection<PostgresProjectionRunner> runners) {
        if (group != null) {
            group.close();
        }
        runners.forEach(PostgresProjectionRunner::close);
    }

    RunnerGroup start() {
        worker.start();
        if (listener != null) {
            listener.register(consumer);
        }
        return this;
    }

    boolean isAlive() {
        return worker.isAlive();
    }

    void wake() {
        worker.wake();
    }

    /** Stops after the round in progress (its transaction commits or rolls back whole). */
    @Override
    public void close() {
        if (listener != null) {
            listener.unregister(consumer);
        }
        worker.close();
    }
}
