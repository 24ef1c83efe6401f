package dev.tally.core.ledger;

/** One event is bigger than the ledger can store in one item or row; nothing was written. */
public final class EventTooLarge extends AppendRefused {
    private final long size;
    private final long limit;

    public EventTooLarge(String store, String aggregateId, long version, long size, long limit) {
        super("event " + store + "/" + aggregateId + " v" + version + " is " + size + " bytes, over the ledger's"
                + " limit of " + limit + " bytes; nothing was written. Store large content elsewhere (S3, a blob"
                + " table) and put a reference in the payload");
        this.size = size;
        this.limit = limit;
    }

    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
