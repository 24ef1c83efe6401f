package dev.tally.core;

import java.util.List;
import java.util.Optional;

/**
 * One page of a listing and the cursor to ask for the next one ({@code null} on the last page).
 * Cursors are opaque strings; pass them back unchanged.
 */
public record Page<T>(List<T> items, String nextCursor) {
    public Page {
        items = List.copyOf(items);
    }

    public Optional<String> next() {
        return Optional.ofNullable(nextCursor);
    }

    public boolean isLast() {
        return nextCursor == null;
    }
}
