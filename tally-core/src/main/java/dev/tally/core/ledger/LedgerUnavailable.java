package dev.tally.core.ledger;

import dev.tally.core.TallyException;

/**
 * Reading the ledger (or the snapshot store) failed before anything was written: the store did not
 * answer, or answered with an error after the client's own retries. For a command this is a known
 * outcome: <em>not applied</em>, and retrying it is safe. (When an earlier attempt of the same
 * execution may have written, {@code EventStore.execute} reports {@link OutcomeUnknown} instead.)
 */
public final class LedgerUnavailable extends TallyException {
    private final String store;
    private final String aggregateId;

    public LedgerUnavailable(String store, String aggregateId, String what, Throwable cause) {
        super("could not read " + what + " of " + store + "/" + aggregateId + " ("
                + (cause == null ? "no answer" : cause.getClass().getSimpleName() + ": " + cause.getMessage())
                + "); nothing was written. Retry in a moment; if it persists, check that the store is reachable", cause);
        this.store = store;
        this.aggregateId = aggregateId;
    }

    public String store() {
        return store;
    }

    public String aggregateId() {
        return aggregateId;
    }
}
