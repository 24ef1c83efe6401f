package dev.tally.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.query.EventFilter;
import dev.tally.core.query.EventQueries;
import dev.tally.core.query.Trace;
import dev.tally.core.query.TraceText;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Events across stores, and the trace of one request, for a host that can query its ledger:
 *
 * <pre>
 * GET /api/events?type=T&correlationId=C&since=T0&until=T1[&limit=N&cursor=C]
 *     -> {"events": [event...], "nextCursor"}: at least one of type, correlationId, since; times ISO-8601
 * GET /api/trace/{correlationId}[?format=text]
 *     -> {"correlationId", "events", "truncated", "roots": [node...]} (or the indented tree as text) | 404
 * </pre>
 *
 * Events come in the order of {@link dev.tally.core.query.EventPosition#ORDER}; personal data is
 * shown as the event routes of a store show it.
 */
public final class EventRoutes {
    /** Default and largest page of events. */
    public static final int PAGE = 1000;
    private static final int DEFAULT_PAGE = 100;

    private final EventQueries queries;
    private final Map<String, EventStore<?>> stores;

    /** @param stores the hosted stores by name: their events' personal data is revealed as theirs is */
    public EventRoutes(EventQueries queries, Map<String, EventStore<?>> stores) {
        this.queries = Objects.requireNonNull(queries, "queries");
        this.stores = Map.copyOf(stores);
    }

    public List<Route> routes() {
        return List.of(
                Route.of("GET", "/api/events", false, (r, m) -> events(Requests.query(r.query()))),
                Route.of("GET", "/api/trace/([^/]+)", false, (r, m) -> trace(correlationId(m.group(1)),
                        Requests.query(r.query()))));
    }

    private HttpResponse events(Map<String, String> q) {
        int limit = Requests.intParam(q, "limit", DEFAULT_PAGE, 1, PAGE);
        EventFilter filter;
        try {
            filter = new EventFilter(q.get("type"), q.get("correlationId"), instant(q, "since"), instant(q, "until"));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "invalid_filter", e.getMessage());
        }
        String cursor = q.get("cursor");
        Page<RecordedEvent> page;
        try {
            page = queries.find(filter, new PageRequest(cursor == null || cursor.isEmpty() ? null : cursor, limit));
        } catch (IllegalArgumentException e) {
            if (cursor != null && e.getMessage() != null && e.getMessage().contains("cursor")) {
                throw Requests.badCursor(cursor);
            }
            throw e;
        }
        ArrayNode events = JsonCodec.mapper().createArrayNode();
        for (RecordedEvent e : page.items()) {
            ObjectNode event = JsonCodec.eventToJson(e);
            EventStore<?> store = stores.get(e.store());
            if (store != null) {
                event.set("payload", PayloadOrder.of(store, e, Revealing.revealed(store, e.payload())));
            }
            events.add(event);
        }
        ObjectNode body = JsonCodec.object();
        body.set("events", events);
        if (page.nextCursor() != null) {
            body.put("nextCursor", page.nextCursor());
        } else {
            body.putNull("nextCursor");
        }
        return HttpResponse.json(200, body);
    }

    private HttpResponse trace(String correlationId, Map<String, String> q) {
        Trace.Result trace = Trace.of(queries, correlationId);
        if (trace.events() == 0) {
            throw new ApiError(404, "unknown_correlation_id", "no event carries correlation id '" + correlationId
                    + "': check the X-Correlation-Id of the request (its response carries it)");
        }
        if ("text".equals(q.get("format"))) {
            return HttpResponse.of(200, "text/plain; charset=utf-8",
                    TraceText.render(trace).getBytes(StandardCharsets.UTF_8));
        }
        return HttpResponse.json(200, TraceText.json(trace));
    }

    private static Instant instant(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new ApiError(400, "invalid_" + name, "'" + name + "' must be an ISO-8601 instant in UTC, e.g. "
                    + name + "=2026-01-31T09:00:00Z, got '" + (v.length() > 60 ? v.substring(0, 60) + "..." : v) + "'");
        }
    }

    /** A correlation id from the path: 1 to 200 printable ASCII characters, as X-Correlation-Id takes. */
    private static String correlationId(String raw) {
        String id;
        try {
            id = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            id = null;
        }
        if (id == null || id.isEmpty() || id.length() > 200 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ApiError(400, "invalid_correlation_id", "the correlation id in the path must be 1 to 200"
                    + " printable ASCII characters without spaces, as sent in X-Correlation-Id (e.g. corr-o1)");
        }
        return id;
    }
}
