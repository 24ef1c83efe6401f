package dev.tally.testing;

import dev.tally.core.memory.InMemoryDeadLetterStore;
import dev.tally.core.spi.DeadLetterStore;

class InMemoryDeadLetterStoreContractTest extends DeadLetterStoreContract {
    @Override
    protected DeadLetterStore emptyStore() {
        return new InMemoryDeadLetterStore();
    }
}
