package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.ops.Rebuild;
import dev.tally.core.runtime.ConvergenceCheck;
import dev.tally.core.snapshot.SnapshotVerifier;
import dev.tally.server.OpsRoutes;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The operations through a running server's API (the routes of {@link OpsRoutes}). */
final class RemoteOps implements OpsBackend {
    private final String url;
    private final ApiClient api;

    RemoteOps(String url, String token) {
        this.url = url;
        this.api = new ApiClient(url, token);
    }

    @Override
    public String storeOf(String projection) {
        JsonNode p = api.get("/api/ops/projections/" + projection);
        return p.get("store").asText();
    }

    @Override
    public Page<String> ids(String store, PageRequest request) {
        JsonNode r = api.get("/api/ops/stores/" + store + "/ids?size=" + request.size()
                + (request.cursor() == null ? "" : "&cursor=" + URLEncoder.encode(request.cursor(), StandardCharsets.UTF_8)));
        List<String> ids = new ArrayList<>();
        r.get("ids").forEach(n -> ids.add(n.asText()));
        return new Page<>(ids, r.path("nextCursor").isTextual() ? r.get("nextCursor").asText() : null);
    }

    @Override
    public Rebuild.Sent resend(String projection, List<String> aggregateIds) {
        JsonNode r = api.post("/api/ops/projections/" + projection + "/resend", idsBody(aggregateIds));
        return new Rebuild.Sent(r.get("messages").asInt(), r.get("events").asLong());
    }

    @Override
    public long forget(String store, String aggregateId) {
        return api.post("/api/forget/" + store + "/" + aggregateId).path("version").asLong();
    }

    @Override
    public long replay(String store, String aggregateId) {
        try {
            return api.post("/api/replay/" + store + "/" + aggregateId).get("version").asLong();
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().contains("has no events")) {
                return 0;
            }
            throw e;
        }
    }

    @Override
    public ConvergenceCheck.Report verify(boolean repair) {
        JsonNode r = api.post("/api/verify" + (repair ? "?repair=true" : ""));
        List<ConvergenceCheck.Stale> stale = new ArrayList<>();
        for (JsonNode s : r.get("staleViews")) {
            stale.add(new ConvergenceCheck.Stale(s.get("projection").asText(), s.get("aggregateId").asText(),
                    s.get("viewVersion").asLong(), s.get("ledgerVersion").asLong()));
        }
        return new ConvergenceCheck.Report(r.get("aggregates").asLong(), r.get("views").asLong(),
                r.get("stale").asLong(), stale, r.get("repaired").asLong(),
                Instant.parse(r.path("startedAt").asText(Instant.EPOCH.toString())),
                Duration.ofMillis(r.get("tookMillis").asLong()));
    }

    @Override
    public List<SnapshotVerifier.Result> verifySnapshots(String store, List<String> aggregateIds) {
        JsonNode r = api.post("/api/ops/stores/" + store + "/verify-snapshots", idsBody(aggregateIds));
        List<SnapshotVerifier.Result> out = new ArrayList<>();
        for (JsonNode n : r.get("results")) {
            out.add(new SnapshotVerifier.Result(store, n.get("aggregateId").asText(), n.get("version").asLong(),
                    n.get("ok").asBoolean(), n.get("message").asText()));
        }
        return out;
    }

    @Override
    public List<ArchiveOutcome> archive(String store, List<String> aggregateIds, int idleDays) {
        ObjectNode body = idsBody(aggregateIds);
        body.put("idleDays", idleDays);
        JsonNode r = api.post("/api/ops/stores/" + store + "/archive", body);
        List<ArchiveOutcome> out = new ArrayList<>();
        for (JsonNode n : r.get("results")) {
            out.add(new ArchiveOutcome(n.get("aggregateId").asText(), n.get("archivedThrough").asLong(),
                    n.get("outcome").asText()));
        }
        return out;
    }

    private static ObjectNode idsBody(List<String> ids) {
        ObjectNode body = JsonCodec.object();
        ArrayNode a = body.putArray("ids");
        ids.forEach(a::add);
        return body;
    }

    @Override
    public String describe() {
        return url;
    }

    @Override
    public void close() {
    }
}
