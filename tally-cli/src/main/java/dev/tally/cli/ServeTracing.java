package dev.tally.cli;

import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.PrintWriter;
import java.util.Map;

/**
 * Traces of {@code tally serve} without a Java agent: when the standard OpenTelemetry environment
 * asks for traces ({@code OTEL_TRACES_EXPORTER} other than {@code none}, or an
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} / {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}), the SDK's
 * autoconfiguration builds the global OpenTelemetry from it (OTLP over HTTP or gRPC, sampler,
 * resource, {@code OTEL_SERVICE_NAME}, default "tally"). Metrics and logs stay off unless their own
 * {@code OTEL_*_EXPORTER} is set (metrics are served on {@code /metrics}). Off when nothing is set,
 * when {@code OTEL_SDK_DISABLED=true}, or when an agent installed OpenTelemetry already.
 */
final class ServeTracing implements AutoCloseable {
    private final OpenTelemetrySdk sdk;

    private ServeTracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /** Whether {@code env} asks for traces. */
    static boolean wanted(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").trim())) {
            return false;
        }
        String exporter = env.getOrDefault("OTEL_TRACES_EXPORTER", "").trim();
        if (!exporter.isEmpty()) {
            return !exporter.equalsIgnoreCase("none");
        }
        return !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
                || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
    }

    /** Sets up the SDK when {@code env} asks for traces, and says so on {@code out}. */
    static ServeTracing fromEnvironment(Map<String, String> env, PrintWriter out) {
        if (!wanted(env)) {
            return new ServeTracing(null);
        }
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> Map.of("otel.service.name", "tally", "otel.metrics.exporter", "none",
                            "otel.logs.exporter", "none"))
                    .setResultAsGlobal()
                    .build().getOpenTelemetrySdk();
            out.println("OpenTelemetry: exporting traces as the OTEL_* environment says (exporter "
                    + env.getOrDefault("OTEL_TRACES_EXPORTER", "otlp") + ", endpoint "
                    + env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "the default")) + ")");
            out.flush();
            return new ServeTracing(sdk);
        } catch (IllegalStateException alreadySet) {
            out.println("OpenTelemetry: already set up (a Java agent?): using it; the OTEL_* environment is its own");
            out.flush();
            return new ServeTracing(null);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the OpenTelemetry environment cannot be used: " + e.getMessage()
                    + ". Fix the OTEL_* variables (e.g. OTEL_TRACES_EXPORTER=otlp and"
                    + " OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318) or unset them to serve without traces", e);
        }
    }

    /** Sends what is buffered and stops exporting. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
