package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;

/** The routes every server has whatever it hosts: the catalogue, the pipeline's health, dead letters, lag. */
final class PipelinePaths {
    private PipelinePaths() {
    }

    static void addTo(ObjectNode paths, boolean tokenRequired) {
        read(paths, "/api/openapi.json", "openapi", "This document.", tokenRequired);
        read(paths, "/api/stores", "stores", "The stores served, their commands (open and internal) and views.",
                tokenRequired);
        read(paths, "/api/pipeline", "pipeline", "The pipeline's health: the change feed, deliveries, retries and"
                + " dead letters per target, the startup convergence check.", tokenRequired);
        read(paths, "/api/lag", "lag", "Recent delivery lag per target, in slots of a few seconds.", tokenRequired);
        ObjectNode dead = read(paths, "/api/dead-letters", "deadLetters", "Dead letters, a page at a time.",
                tokenRequired);
        dead.withArray("parameters").addObject().put("name", "cursor").put("in", "query")
                .putObject("schema").put("type", "string");
        dead.withArray("parameters").addObject().put("name", "limit").put("in", "query")
                .putObject("schema").put("type", "integer").put("minimum", 1).put("maximum", 1000);
        write(paths, "/api/dead-letters/redrive", "redriveAll", "Sends every dead letter to its target again.",
                tokenRequired);
        ObjectNode one = write(paths, "/api/dead-letters/{id}/redrive", "redrive", "Sends one dead letter to its target"
                + " again.", tokenRequired);
        one.withArray("parameters").add(StorePaths.pathParameter("id", "the dead letter's id"));
        one.with("responses").set("404", ErrorBodies.ref("NotFound"));
    }

    private static ObjectNode read(ObjectNode paths, String path, String id, String summary, boolean token) {
        ObjectNode op = StorePaths.operation("pipeline", id, summary, summary);
        ObjectNode ok = op.putObject("responses").putObject("200").put("description", "OK");
        ok.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
        errors(op, token);
        paths.putObject(path).set("get", op);
        return op;
    }

    private static ObjectNode write(ObjectNode paths, String path, String id, String summary, boolean token) {
        ObjectNode op = StorePaths.operation("pipeline", id, summary, summary);
        ObjectNode ok = op.putObject("responses").putObject("200").put("description", "Done");
        ok.putObject("content").putObject("application/json").putObject("schema").put("type", "object");
        errors(op, token);
        paths.putObject(path).set("post", op);
        return op;
    }

    private static void errors(ObjectNode op, boolean token) {
        ObjectNode r = (ObjectNode) op.get("responses");
        if (token) {
            r.set("401", ErrorBodies.ref("Unauthorized"));
        }
        r.set("403", ErrorBodies.ref("Forbidden"));
        r.set("503", ErrorBodies.ref("Unavailable"));
    }
}
