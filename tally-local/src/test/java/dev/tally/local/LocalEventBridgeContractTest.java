package dev.tally.local;

import dev.tally.core.runtime.Chaos;
import dev.tally.core.message.ClaimResolver;
import dev.tally.core.runtime.RoutingBus;
import dev.tally.testing.RoutingBusContract;

/** The bus contract, published through the real SDK to the local EventBridge, routed by event-ruler. */
class LocalEventBridgeContractTest extends RoutingBusContract {
    @Override
    protected RoutingBus newBus() {
        return new SdkToLocalEventBridge(Chaos.NONE, ClaimResolver.NONE);
    }
}
