package dev.tally.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventStore;
import dev.tally.core.json.JsonCodec;
import java.util.List;
import java.util.Map;

/** {@code GET /api/views/{projection}/{id}}: a view with its version, personal data revealed. */
final class ViewRoutes {
    private final Map<String, EventStore<?>> stores;
    private final Map<String, HostedView> views;

    ViewRoutes(Map<String, EventStore<?>> stores, Map<String, HostedView> views) {
        this.stores = stores;
        this.views = views;
    }

    List<Route> routes() {
        return List.of(Route.of("GET", TallyHttp.VIEW_ROUTE, false,
                (r, m) -> view(Requests.name("projection", m.group(1)), Requests.id(m.group(2)))));
    }

    private HttpResponse view(String projection, String key) {
        HostedView p = views.get(projection);
        if (p == null) {
            throw new ApiError(404, "unknown_projection", "no projection '" + projection + "'; this server has "
                    + views.keySet());
        }
        var v = p.reader().read(key).orElseThrow(() -> new ApiError(404, "not_found", "projection '" + projection
                + "' has no view '" + key + "' (yet: views follow the ledger within moments)"));
        ObjectNode body = JsonCodec.object().put("projection", projection).put("key", v.key())
                .put("version", v.version());
        EventStore<?> owner = stores.get(p.store());
        body.set("view", owner == null ? JsonCodec.toTree(v.view())
                : Revealing.revealed(owner, JsonCodec.toTree(v.view())));
        return HttpResponse.json(200, body);
    }
}
