package dev.tally.testing;

import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.EngineRoutingBus;

/** The bus contract on the in-memory bus; a "restart" is a new bus on the same (in-memory) stores. */
class InMemoryBusContractTest extends RoutingBusContract {
    @Override
    protected EngineRoutingBus newBus() {
        return InMemoryBus.async(Chaos.NONE);
    }

    @Override
    protected EngineRoutingBus restartedOnSameStores(EngineRoutingBus crashed) {
        return InMemoryBus.async(Chaos.NONE, crashed.engine().deadLetterStore(), crashed.engine().deliveryStore());
    }
}
