package dev.tally.core.ledger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The highest version this process has seen stored, per stream, in a bounded LRU map. Sound
 * because ledger events are never deleted: once version N was seen, N (and all below) exist for
 * good. Ledger adapters use it to skip the "is version N-1 stored?" check of an append on the hot
 * path (a command loads before it appends); forgetting an entry only costs that check once.
 */
public final class KnownVersions {
    private final Map<String, Long> highest;

    public KnownVersions(int capacity) {
        this.highest = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized void noteExists(String stream, long version) {
        highest.merge(stream, version, Math::max);
    }

    public synchronized boolean exists(String stream, long version) {
        Long h = highest.get(stream);
        return h != null && h >= version;
    }
}
