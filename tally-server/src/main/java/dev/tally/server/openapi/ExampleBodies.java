package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tally.core.json.JsonCodec;
import java.util.Map;

/**
 * Example bodies built from the derived schemas (not from the Java classes), so an example is what
 * its schema asks for: every required property present, whole numbers where integers are expected,
 * an ISO-8601 instant for a {@code date-time}, an enum's first constant. A record that holds itself
 * gets an empty list at the second level rather than an endless example.
 */
final class ExampleBodies {
    private static final int MAX_DEPTH = 6;
    private static final Map<String, String> FORMATS = Map.of(
            "date-time", "2027-01-31T12:00:00Z",
            "date", "2027-01-31",
            "time", "12:00:00",
            "duration", "PT15M",
            "uuid", "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
            "uri", "https://example.com/");

    private final ObjectNode components;

    ExampleBodies(ObjectNode components) {
        this.components = components;
    }

    /** An example of the component {@code name}. */
    JsonNode of(String name) {
        return example(components.get(name), null, 0);
    }

    private JsonNode example(JsonNode schema, String field, int depth) {
        if (schema == null || depth > MAX_DEPTH) {
            return NullNode.getInstance();
        }
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            return example(components.get(ref.substring(RecordSchemas.REF_PREFIX.length())), field, depth + 1);
        }
        if (schema.has("enum")) {
            return schema.get("enum").get(0);
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                ObjectNode out = JsonCodec.object();
                JsonNode properties = schema.path("properties");
                properties.fieldNames().forEachRemaining(p -> out.set(p, example(properties.get(p), p, depth + 1)));
                JsonNode values = schema.get("additionalProperties");
                if (!properties.fieldNames().hasNext() && values != null && values.isObject() && depth < MAX_DEPTH) {
                    out.set(field == null ? "key" : singular(field), example(values, field, depth + 1));
                }
                return out;
            }
            case "array" -> {
                ArrayNode out = JsonCodec.mapper().createArrayNode();
                if (depth < 2 || !refersBack(schema)) {
                    JsonNode item = example(schema.get("items"), field == null ? null : singular(field), depth + 1);
                    if (!item.isNull()) {
                        out.add(item);
                    }
                }
                return out;
            }
            case "string" -> {
                String format = schema.path("format").asText("");
                if (FORMATS.containsKey(format)) {
                    return TextNode.valueOf(FORMATS.get(format));
                }
                if (schema.path("maxLength").asInt(Integer.MAX_VALUE) == 1) {
                    return TextNode.valueOf("x");
                }
                return TextNode.valueOf(field == null ? "text" : field + "-1");
            }
            case "integer" -> {
                return JsonCodec.mapper().getNodeFactory().numberNode(1);
            }
            case "number" -> {
                return JsonCodec.mapper().getNodeFactory().numberNode(1.5);
            }
            case "boolean" -> {
                return JsonCodec.mapper().getNodeFactory().booleanNode(true);
            }
            default -> {
                return JsonCodec.object();
            }
        }
    }

    /** Whether an array's items are a record (which may hold the array again). */
    private static boolean refersBack(JsonNode arraySchema) {
        return arraySchema.path("items").has("$ref");
    }

    private static String singular(String field) {
        return field.endsWith("s") && field.length() > 1 ? field.substring(0, field.length() - 1) : field;
    }
}
