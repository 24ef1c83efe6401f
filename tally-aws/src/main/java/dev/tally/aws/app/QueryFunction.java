package dev.tally.aws.app;

import static dev.tally.aws.app.HttpApiEvents.ID;
import static dev.tally.aws.app.HttpApiEvents.NAME;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tally.aws.TallyEnvironment;
import dev.tally.aws.app.HttpApiEvents.Refusal;
import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.privacy.PersonalData;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.ViewReader;
import dev.tally.dynamodb.DynamoDbProjectionWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of any {@link TallyApp} on AWS, behind the HTTP API, answering as {@code tally serve} does:
 *
 * <pre>
 * GET /api/views/{projection}/{id}                   -> {"projection","key","version","view"} | 404
 * GET /api/stores/{store}/{id}/aggregate[?atVersion=N] -> {"store","aggregateId","version","state"} | 404
 * </pre>
 *
 * It only reads: views with GetItem, the ledger and snapshots with Query. When the app declares
 * personal data, it reveals the sealed values of both answers for the reader as {@code tally serve}
 * does, and puts {@code "(forgotten)"} ({@link PersonalData#FORGOTTEN}) where the subject's key was
 * destroyed: it looks the wrapped key up with GetItem on the data-keys table and unwraps it with
 * {@code kms:Decrypt} ({@link AppKeys}); it never makes a key. Environment (beside
 * {@link AppFunctions}'s): {@code TALLY_VIEW_TABLES}, {@code projection=table} pairs separated by
 * commas. Handler: {@code dev.tally.aws.app.QueryFunction::handleRequest}.
 */
public class QueryFunction implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(QueryFunction.class);
    static final Pattern VIEW = Pattern.compile("/api/views/([^/]+)/([^/]+)");
    static final Pattern AGGREGATE = Pattern.compile("/api/stores/([^/]+)/([^/]+)/aggregate");

    private final Map<String, EventStore<?>> stores;
    private final Map<String, ViewReader<?>> views;
    /** The store each projection reads (its keys reveal the view); a projection missing here is shown as stored. */
    private final Map<String, String> viewStores;

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
                viewReaders(app, env, variables.getOrDefault("TALLY_VIEW_TABLES", "")), viewStores(app));
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
        this.stores = Map.copyOf(Objects.requireNonNull(stores, "stores"));
        this.views = Map.copyOf(Objects.requireNonNull(views, "views"));
        this.viewStores = Map.copyOf(Objects.requireNonNull(viewStores, "viewStores"));
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
        try {
            return answer(event);
        } catch (Refusal r) {
            return HttpApiEvents.error(r.status, r.code, r.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            return HttpApiEvents.internal(LOG, event, e);
        }
    }

    private APIGatewayV2HTTPResponse answer(APIGatewayV2HTTPEvent event) {
        List<String> view = HttpApiEvents.match(VIEW, event, List.of(NAME, ID), List.of("projection", "view key"));
        List<String> aggregate = view != null ? null
                : HttpApiEvents.match(AGGREGATE, event, List.of(NAME, ID), List.of("store", "aggregate id"));
        if (view == null && aggregate == null) {
            throw new Refusal(404, "not_found", "no route " + event.getRawPath() + " here: this function serves"
                    + " GET /api/views/{projection}/{id} and GET /api/stores/{store}/{id}/aggregate");
        }
        if (!"GET".equals(HttpApiEvents.method(event))) {
            throw new Refusal(405, "method_not_allowed", HttpApiEvents.method(event) + " is not allowed on "
                    + event.getRawPath());
        }
        return view != null ? view(view.get(0), view.get(1)) : aggregate(aggregate.get(0), aggregate.get(1),
                HttpApiEvents.query(event, "atVersion"));
    }

    private APIGatewayV2HTTPResponse view(String projection, String key) {
        ViewReader<?> reader = views.get(projection);
        if (reader == null) {
            throw new Refusal(404, "unknown_projection", "no projection '" + projection + "'; the projections are "
                    + views.keySet());
        }
        var v = reader.read(key).orElseThrow(() -> new Refusal(404, "not_found", "projection '" + projection
                + "' has no view '" + key + "' (yet: views follow the ledger within moments)"));
        ObjectNode body = JsonCodec.object().put("projection", projection).put("key", v.key())
                .put("version", v.version());
        EventStore<?> owner = stores.get(viewStores.getOrDefault(projection, ""));
        body.set("view", owner == null ? JsonCodec.toTree(v.view()) : revealed(owner, JsonCodec.toTree(v.view())));
        return HttpApiEvents.json(200, body);
    }

    private APIGatewayV2HTTPResponse aggregate(String storeName, String id, String atVersion) {
        EventStore<?> store = stores.get(storeName);
        if (store == null) {
            throw new Refusal(404, "unknown_store", "no store '" + storeName + "'; the stores are " + stores.keySet());
        }
        long at = Long.MAX_VALUE;
        if (atVersion != null) {
            at = atVersion.matches("[0-9]{1,18}") ? Long.parseLong(atVersion) : -1;
            if (at < 1) {
                throw new Refusal(400, "invalid_at_version", "atVersion must be a whole number >= 1, got '"
                        + (atVersion.length() > 40 ? atVersion.substring(0, 40) + "..." : atVersion) + "'");
            }
        }
        return HttpApiEvents.json(200, revealed(store, aggregateJson(store, id, at)));
    }

    /** Sealed personal values revealed for the reader; "(forgotten)" where the key was destroyed (docs/privacy.md). */
    private static JsonNode revealed(EventStore<?> store, JsonNode n) {
        return store.personalData().map(p -> p.reveal(n, TextNode.valueOf(PersonalData.FORGOTTEN)).value()).orElse(n);
    }

    private static <S> ObjectNode aggregateJson(EventStore<S> store, String id, long at) {
        Aggregate<S> a = at == Long.MAX_VALUE ? store.load(id) : store.loadAt(id, at);
        if (!a.exists()) {
            throw new Refusal(404, "not_found", store.name() + "/" + id + " has no events");
        }
        ObjectNode body = JsonCodec.object();
        body.put("store", store.name());
        body.put("aggregateId", id);
        body.put("version", a.version());
        body.set("state", store.stateToJson(a.state()));
        return body;
    }
}
