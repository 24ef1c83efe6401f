package dev.tally.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text to and from JSONB columns, so that a value read back equals the value written.
 *
 * <p>JSONB stores numbers as {@code numeric} and prints them without exponent: a double 1.5E20 comes
 * back as {@code 150000000000000000000}, and 1E-7 as {@code 0.00000010}. Reading with big decimals
 * and then applying one rule restores the value Tally wrote: an integral number that fits a long is a
 * long (as {@link JsonCodec#canonical} says), any other number that a double represents exactly (in
 * its shortest form) is a double, and the rest stay exact decimals.
 */
final class JsonbText {
    private static final ObjectReader READER = JsonCodec.mapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private JsonbText() {
    }

    static String write(JsonNode node) {
        return JsonCodec.write(node);
    }

    static JsonNode read(String json) {
        try {
            return normalize(READER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new JsonCodec.JsonMappingFailed("PostgreSQL returned JSON that does not parse: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode normalize(JsonNode node) {
        if (node.isNumber()) {
            return number(node);
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                out.set(f.getKey(), normalize(f.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode(node.size());
            node.forEach(e -> out.add(normalize(e)));
            return out;
        }
        return node;
    }

    private static JsonNode number(JsonNode n) {
        BigDecimal d = n.decimalValue();
        if (d.signum() == 0) {
            return JsonNodeFactory.instance.numberNode(0L);
        }
        if (d.stripTrailingZeros().scale() <= 0) {
            try {
                return JsonNodeFactory.instance.numberNode(d.longValueExact());
            } catch (ArithmeticException tooBig) {
                // falls through: a double or an exact big number
            }
        }
        double asDouble = d.doubleValue();
        if (!Double.isInfinite(asDouble) && BigDecimal.valueOf(asDouble).compareTo(d) == 0) {
            return JsonNodeFactory.instance.numberNode(asDouble);
        }
        return JsonCodec.canonical(n);
    }
}
