package dev.tally.core.saga;

import dev.tally.core.command.Command;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One thing a saga must do, derived from its state ({@link ProcessManager#todo}). The runner does it
 * and records the outcome as a {@link SagaInput.Replied} with the same {@code id}; until that reply
 * is in the saga's stream, the state keeps listing the action and a redelivery does it again, which
 * is safe: a command carries the command id "saga:{saga}:{instance}:{id}" and applies once; timers
 * are scheduled and cancelled by a deterministic timer id.
 */
public sealed interface SagaAction permits SagaAction.Send, SagaAction.Schedule, SagaAction.Cancel {
    Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,100}");

    /** Unique within one saga instance, stable across redeliveries: 1-100 of [A-Za-z0-9_.:-]. */
    String id();

    /** Sends {@code command} to the aggregate {@code aggregateId} of the store {@code store}. */
    record Send(String id, String store, String aggregateId, Command<?> command) implements SagaAction {
        public Send {
            requireActionId(id);
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(aggregateId, "aggregateId");
            Objects.requireNonNull(command, "command");
        }
    }

    /** Schedules the durable timer {@code name} of this instance to fire at {@code dueAt}. */
    record Schedule(String id, String name, Instant dueAt) implements SagaAction {
        public Schedule {
            requireActionId(id);
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dueAt, "dueAt");
        }
    }

    /** Cancels the timer {@code name} of this instance (no error when it fired or never existed). */
    record Cancel(String id, String name) implements SagaAction {
        public Cancel {
            requireActionId(id);
            Objects.requireNonNull(name, "name");
        }
    }

    static String requireActionId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a saga action id is 1-100 characters of [A-Za-z0-9_.:-], such as"
                    + " 'reserve:apple' or 'compensate:pay'; got " + (id == null ? "null" : "'" + id + "'"));
        }
        return id;
    }
}
