package dev.tally.core;

/** The ledger holds an event whose type the aggregate definition does not know. */
public final class UnknownEventTypeException extends TallyException {
    private final String store;
    private final String type;

    public UnknownEventTypeException(String store, String aggregateId, long version, String type) {
        super("event store '" + store + "' has no event type '" + type + "' (found at " + aggregateId + " v"
                + version + "): register it on the AggregateDefinition, or add an upcaster that renames it");
        this.store = store;
        this.type = type;
    }

    public String store() {
        return store;
    }

    public String type() {
        return type;
    }
}
