package dev.tally.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.tally.core.json.JsonCodec;

/**
 * JSON text to and from JSONB columns, so that a value read back equals the value written.
 *
 * <p>JSONB stores numbers as {@code numeric} and prints them without exponent: a double 1.5E20 comes
 * back as {@code 150000000000000000000}, and 1E-7 as {@code 0.00000010}. Reading with big decimals
 * (so no digit is lost) and then taking {@link JsonCodec#canonical} restores the value Tally wrote:
 * an integral number that fits a long is a long, any other number that a double represents exactly
 * (in its shortest form) is a double, and the rest stay exact.
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
            return JsonCodec.canonical(READER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new JsonCodec.JsonMappingFailed("PostgreSQL returned JSON that does not parse: "
                    + e.getOriginalMessage(), e);
        }
    }
}
