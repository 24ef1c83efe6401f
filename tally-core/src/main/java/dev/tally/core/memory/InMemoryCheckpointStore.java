package dev.tally.core.memory;

import dev.tally.core.spi.CheckpointStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Checkpoints in memory (they do not survive the JVM). */
public final class InMemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Long> positions = new ConcurrentHashMap<>();

    @Override
    public long load(String subscription) {
        return positions.getOrDefault(subscription, 0L);
    }

    @Override
    public void save(String subscription, long position) {
        positions.put(subscription, position);
    }
}
