package dev.tally.dynamodb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.tally.core.Page;
import dev.tally.core.PageRequest;
import dev.tally.core.json.JsonCodec;
import dev.tally.core.message.Message;
import dev.tally.core.message.MessageCodec;
import dev.tally.core.message.MessageKind;
import dev.tally.core.runtime.DeadLetter;
import dev.tally.core.runtime.DeadLetterSource;
import dev.tally.core.spi.DeadLetterStore;
import dev.tally.core.runtime.MessageRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * Dead letters in a DynamoDB table ({@link TableDefinitions#keyValue}), so they survive a restart
 * and can be listed and redriven later. The message is kept in Tally's wire format; a message too
 * large for a DynamoDB item keeps only its ledger reference (the ledger is the claim store: a
 * redrive reads it back). Pages are in table order; counting scans the table, so dead letters are
 * meant to be few. A body is read back with exact decimals, so a number that only a
 * {@code BigDecimal} holds (which {@link JsonCodec#canonical} keeps exact) comes back equal.
 */
public final class DynamoDbDeadLetterStore implements DeadLetterStore {
    /** The item that keeps the count of letters, updated in the same transaction as each letter. */
    private static final String COUNTER = "#count";

    /** Bodies above this many bytes are kept as references (the item limit is 400 KB). */
    public static final int MAX_BODY_BYTES = 300_000;
    /** Reads numbers with every digit, then {@link JsonCodec#canonical} gives each its one form. */
    private static final ObjectReader EXACT = JsonCodec.mapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final DynamoDbClient client;
    private final String table;

    public DynamoDbDeadLetterStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void add(DeadLetter d) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS(d.id()));
        item.put("sourceKind", AttributeValue.fromS(d.source().kind()));
        item.put("sourceName", AttributeValue.fromS(d.source().name()));
        item.put("refKind", AttributeValue.fromS(d.ref().kind().wireName()));
        item.put("refStore", AttributeValue.fromS(d.ref().store()));
        item.put("refAggregateId", AttributeValue.fromS(d.ref().aggregateId()));
        item.put("refVersion", AttributeValue.fromN(Long.toString(d.ref().version())));
        if (d.hasBody()) {
            String body = MessageCodec.toJsonString(d.message());
            if (body.getBytes(StandardCharsets.UTF_8).length <= MAX_BODY_BYTES) {
                item.put("message", AttributeValue.fromS(body));
            }
        }
        String error = d.error();
        item.put("error", AttributeValue.fromS(error.length() > 4000 ? error.substring(0, 4000) + "..." : error));
        item.put("attempts", AttributeValue.fromN(Integer.toString(d.attempts())));
        item.put("failedAt", AttributeValue.fromS(d.failedAt().toString()));
        // a new letter and the count move together; a letter written again (same id) replaces the first
        try {
            client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().update(counterUpdate(1)).build()).build());
        } catch (TransactionCanceledException e) {
            if (!firstFailedItsCondition(e)) {
                throw e;
            }
            client.putItem(PutItemRequest.builder().tableName(table).item(item).build());
        }
    }

    private Update counterUpdate(long delta) {
        return Update.builder().tableName(table).key(Map.of("pk", AttributeValue.fromS(COUNTER)))
                .updateExpression("ADD #n :d").expressionAttributeNames(Map.of("#n", "letters"))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromN(Long.toString(delta)))).build();
    }

    private static boolean firstFailedItsCondition(TransactionCanceledException e) {
        return e.hasCancellationReasons() && !e.cancellationReasons().isEmpty()
                && "ConditionalCheckFailed".equals(e.cancellationReasons().get(0).code());
    }

    @Override
    public Page<DeadLetter> page(PageRequest request) {
        return ScanPages.page(client, table, request, item -> COUNTER.equals(item.get("pk").s()) ? null
                : fromItem(item));
    }

    /**
     * One read of the count kept beside the letters (no scan). A table written by a version of Tally
     * that kept no count is counted once by a scan, and the count stored.
     */
    @Override
    public long count() {
        Map<String, AttributeValue> counter = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(COUNTER))).consistentRead(true).build()).item();
        if (counter != null && counter.containsKey("letters")) {
            return Long.parseLong(counter.get("letters").n());
        }
        long n = 0;
        Map<String, AttributeValue> start = null;
        do {
            var r = client.scan(ScanRequest.builder().tableName(table).select(Select.COUNT).exclusiveStartKey(start)
                    .build());
            n += r.count();
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        try {
            client.putItem(PutItemRequest.builder().tableName(table).item(Map.of("pk", AttributeValue.fromS(COUNTER),
                    "letters", AttributeValue.fromN(Long.toString(n)))).conditionExpression("attribute_not_exists(pk)")
                    .build());
        } catch (ConditionalCheckFailedException raced) {
            return count(); // a writer created the count meanwhile
        }
        return n;
    }

    @Override
    public Optional<DeadLetter> get(String id) {
        Map<String, AttributeValue> item = client.getItem(GetItemRequest.builder().tableName(table)
                .key(Map.of("pk", AttributeValue.fromS(id))).consistentRead(true).build()).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean remove(String id) {
        if (COUNTER.equals(id)) {
            return false;
        }
        try {
            client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(
                    TransactWriteItem.builder().delete(Delete.builder().tableName(table)
                            .key(Map.of("pk", AttributeValue.fromS(id))).conditionExpression("attribute_exists(pk)")
                            .build()).build(),
                    TransactWriteItem.builder().update(counterUpdate(-1)).build()).build());
            return true;
        } catch (TransactionCanceledException e) {
            if (firstFailedItsCondition(e)) {
                return false;
            }
            throw e;
        }
    }

    private static DeadLetter fromItem(Map<String, AttributeValue> item) {
        if (!item.containsKey("sourceKind")) {
            return fromItemOfTheFirstVersion(item);
        }
        MessageRef ref = new MessageRef(MessageKind.fromWire(item.get("refKind").s()), item.get("refStore").s(),
                item.get("refAggregateId").s(), Long.parseLong(item.get("refVersion").n()));
        AttributeValue body = item.get("message");
        return new DeadLetter(item.get("pk").s(), DeadLetterSource.of(item.get("sourceKind").s(),
                item.get("sourceName").s()), ref, body == null ? null : decode(body.s()),
                item.get("error").s(), Integer.parseInt(item.get("attempts").n()),
                Instant.parse(item.get("failedAt").s()));
    }

    /**
     * A letter written by the first version of Tally (a "target" string, "stream:NAME" for the stream,
     * and always a body): read as the typed letter it means, so an upgraded data directory keeps them.
     */
    private static DeadLetter fromItemOfTheFirstVersion(Map<String, AttributeValue> item) {
        String target = item.get("target").s();
        DeadLetterSource source = target.startsWith("stream:") ? new DeadLetterSource.Feed(target.substring(7))
                : new DeadLetterSource.BusTarget(target);
        Message m = decode(item.get("message").s());
        return new DeadLetter(item.get("pk").s(), source, MessageRef.of(m), m, item.get("error").s(),
                Integer.parseInt(item.get("attempts").n()), Instant.parse(item.get("failedAt").s()));
    }

    /** The wire form read back without losing a digit (a plain parse would read 1234567890123456789.01 as a double). */
    private static Message decode(String body) {
        try {
            return MessageCodec.fromJson(JsonCodec.canonical(EXACT.readTree(body)));
        } catch (JsonProcessingException e) {
            throw new JsonCodec.JsonMappingFailed("a dead letter's stored message does not parse: "
                    + e.getOriginalMessage(), e);
        }
    }
}
