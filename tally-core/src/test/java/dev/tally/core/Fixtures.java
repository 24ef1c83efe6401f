package dev.tally.core;

import dev.tally.core.command.Command;
import dev.tally.core.command.Decision;
import java.util.function.Function;

/** A tiny aggregate for the kernel's own tests: a tally of added numbers. */
public final class Fixtures {
    public sealed interface TotalEvent permits Added, Reset {
    }

    public record Added(long n) implements TotalEvent {
    }

    public record Reset() implements TotalEvent {
    }

    /** The state; {@code count} is also the aggregate's version (every event counts). */
    public record Total(long sum, int count) {
    }

    public sealed interface TotalCommand extends Command<Total> permits Add, Decide {
    }

    public record Add(long n) implements TotalCommand {
    }

    /** A test-only command that decides with a function (to race writers or reject on purpose). */
    public record Decide(Function<Total, Decision<TotalEvent>> decision) implements TotalCommand {
    }

    public static Total evolve(Total t, Event<TotalEvent> e) {
        if (e.payload() instanceof Added added) {
            return new Total(t.sum() + added.n(), t.count() + 1);
        }
        return new Total(0, t.count() + 1);
    }

    public static Decision<TotalEvent> decide(TotalCommand command, Total total) {
        if (command instanceof Add add) {
            return Decision.emit(new Added(add.n()));
        }
        return ((Decide) command).decision().apply(total);
    }

    /** The definition's builder, with the given evolve. */
    public static AggregateDefinition.Builder<Total> builder(
            java.util.function.BiFunction<Total, Event<TotalEvent>, Total> evolve) {
        return AggregateDefinition.builder("tally-total", Total.class, TotalCommand.class, TotalEvent.class,
                Decider.of(new Total(0, 0), Fixtures::decide, evolve));
    }

    public static final AggregateDefinition<Total> TOTAL = builder(Fixtures::evolve).build();

    private Fixtures() {
    }
}
