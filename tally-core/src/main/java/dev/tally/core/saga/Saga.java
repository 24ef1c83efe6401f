package dev.tally.core.saga;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.Event;
import dev.tally.core.command.Decision;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageKind;
import java.util.Objects;
import java.util.Set;

/**
 * A saga as a value, like a {@link dev.tally.core.projection.Projection}: its name (also the name of
 * the event store that keeps its instances), the filter of the state-carrying messages it observes,
 * and its {@link ProcessManager}. A runtime binds it to stores and a timer scheduler with a
 * {@link SagaRunner}.
 *
 * <pre>{@code
 * Saga<OrderSagaEvent, OrderSagaState> ORDER_SAGA = Saga.of("order-saga", OrderSagaState.class,
 *         OrderSagaEvent.class, MessageFilter.stateOf("order"), new OrderProcess());
 * }</pre>
 */
public final class Saga<E, S> {
    private final String name;
    private final MessageFilter observes;
    private final ProcessManager<E, S> manager;
    private final AggregateDefinition<S> definition;

    private Saga(String name, Class<S> stateType, Class<E> eventType, MessageFilter observes,
                 ProcessManager<E, S> manager) {
        this.name = name;
        this.observes = Objects.requireNonNull(observes, "observes");
        this.manager = Objects.requireNonNull(manager, "manager");
        if (observes.stores().contains(name)) {
            throw new IllegalArgumentException("saga '" + name + "' observes its own store: it gets its own state"
                    + " through its runner; observe the stores of the aggregates it coordinates");
        }
        if (!observes.kinds().isEmpty() && !observes.kinds().contains(MessageKind.STATE_CARRYING)) {
            throw new IllegalArgumentException("saga '" + name + "' must observe state-carrying messages, its filter"
                    + " allows only " + observes.kinds());
        }
        this.definition = definition(name, stateType, eventType, manager);
    }

    public static <E, S> Saga<E, S> of(String name, Class<S> stateType, Class<E> eventType, MessageFilter observes,
                                       ProcessManager<E, S> manager) {
        return new Saga<>(name, stateType, eventType, observes, manager);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <E, S> AggregateDefinition<S> definition(String name, Class<S> stateType, Class<E> eventType,
                                                           ProcessManager<E, S> manager) {
        Decider<SagaInput, E, S> decider = new Decider<>() {
            @Override
            public S initialState() {
                return manager.initialState();
            }

            @Override
            public Decision<E> decide(SagaInput input, S state, dev.tally.core.DecisionContext context) {
                return manager.react(input, state);
            }

            @Override
            public S evolve(S state, Event<E> event) {
                return manager.evolve(state, event);
            }
        };
        // SagaInput is a Command<Object>: the saga's commands are its inputs whatever its state type
        return AggregateDefinition.builder(name, stateType, (Class) SagaInput.class, eventType, (Decider) decider)
                .build();
    }

    public String name() {
        return name;
    }

    /** The state-carrying messages the saga observes (only state-carrying ones reach it). */
    public MessageFilter observes() {
        return observes.kinds().isEmpty()
                ? new MessageFilter(observes.stores(), observes.eventTypes(), Set.of(MessageKind.STATE_CARRYING))
                : observes;
    }

    public ProcessManager<E, S> manager() {
        return manager;
    }

    /** The event store definition of the saga's instances: store name = saga name, commands = {@link SagaInput}. */
    public AggregateDefinition<S> definition() {
        return definition;
    }
}
