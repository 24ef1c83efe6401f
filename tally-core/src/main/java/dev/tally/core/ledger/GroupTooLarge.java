package dev.tally.core.ledger;

/** An atomic event group has more events than the ledger can write in one transaction. */
public final class GroupTooLarge extends AppendRefused {
    public GroupTooLarge(int size, int limit, String ledger) {
        super("event group of " + size + " events is over " + ledger + "'s limit of " + limit
                + " events per atomic append; nothing was written. Split it into groups of at most " + limit
                + ", or rethink the boundary: a group this large usually means one aggregate is too small");
    }

    /** Another limit of the atomic append (its total size, say), described by the adapter. */
    public GroupTooLarge(String message) {
        super(message);
    }
}
