package dev.tally.core.spi;

import java.util.Objects;

/** Remembers how far a named consumer has read, so a restart resumes there. */
public interface CheckpointStore {

    /** The saved checkpoint of {@code id}; {@link Checkpoint#start} when none was saved. */
    Checkpoint load(String id);

    /** Keeps {@code checkpoint} as its consumer's position, replacing what was saved before. */
    void save(Checkpoint checkpoint);

    /**
     * This store seen under a prefix: the checkpoint {@code id} is kept as {@code prefix + id}, so
     * several kinds of consumer (stream shards, subscriptions) share one table without colliding.
     */
    default CheckpointStore prefixed(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        CheckpointStore stored = this;
        return new CheckpointStore() {
            @Override
            public Checkpoint load(String id) {
                return new Checkpoint(id, stored.load(prefix + id).position());
            }

            @Override
            public void save(Checkpoint checkpoint) {
                stored.save(new Checkpoint(prefix + checkpoint.id(), checkpoint.position()));
            }
        };
    }
}
