package dev.tally.examples.bank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.AppRoute.AppError;
import dev.tally.core.app.AppRoute.Response;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.CommandResult;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import dev.tally.core.projection.ViewReader;
import java.util.List;

/**
 * The bank as an app {@code tally serve} hosts: the account store, its three projections, and the
 * bank's own routes (which scripts and the dashboard rely on) beside the generic API:
 *
 * <pre>
 * POST /api/accounts/{id}/credit   {"amount": n}  -> 200 {"aggregateId","version"} | 400 | 422 insufficient_funds
 * POST /api/accounts/{id}/debit    {"amount": n}
 * GET  /api/accounts                              -> the accounts the balance view knows
 * GET  /api/accounts/{id}                         -> the read model | 404 when the account has no events
 * GET  /api/accounts/{id}/events                  -> the ledger stream
 * </pre>
 */
public final class BankApp implements TallyApp {
    private static final String AMOUNT_HINT = "; send JSON such as {\"amount\": 2500}: a positive whole number of"
            + " minor units (cents)";

    @Override
    public String name() {
        return "bank";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(BankAccount.DEFINITION);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of(BankProjections.BALANCE_VIEW, BankProjections.LAST_TRANSACTION_VIEW,
                BankProjections.LAST_MONTH_BALANCE_VIEW);
    }

    @Override
    public List<AppRoute> routes(AppContext context) {
        EventStore<Account> accounts = context.store(BankAccount.DEFINITION);
        ViewReader<BalanceView> balances = context.views(BankProjections.BALANCE_VIEW);
        ViewReader<LastTransaction> lastTransactions = context.views(BankProjections.LAST_TRANSACTION_VIEW);
        ViewReader<LastMonthBalanceView> lastMonths = context.views(BankProjections.LAST_MONTH_BALANCE_VIEW);
        return List.of(
                AppRoute.post("/api/accounts/([^/]+)/credit", r -> execute(accounts, r.param(0),
                        new Credit(amount(r.body())), r.metadata())),
                AppRoute.post("/api/accounts/([^/]+)/debit", r -> execute(accounts, r.param(0),
                        new Debit(amount(r.body())), r.metadata())),
                AppRoute.get("/api/accounts", r -> list(balances)),
                AppRoute.get("/api/accounts/([^/]+)", r -> {
                    String id = r.param(0);
                    long head = head(accounts, id);
                    if (head == 0) {
                        throw new AppError(404, "not_found", "account '" + id + "' has no events; credit it first");
                    }
                    return Response.ok(accountJson(id, head, BankProjections.account(id, balances, lastTransactions,
                            lastMonths).orElse(null)));
                }),
                AppRoute.get("/api/accounts/([^/]+)/events", r -> {
                    ArrayNode events = JsonCodec.mapper().createArrayNode();
                    for (RecordedEvent e : accounts.read(r.param(0), ReadOptions.ALL)) {
                        events.add(JsonCodec.eventToJson(e));
                    }
                    ObjectNode body = JsonCodec.object().put("store", BankAccount.STORE).put("aggregateId", r.param(0));
                    body.set("events", events);
                    return Response.ok(body);
                }));
    }

    /** The request's metadata carries its Idempotency-Key's command id: a retried request credits once. */
    private static Response execute(EventStore<Account> accounts, String id, AccountCommand command,
                                    dev.tally.core.EventMetadata metadata) {
        CommandResult<Account> r = accounts.execute(id, command, metadata);
        if (r instanceof CommandResult.Rejected<Account> rejected) {
            throw new AppError(422, rejected.rejection().code(), rejected.rejection().message());
        }
        return Response.ok(JsonCodec.object().put("aggregateId", id).put("version", r.aggregate().version()));
    }

    /** A positive whole number of minor units, as the client wrote it (2.5 and 1e2 are refused). */
    static long amount(JsonNode body) {
        JsonNode a = body.get("amount");
        if (a == null || a.isNull()) {
            throw new AppError(400, "invalid_amount", "field 'amount' is missing" + AMOUNT_HINT);
        }
        if (!a.isNumber()) {
            throw new AppError(400, "invalid_amount", "field 'amount' must be a number, got " + a + AMOUNT_HINT);
        }
        if (!a.isIntegralNumber()) {
            throw new AppError(400, "invalid_amount", "field 'amount' must be a whole number of minor units, got " + a
                    + AMOUNT_HINT);
        }
        if (!a.canConvertToLong()) {
            throw new AppError(400, "invalid_amount", "field 'amount' is too large: " + a + AMOUNT_HINT);
        }
        if (a.longValue() <= 0) {
            throw new AppError(400, "invalid_amount", "field 'amount' must be positive, got " + a + AMOUNT_HINT);
        }
        return a.longValue();
    }

    private static Response list(ViewReader<BalanceView> balances) {
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        PageRequest request = PageRequest.first(500);
        while (true) {
            Page<Versioned<BalanceView>> page = balances.list(request);
            for (Versioned<BalanceView> v : page.items()) {
                list.addObject().put("aggregateId", v.key()).put("balance", v.view().balance())
                        .put("version", v.version());
            }
            if (page.isLast() || list.size() >= 2000) {
                break;
            }
            request = request.next(page.nextCursor());
        }
        ObjectNode body = JsonCodec.object();
        body.set("accounts", list);
        return Response.ok(body);
    }

    private static ObjectNode accountJson(String id, long ledgerVersion, BankProjections.AccountView view) {
        ObjectNode body = JsonCodec.object();
        body.put("aggregateId", id);
        body.put("balance", view == null ? 0 : view.balance());
        body.put("version", view == null ? 0 : view.version());
        if (view == null || view.lastTransaction() == null) {
            body.putNull("lastTransaction");
        } else {
            body.set("lastTransaction", JsonCodec.toTree(view.lastTransaction()));
        }
        body.put("lastMonthBalance", view == null ? 0 : view.lastMonthBalance());
        body.put("ledgerVersion", ledgerVersion);
        body.put("upToDate", view != null && view.version() == ledgerVersion);
        return body;
    }

    static long head(EventStore<?> store, String id) {
        List<RecordedEvent> last = store.read(id, ReadOptions.latest(1));
        return last.isEmpty() ? 0 : last.get(0).version();
    }
}
