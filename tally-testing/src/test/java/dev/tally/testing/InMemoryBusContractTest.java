package dev.tally.testing;

import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.runtime.EngineRoutingBus;

class InMemoryBusContractTest extends RoutingBusContract {
    @Override
    protected EngineRoutingBus newBus() {
        return InMemoryBus.async(Chaos.NONE);
    }
}
