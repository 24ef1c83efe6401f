package dev.tally.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A command record from the JSON a client sent, strictly: an unknown, missing, null or mistyped
 * field is a 400 {@code invalid_command} that names the field, the type expected in the user's
 * words, what was sent and an example body built from the command's own record. A number is not a
 * string, nor an instant; a string is not a whole number. The message names no Java class.
 */
final class CommandBinding {
    /** What the checks leave to the binder (an app's own field types) is bound strictly too. */
    private static final ObjectReader COMMANDS = JsonCodec.mapper().reader()
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
            .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .without(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private CommandBinding() {
    }

    static Object bind(JsonNode body, Class<?> type, String commandName) {
        if (type.isRecord()) {
            FieldTypes.Misfit m = RecordCheck.check("", (ObjectNode) body, type);
            if (m != null) {
                throw new ApiError(400, "invalid_command", message(m, type, commandName));
            }
        }
        try {
            return COMMANDS.treeToValue(body, type);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new ApiError(400, "invalid_command", (field == null ? "the body" : "field '" + field + "'")
                    + " does not fit " + commandName + "; send the command's fields as JSON, e.g. " + example(type));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            // the record's own constructor refused a value: its message is the app's
            String reason = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
                    : "";
            throw new ApiError(400, "invalid_command", "the body does not fit " + commandName
                    + (reason.isEmpty() || reason.contains("dev.tally") || reason.contains("com.fasterxml") ? ""
                    : ": " + reason) + "; send e.g. " + example(type));
        }
    }

    private static String message(FieldTypes.Misfit m, Class<?> type, String commandName) {
        String fields = fields(type);
        return switch (m.sent()) {
            case "unknown" -> "field '" + m.path() + "' is not a field of " + commandName + " (its fields: " + fields
                    + "); send e.g. " + example(type);
            case "missing" -> "field '" + m.path() + "' is missing: " + commandName + " needs it as "
                    + article(m.expected()) + "; send e.g. " + example(type);
            case "null" -> "field '" + m.path() + "' is null: " + commandName + " needs " + article(m.expected())
                    + "; send e.g. " + example(type);
            default -> "field '" + m.path() + "' must be " + article(m.expected()) + ", got " + m.sent()
                    + "; send e.g. " + example(type);
        };
    }

    /** "a string", "an ISO-8601 instant ...", "one of A, B" (no article), "true or false". */
    static String article(String expected) {
        if (expected.startsWith("one of") || expected.startsWith("true or false")) {
            return expected;
        }
        return (expected.startsWith("ISO") || expected.startsWith("object") ? "an " : "a ") + expected;
    }

    /** The record's fields with their types: {@code memberId (string), dueDate (ISO-8601 instant ...)}. */
    static String fields(Class<?> type) {
        return Arrays.stream(type.getRecordComponents())
                .map(c -> c.getName() + " (" + FieldTypes.describe(c.getGenericType()) + ")")
                .collect(Collectors.joining(", "));
    }

    /** An example body built from the command's own record components. */
    static String example(Class<?> type) {
        if (!type.isRecord()) {
            return "{}";
        }
        ObjectNode n = JsonCodec.object();
        for (RecordComponent c : type.getRecordComponents()) {
            n.set(c.getName(), FieldTypes.example(c.getGenericType(), 0));
        }
        return n.toString();
    }
}
