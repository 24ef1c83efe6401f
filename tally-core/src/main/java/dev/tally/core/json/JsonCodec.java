package dev.tally.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.tally.core.EventMetadata;
import dev.tally.core.RecordedEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tally's JSON: one configured {@link ObjectMapper} for payloads, states and views, and the wire
 * format of recorded events. The wire format is written by hand, field by field, because it is a
 * contract with other processes (EventBridge details, SQS bodies, stream records), not an
 * accident of reflection.
 */
public final class JsonCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .build();

    /** Reads decimals exactly; {@link #parse} makes the result canonical. */
    private static final com.fasterxml.jackson.databind.ObjectReader EXACT = MAPPER.reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private JsonCodec() {
    }

    /** The shared mapper; treat it as read-only. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Any value (record, map, list) to a JSON tree. */
    public static JsonNode toTree(Object value) {
        return canonical(MAPPER.valueToTree(value));
    }

    /** A JSON tree to a Java value; a mismatch names both types. */
    public static <T> T fromTree(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new JsonMappingFailed("cannot read " + abbreviate(tree) + " as " + type.getName() + ": "
                    + e.getMessage(), e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new JsonMappingFailed("cannot write " + value.getClass().getName() + " as JSON: " + e.getMessage(), e);
        }
    }

    public static byte[] writeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new JsonMappingFailed("cannot write " + value.getClass().getName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Parses JSON text into a canonical tree. Decimals are read exactly (as big decimals) before
     * they are made canonical, so a number that crosses a text transport (EventBridge, SQS, HTTP,
     * a dead-letter table) comes back with every digit it left with.
     */
    public static JsonNode parse(String json) {
        try {
            return canonical(EXACT.readTree(json));
        } catch (JsonProcessingException e) {
            throw new JsonMappingFailed("malformed JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static JsonNode parse(byte[] json) {
        try {
            return canonical(EXACT.readTree(json));
        } catch (IOException e) {
            throw new JsonMappingFailed("malformed JSON: " + e.getMessage(), e);
        }
    }

    // --- canonical numbers ------------------------------------------------------------------------

    /**
     * The same JSON with every number in one canonical node type: integral values that fit a long
     * become long nodes, others double nodes (or decimal nodes when a double would lose digits).
     * Storage engines disagree on number types (DynamoDB returns "2" for 2.0, JSONB returns
     * numerics), so payloads and states are canonical wherever Tally builds them, and a value read
     * back from any adapter equals the value written. Returns {@code node} itself when it already
     * is canonical.
     */
    public static JsonNode canonical(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isNumber()) {
            return canonicalNumber(node);
        }
        if (node.isObject()) {
            ObjectNode copy = null;
            var fields = node.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                JsonNode c = canonical(f.getValue());
                if (c != f.getValue()) {
                    if (copy == null) {
                        copy = ((ObjectNode) node).deepCopy();
                    }
                    copy.set(f.getKey(), c);
                }
            }
            return copy == null ? node : copy;
        }
        if (node.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode copy = null;
            for (int i = 0; i < node.size(); i++) {
                JsonNode c = canonical(node.get(i));
                if (c != node.get(i)) {
                    if (copy == null) {
                        copy = ((com.fasterxml.jackson.databind.node.ArrayNode) node).deepCopy();
                    }
                    copy.set(i, c);
                }
            }
            return copy == null ? node : copy;
        }
        return node;
    }

    private static JsonNode canonicalNumber(JsonNode n) {
        if (n.isLong()) {
            return n;
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? JsonNodeFactory.instance.numberNode(n.longValue())
                    : beyondLong(n.bigIntegerValue(), n);
        }
        java.math.BigDecimal d = n.decimalValue();
        if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
            try {
                return JsonNodeFactory.instance.numberNode(d.longValueExact());
            } catch (ArithmeticException tooBig) {
                return beyondLong(d.toBigIntegerExact(), n);
            }
        }
        double asDouble = d.doubleValue();
        if (!Double.isInfinite(asDouble) && java.math.BigDecimal.valueOf(asDouble).compareTo(d) == 0) {
            return n.isDouble() ? n : JsonNodeFactory.instance.numberNode(asDouble);
        }
        return n.isBigDecimal() ? n : JsonNodeFactory.instance.numberNode(d);
    }

    /**
     * An integral value too big for a long has one canonical form whatever node holds it: a double
     * when a double holds it exactly (in its shortest form, e.g. 1.5E20), else a big integer. JSONB
     * and DynamoDB return 1.5E20 as the integer 150000000000000000000; both read back as the double.
     */
    private static JsonNode beyondLong(java.math.BigInteger value, JsonNode n) {
        double asDouble = value.doubleValue();
        if (!Double.isInfinite(asDouble)
                && java.math.BigDecimal.valueOf(asDouble).compareTo(new java.math.BigDecimal(value)) == 0) {
            return n.isDouble() ? n : JsonNodeFactory.instance.numberNode(asDouble);
        }
        return n.isBigInteger() ? n : JsonNodeFactory.instance.numberNode(value);
    }

    // --- the wire format of a recorded event -------------------------------------------------

    /** A recorded event as a JSON object with stable field names. */
    public static ObjectNode eventToJson(RecordedEvent e) {
        ObjectNode n = object();
        n.put("store", e.store());
        n.put("aggregateId", e.aggregateId());
        n.put("version", e.version());
        n.put("type", e.type());
        n.put("schemaVersion", e.schemaVersion());
        n.put("timestamp", e.timestamp().toString());
        n.set("payload", e.payload());
        n.set("metadata", metadataToJson(e.metadata()));
        return n;
    }

    public static RecordedEvent eventFromJson(JsonNode n) {
        require(n, "store", "aggregateId", "version", "type", "timestamp", "payload");
        return new RecordedEvent(n.get("store").asText(), n.get("aggregateId").asText(), n.get("version").asLong(),
                n.get("type").asText(), n.path("schemaVersion").asInt(1), Instant.parse(n.get("timestamp").asText()),
                n.get("payload"), metadataFromJson(n.get("metadata")));
    }

    public static ObjectNode metadataToJson(EventMetadata m) {
        ObjectNode n = object();
        if (m.correlationId() != null) {
            n.put("correlationId", m.correlationId());
        }
        if (m.causationId() != null) {
            n.put("causationId", m.causationId());
        }
        if (m.actor() != null) {
            n.put("actor", m.actor());
        }
        if (!m.attributes().isEmpty()) {
            ObjectNode a = n.putObject("attributes");
            m.attributes().forEach(a::put);
        }
        return n;
    }

    public static EventMetadata metadataFromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return EventMetadata.empty();
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        n.path("attributes").fields().forEachRemaining(f -> attributes.put(f.getKey(), f.getValue().asText()));
        return new EventMetadata(text(n, "correlationId"), text(n, "causationId"), text(n, "actor"), attributes);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Fails with the names of the missing fields, so a bad message says what it lacks. */
    public static void require(JsonNode n, String... fields) {
        if (n == null || !n.isObject()) {
            throw new JsonMappingFailed("expected a JSON object, got " + (n == null ? "nothing" : n.getNodeType()));
        }
        StringBuilder missing = new StringBuilder();
        for (String f : fields) {
            if (!n.hasNonNull(f)) {
                missing.append(missing.length() == 0 ? "" : ", ").append(f);
            }
        }
        if (missing.length() > 0) {
            throw new JsonMappingFailed("JSON object lacks field(s) " + missing + ": " + abbreviate(n));
        }
    }

    static String abbreviate(JsonNode n) {
        String s = String.valueOf(n);
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Unchecked wrapper so callers need not catch Jackson's checked exceptions. */
    public static final class JsonMappingFailed extends UncheckedIOException {
        public JsonMappingFailed(String message, Throwable cause) {
            super(message, cause instanceof IOException io ? io : new IOException(cause));
        }

        public JsonMappingFailed(String message) {
            super(message, new IOException(message));
        }
    }
}
