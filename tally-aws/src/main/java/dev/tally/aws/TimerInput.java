package dev.tally.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.saga.Timer;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * A saga {@link Timer} as the JSON input of an EventBridge Scheduler schedule, which Scheduler hands
 * verbatim to the saga's function when it fires:
 *
 * <pre>{@code
 * {"tally": "timer", "id": "...", "sagaName": "...", "sagaId": "...", "name": "...",
 *  "dueAt": "2026-11-29T20:15:00Z", "payload": { ...the timer's payload JSON... }}
 * }</pre>
 *
 * The {@code "tally": "timer"} marker tells a timer apart from an EventBridge event reaching the
 * same function ({@link #isTimer}).
 */
public final class TimerInput {
    static final String MARKER_FIELD = "tally";
    static final String MARKER = "timer";

    private TimerInput() {
    }

    public static String toJson(Timer t) {
        ObjectNode n = JsonCodec.object();
        n.put(MARKER_FIELD, MARKER);
        n.put("id", t.id());
        n.put("sagaName", t.sagaName());
        n.put("sagaId", t.sagaId());
        n.put("name", t.name());
        n.put("dueAt", t.dueAt().toString());
        JsonNode payload;
        try {
            payload = JsonCodec.parse(t.payload());
        } catch (RuntimeException notJson) {
            throw new IllegalArgumentException("timer " + t.id() + ": its payload must be JSON text, was '"
                    + abbreviate(t.payload()) + "'", notJson);
        }
        n.set("payload", payload);
        return JsonCodec.write(n);
    }

    /** True when {@code n} is a timer input (and not, say, an EventBridge event). */
    public static boolean isTimer(JsonNode n) {
        return n != null && n.isObject() && MARKER.equals(n.path(MARKER_FIELD).asText(null));
    }

    /** The timer in a schedule's input; a clear error naming the field when it is not one. */
    public static Timer fromJson(JsonNode n) {
        if (!isTimer(n)) {
            throw new IllegalArgumentException("not a Tally timer input (expected an object with \"tally\": \"timer\"): "
                    + abbreviate(String.valueOf(n)));
        }
        String dueAt = text(n, "dueAt");
        Instant due;
        try {
            due = Instant.parse(dueAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("timer input: dueAt must be an ISO-8601 instant such as "
                    + "2026-11-29T20:15:00Z, was '" + dueAt + "'", e);
        }
        JsonNode payload = n.get("payload");
        return new Timer(text(n, "id"), text(n, "sagaName"), text(n, "sagaId"), text(n, "name"), due,
                payload == null || payload.isNull() ? "{}" : JsonCodec.write(payload));
    }

    public static Timer fromJson(String json) {
        return fromJson(JsonCodec.parse(json));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("timer input: field '" + field + "' is missing or not a non-empty string in "
                    + abbreviate(String.valueOf(n)));
        }
        return v.asText();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
