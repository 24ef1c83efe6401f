package dev.tally.local;

import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a Lambda event source mapping on a DynamoDB stream, as the local poller honours
 * them.
 *
 * @param batchSize           at most this many records per invocation (1-10000)
 * @param batchingWindow      wait up to this long to fill a batch (0: invoke as soon as records arrive)
 * @param maxRetryAttempts    retries of a failing batch before it goes to the on-failure destination
 * @param bisectOnError       split a failing batch in two and retry the halves, isolating bad records
 * @param maxRecordAge        records older than this skip the function and go to the on-failure destination;
 *                            negative (the default, {@link #UNLIMITED_AGE}) means no limit, as on AWS
 * @param pollInterval        how long to wait after an empty GetRecords
 * @param retryBackoff        base of the (doubling) wait between retries
 */
public record EventSourceMapping(int batchSize, Duration batchingWindow, int maxRetryAttempts, boolean bisectOnError,
                                 Duration maxRecordAge, Duration pollInterval, Duration retryBackoff) {
    /** No maximum record age (AWS's -1): a stack restarted after a long stop dispatches its whole backlog. */
    public static final Duration UNLIMITED_AGE = Duration.ofSeconds(-1);

    public EventSourceMapping {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batchSize must be 1-10000, got " + batchSize);
        }
        if (maxRetryAttempts < 0) {
            throw new IllegalArgumentException("maxRetryAttempts must be >= 0, got " + maxRetryAttempts);
        }
        Objects.requireNonNull(batchingWindow, "batchingWindow");
        Objects.requireNonNull(maxRecordAge, "maxRecordAge");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
    }

    /**
     * The retries, backoff and bisect of this mapping as the pipeline's one failure policy:
     * {@code maxRetryAttempts} retries after the first attempt, the backoff doubling from
     * {@code retryBackoff} up to 5 s.
     */
    public FailurePolicy failurePolicy() {
        Duration cap = retryBackoff.compareTo(Duration.ofSeconds(5)) > 0 ? retryBackoff : Duration.ofSeconds(5);
        return new FailurePolicy(new RetryPolicy(maxRetryAttempts + 1, retryBackoff, cap), bisectOnError);
    }

    /** Batches of 100, no window, 3 retries, bisect on error, no maximum record age, 20 ms polls. */
    public static EventSourceMapping defaults() {
        return new EventSourceMapping(100, Duration.ZERO, 3, true, UNLIMITED_AGE, Duration.ofMillis(20),
                Duration.ofMillis(50));
    }

    public EventSourceMapping withBatchSize(int size) {
        return new EventSourceMapping(size, batchingWindow, maxRetryAttempts, bisectOnError, maxRecordAge,
                pollInterval, retryBackoff);
    }

    public EventSourceMapping withBatchingWindow(Duration window) {
        return new EventSourceMapping(batchSize, window, maxRetryAttempts, bisectOnError, maxRecordAge, pollInterval,
                retryBackoff);
    }

    public EventSourceMapping withMaxRetryAttempts(int attempts) {
        return new EventSourceMapping(batchSize, batchingWindow, attempts, bisectOnError, maxRecordAge, pollInterval,
                retryBackoff);
    }

    public EventSourceMapping withMaxRecordAge(Duration age) {
        return new EventSourceMapping(batchSize, batchingWindow, maxRetryAttempts, bisectOnError, age, pollInterval,
                retryBackoff);
    }

    public EventSourceMapping withBisectOnError(boolean bisect) {
        return new EventSourceMapping(batchSize, batchingWindow, maxRetryAttempts, bisect, maxRecordAge, pollInterval,
                retryBackoff);
    }
}
