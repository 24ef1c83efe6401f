package dev.tally.testing;

import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.message.Chaos;
import dev.tally.core.message.RoutingBus;

class InMemoryBusContractTest extends RoutingBusContract {
    @Override
    protected RoutingBus newBus() {
        return InMemoryBus.async(Chaos.NONE);
    }
}
