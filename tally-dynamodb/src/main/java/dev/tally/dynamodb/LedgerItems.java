package dev.tally.dynamodb;

import dev.tally.core.RecordedEvent;
import dev.tally.core.json.JsonCodec;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The ledger item of an event, and back. One item per event:
 *
 * <pre>
 * pk            S  "{store}#{aggregateId}"   partition key
 * version       N  1, 2, 3...               sort key
 * itemKind      S  "event"                  lets stream filters keep ledger items only
 * store, aggregateId, type S; schemaVersion N; timestamp S (ISO-8601)
 * payload       M  the payload as a DynamoDB map
 * metadata      M  correlationId, causationId, actor, attributes
 * gsi1pk, gsi1sk S  store and aggregateId, on version 1 only (the sparse "aggregates" index)
 * day, eventPosition, correlationId S  keys of the event query indexes ({@link EventIndexItems})
 * writeId       S  a random id per append, to recognise our own write when its answer was lost
 * </pre>
 *
 * <p>A command item per event that carries a command id (the first event of a command), written in
 * the same TransactWriteItems as the events, on condition that it does not exist:
 *
 * <pre>
 * pk            S  "{store}#{aggregateId}#cmd#{commandId}"  (store and id hold no '#')
 * version       N  0
 * itemKind      S  "command"                (not "event": stream consumers skip it)
 * firstVersion  N  the version of the command's first event
 * eventCount    N  how many events the command appended
 * </pre>
 */
public final class LedgerItems {
    public static final String PK = "pk";
    public static final String VERSION = "version";
    public static final String KIND = "itemKind";
    public static final String EVENT_KIND = "event";
    public static final String GSI_PK = "gsi1pk";
    public static final String GSI_SK = "gsi1sk";
    public static final String AGGREGATES_INDEX = "aggregates";
    public static final String COMMAND_KIND = "command";
    public static final String FIRST_VERSION = "firstVersion";
    public static final String EVENT_COUNT = "eventCount";

    private LedgerItems() {
    }

    public static String pk(String store, String aggregateId) {
        return store + "#" + aggregateId;
    }

    public static Map<String, AttributeValue> key(String store, String aggregateId, long version) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(PK, AttributeValue.fromS(pk(store, aggregateId)));
        key.put(VERSION, AttributeValue.fromN(Long.toString(version)));
        return key;
    }

    public static Map<String, AttributeValue> commandKey(String store, String aggregateId, String commandId) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(PK, AttributeValue.fromS(pk(store, aggregateId) + "#cmd#" + commandId));
        key.put(VERSION, AttributeValue.fromN("0"));
        return key;
    }

    /** The command item of an event that carries a command id. */
    public static Map<String, AttributeValue> commandItem(RecordedEvent e) {
        String commandId = e.metadata().commandId().orElseThrow();
        String count = e.metadata().attributes().getOrDefault(dev.tally.core.EventMetadata.COMMAND_EVENTS, "1");
        Map<String, AttributeValue> item = commandKey(e.store(), e.aggregateId(), commandId);
        item.put(KIND, AttributeValue.fromS(COMMAND_KIND));
        item.put(FIRST_VERSION, AttributeValue.fromN(Long.toString(e.version())));
        item.put(EVENT_COUNT, AttributeValue.fromN(count));
        return item;
    }

    public static Map<String, AttributeValue> toItem(RecordedEvent e) {
        Map<String, AttributeValue> item = key(e.store(), e.aggregateId(), e.version());
        item.put(KIND, AttributeValue.fromS(EVENT_KIND));
        item.put("store", AttributeValue.fromS(e.store()));
        item.put("aggregateId", AttributeValue.fromS(e.aggregateId()));
        item.put("type", AttributeValue.fromS(e.type()));
        item.put("schemaVersion", AttributeValue.fromN(Integer.toString(e.schemaVersion())));
        item.put("timestamp", AttributeValue.fromS(e.timestamp().toString()));
        item.put("payload", AttributeValue.fromM(JsonAttributes.toMap(e.payload())));
        item.put("metadata", AttributeValue.fromM(JsonAttributes.toMap(JsonCodec.metadataToJson(e.metadata()))));
        EventIndexItems.addTo(item, e);
        if (e.version() == 1) {
            item.put(GSI_PK, AttributeValue.fromS(e.store()));
            item.put(GSI_SK, AttributeValue.fromS(e.aggregateId()));
        }
        return item;
    }

    /** True for items written by {@link #toItem} (not snapshots or anything else sharing a table). */
    public static boolean isEvent(Map<String, AttributeValue> item) {
        AttributeValue kind = item.get(KIND);
        return kind != null && EVENT_KIND.equals(kind.s());
    }

    public static RecordedEvent fromItem(Map<String, AttributeValue> item) {
        for (String required : new String[] {"store", "aggregateId", VERSION, "type", "timestamp", "payload"}) {
            if (!item.containsKey(required)) {
                throw new IllegalArgumentException("not a Tally ledger item: attribute '" + required + "' is missing"
                        + " (pk " + (item.containsKey(PK) ? item.get(PK).s() : "?") + ")");
            }
        }
        AttributeValue schema = item.get("schemaVersion");
        AttributeValue metadata = item.get("metadata");
        return new RecordedEvent(item.get("store").s(), item.get("aggregateId").s(),
                Long.parseLong(item.get(VERSION).n()), item.get("type").s(),
                schema == null ? 1 : Integer.parseInt(schema.n()), instant(item.get("timestamp").s()),
                JsonAttributes.toObject(item.get("payload").m()),
                metadata == null ? null : JsonCodec.metadataFromJson(JsonAttributes.toObject(metadata.m())));
    }

    /**
     * {@link Instant#parse} for the shape {@link Instant#toString} writes ("2026-12-07T18:09:08.168Z",
     * 0-9 fraction digits), in a fraction of its time (it was half of turning an item into an event);
     * anything else goes to {@link Instant#parse}.
     */
    static Instant instant(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z' || (n > 20 && (s.charAt(19) != '.' || n == 21))) {
            return Instant.parse(s);
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            int fraction = digits(s, 20, n - 1);
            nanos = fraction < 0 ? -1 : fraction * POWERS[9 - (n - 21)];
        }
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59 || nanos < 0) {
            return Instant.parse(s);
        }
        long epochDay;
        try {
            epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        } catch (java.time.DateTimeException e) {
            return Instant.parse(s); // fails the same way, with its own message
        }
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
    }

    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000};

    /** The decimal number in s[from, to), or -1 when a character is not a digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
