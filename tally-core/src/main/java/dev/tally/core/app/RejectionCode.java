package dev.tally.core.app;

import dev.tally.core.internal.Names;
import java.util.Objects;

/**
 * A rejection code an app declares for one of its stores ({@link TallyApp#rejectionCodes()}), so that
 * what describes the app (the OpenAPI document of {@code tally serve}, the console) can list what a
 * command of that store may answer with 422. Declaring codes is optional and changes no behaviour: a
 * decider may still reject with any code.
 *
 * @param store   the store whose commands may reject with this code
 * @param code    the code, as in {@code Decision.reject(code, message)}
 * @param meaning for people: when it happens
 */
public record RejectionCode(String store, String code, String meaning) {
    public RejectionCode {
        Names.requireStoreName(store);
        Objects.requireNonNull(code, "code");
        if (code.isBlank()) {
            throw new IllegalArgumentException("a rejection code of store '" + store + "' is blank: name it, e.g."
                    + " \"insufficient_funds\"");
        }
        meaning = meaning == null ? "" : meaning;
    }
}
