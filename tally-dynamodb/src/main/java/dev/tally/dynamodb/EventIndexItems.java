package dev.tally.dynamodb;

import dev.tally.core.RecordedEvent;
import dev.tally.core.query.EventPosition;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The attributes of a ledger event item that the indexes of {@link DynamoDbEventQueries} are keyed
 * on:
 *
 * <pre>
 * type           S  the event type (already on every event item)       "types" index partition key
 * correlationId  S  the metadata's correlation id, only when it has one "correlations" index (sparse)
 * day            S  "yyyy-MM-dd" of the timestamp, UTC                   "days" index partition key
 * eventPosition  S  timestamp (fixed width, UTC, nanoseconds) \u0001 store \u0001 aggregate id \u0001
 *                   version (19 digits): sorts as {@link EventPosition#ORDER}   sort key of all three
 * </pre>
 *
 * The separator U+0001 sorts below every character a store name or an aggregate id may hold, so the
 * string order of positions is the order of (timestamp, store, aggregate id, version).
 */
public final class EventIndexItems {
    public static final String TYPE = "type";
    public static final String CORRELATION = "correlationId";
    public static final String DAY = "day";
    public static final String POSITION = "eventPosition";
    public static final String TYPE_INDEX = "types";
    public static final String CORRELATION_INDEX = "correlations";
    public static final String DAY_INDEX = "days";

    static final char SEPARATOR = '\u0001';
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY_FORMAT = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

    private EventIndexItems() {
    }

    /** Adds the index attributes of {@code e} to its item ({@code type} is there already). */
    static void addTo(Map<String, AttributeValue> item, RecordedEvent e) {
        item.put(DAY, AttributeValue.fromS(day(e.timestamp())));
        item.put(POSITION, AttributeValue.fromS(position(EventPosition.of(e))));
        String correlationId = e.metadata().correlationId();
        if (correlationId != null && !correlationId.isEmpty()) {
            item.put(CORRELATION, AttributeValue.fromS(correlationId));
        }
    }

    static String day(Instant t) {
        return DAY_FORMAT.format(t);
    }

    /** The time prefix of positions: every position of an event at {@code t} or later sorts after it. */
    static String time(Instant t) {
        return TIME.format(t);
    }

    static String position(EventPosition p) {
        return time(p.timestamp()) + SEPARATOR + p.store() + SEPARATOR + p.aggregateId() + SEPARATOR
                + String.format("%019d", p.version());
    }
}
