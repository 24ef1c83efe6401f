package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Target;
import java.time.Duration;
import java.util.List;

/**
 * The production {@link EventBridgeBus} (real SDK client, over HTTP) publishing to a
 * {@link LocalEventBridge}, which routes: the shape of the deployed pipeline, in one JVM.
 */
final class SdkToLocalEventBridge implements AutoCloseable {
    final LocalEventBridge router;
    final EventBridgeBus publisher;

    SdkToLocalEventBridge(Chaos chaos, ClaimResolver claims) {
        this.router = LocalEventBridge.start("tally-test-bus", chaos, claims);
        this.publisher = new EventBridgeBus(router.client(), "tally-test-bus");
    }

    void publish(List<? extends Message> messages) {
        publisher.publish(messages);
    }

    void subscribe(Target target) {
        router.subscribe(target);
    }

    boolean awaitIdle(Duration timeout) {
        return router.awaitIdle(timeout);
    }

    @Override
    public void close() {
        router.close();
    }
}
