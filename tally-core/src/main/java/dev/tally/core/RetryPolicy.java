package dev.tally.core;

import java.time.Duration;
import java.util.Random;

/**
 * How hard to try again: used by commands racing other writers and by deliveries to failing
 * targets. At most {@code maxAttempts} attempts, sleeping a random time between 0 and
 * {@code min(maxDelay, baseDelay * 2^(attempt-1))} between them ("full jitter", so racing writers
 * spread out instead of colliding again).
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay) {
    /**
     * 100 attempts, 1 ms doubling up to 25 ms. The low cap keeps racing writers on equal terms
     * (with a high cap, a writer that lost a few times sleeps long and keeps losing to fresh
     * ones); 100 attempts make losing every round vanishingly unlikely for a handful of writers.
     */
    public static final RetryPolicy DEFAULT = new RetryPolicy(100, Duration.ofMillis(1), Duration.ofMillis(25));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (baseDelay.isNegative() || maxDelay.isNegative() || maxDelay.compareTo(baseDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= baseDelay <= maxDelay, got " + baseDelay + " and " + maxDelay);
        }
    }

    public static RetryPolicy noRetry() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /** The sleep before attempt {@code attempt + 1}, after {@code attempt} failed ones. */
    public Duration backoff(int attempt, Random random) {
        long base = baseDelay.toNanos();
        if (base == 0) {
            return Duration.ZERO;
        }
        long cap = maxDelay.toNanos();
        long ceiling = attempt >= 40 ? cap : Math.min(cap, base << Math.max(0, attempt - 1));
        if (ceiling <= 0) {
            ceiling = cap;
        }
        return Duration.ofNanos((long) (random.nextDouble() * ceiling));
    }
}
