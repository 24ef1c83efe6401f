package dev.tally.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** One numeric value has one canonical node, whatever node type held it (storage engines disagree). */
class JsonCanonicalNumbersTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void integralValuesBeyondALongAreDoublesWhenADoubleHoldsThemExactly() {
        JsonNode asDouble = JsonCodec.canonical(F.numberNode(1.5e20));
        assertThat(asDouble.isDouble()).isTrue();
        assertThat(JsonCodec.canonical(F.numberNode(new BigInteger("150000000000000000000")))).isEqualTo(asDouble);
        assertThat(JsonCodec.canonical(F.numberNode(new BigDecimal("150000000000000000000.00")))).isEqualTo(asDouble);
        assertThat(JsonCodec.canonical(JsonCodec.parse("150000000000000000000"))).isEqualTo(asDouble);
    }

    @Test
    void integralValuesNoDoubleHoldsStayExactBigIntegers() {
        BigInteger twoTo64 = BigInteger.TWO.pow(64);
        JsonNode big = JsonCodec.canonical(F.numberNode(twoTo64));
        assertThat(big.isBigInteger()).isTrue();
        assertThat(JsonCodec.canonical(F.numberNode(new BigDecimal(twoTo64).setScale(2)))).isEqualTo(big);
        assertThat(big.bigIntegerValue()).isEqualTo(twoTo64);
    }

    @Test
    void longsAndFractionsKeepTheirCanonicalForms() {
        assertThat(JsonCodec.canonical(F.numberNode(2.0))).isEqualTo(F.numberNode(2L));
        assertThat(JsonCodec.canonical(F.numberNode(new BigDecimal("0.25")))).isEqualTo(F.numberNode(0.25));
        assertThat(JsonCodec.canonical(F.numberNode(Long.MAX_VALUE))).isEqualTo(F.numberNode(Long.MAX_VALUE));
        BigDecimal exact = new BigDecimal("0.1000000000000000000000001");
        assertThat(JsonCodec.canonical(F.numberNode(exact))).isEqualTo(F.numberNode(exact));
    }

    @Test
    void anExactDecimalCrossesATextTransportWithEveryDigit() {
        BigDecimal exact = new BigDecimal("12345678901234567890.0001");
        JsonNode parsed = JsonCodec.parse("{\"amount\": 12345678901234567890.0001, \"small\": 0.25}");
        assertThat(parsed.get("amount").decimalValue()).isEqualByComparingTo(exact);
        assertThat(parsed.get("small")).isEqualTo(F.numberNode(0.25));
        var event = new dev.tally.core.RecordedEvent("s", "a", 1, "T", 1, java.time.Instant.EPOCH,
                JsonCodec.object().put("amount", exact), null);
        var message = new dev.tally.core.message.StateCarryingMessage(event, JsonCodec.object().put("total", exact));
        var back = (dev.tally.core.message.StateCarryingMessage) dev.tally.core.message.MessageCodec
                .fromJson(dev.tally.core.message.MessageCodec.toJsonString(message));
        assertThat(back).isEqualTo(message);
        assertThat(back.state().get("total").decimalValue()).isEqualByComparingTo(exact);
    }
}
