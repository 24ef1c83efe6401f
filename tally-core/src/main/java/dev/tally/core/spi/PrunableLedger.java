package dev.tally.core.spi;

/**
 * A ledger that can drop the oldest events of a stream once they are archived. Only the archiver
 * calls it, and only after the archive holds those events and the archive marker
 * ({@link dev.tally.core.StreamArchived}) is stored after them: the marker keeps the stream's head
 * in the ledger, so conflicts and gaps are still decided there (see docs/operations.md).
 */
public interface PrunableLedger extends LedgerAdapter {

    /** Deletes versions 1..{@code version} of one stream; deleting what is gone already is a no-op. */
    void deleteThrough(String store, String aggregateId, long version);
}
