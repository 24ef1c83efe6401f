package dev.tally.server;

import com.sun.net.httpserver.HttpExchange;
import dev.tally.core.EventMetadata;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.TraceSpan;
import java.util.UUID;

/**
 * The correlation and trace of one HTTP request. Its correlation id comes from the
 * {@code X-Correlation-Id} header (or is generated) and goes back in the response header; the
 * request runs in a server span that continues a W3C {@code traceparent} header. The events the
 * request's command writes store the correlation id, the command's id as causation id (its
 * Idempotency-Key, or a generated one) and the span's trace context as {@code traceparent}.
 *
 * <p>A route runs on the thread that accepted it for a worker ({@link HttpApi}), so the request
 * is found by thread.
 */
final class RequestTelemetry implements AutoCloseable {
    static final String CORRELATION_HEADER = "X-Correlation-Id";
    static final int MAX_ID = 200;
    private static final ThreadLocal<RequestTelemetry> CURRENT = new ThreadLocal<>();

    private static final java.util.regex.Pattern TRACEPARENT = java.util.regex.Pattern.compile(
            "00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

    private final String correlationId;
    private final TraceSpan span;
    private final String traceparent;

    private RequestTelemetry(String correlationId, TraceSpan span, String traceparent) {
        this.correlationId = correlationId;
        this.span = span;
        this.traceparent = traceparent;
    }

    /**
     * Starts the request's correlation and span; the response carries the correlation id. A
     * correlation id that is not 1 to 200 printable ASCII characters is refused (400): the caller
     * learns that what it sent cannot be stored, rather than seeing it replaced.
     */
    static RequestTelemetry start(HttpExchange x) {
        String sent = x.getRequestHeaders().getFirst(CORRELATION_HEADER);
        String id;
        if (sent == null) {
            id = UUID.randomUUID().toString();
        } else if (valid(sent)) {
            id = sent;
        } else {
            // answer with a fresh id: the request is refused, but a client can still quote the answer
            x.getResponseHeaders().set(CORRELATION_HEADER, UUID.randomUUID().toString());
            throw new dev.tally.http.ApiError(400, "invalid_correlation_id", "the " + CORRELATION_HEADER + " header must"
                    + " be 1 to " + MAX_ID + " printable ASCII characters without spaces (e.g. a UUID); send"
                    + " another or leave it out and one is made for you");
        }
        x.getResponseHeaders().set(CORRELATION_HEADER, id);
        String traceparent = x.getRequestHeaders().getFirst("traceparent");
        TraceSpan span = Observability.telemetry().span("HTTP " + x.getRequestMethod(), traceparent);
        span.attribute("http.request.method", x.getRequestMethod());
        span.attribute("url.path", x.getRequestURI().getRawPath());
        span.attribute("tally.correlation_id", id);
        RequestTelemetry r = new RequestTelemetry(id, span,
                traceparent != null && TRACEPARENT.matcher(traceparent.trim()).matches() ? traceparent.trim() : null);
        CURRENT.set(r);
        return r;
    }

    static boolean valid(String id) {
        return dev.tally.http.Correlation.valid(id);
    }

    /**
     * The metadata of a command run by the request on this thread: its correlation id, and the
     * command id (or a new one) as causation id. The trace context is stamped at the append.
     */
    static EventMetadata enrich(EventMetadata metadata) {
        RequestTelemetry r = CURRENT.get();
        if (r == null) {
            return metadata;
        }
        // nothing traced here: keep the caller's trace context as it came, so a later trace can join it
        return dev.tally.http.Correlation.stamp(metadata, r.correlationId,
                Observability.telemetry().traceparent() == null ? r.traceparent : null);
    }

    void status(int status) {
        span.attribute("http.response.status_code", Integer.toString(status));
    }

    @Override
    public void close() {
        CURRENT.remove();
        span.close();
    }
}
