package dev.tally.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;

/** A command record from the JSON a client sent. */
final class CommandBinding {
    /** Binds command records strictly: unknown, missing or null fields and 1.5 for a long are refused. */
    private static final ObjectReader COMMANDS = JsonCodec.mapper().reader()
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .without(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private CommandBinding() {
    }

    static Object bind(JsonNode body, Class<?> type, String commandName) {
        try {
            return COMMANDS.treeToValue(body, type);
        } catch (JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new ApiError(400, "invalid_command", (field == null ? "the body" : "field '" + field + "'")
                    + " does not fit " + commandName + ": " + e.getOriginalMessage().split("\n")[0]
                    + "; send the command's fields as JSON, e.g. " + example(type));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiError(400, "invalid_command", "the body does not fit " + commandName + ": " + e.getMessage()
                    + "; send e.g. " + example(type));
        }
    }

    /** A JSON sketch of a command record's fields, for error messages. */
    static String example(Class<?> type) {
        if (!type.isRecord()) {
            return "{}";
        }
        ObjectNode n = JsonCodec.object();
        for (var c : type.getRecordComponents()) {
            n.put(c.getName(), "<" + c.getType().getSimpleName() + ">");
        }
        return n.toString();
    }
}
