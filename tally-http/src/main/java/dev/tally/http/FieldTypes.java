package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The JSON a field of a command record takes, in the user's words ("whole number", "ISO-8601
 * instant such as 2027-01-31T12:00:00Z"), derived from the record's components; whether a value
 * fits; and an example value for the example body of an error.
 */
final class FieldTypes {
    static final String INSTANT_EXAMPLE = "2027-01-31T12:00:00Z";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private FieldTypes() {
    }

    /** The expected type in words. */
    static String describe(Type type) {
        Class<?> c = raw(type);
        if (c == String.class || c == char.class || c == Character.class) {
            return "string";
        }
        if (wholeNumber(c)) {
            return "whole number";
        }
        if (decimal(c)) {
            return "number";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "true or false";
        }
        if (c == Instant.class) {
            return "ISO-8601 instant such as " + INSTANT_EXAMPLE;
        }
        if (c == LocalDate.class) {
            return "ISO-8601 date such as 2027-01-31";
        }
        if (c == Duration.class) {
            return "ISO-8601 duration such as PT15M";
        }
        if (c == UUID.class) {
            return "UUID such as 123e4567-e89b-12d3-a456-426614174000";
        }
        if (c.isEnum()) {
            return "one of " + Arrays.stream(c.getEnumConstants()).map(e -> ((Enum<?>) e).name())
                    .collect(Collectors.joining(", "));
        }
        if (c.isRecord()) {
            return "object";
        }
        if (Collection.class.isAssignableFrom(c) || c.isArray()) {
            return "list of " + plural(describe(element(type)));
        }
        if (Map.class.isAssignableFrom(c)) {
            return "object";
        }
        return "value";
    }

    /**
     * Why {@code value} does not fit {@code type} at {@code path}, or null when it does; for a
     * nested record or a list, the first misfit inside it.
     */
    static Misfit check(String path, JsonNode value, Type type) {
        Class<?> c = raw(type);
        boolean fits;
        if (c == String.class) {
            fits = value.isTextual();
        } else if (c == char.class || c == Character.class) {
            fits = value.isTextual() && value.asText().length() == 1;
        } else if (wholeNumber(c)) {
            fits = value.isIntegralNumber() && inRange(value, c);
        } else if (decimal(c)) {
            fits = value.isNumber();
        } else if (c == boolean.class || c == Boolean.class) {
            fits = value.isBoolean();
        } else if (c == Instant.class) {
            fits = value.isTextual() && parses(() -> Instant.parse(value.asText()));
        } else if (c == LocalDate.class) {
            fits = value.isTextual() && parses(() -> LocalDate.parse(value.asText()));
        } else if (c == Duration.class) {
            fits = value.isTextual() && parses(() -> Duration.parse(value.asText()));
        } else if (c == UUID.class) {
            fits = value.isTextual() && parses(() -> UUID.fromString(value.asText()));
        } else if (c.isEnum()) {
            fits = value.isTextual() && Arrays.stream(c.getEnumConstants())
                    .anyMatch(e -> ((Enum<?>) e).name().equals(value.asText()));
        } else if (c.isRecord()) {
            if (!value.isObject()) {
                return new Misfit(path, describe(type), sent(value));
            }
            return RecordCheck.check(path + ".", (ObjectNode) value, c);
        } else if (Collection.class.isAssignableFrom(c) || c.isArray()) {
            if (!value.isArray()) {
                return new Misfit(path, describe(type), sent(value));
            }
            Type element = element(type);
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                if (item.isNull()) {
                    return new Misfit(path + "[" + i + "]", describe(element), sent(item));
                }
                Misfit m = check(path + "[" + i + "]", item, element);
                if (m != null) {
                    return m;
                }
            }
            return null;
        } else if (Map.class.isAssignableFrom(c)) {
            fits = value.isObject();
        } else {
            return null; // a type of the app's own: the record binder decides
        }
        return fits ? null : new Misfit(path, describe(type), sent(value));
    }

    /** What was sent, in words: the number 42, the text "ten", true, an object, a list. */
    static String sent(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        if (v.isNumber()) {
            return "the number " + v.asText();
        }
        if (v.isTextual()) {
            String t = v.asText();
            return "the text \"" + (t.length() > 60 ? t.substring(0, 60) + "..." : t) + "\"";
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.isObject() ? "an object" : "a value";
    }

    /** An example value of the type, for the example body of an error. */
    static JsonNode example(Type type, int depth) {
        Class<?> c = raw(type);
        if (c == String.class) {
            return JSON.textNode("text");
        }
        if (c == char.class || c == Character.class) {
            return JSON.textNode("x");
        }
        if (wholeNumber(c)) {
            return JSON.numberNode(100);
        }
        if (decimal(c)) {
            return JSON.numberNode(1.5);
        }
        if (c == boolean.class || c == Boolean.class) {
            return JSON.booleanNode(true);
        }
        if (c == Instant.class) {
            return JSON.textNode(INSTANT_EXAMPLE);
        }
        if (c == LocalDate.class) {
            return JSON.textNode("2027-01-31");
        }
        if (c == Duration.class) {
            return JSON.textNode("PT15M");
        }
        if (c == UUID.class) {
            return JSON.textNode("123e4567-e89b-12d3-a456-426614174000");
        }
        if (c.isEnum()) {
            Object[] constants = c.getEnumConstants();
            return constants.length == 0 ? JSON.nullNode() : JSON.textNode(((Enum<?>) constants[0]).name());
        }
        if (c.isRecord()) {
            ObjectNode n = JSON.objectNode();
            if (depth < 4) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    n.set(rc.getName(), example(rc.getGenericType(), depth + 1));
                }
            }
            return n;
        }
        if (Collection.class.isAssignableFrom(c) || c.isArray()) {
            ArrayNode a = JSON.arrayNode();
            if (depth < 4) {
                a.add(example(element(type), depth + 1));
            }
            return a;
        }
        return JSON.objectNode();
    }

    /** A field that does not fit: where, what was expected, what was sent. */
    record Misfit(String path, String expected, String sent) {
    }

    private static boolean wholeNumber(Class<?> c) {
        return c == long.class || c == Long.class || c == int.class || c == Integer.class || c == short.class
                || c == Short.class || c == byte.class || c == Byte.class || c == BigInteger.class;
    }

    private static boolean decimal(Class<?> c) {
        return c == double.class || c == Double.class || c == float.class || c == Float.class
                || c == BigDecimal.class;
    }

    private static boolean inRange(JsonNode v, Class<?> c) {
        if (c == BigInteger.class) {
            return true;
        }
        if (c == long.class || c == Long.class) {
            return v.canConvertToLong();
        }
        if (!v.canConvertToInt()) {
            return false;
        }
        int i = v.asInt();
        if (c == short.class || c == Short.class) {
            return i >= Short.MIN_VALUE && i <= Short.MAX_VALUE;
        }
        if (c == byte.class || c == Byte.class) {
            return i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE;
        }
        return true;
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String plural(String description) {
        return switch (description) {
            case "string" -> "strings";
            case "whole number" -> "whole numbers";
            case "number" -> "numbers";
            case "object" -> "objects";
            default -> description;
        };
    }

    static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return Object.class;
    }

    private static Type element(Type type) {
        if (type instanceof Class<?> c && c.isArray()) {
            return c.getComponentType();
        }
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
            return p.getActualTypeArguments()[0];
        }
        return Object.class;
    }
}
