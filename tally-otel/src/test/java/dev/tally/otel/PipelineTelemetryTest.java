package dev.tally.otel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.Decider;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.RetryPolicy;
import dev.tally.core.ledger.VersionConflict;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.runtime.FailurePolicy;
import dev.tally.core.runtime.Target;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.command.Decision;
import dev.tally.core.memory.InMemoryPipeline;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.projection.Projection;
import dev.tally.core.internal.Chaos;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-memory pipeline with metrics in a Prometheus registry and spans into the OpenTelemetry SDK's in-memory exporter. */
class PipelineTelemetryTest {
    sealed interface CountEvent permits Counted {
    }

    record Counted(long by) implements CountEvent {
    }

    record Count(long value) {
    }

    sealed interface CountCommand extends Command<Count> permits Add {
    }

    record Add(long by) implements CountCommand {
    }

    static final AggregateDefinition<Count> COUNT = AggregateDefinition.of("count", Count.class, CountCommand.class,
            CountEvent.class, Decider.of(new Count(0), (CountCommand c, Count s) -> ((Add) c).by() <= 0
                    ? Decision.<CountEvent>reject("not_positive", "add a positive number, not " + ((Add) c).by())
                    : Decision.<CountEvent>emit(new Counted(((Add) c).by())),
                    (s, e) -> new Count(s.value() + ((Counted) e.payload()).by())));

    record Total(long value) {
    }

    record Doubled(long value) {
    }

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
    final Telemetry before = Observability.telemetry();
    InMemoryPipeline pipeline;

    @AfterEach
    void close() {
        Observability.install(before);
        if (pipeline != null) {
            pipeline.close();
        }
        sdk.close();
    }

    EventStore<Count> start(Telemetry telemetry) {
        Observability.install(telemetry);
        pipeline = InMemoryPipeline.create(Chaos.NONE);
        EventStore<Count> counts = pipeline.store(COUNT);
        pipeline.project(Projection.of("total", COUNT, Total.class, a -> new Total(a.state().value())),
                new InMemoryProjectionWriter<>("total"));
        pipeline.project(Projection.of("doubled", COUNT, Doubled.class, a -> new Doubled(2 * a.state().value())),
                new InMemoryProjectionWriter<>("doubled"));
        pipeline.start();
        return counts;
    }

    @Test
    void theScrapeHasTheAppendTimerTheDeliveriesPerTargetAndTheLagHistogram() {
        EventStore<Count> counts = start(new TallyTelemetry(registry, OpenTelemetry.noop()));
        // three aggregates at v1 each: no delivery can arrive after a newer one and be dropped as stale
        counts.execute("a", new Add(1));
        counts.execute("b", new Add(2));
        counts.execute("c", new Add(3));
        assertThat(counts.execute("c", new Add(-1))).isInstanceOf(CommandResult.Rejected.class);
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();

        String scrape = registry.scrape();
        assertThat(scrape).contains("tally_append_seconds_count{store=\"count\"} 3")
                .contains("tally_append_events_total{store=\"count\"} 3.0")
                .contains("tally_command_rejections_total{store=\"count\"} 1.0")
                .contains("tally_deliveries_total{target=\"total\"} 3.0")
                .contains("tally_deliveries_total{target=\"doubled\"} 3.0")
                .contains("tally_dispatch_batch_size_count")
                .contains("tally_projection_lag_seconds_count{projection=\"total\"} 3")
                // a histogram with buckets: the largest holds every write
                .contains("tally_projection_lag_seconds_bucket{projection=\"total\",le=\"0.005\"}")
                .contains("tally_projection_lag_seconds_bucket{projection=\"total\",le=\"+Inf\"} 3");
        assertThat(sample(scrape, "tally_append_seconds_sum{store=\"count\"}")).isPositive();
    }

    @Test
    void aTargetThatAlwaysFailsIsCountedInRetriesAndDeadLettersAndLostRacesInConflictsAndCommandRetries() {
        Observability.install(new TallyTelemetry(registry, OpenTelemetry.noop()));
        pipeline = InMemoryPipeline.create(Chaos.NONE);
        EventStore<Count> counts = pipeline.store(COUNT);
        pipeline.subscribe(new Target("broken", MessageFilter.stateOf("count"), m -> {
            throw new IllegalStateException("the view store is down");
        }, FailurePolicy.of(new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(2)))));
        pipeline.start();
        counts.execute("a", new Add(1)); // "a" at v1, and so in the store's aggregate cache

