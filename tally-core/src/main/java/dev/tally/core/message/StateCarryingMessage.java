package dev.tally.core.message;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.Aggregate;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.util.Objects;

/**
 * An event together with the aggregate's state as of that event's version ("state-carrying
 * event"). A projector needs nothing else: it writes the view derived from {@code state} with
 * {@code version()} and lets the conditional write drop stale or duplicate deliveries.
 *
 * @param event the last event folded into the state
 * @param state the aggregate's state right after {@code event}, as JSON
 */
public record StateCarryingMessage(RecordedEvent event, JsonNode state) implements Message {
    public StateCarryingMessage {
        Objects.requireNonNull(event, "event");
        state = JsonCodec.canonical(Objects.requireNonNull(state, "state"));
    }

    @Override
    public MessageKind kind() {
        return MessageKind.STATE_CARRYING;
    }

    /** The carried aggregate, its state read as {@code stateType}. */
    public <S> Aggregate<S> aggregate(Class<S> stateType) {
        return new Aggregate<>(event.aggregateId(), event.version(), JsonCodec.fromTree(state, stateType));
    }
}
