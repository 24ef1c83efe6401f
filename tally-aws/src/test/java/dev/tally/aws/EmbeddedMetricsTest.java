package dev.tally.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.memory.InMemoryLedger;
import dev.tally.core.memory.InMemoryProjectionWriter;
import dev.tally.core.spi.ClaimResolver;
import dev.tally.core.message.Message;
import dev.tally.core.observe.Observability;
import dev.tally.core.spi.Telemetry;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Projector;
import dev.tally.core.runtime.Dispatcher;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Lambda handlers write the pipeline's metrics as CloudWatch Embedded Metric Format lines at the end of each invocation. */
class EmbeddedMetricsTest {
    static final Instant WRITTEN = Instant.parse("2026-11-29T10:00:00Z");
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final EmbeddedMetrics emf = new EmbeddedMetrics(new PrintStream(stdout, true, StandardCharsets.UTF_8),
            Clock.fixed(WRITTEN.plusMillis(1500), ZoneOffset.UTC));
    final Telemetry before = Observability.install(emf);

    final EventStore<LambdaHandlersTest.Sum> store = EventStore.builder(LambdaHandlersTest.SUM, new InMemoryLedger())
            .clock(Clock.fixed(WRITTEN, ZoneOffset.UTC)).build();
    final List<Message> published = new ArrayList<>();
    final Dispatcher dispatcher = new Dispatcher(List.of(store), published::addAll);

    @AfterEach
    void restore() {
        Observability.install(before);
    }

    static Context function(String name) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> method.getName().equals("getFunctionName") ? name : null);
    }

    List<JsonNode> lines() {
        String text = stdout.toString(StandardCharsets.UTF_8);
        stdout.reset();
        return text.lines().map(JsonCodec::parse).toList();
    }

    static List<String> metricNames(JsonNode doc) {
        JsonNode directive = doc.get("_aws").get("CloudWatchMetrics").get(0);
        return StreamSupport.stream(directive.get("Metrics").spliterator(), false).map(m -> m.get("Name").asText())
                .toList();
    }

    @Test
    void theStreamDispatcherReportsItsBatchAndTheIteratorAgeAsOneEmfDocument() {
        for (int i = 1; i <= 3; i++) {
            store.append("a", i - 1, new LambdaHandlersTest.Added(i));
        }
        List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
        long seq = 100;
        for (RecordedEvent e : store.read("a", ReadOptions.ALL)) {
            records.add(StreamRecords.insertOf(e, Long.toString(seq++), "arn"));
        }
        emf.flush("setup"); // the appends above were reported too; this test is about the handler's invocation
        lines();
        StreamDispatcherHandler handler = new StreamDispatcherHandler(dispatcher);
        handler.handleRequest(LambdaHandlersTest.streamEvent(records), function("dispatch-fn"));

        assertThat(published).hasSize(3);
        List<JsonNode> docs = lines();
        assertThat(docs).hasSize(1);
        JsonNode doc = docs.get(0);
        JsonNode directive = doc.get("_aws").get("CloudWatchMetrics").get(0);
        assertThat(doc.get("_aws").get("Timestamp").asLong()).isEqualTo(WRITTEN.plusMillis(1500).toEpochMilli());
        assertThat(directive.get("Namespace").asText()).isEqualTo("Tally");
        assertThat(directive.get("Dimensions").toString()).isEqualTo("[[\"Function\"]]");
        assertThat(doc.get("Function").asText()).isEqualTo("dispatch-fn");
        assertThat(metricNames(doc)).containsExactly("StreamIteratorAge", "DispatchBatchSize", "DispatchLatency");
        assertThat(doc.get("DispatchBatchSize").asDouble()).isEqualTo(3.0);
        // the records were written at WRITTEN, so the oldest is at least that old now
        long sinceWritten = System.currentTimeMillis() - WRITTEN.toEpochMilli();
        assertThat(doc.get("StreamIteratorAge").asLong()).isBetween(sinceWritten - Duration.ofMinutes(1).toMillis(),
                sinceWritten);

        // a second invocation with nothing to report writes nothing
        handler.handleRequest(LambdaHandlersTest.streamEvent(List.of()), function("dispatch-fn"));
        assertThat(lines()).isEmpty();
    }

    record Total(long total) {
    }

    @Test
    void aProjectorFunctionReportsItsDeliveryAndTheEventToViewLagPerProjection() throws Exception {
        store.append("a", 0, new LambdaHandlersTest.Added(5));
        emf.flush("setup");
        lines();
        Message m = dispatcher.messageFor(store.read("a", ReadOptions.ALL).get(0));
        InMemoryProjectionWriter<Total> views = new InMemoryProjectionWriter<>("totals");
        Projector<LambdaHandlersTest.Sum, Total> projector = new Projector<>(Projection.of("totals",
                LambdaHandlersTest.SUM, Total.class, a -> new Total(a.state().total())), views);
        EventBridgeTargetHandler handler = new EventBridgeTargetHandler(projector, ClaimResolver.NONE);

        handler.handleRequest(new ByteArrayInputStream(LambdaHandlersTest.envelope(m).toString()
                .getBytes(StandardCharsets.UTF_8)), new ByteArrayOutputStream(), function("totals-fn"));

        assertThat(views.read("a")).isPresent();
        List<JsonNode> docs = lines();
        JsonNode lag = docs.stream().filter(d -> d.has("Projection")).findFirst().orElseThrow();
        assertThat(lag.get("_aws").get("CloudWatchMetrics").get(0).get("Dimensions").toString())
                .isEqualTo("[[\"Function\",\"Projection\"]]");
        assertThat(lag.get("Projection").asText()).isEqualTo("totals");
        assertThat(lag.get("ProjectionLag").asLong()).isEqualTo(1500); // the event's timestamp to the view write
        JsonNode delivery = docs.stream().filter(d -> d.has("Target")).findFirst().orElseThrow();
        assertThat(delivery.get("Target").asText()).isEqualTo("totals");
        assertThat(delivery.get("Deliveries").asDouble()).isEqualTo(1.0);
        assertThat(metricNames(delivery)).containsExactly("Deliveries", "DeliveryLatency");
        assertThat(delivery.get("_aws").get("CloudWatchMetrics").get(0).get("Metrics").get(0).get("Unit").asText())
                .isEqualTo("Count");
    }

    @Test
    void offLambdaNothingIsInstalledAndTheHandlersWriteNothing() {
        Observability.install(Telemetry.NONE);
        // AWS_LAMBDA_FUNCTION_NAME is not set in a test JVM
        assertThat(System.getenv("AWS_LAMBDA_FUNCTION_NAME")).isNull();
        assertThat(EmbeddedMetrics.installOnLambda()).isNull();
        assertThat(Observability.telemetry()).isSameAs(Telemetry.NONE);
    }
}
