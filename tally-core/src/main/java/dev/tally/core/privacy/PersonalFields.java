package dev.tally.core.privacy;

import java.util.List;
import java.util.Objects;

/**
 * The personal fields of one event type and whose data they are: declared on the aggregate
 * definition with {@code .personalData(HolderChanged.class, PersonalFields.of("name", "email"))}.
 * On append those fields are sealed (AES-GCM with the subject's data key); every other field stays
 * clear, so filters and rule patterns keep working on them.
 *
 * @param fields       the record components that hold personal data; each must be a {@code String}
 * @param subjectField the component that names the data subject, or null when the subject is the
 *                     aggregate id
 */
public record PersonalFields(List<String> fields, String subjectField) {
    public PersonalFields {
        Objects.requireNonNull(fields, "fields");
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("declare at least one personal field, e.g. PersonalFields.of(\"email\")");
        }
        fields = List.copyOf(fields);
        if (subjectField != null && fields.contains(subjectField)) {
            throw new IllegalArgumentException("field '" + subjectField + "' cannot be both the subject and a personal"
                    + " field: a sealed subject could not name the key that opens it; use an opaque id as the subject");
        }
    }

    /** Personal fields whose subject is the aggregate id. */
    public static PersonalFields of(String... fields) {
        return new PersonalFields(List.of(fields), null);
    }

    /** The same fields, with the subject named by another (clear) field of the event, e.g. "customerId". */
    public PersonalFields subjectFrom(String field) {
        return new PersonalFields(fields, Objects.requireNonNull(field, "field"));
    }
}
