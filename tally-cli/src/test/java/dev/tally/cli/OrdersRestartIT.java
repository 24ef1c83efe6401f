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
    /** The first order's timeout: the server is down from before it until after it. */
    private static final long TIMEOUT_SECONDS = 12;
    /** How long a check waits for the server to get somewhere (generous: the machine may be loaded). */
    private static final Duration WAIT = Duration.ofMinutes(2);
    /** An order whose deadline is closer than this when its set-up ended may fire before the kill. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

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
        Ids ids;
        try (TallyProcess first = engine.serve(data, "--app", bank, "--app", orders,
                "--chaos-unreachable", "bank-account")) {
            Http http = new Http(first.url());
            assertThat(first.output()).anyMatch(l -> l.contains("--chaos-unreachable"));
            // the order must still wait when the server is killed: on a loaded machine the set-up can outlast
            // a short timeout, so an order whose deadline came too close is left and another placed, with
            // its own ids and a longer timeout (the waits below are for conditions, not on the clock)
            long timeoutSeconds = TIMEOUT_SECONDS;
            for (int attempt = 1; ; attempt++, timeoutSeconds *= 3) {
                ids = new Ids(attempt);
                deadline = pendingOrder(http, ids, timeoutSeconds);
                if (deadline != null) {
                    break;
                }
                assertThat(attempt).as("orders placed before one still waited when its set-up ended").isLessThan(3);
                Ids late = ids; // let its timer cancel it, so nothing of it is in flight when the next one is placed
                eventually(WAIT, () -> assertThat(json(http, "/api/orders/" + late.order()).get("status").asText())
                        .isEqualTo("CANCELLED"));
            }
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

        Ids waited = ids;
        try (TallyProcess second = engine.serve(data, "--app", bank, "--app", orders)) {
            Http http = new Http(second.url());
            eventually(Duration.ofMinutes(2), () -> {
                JsonNode o = json(http, "/api/orders/" + waited.order());
                assertThat(o.get("status").asText()).isEqualTo("CANCELLED");
                assertThat(o.get("reason").asText()).isEqualTo("timeout");
                assertThat(steps(o)).endsWith("cancel-order");
            });
            JsonNode order = json(http, "/api/orders/" + waited.order());
            // the payment never applied (checked by its command id, not sent after the deadline): one compensation
            assertThat(steps(order)).containsExactly("reserve:" + waited.sku(), "pay", "release:" + waited.sku(),
                    "cancel-order");
            JsonNode pay = order.get("steps").get(1);
            assertThat(pay.get("outcome").asText()).isEqualTo("refused");
            assertThat(pay.get("code").asText()).isEqualTo("not_applied");
            List<String> compensations = new ArrayList<>();
            order.get("steps").forEach(s -> {
                if (s.get("kind").asText().equals("compensation")) {
                    compensations.add(s.get("step").asText());
                }
            });
            assertThat(compensations).containsExactly("release:" + waited.sku());

            // the stock as restocked, released exactly once
            JsonNode apple = json(http, "/api/inventory/" + waited.sku());
            assertThat(apple.get("available").asLong()).isEqualTo(10);
            assertThat(apple.get("reserved").asLong()).isZero();
            assertThat(eventTypes(http, "inventory", waited.sku())).containsExactly("Restocked", "StockReserved",
                    "StockReleased");

            // the account untouched: its credit only
            JsonNode account = json(http, "/api/stores/bank-account/" + waited.account() + "/aggregate").get("state");
            assertThat(account.get("balance").asLong()).isEqualTo(1000);
            assertThat(eventTypes(http, "bank-account", waited.account())).containsExactly("Credited");
            assertThat(eventTypes(http, "order", waited.order())).containsExactly("OrderPlaced", "OrderCancelled");
        }
    }

    /** An attempt's order, the stock it reserves and the account it would pay from. */
    private record Ids(String order, String sku, String account) {
        Ids(int attempt) {
            this("late-" + attempt, "apple-" + attempt, "erin-" + attempt);
        }
    }

    /**
     * Places an order whose payment cannot be taken and waits until it waits: its stock reserved, the
     * saga's deliveries to the unreachable store given up (dead letters), its timer stored. Its deadline,
     * or null when that deadline was (nearly) reached during the set-up: then the order may no longer wait.
     */
    private static Instant pendingOrder(Http http, Ids ids, long timeoutSeconds) throws Exception {
        long deadLettersBefore = json(http, "/api/pipeline").get("deadLetterCount").asLong();
        assertThat(http.post("/api/inventory/" + ids.sku() + "/restock", "{\"quantity\": 10}").status()).isEqualTo(200);
        assertThat(http.post("/api/accounts/" + ids.account() + "/credit", "{\"amount\": 1000}").status())
                .isEqualTo(200);
        assertThat(http.post("/api/orders/" + ids.order(), "{\"accountId\": \"" + ids.account() + "\", \"lines\":"
                + " [{\"sku\": \"" + ids.sku() + "\", \"quantity\": 4, \"unitPrice\": 100}], \"timeoutSeconds\": "
                + timeoutSeconds + "}").status()).isEqualTo(202);

        // the stock is reserved; the payment cannot be taken, so the order waits
        eventually(WAIT, () -> assertThat(steps(json(http, "/api/orders/" + ids.order()))).startsWith("reserve:"
                + ids.sku()));
        // the saga's deliveries gave up on the unreachable store (dead letters): nothing is in flight
        eventually(WAIT, () -> {
            JsonNode pipeline = json(http, "/api/pipeline");
            assertThat(pipeline.get("deadLetterCount").asLong()).isGreaterThan(deadLettersBefore);
            if (pipeline.has("pendingDeliveries")) { // the PostgreSQL engine delivers inside its runners' transactions
                assertThat(pipeline.get("pendingDeliveries").asLong()).isZero();
            }
        });
        JsonNode saga = json(http, "/api/stores/order-saga/" + ids.order() + "/aggregate").get("state");
        Instant deadline = Instant.parse(saga.get("deadline").asText());
        JsonNode order = json(http, "/api/orders/" + ids.order());
        if (!order.get("status").asText().equals("PENDING") || !Instant.now().plus(MARGIN).isBefore(deadline)) {
            return null; // its deadline came during the set-up
        }
        assertThat(steps(order)).containsExactly("reserve:" + ids.sku());
        eventually(WAIT, () -> assertThat(json(http, "/api/inventory/" + ids.sku()).get("reserved").asLong())
                .isEqualTo(4));
        assertThat(saga.get("timerSet").asBoolean()).as("the deadline's timer is stored").isTrue();
        return deadline;
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
