package dev.tally.local;

import dev.tally.core.runtime.Chaos;
import dev.tally.core.message.ClaimResolver;
import dev.tally.core.runtime.RoutingBus;
import dev.tally.testing.RoutingBusContract;

/** The same contract with 30% duplicates, delays and reordering. */
class LocalEventBridgeChaosContractTest extends RoutingBusContract {
    @Override
    protected RoutingBus newBus() {
        return new SdkToLocalEventBridge(Chaos.typical(), ClaimResolver.NONE);
    }
}
