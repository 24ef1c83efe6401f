package dev.tally.core;

import java.util.Objects;

/**
 * An aggregate value: its id, the version of the last event folded into it (0 when it has no
 * events), and its state.
 */
public record Aggregate<S>(String aggregateId, long version, S state) {
    public Aggregate {
        Objects.requireNonNull(aggregateId, "aggregateId");
        if (version < 0) {
            throw new IllegalArgumentException("aggregate version must be >= 0, got " + version);
        }
    }

    /** True when at least one event was written for it. */
    public boolean exists() {
        return version > 0;
    }
}
