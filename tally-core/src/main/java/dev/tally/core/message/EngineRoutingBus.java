package dev.tally.core.message;

import java.time.Duration;
import java.util.List;

/**
 * A routing bus whose deliveries, retries, dead letters and chaos are a {@link DeliveryEngine}'s:
 * subclasses only decide which targets a message goes to and look targets up by name.
 */
public abstract class EngineRoutingBus implements RoutingBus, AutoCloseable {
    protected final DeliveryEngine engine;

    protected EngineRoutingBus(DeliveryEngine engine) {
        this.engine = engine;
    }

    /** The subscribed target of that name, or null. */
    protected abstract Target target(String name);

    public void chaos(Chaos chaos) {
        engine.chaos(chaos);
    }

    public Chaos chaos() {
        return engine.chaos();
    }

    @Override
    public DeadLetterStore deadLetters() {
        return engine.deadLetters();
    }

    @Override
    public boolean redrive(String deadLetterId) {
        return engine.redrive(deadLetterId, this::target);
    }

    @Override
    public int redriveAll(String targetName) {
        return engine.redriveAll(targetName, this::target);
    }

    @Override
    public boolean awaitIdle(Duration timeout) {
        return engine.awaitIdle(timeout);
    }

    @Override
    public List<TargetStats> stats() {
        return engine.stats();
    }

    /** Deliveries pending or running (retries included). */
    public int inFlight() {
        return engine.inFlight();
    }

    @Override
    public void close() {
        engine.close();
    }
}
