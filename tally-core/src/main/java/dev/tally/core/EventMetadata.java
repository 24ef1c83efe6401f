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

    /**
     * The attribute that carries a command id. {@code EventStore.execute} puts it on the
     * <em>first</em> event of a command only, with {@link #COMMAND_EVENTS} (how many events the
     * command wrote); ledgers refuse a second first event with the same id in the same stream
     * ({@link dev.tally.core.ledger.DuplicateCommand}), atomically with the append.
     */
    public static final String COMMAND_ID = "tally.commandId";
    /** On the first event of a command: how many events the command appended. */
    public static final String COMMAND_EVENTS = "tally.commandEvents";

    /** The command id this metadata carries (see {@link #COMMAND_ID}), if any. */
    public java.util.Optional<String> commandId() {
        return java.util.Optional.ofNullable(attributes.get(COMMAND_ID));
    }

    /** The same metadata with a command id: a retry of the command with the same id applies at most once. */
    public EventMetadata withCommandId(String commandId) {
        if (commandId == null || commandId.isBlank() || commandId.length() > 200) {
            throw new IllegalArgumentException("a command id must be 1 to 200 characters, got "
                    + (commandId == null ? "null" : "'" + commandId + "'"));
        }
        return withAttribute(COMMAND_ID, commandId);
    }

    /** The same metadata without the command attributes (what the events after a command's first carry). */
    public EventMetadata withoutCommandId() {
        if (!attributes.containsKey(COMMAND_ID) && !attributes.containsKey(COMMAND_EVENTS)) {
            return this;
        }
        Map<String, String> copy = new TreeMap<>(attributes);
        copy.remove(COMMAND_ID);
        copy.remove(COMMAND_EVENTS);
        return new EventMetadata(correlationId, causationId, actor, copy);
    }

    public boolean isEmpty() {
        return correlationId == null && causationId == null && actor == null && attributes.isEmpty();
    }
}
