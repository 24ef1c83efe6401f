package dev.tally.core.saga;

import com.fasterxml.jackson.databind.JsonNode;
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
     * A state-carrying message of a store the saga observes: the aggregate right after {@code eventType}.
     *
     * @param state the aggregate's state as JSON; read it with {@link #state(Class)}
     */
    record Observed(String store, String aggregateId, long version, String eventType, JsonNode state)
            implements SagaInput {
        public Observed {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(aggregateId, "aggregateId");
            Objects.requireNonNull(eventType, "eventType");
            Objects.requireNonNull(state, "state");
        }

        public <T> T state(Class<T> type) {
            return JsonCodec.fromTree(state, type);
        }

        @Override
        public String commandId() {
            return "obs:" + store + ":" + aggregateId + ":" + version;
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
