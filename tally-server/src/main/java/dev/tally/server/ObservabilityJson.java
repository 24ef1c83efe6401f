package dev.tally.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import dev.tally.otel.RecentLag;
import java.util.List;
import java.util.Map;

/** {@code GET /api/lag}: the event-to-view lag of the last five minutes per projection, for the dashboard. */
final class ObservabilityJson {
    private ObservabilityJson() {
    }

    /**
     * {@code {"slotSeconds": 10, "projections": {"balance": [{"start", "count", "meanMillis",
     * "maxMillis"}, ...]}}}, oldest slot first.
     */
    static dev.tally.http.HttpResponse lag(RecentLag lag) {
        ObjectNode body = JsonCodec.object();
        body.put("slotSeconds", RecentLag.SLOT_SECONDS);
        ObjectNode projections = body.putObject("projections");
        for (Map.Entry<String, List<RecentLag.Point>> e : lag.recent().entrySet()) {
            ArrayNode points = projections.putArray(e.getKey());
            for (RecentLag.Point p : e.getValue()) {
                points.addObject().put("start", p.start().toString()).put("count", p.count())
                        .put("meanMillis", p.meanMillis()).put("maxMillis", p.maxMillis());
            }
        }
        return dev.tally.http.HttpResponse.json(200, body);
    }
}
