package dev.tally.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.stream.Collectors;

/** A JSON object against a record's components: unknown, missing, null and mistyped fields. */
final class RecordCheck {
    private RecordCheck() {
    }

    /** The first misfit of {@code body} for {@code type}, or null; {@code prefix} names the enclosing field. */
    static FieldTypes.Misfit check(String prefix, ObjectNode body, Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        Set<String> names = Arrays.stream(components).map(RecordComponent::getName).collect(Collectors.toSet());
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!names.contains(field)) {
                return new FieldTypes.Misfit(prefix + field, null, "unknown");
            }
        }
        for (RecordComponent c : components) {
            JsonNode value = body.get(c.getName());
            String path = prefix + c.getName();
            if (value == null) {
                return new FieldTypes.Misfit(path, FieldTypes.describe(c.getGenericType()), "missing");
            }
            if (value.isNull()) {
                return new FieldTypes.Misfit(path, FieldTypes.describe(c.getGenericType()), "null");
            }
            FieldTypes.Misfit m = FieldTypes.check(path, value, c.getGenericType());
            if (m != null) {
                return m;
            }
        }
        return null;
    }
}
