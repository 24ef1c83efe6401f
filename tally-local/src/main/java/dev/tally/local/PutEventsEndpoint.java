package dev.tally.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tally.aws.EventBridgeEvents;
import dev.tally.core.json.JsonCodec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AWS JSON 1.1 framing of the local EventBridge's one operation, PutEvents, as the real SDK
 * speaks it: the method and {@code X-Amz-Target} header, a JSON body of 1 to 10 entries within
 * EventBridge's size limit, and errors as {@code __type} + {@code message} with the
 * {@code x-amzn-ErrorType} header. What the entries do is the bridge's ({@code putEvents}).
 */
final class PutEventsEndpoint implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PutEventsEndpoint.class);

    private final Function<JsonNode, ObjectNode> putEvents;

    PutEventsEndpoint(Function<JsonNode, ObjectNode> putEvents) {
        this.putEvents = putEvents;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"POST".equals(exchange.getRequestMethod()) || target == null) {
                error(exchange, 400, "UnknownOperationException", "expected a POST with an X-Amz-Target header");
                return;
            }
            if (!target.endsWith(".PutEvents")) {
                error(exchange, 400, "UnknownOperationException", "the local EventBridge implements PutEvents only, not "
                        + target + "; rules are added in process (LocalEventBridge.putRule)");
                return;
            }
            JsonNode body;
            try {
                body = JsonCodec.parse(exchange.getRequestBody().readAllBytes());
            } catch (RuntimeException e) {
                error(exchange, 400, "SerializationException", "the request body is not JSON: " + e.getMessage());
                return;
            }
            JsonNode entries = body.path("Entries");
            if (!entries.isArray() || entries.isEmpty() || entries.size() > 10) {
                error(exchange, 400, "ValidationException", "Entries must hold 1 to 10 entries, got "
                        + (entries.isArray() ? entries.size() : "none"));
                return;
            }
            int total = 0;
            for (JsonNode e : entries) {
                total += EventBridgeEvents.entrySize(e.path("Source").asText(), e.path("DetailType").asText(),
                        e.path("Detail").asText());
            }
            if (total > EventBridgeEvents.MAX_ENTRY_BYTES) {
                error(exchange, 400, "ValidationException", "Total size of the entries in the request is over the"
                        + " limit (" + total + " > " + EventBridgeEvents.MAX_ENTRY_BYTES + " bytes)");
                return;
            }
            respond(exchange, 200, putEvents.apply(entries).toString());
        } catch (RuntimeException e) {
            LOG.error("local EventBridge failed on a request", e);
            error(exchange, 500, "InternalException", e.toString());
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode body = JsonCodec.object().put("__type", type).put("message", message);
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        respond(exchange, status, body.toString());
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
