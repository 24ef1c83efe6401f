package dev.tally.server.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.json.JsonCodec;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * JSON Schemas (draft 2020-12, the dialect of OpenAPI 3.1) of the records a host binds from JSON and
 * writes as JSON, read from their record components the way the strict command binding reads a body:
 * every component is required, no other property is accepted, whole numbers are integers (money in
 * minor units included), an {@link Instant} is an ISO-8601 {@code date-time}, an enum one of its
 * constants' names, a nested record a schema of its own. Records and enums become components
 * (referenced by {@code $ref}); scalars, lists and maps are inline.
 */
final class RecordSchemas {
    static final String REF_PREFIX = "#/components/schemas/";

    private final ObjectNode components = JsonCodec.object();
    private final Map<Class<?>, String> names = new HashMap<>();

    /** The {@code components.schemas} object built so far. */
    ObjectNode components() {
        return components;
    }

    /** The component name of a record or enum, registering it (and what it refers to) under {@code preferred}. */
    String component(Class<?> type, String preferred) {
        return component(type, preferred, null);
    }

    /**
     * As {@link #component(Class, String)}; when another type has {@code preferred}, the name is
     * qualified ({@code qualifier.preferred}, e.g. {@code order.State}), numbered only if that is taken too.
     */
    String component(Class<?> type, String preferred, String qualifier) {
        String known = names.get(type);
        if (known != null) {
            return known;
        }
        String name = preferred;
        if (components.has(name) && qualifier != null) {
            name = qualifier + "." + preferred;
        }
        String base = name;
        for (int i = 2; components.has(name); i++) {
            name = base + i;
        }
        names.put(type, name);
        ObjectNode schema = components.putObject(name); // placed first: a record may refer to itself
        schema.setAll(type.isEnum() ? enumSchema(type) : recordSchema(type));
        return name;
    }

    /** A {@code $ref} to the component of {@code type} (registered under its simple name when new). */
    ObjectNode ref(Class<?> type) {
        Class<?> outer = type.getEnclosingClass();
        return refTo(component(type, type.getSimpleName(), outer == null ? null : outer.getSimpleName()));
    }

    static ObjectNode refTo(String componentName) {
        return JsonCodec.object().put("$ref", REF_PREFIX + componentName);
    }

    /** The schema of a (possibly generic) Java type. */
    ObjectNode schemaOf(Type type) {
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            Type[] args = p.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw)) {
                ObjectNode array = JsonCodec.object().put("type", "array");
                array.set("items", schemaOf(args[0]));
                if (Set.class.isAssignableFrom(raw)) {
                    array.put("uniqueItems", true);
                }
                return array;
            }
            if (Map.class.isAssignableFrom(raw)) {
                ObjectNode map = JsonCodec.object().put("type", "object");
                map.set("additionalProperties", schemaOf(args[1]));
                return map;
            }
            if (raw == Optional.class) {
                return schemaOf(args[0]);
            }
            return schemaOf(raw);
        }
        if (type instanceof WildcardType w) {
            return schemaOf(w.getUpperBounds()[0]);
        }
        if (type instanceof GenericArrayType g) {
            ObjectNode array = JsonCodec.object().put("type", "array");
            array.set("items", schemaOf(g.getGenericComponentType()));
            return array;
        }
        if (!(type instanceof Class<?> c)) {
            return JsonCodec.object(); // a type variable: any JSON value
        }
        ObjectNode scalar = scalar(c);
        if (scalar != null) {
            return scalar;
        }
        if (c.isArray()) {
            ObjectNode array = JsonCodec.object().put("type", "array");
            array.set("items", schemaOf(c.getComponentType()));
            return array;
        }
        if (c.isRecord() || c.isEnum()) {
            return ref(c);
        }
        if (Collection.class.isAssignableFrom(c)) {
            return JsonCodec.object().put("type", "array");
        }
        if (Map.class.isAssignableFrom(c)) {
            return JsonCodec.object().put("type", "object");
        }
        return JsonCodec.object(); // JsonNode, Object, an interface: any JSON value
    }

    private ObjectNode recordSchema(Class<?> record) {
        ObjectNode schema = JsonCodec.object().put("type", "object").put("title", record.getSimpleName());
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = JsonCodec.mapper().createArrayNode();
        for (RecordComponent c : record.getRecordComponents()) {
            properties.set(c.getName(), schemaOf(c.getGenericType()));
            required.add(c.getName());
        }
        if (!required.isEmpty()) {
            schema.set("required", required);
        }
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode enumSchema(Class<?> type) {
        ObjectNode schema = JsonCodec.object().put("type", "string").put("title", type.getSimpleName());
        ArrayNode values = schema.putArray("enum");
        for (Object constant : type.getEnumConstants()) {
            values.add(((Enum<?>) constant).name());
        }
        return schema;
    }

    /** The schema of a scalar type, or null when {@code c} is not one. */
    private static ObjectNode scalar(Class<?> c) {
        if (c == String.class || c == CharSequence.class) {
            return type("string");
        }
        if (c == char.class || c == Character.class) {
            return type("string").put("minLength", 1).put("maxLength", 1);
        }
        if (c == boolean.class || c == Boolean.class) {
            return type("boolean");
        }
        if (c == int.class || c == Integer.class) {
            return type("integer").put("format", "int32");
        }
        if (c == long.class || c == Long.class) {
            return type("integer").put("format", "int64");
        }
        if (c == short.class || c == Short.class) {
            return type("integer").put("minimum", Short.MIN_VALUE).put("maximum", Short.MAX_VALUE);
        }
        if (c == byte.class || c == Byte.class) {
            return type("integer").put("minimum", Byte.MIN_VALUE).put("maximum", Byte.MAX_VALUE);
        }
        if (c == BigInteger.class) {
            return type("integer");
        }
        if (c == double.class || c == Double.class || c == float.class || c == Float.class || c == BigDecimal.class) {
            return type("number");
        }
        if (c == Instant.class || c == OffsetDateTime.class || c == ZonedDateTime.class) {
            return type("string").put("format", "date-time");
        }
        if (c == LocalDate.class) {
            return type("string").put("format", "date");
        }
        if (c == LocalTime.class) {
            return type("string").put("format", "time");
        }
        if (c == Duration.class) {
            return type("string").put("format", "duration");
        }
        if (c == UUID.class) {
            return type("string").put("format", "uuid");
        }
        if (c == URI.class) {
            return type("string").put("format", "uri");
        }
        if (JsonNode.class.isAssignableFrom(c) || c == Object.class) {
            return JsonCodec.object();
        }
        return null;
    }

    private static ObjectNode type(String name) {
        return JsonCodec.object().put("type", name);
    }
}
