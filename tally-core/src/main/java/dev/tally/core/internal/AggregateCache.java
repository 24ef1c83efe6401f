package dev.tally.core.internal;

import dev.tally.core.Aggregate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Recently computed aggregates, keyed by store and id, bounded (least recently used goes first).
 * Sound without invalidation because the ledger is append-only: the aggregate at version N is
 * the same forever, so a cached aggregate is always a valid starting point to fold newer events
 * onto. It lives in one process and one reducer version; a restart or a new reducer starts cold.
 */
public final class AggregateCache {
    /** A cached aggregate and the version of its newest snapshot (0: none known). */
    public record Entry<S>(Aggregate<S> aggregate, long snapshotVersion) {
    }

    private final int capacity;
    private final Map<String, Entry<?>> entries;

    public AggregateCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry<?>> eldest) {
                return size() > AggregateCache.this.capacity;
            }
        };
    }

    @SuppressWarnings("unchecked")
    public synchronized <S> Entry<S> get(String store, String aggregateId) {
        return (Entry<S>) entries.get(key(store, aggregateId));
    }

    /** Keeps the aggregate unless a newer version of it is cached already. */
    public synchronized void put(String store, Aggregate<?> aggregate, long snapshotVersion) {
        String key = key(store, aggregate.aggregateId());
        Entry<?> current = entries.get(key);
        if (current == null || current.aggregate().version() < aggregate.version()
                || (current.aggregate().version() == aggregate.version() && current.snapshotVersion() < snapshotVersion)) {
            entries.put(key, new Entry<>(aggregate, snapshotVersion));
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    private static String key(String store, String id) {
        return store + "\u0000" + id;
    }
}
