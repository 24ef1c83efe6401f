package dev.tally.core.internal;

import dev.tally.core.message.Message;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.Target;
import dev.tally.core.runtime.TargetStats;
import dev.tally.core.spi.RoutingBus;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A routing bus whose deliveries, retries, dead letters and chaos are a {@link DeliveryEngine}'s:
 * subclasses only decide which targets a message goes to and look targets up by name.
 */
public abstract class EngineRoutingBus implements RoutingBus, AutoCloseable {
    protected final DeliveryEngine engine;

    protected EngineRoutingBus(DeliveryEngine engine) {
        this.engine = engine;
        engine.targets(this::target);
    }

    /** The subscribed target of that name, or null. */
    protected abstract Target target(String name);

    @Override
    public void sendTo(String targetName, List<? extends Message> messages) {
        Target t = target(targetName);
        if (t == null) {
            throw new IllegalArgumentException("no target named '" + targetName + "' is subscribed to this bus");
        }
        List<Map.Entry<Target, Message>> pairs = new ArrayList<>(messages.size());
        for (Message m : messages) {
            pairs.add(new AbstractMap.SimpleImmutableEntry<>(t, m));
        }
        engine.submit(pairs);
    }

    /** Schedules the deliveries a previous run of this bus left in its store; call after subscribing. */
    public int recover() {
        return engine.recover();
    }

    public void chaos(Chaos chaos) {
        engine.chaos(chaos);
    }

    public Chaos chaos() {
        return engine.chaos();
    }

    /** The dead letters of this bus's targets, and their redrive. */
    public DeadLetters deadLetters() {
        return engine.deadLetters();
    }

    /** Counters per target: deliveries, retries, dead letters. */
    public List<TargetStats> stats() {
        return engine.stats();
    }

    /** Waits until no delivery is pending or running (tests); false when the timeout passed first. */
    public boolean awaitIdle(Duration timeout) {
        return engine.awaitIdle(timeout);
    }

    /** Deliveries pending or running (retries included). */
    public int inFlight() {
        return engine.inFlight();
    }

    public DeliveryEngine engine() {
        return engine;
    }

    /** Stops accepting, drains for up to {@code drain}, leaves the rest stored. */
    public boolean shutdown(Duration drain) {
        return engine.shutdown(drain);
    }

    @Override
    public void close() {
        engine.close();
    }
}
