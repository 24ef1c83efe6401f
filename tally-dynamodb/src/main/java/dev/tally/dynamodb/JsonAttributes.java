package dev.tally.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * JSON to DynamoDB attribute values and back: objects are maps (M), arrays lists (L), strings S,
 * numbers N, booleans BOOL, null NUL. Payloads stay readable by filters, streams and the console,
 * instead of opaque strings. Also estimates item sizes the way DynamoDB counts them.
 */
public final class JsonAttributes {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** DynamoDB's number range: 38 digits of precision, magnitude 1E-130 to 9.99E+125. */
    private static final BigDecimal MAX_MAGNITUDE = new BigDecimal("9.9999999999999999999999999999999999999E+125");
    private static final BigDecimal MIN_MAGNITUDE = new BigDecimal("1E-130");

    private JsonAttributes() {
    }

    public static AttributeValue toAttribute(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT:
                return AttributeValue.fromM(toMap(n));
            case ARRAY:
                List<AttributeValue> list = new ArrayList<>(n.size());
                n.forEach(e -> list.add(toAttribute(e)));
                return AttributeValue.fromL(list);
            case STRING:
                return AttributeValue.fromS(n.textValue());
            case NUMBER:
                return AttributeValue.fromN(number(n));
            case BOOLEAN:
                return AttributeValue.fromBool(n.booleanValue());
            case NULL:
                return AttributeValue.fromNul(true);
            default:
                throw new IllegalArgumentException("cannot store JSON " + n.getNodeType() + " in DynamoDB");
        }
    }

    /** A JSON object as an attribute map. */
    public static Map<String, AttributeValue> toMap(JsonNode object) {
        if (!object.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, got " + object.getNodeType());
        }
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            m.put(f.getKey(), toAttribute(f.getValue()));
        }
        return m;
    }

    private static String number(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        if (n.isDouble() || n.isFloat()) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("DynamoDB cannot store " + d + ": use null or a string");
            }
        }
        BigDecimal d = n.decimalValue();
        BigDecimal abs = d.abs();
        if (d.signum() != 0 && (abs.compareTo(MAX_MAGNITUDE) > 0 || abs.compareTo(MIN_MAGNITUDE) < 0)) {
            throw new IllegalArgumentException("the number " + d + " is outside DynamoDB's range (1E-130 to"
                    + " 9.99E+125): store it as a string");
        }
        if (d.precision() > 38) {
            d = d.round(new java.math.MathContext(38));
        }
        return d.toPlainString().length() <= 40 ? d.toPlainString() : d.toString();
    }

    public static JsonNode toJson(AttributeValue a) {
        if (a.s() != null) {
            return NODES.textNode(a.s());
        }
        if (a.n() != null) {
            return number(a.n());
        }
        if (a.bool() != null) {
            return NODES.booleanNode(a.bool());
        }
        if (Boolean.TRUE.equals(a.nul())) {
            return NODES.nullNode();
        }
        if (a.hasM()) {
            return toObject(a.m());
        }
        if (a.hasL()) {
            ArrayNode arr = NODES.arrayNode();
            a.l().forEach(e -> arr.add(toJson(e)));
            return arr;
        }
        if (a.hasSs()) {
            ArrayNode arr = NODES.arrayNode();
            a.ss().forEach(arr::add);
            return arr;
        }
        if (a.hasNs()) {
            ArrayNode arr = NODES.arrayNode();
            a.ns().forEach(x -> arr.add(new BigDecimal(x)));
            return arr;
        }
        if (a.b() != null) {
            return NODES.binaryNode(a.b().asByteArray());
        }
        // an empty map or list comes back without the M/L flag on some paths
        return NODES.objectNode();
    }

    /**
     * An integer of up to 18 digits as a long node (what {@code JsonCodec.canonical} makes of it
     * anyway, without a BigDecimal on the way: most numbers in events are such), others as decimals.
     */
    private static JsonNode number(String n) {
        int length = n.length();
        int start = n.startsWith("-") ? 1 : 0;
        if (length > start && length - start <= 18) {
            boolean digits = true;
            for (int i = start; i < length && digits; i++) {
                char c = n.charAt(i);
                digits = c >= '0' && c <= '9';
            }
            if (digits) {
                return NODES.numberNode(Long.parseLong(n));
            }
        }
        return NODES.numberNode(new BigDecimal(n));
    }

    public static ObjectNode toObject(Map<String, AttributeValue> m) {
        ObjectNode o = NODES.objectNode();
        m.forEach((k, v) -> o.set(k, toJson(v)));
        return o;
    }

    /**
     * The item's size as DynamoDB counts it (attribute names plus values; numbers about one byte
     * per two digits; 3 bytes of overhead per map or list and 1 per element), to refuse an item
     * over the 400 KB limit before sending it.
     */
    public static long itemSize(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> e : item.entrySet()) {
            size += utf8(e.getKey()) + size(e.getValue());
        }
        return size;
    }

    private static long size(AttributeValue a) {
        if (a.s() != null) {
            return utf8(a.s());
        }
        if (a.n() != null) {
            return (significantDigits(a.n()) + 1) / 2 + 1;
        }
        if (a.bool() != null || a.nul() != null) {
            return 1;
        }
        if (a.b() != null) {
            return a.b().asByteArray().length;
        }
        long size = 3;
        if (a.hasM()) {
            for (Map.Entry<String, AttributeValue> e : a.m().entrySet()) {
                size += utf8(e.getKey()) + size(e.getValue()) + 1;
            }
        } else if (a.hasL()) {
            for (AttributeValue e : a.l()) {
                size += size(e) + 1;
            }
        }
        return size;
    }

    private static int significantDigits(String number) {
        int digits = 0;
        boolean leading = true;
        for (int i = 0; i < number.length(); i++) {
            char c = number.charAt(i);
            if (c == 'e' || c == 'E') {
                break;
            }
            if (c >= '0' && c <= '9') {
                if (leading && c == '0') {
                    continue;
                }
                leading = false;
                digits++;
            }
        }
        return digits;
    }

    private static long utf8(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c)) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
