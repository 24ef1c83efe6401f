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
 */
public final class TallyTelemetry implements Telemetry {
    private final MeterTelemetry meters;
    private final OtelTracing tracing;
    private final RecentLag recentLag = new RecentLag();

    public TallyTelemetry(MeterRegistry registry, OpenTelemetry openTelemetry) {
        this.meters = new MeterTelemetry(registry);
        this.tracing = new OtelTracing(openTelemetry);
    }

    /** Metrics into {@code registry}, spans through the global OpenTelemetry (a no-op without an SDK or agent). */
    public TallyTelemetry(MeterRegistry registry) {
        this(registry, GlobalOpenTelemetry.get());
    }

    public MeterRegistry registry() {
        return meters.registry();
    }

    public RecentLag recentLag() {
        return recentLag;
    }

    @Override
    public void appended(String store, int events, long nanos) {
        meters.appended(store, events, nanos);
    }

    @Override
    public void conflict(String store) {
        meters.conflict(store);
    }

    @Override
    public void commandRetry(String store) {
        meters.commandRetry(store);
    }

    @Override
    public void rejected(String store) {
        meters.rejected(store);
    }

    @Override
    public void dispatched(int size, long nanos) {
        meters.dispatched(size, nanos);
    }

    @Override
    public void iteratorAge(long millis) {
        meters.iteratorAge(millis);
    }

    @Override
    public void delivered(String target, long nanos) {
        meters.delivered(target, nanos);
    }

    @Override
    public void sagaStep(String saga, long nanos) {
        meters.sagaStep(saga, nanos);
    }

    @Override
    public void deliveryRetry(String target) {
        meters.deliveryRetry(target);
    }

    @Override
    public void deadLettered(String target) {
        meters.deadLettered(target);
    }

    @Override
    public void viewWritten(String projection, Instant eventTime) {
        meters.viewWritten(projection, eventTime);
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
