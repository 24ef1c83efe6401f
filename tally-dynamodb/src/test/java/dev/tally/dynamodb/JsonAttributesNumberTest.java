package dev.tally.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.json.JsonCodec;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Numbers read from DynamoDB come back as the canonical nodes Tally compares and folds. */
class JsonAttributesNumberTest {
    static JsonNode read(String n) {
        return JsonAttributes.toJson(AttributeValue.fromN(n));
    }

    @Test
    void integersUpTo18DigitsAreLongNodesAlreadyCanonical() {
        for (String n : new String[] {"0", "7", "-7", "123456789012345678", "-123456789012345678"}) {
            JsonNode node = read(n);
            assertThat(node.isLong()).as(n).isTrue();
            assertThat(node.longValue()).isEqualTo(Long.parseLong(n));
            assertThat(JsonCodec.canonical(node)).isSameAs(node);
        }
    }

    @Test
    void longerIntegersAndDecimalsKeepEveryDigit() {
        assertThat(read("9223372036854775807").longValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(read("12345678901234567890123").decimalValue()).isEqualTo(new BigDecimal("12345678901234567890123"));
        assertThat(read("1.25").decimalValue()).isEqualByComparingTo("1.25");
        assertThat(read("1E+3").decimalValue()).isEqualByComparingTo("1000");
        assertThat(JsonCodec.canonical(read("2.0"))).isEqualTo(JsonCodec.canonical(read("2")));
    }
}
