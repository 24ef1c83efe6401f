package dev.tally.testing;

import dev.tally.core.spi.CheckpointStore;
import dev.tally.core.memory.InMemoryCheckpointStore;

/** In memory, "the same storage" is the same instance. */
class InMemoryCheckpointStoreContractTest extends CheckpointStoreContract {
    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();

    @Override
    protected CheckpointStore openStore() {
        return store;
    }
}
