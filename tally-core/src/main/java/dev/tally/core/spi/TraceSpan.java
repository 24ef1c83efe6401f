package dev.tally.core.spi;

/** A started span, current on its thread until {@link #close} ends it. */
public interface TraceSpan extends AutoCloseable {
    /** A span that is not recorded. */
    TraceSpan NONE = new TraceSpan() {
        @Override
        public void close() {
        }
    };

    /** Marks the span failed with {@code error}. */
    default void failed(Throwable error) {
    }

    /** Adds an attribute (ignored by a span that is not recorded). */
    default void attribute(String key, String value) {
    }

    /** Ends the span and restores the span that was current before it. */
    @Override
    void close();
}
