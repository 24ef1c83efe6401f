package dev.tally.core.internal;

import java.time.Duration;

/**
 * How badly a local bus behaves, to prove projectors are idempotent and order-proof: each
 * delivery is duplicated with probability {@code duplicateRate}, delayed by a random time up to
 * {@code maxDelay}, and batches are shuffled when {@code reorder} is set.
 */
public record Chaos(double duplicateRate, Duration maxDelay, boolean reorder) {
    public static final Chaos NONE = new Chaos(0, Duration.ZERO, false);

    public Chaos {
        if (duplicateRate < 0 || duplicateRate > 1) {
            throw new IllegalArgumentException("duplicateRate must be between 0 and 1, got " + duplicateRate);
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must not be negative, got " + maxDelay);
        }
    }

    /** 30% duplicates, up to 20 ms of delay, shuffled batches. */
    public static Chaos typical() {
        return new Chaos(0.3, Duration.ofMillis(20), true);
    }

    public boolean isOn() {
        return duplicateRate > 0 || !maxDelay.isZero() || reorder;
    }
}
