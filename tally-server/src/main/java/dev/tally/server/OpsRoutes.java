package dev.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventStore;
import dev.tally.core.internal.Names;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.app.AppRoute;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ops.ProjectionResend;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.snapshot.SnapshotVerifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The server side of the operations commands run with {@code --url}: the command walks the ids
 * (so it keeps its own place, rate and progress) and asks the server, a page at a time, to send
 * head messages to one projection through the local EventBridge (stored before it answers), or to
 * verify snapshots.
 *
 * <ul>
 *   <li>{@code GET /api/ops/projections/{projection}}: {@code {"name", "store"}}</li>
 *   <li>{@code GET /api/ops/stores/{store}/ids?size=N&cursor=C}: {@code {"ids": [...], "nextCursor"}}</li>
 *   <li>{@code POST /api/ops/projections/{projection}/resend} {@code {"ids": [...]}}: {@code {"messages", "events"}}</li>
 *   <li>{@code POST /api/ops/stores/{store}/verify-snapshots} {@code {"ids": [...]}}:
 *       {@code {"results": [{"aggregateId", "version", "ok", "message"}]}}</li>
 *   <li>{@code POST /api/ops/stores/{store}/archive} {@code {"ids": [...], "idleDays": N}}:
 *       {@code {"archive", "results": [{"aggregateId", "archivedThrough", "outcome"}]}}, into the
 *       server's archive ({@link TallyServer#archiveLedger()})</li>
 * </ul>
 */
public final class OpsRoutes {
    /** The most ids one request may name. */
    public static final int MAX_IDS = 1000;

    private OpsRoutes() {
    }

    static List<AppRoute> of(TallyServer server) {
        return List.of(
                AppRoute.get("/api/ops/projections/([^/]+)", r -> {
                    TallyServer.HostedProjection p = projection(server, r.param(0));
                    ObjectNode body = JsonCodec.object();
                    body.put("name", p.projection().name());
                    body.put("store", p.projection().store());
                    return AppRoute.Response.ok(body);
                }),
                AppRoute.get("/api/ops/stores/([^/]+)/ids", r -> {
                    EventStore<?> store = store(server, r.param(0));
                    int size = size(r.query().get("size"));
                    Page<String> page = store.listAggregateIds(new PageRequest(r.query().get("cursor"), size));
                    ObjectNode body = JsonCodec.object();
                    ArrayNode ids = body.putArray("ids");
                    page.items().forEach(ids::add);
                    if (page.nextCursor() == null) {
                        body.putNull("nextCursor");
                    } else {
                        body.put("nextCursor", page.nextCursor());
                    }
                    return AppRoute.Response.ok(body);
                }),
                AppRoute.post("/api/ops/projections/([^/]+)/resend", r -> {
                    TallyServer.HostedProjection p = projection(server, r.param(0));
                    EventStore<?> store = store(server, p.projection().store());
                    String target = p.projection().name();
                    Rebuild.Sent sent = new ProjectionResend(store,
                            m -> server.engine().sendTo(target, List.of(m))).send(ids(r.body()));
                    ObjectNode body = JsonCodec.object();
                    body.put("messages", sent.messages());
                    body.put("events", sent.events());
                    return AppRoute.Response.ok(body);
                }),
                AppRoute.post("/api/ops/stores/([^/]+)/verify-snapshots", r -> {
                    EventStore<?> store = store(server, r.param(0));
                    SnapshotVerifier verifier = new SnapshotVerifier();
                    ObjectNode body = JsonCodec.object();
                    ArrayNode results = body.putArray("results");
                    for (String id : ids(r.body())) {
                        SnapshotVerifier.Result v = verifier.verify(store, id);
                        results.addObject().put("aggregateId", id).put("version", v.version()).put("ok", v.ok())
                                .put("message", v.message());
                    }
                    return AppRoute.Response.ok(body);
                }),
                AppRoute.post("/api/ops/stores/([^/]+)/archive", r -> {
                    EventStore<?> store = store(server, r.param(0));
                    JsonNode idle = r.body().path("idleDays");
                    if (!idle.canConvertToInt() || !idle.isIntegralNumber() || idle.asInt() < 1) {
                        throw new AppRoute.AppError(400, "invalid_idle_days", "the body must name 'idleDays', a whole"
                                + " number of days >= 1, e.g. {\"ids\": [\"alice\"], \"idleDays\": 365}; got "
                                + r.body().path("idleDays"));
                    }
                    List<String> ids = ids(r.body());
                    dev.tally.core.archive.ArchiveReadingLedger ledger = server.engine().archiveLedger().orElseThrow(
                            () -> new AppRoute.AppError(409, "no_archive", "this server's engine keeps no archive:"
                                    + " serve with --engine dynamodb-local or postgres to archive through it"));
                    dev.tally.core.archive.Archiver archiver = new dev.tally.core.archive.Archiver(ledger,
                            java.time.Clock.systemUTC());
                    ObjectNode body = JsonCodec.object();
                    body.put("archive", ledger.archive().describe());
                    ArrayNode results = body.putArray("results");
                    for (String id : ids) {
                        dev.tally.core.archive.Archiver.Outcome o = archiver.archive(store, id,
                                java.time.Duration.ofDays(idle.asInt()));
                        results.addObject().put("aggregateId", id).put("archivedThrough", o.archivedThrough())
                                .put("outcome", o.kind().name().toLowerCase(java.util.Locale.ROOT));
                    }
                    return AppRoute.Response.ok(body);
                }));
    }

    private static TallyServer.HostedProjection projection(TallyServer server, String name) {
        TallyServer.HostedProjection p = server.projections().get(name);
        if (p == null) {
            throw new AppRoute.AppError(404, "unknown_projection", "no projection '" + name + "'; this server has "
                    + server.projections().keySet());
        }
        return p;
    }

    private static EventStore<?> store(TallyServer server, String name) {
        EventStore<?> s = server.stores().get(name);
        if (s == null) {
            throw new AppRoute.AppError(404, "unknown_store", "no event store '" + name + "'; this server has "
                    + server.stores().keySet());
        }
        return s;
    }

    private static int size(String raw) {
        if (raw == null) {
            return 100;
        }
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= MAX_IDS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the refusal
        }
        throw new AppRoute.AppError(400, "invalid_size", "'size' must be a whole number from 1 to " + MAX_IDS
                + ", got '" + raw + "'");
    }

    private static List<String> ids(JsonNode body) {
        JsonNode ids = body.path("ids");
        if (!ids.isArray() || ids.size() > MAX_IDS) {
            throw new AppRoute.AppError(400, "invalid_ids", "the body must be {\"ids\": [...]} with at most " + MAX_IDS
                    + " aggregate ids, e.g. {\"ids\": [\"alice\", \"bob\"]}");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : ids) {
            if (!n.isTextual()) {
                throw new AppRoute.AppError(400, "invalid_ids", "every id in 'ids' must be a string, got " + n);
            }
            try {
                Names.requireAggregateId(n.asText());
            } catch (IllegalArgumentException e) {
                throw new AppRoute.AppError(400, "invalid_ids", e.getMessage());
            }
            out.add(n.asText());
        }
        return out;
    }
}
