package dev.tally.core.command;

import dev.tally.core.EventType;
import java.util.Objects;

/** An event a decision wants written: its type and payload; the store assigns the version. */
public record PendingEvent<P>(EventType<P> type, P payload) {
    public PendingEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (!type.payloadType().isInstance(payload)) {
            throw new IllegalArgumentException("payload of " + type.name() + " must be a "
                    + type.payloadType().getName() + ", got " + payload.getClass().getName());
        }
    }

    public static <P> PendingEvent<P> of(EventType<P> type, P payload) {
        return new PendingEvent<>(type, payload);
    }
}
