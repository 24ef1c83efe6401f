package dev.tally.cli;

import static dev.tally.testing.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The orders example served by the packaged jar beside the bank: the routes, exactly. */
class OrdersIT {
    static TallyProcess server;
    static Http http;

    @BeforeAll
    static void serve() throws Exception {
        String bank = System.getProperty("tally.apps", "").split(",")[0]; // the bank's jar comes first
        assertThat(Path.of(bank)).as("the bank example is built before tally-cli").isRegularFile();
        String orders = System.getProperty("tally.ordersApp");
        assertThat(Path.of(orders)).as("the orders example is built before tally-cli").isRegularFile();
        server = TallyProcess.serve("--in-memory", "--port", "0", "--app", bank, "--app", orders);
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static List<String> steps(JsonNode order) {
        List<String> out = new ArrayList<>();
        order.get("steps").forEach(s -> out.add(s.get("step").asText()));
        return out;
    }

    @Test
    void restockAndReadInventory() throws Exception {
        Http.Answer restocked = http.post("/api/inventory/kiwi/restock", "{\"quantity\": 7}");
        assertThat(restocked.status()).isEqualTo(200);
        assertThat(restocked.json().get("sku").asText()).isEqualTo("kiwi");
        assertThat(restocked.json().get("available").asLong()).isEqualTo(7);
        assertThat(restocked.json().get("version").asLong()).isEqualTo(1);

        JsonNode stock = http.get("/api/inventory/kiwi").json();
        assertThat(stock.get("available").asLong()).isEqualTo(7);
        assertThat(stock.get("reserved").asLong()).isZero();
        assertThat(stock.get("version").asLong()).isEqualTo(1);
        assertThat(http.get("/api/inventory/never-restocked").status()).isEqualTo(404);
        Http.Answer bad = http.post("/api/inventory/kiwi/restock", "{\"quantity\": -1}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("message").asText()).contains("quantity");
    }

    @Test
    void anOrderIsConfirmedWithItsStepsAndAnOrderWithoutFundsIsCompensated() throws Exception {
        http.post("/api/inventory/apple/restock", "{\"quantity\": 10}");
        http.post("/api/accounts/alice/credit", "{\"amount\": 1000}");
        String body = "{\"accountId\": \"alice\", \"lines\": [{\"sku\": \"apple\", \"quantity\": 2, \"unitPrice\": 150}]}";
        Http.Answer placed = http.post("/api/orders/o1", body);
        assertThat(placed.status()).isEqualTo(202);
        assertThat(placed.json().get("orderId").asText()).isEqualTo("o1");
        assertThat(placed.json().get("status").asText()).isEqualTo("PENDING");
        assertThat(http.post("/api/orders/o1", body).status()).as("the id exists").isEqualTo(409);

        eventually(() -> {
            JsonNode o = get("/api/orders/o1");
            assertThat(o.get("status").asText()).isEqualTo("CONFIRMED");
            assertThat(o.get("reason").isNull()).isTrue();
            assertThat(o.get("total").asLong()).isEqualTo(300);
            assertThat(steps(o)).containsExactly("reserve:apple", "pay", "confirm", "sell:apple");
        });
        assertThat(get("/api/inventory/apple").get("available").asLong()).isEqualTo(8);
        assertThat(get("/api/accounts/alice").path("balance").asLong()).isIn(700L, 1000L); // the view may lag

        http.post("/api/accounts/bob/credit", "{\"amount\": 10}");
        http.post("/api/orders/o2", "{\"accountId\": \"bob\", \"lines\": [{\"sku\": \"apple\", \"quantity\": 1,"
                + " \"unitPrice\": 500}], \"timeoutSeconds\": 60}");
        eventually(() -> {
            JsonNode o = get("/api/orders/o2");
            assertThat(o.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(o.get("reason").asText()).isEqualTo("insufficient_funds");
            assertThat(steps(o)).containsExactly("reserve:apple", "pay", "release:apple", "cancel-order");
            assertThat(o.get("steps").get(2).get("kind").asText()).isEqualTo("compensation");
        });
        assertThat(get("/api/inventory/apple").get("reserved").asLong()).isZero();

        // each saga step is timed (issue 15's saga step latency): o1 took four, o2 four
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                server.url().resolve("/metrics")).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher steps = java.util.regex.Pattern.compile(
                "tally_saga_step_seconds_count\\{saga=\"order-saga\"} ([0-9.E]+)").matcher(metrics);
        assertThat(steps.find()).as("tally_saga_step_seconds_count in /metrics").isTrue();
        assertThat(Double.parseDouble(steps.group(1))).isGreaterThanOrEqualTo(8.0);

        // the dashboard's list: every order with its steps
        JsonNode listed = get("/api/orders?limit=1000").get("orders");
        assertThat(listed.findValuesAsText("orderId")).contains("o1", "o2");

        // the saga's own stream, as `tally events` reads it; its inputs come from its runner only
        assertThat(get("/api/stores/order-saga/o1/events").toString()).contains("SagaStarted");
        assertThat(http.post("/api/stores/order-saga/o1/commands/TimedOut",
                "{\"name\": \"deadline\", \"dueAt\": \"2020-01-01T00:00:00Z\"}").status()).isEqualTo(405);
    }

    @Test
    void theSagasCommandsAreRefusedOnTheGenericRouteAndTheSagaStillSendsThem() throws Exception {
        http.post("/api/inventory/fig/restock", "{\"quantity\": 5}");
        http.post("/api/accounts/judy/credit", "{\"amount\": 100}");
        http.post("/api/orders/x1", "{\"accountId\": \"judy\", \"lines\": [{\"sku\": \"fig\", \"quantity\": 1,"
                + " \"unitPrice\": 1000}], \"timeoutSeconds\": 600}");
        // a client cannot confirm an order it cannot pay for, nor take or free stock itself
        Http.Answer confirm = http.post("/api/stores/order/x1/commands/Confirm", "{}");
        assertThat(confirm.status()).isEqualTo(403);
        assertThat(confirm.json().get("error").asText()).isEqualTo("internal_command");
        assertThat(confirm.json().get("message").asText()).contains("'Confirm'", "'order'", "internal", "[Place]");
        assertThat(http.post("/api/stores/order/x1/commands/Cancel", "{\"reason\": \"timeout\"}").status())
                .isEqualTo(403);
        for (String c : List.of("Reserve", "Release", "Sell")) {
            assertThat(http.post("/api/stores/inventory/fig/commands/" + c, "{\"orderId\": \"x1\", \"quantity\": 1}")
                    .status()).as(c).isEqualTo(403);
        }
        assertThat(http.post("/api/stores/inventory/fig/commands/Restock", "{\"quantity\": 1}").status())
                .as("a command not declared internal is accepted").isEqualTo(200);
        JsonNode stores = http.get("/api/stores").json();
        boolean sawSaga = false;
        for (JsonNode s : stores) {
            if (s.get("name").asText().equals("order")) {
                assertThat(s.get("internalCommands").toString()).isEqualTo("[\"Confirm\",\"Cancel\"]");
                assertThat(s.get("kind").asText()).isEqualTo("store");
            }
            if (s.get("name").asText().equals("order-saga")) {
                sawSaga = true;
                // its inputs (Observed, Replied, TimedOut) come from its runner: not offered as commands
                assertThat(s.get("kind").asText()).isEqualTo("saga");
                assertThat(s.get("commands")).isEmpty();
            }
        }
        assertThat(sawSaga).as("the saga's store is listed, as a saga").isTrue();

        // the saga still sends them: x1 cannot be paid, so it is released and cancelled
        eventually(() -> {
            JsonNode o = get("/api/orders/x1");
            assertThat(o.get("status").asText()).isEqualTo("CANCELLED");
            assertThat(o.get("reason").asText()).isEqualTo("insufficient_funds");
            assertThat(steps(o)).containsExactly("reserve:fig", "pay", "release:fig", "cancel-order");
        });
        JsonNode fig = get("/api/inventory/fig");
        assertThat(fig.get("available").asLong()).isEqualTo(6);
        assertThat(fig.get("reserved").asLong()).isZero();
    }

    @Test
    void aBadOrderBodyIsRefusedNamingTheField() throws Exception {
        Http.Answer noAccount = http.post("/api/orders/b1", "{\"lines\": [{\"sku\": \"a\", \"quantity\": 1,"
                + " \"unitPrice\": 1}]}");
        assertThat(noAccount.status()).isEqualTo(400);
        assertThat(noAccount.json().get("message").asText()).contains("accountId");
        Http.Answer zero = http.post("/api/orders/b2", "{\"accountId\": \"a\", \"lines\": [{\"sku\": \"a\","
                + " \"quantity\": 0, \"unitPrice\": 1}]}");
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.json().get("message").asText()).contains("lines[0].quantity");
        Http.Answer noLines = http.post("/api/orders/b3", "{\"accountId\": \"a\", \"lines\": []}");
        assertThat(noLines.status()).isEqualTo(400);
        assertThat(noLines.json().get("message").asText()).contains("lines");
        assertThat(http.get("/api/orders/b1").status()).as("nothing was placed").isEqualTo(404);
    }

    private static JsonNode get(String path) {
        try {
            return http.get(path).json();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
