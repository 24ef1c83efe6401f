package dev.tally.examples.counter;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventType;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;

/**
 * The counter of seed 001: one command (increment), one query (the count). The event is a delta
 * and the ledger's conditional write serialises racing increments, so none is lost.
 */
public final class Counter {
    public static final String STORE = "counter";
    public static final EventType<Incremented> INCREMENTED = EventType.of("Incremented", Incremented.class);

    /** The state: how many increments so far. */
    public record State(long count) {
    }

    /** The read model's view. */
    public record CountView(long count) {
    }

    public static final AggregateDefinition<State> DEFINITION = AggregateDefinition.builder(STORE, State.class)
            .initialState(new State(0))
            .on(INCREMENTED, (state, e) -> new State(state.count() + 1))
            .build();

    private Counter() {
    }

    public static Command<State> increment() {
        return counter -> Decision.emit(INCREMENTED, new Incremented());
    }

    /** The count read model: a view function of the counter's state. */
    public static final Projection<State, CountView> COUNT = Projection.of("count", DEFINITION, CountView.class,
            c -> new CountView(c.state().count()));

    /** The count projector over a writer (for a bus). */
    public static Projector<State, CountView> projector(ProjectionWriter<CountView> writer) {
        return new Projector<>(COUNT, writer);
    }
}
