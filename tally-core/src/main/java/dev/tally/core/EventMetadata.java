package dev.tally.core;

import java.util.Map;
import java.util.TreeMap;

/**
 * What is known about why and by whom an event was written.
 *
 * @param correlationId groups every event caused by one user request (nullable)
 * @param causationId   the id of the message or command that caused this event (nullable)
 * @param actor         who asked for it: a user id, a service name (nullable)
 * @param attributes    anything else (trace ids, tenant), string to string
 */
public record EventMetadata(String correlationId, String causationId, String actor, Map<String, String> attributes) {
    private static final EventMetadata EMPTY = new EventMetadata(null, null, null, Map.of());

    public EventMetadata {
        attributes = attributes == null ? Map.of() : Map.copyOf(new TreeMap<>(attributes));
    }

    public static EventMetadata empty() {
        return EMPTY;
    }

    public static EventMetadata of(String correlationId, String causationId, String actor) {
        return new EventMetadata(correlationId, causationId, actor, Map.of());
    }

    public EventMetadata withCorrelationId(String id) {
        return new EventMetadata(id, causationId, actor, attributes);
    }

    public EventMetadata withCausationId(String id) {
        return new EventMetadata(correlationId, id, actor, attributes);
    }

    public EventMetadata withActor(String who) {
        return new EventMetadata(correlationId, causationId, who, attributes);
    }

    public EventMetadata withAttribute(String key, String value) {
        Map<String, String> copy = new TreeMap<>(attributes);
        copy.put(key, value);
        return new EventMetadata(correlationId, causationId, actor, copy);
    }

    public boolean isEmpty() {
        return correlationId == null && causationId == null && actor == null && attributes.isEmpty();
    }
}
