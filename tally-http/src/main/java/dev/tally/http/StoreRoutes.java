package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Aggregate;
import dev.tally.core.EventMetadata;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.RecordedEvent;
import dev.tally.core.command.Command;
import dev.tally.core.command.CommandResult;
import dev.tally.core.json.JsonCodec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The stores and their commands: the list of stores, the generic command route, an aggregate's
 * events (paged) and state (at a version), replay and forget.
 */
final class StoreRoutes {
    /** Default and largest page of events. */
    static final int EVENTS_PAGE = 1000;

    private final Map<String, EventStore<?>> stores;
    private final Map<String, HostedView> views;
    private final UnaryOperator<EventMetadata> enrich;

    StoreRoutes(Map<String, EventStore<?>> stores, Map<String, HostedView> views, UnaryOperator<EventMetadata> enrich) {
        this.stores = stores;
        this.views = views;
        this.enrich = enrich;
    }

    List<Route> routes() {
        return List.of(
                Route.of("GET", "/api/stores", false, (r, m) -> storesJson()),
                Route.of("POST", TallyHttp.COMMAND_ROUTE, true, (r, m) -> command(r,
                        store(m.group(1)), Requests.id(m.group(2)), Requests.name("command", m.group(3)))),
                Route.of("POST", TallyHttp.REPLAY_ROUTE, true,
                        (r, m) -> replay(store(m.group(1)), Requests.id(m.group(2)))),
                Route.of("POST", TallyHttp.FORGET_ROUTE, true,
                        (r, m) -> forget(store(m.group(1)), Requests.id(m.group(2)))),
                Route.of("GET", TallyHttp.EVENTS_ROUTE, false,
                        (r, m) -> events(store(m.group(1)), Requests.id(m.group(2)), r.query())),
                Route.of("GET", TallyHttp.AGGREGATE_ROUTE, false,
                        (r, m) -> aggregate(store(m.group(1)), Requests.id(m.group(2)), r.query())));
    }

    EventStore<?> store(String raw) {
        String name = Requests.name("store", raw);
        EventStore<?> s = stores.get(name);
        if (s == null) {
            throw new ApiError(404, "unknown_store", "no event store '" + name + "'; this server has "
                    + stores.keySet());
        }
        return s;
    }

    private HttpResponse storesJson() {
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        for (EventStore<?> s : stores.values()) {
            // a saga's inputs come from its runner only: not commands a client can send
            boolean saga = s.definition().commandType() == dev.tally.core.saga.SagaInput.class;
            ObjectNode n = list.addObject().put("name", s.name()).put("kind", saga ? "saga" : "store");
            ArrayNode commands = n.putArray("commands");
            if (!saga) {
                s.definition().commandTypes().keySet().forEach(commands::add);
            }
            ArrayNode internal = n.putArray("internalCommands");
            s.definition().internalCommands().forEach(internal::add);
            ArrayNode projections = n.putArray("projections");
            views.values().stream().filter(p -> p.store().equals(s.name())).forEach(p -> projections.add(p.name()));
        }
        return HttpResponse.json(200, list);
    }

    private HttpResponse command(HttpRequest request, EventStore<?> store, String id, String commandName) {
        if (store.definition().commandType() == dev.tally.core.saga.SagaInput.class) {
            throw new ApiError(405, "saga_store", "'" + store.name() + "' keeps a saga's instances: its inputs come"
                    + " from its runner only; read it with GET .../aggregate or .../events");
        }
        Class<?> type = store.definition().commandTypes().get(commandName);
        if (type == null) {
            throw new ApiError(404, "unknown_command", "store '" + store.name() + "' has no command '" + commandName
                    + "'; its commands are " + store.definition().commandTypes().keySet());
        }
        if (store.definition().isInternal(commandName)) {
            throw new ApiError(403, "internal_command", internalCommand(store, commandName));
        }
        JsonNode body = Requests.bodyOrEmpty(request, CommandBinding.example(type));
        Object command = CommandBinding.bind(body, type, commandName);
        return execute(store, id, command, enrich.apply(IdempotencyKeys.commandId(request)
                .map(c -> EventMetadata.empty().withCommandId(c)).orElse(EventMetadata.empty())));
    }

    /** Why a command declared internal is refused here, and what to use instead. */
    static String internalCommand(EventStore<?> store, String commandName) {
        Set<String> open = new LinkedHashSet<>(store.definition().commandTypes().keySet());
        open.removeAll(store.definition().internalCommands());
        return "command '" + commandName + "' of store '" + store.name() + "' is internal: its app declared it for its"
                + " own process (a saga or the app's code), so it is not accepted over HTTP; use the app's own routes,"
                + " or one of the store's other commands " + open;
    }

