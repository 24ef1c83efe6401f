package dev.tally.core.internal;

import dev.tally.core.runtime.TargetStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What a {@link DeliveryEngine} has done, per target and in all: for dashboards and tests. */
final class DeliveryCounters {
    /** One target's deliveries. */
    static final class Counters {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong dead = new AtomicLong();
        final AtomicLong redriven = new AtomicLong();
    }

    /** Deliveries read back from the store on recovery. */
    final AtomicLong recovered = new AtomicLong();
    /** Recovered deliveries left stored because their target is not subscribed. */
    final AtomicLong orphaned = new AtomicLong();
    private final Map<String, Counters> byTarget = new ConcurrentHashMap<>();

    Counters of(String target) {
        return byTarget.computeIfAbsent(target, t -> new Counters());
    }

    /** Every target's counts, by target name. */
    List<TargetStats> stats() {
        List<TargetStats> out = new ArrayList<>();
        byTarget.forEach((name, c) -> out.add(new TargetStats(name, c.delivered.get(), c.failed.get(), c.dead.get(),
                c.redriven.get())));
        out.sort((a, b) -> a.target().compareTo(b.target()));
        return out;
    }
}