        // another writer appends v2: the next command decides on the cached v1, loses, reloads and wins
        EventStore<Count> other = EventStore.builder(COUNT, pipeline.ledger()).build();
        other.append("a", 1, new Counted(5));
        assertThatThrownBy(() -> other.append("a", 1, new Counted(5))).isInstanceOf(VersionConflict.class);
        assertThat(counts.execute("a", new Add(1))).isInstanceOf(CommandResult.Accepted.class);
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();

        String scrape = registry.scrape();
        // three events, three attempts each: two retries, then the dead letter
        assertThat(sample(scrape, "tally_delivery_retries_total{target=\"broken\"}")).isEqualTo(6.0);
        assertThat(sample(scrape, "tally_dead_letters_total{target=\"broken\"}")).isEqualTo(3.0);
        assertThat(scrape).doesNotContain("tally_deliveries_total{target=\"broken\"}");
        // the blind append that lost, and the command's first attempt
        assertThat(sample(scrape, "tally_append_conflicts_total{store=\"count\"}")).isEqualTo(2.0);
        assertThat(sample(scrape, "tally_command_retries_total{store=\"count\"}")).isEqualTo(1.0);
    }

    static double sample(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst().orElseThrow();
    }

    @Test
    void oneCommandUnderASpanIsOneTraceThroughAppendDispatchAndEveryViewWrite() {
        EventStore<Count> counts = start(new TallyTelemetry(registry, sdk));
        Span request = sdk.getTracer("test").spanBuilder("request").startSpan();
        RecordedEvent stored;
        try (Scope ignored = request.makeCurrent()) {
            stored = ((CommandResult.Accepted<Count>) counts.execute("a", new Add(1))).events().get(0);
        } finally {
            request.end();
        }
        assertThat(pipeline.awaitQuiet(Duration.ofSeconds(10))).isTrue();

        String traceId = request.getSpanContext().getTraceId();
        List<SpanData> trace = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getTraceId().equals(traceId)).toList();
        Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
        SpanData append = only(trace, "tally.append");
        assertThat(append.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
        // the event stores the append span's context: what every later span continues
        assertThat(Observability.traceparentOf(stored.metadata()))
                .startsWith("00-" + traceId + "-" + append.getSpanId() + "-");
        assertThat(only(trace, "tally.dispatch").getParentSpanId()).isEqualTo(append.getSpanId());
        assertThat(only(trace, "tally.publish").getLinks()).anySatisfy(
                l -> assertThat(l.getSpanContext().getSpanId()).isEqualTo(append.getSpanId()));
        List<SpanData> writes = trace.stream().filter(s -> s.getName().equals("tally.view.write")).toList();
        assertThat(writes).hasSize(2);
        Set<String> projections = writes.stream().map(s -> s.getAttributes().asMap().entrySet().stream()
                .filter(e -> e.getKey().getKey().equals("tally.projection")).findFirst().orElseThrow().getValue()
                .toString()).collect(Collectors.toSet());
        assertThat(projections).containsExactlyInAnyOrder("total", "doubled");
        for (SpanData write : writes) {
            // view write -> delivery -> append -> request: one connected trace
            SpanData deliver = byId.get(write.getParentSpanId());
            assertThat(deliver.getName()).isEqualTo("tally.deliver");
            assertThat(deliver.getParentSpanId()).isEqualTo(append.getSpanId());
        }
    }

    static SpanData only(List<SpanData> trace, String name) {
        List<SpanData> found = trace.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(found).as("spans named %s in %s", name, trace).hasSize(1);
        return found.get(0);
    }

    @Test
    void withoutAnSdkNothingIsTracedAndNoTraceparentIsStored() {
        EventStore<Count> counts = start(new TallyTelemetry(registry, OpenTelemetry.noop()));
        RecordedEvent stored = ((CommandResult.Accepted<Count>) counts.execute("a", new Add(1),
                EventMetadata.of("corr-1", "cmd-1", null))).events().get(0);
        assertThat(stored.metadata().attributes()).doesNotContainKey(Telemetry.TRACEPARENT);
        assertThat(stored.metadata().correlationId()).isEqualTo("corr-1");
        assertThat(spans.getFinishedSpanItems()).isEmpty();
    }

    @Test
    void anInvalidTraceparentIsIgnoredAsW3cSays() {
        assertThat(OtelTracing.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).isNotNull();
        assertThat(OtelTracing.parse("00-00000000000000000000000000000000-b7ad6b7169203331-01")).isNull();
        assertThat(OtelTracing.parse("garbage")).isNull();
        assertThat(OtelTracing.parse(null)).isNull();
    }
}
