package dev.tally.core.ledger;

/**
 * An append would leave a hole: version N was offered while N-1 is not stored. Versions are
 * contiguous, so this is a bug in the caller (an expected version that was never loaded), not a
 * race; retrying does not help.
 */
public final class VersionGap extends AppendRefused {
    private final String store;
    private final String aggregateId;
    private final long attemptedVersion;

    public VersionGap(String store, String aggregateId, long attemptedVersion, long headVersion) {
        super("version gap on " + store + "/" + aggregateId + ": cannot append version " + attemptedVersion
                + " because " + (headVersion >= 0 ? "the stream ends at version " + headVersion
                : "version " + (attemptedVersion - 1) + " is not stored")
                + "; versions are contiguous. Append at head + 1 (load the aggregate and use its version as the"
                + " expected version)");
        this.store = store;
        this.aggregateId = aggregateId;
        this.attemptedVersion = attemptedVersion;
    }

    /** When the adapter does not know the head, only that N-1 is missing. */
    public VersionGap(String store, String aggregateId, long attemptedVersion) {
        this(store, aggregateId, attemptedVersion, -1);
    }

    public String store() {
        return store;
    }

    public String aggregateId() {
        return aggregateId;
    }

    public long attemptedVersion() {
        return attemptedVersion;
    }
}
