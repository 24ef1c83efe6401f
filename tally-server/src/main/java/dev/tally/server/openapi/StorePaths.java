package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventType;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import java.util.List;
import java.util.Map;

/**
 * The paths of one store (a command per open command record, the aggregate, its events, a replay),
 * of one projection (its views) and of one saga (its instances, read only), with their schemas; and
 * the console's summary of each ({@code x-tally}).
 */
final class StorePaths {
    private final ObjectNode paths;
    private final RecordSchemas schemas;
    private final ExampleBodies examples;
    private final boolean tokenRequired;

    StorePaths(ObjectNode paths, RecordSchemas schemas, boolean tokenRequired) {
        this.paths = paths;
        this.schemas = schemas;
        this.examples = new ExampleBodies(schemas.components());
        this.tokenRequired = tokenRequired;
    }

    /** The paths of a store of commands; returns its summary for {@code x-tally}. */
    ObjectNode store(AggregateDefinition<?> store, String rejection, List<String> views) {
        ObjectNode summary = JsonCodec.object().put("name", store.name());
        ArrayNode commands = summary.putArray("commands");
        for (Map.Entry<String, Class<?>> c : store.commandTypes().entrySet()) {
            String schema = schemas.component(c.getValue(), store.name() + "." + c.getKey());
            boolean internal = store.isInternal(c.getKey());
            commands.addObject().put("name", c.getKey()).put("schema", schema).put("internal", internal)
                    .put("path", commandPath(store.name(), c.getKey()));
            paths.putObject(commandPath(store.name(), c.getKey())).set("post",
                    internal ? internalCommand(store.name(), c.getKey(), schema)
                            : command(store.name(), c.getKey(), schema, rejection));
        }
        summary.put("rejection", rejection);
        readable(store, summary, store.name());
        ObjectNode replay = operation(store.name(), "replay_" + store.name(), "Replay " + store.name() + "/{id}",
                "Appends a ReplayRequested event: every projection of the store refreshes from the current aggregate.");
        replay.withArray("parameters").add(idParameter());
        replay.set("responses", writeResponses(null));
        paths.putObject("/api/replay/" + store.name() + "/{id}").set("post", replay);
        ArrayNode viewNames = summary.putArray("views");
        views.forEach(viewNames::add);
        return summary;
    }

    /** The read paths of a saga's store; returns its summary. */
    ObjectNode saga(AggregateDefinition<?> saga) {
        ObjectNode summary = JsonCodec.object().put("name", saga.name()).put("store", saga.name());
        readable(saga, summary, "saga " + saga.name());
        ObjectNode actions = JsonCodec.object().put("type", "object");
        actions.putObject("properties").putObject("actions").put("type", "array").putObject("items")
                .put("type", "object").putObject("properties").putObject("kind").putArray("enum").add("send")
                .add("check").add("schedule timer").add("cancel timer");
        actions.withObject("/properties").putObject("timers").put("type", "array").putObject("items")
                .put("type", "object").putObject("properties").putObject("dueAt").put("type", "string")
                .put("format", "date-time");
        actions.putArray("required").add("actions").add("timers");
        ObjectNode pending = operation("saga " + saga.name(), "pending_" + saga.name(), "Pending actions of a "
                + saga.name() + " instance", "What the instance still has to do: commands to send or check, timers"
                + " to fire (with their due time) or cancel.");
        pending.withArray("parameters").add(idParameter());
        pending.set("responses", readResponses(actions));
        paths.putObject("/api/sagas/" + saga.name() + "/{id}/pending").set("get", pending);
        return summary;
    }

