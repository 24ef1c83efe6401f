package dev.tally.examples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Aggregate;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.AppRoute.AppError;
import dev.tally.core.app.AppRoute.Response;
import dev.tally.core.app.ConsolePanel;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.CommandResult;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.saga.Saga;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Seed 002's orders as an app {@code tally serve} hosts beside the bank (payment is a debit of a bank
 * account: serve it with {@code --app tally-example-bank.jar --app tally-example-orders.jar}):
 *
 * <pre>
 * POST /api/inventory/{sku}/restock {"quantity": n}       -> 200 {"sku","available","version"}
 * GET  /api/inventory/{sku}                               -> {"sku","available","reserved","version"} | 404
 * POST /api/orders/{id} {"accountId","lines":[{"sku","quantity","unitPrice"}],"timeoutSeconds"?: 30}
 *                                                         -> 202 {"orderId","status":"PENDING"} | 400 | 409
 * GET  /api/orders/{id}    -> {"orderId","status","reason","total","steps":[..]} | 404
 * GET  /api/orders[?limit=N&amp;cursor=C]  -> a page of orders with their status and steps (the dashboard's list)
 * </pre>
 */
public final class OrdersApp implements TallyApp {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final int DEFAULT_TIMEOUT_SECONDS = 30;
    private static final String ORDER_HINT = "; send JSON such as {\"accountId\": \"alice\", \"lines\": [{\"sku\":"
            + " \"apple\", \"quantity\": 2, \"unitPrice\": 150}], \"timeoutSeconds\": 30}";

    @Override
    public String name() {
        return "orders";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(Order.DEFINITION, Inventory.DEFINITION);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of();
    }

    @Override
    public List<Saga<?, ?>> sagas() {
        return List.of(OrderSaga.SAGA);
    }

    /** The orders as a panel of the console: each order's status and the saga's steps (optional). */
    @Override
    public List<ConsolePanel> consolePanels() {
        return List.of(new ConsolePanel("Orders", "/api/orders?limit=20", "each order's status, reason, total and"
                + " the saga's steps and compensations"));
    }

    @Override
    public List<AppRoute> routes(AppContext context) {
        EventStore<Order.State> orders = context.store(Order.DEFINITION);
        EventStore<Inventory.Stock> inventory = context.store(Inventory.DEFINITION);
        EventStore<OrderSaga.Progress> sagas = context.store(OrderSaga.SAGA.definition());
        return List.of(
                AppRoute.post("/api/inventory/([^/]+)/restock", r -> {
                    long quantity = positive(r.body(), "quantity", "; send JSON such as {\"quantity\": 10}");
                    CommandResult<Inventory.Stock> result = inventory.execute(r.param(0),
                            new Inventory.Restock(quantity), r.metadata());
                    if (result instanceof CommandResult.Rejected<Inventory.Stock> rejected) {
                        throw new AppError(422, rejected.rejection().code(), rejected.rejection().message());
                    }
                    return Response.ok(JsonCodec.object().put("sku", r.param(0))
                            .put("available", result.aggregate().state().available())
                            .put("version", result.aggregate().version()));
                }),
                AppRoute.get("/api/inventory/([^/]+)", r -> {
                    Aggregate<Inventory.Stock> stock = inventory.load(r.param(0));
                    if (!stock.exists()) {
                        throw new AppError(404, "not_found", "SKU '" + r.param(0) + "' was never restocked; POST"
                                + " /api/inventory/" + r.param(0) + "/restock first");
                    }
                    return Response.ok(JsonCodec.object().put("sku", r.param(0))
                            .put("available", stock.state().available()).put("reserved", stock.state().reserved())
                            .put("version", stock.version()));
                }),
                AppRoute.post("/api/orders/([^/]+)", r -> {
                    Order.Place place = place(r.body());
                    CommandResult<Order.State> result = orders.execute(r.param(0), place, r.metadata());
                    if (result instanceof CommandResult.Rejected<Order.State> rejected) {
                        throw new AppError(409, rejected.rejection().code(), "order '" + r.param(0) + "' exists"
                                + " already; choose another id");
                    }
                    return new Response(202, JsonCodec.object().put("orderId", r.param(0)).put("status", "PENDING"));
                }),
                AppRoute.get("/api/orders/([^/]+)", r -> {
                    Aggregate<Order.State> order = orders.load(r.param(0));
                    if (!order.exists()) {
                        throw new AppError(404, "not_found", "no order '" + r.param(0) + "'; place it with POST"
                                + " /api/orders/" + r.param(0));
                    }
                    return Response.ok(orderJson(order, sagas.load(r.param(0)).state()));
                }),
                AppRoute.get("/api/orders", r -> {
                    int limit = limit(r);
                    Page<String> page = orders.listAggregateIds(new PageRequest(r.query().get("cursor"), limit));
                    ArrayNode list = JsonCodec.mapper().createArrayNode();
                    for (String id : page.items()) {
                        list.add(orderJson(orders.load(id), sagas.load(id).state()));
                    }
                    ObjectNode body = JsonCodec.object();
                    body.set("orders", list);
                    body.put("nextCursor", page.nextCursor());
                    return Response.ok(body);
                }));
    }

    /** The order as the contract gives it, plus its saga's steps and compensations. */
    static ObjectNode orderJson(Aggregate<Order.State> order, OrderSaga.Progress saga) {
        ObjectNode body = JsonCodec.object();
        body.put("orderId", order.aggregateId());
        body.put("status", order.state().status().name());
        body.put("reason", order.state().reason());
        body.put("total", order.state().total());
        ArrayNode steps = body.putArray("steps");
        for (OrderSaga.Step s : saga.steps()) {
            steps.addObject().put("step", s.name()).put("kind", kind(s.name()))
                    .put("outcome", s.accepted() ? "done" : "refused").put("code", s.code());
        }
        return body;
    }

    static String kind(String step) {
        if (step.equals("refund") || step.startsWith("release:")) {
            return "compensation";
        }
        return step.equals("cancel-order") || step.equals("confirm") ? "outcome" : "step";
    }

    private static int limit(AppRoute.Request r) {
        String v = r.query().get("limit");
        if (v == null) {
            return 100;
        }
        int n = v.matches("[0-9]{1,4}") ? Integer.parseInt(v) : 0;
        if (n < 1 || n > 1000) {
            throw new AppError(400, "invalid_limit", "'limit' must be a whole number from 1 to 1000");
        }
        return n;
    }

    /** The body of POST /api/orders/{id}, checked field by field. */
    static Order.Place place(JsonNode body) {
        JsonNode account = body.get("accountId");
        if (account == null || !account.isTextual() || !ID.matcher(account.asText()).matches()) {
            throw new AppError(400, "invalid_accountId", "field 'accountId' must be a bank account id (1-64 letters,"
                    + " digits, '_' or '-'), got " + account + ORDER_HINT);
        }
        JsonNode lines = body.get("lines");
        if (lines == null || !lines.isArray() || lines.isEmpty() || lines.size() > Order.MAX_LINES) {
            throw new AppError(400, "invalid_lines", "field 'lines' must be an array of 1-100 lines, got "
                    + (lines == null ? "nothing" : lines.getNodeType().name().toLowerCase()) + ORDER_HINT);
        }
        List<Order.Line> out = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = lines.get(i);
            String where = "lines[" + i + "].";
            if (!line.isObject()) {
                throw new AppError(400, "invalid_lines", "field 'lines[" + i + "]' must be an object" + ORDER_HINT);
            }
            JsonNode sku = line.get("sku");
            if (sku == null || !sku.isTextual() || !ID.matcher(sku.asText()).matches()) {
                throw new AppError(400, "invalid_sku", "field '" + where + "sku' must be a SKU (1-64 letters, digits,"
                        + " '_' or '-'), got " + sku + ORDER_HINT);
            }
            long quantity = positive(line, "quantity", where, ORDER_HINT);
            long unitPrice = positive(line, "unitPrice", where, " (minor units: 150 is 1.50)" + ORDER_HINT);
            try {
                total = Math.addExact(total, Math.multiplyExact(quantity, unitPrice));
            } catch (ArithmeticException e) {
                throw new AppError(400, "invalid_lines", "the order's total overflows: check '" + where + "quantity'"
                        + " and '" + where + "unitPrice'");
            }
            out.add(new Order.Line(sku.asText(), quantity, unitPrice));
        }
        long timeout = DEFAULT_TIMEOUT_SECONDS;
        JsonNode t = body.get("timeoutSeconds");
        if (t != null && !t.isNull()) {
            timeout = positive(body, "timeoutSeconds", " (1 to 86400; default " + DEFAULT_TIMEOUT_SECONDS + ")");
            if (timeout > Order.MAX_TIMEOUT_SECONDS) {
                throw new AppError(400, "invalid_timeoutSeconds", "field 'timeoutSeconds' must be at most 86400, got "
                        + timeout);
            }
        }
        return new Order.Place(account.asText(), out, timeout);
    }

    private static long positive(JsonNode body, String field, String hint) {
        return positive(body, field, "", hint);
    }

    private static long positive(JsonNode body, String field, String prefix, String hint) {
        JsonNode n = body.get(field);
        String name = prefix + field;
        String code = "invalid_" + field;
        if (n == null || n.isNull()) {
            throw new AppError(400, code, "field '" + name + "' is missing" + hint);
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new AppError(400, code, "field '" + name + "' must be a whole number, got " + n + hint);
        }
        if (n.longValue() <= 0) {
            throw new AppError(400, code, "field '" + name + "' must be positive, got " + n + hint);
        }
        return n.longValue();
    }
}
