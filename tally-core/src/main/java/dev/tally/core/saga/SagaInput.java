package dev.tally.core.saga;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.util.Objects;

/**
 * What a saga reacts to; the commands of its own event-sourced stream. The runner turns each into a
 * command on the saga's store with a deterministic command id, so a redelivered message, a repeated
 * reply or a timer that fires twice is decided once.
 */
public sealed interface SagaInput extends Command<Object>
        permits SagaInput.Observed, SagaInput.Replied, SagaInput.TimedOut {

    /** The command id this input is deduplicated by on the saga's stream. */
    String commandId();

    /**
     * A state-carrying message of a store the saga observes: the event that was appended and the
     * aggregate's state right after it (at that event's version, never "latest"). Observations arrive
     * at least once and in any order, across aggregates and within one: decide on this pair alone,
     * record what was seen in the saga's state, and ignore what is already recorded (see
     * {@code docs/sagas.md}).
     *
     * @param event the event as stored: type, version, payload (at the schema version it was written
     *              with), timestamp and metadata (correlation, causation, actor)
     * @param state the aggregate's state right after {@code event}, as JSON; read it with {@link #state(Class)}
     */
    record Observed(RecordedEvent event, JsonNode state) implements SagaInput {
        public Observed {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(state, "state");
        }

        public String store() {
            return event.store();
        }

        public String aggregateId() {
            return event.aggregateId();
        }

        public long version() {
            return event.version();
        }

        public String eventType() {
            return event.type();
        }

        /** The event's payload read as {@code type} (the record of the observed store's event). */
        public <T> T payload(Class<T> type) {
            return JsonCodec.fromTree(event.payload(), type);
        }

        /** The event's metadata: its correlation and causation ids, actor, attributes. */
        public EventMetadata metadata() {
            return event.metadata();
        }

        public <T> T state(Class<T> type) {
            return JsonCodec.fromTree(state, type);
        }

        @Override
        public String commandId() {
            return "obs:" + store() + ":" + aggregateId() + ":" + version();
        }
    }

    /**
     * The outcome of one of the saga's actions: for a {@link SagaAction.Send}, accepted or rejected
     * with the rejection's code and message; a {@link SagaAction.Schedule} or {@link SagaAction.Cancel}
     * is always accepted. {@code at} is when the runner got the outcome (the runner's clock): time
     * enters the saga as data, so a saga can tell that a step came back after its deadline.
     */
    record Replied(String actionId, boolean accepted, String code, String message, Instant at) implements SagaInput {
        public Replied {
            SagaAction.requireActionId(actionId);
            Objects.requireNonNull(at, "at");
        }

        public static Replied accepted(String actionId, Instant at) {
            return new Replied(actionId, true, null, null, at);
        }

        @Override
        public String commandId() {
            return "rep:" + actionId;
        }
    }

    /** A timer the saga scheduled came due ({@code name} as in {@link SagaAction.Schedule}). */
    record TimedOut(String name, Instant dueAt) implements SagaInput {
        public TimedOut {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dueAt, "dueAt");
        }

        @Override
        public String commandId() {
            return "tmr:" + name + ":" + dueAt.toEpochMilli();
        }
    }
}
