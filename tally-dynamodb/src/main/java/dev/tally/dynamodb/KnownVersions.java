package dev.tally.dynamodb;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The highest version this process has seen stored, per stream, in a bounded LRU map. Sound
 * because ledger events are never deleted: once version N was seen, N (and all below) exist for
 * good. Forgetting an entry only costs one transactional append later.
 */
final class KnownVersions {
    private final Map<String, Long> highest;

    KnownVersions(int capacity) {
        this.highest = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized void noteExists(String stream, long version) {
        highest.merge(stream, version, Math::max);
    }

    synchronized boolean exists(String stream, long version) {
        Long h = highest.get(stream);
        return h != null && h >= version;
    }
}
