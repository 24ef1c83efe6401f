package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tally serve} as a user starts it, no Java agent: with no OpenTelemetry environment a
 * caller's {@code traceparent} is kept in the event's metadata as it came; with
 * {@code OTEL_TRACES_EXPORTER=otlp} pointing at a receiver, the request's spans arrive there in the
 * caller's trace.
 */
class OtelServeIT {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String SPAN = "b7ad6b7169203331";
    static final String TRACEPARENT = "00-" + TRACE + "-" + SPAN + "-01";
    static final HttpClient client = HttpClient.newHttpClient();

    static HttpResponse<String> credit(URI base, String account) throws Exception {
        return client.send(HttpRequest.newBuilder(base.resolve("/api/accounts/" + account + "/credit"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .header("traceparent", TRACEPARENT).POST(HttpRequest.BodyPublishers.ofString("{\"amount\": 250}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode firstEvent(URI base, String account) throws Exception {
        return JsonCodec.parse(client.send(HttpRequest.newBuilder(base.resolve("/api/stores/bank-account/" + account
                + "/events")).GET().build(), HttpResponse.BodyHandlers.ofString()).body()).get("events").get(0);
    }

    @Test
    void withTracingOffTheCallersTraceparentIsKeptInTheEvent() throws Exception {
        try (TallyProcess tally = TallyProcess.serveWith(Map.of("OTEL_TRACES_EXPORTER", "none"), "--in-memory",
                "--port", "0")) {
            HttpResponse<String> r = credit(tally.url(), "passthrough");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(firstEvent(tally.url(), "passthrough").path("metadata").path("attributes").path("traceparent")
                    .asText()).isEqualTo(TRACEPARENT);
        }
    }

    @Test
    void withTheOtlpExporterConfiguredTheSpansArriveInTheCallersTrace() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
             TallyProcess tally = TallyProcess.serveWith(Map.of(
                     "OTEL_TRACES_EXPORTER", "otlp",
                     "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                     "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url().toString(),
                     "OTEL_SERVICE_NAME", "tally-otel-it",
                     "OTEL_BSP_SCHEDULE_DELAY", "100"), "--in-memory", "--port", "0")) {
            HttpResponse<String> r = credit(tally.url(), "exported");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

            eventually(Duration.ofSeconds(60), () -> assertThat(receiver.spans)
                    .anySatisfy(s -> {
                        assertThat(s.name()).isEqualTo("HTTP POST");
                        assertThat(s.traceId()).isEqualTo(TRACE);
                        assertThat(s.parentSpanId()).isEqualTo(SPAN);
                        assertThat(s.service()).isEqualTo("tally-otel-it");
                    })
                    .anySatisfy(s -> {
                        assertThat(s.name()).isEqualTo("tally.append");
                        assertThat(s.traceId()).isEqualTo(TRACE);
                    }));
            assertThat(receiver.contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
            // with tracing on, the event stores the server's span (a child in the same trace), not the caller's
            String stored = firstEvent(tally.url(), "exported").path("metadata").path("attributes")
                    .path("traceparent").asText();
            assertThat(stored).startsWith("00-" + TRACE + "-").isNotEqualTo(TRACEPARENT);
        }
    }
}
