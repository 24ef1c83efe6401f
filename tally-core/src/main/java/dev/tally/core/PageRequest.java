package dev.tally.core;

/**
 * Asks for a page of at most {@code size} items after {@code cursor} (null for the first page).
 */
public record PageRequest(String cursor, int size) {
    public PageRequest {
        if (size < 1 || size > 10_000) {
            throw new IllegalArgumentException("page size must be 1-10000, got " + size);
        }
    }

    public static PageRequest first(int size) {
        return new PageRequest(null, size);
    }

    public PageRequest next(String nextCursor) {
        return new PageRequest(nextCursor, size);
    }
}
