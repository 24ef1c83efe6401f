package dev.tally.core.spi;

import dev.tally.core.observe.Observability;
import java.time.Instant;
import java.util.List;

/**
 * The hook through which the pipeline reports what it does: metrics (append latency, conflicts,
 * retries and rejections per store; dispatcher batches; stream iterator age; deliveries, retries
 * and dead letters per target; the event-to-view lag) and trace spans continued from the W3C
 * {@code traceparent} stored in each event's metadata.
 *
 * <p>Core knows no metrics or tracing library: every method has a default that does nothing and
 * allocates nothing, and {@link #NONE} is what runs until an implementation is
 * {@linkplain Observability#install installed} (tally-otel has one for Micrometer and
 * OpenTelemetry; tally-aws one that writes CloudWatch Embedded Metric Format). Implementations are
 * called on hot paths from many threads: they must be thread-safe, fast and never throw.
 */
public interface Telemetry {
    /** The metadata attribute that carries the W3C trace context of the request that wrote an event. */
    String TRACEPARENT = "traceparent";

    /** Reports nothing, traces nothing. */
    Telemetry NONE = new Telemetry() {
    };

    // --- metrics ---------------------------------------------------------------------------------

    /** An append of {@code events} events to {@code store} was stored after {@code nanos}. */
    default void appended(String store, int events, long nanos) {
    }

    /** An append to {@code store} was refused with a version conflict. */
    default void conflict(String store) {
    }

    /** A command on {@code store} is decided again after a conflict or an unknown outcome. */
    default void commandRetry(String store) {
    }

    /** A command on {@code store} was rejected by its decider (nothing written). */
    default void rejected(String store) {
    }

    /** The dispatcher turned a batch of {@code size} events into messages and published them in {@code nanos}. */
    default void dispatched(int size, long nanos) {
    }

    /** How old the oldest record of a change-feed batch was when it was read (Lambda's IteratorAge). */
    default void iteratorAge(long millis) {
    }

    /** {@code target} handled a message in {@code nanos}. */
    default void delivered(String target, long nanos) {
    }

    /** A delivery to {@code target} failed and will be retried. */
    default void deliveryRetry(String target) {
    }

    /** A delivery to {@code target} failed for the last time and went to the dead letters. */
    default void deadLettered(String target) {
    }

    /** Saga {@code saga} took one step (an action performed and its reply recorded) in {@code nanos}. */
    default void sagaStep(String saga, long nanos) {
    }

    /** A view of {@code projection} was written for an event stored at {@code eventTime}: its lag is now minus that. */
    default void viewWritten(String projection, Instant eventTime) {
    }

    // --- tracing -----------------------------------------------------------------------------------

    /** The current span as a W3C {@code traceparent} (to store with an event), or null when nothing is traced. */
    default String traceparent() {
        return null;
    }

    /**
     * Starts a span and makes it current on this thread until it is closed. Its parent is the
     * current span; when there is none, the span continues {@code parentTraceparent} (the one stored
     * with the event it works on; null: a new trace).
     */
    default TraceSpan span(String name, String parentTraceparent) {
        return TraceSpan.NONE;
    }

    /**
     * Starts a span over a batch: a child of the first of {@code traceparents} (or of the current
     * span) and linked to every one of them, so each trace that reaches the batch shows it.
     */
    default TraceSpan batchSpan(String name, List<String> traceparents) {
        return TraceSpan.NONE;
    }
}
