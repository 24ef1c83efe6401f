package dev.tally.server;

import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.otel.RecentLag;
import dev.tally.otel.TallyTelemetry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;

/**
 * What {@code tally serve} observes with: the pipeline's metrics and the JVM's in a Prometheus
 * registry (served on {@code GET /metrics}), spans through the global OpenTelemetry (a no-op
 * unless an SDK or the Java agent set one up), the recent lag per projection for the dashboard.
 * Installed for the JVM while the server runs.
 */
final class ServeTelemetry implements AutoCloseable {
    /** The content type of Prometheus's text format, version 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final TallyTelemetry telemetry;
    private final Telemetry before;

    ServeTelemetry() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        telemetry = new TallyTelemetry(registry, GlobalOpenTelemetry.get());
        before = Observability.install(telemetry);
    }

    /** Every metric in Prometheus's text format. */
    String scrape() {
        return registry.scrape();
    }

    RecentLag recentLag() {
        return telemetry.recentLag();
    }

    @Override
    public void close() {
        if (Observability.telemetry() == telemetry) {
            Observability.install(before);
        }
        gc.close();
        registry.close();
    }
}
