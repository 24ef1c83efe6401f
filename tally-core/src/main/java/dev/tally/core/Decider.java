package dev.tally.core;

import dev.tally.core.command.Decision;

/**
 * What an aggregate is, as a decider: its initial state, how it decides a command on a state
 * (events to append, or a typed rejection), and how each event evolves the state. Pure functions
 * of their inputs: they run again on every load and on every retry of a racing command.
 *
 * <pre>{@code
 * public final class BankAccount implements Decider<AccountCommand, AccountEvent, Account> {
 *     public Account initialState() { return Account.EMPTY; }
 *
 *     public Decision<AccountEvent> decide(AccountCommand command, Account account, DecisionContext context) {
 *         ...  return Decision.emit(new Credited(credit.amount()));  or  Decision.reject(code, message)
 *     }
 *
 *     public Account evolve(Account account, Event<AccountEvent> event) {
 *         return event.payload().applyTo(account, event);   // on Java 21: an exhaustive switch
 *     }
 * }
 * }</pre>
 *
 * @param <C> the command type: a sealed interface whose records are the commands
 * @param <E> the event type: a sealed interface whose records are the events
 * @param <S> the state, usually an immutable record
 */
public interface Decider<C, E, S> {

    S initialState();

    /**
     * Events to append (none is a valid answer), or a rejection; never a side effect. The context
     * names the aggregate and gives the store clock's time ({@link DecisionContext#now()}): read the
     * time there, never from {@code Instant.now()}, so that tests can fix it.
     */
    Decision<E> decide(C command, S state, DecisionContext context);

    /**
     * The state after one event; the event carries its version and timestamp. Return a new state:
     * never change {@code state} itself (states are shared by caches).
     */
    S evolve(S state, Event<E> event);

    /**
     * A decider from its three parts, e.g. when commands decide and events evolve themselves; for a
     * decision that reads only the command and the state.
     */
    static <C, E, S> Decider<C, E, S> of(S initialState, java.util.function.BiFunction<C, S, Decision<E>> decide,
                                         java.util.function.BiFunction<S, Event<E>, S> evolve) {
        java.util.Objects.requireNonNull(decide, "decide");
        return of(initialState, (C command, S state, DecisionContext context) -> decide.apply(command, state), evolve);
    }

    /** A decision that reads the context too (the aggregate's id, the store clock's time). */
    @FunctionalInterface
    interface Decide<C, E, S> {
        Decision<E> decide(C command, S state, DecisionContext context);
    }

    /** A decider from its three parts, its decision reading the {@link DecisionContext}. */
    static <C, E, S> Decider<C, E, S> of(S initialState, Decide<C, E, S> decide,
                                         java.util.function.BiFunction<S, Event<E>, S> evolve) {
        java.util.Objects.requireNonNull(initialState, "initialState");
        java.util.Objects.requireNonNull(decide, "decide");
        java.util.Objects.requireNonNull(evolve, "evolve");
        return new Decider<>() {
            @Override
            public S initialState() {
                return initialState;
            }

            @Override
            public Decision<E> decide(C command, S state, DecisionContext context) {
                return decide.decide(command, state, context);
            }

            @Override
            public S evolve(S state, Event<E> event) {
                return evolve.apply(state, event);
            }
        };
    }
}
