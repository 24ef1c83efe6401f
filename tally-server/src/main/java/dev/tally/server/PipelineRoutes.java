package dev.tally.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.internal.Chaos;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetters;
import dev.tally.core.runtime.TargetStats;
import dev.tally.http.ApiError;
import dev.tally.http.HttpResponse;
import dev.tally.http.Requests;
import dev.tally.http.Route;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's operations over HTTP:
 *
 * <pre>
 * GET  /api/pipeline                              -> the engine's counters, deliveries per target, dead letters
 * GET  /api/dead-letters[?limit=N&cursor=C], POST /api/dead-letters/{id}/redrive, POST /api/dead-letters/redrive
 * POST /api/verify[?repair=true]                  -> views compared with the ledger (and repaired)
 * POST /api/chaos {"on": true|false}
 * </pre>
 */
final class PipelineRoutes {
    private final TallyServer server;
    private final PipelineStatus status;

    PipelineRoutes(TallyServer server) {
        this.server = server;
        this.status = new PipelineStatus(server.engine());
    }

    List<Route> routes() {
        return List.of(
                Route.of("GET", "/api/pipeline", false, (r, m) -> pipeline()),
                Route.of("GET", "/api/dead-letters", false, (r, m) -> deadLetters(r.query())),
                Route.of("POST", "/api/verify", true, (r, m) -> verify(r.query())),
                Route.of("POST", "/api/dead-letters/redrive", true, (r, m) -> redriveAll()),
                Route.of("POST", "/api/dead-letters/([^/]+)/redrive", true,
                        (r, m) -> redrive(Requests.name("dead letter id", m.group(1)))),
                Route.of("POST", "/api/chaos", true, (r, m) -> chaos(Requests.body(r, "{\"on\": true}"))));
    }

    private DeadLetters letters() {
        return server.engine().pipeline().deadLetters();
    }

    private HttpResponse pipeline() {
        PipelineStatus.Snapshot snapshot = status.snapshot();
        ServeEngine.Status s = snapshot.stats();
        ObjectNode body = JsonCodec.object();
        body.setAll(s.counters());
        body.put("deadLetterCount", s.deadLetters());
        body.put("asOf", snapshot.takenAt().toString());
        Map<String, Integer> dead = snapshot.deadLettersBySource();
        ArrayNode targets = body.putArray("targets");
        for (TargetStats t : s.targets()) {
            targets.addObject().put("target", t.target()).put("deliveries", t.delivered())
                    .put("retries", t.failedAttempts()).put("deadLettered", t.deadLettered())
                    .put("redriven", t.redriven()).put("deadLetters", dead.getOrDefault("target:" + t.target(), 0));
        }
        ObjectNode byTarget = body.putObject("deadLetters");
        dead.forEach(byTarget::put);
        ObjectNode check = body.putObject("startupCheck");
        check.put("state", server.checkState());
        ConvergenceCheck.Report last = server.lastCheck();
        if (last != null) {
            check.set("report", reportJson(last));
        }
        Chaos chaos = server.engine().chaos();
        body.putObject("chaos").put("on", chaos.isOn()).put("duplicateRate", chaos.duplicateRate())
                .put("maxDelayMillis", chaos.maxDelay().toMillis()).put("reorder", chaos.reorder());
        return HttpResponse.json(200, body);
    }

    private HttpResponse deadLetters(String query) {
        Map<String, String> q = Requests.query(query);
        int limit = Requests.intParam(q, "limit", 100, 1, 1000);
        String cursor = q.get("cursor");
        if (cursor != null && !Requests.NAME.matcher(cursor).matches()) {
            throw Requests.badCursor(cursor);
        }
        Page<DeadLetter> page = letters().page(new PageRequest(cursor, limit));
        ArrayNode list = JsonCodec.mapper().createArrayNode();
        for (DeadLetter d : page.items()) {
            ObjectNode n = list.addObject();
            n.put("id", d.id()).put("source", d.source().kind()).put("target", d.source().name())
                    .put("error", d.error()).put("attempts", d.attempts()).put("failedAt", d.failedAt().toString());
            n.putObject("ref").put("store", d.ref().store()).put("aggregateId", d.ref().aggregateId())
                    .put("version", d.ref().version());
            if (d.hasBody()) {
                n.set("message", MessageCodec.toJson(d.message()));
            } else {
                n.putNull("message");
            }
        }
        ObjectNode body = JsonCodec.object();
        body.set("deadLetters", list);
        if (page.nextCursor() == null) {
            body.putNull("nextCursor");
        } else {
            body.put("nextCursor", page.nextCursor());
        }
        return HttpResponse.json(200, body);
    }

    private HttpResponse verify(String query) {
        boolean repair = "true".equals(Requests.query(query).get("repair"));
        return HttpResponse.json(200, reportJson(server.verify(repair)));
    }

    static ObjectNode reportJson(ConvergenceCheck.Report r) {
        ObjectNode n = JsonCodec.object();
        n.put("aggregates", r.aggregates()).put("views", r.views()).put("stale", r.staleCount())
                .put("repaired", r.repaired()).put("converged", r.converged())
                .put("startedAt", r.startedAt().toString()).put("tookMillis", r.took().toMillis());
        ArrayNode list = n.putArray("staleViews");
        for (ConvergenceCheck.Stale st : r.stale()) {
            list.addObject().put("projection", st.projection()).put("aggregateId", st.aggregateId())
                    .put("viewVersion", st.viewVersion()).put("ledgerVersion", st.ledgerVersion());
        }
        return n;
    }

    private HttpResponse redrive(String id) {
        boolean ok = letters().redrive(id);
        if (!ok && letters().get(id).isEmpty()) {
            throw new ApiError(404, "not_found", "no dead letter with id '" + id + "'");
        }
        return HttpResponse.json(ok ? 200 : 409, JsonCodec.object().put("redriven", ok).put("id", id)
                .put("message", ok ? "delivered" : "the target failed again; the letter stays"));
    }

    private HttpResponse redriveAll() {
        long before = letters().count();
        int ok = letters().redriveAll(null);
        return HttpResponse.json(200, JsonCodec.object().put("redriven", ok).put("remaining", before - ok));
    }

    private HttpResponse chaos(JsonNode body) {
        JsonNode on = body.get("on");
        if (on == null || !on.isBoolean()) {
            throw new ApiError(400, "invalid_on", "field 'on' must be true or false, e.g. {\"on\": true}");
        }
        server.engine().chaos(on.booleanValue() ? Chaos.typical() : Chaos.NONE);
        return pipeline();
    }
}
