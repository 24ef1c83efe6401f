package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;
import dev.tally.core.RetryPolicy;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The options every catch-up consumer takes (a {@link CatchUpSubscription}, a change feed, a projection
 * runner, a pipeline's consumers), written once with their validation; {@link CatchUpBuilder} sets them.
 *
 * @param batchSize     events per poll (and per transaction of a runner), at least 1
 * @param idleWait      how long an idle consumer waits before polling again when nobody wakes it
 * @param waitingRepoll how soon to poll again while events are held back behind a running transaction
 * @param failurePolicy attempts and backoff on one failing event
 * @param onGiveUp      where an event goes after the policy's attempts; null: retry it forever
 */
public record CatchUpOptions(int batchSize, Duration idleWait, Duration waitingRepoll, FailurePolicy failurePolicy,
                             Consumer<RecordedEvent> onGiveUp) {
    /** 10 attempts on one failing event, 50 ms doubling up to 5 s. */
    public static final FailurePolicy DEFAULT_POLICY = FailurePolicy.of(new RetryPolicy(10, Duration.ofMillis(50),
            Duration.ofSeconds(5)));
    /** 100 events per poll, 500 ms idle wait, 50 ms waiting repoll, {@link #DEFAULT_POLICY}, no give-up sink. */
    public static final CatchUpOptions DEFAULT = new CatchUpOptions(100, Duration.ofMillis(500), Duration.ofMillis(50),
            DEFAULT_POLICY, null);

    public CatchUpOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        Objects.requireNonNull(idleWait, "wait");
        Objects.requireNonNull(waitingRepoll, "wait");
        Objects.requireNonNull(failurePolicy, "policy");
    }

    public CatchUpOptions withBatchSize(int size) {
        return new CatchUpOptions(size, idleWait, waitingRepoll, failurePolicy, onGiveUp);
    }

    public CatchUpOptions withIdleWait(Duration wait) {
        return new CatchUpOptions(batchSize, wait, waitingRepoll, failurePolicy, onGiveUp);
    }

    public CatchUpOptions withWaitingRepoll(Duration wait) {
        return new CatchUpOptions(batchSize, idleWait, wait, failurePolicy, onGiveUp);
    }

    public CatchUpOptions withFailurePolicy(FailurePolicy policy) {
        return new CatchUpOptions(batchSize, idleWait, waitingRepoll, policy, onGiveUp);
    }

    public CatchUpOptions withOnGiveUp(Consumer<RecordedEvent> sink) {
        return new CatchUpOptions(batchSize, idleWait, waitingRepoll, failurePolicy, sink);
    }
}
