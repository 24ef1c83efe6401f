package dev.tally.core.spi;

import dev.tally.core.RecordedEvent;
import dev.tally.core.runtime.FailurePolicy;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The setters of {@link CatchUpOptions} every catch-up builder shares, written once. The options only
 * some consumers honour ({@link #waitingRepoll}, {@link #onGiveUp}) are protected here: a builder that
 * honours one makes it public by overriding it.
 *
 * @param <B> the concrete builder, returned by every option for chaining
 */
public abstract class CatchUpBuilder<B extends CatchUpBuilder<B>> {
    private CatchUpOptions options;

    /** @param defaults the consumer's defaults (its javadoc names them) */
    protected CatchUpBuilder(CatchUpOptions defaults) {
        this.options = Objects.requireNonNull(defaults, "defaults");
    }

    /** The options set so far. */
    public CatchUpOptions options() {
        return options;
    }

    /** Events per poll (and per transaction of a runner); at least 1. */
    public B batchSize(int size) {
        options = options.withBatchSize(size);
        return self();
    }

    /** How long an idle consumer waits before polling again when nobody wakes it (or no notification comes). */
    public B idleWait(Duration wait) {
        options = options.withIdleWait(Objects.requireNonNull(wait, "wait"));
        return self();
    }

    /** Attempts and backoff on one failing event (default 10 attempts, 50 ms doubling up to 5 s). */
    public B failurePolicy(FailurePolicy policy) {
        options = options.withFailurePolicy(Objects.requireNonNull(policy, "policy"));
        return self();
    }

    /** How soon to poll again while events are held back behind a running transaction (default 50 ms). */
    protected B waitingRepoll(Duration wait) {
        options = options.withWaitingRepoll(Objects.requireNonNull(wait, "wait"));
        return self();
    }

    /**
     * After the failure policy's attempts on one event, hand it to {@code sink} (which must store it durably,
     * e.g. as a dead letter) and move on. Without it the event is retried forever: nothing is skipped silently.
     */
    protected B onGiveUp(Consumer<RecordedEvent> sink) {
        options = options.withOnGiveUp(sink);
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
