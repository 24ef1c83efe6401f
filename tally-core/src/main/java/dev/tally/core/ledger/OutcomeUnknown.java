package dev.tally.core.ledger;

import dev.tally.core.TallyException;

/**
 * The ledger cannot tell whether an append was written: the request may have committed and its
 * answer been lost (a timeout, a retry answered by a conflict that may be with the first try).
 * Never retry it blindly: read the stream, or execute again with the same command id
 * ({@link dev.tally.core.EventMetadata#withCommandId}), which applies at most once.
 */
public final class OutcomeUnknown extends TallyException {
    private final String store;
    private final String aggregateId;

    public OutcomeUnknown(String store, String aggregateId, String what, Throwable cause) {
        super("the outcome of " + what + " on " + store + "/" + aggregateId + " is unknown: it may or may not have"
                + " been written (" + (cause == null ? "no answer" : cause.getClass().getSimpleName()) + "). Do not"
                + " retry blindly: run the command again with the same command id (it applies at most once), or read"
                + " the stream to see what was stored", cause);
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
