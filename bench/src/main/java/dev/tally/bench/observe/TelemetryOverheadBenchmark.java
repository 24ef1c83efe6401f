package dev.tally.bench.observe;

import static dev.tally.bench.Measurements.format;
import static dev.tally.bench.Measurements.say;

import dev.tally.bench.Args;
import dev.tally.bench.Measurements;
import dev.tally.core.EventStore;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.examples.bank.Account;
import dev.tally.examples.bank.BankAccount;
import dev.tally.examples.bank.Credit;
import dev.tally.otel.TallyTelemetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What metrics and tracing cost on the append path: {@code EventStore.execute} of the bank's
 * Credit on an in-memory ledger (so the telemetry's own CPU is not hidden behind a network round
 * trip), three ways in each round, in rotated order:
 * <ul>
 *   <li>{@code off}: {@link Telemetry#NONE} (what runs unless something is installed);</li>
 *   <li>{@code metrics}: {@link TallyTelemetry} into a Prometheus registry, OpenTelemetry API without
 *       an SDK (what {@code tally serve} runs by default);</li>
 *   <li>{@code metrics+traces}: the same with the OpenTelemetry SDK recording every span (always on,
 *       exported to a sink that drops them), each command under a request span as over HTTP, so
 *       every event also stores a {@code traceparent}.</li>
 * </ul>
 * Reported: commands per second, the median per side, and the paired ratio (median over rounds of
 * side / off within the round).
 */
public final class TelemetryOverheadBenchmark {
    private TelemetryOverheadBenchmark() {
    }

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int rounds = args.integer("rounds", 21);
        int count = args.integer("count", 20_000);
        int aggregates = args.integer("aggregates", 1000);

        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new DroppingExporter())).build()).build();
        Map<String, Telemetry> sides = new LinkedHashMap<>();
        sides.put("off", Telemetry.NONE);
        sides.put("metrics", new TallyTelemetry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                OpenTelemetry.noop()));
        sides.put("metrics+traces", new TallyTelemetry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), sdk));
        List<String> names = new ArrayList<>(sides.keySet());
        Map<String, double[]> rates = new LinkedHashMap<>();
        names.forEach(n -> rates.put(n, new double[rounds]));

        say("append path: EventStore.execute(Credit) on an in-memory ledger, " + aggregates + " aggregates, "
                + rounds + " rounds x " + count + " commands per side");
        run(sides.get("off"), count / 2, aggregates, null); // warm-up, each side
        run(sides.get("metrics"), count / 2, aggregates, null);
        run(sides.get("metrics+traces"), count / 2, aggregates, sdk);
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
            for (int i = 0; i < names.size(); i++) {
                String side = names.get((i + r) % names.size());
                double rate = run(sides.get(side), count, aggregates, side.contains("traces") ? sdk : null);
                rates.get(side)[r] = rate;
                line.append("  ").append(side).append(' ').append(format(rate)).append("/s");
            }
            say(line.toString());
        }
        Observability.install(Telemetry.NONE);
        double off = median(rates.get("off"));
        for (String side : names) {
            double[] paired = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                paired[r] = rates.get(side)[r] / rates.get("off")[r];
            }
            say(String.format("%-15s median %s commands/s   ratio of medians %.2f   paired ratio %.2f", side,
                    format(median(rates.get(side))), median(rates.get(side)) / off, median(paired)));
        }
        sdk.close();
    }

    private static double run(Telemetry telemetry, int count, int aggregates, OpenTelemetrySdk sdk) {
        Observability.install(telemetry);
        EventStore<Account> accounts = EventStore.builder(BankAccount.DEFINITION, new InMemoryLedger()).build();
        String[] ids = new String[aggregates];
        for (int i = 0; i < aggregates; i++) {
            ids[i] = "acct-" + i;
        }
        Credit credit = new Credit(100);
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (sdk == null) {
                accounts.execute(ids[i % aggregates], credit);
            } else {
                Span request = sdk.getTracer("bench").spanBuilder("HTTP POST").startSpan();
                try (Scope ignored = request.makeCurrent()) {
                    accounts.execute(ids[i % aggregates], credit);
                } finally {
                    request.end();
                }
            }
        }
        return Measurements.rate(count, System.nanoTime() - started);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Spans are built, ended and handed to an exporter, which drops them. */
    private static final class DroppingExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
