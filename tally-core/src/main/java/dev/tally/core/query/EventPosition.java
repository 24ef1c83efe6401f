package dev.tally.core.query;

import dev.tally.core.RecordedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Comparator;

/**
 * Where an event sits in the order of {@link EventQueries}: its timestamp, then store, aggregate id
 * and version. Also the page cursor (the position of the last event of a page, opaque to callers).
 */
public record EventPosition(Instant timestamp, String store, String aggregateId, long version)
        implements Comparable<EventPosition> {
    /** The order of every query result. */
    public static final Comparator<EventPosition> ORDER = Comparator.comparing(EventPosition::timestamp)
            .thenComparing(EventPosition::store).thenComparing(EventPosition::aggregateId)
            .thenComparingLong(EventPosition::version);
    /** {@link #ORDER} on events. */
    public static final Comparator<RecordedEvent> EVENT_ORDER = Comparator.comparing(EventPosition::of, ORDER);

    private static final char SEPARATOR = '\n';

    public static EventPosition of(RecordedEvent e) {
        return new EventPosition(e.timestamp(), e.store(), e.aggregateId(), e.version());
    }

    @Override
    public int compareTo(EventPosition other) {
        return ORDER.compare(this, other);
    }

    /** The cursor naming this position. */
    public String cursor() {
        String text = timestamp + "" + SEPARATOR + store + SEPARATOR + aggregateId + SEPARATOR + version;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The position a cursor names; a clear error when it was not made by {@link #cursor()}. */
    public static EventPosition fromCursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = text.split(String.valueOf(SEPARATOR), -1);
            if (parts.length == 4) {
                return new EventPosition(Instant.parse(parts[0]), parts[1], parts[2], Long.parseLong(parts[3]));
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid page cursor '" + cursor + "': pass back the nextCursor of the"
                + " previous page unchanged, or leave it out for the first page");
    }
}
