package dev.tally.core.query;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.util.List;

/** A trace as an indented tree for a terminal, and as JSON for {@code GET /api/trace/{id}}. */
public final class TraceText {
    private TraceText() {
    }

    /** One line per node, children indented under their cause with box-drawing branches. */
    public static String render(Trace.Result trace) {
        StringBuilder out = new StringBuilder("trace ").append(trace.correlationId()).append(": ")
                .append(trace.events()).append(trace.events() == 1 ? " event" : " events")
                .append(trace.truncated() ? " (the first " + trace.events() + " only)" : "").append('\n');
        if (trace.roots().isEmpty()) {
            out.append("  no event carries this correlation id\n");
        }
        for (TraceNode root : trace.roots()) {
            render(root, "", "", out);
        }
        return out.toString();
    }

    private static void render(TraceNode n, String lead, String childLead, StringBuilder out) {
        out.append(lead).append(line(n)).append('\n');
        List<TraceNode> children = n.children();
        for (int i = 0; i < children.size(); i++) {
            boolean last = i == children.size() - 1;
            render(children.get(i), childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), out);
        }
    }

    /** One node: what and where, when, how it went. */
    public static String line(TraceNode n) {
        String where = n.store() == null ? "" : n.store() + "/" + n.aggregateId();
        String what = switch (n.kind()) {
            case TraceNode.EVENT -> where + "@" + n.version() + " " + n.type();
            case TraceNode.COMMAND -> "command" + (n.detail() == null ? "" : " " + n.detail()) + " -> " + where;
            case TraceNode.TIMER -> "timer " + n.detail();
            default -> "request " + (n.detail() == null ? "(no causation id)" : n.detail()) + " -> " + where;
        };
        return what + "  " + n.time() + "  " + n.outcome();
    }

    /** The trace as JSON: {@code {"correlationId", "events", "truncated", "roots": [node...]}}. */
    public static ObjectNode json(Trace.Result trace) {
        ObjectNode o = JsonCodec.object();
        o.put("correlationId", trace.correlationId());
        o.put("events", trace.events());
        o.put("truncated", trace.truncated());
        ArrayNode roots = o.putArray("roots");
        trace.roots().forEach(r -> roots.add(json(r)));
        return o;
    }

    private static ObjectNode json(TraceNode n) {
        ObjectNode o = JsonCodec.object();
        o.put("kind", n.kind());
        if (n.store() != null) {
            o.put("store", n.store());
            o.put("aggregateId", n.aggregateId());
        }
        if (n.version() != null) {
            o.put("version", n.version());
            o.put("type", n.type());
        }
        o.put("time", n.time().toString());
        o.put("outcome", n.outcome());
        if (n.detail() != null) {
            o.put("detail", n.detail());
        }
        ArrayNode children = o.putArray("children");
        n.children().forEach(c -> children.add(json(c)));
        return o;
    }

    /** A trace read back from {@link #json(Trace.Result)} (what {@code tally trace} gets from a server). */
    public static Trace.Result fromJson(com.fasterxml.jackson.databind.JsonNode o) {
        List<TraceNode> roots = new java.util.ArrayList<>();
        o.path("roots").forEach(r -> roots.add(node(r)));
        return new Trace.Result(o.path("correlationId").asText(), o.path("events").asInt(),
                o.path("truncated").asBoolean(), roots);
    }

    private static TraceNode node(com.fasterxml.jackson.databind.JsonNode o) {
        List<TraceNode> children = new java.util.ArrayList<>();
        o.path("children").forEach(c -> children.add(node(c)));
        return new TraceNode(o.path("kind").asText(), text(o, "store"), text(o, "aggregateId"),
                o.hasNonNull("version") ? o.get("version").asLong() : null, text(o, "type"),
                java.time.Instant.parse(o.path("time").asText()), text(o, "outcome"), text(o, "detail"), children);
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode o, String field) {
        return o.hasNonNull(field) ? o.get(field).asText() : null;
    }
}
