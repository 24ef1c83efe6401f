package dev.tally.aws.app;


import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.tally.aws.TallyEnvironment;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ViewReader;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import dev.tally.http.HostedView;
import dev.tally.http.IdempotencyKeys;
import dev.tally.http.Route;
import dev.tally.http.TallyHttp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The read side of any {@link TallyApp} on AWS, behind the HTTP API, answering as {@code tally serve} does:
 *
 * <pre>
 * GET /api/views/{projection}/{id}                   -> {"projection","key","version","view"} | 404
 * GET /api/stores/{store}/{id}/aggregate[?atVersion=N] -> {"store","aggregateId","version","state"} | 404
 * GET /api/stores/{store}/{id}/events[?limit=N&cursor=C] -> {"store","aggregateId","events","nextCursor"}
 * </pre>
 *
 * A thin adapter of the {@link TallyHttp} contract's read routes, and of
 * {@link dev.tally.http.EventRoutes} (events by type, correlation id and time; the trace of a
 * request). It only reads: views with GetItem, the ledger and snapshots with Query, the ledger's
 * event indexes with Query and their items with BatchGetItem. When the app declares
 * personal data, it reveals the sealed values of both answers for the reader as {@code tally serve}
 * does, and puts {@code "(forgotten)"} ({@link PersonalData#FORGOTTEN}) where the subject's key was
 * destroyed: it looks the wrapped key up with GetItem on the data-keys table and unwraps it with
 * {@code kms:Decrypt} ({@link AppKeys}); it never makes a key. Environment (beside
 * {@link AppFunctions}'s): {@code TALLY_VIEW_TABLES}, {@code projection=table} pairs separated by
 * commas. Handler: {@code dev.tally.aws.app.QueryFunction::handleRequest}.
 */
public class QueryFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    private static final Set<String> ROUTES = Set.of(TallyHttp.VIEW_ROUTE, TallyHttp.AGGREGATE_ROUTE,
            TallyHttp.EVENTS_ROUTE);

    private final TallyHttp contract;
    /** The read routes only: API Gateway sends this function nothing else. */
    private final List<Route> routes;

    public QueryFunction() {
        this(System.getenv());
        // SnapStart: load and initialise the codec and the SDK's request path before the snapshot (docs/aws.md)
        Priming.ifWanted(AppFunctions.findApp(System.getenv()), System.getenv());
    }

    private QueryFunction(Map<String, String> variables) {
        this(AppFunctions.findApp(variables), new TallyEnvironment(variables), variables);
    }

    private QueryFunction(TallyApp app, TallyEnvironment env, Map<String, String> variables) {
        this(AppFunctions.revealingStores(app, env, variables),
                viewReaders(app, env, variables.getOrDefault("TALLY_VIEW_TABLES", "")), viewStores(app),
                new dev.tally.dynamodb.DynamoDbEventQueries(env.dynamoDb(),
                        env.require("TALLY_LEDGER_TABLE", "the ledger table")));
    }

    /**
     * The function as Lambda builds it, for this app, from these environment variables instead of the
     * process's (with the keys that reveal personal data when the app declares some).
     */
    public static QueryFunction fromEnvironment(TallyApp app, Map<String, String> variables) {
        return new QueryFunction(app, new TallyEnvironment(variables), variables);
    }

    /** Views are answered as stored (nothing to reveal them with); stores reveal with their own keys. */
    public QueryFunction(Map<String, EventStore<?>> stores, Map<String, ViewReader<?>> views) {
        this(stores, views, Map.of());
    }

    /**
     * @param viewStores the store each projection reads ({@link Projection#store()}): a view is
     *                   revealed with that store's keys, as {@code tally serve} does
     */
    public QueryFunction(Map<String, EventStore<?>> stores, Map<String, ViewReader<?>> views,
                         Map<String, String> viewStores) {
        this(stores, views, viewStores, null);
    }

    /**
     * @param queries the ledger's event queries, for {@code GET /api/events} and
     *                {@code GET /api/trace/{correlationId}} ({@link dev.tally.http.EventRoutes}); null: not served
     */
    public QueryFunction(Map<String, EventStore<?>> stores, Map<String, ViewReader<?>> views,
                         Map<String, String> viewStores, dev.tally.core.query.EventQueries queries) {
        Objects.requireNonNull(viewStores, "viewStores");
        // a projection missing from viewStores is shown as stored (no store's keys reveal it)
        Map<String, HostedView> hosted = new LinkedHashMap<>();
        Objects.requireNonNull(views, "views").forEach((name, reader) -> hosted.put(name,
                new HostedView(name, viewStores.getOrDefault(name, ""), reader)));
        this.contract = new TallyHttp(Objects.requireNonNull(stores, "stores"), hosted, List.of(),
                IdempotencyKeys.withoutAnswers(), TallyHttp.Options.DEFAULTS);
        List<Route> read = new java.util.ArrayList<>(contract.routes().stream().filter(r -> "GET".equals(r.method())
                && ROUTES.contains(r.path().pattern())).toList());
        if (queries != null) {
            read.addAll(new dev.tally.http.EventRoutes(queries, stores).routes());
        }
        this.routes = List.copyOf(read);
    }

    /** Projection name -> the name of the store it reads. */
    static Map<String, String> viewStores(TallyApp app) {
        Map<String, String> out = new LinkedHashMap<>();
        app.projections().forEach(p -> out.put(p.name(), p.store()));
        return out;
    }

    /** The view readers {@code TALLY_VIEW_TABLES} names; every projection of the app must have a table. */
    static Map<String, ViewReader<?>> viewReaders(TallyApp app, TallyEnvironment env, String tables) {
        Map<String, String> byProjection = new LinkedHashMap<>();
        for (String pair : tables.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            String[] kv = pair.trim().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalStateException("TALLY_VIEW_TABLES has '" + pair + "': expected projection=table pairs"
                        + " separated by commas (the generated template sets it)");
            }
            byProjection.put(kv[0].trim(), kv[1].trim());
        }
        Map<String, ViewReader<?>> readers = new LinkedHashMap<>();
        for (Projection<?, ?> p : app.projections()) {
            String table = byProjection.get(p.name());
            if (table == null) {
                throw new IllegalStateException("TALLY_VIEW_TABLES names no table for projection '" + p.name()
                        + "' of app " + app.name() + ": add " + p.name() + "=<table>");
            }
            readers.put(p.name(), new DynamoDbProjectionWriter<>(env.dynamoDb(), table, p.viewType()));
        }
        return readers;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return HttpApiEvents.answer(contract, routes, event);
    }
}
