package dev.tally.core.message;

import dev.tally.core.Names;
import dev.tally.core.RetryPolicy;
import java.util.Objects;

/**
 * A subscriber of a routing bus: a name (unique on the bus), the filter of what it wants, the
 * handler, and how often a failing delivery is retried before it goes to the dead letters.
 */
public record Target(String name, MessageFilter filter, MessageHandler handler, RetryPolicy retryPolicy) {
    /** 4 attempts, 50 ms doubling up to 1 s. */
    public static final RetryPolicy DEFAULT_RETRY = new RetryPolicy(4, java.time.Duration.ofMillis(50),
            java.time.Duration.ofSeconds(1));

    public Target {
        Names.requireStoreName(name);
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
    }

    public static Target of(String name, MessageFilter filter, MessageHandler handler) {
        return new Target(name, filter, handler, DEFAULT_RETRY);
    }
}
