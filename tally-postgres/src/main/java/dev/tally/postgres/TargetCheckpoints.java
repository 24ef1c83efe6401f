package dev.tally.postgres;

import dev.tally.core.spi.Checkpoint;
import dev.tally.core.spi.CheckpointStore;
import java.time.Duration;

/**
 * The checkpoint of one target's subscription ({@link PostgresTargetFeed}): saved at once after a
 * batch that handed anything to the target, otherwise at most once per {@code interval}. A saga
 * observes a few stores of a ledger that carries every app's events; without this, each batch of
 * events it passes over cost a write and a commit (a flush to disk) for nothing. What it skips is
 * harmless to read again: after a crash the subscription resumes at the last saved checkpoint, and
 * the only events between it and where it really was are events the target never receives.
 */
final class TargetCheckpoints implements CheckpointStore {
    private final CheckpointStore stored;
    private final long intervalNanos;
    private volatile boolean delivered;
    private boolean savedOnce;
    private long lastSave;
    private Checkpoint pending;

    TargetCheckpoints(CheckpointStore stored, Duration interval) {
        this.stored = stored;
        this.intervalNanos = interval.toNanos();
    }

    /** The batch being handled reaches the target: its checkpoint is saved when the batch is done. */
    void delivering() {
        delivered = true;
    }

    @Override
    public Checkpoint load(String id) {
        return stored.load(id);
    }

    @Override
    public synchronized void save(Checkpoint checkpoint) {
        long now = System.nanoTime();
        if (delivered || !savedOnce || now - lastSave >= intervalNanos) {
            stored.save(checkpoint);
            delivered = false;
            savedOnce = true;
            lastSave = now;
            pending = null;
        } else {
            pending = checkpoint;
        }
    }

    /** Saves the checkpoint still held back, if any (on close). */
    synchronized void flush() {
        if (pending != null) {
            stored.save(pending);
            pending = null;
        }
    }
}
