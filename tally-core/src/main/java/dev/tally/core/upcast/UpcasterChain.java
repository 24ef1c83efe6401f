package dev.tally.core.upcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.InvalidEventException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The upcasters of one event store, applied step by step from the stored to the current schema. */
public final class UpcasterChain {
    private static final UpcasterChain EMPTY = new UpcasterChain(List.of());
    private final Map<String, Upcaster> steps = new HashMap<>();

    public UpcasterChain(Collection<Upcaster> upcasters) {
        for (Upcaster u : upcasters) {
            Upcaster previous = steps.put(key(u.eventType(), u.fromVersion()), u);
            if (previous != null) {
                throw new IllegalArgumentException("two upcasters for " + u.eventType() + " from v" + u.fromVersion()
                        + ": " + previous + " and " + u + "; keep one");
            }
        }
    }

    public static UpcasterChain empty() {
        return EMPTY;
    }

    /**
     * Brings {@code payload}, stored at {@code storedVersion}, up to {@code currentVersion}.
     * The stored tree is not modified.
     */
    public JsonNode upcast(String type, int storedVersion, int currentVersion, JsonNode payload) {
        if (storedVersion == currentVersion) {
            return payload;
        }
        if (storedVersion > currentVersion) {
            throw new InvalidEventException("event type " + type + " is stored at schema v" + storedVersion
                    + " but this code knows only up to v" + currentVersion + ": deploy the code that wrote it"
                    + " (readers must be at least as new as writers)");
        }
        ObjectNode current = ((ObjectNode) payload).deepCopy();
        for (int v = storedVersion; v < currentVersion; v++) {
            Upcaster step = steps.get(key(type, v));
            if (step == null) {
                throw new InvalidEventException("no upcaster for event type " + type + " from schema v" + v + " to v"
                        + (v + 1) + ": register Upcaster.of(\"" + type + "\", " + v + ", payload -> ...) on the"
                        + " AggregateDefinition");
            }
            current = step.upcast(current);
        }
        return current;
    }

    private static String key(String type, int from) {
        return type + "@" + from;
    }
}
