package dev.tally.core.runtime;

import java.time.Duration;

/**
 * For tests and scripts only: waits until everything written so far has gone through the pipeline.
 * Production code never needs it (a pipeline is asynchronous by nature); tests use it instead of
 * sleeping.
 */
public interface Settling {
    /** True once nothing is pending anywhere in the pipeline; false when the timeout passed first. */
    boolean awaitQuiet(Duration timeout);
}
