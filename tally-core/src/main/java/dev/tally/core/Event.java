package dev.tally.core;

import java.time.Instant;

/**
 * A decoded event: payload upcast to the current schema and turned into its Java type.
 *
 * @param <P> payload type
 */
public record Event<P>(String store, String aggregateId, long version, EventType<?> type, Instant timestamp,
                       P payload, EventMetadata metadata) {

    public String typeName() {
        return type.name();
    }

    /** The payload as {@code expected}, if this event is of that type. */
    @SuppressWarnings("unchecked")
    public <T> T payloadAs(EventType<T> expected) {
        if (!type.equals(expected)) {
            throw new IllegalArgumentException("event " + store + "/" + aggregateId + "@" + version + " is "
                    + type.name() + ", not " + expected.name());
        }
        return (T) payload;
    }
}
