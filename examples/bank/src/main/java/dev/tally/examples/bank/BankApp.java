package dev.tally.examples.bank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.CommandGroup;
import dev.tally.core.EventStore;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.AppRoute.AppError;
import dev.tally.core.app.AppRoute.Response;
import dev.tally.core.app.ConsolePanel;
import dev.tally.core.app.RejectionCode;
import dev.tally.core.app.TallyApp;
import dev.tally.core.command.CommandResult;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.SqlTable;
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
 * GET  /api/accounts[?limit=N&cursor=C]           -> a page of the accounts the balance view knows
 * GET  /api/accounts/{id}                         -> the read model | 404 when the account has no events
 * GET  /api/accounts/{id}/events[?limit=N&cursor=C] -> a page of the ledger stream, oldest first
 * PUT  /api/accounts/{id}/holder   {"name", "email"} -> 200 {"aggregateId","version"} | 400
 * POST /api/accounts/{id}/forget                  -> 200 {"aggregateId","version"}: the holder's data key is
 *                                                    destroyed; GET then shows {"name":null,"email":null,"forgotten":true}
 * POST /api/transfers {"from","to","amount"}       -> 200 {"from":{"aggregateId","version"},"to":{..}} | 400
 *                                                    | 422 insufficient_funds (nothing appended to either account)
 * </pre>
 *
 * A transfer is one command over two accounts ({@link CommandGroup}): the debit and the credit are
 * decided by the account's own rules and appended together, atomically, or not at all.
 *
 * The account's {@code "holder"} is {@code {"name","email","forgotten"}} (null when none was set): the
 * holder view holds the sealed values, revealed here with the store's keys.
 *
 * Pages: {@code limit} is 1-1000 (default 1000 events, 500 accounts); the answer's
 * {@code nextCursor} (null on the last page) is passed back as {@code cursor} for the next one.
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
                BankProjections.LAST_MONTH_BALANCE_VIEW, BankProjections.HOLDER_VIEW);
    }

    /**
     * The balances as rows of {@code bank_balances(account_id, version, balance, view)} on
     * {@code tally serve --engine postgres}, to query with SQL ({@code WHERE balance > 10000});
     * other engines keep them as any other view.
     */
    @Override
    public List<SqlTable<?>> sqlTables() {
        return List.of(SqlTable.of(BankProjections.BALANCE_VIEW, "bank_balances").key("account_id")
                .bigint("balance", BalanceView::balance).build());
    }

    /** The codes its commands reject with: listed in the server's OpenAPI document (optional). */
    @Override
    public List<RejectionCode> rejectionCodes() {
        return List.of(new RejectionCode("bank-account", AccountCommand.INVALID_AMOUNT, "the amount is not a positive"
                        + " number of minor units, or would overflow the balance"),
                new RejectionCode("bank-account", AccountCommand.INSUFFICIENT_FUNDS, "a debit over the balance"),
                new RejectionCode("bank-account", SetHolder.INVALID_HOLDER, "a holder's name or email is not"
                        + " acceptable"));
    }

    /** The accounts as a panel of the console (optional: every store, view and saga is there without it). */
    @Override
    public List<ConsolePanel> consolePanels() {
        return List.of(new ConsolePanel("Accounts", "/api/accounts?limit=20", "balances from the balance view"));
    }

    @Override
    public List<AppRoute> routes(AppContext context) {
        EventStore<Account> accounts = context.store(BankAccount.DEFINITION);
        ViewReader<BalanceView> balances = context.views(BankProjections.BALANCE_VIEW);
        ViewReader<LastTransaction> lastTransactions = context.views(BankProjections.LAST_TRANSACTION_VIEW);
        ViewReader<LastMonthBalanceView> lastMonths = context.views(BankProjections.LAST_MONTH_BALANCE_VIEW);
        ViewReader<HolderView> holders = context.views(BankProjections.HOLDER_VIEW);
        return List.of(
                AppRoute.put("/api/accounts/([^/]+)/holder", r -> execute(accounts, r.param(0), holder(r.body()),
                        r.metadata())),
                AppRoute.post("/api/accounts/([^/]+)/forget", r -> {
                    String id = r.param(0);
                    if (head(accounts, id) == 0) {
                        throw new AppError(404, "not_found", "account '" + id + "' has no events: nothing to forget");
                    }
                    RecordedEvent audit = accounts.forget(id);
                    return Response.ok(JsonCodec.object().put("aggregateId", id).put("version", audit.version()));
                }),
                AppRoute.post("/api/accounts/([^/]+)/credit", r -> execute(accounts, r.param(0),
                        new Credit(amount(r.body())), r.metadata())),
                AppRoute.post("/api/accounts/([^/]+)/debit", r -> execute(accounts, r.param(0),
                        new Debit(amount(r.body())), r.metadata())),
                AppRoute.post("/api/transfers", r -> transfer(accounts, r)),
                AppRoute.get("/api/accounts", r -> list(balances, r)),
                AppRoute.get("/api/accounts/([^/]+)", r -> {
                    String id = r.param(0);
                    long head = head(accounts, id);
                    if (head == 0) {
                        throw new AppError(404, "not_found", "account '" + id + "' has no events; credit it first");
                    }
                    ObjectNode body = accountJson(id, head, BankProjections.account(id, balances, lastTransactions,
                            lastMonths).orElse(null));
                    body.set("holder", holderJson(accounts, holders, id));
                    return Response.ok(body);
                }),
                AppRoute.get("/api/accounts/([^/]+)/events", r -> {
                    int limit = limit(r, 1000);
                    long from = 1;
                    String cursor = r.query().get("cursor");
                    if (cursor != null) {
                        from = cursor.matches("[0-9]{1,18}") ? Long.parseLong(cursor) : 0;
                        if (from < 1) {
                            throw badCursor();
                        }
                    }
                    List<RecordedEvent> read = accounts.read(r.param(0),
                            new ReadOptions(from, Long.MAX_VALUE, false, limit + 1));
                    ArrayNode events = JsonCodec.mapper().createArrayNode();
                    for (RecordedEvent e : read.subList(0, Math.min(limit, read.size()))) {
                        ObjectNode event = JsonCodec.eventToJson(e);
                        // the holder revealed for the reader; "(forgotten)" once its key is destroyed
                        accounts.personalData().ifPresent(p -> event.set("payload", p.reveal(e.payload(),
                                com.fasterxml.jackson.databind.node.TextNode.valueOf(
                                        dev.tally.core.privacy.PersonalData.FORGOTTEN)).value()));
                        events.add(event);
                    }
                    ObjectNode body = JsonCodec.object().put("store", BankAccount.STORE).put("aggregateId", r.param(0));
                    body.set("events", events);
                    body.put("nextCursor", read.size() > limit ? Long.toString(read.get(limit).version()) : null);
                    return Response.ok(body);
                }));
    }

    private static int limit(AppRoute.Request r, int max) {
        String v = r.query().get("limit");
        if (v == null) {
            return max;
        }
        int n = v.matches("[0-9]{1,4}") ? Integer.parseInt(v) : 0;
        if (n < 1 || n > 1000) {
            throw new AppError(400, "invalid_limit", "'limit' must be a whole number from 1 to 1000, got '"
                    + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'");
        }
        return n;
    }

    private static AppError badCursor() {
        return new AppError(400, "invalid_cursor", "'cursor' is not a cursor this server gave out: pass back the"
                + " nextCursor of the previous page unchanged, or leave it out for the first page");
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

    /**
     * Debits one account and credits another in one atomic group: an amount the source does not hold
     * is refused (422) and neither account changes; a race with another command on either account
     * decides the whole transfer again.
     */
    static Response transfer(EventStore<Account> accounts, AppRoute.Request r) {
        String from = accountId(r.body(), "from");
        String to = accountId(r.body(), "to");
        if (from.equals(to)) {
            throw new AppError(400, "invalid_transfer", "'from' and 'to' are both '" + from + "': a transfer moves"
                    + " money between two different accounts");
        }
        long amount = amount(r.body());
        CommandGroup.GroupResult result = CommandGroup.of()
                .add(accounts, from, new Debit(amount))
                .add(accounts, to, new Credit(amount))
                .execute(r.metadata());
        if (result instanceof CommandGroup.Rejected rejected) {
            throw new AppError(422, rejected.rejection().code(), rejected.rejection().message());
        }
        List<dev.tally.core.Aggregate<?>> after = ((CommandGroup.Accepted) result).aggregates();
        ObjectNode body = JsonCodec.object();
        body.putObject("from").put("aggregateId", from).put("version", after.get(0).version());
        body.putObject("to").put("aggregateId", to).put("version", after.get(1).version());
        return Response.ok(body);
    }

    private static String accountId(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || !v.asText().matches("[A-Za-z0-9_-]{1,64}")) {
            throw new AppError(400, "invalid_transfer", "field '" + field + "' must be an account id (1-64 letters,"
                    + " digits, '_' or '-'); send JSON such as {\"from\": \"alice\", \"to\": \"bob\", \"amount\": 2500}");
        }
        return v.asText();
    }

    /** The holder of a PUT body; the values are personal data, so no message repeats them. */
    static SetHolder holder(JsonNode body) {
        JsonNode name = body.get("name");
        JsonNode email = body.get("email");
        String problem = name == null || !name.isTextual() || email == null || !email.isTextual()
                ? "send JSON such as {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\"}: both fields are"
                + " strings" : SetHolder.problem(name.asText(), email.asText());
        if (problem != null) {
            throw new AppError(400, SetHolder.INVALID_HOLDER, problem);
        }
        return new SetHolder(name.asText(), email.asText());
    }

    /** {"name","email","forgotten"} revealed from the holder view; null when the account has no holder. */
    static JsonNode holderJson(EventStore<Account> accounts, ViewReader<HolderView> holders, String id) {
        var view = holders.read(id);
        if (view.isEmpty()) {
            return com.fasterxml.jackson.databind.node.NullNode.instance;
        }
        JsonNode sealed = JsonCodec.toTree(view.get().view());
        ObjectNode out = JsonCodec.object();
        if (accounts.personalData().isEmpty()) {
            out.setAll((ObjectNode) sealed);
            out.put("forgotten", false);
            return out;
        }
        dev.tally.core.privacy.PersonalData.Revealed r = accounts.personalData().get().reveal(sealed, null);
        out.set("name", r.value().get("name"));
        out.set("email", r.value().get("email"));
        out.put("forgotten", r.forgotten());
        return out;
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

    private static Response list(ViewReader<BalanceView> balances, AppRoute.Request r) {
        String cursor = r.query().get("cursor");
        if (cursor != null && !cursor.matches("[A-Za-z0-9_-]{1,512}")) {
            throw badCursor();
        }
        Page<Versioned<BalanceView>> page;
        try {
            page = balances.list(new PageRequest(cursor, r.query().containsKey("limit") ? limit(r, 1000) : 500));
        } catch (IllegalArgumentException e) {
            throw badCursor();
        }
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        for (Versioned<BalanceView> v : page.items()) {
            list.addObject().put("aggregateId", v.key()).put("balance", v.view().balance())
                    .put("version", v.version());
        }
        ObjectNode body = JsonCodec.object();
        body.set("accounts", list);
        body.put("nextCursor", page.nextCursor());
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
