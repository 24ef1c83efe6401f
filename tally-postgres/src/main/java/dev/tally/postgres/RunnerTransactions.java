package dev.tally.postgres;

import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.DeadLetter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The transactions of one {@link PostgresProjectionRunner}, each committed or rolled back whole:
 * a batch (the checkpoint row moved from where the runner left it, and the handler's writes), a
 * dead letter (the checkpoint moved past it, nothing else written), a repair (the handler alone)
 * and a redrive (the letter removed and the handler's writes).
 */
final class RunnerTransactions {
    /** Another runner of the same name moved the checkpoint; not a failure of any event. */
    static final class CheckpointMoved extends RuntimeException {
        CheckpointMoved() {
            super("the checkpoint moved under this runner", null, false, false);
        }
    }

    @FunctionalInterface
    interface Work {
        void run(Connection c) throws Exception;
    }

    private final String name;
    private final DataSource dataSource;
    private final PostgresTables tables;
    private final PostgresCheckpointStore checkpoints;
    private final PostgresDeadLetterStore deadLetters;
    private final JdbcHandler handler;
    private final PostgresProjectionRunner.StepHook hook;

    RunnerTransactions(String name, DataSource dataSource, PostgresTables tables, PostgresCheckpointStore checkpoints,
                       PostgresDeadLetterStore deadLetters, JdbcHandler handler,
                       PostgresProjectionRunner.StepHook hook) {
        this.name = name;
        this.dataSource = dataSource;
        this.tables = tables;
        this.checkpoints = checkpoints;
        this.deadLetters = deadLetters;
        this.handler = handler;
        this.hook = hook;
    }

    /** The checkpoint from {@code from} to {@code to} and the handler's writes of {@code messages}. */
    void commit(long from, long to, List<StateCarryingMessage> messages) throws Exception {
        inTransaction("moving " + name + " past position " + to, c -> {
            move(c, from, to);
            write(c, to, messages);
        });
        reached(PostgresProjectionRunner.Step.COMMITTED, to);
    }

    /** The handler's writes of {@code messages} on a transaction whose checkpoint moves to {@code to}. */
    void write(Connection c, long to, List<StateCarryingMessage> messages) throws Exception {
        if (!messages.isEmpty()) {
            handler.handle(c, messages);
        }
        reached(PostgresProjectionRunner.Step.WRITTEN, to);
    }

    void reached(PostgresProjectionRunner.Step step, long to) {
        hook.reached(step, to);
    }

    /** The dead letter and the checkpoint past it. */
    void deadLetter(long from, long to, DeadLetter letter) throws Exception {
        inTransaction("dead-lettering " + letter.ref(), c -> {
            move(c, from, to);
            deadLetters.add(c, letter);
        });
    }

    /** One message through the handler, the checkpoint left alone (a repair). */
    void apply(StateCarryingMessage message) throws Exception {
        inTransaction("applying " + dev.tally.core.runtime.MessageRef.of(message),
                c -> handler.handle(c, List.of(message)));
    }

    /** Removes the letter and, if it was still stored, hands its message to the handler; false when it was gone. */
    boolean redrive(String letterId, StateCarryingMessage message) throws Exception {
        boolean[] removed = new boolean[1];
        inTransaction("redriving dead letter " + letterId, c -> {
            removed[0] = deadLetters.remove(c, letterId);
            if (removed[0]) {
                handler.handle(c, List.of(message));
            }
        });
        return removed[0];
    }

    private void move(Connection c, long from, long to) throws SQLException {
        if (!checkpoints.move(c, name, from, to)) {
            throw new CheckpointMoved();
        }
    }

    private void inTransaction(String doing, Work work) throws Exception {
        inTransaction(dataSource, tables, "runner " + name, doing, work);
    }

    /** Runs {@code work} in one transaction: commits when it returns, rolls back when anything is thrown. */
    static void inTransaction(DataSource dataSource, PostgresTables tables, String who, String doing, Work work)
            throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            boolean committed = false;
            try {
                work.run(c);
                c.commit();
                committed = true;
            } catch (SQLException e) {
                throw SqlErrors.failure(who + ": " + doing, tables, e);
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
}
