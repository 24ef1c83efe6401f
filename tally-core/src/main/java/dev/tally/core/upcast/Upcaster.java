package dev.tally.core.upcast;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.UnaryOperator;

/**
 * Turns a stored payload of one event type from schema version {@code fromVersion} into
 * {@code fromVersion + 1}. Upcasters run on read; the ledger itself is never rewritten.
 */
public interface Upcaster {
    String eventType();

    int fromVersion();

    /** Gets a private copy of the payload; may change it in place and return it. */
    ObjectNode upcast(ObjectNode payload);

    static Upcaster of(String eventType, int fromVersion, UnaryOperator<ObjectNode> step) {
        if (fromVersion < 1) {
            throw new IllegalArgumentException("fromVersion must be >= 1, got " + fromVersion);
        }
        return new Upcaster() {
            @Override
            public String eventType() {
                return eventType;
            }

            @Override
            public int fromVersion() {
                return fromVersion;
            }

            @Override
            public ObjectNode upcast(ObjectNode payload) {
                return step.apply(payload);
            }

            @Override
            public String toString() {
                return "Upcaster[" + eventType + " v" + fromVersion + "->v" + (fromVersion + 1) + "]";
            }
        };
    }
}
