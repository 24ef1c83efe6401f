package dev.tally.core.spi;

/** Remembers how far a named subscription has read, so a restart resumes there. */
public interface CheckpointStore {

    /** The saved position, 0 when none was saved. */
    long load(String subscription);

    void save(String subscription, long position);
}
