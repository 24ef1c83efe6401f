package dev.tally.dynamodb;

import dev.tally.core.saga.Timer;
import dev.tally.core.spi.TimerStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * Saga timers in a DynamoDB table ({@link TableDefinitions#keyValue}, key "pk" = timer id), polled by
 * the runtime: the local stack keeps them this way. {@link #due} scans with a filter on the due time
 * (epoch milliseconds), which suits the local stack's handful of pending timers; on AWS, timers are
 * EventBridge Scheduler schedules instead.
 *
 * <p>A poll does not scan every time: a scan also learns when the earliest timer not yet due is
 * due, {@link #schedule} moves that time earlier, and until it comes {@link #due} answers without
 * a request. Timers written by another process are found by the scan made at least once a minute
 * ({@link #RESCAN}).
 */
public final class DynamoDbTimerStore implements TimerStore {
    /** How long {@link #due} trusts what the last scan learnt, for timers written by another process. */
    static final Duration RESCAN = Duration.ofMinutes(1);

    private final DynamoDbClient client;
    private final String table;
    /** When the earliest pending timer is due, as of the last scan and the schedules since; null: scan. */
    private Instant nextDue;
    private long scannedAt;

    public DynamoDbTimerStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** Stores the timer once: a second schedule of the same id keeps the first (conditional put). */
    @Override
    public void schedule(Timer timer) {
        Objects.requireNonNull(timer, "timer");
        try {
            client.putItem(PutItemRequest.builder().tableName(table).item(Map.of(
                            "pk", AttributeValue.fromS(timer.id()),
                            "saga", AttributeValue.fromS(timer.sagaName()),
                            "sagaId", AttributeValue.fromS(timer.sagaId()),
                            "name", AttributeValue.fromS(timer.name()),
                            "dueAt", AttributeValue.fromN(Long.toString(timer.dueAt().toEpochMilli())),
                            "dueAtText", AttributeValue.fromS(timer.dueAt().toString()),
                            "payload", AttributeValue.fromS(timer.payload())))
                    .conditionExpression("attribute_not_exists(pk)").build());
        } catch (ConditionalCheckFailedException already) {
            // scheduled before: idempotent by id
        }
        synchronized (this) {
            if (nextDue != null && timer.dueAt().isBefore(nextDue)) {
                nextDue = timer.dueAt();
            }
        }
    }

    @Override
    public void cancel(String timerId) {
        delete(timerId);
    }

    /**
     * The timers due at {@code now}, earliest first; without a request while the earliest pending
     * timer (as the last scan and the schedules since know it) is not due and the last scan is
     * younger than {@link #RESCAN}.
     */
    @Override
    public synchronized List<Timer> due(Instant now, int limit) {
        if (nextDue != null && now.isBefore(nextDue) && System.nanoTime() - scannedAt < RESCAN.toNanos()) {
            return List.of();
        }
        scannedAt = System.nanoTime();
        List<Timer> all = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            ScanResponse page = client.scan(ScanRequest.builder().tableName(table).consistentRead(true)
                    .exclusiveStartKey(start).build());
            page.items().forEach(item -> all.add(timer(item)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        all.sort(Comparator.comparing(Timer::dueAt).thenComparing(Timer::id));
        List<Timer> due = new ArrayList<>();
        Instant next = Instant.MAX;
        for (Timer t : all) {
            if (t.dueAt().isAfter(now) || due.size() == limit) {
                next = t.dueAt(); // the first one not returned
                break;
            }
            due.add(t);
        }
        // timers handed out stay pending until fired(): scan again next time, until none is due
        nextDue = due.isEmpty() ? next : null;
        return due;
    }

    @Override
    public void fired(String timerId) {
        delete(timerId);
    }

    private void delete(String timerId) {
        client.deleteItem(DeleteItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(Objects.requireNonNull(timerId, "timerId")))).build());
    }

    private static Timer timer(Map<String, AttributeValue> item) {
        // the text keeps nanoseconds the epoch milliseconds drop
        return new Timer(item.get("pk").s(), item.get("saga").s(), item.get("sagaId").s(), item.get("name").s(),
                Instant.parse(item.get("dueAtText").s()), item.get("payload").s());
    }
}
