package dev.tally.core.memory;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Checkpoints in memory (they do not survive the JVM). */
public final class InMemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Checkpoint> checkpoints = new ConcurrentHashMap<>();

    @Override
    public Checkpoint load(String id) {
        return checkpoints.getOrDefault(id, Checkpoint.start(id));
    }

    @Override
    public void save(Checkpoint checkpoint) {
        checkpoints.put(checkpoint.id(), checkpoint);
    }
}
