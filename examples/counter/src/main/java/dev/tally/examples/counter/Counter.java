package dev.tally.examples.counter;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ProjectionWriter;
import dev.tally.core.projection.Projector;

/**
 * The counter of seed 001: one command (increment), one query (the count). The event is a delta
 * and the ledger's conditional write serialises racing increments, so none is lost.
 */
public final class Counter {
    public static final String STORE = "counter";

    /** The state: how many increments so far. */
    public record State(long count) {
    }

    /** The commands: just one. */
    public sealed interface CounterCommand extends Command<State> permits Increment {
    }

    /** Add one. */
    public record Increment() implements CounterCommand {
    }

    /** The events: just one. */
    public sealed interface CounterEvent permits Incremented {
    }

    /** The read model's view. */
    public record CountView(long count) {
    }

    public static final AggregateDefinition<State> DEFINITION = AggregateDefinition.of(STORE, State.class,
            CounterCommand.class, CounterEvent.class, Decider.of(new State(0),
                    (CounterCommand command, State state) -> Decision.emit(new Incremented()),
                    (state, event) -> new State(state.count() + 1)));

    /** The count read model: a view function of the counter's state. */
    public static final Projection<State, CountView> COUNT = Projection.of("count", DEFINITION, CountView.class,
            c -> new CountView(c.state().count()));

    private Counter() {
    }

    /** The count projector over a writer (for a bus). */
    public static Projector<State, CountView> projector(ProjectionWriter<CountView> writer) {
        return new Projector<>(COUNT, writer);
    }
}
