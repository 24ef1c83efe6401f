package dev.tally.core.query;

import dev.tally.core.RecordedEvent;
import java.time.Instant;

/**
 * Which events a query wants; the conditions that are set must all hold. At least a type, a
 * correlation id or a {@code since} time is needed, so that every adapter can answer from an index.
 *
 * @param type          the event type name (any store), or null
 * @param correlationId the correlation id in the event's metadata, or null
 * @param since         events with a timestamp at or after this instant, or null
 * @param until         events with a timestamp before this instant, or null
 */
public record EventFilter(String type, String correlationId, Instant since, Instant until) {
    public EventFilter {
        type = blankToNull(type);
        correlationId = blankToNull(correlationId);
        if (type == null && correlationId == null && since == null) {
            throw new IllegalArgumentException("say which events to find: an event type (e.g. type=Credited), a"
                    + " correlation id (e.g. correlationId=corr-o1) or a start time (e.g. since=2026-01-31T00:00:00Z)");
        }
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("since (" + since + ") must be before until (" + until + "): since is"
                    + " inclusive and until exclusive, e.g. since=2026-01-31T00:00:00Z&until=2026-02-01T00:00:00Z");
        }
    }

    public static EventFilter ofType(String type) {
        return new EventFilter(type, null, null, null);
    }

    public static EventFilter ofCorrelationId(String correlationId) {
        return new EventFilter(null, correlationId, null, null);
    }

    public static EventFilter between(Instant since, Instant until) {
        return new EventFilter(null, null, since, until);
    }

    public EventFilter withType(String t) {
        return new EventFilter(t, correlationId, since, until);
    }

    public EventFilter withCorrelationId(String id) {
        return new EventFilter(type, id, since, until);
    }

    public EventFilter withSince(Instant t) {
        return new EventFilter(type, correlationId, t, until);
    }

    public EventFilter withUntil(Instant t) {
        return new EventFilter(type, correlationId, since, t);
    }

    /** Whether {@code e} matches every condition that is set. */
    public boolean matches(RecordedEvent e) {
        return (type == null || type.equals(e.type()))
                && (correlationId == null || correlationId.equals(e.metadata().correlationId()))
                && (since == null || !e.timestamp().isBefore(since))
                && (until == null || e.timestamp().isBefore(until));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
