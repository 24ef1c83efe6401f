package dev.tally.otel;

import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Spans through the OpenTelemetry API. Without an SDK (no agent, no
 * {@code GlobalOpenTelemetry.set}), the API's tracer is a no-op: spans are not recorded and no
 * {@code traceparent} is stored, whatever calls this.
 */
public final class OtelTracing implements Telemetry {
    /** W3C Trace Context, version 00: {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}. */
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    private final Tracer tracer;
    /** False with the API's no-op provider: then nothing is built at all (no span, no scope, no traceparent). */
    private final boolean enabled;

    public OtelTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("dev.tally");
        this.enabled = openTelemetry.getTracerProvider() != TracerProvider.noop();
    }

    /**
     * The span context a W3C {@code traceparent} names, or null when the value is not a valid one
     * (W3C Trace Context: a receiver ignores an invalid header and starts a new trace).
     */
    public static SpanContext parse(String traceparent) {
        if (traceparent == null || !TRACEPARENT.matcher(traceparent).matches()) {
            return null;
        }
        SpanContext sc = SpanContext.createFromRemoteParent(traceparent.substring(3, 35),
                traceparent.substring(36, 52), TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return sc.isValid() ? sc : null;
    }

    public static String format(SpanContext sc) {
        return "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
    }

    @Override
    public String traceparent() {
        if (!enabled) {
            return null;
        }
        SpanContext sc = Span.current().getSpanContext();
        return sc.isValid() ? format(sc) : null;
    }

    @Override
    public TraceSpan span(String name, String parentTraceparent) {
        if (!enabled) {
            return TraceSpan.NONE;
        }
        SpanBuilder b = tracer.spanBuilder(name).setParent(parent(parentTraceparent));
        if (name.startsWith("HTTP ")) {
            b.setSpanKind(SpanKind.SERVER);
        }
        return open(b);
    }

    @Override
    public TraceSpan batchSpan(String name, List<String> traceparents) {
        if (!enabled) {
            return TraceSpan.NONE;
        }
        SpanBuilder b = tracer.spanBuilder(name).setParent(parent(traceparents.isEmpty() ? null : traceparents.get(0)));
        for (String tp : traceparents) {
            SpanContext sc = parse(tp);
            if (sc != null) {
                b.addLink(sc);
            }
        }
        return open(b);
    }

    private static Context parent(String traceparent) {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        SpanContext sc = parse(traceparent);
        return sc == null ? current : current.with(Span.wrap(sc));
    }

    private static TraceSpan open(SpanBuilder b) {
        Span span = b.startSpan();
        Scope scope = span.makeCurrent();
        return new TraceSpan() {
            @Override
            public void failed(Throwable error) {
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            }

            @Override
            public void attribute(String key, String value) {
                span.setAttribute(key, value);
            }

            @Override
            public void close() {
                try {
                    scope.close();
                } finally {
                    span.end();
                }
            }
        };
    }
}
