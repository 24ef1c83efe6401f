package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.util.Collection;

/**
 * The error bodies of the API as schemas and reusable responses: every error is
 * {@code {"error": "<code>", "message": "<what was wrong and what to do>"}}, the code stable and
 * machine-readable, the message for people.
 */
final class ErrorBodies {
    static final String ERROR = "Error";
    static final String INVALID_COMMAND = "InvalidCommand";

    private ErrorBodies() {
    }

    /** Adds the error schemas to {@code schemas} and the shared responses to {@code responses}. */
    static void addTo(ObjectNode schemas, ObjectNode responses, boolean tokenRequired) {
        ObjectNode error = schemas.putObject(ERROR).put("type", "object").put("title", "Error")
                .put("description", "Every error answer: a stable code and a message saying what was wrong and what"
                        + " to do.");
        ObjectNode properties = error.putObject("properties");
        properties.putObject("error").put("type", "string").put("description", "stable, machine-readable code");
        properties.putObject("message").put("type", "string").put("description", "for people");
        error.putArray("required").add("error").add("message");

        ObjectNode invalid = schemas.putObject(INVALID_COMMAND).put("title", "InvalidCommand").put("description",
                "The body does not bind to the command: the message names the field, the type expected and an"
                        + " example. Nothing was written.");
        invalid.putArray("allOf").add(RecordSchemas.refTo(ERROR));
        invalid.putObject("properties").putObject("error").put("const", "invalid_command");

        responses.set("InvalidCommand", response("The body does not fit the command (error 'invalid_command', or"
                + " 'invalid_json' for a body that is not a JSON object). Nothing was written.", INVALID_COMMAND));
        responses.set("BadRequest", response("A path segment, query parameter or header is malformed.", ERROR));
        if (tokenRequired) {
            responses.set("Unauthorized", response("The request lacks 'Authorization: Bearer <token>' or its token is"
                    + " wrong (error 'unauthorized').", ERROR));
        }
        responses.set("Forbidden", response("Refused before anything ran: a Host or Origin this server does not"
                + " serve, a write without 'Content-Type: application/json', or a command declared internal (error"
                + " 'internal_command').", ERROR));
        responses.set("NotFound", response("No such store, command, projection, view or aggregate (errors"
                + " 'unknown_store', 'unknown_command', 'unknown_projection', 'not_found').", ERROR));
        responses.set("Conflict", response("A request with the same Idempotency-Key is still running"
                + " (error 'idempotency_key_in_progress'): retry it with the same key in a moment.", ERROR));
        responses.set("TooLarge", response("The body is over the server's limit (error 'body_too_large').", ERROR));
        responses.set("Unavailable", response("Nothing was decided: the server is at its limit ('overloaded',"
                + " 'busy'), a store could not be read ('store_unavailable'), or the outcome of a write is unknown"
                + " ('outcome_unknown': retry with the same Idempotency-Key, it applies at most once).", ERROR));
    }

    /**
     * The 422 schema of a store: a rejection by one of its commands' rules, with the codes its app
     * declared (and the reuse of an idempotency key under another request) when it declared any.
     */
    static String rejection(ObjectNode schemas, String store, Collection<String> codes, String meanings) {
        String name = store + ".Rejection";
        ObjectNode schema = schemas.putObject(name).put("title", store + " rejection").put("description",
                "A business rule of '" + store + "' refused the command; nothing was written. The same 422 answers a"
                        + " reused Idempotency-Key under another request ('idempotency_key_reused')." + meanings);
        schema.putArray("allOf").add(RecordSchemas.refTo(ERROR));
        if (!codes.isEmpty()) {
            var values = schema.putObject("properties").putObject("error").putArray("enum");
            codes.forEach(values::add);
            values.add("idempotency_key_reused");
        }
        return name;
    }

    static ObjectNode response(String description, String schema) {
        ObjectNode r = JsonCodec.object().put("description", description);
        r.putObject("content").putObject("application/json").set("schema", RecordSchemas.refTo(schema));
        return r;
    }

    static ObjectNode ref(String response) {
        return JsonCodec.object().put("$ref", "#/components/responses/" + response);
    }
}