    @SuppressWarnings("unchecked")
    private static <S> HttpResponse execute(EventStore<S> store, String id, Object command, EventMetadata metadata) {
        CommandResult<S> r = store.execute(id, (Command<S>) command, metadata);
        if (r instanceof CommandResult.Rejected<S> rejected) {
            return HttpResponse.error(422, rejected.rejection().code(), rejected.rejection().message());
        }
        return written(id, r.aggregate().version());
    }

    private HttpResponse replay(EventStore<?> store, String id) {
        if (head(store, id) == 0) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events to replay");
        }
        RecordedEvent e = store.requestReplay(id, "requested over HTTP", enrich.apply(EventMetadata.empty()));
        return written(id, e.version());
    }

    /** Destroys the data keys of the aggregate's personal data and appends the audit event (docs/privacy.md). */
    private HttpResponse forget(EventStore<?> store, String id) {
        if (!store.definition().hasPersonalData()) {
            throw new ApiError(409, "no_personal_data", "store '" + store.name() + "' declares no personal data, so"
                    + " there is nothing to forget and nothing was appended; forgetting applies to stores whose app"
                    + " declares personal fields (docs/privacy.md)");
        }
        if (head(store, id) == 0) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events: nothing to forget");
        }
        if (store.personalData().isEmpty()) {
            throw new ApiError(409, "no_keys", "store '" + store.name() + "' has no keys for personal data");
        }
        RecordedEvent e = store.forget(id);
        return written(id, e.version());
    }

    private HttpResponse events(EventStore<?> store, String id, String rawQuery) {
        Map<String, String> q = Requests.query(rawQuery);
        int limit = Requests.intParam(q, "limit", EVENTS_PAGE, 1, EVENTS_PAGE);
        long from = 1;
        String cursor = q.get("cursor");
        if (cursor != null) {
            try {
                from = Long.parseLong(cursor);
            } catch (NumberFormatException e) {
                from = 0;
            }
            if (from < 1) {
                throw Requests.badCursor(cursor);
            }
        }
        List<RecordedEvent> read = store.read(id, new ReadOptions(from, Long.MAX_VALUE, false, limit + 1));
        ArrayNode events = JsonCodec.mapper().createArrayNode();
        for (RecordedEvent e : read.subList(0, Math.min(limit, read.size()))) {
            ObjectNode event = JsonCodec.eventToJson(e);
            event.set("payload", PayloadOrder.of(store, e, Revealing.revealed(store, e.payload())));
            events.add(event);
        }
        ObjectNode body = JsonCodec.object();
        body.put("store", store.name());
        body.put("aggregateId", id);
        body.set("events", events);
        if (read.size() > limit) {
            body.put("nextCursor", Long.toString(read.get(limit).version()));
        } else {
            body.putNull("nextCursor");
        }
        return HttpResponse.json(200, body);
    }

    private HttpResponse aggregate(EventStore<?> store, String id, String query) {
        long at = Long.MAX_VALUE;
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("atVersion=")) {
                    try {
                        at = Long.parseLong(part.substring("atVersion=".length()));
                    } catch (NumberFormatException e) {
                        at = -1;
                    }
                    if (at < 1) {
                        throw new ApiError(400, "invalid_at_version", "atVersion must be a whole number >= 1, got '"
                                + Requests.clip(part.substring("atVersion=".length())) + "'");
                    }
                }
            }
        }
        return HttpResponse.json(200, Revealing.revealed(store, aggregateJson(store, id, at)));
    }

    private static <S> ObjectNode aggregateJson(EventStore<S> store, String id, long at) {
        Aggregate<S> a = at == Long.MAX_VALUE ? store.load(id) : store.loadAt(id, at);
        if (!a.exists()) {
            throw new ApiError(404, "not_found", store.name() + "/" + id + " has no events");
        }
        ObjectNode body = JsonCodec.object();
        body.put("store", store.name());
        body.put("aggregateId", id);
        body.put("version", a.version());
        body.set("state", store.stateToJson(a.state()));
        return body;
    }

    private static long head(EventStore<?> store, String id) {
        List<RecordedEvent> last = store.read(id, ReadOptions.latest(1));
        return last.isEmpty() ? 0 : last.get(0).version();
    }

    static HttpResponse written(String id, long version) {
        return HttpResponse.json(200, JsonCodec.object().put("aggregateId", id).put("version", version));
    }
}
