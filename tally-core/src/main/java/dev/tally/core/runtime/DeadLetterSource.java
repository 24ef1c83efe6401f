package dev.tally.core.runtime;

import dev.tally.core.internal.Names;
import java.util.Objects;

/**
 * Who gave up on a dead letter, so it can be redriven to the same place: a bus target, a change
 * feed consumer (the stream dispatcher, a catch-up subscription), or a queue. Stored as
 * {@link #kind()} and {@link #name()}; never told apart by string prefixes.
 */
public sealed interface DeadLetterSource {
    String name();

    /** "target", "feed" or "queue": how stores keep the kind. */
    default String kind() {
        return this instanceof BusTarget ? "target" : this instanceof Feed ? "feed" : "queue";
    }

    /** A bus target (a projector, a saga) that failed on a delivery. */
    record BusTarget(String name) implements DeadLetterSource {
        public BusTarget {
            Names.requireStoreName(name);
        }
    }

    /** A change-feed consumer (the dispatcher function, a subscription) that failed on a ledger event. */
    record Feed(String name) implements DeadLetterSource {
        public Feed {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A queue whose message was received too often without an acknowledgement. */
    record Queue(String name) implements DeadLetterSource {
        public Queue {
            Objects.requireNonNull(name, "name");
        }
    }

    static DeadLetterSource of(String kind, String name) {
        return switch (kind) {
            case "target" -> new BusTarget(name);
            case "feed" -> new Feed(name);
            case "queue" -> new Queue(name);
            default -> throw new IllegalArgumentException("unknown dead-letter source kind '" + kind
                    + "': expected target, feed or queue");
        };
    }
}
