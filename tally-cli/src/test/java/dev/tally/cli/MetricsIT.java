package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} of the packaged {@code tally serve}, scraped after traffic, as Prometheus would. */
class MetricsIT {
    static TallyProcess tally;
    static Http http;
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        tally = TallyProcess.serve("--in-memory", "--port", "0");
        http = new Http(tally.url());
    }

    @AfterAll
    static void stop() throws Exception {
        tally.stop();
    }

    static HttpResponse<String> scrape() {
        try {
            return client.send(HttpRequest.newBuilder(tally.url().resolve("/metrics")).timeout(Duration.ofSeconds(30))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Http.Answer get(String path) {
        try {
            return http.get(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The value of one series, e.g. {@code tally_deliveries_total{target="balance"}}. */
    static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(
                l -> Double.parseDouble(l.substring(series.length() + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in:\n" + scrape));
    }

    @Test
    void afterTrafficTheScrapeHasTheNamedMetricsWithSensibleValues() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(http.post("/api/accounts/m" + i + "/credit", "{\"amount\": 100}").status()).isEqualTo(200);
        }
        assertThat(http.post("/api/accounts/m0/debit", "{\"amount\": 1000}").status()).isEqualTo(422);
        assertThat(http.post("/api/counters/hits/increment", "").status()).isEqualTo(200);

        eventually(() -> {
            String s = scrape().body();
            // three bank projections saw five credits each (each at its own pace: wait for all three)
            for (String target : new String[] {"balance", "last-transaction", "last-month-balance"}) {
                assertThat(value(s, "tally_deliveries_total{target=\"" + target + "\"}")).as(target).isEqualTo(5.0);
            }
            assertThat(value(s, "tally_projection_lag_seconds_count{projection=\"balance\"}")).isEqualTo(5.0);
            // the dispatcher has handed on the five credits and the one increment
            assertThat(value(s, "tally_dispatch_batch_size_sum")).isGreaterThanOrEqualTo(6.0);
        });
        HttpResponse<String> r = scrape();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
        String s = r.body();

        assertThat(s).contains("# TYPE tally_append_seconds summary", "# TYPE tally_projection_lag_seconds histogram",
                "# TYPE tally_deliveries_total counter");
        assertThat(value(s, "tally_append_seconds_count{store=\"bank-account\"}")).isEqualTo(5.0);
        assertThat(value(s, "tally_append_seconds_count{store=\"counter\"}")).isEqualTo(1.0);
        assertThat(value(s, "tally_append_seconds_sum{store=\"bank-account\"}")).isPositive();
        assertThat(value(s, "tally_command_rejections_total{store=\"bank-account\"}")).isEqualTo(1.0);
        for (String target : new String[] {"balance", "last-transaction", "last-month-balance"}) {
            assertThat(value(s, "tally_deliveries_total{target=\"" + target + "\"}")).isEqualTo(5.0);
        }
        // the lag histogram has buckets; every write falls in +Inf, and a bucket never holds more than a wider one
        double inf = value(s, "tally_projection_lag_seconds_bucket{projection=\"balance\",le=\"+Inf\"}");
        double oneMinute = value(s, "tally_projection_lag_seconds_bucket{projection=\"balance\",le=\"60.0\"}");
        double fiveMs = value(s, "tally_projection_lag_seconds_bucket{projection=\"balance\",le=\"0.005\"}");
        assertThat(inf).isEqualTo(5.0);
        assertThat(oneMinute).isBetween(fiveMs, inf);
        assertThat(value(s, "tally_projection_lag_seconds_sum{projection=\"balance\"}")).isPositive();
        // the dispatcher and the stream poller
        assertThat(value(s, "tally_dispatch_batch_size_sum")).isGreaterThanOrEqualTo(6.0);
        assertThat(s).contains("tally_stream_iterator_age_seconds ");
        // and the JVM's own
        assertThat(value(s, "jvm_threads_live_threads")).isPositive();
        assertThat(s).contains("jvm_memory_used_bytes{", "jvm_gc_", "process_uptime_seconds ");

        // the dashboard's series: thirty 10 s slots per projection, holding the five balance writes
        Http.Answer lag = get("/api/lag");
        assertThat(lag.status()).isEqualTo(200);
        assertThat(lag.json().get("slotSeconds").asInt()).isEqualTo(10);
        assertThat(lag.json().get("projections").get("balance")).hasSize(30);
        long written = 0;
        for (var slot : lag.json().get("projections").get("balance")) {
            written += slot.get("count").asLong();
            assertThat(slot.get("maxMillis").asLong()).isGreaterThanOrEqualTo(slot.get("meanMillis").asLong());
        }
        assertThat(written).isEqualTo(5);
        assertThat(lag.json().get("projections").has("count")).isTrue();
    }

    @Test
    void everyResponseCarriesACorrelationId() throws Exception {
        Http.Answer a = http.get("/api/stores");
        assertThat(a.headers().firstValue("X-Correlation-Id")).isPresent();
    }
}
