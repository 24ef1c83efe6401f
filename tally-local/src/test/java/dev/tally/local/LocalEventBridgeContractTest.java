package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.EngineRoutingBus;
import dev.tally.testing.RoutingBusContract;
import java.util.List;

/**
 * The bus contract, published through the production {@link EventBridgeBus} (the real SDK client,
 * over HTTP) to the local EventBridge, routed by event-ruler: the shape of the deployed pipeline.
 */
class LocalEventBridgeContractTest extends RoutingBusContract {
    private EventBridgeBus publisher;

    protected Chaos chaos() {
        return Chaos.NONE;
    }

    @Override
    protected EngineRoutingBus newBus() {
        LocalEventBridge router = LocalEventBridge.start("tally-test-bus", chaos(), ClaimResolver.NONE);
        publisher = new EventBridgeBus(router.client(), "tally-test-bus");
        return router;
    }

    @Override
    protected void publish(List<? extends Message> messages) {
        bus();
        publisher.publish(messages);
    }
}
