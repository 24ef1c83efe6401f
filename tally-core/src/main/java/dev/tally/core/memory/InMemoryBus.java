package dev.tally.core.memory;

import dev.tally.core.message.Chaos;
import dev.tally.core.message.DeadLetterStore;
import dev.tally.core.message.DeliveryEngine;
import dev.tally.core.message.Message;
import dev.tally.core.message.RoutingBus;
import dev.tally.core.message.Target;
import dev.tally.core.message.TargetStats;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A routing bus in memory: targets subscribe with a {@code MessageFilter}, deliveries are at
 * least once with per-target retries and dead letters, and it can be told to misbehave
 * ({@link Chaos}: duplicates, delays, reordering).
 *
 * <pre>{@code
 * InMemoryBus bus = InMemoryBus.async(Chaos.typical());   // background delivery
 * InMemoryBus bus = InMemoryBus.manual(Chaos.typical(), 42); // deliver on drain(), seeded order
 * }</pre>
 */
public final class InMemoryBus implements RoutingBus, AutoCloseable {
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final DeliveryEngine engine;

    private InMemoryBus(DeliveryEngine engine) {
        this.engine = engine;
    }

    /** Delivers on 4 background threads. */
    public static InMemoryBus async(Chaos chaos) {
        return new InMemoryBus(DeliveryEngine.async(4, chaos, new InMemoryDeadLetterStore()));
    }

    /** Delivers only when {@link #drain()} is called, in an order fixed by {@code seed}. */
    public static InMemoryBus manual(Chaos chaos, long seed) {
        return new InMemoryBus(DeliveryEngine.manual(chaos, new InMemoryDeadLetterStore(), seed));
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
        return engine.redrive(deadLetterId, targets::get);
    }

    @Override
    public int redriveAll(String targetName) {
        return engine.redriveAll(targetName, targets::get);
    }

    @Override
    public boolean awaitIdle(Duration timeout) {
        return engine.awaitIdle(timeout);
    }

    @Override
    public List<TargetStats> stats() {
        return engine.stats();
    }

    @Override
    public void close() {
        engine.close();
    }
}
