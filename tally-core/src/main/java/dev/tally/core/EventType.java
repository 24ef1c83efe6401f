package dev.tally.core;

import dev.tally.core.internal.Names;
import java.util.Objects;

/**
 * A kind of event: its name in the ledger, the Java type of its payload and the schema version
 * the code writes. Older schema versions are brought up to this one by upcasters on read.
 *
 * @param <P> payload type, usually a record
 */
public final class EventType<P> {
    private final String name;
    private final Class<P> payloadType;
    private final int schemaVersion;

    private EventType(String name, Class<P> payloadType, int schemaVersion, boolean reservedAllowed) {
        this.name = reservedAllowed ? Names.requireEventTypeName(name) : Names.requireUserEventTypeName(name);
        this.payloadType = Objects.requireNonNull(payloadType, "payloadType");
        if (schemaVersion < 1) {
            throw new InvalidEventException("schema version of event type '" + name + "' must be >= 1, got "
                    + schemaVersion);
        }
        this.schemaVersion = schemaVersion;
    }

    /** An event type at schema version 1. */
    public static <P> EventType<P> of(String name, Class<P> payloadType) {
        return new EventType<>(name, payloadType, 1, false);
    }

    public static <P> EventType<P> of(String name, Class<P> payloadType, int schemaVersion) {
        return new EventType<>(name, payloadType, schemaVersion, false);
    }

    /** Tally's own event types; the only way to use a reserved name. */
    static <P> EventType<P> reserved(String name, Class<P> payloadType) {
        return new EventType<>(name, payloadType, 1, true);
    }

    public String name() {
        return name;
    }

    public Class<P> payloadType() {
        return payloadType;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventType<?> other && name.equals(other.name) && payloadType.equals(other.payloadType)
                && schemaVersion == other.schemaVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, payloadType, schemaVersion);
    }

    @Override
    public String toString() {
        return name + "@v" + schemaVersion;
    }
}
