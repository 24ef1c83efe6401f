package dev.tally.core.projection;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import java.util.Optional;

/**
 * Stores views of one projection, keyed by a string, each with the aggregate version it reflects.
 *
 * <p>The one rule that makes projectors idempotent and order-proof: {@link #write} stores the
 * view only when {@code version} is strictly greater than the stored one (or nothing is stored),
 * decided atomically by the storage (a conditional write, never read-then-write). Duplicates and
 * stale deliveries are therefore harmless no-ops. Every adapter passes the
 * {@code ProjectionWriterContract} in tally-testing.
 *
 * @param <V> the view type
 */
public interface ProjectionWriter<V> extends ViewReader<V> {

    /** Stores the view if {@code version} is newer than the stored one; tells which happened. */
    WriteOutcome write(String key, long version, V view);

    @Override
    Optional<Versioned<V>> read(String key);

    /** Removes a view whatever its version (to wipe a projection before a rebuild). */
    boolean delete(String key);

    /**
     * Lists every view, one page at a time, in a stable order the adapter documents (key order
     * in memory and SQL; table order on DynamoDB). For dashboards and rebuild checks, not hot paths.
     */
    @Override
    Page<Versioned<V>> list(PageRequest request);

    /** A short name for messages and metrics. */
    String name();

    enum WriteOutcome {
        /** The view was stored. */
        WRITTEN,
        /** A view of the same or a newer version was stored already; nothing changed. */
        STALE
    }
}
