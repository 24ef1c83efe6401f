package dev.tally.core.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies of each delivery being attempted in this process (chaos duplicates, or the same message
 * accepted again while a copy is retrying): the stored delivery is forgotten only when the last
 * copy finishes, so one copy's dead letter never drops another copy that was acknowledged.
 */
final class LiveCopies {
    private final Map<String, AtomicInteger> live = new ConcurrentHashMap<>();

    /** Adds {@code delta} to the copies of a delivery in flight here; true when none is left. */
    boolean add(String id, int delta) {
        boolean[] none = {false};
        live.compute(id, (k, n) -> {
            int next = (n == null ? 0 : n.get()) + delta;
            if (next <= 0) {
                none[0] = true;
                return null;
            }
            if (n == null) {
                return new AtomicInteger(next);
            }
            n.set(next);
            return n;
        });
        return none[0];
    }
}