    /** The view path of a projection; returns its summary. */
    ObjectNode projection(Projection<?, ?> projection) {
        String view = schemas.component(projection.viewType(), projection.viewType().getSimpleName(),
                projection.name());
        ObjectNode body = object("projection", "key");
        body.withObject("/properties").set("version", integer64());
        body.withObject("/properties").set("view", RecordSchemas.refTo(view));
        body.withArray("required").add("version").add("view");
        ObjectNode get = operation(projection.store(), "view_" + projection.name(), "View of projection "
                + projection.name(), "The view as of the aggregate version it reflects (views follow the ledger"
                + " within moments; 404 until the first one is written).");
        get.withArray("parameters").add(pathParameter("key", "the view's key (by default the aggregate id)"));
        get.set("responses", readResponses(body));
        paths.putObject("/api/views/" + projection.name() + "/{key}").set("get", get);
        return JsonCodec.object().put("name", projection.name()).put("store", projection.store())
                .put("schema", view);
    }

    private void readable(AggregateDefinition<?> store, ObjectNode summary, String tag) {
        String state = schemas.component(store.stateType(), store.stateType().getSimpleName(), store.name());
        summary.put("state", state);
        ArrayNode events = summary.putArray("events");
        for (EventType<?> t : store.eventTypes()) {
            events.addObject().put("type", t.name())
                    .put("schema", schemas.component(t.payloadType(), store.name() + "." + t.name()));
        }
        ObjectNode aggregate = object("store", "aggregateId");
        aggregate.withObject("/properties").set("version", integer64());
        aggregate.withObject("/properties").set("state", RecordSchemas.refTo(state));
        aggregate.withArray("required").add("version").add("state");
        ObjectNode get = operation(tag, "aggregate_" + store.name(), "Aggregate of " + store.name(),
                "The state folded from the events, at the latest version or at 'atVersion' (time travel).");
        get.withArray("parameters").add(idParameter()).add(queryParameter("atVersion",
                "the version to fold up to, a whole number from 1", integer64().put("minimum", 1)));
        get.set("responses", readResponses(aggregate));
        paths.putObject("/api/stores/" + store.name() + "/{id}/aggregate").set("get", get);

        ObjectNode events2 = operation(tag, "events_" + store.name(), "Events of " + store.name(),
                "The aggregate's events in version order, a page at a time; payload schemas by type are listed in"
                        + " x-tally.");
        events2.withArray("parameters").add(idParameter())
                .add(queryParameter("limit", "page size, 1 to 1000", JsonCodec.object().put("type", "integer")
                        .put("minimum", 1).put("maximum", 1000)))
                .add(queryParameter("cursor", "the nextCursor of the previous page", string()));
        events2.set("responses", readResponses(RecordSchemas.refTo("EventPage")));
        paths.putObject("/api/stores/" + store.name() + "/{id}/events").set("get", events2);

        ObjectNode idPage = JsonCodec.object().put("type", "object");
        idPage.withObject("/properties").putObject("ids").put("type", "array").set("items", string());
        idPage.withObject("/properties").putObject("nextCursor").putArray("type").add("string").add("null");
        idPage.putArray("required").add("ids").add("nextCursor");
        ObjectNode ids = operation(tag, "ids_" + store.name(), "Aggregate ids of " + store.name(),
                "The ids of the store's aggregates, a page at a time.");
        ids.withArray("parameters").add(queryParameter("size", "page size, 1 to 1000", JsonCodec.object()
                .put("type", "integer").put("minimum", 1).put("maximum", 1000)))
                .add(queryParameter("cursor", "the nextCursor of the previous page", string()));
        ids.set("responses", readResponses(idPage));
        paths.putObject("/api/ops/stores/" + store.name() + "/ids").set("get", ids);
    }

    static String commandPath(String store, String command) {
        return "/api/stores/" + store + "/{id}/commands/" + command;
    }

    private ObjectNode command(String store, String command, String schema, String rejection) {
        ObjectNode op = operation(store, store + "_" + command, command + " on " + store,
                "Decides " + command + " on the aggregate's current state and appends what it decides; retried on"
                        + " a concurrent write. Send the same Idempotency-Key to retry safely: it applies once.");
        op.withArray("parameters").add(idParameter())
                .add(header("Idempotency-Key", "makes a retry of this request apply at most once (1-64 characters"
                        + " of letters, digits, '_', '-', ':' or '.')"))
                .add(header("X-Correlation-Id", "carried in the metadata of the events this command appends"));
        ObjectNode body = op.putObject("requestBody").put("required", true);
        ObjectNode json = body.putObject("content").putObject("application/json");
        json.set("schema", RecordSchemas.refTo(schema));
        json.set("example", examples.of(schema));
        ObjectNode responses = writeResponses(rejection);
        responses.set("400", ErrorBodies.ref("InvalidCommand"));
        op.set("responses", responses);
        return op;
    }

