package dev.tally.testing;

import dev.tally.core.memory.InMemoryTimerStore;
import dev.tally.core.spi.TimerStore;

/** The timer store contract in memory: every store is the same instance. */
class InMemoryTimerStoreContractTest extends TimerStoreContract {
    private final InMemoryTimerStore store = new InMemoryTimerStore();

    @Override
    protected TimerStore openStore() {
        return store;
    }
}
