package dev.tally.core.memory;

import dev.tally.core.snapshot.Snapshot;
import dev.tally.core.spi.SnapshotStore;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Snapshots in memory, every version kept, per reducer version. */
public final class InMemorySnapshotStore implements SnapshotStore {
    private final Map<String, NavigableMap<Long, Snapshot>> byAggregate = new ConcurrentHashMap<>();

    @Override
    public void save(Snapshot s) {
        byAggregate.computeIfAbsent(key(s.store(), s.aggregateId(), s.reducerVersion()),
                k -> new ConcurrentSkipListMap<>()).put(s.version(), s);
    }

    @Override
    public Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion, long atOrBeforeVersion) {
        NavigableMap<Long, Snapshot> versions = byAggregate.get(key(store, aggregateId, reducerVersion));
        if (versions == null) {
            return Optional.empty();
        }
        Map.Entry<Long, Snapshot> e = versions.floorEntry(atOrBeforeVersion);
        return e == null ? Optional.empty() : Optional.of(e.getValue());
    }

    @Override
    public int deleteAll(String store, String aggregateId) {
        String prefix = store + "\u0000" + aggregateId + "\u0000";
        int[] count = {0};
        byAggregate.keySet().removeIf(k -> {
            if (k.startsWith(prefix)) {
                count[0] += byAggregate.get(k).size();
                return true;
            }
            return false;
        });
        return count[0];
    }

    private static String key(String store, String id, int reducer) {
        return store + "\u0000" + id + "\u0000" + reducer;
    }
}
