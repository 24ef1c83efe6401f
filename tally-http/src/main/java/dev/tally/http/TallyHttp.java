package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.app.AppRoute;
import dev.tally.core.command.RetriesExhausted;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ledger.LedgerUnavailable;
import dev.tally.core.ledger.OutcomeUnknown;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP contract of every Tally host, transport-neutral: {@link #answer} takes a request and
 * gives the status, headers and JSON body that {@code tally serve} and the Lambda functions both
 * send. Routes:
 *
 * <pre>
 * (each app's own routes, {@link AppRoute}, first)
 * GET  /api/stores                               -> [{"name","kind": "store"|"saga","commands" (none for a saga),"internalCommands","projections"}]
 * POST /api/stores/{store}/{id}/commands/{Command} the command record as JSON -> 200 {"aggregateId","version"}
 *                                                    | 400 invalid_command naming the field | 422 the rejection
 *                                                    | 403 internal_command for a command its app declared internal
 * GET  /api/views/{projection}/{id}               -> {"projection","key","version","view"} | 404
 * GET  /api/stores/{store}/{id}/events[?limit=N&cursor=C], GET /api/stores/{store}/{id}/aggregate[?atVersion=N]
 * POST /api/replay/{store}/{id}                   -> appends the replay event
 * POST /api/forget/{store}/{id}                   -> destroys the keys of its personal data, appends the audit event
 * </pre>
 *
 * Every error is {@code {"error": code, "message": ...}}; a refused request appends nothing; a 500
 * carries only an error id (the details are logged under it). The {@code Idempotency-Key} rule
 * ({@link IdempotencyKeys}) wraps every POST.
 */
public final class TallyHttp {
    private static final Logger LOG = LoggerFactory.getLogger(TallyHttp.class);

    /**
     * How a host adapts the contract: {@code enrich} adds its correlation (and trace) to the metadata
     * of what a request appends; {@code cursorError} says which failure of an app route means a
     * cursor it cannot read (answered 400 {@code invalid_cursor}).
     */
    public record Options(UnaryOperator<EventMetadata> enrich, Predicate<RuntimeException> cursorError) {
        public static final Options DEFAULTS = new Options(UnaryOperator.identity(),
                e -> e instanceof IllegalArgumentException);
    }

    /** The generic command route's path pattern. */
    public static final String COMMAND_ROUTE = "/api/stores/([^/]+)/([^/]+)/commands/([^/]+)";
    /** A view by key. */
    public static final String VIEW_ROUTE = "/api/views/([^/]+)/([^/]+)";
    /** An aggregate's state, at a version. */
    public static final String AGGREGATE_ROUTE = "/api/stores/([^/]+)/([^/]+)/aggregate";
    /** An aggregate's events, a page at a time. */
    public static final String EVENTS_ROUTE = "/api/stores/([^/]+)/([^/]+)/events";

    /** Forgetting an aggregate's personal data. */
    public static final String FORGET_ROUTE = "/api/forget/([^/]+)/([^/]+)";
    /** Requesting a replay of an aggregate. */
    public static final String REPLAY_ROUTE = "/api/replay/([^/]+)/([^/]+)";

    private final IdempotencyKeys keys;
    private final Options options;
    private final StoreRoutes stores;
    private final List<Route> routes = new ArrayList<>();

    public TallyHttp(Map<String, EventStore<?>> stores, Map<String, HostedView> views, List<AppRoute> appRoutes,
                     IdempotencyKeys keys, Options options) {
        this.keys = keys;
        this.options = options;
        // sorted, so every host lists them in the same order in its messages
        Map<String, EventStore<?>> byName = new java.util.TreeMap<>(stores);
        this.stores = new StoreRoutes(byName, views, options.enrich());
        for (AppRoute r : appRoutes) {
            routes.add(new Route(r.method(), r.path(), r.writes(), (x, m) -> appRoute(r, x, m)));
        }
        routes.addAll(this.stores.routes());
        routes.addAll(new ViewRoutes(byName, views).routes());
    }

    /** The contract's routes (the apps' own first), for a host that serves more routes beside them. */
    public List<Route> routes() {
        return List.copyOf(routes);
    }

    /** The whole contract: the Idempotency-Key rule around the routes, every failure as its answer. */
    public HttpResponse answer(HttpRequest request) {
        return answer(request, routes, r -> { });
    }

    /**
     * A host's routes under the contract's rules: {@code beforeWrite} checks a write route's request
     * before it runs (for example its content type).
     */
    public HttpResponse answer(HttpRequest request, List<Route> table, Consumer<HttpRequest> beforeWrite) {
        try {
            return keys.answer(request, () -> respond(request, () -> route(request, table, beforeWrite)));
        } catch (ApiError e) {
            return e.response();
        } catch (RuntimeException | StackOverflowError e) {
            return internal(request, e);
        }
    }

    /** Runs a route; a refusal or transient failure becomes its answer. */
    public static HttpResponse respond(HttpRequest request, java.util.concurrent.Callable<HttpResponse> route) {
        try {
            return route.call();
        } catch (ApiError e) {
            return e.response();
        } catch (RetriesExhausted e) {
            return HttpResponse.error(503, "busy", e.getMessage()).withHeader("Retry-After", "1");
        } catch (LedgerUnavailable e) {
            LOG.warn("{} {}: {}", request.method(), request.path(), e.getMessage());
            return HttpResponse.error(503, "store_unavailable", "the store could not be read; nothing was written."
                    + " Retry in a moment").withHeader("Retry-After", "1");
        } catch (OutcomeUnknown e) {
            // not recorded under an Idempotency-Key: a retry with the key finds out (and applies at most once)
            LOG.warn("{} {}: {}", request.method(), request.path(), e.getMessage());
            return HttpResponse.error(503, "outcome_unknown", "the command may or may not have been applied; retry"
                    + " with the same Idempotency-Key to find out (it is applied at most once)");
        } catch (Exception | StackOverflowError e) {
            return internal(request, e);
        }
    }

    /**
     * Input is validated before it reaches the event store: a failure here is the server's data or
     * code. The client gets an id to quote; the details stay in the log.
     */
    public static HttpResponse internal(HttpRequest request, Throwable e) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        LOG.error("error {}: {} {} failed", id, request.method(), request.path(), e);
        return HttpResponse.json(500, JsonCodec.object().put("error", "internal").put("errorId", id)
                .put("message", "the server failed on this request; its log has the details under error id " + id));
    }

    private static HttpResponse route(HttpRequest request, List<Route> table, Consumer<HttpRequest> beforeWrite)
            throws Exception {
        // match the raw path: each id is decoded once, by Requests.id
        String path = request.path();
        boolean pathKnown = false;
        for (Route route : table) {
            Matcher m = route.path().matcher(path);
            if (!m.matches()) {
                continue;
            }
            pathKnown = true;
            if (!route.method().equals(request.method())) {
                continue;
            }
            if (route.write()) {
                beforeWrite.accept(request);
            }
            Requests.bytes(request); // 413 beyond the limit, before any route reads it
            return route.handler().handle(request, m);
        }
        if (pathKnown) {
            throw new ApiError(405, "method_not_allowed", request.method() + " is not allowed on " + path);
        }
        throw new ApiError(404, "not_found", "no route " + request.method() + " " + path
                + "; the API is under /api (see README)");
    }

    private HttpResponse appRoute(AppRoute route, HttpRequest request, Matcher m) {
        List<String> params = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            params.add(Requests.id(m.group(i)));
        }
        JsonNode body = "POST".equals(request.method()) || "PUT".equals(request.method())
                ? Requests.bodyOrEmpty(request, "{\"field\": \"value\"}") : JsonCodec.object();
        Map<String, String> query = Requests.query(request.query());
        EventMetadata metadata = options.enrich().apply(IdempotencyKeys.commandId(request)
                .map(c -> EventMetadata.empty().withCommandId(c)).orElse(EventMetadata.empty()));
        AppRoute.Response r;
        try {
            r = route.handler().handle(new AppRoute.Request(params, body, query, metadata));
        } catch (AppRoute.AppError e) {
            throw new ApiError(e.status(), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            if (query.containsKey("cursor") && options.cursorError().test(e)) {
                throw Requests.badCursor(query.get("cursor"));
            }
            throw e;
        }
        return HttpResponse.json(r.status(), r.body());
    }
}
