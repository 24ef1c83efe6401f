package dev.tally.local;

import dev.tally.aws.EventBridgeBus;
import dev.tally.core.runtime.Chaos;
import dev.tally.core.message.ClaimResolver;
import dev.tally.core.runtime.DeadLetterStore;
import dev.tally.core.message.Message;
import dev.tally.core.runtime.RoutingBus;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import java.time.Duration;
import java.util.List;

/**
 * A routing bus whose publishing side is the production {@link EventBridgeBus} with the real SDK
 * client, over HTTP, to the {@link LocalEventBridge}, which routes. The shape of the deployed
 * pipeline, in one JVM.
 */
final class SdkToLocalEventBridge implements RoutingBus, AutoCloseable {
    final LocalEventBridge router;
    final EventBridgeBus publisher;

    SdkToLocalEventBridge(Chaos chaos, ClaimResolver claims) {
        this.router = LocalEventBridge.start("tally-test-bus", chaos, claims);
        this.publisher = new EventBridgeBus(router.client(), "tally-test-bus");
    }

    @Override
    public void publish(List<? extends Message> messages) {
        publisher.publish(messages);
    }

    @Override
    public void subscribe(Target target) {
        router.subscribe(target);
    }

    @Override
    public boolean unsubscribe(String targetName) {
        return router.unsubscribe(targetName);
    }

    @Override
    public DeadLetterStore deadLetters() {
        return router.deadLetters();
    }

    @Override
    public boolean redrive(String deadLetterId) {
        return router.redrive(deadLetterId);
    }

    @Override
    public int redriveAll(String targetName) {
        return router.redriveAll(targetName);
    }

    @Override
    public boolean awaitIdle(Duration timeout) {
        return router.awaitIdle(timeout);
    }

    @Override
    public List<TargetStats> stats() {
        return router.stats();
    }

    @Override
    public void close() {
        router.close();
    }
}
