package dev.tally.core.saga;

import dev.tally.core.Event;
import dev.tally.core.command.Decision;
import java.util.List;
import java.util.Optional;

/**
 * A saga (process manager) as a decider: pure functions of their inputs, like
 * {@link dev.tally.core.Decider}, plus two of its own. Its state is an event-sourced aggregate in
 * the ledger (replayable, visible with {@code tally events}, snapshot-able); the runner does the
 * side effects its state asks for.
 *
 * <ul>
 *   <li>{@link #instanceOf} correlates a message of an observed store with a saga instance (its
 *       aggregate id), or says the message is not for this saga;</li>
 *   <li>{@link #react} decides the saga's events for an input: an observed message, the reply to one
 *       of its actions, a timer that came due;</li>
 *   <li>{@link #evolve} folds one of its events into its state;</li>
 *   <li>{@link #todo} lists what the state asks to be done now (commands to send, timers to set or
 *       cancel): the runner does each and feeds its outcome back as {@link SagaInput.Replied}.</li>
 * </ul>
 *
 * Compensations are ordinary {@link SagaAction.Send}s that {@code todo} lists once the saga failed,
 * in reverse order of the steps it took.
 *
 * @param <E> the saga's event type (a sealed interface of records)
 * @param <S> its state (an immutable record, serialisable as JSON)
 */
public interface ProcessManager<E, S> {

    S initialState();

    /** The saga instance an observed message belongs to; empty when it is not for this saga. */
    Optional<String> instanceOf(SagaInput.Observed message);

    /** Events to append to the instance's stream (none is a valid answer); never a side effect. */
    Decision<E> react(SagaInput input, S state);

    /** The state after one event; return a new state, never change {@code state}. */
    S evolve(S state, Event<E> event);

    /** What must be done now, in order; empty when the saga waits or is over. */
    List<SagaAction> todo(S state);
}
