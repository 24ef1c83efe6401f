package dev.tally.server.console;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Aggregate;
import dev.tally.core.EventStore;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.saga.Saga;
import dev.tally.core.saga.SagaAction;
import dev.tally.core.saga.Timer;
import dev.tally.core.spi.TimerStore;
import dev.tally.server.openapi.OpenApiDocument;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The routes the console reads beside the generic ones, as {@link AppRoute}s any host serves:
 * <ul>
 *   <li>{@code GET /api/openapi.json}: the {@link OpenApiDocument} of the hosted apps (built once);</li>
 *   <li>{@code GET /api/sagas/{saga}/{id}/pending}: what a saga instance still has to do (its
 *       manager's {@code todo}) and its timers waiting in the timer store ({@code {"saga", "id",
 *       "version", "actions": [{"kind", "id", ...}], "timers": [{"id", "name", "dueAt"}]}}). The timer
 *       store has no index by instance: this reads its first {@value #TIMERS_READ} timers (a scan on
 *       DynamoDB), which is fine for a console and not meant for traffic.</li>
 * </ul>
 */
public final class ConsoleRoutes {
    /** The most timers one request reads from the timer store. */
    static final int TIMERS_READ = 1000;

    private ConsoleRoutes() {
    }

    /**
     * @param apps      the hosted apps
     * @param options   how the document describes the server (its title, whether a token is needed)
     * @param instances the store of a saga's instances, by the saga's name (null for an unknown name)
     * @param timers    the timer store the sagas' timers wait in (null: none listed)
     */
    public static List<AppRoute> of(List<TallyApp> apps, OpenApiDocument.Options options,
                                    Function<String, EventStore<?>> instances, TimerStore timers) {
        ObjectNode document = OpenApiDocument.of(apps, options);
        Map<String, Saga<?, ?>> sagas = new LinkedHashMap<>();
        apps.forEach(a -> a.sagas().forEach(s -> sagas.put(s.name(), s)));
        return List.of(
                AppRoute.get("/api/openapi\\.json", r -> AppRoute.Response.ok(document)),
                AppRoute.get("/api/sagas/([^/]+)/([^/]+)/pending", r -> {
                    Saga<?, ?> saga = sagas.get(r.param(0));
                    EventStore<?> store = saga == null ? null : instances.apply(saga.name());
                    if (store == null) {
                        throw new AppRoute.AppError(404, "unknown_saga", "no saga '" + r.param(0) + "'; this server"
                                + " runs " + sagas.keySet());
                    }
                    ObjectNode body = pending(saga, store, r.param(1));
                    ArrayNode waiting = body.putArray("timers");
                    if (timers != null) {
                        for (Timer t : timers.due(Instant.now().plus(Duration.ofDays(365 * 100)), TIMERS_READ)) {
                            if (t.sagaName().equals(saga.name()) && t.sagaId().equals(r.param(1))) {
                                waiting.addObject().put("id", t.id()).put("name", t.name())
                                        .put("dueAt", t.dueAt().toString());
                            }
                        }
                    }
                    return AppRoute.Response.ok(body);
                }));
    }

    @SuppressWarnings("unchecked")
    private static <S> ObjectNode pending(Saga<?, S> saga, EventStore<?> store, String id) {
        Aggregate<S> instance = ((EventStore<S>) store).load(id);
        if (!instance.exists()) {
            throw new AppRoute.AppError(404, "not_found", "saga '" + saga.name() + "' has no instance '" + id + "'");
        }
        ObjectNode body = JsonCodec.object().put("saga", saga.name()).put("id", id).put("version", instance.version());
        ArrayNode actions = body.putArray("actions");
        for (SagaAction a : saga.manager().todo(instance.state())) {
            ObjectNode n = actions.addObject().put("id", a.id());
            if (a instanceof SagaAction.Send s) {
                n.put("kind", "send").put("store", s.store()).put("aggregateId", s.aggregateId())
                        .put("command", s.command().getClass().getSimpleName())
                        .set("body", JsonCodec.toTree(s.command()));
            } else if (a instanceof SagaAction.Check c) {
                n.put("kind", "check").put("store", c.store()).put("aggregateId", c.aggregateId());
            } else if (a instanceof SagaAction.Schedule t) {
                n.put("kind", "schedule timer").put("name", t.name()).put("dueAt", t.dueAt().toString());
            } else if (a instanceof SagaAction.Cancel c) {
                n.put("kind", "cancel timer").put("name", c.name());
            } else {
                n.put("kind", a.getClass().getSimpleName());
            }
        }
        return body;
    }
}
