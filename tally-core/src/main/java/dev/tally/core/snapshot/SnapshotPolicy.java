package dev.tally.core.snapshot;

/** When to take a snapshot. */
@FunctionalInterface
public interface SnapshotPolicy {

    /**
     * @param snapshotVersion the version of the aggregate's newest known snapshot (0: none)
     * @param version         the aggregate's version now
     */
    boolean shouldSnapshot(long snapshotVersion, long version);

    /** Never snapshot. */
    static SnapshotPolicy never() {
        return (snapshotVersion, version) -> false;
    }

    /** Snapshot once {@code n} or more events were folded since the last snapshot. */
    static SnapshotPolicy everyNEvents(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("snapshot interval must be >= 1 event, got " + n);
        }
        return (snapshotVersion, version) -> version - snapshotVersion >= n;
    }
}
