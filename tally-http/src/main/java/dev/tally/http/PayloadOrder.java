package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.EventStore;
import dev.tally.core.EventType;
import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;

/**
 * A payload's fields in the order of its record's components, as every ledger but PostgreSQL's
 * returns them (its jsonb column keeps keys in an order of its own): so that one event reads the
 * same on every host. Fields the record does not name (an older schema) follow in their stored order.
 */
final class PayloadOrder {
    private PayloadOrder() {
    }

    static JsonNode of(EventStore<?> store, RecordedEvent event, JsonNode payload) {
        return store.definition().eventType(event.type()).map(EventType::payloadType)
                .map(type -> ordered(payload, type)).orElse(payload);
    }

    private static JsonNode ordered(JsonNode node, Type type) {
        Class<?> raw = type instanceof Class<?> c ? c
                : type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
        if (raw == null) {
            return node;
        }
        if (node instanceof ObjectNode object && raw.isRecord()) {
            ObjectNode out = JsonCodec.object();
            for (RecordComponent c : raw.getRecordComponents()) {
                JsonNode value = object.get(c.getName());
                if (value != null) {
                    out.set(c.getName(), ordered(value, c.getGenericType()));
                }
            }
            object.fields().forEachRemaining(f -> {
                if (!out.has(f.getKey())) {
                    out.set(f.getKey(), f.getValue());
                }
            });
            return out;
        }
        if (node instanceof ArrayNode array && Collection.class.isAssignableFrom(raw)
                && type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
            ArrayNode out = JsonCodec.mapper().createArrayNode();
            array.forEach(element -> out.add(ordered(element, p.getActualTypeArguments()[0])));
            return out;
        }
        return node;
    }
}
