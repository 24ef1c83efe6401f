package dev.tally.testing;

import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.EngineRoutingBus;
import java.time.Duration;

/** Manual delivery (seeded order, half the deliveries duplicated) keeps the contract too. */
class InMemoryManualBusContractTest extends RoutingBusContract {
    @Override
    protected EngineRoutingBus newBus() {
        return InMemoryBus.manual(new Chaos(0.5, Duration.ZERO, true), 1234);
    }
}
