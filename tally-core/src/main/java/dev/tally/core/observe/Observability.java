package dev.tally.core.observe;

import dev.tally.core.EventMetadata;
import dev.tally.core.spi.Telemetry;
import java.util.Objects;

/**
 * Where the pipeline finds its {@link Telemetry}: one per JVM, {@link Telemetry#NONE} until an
 * application (or {@code tally serve}, or a Lambda handler) installs one. A JVM-wide hook rather
 * than a constructor argument because every piece of the pipeline reports to the same place, and
 * the Lambda handlers are built by the runtime with no arguments.
 */
public final class Observability {
    private static volatile Telemetry telemetry = Telemetry.NONE;

    private Observability() {
    }

    public static Telemetry telemetry() {
        return telemetry;
    }

    /** Installs {@code t} for the whole JVM; returns the one it replaces (to put back in tests). */
    public static Telemetry install(Telemetry t) {
        Telemetry before = telemetry;
        telemetry = Objects.requireNonNull(t, "telemetry (Telemetry.NONE to turn it off)");
        return before;
    }

    /** The traceparent stored with an event, or null. */
    public static String traceparentOf(EventMetadata metadata) {
        return metadata.attributes().get(Telemetry.TRACEPARENT);
    }

    /**
     * The metadata a new event is stored with: the current trace context as {@code traceparent},
     * unless it has one already. Allocates nothing when nothing is traced.
     */
    public static EventMetadata stamp(EventMetadata metadata) {
        if (metadata.attributes().containsKey(Telemetry.TRACEPARENT)) {
            return metadata;
        }
        String tp = telemetry.traceparent();
        return tp == null ? metadata : metadata.withAttribute(Telemetry.TRACEPARENT, tp);
    }
}
