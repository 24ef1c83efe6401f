package dev.tally.testing;

import dev.tally.core.memory.InMemoryBus;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.EngineRoutingBus;
import java.time.Duration;

/** The contract holds with duplicates, delays and reordering on. */
class InMemoryChaoticBusContractTest extends RoutingBusContract {
    @Override
    protected EngineRoutingBus newBus() {
        return InMemoryBus.async(new Chaos(0.3, Duration.ofMillis(5), true));
    }
}
