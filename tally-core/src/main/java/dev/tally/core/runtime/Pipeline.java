package dev.tally.core.runtime;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.internal.Chaos;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;

/**
 * The one type a user starts and stops: event stores on a ledger, its change feed, the dispatcher
 * that turns each event into a state-carrying message, and the projections and targets that
 * consume them. Implemented by the in-memory pipeline, the local stack (DynamoDB Local, its stream,
 * the local EventBridge) and the PostgreSQL pipeline; on AWS the same pieces run as Lambda handlers.
 *
 * <pre>{@code
 * try (Pipeline pipeline = InMemoryPipeline.create(Chaos.NONE)) {
 *     EventStore<Account> accounts = pipeline.store(BankAccount.DEFINITION);
 *     pipeline.project(BankProjections.BALANCE, balanceWriter);
 *     pipeline.start();
 *     accounts.execute("alice", new Credit(100));
 * }
 * }</pre>
 *
 * Every implementation keeps invariant 8: nothing is acknowledged upstream while it is held only
 * in memory downstream (unless the whole pipeline is in memory by the user's choice), so a crash at
 * any instant loses nothing and every view converges after a restart with no manual action.
 */
public interface Pipeline extends AutoCloseable {

    /** An event store on this pipeline's ledger; call before {@link #start()}. */
    <S> EventStore<S> store(AggregateDefinition<S> definition);

    /**
     * Runs a projection into a writer, the way this pipeline's transport does it (behind the bus,
     * or straight off the change feed with the view and the checkpoint committed together).
     */
    <S, V> void project(Projection<S, V> projection, ProjectionWriter<V> writer);

    /** Adds a message target (a saga, a notifier) that is not a projection. */
    void subscribe(Target target);

    /** Starts the change feed and the deliveries; what a previous run left pending resumes. */
    Pipeline start();

    /** Dead letters of every consumer in the pipeline, and their redrive. */
    DeadLetters deadLetters();

    /**
     * Compares every projected view with the head of its aggregate in the ledger and, when
     * {@code repair} is set, sends the current state-carrying message of each stale aggregate to
     * that projection only.
     */
    ConvergenceCheck.Report verify(boolean repair);

    /** Stops: drains what it can within a deadline and leaves the rest stored for the next start. */
    @Override
    void close();
}
