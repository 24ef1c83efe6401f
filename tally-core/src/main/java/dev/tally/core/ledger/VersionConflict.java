package dev.tally.core.ledger;

import dev.tally.core.RecordedEvent;
import java.util.Optional;

/**
 * Another writer already stored this version: the append lost the race and nothing was written.
 * Reload the aggregate, decide again and append after the new head; {@code EventStore.execute}
 * does this for you.
 */
public final class VersionConflict extends AppendRefused {
    private final String store;
    private final String aggregateId;
    private final long attemptedVersion;
    private final transient RecordedEvent existing;

    public VersionConflict(String store, String aggregateId, long attemptedVersion, RecordedEvent existing) {
        super("version conflict on " + store + "/" + aggregateId + ": version " + attemptedVersion
                + " is already stored" + (existing == null ? "" : " (as " + existing.type() + ")")
                + "; another writer got there first. Reload the aggregate and decide again"
                + " (EventStore.execute retries this for you)");
        this.store = store;
        this.aggregateId = aggregateId;
        this.attemptedVersion = attemptedVersion;
        this.existing = existing;
    }

    /**
     * A race detected without knowing the winner (e.g. DynamoDB's TransactionConflict: another
     * write on the same item was in flight). Retrying after a reload is right here too.
     */
    public VersionConflict(String store, String aggregateId, long attemptedVersion, String reason) {
        super("version conflict on " + store + "/" + aggregateId + " at version " + attemptedVersion + ": " + reason
                + "; nothing was written. Reload the aggregate and decide again (EventStore.execute retries this"
                + " for you)");
        this.store = store;
        this.aggregateId = aggregateId;
        this.attemptedVersion = attemptedVersion;
        this.existing = null;
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

    /** The event that is stored at that version, when the adapter could report it. */
    public Optional<RecordedEvent> existing() {
        return Optional.ofNullable(existing);
    }
}
