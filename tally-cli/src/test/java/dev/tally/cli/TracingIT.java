package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageFilter;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.Target;
import dev.tally.local.LocalPipeline;
import dev.tally.server.TallyServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tally serve} in this JVM with the OpenTelemetry SDK's in-memory exporter as the global
 * OpenTelemetry (what the Java agent or an SDK set-up would install): one HTTP credit is one
 * connected trace from the request to the three view writes of the bank, and the correlation id
 * sent on the request is in every event and message it caused.
 */
class TracingIT {
    static final String INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String INCOMING_SPAN = "00f067aa0ba902b7";

    static InMemorySpanExporter spans = InMemorySpanExporter.create();
    static OpenTelemetrySdk sdk;
    static TallyServer server;
    static final List<Message> messages = new CopyOnWriteArrayList<>();
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        GlobalOpenTelemetry.resetForTest();
        sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).buildAndRegisterGlobal();
        List<Path> apps = new ArrayList<>();
        List<String> args = TallyProcess.exampleApps();
        for (int i = 1; i < args.size(); i += 2) {
            apps.add(Path.of(args.get(i)));
        }
        server = TallyServer.start(new TallyServer.Settings(null, TallyServer.HOST, 0, null, Chaos.NONE,
                AppLoader.load(apps)), line -> { });
        // every message the dispatcher publishes for the bank, as a fourth rule on the local EventBridge sees it
        ((LocalPipeline) server.engine().pipeline()).eventBridge().subscribe(Target.of("recorder", MessageFilter.stateOf("bank-account"),
                messages::add));
    }

    @AfterAll
    static void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            sdk.close();
            GlobalOpenTelemetry.resetForTest();
        }
    }

    static HttpResponse<String> post(String path, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.url().resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(String path) throws Exception {
        return JsonCodec.parse(client.send(HttpRequest.newBuilder(server.url().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void oneHttpCreditIsOneConnectedTraceReachingTheThreeViewWrites() throws Exception {
        HttpResponse<String> credit = post("/api/accounts/traced/credit", "{\"amount\": 700}",
                Map.of("traceparent", "00-" + INCOMING_TRACE + "-" + INCOMING_SPAN + "-01"));
        assertThat(credit.statusCode()).as(credit.body()).isEqualTo(200);
        assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();

        // the spans of the trace the caller started, as the exporter received them
        List<SpanData> trace = new ArrayList<>();
        eventually(() -> {
            trace.clear();
            trace.addAll(spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(INCOMING_TRACE))
                    .toList());
            assertThat(trace.stream().filter(s -> s.getName().equals("tally.view.write"))).hasSize(3);
        });
        Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId,
                Function.identity()));
        SpanData http = trace.stream().filter(s -> s.getName().equals("HTTP POST")).findFirst().orElseThrow();
        assertThat(http.getParentSpanId()).isEqualTo(INCOMING_SPAN);

        List<SpanData> writes = trace.stream().filter(s -> s.getName().equals("tally.view.write")).toList();
        Set<String> projections = writes.stream().map(s -> String.valueOf(s.getAttributes().asMap().entrySet()
                .stream().filter(e -> e.getKey().getKey().equals("tally.projection")).findFirst().orElseThrow()
                .getValue())).collect(Collectors.toSet());
        assertThat(projections).containsExactlyInAnyOrder("balance", "last-transaction", "last-month-balance");
        for (SpanData write : writes) {
            // walk up: view write -> delivery -> append -> HTTP request, all in the caller's trace
            List<String> path = new ArrayList<>();
            SpanData s = write;
            while (s != null) {
                path.add(s.getName());
                s = byId.get(s.getParentSpanId());
            }
            assertThat(path).as("ancestors of a view write").containsSubsequence("tally.view.write", "tally.deliver",
                    "tally.append", "HTTP POST");
        }
        // the dispatcher's span for the event is in the trace too, under the append
        SpanData append = trace.stream().filter(s -> s.getName().equals("tally.append")).findFirst().orElseThrow();
        assertThat(trace).anySatisfy(s -> {
            assertThat(s.getName()).isEqualTo("tally.dispatch");
            assertThat(s.getParentSpanId()).isEqualTo(append.getSpanId());
        });
        // and the event stores the trace context every later span continued
        JsonNode event = get("/api/stores/bank-account/traced/events").get("events").get(0);
        assertThat(event.get("metadata").get("attributes").get("traceparent").asText())
                .startsWith("00-" + INCOMING_TRACE + "-" + append.getSpanId() + "-");
    }

    @Test
    void aCorrelationIdSentOnARequestIsInEveryEventAndMessageItCaused() throws Exception {
        HttpResponse<String> first = post("/api/accounts/corr/credit", "{\"amount\": 900}",
                Map.of("X-Correlation-Id", "order-4711"));
        HttpResponse<String> second = post("/api/stores/bank-account/corr/commands/Debit", "{\"amount\": 100}",
                Map.of("X-Correlation-Id", "order-4711", "Idempotency-Key", "debit-1"));
        HttpResponse<String> replay = post("/api/replay/bank-account/corr", "{}",
                Map.of("X-Correlation-Id", "order-4711"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Correlation-Id")).hasValue("order-4711");
        assertThat(second.headers().firstValue("X-Correlation-Id")).hasValue("order-4711");
        assertThat(server.awaitQuiet(Duration.ofSeconds(60))).isTrue();

        JsonNode events = get("/api/stores/bank-account/corr/events").get("events");
        assertThat(events).hasSize(3); // credit, debit, and the replay event
        for (JsonNode e : events) {
            assertThat(e.get("metadata").get("correlationId").asText()).isEqualTo("order-4711");
            assertThat(e.get("metadata").get("causationId").asText()).isNotBlank();
        }
        // the causation id is the command's id: with an Idempotency-Key, the command id made of it
        assertThat(events.get(1).get("metadata").get("causationId").asText())
                .isEqualTo(events.get(1).get("metadata").get("attributes").get("tally.commandId").asText());
        assertThat(events.get(0).get("metadata").get("causationId").asText())
                .isNotEqualTo(events.get(1).get("metadata").get("causationId").asText());

        eventually(() -> assertThat(messages.stream().filter(m -> m.aggregateId().equals("corr"))).hasSize(3));
        for (Message m : messages.stream().filter(m -> m.aggregateId().equals("corr")).toList()) {
            assertThat(m.event().metadata().correlationId()).isEqualTo("order-4711");
        }
    }

    @Test
    void aRequestWithoutACorrelationIdGetsOneBackAndItsEventsCarryIt() throws Exception {
        HttpResponse<String> credit = post("/api/accounts/fresh/credit", "{\"amount\": 5}", Map.of());
        assertThat(credit.statusCode()).as(credit.body()).isEqualTo(200);
        String id = credit.headers().firstValue("X-Correlation-Id").orElseThrow();
        assertThat(id).isNotBlank();
        JsonNode event = get("/api/stores/bank-account/fresh/events").get("events").get(0);
        assertThat(event.get("metadata").get("correlationId").asText()).isEqualTo(id);
    }

    @Test
    void aCorrelationIdThatCannotBeStoredIsRefusedWithWhatToSend() throws Exception {
        HttpResponse<String> refused = post("/api/accounts/bad/credit", "{\"amount\": 5}",
                Map.of("X-Correlation-Id", "x".repeat(201)));
        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode body = JsonCodec.parse(refused.body());
        assertThat(body.get("error").asText()).isEqualTo("invalid_correlation_id");
        assertThat(body.get("message").asText()).contains("1 to 200 printable ASCII characters");
        assertThat(get("/api/stores/bank-account/bad/events").get("events")).isEmpty();
    }
}
