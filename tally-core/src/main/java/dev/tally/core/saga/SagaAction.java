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
public sealed interface SagaAction permits SagaAction.Send, SagaAction.Check, SagaAction.Schedule,
        SagaAction.Cancel {
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

    /**
     * Learns whether the command of this instance's {@link Send} {@code id} (to {@code aggregateId} of
     * {@code store}) applied, without sending it: the reply, recorded under the same {@code id}, is
     * accepted when the stream holds events of that command's id, refused with the code
     * {@value #NOT_APPLIED} when it holds none. For a step that may have been sent when the saga
     * stopped waiting for it (its deadline passed): sending it again would apply it now, for the
     * first time, only to compensate it.
     */
    record Check(String id, String store, String aggregateId) implements SagaAction {
        /** The code of a {@link Check}'s reply when the command never applied. */
        public static final String NOT_APPLIED = "not_applied";

        public Check {
            requireActionId(id);
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(aggregateId, "aggregateId");
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
