package dev.tally.http;

import dev.tally.core.EventMetadata;
import dev.tally.core.spi.Telemetry;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The correlation a request gives what it appends, the same on every host: the {@code
 * X-Correlation-Id} it sent (or one made for it), the command id (or a new one) as causation id, and
 * the caller's W3C {@code traceparent} kept as sent when nothing traces the request here, so a later
 * trace can be joined to it.
 */
public final class Correlation {
    /** The request header that names the correlation id. */
    public static final String HEADER = "X-Correlation-Id";
    /** The longest correlation id accepted. */
    public static final int MAX_ID = 200;
    private static final Pattern TRACEPARENT = Pattern.compile(
            "00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");

    private Correlation() {
    }

    /** A correlation id Tally stores: 1 to {@value #MAX_ID} printable ASCII characters, no spaces. */
    public static boolean valid(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** The traceparent as sent when it is a valid W3C version-00 one, else null. */
    public static String traceparentOrNull(String sent) {
        return sent != null && TRACEPARENT.matcher(sent.trim()).matches() ? sent.trim() : null;
    }

    /** The error a request with an unusable correlation id gets (400; nothing is appended). */
    public static ApiError invalid() {
        return new ApiError(400, "invalid_correlation_id", "the " + HEADER + " header must be 1 to " + MAX_ID
                + " printable ASCII characters without spaces (e.g. a UUID); send another or leave it out and one"
                + " is made for you");
    }

    /**
     * The metadata of a command the request runs: its correlation id where none is set, the command
     * id (or a new one) as causation id, and {@code traceparent} (when not null) where no trace
     * context is set yet.
     */
    public static EventMetadata stamp(EventMetadata metadata, String correlationId, String traceparent) {
        EventMetadata m = metadata.correlationId() == null && correlationId != null
                ? metadata.withCorrelationId(correlationId) : metadata;
        if (m.causationId() == null) {
            m = m.withCausationId(m.commandId().orElseGet(() -> "command-" + UUID.randomUUID()));
        }
        if (traceparent != null && m.attributes().get(Telemetry.TRACEPARENT) == null) {
            m = m.withAttribute(Telemetry.TRACEPARENT, traceparent);
        }
        return m;
    }
}
