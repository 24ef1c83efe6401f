package dev.tally.core.internal;

import java.time.Duration;

/**
 * For tests and scripts only: waits until everything written so far has gone through the pipeline.
 * Production code never needs it (a pipeline is asynchronous by nature); tests use it instead of
 * sleeping.
 */
public interface Settling {
    /** True once nothing is pending anywhere in the pipeline; false when the timeout passed first. */
    boolean awaitQuiet(Duration timeout);

    /**
     * Checks {@code quiet} every {@code every} until it holds (true) or {@code timeout} passed
     * (false, also when interrupted): the wait loop of every pipeline's {@link #awaitQuiet}.
     */
    static boolean until(java.util.function.BooleanSupplier quiet, Duration timeout, Duration every) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (quiet.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(Math.max(1, every.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
