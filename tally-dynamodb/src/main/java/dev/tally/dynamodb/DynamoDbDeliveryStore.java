package dev.tally.dynamodb;

import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.message.MessageKind;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.runtime.DeliveryStore;
import dev.tally.core.runtime.MessageRef;
import dev.tally.core.runtime.PendingDelivery;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Accepted deliveries in a DynamoDB table ({@link TableDefinitions#keyValue}): how the local
 * EventBridge keeps AWS's promise that a successful PutEvents is durable. {@link #add} returns once
 * every item is written (BatchWriteItem, 25 at a time, unprocessed items retried); finished
 * deliveries are deleted in batches by a background flusher every {@code flushEvery} (a delete
 * lost in a crash only means one more delivery of a message its target already handled). A message
 * too large for an item, or an item that no longer decodes, is kept as its ledger reference: the
 * engine reads it back from the ledger when it delivers it, under the target's failure policy, so one
 * bad item never stops a start.
 */
public final class DynamoDbDeliveryStore implements DeliveryStore {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbDeliveryStore.class);
    private static final int BATCH = 25;
    private static final int MAX_BODY_BYTES = 300_000;

    private final DynamoDbClient client;
    private final String table;
    private final Set<String> removals = new LinkedHashSet<>();
    private final ScheduledExecutorService flusher;

    /** @param flushEvery how often finished deliveries are deleted */
    public DynamoDbDeliveryStore(DynamoDbClient client, String table, java.time.Duration flushEvery) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tally-delivery-flusher");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, flushEvery.toMillis());
        flusher.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void add(List<PendingDelivery> deliveries) {
        synchronized (removals) {
            // accepted again: a removal still queued from an earlier copy must not delete this one
            deliveries.forEach(d -> removals.remove(d.id()));
        }
        List<WriteRequest> writes = new ArrayList<>(deliveries.size());
        for (PendingDelivery d : deliveries) {
            writes.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item(d)).build()).build());
        }
        write(writes);
    }

    @Override
    public void reschedule(PendingDelivery d) {
        client.putItem(PutItemRequest.builder().tableName(table).item(item(d)).build());
    }

    @Override
    public void remove(Collection<String> ids) {
        synchronized (removals) {
            removals.addAll(ids);
        }
    }

    @Override
    public Page<PendingDelivery> page(PageRequest request) {
        return ScanPages.page(client, table, request, this::fromItem);
    }

    /** Deletes the finished deliveries now. */
    @Override
    public void flush() {
        while (true) {
            List<String> ids;
            synchronized (removals) {
                if (removals.isEmpty()) {
                    return;
                }
                ids = new ArrayList<>(removals);
                removals.clear();
            }
            List<WriteRequest> deletes = new ArrayList<>(ids.size());
            for (String id : ids) {
                deletes.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder()
                        .key(Map.of("pk", AttributeValue.fromS(id))).build()).build());
            }
            try {
                write(deletes);
            } catch (RuntimeException e) {
                synchronized (removals) {
                    removals.addAll(ids);
                }
                throw e;
            }
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warn("deleting finished deliveries failed ({}); trying again", e.toString());
        }
    }

    /** Stops the flusher after a last flush. */
    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }

    /** Stops the flusher without flushing, as a crash would (for crash tests). */
    public void halt() {
        flusher.shutdownNow();
    }

    private void write(List<WriteRequest> writes) {
        for (int from = 0; from < writes.size(); from += BATCH) {
            List<WriteRequest> chunk = writes.subList(from, Math.min(writes.size(), from + BATCH));
            Map<String, List<WriteRequest>> request = Map.of(table, chunk);
            for (int attempt = 0; !request.isEmpty(); attempt++) {
                BatchWriteItemResponse r = client.batchWriteItem(BatchWriteItemRequest.builder()
                        .requestItems(request).build());
                request = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
                if (!request.isEmpty()) {
                    if (attempt >= 20) {
                        throw new IllegalStateException("DynamoDB left " + request.get(table).size()
                                + " deliveries unprocessed after 20 attempts (table " + table + " throttled?)");
                    }
                    try {
                        Thread.sleep(Math.min(500, 10L << Math.min(attempt, 6)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while storing deliveries", e);
                    }
                }
            }
        }
    }

    private Map<String, AttributeValue> item(PendingDelivery d) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(d.id()));
        item.put("target", AttributeValue.fromS(d.target()));
        item.put("refKind", AttributeValue.fromS(d.ref().kind().wireName()));
        item.put("refStore", AttributeValue.fromS(d.ref().store()));
        item.put("refAggregateId", AttributeValue.fromS(d.ref().aggregateId()));
        item.put("refVersion", AttributeValue.fromN(Long.toString(d.ref().version())));
        if (d.message() != null) {
            String body = MessageCodec.toJsonString(d.message());
            if (body.getBytes(StandardCharsets.UTF_8).length <= MAX_BODY_BYTES) {
                item.put("message", AttributeValue.fromS(body));
            }
        }
        item.put("failedAttempts", AttributeValue.fromN(Integer.toString(d.failedAttempts())));
        item.put("dueAt", AttributeValue.fromS(d.dueAt().toString()));
        if (d.lastError() != null) {
            String e = d.lastError();
            item.put("lastError", AttributeValue.fromS(e.length() > 2000 ? e.substring(0, 2000) + "..." : e));
        }
        return item;
    }

    private PendingDelivery fromItem(Map<String, AttributeValue> item) {
        MessageRef ref = new MessageRef(MessageKind.fromWire(item.get("refKind").s()), item.get("refStore").s(),
                item.get("refAggregateId").s(), Long.parseLong(item.get("refVersion").n()));
        Message m = null;
        AttributeValue body = item.get("message");
        if (body != null) {
            try {
                m = MessageCodec.fromJson(body.s());
            } catch (RuntimeException unreadable) {
                LOG.warn("stored delivery {} no longer decodes ({}); it is read back from the ledger as {}",
                        item.get("pk").s(), unreadable.getMessage(), ref);
            }
        }
        AttributeValue error = item.get("lastError");
        return new PendingDelivery(item.get("pk").s(), item.get("target").s(), m, ref,
                Integer.parseInt(item.get("failedAttempts").n()), Instant.parse(item.get("dueAt").s()),
                error == null ? null : error.s());
    }
}
