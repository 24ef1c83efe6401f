package dev.tally.examples.counter;

import dev.tally.core.AggregateDefinition;
import dev.tally.core.EventStore;
import dev.tally.core.ReadOptions;
import dev.tally.core.app.AppContext;
import dev.tally.core.app.AppRoute;
import dev.tally.core.app.AppRoute.AppError;
import dev.tally.core.app.AppRoute.Response;
import dev.tally.core.app.TallyApp;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.projection.Projection;
import dev.tally.core.projection.Versioned;
import dev.tally.core.projection.ViewReader;
import java.util.List;

/**
 * The counter as an app {@code tally serve} hosts, with its own routes beside the generic API:
 * {@code POST /api/counters/{id}/increment} -> 200 {"aggregateId","version"};
 * {@code GET /api/counters/{id}} -> {"aggregateId","count","version"} | 404.
 */
public final class CounterApp implements TallyApp {
    @Override
    public String name() {
        return "counter";
    }

    @Override
    public List<AggregateDefinition<?>> stores() {
        return List.of(Counter.DEFINITION);
    }

    @Override
    public List<Projection<?, ?>> projections() {
        return List.of(Counter.COUNT);
    }

    @Override
    public List<AppRoute> routes(AppContext context) {
        EventStore<Counter.State> counters = context.store(Counter.DEFINITION);
        ViewReader<Counter.CountView> counts = context.views(Counter.COUNT);
        return List.of(
                AppRoute.post("/api/counters/([^/]+)/increment", r -> {
                    var result = counters.execute(r.param(0), new Counter.Increment(), r.metadata());
                    return Response.ok(JsonCodec.object().put("aggregateId", r.param(0))
                            .put("version", result.aggregate().version()));
                }),
                AppRoute.get("/api/counters/([^/]+)", r -> {
                    String id = r.param(0);
                    if (counters.read(id, ReadOptions.latest(1)).isEmpty()) {
                        throw new AppError(404, "not_found", "counter '" + id + "' was never incremented");
                    }
                    Versioned<Counter.CountView> v = counts.read(id).orElse(null);
                    return Response.ok(JsonCodec.object().put("aggregateId", id)
                            .put("count", v == null ? 0 : v.view().count()).put("version", v == null ? 0 : v.version()));
                }));
    }
}
