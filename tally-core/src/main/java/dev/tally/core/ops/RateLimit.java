package dev.tally.core.ops;

import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} permits a second, spread evenly: {@link #acquire} waits until the
 * permits asked for are due. The time source and the sleep are injectable so tests need no clock.
 */
public final class RateLimit {
    /** Sleeps for a number of nanoseconds. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final double perSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private long nextFree;
    private boolean started;

    public RateLimit(double perSecond, LongSupplier nanoTime, Sleeper sleeper) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("a rate must be a positive number of aggregates per second, got "
                    + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    public static RateLimit perSecond(double perSecond) {
        return new RateLimit(perSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000,
                (int) (nanos % 1_000_000)));
    }

    public double perSecond() {
        return perSecond;
    }

    /** Waits until {@code permits} more may go; the first call never waits. */
    public void acquire(int permits) {
        long now = nanoTime.getAsLong();
        if (!started) {
            started = true;
            nextFree = now;
        }
        long start = Math.max(now, nextFree);
        nextFree = start + (long) (permits * 1_000_000_000d / perSecond);
        long wait = start - now;
        if (wait > 0) {
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while keeping to the rate", e);
            }
        }
    }
}
