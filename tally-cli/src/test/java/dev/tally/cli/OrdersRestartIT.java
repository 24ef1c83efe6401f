package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "timeout that survives a restart", on the packaged server: an order whose payment
 * cannot be taken ({@code --chaos-unreachable bank-account}) waits with its stock reserved; the
 * server is killed (kill -9) before the order's deadline and started again after it, on the same
 * data, without the flag. The timer kept in the data directory fires: the order is cancelled with
 * reason "timeout", the payment found never applied (by its command id, not sent late), the
 * reservation released exactly once, the account left as it was. On each engine that keeps data in
 * a directory (DynamoDB Local, and the embedded PostgreSQL of {@code --engine postgres}).
 */
@ParameterizedClass
@MethodSource("engines")
class OrdersRestartIT {
    private static final long TIMEOUT_SECONDS = 12;

    @Parameter
    SharedServe.Engine engine;

    static List<SharedServe.Engine> engines() {
        return SharedServe.Engine.onDisk();
    }

    @Test
    void aPendingOrderIsCancelledAndCompensatedOnceWhenTheServerComesBackAfterItsDeadline() throws Exception {
        String bank = System.getProperty("tally.apps", "").split(",")[0]; // the bank's jar comes first
        String orders = System.getProperty("tally.ordersApp");
        assertThat(Path.of(bank)).as("the bank example is built before tally-cli").isRegularFile();
        assertThat(Path.of(orders)).as("the orders example is built before tally-cli").isRegularFile();
        Path data = Path.of("target", "it-data-" + UUID.randomUUID());

        Instant deadline;
        try (TallyProcess first = engine.serve(data, "--app", bank, "--app", orders,
                "--chaos-unreachable", "bank-account")) {
            Http http = new Http(first.url());
            assertThat(first.output()).anyMatch(l -> l.contains("--chaos-unreachable"));
            assertThat(http.post("/api/inventory/apple/restock", "{\"quantity\": 10}").status()).isEqualTo(200);
            assertThat(http.post("/api/accounts/erin/credit", "{\"amount\": 1000}").status()).isEqualTo(200);
            assertThat(http.post("/api/orders/late-1", "{\"accountId\": \"erin\", \"lines\": [{\"sku\": \"apple\","
                    + " \"quantity\": 4, \"unitPrice\": 100}], \"timeoutSeconds\": " + TIMEOUT_SECONDS + "}").status())
                    .isEqualTo(202);

            // the stock is reserved; the payment cannot be taken, so the order waits
            eventually(Duration.ofSeconds(TIMEOUT_SECONDS), () -> {
                JsonNode o = json(http, "/api/orders/late-1");
                assertThat(steps(o)).containsExactly("reserve:apple");
                assertThat(json(http, "/api/inventory/apple").get("reserved").asLong()).isEqualTo(4);
            });
            // the saga's deliveries gave up on the unreachable store (dead letters): nothing is in flight
            eventually(Duration.ofSeconds(TIMEOUT_SECONDS), () -> {
                JsonNode pipeline = json(http, "/api/pipeline");
                assertThat(pipeline.get("deadLetterCount").asLong()).isPositive();
                if (pipeline.has("pendingDeliveries")) { // the PostgreSQL engine delivers inside its runners' transactions
                    assertThat(pipeline.get("pendingDeliveries").asLong()).isZero();
                }
            });
            JsonNode saga = json(http, "/api/stores/order-saga/late-1/aggregate").get("state");
            deadline = Instant.parse(saga.get("deadline").asText());
            assertThat(saga.get("timerSet").asBoolean()).as("the deadline's timer is stored").isTrue();
            assertThat(json(http, "/api/orders/late-1").get("status").asText()).isEqualTo("PENDING");

            Instant killedAt = Instant.now();
            assertThat(first.kill()).isEqualTo(137);
            assertThat(killedAt).as("killed before the order's deadline").isBefore(deadline);
        }

        // down until the deadline has passed
        Duration wait = Duration.between(Instant.now(), deadline).plusSeconds(1);
        if (!wait.isNegative()) {
            Thread.sleep(wait.toMillis());
        }
        assertThat(Instant.now()).isAfter(deadline);

        try (TallyProcess second = engine.serve(data, "--app", bank, "--app", orders)) {
            Http http = new Http(second.url());
            eventually(Duration.ofMinutes(2), () -> {
                JsonNode o = json(http, "/api/orders/late-1");
                assertThat(o.get("status").asText()).isEqualTo("CANCELLED");
                assertThat(o.get("reason").asText()).isEqualTo("timeout");
                assertThat(steps(o)).endsWith("cancel-order");
            });
            JsonNode order = json(http, "/api/orders/late-1");
            // the payment never applied (checked by its command id, not sent after the deadline): one compensation
            assertThat(steps(order)).containsExactly("reserve:apple", "pay", "release:apple", "cancel-order");
            JsonNode pay = order.get("steps").get(1);
            assertThat(pay.get("outcome").asText()).isEqualTo("refused");
            assertThat(pay.get("code").asText()).isEqualTo("not_applied");
            List<String> compensations = new ArrayList<>();
            order.get("steps").forEach(s -> {
                if (s.get("kind").asText().equals("compensation")) {
                    compensations.add(s.get("step").asText());
                }
            });
            assertThat(compensations).containsExactly("release:apple");

            // the stock as restocked, released exactly once
            JsonNode apple = json(http, "/api/inventory/apple");
            assertThat(apple.get("available").asLong()).isEqualTo(10);
            assertThat(apple.get("reserved").asLong()).isZero();
            assertThat(eventTypes(http, "inventory", "apple")).containsExactly("Restocked", "StockReserved",
                    "StockReleased");

            // the account untouched: its credit only
            JsonNode account = json(http, "/api/stores/bank-account/erin/aggregate").get("state");
            assertThat(account.get("balance").asLong()).isEqualTo(1000);
            assertThat(eventTypes(http, "bank-account", "erin")).containsExactly("Credited");
            assertThat(eventTypes(http, "order", "late-1")).containsExactly("OrderPlaced", "OrderCancelled");
        }
    }

    private static List<String> steps(JsonNode order) {
        List<String> out = new ArrayList<>();
        order.get("steps").forEach(s -> out.add(s.get("step").asText()));
        return out;
    }

    private static List<String> eventTypes(Http http, String store, String id) {
        List<String> out = new ArrayList<>();
        json(http, "/api/stores/" + store + "/" + id + "/events").get("events").forEach(e -> out.add(e.get("type")
                .asText()));
        return out;
    }

    private static JsonNode json(Http http, String path) {
        try {
            Http.Answer a = http.get(path);
            assertThat(a.status()).as("GET %s: %s", path, a.json()).isEqualTo(200);
            return a.json();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
