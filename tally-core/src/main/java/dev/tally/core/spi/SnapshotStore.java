package dev.tally.core.spi;

import dev.tally.core.snapshot.Snapshot;
import java.util.Optional;

/**
 * Keeps snapshots. Every adapter passes the {@code SnapshotStoreContract} in tally-testing.
 */
public interface SnapshotStore {

    /** Saves a snapshot; saving one that exists (same store, id, version, reducer) replaces it. */
    void save(Snapshot snapshot);

    /**
     * The newest snapshot taken by {@code reducerVersion} at a version not above
     * {@code atOrBeforeVersion}. Snapshots of other reducer versions are never returned.
     */
    Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion, long atOrBeforeVersion);

    default Optional<Snapshot> latest(String store, String aggregateId, int reducerVersion) {
        return latest(store, aggregateId, reducerVersion, Long.MAX_VALUE);
    }

    /** Removes every snapshot of one aggregate (all reducer versions); returns how many. */
    int deleteAll(String store, String aggregateId);
}
