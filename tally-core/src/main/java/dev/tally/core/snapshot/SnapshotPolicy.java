package dev.tally.core.snapshot;

/** When to take a snapshot. */
@FunctionalInterface
public interface SnapshotPolicy {

    /**
     * @param baseVersion the version the last load started from (the snapshot's, or 0)
     * @param version     the aggregate's version now
     */
    boolean shouldSnapshot(long baseVersion, long version);

    /** Never snapshot. */
    static SnapshotPolicy never() {
        return (base, version) -> false;
    }

    /** Snapshot once {@code n} or more events were folded since the last snapshot. */
    static SnapshotPolicy everyNEvents(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("snapshot interval must be >= 1 event, got " + n);
        }
        return (base, version) -> version - base >= n;
    }
}
