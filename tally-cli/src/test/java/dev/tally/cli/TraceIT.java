package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Following one request as a user would: an order placed with {@code X-Correlation-Id} on the served
 * orders example, then {@code GET /api/events?correlationId=}, {@code tally events --correlation-id}
 * and {@code tally trace} on it.
 */
class TraceIT {
    static TallyProcess server;
    static Http http;

    @BeforeAll
    static void serve() throws Exception {
        String bank = System.getProperty("tally.apps", "").split(",")[0]; // the bank's jar comes first
        String orders = System.getProperty("tally.ordersApp");
        assertThat(Path.of(orders)).as("the orders example is built before tally-cli").isRegularFile();
        server = TallyProcess.serve("--in-memory", "--port", "0", "--app", bank, "--app", orders);
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void oneOrderIsOneTraceAcrossTheOrderTheInventoryAndTheBank() throws Exception {
        assertThat(http.post("/api/inventory/plum/restock", "{\"quantity\": 10}").status()).isEqualTo(200);
        assertThat(http.post("/api/accounts/tess/credit", "{\"amount\": 1000}").status()).isEqualTo(200);
        HttpResponse<String> placed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.url()
                        .resolve("/api/orders/t1")).header("Content-Type", "application/json")
                .header("X-Correlation-Id", "corr-t1").POST(HttpRequest.BodyPublishers.ofString("{\"accountId\":"
                        + " \"tess\", \"lines\": [{\"sku\": \"plum\", \"quantity\": 2, \"unitPrice\": 150}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        eventually(Duration.ofSeconds(60), () -> assertThat(get("/api/orders/t1").path("status").asText())
                .isEqualTo("CONFIRMED"));

        // every store the order touched, through the route: the stock sold and the account debited included
        eventually(Duration.ofSeconds(30), () -> {
            List<String> events = new ArrayList<>();
            get("/api/events?correlationId=corr-t1&limit=1000").get("events").forEach(e ->
                    events.add(e.get("store").asText() + ":" + e.get("type").asText()));
            assertThat(events).contains("order:OrderPlaced", "inventory:StockReserved", "bank-account:Debited",
                    "inventory:StockSold", "order:OrderConfirmed");
            assertThat(events).filteredOn(e -> e.startsWith("order-saga:")).isNotEmpty();
            assertThat(events).noneMatch(e -> e.endsWith(":Restocked") || e.endsWith(":Credited"));
        });
        Http.Answer page = http.get("/api/events?correlationId=corr-t1&limit=2");
        assertThat(page.json().get("events")).hasSize(2);
        assertThat(page.json().get("nextCursor").asText()).isNotEmpty();
        assertThat(http.get("/api/events?correlationId=corr-t1&cursor=" + page.json().get("nextCursor").asText())
                .json().get("events").get(0).get("version").asLong()).isPositive();

        String url = server.url().toString();
        TallyProcess.Finished trace = TallyProcess.run(Map.of(), "trace", "corr-t1", "--url", url);
        assertThat(trace.exitCode()).as(trace.output()).isZero();
        String tree = trace.output();
        assertThat(tree).contains("request ").contains("-> order/t1").contains("└─ order/t1@1 OrderPlaced")
                .contains("command pay -> bank-account/tess").contains("accepted");
        assertThat(tree.indexOf("OrderPlaced")).isLessThan(tree.indexOf("StockReserved"));
        assertThat(tree.indexOf("StockReserved")).isLessThan(tree.indexOf("Debited"));
        assertThat(tree.indexOf("Debited")).isLessThan(tree.indexOf("OrderConfirmed"));

        TallyProcess.Finished events = TallyProcess.run(Map.of(), "events", "--correlation-id", "corr-t1", "--url",
                url);
        assertThat(events.exitCode()).as(events.output()).isZero();
        assertThat(events.output()).contains("order/t1@1", "OrderPlaced", "bank-account/tess@2", "corr-t1");
    }

    @Test
    void badQueriesAreRefusedInTheUsersTerms() throws Exception {
        Http.Answer none = http.get("/api/events");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.message()).contains("type=").contains("correlationId=").contains("since=");
        Http.Answer time = http.get("/api/events?since=yesterday");
        assertThat(time.status()).isEqualTo(400);
        assertThat(time.message()).contains("since=2026-01-31T09:00:00Z");
        assertThat(http.get("/api/events?type=Credited&cursor=nope").status()).isEqualTo(400);
        Http.Answer unknown = http.get("/api/trace/never-sent");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.message()).contains("never-sent");
        TallyProcess.Finished cli = TallyProcess.run(Map.of(), "events", "--since", "soon", "--url",
                server.url().toString());
        assertThat(cli.exitCode()).isNotZero();
        assertThat(cli.output()).contains("--since must be an ISO-8601 instant");
    }

    static JsonNode get(String path) {
        try {
            return http.get(path).json();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
