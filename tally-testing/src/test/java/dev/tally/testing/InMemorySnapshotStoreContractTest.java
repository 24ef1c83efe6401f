package dev.tally.testing;

import dev.tally.core.memory.InMemorySnapshotStore;
import dev.tally.core.spi.SnapshotStore;

class InMemorySnapshotStoreContractTest extends SnapshotStoreContract {
    private final InMemorySnapshotStore store = new InMemorySnapshotStore();

    @Override
    protected SnapshotStore snapshots() {
        return store;
    }
}
