package dev.tally.core;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventType;

/** A tiny aggregate for the kernel's own tests: a tally of added numbers. */
public final class Fixtures {
    public record Added(long n) {
    }

    public record Reset() {
    }

    public record Total(long sum, int count) {
    }

    public static final EventType<Added> ADDED = EventType.of("Added", Added.class);
    public static final EventType<Reset> RESET = EventType.of("Reset", Reset.class);

    static AggregateDefinition.Builder<Total> builder() {
        return AggregateDefinition.builder("tally-total", Total.class)
                .initialState(new Total(0, 0))
                .on(ADDED, (t, e) -> new Total(t.sum() + e.payload().n(), t.count() + 1))
                .on(RESET, (t, e) -> new Total(0, t.count() + 1));
    }

    public static final AggregateDefinition<Total> TOTAL = builder().build();

    private Fixtures() {
    }
}
