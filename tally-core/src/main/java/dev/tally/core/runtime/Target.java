package dev.tally.core.runtime;

import dev.tally.core.internal.Names;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.message.MessageHandler;
import java.util.Objects;

/**
 * A subscriber of a routing bus: a name (unique on the bus), the filter of what it wants, the
 * handler, and its failure policy (retries before a delivery goes to the dead letters).
 */
public record Target(String name, MessageFilter filter, MessageHandler handler, FailurePolicy failurePolicy) {
    public Target {
        Names.requireStoreName(name);
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(failurePolicy, "failurePolicy");
    }

    /** A target with {@link FailurePolicy#DEFAULT}: 4 attempts, 50 ms doubling up to 1 s. */
    public static Target of(String name, MessageFilter filter, MessageHandler handler) {
        return new Target(name, filter, handler, FailurePolicy.DEFAULT);
    }

    public DeadLetterSource source() {
        return new DeadLetterSource.BusTarget(name);
    }
}
