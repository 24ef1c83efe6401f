package dev.tally.core.memory;

import dev.tally.core.saga.Timer;
import dev.tally.core.spi.TimerStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** Timers in a map, for the in-memory pipeline (lost with the JVM, like everything in it). */
public final class InMemoryTimerStore implements TimerStore {
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    @Override
    public void schedule(Timer timer) {
        Objects.requireNonNull(timer, "timer");
        timers.putIfAbsent(timer.id(), timer);
    }

    @Override
    public void cancel(String timerId) {
        timers.remove(timerId);
    }

    @Override
    public List<Timer> due(Instant now, int limit) {
        return timers.values().stream().filter(t -> !t.dueAt().isAfter(now))
                .sorted(Comparator.comparing(Timer::dueAt).thenComparing(Timer::id)).limit(limit).toList();
    }

    @Override
    public void fired(String timerId) {
        timers.remove(timerId);
    }

    /** How many timers are stored. */
    public int size() {
        return timers.size();
    }
}
