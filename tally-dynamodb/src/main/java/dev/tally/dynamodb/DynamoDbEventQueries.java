package dev.tally.dynamodb;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.RecordedEvent;
import dev.tally.core.query.EventFilter;
import dev.tally.core.query.EventPosition;
import dev.tally.core.query.EventQueries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * {@link EventQueries} on the DynamoDB ledger table, through its three keys-only global secondary
 * indexes ({@link EventIndexItems}): "correlations" when the filter has a correlation id, else
 * "types" when it has a type, else "days" (one query per day from {@code since}). Each index is
 * sorted by the event's position, so a page is a range of one partition; the full items are then
 * read with a strongly consistent BatchGetItem and the filter's other conditions applied.
 *
 * <p>Global secondary indexes are eventually consistent: an event appended a moment ago may be
 * missing from an answer for a short while (usually well under a second). Archived events are
 * deleted from the table, and so from the indexes: they are not found.
 */
public final class DynamoDbEventQueries implements EventQueries {
    private static final int BATCH_GET = 100;

    private final DynamoDbClient client;
    private final String table;
    private final Clock clock;

    public DynamoDbEventQueries(DynamoDbClient client, String table) {
        this(client, table, Clock.systemUTC());
    }

    /** {@code clock} bounds a query by day with no {@code until} (to the day after today). */
    public DynamoDbEventQueries(DynamoDbClient client, String table, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Queries on the ledger's own table. */
    public static DynamoDbEventQueries of(DynamoDbLedger ledger) {
        return new DynamoDbEventQueries(ledger.client(), ledger.table());
    }

    @Override
    public Page<RecordedEvent> find(EventFilter filter, PageRequest request) {
        EventPosition after = request.cursor() == null ? null : EventPosition.fromCursor(request.cursor());
        String exclusive = after == null ? null : EventIndexItems.position(after);
        String low = filter.since() == null ? "0" : EventIndexItems.time(filter.since());
        if (exclusive != null && exclusive.compareTo(low) > 0) {
            low = exclusive;
        }
        // every position at or after until starts with its time and goes on: the time itself is above them all
        String high = filter.until() == null ? "~" : EventIndexItems.time(filter.until());
        List<RecordedEvent> found = new ArrayList<>();
        int wanted = request.size() + 1;
        if (filter.correlationId() != null) {
            collect(EventIndexItems.CORRELATION_INDEX, EventIndexItems.CORRELATION, filter.correlationId(), low, high,
                    exclusive, filter, wanted, found);
        } else if (filter.type() != null) {
            collect(EventIndexItems.TYPE_INDEX, EventIndexItems.TYPE, filter.type(), low, high, exclusive, filter,
                    wanted, found);
        } else {
            LocalDate day = LocalDate.ofInstant(after == null ? filter.since() : after.timestamp(), ZoneOffset.UTC);
            Instant end = filter.until() != null ? filter.until().minusNanos(1)
                    : clock.instant().plus(Duration.ofDays(1));
            LocalDate last = LocalDate.ofInstant(end, ZoneOffset.UTC);
            for (; !day.isAfter(last) && found.size() < wanted; day = day.plusDays(1)) {
                collect(EventIndexItems.DAY_INDEX, EventIndexItems.DAY, day.toString(), low, high, exclusive, filter,
                        wanted, found);
            }
        }
        if (found.size() <= request.size()) {
            return new Page<>(found, null);
        }
        List<RecordedEvent> page = found.subList(0, request.size());
        return new Page<>(page, EventPosition.of(page.get(page.size() - 1)).cursor());
    }

    /** Adds the matching events of one index partition between {@code low} and {@code high}, up to {@code wanted}. */
    private void collect(String index, String keyAttribute, String key, String low, String high, String exclusive,
                         EventFilter filter, int wanted, List<RecordedEvent> found) {
        if (low.compareTo(high) > 0) {
            return;
        }
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":k", AttributeValue.fromS(key));
            values.put(":lo", AttributeValue.fromS(low));
            values.put(":hi", AttributeValue.fromS(high));
            QueryResponse r = client.query(QueryRequest.builder().tableName(table).indexName(index)
                    .keyConditionExpression("#k = :k AND #p BETWEEN :lo AND :hi")
                    .expressionAttributeNames(Map.of("#k", keyAttribute, "#p", EventIndexItems.POSITION))
                    .expressionAttributeValues(values)
                    .limit(Math.min(1_000, Math.max(10, wanted - found.size())))
                    .exclusiveStartKey(start)
                    .build());
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (Map<String, AttributeValue> item : r.items()) {
                if (exclusive == null || !exclusive.equals(item.get(EventIndexItems.POSITION).s())) {
                    keys.add(Map.of(LedgerItems.PK, item.get(LedgerItems.PK), LedgerItems.VERSION,
                            item.get(LedgerItems.VERSION)));
                }
            }
            for (RecordedEvent e : read(keys)) {
                if (filter.matches(e) && found.size() < wanted) {
                    found.add(e);
                }
            }
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null && found.size() < wanted);
    }

    /** The items of {@code keys}, in that order; an item deleted meanwhile (archived) is left out. */
    private List<RecordedEvent> read(List<Map<String, AttributeValue>> keys) {
        Map<String, RecordedEvent> byKey = new HashMap<>();
        for (int from = 0; from < keys.size(); from += BATCH_GET) {
            Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
                    .keys(keys.subList(from, Math.min(keys.size(), from + BATCH_GET))).consistentRead(true).build());
            for (int attempt = 0; pending != null && !pending.isEmpty(); attempt++) {
                if (attempt > 10) {
                    throw new IllegalStateException("DynamoDB left keys of table " + table + " unread after "
                            + attempt + " tries (throttled): try the query again later");
                }
                if (attempt > 0) {
                    pause(attempt);
                }
                Map<String, KeysAndAttributes> asked = pending;
                BatchGetItemResponse r = client.batchGetItem(b -> b.requestItems(asked));
                for (Map<String, AttributeValue> item : r.responses().getOrDefault(table, List.of())) {
                    byKey.put(id(item), LedgerItems.fromItem(item));
                }
                pending = r.hasUnprocessedKeys() ? r.unprocessedKeys() : null;
            }
        }
        List<RecordedEvent> out = new ArrayList<>(keys.size());
        for (Map<String, AttributeValue> key : keys) {
            RecordedEvent e = byKey.get(id(key));
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    private static String id(Map<String, AttributeValue> item) {
        return item.get(LedgerItems.PK).s() + "\u0000" + item.get(LedgerItems.VERSION).n();
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(Math.min(1_000, 25L << attempt));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading events", e);
        }
    }
}
