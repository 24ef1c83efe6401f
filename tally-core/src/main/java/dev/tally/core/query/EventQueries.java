package dev.tally.core.query;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;

/**
 * Finds events across streams and stores: by event type, by correlation id, by time range, or any
 * of them together ({@link EventFilter}). An adapter's optional capability beside its
 * {@link dev.tally.core.spi.LedgerAdapter}; the {@code EventQueriesContract} in tally-testing
 * checks every implementation.
 *
 * <p>Every implementation keeps these rules:
 * <ul>
 *   <li>the order is {@link EventPosition#ORDER}: timestamp, then store, aggregate id and version,
 *       the same on every adapter and stable between calls;</li>
 *   <li>a page holds at most {@link PageRequest#size()} events and a {@code nextCursor} when more
 *       may follow; the cursor is opaque, and an event appended later with a timestamp after the
 *       cursor's is found on a later page;</li>
 *   <li>{@code since} is inclusive, {@code until} exclusive;</li>
 *   <li>archived events (moved out of the ledger by {@code tally archive}) are not found.</li>
 * </ul>
 */
public interface EventQueries {

    /** One page of the events that match {@code filter}, in {@link EventPosition#ORDER}. */
    Page<RecordedEvent> find(EventFilter filter, PageRequest page);
}
