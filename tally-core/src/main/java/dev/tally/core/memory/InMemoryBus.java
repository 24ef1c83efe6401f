package dev.tally.core.memory;

import dev.tally.core.message.Message;
import dev.tally.core.internal.Chaos;
import dev.tally.core.internal.DeliveryEngine;
import dev.tally.core.internal.EngineRoutingBus;
import dev.tally.core.runtime.Target;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A routing bus in memory: targets subscribe with a {@code MessageFilter}, deliveries are at
 * least once with per-target retries and dead letters, and it can be told to misbehave
 * ({@link Chaos}: duplicates, delays, reordering). Nothing survives the JVM.
 *
 * <pre>{@code
 * InMemoryBus bus = InMemoryBus.async(Chaos.typical());   // background delivery
 * InMemoryBus bus = InMemoryBus.manual(Chaos.typical(), 42); // deliver on drain(), seeded order
 * }</pre>
 */
public final class InMemoryBus extends EngineRoutingBus {
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    private InMemoryBus(DeliveryEngine engine) {
        super(engine);
    }

    /** Delivers on 4 background threads. */
    public static InMemoryBus async(Chaos chaos) {
        return new InMemoryBus(DeliveryEngine.async(4, chaos, new InMemoryDeadLetterStore(),
                new InMemoryDeliveryStore()));
    }

    /** Delivers on 4 background threads, keeping deliveries and dead letters in the given stores. */
    public static InMemoryBus async(Chaos chaos, dev.tally.core.spi.DeadLetterStore deadLetters,
                                    dev.tally.core.spi.DeliveryStore deliveries) {
        return new InMemoryBus(DeliveryEngine.async(4, chaos, deadLetters, deliveries));
    }

    /** Delivers only when {@link #drain()} is called, in an order fixed by {@code seed}. */
    public static InMemoryBus manual(Chaos chaos, long seed) {
        return new InMemoryBus(DeliveryEngine.manual(chaos, new InMemoryDeadLetterStore(),
                new InMemoryDeliveryStore(), seed));
    }

    @Override
    public void publish(List<? extends Message> messages) {
        List<Map.Entry<Target, Message>> pairs = new ArrayList<>();
        for (Message m : messages) {
            for (Target t : targets.values()) {
                if (t.filter().matches(m)) {
                    pairs.add(new AbstractMap.SimpleImmutableEntry<>(t, m));
                }
            }
        }
        engine.submit(pairs);
    }

    @Override
    public void subscribe(Target target) {
        if (targets.putIfAbsent(target.name(), target) != null) {
            throw new IllegalArgumentException("a target named '" + target.name() + "' is already subscribed;"
                    + " target names are unique per bus");
        }
    }

    @Override
    public boolean unsubscribe(String targetName) {
        return targets.remove(targetName) != null;
    }

    /** Manual mode: delivers everything queued; returns how many deliveries ran. */
    public int drain() {
        return engine.drain();
    }

    @Override
    protected Target target(String name) {
        return targets.get(name);
    }
}
