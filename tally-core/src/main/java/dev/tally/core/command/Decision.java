package dev.tally.core.command;

import dev.tally.core.EventType;
import java.util.List;

/** What a command decided, given the aggregate: write these events, or refuse. */
public sealed interface Decision permits Decision.Emit, Decision.Reject {

    /** Write these events (possibly none: the command was a no-op). */
    record Emit(List<PendingEvent<?>> events) implements Decision {
        public Emit {
            events = List.copyOf(events);
        }
    }

    /** Refuse, with a typed reason. */
    record Reject(Rejection rejection) implements Decision {
    }

    static <P> Decision emit(EventType<P> type, P payload) {
        return new Emit(List.of(PendingEvent.of(type, payload)));
    }

    static Decision emit(List<PendingEvent<?>> events) {
        return new Emit(events);
    }

    static Decision emit(PendingEvent<?>... events) {
        return new Emit(List.of(events));
    }

    static Decision nothing() {
        return new Emit(List.of());
    }

    static Decision reject(String code, String message) {
        return new Reject(new Rejection(code, message));
    }
}
