package dev.tally.core.message;

import dev.tally.core.RecordedEvent;

/**
 * What travels on a bus or queue after an event is stored. Every message names the event it is
 * about; {@link StateCarryingMessage} also carries the aggregate as of that event.
 */
public sealed interface Message permits NotificationMessage, StateCarryingMessage {

    /** The event this message is about (for a state-carrying message: the last event folded). */
    RecordedEvent event();

    MessageKind kind();

    default String store() {
        return event().store();
    }

    default String aggregateId() {
        return event().aggregateId();
    }

    default long version() {
        return event().version();
    }

    default String eventType() {
        return event().type();
    }

    /** Stable id: the same event gives the same id, so duplicates can be recognised. */
    default String id() {
        return kind().wireName() + ":" + event().coordinates();
    }
}
