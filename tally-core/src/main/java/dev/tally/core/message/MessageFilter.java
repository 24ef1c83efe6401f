package dev.tally.core.message;

import java.util.Set;

/**
 * Which messages a target wants: by store, event type and kind; an empty set means "any". On
 * EventBridge this becomes an event pattern on source, detail-type and detail.kind.
 */
public record MessageFilter(Set<String> stores, Set<String> eventTypes, Set<MessageKind> kinds) {
    public static final MessageFilter ANY = new MessageFilter(Set.of(), Set.of(), Set.of());

    public MessageFilter {
        stores = Set.copyOf(stores);
        eventTypes = Set.copyOf(eventTypes);
        kinds = Set.copyOf(kinds);
    }

    /** State-carrying messages of one store, every event type (the replay event included). */
    public static MessageFilter stateOf(String store) {
        return new MessageFilter(Set.of(store), Set.of(), Set.of(MessageKind.STATE_CARRYING));
    }

    public MessageFilter withEventTypes(Set<String> types) {
        return new MessageFilter(stores, types, kinds);
    }

    public boolean matches(Message m) {
        return (stores.isEmpty() || stores.contains(m.store()))
                && (eventTypes.isEmpty() || eventTypes.contains(m.eventType()))
                && (kinds.isEmpty() || kinds.contains(m.kind()));
    }
}
