package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The generic API every app gets, exercised on the example apps served from their jars: stores with
 * their commands and projections, commands as JSON records, views by projection.
 */
class GenericApiIT {

    @Test
    void storesCommandsAndViewsThroughTheGenericRoutes() throws Exception {
        try (SharedServe.Lease tally = SharedServe.lease(SharedServe.Engine.IN_MEMORY)) {
            Http http = new Http(tally.url());
            JsonNode stores = http.get("/api/stores").json();
            assertThat(stores).hasSize(2);
            JsonNode bank = stores.get(0).get("name").asText().equals("bank-account") ? stores.get(0) : stores.get(1);
            assertThat(bank.get("commands").toString()).isEqualTo("[\"Credit\",\"Debit\",\"SetHolder\"]");
            assertThat(bank.get("projections").toString())
                    .isEqualTo("[\"balance\",\"last-transaction\",\"last-month-balance\",\"holder\"]");

            Http.Answer credited = http.post("/api/stores/bank-account/gina/commands/Credit", "{\"amount\": 300}");
            assertThat(credited.status()).isEqualTo(200);
            assertThat(credited.json().get("version").asLong()).isEqualTo(1);
            Http.Answer refused = http.post("/api/stores/bank-account/gina/commands/Debit", "{\"amount\": 301}");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().get("error").asText()).isEqualTo("insufficient_funds");
            assertThat(http.post("/api/stores/counter/generic-hits/commands/Increment", "").status()).isEqualTo(200);

            JsonNode[] seen = new JsonNode[1];
            dev.tally.testing.Eventually.eventually(() -> {
                try {
                    Http.Answer a = http.get("/api/views/balance/gina");
                    assertThat(a.status()).isEqualTo(200);
                    seen[0] = a.json();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JsonNode view = seen[0];
            assertThat(view.get("view").get("balance").asLong()).isEqualTo(300);
            assertThat(view.get("version").asLong()).isEqualTo(1);
            assertThat(http.get("/api/views/balance/nobody").status()).isEqualTo(404);
            assertThat(http.get("/api/views/no-such-view/gina").status()).isEqualTo(404);
        }
    }

    @Test
    void aBodyThatDoesNotBindIsA400NamingTheFieldAndAppendsNothing() throws Exception {
        try (SharedServe.Lease tally = SharedServe.lease(SharedServe.Engine.IN_MEMORY)) {
            Http http = new Http(tally.url());
            String route = "/api/stores/bank-account/hana/commands/Credit";
            Map<String, String> bad = new TreeMap<>(Map.of(
                    "{\"amount\": \"ten\"}", "amount",
                    "{\"amount\": 2.5}", "amount",
                    "{\"amount\": 1, \"extra\": true}", "extra",
                    "{\"amount\": null}", "amount",
                    "{}", "amount",
                    "[1]", "JSON object",
                    "{\"amount\": ", "not valid JSON"));
            for (var e : bad.entrySet()) {
                Http.Answer a = http.post(route, e.getKey());
                assertThat(a.status()).as(e.getKey()).isEqualTo(400);
                assertThat(a.json().get("message").asText()).as(e.getKey()).contains(e.getValue());
            }
            assertThat(http.post("/api/stores/bank-account/hana/commands/Transfer", "{}").status()).isEqualTo(404);
            assertThat(http.post("/api/stores/no-store/hana/commands/Credit", "{\"amount\": 1}").status())
                    .isEqualTo(404);
            assertThat(http.post("/api/stores/bank-account/bad%20id/commands/Credit", "{\"amount\": 1}").status())
                    .isEqualTo(400);
            assertThat(http.get("/api/stores/bank-account/hana/events").json().get("events")).isEmpty();
        }
    }

    @Test
    void twoHundredParallelCommandsOnOneAggregateNeverGiveA500() throws Exception {
        try (SharedServe.Lease tally = SharedServe.lease(SharedServe.Engine.IN_MEMORY)) {
            Http http = new Http(tally.url());
            assertThat(http.post("/api/stores/bank-account/ivy/commands/Credit", "{\"amount\": 100}").status())
                    .isEqualTo(200);
            List<CompletableFuture<Http.Answer>> debits = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                debits.add(http.postAsync("/api/stores/bank-account/ivy/commands/Debit", "{\"amount\": 1}"));
            }
            Map<Integer, Integer> statuses = new TreeMap<>();
            for (CompletableFuture<Http.Answer> f : debits) {
                statuses.merge(f.get().status(), 1, Integer::sum);
            }
            assertThat(statuses).isEqualTo(Map.of(200, 100, 422, 100));
            assertThat(http.get("/api/stores/bank-account/ivy/aggregate").json().get("state").get("balance").asLong())
                    .isZero();
        }
    }
}
