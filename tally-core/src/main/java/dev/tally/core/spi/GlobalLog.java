package dev.tally.core.spi;

import java.util.List;

/**
 * A ledger that can be read in one global order (the in-memory ledger, PostgreSQL's global
 * sequence). A {@link CatchUpSubscription} reads it from a checkpoint.
 */
public interface GlobalLog {

    /**
     * Up to {@code limit} events after {@code position}, in ascending position order. An
     * implementation must never return an event at a position when an event at a lower position
     * may still become visible later (see the PostgreSQL adapter for how it waits out gaps).
     */
    List<LoggedEvent> readAfter(long position, int limit);
}