    private ObjectNode internalCommand(String store, String command, String schema) {
        ObjectNode op = operation(store, store + "_" + command, command + " on " + store + " (internal)",
                command + " is declared internal by its app: sagas and the app's own code execute it; this route"
                        + " refuses it with 403 'internal_command'. Its record is " + RecordSchemas.REF_PREFIX + schema
                        + ".");
        op.put("x-tally-internal", true);
        op.withArray("parameters").add(idParameter());
        op.putObject("responses").set("403", ErrorBodies.ref("Forbidden"));
        return op;
    }

    private ObjectNode writeResponses(String rejection) {
        ObjectNode r = JsonCodec.object();
        r.set("200", ErrorBodies.response("Appended: the aggregate's new version.", "Written"));
        r.set("400", ErrorBodies.ref("BadRequest"));
        commonErrors(r);
        r.set("409", ErrorBodies.ref("Conflict"));
        r.set("413", ErrorBodies.ref("TooLarge"));
        if (rejection != null) {
            r.set("422", ErrorBodies.response("Rejected by a business rule (see the codes of the schema).", rejection));
        }
        return r;
    }

    private ObjectNode readResponses(ObjectNode schema) {
        ObjectNode r = JsonCodec.object();
        ObjectNode ok = r.putObject("200").put("description", "Found.");
        ok.putObject("content").putObject("application/json").set("schema", schema);
        r.set("400", ErrorBodies.ref("BadRequest"));
        commonErrors(r);
        return r;
    }

    private void commonErrors(ObjectNode r) {
        if (tokenRequired) {
            r.set("401", ErrorBodies.ref("Unauthorized"));
        }
        r.set("403", ErrorBodies.ref("Forbidden"));
        r.set("404", ErrorBodies.ref("NotFound"));
        r.set("503", ErrorBodies.ref("Unavailable"));
    }

    static ObjectNode operation(String tag, String operationId, String summary, String description) {
        ObjectNode op = JsonCodec.object();
        op.putArray("tags").add(tag);
        op.put("operationId", operationId.replaceAll("[^A-Za-z0-9_]", "_"));
        op.put("summary", summary).put("description", description);
        return op;
    }

    private static ObjectNode object(String... stringProperties) {
        ObjectNode o = JsonCodec.object().put("type", "object");
        ObjectNode properties = o.putObject("properties");
        ArrayNode required = o.putArray("required");
        for (String p : stringProperties) {
            properties.set(p, string());
            required.add(p);
        }
        return o;
    }

    static ObjectNode idParameter() {
        ObjectNode p = pathParameter("id", "the aggregate id");
        ((ObjectNode) p.get("schema")).put("pattern", "^[A-Za-z0-9_-]{1,64}$");
        return p;
    }

    static ObjectNode pathParameter(String name, String description) {
        ObjectNode p = JsonCodec.object().put("name", name).put("in", "path").put("required", true)
                .put("description", description);
        p.set("schema", string());
        return p;
    }

    private static ObjectNode queryParameter(String name, String description, ObjectNode schema) {
        ObjectNode p = JsonCodec.object().put("name", name).put("in", "query").put("required", false)
                .put("description", description);
        p.set("schema", schema);
        return p;
    }

    private static ObjectNode header(String name, String description) {
        ObjectNode p = JsonCodec.object().put("name", name).put("in", "header").put("required", false)
                .put("description", description);
        p.set("schema", string());
        return p;
    }

    static ObjectNode string() {
        return JsonCodec.object().put("type", "string");
    }

    static ObjectNode integer64() {
        return JsonCodec.object().put("type", "integer").put("format", "int64");
    }
}
