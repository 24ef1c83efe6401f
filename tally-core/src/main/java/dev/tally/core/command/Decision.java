package dev.tally.core.command;

import java.util.List;
import java.util.Objects;

/**
 * What a decider decided: append these events (possibly none), or refuse with a typed reason.
 *
 * @param <E> the aggregate's event type
 */
public sealed interface Decision<E> permits Decision.Emit, Decision.Reject {

    /** Append these events, in order (none: the command changes nothing). */
    record Emit<E>(List<E> events) implements Decision<E> {
        public Emit {
            events = List.copyOf(events);
        }
    }

    /** Refuse, with a typed reason; nothing is appended and the command is not retried. */
    record Reject<E>(Rejection rejection) implements Decision<E> {
        public Reject {
            Objects.requireNonNull(rejection, "rejection");
        }
    }

    @SafeVarargs
    static <E> Decision<E> emit(E... events) {
        return new Emit<>(List.of(events));
    }

    static <E> Decision<E> emit(List<E> events) {
        return new Emit<>(events);
    }

    static <E> Decision<E> nothing() {
        return new Emit<>(List.of());
    }

    static <E> Decision<E> reject(String code, String message) {
        return new Reject<>(new Rejection(code, message));
    }
}
