package dev.tally.otel;

import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.spi.TraceSpan;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Instant;
import java.util.List;

/**
 * Micrometer metrics, OpenTelemetry spans and the recent lag per projection, as one
 * {@link Telemetry} to {@linkplain Observability#install install}:
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * Observability.install(new TallyTelemetry(registry, GlobalOpenTelemetry.get()));
 * }</pre>
 *
 * <p>The metrics are {@link MeterTelemetry}'s; the spans come from {@link OtelTracing}; every view
 * written also feeds {@link RecentLag}.
 */
public final class TallyTelemetry extends MeterTelemetry {
    private final OtelTracing tracing;
    private final RecentLag recentLag = new RecentLag();

    public TallyTelemetry(MeterRegistry registry, OpenTelemetry openTelemetry) {
        super(registry);
        this.tracing = new OtelTracing(openTelemetry);
    }

    /** Metrics into {@code registry}, spans through the global OpenTelemetry (a no-op without an SDK or agent). */
    public TallyTelemetry(MeterRegistry registry) {
        this(registry, GlobalOpenTelemetry.get());
    }

    public RecentLag recentLag() {
        return recentLag;
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        super.viewWritten(projection, eventTime);
        recentLag.viewWritten(projection, eventTime);
    }

    @Override
    public String traceparent() {
        return tracing.traceparent();
    }

    @Override
    public TraceSpan span(String name, String parentTraceparent) {
        return tracing.span(name, parentTraceparent);
    }

    @Override
    public TraceSpan batchSpan(String name, List<String> traceparents) {
        return tracing.batchSpan(name, traceparents);
    }
}
