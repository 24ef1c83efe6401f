package dev.tally.postgres;

import dev.tally.core.message.StateCarryingMessage;
import dev.tally.core.runtime.Dispatcher;
import dev.tally.core.spi.LoggedEvent;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-carrying messages a pipeline's projection runners built lately, by ledger position:
 * the first runner to reach an event builds its message (folds the aggregate one step and writes
 * its state as JSON), the others take that message instead of each building their own. A message
 * at a position never changes (the event at a position is immutable, and its message is the
 * aggregate at that event's own version), so sharing it changes nothing a runner writes.
 * Bounded: the oldest positions are dropped first; a runner that lags further behind builds its
 * own, as before.
 */
final class SharedMessages {
    private final int capacity;
    private final Map<Long, StateCarryingMessage> byPosition;

    SharedMessages(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.byPosition = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, StateCarryingMessage> eldest) {
                return size() > SharedMessages.this.capacity;
            }
        };
    }

    /** The message of {@code logged}: the one another runner built, or built now with {@code own}. */
    StateCarryingMessage messageFor(LoggedEvent logged, Dispatcher own) {
        Long position = logged.position();
        synchronized (this) {
            StateCarryingMessage known = byPosition.get(position);
            if (known != null) {
                return known;
            }
        }
        StateCarryingMessage built = own.messageFor(logged.event());
        synchronized (this) {
            byPosition.putIfAbsent(position, built);
        }
        return built;
    }
}
